"""Chapter 5 measurements: the cliff and clipping, initialisation schemes, IRNN, residual blocks.

Every feed-forward experiment feeds x ~ N(0, 1) inputs (B, n) and regresses a random linear
target y = V x with V ~ N(0, 1/n) (B, n_out = 10) under the mean squared error of ch. 1: no
softmax, so nothing but the network itself shapes the backward signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import mlp, resblock, residual, rnn
from ..activations import get_activation
from ..clip import clip_by_global_norm
from ..fmt import sci
from ..gradcheck import relative_error
from ..init import INIT_SCHEMES, init_weight
from ..validate import (
    as_generator,
    as_real_array,
    check_choice,
    check_finite,
    check_index,
    check_int,
    check_ints,
    check_nonnegative,
    check_real,
    check_reals,
    check_size,
    quiet_overflow,
)

N_OUT = 10  # read-out width of every feed-forward experiment

# validation helpers ---------------------------------------------------------------------------


def _check_pair(value, name: str, *, increasing: bool = False) -> tuple[float, float]:
    """Return value as two finite floats (lo < hi if `increasing`); errors name `name`."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a pair of real numbers, got {value!r}")
    lo, hi = (check_real(v, name) for v in value)
    if increasing and not lo < hi:
        raise ValueError(f"{name} must be increasing (lo < hi), got {value!r}")
    return lo, hi


def _check_schemes(schemes, name: str = "schemes") -> tuple[str, ...]:
    """Return a non-empty tuple of known init scheme names; errors name `name`."""
    if isinstance(schemes, str) or not isinstance(schemes, (list, tuple)) or not schemes:
        raise TypeError(f"{name} must be a non-empty tuple of scheme names, got {schemes!r}")
    return tuple(check_choice(s, name, INIT_SCHEMES, kind="scheme") for s in schemes)


def _regression_data(rng: np.random.Generator, batch: int, n: int) -> tuple[np.ndarray, ...]:
    """x ~ N(0, 1) (B, n) and a random linear target y = V x, V ~ N(0, 1/n): (B, N_OUT)."""
    x = rng.standard_normal((batch, n))  # (B, n)
    V = rng.standard_normal((N_OUT, n)) / np.sqrt(n)  # (N_OUT, n)
    return x, x @ V.T  # (B, n), (B, N_OUT)


def _fit_factor(values: np.ndarray) -> float:
    """Per-step factor f of a least-squares fit log v_l = c + l log f over l = 0, 1, ..."""
    slope = np.polyfit(np.arange(len(values)), np.log(values), 1)[0]
    return float(np.exp(slope))


# a. the cliff -----------------------------------------------------------------------------------


def _one_unit_forward(w, b, T: int, x0: float) -> tuple[np.ndarray, np.ndarray]:
    """States x_0..x_T (T+1, ...) and sigmoid(x_0..x_{T-1}) (T, ...); w, b of one shape."""
    xs = np.empty((T + 1,) + w.shape)  # (T+1, ...)
    ss = np.empty((T,) + w.shape)  # (T, ...)
    xs[0] = x0
    for t in range(1, T + 1):
        # sigmoid(x) = (1 + tanh(x/2)) / 2: one ufunc, no overflow (absolute error ~1e-16; this
        # loop runs T times per gradient step, where activations.sigmoid's checks would dominate)
        ss[t - 1] = 0.5 + 0.5 * np.tanh(0.5 * xs[t - 1])
        xs[t] = w * ss[t - 1] + b
    return xs, ss


def _one_unit_args(w, b, T, x0) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Checked (w, b) broadcast to one float64 shape, T and x0; errors name the argument."""
    T = check_size(T, "T")
    x0 = check_real(x0, "x0")
    w = check_finite(as_real_array(w, "w"), "w")
    b = check_finite(as_real_array(b, "b"), "b")
    try:
        w, b = np.broadcast_arrays(w, b)
    except ValueError:
        raise ValueError(f"b must broadcast against w {w.shape}, got shape {b.shape}") from None
    return w, b, T, x0


@quiet_overflow
def one_unit_rnn(w, b, *, T: int = 50, x0: float = 0.5) -> np.ndarray:
    """Pascanu et al. (2013)'s one-unit RNN x_t = w sigmoid(x_{t-1}) + b, elementwise in (w, b).

    w, b: broadcastable arrays of parameters; returns x_0..x_T, shape (T+1, *broadcast shape).
    """
    return _one_unit_forward(*_one_unit_args(w, b, T, x0))[0]


@quiet_overflow
def one_unit_loss_and_grad(w, b, *, T: int = 50, x0: float = 0.5, target: float = -2.0):
    """Loss (x_T - target)^2 and its gradient (dL/dw, dL/db) by hand-written BPTT, elementwise.

    Backwards: g_T = 2 (x_T - target), g_{t-1} = g_t w sigmoid'(x_{t-1}); dL/dw = sum_t g_t
    sigmoid(x_{t-1}), dL/db = sum_t g_t. Returns three arrays of the broadcast shape of (w, b).
    """
    w, b, T, x0 = _one_unit_args(w, b, T, x0)
    target = check_real(target, "target")
    xs, ss = _one_unit_forward(w, b, T, x0)  # (T+1, ...), (T, ...)
    e = xs[-1] - target
    g = 2.0 * e  # dL/dx_T
    dw, db = np.zeros_like(g), np.zeros_like(g)
    with np.errstate(over="ignore", invalid="ignore"):  # a far jump can overflow g: inf, no spam
        for t in range(T, 0, -1):
            s = ss[t - 1]  # sigmoid(x_{t-1})
            dw += g * s  # direct dependence of x_t on w
            db += g  # and on b
            g = g * w * s * (1.0 - s)  # dL/dx_{t-1} = dL/dx_t * dx_t/dx_{t-1}
    return e * e, dw, db


@dataclass(frozen=True)
class GDPath:
    """A gradient-descent run on the one-unit RNN: parameters, loss, ||grad|| before each step."""

    params: np.ndarray  # (steps+1, 2) (w, b) at each step, the start first
    loss: np.ndarray  # (steps+1,)
    grad_norm: np.ndarray  # (steps+1,) ||(dL/dw, dL/db)|| before clipping
    clipped: np.ndarray  # (steps,) True where the step was clipped (always False if plain)

    @property
    def step_length(self) -> np.ndarray:
        """(steps,) distance travelled in (w, b) by each step."""
        return np.linalg.norm(np.diff(self.params, axis=0), axis=1)


@dataclass(frozen=True)
class Cliff:
    """The loss surface of the one-unit RNN over a (w, b) grid, and plain vs clipped GD paths."""

    w: np.ndarray  # (G,)
    b: np.ndarray  # (G,)
    loss: np.ndarray  # (G, G), loss[i, j] at (w[j], b[i])
    T: int
    x0: float
    target: float
    start: tuple[float, float]
    lr: float
    threshold: float
    plain: GDPath
    clipped: GDPath
    bounded_loss_after: float  # Pascanu et al.'s (sigmoid(x_T) - 0.7)^2 where the plain jump lands
    bounded_grad_after: float  # ||gradient|| of that bounded loss there (central differences)

    @property
    def jump(self) -> int:
        """Index of the plain run's longest step (the jump off the cliff)."""
        return int(np.argmax(self.plain.step_length))


