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
