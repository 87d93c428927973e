"""Central finite differences: the independent check on every hand-written gradient (ch. 1-6)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vanishing.validate import as_real_array, check_finite


def central_difference(
    loss: Callable[[], float], param: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """dloss/dparam by (loss(p + eps) - loss(p - eps)) / (2 eps), one entry at a time.

    ``param`` is perturbed in place and restored; ``loss`` must read it (a closure over the model).
    """
    if not callable(loss):
        raise TypeError(f"loss must be a callable () -> float, got {type(loss).__name__}")
    if not isinstance(param, np.ndarray) or param.dtype != np.float64:
        raise TypeError("param must be a float64 numpy array that the loss reads in place")
    if param.size == 0:
        raise ValueError(f"param must not be empty, got shape {param.shape}")
    check_finite(param, "param")
    if not (isinstance(eps, float) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite float, got {eps!r}")
    grad = np.zeros_like(param)
    for idx in np.ndindex(param.shape):
        original = param[idx]
        param[idx] = original + eps
        up = loss()
        param[idx] = original - eps
        down = loss()
        param[idx] = original
        grad[idx] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Normwise relative error ||a - b|| / max(||a||, ||b||), 0 when both are zero; a and b are
    finite arrays of one shape (no broadcasting: a gradient compared with one of another shape
    is an error)."""
    a = check_finite(as_real_array(a, "a"), "a")
    b = check_finite(as_real_array(b, "b"), "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got a {a.shape} and b {b.shape}")
    top = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if top == 0:
        return 0.0
    a, b = a / top, b / top  # scaled first: the squares in the norms cannot underflow to 0
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))