def _bounded_loss(w: float, b: float, T: int, x0: float) -> float:
    """Pascanu et al. (2013)'s loss (sigmoid(x_T) - 0.7)^2 of the one-unit RNN."""
    x_T = float(one_unit_rnn(np.array(w), np.array(b), T=T, x0=x0)[-1])
    return (0.5 + 0.5 * math.tanh(0.5 * x_T) - 0.7) ** 2


def _descend(start, *, T, x0, target, lr, steps, threshold) -> tuple[GDPath, GDPath]:
    """Plain and clipped gradient descent from `start`, run side by side (one row each)."""
    P = np.empty((steps + 1, 2, 2))  # (step, path, (w, b)); path 0 plain, 1 clipped
    loss, norm = np.empty((steps + 1, 2)), np.empty((steps + 1, 2))
    clipped = np.zeros((steps, 2), dtype=bool)
    P[0] = start
    for k in range(steps + 1):
        L, dw, db = one_unit_loss_and_grad(P[k, :, 0], P[k, :, 1], T=T, x0=x0, target=target)
        G = np.stack([dw, db], axis=1)  # (path, 2)
        loss[k], norm[k] = L, np.hypot(dw, db)
        if k == steps:
            break
        result = clip_by_global_norm([G[1]], threshold)  # Pascanu et al.'s Algorithm 1
        G[1], clipped[k, 1] = result.grads[0], result.clipped
        P[k + 1] = P[k] - lr * G
    return tuple(GDPath(P[:, i], loss[:, i], norm[:, i], clipped[:, i]) for i in range(2))


@quiet_overflow
def cliff(
    w_range: tuple[float, float] = (2.0, 8.0),
    b_range: tuple[float, float] = (-5.0, -1.0),
    grid: int = 121,
    T: int = 50,
    target: float = -2.0,
    start: tuple[float, float] = (6.0, -4.0),
    lr: float = 0.01,
    steps: int = 300,
    threshold: float = 5.0,
    x0: float = 0.5,
) -> Cliff:
    """Pascanu et al. (2013)'s cliff: loss surface of x_t = w sigmoid(x_{t-1}) + b and two GD
    paths from one start, plain and clipped to norm `threshold` (Algorithm 1)."""
    w_range = _check_pair(w_range, "w_range", increasing=True)
    b_range = _check_pair(b_range, "b_range", increasing=True)
    grid = check_int(grid, "grid", minimum=2)
    start = _check_pair(start, "start")
    lr = check_real(lr, "lr", positive=True)
    threshold = check_real(threshold, "threshold", positive=True)
    steps = check_size(steps, "steps")
    w = np.linspace(*w_range, grid)  # (G,)
    b = np.linspace(*b_range, grid)  # (G,)
    target = check_real(target, "target")
    x_T = one_unit_rnn(w[None, :], b[:, None], T=T, x0=x0)[-1]  # (G, G)
    loss = (x_T - target) ** 2  # (G, G)
    plain, clipped = _descend(
        start, T=T, x0=x0, target=target, lr=lr, steps=steps, threshold=threshold
    )
    w_j, b_j = plain.params[int(np.argmax(plain.step_length)) + 1]  # where the jump lands
    eps = 1e-6
    grad = [
        (_bounded_loss(w_j + dw, b_j + db, T, x0) - _bounded_loss(w_j - dw, b_j - db, T, x0))
        / (2 * eps)
        for dw, db in ((eps, 0.0), (0.0, eps))
    ]
    return Cliff(
        w,
        b,
        loss,
        T,
        x0,
        target,
        start,
        lr,
        threshold,
        plain,
        clipped,
        _bounded_loss(w_j, b_j, T, x0),
        float(np.hypot(*grad)),
    )


CLIFF_STARTS: tuple[tuple[float, float], ...] = (
    (6.0, -4.0),
    (5.5, -4.0),
    (6.5, -4.0),
    (6.0, -3.5),
    (6.0, -4.5),
    (5.0, -3.0),
    (7.0, -5.0),
)


@dataclass(frozen=True)
class CliffSweep:
    """Plain and clipped gradient descent on the one-unit RNN from several starts and learning
    rates; one row per (lr, start) pair, lr varying slowest."""

    lrs: np.ndarray  # (R,)
    starts: np.ndarray  # (S, 2)
    threshold: float
    start_loss: np.ndarray  # (R*S,)
    plain_end: np.ndarray  # (R*S,) loss after `steps` plain steps
    clipped_end: np.ndarray  # (R*S,)
    plain_max_step: np.ndarray  # (R*S,) longest plain step in (w, b)
    clipped_max_step: np.ndarray  # (R*S,)
    plain_tail: np.ndarray  # (R*S,) median loss over the last `tail` steps
    clipped_tail: np.ndarray  # (R*S,)
    plain_min: np.ndarray  # (R*S,) lowest loss along the run
    clipped_min: np.ndarray  # (R*S,)
    plain_loss: np.ndarray  # (steps+1, R*S) the loss before each step, the start first
    clipped_loss: np.ndarray  # (steps+1, R*S)
    tail: int  # the tails above are medians over the last `tail` losses

    def above_start(self, step: int) -> tuple[int, int]:
        """(plain, clipped) number of runs whose median loss over the `tail` losses ending at
        `step` is above their starting loss: what a sweep of `step` steps would report."""
        step = check_index(step, "step", self.tail - 1, self.plain_loss.shape[0] - 1)
        window = slice(step - self.tail + 1, step + 1)
        return tuple(
            int(np.sum(np.median(loss[window], axis=0) > self.start_loss))
            for loss in (self.plain_loss, self.clipped_loss)
        )

    def calm_at_least_as_low(self, length: float = 1.0, tol: float = 1e-3) -> np.ndarray:
        """For each run whose plain steps are all at most `length` long: does the plain run end
        (median of the tail) at least as low as its clipped twin, up to tol x the start loss?"""
        length = check_nonnegative(length, "length")
        tol = check_nonnegative(tol, "tol")
        calm = self.plain_max_step <= length
        with np.errstate(over="ignore"):  # a huge tol: an infinite slack, every run is calm
            slack = tol * self.start_loss[calm]
        return self.plain_tail[calm] <= self.clipped_tail[calm] + slack

    def thrown_off(self, length: float = 10.0) -> tuple[int, int]:
        """(plain, clipped) number of runs with a step longer than `length`."""
        length = check_nonnegative(length, "length")
        return int(np.sum(self.plain_max_step > length)), int(
            np.sum(self.clipped_max_step > length)
        )


