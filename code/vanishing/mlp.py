"""Ch. 1: a deep feed-forward network, and backprop as a product of layer Jacobians.

Layers l = 1..L: z^(l) = W^(l) a^(l-1) + b^(l), a^(l) = phi(z^(l)), a^(0) = x,
with W^(l) of shape (n_l, n_{l-1}).
Batches are rows, so in code z = a @ W.T + b with a: (B, n_{l-1}) and z: (B, n_l).
Hidden layers use `activation`; layer L uses `output_activation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vanishing.activations import Activation, get_activation
from vanishing.init import init_weight
from vanishing.params import Parametrised
from vanishing.validate import as_generator, check_activation, check_array, is_int, quiet_overflow

# validation helpers ---------------------------------------------------------------------------


def _check_batch(value, name: str, n: int) -> np.ndarray:
    """Return value as a finite (B, n) float64 array with B >= 1; errors name `name`."""
    arr = check_array(value, name, 2)
    if arr.shape[0] < 1 or arr.shape[1] != n:
        raise ValueError(f"{name} must have shape (B, {n}) with B >= 1, got {arr.shape}")
    return arr


def _check_model(model) -> MLP:
    """model if it is an MLP whose parameters still pass the constructor's checks (shapes,
    finite: a model edited after construction); TypeError/ValueError otherwise."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    model.__post_init__()
    return model


# model ----------------------------------------------------------------------------------------


@dataclass
class MLP(Parametrised):
    """A depth-L perceptron (ch. 1): weights[l-1] = W^(l) (n_l, n_{l-1}), biases[l-1] = b^(l).
    Its parameters are named W1, b1, ..., WL, bL (``params()``, ``with_params()``)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activation: str
    output_activation: str = "identity"

    def __post_init__(self):
        check_activation(self.activation, "activation")
        check_activation(self.output_activation, "output_activation")
        if not isinstance(self.weights, (list, tuple)) or len(self.weights) < 1:
            raise ValueError("weights must be a non-empty list of matrices (L >= 1)")
        self.weights = [check_array(W, f"weights[{i}]", 2) for i, W in enumerate(self.weights)]
        if not isinstance(self.biases, (list, tuple)) or len(self.biases) != len(self.weights):
            raise ValueError(f"biases must be a list of {len(self.weights)} vectors (one per W)")
        self.biases = [check_array(b, f"biases[{i}]", 1) for i, b in enumerate(self.biases)]
        for i, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if W.size == 0:
                raise ValueError(f"weights[{i}] must have positive sizes, got shape {W.shape}")
            if i > 0 and W.shape[1] != self.weights[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] has shape {W.shape} but weights[{i - 1}] has "
                    f"{self.weights[i - 1].shape}; need n_in = {self.weights[i - 1].shape[0]}"
                )
            if b.shape != (W.shape[0],):
                raise ValueError(f"biases[{i}] must have shape ({W.shape[0]},), got {b.shape}")

    @property
    def L(self) -> int:
        """Number of layers L."""
        return len(self.weights)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths (n_0, n_1, ..., n_L)."""
        return (self.weights[0].shape[1],) + tuple(W.shape[0] for W in self.weights)

    def params(self) -> dict[str, np.ndarray]:
        """{"W1": W^(1), "b1": b^(1), ..., "WL": W^(L), "bL": b^(L)}."""
        return layer_params(self.weights, self.biases)

    def _replaced(self, new: dict[str, np.ndarray]) -> MLP:
        weights, biases = replaced_layers(self.weights, self.biases, new)
        return MLP(weights, biases, self.activation, self.output_activation)

    def layer_activation(self, l: int) -> Activation:
        """The activation of layer l in 1..L (output_activation for l = L)."""
        l = _check_layer(self, l)
        return get_activation(self.output_activation if l == self.L else self.activation)


def layer_params(weights, biases) -> dict[str, np.ndarray]:
    """Ch. 1, 5 {"W1": weights[0], "b1": biases[0], ...}: the names of layer-list parameters."""
    weights, biases = _check_layers(weights, biases)
    return {
        k: v
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), 1)
        for k, v in ((f"W{l}", W), (f"b{l}", b))
    }


