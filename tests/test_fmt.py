"""How computed numbers are printed in the prose."""

import pytest

from vanishing.fmt import sci


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (2.34e-4, "2.3 × 10⁻⁴"),
        (2.6e-13, "2.6 × 10⁻¹³"),
        (0.5312, "0.53"),
        (19.8, "20"),
        (126.3, "130"),
        (999.0, "1000"),
        (-3.1e5, "−3.1 × 10⁵"),
        (0.0, "0"),
        (float("inf"), "∞"),
    ],
)
def test_sci(x, text):
    assert sci(x) == text


def test_sci_digits_and_bad_input():
    assert sci(1.2345e-6, digits=3) == "1.23 × 10⁻⁶"
    with pytest.raises(ValueError, match="^digits"):
        sci(1.0, digits=0)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.970299, "0.970"),
        (1.1046, "1.10"),
        (2.7048, "2.70"),
        (0.049, "0.0490"),
        (19.79, "19.8"),
        (1.0, "1.00"),
        (100.0, "100"),
        (6.1e-5, "6.10 × 10⁻⁵"),
        (-0.5, "−0.500"),
        (0.0, "0"),
    ],
)
def test_sci_keep_zeros_gives_a_column_equal_precision(x, text):
    assert sci(x, 3, keep_zeros=True) == text


def test_sci_keep_zeros_default_off_and_checked():
    assert sci(0.970299, 3) == "0.97"
    with pytest.raises(TypeError, match="keep_zeros"):
        sci(1.0, 3, keep_zeros=1)
