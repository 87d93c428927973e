"""Ch. 7: batch and layer normalisation with hand-written backward passes, and the networks that
use them: a plain normalised MLP and residual stacks with the normalisation after (post-norm) or
inside (pre-norm) the block.

Normalisation of a batch Z (B, n) along `axis` (0: over the batch, BatchNorm; 1: over the units,
LayerNorm), with mean mu and variance s^2 along that axis:

    Z_hat = (Z - mu) / sqrt(s^2 + eps),   Y = gamma * Z_hat + beta   (gamma, beta: (n,)).

Backward, with G = dL/dZ_hat = gamma * dL/dY and means <.> along the same axis:

    dL/dZ = (G - <G> - Z_hat <G * Z_hat>) / sqrt(s^2 + eps).

For BatchNorm the means run over the batch, so every example's gradient depends on every other
example's: the Jacobian couples the batch (Ioffe & Szegedy 2015). Networks (batches are rows):

- ``NormMLP``: z^(l) = W^(l) a^(l-1), u^(l) = Norm(z^(l)) (or z^(l) if norm = "none"),
  a^(l) = phi(u^(l)); a linear read-out y_hat = W_out a^(L) + b_out.
- ``LNRNN``: a vanilla RNN whose summed inputs are layer-normalised at every step (Ba et al.
  2016), on the shared recurrent machinery of ``vanishing.recurrent``.
- ``NormResidual``, branch F_l(v) = W2^(l) phi(W1^(l) v), with per-block branch scales alpha_l:
  "post": x_l = Norm_l(x_{l-1} + alpha_l F_l(x_{l-1}));
  "pre":  x_l = x_{l-1} + alpha_l F_l(Norm_l(x_{l-1})), then a final Norm_f(x_L) before the
  read-out (as in the pre-LN Transformer); "none": x_l = x_{l-1} + alpha_l F_l(x_{l-1}).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vanishing.activations import get_activation
from vanishing.init import init_weight
from vanishing.mlp import mse_loss
from vanishing.params import Parametrised
from vanishing.recurrent import Recurrent
from vanishing.validate import (
    as_generator,
    check_activation,
    check_array,
    check_cache_shapes,
    check_choice,
    check_input_weights,
    check_nonnegative,
    check_readout,
    check_recurrent,
    check_shape,
    check_size,
    quiet_overflow,
)

NORMS: tuple[str, ...] = ("batch", "layer", "none")
PLACEMENTS: tuple[str, ...] = ("post", "pre", "none")
EPS = 1e-5  # as PyTorch's BatchNorm1d and LayerNorm


# the normalisation itself -------------------------------------------------------------------


def _check_output_layer(W_out, b_out, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 7 the output layer W_out (n_out, n), b_out (n_out,) of a normalised network."""
    W_out = check_array(W_out, "W_out", 2)
    if W_out.shape[0] < 1 or W_out.shape[1] != n:
        raise ValueError(f"W_out must have shape (n_out, {n}), got {W_out.shape}")
    return W_out, check_shape(b_out, "b_out", (W_out.shape[0],))


@dataclass(frozen=True)
class NormCache:
    """Ch. 7 what the backward pass of a normalisation reads: Z_hat (B, n), 1/sqrt(s^2 + eps)
    (broadcastable to (B, n)), gamma (n,), the axis."""

    z_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    axis: int


def _axis(kind: str) -> int:
    return {"batch": 0, "layer": 1}[check_choice(kind, "kind", ("batch", "layer"), kind="norm")]


