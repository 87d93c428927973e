"""Ch. 6: the LSTM cell, its BPTT, and the Jacobians of its state s_t = (c_t, h_t).

Steps t = 1..T; gates f, i, o and the candidate c~ (in code `c_tilde`, with W_c, U_c, b_c):
  f_t = sigmoid(W_f x_t + U_f h_{t-1} + b_f)      forget gate (Gers et al. 2000)
  i_t = sigmoid(W_i x_t + U_i h_{t-1} + b_i)      input gate
  o_t = sigmoid(W_o x_t + U_o h_{t-1} + b_o)      output gate
  c~_t = tanh(W_c x_t + U_c h_{t-1} + b_c)        candidate
  c_t = f_t * c_{t-1} + i_t * c~_t,  h_t = o_t * tanh(c_t),  y_hat_t = W_hy h_t + b_y,
with * elementwise, W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,). No peepholes: the gates read
h_{t-1}, not c_{t-1}. The one-matrix form W [h_{t-1}; x_t] + b of other texts stacks the rows
[U_g  W_g] of the gates in some order; ours, used inside the code, is f, i, o, c~.

The state is s_t = [c_t; h_t] (2 n_h,), so the one-step Jacobian (numerator layout) is
  ds_t/ds_{t-1} = [[diag(f_t),                 dc_t/dh_{t-1}],
                   [diag(o_t tanh'(c_t) f_t),  dh_t/dh_{t-1}]],
  dc_t/dh_{t-1} = diag(c_{t-1} f_t') U_f + diag(c~_t i_t') U_i + diag(i_t (1 - c~_t^2)) U_c,
  dh_t/dh_{t-1} = diag(tanh(c_t) o_t') U_o + diag(o_t tanh'(c_t)) dc_t/dh_{t-1},
where g' = g (1 - g) for a sigmoid gate and tanh'(c) = 1 - tanh(c)^2. Its top-left block
diag(f_t) is the direct cell path (the "constant error carousel" when f_t = 1).
Batches are rows, so in code a gate's argument is x_t @ W_g.T + h_{t-1} @ U_g.T + b_g, (B, n_h).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

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

GATES: tuple[str, ...] = ("f", "i", "o", "c")  # forget, input, output gates; candidate c~
LOSS_AT: tuple[str, ...] = ("all", "last")  # loss at every step, or only at t = T
LSTM_SCHEMES: tuple[str, ...] = ("uniform",) + INIT_SCHEMES  # "uniform": U(+-1/sqrt(n_h))

# validation helpers ---------------------------------------------------------------------------


def _check_model(model) -> LSTM:
    if not isinstance(model, LSTM):
        raise TypeError(f"model must be an LSTM, got {type(model).__name__}")
    return model


def _check_real(value, name: str) -> float:
    """Return value as a finite float; TypeError/ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


# model ----------------------------------------------------------------------------------------


@dataclass
class LSTM:
    """Ch. 6 LSTM: for g in f, i, o, c: W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,); W_hy, b_y."""

    W_f: np.ndarray  # (n_h, n_x)
    W_i: np.ndarray  # (n_h, n_x)
    W_o: np.ndarray  # (n_h, n_x)
    W_c: np.ndarray  # (n_h, n_x)
    U_f: np.ndarray  # (n_h, n_h)
    U_i: np.ndarray  # (n_h, n_h)
    U_o: np.ndarray  # (n_h, n_h)
    U_c: np.ndarray  # (n_h, n_h)
    b_f: np.ndarray  # (n_h,)
    b_i: np.ndarray  # (n_h,)
    b_o: np.ndarray  # (n_h,)
    b_c: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)

    def __post_init__(self):
        check_gate_params(self, GATES)

    @property
    def n_x(self) -> int:
        """Input width n_x."""
        return self.W_f.shape[1]

    @property
    def n_h(self) -> int:
        """Hidden (and cell) width n_h."""
        return self.U_f.shape[0]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.W_hy.shape[0]


