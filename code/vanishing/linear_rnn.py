"""Ch. 8: a diagonal complex linear recurrence in the style of the LRU (Orvieto et al. 2023).

Steps t = 1..T, with n_e encoder units and n_h complex state units:

  e_t = relu(W_e x_t + b_e)                               a position-wise encoder (n_e,)
  h_t = lambda * h_{t-1} + gamma * (B e_t)                 diagonal recurrence, h_t complex (n_h,)
  y_hat_t = Re(C h_t) + b_y = C_re Re h_t - C_im Im h_t + b_y

with * elementwise, B = B_re + i B_im (n_h, n_e), C = C_re + i C_im (n_y, n_h), and every
eigenvalue written in the LRU's exponential form

  lambda_j = exp(-exp(nu_j) + i theta_j),  so |lambda_j| = exp(-exp(nu_j)) < 1 for every real nu_j.

(The LRU writes the phase as exp(theta_log) too; we train theta itself.) ``normalise=True``
multiplies the input by gamma_j = sqrt(1 - |lambda_j|^2), a function of nu_j that the gradient
passes through (Orvieto et al. train a separate gamma started at that value); with
``normalise=False``, gamma = 1. The recurrence is linear, so the one-step state Jacobian is the
constant diag(lambda) and dh_T/dh_k = diag(lambda^(T-k)): chapter 3's powers, exactly.

Gradients of the real loss with respect to a complex z = x + i y are carried as
G = dL/dx + i dL/dy. Through h_t = lambda h_{t-1} the gradient becomes conj(lambda) G, and a real
parameter p that moves lambda gets Re(conj(G_lambda) dlambda/dp).

Parameters are real arrays, so ``vanishing.optim`` trains the model unchanged; the API is that of
the other recurrent models: ``init_lru``, ``forward``, ``loss_and_grads``, ``params()``.
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
    check_input_weights,
    check_real,
    check_shape,
    check_size,
    quiet_overflow,
)

__all__ = [
    "LRU",
    "LRUCache",
    "discretise",
    "eigenvalues",
    "forward",
    "init_lru",
    "loss_and_grads",
    "output_input_gradients",
]


@dataclass
class LRU(Parametrised):
    """Ch. 8 LRU-style model: W_e (n_e, n_x), b_e (n_e,), nu, theta (n_h,), B_re, B_im
    (n_h, n_e), C_re, C_im (n_y, n_h), b_y (n_y,); ``normalise``: gamma = sqrt(1 - |lambda|^2)."""

    W_e: np.ndarray
    b_e: np.ndarray
    nu: np.ndarray
    theta: np.ndarray
    B_re: np.ndarray
    B_im: np.ndarray
    C_re: np.ndarray
    C_im: np.ndarray
    b_y: np.ndarray
    normalise: bool = True

    def __post_init__(self):
        self.nu = check_array(self.nu, "nu", 1)
        n_h = self.nu.shape[0]
        if n_h < 1:
            raise ValueError("nu must have at least one entry")
        self.theta = check_shape(self.theta, "theta", (n_h,))
        self.B_re = check_input_weights(self.B_re, "B_re", n_h)
        n_e = self.B_re.shape[1]
        self.B_im = check_shape(self.B_im, "B_im", (n_h, n_e))
        self.W_e = check_input_weights(self.W_e, "W_e", n_e)
        self.b_e = check_shape(self.b_e, "b_e", (n_e,))
        self.C_re = check_array(self.C_re, "C_re", 2)
        if self.C_re.shape[1] != n_h or self.C_re.shape[0] < 1:
            raise ValueError(f"C_re must have shape (n_y, {n_h}), got {self.C_re.shape}")
        self.C_im = check_shape(self.C_im, "C_im", self.C_re.shape)
        self.b_y = check_shape(self.b_y, "b_y", (self.C_re.shape[0],))
        if not isinstance(self.normalise, bool):
            raise TypeError(f"normalise must be a bool, got {type(self.normalise).__name__}")

    @property
    def n_x(self) -> int:
        """Input width n_x."""
        return self.W_e.shape[1]

    @property
    def n_h(self) -> int:
        """Number of complex state units n_h."""
        return self.nu.shape[0]

    @property
    def n_y(self) -> int:
        """Output width n_y."""
        return self.C_re.shape[0]


def eigenvalues(model: LRU) -> np.ndarray:
    """Ch. 8 the recurrence's eigenvalues lambda = exp(-exp(nu) + i theta), complex (n_h,)."""
    model = _check_model(model)
    return np.exp(-np.exp(model.nu) + 1j * model.theta)


