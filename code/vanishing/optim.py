"""Chapter 1-6: one optimiser family (SGD, Adam) and one training loop, for every model.

They see a model only through the parameter protocol of ``vanishing.params``: ``model.params()``
lists its trainable arrays by name, ``model.with_params(...)`` returns a copy with new ones, and
a gradient's ``params`` holds dL/d(array) under the same names. Every parameter needs its
gradient and every gradient its parameter, so nothing is skipped silently (a gradient from
``bptt`` alone, which has no read-out part, is refused). Optimisers return a new model and never
modify the model or the gradient they are given.

``clip`` (optional, both optimisers): the gradient is first clipped by its global norm over all
parameter arrays together (``vanishing.clip.clip_by_global_norm``, Pascanu et al. 2013), then
used for the update. For Adam this matters through its moments: the first update is
lr * g/(|g| + eps) per coordinate whatever the scale of g, but a clipped spike no longer
inflates the second moment v, which would otherwise shrink the updates for many steps after.

Adam is Kingma & Ba (2015), Algorithm 1, with bias correction:
m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2,
theta <- theta - lr * m_hat / (sqrt(v_hat) + eps), m_hat = m/(1 - beta1^t), v_hat = v/(1 - beta2^t).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from vanishing.clip import clip_by_global_norm, global_norm
from vanishing.params import AttributeView
from vanishing.validate import check_size

__all__ = [
    "SGD",
    "Adam",
    "TrainHistory",
    "parameter_gradients",
    "train",
]


# --------------------------------------------------------------------------- checks


def _check_real(value, name: str, *, low: float, high: float = math.inf, closed_low=False):
    """Return value as a float in (low, high) (or [low, high) if closed_low); errors name it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok_low = value >= low if closed_low else value > low
    if not (math.isfinite(value) and ok_low and value < high):
        bracket = "[" if closed_low else "("
        raise ValueError(f"{name} must be a finite number in {bracket}{low}, {high}), got {value}")
    return value


def _check_clip(clip) -> float | None:
    return None if clip is None else _check_real(clip, "clip", low=0.0)


def _check_model(model) -> dict[str, np.ndarray]:
    """The model's {name: parameter}; TypeError naming ``model`` if it has no parameter protocol."""
    if not callable(getattr(model, "params", None)) or not callable(
        getattr(model, "with_params", None)
    ):
        raise TypeError(
            "model must follow the parameter protocol (params(), with_params()), got "
            f"{type(model).__name__}"
        )
    return model.params()


def parameter_gradients(model, grads) -> dict[str, np.ndarray]:
    """Chapter 1-6, {name: gradient} for every parameter of ``model``, in ``model.params()``
    order. A parameter without a gradient, a gradient without a parameter, a shape mismatch or a
    non-numeric gradient raises (naming ``grads``); the model's ``inputs`` (h0, ...) are not
    parameters and are not looked at."""
    theta = _check_model(model)
    g = getattr(grads, "params", None)
    if not isinstance(g, Mapping):
        raise TypeError(
            f"grads must be a gradient with a params mapping, got {type(grads).__name__}"
        )
    kind = type(model).__name__
    missing = [k for k in theta if k not in g]
    if missing:
        raise ValueError(
            f"grads has no gradient for the parameter(s) {missing} of the {kind} (a gradient "
            "from bptt alone has no read-out part: use loss_and_grads)"
        )
    extra = [k for k in g if k not in theta]
    if extra:
        raise ValueError(f"grads has gradients {extra} for which the {kind} has no parameter")
    out = {}
    for name, param in theta.items():
        d = np.asarray(g[name])
        if d.dtype.kind not in "biuf":
            raise TypeError(f"grads.{name} must be a real numeric array, got {d.dtype}")
        if d.shape != param.shape:
            raise ValueError(
                f"grads.{name} must have the shape of the parameter {param.shape}, got {d.shape}"
            )
        out[name] = d.astype(np.float64, copy=False)
    return out


def _prepared(model, grads, clip: float | None) -> dict[str, np.ndarray]:
    """Parameter gradients, clipped by global norm if ``clip`` is set; raise if non-finite."""
    g = parameter_gradients(model, grads)
    norm = global_norm(list(g.values()))
    if not math.isfinite(norm):
        raise ValueError(
            f"grads has a non-finite norm ({norm}): the gradient overflowed; lower the learning "
            "rate or set clip (clipping needs a finite gradient)"
        )
    if clip is not None:
        g = dict(zip(g, clip_by_global_norm(list(g.values()), clip).grads, strict=True))
    return g


# --------------------------------------------------------------------------- optimisers


class SGD:
    """Chapter 6, plain gradient descent theta <- theta - lr * g, with optional global-norm clip.

    With ``clip``, each update has norm at most lr * clip.
    """

    def __init__(self, lr: float, clip: float | None = None):
        self.lr = _check_real(lr, "lr", low=0.0)
        self.clip = _check_clip(clip)

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, clip={self.clip})"

    def step(self, model, grads):
        """Return a new model with every parameter moved by -lr * (clipped) gradient."""
        g, theta = _prepared(model, grads, self.clip), model.params()
        return model.with_params({name: theta[name] - self.lr * g[name] for name in g})