def random_cliff_starts(n: int = 40, *, w=(4.0, 8.0), b=(-5.0, -2.0), seed: int = 0) -> np.ndarray:
    """Ch. 5 n starts (w, b) drawn uniformly from the box w x b, for cliff_sweep."""
    n = check_size(n, "n")
    w, b = _check_pair(w, "w", increasing=True), _check_pair(b, "b", increasing=True)
    rng = as_generator(seed, name="seed")
    return np.stack([rng.uniform(*w, size=n), rng.uniform(*b, size=n)], axis=1)


@quiet_overflow
def cliff_sweep(
    lrs=(0.005, 0.01, 0.02),
    starts=CLIFF_STARTS,
    *,
    T: int = 50,
    target: float = -2.0,
    steps: int = 300,
    threshold: float = 5.0,
    x0: float = 0.5,
    tail: int = 20,
) -> CliffSweep:
    """Ch. 5 the cliff experiment from every (lr, start): plain and norm-clipped descent, all
    runs side by side (one_unit_loss_and_grad is elementwise); clipping as in Algorithm 1."""
    lrs = np.array(check_reals(lrs, "lrs", positive=True))
    if isinstance(starts, str | bytes) or not hasattr(starts, "__iter__"):
        raise TypeError(f"starts must be a sequence of pairs (w, b), got {starts!r}")
    starts = np.array([_check_pair(v, "starts") for v in starts])  # (S, 2)
    if lrs.size == 0 or starts.size == 0:
        raise ValueError("lrs and starts must not be empty")
    steps = check_size(steps, "steps")
    threshold = check_real(threshold, "threshold", positive=True)
    tail = check_size(tail, "tail")
    if tail > steps + 1:
        raise ValueError(f"tail must be at most steps + 1 = {steps + 1}, got {tail}")
    lr = np.repeat(lrs, len(starts))  # (N,)
    P = np.tile(starts, (len(lrs), 1))  # (N, 2)
    P = np.stack([P, P])  # (2, N, 2): plain, clipped
    start_loss = None
    max_step = np.zeros((2, len(lr)))
    losses = np.empty((steps + 1, 2, len(lr)))
    for k in range(steps + 1):
        L, dw, db = one_unit_loss_and_grad(P[..., 0], P[..., 1], T=T, x0=x0, target=target)
        losses[k] = L
        if k == 0:
            start_loss = L[0].copy()
        if k == steps:
            break
        G = np.stack([dw, db], axis=-1)  # (2, N, 2)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            norm = np.hypot(dw[1], db[1])  # (N,)
            scale = np.where(norm >= threshold, threshold / norm, 1.0)
            G[1] *= scale[:, None]
            step = lr[None, :, None] * G
        step = np.where(np.isfinite(step), step, 0.0)  # an overflowed run stops moving
        max_step = np.maximum(max_step, np.linalg.norm(step, axis=-1))
        P = P - step
    tail_loss = np.median(losses[-tail:], axis=0)  # (2, N)
    low = np.nanmin(np.where(np.isfinite(losses), losses, np.inf), axis=0)  # (2, N)
    return CliffSweep(
        lrs,
        starts,
        threshold,
        start_loss,
        L[0],
        L[1],
        max_step[0],
        max_step[1],
        tail_loss[0],
        tail_loss[1],
        low[0],
        low[1],
        losses[:, 0].copy(),
        losses[:, 1].copy(),
        tail,
    )


# b. clipping rescales every lag alike -----------------------------------------------------------


@dataclass(frozen=True)
class ClippingRescalesOnly:
    """Per-lag terms of dL/dW_hh of a tanh RNN before and after global-norm clipping."""

    lags: np.ndarray  # (T,) lag = T - k
    norms_before: np.ndarray  # (T,) ||term at lag||_F
    norms_after: np.ndarray  # (T,) the same terms of the clipped gradient
    grad_norm: float  # global norm of the full gradient (all parameters) before clipping
    threshold: float
    scale: float  # threshold / grad_norm, the one factor clipping applies
    far_lag: int
    check: float  # rel. error between clipped dL/dW_hh and BPTT from scale * dL/dh_T (~1e-16)

    @property
    def shares_before(self) -> np.ndarray:
        """(T,) each lag's share of the summed term norms, before clipping."""
        return self.norms_before / self.norms_before.sum()

    @property
    def shares_after(self) -> np.ndarray:
        """(T,) each lag's share of the summed term norms, after clipping."""
        return self.norms_after / self.norms_after.sum()

    @property
    def far_share(self) -> tuple[float, float]:
        """(before, after) share of the terms with lag >= far_lag."""
        far = self.lags >= self.far_lag
        return float(self.shares_before[far].sum()), float(self.shares_after[far].sum())


def clipping_rescales_only(
    T: int = 60,
    n_h: int = 32,
    n_x: int = 4,
    batch: int = 32,
    threshold: float = 0.1,
    far_lag: int = 20,
    seed: int = 0,
) -> ClippingRescalesOnly:
    """A tanh RNN with a loss at T: global-norm clipping multiplies every lag's term by one
    factor, so the far lags' share of dL/dW_hh is what it was (clipping cannot cure vanishing)."""
    T, n_h, n_x, batch = (
        check_size(v, k) for v, k in ((T, "T"), (n_h, "n_h"), (n_x, "n_x"), (batch, "batch"))
    )
    threshold = check_real(threshold, "threshold", positive=True)
    far_lag = check_int(far_lag, "far_lag", minimum=1)
    if far_lag >= T:
        raise ValueError(f"far_lag must be below T = {T}, got {far_lag}")
    rng = as_generator(seed, name="seed")
    model = rnn.init_rnn(
        n_x, n_h, 1, activation="tanh", scheme="xavier", scheme_hh="lecun", rng=rng
    )
    x = rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
    y = rng.standard_normal((batch, 1))  # (B, n_y): a target for y_hat_T only
    _, grads = rnn.loss_and_grads(model, x, y, loss_at="last")
    params = [grads.W_xh, grads.W_hh, grads.b_h, grads.W_hy, grads.b_y]
    result = clip_by_global_norm(params, threshold)
    cache = rnn.forward(model, x)
    r = (cache.y_hat[:, -1] - y) / batch  # dL/dy_hat_T, (B, n_y)
    g_T = r @ model.W_hy  # dL/dh_T, (B, n_h)
    before = rnn.W_hh_grad_by_lag(model, cache, g_T)  # (T,)
    # The lag terms sum to dL/dW_hh and are linear in g_T, so the clipped gradient is BPTT run
    # from scale * g_T (checked below) and clipping's one factor reaches every term.
    after = rnn.W_hh_grad_by_lag(model, cache, result.scale * g_T)  # (T,)
    dL_dh = np.zeros((batch, T, n_h))  # (B, T, n_h): only h_T feeds the loss directly
    dL_dh[:, -1] = result.scale * g_T
    check = relative_error(rnn.bptt(model, cache, dL_dh).W_hh, result.grads[1])
    return ClippingRescalesOnly(
        np.arange(T), before, after, result.norm, threshold, result.scale, far_lag, check
    )