def replaced_layers(weights, biases, new: dict) -> tuple[list, list]:
    """Ch. 1, 5 the lists with the arrays named in ``new`` (W1, b1, ...) replaced."""
    weights, biases = _check_layers(weights, biases)
    if not isinstance(new, dict):
        raise TypeError(f"new must be a dict {{name: array}}, got {type(new).__name__}")
    old = layer_params(weights, biases)  # other names in new (W_out, ...) are not layers
    for key, value in new.items():
        if key in old and np.shape(value) != old[key].shape:
            raise ValueError(
                f"new[{key!r}] must have shape {old[key].shape}, got {np.shape(value)}"
            )
    return (
        [new.get(f"W{l}", W) for l, W in enumerate(weights, 1)],
        [new.get(f"b{l}", b) for l, b in enumerate(biases, 1)],
    )


def _check_layers(weights, biases) -> tuple[list, list]:
    """Two lists of arrays of one length (layer weights and biases)."""
    for name, value in (("weights", weights), ("biases", biases)):
        if not isinstance(value, list | tuple) or not value:
            raise TypeError(f"{name} must be a non-empty list of arrays, got {value!r:.40}")
        for i, v in enumerate(value):
            if not isinstance(v, np.ndarray):
                raise TypeError(f"{name}[{i}] must be a numpy array, got {type(v).__name__}")
    if len(weights) != len(biases):
        raise ValueError(f"weights and biases must be lists of one length, got "
                         f"{len(weights)} and {len(biases)}")
    return list(weights), list(biases)


def _check_layer(model: MLP, l) -> int:
    if not is_int(l):
        raise TypeError(f"l must be an int layer index, got {type(l).__name__}")
    if not 1 <= l <= model.L:
        raise ValueError(f"l must be a layer index in 1..{model.L}, got {l}")
    return int(l)


def init_mlp(
    sizes, *, activation: str, scheme: str = "lecun", rng=0, output_activation: str = "identity"
) -> MLP:
    """Ch. 1 network with widths sizes = (n_0, ..., n_L), W^(l) from `scheme`, b^(l) = 0."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a sequence of positive ints, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries (n_0, n_1), i.e. L >= 1; got {sizes}")
    for n in sizes:
        if not is_int(n):
            raise TypeError(f"sizes must contain positive ints, got {n!r}")
        if n <= 0:
            raise ValueError(f"sizes must contain positive ints, got {n}")
    check_activation(activation, "activation")
    check_activation(output_activation, "output_activation")
    rng = as_generator(rng, name="rng")
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    weights = [init_weight(n_out, n_in, scheme=scheme, rng=rng) for n_in, n_out in pairs]
    biases = [np.zeros(int(n_out)) for _, n_out in pairs]
    return MLP(weights, biases, activation, output_activation)


# forward --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cache:
    """Forward-pass values (ch. 1): z[l-1] = z^(l) (B, n_l), l = 1..L; a[l] = a^(l) (B, n_l)."""

    z: list[np.ndarray]  # z^(1..L), each (B, n_l)
    a: list[np.ndarray]  # a^(0..L), each (B, n_l)


@quiet_overflow
def forward(model: MLP, x: np.ndarray) -> Cache:
    """Ch. 1 forward pass z^(l) = W^(l) a^(l-1) + b^(l), a^(l) = phi(z^(l)); x: (B, n_0)."""
    model = _check_model(model)
    a = _check_batch(x, "x", model.sizes[0])  # (B, n_0)
    zs, acts = [], [a]
    for l in range(1, model.L + 1):
        W, b = model.weights[l - 1], model.biases[l - 1]  # (n_l, n_{l-1}), (n_l,)
        z = a @ W.T + b  # (B, n_l)
        a = model.layer_activation(l).phi(z)  # (B, n_l)
        zs.append(z)
        acts.append(a)
    return Cache(z=zs, a=acts)


@quiet_overflow
def mse_loss(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Ch. 1 loss (1/B) sum_b 1/2 ||y_hat_b - y_b||^2 and dL/dy_hat (B, n_L); y_hat, y: (B, n_L)."""
    y_hat = check_array(y_hat, "y_hat", 2)  # (B, n_L)
    y = check_array(y, "y", 2)  # (B, n_L)
    if y.shape != y_hat.shape:
        raise ValueError(f"y must have the same shape as y_hat {y_hat.shape}, got {y.shape}")
    if y.shape[0] < 1:
        raise ValueError(f"y_hat must have at least one row (B >= 1), got shape {y_hat.shape}")
    B = y.shape[0]
    r = y_hat - y  # (B, n_L)
    return 0.5 * float(np.sum(r * r)) / B, r / B


