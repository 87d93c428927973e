"""Chapter 2 measurements: how much of dL/dW_hh comes from k steps back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..init import as_generator
from ..linalg import random_matrix
from ..rnn import W_hh_grad_by_lag, forward, init_rnn


@dataclass(frozen=True)
class LagContributions:
    """Norms of the per-step terms of dL/dW_hh for a loss at the last step, for several W_hh."""

    rhos: tuple[float, ...]  # spectral radius of each W_hh (orthogonal times rho)
    activation: str
    lags: np.ndarray  # (T,) lag = T - k, 0..T-1
    norms: np.ndarray  # (R, T) ||term at lag||_F; the last (k = 1) is 0 because h_0 = 0

    @property
    def relative(self) -> np.ndarray:
        """(R, T) each term's norm divided by the lag-0 term's."""
        return self.norms / self.norms[:, :1]

    @property
    def share_within(self) -> np.ndarray:
        """(R, T) share of the summed term norms that lies within the first lag+1 lags."""
        return np.cumsum(self.norms, axis=1) / self.norms.sum(axis=1, keepdims=True)


def gradient_by_lag_experiment(
    rhos: tuple[float, ...] = (0.8, 1.0, 1.2),
    *,
    T: int = 40,
    n_h: int = 32,
    n_x: int = 4,
    batch: int = 32,
    activation: str = "tanh",
    seed: int = 0,
) -> LagContributions:
    """Split dL/dW_hh of a loss at step T into its per-step terms (the BPTT sum); measure each."""
    rng = as_generator(seed)
    x = rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
    g_T = rng.standard_normal((batch, n_h)) / np.sqrt(n_h)  # (B, n_h): dL/dh_T of some loss
    norms = np.empty((len(rhos), T))
    for i, rho in enumerate(rhos):
        W_hh = random_matrix(n_h, rho=rho, kind="orthogonal", rng=seed + 1)
        model = init_rnn(n_x, n_h, 1, activation=activation, W_hh=W_hh, rng=seed + 2)
        norms[i] = W_hh_grad_by_lag(model, forward(model, x), g_T)
    return LagContributions(tuple(float(r) for r in rhos), activation, np.arange(T), norms)