def _stacked(model: LSTM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (4 n_h, n_x), U (4 n_h, n_h), b (4 n_h,): the gate parameters stacked as f, i, o, c~."""
    W = np.concatenate([getattr(model, f"W_{g}") for g in GATES])
    U = np.concatenate([getattr(model, f"U_{g}") for g in GATES])
    b = np.concatenate([getattr(model, f"b_{g}") for g in GATES])
    return W, U, b


def init_lstm(
    n_x: int,
    n_h: int,
    n_y: int,
    *,
    forget_bias: float = 0.0,
    scheme: str = "uniform",
    rng=0,
) -> LSTM:
    """Ch. 6 LSTM: weights from `scheme`, biases zero but b_f = forget_bias (all entries).

    A positive forget bias starts the forget gates open, f_t ~ sigmoid(forget_bias) (Gers et al.
    2000 open them at the start; Jozefowicz et al. 2015 recommend forget_bias = 1).

    scheme="uniform" draws every weight (W_hy too) from U(-1/sqrt(n_h), 1/sqrt(n_h)), as
    PyTorch's nn.LSTM does (it draws the biases so too). Any init.py scheme instead draws each
    gate's block on its own, so "orthogonal" makes every U_g orthogonal. Drawn in the order
    W_f, W_i, W_o, W_c, U_f, ..., U_c, W_hy, so the draws do not depend on forget_bias.
    """
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    forget_bias = _check_real(forget_bias, "forget_bias")
    scheme = check_choice(scheme, "scheme", LSTM_SCHEMES, kind="scheme")
    rng = as_generator(rng, name="rng")

    def draw(n_in: int, n_out: int) -> np.ndarray:  # (n_out, n_in)
        if scheme == "uniform":
            c = 1.0 / np.sqrt(n_h)
            return rng.uniform(-c, c, size=(n_out, n_in))
        return init_weight(n_in, n_out, scheme, rng)

    W = {g: draw(n_x, n_h) for g in GATES}  # W_g (n_h, n_x)
    U = {g: draw(n_h, n_h) for g in GATES}  # U_g (n_h, n_h)
    W_hy = draw(n_h, n_y)  # (n_y, n_h)
    b = {g: np.zeros(n_h) for g in GATES}
    b["f"] += forget_bias
    return LSTM(
        **{f"W_{g}": W[g] for g in GATES},
        **{f"U_{g}": U[g] for g in GATES},
        **{f"b_{g}": b[g] for g in GATES},
        W_hy=W_hy,
        b_y=np.zeros(n_y),
    )


# forward --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMCache:
    """Ch. 6 forward-pass values, indexed so that time t = 1..T reads naturally.

    x[:, t-1] = x_t; f, i, o, c_tilde [:, t-1] = f_t, i_t, o_t, c~_t (B, T, n_h);
    c[:, t] = c_t and h[:, t] = h_t for t = 0..T (B, T+1, n_h); y_hat[:, t-1] = y_hat_t.
    """

    x: np.ndarray  # (B, T, n_x), x[:, t-1] = x_t
    c: np.ndarray  # (B, T+1, n_h), c[:, t] = c_t
    h: np.ndarray  # (B, T+1, n_h), h[:, t] = h_t
    f: np.ndarray  # (B, T, n_h), f[:, t-1] = f_t
    i: np.ndarray  # (B, T, n_h), i[:, t-1] = i_t
    o: np.ndarray  # (B, T, n_h), o[:, t-1] = o_t
    c_tilde: np.ndarray  # (B, T, n_h), c_tilde[:, t-1] = c~_t
    y_hat: np.ndarray  # (B, T, n_y), y_hat[:, t-1] = y_hat_t

    @property
    def B(self) -> int:
        """Batch size B."""
        return self.x.shape[0]

    @property
    def T(self) -> int:
        """Sequence length T."""
        return self.x.shape[1]

    @property
    def s(self) -> np.ndarray:
        """States s_t = [c_t; h_t] for t = 0..T, (B, T+1, 2 n_h)."""
        return np.concatenate([self.c, self.h], axis=2)


def forward(
    model: LSTM, x: np.ndarray, h0: np.ndarray | None = None, c0: np.ndarray | None = None
) -> LSTMCache:
    """Ch. 6 forward pass c_t = f_t c_{t-1} + i_t c~_t, h_t = o_t tanh(c_t); x: (B, T, n_x).

    h0, c0: (B, n_h), zero if None. |c_t| <= |c_0| + t and |h_t| < 1, but huge weights can still
    overflow a gate's argument; that gives inf/nan silently, as in rnn.forward.
    """
    model = _check_model(model)
    x = check_array(x, "x", 3)  # (B, T, n_x)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    n = model.n_h
    h0 = np.zeros((B, n)) if h0 is None else check_shape(h0, "h0", (B, n))
    c0 = np.zeros((B, n)) if c0 is None else check_shape(c0, "c0", (B, n))
    W, U, b = _stacked(model)  # (4n, n_x), (4n, n), (4n,)
    # Time-major buffers, so each step reads and writes contiguous (B, .) blocks; the cache
    # holds batch-major views of them.
    h, c = np.empty((T + 1, B, n)), np.empty((T + 1, B, n))  # h[t] = h_t, c[t] = c_t
    gates = np.empty((T, B, 4 * n))  # gates[t-1] = [f_t, i_t, o_t, c~_t], (T, B, 4n)
    h[0], c[0] = h0, c0
    U_T = U.T  # (n, 4n)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        u = np.swapaxes(x, 0, 1).reshape(T * B, n_x) @ W.T + b  # W_g x_t + b_g, rows (t, b)
        u = u.reshape(T, B, 4 * n)  # u[t-1] for step t, all gates, (T, B, 4n)
        for t in range(1, T + 1):
            a = u[t - 1] + h[t - 1] @ U_T  # gate arguments, (B, 4n)
            g = gates[t - 1]  # (B, 4n)
            # sigmoid = 1/(1 + e^{-a}): e^{-a} = inf for a < -709 gives the right limit, 0
            np.divide(1.0, 1.0 + np.exp(-a[:, : 3 * n]), out=g[:, : 3 * n])  # f_t, i_t, o_t
            np.tanh(a[:, 3 * n :], out=g[:, 3 * n :])  # c~_t
            np.multiply(g[:, :n], c[t - 1], out=c[t])  # f_t c_{t-1}
            c[t] += g[:, n : 2 * n] * g[:, 3 * n :]  # c_t = f_t c_{t-1} + i_t c~_t
            np.multiply(g[:, 2 * n : 3 * n], np.tanh(c[t]), out=h[t])  # h_t = o_t tanh(c_t)
        y_hat = h[1:] @ model.W_hy.T + model.b_y  # (T, B, n_y)
    f, i, o, c_tilde = (np.swapaxes(gates[..., k * n : (k + 1) * n], 0, 1) for k in range(4))
    return LSTMCache(
        x=x,
        c=np.swapaxes(c, 0, 1),
        h=np.swapaxes(h, 0, 1),
        f=f,
        i=i,
        o=o,
        c_tilde=c_tilde,
        y_hat=np.swapaxes(y_hat, 0, 1),
    )


def _check_cache(model: LSTM, cache) -> LSTMCache:
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache must be an LSTMCache from forward(), got {type(cache).__name__}")
    B, T = cache.x.shape[:2]
    n = model.n_h
    expected = {"x": (B, T, model.n_x), "c": (B, T + 1, n), "h": (B, T + 1, n)}
    expected |= {name: (B, T, n) for name in ("f", "i", "o", "c_tilde")}
    expected["y_hat"] = (B, T, model.n_y)
    return check_cache_shapes(cache, expected)


# backward -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMGrads:
    """Ch. 6 gradients of the loss w.r.t. each LSTM parameter (same names and shapes), h_0, c_0."""

    W_f: np.ndarray  # (n_h, n_x)
    W_i: np.ndarray  # (n_h, n_x)
    W_o: np.ndarray  # (n_h, n_x)
    W_c: np.ndarray  # (n_h, n_x)
    U_f: np.ndarray  # (n_h, n_h)
    U_i: np.ndarray  # (n_h, n_h)
    U_o: np.ndarray  # (n_h, n_h)
    U_c: np.ndarray  # (n_h, n_h)
    b_f: np.ndarray  # (n_h,)
    b_i: np.ndarray  # (n_h,)
    b_o: np.ndarray  # (n_h,)
    b_c: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)
    h0: np.ndarray  # (B, n_h)
    c0: np.ndarray  # (B, n_h)


def _backward_factors(cache: LSTMCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-major per-step factors of a step back, all t at once: D[t-1] = o_t tanh'(c_t)
    (dh_t/dc_t, (T, B, n)); A[t-1] (T, B, 4n) with dL/da_t = [g_c, g_c, g_h, g_c] * A[t-1] for
    g_c = total dL/dc_t, g_h = dL/dh_t; and F[t-1] = f_t (T, B, n)."""
    # contiguous time-major copies: elementwise numpy is several times faster on those
    f, i, o, c_tilde, c = (
        np.ascontiguousarray(np.swapaxes(v, 0, 1))
        for v in (cache.f, cache.i, cache.o, cache.c_tilde, cache.c)
    )  # (T, B, n) each; c_0..c_T (T+1, B, n)
    tanh_c = np.tanh(c[1:])  # (T, B, n)
    D = o * (1.0 - tanh_c**2)  # dh_t/dc_t
    A = np.concatenate(  # gate' times what multiplies the gate: f, i, o, c~; (T, B, 4n)
        [
            c[:-1] * f * (1.0 - f),  # dc_t/da_f = c_{t-1} f_t'
            c_tilde * i * (1.0 - i),  # dc_t/da_i = c~_t i_t'
            tanh_c * o * (1.0 - o),  # dh_t/da_o = tanh(c_t) o_t'
            i * (1.0 - c_tilde**2),  # dc_t/da_c = i_t tanh'
        ],
        axis=2,
    )
    return D, A, f


def _step_back(
    U: np.ndarray,
    D_t: np.ndarray,
    A_t: np.ndarray,
    f_t: np.ndarray,
    g_c: np.ndarray,
    g_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step back through step t (factors from `_backward_factors`): from dL/dc_t, dL/dh_t
    (B, n) to dL/da_t (B, 4n), the gate arguments, and the parts of dL/dc_{t-1}, dL/dh_{t-1}
    that pass through step t (B, n) each."""
    g_c = g_c + g_h * D_t  # total dL/dc_t
    delta = np.concatenate([g_c, g_c, g_h, g_c], axis=1) * A_t  # dL/da_t, (B, 4n)
    return delta, g_c * f_t, delta @ U  # dL/da_t, dL/dc_{t-1} (via f_t), dL/dh_{t-1}


def bptt(model: LSTM, cache: LSTMCache, dL_dh: np.ndarray) -> LSTMGrads:
    """Ch. 6 BPTT through the LSTM; dL_dh[:, t-1] = direct dL/dh_t, (B, T, n_h).

    Only the recurrent part: dL_dh[:, t-1] is the gradient reaching h_t not through step t+1
    (e.g. via y_hat_t). The returned W_hy and b_y gradients are zero; `loss_and_grads` fills them.
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    dL_dh = np.swapaxes(check_shape(dL_dh, "dL_dh", (B, T, n)), 0, 1)  # time-major (T, B, n)
    _, U, _ = _stacked(model)  # (4n, n)
    D, A, F = _backward_factors(cache)
    delta = np.empty((T, B, 4 * n))  # delta[t-1] = dL/da_t for t = 1..T, (T, B, 4n)
    g_c, g_h = np.zeros((B, n)), np.zeros((B, n))  # parts of dL/dc_T, dL/dh_T from step T+1: none
    for t in range(T, 0, -1):
        k = t - 1
        delta[k], g_c, g_h = _step_back(U, D[k], A[k], F[k], g_c, g_h + dL_dh[k])
    delta = delta.reshape(T * B, 4 * n)  # rows (t, b)
    x = np.swapaxes(cache.x, 0, 1).reshape(T * B, model.n_x)  # x_t, rows (t, b)
    h = np.swapaxes(cache.h[:, :-1], 0, 1).reshape(T * B, n)  # h_{t-1}, rows (t, b)
    dW = delta.T @ x  # (4n, n_x), summed over batch and time
    dU = delta.T @ h  # (4n, n)
    db = delta.sum(axis=0)  # (4n,)
    split = {name: np.split(d, 4) for name, d in (("W", dW), ("U", dU), ("b", db))}
    return LSTMGrads(
        **{f"{p}_{g}": split[p][k] for p in ("W", "U", "b") for k, g in enumerate(GATES)},
        W_hy=np.zeros_like(model.W_hy),
        b_y=np.zeros_like(model.b_y),
        h0=g_h,
        c0=g_c,
    )


def loss_and_grads(
    model: LSTM,
    x: np.ndarray,
    y: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    loss_at: str = "all",
) -> tuple[float, LSTMGrads]:
    """Ch. 6 loss (1/B) sum_b sum_t 1/2 ||y_hat_t - y_t||^2 and all gradients via BPTT.

    loss_at="all": every t, y is (B, T, n_y); loss_at="last": only t = T, y is (B, n_y).
    """
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0, c0)
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
    K = r.shape[1]  # T or 1 loss terms per sequence
    dW_hy = r.reshape(B * K, -1).T @ h.reshape(B * K, -1)  # sum_b sum_t dL/dy_hat_t h_t^T
    return loss, replace(grads, W_hy=dW_hy, b_y=r.sum(axis=(0, 1)))


# state Jacobians ------------------------------------------------------------------------------


def cell_path_jacobians(model: LSTM, cache: LSTMCache) -> np.ndarray:
    """Ch. 6 direct cell path dc_t/dc_{t-1} at fixed h_{t-1}: diag(f_t); (B, T, n_h, n_h), [:, t-1].

    It is the top-left block of `state_jacobians`; the full ds_t/ds_{t-1} adds the paths
    through h_{t-1} and the gates.
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    return cache.f[..., None] * np.eye(model.n_h)  # (B, T, n, n)


def state_jacobians(model: LSTM, cache: LSTMCache) -> np.ndarray:
    """Ch. 6 one-step Jacobians ds_t/ds_{t-1} of s_t = [c_t; h_t]; (B, T, 2n_h, 2n_h), [:, t-1].

    Blocks as in the module docstring: [[dc_t/dc_{t-1}, dc_t/dh_{t-1}], [dh_t/dc_{t-1},
    dh_t/dh_{t-1}]], rows index s_t (numerator layout).
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    n = model.n_h
    f, i, o, c_tilde = cache.f, cache.i, cache.o, cache.c_tilde  # (B, T, n) each
    tanh_c = np.tanh(cache.c[:, 1:])  # tanh(c_t), (B, T, n)
    d = o * (1.0 - tanh_c**2)  # dh_t/dc_t = diag(o_t tanh'(c_t)), (B, T, n)
    dc_dh = (  # dc_t/dh_{t-1}, (B, T, n, n); row scaling diag(v) U is v[..., None] * U
        (cache.c[:, :-1] * f * (1.0 - f))[..., None] * model.U_f
        + (c_tilde * i * (1.0 - i))[..., None] * model.U_i
        + (i * (1.0 - c_tilde**2))[..., None] * model.U_c
    )
    J = np.empty(f.shape[:2] + (2 * n, 2 * n))  # (B, T, 2n, 2n)
    J[..., :n, :n] = f[..., None] * np.eye(n)  # dc_t/dc_{t-1} = diag(f_t)
    J[..., :n, n:] = dc_dh
    J[..., n:, :n] = (d * f)[..., None] * np.eye(n)  # dh_t/dc_{t-1} = diag(o_t tanh'(c_t) f_t)
    J[..., n:, n:] = (tanh_c * o * (1.0 - o))[..., None] * model.U_o + d[..., None] * dc_dh
    return J


def jacobian_products(model: LSTM, cache: LSTMCache) -> np.ndarray:
    """Ch. 6 products ds_T/ds_k = J_T ... J_{k+1}; returns (B, T+1, 2n_h, 2n_h), [:, k], k = 0..T.

    P_T = I and P_k = P_{k+1} J_{k+1}. Overflow (large U_g) gives inf/NaN silently, as in rnn.
    """
    J = state_jacobians(model, cache)  # (B, T, 2n, 2n)
    B, T, d = J.shape[:3]
    P = np.empty((B, T + 1, d, d))  # (B, T+1, 2n, 2n)
    P[:, T] = np.eye(d)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T - 1, -1, -1):
            P[:, k] = P[:, k + 1] @ J[:, k]  # ds_T/ds_k = ds_T/ds_{k+1} J_{k+1}
    return P


