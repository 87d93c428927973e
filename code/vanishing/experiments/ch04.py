"""Chapter 4 measurements: activation curves, saturation, dying ReLUs, Pascanu's condition."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..activations import get_activation
from ..fmt import sci
from ..linalg import random_matrix, sigma_max, spectral_radius
from ..mlp import MLP, backward, forward, init_mlp, loss_and_grads, mse_loss
from ..optim import SGD
from ..rnn import forward as rnn_forward
from ..rnn import init_rnn, jacobian_products
from ..validate import (
    as_generator,
    check_activation,
    check_array,
    check_choice,
    check_index,
    check_real,
    check_size,
    quiet_overflow,
)

# validation helpers ---------------------------------------------------------------------------


def _check_values(value, name: str, *, positive: bool = False) -> np.ndarray:
    """Return value as a non-empty, finite 1-D float64 array (all > 0 if `positive`)."""
    arr = check_array(value, name, 1)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must hold positive values, got {value!r}")
    return arr


def _check_names(value, name: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return value as a non-empty tuple of activation names (each in `allowed` if given)."""
    if isinstance(value, str) or not isinstance(value, (tuple, list)) or len(value) == 0:
        raise TypeError(f"{name} must be a non-empty tuple of activation names, got {value!r}")
    for v in value:
        if allowed is None:
            check_activation(v, name)
        else:
            check_choice(v, name, allowed, kind="activation")
    return tuple(value)


def _read_only(arr: np.ndarray) -> np.ndarray:
    """arr, made immutable (module-level defaults must not be changed by a caller)."""
    arr.setflags(write=False)
    return arr


# 1. the curves --------------------------------------------------------------------------------

CURVE_NAMES: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
Z_GRID = _read_only(np.linspace(-5.0, 5.0, 1001))


@dataclass(frozen=True)
class ActivationCurves:
    """Ch. 4 phi(z) and phi'(z) on a grid, one row per activation, with gamma = sup |phi'|."""

    names: tuple[str, ...]
    z: np.ndarray  # (Z,)
    values: np.ndarray  # (N, Z) phi(z)
    derivatives: np.ndarray  # (N, Z) phi'(z)
    gammas: np.ndarray  # (N,) sup_z |phi'(z)| over all z (not just the grid)


def activation_curves(names: tuple[str, ...] = CURVE_NAMES, z=Z_GRID) -> ActivationCurves:
    """Ch. 4 values and derivatives of each activation on the grid z."""
    names = _check_names(names, "names")
    z = _check_values(z, "z")
    acts = [get_activation(name) for name in names]
    values = np.stack([a.phi(z) for a in acts])  # (N, Z)
    derivatives = np.stack([a.phi_prime(z) for a in acts])  # (N, Z)
    gammas = np.array([a.gamma for a in acts])  # (N,)
    return ActivationCurves(names, z.copy(), values, derivatives, gammas)


# 2. saturation --------------------------------------------------------------------------------

ASYMPTOTES: dict[str, tuple[float, float]] = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SCALES = _read_only(np.geomspace(0.1, 400.0, 40))


@dataclass(frozen=True)
class Saturation:
    """Ch. 4 one layer with weights U(-s, s): how saturated and how binary it is, per scale s."""

    activations: tuple[str, ...]
    scales: np.ndarray  # (S,) weight scale s
    tol: float
    saturated: np.ndarray  # (A, S) share of (example, unit) pairs with phi'(z) < tol * gamma
    binary: np.ndarray  # (A, S) share with phi(z) within tol of an asymptote
    mean_slope: np.ndarray  # (A, S) mean of phi'(z) / gamma
    z_std: np.ndarray  # (S,) standard deviation of the pre-activations z

    def half_saturated_scale(self, a: int = 0) -> float:
        """The smallest scale at which at least half the pairs of activation a are saturated."""
        a = check_index(a, "a", 0, self.saturated.shape[0] - 1)
        over = np.flatnonzero(self.saturated[a] >= 0.5)
        return float(self.scales[over[0]]) if over.size else float("nan")


