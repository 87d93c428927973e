"""Ch. 5: a residual MLP, whose block Jacobians I + alpha diag(phi'(z)) W keep an identity path.

Blocks l = 1..L, all of width n: z^(l) = W^(l) a^(l-1) + b^(l), a^(l) = a^(l-1) + alpha phi(z^(l)),
a^(0) = x; a linear read-out y_hat = W_out a^(L) + b_out; loss (1/B) sum_b 1/2 ||y_hat_b - y_b||^2.
Batches are rows, so in code z = a @ W.T + b with a, z: (B, n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vanishing.init import init_weight
from vanishing.mlp import layer_params, mse_loss, replaced_layers
from vanishing.params import Parametrised
from vanishing.validate import (
    as_generator,
    check_activation,
    check_array,
    check_nonnegative,
    check_shape,
    check_size,
    is_int,
    quiet_overflow,
)

# validation helpers ---------------------------------------------------------------------------


def _check_model(model) -> ResidualMLP:
    """model if it is a ResidualMLP whose parameters still pass the constructor's checks (shapes,
    finite: a model edited after construction); TypeError/ValueError otherwise."""
    if not isinstance(model, ResidualMLP):
        raise TypeError(f"model must be a ResidualMLP, got {type(model).__name__}")
    model.__post_init__()
    return model


def _check_index(value, name: str, low: int, high: int, what: str) -> int:
    """Return value as an int in low..high; TypeError/ValueError naming `name` otherwise."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int {what}, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be a {what} in {low}..{high}, got {value}")
    return int(value)


# model ----------------------------------------------------------------------------------------