def _gamma(model: LRU) -> tuple[np.ndarray, np.ndarray]:
    """gamma = sqrt(1 - |lambda|^2) (or 1) and dgamma/dnu, (n_h,) each."""
    if not model.normalise:
        return np.ones(model.n_h), np.zeros(model.n_h)
    r2 = np.exp(-2.0 * np.exp(model.nu))  # |lambda|^2
    gamma = np.sqrt(-np.expm1(-2.0 * np.exp(model.nu)))  # sqrt(1 - |lambda|^2), accurate near 1
    return gamma, np.exp(model.nu) * r2 / gamma


def _check_model(model) -> LRU:
    if not isinstance(model, LRU):
        raise TypeError(f"model must be an LRU, got {type(model).__name__}")
    model.__post_init__()  # the constructor's checks again: a model edited after construction
    return model


@dataclass(frozen=True)
class LRUCache:
    """Ch. 8 forward values: x (B, T, n_x); a (B, T, n_e) encoder arguments; h (B, T+1, n_h)
    complex states h_0..h_T; y_hat (B, T, n_y)."""

    x: np.ndarray
    a: np.ndarray
    h: np.ndarray
    y_hat: np.ndarray


@quiet_overflow
def forward(model: LRU, x: np.ndarray, *, h0=None) -> LRUCache:
    """Ch. 8 forward pass over t = 1..T; x (B, T, n_x); h0 complex (B, n_h), zero if None."""
    model = _check_model(model)
    x = check_array(x, "x", 3)
    B, T, n_x = x.shape
    if B < 1 or T < 1 or n_x != model.n_x:
        raise ValueError(f"x must have shape (B, T, {model.n_x}) with B, T >= 1, got {x.shape}")
    lam = eigenvalues(model)
    gamma, _ = _gamma(model)
    a = x @ model.W_e.T + model.b_e  # (B, T, n_e)
    e = np.maximum(a, 0.0)
    u = gamma * (e @ (model.B_re + 1j * model.B_im).T)  # gamma * B e_t, (B, T, n_h)
    h = np.empty((B, T + 1, model.n_h), dtype=complex)
    h[:, 0] = 0.0 if h0 is None else _check_h0(h0, B, model.n_h)
    for t in range(1, T + 1):
        h[:, t] = lam * h[:, t - 1] + u[:, t - 1]
    y_hat = h[:, 1:].real @ model.C_re.T - h[:, 1:].imag @ model.C_im.T + model.b_y
    return LRUCache(x=x, a=a, h=h, y_hat=y_hat)


def _check_h0(h0, B: int, n_h: int) -> np.ndarray:
    try:
        arr = np.asarray(h0)
    except ValueError:  # a ragged nested list
        raise ValueError("h0 must be a rectangular numeric array, not a ragged list") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"h0 must be a numeric array, got dtype {arr.dtype}")
    if arr.shape != (B, n_h) or not np.all(np.isfinite(arr)):
        raise ValueError(f"h0 must be a finite array of shape {(B, n_h)}, got {arr.shape}")
    return arr.astype(complex)