# c. Glorot & Bengio (2010) ----------------------------------------------------------------------


@dataclass(frozen=True)
class GlorotBengio:
    """Per-hidden-layer activation and back-propagated gradient statistics at initialisation."""

    schemes: tuple[str, ...]
    activation: str
    width: int
    act_std: np.ndarray  # (S, H) std of a^(l) over batch and units, l = 1..H
    grad_std: np.ndarray  # (S, H) std of dL/dz^(l)
    weight_grad_std: np.ndarray  # (S, H) std of the entries of dL/dW^(l)
    act_bins: np.ndarray  # (K+1,) edges shared by every activation histogram
    act_hist: np.ndarray  # (S, H, K) counts
    grad_bins: np.ndarray  # (K+1,) edges shared by every gradient histogram
    grad_hist: np.ndarray  # (S, H, K) counts; values beyond the edges go to the end bins
    jacobian_sv: np.ndarray  # (S, H) mean singular value of da^(l)/da^(l-1), over n_jacobian items

    @property
    def mean_jacobian_sv(self) -> np.ndarray:
        """(S,) mean singular value of the layer Jacobians, averaged over the layers."""
        return self.jacobian_sv.mean(axis=1)


def glorot_bengio(
    width: int = 300,
    hidden: int = 5,
    batch: int = 500,
    schemes: tuple[str, ...] = ("standard", "xavier_uniform"),
    activation: str = "tanh",
    seed: int = 0,
    bins: int = 50,
    n_jacobian: int = 1,
) -> GlorotBengio:
    """Glorot & Bengio (2010) at initialisation: `hidden` tanh layers of `width`, a linear
    read-out; per-layer spread of a^(l) and of dL/dz^(l), random linear regression target, and
    the mean singular value of each layer Jacobian diag(phi'(z^(l))) W^(l) (first n_jacobian
    examples of the batch)."""
    width, hidden, batch, bins, n_jacobian = (
        check_size(v, k)
        for v, k in (
            (width, "width"),
            (hidden, "hidden"),
            (batch, "batch"),
            (bins, "bins"),
            (n_jacobian, "n_jacobian"),
        )
    )
    if n_jacobian > batch:
        raise ValueError(f"n_jacobian must be at most batch = {batch}, got {n_jacobian}")
    schemes = _check_schemes(schemes)
    x, y = _regression_data(as_generator(seed, name="seed"), batch, width)
    sizes = [width] * (hidden + 1) + [N_OUT]
    acts, deltas, weight_grad_std, jacobian_sv = [], [], [], []
    for s, scheme in enumerate(schemes):
        model = mlp.init_mlp(sizes, activation=activation, scheme=scheme, rng=seed + 1 + s)
        cache = mlp.forward(model, x)
        _, r = mlp.mse_loss(cache.a[-1], y)
        grads = mlp.backward(model, cache, r)
        phi_prime = model.layer_activation(1).phi_prime
        acts.append(cache.a[1 : hidden + 1])  # a^(1..H), each (B, width)
        deltas.append([phi_prime(cache.z[l]) * grads.a[l + 1] for l in range(hidden)])  # dL/dz
        weight_grad_std.append([np.std(dW) for dW in grads.W[:hidden]])
        jacobian_sv.append(
            [
                np.mean(
                    [
                        np.linalg.svd(d[:, None] * model.weights[l], compute_uv=False).mean()
                        for d in phi_prime(cache.z[l][:n_jacobian])  # (n,) each
                    ]
                )
                for l in range(hidden)
            ]
        )
    act_std = np.array([[np.std(a) for a in row] for row in acts])  # (S, H)
    grad_std = np.array([[np.std(d) for d in row] for row in deltas])  # (S, H)
    tanh = activation == "tanh"  # tanh: the edges are its range [-1, 1]; else the data's range
    lo = -1.0 if tanh else min(float(np.min(a)) for row in acts for a in row)
    hi = 1.0 if tanh else max(float(np.max(a)) for row in acts for a in row)
    act_bins = np.linspace(lo, hi, bins + 1)
    c = 4.0 * float(grad_std.max())  # gradient edges: +-4 of the largest per-layer std
    grad_bins = np.linspace(-c, c, bins + 1)
    act_hist = np.array([[np.histogram(a, act_bins)[0] for a in row] for row in acts])
    grad_hist = np.array(
        [[np.histogram(np.clip(d, -c, c), grad_bins)[0] for d in row] for row in deltas]
    )
    return GlorotBengio(
        schemes,
        activation,
        width,
        act_std,
        grad_std,
        np.array(weight_grad_std),
        act_bins,
        act_hist,
        grad_bins,
        grad_hist,
        np.array(jacobian_sv),
    )


# d. He et al. (2015): Xavier halves ReLU signals each layer ---------------------------------


@dataclass(frozen=True)
class HeDecay:
    """Deep ReLU MLP at initialisation: forward activation std and backward signal per layer."""

    schemes: tuple[str, ...]
    depth: int
    width: int
    act_std: np.ndarray  # (S, depth+1) std of a^(l), l = 0..depth (a^(0) = x)
    grad_a: np.ndarray  # (S, depth+1) ||dL/da^(l)||_F, l = 0..depth
    grad_W: np.ndarray  # (S, depth) ||dL/dW^(l)||_F, l = 1..depth

    @property
    def ratios(self) -> np.ndarray:
        """(S, depth) std(a^(l)) / std(a^(l-1)) for l = 1..depth."""
        return self.act_std[:, 1:] / self.act_std[:, :-1]

    @property
    def factor(self) -> np.ndarray:
        """(S,) fitted per-layer factor of the activation std over layers 1..depth."""
        return np.array([_fit_factor(row[1:]) for row in self.act_std])

    @property
    def backward_factor(self) -> np.ndarray:
        """(S,) fitted per-layer factor of ||dL/da^(l)|| going *down*, from l = depth to 1."""
        return np.array([_fit_factor(row[1:][::-1]) for row in self.grad_a])


