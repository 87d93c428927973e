"""Ch. 6: S independent RNNs (tanh or ReLU) or LSTMs of one shape, trained side by side.

Chapter 6's long-range experiment trains one small model per seed. At n_h = 16 and a batch of
32 a step is a few hundred numpy calls on tiny arrays, so its time is call overhead, not
arithmetic. Here the S models' arrays get a leading axis s (W_hh is (S, n_h, n_h), a state is
(S, B, n_h)) and every call serves all S at once: ``np.matmul`` multiplies the S pairs of
matrices one by one, with the same BLAS call as ``rnn``/``lstm`` make for one model.

The passes are those of ``rnn.RNN`` and ``lstm.LSTM`` run by ``recurrent.forward``/``bptt``
(same formulas, same order of operations, same memory layouts), with the loss at the last step
only (``loss_at="last"``); so model s here gets bit for bit the loss and gradients that
``loss_and_grads`` gives it alone (tests/test_stacked.py checks this, and against autograd).
``Adam`` is ``optim.Adam`` with the global-norm clip taken per model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vanishing import lstm, rnn
from vanishing.activations import get_activation
from vanishing.clip import global_norm
from vanishing.validate import (
    as_real_array,
    check_array,
    check_finite,
    check_index,
    check_ints,
    check_real,
    check_shape,
)

__all__ = ["Adam", "Stack", "loss_and_grads", "stack"]

_RNN_KERNELS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


@dataclass(frozen=True)
class Stack:
    """Ch. 6 S models of one class and shape: `params[name]` is (S, ...) = the S models' arrays."""

    kind: str  # "RNN" or "LSTM"
    activation: str  # the RNN's phi ("tanh" or "relu"); "" for the LSTM
    params: dict[str, np.ndarray]  # name -> (S, ...), in the model's params() order

    @property
    def S(self) -> int:
        """Ch. 6 number of models in the stack."""
        return next(iter(self.params.values())).shape[0]

    def model(self, s: int):
        """Ch. 6 model s of the stack as an ``rnn.RNN`` or ``lstm.LSTM``."""
        s = check_index(s, "s", 0, self.S - 1)
        arrays = {k: v[s].copy() for k, v in self.params.items()}
        if self.kind == "RNN":
            return rnn.RNN(**arrays, activation=self.activation)
        return lstm.LSTM(**arrays)

    def select(self, keep) -> Stack:
        """Ch. 6 the stack of the models whose indices are in `keep` (a sequence of ints)."""
        keep = _check_keep(keep, self.S)
        return Stack(self.kind, self.activation, {k: v[keep] for k, v in self.params.items()})


def stack(models) -> Stack:
    """Ch. 6 the models (a non-empty sequence of RNNs with one activation, or of LSTMs, all of one
    shape) as one Stack."""
    models = list(models) if isinstance(models, (list, tuple)) else None
    if not models:
        raise TypeError("models must be a non-empty list or tuple of RNNs or of LSTMs")
    first = models[0]
    if not isinstance(first, (rnn.RNN, lstm.LSTM)):
        raise TypeError(f"models must hold RNNs or LSTMs, got {type(first).__name__}")
    activation = first.activation if isinstance(first, rnn.RNN) else ""
    if activation and activation not in _RNN_KERNELS:
        raise ValueError(f"models: an RNN's activation must be tanh or relu, got {activation!r}")
    shapes = {k: v.shape for k, v in first.params().items()}
    for m in models[1:]:
        if type(m) is not type(first) or getattr(m, "activation", "") != activation:
            raise ValueError("models must all be of one class (and one activation)")
        if {k: v.shape for k, v in m.params().items()} != shapes:
            raise ValueError("models must all have the same shape")
    params = {k: np.stack([m.params()[k] for m in models]) for k in shapes}
    return Stack(type(first).__name__, activation, params)


def _check_keep(keep, S: int | None) -> np.ndarray:
    """keep as a 1-D int array of distinct indices in [0, S) (any ints >= 0 if S is None)."""
    keep = np.array(check_ints(keep, "keep"), dtype=np.intp)
    if len(np.unique(keep)) != keep.size:
        raise ValueError(f"keep must not repeat an index, got {keep.tolist()}")
    if S is not None and keep.max() >= S:
        raise ValueError(
            f"keep must index the stack's {S} models (0 to {S - 1}), got {keep.tolist()}"
        )
    return keep


