"""Ch. 8: one head of causal self-attention (Vaswani et al. 2017), forward and backward by hand.

For a sequence x_1..x_T (rows of X, (T, n_x)), with d_k-dimensional queries and keys:

  q_t = W_q x_t,  k_s = W_k x_s,  v_s = W_v x_s                      (d_k,) each
  S_ts = q_t . k_s / sqrt(d_k) for s <= t, -inf for s > t (causal: step t sees only s <= t)
  A_t = softmax_s(S_t),  o_t = sum_s A_ts v_s,  y_hat_t = W_o o_t + b_o

No positional encoding: the layer sees a set of earlier inputs, not their order. Step t reaches
every x_s, s <= t, through one softmax and one product: the path from x_s to y_hat_t has length
one, whatever t - s is. The score matrix S is T x T: the cost grows like T^2.

The API is that of the recurrent models: ``init_attention``, ``forward``, ``loss_and_grads``,
``params()``; ``input_gradients`` gives dL/dx_s for every s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vanishing.params import Grads, Parametrised
from vanishing.recurrent import LOSS_AT
from vanishing.validate import (
    as_generator,
    check_array,
    check_choice,
    check_shape,
    check_size,
    quiet_overflow,
)

__all__ = [
    "Attention",
    "AttentionCache",
    "forward",
    "init_attention",
    "input_gradients",
    "loss_and_grads",
]


@dataclass
class Attention(Parametrised):
    """Ch. 8 one causal attention head: W_q, W_k, W_v (d_k, n_x), W_o (n_y, d_k), b_o (n_y,)."""

    W_q: np.ndarray
    W_k: np.ndarray
    W_v: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray

    def __post_init__(self):
        self.W_q = check_array(self.W_q, "W_q", 2)
        d_k, n_x = self.W_q.shape
        if d_k < 1 or n_x < 1:
            raise ValueError(f"W_q must have shape (d_k, n_x) with d_k, n_x >= 1, got {(d_k, n_x)}")
        self.W_k = check_shape(self.W_k, "W_k", (d_k, n_x))
        self.W_v = check_shape(self.W_v, "W_v", (d_k, n_x))
        self.W_o = check_array(self.W_o, "W_o", 2)
        if self.W_o.shape[0] < 1 or self.W_o.shape[1] != d_k:
            raise ValueError(f"W_o must have shape (n_y, {d_k}), got {self.W_o.shape}")
        self.b_o = check_shape(self.b_o, "b_o", (self.W_o.shape[0],))

    @property
    def n_x(self) -> int:
        """Input width n_x."""
        return self.W_q.shape[1]

    @property
    def d_k(self) -> int:
        """Query, key and value width d_k."""
        return self.W_q.shape[0]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.W_o.shape[0]


def _check_model(model) -> Attention:
    if not isinstance(model, Attention):
        raise TypeError(f"model must be an Attention, got {type(model).__name__}")
    model.__post_init__()  # the constructor's checks again: a model edited after construction
    return model


def init_attention(n_x: int, d_k: int, n_y: int, *, rng=0) -> Attention:
    """Ch. 8 attention head with W_q, W_k, W_v ~ N(0, 1/n_x) and W_o ~ N(0, 1/d_k), b_o = 0."""
    n_x, d_k, n_y = check_size(n_x, "n_x"), check_size(d_k, "d_k"), check_size(n_y, "n_y")
    rng = as_generator(rng, name="rng")
    W_q, W_k, W_v = rng.standard_normal((3, d_k, n_x)) / np.sqrt(n_x)
    W_o = rng.standard_normal((n_y, d_k)) / np.sqrt(d_k)
    return Attention(W_q, W_k, W_v, W_o, np.zeros(n_y))


@dataclass(frozen=True)
class AttentionCache:
    """Ch. 8 forward values: x (B, T, n_x); q, k, v (B, T, d_k); A (B, T, T) attention weights
    (row t over s, zero for s > t); o (B, T, d_k); y_hat (B, T, n_y)."""

    x: np.ndarray
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    A: np.ndarray
    o: np.ndarray
    y_hat: np.ndarray


@quiet_overflow
def forward(model: Attention, x: np.ndarray) -> AttentionCache:
    """Ch. 8 forward pass; x (B, T, n_x)."""
    model = _check_model(model)
    x = check_array(x, "x", 3)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    q, k, v = x @ model.W_q.T, x @ model.W_k.T, x @ model.W_v.T  # (B, T, d_k) each
    S = q @ np.swapaxes(k, 1, 2) / np.sqrt(model.d_k)  # (B, T, T)
    S = np.where(np.tril(np.ones((T, T), dtype=bool)), S, -np.inf)
    S = S - S.max(axis=2, keepdims=True)
    A = np.exp(S)
    A /= A.sum(axis=2, keepdims=True)
    o = A @ v  # (B, T, d_k)
    y_hat = o @ model.W_o.T + model.b_o
    return AttentionCache(x=x, q=q, k=k, v=v, A=A, o=o, y_hat=y_hat)


def _backward(model: Attention, cache: AttentionCache, r: np.ndarray):
    """From dL/dy_hat (B, T, n_y) to the parameter gradients and dL/dx (B, T, n_x)."""
    B, T = cache.x.shape[:2]
    d_o = r @ model.W_o  # (B, T, d_k)
    d_A = d_o @ np.swapaxes(cache.v, 1, 2)  # dL/dA_ts = d_o_t . v_s, (B, T, T)
    d_v = np.swapaxes(cache.A, 1, 2) @ d_o  # dL/dv_s = sum_t A_ts d_o_t
    # softmax backward, row by row: dS_ts = A_ts (dA_ts - sum_s' A_ts' dA_ts')
    d_S = cache.A * (d_A - np.sum(cache.A * d_A, axis=2, keepdims=True))
    d_S /= np.sqrt(model.d_k)
    d_q = d_S @ cache.k  # (B, T, d_k)
    d_k = np.swapaxes(d_S, 1, 2) @ cache.q
    X = cache.x.reshape(B * T, -1)

    def flat(a):
        return a.reshape(B * T, -1)

    params = {
        "W_q": flat(d_q).T @ X,
        "W_k": flat(d_k).T @ X,
        "W_v": flat(d_v).T @ X,
        "W_o": flat(r).T @ flat(cache.o),
        "b_o": flat(r).sum(axis=0),
    }
    d_x = d_q @ model.W_q + d_k @ model.W_k + d_v @ model.W_v  # (B, T, n_x)
    return params, d_x


def _residual(model: Attention, cache: AttentionCache, y, loss_at: str) -> np.ndarray:
    """dL/dy_hat (B, T, n_y) times B, zero where the loss does not look."""
    B, T = cache.x.shape[:2]
    e = np.zeros_like(cache.y_hat)
    if loss_at == "all":
        e[:] = cache.y_hat - check_shape(y, "y", (B, T, model.n_y))
    else:
        e[:, -1] = cache.y_hat[:, -1] - check_shape(y, "y", (B, model.n_y))
    return e


@quiet_overflow
def loss_and_grads(
    model: Attention, x: np.ndarray, y: np.ndarray, *, loss_at: str = "all"
) -> tuple[float, Grads]:
    """Ch. 8 loss (1/B) sum 1/2 ||y_hat_t - y_t||^2 (every t, or t = T only with
    loss_at="last", y (B, n_y)) and its gradients; ``grads.x`` is dL/dx (B, T, n_x)."""
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x)
    e = _residual(model, cache, y, loss_at)
    B = cache.x.shape[0]
    params, d_x = _backward(model, cache, e / B)
    return 0.5 * float(np.sum(e * e)) / B, Grads(params=params, inputs={"x": d_x})


@quiet_overflow
def input_gradients(model: Attention, cache: AttentionCache, dL_dy: np.ndarray) -> np.ndarray:
    """Ch. 8 dL/dx_s (B, T, n_x) for a given dL/dy_hat (B, T, n_y)."""
    model = _check_model(model)
    if not isinstance(cache, AttentionCache):
        raise TypeError(f"cache must be an AttentionCache, got {type(cache).__name__}")
    dL_dy = check_shape(dL_dy, "dL_dy", cache.y_hat.shape)
    return _backward(model, cache, dL_dy)[1]