def he_decay(
    depth: int = 30,
    width: int = 256,
    batch: int = 256,
    schemes: tuple[str, ...] = ("xavier", "he"),
    seed: int = 0,
) -> HeDecay:
    """He et al. (2015): `depth` ReLU layers of `width` plus a linear read-out, at init; with
    Var(W) = 1/n (Xavier, square) each layer halves the variance, with 2/n (He) it keeps it."""
    depth, width, batch = (
        check_size(v, k) for v, k in ((depth, "depth"), (width, "width"), (batch, "batch"))
    )
    schemes = _check_schemes(schemes)
    x, y = _regression_data(as_generator(seed, name="seed"), batch, width)
    sizes = [width] * (depth + 1) + [N_OUT]
    act_std = np.empty((len(schemes), depth + 1))
    grad_a = np.empty((len(schemes), depth + 1))
    grad_W = np.empty((len(schemes), depth))
    for s, scheme in enumerate(schemes):
        model = mlp.init_mlp(sizes, activation="relu", scheme=scheme, rng=seed + 1 + s)
        cache = mlp.forward(model, x)
        _, r = mlp.mse_loss(cache.a[-1], y)
        grads = mlp.backward(model, cache, r)
        act_std[s] = [np.std(a) for a in cache.a[: depth + 1]]
        grad_a[s] = [np.linalg.norm(g) for g in grads.a[: depth + 1]]
        grad_W[s] = mlp.layer_grad_norms(grads)[:depth]
    return HeDecay(schemes, depth, width, act_std, grad_a, grad_W)


# e. recurrent initialisations ---------------------------------------------------------------


RNN_VARIANTS: tuple[str, ...] = (
    "tanh, Gaussian W",  # W_hh ~ N(0, 1/n)
    "tanh, orthogonal W",
    "ReLU, identity W (IRNN)",  # Le, Jaitly & Hinton (2015)
    "ReLU, Gaussian W, 1/n",  # W_hh ~ N(0, 1/n): Xavier's variance, too small for ReLU
    "ReLU, Gaussian W, 2/n (He)",  # W_hh ~ N(0, 2/n), He et al. (2015)
)


@dataclass(frozen=True)
class RNNInitLags:
    """||dL/dh_{T-m}|| against lag m at initialisation, per input scale and recurrent init."""

    input_stds: tuple[float, ...]
    variants: tuple[str, ...]
    lags: np.ndarray  # (T+1,) m = 0..T
    norms: np.ndarray  # (S, V, T+1) batch mean of ||dL/dh_{T-m}||, 1 at m = 0
    rho_gaussian: float = float("nan")  # spectral radius of the N(0, 1/n) W_hh the variants share

    def at_lag(self, m: int) -> np.ndarray:
        """(S, V) every curve at lag m."""
        m = check_index(m, "m", 0, self.norms.shape[2] - 1)
        return self.norms[:, :, m]


def rnn_init_lags(
    T: int = 100,
    n: int = 64,
    seed: int = 0,
    *,
    input_stds: tuple[float, ...] = (0.01, 1.0),
    batch: int = 16,
    n_x: int = 8,
) -> RNNInitLags:
    """Backward signal ||dL/dh_{T-m}|| against lag m for four (activation, W_hh) initialisations,
    inputs x ~ input_std N(0, 1) for each input_std, unit-norm dL/dh_T, Xavier W_xh, h_0 = 0."""
    T, n, batch, n_x = (
        check_size(v, k) for v, k in ((T, "T"), (n, "n"), (batch, "batch"), (n_x, "n_x"))
    )
    if isinstance(input_stds, str) or not isinstance(input_stds, (list, tuple)) or not input_stds:
        raise TypeError(f"input_stds must be a non-empty tuple of numbers, got {input_stds!r}")
    input_stds = tuple(check_real(s, "input_stds", positive=True) for s in input_stds)
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
    g_T = rng.standard_normal((batch, n))  # (B, n)
    g_T /= np.linalg.norm(g_T, axis=1, keepdims=True)  # unit ||dL/dh_T|| per sequence
    gaussian = init_weight(
        n, n, scheme="lecun", rng=seed + 1
    )  # N(0, 1/n), shared by three variants
    recurrent = {
        "tanh, Gaussian W": ("tanh", gaussian),
        "tanh, orthogonal W": ("tanh", init_weight(n, n, scheme="orthogonal", rng=seed + 2)),
        "ReLU, identity W (IRNN)": ("relu", np.eye(n)),
        "ReLU, Gaussian W, 1/n": ("relu", gaussian),
        "ReLU, Gaussian W, 2/n (He)": ("relu", np.sqrt(2.0) * gaussian),  # N(0, 2/n)
    }
    norms = np.empty((len(input_stds), len(RNN_VARIANTS), T + 1))
    for v, name in enumerate(RNN_VARIANTS):
        activation, W_hh = recurrent[name]
        model = rnn.init_rnn(
            n_x, n, 1, activation=activation, W_hh=W_hh, scheme="xavier", rng=seed + 3
        )
        for i, std in enumerate(input_stds):
            cache = rnn.forward(model, std * x)
            norms[i, v] = rnn.state_gradient_norms(model, cache, g_T)[::-1]  # index = lag
    rho = float(np.abs(np.linalg.eigvals(gaussian)).max())
    return RNNInitLags(input_stds, RNN_VARIANTS, np.arange(T + 1), norms, rho)


def rnn_init_spread(
    m: int = 50,
    seeds=range(5),
    *,
    T: int = 100,
    n: int = 64,
    input_stds: tuple[float, ...] = (0.01, 1.0),
) -> np.ndarray:
    """(seeds, S, V) ||dL/dh_{T-m}|| at lag m of rnn_init_lags(T, n, seed) for each seed."""
    T = check_size(T, "T")
    m = check_int(m, "m", minimum=0)
    if m > T:
        raise ValueError(f"m must be at most T = {T}, got {m}")
    seeds = check_ints(seeds, "seeds")
    return np.stack(
        [rnn_init_lags(T=T, n=n, seed=s_, input_stds=input_stds).at_lag(m) for s_ in seeds]
    )


# f'. mean field: the infinitely wide limit ----------------------------------------------------


