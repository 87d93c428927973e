"""Ch. 5: a residual MLP whose branch ends in a linear layer, so it has zero mean at init.

Blocks l = 1..L, all of width n: z^(l) = W1^(l) a^(l-1) + b^(l), u^(l) = phi(z^(l)),
a^(l) = a^(l-1) + alpha W2^(l) u^(l), a^(0) = x; a linear read-out y_hat = W_out a^(L) + b_out;
loss (1/B) sum_b 1/2 ||y_hat_b - y_b||^2. Batches are rows, so in code z = a @ W1.T + b.

Unlike `vanishing.residual` (branch alpha phi(W a + b), which for ReLU has a positive mean and
drifts), the branch W2 phi(W1 a) has zero mean over the draw of W2, as the branches of He et al.
(2016) do (theirs end in a convolution and batch normalisation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vanishing.init import init_weight
from vanishing.mlp import mse_loss
from vanishing.params import Parametrised
from vanishing.validate import (
    as_generator,
    check_activation,
    check_array,
    check_nonnegative,
    check_shape,
    check_size,
    quiet_overflow,
)


@dataclass
class BranchResidualMLP(Parametrised):
    """Ch. 5 residual MLP with two-layer branches: W1[l-1] = W1^(l), b[l-1] = b^(l),
    W2[l-1] = W2^(l) (each (n, n) or (n,)), a read-out W_out (n_out, n), b_out, and alpha.
    Its parameters are named W1_1, b_1, W2_1, ..., W1_L, b_L, W2_L, W_out, b_out
    (``params()``, ``with_params()``)."""

    W1: list[np.ndarray]
    b: list[np.ndarray]
    W2: list[np.ndarray]
    W_out: np.ndarray
    b_out: np.ndarray
    activation: str = "relu"
    alpha: float = 1.0

    def __post_init__(self):
        check_activation(self.activation, "activation")
        self.alpha = check_nonnegative(self.alpha, "alpha")
        if not isinstance(self.W1, (list, tuple)) or len(self.W1) < 1:
            raise ValueError("W1 must be a non-empty list of square matrices (L >= 1)")
        L = len(self.W1)
        for name in ("b", "W2"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)) or len(value) != L:
                raise ValueError(f"{name} must be a list of {L} arrays (one per block)")
        n = np.shape(self.W1[0])[0] if np.ndim(self.W1[0]) == 2 else 0
        if n < 1:
            raise ValueError("W1[0] must be a square matrix with n >= 1")
        self.W1 = [check_shape(W, f"W1[{i}]", (n, n)) for i, W in enumerate(self.W1)]
        self.W2 = [check_shape(W, f"W2[{i}]", (n, n)) for i, W in enumerate(self.W2)]
        self.b = [check_shape(v, f"b[{i}]", (n,)) for i, v in enumerate(self.b)]
        self.W_out = check_array(self.W_out, "W_out", 2)
        if self.W_out.shape[0] < 1 or self.W_out.shape[1] != n:
            raise ValueError(
                f"W_out must have shape (n_out, {n}) with n_out >= 1, got {self.W_out.shape}"
            )
        self.b_out = check_shape(self.b_out, "b_out", (self.W_out.shape[0],))

    def params(self) -> dict[str, np.ndarray]:
        """{"W1_1": W1^(1), "b_1": b^(1), "W2_1": W2^(1), ..., "W_out": ..., "b_out": ...}."""
        return _named(self.W1, self.b, self.W2) | {"W_out": self.W_out, "b_out": self.b_out}

    def _replaced(self, new: dict[str, np.ndarray]) -> BranchResidualMLP:
        pick = lambda key, old: new.get(key, old)  # noqa: E731
        W1 = [pick(f"W1_{l}", W) for l, W in enumerate(self.W1, 1)]
        b = [pick(f"b_{l}", v) for l, v in enumerate(self.b, 1)]
        W2 = [pick(f"W2_{l}", W) for l, W in enumerate(self.W2, 1)]
        W_out, b_out = pick("W_out", self.W_out), pick("b_out", self.b_out)
        return BranchResidualMLP(W1, b, W2, W_out, b_out, self.activation, self.alpha)

    @property
    def L(self) -> int:
        """Number of residual blocks L."""
        return len(self.W1)

    @property
    def n(self) -> int:
        """Width n of every block."""
        return self.W1[0].shape[0]

    @property
    def n_out(self) -> int:
        """Read-out width n_out."""
        return self.W_out.shape[0]


def _named(W1: list, b: list, W2: list) -> dict[str, np.ndarray]:
    """The block parameters by name, block by block: W1_l, b_l, W2_l for l = 1..L."""
    out = {}
    for l, (w1, v, w2) in enumerate(zip(W1, b, W2, strict=True), 1):
        out |= {f"W1_{l}": w1, f"b_{l}": v, f"W2_{l}": w2}
    return out


def init_branch_residual(
    n: int, L: int, n_out: int, *, activation: str = "relu", alpha: float = 1.0, rng=0
) -> BranchResidualMLP:
    """Ch. 5 two-layer-branch residual MLP: W1 He (2/n), W2 and W_out N(0, 1/n), biases 0.

    With these variances each ReLU branch adds alpha^2 times the trunk's second moment on
    average, so the trunk's second moment grows by (1 + alpha^2) per block.
    """
    n, L, n_out = check_size(n, "n"), check_size(L, "L"), check_size(n_out, "n_out")
    check_activation(activation, "activation")
    alpha = check_nonnegative(alpha, "alpha")
    rng = as_generator(rng, name="rng")
    W1, W2 = [], []
    for _ in range(L):
        W1.append(init_weight(n, n, scheme="he", rng=rng))  # (n, n)
        W2.append(init_weight(n, n, scheme="lecun", rng=rng))  # (n, n)
    W_out = init_weight(n_out, n, scheme="lecun", rng=rng)  # (n_out, n)
    biases = [np.zeros(n) for _ in range(L)]
    return BranchResidualMLP(W1, biases, W2, W_out, np.zeros(n_out), activation, alpha)


@dataclass(frozen=True)
class BranchResidualCache:
    """Ch. 5 forward values: z[l-1] = z^(l), u[l-1] = phi(z^(l)) for l = 1..L; a[l] = a^(l) for
    l = 0..L (each (B, n)); y_hat (B, n_out)."""

    z: list[np.ndarray]
    u: list[np.ndarray]
    a: list[np.ndarray]
    y_hat: np.ndarray


def _check_model(model) -> BranchResidualMLP:
    """model if it is a BranchResidualMLP whose parameters still pass the constructor's checks
    (shapes, finite: a model edited after construction); TypeError/ValueError otherwise."""
    if not isinstance(model, BranchResidualMLP):
        raise TypeError(f"model must be a BranchResidualMLP, got {type(model).__name__}")
    model.__post_init__()
    return model


@quiet_overflow
def forward(model: BranchResidualMLP, x: np.ndarray) -> BranchResidualCache:
    """Ch. 5 forward pass a^(l) = a^(l-1) + alpha W2^(l) phi(W1^(l) a^(l-1) + b^(l)); x: (B, n).

    A stack that explodes (alpha = 1, deep) may overflow to inf silently: that is the outcome
    being demonstrated, not an error.
    """
    model = _check_model(model)
    a = check_array(x, "x", 2)  # (B, n)
    if a.shape[0] < 1 or a.shape[1] != model.n:
        raise ValueError(f"x must have shape (B, {model.n}) with B >= 1, got {a.shape}")
    phi = check_activation(model.activation, "activation").phi
    zs, us, acts = [], [], [a]
    with np.errstate(over="ignore", invalid="ignore"):
        for W1, b, W2 in zip(model.W1, model.b, model.W2, strict=True):
            z = a @ W1.T + b  # (B, n)
            u = phi(z)  # (B, n)
            a = a + model.alpha * (u @ W2.T)  # (B, n)
            zs.append(z)
            us.append(u)
            acts.append(a)
        y_hat = a @ model.W_out.T + model.b_out  # (B, n_out)
    return BranchResidualCache(z=zs, u=us, a=acts, y_hat=y_hat)


@dataclass(frozen=True)
class BranchResidualGrads:
    """Ch. 5 gradients dL/dW1^(l), dL/db^(l), dL/dW2^(l) (l = 1..L), the read-out's, and
    a[l] = dL/da^(l) (B, n) for l = 0..L."""

    W1: list[np.ndarray]
    b: list[np.ndarray]
    W2: list[np.ndarray]
    W_out: np.ndarray
    b_out: np.ndarray
    a: list[np.ndarray]

    @property
    def params(self) -> dict[str, np.ndarray]:
        """{"W1_1": dL/dW1^(1), ..., "b_out": dL/db_out}, named as ``BranchResidualMLP``."""
        return _named(self.W1, self.b, self.W2) | {"W_out": self.W_out, "b_out": self.b_out}


@quiet_overflow
def backward(
    model: BranchResidualMLP, cache: BranchResidualCache, grad_out: np.ndarray
) -> BranchResidualGrads:
    """Ch. 5 backprop g^(l-1) = (I + alpha W2 diag(phi'(z)) W1)^T g^(l); grad_out = dL/dy_hat."""
    model = _check_model(model)
    if not isinstance(cache, BranchResidualCache) or len(cache.z) != model.L:
        raise TypeError("cache must be the BranchResidualCache of forward() for this model")
    B = cache.a[0].shape[0]
    r = check_shape(grad_out, "grad_out", (B, model.n_out))  # (B, n_out)
    phi_prime = check_activation(model.activation, "activation").phi_prime
    L = model.L
    dW1, db, dW2, da = [None] * L, [None] * L, [None] * L, [None] * (L + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        g = r @ model.W_out  # dL/da^(L), (B, n)
        da[L] = g
        for l in range(L, 0, -1):
            dW2[l - 1] = model.alpha * (g.T @ cache.u[l - 1])  # (n, n)
            du = model.alpha * (g @ model.W2[l - 1])  # dL/du^(l), (B, n)
            dz = phi_prime(cache.z[l - 1]) * du  # dL/dz^(l), (B, n)
            dW1[l - 1] = dz.T @ cache.a[l - 1]  # (n, n)
            db[l - 1] = dz.sum(axis=0)  # (n,)
            g = g + dz @ model.W1[l - 1]  # dL/da^(l-1), (B, n)
            da[l - 1] = g
        dW_out = r.T @ cache.a[-1]  # (n_out, n)
    return BranchResidualGrads(dW1, db, dW2, dW_out, r.sum(axis=0), da)


@quiet_overflow
def loss_and_grads(
    model: BranchResidualMLP, x: np.ndarray, y: np.ndarray
) -> tuple[float, BranchResidualGrads]:
    """Ch. 5 MSE loss and all gradients for a batch; x: (B, n), y: (B, n_out)."""
    cache = forward(model, x)
    y = check_array(y, "y", 2)
    if y.shape != cache.y_hat.shape:
        raise ValueError(f"y must have shape {cache.y_hat.shape}, got {y.shape}")
    loss, r = mse_loss(cache.y_hat, y)
    return loss, backward(model, cache, r)


@quiet_overflow
def layer_grad_norms(grads: BranchResidualGrads) -> np.ndarray:
    """Ch. 5 per-block ||(dL/dW1^(l), dL/dW2^(l))||_F for l = 1..L (read-out excluded); (L,)."""
    if not isinstance(grads, BranchResidualGrads):
        raise TypeError(f"grads must be a BranchResidualGrads, got {type(grads).__name__}")
    pairs = zip(grads.W1, grads.W2, strict=True)
    return np.array([np.hypot(np.linalg.norm(g1), np.linalg.norm(g2)) for g1, g2 in pairs])
