"""Ch. 2-6: what every recurrent model shares, written once: the loop over time, backprop through
time (BPTT), the loss at every or the last step, the products of state Jacobians, the size of
the backward signal, and the checks of inputs and caches.

A model (``rnn.RNN``, ``lstm.LSTM``, ``gru.GRU``) is a dataclass subclass of ``Recurrent`` that
holds only what is its own, its *cell*:

- ``STATES``: its state vectors, e.g. ("h",) or ("c", "h"); the read-out reads h, the last;
  the state is s_t = [STATES stacked], so s_t = h_t for an RNN and [c_t; h_t] for an LSTM;
- ``VALUES``: the per-step values its backward pass reads (z_t; f_t, i_t, o_t, c~_t; ...);
- ``input_weights()`` -> (W, b): all input weights stacked, so that W x_t + b is every step's
  input part, computed for all t at once;
- ``recurrent_weights()`` -> R: what ``step`` reads besides the input part (e.g. W_hh.T),
  prepared once per pass;
- ``step(a_t, states, out, R)``: one step forward, from the input part a_t and the states at
  t-1 (B, n_h) each; writes VALUES side by side into out (B, len(VALUES) n_h) and returns the
  states at t;
- ``back_factors(cache)`` and ``step_back(F, k, g, out)``: one step back through step t = k+1,
  from the total dL/d(state_t) g (one (B, n_h) per state) to dL/d(state_{t-1}) through that
  step; writes dL/da_t (the arguments of its nonlinearities) into out;
- ``param_grads(cache, delta)``: its parameters' gradients from delta[t-1] = dL/da_t (T, B, .);
- ``state_jacobians(cache)``: its one-step Jacobians ds_t/ds_{t-1}, (B, T, d, d).

The functions here take any such model; each model module re-exports them, so ``rnn.forward``,
``lstm.forward`` and ``gru.forward`` are this ``forward``. Every model reads x (B, T, n_x) and
predicts y_hat_t = W_hy h_t + b_y (B, T, n_y).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vanishing.init import INIT_SCHEMES, init_weight
from vanishing.params import AttributeView, Grads, Parametrised
from vanishing.validate import (
    as_generator,
    as_real_array,
    check_array,
    check_cache_shapes,
    check_choice,
    check_real,
    check_shape,
    check_size,
    quiet_overflow,
)

__all__ = [  # the verbs every recurrent model module re-exports
    "LOSS_AT",
    "Cache",
    "bptt",
    "forward",
    "input_gradients",
    "jacobian_products",
    "loss_and_grads",
    "randomised_truncated_loss_and_grads",
    "state_gradient_norms",
    "state_gradients",
    "state_jacobians",
    "truncated_loss_and_grads",
]

LOSS_AT: tuple[str, ...] = ("all", "last")  # loss at every step, or only at t = T
GATED_SCHEMES: tuple[str, ...] = ("uniform",) + INIT_SCHEMES  # "uniform": U(+-1/sqrt(n_h))


class Recurrent(Parametrised):
    """Base of the recurrent models (ch. 2, 6): the read-out W_hy (n_y, n_h), b_y (n_y,) and the
    sizes; parameters are listed input weights first (see ``vanishing.params``)."""

    STATES: ClassVar[tuple[str, ...]] = ("h",)
    VALUES: ClassVar[tuple[str, ...]] = ()

    @property
    def n_x(self) -> int:
        """Input width n_x (the first parameter is an input weight matrix (., n_x))."""
        return next(iter(self.params().values())).shape[1]

    @property
    def n_h(self) -> int:
        """Hidden width n_h (and that of every other state)."""
        return self.W_hy.shape[1]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.W_hy.shape[0]


@dataclass(frozen=True)
class Cache(AttributeView):
    """Forward-pass values of a recurrent model (ch. 2, 6), indexed so that t = 1..T reads
    naturally: x[:, t-1] = x_t (B, T, n_x); states[s][:, t] = s_t for t = 0..T (B, T+1, n_h);
    values[v][:, t-1] = v_t (B, T, n_h); y_hat[:, t-1] = y_hat_t (B, T, n_y). Every state and
    value reads as an attribute too: ``cache.h``, ``cache.z``, ``cache.f``."""

    model: str  # the class name of the model that made it
    x: np.ndarray
    states: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    y_hat: np.ndarray
    _VIEWED = ("states", "values")

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
        """States s_t = [all states stacked] for t = 0..T, (B, T+1, d)."""
        return np.concatenate(list(self.states.values()), axis=2)


# checks ---------------------------------------------------------------------------------------


def check_model(model) -> Recurrent:
    """Return model if it is a recurrent model whose parameters still have their shapes and are
    finite (a model edited after construction, ``m.W_hh[:] = np.nan``, is caught here rather
    than giving silent NaN); TypeError/ValueError naming `model` or the parameter otherwise."""
    if not isinstance(model, Recurrent):
        raise TypeError(
            f"model must be a recurrent model (RNN, LSTM, GRU), got {type(model).__name__}"
        )
    model.__post_init__()  # the constructor's checks again: O(parameters), cheap next to a pass
    return model


def check_cache(model: Recurrent, cache) -> Cache:
    """Return cache if forward() made it for a model of this class and these sizes."""
    model = check_model(model)
    name = type(model).__name__
    if not isinstance(cache, Cache) or cache.model != name:
        got = cache.model if isinstance(cache, Cache) else type(cache).__name__
        raise TypeError(f"cache must be the Cache of forward() for an {name}, got {got}")
    B, T = cache.x.shape[:2]
    n = model.n_h
    expected = {"x": (B, T, model.n_x)} | {s: (B, T + 1, n) for s in model.STATES}
    expected |= {v: (B, T, n) for v in model.VALUES} | {"y_hat": (B, T, model.n_y)}
    return check_cache_shapes(cache, expected)


def _initial_states(model: Recurrent, B: int, h0, c0) -> list[np.ndarray]:
    """The states at t = 0, zero where not given, in STATES order; (B, n_h) each."""
    given = {"h": h0, "c": c0}
    for s, value in given.items():
        if value is not None and s not in model.STATES:
            raise TypeError(
                f"{s}0: an {type(model).__name__} has no state {s}; its states are {model.STATES}"
            )
    n = model.n_h
    return [
        np.zeros((B, n)) if given[s] is None else check_shape(given[s], f"{s}0", (B, n))
        for s in model.STATES
    ]


# forward --------------------------------------------------------------------------------------


def forward(model: Recurrent, x: np.ndarray, *, h0=None, c0=None) -> Cache:
    """Ch. 2, 6 forward pass over t = 1..T; x: (B, T, n_x); h0, c0: (B, n_h), zero if None.

    Overflowing states (an exploding linear or ReLU RNN, huge gate weights) become inf/nan
    silently: that is the demonstration's outcome, not an error to warn about at every step.
    """
    model = check_model(model)
    x = check_array(x, "x", 3)  # (B, T, n_x)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    n = model.n_h
    # Time-major buffers: each step reads and writes contiguous (B, .) blocks; the cache holds
    # batch-major views of them.
    S = [np.empty((T + 1, B, n)) for _ in model.STATES]  # S[j][t] = state j at t
    for buffer, initial in zip(S, _initial_states(model, B, h0, c0), strict=True):
        buffer[0] = initial
    V = np.empty((T, B, len(model.VALUES) * n))  # V[t-1] = the VALUES at t, side by side
    W, b = model.input_weights()
    R = model.recurrent_weights()
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        a = np.swapaxes(x, 0, 1).reshape(T * B, n_x) @ W.T + b  # W x_t + b, rows (t, b)
        a = a.reshape(T, B, -1)  # a[t-1], the input part of step t
        states = tuple(buffer[0] for buffer in S)
        for t in range(1, T + 1):
            states = model.step(a[t - 1], states, V[t - 1], R)
            for buffer, state in zip(S, states, strict=True):
                buffer[t] = state
        y_hat = S[-1][1:] @ model.W_hy.T + model.b_y  # (T, B, n_y)
    return Cache(
        model=type(model).__name__,
        x=x,
        states={s: np.swapaxes(S[j], 0, 1) for j, s in enumerate(model.STATES)},
        values={
            v: np.swapaxes(V[..., j * n : (j + 1) * n], 0, 1) for j, v in enumerate(model.VALUES)
        },
        y_hat=np.swapaxes(y_hat, 0, 1),
    )


# backward -------------------------------------------------------------------------------------


def _backward(model: Recurrent, cache: Cache, dL_dh: np.ndarray):
    """Ch. 2 the backward recursion shared by ``bptt`` and ``input_gradients``, unchecked:
    dL_dh is time-major (T, B, n_h); returns (dL/d(state_0) per state, delta (T, B, n_a))
    with delta[t-1] = dL/da_t. Non-finite values pass through (an exploding run gives inf)."""
    B, T, n = cache.B, cache.T, model.n_h
    F = model.back_factors(cache)
    g = (np.zeros((B, n)),) * len(model.STATES)  # parts of dL/d(state_T) from step T+1: none
    delta = np.empty((T, B, model.input_weights()[1].shape[0]))  # delta[t-1] = dL/da_t
    for t in range(T, 0, -1):
        g = model.step_back(F, t - 1, g[:-1] + (g[-1] + dL_dh[t - 1],), delta[t - 1])
    return g, delta


def _grads(model: Recurrent, cache: Cache, dL_dh: np.ndarray) -> Grads:
    """Ch. 2 ``bptt`` without its argument checks, for time-major dL_dh (T, B, n_h): the callers
    that built dL_dh themselves (a non-finite one from an overflowing run passes through)."""
    g, delta = _backward(model, cache, dL_dh)
    params = model.param_grads(cache, delta)
    return Grads(params=params, inputs={f"{s}0": g[j] for j, s in enumerate(model.STATES)})


@quiet_overflow
def bptt(model: Recurrent, cache: Cache, dL_dh: np.ndarray) -> Grads:
    """Ch. 2, 6 BPTT: dL_dh[:, t-1] is the direct dL/dh_t (B, T, n_h), the part that reaches h_t
    not through step t+1 (e.g. via y_hat_t); returns the gradients of the cell's parameters and
    dL/d(state_0) (``h0``, ``c0``). It has no read-out gradients: ``loss_and_grads`` adds them."""
    model = check_model(model)
    cache = check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    dL_dh = np.swapaxes(check_shape(dL_dh, "dL_dh", (B, T, n)), 0, 1)  # time-major (T, B, n)
    g, delta = _backward(model, cache, dL_dh)  # the loop from t = T down to 1
    params = model.param_grads(cache, delta)  # sum over t of delta_t (inputs of step t)^T
    return Grads(params=params, inputs={f"{s}0": g[j] for j, s in enumerate(model.STATES)})


def _readout_backward(model: Recurrent, cache: Cache, y: np.ndarray, loss_at: str):
    """Ch. 2, 8 the loss and the read-out's part of the backward pass, shared by every BPTT
    variant: (loss, r = dL/dy_hat_t (B, K, n_y), h_t feeding the loss (B, K, n_h),
    direct dL/dh_t (B, T, n_h)); K = T (loss_at="all") or 1 ("last")."""
    B, T = cache.B, cache.T
    if loss_at == "all":
        y = check_shape(y, "y", (B, T, model.n_y))  # (B, T, n_y)
        e = cache.y_hat - y  # y_hat_t - y_t, (B, T, n_y)
    else:
        y = check_shape(y, "y", (B, model.n_y))  # (B, n_y)
        e = cache.y_hat[:, -1:] - y[:, None]  # y_hat_T - y, (B, 1, n_y)
    K = e.shape[1]  # T or 1 loss terms per sequence
    h = cache.h[:, T + 1 - K :]  # the h_t that feed the loss, (B, K, n_h)
    loss = 0.5 * float(np.sum(e * e)) / B
    r = e / B  # dL/dy_hat_t, (B, K, n_y)
    dL_dh = np.zeros((B, T, model.n_h))  # (B, T, n_h)
    dL_dh[:, T - K :] = r @ model.W_hy  # W_hy^T dL/dy_hat_t
    return loss, r, h, dL_dh


def _with_readout(model: Recurrent, params: dict, r: np.ndarray, h: np.ndarray) -> dict:
    """Ch. 2 the recurrent parameters' gradients plus the read-out's, in ``model.params()`` order:
    dW_hy = sum_b sum_t dL/dy_hat_t h_t^T, db_y = sum_b sum_t dL/dy_hat_t."""
    B, K = r.shape[:2]
    dW_hy = r.reshape(B * K, -1).T @ h.reshape(B * K, -1)  # (n_y, n_h)
    params = params | {"W_hy": dW_hy, "b_y": r.sum(axis=(0, 1))}
    return {k: params[k] for k in model.params()}


@quiet_overflow
def loss_and_grads(
    model: Recurrent, x: np.ndarray, y: np.ndarray, *, h0=None, c0=None, loss_at: str = "all"
) -> tuple[float, Grads]:
    """Ch. 2, 6 loss (1/B) sum_b sum_t 1/2 ||y_hat_t - y_t||^2 and all gradients via BPTT.

    loss_at="all": every t, y is (B, T, n_y); loss_at="last": only t = T, y is (B, n_y).
    """
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0=h0, c0=c0)
    loss, r, h, dL_dh = _readout_backward(model, cache, y, loss_at)
    grads = _grads(model, cache, np.swapaxes(dL_dh, 0, 1))  # an overflow gives inf, not an error
    return loss, Grads(params=_with_readout(model, grads.params, r, h), inputs=grads.inputs)


def input_gradients(model: Recurrent, cache: Cache, dL_dh: np.ndarray) -> np.ndarray:
    """Ch. 8 dL/dx_t for t = 1..T, (B, T, n_x), by the backward pass of ``bptt``: dL_dh[:, t-1]
    is the direct dL/dh_t (B, T, n_h), as there; dL/dx_t = W^T dL/da_t for the stacked input
    weights W of ``input_weights``."""
    model = check_model(model)
    cache = check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    dL_dh = np.swapaxes(check_shape(dL_dh, "dL_dh", (B, T, n)), 0, 1)  # (T, B, n)
    W = model.input_weights()[0]
    _, delta = _backward(model, cache, dL_dh)
    return np.swapaxes(delta @ W, 0, 1)  # (B, T, n_x)


@quiet_overflow
def truncated_loss_and_grads(
    model: Recurrent,
    x: np.ndarray,
    y: np.ndarray,
    *,
    tau: int,
    h0=None,
    c0=None,
    loss_at: str = "all",
) -> tuple[float, Grads]:
    """Ch. 8 truncated BPTT: the loss of ``loss_and_grads`` and its gradient with every path
    cut at the chunk boundaries t = tau, 2 tau, ... (Elman-style chunks, Williams & Peng 1990).

    The forward pass runs over the whole sequence, so each chunk starts from the state the
    previous chunk left (the state is carried); the backward pass runs inside each chunk only,
    so the loss at step t reaches back at most to the start of its chunk. With tau >= T this is
    ``loss_and_grads``. ``grads.inputs`` (dL/dh0, dL/dc0) is zero unless tau >= T.
    """
    tau = check_size(tau, "tau")
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0=h0, c0=c0)
    B, T = cache.B, cache.T
    if tau >= T:
        return loss_and_grads(model, x, y, h0=h0, c0=c0, loss_at=loss_at)
    loss, r, h, dL_dh = _readout_backward(model, cache, y, loss_at)
    params: dict[str, np.ndarray] = {}
    for start in range(0, T, tau):  # chunk of steps start+1 .. stop
        stop = min(start + tau, T)
        if not np.any(dL_dh[:, start:stop]):
            continue  # no loss in this chunk: its truncated gradient is zero
        chunk = Cache(
            model=cache.model,
            x=cache.x[:, start:stop],
            states={s: v[:, start : stop + 1] for s, v in cache.states.items()},
            values={v: a[:, start:stop] for v, a in cache.values.items()},
            y_hat=cache.y_hat[:, start:stop],
        )
        part = _grads(model, chunk, np.swapaxes(dL_dh[:, start:stop], 0, 1)).params
        params = part if not params else {k: params[k] + part[k] for k in part}
    if not params:
        params = {k: np.zeros_like(v) for k, v in model.params().items()}
    inputs = {f"{s}0": np.zeros((B, model.n_h)) for s in model.STATES}
    return loss, Grads(params=_with_readout(model, params, r, h), inputs=inputs)


def _check_cuts(cuts, c: float, n: int) -> np.ndarray:
    """The cut boundaries: a sequence of n bools, none False where c = 1 (always cut)."""
    if isinstance(cuts, str | bytes) or not isinstance(cuts, list | tuple | np.ndarray):
        raise TypeError(f"cuts must be a sequence of {n} bools, got {type(cuts).__name__}")
    arr = np.asarray(cuts)
    if arr.shape != (n,) or (n and arr.dtype != np.bool_):
        raise ValueError(f"cuts must be {n} bools (one per boundary t = 1..T-1), got {cuts!r}")
    if c == 1.0 and not np.all(arr):
        raise ValueError("cuts: with c = 1 every boundary is cut; an uncut one has probability 0")
    return arr.astype(bool)


@quiet_overflow
def randomised_truncated_loss_and_grads(
    model: Recurrent,
    x: np.ndarray,
    y: np.ndarray,
    *,
    c: float,
    rng=None,
    cuts=None,
    h0=None,
    c0=None,
    loss_at: str = "all",
) -> tuple[float, Grads]:
    """Ch. 8 randomised truncated BPTT with compensation factors (Tallec & Ollivier 2017): the
    loss of ``loss_and_grads`` and an unbiased estimate of its gradient.

    Each boundary between steps t and t+1 (t = 1..T-1) is cut with probability c, independently
    (drawn from `rng`, or given as `cuts`, T-1 bools); the backward pass stops at a cut and
    multiplies what crosses an uncut boundary by 1/(1 - c). A term of the BPTT sum that crosses
    k boundaries survives with probability (1 - c)^k and is then weighted (1 - c)^(-k): its
    expectation is the term itself, so E[grads] is the full gradient (grads.inputs included).
    The stretches between cuts have mean length about 1/c; c = 0 is full BPTT.
    """
    c = check_real(c, "c")
    if not 0.0 <= c <= 1.0:
        raise ValueError(f"c must be a probability in [0, 1], got {c}")
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0=h0, c0=c0)
    B, T, n = cache.B, cache.T, model.n_h
    if cuts is None:
        if rng is None:
            raise TypeError("rng must be an int seed or a np.random.Generator when cuts is None")
        cuts = as_generator(rng, name="rng").random(T - 1) < c
    else:
        cuts = _check_cuts(cuts, c, T - 1)
    loss, r, h, dL_dh = _readout_backward(model, cache, y, loss_at)
    dL_dh = np.swapaxes(dL_dh, 0, 1)  # time-major direct dL/dh_t, (T, B, n_h)
    # w[t] multiplies what crosses the boundary after step t (t = 1..T-1); w[0] = 1 (to h0)
    w = np.ones(T)
    w[1:] = np.where(cuts, 0.0, 1.0 / (1.0 - c) if c < 1.0 else 0.0)
    F = model.back_factors(cache)
    g = (np.zeros((B, n)),) * len(model.STATES)
    delta = np.empty((T, B, model.input_weights()[1].shape[0]))  # dL/da_t, estimated
    for t in range(T, 0, -1):
        g = model.step_back(F, t - 1, g[:-1] + (g[-1] + dL_dh[t - 1],), delta[t - 1])
        g = tuple(w[t - 1] * part for part in g)  # across the boundary after step t - 1
    params = model.param_grads(cache, delta)
    inputs = {f"{s}0": g[j] for j, s in enumerate(model.STATES)}
    return loss, Grads(params=_with_readout(model, params, r, h), inputs=inputs)


# state Jacobians and the backward signal ------------------------------------------------------


@quiet_overflow
def state_jacobians(model: Recurrent, cache: Cache) -> np.ndarray:
    """Ch. 3, 6 one-step Jacobians J_t = ds_t/ds_{t-1} (numerator layout: rows index s_t) for
    t = 1..T; (B, T, d, d) with [:, t-1] = J_t, d = n_h per state."""
    model = check_model(model)
    return model.state_jacobians(check_cache(model, cache))


@quiet_overflow
def jacobian_products(model: Recurrent, cache: Cache) -> np.ndarray:
    """Ch. 3, 6 products ds_T/ds_k = J_T ... J_{k+1}; (B, T+1, d, d), [:, k] for k = 0..T.

    Accumulated from the end, P_T = I and P_k = P_{k+1} J_{k+1}. When the product explodes the
    result holds inf (and NaN where inf meets 0); those overflows are silenced, not warned about.
    """
    J = state_jacobians(model, cache)  # (B, T, d, d)
    B, T, d = J.shape[:3]
    P = np.empty((B, T + 1, d, d))  # (B, T+1, d, d)
    P[:, T] = np.eye(d)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T - 1, -1, -1):
            P[:, k] = P[:, k + 1] @ J[:, k]  # ds_T/ds_k = ds_T/ds_{k+1} J_{k+1}
    return P


@quiet_overflow
def state_gradients(model: Recurrent, cache: Cache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 3, 6 dL/ds_k = (ds_T/ds_k)^T dL/ds_T for k = 0..T, by steps back, for a loss at T
    that reads h_T only: g_T = dL/dh_T (B, n_h), the other states' gradients at T are zero.
    Returns (B, T+1, d); overflow gives inf/nan silently."""
    model = check_model(model)
    cache = check_cache(model, cache)
    B, T, n = cache.B, cache.T, model.n_h
    g = (np.zeros((B, n)),) * (len(model.STATES) - 1) + (check_shape(g_T, "g_T", (B, n)),)
    F = model.back_factors(cache)
    scratch = np.empty((B, model.input_weights()[1].shape[0]))  # dL/da_t, not needed here
    G = np.empty((B, T + 1, len(g) * n))  # (B, T+1, d)
    G[:, T] = np.concatenate(g, axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T, 0, -1):
            g = model.step_back(F, k - 1, g, scratch)
            G[:, k - 1] = np.concatenate(g, axis=1)  # J_k^T dL/ds_k
    return G


