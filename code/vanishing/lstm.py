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

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vanishing import recurrent
from vanishing.recurrent import *  # noqa: F403  (the shared verbs, re-exported)
from vanishing.recurrent import Cache, Recurrent, check_cache
from vanishing.validate import check_gate_params, check_real

GATES: tuple[str, ...] = ("f", "i", "o", "c")  # forget, input, output gates; candidate c~
TORCH_GATES: tuple[str, ...] = ("i", "f", "c", "o")  # nn.LSTM's row blocks: i, f, g (= c~), o


@dataclass
class LSTM(Recurrent):
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

    STATES: ClassVar[tuple[str, ...]] = ("c", "h")  # s_t = [c_t; h_t]
    VALUES: ClassVar[tuple[str, ...]] = ("f", "i", "o", "c_tilde")

    def __post_init__(self):
        check_gate_params(self, GATES)

    # the cell: forward step and its local derivatives -----------------------------------------

    def input_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """W (4 n_h, n_x), b (4 n_h,): the gates' W_g and b_g stacked as f, i, o, c~."""
        return _stack(self, "W"), _stack(self, "b")

    def recurrent_weights(self) -> np.ndarray:
        """[U_f; U_i; U_o; U_c]^T (n_h, 4 n_h)."""
        return _stack(self, "U").T

    def step(self, a_t, states, out, R):
        """Gates f_t, i_t, o_t, c~_t into out (B, 4 n_h); returns (c_t, h_t)."""
        c, h = states
        n = h.shape[1]
        a = a_t + h @ R  # gate arguments, (B, 4n)
        # sigmoid = 1/(1 + e^{-a}): e^{-a} = inf for a < -709 gives the right limit, 0
        np.divide(1.0, 1.0 + np.exp(-a[:, : 3 * n]), out=out[:, : 3 * n])  # f_t, i_t, o_t
        np.tanh(a[:, 3 * n :], out=out[:, 3 * n :])  # c~_t
        c = out[:, :n] * c + out[:, n : 2 * n] * out[:, 3 * n :]  # c_t = f_t c_{t-1} + i_t c~_t
        return c, out[:, 2 * n : 3 * n] * np.tanh(c)  # h_t = o_t tanh(c_t)

    def back_factors(self, cache: Cache):
        """Time-major per-step factors, all t at once: D[t-1] = o_t tanh'(c_t) = dh_t/dc_t;
        A[t-1] (T, B, 4n) with dL/da_t = [g_c, g_c, g_h, g_c] * A[t-1] for g_c = total dL/dc_t,
        g_h = dL/dh_t; F[t-1] = f_t; and U = the U_g stacked (4n, n)."""
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
        return D, A, f, _stack(self, "U")

    def step_back(self, F, k, g, out):
        """From dL/dc_t, dL/dh_t to dL/da_t (into out) and the parts of dL/dc_{t-1},
        dL/dh_{t-1} that pass through step t = k+1."""
        D, A, f, U = F
        g_c, g_h = g
        g_c = g_c + g_h * D[k]  # total dL/dc_t
        np.multiply(np.concatenate([g_c, g_c, g_h, g_c], axis=1), A[k], out=out)  # dL/da_t
        return g_c * f[k], out @ U  # dL/dc_{t-1} (via f_t), dL/dh_{t-1}

    def param_grads(self, cache: Cache, delta: np.ndarray) -> dict[str, np.ndarray]:
        """dL/dW_g, dL/dU_g, dL/db_g: sums over b and t of delta_t x_t^T, delta_t h_{t-1}^T,
        delta_t, split by gate."""
        T, B, n = cache.T, cache.B, self.n_h
        delta = delta.reshape(T * B, 4 * n)  # rows (t, b)
        x = np.swapaxes(cache.x, 0, 1).reshape(T * B, self.n_x)  # x_t, rows (t, b)
        h = np.swapaxes(cache.h[:, :-1], 0, 1).reshape(T * B, n)  # h_{t-1}, rows (t, b)
        split = {"W": delta.T @ x, "U": delta.T @ h, "b": delta.sum(axis=0)}
        return {
            f"{p}_{g}": d for p in "WUb" for g, d in zip(GATES, np.split(split[p], 4), strict=True)
        }

    def state_jacobians(self, cache: Cache) -> np.ndarray:
        """ds_t/ds_{t-1} of s_t = [c_t; h_t]; (B, T, 2n_h, 2n_h), [:, t-1]. Blocks as in the
        module docstring: [[dc_t/dc_{t-1}, dc_t/dh_{t-1}], [dh_t/dc_{t-1}, dh_t/dh_{t-1}]]."""
        cache = check_cache(self, cache)
        n = self.n_h
        f, i, o, c_tilde = cache.f, cache.i, cache.o, cache.c_tilde  # (B, T, n) each
        tanh_c = np.tanh(cache.c[:, 1:])  # tanh(c_t), (B, T, n)
        d = o * (1.0 - tanh_c**2)  # dh_t/dc_t = diag(o_t tanh'(c_t)), (B, T, n)
        dc_dh = (  # dc_t/dh_{t-1}, (B, T, n, n); row scaling diag(v) U is v[..., None] * U
            (cache.c[:, :-1] * f * (1.0 - f))[..., None] * self.U_f
            + (c_tilde * i * (1.0 - i))[..., None] * self.U_i
            + (i * (1.0 - c_tilde**2))[..., None] * self.U_c
        )
        J = np.empty(f.shape[:2] + (2 * n, 2 * n))  # (B, T, 2n, 2n)
        J[..., :n, :n] = f[..., None] * np.eye(n)  # dc_t/dc_{t-1} = diag(f_t)
        J[..., :n, n:] = dc_dh
        J[..., n:, :n] = (d * f)[..., None] * np.eye(n)  # dh_t/dc_{t-1} = diag(o_t tanh'(c_t) f_t)
        J[..., n:, n:] = (tanh_c * o * (1.0 - o))[..., None] * self.U_o + d[..., None] * dc_dh
        return J