def saturation(
    scales=SCALES,
    *,
    n_in: int = 100,
    n_units: int = 200,
    batch: int = 200,
    activations: tuple[str, ...] = ("sigmoid", "tanh"),
    tol: float = 1e-3,
    seed: int = 0,
) -> Saturation:
    """Ch. 4 layer z = W x, W_ij ~ U(-s, s), x ~ N(0, I): saturated and binary shares per s."""
    scales = _check_values(scales, "scales", positive=True)
    n_in, n_units, batch = (
        check_size(n_in, "n_in"),
        check_size(n_units, "n_units"),
        check_size(batch, "batch"),
    )
    activations = _check_names(activations, "activations", tuple(ASYMPTOTES))
    tol = check_real(tol, "tol", positive=True)
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, n_in))  # (B, n_in)
    U = rng.uniform(-1.0, 1.0, size=(n_units, n_in))  # (n_units, n_in); W = s U is U(-s, s)
    u = x @ U.T  # (B, n_units), so z = s u
    shape = (len(activations), len(scales))
    saturated, binary, mean_slope = np.empty(shape), np.empty(shape), np.empty(shape)
    for a, name in enumerate(activations):
        act, (lo, hi) = get_activation(name), ASYMPTOTES[name]
        for i, s in enumerate(scales):
            z = s * u  # (B, n_units)
            slope = act.phi_prime(z) / act.gamma  # phi'(z) / gamma in [0, 1]
            h = act.phi(z)
            saturated[a, i] = np.mean(slope < tol)
            binary[a, i] = np.mean(np.minimum(h - lo, hi - h) < tol)
            mean_slope[a, i] = np.mean(slope)
    return Saturation(
        activations, scales.copy(), tol, saturated, binary, mean_slope, scales * np.std(u)
    )


DEEP_SCALES = _read_only(np.array([0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 400.0]))


@dataclass(frozen=True)
class DeepSaturation:
    """Ch. 4 a deep stack of layers with weights U(-s, s): input-gradient size per scale s."""

    activations: tuple[str, ...]
    scales: np.ndarray  # (S,) weight scale s
    depth: int
    width: int
    ratio: np.ndarray  # (A, S) ||dL/da_0|| / ||dL/da_L|| for a random output gradient
    saturated: np.ndarray  # (A, S) share of (example, unit) pairs with phi'(z) < 1e-3 gamma


def deep_saturation(
    scales=DEEP_SCALES,
    *,
    depth: int = 10,
    width: int = 100,
    batch: int = 256,
    activations: tuple[str, ...] = ("sigmoid", "tanh"),
    seed: int = 0,
) -> DeepSaturation:
    """Ch. 4 depth x width net a_l = phi(W_l a_{l-1}), W ~ U(-s, s), x ~ N(0, I): gradient ratio."""
    scales = _check_values(scales, "scales", positive=True)
    depth, width, batch = (
        check_size(depth, "depth"),
        check_size(width, "width"),
        check_size(batch, "batch"),
    )
    activations = _check_names(activations, "activations", tuple(ASYMPTOTES))
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, width))  # (B, n)
    U = rng.uniform(-1.0, 1.0, size=(depth, width, width))  # W_l = s U_l is U(-s, s)
    g_out = rng.standard_normal((batch, width))  # dL/da_L
    shape = (len(activations), len(scales))
    ratio, saturated = np.empty(shape), np.empty(shape)
    for a, name in enumerate(activations):
        act = get_activation(name)
        for i, s in enumerate(scales):
            h, slopes = x, []
            for layer in range(depth):
                z = h @ (s * U[layer]).T  # (B, n)
                h = act.phi(z)
                slopes.append(act.phi_prime(z))
            g = g_out
            for layer in reversed(range(depth)):
                g = (g * slopes[layer]) @ (s * U[layer])  # dL/da_{l-1}
            ratio[a, i] = np.linalg.norm(g) / np.linalg.norm(g_out)
            saturated[a, i] = np.mean(np.stack(slopes) < 1e-3 * act.gamma)
    return DeepSaturation(activations, scales.copy(), depth, width, ratio, saturated)