def overflow_to_inf(norms: np.ndarray) -> np.ndarray:
    """Norms with NaN (inf - inf or 0 * inf after an overflow; inputs are finite) set to inf."""
    norms = as_real_array(norms, "norms")
    return np.where(np.isnan(norms), np.inf, norms)


@quiet_overflow
def state_gradient_norms(model: Recurrent, cache: Cache, g_T: np.ndarray) -> np.ndarray:
    """Ch. 3, 6 backward signal ||dL/ds_k||_2, batch mean, for k = 0..T and a loss at T; (T+1,).

    g_T = dL/dh_T (B, n_h); index k (reverse it, ``[::-1]``, to index by the lag T - k). Once
    the signal overflows the entry is inf (never NaN), without warnings.
    """
    G = state_gradients(model, cache, g_T)  # (B, T+1, d)
    with np.errstate(over="ignore", invalid="ignore"):
        return overflow_to_inf(np.linalg.norm(G, axis=2).mean(axis=0))  # (T+1,)


# initial weights of a gated cell --------------------------------------------------------------


def init_gated(gates: tuple[str, ...], n_x, n_h, n_y, *, scheme: str, rng) -> dict[str, np.ndarray]:
    """Ch. 6 parameters of a gated cell, {name: array}: W_g (n_h, n_x), U_g (n_h, n_h), b_g = 0
    for every gate g, then W_hy (n_y, n_h), b_y = 0.

    scheme="uniform" draws every weight (W_hy too) from U(-1/sqrt(n_h), 1/sqrt(n_h)), as
    PyTorch's nn.LSTM and nn.GRU do (they draw the biases so too). Any init.py scheme instead
    draws each gate's block on its own, so "orthogonal" makes every U_g orthogonal. Drawn in the
    order W_g (all gates), U_g (all gates), W_hy.
    """
    gates = _check_gates(gates, "gates")
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    scheme = check_choice(scheme, "scheme", GATED_SCHEMES, kind="scheme")
    rng = as_generator(rng, name="rng")

    def draw(n_in: int, n_out: int) -> np.ndarray:  # (n_out, n_in)
        if scheme == "uniform":
            c = 1.0 / np.sqrt(n_h)
            return rng.uniform(-c, c, size=(n_out, n_in))
        return init_weight(n_out, n_in, scheme=scheme, rng=rng)

    params = {f"W_{g}": draw(n_x, n_h) for g in gates}
    params |= {f"U_{g}": draw(n_h, n_h) for g in gates}
    W_hy = draw(n_h, n_y)
    return params | {f"b_{g}": np.zeros(n_h) for g in gates} | {"W_hy": W_hy, "b_y": np.zeros(n_y)}