def _stack(model: LSTM, p: str) -> np.ndarray:
    """The parameters p_g (p in W, U, b) of the gates stacked in the order f, i, o, c~."""
    return np.concatenate([getattr(model, f"{p}_{g}") for g in GATES])


def init_lstm(
    n_x: int,
    n_h: int,
    n_y: int,
    *,
    forget_bias: float = 0.0,
    scheme: str = "uniform",
    rng=0,
) -> LSTM:
    """Ch. 6 LSTM: weights as ``recurrent.init_gated`` draws them (scheme in GATED_SCHEMES),
    biases zero but b_f = forget_bias (all entries); the draws do not depend on forget_bias.

    A positive forget bias starts the forget gates open, f_t ~ sigmoid(forget_bias) (Gers et al.
    2000 open them at the start; Jozefowicz et al. 2015 recommend forget_bias = 1).
    """
    params = recurrent.init_gated(GATES, n_x, n_h, n_y, scheme=scheme, rng=rng)
    params["b_f"] += check_real(forget_bias, "forget_bias")
    return LSTM(**params)


def direct_path_jacobians(model: LSTM, cache: Cache) -> np.ndarray:
    """Ch. 6 direct cell path dc_t/dc_{t-1} at fixed h_{t-1}: diag(f_t); (B, T, n_h, n_h), [:, t-1].

    It is the top-left block of `state_jacobians`; the full ds_t/ds_{t-1} adds the paths
    through h_{t-1} and the gates.
    """
    if not isinstance(recurrent.check_model(model), LSTM):
        raise TypeError(f"model must be an LSTM, got {type(model).__name__}")
    return recurrent.check_cache(model, cache).f[..., None] * np.eye(model.n_h)  # (B, T, n, n)


def to_torch_state_dict(model: LSTM) -> dict[str, np.ndarray]:
    """Ch. 6 the LSTM as the state dict (float64 numpy arrays; ``torch.from_numpy`` each) of
    ``ModuleDict({"rnn": nn.LSTM(n_x, n_h, batch_first=True), "readout": nn.Linear(n_h, n_y)})``.

    nn.LSTM stacks the gates' rows as i, f, g, o (its g is our candidate c~) where we keep f, i,
    o, c~, and has two biases that it adds, bias_ih + bias_hh: ours goes into bias_ih, bias_hh is
    zero. Its equations are ours, so the two compute the same h_t (tests/test_torch.py).
    """
    if not isinstance(recurrent.check_model(model), LSTM):
        raise TypeError(f"model must be an LSTM, got {type(model).__name__}")
    return recurrent.to_torch_gated(model, TORCH_GATES)


def from_torch_state_dict(state) -> LSTM:
    """Ch. 6 the LSTM of a state dict of the form ``to_torch_state_dict`` makes (torch tensors or
    arrays): gate blocks reordered, b_g = bias_ih + bias_hh for every gate."""
    return LSTM(**recurrent.from_torch_gated(state, TORCH_GATES))
