"""Ch. 9 a gradient-flow dashboard: the numbers to log while a network trains, for any model of
the package (through ``model.params()`` and ``grads.params``) and for plain {name: array} dicts,
so values from another framework can be fed in as well.

Signals (each one a function of arrays, so it works on numbers from anywhere):

- ``norms(values)``: ||array||_F for each named array (per-layer gradient norms);
- ``update_ratios(before, after)``: log10(||theta_after - theta_before|| / ||theta_before||) per
  array, the size of one update relative to the parameter (Karpathy's reference value is -3);
- ``saturated_fraction(z, activation)``: share of entries whose phi'(z) is below tol * gamma;
- ``dead_fraction(z, activation)``: share of units whose phi'(z) is exactly 0 on every example;
- ``spikes(norms)``: steps whose gradient norm exceeds ``factor`` x the median of the steps
  before them;
- ``clip_threshold(norms, q)``: the q-th percentile of observed gradient norms.

``watch`` trains a package model like ``vanishing.optim.train`` and records all of them; a
``probe`` (``mlp_probe``, ``recurrent_probe`` or your own) adds per-layer or per-time-step values
every few steps. Layer: above the models and ``optim``, below ``experiments``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from vanishing import mlp, recurrent
from vanishing.optim import parameter_gradients
from vanishing.validate import (
    as_real_array,
    check_activation,
    check_finite,
    check_int,
    check_real,
    check_size,
    quiet_overflow,
)

__all__ = [
    "Dashboard",
    "as_arrays",
    "clip_threshold",
    "dead_fraction",
    "global_norm",
    "mlp_probe",
    "norms",
    "recurrent_probe",
    "saturated_fraction",
    "spikes",
    "update_ratios",
    "watch",
]

# named arrays ---------------------------------------------------------------------------------


def as_arrays(values, name: str = "values") -> dict[str, np.ndarray]:
    """Ch. 9 {name: float64 array} from a Mapping, a gradient (``.params`` dict) or a model
    (``.params()`` method); TypeError/ValueError naming ``name`` otherwise."""
    if not isinstance(values, Mapping):
        params = getattr(values, "params", None)
        values = params() if callable(params) else params
    if not isinstance(values, Mapping):
        raise TypeError(
            f"{name} must be a mapping {{name: array}}, a model or a gradient, "
            f"got {type(values).__name__}"
        )
    if not values:
        raise ValueError(f"{name} must hold at least one array")
    out = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be str, got {type(key).__name__}")
        out[key] = as_real_array(value, f"{name}[{key!r}]")
    return out


def norms(values) -> dict[str, float]:
    """Ch. 9 Frobenius norm ||A||_F of each named array (inf if it overflowed or is not finite)."""
    arrays = as_arrays(values)
    out = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for key, arr in arrays.items():
            n = float(np.linalg.norm(arr))
            out[key] = n if math.isfinite(n) else math.inf
    return out


def global_norm(values) -> float:
    """Ch. 9 norm of all named arrays together, sqrt(sum ||A||_F^2): what norm clipping caps."""
    with np.errstate(over="ignore"):
        return float(math.sqrt(sum(n * n for n in norms(values).values())))


def update_ratios(before, after) -> dict[str, float]:
    """Ch. 9 log10(||after - before||_F / ||before||_F) for each array of ``before`` (a model or
    {name: array}); -inf if it did not move, nan if ||before|| = 0 (zero-initialised biases)."""
    old, new = as_arrays(before, "before"), as_arrays(after, "after")
    if set(old) != set(new):
        raise ValueError(f"after must have the names of before {tuple(old)}, got {tuple(new)}")
    out = {}
    for key, a in old.items():
        if new[key].shape != a.shape:
            raise ValueError(f"after[{key!r}] must have shape {a.shape}, got {new[key].shape}")
        size, moved = float(np.linalg.norm(a)), float(np.linalg.norm(new[key] - a))
        with np.errstate(divide="ignore"):
            out[key] = math.nan if size == 0.0 else float(np.log10(moved / size))
    return out


# units ----------------------------------------------------------------------------------------


def _check_z(z) -> np.ndarray:
    arr = as_real_array(z, "z")
    if arr.ndim < 2 or arr.size == 0:
        raise ValueError(f"z must have shape (..., n_units) with at least 2 axes, got {arr.shape}")
    return arr


def saturated_fraction(z, activation: str, *, tol: float = 0.1) -> float:
    """Ch. 9 share of pre-activations z (..., n_units) with phi'(z) < tol * gamma: saturated
    entries, which pass less than tol of the largest possible gradient (tanh: |a| > 0.949)."""
    act = check_activation(activation, "activation")
    tol = check_real(tol, "tol", positive=True)
    return float(np.mean(np.abs(act.phi_prime(_check_z(z))) < tol * act.gamma))


def dead_fraction(z, activation: str = "relu") -> float:
    """Ch. 9 share of units (last axis of z) whose phi'(z) is exactly 0 on every example (every
    leading index): dead units, which pass no gradient at all on this batch."""
    act = check_activation(activation, "activation")
    d = act.phi_prime(_check_z(z))
    return float(np.mean(np.all(d.reshape(-1, d.shape[-1]) == 0, axis=0)))


# over steps -----------------------------------------------------------------------------------


def _check_norms(values, name: str = "norms") -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64) if not isinstance(values, str) else None
    if arr is None or arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of norms")
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold norms >= 0 (inf allowed, not NaN)")
    return arr


@quiet_overflow  # a huge factor: factor x median overflows to inf, no spike
def spikes(grad_norm, *, factor: float = 10.0, window: int = 20) -> np.ndarray:
    """Ch. 9 steps s >= 1 whose norm exceeds ``factor`` x the median norm of the (up to)
    ``window`` steps before s; a non-finite norm is always a spike. Returns the step indices."""
    g = _check_norms(grad_norm, "grad_norm")
    factor = check_real(factor, "factor", positive=True)
    window = check_size(window, "window")
    out = []
    for s in range(1, g.size):
        ref = np.median(g[max(0, s - window) : s])
        if not math.isfinite(g[s]) or g[s] > factor * ref:
            out.append(s)
    return np.array(out, dtype=np.int64)


def clip_threshold(grad_norm, *, q: float = 90.0, steps: int | None = None) -> float:
    """Ch. 9 the q-th percentile of the finite gradient norms of the first ``steps`` steps (all
    if None): a clipping threshold read off observed norms (Google's tuning playbook)."""
    g = _check_norms(grad_norm, "grad_norm")
    q = check_real(q, "q")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be a percentile in [0, 100], got {q}")
    if steps is not None:
        g = g[: check_size(steps, "steps")]
    g = g[np.isfinite(g)]
    if g.size == 0:
        raise ValueError("grad_norm has no finite norm in the steps used")
    return float(np.percentile(g, q))


# a training run, watched ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Ch. 9 what ``watch`` recorded: per step s, loss[s] and grad_norm[s] (global, before
    clipping); param_norm[s, p] = ||dL/dtheta_p||_F and update[s, p] = log10 update-to-parameter
    ratio of array names[p]; at probe_steps[k], probes[key][k] = what the probe returned."""

    names: tuple[str, ...]
    loss: np.ndarray  # (S,)
    grad_norm: np.ndarray  # (S,)
    param_norm: np.ndarray  # (S, P)
    update: np.ndarray  # (S, P), nan where ||theta|| = 0
    probe_steps: np.ndarray  # (K,)
    probes: dict[str, np.ndarray] = field(default_factory=dict)  # each (K, ...)
    diverged: bool = False

    @property
    def steps(self) -> int:
        """Number of steps recorded."""
        return len(self.loss)

    def column(self, name: str) -> int:
        """Index p of the array called ``name``."""
        if name not in self.names:
            raise ValueError(f"name must be one of {self.names}, got {name!r}")
        return self.names.index(name)

    def spikes(self, *, factor: float = 10.0, window: int = 20) -> np.ndarray:
        """Ch. 9 spike steps of the global gradient norm (see ``spikes``)."""
        return spikes(self.grad_norm, factor=factor, window=window)


def watch(
    model,
    loss_and_grads: Callable,
    batches: Callable[[int], tuple],
    optimizer,
    *,
    steps: int,
    probe: Callable | None = None,
    probe_every: int = 10,
):
    """Ch. 9 ``steps`` updates of ``optimizer`` (SGD, Adam) on ``loss_and_grads(model, x, y)``
    with fresh ``batches(step)``, recording a Dashboard; ``probe(model)`` -> {key: array} runs
    before steps 0, probe_every, ... and after the last. Stops at a non-finite loss or norm
    (``diverged``); the package's models raise ValueError on a non-finite forward pass instead,
    so wrap ``loss_and_grads`` to return inf there to record it (as ch. 9's recurrent_clip
    does). Returns (model, Dashboard)."""
    if not callable(loss_and_grads):
        raise TypeError(f"loss_and_grads must be callable, got {type(loss_and_grads).__name__}")
    if not callable(batches):
        raise TypeError(f"batches must be callable (step -> (x, y)), got {type(batches).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(model, grads) method, got {optimizer!r}")
    if probe is not None and not callable(probe):
        raise TypeError(f"probe must be callable (model -> dict) or None, got {probe!r}")
    steps = check_size(steps, "steps")
    probe_every = check_size(probe_every, "probe_every")
    names = tuple(as_arrays(model, "model"))
    loss_, gnorm, pnorm, update, p_steps, p_vals = [], [], [], [], [], []
    diverged = False
    for s in range(steps):
        if probe is not None and s % probe_every == 0:
            p_steps.append(s)
            p_vals.append(probe(model))
        x, y = batches(s)
        loss, grads = loss_and_grads(model, x, y)
        g = norms(parameter_gradients(model, grads))
        loss_.append(float(loss))
        pnorm.append([g[k] for k in names])
        gnorm.append(float(math.sqrt(sum(v * v for v in g.values()))))
        if not (math.isfinite(loss_[-1]) and math.isfinite(gnorm[-1])):
            diverged = True
            update.append([math.nan] * len(names))
            break
        new = optimizer.step(model, grads)
        r = update_ratios(model, new)
        update.append([r[k] for k in names])
        model = new
    if probe is not None and not diverged:
        p_steps.append(len(loss_))
        p_vals.append(probe(model))
    keys = tuple(p_vals[0]) if p_vals else ()
    return model, Dashboard(
        names,
        np.array(loss_),
        np.array(gnorm),
        np.array(pnorm),
        np.array(update),
        np.array(p_steps, dtype=np.int64),
        {k: np.array([np.asarray(v[k], dtype=np.float64) for v in p_vals]) for k in keys},
        diverged,
    )


# probes for the package's models --------------------------------------------------------------

ACT_EDGES = np.linspace(-1.0, 1.0, 41)  # histogram bins of tanh-like activations
LOG_GRAD_EDGES = np.linspace(-12.0, 0.0, 49)  # bins of log10 |dL/dz|


def mlp_probe(x, y, *, tol: float = 0.1, act_edges=ACT_EDGES, grad_edges=LOG_GRAD_EDGES):
    """Ch. 9 probe for an ``mlp.MLP`` on a fixed batch (x, y): per hidden layer l = 1..L-1,
    ``saturated`` and ``dead`` fractions, ``grad_z`` = ||dL/dz^(l)||_F, ``act_hist`` (counts of
    a^(l) over act_edges) and ``grad_hist`` (counts of log10 |dL/dz^(l)| over grad_edges; exact
    zeros fall below the first edge and are not counted)."""
    x, y = check_finite(x, "x"), check_finite(y, "y")
    tol = check_real(tol, "tol", positive=True)
    act_edges, grad_edges = (np.asarray(e, dtype=np.float64) for e in (act_edges, grad_edges))

    def probe(model) -> dict[str, np.ndarray]:
        cache = mlp.forward(model, x)
        _, grad_out = mlp.mse_loss(cache.a[-1], y)
        grads = mlp.backward(model, cache, grad_out)
        out = {k: [] for k in ("saturated", "dead", "grad_z", "act_hist", "grad_hist")}
        act = model.activation
        for l in range(1, model.L):
            z = cache.z[l - 1]
            dz = model.layer_activation(l).phi_prime(z) * grads.a[l]  # dL/dz^(l), (B, n_l)
            out["saturated"].append(saturated_fraction(z, act, tol=tol))
            out["dead"].append(dead_fraction(z, act))
            out["grad_z"].append(float(np.linalg.norm(dz)))
            out["act_hist"].append(np.histogram(cache.a[l], act_edges)[0])
            with np.errstate(divide="ignore"):
                out["grad_hist"].append(np.histogram(np.log10(np.abs(dz)), grad_edges)[0])
        return {k: np.array(v, dtype=np.float64) for k, v in out.items()}

    return probe


def recurrent_probe(x, y):
    """Ch. 9 probe for a recurrent model (loss at the last step) on a fixed batch (x, y):
    ``by_lag`` = ||dL/ds_{T-k}|| for k = 0..T (batch mean), the gradient reaching k steps back."""
    x, y = check_finite(x, "x"), check_finite(y, "y")
    check_int(x.ndim, "x.ndim", minimum=3)

    def probe(model) -> dict[str, np.ndarray]:
        cache = recurrent.forward(model, x)
        r = (cache.y_hat[:, -1] - y) / x.shape[0]  # dL/dy_hat_T, (B, n_y)
        by_k = recurrent.state_gradient_norms(model, cache, r @ model.W_hy)  # (T+1,), index k
        return {"by_lag": by_k[::-1].copy()}

    return probe