def _check_grads(grads) -> dict[str, np.ndarray]:
    """grads as {name: float64 array (S, ...)}, one S for all; errors name ``grads``."""
    if not isinstance(grads, dict) or not grads:
        raise TypeError(f"grads must be a non-empty dict name -> (S, ...) array, got {grads!r}")
    out = {k: as_real_array(g, f"grads[{k!r}]") for k, g in grads.items()}
    leading = {g.shape[:1] for g in out.values()}
    if len(leading) != 1 or () in leading or (0,) in leading:
        raise ValueError(
            f"grads must hold arrays (S, ...) with one S >= 1, got shapes "
            f"{ {k: g.shape for k, g in out.items()} }"
        )
    return out


def _check_stack(st) -> Stack:
    if not isinstance(st, Stack):
        raise TypeError(f"st must be a Stack, got {type(st).__name__}")
    return st


def _T(a: np.ndarray) -> np.ndarray:
    """Each of the stacked matrices transposed (a view, as .T is for one matrix)."""
    return np.swapaxes(a, -1, -2)


def loss_and_grads(st: Stack, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict]:
    """Ch. 6 for each model s: the loss (1/B) sum_b 1/2 ||y_hat_T - y||^2 on its own batch
    x[s] (B, T, n_x), y[s] (B, n_y), and its gradients; returns (losses (S,), {name: (S, ...)})."""
    st = _check_stack(st)
    P = st.params
    S = st.S
    n_x, n_y = _n_x(st), P["W_hy"].shape[1]
    x = check_array(x, "x", 4)  # (S, B, T, n_x)
    if x.shape[0] != S or x.shape[3] != n_x or x.shape[1] < 1 or x.shape[2] < 1:
        raise ValueError(f"x must have shape ({S}, B, T, {n_x}) with B, T >= 1, got {x.shape}")
    _, B, T, _ = x.shape
    y = check_shape(y, "y", (S, B, n_y))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if st.kind == "RNN":
            return _rnn(st, x, y, B, T)
        return _lstm(st, x, y, B, T)


def _n_x(st: Stack) -> int:
    return (st.params["W_xh"] if st.kind == "RNN" else st.params["W_f"]).shape[2]


def _rows(x: np.ndarray) -> np.ndarray:
    """(S, B, T, n) -> (S, T B, n), rows (t, b) for each model."""
    S, B, T, n = x.shape
    return np.swapaxes(x, 1, 2).reshape(S, T * B, n)


def _readout(P, H_T, y, B):
    """Loss, r = dL/dy_hat_T and the read-out gradients from h_T (S, B, n)."""
    e = (H_T @ _T(P["W_hy"]) + P["b_y"][:, None, :]) - y  # y_hat_T - y, (S, B, n_y)
    losses = 0.5 * np.sum(e * e, axis=(1, 2)) / B  # (S,)
    r = e / B  # (S, B, n_y)
    grads = {"W_hy": _T(r) @ H_T, "b_y": r.sum(axis=1)}
    return losses, r, grads


def _dL_dh_T(r: np.ndarray, W_hy: np.ndarray) -> np.ndarray:
    """dL/dh_T = W_hy^T r for each model and sequence, (S, B, n): one (1, n_y) @ (n_y, n)
    product per sequence, as ``recurrent.loss_and_grads`` forms it (a (B, n_y) @ (n_y, n) product
    may round differently when n_y > 1)."""
    return (r[:, :, None, :] @ W_hy[:, None])[:, :, 0]


def _input_part(x, W, b) -> np.ndarray:
    """W x_t + b for every model and step, (S, T, B, rows of W)."""
    S, B, T, _ = x.shape
    a = _rows(x) @ _T(W)  # (S, T B, rows)
    a += b[:, None, :]
    return a.reshape(S, T, B, -1)


# Arrays over time are model-major, (S, T, B, .): a step reads and writes the S blocks [:, t]
# (each a contiguous (B, .) block), and each model's rows (t, b) are one block for the weight
# gradients, without copying.