def _mean_sech(q: float, power: int) -> float:
    """E[sech(z)^power] for z ~ N(0, q), on a grid that resolves both the Gaussian and sech."""
    sd = np.sqrt(q)
    half, step = min(40.0, 12.0 * sd), min(0.01, sd / 20.0)  # sech^2(40) ~ 7e-35
    z, dz = np.linspace(-half, half, 2 * int(np.ceil(half / step)) + 1, retstep=True)
    density = np.exp(-(z**2) / (2.0 * q)) / np.sqrt(2.0 * np.pi * q)
    return float(np.sum(np.cosh(z) ** -power * density) * dz)


def tanh_chi1_wide(scales, *, width: int = 100, settle: int = 200) -> np.ndarray:
    """Ch. 4 mean-field chi_1 = sigma_w^2 E[tanh'(z)^2], z ~ N(0, q*), per weight scale s, for
    tanh layers with weights U(-s, s) in the wide limit: sigma_w^2 = width s^2 / 3, q* the fixed
    point of q = sigma_w^2 E[tanh(z)^2] reached from N(0, 1) inputs (the chaotic phase only)."""
    scales = _check_values(scales, "scales", positive=True)
    width, settle = check_size(width, "width"), check_size(settle, "settle")
    sigma_w2 = width * scales**2 / 3.0
    if np.any(sigma_w2 <= 1.0):
        raise ValueError(f"scales must give sigma_w^2 = width s^2 / 3 > 1, got {scales!r}")
    chi = np.empty(len(scales))
    for i, sw2 in enumerate(sigma_w2):
        q = float(sw2)  # q_1 = sigma_w^2 E[x^2] with E[x^2] = 1
        for _ in range(settle):
            q = float(sw2) * (1.0 - _mean_sech(q, 2))  # tanh^2 = 1 - sech^2
        chi[i] = sw2 * _mean_sech(q, 4)  # tanh' = sech^2
    return chi


def tanh_unsaturated_count(scales, *, width: int = 100, tol: float = 1e-3) -> np.ndarray:
    """Ch. 4 expected number of units per tanh layer (and example) with tanh'(z) >= tol, for
    weights U(-s, s) and saturated inputs (|h| ~ 1): width P(|z| < arccosh(tol^-1/2)),
    z ~ N(0, width s^2 / 3), about 5.7 sqrt(width) / s for tol = 1e-3 and s >> 1."""
    scales = _check_values(scales, "scales", positive=True)
    width = check_size(width, "width")
    tol = check_real(tol, "tol", positive=True)
    if tol >= 1.0:
        raise ValueError(f"tol must be below 1, got {tol}")
    c = float(np.arccosh(tol**-0.5))  # tanh'(c) = sech^2(c) = tol
    sd = scales * np.sqrt(width / 3.0)
    return width * np.array([math.erf(c / (v * math.sqrt(2.0))) for v in sd])