@dataclass(frozen=True)
class MeanField:
    """Ch. 5 infinitely wide, zero-bias network with weight variance sigma_w2/n: the
    pre-activation variance q_l per layer, and chi_l = sigma_w2 E[phi'(z)^2], z ~ N(0, q_l)."""

    activation: str
    sigma_w2: float
    q: np.ndarray  # (depth,) q_1..q_depth, q_1 = sigma_w2 * input second moment
    act_std: np.ndarray  # (depth,) sqrt(E[phi(z)^2]) of layers 1..depth
    chi: np.ndarray  # (depth,) backward factor per layer, sigma_w2 E[phi'(z)^2]
    q_star: float  # the fixed point the map reaches after `settle` more layers
    chi_star: float  # chi_1 at q_star: > 1 chaotic (gradients grow), < 1 ordered, = 1 critical


def mean_field(
    activation: str = "tanh",
    sigma_w2: float = 1.0,
    *,
    input_second_moment: float = 1.0,
    depth: int = 5,
    settle: int = 2000,
    order: int = 101,
) -> MeanField:
    """Ch. 5 variance map q_{l+1} = sigma_w2 E[phi(sqrt(q_l) xi)^2], xi ~ N(0, 1), by
    Gauss-Hermite quadrature of `order` nodes (Poole et al. 2016; Schoenholz et al. 2017)."""
    # smooth activations only: quadrature is inaccurate across ReLU's kink (E[relu'^2] = 1/2)
    act = check_choice(activation, "activation", ("tanh", "sigmoid"), kind="activation")
    phi = get_activation(act)
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    m0 = check_real(input_second_moment, "input_second_moment", positive=True)
    depth, settle = check_size(depth, "depth"), check_int(settle, "settle")
    order = check_size(order, "order")
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)  # for weight e^{-x^2/2}
    weights = weights / weights.sum()  # E[f(xi)] = sum w_i f(x_i)

    def second(q: float) -> float:
        return float(weights @ phi.phi(math.sqrt(q) * nodes) ** 2)

    def chi(q: float) -> float:
        return sigma_w2 * float(weights @ phi.phi_prime(math.sqrt(q) * nodes) ** 2)

    q = [sigma_w2 * m0]
    for _ in range(depth - 1 + settle):
        q.append(sigma_w2 * second(q[-1]))
    qs = np.array(q[:depth])
    return MeanField(
        act,
        sigma_w2,
        qs,
        np.sqrt([second(v) for v in qs]),
        np.array([chi(v) for v in qs]),
        q[-1],
        chi(q[-1]),
    )


# f. residual vs plain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidualVsPlain:
    """Per-layer forward std and gradient norms of a plain ReLU MLP and two residual stacks
    a + alpha W2 relu(W1 a) (zero-mean branches), alpha = 1 and 1/sqrt(L)."""

    variants: tuple[str, ...]
    depth: int
    act_std: np.ndarray  # (V, depth+1) std of a^(l), l = 0..depth
    grad_W: np.ndarray  # (V, depth) ||dL/dW^(l)||_F (residual: both matrices of block l)
    grad_a: np.ndarray  # (V, depth+1) ||dL/da^(l)||_F


def _plain_and_residual(depth, width, x, y, seed):
    """(name, per-layer std of a^(0..L), ||dL/dW^(l)||, ||dL/da^(l)||) for the three nets."""
    out = []
    model = mlp.init_mlp([width] * (depth + 1) + [N_OUT], activation="relu", scheme="he", rng=seed)
    cache = mlp.forward(model, x)
    grads = mlp.backward(model, cache, mlp.mse_loss(cache.a[-1], y)[1])
    a, ga = cache.a[: depth + 1], grads.a[: depth + 1]
    out.append(("plain ReLU, He", a, mlp.layer_grad_norms(grads)[:depth], ga))
    for name, alpha in (("residual, α = 1", 1.0), ("residual, α = 1/√L", 1 / math.sqrt(depth))):
        res = resblock.init_branch_residual(
            width, depth, N_OUT, activation="relu", alpha=alpha, rng=seed
        )
        cache = resblock.forward(res, x)
        grads = resblock.backward(res, cache, mlp.mse_loss(cache.y_hat, y)[1])
        out.append((name, cache.a, resblock.layer_grad_norms(grads), grads.a))
    return out


