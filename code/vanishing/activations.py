"""Activation functions phi, their derivatives phi_prime and gain bounds gamma = sup |phi'|.

Every phi and phi_prime acts elementwise on a real array of any shape and returns float64.
NaN propagates, in phi and in phi_prime alike (phi_prime(nan) is nan, not the 0 or 1 of a
comparison with NaN); large inputs (e.g. z = +-1000) give the correct limits without warnings.

Convention at kinks: phi_prime takes the left derivative, so relu'(0) = 0 and
leaky_relu'(0) = 0.01 (the subgradient numpy-based frameworks commonly use). ELU with alpha = 1
is C^1, so elu'(0) = 1 unambiguously.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01  # leaky_relu slope for z <= 0
ELU_ALPHA = 1.0  # elu saturation value -alpha for z -> -inf

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_erf = np.vectorize(math.erf, otypes=[np.float64])  # exact erf; slow but only used for plots

# gelu'(z) = Phi(z) + z phi_N(z) is maximal where gelu''(z) = phi_N(z) (2 - z^2) = 0, i.e. at
# z = sqrt(2): gamma = Phi(sqrt 2) + sqrt(2) phi_N(sqrt 2) = (1 + erf(1)) / 2 + e^{-1} / sqrt(pi).
GELU_GAMMA = 0.5 * (1.0 + math.erf(1.0)) + math.exp(-1.0) / math.sqrt(math.pi)  # ~1.1289


@dataclass(frozen=True)
class Activation:
    """An activation phi with derivative phi_prime and gamma = sup_z |phi'(z)| (ch. 1-2 bounds)."""

    name: str
    phi: Callable[[np.ndarray], np.ndarray]
    phi_prime: Callable[[np.ndarray], np.ndarray]
    gamma: float


def _as_real(z) -> np.ndarray:
    """Return z as a float64 array; TypeError naming `z` if it is not real-valued."""
    arr = np.asarray(z)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"z must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


# identity -------------------------------------------------------------------------------------


def identity(z) -> np.ndarray:
    """phi(z) = z (linear networks, ch. 1); same shape as z."""
    return _as_real(z).copy()


def identity_prime(z) -> np.ndarray:
    """phi'(z) = 1 (NaN at NaN); same shape as z."""
    z = _as_real(z)
    return np.where(np.isnan(z), np.nan, 1.0)


# sigmoid --------------------------------------------------------------------------------------


def sigmoid(z) -> np.ndarray:
    """phi(z) = 1 / (1 + e^{-z}), computed stably via e^{-|z|} (ch. 1); same shape as z."""
    z = _as_real(z)
    with np.errstate(under="ignore"):  # e^{-1000} -> 0 is the correctly rounded answer
        e = np.exp(-np.abs(z))  # in (0, 1], never overflows
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z) -> np.ndarray:
    """phi'(z) = sigmoid(z) (1 - sigmoid(z)) <= 1/4; same shape as z."""
    s = sigmoid(z)
    with np.errstate(under="ignore"):
        return s * (1.0 - s)


# tanh -----------------------------------------------------------------------------------------


def tanh(z) -> np.ndarray:
    """phi(z) = tanh(z); same shape as z."""
    return np.tanh(_as_real(z))


def tanh_prime(z) -> np.ndarray:
    """phi'(z) = 1 - tanh(z)^2 <= 1; same shape as z."""
    t = np.tanh(_as_real(z))
    return 1.0 - t * t


# relu -----------------------------------------------------------------------------------------


def relu(z) -> np.ndarray:
    """phi(z) = max(z, 0); same shape as z."""
    return np.maximum(_as_real(z), 0.0)


def relu_prime(z) -> np.ndarray:
    """phi'(z) = 1[z > 0], with the convention relu'(0) = 0 (NaN at NaN); same shape as z."""
    z = _as_real(z)
    return np.where(np.isnan(z), np.nan, (z > 0).astype(np.float64))


# leaky relu -----------------------------------------------------------------------------------


def leaky_relu(z) -> np.ndarray:
    """phi(z) = z for z > 0, 0.01 z otherwise; same shape as z."""
    z = _as_real(z)
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_prime(z) -> np.ndarray:
    """phi'(z) = 1 for z > 0, 0.01 otherwise (so leaky_relu'(0) = 0.01; NaN at NaN); same
    shape as z."""
    z = _as_real(z)
    return np.where(np.isnan(z), np.nan, np.where(z > 0, 1.0, LEAKY_SLOPE))


# elu ------------------------------------------------------------------------------------------


def elu(z) -> np.ndarray:
    """phi(z) = z for z > 0, alpha (e^z - 1) otherwise, alpha = 1; same shape as z."""
    z = _as_real(z)
    with np.errstate(under="ignore"):
        return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def elu_prime(z) -> np.ndarray:
    """phi'(z) = 1 for z > 0, alpha e^z otherwise; same shape as z."""
    z = _as_real(z)
    with np.errstate(under="ignore"):
        return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0)))


# gelu -----------------------------------------------------------------------------------------


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2, the standard normal CDF; same shape as z."""
    return 0.5 * (1.0 + _erf(z / _SQRT2))


def gelu(z) -> np.ndarray:
    """phi(z) = z Phi(z), exact erf form (Hendrycks & Gimpel 2016); same shape as z."""
    z = _as_real(z)
    return z * _normal_cdf(z)


def gelu_prime(z) -> np.ndarray:
    """phi'(z) = Phi(z) + z e^{-z^2/2} / sqrt(2 pi), max ~1.1289 at z = sqrt 2; same shape."""
    z = _as_real(z)
    with np.errstate(under="ignore", over="ignore"):  # z^2 -> inf gives density 0, as it should
        return _normal_cdf(z) + z * np.exp(-0.5 * z * z) / _SQRT_2PI


# registry -------------------------------------------------------------------------------------

_REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", identity, identity_prime, 1.0),
        Activation("sigmoid", sigmoid, sigmoid_prime, 0.25),
        Activation("tanh", tanh, tanh_prime, 1.0),
        Activation("relu", relu, relu_prime, 1.0),
        Activation("leaky_relu", leaky_relu, leaky_relu_prime, 1.0),
        Activation("elu", elu, elu_prime, 1.0),
        Activation("gelu", gelu, gelu_prime, GELU_GAMMA),
    )
}
_ALIASES = {"linear": "identity"}

ACTIVATION_NAMES: tuple[str, ...] = tuple(_REGISTRY)  # canonical names; "linear" is an alias


def get_activation(name: str) -> Activation:
    """Look up an activation by name (ch. 1); "linear" is an alias of "identity"."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        valid = ", ".join(ACTIVATION_NAMES + tuple(_ALIASES))
        raise ValueError(f"name: unknown activation {name!r}; valid names are {valid}")
    return _REGISTRY[key]