def deep_numbers(deep: DeepSaturation) -> dict[str, object]:
    """Ch. 4 the numbers the deep-saturation paragraphs quote, by glue name (ratios at the
    scales 0.1, 1, 3, 30, 100, 400; the wide-limit rate sqrt(chi_1) at s = 3 and 30 against the
    measured one; the unsaturated units per layer at s = 100)."""
    if not isinstance(deep, DeepSaturation):
        raise TypeError(f"deep must be a DeepSaturation result, got {type(deep).__name__}")
    sg, th = deep.activations.index("sigmoid"), deep.activations.index("tanh")
    col = {s: int(np.argmin(np.abs(deep.scales - s))) for s in (0.1, 1, 3, 30, 100, 400)}
    out: dict[str, object] = {"ch04_deep_depth": deep.depth, "ch04_deep_width": deep.width}
    for s in (0.1, 1, 3, 30, 400):
        key = f"{s:g}".replace(".", "")
        out[f"ch04_deep_sig_{key}"] = sci(deep.ratio[sg, col[s]])
        out[f"ch04_deep_tanh_{key}"] = sci(deep.ratio[th, col[s]])
    out["ch04_deep_sat30"] = f"{deep.saturated[:, col[30]].min():.0%}"
    rate = np.sqrt(tanh_chi1_wide((3.0, 30.0), width=deep.width))  # per layer, wide limit
    out["ch04_chi_rate3"], out["ch04_chi_rate30"] = f"{rate[0]:.1f}", f"{rate[1]:.1f}"
    out["ch04_chi_pred3"], out["ch04_chi_pred30"] = (sci(r**deep.depth) for r in rate)
    out["ch04_rate30"] = f"{deep.ratio[th, col[30]] ** (1 / deep.depth):.1f}"
    out["ch04_unsat100"] = f"{deep.width * (1 - deep.saturated[th, col[100]]):.2f}"
    out["ch04_unsat100_pred"] = f"{tanh_unsaturated_count((100.0,), width=deep.width)[0]:.2f}"
    out["ch04_unsat_c"] = f"{np.arccosh(1e-3**-0.5):.1f}"  # tanh'(c) = 1e-3
    s_big = 1e6  # the coefficient of sqrt(n) / s in the large-s limit
    coef = tanh_unsaturated_count((s_big,), width=100)[0] * s_big / 10.0
    out["ch04_unsat_coef"] = f"{coef:.1f}"
    return out


# 3. dying ReLUs -------------------------------------------------------------------------------

PIECEWISE_LINEAR: tuple[str, ...] = ("relu", "leaky_relu")


@dataclass(frozen=True)
class DyingReLU:
    """Ch. 4 shares of hidden units stuck at z <= 0 on a whole held-out batch, and of units
    that get exactly zero gradient there, after one SGD step of size lr or a bias shift.

    For ReLU a stuck unit outputs 0 on every example, so it is dead: its gradient is 0. For leaky
    ReLU a stuck unit sits on the slope 0.01 on every example but still passes gradient.
    Per-layer arrays have a last axis over the hidden layers l = 1..depth (all of one width).
    """

    activations: tuple[str, ...]
    lrs: np.ndarray  # (R,)
    bias_shifts: np.ndarray  # (S,)
    stuck_lr: np.ndarray  # (A, R, depth) share of layer l's units with z <= 0 on every example
    zero_grad_lr: np.ndarray  # (A, R, depth) share whose dL/dz is exactly 0 on every example
    loss_lr: np.ndarray  # (A, R) held-out loss after the step
    loss_init: np.ndarray  # (A,) held-out loss at initialisation
    stuck_shift: np.ndarray  # (A, S, depth) the same at initialisation with biases shifted
    zero_grad_shift: np.ndarray  # (A, S, depth)

    @property
    def dead_vs_lr(self) -> np.ndarray:
        """(A, R) share of all hidden units stuck after the step (dead, for ReLU)."""
        return self.stuck_lr.mean(axis=-1)

    @property
    def dead_vs_shift(self) -> np.ndarray:
        """(A, S) share of all hidden units stuck at initialisation after the bias shift."""
        return self.stuck_shift.mean(axis=-1)


def _regression_task(
    n: int, d_in: int, scale: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I) and y = scale * tanh(x U) v, a random two-layer teacher; (n, d_in), (n, 1)."""
    x = rng.standard_normal((n, d_in))  # (n, d_in)
    U = rng.standard_normal((d_in, 16)) / np.sqrt(d_in)  # (d_in, 16)
    v = rng.standard_normal((16, 1)) / 4.0  # (16, 1)
    return x, scale * np.tanh(x @ U) @ v  # (n, d_in), (n, 1)


def _stuck_and_zero_grad(
    model: MLP, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Per hidden layer: share of units with z <= 0 on all of x, share with dL/dz = 0 on all."""
    cache = forward(model, x)
    loss, grad_out = mse_loss(cache.a[-1], y)
    grads = backward(model, cache, grad_out)
    phi_prime = model.layer_activation(1).phi_prime
    stuck, zero_grad = [], []
    for l in range(1, model.L):  # hidden layers only
        z = cache.z[l - 1]  # (B, n_l)
        delta = phi_prime(z) * grads.a[l]  # dL/dz^(l), (B, n_l)
        stuck.append(np.mean(np.all(z <= 0, axis=0)))
        zero_grad.append(np.mean(np.all(delta == 0, axis=0)))
    return np.array(stuck), np.array(zero_grad), loss


