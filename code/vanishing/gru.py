"""Ch. 6: the GRU cell, its BPTT, and the Jacobians of its state h_t.

Steps t = 1..T, with the update gate z_t, the reset gate r_t and the candidate h~_t (`h_tilde`):
  z_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z)
  r_t = sigmoid(W_r x_t + U_r h_{t-1} + b_r)
  h~_t = tanh(W_h x_t + U_h (r_t * h_{t-1}) + b_h)
  h_t = (1 - z_t) * h_{t-1} + z_t * h~_t,  y_hat_t = W_hy h_t + b_y,
with * elementwise, W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,) for g in z, r, h.

Conventions differ between texts, so ours precisely: z_t = 1 takes the candidate and z_t = 0
keeps h_{t-1} (the book's notation, and Chung et al. 2014). Cho et al. 2014, PyTorch's nn.GRU
and Keras write h_t = z_t * h_{t-1} + (1 - z_t) * h~_t: their z is our 1 - z (negate W_z, U_z
and b_z to translate). The reset gate acts before U_h, as in Cho et al. 2014; PyTorch (and
cuDNN) apply it after, r_t * (U_h h_{t-1} + b), which is a different model.

One-step Jacobian (numerator layout), with g' = g (1 - g) for a sigmoid gate:
  dh_t/dh_{t-1} = diag(1 - z_t) + diag((h~_t - h_{t-1}) z_t') U_z
                  + diag(z_t (1 - h~_t^2)) U_h (diag(r_t) + diag(h_{t-1} r_t') U_r).
Its first term diag(1 - z_t) is the direct path, the GRU's counterpart of the LSTM's diag(f_t).
Batches are rows, so in code a gate's argument is x_t @ W_g.T + h_{t-1} @ U_g.T + b_g, (B, n_h).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vanishing.activations import sigmoid
from vanishing.init import INIT_SCHEMES, init_weight
from vanishing.validate import (
    as_generator,
    check_array,
    check_cache_shapes,
    check_choice,
    check_gate_params,
    check_shape,
    check_size,
)

GATES: tuple[str, ...] = ("z", "r", "h")  # update gate, reset gate, candidate h~
LOSS_AT: tuple[str, ...] = ("all", "last")  # loss at every step, or only at t = T
GRU_SCHEMES: tuple[str, ...] = ("uniform",) + INIT_SCHEMES  # "uniform": U(+-1/sqrt(n_h))

# validation helpers ---------------------------------------------------------------------------


def _check_model(model) -> GRU:
    if not isinstance(model, GRU):
        raise TypeError(f"model must be a GRU, got {type(model).__name__}")
    return model


# model ----------------------------------------------------------------------------------------


@dataclass
class GRU:
    """Ch. 6 GRU: for g in z, r, h: W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,); W_hy, b_y."""

    W_z: np.ndarray  # (n_h, n_x)
    W_r: np.ndarray  # (n_h, n_x)
    W_h: np.ndarray  # (n_h, n_x)
    U_z: np.ndarray  # (n_h, n_h)
    U_r: np.ndarray  # (n_h, n_h)
    U_h: np.ndarray  # (n_h, n_h)
    b_z: np.ndarray  # (n_h,)
    b_r: np.ndarray  # (n_h,)
    b_h: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)

    def __post_init__(self):
        check_gate_params(self, GATES)

    @property
    def n_x(self) -> int:
        """Input width n_x."""
        return self.W_z.shape[1]

    @property
    def n_h(self) -> int:
        """Hidden width n_h."""
        return self.U_z.shape[0]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.W_hy.shape[0]


def _stacked(model: GRU) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (3 n_h, n_x) and b (3 n_h,) stacked as z, r, h~; U_zr = [U_z; U_r] (2 n_h, n_h)."""
    W = np.concatenate([model.W_z, model.W_r, model.W_h])
    b = np.concatenate([model.b_z, model.b_r, model.b_h])
    return W, b, np.concatenate([model.U_z, model.U_r])


