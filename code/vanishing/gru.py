"""Ch. 6: the GRU cell, its BPTT, and the Jacobians of its state h_t.

Steps t = 1..T, with the update gate u_t, the reset gate r_t and the candidate h~_t (`h_tilde`):
  u_t = sigmoid(W_u x_t + U_u h_{t-1} + b_u)
  r_t = sigmoid(W_r x_t + U_r h_{t-1} + b_r)
  h~_t = tanh(W_htilde x_t + U_htilde (r_t * h_{t-1}) + b_htilde)
  h_t = (1 - u_t) * h_{t-1} + u_t * h~_t,  y_hat_t = W_hy h_t + b_y,
with * elementwise, W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,) for g in u, r, h~ (code: htilde).

The update gate is u_t here (z_t in Cho et al. 2014 and Chung et al. 2014; the book keeps z for
pre-activations). Conventions differ between texts, so ours precisely: u_t = 1 takes the
candidate and u_t = 0 keeps h_{t-1} (Chung et al. 2014's). Cho et al. 2014, PyTorch's nn.GRU
and Keras write h_t = z_t * h_{t-1} + (1 - z_t) * h~_t: their z is our 1 - u (negate W_u, U_u
and b_u to translate). The reset gate acts before U_htilde, as in Cho et al. 2014; PyTorch (and
cuDNN) apply it after, r_t * (U_htilde h_{t-1} + b), which is a different model.

One-step Jacobian (numerator layout), with g' = g (1 - g) for a sigmoid gate:
  dh_t/dh_{t-1} = diag(1 - u_t) + diag((h~_t - h_{t-1}) u_t') U_u
                  + diag(u_t (1 - h~_t^2)) U_htilde (diag(r_t) + diag(h_{t-1} r_t') U_r).
Its first term diag(1 - u_t) is the direct path, the GRU's counterpart of the LSTM's diag(f_t).
Batches are rows, so in code a gate's argument is x_t @ W_g.T + h_{t-1} @ U_g.T + b_g, (B, n_h).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vanishing import recurrent
from vanishing.activations import sigmoid
from vanishing.recurrent import *  # noqa: F403  (the shared verbs, re-exported)
from vanishing.recurrent import Cache, Recurrent, check_cache
from vanishing.validate import check_gate_params

GATES: tuple[str, ...] = ("u", "r", "htilde")  # update gate, reset gate, candidate h~
TORCH_GATES: tuple[str, ...] = ("r", "u", "htilde")  # nn.GRU's row blocks: r, z (= 1 - u), n


@dataclass
class GRU(Recurrent):
    """Ch. 6 GRU: for g in u, r, htilde: W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,); W_hy, b_y."""

    W_u: np.ndarray  # (n_h, n_x)
    W_r: np.ndarray  # (n_h, n_x)
    W_htilde: np.ndarray  # (n_h, n_x)
    U_u: np.ndarray  # (n_h, n_h)
    U_r: np.ndarray  # (n_h, n_h)
    U_htilde: np.ndarray  # (n_h, n_h)
    b_u: np.ndarray  # (n_h,)
    b_r: np.ndarray  # (n_h,)
    b_htilde: np.ndarray  # (n_h,)
    W_hy: np.ndarray  # (n_y, n_h)
    b_y: np.ndarray  # (n_y,)

    STATES: ClassVar[tuple[str, ...]] = ("h",)
    VALUES: ClassVar[tuple[str, ...]] = ("u", "r", "h_tilde")

    def __post_init__(self):
        check_gate_params(self, GATES)

    # the cell: forward step and its local derivatives -----------------------------------------

    def input_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """W (3 n_h, n_x), b (3 n_h,): the W_g and b_g stacked as u, r, h~."""
        return np.concatenate([self.W_u, self.W_r, self.W_htilde]), np.concatenate(
            [self.b_u, self.b_r, self.b_htilde]
        )

    def recurrent_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """[U_u; U_r]^T (n_h, 2 n_h) and U_htilde^T."""
        return self._U_ur().T, self.U_htilde.T

    def step(self, a_t, states, out, R):
        """u_t, r_t, h~_t into out (B, 3 n_h); returns (h_t,)."""
        (h,) = states
        n = h.shape[1]
        out[:, : 2 * n] = sigmoid(a_t[:, : 2 * n] + h @ R[0])  # u_t, r_t
        u, r = out[:, :n], out[:, n : 2 * n]
        np.tanh(a_t[:, 2 * n :] + (r * h) @ R[1], out=out[:, 2 * n :])  # h~_t
        return ((1.0 - u) * h + u * out[:, 2 * n :],)  # h_t

    def back_factors(self, cache: Cache):
        """Time-major (T, B, n), all t at once: h_{t-1}, u_t, 1 - u_t, r_t, 1 - r_t,
        h~_t - h_{t-1}, 1 - h~_t^2 (tanh' of the candidate); and [U_u; U_r] (2n, n)."""
        h_prev, u, r, h_tilde = (
            np.ascontiguousarray(np.swapaxes(v, 0, 1))
            for v in (cache.h[:, :-1], cache.u, cache.r, cache.h_tilde)
        )
        factors = (h_prev, u, 1.0 - u, r, 1.0 - r, h_tilde - h_prev, 1.0 - h_tilde**2)
        return factors, self._U_ur()

    def step_back(self, F, k, g, out):
        """From dL/dh_t to dL/da_t (into out; a = the arguments of u_t, r_t, h~_t) and the part
        of dL/dh_{t-1} that passes through step t = k+1."""
        h_prev, u, not_u, r, not_r, jump, tanh_prime = (v[k] for v in F[0])  # (B, n) each
        (g_h,) = g
        n = h_prev.shape[1]
        np.multiply(g_h * u, tanh_prime, out=out[:, 2 * n :])  # dL/da_htilde, through h~_t
        g_rh = out[:, 2 * n :] @ self.U_htilde  # dL/d(r_t * h_{t-1})
        out[:, :n] = g_h * jump * u * not_u  # dL/da_u
        out[:, n : 2 * n] = g_rh * h_prev * r * not_r  # dL/da_r
        return (g_h * not_u + g_rh * r + out[:, : 2 * n] @ F[1],)  # dL/dh_{t-1}

    def param_grads(self, cache: Cache, delta: np.ndarray) -> dict[str, np.ndarray]:
        """dL/dW_g, dL/dU_g, dL/db_g from delta_t = dL/da_t; U_htilde multiplies r_t * h_{t-1}."""
        T, B, n = cache.T, cache.B, self.n_h
        delta = delta.reshape(T * B, 3 * n)  # rows (t, b)
        x = np.swapaxes(cache.x, 0, 1).reshape(T * B, self.n_x)  # x_t, rows (t, b)
        h = np.swapaxes(cache.h[:, :-1], 0, 1).reshape(T * B, n)  # h_{t-1}, rows (t, b)
        rh = np.swapaxes(cache.r, 0, 1).reshape(T * B, n) * h  # r_t * h_{t-1}
        dW, db = np.split(delta.T @ x, 3), np.split(delta.sum(axis=0), 3)
        dU = np.split(delta[:, : 2 * n].T @ h, 2) + [delta[:, 2 * n :].T @ rh]
        grads = {"W": dW, "U": dU, "b": db}
        return {f"{p}_{g}": grads[p][j] for p in "WUb" for j, g in enumerate(GATES)}

    def state_jacobians(self, cache: Cache) -> np.ndarray:
        """dh_t/dh_{t-1} (module docstring); (B, T, n_h, n_h), [:, t-1]."""
        cache = check_cache(self, cache)
        u, r, h_tilde, h_prev = cache.u, cache.r, cache.h_tilde, cache.h[:, :-1]  # (B, T, n) each
        # d(r_t * h_{t-1})/dh_{t-1} = diag(r_t) + diag(h_{t-1} r_t') U_r, (B, T, n, n)
        d_rh = r[..., None] * np.eye(self.n_h) + (h_prev * r * (1.0 - r))[..., None] * self.U_r
        return (
            (1.0 - u)[..., None] * np.eye(self.n_h)
            + ((h_tilde - h_prev) * u * (1.0 - u))[..., None] * self.U_u
            + (u * (1.0 - h_tilde**2))[..., None] * (self.U_htilde @ d_rh)
        )

    def _U_ur(self) -> np.ndarray:
        return np.concatenate([self.U_u, self.U_r])  # (2n, n)


def init_gru(n_x: int, n_h: int, n_y: int, *, scheme: str = "uniform", rng=0) -> GRU:
    """Ch. 6 GRU: weights as ``recurrent.init_gated`` draws them (scheme in GATED_SCHEMES),
    biases zero (so u_t and r_t start near 1/2)."""
    return GRU(**recurrent.init_gated(GATES, n_x, n_h, n_y, scheme=scheme, rng=rng))


def direct_path_jacobians(model: GRU, cache: Cache) -> np.ndarray:
    """Ch. 6 direct path of dh_t/dh_{t-1}, past the gates and h~_t: diag(1 - u_t); (B, T, n, n)."""
    if not isinstance(recurrent.check_model(model), GRU):
        raise TypeError(f"model must be a GRU, got {type(model).__name__}")
    return (1.0 - recurrent.check_cache(model, cache).u)[..., None] * np.eye(
        model.n_h
    )  # (B, T, n, n)


def to_torch_state_dict(model: GRU) -> dict[str, np.ndarray]:
    """Ch. 6 the GRU's parameters as the state dict (float64 numpy arrays) of
    ``ModuleDict({"rnn": nn.GRU(n_x, n_h, batch_first=True), "readout": nn.Linear(n_h, n_y)})``.

    nn.GRU stacks the rows as r, z, n: its z is our 1 - u, so W_u, U_u, b_u go in negated, and
    its n is our candidate h~. Our one bias goes into bias_ih, bias_hh is zero. One difference
    no renaming undoes: nn.GRU applies the reset gate *after* the recurrent weights,
    n_t = tanh(W x_t + b + r_t * (U h_{t-1} + b_hn)), where ours (Cho et al. 2014) has
    tanh(W x_t + U (r_t * h_{t-1}) + b). The two agree where r_t = 1 or h_{t-1} = 0 (the first
    step from h_0 = 0) and differ elsewhere (tests/test_torch.py measures both).
    """
    if not isinstance(recurrent.check_model(model), GRU):
        raise TypeError(f"model must be a GRU, got {type(model).__name__}")
    return recurrent.to_torch_gated(model, TORCH_GATES, negate="u")


def from_torch_state_dict(state) -> GRU:
    """Ch. 6 the GRU with the parameters of a state dict of the form ``to_torch_state_dict``
    makes (torch tensors or arrays); the n block of bias_hh must be zero (it sits inside the
    reset product). The result is our GRU: the reset gate acts before U_htilde, so it computes
    what nn.GRU computes only where r_t = 1 or h_{t-1} = 0."""
    return GRU(**recurrent.from_torch_gated(state, TORCH_GATES, negate="u", inside_reset="htilde"))