def residual_vs_plain(
    depth: int = 50, width: int = 64, batch: int = 128, seed: int = 0
) -> ResidualVsPlain:
    """He-initialised ReLU: plain MLP vs residual blocks a + alpha W2 relu(W1 a + b), alpha = 1
    and 1/sqrt(L); forward std of a^(l), ||dL/dW^(l)|| and ||dL/da^(l)|| per layer."""
    depth, width, batch = (
        check_size(v, k) for v, k in ((depth, "depth"), (width, "width"), (batch, "batch"))
    )
    x, y = _regression_data(as_generator(seed, name="seed"), batch, width)
    rows = _plain_and_residual(depth, width, x, y, seed + 1)
    return ResidualVsPlain(
        tuple(r[0] for r in rows),
        depth,
        np.array([[np.std(a) for a in r[1]] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([[np.linalg.norm(g) for g in r[3]] for r in rows]),
    )


RESIDUAL_BRANCHES: tuple[str, ...] = (
    "branch W2 relu(W1 a), α = 1/√L",
    "branch relu(W a), α = 1/√L",
    "branch relu(W a), α = 1/L",
)


@dataclass(frozen=True)
class ResidualDepthSweep:
    """Std of the last trunk a^(L) at initialisation against the depth L, per branch type."""

    branches: tuple[str, ...]
    depths: np.ndarray  # (D,)
    width: int
    final_std: np.ndarray  # (V, D) std of a^(L) over batch and units
    final_mean: np.ndarray  # (V, D) mean of a^(L)


def residual_depth_sweep(
    depths=(10, 30, 100, 300, 800), width: int = 32, batch: int = 32, seed: int = 0
) -> ResidualDepthSweep:
    """Forward std of a^(L) for residual stacks of depth L: the zero-mean branch
    a + W2 relu(W1 a)/sqrt(L) and the positive-mean branch a + alpha relu(W a) (He init) with
    alpha = 1/sqrt(L) and 1/L; x ~ N(0, 1)."""
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise TypeError(f"depths must be a non-empty sequence of ints, got {depths!r}")
    depths = np.array([check_size(d, "depths") for d in depths])
    width, batch = check_size(width, "width"), check_size(batch, "batch")
    x = as_generator(seed, name="seed").standard_normal((batch, width))  # (B, n)
    final = np.empty((2, len(RESIDUAL_BRANCHES), len(depths)))
    for k, L in enumerate(depths):
        L = int(L)
        zero_mean = resblock.init_branch_residual(width, L, 1, alpha=L**-0.5, rng=seed + 1)
        outs = [resblock.forward(zero_mean, x).a[-1]]
        for alpha in (L**-0.5, 1.0 / L):
            res = residual.init_residual(
                width, L, 1, activation="relu", scheme="he", alpha=alpha, rng=seed + 1
            )
            outs.append(residual.forward(res, x).a[-1])
        final[:, :, k] = [[np.std(a) for a in outs], [np.mean(a) for a in outs]]
    return ResidualDepthSweep(RESIDUAL_BRANCHES, depths, width, final[0], final[1])


@dataclass(frozen=True)
class ReluBranchGradient:
    """Ch. 5 Ex. 5.4: input gradient and forward growth of ReLU-ended residual stacks."""

    alphas: tuple[str, ...]  # ("1/sqrt(L)", "1/L")
    depths: np.ndarray  # (D,)
    grad_ratio: np.ndarray  # (2, D) median over examples of ||dL/da^(0)|| for ||dL/da^(L)|| = 1
    forward_ratio: np.ndarray  # (2, D) median over examples of ||a^(L)|| / ||a^(0)||


def relu_branch_gradient(
    depths=(10, 100, 800), width: int = 32, batch: int = 32, seed: int = 0
) -> ReluBranchGradient:
    """Ch. 5 a + alpha relu(W a) (He init, zero bias), alpha = 1/sqrt(L) and 1/L: how much a
    random unit gradient at a^(L) grows on its way to the input, and how much a^(L) grows."""
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise TypeError(f"depths must be a non-empty sequence of ints, got {depths!r}")
    depths = np.array([check_size(d, "depths") for d in depths])
    width, batch = check_size(width, "width"), check_size(batch, "batch")
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, width))  # (B, n)
    g_top = rng.standard_normal((batch, width))
    g_top /= np.linalg.norm(g_top, axis=1, keepdims=True)  # unit dL/da^(L) per example
    grad, fwd = np.empty((2, len(depths))), np.empty((2, len(depths)))
    for k, L in enumerate(depths):
        L = int(L)
        for v, alpha in enumerate((L**-0.5, 1.0 / L)):
            res = residual.init_residual(
                width, L, 1, activation="relu", scheme="he", alpha=alpha, rng=seed + 1
            )
            cache = residual.forward(res, x)
            g = g_top
            for layer in range(L, 0, -1):  # g <- (I + alpha diag(1[z > 0]) W)^T g
                g = g + (alpha * (cache.z[layer - 1] > 0) * g) @ res.weights[layer - 1]
            grad[v, k] = np.median(np.linalg.norm(g, axis=1))
            fwd[v, k] = np.median(
                np.linalg.norm(cache.a[-1], axis=1) / np.linalg.norm(cache.a[0], axis=1)
            )
    return ReluBranchGradient(("1/sqrt(L)", "1/L"), depths, grad, fwd)


# g. summary of remedies -------------------------------------------------------------------------


REMEDIES: tuple[str, ...] = (
    "sigmoid, standard init",
    "tanh, Xavier init",
    "ReLU, He init",
    "residual ReLU, W2 relu(W1 a), α = 1/√L",
    "sigmoid, standard init, clipped",
)


@dataclass(frozen=True)
class RemediesSummary:
    """||dL/dW^(l)|| per layer at initialisation for each remedy, one row each (R, L)."""

    remedies: tuple[str, ...]
    depth: int
    grad_W: np.ndarray  # (R, depth)
    clip_scale: float  # factor global-norm clipping applied to the baseline's whole gradient
    threshold: float

    @property
    def first_over_last(self) -> np.ndarray:
        """(R,) ||dL/dW^(1)|| / ||dL/dW^(L)||: far below 1 means the first layers get little."""
        return self.grad_W[:, 0] / self.grad_W[:, -1]


def remedies_summary(
    depth: int = 30, width: int = 128, batch: int = 128, seed: int = 0, threshold: float = 0.01
) -> RemediesSummary:
    """Per-layer ||dL/dW^(l)|| at init of `depth` layers of `width` (plus a linear read-out)
    under each remedy, and the baseline after global-norm clipping to `threshold`."""
    depth, width, batch = (
        check_size(v, k) for v, k in ((depth, "depth"), (width, "width"), (batch, "batch"))
    )
    threshold = check_real(threshold, "threshold", positive=True)
    x, y = _regression_data(as_generator(seed, name="seed"), batch, width)
    sizes = [width] * (depth + 1) + [N_OUT]
    rows = []
    for activation, scheme in (("sigmoid", "standard"), ("tanh", "xavier"), ("relu", "he")):
        _, grads = mlp.loss_and_grads(
            mlp.init_mlp(sizes, activation=activation, scheme=scheme, rng=seed + 1), x, y
        )
        rows.append(mlp.layer_grad_norms(grads)[:depth])
        if activation == "sigmoid":
            baseline = grads
    res = resblock.init_branch_residual(
        width, depth, N_OUT, activation="relu", alpha=1 / math.sqrt(depth), rng=seed + 1
    )
    rows.append(resblock.layer_grad_norms(resblock.loss_and_grads(res, x, y)[1]))
    clipped = clip_by_global_norm(baseline.W + baseline.b, threshold)
    rows.append(np.array([np.linalg.norm(g) for g in clipped.grads[:depth]]))
    return RemediesSummary(REMEDIES, depth, np.array(rows), clipped.scale, threshold)


