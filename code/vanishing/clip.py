"""Gradient clipping (ch. 5): rescale an exploding gradient before the update.

A gradient is a list or tuple of arrays, one per parameter; its norm is the global (Euclidean)
norm of all entries together. ``clip_by_global_norm`` is Algorithm 1 of Pascanu, Mikolov &
Bengio (2013): if ||g|| >= threshold, g <- (threshold / ||g||) g, one factor for every array, so
the direction of the update is kept. ``clip_by_value`` and ``clip_per_parameter`` are shown in
the chapter as the common alternatives that change the direction.

Every rule returns a ``ClipResult`` (the new float64 arrays and what the rule did) and never
modifies its input.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from vanishing.validate import as_real_array

__all__ = [
    "ClipResult",
    "clip_by_global_norm",
    "clip_by_value",
    "clip_per_parameter",
    "global_norm",
]


@dataclass(frozen=True)
class ClipResult:
    """Chapter 5, the outcome of a clipping rule: the (possibly) changed gradient."""

    grads: tuple  # new float64 arrays, shapes as given
    norm: float  # global ||g|| before clipping
    clipped: bool  # the rule changed the gradient (global rule: ||g|| >= threshold)
    # the one factor applied to every array, threshold / ||g|| or 1.0 if not clipped (global
    # rule); None for the rules that change the direction (no single factor describes them)
    scale: float | None = None


# --------------------------------------------------------------------------- input checks


def _check_threshold(value) -> float:
    """Return ``threshold`` as a positive finite float; TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"threshold must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"threshold must be a positive finite number, got {value}")
    return value


def _check_grads(grads) -> tuple[np.ndarray, ...]:
    """Return ``grads`` as a tuple of float64 arrays; TypeError/ValueError naming ``grads``."""
    if not isinstance(grads, (list, tuple)):
        raise TypeError(
            "grads must be a list or tuple of arrays (one per parameter), got "
            f"{type(grads).__name__}; wrap a single array as [g]"
        )
    if len(grads) == 0:
        raise ValueError("grads must contain at least one array, got an empty sequence")
    arrays = []
    for i, g in enumerate(grads):
        try:
            arrays.append(as_real_array(g, f"grads[{i}]"))
        except ValueError as err:  # e.g. a ragged nested list
            raise TypeError(f"grads[{i}] must be a real numeric array ({err})") from None
    return tuple(arrays)


def _norm(arrays) -> float:
    """Euclidean norm of all entries of ``arrays`` together, without overflow or underflow in
    the squares (entries are divided by the largest |entry| first); inf or NaN if an entry is."""
    nonempty = [a for a in arrays if a.size]
    if not nonempty:
        return 0.0
    # Fast path: the plain sum of squares, when it is finite and far from underflow (an entry
    # small enough to underflow when squared is then negligible against the total).
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        plain = math.fsum(float(np.vdot(a, a)) for a in nonempty)
    if math.isfinite(plain) and plain > 1e-200:
        return math.sqrt(plain)
    if any(np.isnan(a).any() for a in nonempty):
        return math.nan
    largest = max(float(np.max(np.abs(a))) for a in nonempty)
    if math.isinf(largest) or largest == 0.0:
        return largest
    total = math.fsum(float(np.sum(np.square(a / largest))) for a in nonempty)
    with np.errstate(over="ignore"):
        return float(np.float64(largest) * np.sqrt(total))  # inf if the true norm overflows


def _overflow_error(norm: float, name: str = "grads") -> ValueError:
    """The error for a gradient whose norm is inf or NaN: there is no finite factor to apply."""
    return ValueError(
        f"{name} has a non-finite norm ({norm}): the gradient overflowed, so clipping cannot "
        "rescale it (no finite factor maps it to the threshold); lower the learning rate or "
        "check the loss for overflow"
    )


# --------------------------------------------------------------------------- the three rules


def global_norm(grads) -> float:
    """Chapter 5, ||g|| = sqrt(sum of the squared entries of all arrays); inf or NaN if the
    gradient has overflowed (this is a diagnostic, so it reports rather than raises)."""
    return _norm(_check_grads(grads))


def clip_by_global_norm(grads, threshold) -> ClipResult:
    """Chapter 5, Pascanu et al. (2013) Algorithm 1: if ||g|| >= threshold, every array is
    multiplied by threshold/||g||, so the clipped gradient has norm threshold, same direction."""
    arrays = _check_grads(grads)
    threshold = _check_threshold(threshold)
    norm = _norm(arrays)
    if not math.isfinite(norm):
        raise _overflow_error(norm)
    clipped = norm >= threshold
    scale = threshold / norm if clipped else 1.0
    return ClipResult(
        grads=tuple(a * scale for a in arrays), norm=norm, clipped=clipped, scale=scale
    )


def clip_by_value(grads, threshold) -> ClipResult:
    """Chapter 5, elementwise clip to [-threshold, threshold]: bounded, but the direction changes.

    +-inf entries become +-threshold; NaN entries raise (there is no value to clip them to).
    """
    arrays = _check_grads(grads)
    threshold = _check_threshold(threshold)
    if any(np.isnan(a).any() for a in arrays):
        raise ValueError(
            "grads contains NaN entries: the gradient overflowed, so clipping cannot bound it; "
            "lower the learning rate or check the loss for overflow"
        )
    clipped = any(np.any(np.abs(a) > threshold) for a in arrays)
    out = tuple(np.clip(a, -threshold, threshold) for a in arrays)
    return ClipResult(grads=out, norm=_norm(arrays), clipped=bool(clipped))


def clip_per_parameter(grads, threshold) -> ClipResult:
    """Chapter 5, the common mistake: each array rescaled to norm <= threshold on its own, so
    the arrays shrink by different factors and the direction of the whole gradient changes."""
    arrays = _check_grads(grads)
    threshold = _check_threshold(threshold)
    out, clipped = [], False
    for i, a in enumerate(arrays):
        norm = _norm([a])
        if not math.isfinite(norm):
            raise _overflow_error(norm, f"grads[{i}]")
        clipped |= norm >= threshold
        out.append(a * (threshold / norm) if norm >= threshold else a.copy())
    return ClipResult(grads=tuple(out), norm=_norm(arrays), clipped=bool(clipped))
