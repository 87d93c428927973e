"""Small training loops that return their history (chapter 1: per-layer learning speed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .init import as_generator
from .mlp import MLP, layer_grad_norms, loss_and_grads, sgd_step


@dataclass(frozen=True)
class MLPHistory:
    """Per-step record of a training run: loss and per-layer gradient norms."""

    loss: np.ndarray  # (steps,) mini-batch loss before each update
    grad_W: np.ndarray  # (steps, L) ||dL/dW^(l)||_F
    grad_b: np.ndarray  # (steps, L) ||dL/db^(l)||_2, Nielsen's "speed of learning" of layer l


def train_mlp_sgd(
    model: MLP,
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    lr: float,
    batch_size: int,
    rng: np.random.Generator | int = 0,
) -> tuple[MLP, MLPHistory]:
    """Plain mini-batch SGD on the mean of 1/2||y_hat - y||^2; returns the model and its history."""
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not isinstance(batch_size, int | np.integer) or isinstance(batch_size, bool):
        raise TypeError(f"batch_size must be an integer, got {type(batch_size).__name__}")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x and y must be 2-D with the same number of rows, got {x.shape}, {y.shape}"
        )
    if not 1 <= batch_size <= x.shape[0]:
        raise ValueError(f"batch_size must be in [1, {x.shape[0]}], got {batch_size}")
    rng = as_generator(rng)
    loss = np.empty(steps)
    grad_W = np.empty((steps, model.L))
    grad_b = np.empty((steps, model.L))
    for step in range(steps):
        idx = rng.choice(x.shape[0], size=batch_size, replace=False)  # (B,)
        loss[step], grads = loss_and_grads(model, x[idx], y[idx])
        grad_W[step] = layer_grad_norms(grads)
        grad_b[step] = [np.linalg.norm(g) for g in grads.b]
        model = sgd_step(model, grads, lr)
    return model, MLPHistory(loss=loss, grad_W=grad_W, grad_b=grad_b)