@quiet_overflow
def dying_relu(
    *,
    depth: int = 5,
    width: int = 100,
    batch: int = 512,
    lrs=(0.01, 0.1, 1.0, 3.0),
    bias_shifts=(0.0, -0.5, -1.0, -2.0),
    activations: tuple[str, ...] = PIECEWISE_LINEAR,
    d_in: int = 10,
    target_scale: float = 5.0,
    seed: int = 0,
) -> DyingReLU:
    """Ch. 4 dead units after ONE full-batch SGD step (He init, MSE on a random teacher with
    targets of size ~target_scale), and at initialisation after shifting every hidden bias.

    One step suffices: with target_scale = 5 and lr >= 1 it kills a quarter or more of the
    units; such a step overshoots, so the held-out loss (loss_lr) blows up as well.
    """
    depth, width = check_size(depth, "depth"), check_size(width, "width")
    batch, d_in = check_size(batch, "batch"), check_size(d_in, "d_in")
    lrs = _check_values(lrs, "lrs", positive=True)
    bias_shifts = _check_values(bias_shifts, "bias_shifts")
    activations = _check_names(activations, "activations", PIECEWISE_LINEAR)
    target_scale = check_real(target_scale, "target_scale", positive=True)
    rng = as_generator(seed, name="seed")
    x, y = _regression_task(2 * batch, d_in, target_scale, rng)
    x_train, y_train, x_test, y_test = x[:batch], y[:batch], x[batch:], y[batch:]
    sizes = (d_in, *([width] * depth), 1)
    A, R, S = len(activations), len(lrs), len(bias_shifts)
    stuck_lr, zero_grad_lr = np.empty((A, R, depth)), np.empty((A, R, depth))
    stuck_shift, zero_grad_shift = np.empty((A, S, depth)), np.empty((A, S, depth))
    loss_lr, loss_init = np.empty((A, R)), np.empty(A)
    for a, name in enumerate(activations):
        model0 = init_mlp(
            sizes, activation=name, scheme="he", rng=seed + 1
        )  # same weights for each a
        loss_init[a] = mse_loss(forward(model0, x_test).a[-1], y_test)[0]
        _, grads = loss_and_grads(model0, x_train, y_train)
        for r, lr in enumerate(lrs):
            model = SGD(float(lr)).step(model0, grads)
            stuck_lr[a, r], zero_grad_lr[a, r], loss_lr[a, r] = _stuck_and_zero_grad(
                model, x_test, y_test
            )
        for s, shift in enumerate(bias_shifts):
            biases = [b + shift for b in model0.biases[:-1]] + [model0.biases[-1]]
            model = MLP(model0.weights, biases, name)
            stuck_shift[a, s], zero_grad_shift[a, s], _ = _stuck_and_zero_grad(
                model, x_test, y_test
            )
    return DyingReLU(
        activations,
        lrs.copy(),
        bias_shifts.copy(),
        stuck_lr,
        zero_grad_lr,
        loss_lr,
        loss_init,
        stuck_shift,
        zero_grad_shift,
    )


# 4. Pascanu's condition -----------------------------------------------------------------------

# name -> (kind of W_hh, std of the input)
CONDITIONS: dict[str, tuple[str, float]] = {
    "Gaussian W, zero input": ("gaussian", 0.0),
    "Gaussian W, N(0,1) input": ("gaussian", 1.0),
    "orthogonal W, zero input": ("orthogonal", 0.0),
    "orthogonal W, N(0,1) input": ("orthogonal", 1.0),
}


