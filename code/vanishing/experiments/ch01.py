"""Chapter 1 measurements: repeated factors, per-layer gradient norms, per-layer learning speed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..init import as_generator
from ..mlp import MLP, forward, init_mlp, layer_grad_norms, loss_and_grads, mse_loss
from ..optim import SGD, TrainHistory, train


@dataclass(frozen=True)
class PowerTable:
    """b**n for a few per-layer factors b and depths n (the 0.99^n / 1.01^n / 0.25^n table)."""

    bases: tuple[float, ...]
    exponents: tuple[int, ...]
    values: np.ndarray  # (len(bases), len(exponents))


def power_table(
    bases: tuple[float, ...] = (0.99, 1.01, 0.25),
    exponents: tuple[int, ...] = (3, 7, 10, 50, 100, 300),
) -> PowerTable:
    """What a product of n equal factors b does: b**n for every pair."""
    b = np.asarray(bases, dtype=float)
    n = np.asarray(exponents)
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError(f"bases must be a non-empty sequence of positive numbers, got {bases!r}")
    if n.ndim != 1 or n.size == 0 or not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
        raise ValueError(
            f"exponents must be a non-empty sequence of integers >= 0, got {exponents!r}"
        )
    return PowerTable(
        tuple(float(v) for v in b), tuple(int(v) for v in n), b[:, None] ** n[None, :]
    )


@dataclass(frozen=True)
class InitGradNorms:
    """Per-layer gradient norms of freshly initialised deep MLPs, one row per activation."""

    activations: tuple[str, ...]
    depth: int
    width: int
    scheme: str
    grad_W: np.ndarray  # (n_act, L) ||dL/dW^(l)||_F, layer 1 first
    grad_a: np.ndarray  # (n_act, L) ||dL/da^(l-1)||_F: the signal arriving at layer l's input

    @property
    def first_over_last(self) -> np.ndarray:
        """(n_act,) ||dL/dW^(1)|| / ||dL/dW^(L)||: below 1 means the early layers get less."""
        return self.grad_W[:, 0] / self.grad_W[:, -1]


def gradient_norms_at_init(
    activations: tuple[str, ...] = ("sigmoid", "tanh", "relu"),
    *,
    depth: int = 20,
    width: int = 64,
    batch: int = 256,
    scheme: str = "lecun",
    seed: int = 0,
) -> InitGradNorms:
    """Experiment 1: ||dL/dW^(l)|| at initialisation for each activation, same data and seed."""
    rng = as_generator(seed)
    x = rng.standard_normal((batch, width))  # (B, n_0)
    y = rng.standard_normal((batch, width))  # (B, n_L)
    sizes = [width] * (depth + 1)
    grad_W = np.empty((len(activations), depth))
    grad_a = np.empty((len(activations), depth))
    for i, name in enumerate(activations):
        model = init_mlp(sizes, activation=name, scheme=scheme, rng=seed + 1)
        _, grads = loss_and_grads(model, x, y)
        grad_W[i] = layer_grad_norms(grads)
        grad_a[i] = [np.linalg.norm(g) for g in grads.a[:-1]]
    return InitGradNorms(tuple(activations), depth, width, scheme, grad_W, grad_a)


@dataclass(frozen=True)
class LearningSpeed:
    """Experiment 2: a deep sigmoid MLP trained by SGD, with per-layer learning speed over time."""

    activation: str
    sizes: tuple[int, ...]
    scheme: str
    lr: float
    history: TrainHistory  # also grad_W, grad_b (steps, L): ||dL/dW^(l)||_F, ||dL/db^(l)||_2
    rel_change: np.ndarray  # (L,) ||W_final - W_init||_F / ||W_init||_F per layer
    test_loss: tuple[float, float]  # held-out loss before and after training
    test_baseline: float  # held-out loss of always predicting the training mean

    @property
    def hidden_speed(self) -> np.ndarray:
        """(L-1,) median over training steps of ||dL/db^(l)||, hidden layers l = 1..L-1."""
        return np.median(self.history.grad_b[:, :-1], axis=0)


def _teacher_data(n: int, d_in: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A smooth nonlinear regression target from a random two-layer teacher network."""
    x = rng.standard_normal((n, d_in))  # (N, d_in)
    U = rng.standard_normal((d_in, 16)) / np.sqrt(d_in)  # (d_in, 16)
    v = rng.standard_normal((16, 1)) / 4.0  # (16, 1)
    return x, np.tanh(x @ U) @ v  # (N, d_in), (N, 1)


def learning_speed(
    activation: str = "sigmoid",
    *,
    depth: int = 6,
    width: int = 30,
    d_in: int = 8,
    scheme: str = "normal",
    steps: int = 500,
    lr: float = 0.05,
    batch: int = 64,
    n_train: int = 1024,
    seed: int = 0,
) -> LearningSpeed:
    """Train one deep MLP and record how fast each layer learns (gradient norms, weight change)."""
    rng = as_generator(seed)
    x, y = _teacher_data(n_train + 512, d_in, rng)
    x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    sizes = (d_in, *([width] * (depth - 1)), 1)
    model0 = init_mlp(sizes, activation=activation, scheme=scheme, rng=seed + 1)
    batch_rng = as_generator(seed + 2)

    def batches(step: int) -> tuple[np.ndarray, np.ndarray]:
        idx = batch_rng.choice(n_train, size=batch, replace=False)  # (B,)
        return x_train[idx], y_train[idx]

    def record(grads) -> dict[str, np.ndarray]:  # Nielsen's "speed of learning" of each layer
        return {"grad_W": layer_grad_norms(grads), "grad_b": [np.linalg.norm(g) for g in grads.b]}

    model, history = train(model0, loss_and_grads, batches, SGD(lr), steps=steps, record=record)
    rel = np.array(
        [
            np.linalg.norm(W1 - W0) / np.linalg.norm(W0)
            for W0, W1 in zip(model0.weights, model.weights, strict=True)
        ]
    )
    baseline = mse_loss(np.broadcast_to(y_train.mean(axis=0), y_test.shape), y_test)[0]
    return LearningSpeed(
        activation,
        sizes,
        scheme,
        lr,
        history,
        rel,
        (_loss(model0, x_test, y_test), _loss(model, x_test, y_test)),
        float(baseline),
    )


def _loss(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """Held-out mean loss."""
    return mse_loss(forward(model, x).a[-1], y)[0]