def init_gru(n_x: int, n_h: int, n_y: int, *, scheme: str = "uniform", rng=0) -> GRU:
    """Ch. 6 GRU: weights from `scheme`, biases zero (so z_t and r_t start near 1/2).

    scheme="uniform" draws every weight (W_hy too) from U(-1/sqrt(n_h), 1/sqrt(n_h)), as
    PyTorch's nn.GRU does (it draws the biases so too). Any init.py scheme instead draws each
    gate's block on its own, so "orthogonal" makes every U_g orthogonal. Drawn in the order
    W_z, W_r, W_h, U_z, U_r, U_h, W_hy.
    """
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    scheme = check_choice(scheme, "scheme", GRU_SCHEMES, kind="scheme")
    rng = as_generator(rng, name="rng")

    def draw(n_in: int, n_out: int) -> np.ndarray:  # (n_out, n_in)
        if scheme == "uniform":
            c = 1.0 / np.sqrt(n_h)
            return rng.uniform(-c, c, size=(n_out, n_in))
        return init_weight(n_in, n_out, scheme, rng)

    W = {g: draw(n_x, n_h) for g in GATES}  # W_g (n_h, n_x)
    U = {g: draw(n_h, n_h) for g in GATES}  # U_g (n_h, n_h)
    W_hy = draw(n_h, n_y)  # (n_y, n_h)
    return GRU(
        **{f"W_{g}": W[g] for g in GATES},
        **{f"U_{g}": U[g] for g in GATES},
        **{f"b_{g}": np.zeros(n_h) for g in GATES},
        W_hy=W_hy,
        b_y=np.zeros(n_y),
    )


# forward --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GRUCache:
    """Ch. 6 forward-pass values, indexed so that time t = 1..T reads naturally.

    x[:, t-1] = x_t; z, r, h_tilde [:, t-1] = z_t, r_t, h~_t (B, T, n_h);
    h[:, t] = h_t for t = 0..T (B, T+1, n_h); y_hat[:, t-1] = y_hat_t (B, T, n_y).
    """

    x: np.ndarray  # (B, T, n_x), x[:, t-1] = x_t
    h: np.ndarray  # (B, T+1, n_h), h[:, t] = h_t
    z: np.ndarray  # (B, T, n_h), z[:, t-1] = z_t
    r: np.ndarray  # (B, T, n_h), r[:, t-1] = r_t
    h_tilde: np.ndarray  # (B, T, n_h), h_tilde[:, t-1] = h~_t
    y_hat: np.ndarray  # (B, T, n_y), y_hat[:, t-1] = y_hat_t

    @property
    def B(self) -> int:
        """Batch size B."""
        return self.x.shape[0]

    @property
    def T(self) -> int:
        """Sequence length T."""
        return self.x.shape[1]


def forward(model: GRU, x: np.ndarray, h0: np.ndarray | None = None) -> GRUCache:
    """Ch. 6 forward pass h_t = (1 - z_t) h_{t-1} + z_t h~_t; x: (B, T, n_x), h0: (B, n_h).

    h_t is a convex combination of h_{t-1} and h~_t in (-1, 1), so |h_t| <= max(|h_0|, 1); huge
    weights can still overflow a gate's argument, which gives inf/nan silently, as in rnn.forward.
    """
    model = _check_model(model)
    x = check_array(x, "x", 3)  # (B, T, n_x)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    n = model.n_h
    h0 = np.zeros((B, n)) if h0 is None else check_shape(h0, "h0", (B, n))
    W, b, U_zr = _stacked(model)  # (3n, n_x), (3n,), (2n, n)
    h = np.empty((B, T + 1, n))  # (B, T+1, n)
    zr = np.empty((B, T, 2 * n))  # z_t, r_t side by side, (B, T, 2n)
    h_tilde = np.empty((B, T, n))  # (B, T, n)
    h[:, 0] = h0
    with np.errstate(over="ignore", invalid="ignore"):
        u = x @ W.T + b  # W_g x_t + b_g for all t and g in z, r, h; (B, T, 3n)
        for t in range(1, T + 1):
            h_prev = h[:, t - 1]  # (B, n)
            zr[:, t - 1] = sigmoid(u[:, t - 1, : 2 * n] + h_prev @ U_zr.T)  # z_t, r_t
            z, r = zr[:, t - 1, :n], zr[:, t - 1, n:]  # (B, n) each
            h_tilde[:, t - 1] = np.tanh(u[:, t - 1, 2 * n :] + (r * h_prev) @ model.U_h.T)
            h[:, t] = (1.0 - z) * h_prev + z * h_tilde[:, t - 1]  # h_t
        y_hat = h[:, 1:] @ model.W_hy.T + model.b_y  # (B, T, n_y)
    return GRUCache(x=x, h=h, z=zr[..., :n], r=zr[..., n:], h_tilde=h_tilde, y_hat=y_hat)


def _check_cache(model: GRU, cache) -> GRUCache:
    if not isinstance(cache, GRUCache):
        raise TypeError(f"cache must be a GRUCache from forward(), got {type(cache).__name__}")
    B, T = cache.x.shape[:2]
    n = model.n_h
    expected = {"x": (B, T, model.n_x), "h": (B, T + 1, n)}
    expected |= {name: (B, T, n) for name in ("z", "r", "h_tilde")}
    expected["y_hat"] = (B, T, model.n_y)
    return check_cache_shapes(cache, expected)