@dataclass(frozen=True)
class PascanuCheck:
    """Ch. 4 ||dh_T/dh_0||_2 against the bound (gamma sigma_max)^T, for random W_hh and inputs."""

    activation: str
    gamma: float
    T: int
    conditions: tuple[str, ...]  # (C,) names from CONDITIONS
    gamma_sigma: np.ndarray  # (M,) gamma * sigma_max(W_hh), measured
    gamma_rho: np.ndarray  # (C, M) gamma * rho(W_hh) of the matrix each condition used
    norms: np.ndarray  # (C, M) ||dh_T/dh_0||_2, inf if the product overflowed
    bound: np.ndarray  # (M,) (gamma sigma_max)^T
    vanish_tol: float
    input_std: float = 1.0  # the driven conditions' input is input_std x N(0, 1)

    @property
    def vanished(self) -> np.ndarray:
        """(C, M) True where ||dh_T/dh_0|| < vanish_tol."""
        return self.norms < self.vanish_tol

    @property
    def exploded(self) -> np.ndarray:
        """(C, M) True where ||dh_T/dh_0|| > 1."""
        return self.norms > 1.0

    def first_above_one(self, condition: str) -> float:
        """The smallest gamma sigma_max on the grid at which `condition`'s product exceeds 1 and
        stays above 1 for every larger value (nan if it never does)."""
        check_choice(condition, "condition", self.conditions, kind="condition")
        c = self.conditions.index(condition)
        below = np.flatnonzero(~self.exploded[c])
        start = 0 if below.size == 0 else below[-1] + 1
        return float(self.gamma_sigma[start]) if start < self.gamma_sigma.size else float("nan")

    def gamma_rho_at_first(self, condition: str) -> float:
        """gamma rho(W_hh) of the matrix at first_above_one(condition) (nan if none)."""
        first = self.first_above_one(condition)
        if np.isnan(first):
            return float("nan")
        at = np.flatnonzero(self.gamma_sigma >= first - 1e-9)[0]
        return float(self.gamma_rho[self.conditions.index(condition), at])


def _norm2(M: np.ndarray) -> float:
    """Spectral norm, inf for a matrix that overflowed."""
    return float(np.linalg.norm(M, 2)) if np.all(np.isfinite(M)) else float("inf")


