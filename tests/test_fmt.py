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


def test_spread_gives_median_and_range():
    from vanishing.fmt import spread

    assert spread([0.081, 0.097, 0.13, 0.09, 0.1]) == "0.097 (0.081 to 0.13)"
    assert spread([0.861, 0.859, 0.86]) == "0.86"
    assert spread([0.69, 0.71, 0.74], lambda v: f"{v:.0%}") == "71% (69% to 74%)"
    assert spread([3.3e-4, 2.6e-4, 5.5e-4]) == "3.3 × 10⁻⁴ (2.6 × 10⁻⁴ to 5.5 × 10⁻⁴)"


def test_spread_rejects_empty_or_nan():
    import numpy as np
    import pytest

    from vanishing.fmt import spread

    for bad in ([], [1.0, np.nan]):
        with pytest.raises(ValueError, match="values"):
            spread(bad)


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