# backward -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GRUGrads:
    """Ch. 6 gradients of the loss w.r.t. each GRU parameter (same names and shapes) and h_0."""

    W_z: np.ndarray  # (n_h, n_x)
    W_r: np.ndarray  # (n_h, n_x)
    W_h: np.ndarray  # (n_h, n_x)
    U_z: np.ndarray  # (n_h, n_h)
    U_r: np.ndarray  # (n_h, n_h)
    U_h: np.ndarray  # (n_h, n_h)
    b_z: np.ndarray  # (n_h,)
    b_r: np.ndarray  # (n_h,)
    b_h: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)
    h0: np.ndarray  # (B, n_h)


def _step_back(
    model: GRU, U_zr: np.ndarray, cache: GRUCache, t: int, g_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One step back through step t: from dL/dh_t (B, n) to dL/da_t (B, 3n), the arguments of
    z_t, r_t, h~_t, and dL/dh_{t-1} (B, n), the part that passes through step t."""
    h_prev = cache.h[:, t - 1]  # (B, n)
    z, r, h_tilde = cache.z[:, t - 1], cache.r[:, t - 1], cache.h_tilde[:, t - 1]  # (B, n) each
    delta_h = g_h * z * (1.0 - h_tilde**2)  # dL/da_h, through h~_t
    g_rh = delta_h @ model.U_h  # dL/d(r_t * h_{t-1})
    delta_z = g_h * (h_tilde - h_prev) * z * (1.0 - z)  # dL/da_z
    delta_r = g_rh * h_prev * r * (1.0 - r)  # dL/da_r
    delta_zr = np.concatenate([delta_z, delta_r], axis=1)  # (B, 2n)
    g_prev = g_h * (1.0 - z) + g_rh * r + delta_zr @ U_zr  # dL/dh_{t-1} via step t
    return np.concatenate([delta_zr, delta_h], axis=1), g_prev


def bptt(model: GRU, cache: GRUCache, dL_dh: np.ndarray) -> GRUGrads:
    """Ch. 6 BPTT through the GRU; dL_dh[:, t-1] = direct dL/dh_t, (B, T, n_h).

    Only the recurrent part: dL_dh[:, t-1] is the gradient reaching h_t not through h_{t+1}
    (e.g. via y_hat_t). The returned W_hy and b_y gradients are zero; `loss_and_grads` fills them.
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    dL_dh = check_shape(dL_dh, "dL_dh", (B, T, n))  # (B, T, n_h)
    _, _, U_zr = _stacked(model)  # (2n, n)
    delta = np.empty((B, T, 3 * n))  # dL/da_t for t = 1..T, gates z, r, h~; (B, T, 3n)
    g = np.zeros((B, n))  # part of dL/dh_T from step T+1: none
    for t in range(T, 0, -1):
        delta[:, t - 1], g = _step_back(model, U_zr, cache, t, g + dL_dh[:, t - 1])
    h_prev = cache.h[:, :-1]  # h_{t-1} for t = 1..T, (B, T, n)
    dW = np.split(np.einsum("bti,btj->ij", delta, cache.x), 3)  # dW_z, dW_r, dW_h (n, n_x)
    db = np.split(delta.sum(axis=(0, 1)), 3)  # (n,) each
    dU_zr = np.split(np.einsum("bti,btj->ij", delta[..., : 2 * n], h_prev), 2)  # (n, n) each
    dU_h = np.einsum("bti,btj->ij", delta[..., 2 * n :], cache.r * h_prev)  # (n, n)
    return GRUGrads(
        W_z=dW[0],
        W_r=dW[1],
        W_h=dW[2],
        U_z=dU_zr[0],
        U_r=dU_zr[1],
        U_h=dU_h,
        b_z=db[0],
        b_r=db[1],
        b_h=db[2],
        W_hy=np.zeros_like(model.W_hy),
        b_y=np.zeros_like(model.b_y),
        h0=g,
    )


def loss_and_grads(
    model: GRU, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None, loss_at: str = "all"
) -> tuple[float, GRUGrads]:
    """Ch. 6 loss (1/B) sum_b sum_t 1/2 ||y_hat_t - y_t||^2 and all gradients via BPTT.

    loss_at="all": every t, y is (B, T, n_y); loss_at="last": only t = T, y is (B, n_y).
    """
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0)
    B, T = cache.B, cache.T
    if loss_at == "all":
        y = check_shape(y, "y", (B, T, model.n_y))  # (B, T, n_y)
        e = cache.y_hat - y  # y_hat_t - y_t, (B, T, n_y)
    else:
        y = check_shape(y, "y", (B, model.n_y))  # (B, n_y)
        e = cache.y_hat[:, -1:] - y[:, None]  # y_hat_T - y, (B, 1, n_y)
    h = cache.h[:, T + 1 - e.shape[1] :]  # the h_t that feed the loss, (B, T or 1, n_h)
    loss = 0.5 * float(np.sum(e * e)) / B
    r = e / B  # dL/dy_hat_t, (B, T or 1, n_y)
    dL_dh = np.zeros((B, T, model.n_h))  # (B, T, n_h)
    dL_dh[:, T - r.shape[1] :] = r @ model.W_hy  # W_hy^T dL/dy_hat_t
    grads = bptt(model, cache, dL_dh)
    dW_hy = np.einsum("bti,btj->ij", r, h)  # sum_b sum_t dL/dy_hat_t h_t^T, (n_y, n_h)
    return loss, replace(grads, W_hy=dW_hy, b_y=r.sum(axis=(0, 1)))


