"""Ch. 2-3: a vanilla RNN, backprop through time (BPTT), and products of state Jacobians.

Steps t = 1..T: z_t = W_hh h_{t-1} + W_xh x_t + b_h, h_t = phi(z_t), y_hat_t = W_hy h_t + b_y.
One-step Jacobian J_t = dh_t/dh_{t-1} = diag(phi'(z_t)) W_hh (numerator layout: rows index h_t),
and dh_T/dh_k = J_T J_{T-1} ... J_{k+1} (the identity for k = T).
Batches are rows, so in code z_t = h_{t-1} @ W_hh.T + x_t @ W_xh.T + b_h with shape (B, n_h).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vanishing.activations import get_activation
from vanishing.init import INIT_SCHEMES, init_weight
from vanishing.validate import (
    as_generator,
    check_activation,
    check_array,
    check_cache_shapes,
    check_choice,
    check_input_weights,
    check_readout,
    check_recurrent,
    check_shape,
    check_size,
)

LOSS_AT: tuple[str, ...] = ("all", "last")  # loss at every step, or only at t = T

# validation helpers ---------------------------------------------------------------------------


def _check_model(model) -> RNN:
    if not isinstance(model, RNN):
        raise TypeError(f"model must be an RNN, got {type(model).__name__}")
    return model


# model ----------------------------------------------------------------------------------------


@dataclass
class RNN:
    """A vanilla RNN (ch. 2): W_xh (n_h, n_x), W_hh (n_h, n_h), b_h (n_h,), W_hy (n_y, n_h), b_y."""

    W_xh: np.ndarray  # (n_h, n_x)
    W_hh: np.ndarray  # (n_h, n_h)
    b_h: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)
    activation: str = "tanh"

    def __post_init__(self):
        check_activation(self.activation, "activation")
        self.W_hh = check_recurrent(self.W_hh, "W_hh")
        n_h = self.W_hh.shape[0]
        self.W_xh = check_input_weights(self.W_xh, "W_xh", n_h)
        self.b_h = check_shape(self.b_h, "b_h", (n_h,))
        self.W_hy, self.b_y = check_readout(self.W_hy, self.b_y, n_h)

    @property
    def n_x(self) -> int:
        """Input width n_x."""
        return self.W_xh.shape[1]

    @property
    def n_h(self) -> int:
        """Hidden width n_h."""
        return self.W_hh.shape[0]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.W_hy.shape[0]


def init_rnn(
    n_x: int,
    n_h: int,
    n_y: int,
    activation: str = "tanh",
    *,
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
    W_xh = init_weight(n_x, n_h, scheme, rng)  # (n_h, n_x)
    W_hy = init_weight(n_h, n_y, scheme, rng)  # (n_y, n_h)
    if W_hh is None:
        W_hh = init_weight(n_h, n_h, scheme_hh, rng)  # (n_h, n_h)
    else:
        W_hh = check_shape(W_hh, "W_hh", (n_h, n_h)).copy()
    return RNN(W_xh, W_hh, np.zeros(n_h), W_hy, np.zeros(n_y), activation)


# forward --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RNNCache:
    """Forward-pass values (ch. 2), indexed so that time t = 1..T reads naturally.

    x[:, t-1] = x_t (B, T, n_x); z[:, t-1] = z_t (B, T, n_h); y_hat[:, t-1] = y_hat_t (B, T, n_y);
    h[:, t] = h_t for t = 0..T (B, T+1, n_h), so h[:, 0] = h_0 and h[:, T] = h_T.
    """

    x: np.ndarray  # (B, T, n_x), x[:, t-1] = x_t
    h: np.ndarray  # (B, T+1, n_h), h[:, t] = h_t
    z: np.ndarray  # (B, T, n_h), z[:, t-1] = z_t
    y_hat: np.ndarray  # (B, T, n_y), y_hat[:, t-1] = y_hat_t

    @property
    def B(self) -> int:
        """Batch size B."""
        return self.x.shape[0]

    @property
    def T(self) -> int:
        """Sequence length T."""
        return self.x.shape[1]


def forward(model: RNN, x: np.ndarray, h0: np.ndarray | None = None) -> RNNCache:
    """Ch. 2 forward pass h_t = phi(W_hh h_{t-1} + W_xh x_t + b_h); x: (B, T, n_x), h0: (B, n_h).

    Overflowing states (an exploding linear or ReLU network) become inf/nan without warnings.
    """
    model = _check_model(model)
    x = check_array(x, "x", 3)  # (B, T, n_x)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    h0 = np.zeros((B, model.n_h)) if h0 is None else check_shape(h0, "h0", (B, model.n_h))
    phi = get_activation(model.activation).phi
    u = x @ model.W_xh.T + model.b_h  # W_xh x_t + b_h for all t, (B, T, n_h)
    h = np.empty((B, T + 1, model.n_h))  # (B, T+1, n_h)
    z = np.empty((B, T, model.n_h))  # (B, T, n_h)
    h[:, 0] = h0
    # An exploding linear or ReLU network overflows: the states become inf (or nan), silently;
    # that is the expected outcome of the demonstration, not an error to warn about at each step.
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, T + 1):
            z[:, t - 1] = h[:, t - 1] @ model.W_hh.T + u[:, t - 1]  # z_t, (B, n_h)
            h[:, t] = phi(z[:, t - 1])  # h_t, (B, n_h)
        y_hat = h[:, 1:] @ model.W_hy.T + model.b_y  # (B, T, n_y)
    return RNNCache(x=x, h=h, z=z, y_hat=y_hat)


def _check_cache(model: RNN, cache) -> RNNCache:
    if not isinstance(cache, RNNCache):
        raise TypeError(f"cache must be an RNNCache from forward(), got {type(cache).__name__}")
    B, T = cache.x.shape[:2]
    expected = {
        "x": (B, T, model.n_x),
        "h": (B, T + 1, model.n_h),
        "z": (B, T, model.n_h),
        "y_hat": (B, T, model.n_y),
    }
    return check_cache_shapes(cache, expected)


# backward -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RNNGrads:
    """Ch. 2 gradients of the loss w.r.t. each parameter (same shape) and h_0 (B, n_h)."""

    W_xh: np.ndarray  # (n_h, n_x)
    W_hh: np.ndarray  # (n_h, n_h)
    b_h: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)
    h0: np.ndarray  # (B, n_h)


def bptt(model: RNN, cache: RNNCache, dL_dh: np.ndarray) -> RNNGrads:
    """Ch. 2 BPTT: g_{t-1} = J_t^T g_t + direct part; dL_dh[:, t-1] = direct dL/dh_t (B, T, n_h).

    Only the recurrent part: dL_dh[:, t-1] is the gradient reaching h_t *not* through h_{t+1}
    (e.g. via y_hat_t). The returned W_hy and b_y gradients are zero; `loss_and_grads` fills them.
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B, T = cache.B, cache.T
    dL_dh = check_shape(dL_dh, "dL_dh", (B, T, model.n_h))  # (B, T, n_h)
    phi_prime = get_activation(model.activation).phi_prime
    dW_xh, dW_hh, db_h = np.zeros_like(model.W_xh), np.zeros_like(model.W_hh), np.zeros(model.n_h)
    g = np.zeros((B, model.n_h))  # part of dL/dh_T arriving from h_{T+1}: none
    for t in range(T, 0, -1):
        g = g + dL_dh[:, t - 1]  # total dL/dh_t, (B, n_h)
        delta = phi_prime(cache.z[:, t - 1]) * g  # dL/dz_t = diag(phi'(z_t)) g, (B, n_h)
        dW_hh += delta.T @ cache.h[:, t - 1]  # (n_h, n_h), summed over the batch
        dW_xh += delta.T @ cache.x[:, t - 1]  # (n_h, n_x)
        db_h += delta.sum(axis=0)  # (n_h,)
        g = delta @ model.W_hh  # J_t^T dL/dh_t = W_hh^T delta, part of dL/dh_{t-1}, (B, n_h)
    return RNNGrads(
        W_xh=dW_xh,
        W_hh=dW_hh,
        b_h=db_h,
        W_hy=np.zeros_like(model.W_hy),
        b_y=np.zeros_like(model.b_y),
        h0=g,
    )