def _check_gates(gates, name: str) -> tuple[str, ...]:
    """Gate names: a non-empty sequence of distinct short identifiers (f, i, o, c; u, r, htilde)."""
    if isinstance(gates, str) or not isinstance(gates, tuple | list) or not gates:
        raise TypeError(f"{name} must be a non-empty tuple of gate names, got {gates!r}")
    for i, g in enumerate(gates):
        if not isinstance(g, str) or not g.isidentifier():
            raise ValueError(f"{name}[{i}] must be a gate name (an identifier), got {g!r}")
    if len(set(gates)) != len(gates):
        raise ValueError(f"{name} must name each gate once, got {gates}")
    return tuple(gates)


def _check_gate_name(value, name: str, gates: tuple[str, ...]) -> str:
    """'' (none) or one of `gates`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a gate name (str), got {type(value).__name__}")
    if value and value not in gates:
        raise ValueError(f"{name} must be '' or one of the gates {gates}, got {value!r}")
    return value


# PyTorch state dicts --------------------------------------------------------------------------

TORCH_KEYS: tuple[str, ...] = (
    "rnn.weight_ih_l0",
    "rnn.weight_hh_l0",
    "rnn.bias_ih_l0",
    "rnn.bias_hh_l0",
    "readout.weight",
    "readout.bias",
)


def to_torch_gated(model: Recurrent, order: tuple[str, ...], negate: str = "") -> dict:
    """Ch. 6 the state dict of ``ModuleDict({"rnn": nn.LSTM or nn.GRU(n_x, n_h,
    batch_first=True), "readout": nn.Linear(n_h, n_y)})``, as float64 numpy arrays: our W_g,
    U_g, b_g stacked in PyTorch's gate ``order``, gate ``negate`` (if any) with its sign flipped,
    our one bias in bias_ih and zero in bias_hh (PyTorch adds the two)."""
    model = check_model(model)
    order = _check_gates(order, "order")
    negate = _check_gate_name(negate, "negate", order)
    for g in order:
        if not hasattr(model, f"U_{g}"):
            raise ValueError(f"order: the {type(model).__name__} has no gate {g!r}")

    def stack(p: str) -> np.ndarray:
        return np.concatenate(
            [(-1.0 if g == negate else 1.0) * getattr(model, f"{p}_{g}") for g in order]
        )

    W_ih, W_hh, b_ih = stack("W"), stack("U"), stack("b")
    values = (W_ih, W_hh, b_ih, np.zeros_like(b_ih), model.W_hy.copy(), model.b_y.copy())
    return dict(zip(TORCH_KEYS, values, strict=True))


def from_torch_gated(
    state, order: tuple[str, ...], negate: str = "", *, inside_reset: str = ""
) -> dict:
    """Ch. 6 {our parameter name: array} from a state dict of the form ``to_torch_gated`` makes
    (torch tensors or arrays): the gate blocks unstacked, bias_ih + bias_hh summed into our one
    bias, gate ``negate`` sign-flipped. The bias_hh block of gate ``inside_reset`` must be zero:
    PyTorch's GRU puts it inside the reset product, where our GRU has no bias."""
    order = _check_gates(order, "order")
    negate = _check_gate_name(negate, "negate", order)
    inside_reset = _check_gate_name(inside_reset, "inside_reset", order)
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping (a state dict), got {type(state).__name__}")
    missing = [k for k in TORCH_KEYS if k not in state]
    if missing:
        raise ValueError(f"state lacks the keys {missing}; expected {TORCH_KEYS}")
    W_ih, W_hh, b_ih, b_hh, W_hy, b_y = (_as_numpy(state[k], k) for k in TORCH_KEYS)
    k = len(order)
    if W_ih.ndim != 2 or W_ih.shape[0] % k or W_hh.shape != (W_ih.shape[0], W_ih.shape[0] // k):
        raise ValueError(f"state: weight shapes {W_ih.shape}, {W_hh.shape} are not {k} gate blocks")
    blocks = {p: np.split(v, k) for p, v in (("W", W_ih), ("U", W_hh), ("b", b_ih), ("bh", b_hh))}
    params = {}
    for j, g in enumerate(order):
        sign = -1.0 if g == negate else 1.0
        if g == inside_reset and np.any(blocks["bh"][j]):
            raise ValueError(
                f"state: bias_hh's block for {g!r} is not zero; PyTorch adds it inside the reset "
                "product r_t * (U h_{t-1} + b), which our GRU does not have"
            )
        params[f"W_{g}"], params[f"U_{g}"] = sign * blocks["W"][j], sign * blocks["U"][j]
        params[f"b_{g}"] = sign * (blocks["b"][j] + blocks["bh"][j])
    return params | {"W_hy": W_hy, "b_y": b_y}


def _as_numpy(value, name: str) -> np.ndarray:
    """A torch tensor (detached, on the CPU) or an array-like, as a float64 array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return check_array(value, name, np.ndim(value)).astype(np.float64)
