"""Chapter 3 measurements: ||dh_T/dh_{T-k}|| against k, transient growth, the slider figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..linalg import nonnormal_example, power_norms, random_matrix, sigma_max, spectral_radius
from ..rnn import forward, init_rnn, jacobian_products


@dataclass(frozen=True)
class NormVsLag:
    """||dh_T/dh_{T-k}||_2 for k = 0..T, for each spectral radius and each network variant."""

    rhos: np.ndarray  # (R,)
    variants: tuple[str, ...]  # e.g. ("linear, orthogonal W", ...)
    lags: np.ndarray  # (T+1,)
    norms: np.ndarray  # (V, R, T+1), inf where a linear product overflowed
    sigma_max: np.ndarray  # (V, R) largest singular value of W_hh for each variant


# name -> (activation, kind of W_hh, std of the input)
VARIANTS = {
    "linear, orthogonal W": ("identity", "orthogonal", 0.0),
    "linear, Gaussian W": ("identity", "gaussian", 0.0),
    "tanh, Gaussian W, N(0,1) input": ("tanh", "gaussian", 1.0),
}


RHOS = tuple(round(0.5 + 0.05 * i, 2) for i in range(21))  # 0.5, 0.55, ..., 1.5


def norm_vs_lag(
    rhos: tuple[float, ...] = RHOS,
    *,
    variants: tuple[str, ...] = tuple(VARIANTS),
    T: int = 60,
    n_h: int = 64,
    seed: int = 0,
) -> NormVsLag:
    """Norm of the Jacobian product dh_T/dh_{T-k} for W_hh scaled to each spectral radius."""
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"variants: unknown {unknown}; choose from {list(VARIANTS)}")
    rhos = np.asarray(rhos, dtype=float)
    norms = np.empty((len(variants), len(rhos), T + 1))
    smax = np.empty((len(variants), len(rhos)))
    x_base = np.random.default_rng(seed).standard_normal((1, T, 1))  # (B=1, T, n_x=1)
    for v, name in enumerate(variants):
        activation, kind, x_std = VARIANTS[name]
        for r, rho in enumerate(rhos):
            W_hh = random_matrix(n_h, rho=rho, kind=kind, rng=seed + 1)
            smax[v, r] = sigma_max(W_hh)
            # W_xh ~ N(0, 1): the input drives tanh units into saturation when x_std > 0.
            model = init_rnn(
                1, n_h, 1, activation=activation, W_hh=W_hh, scheme="normal", rng=seed + 2
            )
            P = jacobian_products(model, forward(model, x_std * x_base))[0]  # (T+1, n, n)
            with np.errstate(over="ignore", invalid="ignore"):
                spectral = np.array([_norm2(P[T - k]) for k in range(T + 1)])
            norms[v, r] = spectral
    return NormVsLag(rhos, tuple(variants), np.arange(T + 1), norms, smax)


def _norm2(M: np.ndarray) -> float:
    """Spectral norm, inf for a matrix that overflowed."""
    return float(np.linalg.norm(M, 2)) if np.all(np.isfinite(M)) else float("inf")


@dataclass(frozen=True)
class TransientGrowth:
    """||W^k|| of a non-normal matrix next to rho^k and sigma_max^k."""

    W: np.ndarray  # (2, 2)
    k: np.ndarray  # (K+1,)
    norms: np.ndarray  # (K+1,)
    rho: float
    sigma_max: float

    @property
    def peak(self) -> tuple[int, float]:
        """(k, ||W^k||) at the largest norm."""
        i = int(np.argmax(self.norms))
        return i, float(self.norms[i])


def transient_growth(lam: float = 0.9, c: float = 4.0, k_max: int = 80) -> TransientGrowth:
    """Powers of [[lam, c], [0, lam]]: growth before decay although rho = lam < 1."""
    W = nonnormal_example(lam, c)
    return TransientGrowth(
        W, np.arange(k_max + 1), power_norms(W, k_max), spectral_radius(W), sigma_max(W)
    )