def loss_and_grads(
    model: RNN, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None, loss_at: str = "all"
) -> tuple[float, RNNGrads]:
    """Ch. 2 loss (1/B) sum_b sum_t 1/2 ||y_hat_t - y_t||^2 and all gradients via BPTT.

    loss_at="all": every t, y is (B, T, n_y); loss_at="last": only t = T, y is (B, n_y).
    """
    if not isinstance(loss_at, str):
        raise TypeError(f"loss_at must be a str, got {type(loss_at).__name__}")
    if loss_at not in LOSS_AT:
        raise ValueError(f"loss_at must be one of {LOSS_AT}, got {loss_at!r}")
    cache = forward(model, x, h0)
    B, T = cache.B, cache.T
    if loss_at == "all":
        y = check_shape(y, "y", (B, T, model.n_y))  # (B, T, n_y)
        e = cache.y_hat - y  # y_hat_t - y_t, (B, T, n_y)
        h = cache.h[:, 1:]  # h_1..h_T, (B, T, n_h)
    else:
        y = check_shape(y, "y", (B, model.n_y))  # (B, n_y)
        e = cache.y_hat[:, -1:] - y[:, None]  # y_hat_T - y, (B, 1, n_y)
        h = cache.h[:, -1:]  # h_T, (B, 1, n_h)
    loss = 0.5 * float(np.sum(e * e)) / B
    r = e / B  # dL/dy_hat_t, (B, T or 1, n_y)
    dL_dh = np.zeros((B, T, model.n_h))  # (B, T, n_h)
    dL_dh[:, T - r.shape[1] :] = r @ model.W_hy  # W_hy^T dL/dy_hat_t, (B, T or 1, n_h)
    grads = bptt(model, cache, dL_dh)
    dW_hy = np.einsum("bti,btj->ij", r, h)  # sum_b sum_t dL/dy_hat_t h_t^T, (n_y, n_h)
    return loss, replace(grads, W_hy=dW_hy, b_y=r.sum(axis=(0, 1)))