def _state_grads(model: LSTM, cache: LSTMCache, g_T: np.ndarray) -> np.ndarray:
    """dL/ds_k = (ds_T/ds_k)^T [0; g_T] for k = 0..T, by steps back; (B, T+1, 2n_h)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    g_h = check_shape(g_T, "g_T", (B, n))  # dL/dh_T, (B, n)
    g_c = np.zeros((B, n))  # dL/dc_T: the loss at T reads h_T only
    _, U, _ = _stacked(model)
    D, A, F = _backward_factors(cache)
    G = np.empty((B, T + 1, 2 * n))  # (B, T+1, 2n)
    G[:, T] = np.concatenate([g_c, g_h], axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T, 0, -1):
            _, g_c, g_h = _step_back(U, D[k - 1], A[k - 1], F[k - 1], g_c, g_h)
            G[:, k - 1, :n], G[:, k - 1, n:] = g_c, g_h  # J_k^T dL/ds_k
    return G


def state_gradient_norms(model: LSTM, cache: LSTMCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 6 backward signal ||dL/ds_k||_2, batch mean, k = 0..T, for a loss at T; (T+1,).

    g_T = dL/dh_T (B, n_h); dL/dc_T = 0. Indexed by k like rnn.state_gradient_norms. Once the
    signal overflows the entry is inf (never NaN), without warnings.
    """
    G = _state_grads(model, cache, g_T)  # (B, T+1, 2n)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(G, axis=2).mean(axis=0)  # (T+1,)
    return np.where(np.isnan(norms), np.inf, norms)


def gradient_norm_by_lag(model: LSTM, cache: LSTMCache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 6 batch-mean ||dL/ds_{T-m}||_2 for lags m = 0..T and a loss at T; (T+1,), [m].

    `state_gradient_norms` reversed: entry 0 is the mean ||g_T||. The RNN curve to compare is
    rnn.state_gradient_norms(...)[::-1].
    """
    return state_gradient_norms(model, cache, g_T)[::-1]
