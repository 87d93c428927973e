"""Weight initialisation schemes (ch. 1 uses "lecun"; ch. 5 compares them all).

A weight matrix W^(l) has shape (n_out, n_in) = (n_l, n_{l-1}), so z = W a + b.
"""

from __future__ import annotations

import numbers

import numpy as np

INIT_SCHEMES: tuple[str, ...] = (
    "standard",  # U(-1/sqrt(n_in), 1/sqrt(n_in)), Glorot & Bengio (2010)'s "standard" heuristic
    "lecun",  # N(0, 1/n_in)
    "xavier",  # N(0, 2/(n_in + n_out)), Glorot & Bengio (2010)
    "xavier_uniform",  # U(-sqrt(6/(n_in + n_out)), +sqrt(6/(n_in + n_out)))
    "he",  # N(0, 2/n_in), He et al. (2015)
    "orthogonal",  # (semi-)orthogonal, Saxe et al. (2014)
    "normal",  # N(0, 1)
)


def as_generator(seed_or_rng, *, name: str = "seed_or_rng") -> np.random.Generator:
    """Return a np.random.Generator from an int seed (>= 0) or pass a Generator through."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if isinstance(seed_or_rng, bool) or not isinstance(seed_or_rng, numbers.Integral):
        raise TypeError(
            f"{name} must be an int seed or a np.random.Generator, got {type(seed_or_rng).__name__}"
        )
    if seed_or_rng < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {seed_or_rng}")
    return np.random.default_rng(int(seed_or_rng))


def _check_size(value, name: str) -> int:
    """Return value as a positive int; TypeError/ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _check_scheme(scheme) -> str:
    """Return scheme if it is a known name; TypeError/ValueError naming `scheme` otherwise."""
    if not isinstance(scheme, str):
        raise TypeError(f"scheme must be a str, got {type(scheme).__name__}")
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"scheme: unknown scheme {scheme!r}; valid schemes are {INIT_SCHEMES}")
    return scheme


def weight_variance(n_in: int, n_out: int, scheme: str) -> float:
    """Var(W_ij) implied by `scheme` for a (n_out, n_in) matrix (ch. 5 variance formulas)."""
    n_in, n_out = _check_size(n_in, "n_in"), _check_size(n_out, "n_out")
    scheme = _check_scheme(scheme)
    if scheme == "standard":
        return 1.0 / (3.0 * n_in)  # U(-c, c) has variance c^2 / 3 with c^2 = 1/n_in
    if scheme == "lecun":
        return 1.0 / n_in
    if scheme in ("xavier", "xavier_uniform"):
        return 2.0 / (n_in + n_out)  # uniform: c^2 / 3 with c^2 = 6 / (n_in + n_out)
    if scheme == "he":
        return 2.0 / n_in
    if scheme == "orthogonal":
        return 1.0 / max(n_in, n_out)  # ||W||_F^2 = min(n_in, n_out) spread over n_in n_out
    return 1.0  # "normal"


def _orthogonal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """(Semi-)orthogonal (n_out, n_in) matrix: W W^T = I if n_out <= n_in, else W^T W = I."""
    big, small = max(n_in, n_out), min(n_in, n_out)
    A = rng.standard_normal((big, small))  # (big, small)
    Q, R = np.linalg.qr(A)  # Q: (big, small), orthonormal columns
    Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # sign fix makes Q Haar-distributed
    return Q if n_out >= n_in else Q.T  # (n_out, n_in)


def init_weight(n_in: int, n_out: int, scheme: str, rng: np.random.Generator) -> np.ndarray:
    """Draw W (n_out, n_in) from `scheme` (ch. 1, ch. 5); rng is a Generator or an int seed."""
    n_in, n_out = _check_size(n_in, "n_in"), _check_size(n_out, "n_out")
    scheme = _check_scheme(scheme)
    rng = as_generator(rng, name="rng")
    shape = (n_out, n_in)
    if scheme == "standard":
        c = 1.0 / np.sqrt(n_in)
        return rng.uniform(-c, c, size=shape)
    if scheme == "xavier_uniform":
        c = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-c, c, size=shape)
    if scheme == "orthogonal":
        return _orthogonal(n_in, n_out, rng)
    std = np.sqrt(weight_variance(n_in, n_out, scheme))  # lecun, xavier, he, normal
    return std * rng.standard_normal(shape)