# backward -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grads:
    """Ch. 1 gradients: W[l-1] = dL/dW^(l), b[l-1] = dL/db^(l), a[l] = dL/da^(l) (B, n_l)."""

    W: list[np.ndarray]  # dL/dW^(l), l = 1..L, each (n_l, n_{l-1})
    b: list[np.ndarray]  # dL/db^(l), l = 1..L, each (n_l,)
    a: list[np.ndarray]  # dL/da^(l), l = 0..L, each (B, n_l)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """{"W1": dL/dW^(1), "b1": dL/db^(1), ...}, the names of ``MLP.params()``."""
        return layer_params(self.W, self.b)


def _check_cache(model: MLP, cache) -> Cache:
    if not isinstance(cache, Cache):
        raise TypeError(f"cache must be a Cache from forward(), got {type(cache).__name__}")
    if len(cache.z) != model.L or len(cache.a) != model.L + 1:
        raise ValueError(f"cache does not match model: expected {model.L} layers")
    B = cache.a[0].shape[0]
    for l, n in enumerate(model.sizes):
        if cache.a[l].shape != (B, n) or (l > 0 and cache.z[l - 1].shape != (B, n)):
            raise ValueError(f"cache does not match model at layer {l}: expected width {n}")
    return cache


@quiet_overflow
def backward(model: MLP, cache: Cache, grad_out: np.ndarray) -> Grads:
    """Ch. 1 backprop g^(l-1) = (diag(phi'(z^(l))) W^(l))^T g^(l); grad_out = dL/da^(L) (B, n_L)."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    B = cache.a[0].shape[0]
    g = check_array(grad_out, "grad_out", 2)  # dL/da^(L), (B, n_L)
    if g.shape != (B, model.sizes[-1]):
        raise ValueError(f"grad_out must have shape {(B, model.sizes[-1])}, got {g.shape}")
    dW, db, da = [None] * model.L, [None] * model.L, [None] * (model.L + 1)
    da[model.L] = g
    for l in range(model.L, 0, -1):
        W = model.weights[l - 1]  # (n_l, n_{l-1})
        phi_prime = model.layer_activation(l).phi_prime
        delta = phi_prime(cache.z[l - 1]) * g  # dL/dz^(l) = diag(phi'(z^(l))) g, (B, n_l)
        dW[l - 1] = delta.T @ cache.a[l - 1]  # (n_l, n_{l-1}), summed over the batch
        db[l - 1] = delta.sum(axis=0)  # (n_l,)
        g = delta @ W  # dL/da^(l-1) = W^(l)^T delta, (B, n_{l-1})
        da[l - 1] = g
    return Grads(W=dW, b=db, a=da)


@quiet_overflow
def loss_and_grads(model: MLP, x: np.ndarray, y: np.ndarray) -> tuple[float, Grads]:
    """Ch. 1 MSE loss and all gradients for a batch; x: (B, n_0), y: (B, n_L)."""
    cache = forward(model, x)
    loss, grad_out = mse_loss(cache.a[-1], y)  # grad_out: (B, n_L)
    return loss, backward(model, cache, grad_out)


@quiet_overflow
def layer_grad_norms(grads: Grads) -> np.ndarray:
    """Ch. 1 per-layer gradient size ||dL/dW^(l)||_F for l = 1..L; returns shape (L,)."""
    if not isinstance(grads, Grads):
        raise TypeError(f"grads must be a Grads, got {type(grads).__name__}")
    return np.array([np.linalg.norm(dW) for dW in grads.W], dtype=np.float64)


@quiet_overflow
def layer_jacobian(model: MLP, cache: Cache, l: int, b: int = 0) -> np.ndarray:
    """Ch. 1 Jacobian da^(l)/da^(l-1) = diag(phi'(z^(l))) W^(l) for batch item b: (n_l, n_{l-1})."""
    model = _check_model(model)
    cache = _check_cache(model, cache)
    l = _check_layer(model, l)
    B = cache.a[0].shape[0]
    if not is_int(b):
        raise TypeError(f"b must be an int batch index, got {type(b).__name__}")
    if not 0 <= b < B:
        raise ValueError(f"b must be a batch index in 0..{B - 1}, got {b}")
    d = model.layer_activation(l).phi_prime(cache.z[l - 1][b])  # phi'(z^(l)), (n_l,)
    return d[:, None] * model.weights[l - 1]  # (n_l, n_{l-1})