@quiet_overflow
def loss_and_grads(
    model: LRU, x: np.ndarray, y: np.ndarray, *, h0=None, loss_at: str = "all"
) -> tuple[float, Grads]:
    """Ch. 8 loss (1/B) sum 1/2 ||y_hat_t - y_t||^2 (every t, or only t = T with
    loss_at="last", y (B, n_y)) and its gradients by hand-written BPTT; ``grads.h0`` is
    dL/dRe h_0 + i dL/dIm h_0."""
    loss_at = check_choice(loss_at, "loss_at", LOSS_AT, kind="loss position")
    cache = forward(model, x, h0=h0)
    B, T = cache.x.shape[:2]
    if loss_at == "all":
        e = cache.y_hat - check_shape(y, "y", (B, T, model.n_y))  # (B, T, n_y)
    else:
        e = cache.y_hat[:, -1:] - check_shape(y, "y", (B, model.n_y))[:, None]  # (B, 1, n_y)
    K = e.shape[1]
    loss = 0.5 * float(np.sum(e * e)) / B
    r = e / B  # dL/dy_hat_t
    direct = np.zeros((B, T, model.n_h), dtype=complex)  # G from the read-out at each t
    direct[:, T - K :] = r @ model.C_re - 1j * (r @ model.C_im)
    lam = eigenvalues(model)
    gamma, dgamma = _gamma(model)
    G = np.empty((B, T, model.n_h), dtype=complex)  # total G_t for t = 1..T
    g = np.zeros((B, model.n_h), dtype=complex)
    lam_conj = np.conj(lam)
    for t in range(T, 0, -1):
        g = direct[:, t - 1] + g  # total dL/dh_t
        G[:, t - 1] = g
        g = lam_conj * g  # to h_{t-1}
    h_prev = cache.h[:, :-1]  # h_0..h_{T-1}
    G_lam = np.sum(G * np.conj(h_prev), axis=(0, 1))  # (n_h,)
    a = cache.a
    e_in = np.maximum(a, 0.0)  # (B, T, n_e)
    Bc = model.B_re + 1j * model.B_im
    Bu = e_in @ Bc.T  # B e_t, (B, T, n_h)
    G_u = gamma * G  # gradient at B e_t
    d_gamma = np.sum(np.real(np.conj(G) * Bu), axis=(0, 1))  # dL/dgamma, (n_h,)
    dlam_dnu = -np.exp(model.nu) * lam
    d_nu = np.real(np.conj(G_lam) * dlam_dnu) + d_gamma * dgamma
    d_theta = np.real(np.conj(G_lam) * 1j * lam)
    Gr, Gi = G_u.real.reshape(B * T, -1), G_u.imag.reshape(B * T, -1)
    E = e_in.reshape(B * T, -1)
    d_e = (Gr @ model.B_re + Gi @ model.B_im).reshape(a.shape)
    d_a = d_e * (a > 0)
    A = d_a.reshape(B * T, -1)
    H = cache.h[:, T + 1 - K :]  # the h_t that feed the loss
    R = r.reshape(B * K, -1)
    params = {
        "W_e": A.T @ cache.x.reshape(B * T, -1),
        "b_e": A.sum(axis=0),
        "nu": d_nu,
        "theta": d_theta,
        "B_re": Gr.T @ E,
        "B_im": Gi.T @ E,
        "C_re": R.T @ H.real.reshape(B * K, -1),
        "C_im": -R.T @ H.imag.reshape(B * K, -1),
        "b_y": R.sum(axis=0),
    }
    return loss, Grads(params=params, inputs={"h0": lam_conj * G[:, 0]})


def output_input_gradients(model: LRU, x: np.ndarray, j: int = 0) -> np.ndarray:
    """Ch. 8 d y_hat_T[j] / d x_t for t = 1..T, (B, T, n_x): the read-out's gradient carried
    back through h_T = sum_t lambda^(T-t) gamma B e_t (so conj(lambda)^(T-t) per unit), then
    through B, relu' and W_e."""
    model = _check_model(model)
    cache = forward(model, x)
    T = cache.x.shape[1]
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < model.n_y:
        raise ValueError(f"j must be an output index in 0..{model.n_y - 1}, got {j!r}")
    lam = eigenvalues(model)
    gamma, _ = _gamma(model)
    G_T = model.C_re[j] - 1j * model.C_im[j]  # dy/dRe h_T + i dy/dIm h_T, (n_h,)
    powers = np.conj(lam) ** np.arange(T - 1, -1, -1)[:, None]  # (T, n_h): conj(lambda)^(T-t)
    G = gamma * G_T * powers  # at B e_t, (T, n_h)
    d_e = G.real @ model.B_re + G.imag @ model.B_im  # (T, n_e)
    return (d_e[None] * (cache.a > 0)) @ model.W_e  # (B, T, n_x)


