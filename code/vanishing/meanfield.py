"""Ch. 7: mean-field signal propagation in wide random networks (Poole et al. 2016; Schoenholz
et al. 2017), by Gauss-Hermite quadrature.

A layer z^(l) = W^(l) phi(z^(l-1)) + b^(l) with W_ij ~ N(0, sigma_w2 / n) and b_i ~ N(0, sigma_b2)
maps the variance q of a pre-activation and the correlation c of two inputs' pre-activations:

    q_l = sigma_w2 E[phi(sqrt(q_{l-1}) u)^2] + sigma_b2,                       u ~ N(0, 1),
    c_l q* = sigma_w2 E[phi(u_1) phi(u_2)] + sigma_b2,  (u_1, u_2) ~ N(0, q* [[1, c], [c, 1]]),

chi_1 = sigma_w2 E[phi'(sqrt(q*) u)^2] (the gradient's second moment per layer) and
chi_c = sigma_w2 E[phi'(u_1) phi'(u_2)] at the correlation fixed point c*; the correlation depth
scale is xi_c = -1 / ln chi_c. Smooth activations use quadrature; "relu" and "linear" use their
closed forms (the quadrature is inaccurate across ReLU's kink), which SymPy derives
(``vanishing.symbolic.meanfield``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from vanishing.activations import get_activation
from vanishing.validate import as_real_array, check_choice, check_size, quiet_overflow

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "linear")
ORDER = 101  # Gauss-Hermite nodes (one dimension)
PAIR_ORDER = 51  # nodes per dimension of the two-dimensional quadrature


@cache
def _nodes(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes x and weights w with E[f(u)] = sum_i w_i f(x_i) for u ~ N(0, 1) (computed once)."""
    x, w = np.polynomial.hermite_e.hermegauss(order)  # weight e^{-x^2/2}
    x.setflags(write=False)
    w = w / w.sum()
    w.setflags(write=False)
    return x, w


def _check_variances(sigma_w2, sigma_b2) -> tuple[np.ndarray, np.ndarray]:
    """sigma_w2 > 0 and sigma_b2 >= 0 as broadcast float64 arrays; errors name the argument."""
    w = as_real_array(sigma_w2, "sigma_w2")
    b = as_real_array(sigma_b2, "sigma_b2")
    if not (np.all(np.isfinite(w)) and np.all(w > 0)):
        raise ValueError("sigma_w2 must be finite and > 0")
    if not (np.all(np.isfinite(b)) and np.all(b >= 0)):
        raise ValueError("sigma_b2 must be finite and >= 0")
    return np.broadcast_arrays(w, b)


def _check_q(q, name: str = "q") -> np.ndarray:
    arr = as_real_array(q, name)
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
        raise ValueError(f"{name} must be finite and >= 0")
    return arr


def second_moment(q, activation: str = "tanh") -> np.ndarray:
    """Ch. 7 E[phi(sqrt(q) u)^2], u ~ N(0, 1), elementwise over an array q >= 0."""
    act = check_choice(activation, "activation", ACTIVATIONS, kind="activation")
    q = _check_q(q)
    if act == "relu":
        return q / 2.0
    if act == "linear":
        return q.copy()
    x, w = _nodes(ORDER)
    return np.tensordot(get_activation(act).phi(np.sqrt(q)[..., None] * x) ** 2, w, axes=1)


def slope_moment(q, activation: str = "tanh") -> np.ndarray:
    """Ch. 7 E[phi'(sqrt(q) u)^2], u ~ N(0, 1), elementwise over an array q >= 0."""
    act = check_choice(activation, "activation", ACTIVATIONS, kind="activation")
    q = _check_q(q)
    if act == "relu":
        return np.full_like(q, 0.5)
    if act == "linear":
        return np.ones_like(q)
    x, w = _nodes(ORDER)
    return np.tensordot(get_activation(act).phi_prime(np.sqrt(q)[..., None] * x) ** 2, w, axes=1)


def variance_map(q, sigma_w2, sigma_b2, activation: str = "tanh") -> np.ndarray:
    """Ch. 7 one layer of the variance map q -> sigma_w2 E[phi(sqrt(q) u)^2] + sigma_b2."""
    w, b = _check_variances(sigma_w2, sigma_b2)
    return w * second_moment(q, activation) + b


