"""Ch. 2-3: a vanilla RNN, backprop through time (BPTT), and products of state Jacobians.

Steps t = 1..T: z_t = W_hh h_{t-1} + W_xh x_t + b_h, h_t = phi(z_t), y_hat_t = W_hy h_t + b_y.
One-step Jacobian J_t = dh_t/dh_{t-1} = diag(phi'(z_t)) W_hh (numerator layout: rows index h_t),
and dh_T/dh_k = J_T J_{T-1} ... J_{k+1} (the identity for k = T).
Batches are rows, so in code z_t = h_{t-1} @ W_hh.T + x_t @ W_xh.T + b_h with shape (B, n_h).

This module holds the cell (its step, the step's local derivatives, its Jacobian); the loop
over time, BPTT, the loss and the Jacobian products are ``vanishing.recurrent``'s, re-exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vanishing.activations import get_activation
from vanishing.init import INIT_SCHEMES, init_weight
from vanishing.recurrent import *  # noqa: F403  (the shared verbs, re-exported)
from vanishing.recurrent import (
    Cache,
    Recurrent,
    check_cache,
    overflow_to_inf,
    state_gradients,
)
from vanishing.validate import (
    as_generator,
    check_activation,
    check_choice,
    check_input_weights,
    check_readout,
    check_recurrent,
    check_shape,
    check_size,
)

# phi as a bare numpy call, for the forward loop (same values as activations.tanh, .relu)
_KERNELS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


@dataclass
class RNN(Recurrent):
    """A vanilla RNN (ch. 2): W_xh (n_h, n_x), W_hh (n_h, n_h), b_h (n_h,), W_hy (n_y, n_h), b_y."""

    W_xh: np.ndarray  # (n_h, n_x)
    W_hh: np.ndarray  # (n_h, n_h)
    b_h: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)
    activation: str = "tanh"

    STATES: ClassVar[tuple[str, ...]] = ("h",)
    VALUES: ClassVar[tuple[str, ...]] = ("z",)  # z_t, the argument of phi

    def __post_init__(self):
        check_activation(self.activation, "activation")
        self.W_hh = check_recurrent(self.W_hh, "W_hh")
        n_h = self.W_hh.shape[0]
        self.W_xh = check_input_weights(self.W_xh, "W_xh", n_h)
        self.b_h = check_shape(self.b_h, "b_h", (n_h,))
        self.W_hy, self.b_y = check_readout(self.W_hy, self.b_y, n_h)

    # the cell: forward step and its local derivatives -----------------------------------------

    def input_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """W_xh, b_h: the input part W_xh x_t + b_h of z_t."""
        return self.W_xh, self.b_h

    def recurrent_weights(self):
        """W_hh^T (for the rows-are-batch product h_{t-1} @ W_hh.T) and phi (the bare numpy
        kernel where there is one: the engine's arrays are already checked)."""
        phi = _KERNELS.get(self.activation, get_activation(self.activation).phi)
        return np.ascontiguousarray(self.W_hh.T), phi

    def step(self, a_t, states, out, R):
        """z_t = W_hh h_{t-1} + (W_xh x_t + b_h) into out; returns (h_t,) = (phi(z_t),)."""
        (h,) = states
        W_hh_T, phi = R
        np.matmul(h, W_hh_T, out=out)
        out += a_t  # z_t, (B, n_h)
        return (phi(out),)

    def back_factors(self, cache: Cache):
        """phi'(z_t) for all t at once, time-major (T, B, n_h)."""
        z = np.ascontiguousarray(np.swapaxes(cache.z, 0, 1))  # (T, B, n_h)
        return get_activation(self.activation).phi_prime(z)

    def step_back(self, F, k, g, out):
        """delta_t = dL/dz_t = phi'(z_t) * dL/dh_t into out; returns (W_hh^T delta_t,) = J_t^T g."""
        np.multiply(F[k], g[0], out=out)  # F[k] = phi'(z_t), (B, n_h)
        return (out @ self.W_hh,)

    def param_grads(self, cache: Cache, delta: np.ndarray) -> dict[str, np.ndarray]:
        """dL/dW_xh, dL/dW_hh, dL/db_h: sums over b and t of delta_t x_t^T, delta_t h_{t-1}^T,
        delta_t, each as one product over the rows (t, b)."""
        T, B, n = cache.T, cache.B, self.n_h
        delta = delta.reshape(T * B, n)  # delta_t, rows (t, b)
        x = np.swapaxes(cache.x, 0, 1).reshape(T * B, self.n_x)  # x_t, rows (t, b)
        h = np.swapaxes(cache.h[:, :-1], 0, 1).reshape(T * B, n)  # h_{t-1}, rows (t, b)
        return {"W_xh": delta.T @ x, "W_hh": delta.T @ h, "b_h": delta.sum(axis=0)}

    def state_jacobians(self, cache: Cache) -> np.ndarray:
        """J_t = diag(phi'(z_t)) W_hh; (B, T, n_h, n_h) with [:, t-1] = J_t."""
        cache = check_cache(self, cache)
        return self._phi_prime(cache)[..., None] * self.W_hh  # row i of J_t scaled by phi'_i

    def _phi_prime(self, cache: Cache) -> np.ndarray:
        return get_activation(self.activation).phi_prime(cache.z)  # (B, T, n_h)


def init_rnn(
    n_x: int,
    n_h: int,
    n_y: int,
    *,
    activation: str = "tanh",
    W_hh=None,
    scheme: str = "xavier",
    scheme_hh: str = "orthogonal",
    rng=0,
) -> RNN:
    """Ch. 2 RNN: W_xh, W_hy from `scheme`, W_hh from `scheme_hh` unless given, biases zero.

    W_xh and W_hy are drawn first, so they do not depend on whether W_hh is given.
    """
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    check_activation(activation, "activation")
    scheme = check_choice(scheme, "scheme", INIT_SCHEMES, kind="scheme")
    scheme_hh = check_choice(scheme_hh, "scheme_hh", INIT_SCHEMES, kind="scheme")
    rng = as_generator(rng, name="rng")
    W_xh = init_weight(n_h, n_x, scheme=scheme, rng=rng)  # (n_h, n_x)
    W_hy = init_weight(n_y, n_h, scheme=scheme, rng=rng)  # (n_y, n_h)
    if W_hh is None:
        W_hh = init_weight(n_h, n_h, scheme=scheme_hh, rng=rng)  # (n_h, n_h)
    else:
        W_hh = check_shape(W_hh, "W_hh", (n_h, n_h)).copy()
    return RNN(W_xh, W_hh, np.zeros(n_h), W_hy, np.zeros(n_y), activation)


def W_hh_grad_by_lag(model: RNN, cache: Cache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 2-3 size of each step's share of dL/dW_hh for a loss at T; returns (T,), index = lag.

    With g_T = dL/dh_T (B, n_h), step k contributes sum_b delta_k h_{k-1}^T where
    delta_k = diag(phi'(z_k)) (dh_T/dh_k)^T g_T; entry [lag] is its Frobenius norm for k = T - lag.
    The terms sum to dL/dW_hh. Once the backward signal overflows the entry is inf (never NaN),
    without warnings. (The size of dL/dh_k itself is ``state_gradient_norms``.)
    """
    if not isinstance(model, RNN):
        raise TypeError(f"model must be an RNN, got {type(model).__name__}")
    G = state_gradients(model, cache, g_T)  # dL/dh_k, (B, T+1, n_h)
    phi_prime = model._phi_prime(cache)  # (B, T, n_h)
    with np.errstate(over="ignore", invalid="ignore"):
        delta = phi_prime * G[:, 1:]  # delta_k for k = 1..T, (B, T, n_h)
        terms = np.einsum("bki,bkj->kij", delta, cache.h[:, :-1])  # (T, n_h, n_h)
        norms = np.sqrt(np.sum(terms * terms, axis=(1, 2)))  # (T,), index k - 1
    return overflow_to_inf(norms[::-1])  # index T - k = lag
