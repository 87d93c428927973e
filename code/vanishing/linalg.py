"""Ch. 3: powers and products of matrices, spectral radius rho(W) and largest singular value.

||W^k||_2 <= sigma_max(W)^k for every k, while ||W^k||_2^(1/k) -> rho(W) as k -> inf (Gelfand).
Norms of long products overflow to inf without warnings; once inf, they stay inf.
This module sits below the models: from the package it imports only vanishing.validate.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from vanishing.validate import as_generator, as_real_array, check_choice, check_finite, check_int

RANDOM_KINDS: tuple[str, ...] = ("gaussian", "orthogonal")

# validation helpers ---------------------------------------------------------------------------


def _check_square(W, name: str = "W") -> np.ndarray:
    """Return W as a finite, non-empty, square float64 matrix; errors name `name`."""
    arr = as_real_array(W, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty square matrix (n, n), got shape {arr.shape}")
    return check_finite(arr, name)


def _check_scale(value, name: str) -> float:
    """Return value as a finite float >= 0; TypeError/ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value}")
    return float(value)


def _check_real(value, name: str) -> float:
    """Return value as a finite float; TypeError/ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


# spectral quantities --------------------------------------------------------------------------


def spectral_radius(W) -> float:
    """Ch. 3 spectral radius rho(W) = max |lambda_i(W)|; W: (n, n)."""
    W = _check_square(W)
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def sigma_max(W) -> float:
    """Ch. 3 largest singular value sigma_max(W) = ||W||_2 >= rho(W); W: (n, n)."""
    W = _check_square(W)
    return float(np.linalg.norm(W, 2))


def with_spectral_radius(W, rho: float) -> np.ndarray:
    """Ch. 3 rescaled copy (rho / rho(W)) W, whose spectral radius is rho; W: (n, n)."""
    W = _check_square(W)
    rho = _check_scale(rho, "rho")
    rho_W = spectral_radius(W)
    if rho_W == 0.0:
        raise ValueError("W has spectral radius 0 (it is nilpotent), so it cannot be rescaled")
    return W * (rho / rho_W)


def random_matrix(
    n: int, *, rho: float | None = None, sigma: float | None = None, kind: str = "gaussian", rng=0
) -> np.ndarray:
    """Ch. 3 random (n, n) matrix with spectral radius rho or largest singular value sigma.

    kind="gaussian": entries N(0, 1/n), then rescaled (typically sigma_max > rho, non-normal);
    kind="orthogonal": a Haar orthogonal Q times the scale, so every singular value and every
    |eigenvalue| equals it (rho = sigma_max). Give exactly one of rho and sigma.
    """
    n = check_int(n, "n", minimum=1)
    if (rho is None) == (sigma is None):
        raise ValueError("rho and sigma: give exactly one of rho (spectral radius) or sigma")
    scale = _check_scale(rho, "rho") if sigma is None else _check_scale(sigma, "sigma")
    kind = check_choice(kind, "kind", RANDOM_KINDS, kind="kind")
    rng = as_generator(rng, name="rng")
    A = rng.standard_normal((n, n))  # (n, n)
    if kind == "orthogonal":
        Q, R = np.linalg.qr(A)
        return scale * (Q * np.where(np.diag(R) < 0, -1.0, 1.0))  # sign fix: Haar-distributed
    A /= np.sqrt(n)  # N(0, 1/n): rho(A) -> 1 as n grows (circular law)
    return A * (scale / (spectral_radius(A) if sigma is None else sigma_max(A)))


def nonnormal_example(lam: float = 0.9, c: float = 4.0) -> np.ndarray:
    """Ch. 3 W = [[lam, c], [0, lam]]: rho = |lam| < 1 yet ||W^k|| first grows when c is large.

    W^k = [[lam^k, k c lam^(k-1)], [0, lam^k]], so the norms show transient growth (a peak of
    about 15.5 at k = 9 for the defaults) before they decay like k |lam|^k.
    """
    lam, c = _check_real(lam, "lam"), _check_real(c, "c")
    return np.array([[lam, c], [0.0, lam]])


# norms of powers and products -----------------------------------------------------------------


def _accumulated_norms(n: int, factors) -> np.ndarray:
    """[||I||, ||F_1||, ||F_1 F_2||, ...] for (n, n) factors F_i; inf from the first overflow on."""
    P = np.eye(n)  # (n, n)
    norms = [1.0]
    for F in factors:
        if not np.isfinite(norms[-1]):
            norms.append(np.inf)
            continue
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            P = P @ F  # (n, n)
            finite = bool(np.all(np.isfinite(P)))
            norms.append(float(np.linalg.norm(P, 2)) if finite else np.inf)
    return np.array(norms)


def power_norms(W, k_max: int) -> np.ndarray:
    """Ch. 3 ||W^k||_2 for k = 0..k_max by repeated products; (k_max + 1,), inf on overflow."""
    W = _check_square(W)
    k_max = check_int(k_max, "k_max", minimum=0)
    return _accumulated_norms(W.shape[0], itertools.repeat(W, k_max))


def product_norms(J) -> np.ndarray:
    """Ch. 3 ||J_T J_{T-1} ... J_{T-k+1}||_2 for k = 0..T (k = 0 gives 1); J: (T, n, n) = J_1..J_T.

    Entry k is the size of dh_T/dh_{T-k} when J holds the one-step Jacobians; inf on overflow.
    """
    arr = as_real_array(J, "J")
    if arr.ndim != 3 or arr.shape[0] < 1 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 1:
        raise ValueError(f"J must be a stack (T, n, n) with T, n >= 1, got shape {arr.shape}")
    J = check_finite(arr, "J")
    return _accumulated_norms(J.shape[1], J[::-1])  # P_k = P_{k-1} J_{T-k+1}