def cliff_numbers(cliff: Cliff, sweep: CliffSweep) -> dict[str, object]:
    """Ch. 5 the numbers the cliff section quotes, by glue name: the jump of the plain run, the
    clipped run, the bounded-loss check, and the sweep over starts and learning rates."""
    if not isinstance(cliff, Cliff) or not isinstance(sweep, CliffSweep):
        raise TypeError("cliff and sweep must be the results of cliff() and cliff_sweep()")
    plain, clipped, jump = cliff.plain, cliff.clipped, cliff.jump
    return {
        "ch05_cliff_jump_step": jump + 1,
        "ch05_cliff_jump_grad": sci(plain.grad_norm[jump]),
        "ch05_cliff_jump_len": f"{plain.step_length[jump]:.0f}",
        "ch05_cliff_loss_before": sci(plain.loss[jump]),
        "ch05_cliff_loss_after": sci(plain.loss[jump + 1]),
        "ch05_cliff_plain_end": sci(plain.loss[-1]),
        "ch05_cliff_clip_end": sci(clipped.loss[-1]),
        "ch05_cliff_n_clipped": int(clipped.clipped.sum()),
        "ch05_cliff_steps": len(plain.step_length),
        "ch05_cliff_clip_maxstep": f"{clipped.step_length.max():.2f}",
        "ch05_cliff_bounded_after": f"{cliff.bounded_loss_after:.2f}",
        "ch05_cliff_bounded_grad": f"{cliff.bounded_grad_after:.1g}",
        "ch05_cs_n": len(sweep.start_loss),
        "ch05_cs_nstarts": len(sweep.starts),
        "ch05_cs_lrs": ", ".join(f"{v:g}" for v in sweep.lrs),
        "ch05_cs_thrown": sweep.thrown_off(10.0)[0],
        "ch05_cs_plain_worse": int((sweep.plain_tail > sweep.start_loss).sum()),
        "ch05_cs_clip_better": int((sweep.clipped_tail < sweep.start_loss).sum()),
        "ch05_cs_clip_ratio": f"{(sweep.clipped_tail / sweep.start_loss).max():.2f}",
        "ch05_cs_clip_last": int((sweep.clipped_end > sweep.start_loss).sum()),
        "ch05_cs_calm_share": f"{sweep.calm_at_least_as_low().mean():.0%}",
    }


def cliff_recovery_numbers(
    cliff: Cliff, sweep: CliffSweep, budgets: tuple[int, ...] = (300, 600, 1000)
) -> dict[str, object]:
    """Ch. 5 the numbers the recovery paragraph quotes, by glue name: the step at which the plain
    run of a long `cliff` is back below its starting loss and its loss after each budget, and the
    runs of a long `sweep` above their start after each budget (steps)."""
    if not isinstance(cliff, Cliff) or not isinstance(sweep, CliffSweep):
        raise TypeError("cliff and sweep must be the results of cliff() and cliff_sweep()")
    budgets = check_ints(budgets, "budgets")
    last = min(len(cliff.plain.loss), len(sweep.plain_loss)) - 1
    if not budgets or min(budgets) < sweep.tail - 1 or max(budgets) > last:
        raise ValueError(f"budgets must lie in [{sweep.tail - 1}, {last}], got {budgets!r}")
    loss, jump = cliff.plain.loss, cliff.jump
    back = np.flatnonzero(loss[jump + 1 :] < loss[0])
    out: dict[str, object] = {
        "ch05_cliff_back_step": int(jump + 1 + back[0]) if back.size else "never",
        "ch05_cliff_detour": int(back[0]) if back.size else "never",  # steps after the jump
        "ch05_cs_budgets": ", ".join(str(b) for b in budgets[:-1]) + f" and {budgets[-1]}",
    }
    for b in budgets:
        plain, clipped = sweep.above_start(b)
        out[f"ch05_cliff_plain_at_{b}"] = sci(loss[b])
        out[f"ch05_cs_above_{b}"], out[f"ch05_cs_clip_above_{b}"] = plain, clipped
    return out


def glorot_numbers(gb: GlorotBengio, mf: MeanField, mf3: MeanField) -> dict[str, str]:
    """Ch. 5 the numbers the Glorot-Bengio re-enactment and exercise 5.3 quote, by glue name:
    activation spreads, gradient ratios and Jacobian singular values per scheme, the mean-field
    prediction ``mf`` (sigma_w^2 = 1) and the fixed point of ``mf3`` (sigma_w^2 = 3)."""
    if not (
        isinstance(gb, GlorotBengio) and isinstance(mf, MeanField) and isinstance(mf3, MeanField)
    ):
        raise TypeError("gb must be a GlorotBengio result and mf, mf3 MeanField results")
    out = {}
    std_i, xav_i = gb.schemes.index("standard"), gb.schemes.index("xavier_uniform")
    for name, i in (("std", std_i), ("xav", xav_i)):
        spread = gb.weight_grad_std[i].max() / gb.weight_grad_std[i].min()
        out |= {
            f"ch05_gb_{name}_a1": f"{gb.act_std[i, 0]:.2f}",
            f"ch05_gb_{name}_a5": f"{gb.act_std[i, -1]:.2f}",
            f"ch05_gb_{name}_g": f"{gb.grad_std[i, 0] / gb.grad_std[i, -1]:.2f}",
            f"ch05_gb_{name}_wg": f"{spread:.2f}",
            f"ch05_gb_{name}_sv": f"{gb.mean_jacobian_sv[i]:.2f}",
        }
    return out | {
        "ch05_gb_xav_sv5": f"{gb.jacobian_sv[xav_i, -1]:.2f}",
        "ch05_mf_a1": f"{mf.act_std[0]:.2f}",
        "ch05_mf_a5": f"{mf.act_std[-1]:.2f}",
        "ch05_mf3_q": f"{mf3.q_star:.2f}",
        "ch05_mf3_chi": f"{mf3.chi_star:.2f}",
    }


def residual_numbers(
    res: ResidualVsPlain, sweep: ResidualDepthSweep, rbg: ReluBranchGradient
) -> dict[str, object]:
    """Ch. 5 the numbers the residual section and exercise 5.4 quote, by glue name."""
    if not (
        isinstance(res, ResidualVsPlain)
        and isinstance(sweep, ResidualDepthSweep)
        and isinstance(rbg, ReluBranchGradient)
    ):
        raise TypeError(
            "res, sweep and rbg must be the results of residual_vs_plain(), "
            "residual_depth_sweep() and relu_branch_gradient()"
        )
    out: dict[str, object] = {}
    for v, key in enumerate(("plain", "alpha1", "scaled")):
        out[f"ch05_res_std_{key}"] = sci(res.act_std[v, -1])
        out[f"ch05_res_g1_{key}"] = sci(res.grad_W[v, 0])
    zero_mean, relu_sqrt, relu_lin = sweep.final_std
    return out | {
        "ch05_res_plain_min": f"{res.act_std[0].min():.2f}",
        "ch05_sweep_maxdepth": int(sweep.depths[-1]),
        "ch05_sweep_zm_range": f"{zero_mean.min():.2f} and {zero_mean.max():.2f}",
        "ch05_sweep_relu_last": sci(relu_sqrt[-1]),
        "ch05_sweep_lin_range": f"{relu_lin.min():.2f} and {relu_lin.max():.2f}",
        "ch05_rbg_depths": " / ".join(str(int(d)) for d in rbg.depths),
        "ch05_rbg_sqrt": " / ".join(sci(v, 2) for v in rbg.grad_ratio[0]),
        "ch05_rbg_lin": " / ".join(f"{v:.2f}" for v in rbg.grad_ratio[1]),
    }