@quiet_overflow
def fixed_point(sigma_w2, sigma_b2, activation: str = "tanh", *, q0=1.0, iters: int = 400):
    """Ch. 7 q* by iterating the variance map `iters` times from q0 (arrays broadcast).

    For ReLU and linear networks the map is linear in q: q* = sigma_b2 / (1 - chi_1) if
    chi_1 < 1, else inf (the variance grows without bound)."""
    w, b = _check_variances(sigma_w2, sigma_b2)
    iters = check_size(iters, "iters")
    act = check_choice(activation, "activation", ACTIVATIONS, kind="activation")
    q0 = _check_q(q0, "q0")
    if act in ("relu", "linear"):
        chi = w * (0.5 if act == "relu" else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(chi < 1, b / (1 - chi), np.inf)
    q = np.broadcast_to(q0, w.shape).astype(np.float64)
    for _ in range(iters):
        q = w * second_moment(q, act) + b
    return q


def chi_1(sigma_w2, q, activation: str = "tanh") -> np.ndarray:
    """Ch. 7 chi_1 = sigma_w2 E[phi'(sqrt(q) u)^2]: the factor per layer of the gradient's second
    moment (and of a small perturbation's) at pre-activation variance q."""
    w, _ = _check_variances(sigma_w2, 0.0)
    return w * slope_moment(q, activation)


def _pair_expectation(f, g, q, c, order: int = PAIR_ORDER) -> np.ndarray:
    """E[f(u_1) g(u_2)] for (u_1, u_2) ~ N(0, q [[1, c], [c, 1]]), by a 2-D quadrature."""
    x, w = _nodes(order)
    q, c = np.broadcast_arrays(np.asarray(q, float), np.asarray(c, float))
    s = np.sqrt(q)[..., None, None]
    cc = c[..., None, None]
    u1 = s * x[:, None]
    u2 = s * (cc * x[:, None] + np.sqrt(np.clip(1 - cc**2, 0, None)) * x[None, :])
    return np.einsum("...ij,i,j->...", f(u1) * g(u2), w, w)


@quiet_overflow
def correlation_map(c, q_star, sigma_w2, sigma_b2, activation: str = "tanh") -> np.ndarray:
    """Ch. 7 one layer of the correlation map c -> (sigma_w2 E[phi(u_1) phi(u_2)] + sigma_b2)/q*."""
    act = check_choice(activation, "activation", ACTIVATIONS, kind="activation")
    if act != "tanh":
        raise ValueError("activation: the correlation map is computed for 'tanh' only")
    w, b = _check_variances(sigma_w2, sigma_b2)
    c = as_real_array(c, "c")
    if not (np.all(np.isfinite(c)) and np.all(np.abs(c) <= 1.0)):
        raise ValueError("c must be a correlation: finite and in [-1, 1]")
    q_star = _check_q(q_star, "q_star")
    phi = get_activation("tanh").phi
    return (w * _pair_expectation(phi, phi, q_star, c) + b) / q_star


@dataclass(frozen=True)
class DepthScales:
    """Ch. 7 mean-field quantities of tanh networks at each (sigma_w2, sigma_b2) (broadcast
    shape S): q*, chi_1, the correlation fixed point c*, chi_c at c*, and xi_c = -1/ln chi_c."""

    sigma_w2: np.ndarray
    sigma_b2: np.ndarray
    q_star: np.ndarray
    chi_1: np.ndarray
    c_star: np.ndarray
    chi_c: np.ndarray

    @property
    def xi_c(self) -> np.ndarray:
        """Correlation depth scale -1/ln chi_c (inf at chi_c = 1)."""
        with np.errstate(divide="ignore"):
            return -1.0 / np.log(self.chi_c)

    @property
    def xi_grad(self) -> np.ndarray:
        """Gradient depth scale 1/|ln chi_1|: the gradient's second moment changes by a factor e
        over this many layers (it shrinks for chi_1 < 1, grows for chi_1 > 1)."""
        with np.errstate(divide="ignore"):
            return 1.0 / np.abs(np.log(self.chi_1))


def depth_scales(sigma_w2, sigma_b2, *, iters: int = 400) -> DepthScales:
    """Ch. 7 q*, chi_1, c*, chi_c and xi_c for tanh networks (Schoenholz et al. 2017, eq. 9).

    c* is found by iterating the correlation map from c = 0.5; in the ordered phase it is 1,
    where chi_c = chi_1."""
    w, b = _check_variances(sigma_w2, sigma_b2)
    q = fixed_point(w, b, "tanh", iters=iters)
    chi = chi_1(w, q, "tanh")
    c = np.full(w.shape, 0.5)
    for _ in range(iters):
        c = np.clip(correlation_map(c, q, w, b), -1.0, 1.0)
    c = np.where(chi <= 1.0, 1.0, c)  # ordered: c* = 1 (the iteration converges only slowly)
    d = get_activation("tanh").phi_prime
    chi_c = w * _pair_expectation(d, d, q, c)
    return DepthScales(w, b, q, chi, c, chi_c)


def critical_line(q_star) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 7 the edge of chaos of tanh networks, parametrised by the fixed point q*: the
    (sigma_w2, sigma_b2) with chi_1 = 1 there, sigma_w2 = 1 / E[phi'(sqrt(q*) u)^2] and
    sigma_b2 = q* - sigma_w2 E[phi(sqrt(q*) u)^2] (>= 0 for every q* > 0)."""
    q = _check_q(q_star, "q_star")
    if np.any(q <= 0):
        raise ValueError("q_star must be > 0")
    w = 1.0 / slope_moment(q, "tanh")
    return w, q - w * second_moment(q, "tanh")