class Adam:
    """Chapter 6, Adam (Kingma & Ba 2015) with bias correction and optional global-norm clip.

    State: ``t`` (updates taken), ``m`` and ``v`` ({parameter name: array}, first and second
    moments), created at the first ``step``; later models must have the same parameter fields
    and shapes. ``reset()`` forgets the state.
    """

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        *,
        clip: float | None = None,
    ):
        self.lr = _check_real(lr, "lr", low=0.0)
        self.beta1 = _check_real(beta1, "beta1", low=0.0, high=1.0, closed_low=True)
        self.beta2 = _check_real(beta2, "beta2", low=0.0, high=1.0, closed_low=True)
        self.eps = _check_real(eps, "eps", low=0.0)
        self.clip = _check_clip(clip)
        self.reset()

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}, "
            f"clip={self.clip}; t={self.t})"
        )

    def reset(self) -> None:
        """Forget the moments and the step count."""
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, model, grads):
        """Return a new model after one Adam update; updates this optimiser's moments."""
        g, theta = _prepared(model, grads, self.clip), model.params()
        if self.t == 0:
            self.m = {name: np.zeros_like(a) for name, a in g.items()}
            self.v = {name: np.zeros_like(a) for name, a in g.items()}
        elif set(g) != set(self.m) or any(g[k].shape != self.m[k].shape for k in g):
            raise ValueError(
                "model does not match the optimiser state: its parameters "
                f"{ {k: a.shape for k, a in g.items()} } differ from those of the first step "
                f"{ {k: a.shape for k, a in self.m.items()} }; call reset() for a new model"
            )
        t = self.t + 1
        m = {k: self.beta1 * self.m[k] + (1 - self.beta1) * g[k] for k in g}
        v = {k: self.beta2 * self.v[k] + (1 - self.beta2) * g[k] ** 2 for k in g}
        c1, c2 = 1 - self.beta1**t, 1 - self.beta2**t
        new = {k: theta[k] - self.lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + self.eps) for k in g}
        updated = model.with_params(new)  # may raise (e.g. a model's own checks)
        self.t, self.m, self.v = t, m, v  # commit the state only after a successful update
        return updated


# --------------------------------------------------------------------------- training loop


@dataclass(frozen=True)
class TrainHistory(AttributeView):
    """Chapter 1-6, per-step record of ``train``; arrays have one entry per step run.

    loss[s] is the mini-batch loss before update s; ema[s] its bias-corrected exponential moving
    average; grad_norm[s] the global norm of the parameter gradients before clipping;
    records[key][s] what ``record(grads)`` returned under key at step s (also read as an
    attribute, ``history.key``).
    If ``diverged``, the last entry is the step whose loss (or gradient) was non-finite; that
    step made no update and training stopped there.
    """

    loss: np.ndarray  # (steps_run,)
    ema: np.ndarray  # (steps_run,)
    grad_norm: np.ndarray  # (steps_run,)
    diverged: bool
    records: dict[str, np.ndarray] = field(default_factory=dict)
    _VIEWED = ("records",)

    @property
    def steps(self) -> int:
        """Number of steps recorded."""
        return len(self.loss)


def train(
    model,
    loss_and_grads: Callable,
    batches: Callable[[int], tuple],
    optimizer,
    *,
    steps: int,
    ema: float = 0.98,
    record: Callable | None = None,
):
    """Chapter 1-6, ``steps`` updates of ``optimizer`` on ``loss_and_grads(model, x, y)``, for
    any model with the parameter protocol.

    ``batches(step)`` returns (x, y) for step = 0, 1, ...; ``optimizer`` has ``step(model,
    grads) -> model`` (SGD, Adam); ``record(grads)``, if given, returns {key: array} to keep for
    each step (e.g. per-layer gradient norms), stacked in ``history.records[key]``.
    Returns (model, TrainHistory). The moving average is
    ema_s = sum_{r<=s} (1 - a) a^{s-r} loss_r / (1 - a^{s+1}) with a = ``ema`` (0: no smoothing).
    A non-finite loss or gradient norm stops training early with ``diverged=True``; the model
    returned is the last finite one (the one that produced that loss).
    """
    _check_model(model)
    if not callable(loss_and_grads):
        raise TypeError(f"loss_and_grads must be callable, got {type(loss_and_grads).__name__}")
    if not callable(batches):
        raise TypeError(f"batches must be callable (step -> (x, y)), got {type(batches).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"optimizer must have a step(model, grads) method, got {type(optimizer).__name__}"
        )
    if record is not None and not callable(record):
        raise TypeError(
            f"record must be callable (grads -> dict) or None, got {type(record).__name__}"
        )
    steps = check_size(steps, "steps")
    a = _check_real(ema, "ema", low=0.0, high=1.0, closed_low=True)

    losses, emas, norms, records = [], [], [], []
    average, weight, diverged = 0.0, 0.0, False
    for s in range(steps):
        x, y = batches(s)
        loss, grads = loss_and_grads(model, x, y)
        loss = float(loss)
        with np.errstate(over="ignore", invalid="ignore"):
            norm = global_norm(list(parameter_gradients(model, grads).values()))
        average = a * average + (1 - a) * loss
        weight = a * weight + (1 - a)
        losses.append(loss)
        emas.append(average / weight)
        norms.append(norm)
        if record is not None:
            records.append(record(grads))
        if not (math.isfinite(loss) and math.isfinite(norm)):
            diverged = True
            break
        model = optimizer.step(model, grads)
    history = TrainHistory(
        loss=np.array(losses),
        ema=np.array(emas),
        grad_norm=np.array(norms),
        diverged=diverged,
        records={key: np.array([r[key] for r in records]) for key in (records or [{}])[0]},
    )
    return model, history