# state Jacobians ------------------------------------------------------------------------------


def direct_path_jacobians(model: GRU, cache: GRUCache) -> np.ndarray:
    """Ch. 6 direct path of dh_t/dh_{t-1}, past the gates and h~_t: diag(1 - z_t); (B, T, n, n)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    return (1.0 - cache.z)[..., None] * np.eye(model.n_h)  # (B, T, n, n)


def state_jacobians(model: GRU, cache: GRUCache) -> np.ndarray:
    """Ch. 6 one-step Jacobians dh_t/dh_{t-1} (module docstring); (B, T, n_h, n_h), [:, t-1]."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    z, r, h_tilde, h_prev = cache.z, cache.r, cache.h_tilde, cache.h[:, :-1]  # (B, T, n) each
    # d(r_t * h_{t-1})/dh_{t-1} = diag(r_t) + diag(h_{t-1} r_t') U_r, (B, T, n, n)
    d_rh = r[..., None] * np.eye(model.n_h) + (h_prev * r * (1.0 - r))[..., None] * model.U_r
    return (
        (1.0 - z)[..., None] * np.eye(model.n_h)
        + ((h_tilde - h_prev) * z * (1.0 - z))[..., None] * model.U_z
        + (z * (1.0 - h_tilde**2))[..., None] * (model.U_h @ d_rh)
    )


def jacobian_products(model: GRU, cache: GRUCache) -> np.ndarray:
    """Ch. 6 products dh_T/dh_k = J_T ... J_{k+1}; returns (B, T+1, n_h, n_h), [:, k], k = 0..T.

    P_T = I and P_k = P_{k+1} J_{k+1}. Overflow (large U_h) gives inf/NaN silently, as in rnn.
    """
    J = state_jacobians(model, cache)  # (B, T, n, n)
    B, T, n = J.shape[:3]
    P = np.empty((B, T + 1, n, n))  # (B, T+1, n, n)
    P[:, T] = np.eye(n)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T - 1, -1, -1):
            P[:, k] = P[:, k + 1] @ J[:, k]  # dh_T/dh_k = dh_T/dh_{k+1} J_{k+1}
    return P


def _state_grads(model: GRU, cache: GRUCache, g_T: np.ndarray) -> np.ndarray:
    """dL/dh_k = (dh_T/dh_k)^T g_T for k = 0..T, by steps back; (B, T+1, n_h)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    g = check_shape(g_T, "g_T", (cache.B, model.n_h))  # (B, n)
    _, _, U_zr = _stacked(model)
    G = np.empty((cache.B, cache.T + 1, model.n_h))  # (B, T+1, n)
    G[:, cache.T] = g
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(cache.T, 0, -1):
            _, G[:, k - 1] = _step_back(model, U_zr, cache, k, G[:, k])  # J_k^T dL/dh_k
    return G


def state_gradient_norms(model: GRU, cache: GRUCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 6 backward signal ||dL/dh_k||_2, batch mean, k = 0..T, for a loss at T; (T+1,).

    g_T = dL/dh_T (B, n_h). Indexed by k like rnn.state_gradient_norms. Once the signal
    overflows the entry is inf (never NaN), without warnings.
    """
    G = _state_grads(model, cache, g_T)  # (B, T+1, n)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(G, axis=2).mean(axis=0)  # (T+1,)
    return np.where(np.isnan(norms), np.inf, norms)


def gradient_norm_by_lag(model: GRU, cache: GRUCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 6 batch-mean ||dL/dh_{T-m}||_2 for lags m = 0..T and a loss at T; (T+1,), [m].

    `state_gradient_norms` reversed: entry 0 is the mean ||g_T||. The RNN curve to compare is
    rnn.state_gradient_norms(...)[::-1].
    """
    return state_gradient_norms(model, cache, g_T)[::-1]
