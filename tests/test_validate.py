"""The shared argument checks: the cleaned value, or an error that names the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vanishing.validate import check_real


@pytest.mark.parametrize("value", [0, 2, -1.5, np.float64(0.25), np.int32(3)])
def test_check_real_returns_a_float(value):
    result = check_real(value, "x")
    assert type(result) is float and result == float(value)


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, TypeError), ("1", TypeError), (None, TypeError), (1j, TypeError)]
    + [(math.inf, ValueError), (-math.inf, ValueError), (math.nan, ValueError)],
)
def test_check_real_rejects_non_reals_and_non_finite_values(value, error):
    with pytest.raises(error, match="^lr "):
        check_real(value, "lr")


@pytest.mark.parametrize("value", [0, -0.0, -1e-300])
def test_check_real_positive_rejects_zero_and_negatives(value):
    with pytest.raises(ValueError, match=r"^tol must be finite and > 0"):
        check_real(value, "tol", positive=True)
    assert check_real(1e-300, "tol", positive=True) == 1e-300
