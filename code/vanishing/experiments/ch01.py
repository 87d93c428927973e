"""Chapter 1 measurements: repeated factors, per-layer gradient norms, per-layer learning speed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import ACTIVATION_NAMES
from ..init import as_generator
from ..mlp import MLP, backward, forward, init_mlp, layer_grad_norms, loss_and_grads, mse_loss
from ..optim import SGD, TrainHistory, train
from ..validate import (
    check_activation,
    check_choice,
    check_choices,
    check_instance,
    check_ints,
    check_real,
    check_reals,
    check_size,
    quiet_overflow,
)


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
    b = np.array(check_reals(bases, "bases", positive=True))
    n = np.array(check_ints(exponents, "exponents"))
    return PowerTable(
        tuple(float(v) for v in b), tuple(int(v) for v in n), b[:, None] ** n[None, :]
    )


FLOAT_TYPES = ("float16", "float32", "float64")


def underflow_depth(base: float = 0.25, dtype: str = "float32", n_max: int = 5000) -> int:
    """Chapter 1: the first n at which multiplying n factors `base` in `dtype` gives exactly 0."""
    if not (isinstance(base, float | int) and 0 < base < 1):
        raise ValueError(f"base must be a number in (0, 1), got {base!r}")
    dtype = check_choice(dtype, "dtype", FLOAT_TYPES, kind="dtype")
    n_max = check_size(n_max, "n_max")
    kind = np.dtype(dtype).type
    factor, product = kind(base), kind(1.0)
    for n in range(1, n_max + 1):
        product = kind(product * factor)
        if product == 0:
            return n
    raise ValueError(f"n_max = {n_max} factors of {base} do not underflow in {dtype}")


@dataclass(frozen=True)
class InitGradNorms:
    """Per-layer gradient sizes of freshly initialised deep MLPs, one row per activation.

    Sizes are per example: the root mean square over the batch of the norm of the gradient of one
    example's loss 1/2 ||y_hat_b - y_b||^2. ``grad_W_batch`` is the gradient of the batch's mean
    loss instead.
    """

    activations: tuple[str, ...]
    depth: int
    width: int
    scheme: str
    grad_W: np.ndarray  # (n_act, L) per-example RMS ||dl_b/dW^(l)||_F, layer 1 first
    grad_a: np.ndarray  # (n_act, L) per-example RMS ||grad_{a^(l)} l_b||: signal from above
    act: np.ndarray  # (n_act, L) per-example RMS ||a^(l-1)||: the input of layer l
    grad_W_batch: np.ndarray  # (n_act, L) ||dL/dW^(l)||_F of the batch-mean loss

    @property
    def first_over_last(self) -> np.ndarray:
        """(n_act,) per-example ||dl/dW^(1)|| / ||dl/dW^(L)||: below 1, early layers get less."""
        return self.grad_W[:, 0] / self.grad_W[:, -1]

    @property
    def first_over_last_batch(self) -> np.ndarray:
        """(n_act,) the same ratio for the gradient of the batch-mean loss."""
        return self.grad_W_batch[:, 0] / self.grad_W_batch[:, -1]

    @property
    def max_over_min(self) -> np.ndarray:
        """(n_act,) largest over smallest per-layer gradient: 1 for a perfectly flat profile."""
        return self.grad_W.max(axis=1) / self.grad_W.min(axis=1)


def _rms_norm(rows: np.ndarray) -> float:
    """Root mean square over the batch of the per-row Euclidean norm; rows: (B, n)."""
    return float(np.sqrt(np.mean(np.sum(rows * rows, axis=1))))


def gradient_norms_at_init(
    activations: tuple[str, ...] = ("sigmoid", "tanh", "relu"),
    *,
    depth: int = 20,
    width: int = 64,
    batch: int = 256,
    scheme: str = "lecun",
    seed: int = 0,
) -> InitGradNorms:
    """Experiment 1: per-layer gradient sizes at initialisation for each activation, same data."""
    activations = check_choices(activations, "activations", ACTIVATION_NAMES, kind="activation")
    depth, width, batch = (
        check_size(v, n) for v, n in ((depth, "depth"), (width, "width"), (batch, "batch"))
    )
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, width))  # (B, n_0)
    y = rng.standard_normal((batch, width))  # (B, n_L)
    sizes = [width] * (depth + 1)
    shape = (len(activations), depth)
    grad_W, grad_a, act, grad_W_batch = (np.empty(shape) for _ in range(4))
    for i, name in enumerate(activations):
        model = init_mlp(sizes, activation=name, scheme=scheme, rng=seed + 1)
        cache = forward(model, x)
        _, grad_mean = mse_loss(cache.a[-1], y)  # (B, n_L): gradient of the batch-mean loss
        grads = backward(model, cache, grad_mean * batch)  # row b: gradient of example b's loss
        for l in range(1, depth + 1):
            delta = model.layer_activation(l).phi_prime(cache.z[l - 1]) * grads.a[l]  # (B, n_l)
            # dl_b/dW^(l) = delta_b a_b^T is rank one: its norm is ||delta_b|| ||a^(l-1)_b||
            per_example = np.linalg.norm(delta, axis=1) * np.linalg.norm(cache.a[l - 1], axis=1)
            grad_W[i, l - 1] = float(np.sqrt(np.mean(per_example**2)))
            grad_a[i, l - 1] = _rms_norm(grads.a[l])
            act[i, l - 1] = _rms_norm(cache.a[l - 1])
            grad_W_batch[i, l - 1] = np.linalg.norm(grads.W[l - 1]) / batch
    return InitGradNorms(
        tuple(activations), depth, width, scheme, grad_W, grad_a, act, grad_W_batch
    )


@dataclass(frozen=True)
class LearningSpeed:
    """Experiment 2: a deep sigmoid MLP trained by SGD: per-layer gradient sizes and movement."""

    activation: str
    sizes: tuple[int, ...]
    scheme: str
    lr: float
    seed: int
    history: TrainHistory  # also grad_W, grad_b (steps, L): ||dL/dW^(l)||_F, ||dL/db^(l)||_2
    moved: np.ndarray  # (L,) ||W_final - W_init||_F per layer: the distance moved
    path: np.ndarray  # (L,) lr * sum_t ||dL/dW^(l)||_F: the length of the path of steps
    norm0: np.ndarray  # (L,) ||W_init||_F (layer 1's is smaller: its fan-in is d_in)
    forward_std: np.ndarray  # (L-1,) std over test inputs of each hidden unit at init, mean
    test_loss: tuple[float, float]  # held-out loss before and after training
    test_baseline: float  # held-out loss of always predicting the training mean

    @property
    def hidden_speed(self) -> np.ndarray:
        """(L-1,) median over training steps of ||dL/db^(l)||, hidden layers l = 1..L-1."""
        return np.median(self.history.grad_b[:, :-1], axis=0)

    @property
    def speed_ratio(self) -> float:
        """Last hidden layer's median ||dL/db|| over the first's (Nielsen's speed ratio)."""
        return float(self.hidden_speed[-1] / self.hidden_speed[0])

    @property
    def rel_change(self) -> np.ndarray:
        """(L,) distance moved relative to the initial weights, ||W_T - W_0||_F / ||W_0||_F."""
        return self.moved / self.norm0

    @property
    def rel_path(self) -> np.ndarray:
        """(L,) path length relative to the initial weights."""
        return self.path / self.norm0

    @property
    def straightness(self) -> np.ndarray:
        """(L,) distance moved over path length: 1 if every step pointed the same way."""
        return self.moved / self.path

    def ordered_fraction(self, smooth: int = 1) -> float:
        """Share of steps at which ||dL/db^(l)|| (moving average over `smooth`) rises with l."""
        smooth = check_size(smooth, "smooth")
        grad_b = self.history.grad_b[:, :-1]  # (steps, L-1)
        if smooth > grad_b.shape[0]:
            raise ValueError(f"smooth must be at most the number of steps {grad_b.shape[0]}")
        kernel = np.ones(smooth) / smooth
        curves = np.array([np.convolve(g, kernel, mode="valid") for g in grad_b.T])  # (L-1, T')
        return float(np.mean(np.all(np.diff(curves, axis=0) > 0, axis=0)))


def _teacher_data(n: int, d_in: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A smooth nonlinear regression target from a random two-layer teacher network."""
    x = rng.standard_normal((n, d_in))  # (N, d_in)
    U = rng.standard_normal((d_in, 16)) / np.sqrt(d_in)  # (d_in, 16)
    v = rng.standard_normal((16, 1)) / 4.0  # (16, 1)
    return x, np.tanh(x @ U) @ v  # (N, d_in), (N, 1)


@quiet_overflow
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
    """Experiment 2: train one deep MLP; record per-layer gradient sizes and how far W moved."""
    check_activation(activation, "activation")
    depth, width = check_size(depth, "depth"), check_size(width, "width")
    d_in = check_size(d_in, "d_in")
    steps, batch, n_train = (
        check_size(steps, "steps"), check_size(batch, "batch"), check_size(n_train, "n_train")
    )
    lr = check_real(lr, "lr", positive=True)
    rng = as_generator(seed, name="seed")
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
    norm0 = np.array([np.linalg.norm(W0) for W0 in model0.weights])
    moved = np.array(
        [np.linalg.norm(W1 - W0) for W0, W1 in zip(model0.weights, model.weights, strict=True)]
    )
    hidden = forward(model0, x_test).a[1:-1]  # a^(1..L-1) at initialisation, each (N, width)
    baseline = mse_loss(np.broadcast_to(y_train.mean(axis=0), y_test.shape), y_test)[0]
    return LearningSpeed(
        activation,
        sizes,
        scheme,
        lr,
        seed,
        history,
        moved,
        lr * history.grad_W.sum(axis=0),
        norm0,
        np.array([a.std(axis=0).mean() for a in hidden]),
        (_loss(model0, x_test, y_test), _loss(model, x_test, y_test)),
        float(baseline),
    )


def _loss(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """Held-out mean loss."""
    return mse_loss(forward(model, x).a[-1], y)[0]


@dataclass(frozen=True)
class LinearBalance:
    """Chapter 1: ||dL/dW^(1)||_F / ||dL/dW^(3)||_F in a 3-layer linear net, and what moves it."""

    c: float
    ratio: float  # random Gaussian layers W^(1), W^(2), W^(3)
    ratio_rescaled: float  # the same net with W^(1) * c and W^(3) / c: the same function
    output_change: float  # max |y_hat_rescaled - y_hat|: zero up to rounding
    ratio_orthogonal: float  # every layer alpha times an orthogonal matrix


def _linear_first_over_last(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """||dL/dW^(1)||_F / ||dL/dW^(L)||_F for y_hat = W^(L)...W^(1) x, by eq. (1.2)."""
    model = MLP(weights, [np.zeros(W.shape[0]) for W in weights], "identity")
    _, grads = loss_and_grads(model, x, y)
    return float(np.linalg.norm(grads.W[0]) / np.linalg.norm(grads.W[-1]))


@quiet_overflow
def linear_gradient_balance(
    *, width: int = 4, c: float = 0.2, alpha: float = 1.5, seed: int = 0
) -> LinearBalance:
    """Chapter 1: a linear net's first/last gradient ratio is not a property of its function."""
    width = check_size(width, "width")
    c, alpha = check_real(c, "c", positive=True), check_real(alpha, "alpha", positive=True)
    rng = as_generator(seed, name="seed")
    weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(3)]
    x, y = rng.standard_normal((1, width)), rng.standard_normal((1, width))  # one example
    rescaled = [weights[0] * c, weights[1], weights[2] / c]
    y_hat = x @ (weights[2] @ weights[1] @ weights[0]).T
    y_hat_rescaled = x @ (rescaled[2] @ rescaled[1] @ rescaled[0]).T
    orthogonal = [alpha * np.linalg.qr(rng.standard_normal((width, width)))[0] for _ in range(3)]
    return LinearBalance(
        float(c),
        _linear_first_over_last(weights, x, y),
        _linear_first_over_last(rescaled, x, y),
        float(np.abs(y_hat_rescaled - y_hat).max()),
        _linear_first_over_last(orthogonal, x, y),
    )


def learning_speed_numbers(runs: list[LearningSpeed]) -> dict[str, str]:
    """Chapter 1, experiment 2: the numbers the prose quotes, by glue name, from the book's run
    (``runs[0]``) and the spread over all runs (seeds; hidden layers 1 and 5 compared)."""
    if not isinstance(runs, list | tuple) or not runs:
        raise TypeError(f"runs must be a non-empty list of LearningSpeed results, got {runs!r:.40}")
    for i, r in enumerate(runs):
        check_instance(r, f"runs[{i}]", LearningSpeed)
    speed = runs[0]
    ratios = [r.speed_ratio for r in runs]
    out = {
        "ch01_speed_ratio": f"{speed.speed_ratio:.1f}",
        "ch01_speed_spread": f"{min(ratios):.1f}–{max(ratios):.1f}",
        "ch01_test_before": f"{speed.test_loss[0]:.2f}",
        "ch01_test_after": f"{speed.test_loss[1]:.3f}",
        "ch01_test_baseline": f"{speed.test_baseline:.3f}",
        "ch01_ordered_ma": f"{100 * speed.ordered_fraction(20):.0f} %",
        "ch01_ordered_raw": f"{100 * speed.ordered_fraction(1):.0f} %",
    }
    for key, l in (("first", 0), ("last", 4)):
        rel = [100 * r.rel_change[l] for r in runs]
        out[f"ch01_rel_{key}"] = f"{min(rel):.1f}–{max(rel):.1f} %"
        out[f"ch01_norm0_{key}"] = f"{np.mean([r.norm0[l] for r in runs]):.0f}"
        straight = [r.straightness[l] for r in runs]
        out[f"ch01_straight_{key}"] = f"{min(straight):.2f}–{max(straight):.2f}"
    for key in ("moved", "path"):
        last_over_first = [getattr(r, key)[4] / getattr(r, key)[0] for r in runs]
        out[f"ch01_{key}_ratio"] = f"{min(last_over_first):.1f}–{max(last_over_first):.1f}"
    moved = np.array([r.moved[:-1] for r in runs])  # (seeds, hidden layers)
    out["ch01_moved_range"] = f"{moved.min():.1f} and {moved.max():.1f}"
    out["ch01_moved_spread"] = f"{(moved.max(1) / moved.min(1)).max():.1f}"
    return out