def _rnn(st: Stack, x, y, B, T):
    P = st.params
    S, n = P["W_hh"].shape[:2]
    tanh = st.activation == "tanh"
    a = _input_part(x, P["W_xh"], P["b_h"])  # (S, T, B, n)
    W_hh_T = np.ascontiguousarray(_T(P["W_hh"]))
    H = np.empty((S, T + 1, B, n))  # H[:, t] = h_t
    H[:, 0] = 0.0
    Z = np.empty((S, T, B, n))  # Z[:, t-1] = z_t
    for t in range(1, T + 1):
        out = Z[:, t - 1]
        np.matmul(H[:, t - 1], W_hh_T, out=out)
        out += a[:, t - 1]
        if tanh:
            np.tanh(out, out=H[:, t])
        else:
            np.maximum(out, 0.0, out=H[:, t])
    losses, r, grads = _readout(P, H[:, T], y, B)
    if tanh:  # phi'(z_t) = 1 - tanh(z_t)^2 = 1 - h_t^2, as activations.tanh_prime computes it
        phi_prime = H[:, 1:] * H[:, 1:]
        np.subtract(1.0, phi_prime, out=phi_prime)
    else:
        phi_prime = get_activation("relu").phi_prime(Z)  # (S, T, B, n)
    delta = np.empty((S, T, B, n))  # delta[:, t-1] = dL/dz_t
    g = _dL_dh_T(r, P["W_hy"])  # (S, B, n)
    for t in range(T, 0, -1):
        np.multiply(phi_prime[:, t - 1], g, out=delta[:, t - 1])
        g = delta[:, t - 1] @ P["W_hh"]
    D = delta.reshape(S, T * B, n)  # rows (t, b)
    H_prev = H[:, :T].reshape(S, T * B, n)
    grads |= {"W_xh": _T(D) @ _rows(x), "W_hh": _T(D) @ H_prev, "b_h": D.sum(axis=1)}
    return losses, {k: grads[k] for k in P}


def _lstm(st: Stack, x, y, B, T):
    P = st.params
    S, n = P["U_f"].shape[:2]
    gates = lstm.GATES
    W = np.concatenate([P[f"W_{g}"] for g in gates], axis=1)  # (S, 4n, n_x)
    b = np.concatenate([P[f"b_{g}"] for g in gates], axis=1)  # (S, 4n)
    U = np.concatenate([P[f"U_{g}"] for g in gates], axis=1)  # (S, 4n, n)
    R = _T(U)  # (S, n, 4n)
    a_in = _input_part(x, W, b)  # (S, T, B, 4n)
    C = np.empty((S, T + 1, B, n))
    H = np.empty((S, T + 1, B, n))
    C[:, 0] = H[:, 0] = 0.0
    tanh_c = np.empty((S, T, B, n))  # tanh(c_t), kept for the backward pass
    V = np.empty((S, T, B, 4 * n))  # f, i, o, c~ side by side
    for t in range(1, T + 1):
        out = V[:, t - 1]
        a = a_in[:, t - 1] + H[:, t - 1] @ R
        np.divide(1.0, 1.0 + np.exp(-a[..., : 3 * n]), out=out[..., : 3 * n])
        np.tanh(a[..., 3 * n :], out=out[..., 3 * n :])
        C[:, t] = out[..., :n] * C[:, t - 1] + out[..., n : 2 * n] * out[..., 3 * n :]
        np.multiply(out[..., 2 * n : 3 * n], np.tanh(C[:, t], out=tanh_c[:, t - 1]), out=H[:, t])
    losses, r, grads = _readout(P, H[:, T], y, B)
    f, i, o, c_tilde = (V[..., j * n : (j + 1) * n] for j in range(4))
    Dh = o * (1.0 - tanh_c**2)  # dh_t/dc_t
    A = np.concatenate(
        [
            C[:, :-1] * f * (1.0 - f),
            c_tilde * i * (1.0 - i),
            tanh_c * o * (1.0 - o),
            i * (1.0 - c_tilde**2),
        ],
        axis=-1,
    )  # (S, T, B, 4n)
    delta = np.empty((S, T, B, 4 * n))
    g_c, g_h = np.zeros((S, B, n)), _dL_dh_T(r, P["W_hy"])
    for t in range(T, 0, -1):
        k = t - 1
        g_c = g_c + g_h * Dh[:, k]
        np.multiply(np.concatenate([g_c, g_c, g_h, g_c], axis=-1), A[:, k], out=delta[:, k])
        g_c, g_h = g_c * f[:, k], delta[:, k] @ U
    D = delta.reshape(S, T * B, 4 * n)  # rows (t, b)
    H_prev = H[:, :T].reshape(S, T * B, n)
    split = {"W": _T(D) @ _rows(x), "U": _T(D) @ H_prev, "b": D.sum(axis=1)}
    for p in "WUb":
        for g, d in zip(gates, np.split(split[p], 4, axis=1), strict=True):
            grads[f"{p}_{g}"] = d
    return losses, {k: grads[k] for k in P}