@dataclass
class ResidualMLP(Parametrised):
    """Ch. 5 residual MLP: weights[l-1] = W^(l) (n, n), biases[l-1] = b^(l) (n,), a read-out
    W_out (n_out, n), b_out (n_out,), and the branch scale alpha. Its parameters are named
    W1, b1, ..., WL, bL, W_out, b_out (``params()``, ``with_params()``)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    W_out: np.ndarray
    b_out: np.ndarray
    activation: str = "relu"
    alpha: float = 1.0

    def __post_init__(self):
        check_activation(self.activation, "activation")
        self.alpha = check_nonnegative(self.alpha, "alpha")
        if not isinstance(self.weights, (list, tuple)) or len(self.weights) < 1:
            raise ValueError("weights must be a non-empty list of square matrices (L >= 1)")
        if not isinstance(self.biases, (list, tuple)) or len(self.biases) != len(self.weights):
            raise ValueError(f"biases must be a list of {len(self.weights)} vectors (one per W)")
        self.weights = [check_array(W, f"weights[{i}]", 2) for i, W in enumerate(self.weights)]
        n = self.weights[0].shape[0]
        for i, W in enumerate(self.weights):
            if n < 1 or W.shape != (n, n):
                raise ValueError(f"weights[{i}] must have shape ({n}, {n}) (n >= 1), got {W.shape}")
        self.biases = [check_shape(b, f"biases[{i}]", (n,)) for i, b in enumerate(self.biases)]
        self.W_out = check_array(self.W_out, "W_out", 2)
        if self.W_out.shape[0] < 1 or self.W_out.shape[1] != n:
            raise ValueError(
                f"W_out must have shape (n_out, {n}) with n_out >= 1, got {self.W_out.shape}"
            )
        self.b_out = check_shape(self.b_out, "b_out", (self.W_out.shape[0],))

    def params(self) -> dict[str, np.ndarray]:
        """{"W1": W^(1), "b1": b^(1), ..., "bL": b^(L), "W_out": W_out, "b_out": b_out}."""
        return layer_params(self.weights, self.biases) | {"W_out": self.W_out, "b_out": self.b_out}

    def _replaced(self, new: dict[str, np.ndarray]) -> ResidualMLP:
        weights, biases = replaced_layers(self.weights, self.biases, new)
        W_out, b_out = new.get("W_out", self.W_out), new.get("b_out", self.b_out)
        return ResidualMLP(weights, biases, W_out, b_out, self.activation, self.alpha)

    @property
    def L(self) -> int:
        """Number of residual blocks L."""
        return len(self.weights)

    @property
    def n(self) -> int:
        """Width n of every block."""
        return self.weights[0].shape[0]

    @property
    def n_out(self) -> int:
        """Read-out width n_out."""
        return self.W_out.shape[0]


def init_residual(
    n: int,
    L: int,
    n_out: int,
    *,
    activation: str = "relu",
    scheme: str = "he",
    alpha: float = 1.0,
    rng=0,
) -> ResidualMLP:
    """Ch. 5 residual MLP: W^(l) from `scheme`, read-out W_out ~ N(0, 1/n) ("lecun"), biases 0.

    The read-out is linear, so it takes the variance-preserving 1/n whatever `scheme` is.
    """
    n, L, n_out = check_size(n, "n"), check_size(L, "L"), check_size(n_out, "n_out")
    check_activation(activation, "activation")
    alpha = check_nonnegative(alpha, "alpha")
    rng = as_generator(rng, name="rng")
    weights = [init_weight(n, n, scheme=scheme, rng=rng) for _ in range(L)]  # L x (n, n)
    W_out = init_weight(n_out, n, scheme="lecun", rng=rng)  # (n_out, n)
    biases = [np.zeros(n) for _ in range(L)]
    return ResidualMLP(weights, biases, W_out, np.zeros(n_out), activation, alpha)


# forward --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidualCache:
    """Forward-pass values (ch. 5): z[l-1] = z^(l) (B, n) for l = 1..L; a[l] = a^(l) (B, n) for
    l = 0..L; y_hat (B, n_out)."""

    z: list[np.ndarray]  # z^(1..L), each (B, n)
    a: list[np.ndarray]  # a^(0..L), each (B, n)
    y_hat: np.ndarray  # (B, n_out)


@quiet_overflow
def forward(model: ResidualMLP, x: np.ndarray) -> ResidualCache:
    """Ch. 5 forward pass a^(l) = a^(l-1) + alpha phi(W^(l) a^(l-1) + b^(l)); x: (B, n).

    An exploding stack (alpha = 1, deep) may overflow to inf or nan silently: that is the
    demonstration's outcome, not an error to warn about at every block.
    """
    model = _check_model(model)
    a = check_array(x, "x", 2)  # (B, n)
    if a.shape[0] < 1 or a.shape[1] != model.n:
        raise ValueError(f"x must have shape (B, {model.n}) with B >= 1, got {a.shape}")
    phi = check_activation(model.activation, "activation").phi
    zs, acts = [], [a]
    with np.errstate(over="ignore", invalid="ignore"):
        for W, b in zip(model.weights, model.biases, strict=True):
            z = a @ W.T + b  # z^(l), (B, n)
            a = a + model.alpha * phi(z)  # a^(l), (B, n)
            zs.append(z)
            acts.append(a)
        y_hat = a @ model.W_out.T + model.b_out  # (B, n_out)
    return ResidualCache(z=zs, a=acts, y_hat=y_hat)


def _check_cache(model: ResidualMLP, cache) -> ResidualCache:
    if not isinstance(cache, ResidualCache):
        raise TypeError(f"cache must be a ResidualCache from forward(), got {type(cache).__name__}")
    if len(cache.z) != model.L or len(cache.a) != model.L + 1:
        raise ValueError(f"cache does not match model: expected {model.L} blocks")
    B = cache.a[0].shape[0]
    shapes_ok = all(np.shape(a) == (B, model.n) for a in cache.a) and all(
        np.shape(z) == (B, model.n) for z in cache.z
    )
    if not shapes_ok or np.shape(cache.y_hat) != (B, model.n_out):
        raise ValueError(f"cache does not match model: expected width {model.n}, {model.n_out}")
    return cache


# backward -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidualGrads:
    """Ch. 5 gradients: W[l-1] = dL/dW^(l), b[l-1] = dL/db^(l), the read-out's, and
    a[l] = dL/da^(l) (B, n) for l = 0..L."""

    W: list[np.ndarray]  # dL/dW^(l), l = 1..L, each (n, n)
    b: list[np.ndarray]  # dL/db^(l), l = 1..L, each (n,)
    W_out: np.ndarray  # (n_out, n)
    b_out: np.ndarray  # (n_out,)
    a: list[np.ndarray]  # dL/da^(l), l = 0..L, each (B, n)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """{"W1": dL/dW^(1), ..., "W_out": dL/dW_out, "b_out": dL/db_out}, as ``ResidualMLP``."""
        return layer_params(self.W, self.b) | {"W_out": self.W_out, "b_out": self.b_out}


@quiet_overflow
def backward(model: ResidualMLP, cache: ResidualCache, grad_out: np.ndarray) -> ResidualGrads:
    """Ch. 5 backprop g^(l-1) = (I + alpha diag(phi'(z^(l))) W^(l))^T g^(l); grad_out = dL/dy_hat.

    grad_out: (B, n_out). The identity term passes g^(l) down unchanged, whatever the branch does.
    """
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B = cache.a[0].shape[0]
    r = check_shape(grad_out, "grad_out", (B, model.n_out))  # dL/dy_hat, (B, n_out)
    phi_prime = check_activation(model.activation, "activation").phi_prime
    dW, db, da = [None] * model.L, [None] * model.L, [None] * (model.L + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        g = r @ model.W_out  # dL/da^(L) = W_out^T r, (B, n)
        da[model.L] = g
        for l in range(model.L, 0, -1):
            delta = model.alpha * phi_prime(cache.z[l - 1]) * g  # dL/dz^(l), (B, n)
            dW[l - 1] = delta.T @ cache.a[l - 1]  # (n, n), summed over the batch
            db[l - 1] = delta.sum(axis=0)  # (n,)
            g = g + delta @ model.weights[l - 1]  # dL/da^(l-1) = g + W^(l)^T delta, (B, n)
            da[l - 1] = g
        dW_out = r.T @ cache.a[-1]  # (n_out, n)
    return ResidualGrads(W=dW, b=db, W_out=dW_out, b_out=r.sum(axis=0), a=da)


@quiet_overflow
def loss_and_grads(model: ResidualMLP, x: np.ndarray, y: np.ndarray) -> tuple[float, ResidualGrads]:
    """Ch. 5 MSE loss and all gradients for a batch; x: (B, n), y: (B, n_out)."""
    cache = forward(model, x)
    y = check_array(y, "y", 2)
    if y.shape != cache.y_hat.shape:
        raise ValueError(f"y must have shape {cache.y_hat.shape}, got {y.shape}")
    loss, r = mse_loss(cache.y_hat, y)  # r = dL/dy_hat, (B, n_out)
    return loss, backward(model, cache, r)


@quiet_overflow
def layer_grad_norms(grads: ResidualGrads) -> np.ndarray:
    """Ch. 5 per-block gradient size ||dL/dW^(l)||_F for l = 1..L (read-out excluded); (L,)."""
    if not isinstance(grads, ResidualGrads):
        raise TypeError(f"grads must be a ResidualGrads, got {type(grads).__name__}")
    return np.array([np.linalg.norm(dW) for dW in grads.W], dtype=np.float64)


@quiet_overflow
def block_jacobian(model: ResidualMLP, cache: ResidualCache, l: int, b: int = 0) -> np.ndarray:
    """Ch. 5 block Jacobian da^(l)/da^(l-1) = I + alpha diag(phi'(z^(l))) W^(l), item b: (n, n)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    l = _check_index(l, "l", 1, model.L, "block index")
    b = _check_index(b, "b", 0, cache.a[0].shape[0] - 1, "batch index")
    d = check_activation(model.activation, "activation").phi_prime(cache.z[l - 1][b])  # (n,)
    return np.eye(model.n) + model.alpha * d[:, None] * model.weights[l - 1]  # (n, n)
