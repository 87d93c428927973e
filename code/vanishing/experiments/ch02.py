"""Chapter 2 measurements: how much of dL/dW_hh comes from k steps back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import get_activation
from ..init import as_generator
from ..linalg import random_matrix
from ..rnn import W_hh_grad_by_lag, forward, init_rnn
from ..validate import (
    check_activation,
    check_ints,
    check_real,
    check_reals,
    check_size,
    quiet_overflow,
)

SEEDS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class LagContributions:
    """Norms of the per-step terms of dL/dW_hh for a loss at the last step, per seed and W_hh."""

    rhos: tuple[float, ...]  # spectral radius of each W_hh (orthogonal times rho)
    activation: str
    input_scale: float  # x_t ~ N(0, input_scale^2 I)
    n_h: int
    seeds: tuple[int, ...]
    lags: np.ndarray  # (T,) lag = T - k, 0..T-1
    norms: np.ndarray  # (S, R, T) ||term at lag||_F; the last (k = 1) is 0 because h_0 = 0
    rms_phi_prime: np.ndarray  # (S, R) sqrt(mean phi'(z)^2) over examples, steps and units

    @property
    def relative(self) -> np.ndarray:
        """(S, R, T) each term's norm divided by the lag-0 term's."""
        return self.norms / self.norms[..., :1]

    @property
    def share_within(self) -> np.ndarray:
        """(S, R, T) share of the summed term norms that lies within the first lag+1 lags."""
        return np.cumsum(self.norms, axis=-1) / self.norms.sum(axis=-1, keepdims=True)


@quiet_overflow
def gradient_by_lag_experiment(
    rhos: tuple[float, ...] = (0.8, 1.0, 1.2),
    *,
    T: int = 40,
    n_h: int = 32,
    n_x: int = 4,
    batch: int = 32,
    input_scale: float = 1.0,
    activation: str = "tanh",
    seeds: tuple[int, ...] = SEEDS,
) -> LagContributions:
    """Ch. 2: split dL/dW_hh of a loss at step T into its per-step terms; measure each, per seed."""
    T, n_h = check_size(T, "T"), check_size(n_h, "n_h")
    n_x, batch = check_size(n_x, "n_x"), check_size(batch, "batch")
    input_scale = check_real(input_scale, "input_scale", positive=True)
    check_activation(activation, "activation")
    rhos = check_reals(rhos, "rhos", positive=True)
    seeds = check_ints(seeds, "seeds")
    norms = np.empty((len(seeds), len(rhos), T))
    rms_phi_prime = np.empty((len(seeds), len(rhos)))
    for s, seed in enumerate(seeds):
        rng = as_generator(seed)
        x = input_scale * rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
        g_T = rng.standard_normal((batch, n_h)) / np.sqrt(n_h)  # (B, n_h): dL/dh_T of some loss
        for i, rho in enumerate(rhos):
            W_hh = random_matrix(n_h, rho=rho, kind="orthogonal", rng=seed + 1)
            model = init_rnn(n_x, n_h, 1, activation=activation, W_hh=W_hh, rng=seed + 2)
            cache = forward(model, x)
            norms[s, i] = W_hh_grad_by_lag(model, cache, g_T)
            # the per-step gain of rho Q diag(phi') on a generic vector is about rho * RMS(phi')
            d = get_activation(activation).phi_prime(cache.z)  # (B, T, n_h)
            rms_phi_prime[s, i] = np.sqrt(np.mean(d**2))
    return LagContributions(
        rhos, activation, input_scale, n_h, seeds, np.arange(T), norms, rms_phi_prime
    )