@quiet_overflow
def normalise(z, gamma, beta, *, kind: str, eps: float = EPS) -> tuple[np.ndarray, NormCache]:
    """Ch. 7 BatchNorm (kind="batch", statistics over the batch) or LayerNorm (kind="layer",
    over the units) of z (B, n): gamma * (z - mu) / sqrt(s^2 + eps) + beta, and its cache."""
    axis = _axis(kind)
    z = check_array(z, "z", 2)
    B, n = z.shape
    if B < 1 or n < 1 or (axis == 0 and B < 2) or (axis == 1 and n < 2):
        raise ValueError(f"z must have at least 2 entries along the normalised axis, got {z.shape}")
    gamma = check_shape(gamma, "gamma", (n,))
    beta = check_shape(beta, "beta", (n,))
    eps = check_nonnegative(eps, "eps")
    mu = z.mean(axis=axis, keepdims=True)
    var = z.var(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    z_hat = (z - mu) * inv_std
    return gamma * z_hat + beta, NormCache(z_hat, inv_std, gamma, axis)


@quiet_overflow
def normalise_backward(dy, cache: NormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ch. 7 (dL/dz, dL/dgamma, dL/dbeta) from dy = dL/dY (B, n):
    dL/dz = (G - <G> - Z_hat <G Z_hat>) / sqrt(s^2 + eps) with G = gamma dy, means along the
    normalised axis."""
    if not isinstance(cache, NormCache):
        raise TypeError(f"cache must be a NormCache from normalise(), got {type(cache).__name__}")
    dy = check_shape(dy, "dy", cache.z_hat.shape)
    G = cache.gamma * dy
    ax = cache.axis
    dz = cache.inv_std * (
        G
        - G.mean(axis=ax, keepdims=True)
        - cache.z_hat * (G * cache.z_hat).mean(axis=ax, keepdims=True)
    )
    return dz, (dy * cache.z_hat).sum(axis=0), dy.sum(axis=0)


def _norm_or_identity(z, gamma, beta, norm: str):
    if norm == "none":
        return z, None
    return normalise(z, gamma, beta, kind=norm)


def _norm_back(dy, cache):
    if cache is None:
        return dy, np.zeros(dy.shape[1]), np.zeros(dy.shape[1])
    return normalise_backward(dy, cache)


# a plain normalised MLP ---------------------------------------------------------------------


@dataclass
class NormMLP(Parametrised):
    """Ch. 7 MLP with a normalisation between each linear map and its activation: W[l-1] =
    W^(l) (n, n) (the first (n, n_0)), gamma[l-1], beta[l-1] (n,), read-out W_out, b_out.
    Parameters W1, g1, c1, ..., WL, gL, cL, W_out, b_out (g: gain gamma, c: shift beta)."""

    W: list[np.ndarray]
    gamma: list[np.ndarray]
    beta: list[np.ndarray]
    W_out: np.ndarray
    b_out: np.ndarray
    activation: str = "relu"
    norm: str = "batch"

    def __post_init__(self):
        check_activation(self.activation, "activation")
        check_choice(self.norm, "norm", NORMS, kind="norm")
        if not isinstance(self.W, (list, tuple)) or len(self.W) < 1:
            raise ValueError("W must be a non-empty list of matrices (L >= 1)")
        L = len(self.W)
        for name in ("gamma", "beta"):
            if not isinstance(getattr(self, name), (list, tuple)) or len(getattr(self, name)) != L:
                raise ValueError(f"{name} must be a list of {L} vectors (one per layer)")
        self.W = [check_array(w, f"W[{i}]", 2) for i, w in enumerate(self.W)]
        n = self.W[0].shape[0]
        for i, w in enumerate(self.W):
            if w.shape[0] != n or (i > 0 and w.shape[1] != n) or w.size == 0:
                raise ValueError(
                    f"W[{i}] must have shape ({n}, {n}) (W[0]: ({n}, n_0)), got {w.shape}"
                )
        self.gamma = [check_shape(v, f"gamma[{i}]", (n,)) for i, v in enumerate(self.gamma)]
        self.beta = [check_shape(v, f"beta[{i}]", (n,)) for i, v in enumerate(self.beta)]
        self.W_out, self.b_out = _check_output_layer(self.W_out, self.b_out, n)

    @property
    def L(self) -> int:
        """Number of hidden layers L."""
        return len(self.W)

    def params(self) -> dict[str, np.ndarray]:
        """{"W1", "g1", "c1", ..., "W_out", "b_out"}: weights, gains and shifts per layer."""
        out = {}
        for l, (w, g, c) in enumerate(zip(self.W, self.gamma, self.beta, strict=True), 1):
            out |= {f"W{l}": w, f"g{l}": g, f"c{l}": c}
        return out | {"W_out": self.W_out, "b_out": self.b_out}

    def _replaced(self, new: dict[str, np.ndarray]) -> NormMLP:
        L = range(1, self.L + 1)
        return NormMLP(
            [new.get(f"W{l}", self.W[l - 1]) for l in L],
            [new.get(f"g{l}", self.gamma[l - 1]) for l in L],
            [new.get(f"c{l}", self.beta[l - 1]) for l in L],
            new.get("W_out", self.W_out),
            new.get("b_out", self.b_out),
            self.activation,
            self.norm,
        )


def init_norm_mlp(
    n_in: int, n: int, L: int, n_out: int, *, activation: str = "relu", norm: str = "batch",
    scheme: str = "he", rng=0,
) -> NormMLP:  # fmt: skip
    """Ch. 7 NormMLP: W^(l) from `scheme`, gamma = 1, beta = 0, read-out N(0, 1/n), b_out = 0."""
    n_in, n, L, n_out = (
        check_size(v, k) for v, k in ((n_in, "n_in"), (n, "n"), (L, "L"), (n_out, "n_out"))
    )
    rng = as_generator(rng, name="rng")
    W = [init_weight(n, n_in if l == 0 else n, scheme=scheme, rng=rng) for l in range(L)]
    W_out = init_weight(n_out, n, scheme="lecun", rng=rng)
    ones, zeros = [np.ones(n) for _ in range(L)], [np.zeros(n) for _ in range(L)]
    return NormMLP(W, ones, zeros, W_out, np.zeros(n_out), activation, norm)


@dataclass(frozen=True)
class NormMLPCache:
    """Ch. 7 forward values: a[l] = a^(l) (l = 0..L), z[l-1] = z^(l), u[l-1] = u^(l), the
    normalisations' caches, y_hat."""

    a: list[np.ndarray]
    z: list[np.ndarray]
    u: list[np.ndarray]
    norms: list
    y_hat: np.ndarray


@dataclass(frozen=True)
class NormGrads:
    """Ch. 7 gradients: ``params`` named as the model's parameters; ``x[l]`` = dL/da^(l) (NormMLP)
    or dL/dx_l (NormResidual) for l = 0..L, each (B, n)."""

    params: dict[str, np.ndarray]
    x: list[np.ndarray]


def _check_x(model, x, n_in) -> np.ndarray:
    x = check_array(x, "x", 2)
    if x.shape[0] < 2 or x.shape[1] != n_in:
        raise ValueError(f"x must have shape (B, {n_in}) with B >= 2, got {x.shape}")
    return x


@quiet_overflow
def norm_mlp_forward(model: NormMLP, x) -> NormMLPCache:
    """Ch. 7 forward pass z = W a, u = Norm(z), a = phi(u), layer by layer; x: (B, n_0)."""
    if not isinstance(model, NormMLP):
        raise TypeError(f"model must be a NormMLP, got {type(model).__name__}")
    model.__post_init__()  # the constructor's checks again: a model edited after construction
    a = _check_x(model, x, model.W[0].shape[1])
    phi = check_activation(model.activation, "activation").phi
    acts, zs, us, caches = [a], [], [], []
    for W, g, c in zip(model.W, model.gamma, model.beta, strict=True):
        z = a @ W.T
        u, cache = _norm_or_identity(z, g, c, model.norm)
        a = phi(u)
        acts.append(a), zs.append(z), us.append(u), caches.append(cache)
    return NormMLPCache(acts, zs, us, caches, a @ model.W_out.T + model.b_out)


@quiet_overflow
def norm_mlp_backward(model: NormMLP, cache: NormMLPCache, grad_out) -> NormGrads:
    """Ch. 7 backward pass through read-out, activations, normalisations and weights;
    grad_out = dL/dy_hat (B, n_out)."""
    if not isinstance(model, NormMLP):
        raise TypeError(f"model must be a NormMLP, got {type(model).__name__}")
    model.__post_init__()
    if not isinstance(cache, NormMLPCache) or len(cache.z) != model.L:
        raise TypeError("cache must be the NormMLPCache of norm_mlp_forward() for this model")
    r = check_shape(grad_out, "grad_out", cache.y_hat.shape)
    phi_prime = check_activation(model.activation, "activation").phi_prime
    params = {"W_out": r.T @ cache.a[-1], "b_out": r.sum(axis=0)}
    g = r @ model.W_out  # dL/da^(L)
    xs = [g]
    for l in range(model.L, 0, -1):
        du = phi_prime(cache.u[l - 1]) * g
        dz, dgamma, dbeta = _norm_back(du, cache.norms[l - 1])
        params |= {f"W{l}": dz.T @ cache.a[l - 1], f"g{l}": dgamma, f"c{l}": dbeta}
        g = dz @ model.W[l - 1]  # dL/da^(l-1)
        xs.append(g)
    return NormGrads({k: params[k] for k in model.params()}, xs[::-1])


def norm_mlp_loss_and_grads(model: NormMLP, x, y) -> tuple[float, NormGrads]:
    """Ch. 7 MSE loss and all gradients of a NormMLP for a batch x (B, n_0), y (B, n_out)."""
    cache = norm_mlp_forward(model, x)
    y = check_shape(y, "y", cache.y_hat.shape)
    loss, r = mse_loss(cache.y_hat, y)
    return loss, norm_mlp_backward(model, cache, r)


# residual stacks ----------------------------------------------------------------------------


@dataclass
class NormResidual(Parametrised):
    """Ch. 7 residual stack of width n with branches alpha_l W2^(l) phi(W1^(l) v): W1[l-1],
    W2[l-1] (n, n), alpha (L,), norm gains/shifts gamma[l-1], beta[l-1] (n,) (plus a final
    gamma_f, beta_f for "pre"), read-out W_out, b_out. Parameters W1_l, W2_l, g_l, c_l
    (l = 1..L), alpha, g_f, c_f, W_out, b_out (norm "none": no g, c)."""

    W1: list[np.ndarray]
    W2: list[np.ndarray]
    alpha: np.ndarray
    gamma: list[np.ndarray]
    beta: list[np.ndarray]
    gamma_f: np.ndarray
    beta_f: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    placement: str = "pre"
    norm: str = "layer"
    activation: str = "relu"

    def __post_init__(self):
        check_activation(self.activation, "activation")
        check_choice(self.placement, "placement", PLACEMENTS, kind="placement")
        check_choice(self.norm, "norm", NORMS, kind="norm")
        if (self.placement == "none") != (self.norm == "none"):
            raise ValueError("norm must be 'none' exactly when placement is 'none'")
        if not isinstance(self.W1, (list, tuple)) or len(self.W1) < 1:
            raise ValueError("W1 must be a non-empty list of square matrices (L >= 1)")
        L = len(self.W1)
        n = np.shape(self.W1[0])[0] if np.ndim(self.W1[0]) == 2 else 0
        if n < 1:
            raise ValueError("W1[0] must be a square matrix with n >= 1")
        for name in ("W2", "gamma", "beta"):
            if not isinstance(getattr(self, name), (list, tuple)) or len(getattr(self, name)) != L:
                raise ValueError(f"{name} must be a list of {L} arrays (one per block)")
        self.W1 = [check_shape(w, f"W1[{i}]", (n, n)) for i, w in enumerate(self.W1)]
        self.W2 = [check_shape(w, f"W2[{i}]", (n, n)) for i, w in enumerate(self.W2)]
        self.alpha = check_shape(self.alpha, "alpha", (L,))
        self.gamma = [check_shape(v, f"gamma[{i}]", (n,)) for i, v in enumerate(self.gamma)]
        self.beta = [check_shape(v, f"beta[{i}]", (n,)) for i, v in enumerate(self.beta)]
        self.gamma_f = check_shape(self.gamma_f, "gamma_f", (n,))
        self.beta_f = check_shape(self.beta_f, "beta_f", (n,))
        self.W_out, self.b_out = _check_output_layer(self.W_out, self.b_out, n)

    @property
    def L(self) -> int:
        """Number of blocks L."""
        return len(self.W1)

    @property
    def n(self) -> int:
        """Width n."""
        return self.W1[0].shape[0]

    def params(self) -> dict[str, np.ndarray]:
        """Block parameters W1_l, W2_l (and g_l, c_l with a norm), alpha, (g_f, c_f for "pre"),
        W_out, b_out."""
        out = {}
        for l in range(1, self.L + 1):
            out |= {f"W1_{l}": self.W1[l - 1], f"W2_{l}": self.W2[l - 1]}
            if self.norm != "none":
                out |= {f"g_{l}": self.gamma[l - 1], f"c_{l}": self.beta[l - 1]}
        out["alpha"] = self.alpha
        if self.placement == "pre":
            out |= {"g_f": self.gamma_f, "c_f": self.beta_f}
        return out | {"W_out": self.W_out, "b_out": self.b_out}

    def _replaced(self, new: dict[str, np.ndarray]) -> NormResidual:
        L = range(1, self.L + 1)
        return NormResidual(
            [new.get(f"W1_{l}", self.W1[l - 1]) for l in L],
            [new.get(f"W2_{l}", self.W2[l - 1]) for l in L],
            new.get("alpha", self.alpha),
            [new.get(f"g_{l}", self.gamma[l - 1]) for l in L],
            [new.get(f"c_{l}", self.beta[l - 1]) for l in L],
            new.get("g_f", self.gamma_f),
            new.get("c_f", self.beta_f),
            new.get("W_out", self.W_out),
            new.get("b_out", self.b_out),
            self.placement,
            self.norm,
            self.activation,
        )


def init_norm_residual(
    n: int, L: int, n_out: int, *, placement: str = "pre", norm: str = "layer",
    activation: str = "relu", alpha: float = 1.0, zero_last: bool = False, rng=0,
) -> NormResidual:  # fmt: skip
    """Ch. 7 residual stack: W1 He (2/n), W2 N(0, 1/n) (zeros if `zero_last`, as Fixup's last
    branch layer), every alpha_l = alpha (0: SkipInit/ReZero), gains 1, shifts 0, read-out
    N(0, 1/n)."""
    n, L, n_out = check_size(n, "n"), check_size(L, "L"), check_size(n_out, "n_out")
    alpha = check_nonnegative(alpha, "alpha")
    if not isinstance(zero_last, bool):
        raise TypeError(f"zero_last must be a bool, got {type(zero_last).__name__}")
    rng = as_generator(rng, name="rng")
    W1, W2 = [], []
    for _ in range(L):
        W1.append(init_weight(n, n, scheme="he", rng=rng))
        w2 = init_weight(n, n, scheme="lecun", rng=rng)
        W2.append(np.zeros_like(w2) if zero_last else w2)
    W_out = init_weight(n_out, n, scheme="lecun", rng=rng)
    ones, zeros = [np.ones(n) for _ in range(L)], [np.zeros(n) for _ in range(L)]
    return NormResidual(
        W1, W2, np.full(L, alpha), ones, zeros, np.ones(n), np.zeros(n), W_out, np.zeros(n_out),
        placement, norm, activation,
    )  # fmt: skip


@dataclass(frozen=True)
class NormResidualCache:
    """Ch. 7 forward values: x[l] = x_l (l = 0..L), v (branch inputs), z = W1 v, u = phi(z),
    f = W2 u (per block), the norms' caches (per block, and the final one), the read-out's
    input r_in and y_hat."""

    x: list[np.ndarray]
    v: list[np.ndarray]
    z: list[np.ndarray]
    u: list[np.ndarray]
    f: list[np.ndarray]
    norms: list
    final: object
    r_in: np.ndarray
    y_hat: np.ndarray


@quiet_overflow
def norm_residual_forward(model: NormResidual, x) -> NormResidualCache:
    """Ch. 7 forward pass of a post-norm, pre-norm or unnormalised residual stack; x: (B, n)."""
    if not isinstance(model, NormResidual):
        raise TypeError(f"model must be a NormResidual, got {type(model).__name__}")
    model.__post_init__()  # the constructor's checks again: a model edited after construction
    h = _check_x(model, x, model.n)
    phi = check_activation(model.activation, "activation").phi
    xs, vs, zs, us, fs, caches = [h], [], [], [], [], []
    for l in range(model.L):
        g, c = model.gamma[l], model.beta[l]
        if model.placement == "pre":
            v, cache = _norm_or_identity(h, g, c, model.norm)
        else:
            v, cache = h, None
        z = v @ model.W1[l].T
        u = phi(z)
        f = u @ model.W2[l].T
        s = h + model.alpha[l] * f
        if model.placement == "post":
            s, cache = _norm_or_identity(s, g, c, model.norm)
        h = s
        for lst, val in ((xs, h), (vs, v), (zs, z), (us, u), (fs, f), (caches, cache)):
            lst.append(val)
    final = None
    r_in = h
    if model.placement == "pre":
        r_in, final = normalise(h, model.gamma_f, model.beta_f, kind=model.norm)
    return NormResidualCache(
        xs, vs, zs, us, fs, caches, final, r_in, r_in @ model.W_out.T + model.b_out
    )


@quiet_overflow
def norm_residual_backward(model: NormResidual, cache: NormResidualCache, grad_out) -> NormGrads:
    """Ch. 7 backward pass of ``norm_residual_forward``; grad_out = dL/dy_hat (B, n_out).
    ``x`` of the result holds dL/dx_l for l = 0..L."""
    if not isinstance(model, NormResidual):
        raise TypeError(f"model must be a NormResidual, got {type(model).__name__}")
    model.__post_init__()
    if not isinstance(cache, NormResidualCache) or len(cache.z) != model.L:
        raise TypeError(
            "cache must be the NormResidualCache of norm_residual_forward() for this model"
        )
    r = check_shape(grad_out, "grad_out", cache.y_hat.shape)
    phi_prime = check_activation(model.activation, "activation").phi_prime
    params = {"W_out": r.T @ cache.r_in, "b_out": r.sum(axis=0)}
    g = r @ model.W_out
    if model.placement == "pre":
        g, params["g_f"], params["c_f"] = normalise_backward(g, cache.final)
    xs = [g]  # dL/dx_L
    dalpha = np.zeros(model.L)
    for l in range(model.L, 0, -1):
        i = l - 1
        if model.placement == "post":
            g, dgamma, dbeta = _norm_back(g, cache.norms[i])  # dL/ds
        dalpha[i] = np.sum(g * cache.f[i])
        df = model.alpha[i] * g
        params[f"W2_{l}"] = df.T @ cache.u[i]
        dz = phi_prime(cache.z[i]) * (df @ model.W2[i])
        params[f"W1_{l}"] = dz.T @ cache.v[i]
        dv = dz @ model.W1[i]
        if model.placement == "pre":
            dh, dgamma, dbeta = _norm_back(dv, cache.norms[i])
            g = g + dh
        else:
            g = g + dv  # v = x_{l-1}
        if model.norm != "none":
            params |= {f"g_{l}": dgamma, f"c_{l}": dbeta}
        xs.append(g)
    params["alpha"] = dalpha
    return NormGrads({k: params[k] for k in model.params()}, xs[::-1])


def norm_residual_loss_and_grads(model: NormResidual, x, y) -> tuple[float, NormGrads]:
    """Ch. 7 MSE loss and all gradients of a NormResidual for a batch x (B, n), y (B, n_out)."""
    cache = norm_residual_forward(model, x)
    y = check_shape(y, "y", cache.y_hat.shape)
    loss, r = mse_loss(cache.y_hat, y)
    return loss, norm_residual_backward(model, cache, r)


# one verb per step, for either network --------------------------------------------------------


def forward(model, x):
    """Ch. 7 forward pass of a NormMLP or a NormResidual; x: (B, n_0)."""
    if isinstance(model, NormResidual):
        return norm_residual_forward(model, x)
    return norm_mlp_forward(model, x)


def backward(model, cache, grad_out) -> NormGrads:
    """Ch. 7 backward pass of a NormMLP or a NormResidual; grad_out = dL/dy_hat."""
    if isinstance(model, NormResidual):
        return norm_residual_backward(model, cache, grad_out)
    if not isinstance(model, NormMLP):
        raise TypeError(f"model must be a NormMLP or a NormResidual, got {type(model).__name__}")
    return norm_mlp_backward(model, cache, grad_out)


def loss_and_grads(model, x, y) -> tuple[float, NormGrads]:
    """Ch. 7 MSE loss and all gradients of a NormMLP or a NormResidual."""
    if isinstance(model, NormResidual):
        return norm_residual_loss_and_grads(model, x, y)
    return norm_mlp_loss_and_grads(model, x, y)


# a layer-normalised RNN (Ba et al. 2016) ------------------------------------------------------


@dataclass
class LNRNN(Recurrent):
    """Ch. 7 RNN with layer normalisation of the summed inputs at every step (Ba et al. 2016):
    a_t = W_hh h_{t-1} + W_xh x_t, h_t = phi(g * LN(a_t) + b), y_hat_t = W_hy h_t + b_y, with
    LN over the units (no gain or shift of its own: g and b are the cell's). Parameters W_xh
    (n_h, n_x), W_hh (n_h, n_h), g (n_h,), b (n_h,), W_hy (n_y, n_h), b_y (n_y,).

    The shared BPTT (``vanishing.recurrent``) hands ``param_grads`` only dL/d(input part); the
    input part of this cell is therefore [W_xh x_t; 0], 2 n_h wide, and ``step_back`` writes
    dL/da_t into its first half and dL/dz_t (z_t = g * LN(a_t) + b) into its second, from which
    ``param_grads`` forms dL/dg and dL/db."""

    W_xh: np.ndarray
    W_hh: np.ndarray
    g: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    activation: str = "tanh"

    STATES: ClassVar[tuple[str, ...]] = ("h",)
    VALUES: ClassVar[tuple[str, ...]] = ("a",)  # a_t, the summed input before normalisation

    def __post_init__(self):
        check_activation(self.activation, "activation")
        self.W_hh = check_recurrent(self.W_hh, "W_hh")
        n_h = self.W_hh.shape[0]
        if n_h < 2:
            raise ValueError("W_hh must be at least 2 x 2: layer normalisation needs 2 units")
        self.W_xh = check_input_weights(self.W_xh, "W_xh", n_h)
        self.g = check_shape(self.g, "g", (n_h,))
        self.b = check_shape(self.b, "b", (n_h,))
        self.W_hy, self.b_y = check_readout(self.W_hy, self.b_y, n_h)

    def input_weights(self):
        """[W_xh; 0] and zeros: the input part W_xh x_t, padded to 2 n_h (see the class doc)."""
        n_h = self.n_h
        return np.vstack([self.W_xh, np.zeros_like(self.W_xh)]), np.zeros(2 * n_h)

    def recurrent_weights(self):
        """W_hh^T, phi."""
        return self.W_hh.T, get_activation(self.activation).phi

    def step(self, a_t, states, out, R):
        """a_t = W_hh h_{t-1} + W_xh x_t into out; returns (phi(g * LN(a_t) + b),)."""
        (h,) = states
        W_hh_T, phi = R
        np.add(h @ W_hh_T, a_t[:, : self.n_h], out=out)
        z_hat, _ = _layer_stats(out)
        return (phi(self.g * z_hat + self.b),)

    def back_factors(self, cache):
        """z_hat_t, 1/sqrt(s_t^2 + eps) and phi'(z_t) for all t, time-major."""
        a = np.swapaxes(cache.a, 0, 1)  # (T, B, n_h)
        z_hat, inv_std = _layer_stats(a)
        phi_prime = get_activation(self.activation).phi_prime(self.g * z_hat + self.b)
        return z_hat, inv_std, phi_prime

    def step_back(self, F, k, g, out):
        """[dL/da_t, dL/dz_t] into out; returns (W_hh^T dL/da_t,)."""
        z_hat, inv_std, phi_prime = F
        n_h = self.n_h
        dz = phi_prime[k] * g[0]
        G = self.g * dz
        da = inv_std[k] * (
            G
            - G.mean(axis=1, keepdims=True)
            - z_hat[k] * (G * z_hat[k]).mean(axis=1, keepdims=True)
        )
        out[:, :n_h], out[:, n_h:] = da, dz
        return (da @ self.W_hh,)

    def param_grads(self, cache, delta):
        """dL/dW_xh, dL/dW_hh (sums of dL/da_t x_t^T, dL/da_t h_{t-1}^T), dL/dg, dL/db."""
        n_h = self.n_h
        da, dz = delta[..., :n_h], delta[..., n_h:]  # (T, B, n_h) each
        x, h = np.swapaxes(cache.x, 0, 1), np.swapaxes(cache.h, 0, 1)
        z_hat, _ = _layer_stats(np.swapaxes(cache.a, 0, 1))
        return {
            "W_xh": np.einsum("tbi,tbj->ij", da, x),
            "W_hh": np.einsum("tbi,tbj->ij", da, h[:-1]),
            "g": np.sum(dz * z_hat, axis=(0, 1)),
            "b": np.sum(dz, axis=(0, 1)),
        }

    def state_jacobians(self, cache):
        """J_t = diag(phi'(z_t) g) inv_std_t (I - 11^T/n - z_hat z_hat^T/n) W_hh; (B, T, n, n)."""
        check_cache_shapes(cache, {"a": np.shape(getattr(cache, "a", None))[:2] + (self.n_h,)})
        z_hat, inv_std = _layer_stats(cache.a)  # (B, T, n), (B, T, 1)
        n = self.n_h
        d = get_activation(self.activation).phi_prime(self.g * z_hat + self.b) * self.g
        P = np.eye(n) - 1.0 / n - z_hat[..., :, None] * z_hat[..., None, :] / n  # (B, T, n, n)
        return (d * inv_std)[..., None] * (P @ self.W_hh)


def _layer_stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layer normalisation over the last axis: z_hat and 1/sqrt(s^2 + eps) (keepdims)."""
    inv_std = 1.0 / np.sqrt(a.var(axis=-1, keepdims=True) + EPS)
    return (a - a.mean(axis=-1, keepdims=True)) * inv_std, inv_std


def init_lnrnn(
    n_x: int, n_h: int, n_y: int, *, W_hh=None, activation: str = "tanh", rng=0
) -> LNRNN:
    """Ch. 7 LNRNN: W_xh, W_hy Xavier, W_hh orthogonal unless given, g = 1, b = 0, b_y = 0."""
    n_x, n_h, n_y = check_size(n_x, "n_x"), check_size(n_h, "n_h"), check_size(n_y, "n_y")
    rng = as_generator(rng, name="rng")
    W_xh = init_weight(n_h, n_x, scheme="xavier", rng=rng)
    W_hy = init_weight(n_y, n_h, scheme="xavier", rng=rng)
    if W_hh is None:
        W_hh = init_weight(n_h, n_h, scheme="orthogonal", rng=rng)
    else:
        W_hh = check_shape(W_hh, "W_hh", (n_h, n_h)).copy()
    return LNRNN(W_xh, W_hh, np.ones(n_h), np.zeros(n_h), W_hy, np.zeros(n_y), activation)