class Adam:
    """Ch. 6 ``optim.Adam`` for a Stack: the same update for each model, each gradient clipped by
    its own global norm (``clip``, or None)."""

    def __init__(self, lr: float, *, clip: float | None = None):
        self.lr = check_real(lr, "lr", positive=True)
        self.clip = None if clip is None else check_real(clip, "clip", positive=True)
        self.beta1, self.beta2, self.eps = 0.9, 0.999, 1e-8
        self.t, self.m, self.v = 0, {}, {}

    def norms(self, grads: dict) -> np.ndarray:
        """Ch. 6 each model's global gradient norm, (S,) (as ``clip.global_norm`` of its arrays;
        inf or NaN for a model whose gradient overflowed)."""
        grads = _check_grads(grads)
        S = next(iter(grads.values())).shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array([global_norm([g[s] for g in grads.values()]) for s in range(S)])

    def step(self, st: Stack, grads: dict, norms: np.ndarray) -> Stack:
        """Ch. 6 the stack after one Adam update of every model (norms: `self.norms(grads)`,
        all finite)."""
        st = _check_stack(st)
        grads = _check_grads(grads)
        if set(grads) != set(st.params):
            raise ValueError(
                f"grads must hold a gradient for every parameter of st and nothing else: "
                f"got {sorted(grads)}, st has {sorted(st.params)}"
            )
        for k, g in grads.items():
            if g.shape != st.params[k].shape:
                raise ValueError(
                    f"grads[{k!r}] must have the shape of st's {k} {st.params[k].shape}, "
                    f"got {g.shape}"
                )
            check_finite(g, f"grads[{k!r}]")
        norms = check_shape(norms, "norms", (st.S,))
        if self.t and (
            set(self.m) != set(grads) or any(self.m[k].shape != g.shape for k, g in grads.items())
        ):
            raise ValueError(
                "st does not match the optimiser state: its parameters "
                f"{ {k: g.shape for k, g in grads.items()} } differ from the moments' "
                f"{ {k: m.shape for k, m in self.m.items()} } (select both alike)"
            )
        if self.clip is not None:
            # clip / norm where norm >= clip, else 1 (no division by a zero norm)
            scale = np.divide(self.clip, norms, out=np.ones(st.S), where=norms >= self.clip)
            grads = {k: g * scale.reshape((-1,) + (1,) * (g.ndim - 1)) for k, g in grads.items()}
        if self.t == 0:
            self.m = {k: np.zeros_like(g) for k, g in grads.items()}
            self.v = {k: np.zeros_like(g) for k, g in grads.items()}
        t = self.t + 1
        b1, b2 = self.beta1, self.beta2
        self.m = {k: b1 * self.m[k] + (1 - b1) * g for k, g in grads.items()}
        self.v = {k: b2 * self.v[k] + (1 - b2) * g**2 for k, g in grads.items()}
        c1, c2 = 1 - b1**t, 1 - b2**t
        theta = st.params
        new = {
            k: theta[k] - self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)
            for k in theta
        }
        self.t = t
        return Stack(st.kind, st.activation, new)

    def select(self, keep) -> None:
        """Ch. 6 keep only the moments of the models at indices `keep` (as ``Stack.select``)."""
        S = next(iter(self.m.values())).shape[0] if self.m else None
        keep = _check_keep(keep, S)
        self.m = {k: v[keep] for k, v in self.m.items()}
        self.v = {k: v[keep] for k, v in self.v.items()}