@quiet_overflow
def pascanu_check(
    activation: str = "tanh",
    *,
    n: int = 32,
    T: int = 60,
    n_matrices: int = 56,
    gs_range: tuple[float, float] = (0.5, 6.0),
    conditions: tuple[str, ...] = tuple(CONDITIONS),
    vanish_tol: float = 1e-3,
    seed: int = 0,
    input_std: float = 1.0,
) -> PascanuCheck:
    """Ch. 4 gamma sigma_max < 1 is sufficient for vanishing, gamma sigma_max > 1 only necessary
    for exploding: ||dh_T/dh_0|| of RNNs whose W_hh has gamma sigma_max on a grid over gs_range.

    For each grid value one random W_hh of each kind is drawn, rescaled to that sigma_max;
    W_xh ~ N(0, 1), one input channel, h_0 = 0, biases 0, and the input is 0 or N(0, 1). For tanh
    with zero input the state never leaves the fixed point h = 0, so the product is exactly the
    T-th power of W_hh. `input_std` scales the input of the driven conditions (those named
    "N(0,1) input"): input_std = 0.1 drives them with 0.1 x N(0, 1), a weaker drive.
    """
    act = check_activation(activation, "activation")
    n, T, M = check_size(n, "n"), check_size(T, "T"), check_size(n_matrices, "n_matrices")
    if not isinstance(gs_range, (tuple, list)) or len(gs_range) != 2:
        raise TypeError(f"gs_range must be a pair (low, high), got {gs_range!r}")
    lo = check_real(gs_range[0], "gs_range", positive=True)
    hi = check_real(gs_range[1], "gs_range", positive=True)
    if hi < lo:
        raise ValueError(f"gs_range must have low <= high, got {gs_range!r}")
    if isinstance(conditions, str) or not isinstance(conditions, (tuple, list)) or not conditions:
        raise TypeError(f"conditions must be a non-empty tuple of names, got {conditions!r}")
    for c in conditions:
        check_choice(c, "conditions", tuple(CONDITIONS), kind="condition")
    vanish_tol = check_real(vanish_tol, "vanish_tol", positive=True)
    input_std = check_real(input_std, "input_std", positive=True)
    rng = as_generator(seed, name="seed")
    x_base = rng.standard_normal((1, T, 1))  # (B=1, T, n_x=1)
    targets = np.linspace(lo, hi, M)  # gamma sigma_max, (M,)
    kinds = sorted({CONDITIONS[c][0] for c in conditions})
    gamma_sigma, bound = np.empty(M), np.empty(M)
    gamma_rho, norms = np.empty((len(conditions), M)), np.empty((len(conditions), M))
    for m, target in enumerate(targets):
        W = {k: random_matrix(n, sigma=target / act.gamma, kind=k, rng=rng) for k in kinds}
        gamma_sigma[m] = act.gamma * sigma_max(W[kinds[0]])  # equal for every kind
        with np.errstate(over="ignore"):
            bound[m] = gamma_sigma[m] ** T
        for c, name in enumerate(conditions):
            kind, x_std = CONDITIONS[name]
            model = init_rnn(
                1, n, 1, activation=act.name, W_hh=W[kind], scheme="normal", rng=seed + 1
            )
            x = (x_std * input_std) * x_base  # (1, T, 1); 0 for the zero-input conditions
            P = jacobian_products(model, rnn_forward(model, x))[0, 0]  # (n, n)
            with np.errstate(over="ignore", invalid="ignore"):
                norms[c, m] = _norm2(P)
            gamma_rho[c, m] = act.gamma * spectral_radius(W[kind])
    return PascanuCheck(
        act.name,
        act.gamma,
        T,
        tuple(conditions),
        gamma_sigma,
        gamma_rho,
        norms,
        bound,
        vanish_tol,
        input_std,
    )


# 5. the sigmoid caveat ------------------------------------------------------------------------


@dataclass(frozen=True)
class SigmoidCaveat:
    """Ch. 4 scalar sigmoid RNN h_t = sigma(w h_{t-1} - w/2), fixed point h* = 1/2 with z* = 0.

    There dh_t/dh_{t-1} = w sigma'(0) = w/4, so perturbations grow when |w| > 4.
    """

    ws: np.ndarray  # (W,)
    t: np.ndarray  # (T+1,) steps 0..T
    delta: float  # start of the perturbed run: h_0 = 1/2 + delta
    at_fixed_point: np.ndarray  # (W, T+1) |dh_t/dh_0| from h_0 = 1/2
    perturbed: np.ndarray  # (W, T+1) |dh_t/dh_0| from h_0 = 1/2 + delta
    h_perturbed: np.ndarray  # (W, T+1) the perturbed trajectory h_t


def _scalar_run(w: float, h0: float, T: int) -> tuple[np.ndarray, np.ndarray]:
    """h_t and |dh_t/dh_0| = prod_s |w sigma'(z_s)| for t = 0..T; both (T+1,)."""
    sigmoid = get_activation("sigmoid")
    h, d = np.empty(T + 1), np.empty(T + 1)
    h[0], d[0] = h0, 1.0
    for t in range(1, T + 1):
        z = np.array(w * h[t - 1] - w / 2.0)  # z_t, with b = -w/2
        h[t] = sigmoid.phi(z)
        d[t] = d[t - 1] * abs(w * float(sigmoid.phi_prime(z)))  # chain rule, one factor a step
    return h, d