# state Jacobians ------------------------------------------------------------------------------


def step_jacobians(model: RNN, cache: RNNCache) -> np.ndarray:
    """Ch. 3 one-step Jacobians J_t = diag(phi'(z_t)) W_hh; (B, T, n_h, n_h) with [:, t-1] = J_t."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    phi_prime = get_activation(model.activation).phi_prime(cache.z)  # (B, T, n_h)
    return phi_prime[..., None] * model.W_hh  # row i of J_t scaled by phi'(z_t)_i


def jacobian_products(model: RNN, cache: RNNCache) -> np.ndarray:
    """Ch. 3 products dh_T/dh_k = J_T ... J_{k+1}; returns (B, T+1, n_h, n_h), [:, k] for k = 0..T.

    Accumulated from the end, P_T = I and P_k = P_{k+1} J_{k+1}. When the product explodes the
    result holds inf (and NaN where inf meets 0); those overflows are silenced, not warned about.
    """
    J = step_jacobians(model, cache)  # (B, T, n_h, n_h)
    B, T, n_h = J.shape[:3]
    P = np.empty((B, T + 1, n_h, n_h))  # (B, T+1, n_h, n_h)
    P[:, T] = np.eye(n_h)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T - 1, -1, -1):
            P[:, k] = P[:, k + 1] @ J[:, k]  # dh_T/dh_k = dh_T/dh_{k+1} J_{k+1}
    return P


def _state_grads(model: RNN, cache: RNNCache, g_T: np.ndarray) -> np.ndarray:
    """dL/dh_k = (dh_T/dh_k)^T g_T for k = 0..T via g_{k-1} = J_k^T g_k; (B, T+1, n_h)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    g = check_shape(g_T, "g_T", (cache.B, model.n_h))  # (B, n_h)
    phi_prime = get_activation(model.activation).phi_prime(cache.z)  # (B, T, n_h)
    G = np.empty((cache.B, cache.T + 1, model.n_h))  # (B, T+1, n_h)
    G[:, cache.T] = g
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(cache.T, 0, -1):
            G[:, k - 1] = (phi_prime[:, k - 1] * G[:, k]) @ model.W_hh  # J_k^T dL/dh_k
    return G


def _overflow_to_inf(norms: np.ndarray) -> np.ndarray:
    """Norms with NaN (inf - inf or 0 * inf after an overflow; inputs are finite) set to inf."""
    return np.where(np.isnan(norms), np.inf, norms)


def gradient_by_lag(model: RNN, cache: RNNCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 3 size of each step's share of dL/dW_hh for a loss at T; returns (T,), index = lag.

    With g_T = dL/dh_T (B, n_h), step k contributes sum_b delta_k h_{k-1}^T where
    delta_k = diag(phi'(z_k)) (dh_T/dh_k)^T g_T; entry [lag] is its Frobenius norm for k = T - lag.
    The terms sum to dL/dW_hh. Once the backward signal overflows the entry is inf (never NaN),
    without warnings.
    """
    G = _state_grads(model, cache, g_T)  # dL/dh_k, (B, T+1, n_h)
    phi_prime = get_activation(model.activation).phi_prime(cache.z)  # (B, T, n_h)
    with np.errstate(over="ignore", invalid="ignore"):
        delta = phi_prime * G[:, 1:]  # delta_k for k = 1..T, (B, T, n_h)
        terms = np.einsum("bki,bkj->kij", delta, cache.h[:, :-1])  # (T, n_h, n_h)
        norms = np.sqrt(np.sum(terms * terms, axis=(1, 2)))  # (T,), index k - 1
    return _overflow_to_inf(norms[::-1])  # index T - k = lag


def state_gradient_norms(model: RNN, cache: RNNCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 3 backward signal ||dL/dh_k||_2, batch mean, for k = 0..T and a loss at T; (T+1,).

    g_T = dL/dh_T (B, n_h). Once the signal overflows the entry is inf (never NaN), without
    warnings.
    """
    G = _state_grads(model, cache, g_T)  # (B, T+1, n_h)
    with np.errstate(over="ignore", invalid="ignore"):
        return _overflow_to_inf(np.linalg.norm(G, axis=2).mean(axis=0))  # (T+1,)