def discretise(A_log, delta, *, theta=None) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 8 zero-order hold of the diagonal continuous-time h'(t) = a h(t) + B x(t), with
    a = -exp(A_log) + i theta (S4D, Mamba) and step delta > 0: returns (Lambda, b), complex (n,),
    with Lambda = exp(delta a) and B_bar = b B, b = (exp(delta a) - 1)/a, so that
    h_t = Lambda h_{t-1} + B_bar x_t. |Lambda| = exp(-delta exp(A_log)) < 1."""
    A_log = check_array(A_log, "A_log", 1, nonempty=True)
    delta = check_real(delta, "delta", positive=True)
    theta = np.zeros_like(A_log) if theta is None else check_shape(theta, "theta", A_log.shape)
    with np.errstate(over="ignore"):
        rate = np.exp(A_log)
    if not np.all(np.isfinite(rate)):
        raise ValueError(f"A_log must be below log(max float) = 709.78, got {A_log.max()}")
    a = -rate + 1j * theta
    with np.errstate(under="ignore", over="ignore"):
        lam = np.exp(delta * a)
        b = np.expm1(delta * a) / a  # accurate for small delta |a| too
    return lam, b


def init_lru(
    n_x: int,
    n_h: int,
    n_y: int,
    *,
    n_e: int | None = None,
    r_min: float = 0.9,
    r_max: float = 0.999,
    max_phase: float = np.pi / 10,
    normalise: bool = True,
    rng=0,
) -> LRU:
    """Ch. 8 LRU-style model, initialised as Orvieto et al. (2023): |lambda| uniform over the
    ring r_min <= |lambda| <= r_max (uniform in area: |lambda|^2 ~ U(r_min^2, r_max^2)), phase
    theta ~ U(0, max_phase); B_re, B_im ~ N(0, 1/(2 n_e)), C_re, C_im ~ N(0, 1/n_h); the encoder
    W_e ~ N(0, 2/n_x) (He), b_e = 0; n_e = n_h unless given."""
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    n_e = n_h if n_e is None else check_size(n_e, "n_e")
    r_min, r_max = check_real(r_min, "r_min"), check_real(r_max, "r_max")
    if not 0.0 <= r_min <= r_max < 1.0:
        raise ValueError(f"r_min, r_max must satisfy 0 <= r_min <= r_max < 1, got {r_min}, {r_max}")
    max_phase = check_real(max_phase, "max_phase")
    if not 0.0 <= max_phase <= 2 * np.pi:
        raise ValueError(f"max_phase must be in [0, 2 pi], got {max_phase}")
    rng = as_generator(rng, name="rng")
    r2 = rng.uniform(r_min**2, r_max**2, size=n_h)
    r2 = np.maximum(r2, 1e-300)  # r_min = 0 may draw |lambda| = 0
    nu = np.log(-0.5 * np.log(r2))  # exp(-exp(nu)) = |lambda|
    theta = rng.uniform(0.0, max_phase, size=n_h)
    B_re, B_im = rng.standard_normal((2, n_h, n_e)) / np.sqrt(2 * n_e)
    C_re, C_im = rng.standard_normal((2, n_y, n_h)) / np.sqrt(n_h)
    W_e = rng.standard_normal((n_e, n_x)) * np.sqrt(2.0 / n_x)
    return LRU(
        W_e, np.zeros(n_e), nu, theta, B_re, B_im, C_re, C_im, np.zeros(n_y), normalise=normalise
    )