@quiet_overflow
def sigmoid_caveat(ws=(2.0, 4.0, 6.0), *, T: int = 30, delta: float = 1e-3) -> SigmoidCaveat:
    """Ch. 4 |dh_t/dh_0| of the scalar sigmoid RNN at its fixed point 1/2 and from 1/2 + delta."""
    ws = _check_values(ws, "ws")
    T = check_size(T, "T")
    delta = check_real(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be non-zero (the start off the fixed point), got 0")
    fixed = np.stack([_scalar_run(float(w), 0.5, T)[1] for w in ws])  # (W, T+1)
    runs = [_scalar_run(float(w), 0.5 + delta, T) for w in ws]
    h_pert = np.stack([h for h, _ in runs])  # (W, T+1)
    pert = np.stack([d for _, d in runs])  # (W, T+1)
    return SigmoidCaveat(ws.copy(), np.arange(T + 1), delta, fixed, pert, h_pert)


def dying_numbers(dying: DyingReLU) -> dict[str, str]:
    """Ch. 4 the numbers the dying-ReLU paragraphs quote, by glue name (ReLU rows, the leaky
    ReLU's largest zero-gradient share, the grids)."""
    if not isinstance(dying, DyingReLU):
        raise TypeError(f"dying must be a DyingReLU result, got {type(dying).__name__}")
    relu, leaky = dying.activations.index("relu"), dying.activations.index("leaky_relu")
    out = {}
    for r, _ in enumerate(dying.lrs):
        out[f"ch04_dead_lr{r}"] = f"{dying.dead_vs_lr[relu, r]:.0%}"
        out[f"ch04_lossafter_lr{r}"] = sci(dying.loss_lr[relu, r])
    for j, _ in enumerate(dying.bias_shifts):
        out[f"ch04_dead_shift{j}"] = f"{dying.dead_vs_shift[relu, j]:.0%}"
        out[f"ch04_zerograd_shift{j}"] = f"{dying.zero_grad_shift[relu, j].mean():.0%}"
    out["ch04_loss_init"] = sci(dying.loss_init[relu])
    if dying.bias_shifts[0] == 0:  # shift 0 is the network before any step
        out["ch04_dead_init"] = f"{dying.dead_vs_shift[relu, 0]:.1%}"
    out["ch04_leaky_zero"] = f"{dying.zero_grad_shift[leaky].max():.0%}"
    out["ch04_lrs"] = ", ".join(f"{v:g}" for v in dying.lrs)
    out["ch04_shifts"] = ", ".join(f"{v:g}" for v in dying.bias_shifts)
    return out


def pascanu_numbers(check: PascanuCheck) -> dict[str, object]:
    """Ch. 4 the numbers the theorem's numerical check quotes, by glue name."""
    if not isinstance(check, PascanuCheck):
        raise TypeError(f"check must be a PascanuCheck result, got {type(check).__name__}")
    near = (check.gamma_sigma > 1) & (check.gamma_sigma <= 1.5)
    driven = [check.conditions.index(f"{k} W, N(0,1) input") for k in ("Gaussian", "orthogonal")]
    gauss0 = check.conditions.index("Gaussian W, zero input")
    first_rho = [check.gamma_rho_at_first(check.conditions[c]) for c in driven]
    out = {
        "ch04_n_cases": int(check.norms.size),
        "ch04_max_driven_near": sci(check.norms[driven][:, near].max()),
        "ch04_gauss_rho_max": f"{check.gamma_rho[gauss0, near].max():.2f}",
        "ch04_gauss0_first": f"{check.first_above_one('Gaussian W, zero input'):.1f}",
    }
    for key, name in (("g", "Gaussian"), ("o", "orthogonal")):
        out[f"ch04_first_{key}"] = f"{check.first_above_one(f'{name} W, N(0,1) input'):.1f}"
    out |= {
        "ch04_gs_last": f"{check.gamma_sigma[-1]:g}",
        "ch04_gauss_driven_last": sci(check.norms[driven[0], -1]),
        "ch04_orth_driven_last": sci(check.norms[driven[1], -1]),
        "ch04_first_rho": f"{min(first_rho):.1f} to {max(first_rho):.1f}",
    }
    return out
