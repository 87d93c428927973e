"""The shared argument checks: the cleaned value, or an error that names the argument."""

from __future__ import annotations

import importlib
import math
from types import SimpleNamespace

import numpy as np
import pytest

from vanishing.validate import check_cache_shapes, check_real


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


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm"])
def test_bptt_rejects_the_cache_of_another_model(name):
    module = importlib.import_module(f"vanishing.{name}")
    init = getattr(module, f"init_{name}")
    small = init(2, 3, 1)
    wide = init(2, 4, 1)
    x = np.random.default_rng(0).standard_normal((2, 5, 2))  # (B, T, n_x)
    cache = module.forward(wide, x)
    mismatch = r"^cache does not match model: cache\.[ch] has shape \(2, 6, 4\), expected \(2, 6, 3"
    with pytest.raises(ValueError, match=mismatch):
        module.bptt(small, cache, np.zeros((2, 5, 3)))


def test_check_cache_shapes_returns_a_matching_cache_and_names_the_first_mismatch():
    cache = SimpleNamespace(x=np.zeros((2, 5, 3)), h=np.zeros((2, 6, 4)))
    assert check_cache_shapes(cache, {"x": (2, 5, 3), "h": (2, 6, 4)}) is cache
    with pytest.raises(ValueError, match=r"cache\.h has shape \(2, 6, 4\), expected \(2, 6, 5\)"):
        check_cache_shapes(cache, {"x": (2, 5, 3), "h": (2, 6, 5)})
