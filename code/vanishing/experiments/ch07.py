"""Chapter 7 measurements: criticality of wide random networks (mean-field theory against finite
networks), depth scales, Jacobian spectra (dynamical isometry), and what batch and layer
normalisation and their placement in residual stacks do to the gradient at initialisation.

Random networks here have z^(l) = W^(l) phi(z^(l-1)) + b^(l) with W ~ N(0, sigma_w2 / n) (or an
orthogonal matrix times sigma_w) and b ~ N(0, sigma_b2), as in Poole et al. (2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import meanfield, mlp, norm, optim, recurrent, rnn
from ..activations import get_activation
from ..fmt import sci
from ..init import init_weight
from ..validate import (
    as_generator,
    as_real_array,
    check_array,
    check_choice,
    check_choices,
    check_instance,
    check_int,
    check_ints,
    check_nonnegative,
    check_real,
    check_reals,
    check_size,
    quiet_overflow,
)

SIGMA_B2 = 0.05  # the bias variance of the one-dimensional cuts (Schoenholz et al. use 0.05)


def _random_net(sigma_w2, sigma_b2, n, depth, rng, *, orthogonal=False):
    """Weights (depth, n, n) and biases (depth, n) of a random network."""
    if orthogonal:
        Ws = np.stack([init_weight(n, n, scheme="orthogonal", rng=rng) for _ in range(depth)])
        Ws *= np.sqrt(sigma_w2)
    else:
        Ws = rng.standard_normal((depth, n, n)) * np.sqrt(sigma_w2 / n)
    return Ws, rng.standard_normal((depth, n)) * np.sqrt(sigma_b2)


@quiet_overflow
def measured_chi_1(
    sigma_w2: float, sigma_b2: float, *, activation: str = "tanh", width: int = 128,
    depth: int = 30, burn: int = 8, batch: int = 8, seed: int = 0,
) -> float:  # fmt: skip
    """Ch. 7 the per-layer factor of ||dL/dz^(l)||^2 of a finite random network, fitted over
    layers burn..depth (a random gradient at the top, back-propagated to the input)."""
    act = get_activation(
        check_choice(activation, "activation", ("tanh", "relu"), kind="activation")
    )
    n, depth, batch = (
        check_size(width, "width"),
        check_size(depth, "depth"),
        check_size(batch, "batch"),
    )
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    sigma_b2 = check_nonnegative(sigma_b2, "sigma_b2")
    burn = check_int(burn, "burn")
    if not 2 <= depth - burn:
        raise ValueError(f"burn must leave at least 2 layers, got burn={burn}, depth={depth}")
    rng = as_generator(seed, name="seed")
    Ws, bs = _random_net(sigma_w2, sigma_b2, n, depth, rng)
    a, zs = rng.standard_normal((batch, n)), []
    for W, b in zip(Ws, bs, strict=True):
        z = a @ W.T + b
        zs.append(z)
        a = act.phi(z)
    d = rng.standard_normal((batch, n))  # dL/dz^(L)
    sq = [np.mean(np.sum(d * d, axis=1))]
    for l in range(depth - 1, burn, -1):  # dL/dz^(l) = phi'(z^(l)) W^(l+1)^T dL/dz^(l+1)
        d = (d @ Ws[l]) * act.phi_prime(zs[l - 1])
        sq.append(np.mean(np.sum(d * d, axis=1)))
    with np.errstate(divide="ignore"):  # a saturated net's gradient can vanish to 0: log -inf
        slope = np.polyfit(np.arange(len(sq)), np.log(sq), 1)[0]  # per layer going down
    return float(np.exp(slope))


# 1. criticality -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criticality:
    """Ch. 7 the phase diagram of tanh networks: theory on a grid, the edge of chaos, and
    chi_1 measured in finite networks at some points (and for ReLU along sigma_b2 = 0)."""

    sigma_w2: np.ndarray  # (W,) grid
    sigma_b2: np.ndarray  # (Bb,) grid
    q_star: np.ndarray  # (Bb, W)
    chi_1: np.ndarray  # (Bb, W)
    edge: tuple[np.ndarray, np.ndarray]  # (sigma_w2, sigma_b2) along chi_1 = 1
    points: np.ndarray  # (P, 2) measured (sigma_w2, sigma_b2)
    measured: np.ndarray  # (P, S) measured chi_1 per seed
    theory_at_points: np.ndarray  # (P,)
    relu_sigma_w2: np.ndarray  # (R,)
    relu_measured: np.ndarray  # (R, S)
    width: int
    depth: int


def criticality(
    *, seeds=(0,), width: int = 128, depth: int = 30,
    point_w2=(0.8, 1.3, 1.8, 2.5, 3.5), point_b2=(0.0, 0.05, 0.3),
    relu_w2=(1.0, 1.5, 2.0, 2.5, 3.0),
) -> Criticality:  # fmt: skip
    """Ch. 7 mean-field q* and chi_1 of tanh networks on a (sigma_w2, sigma_b2) grid, with chi_1
    measured in finite networks (width x depth) at the given points and seeds."""
    seeds = check_ints(seeds, "seeds")
    width, depth = check_size(width, "width"), check_size(depth, "depth")
    point_w2 = check_reals(point_w2, "point_w2", positive=True)
    point_b2 = check_reals(point_b2, "point_b2", nonnegative=True)
    relu_w2 = check_reals(relu_w2, "relu_w2", positive=True)
    w_grid, b_grid = np.linspace(0.5, 4.0, 36), np.linspace(0.0, 0.4, 21)
    W, B = np.meshgrid(w_grid, b_grid)
    q = meanfield.fixed_point(W, B, "tanh", iters=300)
    chi = meanfield.chi_1(W, q, "tanh")
    edge = meanfield.critical_line(np.geomspace(1e-3, 3.0, 80))
    keep = edge[1] <= b_grid[-1]
    points = np.array([(w, b) for b in point_b2 for w in point_w2], dtype=float)
    measured = np.array(
        [[measured_chi_1(w, b, width=width, depth=depth, seed=s) for s in seeds] for w, b in points]
    )
    theory = meanfield.chi_1(points[:, 0], meanfield.fixed_point(points[:, 0], points[:, 1]))
    relu_w2 = as_real_array(relu_w2, "relu_w2")
    relu = np.array(
        [
            [
                measured_chi_1(w, 0.0, activation="relu", width=width, depth=depth, seed=s)
                for s in seeds
            ]
            for w in relu_w2
        ]
    )
    return Criticality(
        w_grid, b_grid, q, chi, (edge[0][keep], edge[1][keep]), points, measured, theory,
        relu_w2, relu, width, depth,
    )  # fmt: skip


# 2. depth scales ------------------------------------------------------------------------------


@quiet_overflow
def correlation_by_layer(
    sigma_w2: float, sigma_b2: float, *, c0: float = 0.2, width: int = 200, depth: int = 40,
    pairs: int = 8, seed: int = 0,
) -> np.ndarray:  # fmt: skip
    """Ch. 7 the correlation of two inputs' pre-activations at layers 1..depth of a finite tanh
    network (mean over `pairs` pairs that start at q* with correlation c0); (depth,)."""
    n, depth, pairs = (
        check_size(width, "width"),
        check_size(depth, "depth"),
        check_size(pairs, "pairs"),
    )
    sigma_w2 = check_real(sigma_w2, "sigma_w2", positive=True)
    sigma_b2 = check_nonnegative(sigma_b2, "sigma_b2")
    c0 = check_real(c0, "c0")
    if not -1 < c0 < 1:
        raise ValueError(f"c0 must be in (-1, 1), got {c0}")
    rng = as_generator(seed, name="seed")
    q = float(meanfield.fixed_point(sigma_w2, sigma_b2))
    u1 = rng.standard_normal((pairs, n))
    u2 = c0 * u1 + np.sqrt(1 - c0**2) * rng.standard_normal((pairs, n))
    z = np.sqrt(q) * np.concatenate([u1, u2])
    Ws, bs = _random_net(sigma_w2, sigma_b2, n, depth, rng)
    out = np.empty(depth)
    for l in range(depth):
        z = np.tanh(z) @ Ws[l].T + bs[l]
        a, b = z[:pairs], z[pairs:]
        out[l] = np.mean(np.sum(a * b, 1) / np.sqrt(np.sum(a * a, 1) * np.sum(b * b, 1)))
    return out


def fitted_xi(corr: np.ndarray, *, high: float = 0.1, low: float = 2e-3) -> float:
    """Ch. 7 depth scale fitted to 1 - c_l ~ exp(-l / xi) where low < 1 - c_l < high (ordered
    phase, c* = 1); NaN if fewer than 3 layers qualify."""
    gap = 1.0 - check_array(corr, "corr", 1, nonempty=True)
    high, low = check_real(high, "high", positive=True), check_real(low, "low", positive=True)
    use = np.flatnonzero((gap < high) & (gap > low))
    if use.size < 3:
        return float("nan")
    slope = np.polyfit(use, np.log(gap[use]), 1)[0]
    return float(-1.0 / slope)


@dataclass(frozen=True)
class DepthScale:
    """Ch. 7 xi_c against sigma_w2 at fixed sigma_b2 (theory), and xi fitted to finite networks
    at ordered points (per seed)."""

    sigma_b2: float
    sigma_w2: np.ndarray  # (W,)
    xi_c: np.ndarray  # (W,)
    xi_grad: np.ndarray  # (W,)
    critical_w2: float
    points: np.ndarray  # (P,) sigma_w2 of the measured points
    theory_at_points: np.ndarray  # (P,)
    measured: np.ndarray  # (P, S)


@quiet_overflow
def depth_scale(
    *, sigma_b2: float = SIGMA_B2, points=(1.0, 1.2, 1.4), seeds=(0,), width: int = 200,
) -> DepthScale:  # fmt: skip
    """Ch. 7 Schoenholz et al.'s correlation depth scale xi_c for tanh networks, and the depth
    scale of 1 - c_l in finite networks at ordered points."""
    sigma_b2 = check_nonnegative(sigma_b2, "sigma_b2")
    points = np.asarray(check_reals(points, "points", positive=True))
    seeds, width = check_ints(seeds, "seeds"), check_size(width, "width")
    w = np.linspace(0.6, 4.0, 52)
    d = meanfield.depth_scales(w, sigma_b2, iters=120)
    crit = meanfield.critical_line(np.geomspace(1e-3, 3.0, 400))
    w_crit = float(np.interp(sigma_b2, crit[1], crit[0]))
    points = as_real_array(points, "points")
    th = meanfield.depth_scales(points, sigma_b2, iters=120).xi_c
    measured = np.array(
        [
            [fitted_xi(correlation_by_layer(p, sigma_b2, width=width, seed=s)) for s in seeds]
            for p in points
        ]
    )
    return DepthScale(sigma_b2, w, d.xi_c, d.xi_grad, w_crit, points, th, measured)


# 2b. trainable depth: training deep tanh networks on and off the edge of chaos ---------------


def _teacher_task(seed: int, examples: int, d_in: int) -> tuple[np.ndarray, np.ndarray]:
    """N(0, 1) inputs (examples, d_in) and a standardised target (examples, 1) from a random
    two-layer tanh teacher with 16 hidden units: a smooth function of the whole input."""
    rng = as_generator(seed + 1000, name="seeds")
    x = rng.standard_normal((examples, d_in))
    U = rng.standard_normal((d_in, 16)) / np.sqrt(d_in)
    y = np.tanh(x @ U) @ rng.standard_normal((16, 1))
    y -= y.mean()
    return x, y / y.std()


def _tanh_net(sigma_w2, sigma_b2, d_in, width, depth, seed):
    """Weights and biases of a depth-layer tanh network (as Poole et al.: W ~ N(0, sigma_w2 /
    fan-in), b ~ N(0, sigma_b2)) and a linear read-out N(0, 1/width) with zero bias."""
    rng = as_generator(seed, name="seeds")
    sizes = (d_in,) + (width,) * depth
    Ws = [rng.standard_normal((o, i)) * np.sqrt(sigma_w2 / i)
          for i, o in zip(sizes, sizes[1:], strict=False)]  # fmt: skip
    bs = [rng.standard_normal(width) * np.sqrt(sigma_b2) for _ in range(depth)]
    return Ws + [rng.standard_normal((1, width)) / np.sqrt(width)], bs + [np.zeros(1)]


def _block_diagonal(blocks) -> np.ndarray:
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    i = j = 0
    for b in blocks:
        out[i : i + b.shape[0], j : j + b.shape[1]] = b
        i, j = i + b.shape[0], j + b.shape[1]
    return out


ENSEMBLE_WIDTH = 80  # at most this many units side by side in one trained MLP


@quiet_overflow
def _train_seeds(sigma_w2, sigma_b2, depth, *, width, d_in, examples, steps, lr, seeds):
    """Full-batch SGD on the teacher task for one tanh network per seed, all seeds at once: the
    networks sit side by side as the diagonal blocks of one wide ``mlp.MLP`` (each block reads
    its own inputs and writes its own output column), and the gradient of every off-diagonal
    weight is set to zero, so the blocks start, stay and train exactly as separate networks
    (the loss is the sum of theirs). Returns the per-seed loss before each step, (steps, S),
    divided by the loss of the best constant prediction (the target's variance / 2)."""
    nets = [_tanh_net(sigma_w2, sigma_b2, d_in, width, depth, s) for s in seeds]
    data = [_teacher_task(s, examples, d_in) for s in seeds]
    x, y = np.hstack([d[0] for d in data]), np.hstack([d[1] for d in data])
    Ws = [_block_diagonal([n[0][l] for n in nets]) for l in range(depth + 1)]
    bs = [np.concatenate([n[1][l] for n in nets]) for l in range(depth + 1)]
    masks = [_block_diagonal([np.ones_like(n[0][l]) for n in nets]) for l in range(depth + 1)]
    per_seed = []

    def loss_and_grads(model, x, y):
        cache = mlp.forward(model, x)
        loss, r = mlp.mse_loss(cache.a[-1], y)
        per_seed.append(0.5 * np.mean((cache.a[-1] - y) ** 2, axis=0))
        grads = mlp.backward(model, cache, r)
        return loss, mlp.Grads([g * m for g, m in zip(grads.W, masks, strict=True)], grads.b,
                               grads.a)  # fmt: skip

    model = mlp.MLP(Ws, bs, "tanh")
    _, history = optim.train(model, loss_and_grads, lambda step: (x, y), optim.SGD(lr),
                             steps=steps)  # fmt: skip
    if history.diverged:
        raise ValueError(f"lr = {lr} is too large: training diverged at sigma_w2 = {sigma_w2}, "
                         f"depth {depth}")  # fmt: skip
    return np.array(per_seed) / (0.5 * np.mean(y**2, axis=0))


@dataclass(frozen=True)
class TrainableDepth:
    """Ch. 7 deep tanh networks trained on and off the edge of chaos: loss[w, d, s] is the
    training loss of seed s at sigma_w2[w] and depth depths[d], averaged over the last tenth of
    the steps, relative to the loss of the best constant prediction; xi_c from the theory."""

    sigma_w2: np.ndarray  # (W,)
    depths: tuple[int, ...]
    seeds: tuple[int, ...]
    sigma_b2: float
    width: int
    examples: int
    steps: int
    lr: float
    threshold: float
    loss: np.ndarray  # (W, D, S)
    start: np.ndarray  # (W, D, S) the loss before training, on the same scale
    xi_c: np.ndarray  # (W,) the correlation depth scale at each sigma_w2
    curve_w2: np.ndarray  # (C,) a fine grid of sigma_w2 for the c xi_c line
    curve_xi_c: np.ndarray  # (C,)
    critical_w2: float  # the edge of chaos at sigma_b2

    def trained(self) -> np.ndarray:
        """(W, D, S) True where the loss fell below threshold x the constant prediction's."""
        return self.loss < self.threshold

    def fraction(self) -> np.ndarray:
        """(W, D) the share of seeds that trained."""
        return self.trained().mean(axis=-1)


def trainable_depth(
    *, sigma_w2=(0.5, 0.8, 1.2, 1.76), depths=(3, 6, 12, 24), sigma_b2: float = SIGMA_B2,
    seeds=(0, 1, 2, 3, 4), width: int = 16, d_in: int = 8, examples: int = 32, steps: int = 100,
    lr: float = 0.05, threshold: float = 0.5,
) -> TrainableDepth:  # fmt: skip
    """Ch. 7 Schoenholz et al.'s trainability experiment in miniature: tanh MLPs (width x depth,
    W ~ N(0, sigma_w2 / fan-in), b ~ N(0, sigma_b2)) trained by full-batch SGD for `steps` steps
    on `examples` inputs of a random teacher, for every sigma_w2, depth and seed."""
    sigma_w2 = np.asarray(check_reals(sigma_w2, "sigma_w2", positive=True))
    depths = check_ints(depths, "depths", minimum=1)
    sigma_b2 = check_nonnegative(sigma_b2, "sigma_b2")
    seeds = check_ints(seeds, "seeds")
    width, d_in = check_size(width, "width"), check_size(d_in, "d_in")
    examples, steps = check_size(examples, "examples"), check_size(steps, "steps")
    lr = check_real(lr, "lr", positive=True)
    threshold = check_real(threshold, "threshold", positive=True)
    tail = max(1, steps // 10)
    loss = np.empty((len(sigma_w2), len(depths), len(seeds)))
    start = np.empty_like(loss)
    chunk = max(1, ENSEMBLE_WIDTH // width)  # seeds per ensemble: small matrices stay fast
    for w, s2 in enumerate(sigma_w2):
        for d, L in enumerate(depths):
            per = np.hstack([
                _train_seeds(s2, sigma_b2, L, width=width, d_in=d_in, examples=examples,
                             steps=steps, lr=lr, seeds=seeds[i : i + chunk])
                for i in range(0, len(seeds), chunk)
            ])  # fmt: skip
            loss[w, d], start[w, d] = per[-tail:].mean(axis=0), per[0]
    xi = meanfield.depth_scales(sigma_w2, sigma_b2, iters=120).xi_c
    curve = np.unique(np.concatenate([np.linspace(0.3, 4.0, 60), sigma_w2]))
    crit = meanfield.critical_line(np.geomspace(1e-3, 3.0, 400))
    return TrainableDepth(
        sigma_w2, depths, seeds, sigma_b2, width, examples, steps, lr, threshold, loss, start,
        xi, curve, meanfield.depth_scales(curve, sigma_b2, iters=120).xi_c,
        float(np.interp(sigma_b2, crit[1], crit[0])),
    )  # fmt: skip


# 3. dynamical isometry ------------------------------------------------------------------------


@dataclass(frozen=True)
class JacobianSpectra:
    """Ch. 7 singular values of the input-output Jacobian of deep random networks, per variant."""

    variants: tuple[str, ...]
    depth: int
    width: int
    sigma_w2: tuple[float, ...]
    sigma_b2: tuple[float, ...]
    singular_values: np.ndarray  # (V, S, width)

    def quantiles(self, p) -> np.ndarray:
        """(V,) the p-quantile of each variant's singular values, over all seeds."""
        p = as_real_array(p, "p")
        if not (np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))):
            raise ValueError(f"p must be a quantile in [0, 1], got {p}")
        flat = self.singular_values.reshape(len(self.variants), -1)
        return np.quantile(flat, p, axis=1)


ROUNDING = 1e-15  # below this times the largest, double precision cannot resolve a singular value
TANH_Q_STAR = 0.01  # the fixed point of the critical tanh networks of Fig. 7.3: nearly linear


def jacobian_spectra(*, depth: int = 32, width: int = 128, seeds=(0,)) -> JacobianSpectra:
    """Ch. 7 Jacobian singular values: tanh at the edge of chaos with q* = TANH_Q_STAR (Gaussian
    and orthogonal weights), and ReLU with He's sigma_w2 = 2 (Gaussian and orthogonal)."""
    depth, width = check_size(depth, "depth"), check_size(width, "width")
    seeds = check_ints(seeds, "seeds")
    w_t, b_t = (float(v) for v in meanfield.critical_line(TANH_Q_STAR))
    variants = ("tanh, Gaussian", "tanh, orthogonal", "ReLU, Gaussian", "ReLU, orthogonal")
    settings = (("tanh", False, w_t, b_t), ("tanh", True, w_t, b_t),
                ("relu", False, 2.0, 0.0), ("relu", True, 2.0, 0.0))  # fmt: skip
    out = np.empty((len(variants), len(seeds), width))
    for v, (name, orth, w2, b2) in enumerate(settings):
        act = get_activation(name)
        for k, s in enumerate(seeds):
            rng = as_generator(s, name="seeds")
            Ws, bs = _random_net(w2, b2, width, depth, rng, orthogonal=orth)
            z = np.sqrt(TANH_Q_STAR if name == "tanh" else 1.0) * rng.standard_normal(width)
            J = np.eye(width)  # dz^(l)/dz^(0), from l = 0
            for l in range(depth):  # dz^(l+1)/dz^(0) = W^(l+1) diag(phi'(z^(l))) dz^(l)/dz^(0)
                J = Ws[l] @ (act.phi_prime(z)[:, None] * J)
                z = Ws[l] @ act.phi(z) + bs[l]
            out[v, k] = np.linalg.svd(J, compute_uv=False)
    return JacobianSpectra(variants, depth, width, (w_t, w_t, 2.0, 2.0), (b_t, b_t, 0.0, 0.0), out)


def _regression_batch(seed: int, batch: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """N(0, 1) inputs (batch, width) and a random linear target (batch, 10), drawn from a stream
    of their own, np.random.default_rng([seed, 1]): independent of the weights that the models
    draw from default_rng(seed) (sharing that stream made W^(1) a copy of the inputs)."""
    rng = np.random.default_rng([seed, 1])
    x = rng.standard_normal((batch, width))
    return x, x @ rng.standard_normal((width, 10)) / np.sqrt(width)


# 4. normalisation in a plain MLP --------------------------------------------------------------


@dataclass(frozen=True)
class NormScales:
    """Ch. 7 per-layer forward spread and back-propagated gradient of deep ReLU MLPs without
    normalisation, with BatchNorm and with LayerNorm, at initialisation."""

    norms: tuple[str, ...]
    depth: int
    width: int
    batch: int
    act_std: np.ndarray  # (N, S, depth + 1) std of a^(l), l = 0..depth
    grad: np.ndarray  # (N, S, depth + 1) ||dL/da^(l)||_F, l = 0..depth

    def growth(self) -> np.ndarray:
        """(N, S) geometric-mean factor per layer of the gradient from layer depth to layer 1."""
        return (self.grad[..., 1] / self.grad[..., -1]) ** (1.0 / (self.depth - 1))


def norm_scales(
    *, depth: int = 50, width: int = 128, batch: int = 128, seeds=(0,),
    norms=("none", "batch", "layer"),
) -> NormScales:  # fmt: skip
    """Ch. 7 forward std and ||dL/da^(l)|| per layer of He-initialised ReLU MLPs (width x depth,
    N(0, 1) inputs, a random linear target) with each normalisation, at initialisation."""
    depth, width, batch = (
        check_size(depth, "depth"),
        check_size(width, "width"),
        check_size(batch, "batch"),
    )
    norms = check_choices(norms, "norms", norm.NORMS, kind="norm")
    seeds = check_ints(seeds, "seeds")
    std = np.empty((len(norms), len(seeds), depth + 1))
    grad = np.empty_like(std)
    for k, s in enumerate(seeds):
        x, y = _regression_batch(s, batch, width)
        for i, kind in enumerate(norms):
            model = norm.init_norm_mlp(width, width, depth, 10, norm=kind, rng=s)
            _, g = norm.loss_and_grads(model, x, y)
            cache = norm.forward(model, x)
            std[i, k] = [a.std() for a in cache.a]
            grad[i, k] = [np.linalg.norm(v) for v in g.x]
    return NormScales(norms, depth, width, batch, std, grad)


# 5. residual stacks: where the normalisation sits ---------------------------------------------


RESIDUAL_VARIANTS = {  # name: (placement, norm, alpha, zero_last)
    "post-LN": ("post", "layer", 1.0, False),
    "pre-LN": ("pre", "layer", 1.0, False),
}


@dataclass(frozen=True)
class ResidualNorm:
    """Ch. 7 per-block weight-gradient norms of post-LN and pre-LN residual stacks at several
    depths, at initialisation: grad[v][d] is (S, L_d) for variant v at depth depths[d]."""

    variants: tuple[str, ...]
    depths: tuple[int, ...]
    width: int
    grad: dict  # variant -> tuple of (S, L) arrays, one per depth
    trunk: np.ndarray  # (V, D, S) ||dL/dx_0|| / ||dL/dx_L||

    def last_block(self) -> np.ndarray:
        """(V, D, S) the last block's weight-gradient norm."""
        return np.array([[g[:, -1] for g in self.grad[v]] for v in self.variants])

    def first_block(self) -> np.ndarray:
        """(V, D, S) the first block's weight-gradient norm."""
        return np.array([[g[:, 0] for g in self.grad[v]] for v in self.variants])


def residual_norm(*, depths=(6, 12, 24, 48, 96), width: int = 64, batch: int = 32, seeds=(0,)):
    """Ch. 7 ||(dL/dW1^(l), dL/dW2^(l))|| per block of post-LN and pre-LN ReLU residual stacks
    (width, N(0, 1) inputs, a random linear target), at initialisation."""
    width = check_size(width, "width")
    depths = check_ints(depths, "depths", minimum=1)
    batch, seeds = check_size(batch, "batch"), check_ints(seeds, "seeds")
    grad = {v: [] for v in RESIDUAL_VARIANTS}
    trunk = np.empty((len(RESIDUAL_VARIANTS), len(depths), len(seeds)))
    for di, L in enumerate(depths):
        per = {v: np.empty((len(seeds), L)) for v in RESIDUAL_VARIANTS}
        for k, s in enumerate(seeds):
            x, y = _regression_batch(s, batch, width)
            for vi, (name, (pl, kind, alpha, zl)) in enumerate(RESIDUAL_VARIANTS.items()):
                model = norm.init_norm_residual(
                    width, L, 10, placement=pl, norm=kind, alpha=alpha, zero_last=zl, rng=s
                )
                _, g = norm.loss_and_grads(model, x, y)
                p = g.params
                per[name][k] = [
                    np.hypot(np.linalg.norm(p[f"W1_{l}"]), np.linalg.norm(p[f"W2_{l}"]))
                    for l in range(1, L + 1)
                ]
                trunk[vi, di, k] = np.linalg.norm(g.x[0]) / np.linalg.norm(g.x[-1])
        for v in RESIDUAL_VARIANTS:
            grad[v].append(per[v])
    return ResidualNorm(
        tuple(RESIDUAL_VARIANTS), depths, width, {v: tuple(g) for v, g in grad.items()}, trunk
    )


RESIDUAL_TRAIN_VARIANTS = {  # name: (placement, norm, alpha, zero_last)
    "post-LN": ("post", "layer", 1.0, False),
    "pre-LN": ("pre", "layer", 1.0, False),
    "alpha = 0": ("none", "none", 0.0, False),  # ReZero/SkipInit: no normalisation, branches off
    "W2 = 0": ("none", "none", 1.0, True),  # Fixup's zero last layer, without its rescaling
}


class _WarmUp:
    """Adam whose learning rate rises linearly from lr / warmup to lr over the first `warmup`
    steps (constant if warmup = 0), as in the Transformer's schedule without its decay."""

    def __init__(self, lr: float, warmup: int):
        self.adam, self.lr, self.warmup, self.t = optim.Adam(lr), lr, warmup, 0

    def step(self, model, grads):
        self.adam.lr = self.lr * min(1.0, (self.t + 1) / self.warmup) if self.warmup else self.lr
        self.t += 1
        return self.adam.step(model, grads)


@dataclass(frozen=True)
class ResidualTraining:
    """Ch. 7 residual stacks trained by Adam with and without learning-rate warm-up:
    loss[v, u, s, t] is the training loss of variant v with warm-up warmups[u] (0: none), seed
    s, before step t, relative to the loss of the best constant prediction; spread[v, u, s] the
    read-out input's standard deviation over the examples after training (mean over units)."""

    variants: tuple[str, ...]
    warmups: tuple[int, ...]
    seeds: tuple[int, ...]
    depth: int
    width: int
    examples: int
    steps: int
    lr: float
    loss: np.ndarray  # (V, U, S, steps)
    spread: np.ndarray  # (V, U, S)

    def final(self) -> np.ndarray:
        """(V, U, S) the loss averaged over the last tenth of the steps."""
        return self.loss[..., -max(1, self.steps // 10) :].mean(axis=-1)


@quiet_overflow
def residual_training(
    *, variants=tuple(RESIDUAL_TRAIN_VARIANTS), warmups=(0, 20), depth: int = 8, width: int = 16,
    examples: int = 32, steps: int = 60, lr: float = 0.05, seeds=(0, 1, 2, 3, 4),
) -> ResidualTraining:  # fmt: skip
    """Ch. 7 post-LN, pre-LN, alpha = 0 and W2 = 0 ReLU residual stacks (depth blocks of width,
    read-out to one output) trained by full-batch Adam (lr, linear warm-up over each of
    `warmups` steps) on `examples` inputs of a random teacher, per seed."""
    variants = check_choices(variants, "variants", tuple(RESIDUAL_TRAIN_VARIANTS), kind="variant")
    warmups = check_ints(warmups, "warmups")
    seeds = check_ints(seeds, "seeds")
    depth, width = check_size(depth, "depth"), check_size(width, "width")
    examples, steps = check_size(examples, "examples"), check_size(steps, "steps")
    if examples < 2:
        raise ValueError(f"examples must be at least 2 (a normalisation needs 2), got {examples}")
    lr = check_real(lr, "lr", positive=True)
    loss = np.full((len(variants), len(warmups), len(seeds), steps), np.nan)
    spread = np.empty(loss.shape[:3])
    for k, seed in enumerate(seeds):
        x, y = _teacher_task(seed, examples, width)
        for v, name in enumerate(variants):
            placement, kind, alpha, zero_last = RESIDUAL_TRAIN_VARIANTS[name]
            model = norm.init_norm_residual(
                width, depth, 1, placement=placement, norm=kind, alpha=alpha,
                zero_last=zero_last, rng=seed,
            )  # fmt: skip
            for u, warm in enumerate(warmups):
                trained, h = optim.train(model, norm.loss_and_grads, lambda step, x=x, y=y: (x, y),
                                         _WarmUp(lr, warm), steps=steps)  # fmt: skip
                loss[v, u, k, : h.steps] = h.loss / (0.5 * np.mean(y**2))
                spread[v, u, k] = norm.forward(trained, x).r_in.std(axis=0).mean()
    return ResidualTraining(
        variants, warmups, seeds, depth, width, examples, steps, lr, loss, spread
    )


# the numbers the prose quotes -----------------------------------------------------------------


def _range(values, fmt=lambda v: f"{v:.2f}") -> str:
    values = np.asarray(values, dtype=float).ravel()
    lo, hi = fmt(values.min()), fmt(values.max())
    return lo if lo == hi else f"{lo} and {hi}"


def chapter_numbers(
    crit: Criticality, depth: DepthScale, spectra: JacobianSpectra, scales: NormScales,
    res: ResidualNorm,
) -> dict[str, str]:  # fmt: skip
    """Ch. 7 every number the prose quotes, formatted, keyed by its glue name."""
    for value, name, cls in ((crit, "crit", Criticality), (depth, "depth", DepthScale),
                             (spectra, "spectra", JacobianSpectra), (scales, "scales", NormScales),
                             (res, "res", ResidualNorm)):  # fmt: skip
        check_instance(value, name, cls)
    out = {}
    rel = np.abs(np.median(crit.measured, axis=1) / crit.theory_at_points - 1)
    out["ch07_crit_maxdev"] = f"{rel.max():.0%}"
    out["ch07_crit_width"], out["ch07_crit_depth"] = str(crit.width), str(crit.depth)
    for w, b in ((1.8, 0.0), (1.8, 0.3)):
        i = int(np.flatnonzero((crit.points[:, 0] == w) & (crit.points[:, 1] == b))[0])
        key = f"{w:g}_{b:g}".replace(".", "")
        out[f"ch07_crit_th_{key}"] = f"{crit.theory_at_points[i]:.2f}"
        out[f"ch07_crit_ms_{key}"] = f"{np.median(crit.measured[i]):.2f}"
    relu = np.median(crit.relu_measured, axis=1)
    out["ch07_relu_ms"] = ", ".join(f"{v:.2f}" for v in relu)
    out["ch07_relu_w2"] = ", ".join(f"{v:g}" for v in crit.relu_sigma_w2)
    w_b0, b_b0 = meanfield.critical_line(np.array([0.3, 1.0]))
    out["ch07_edge_b"] = f"{b_b0[0]:.3f}"
    out["ch07_edge_w"] = f"{w_b0[0]:.2f}"
    out["ch07_depth_w2crit"] = f"{depth.critical_w2:.2f}"
    out["ch07_depth_points"] = ", ".join(f"{v:g}" for v in depth.points)
    out["ch07_depth_theory"] = ", ".join(f"{v:.1f}" for v in depth.theory_at_points)
    out["ch07_depth_measured"] = ", ".join(f"{v:.1f}" for v in np.median(depth.measured, axis=1))
    i_go = spectra.variants.index("tanh, Gaussian")
    i_to = spectra.variants.index("tanh, orthogonal")
    sv = spectra.singular_values
    out["ch07_iso_orth_range"] = _range(sv[i_to])
    out["ch07_iso_gauss_max"] = f"{sv[i_go].max():.1f}"
    out["ch07_iso_gauss_median"] = sci(float(np.median(sv[i_go])))
    unresolved = sv[i_go] < ROUNDING * sv[i_go].max(axis=-1, keepdims=True)
    out["ch07_iso_gauss_unresolved"] = f"{np.median(unresolved.mean(axis=-1)):.0%}"
    out["ch07_iso_sigma_w2"] = f"{spectra.sigma_w2[0]:.3f}"
    out["ch07_iso_sigma_b2"] = sci(spectra.sigma_b2[0])
    relu = [v for v, name in enumerate(spectra.variants) if name.startswith("ReLU")]
    tiny = [np.mean(sv[v] < 1e-12 * sv[v].max(axis=-1, keepdims=True)) for v in relu]
    out["ch07_iso_relu_zero"] = _range(tiny, lambda v: f"{v:.0%}")
    out["ch07_iso_depth"], out["ch07_iso_width"] = str(spectra.depth), str(spectra.width)
    growth = np.median(scales.growth(), axis=1)
    for kind in scales.norms:
        i = scales.norms.index(kind)
        out[f"ch07_ns_growth_{kind}"] = f"{growth[i]:.2f}"
        out[f"ch07_ns_std_{kind}"] = _range(np.median(scales.act_std[i], axis=0)[1:])
    ib = scales.norms.index("batch")
    out["ch07_ns_batch_total"] = sci(
        float(np.median(scales.grad[ib, :, 1] / scales.grad[ib, :, -1]))
    )
    out["ch07_ns_depth"], out["ch07_ns_width"] = str(scales.depth), str(scales.width)
    out["ch07_ns_batch"] = str(scales.batch)
    last, first = np.median(res.last_block(), axis=-1), np.median(res.first_block(), axis=-1)
    ipost, ipre = res.variants.index("post-LN"), res.variants.index("pre-LN")
    out["ch07_res_depths"] = ", ".join(str(d) for d in res.depths)
    out["ch07_res_post_last"] = _range(last[ipost], lambda v: f"{v:.0f}")
    out["ch07_res_post_first"] = _range(first[ipost], lambda v: f"{v:.1f}")
    out["ch07_res_pre_last"] = ", ".join(f"{v:.1f}" for v in last[ipre])
    out["ch07_res_pre_first"] = _range(first[ipre], lambda v: f"{v:.1f}")
    trunk = np.median(res.trunk, axis=-1)
    out["ch07_res_trunk_post"] = _range(res.trunk[ipost, -1])  # every seed, deepest stack
    out["ch07_res_trunk_pre"] = ", ".join(f"{v:.1f}" for v in trunk[ipre])
    out["ch07_res_width"] = str(res.width)
    out["ch07_res_seeds"] = str(res.trunk.shape[-1])
    return out


@dataclass(frozen=True)
class ZeroBranches:
    """Ch. 7 an unnormalised residual stack whose branches start at zero, at initialisation:
    ReZero/SkipInit style (alpha_l = 0) and Fixup style (W2 = 0, alpha_l = 1)."""

    variants: tuple[str, ...]
    depth: int
    trunk: np.ndarray  # (V,) ||dL/dx_0|| / ||dL/dx_L||
    output_change: np.ndarray  # (V,) max |x_L - x_0|
    grad_W1: np.ndarray  # (V,) largest ||dL/dW1^(l)||
    grad_W2: np.ndarray  # (V,) largest ||dL/dW2^(l)||
    grad_alpha: np.ndarray  # (V,) ||dL/dalpha||


def zero_branches(
    *, depth: int = 48, width: int = 64, batch: int = 32, seed: int = 0
) -> ZeroBranches:
    """Ch. 7 the gradients at initialisation of residual stacks with zero-initialised branches."""
    depth, width = check_size(depth, "depth"), check_size(width, "width")
    batch = check_size(batch, "batch")
    as_generator(seed, name="seed")  # checks the seed
    x, y = _regression_batch(seed, batch, width)
    variants = ("alpha = 0 (ReZero, SkipInit)", "W2 = 0 (Fixup)")
    rows = []
    for alpha, zl in ((0.0, False), (1.0, True)):
        model = norm.init_norm_residual(
            width, depth, 10, placement="none", norm="none", alpha=alpha, zero_last=zl, rng=seed
        )
        cache = norm.forward(model, x)
        _, g = norm.loss_and_grads(model, x, y)
        p = g.params
        rows.append((
            np.linalg.norm(g.x[0]) / np.linalg.norm(g.x[-1]),
            np.abs(cache.x[-1] - cache.x[0]).max(),
            max(np.linalg.norm(p[f"W1_{l}"]) for l in range(1, depth + 1)),
            max(np.linalg.norm(p[f"W2_{l}"]) for l in range(1, depth + 1)),
            np.linalg.norm(p["alpha"]),
        ))  # fmt: skip
    cols = np.array(rows).T
    return ZeroBranches(variants, depth, *cols)


# 6. layer normalisation in a recurrent network ------------------------------------------------


@dataclass(frozen=True)
class LNRNNProducts:
    """Ch. 7 ||dh_T/dh_{T-lag}||_2 of tanh RNNs with and without layer normalisation, over
    spectral radii and input scales (chapter 3's setting): norms[m, r, s, k] for model m
    ("tanh RNN", "LayerNorm RNN"), radius rhos[r], input scale scales[s], seed k."""

    models: tuple[str, ...]
    rhos: np.ndarray
    scales: np.ndarray
    seeds: tuple[int, ...]
    n_h: int
    T: int
    lag: int
    norms: np.ndarray


def _product_norm(model, x, lag: int) -> float:
    """||J_T J_{T-1} ... J_{T-lag+1}||_2 for the one sequence x (1, T, n_x)."""
    J = recurrent.state_jacobians(model, recurrent.forward(model, x))[0]  # (T, n, n)
    P = np.eye(J.shape[1])
    for t in range(J.shape[0] - 1, J.shape[0] - 1 - lag, -1):
        P = P @ J[t]
    return float(np.linalg.norm(P, 2))


def ln_rnn_products(
    *, rhos=(0.5, 1.0, 1.5, 2.0, 2.5), scales=(0.01, 0.1, 1.0), seeds=(0, 1, 2), n_h: int = 64,
    T: int = 160, lag: int = 60,
) -> LNRNNProducts:  # fmt: skip
    """Ch. 7 the product of the last `lag` state Jacobians of a tanh RNN (Gaussian W_hh scaled to
    spectral radius rho, W_xh ~ N(0, 1), one input x_t = s z_t, zero biases) and of the same
    network with layer normalisation of its summed inputs (gain 1, shift 0)."""
    n_h, T, lag = check_size(n_h, "n_h"), check_size(T, "T"), check_size(lag, "lag")
    if lag > T:
        raise ValueError(f"lag must be at most T = {T}, got {lag}")
    rhos = np.asarray(check_reals(rhos, "rhos", positive=True))
    scales = np.asarray(check_reals(scales, "scales", positive=True))
    seeds = check_ints(seeds, "seeds")
    out = np.empty((2, len(rhos), len(scales), len(seeds)))
    for k, seed in enumerate(seeds):
        rng = as_generator(seed, name="seeds")
        W = rng.standard_normal((n_h, n_h))
        W /= np.max(np.abs(np.linalg.eigvals(W)))  # spectral radius 1
        W_xh = rng.standard_normal((n_h, 1))
        z = rng.standard_normal((1, T, 1))
        zeros = (np.zeros((1, n_h)), np.zeros(1))
        for r, rho in enumerate(rhos):
            plain = rnn.RNN(W_xh, rho * W, np.zeros(n_h), *zeros)
            ln = norm.LNRNN(W_xh, rho * W, np.ones(n_h), np.zeros(n_h), *zeros)
            for s, scale in enumerate(scales):
                out[0, r, s, k] = _product_norm(plain, scale * z, lag)
                out[1, r, s, k] = _product_norm(ln, scale * z, lag)
    return LNRNNProducts(("tanh RNN", "LayerNorm RNN"), rhos, scales, seeds, n_h, T, lag, out)


def ln_rnn_numbers(result: LNRNNProducts) -> dict[str, str]:
    """Ch. 7 the ranges the prose quotes: over all radii and seeds, per model and input scale."""
    check_instance(result, "result", LNRNNProducts)
    out = {}
    for m, key in enumerate(("plain", "ln")):
        for s, scale in enumerate(result.scales):
            vals = result.norms[m, :, s]
            out[f"ch07_lnrnn_{key}_{scale:g}".replace(".", "")] = (
                f"{sci(vals.min())} to {sci(vals.max())}"
            )
    out["ch07_lnrnn_rhos"] = f"{result.rhos.min():g} to {result.rhos.max():g}"
    out["ch07_lnrnn_n"], out["ch07_lnrnn_T"] = str(result.n_h), str(result.T)
    out["ch07_lnrnn_lag"] = str(result.lag)
    return out


# the numbers the prose quotes about training ---------------------------------------------------

TRAINABLE_C = 6.0  # Schoenholz et al.'s rule of thumb: trainable up to about 6 xi_c


def _count(mask) -> str:
    mask = np.asarray(mask, dtype=bool)
    return f"{int(mask.sum())} of {mask.size}"


def training_numbers(depth: TrainableDepth, res: ResidualTraining) -> dict[str, str]:
    """Ch. 7 the numbers the prose quotes about the two training experiments, by glue name."""
    check_instance(depth, "depth", TrainableDepth)
    check_instance(res, "res", ResidualTraining)
    out = {}
    ratio = np.array(depth.depths)[None, :] / (TRAINABLE_C * depth.xi_c[:, None])  # (W, D)
    ok = depth.trained()
    out["ch07_td_inside"] = _count(ok[ratio < 1])
    out["ch07_td_beyond"] = _count(ok[ratio > 1.5])
    out["ch07_td_beyond_cells"] = str(int(np.sum(ratio > 1.5)))
    crit = int(np.argmin(np.abs(depth.sigma_w2 - depth.critical_w2)))
    out["ch07_td_crit"] = _count(ok[crit])
    out["ch07_td_crit_w2"] = f"{depth.sigma_w2[crit]:g}"
    out["ch07_td_w2"] = ", ".join(f"{v:g}" for v in depth.sigma_w2)
    out["ch07_td_depths"] = ", ".join(str(d) for d in depth.depths)
    out["ch07_td_six_xi"] = ", ".join(f"{TRAINABLE_C * v:.0f}" for v in depth.xi_c if v < 1e3)
    out["ch07_td_start"] = _range(depth.start, lambda v: f"{v:.1f}")
    for key, value in (("width", depth.width), ("steps", depth.steps), ("lr", depth.lr),
                       ("examples", depth.examples), ("seeds", len(depth.seeds)),
                       ("threshold", depth.threshold)):  # fmt: skip
        out[f"ch07_td_{key}"] = f"{value:g}"
    final = res.final()
    post, none = res.variants.index("post-LN"), res.warmups.index(0)
    stalled = final[post, none]
    others = np.delete(final.reshape(-1, final.shape[-1]), post * len(res.warmups) + none, axis=0)
    out["ch07_rt_post_none"] = _range(stalled)
    out["ch07_rt_others"] = f"{others.max():.2f}"
    out["ch07_rt_collapsed"] = _count(res.spread[post, none] < 1e-3)
    warm = [w for w in res.warmups if w]
    out["ch07_rt_warmup"] = ", ".join(str(w) for w in warm)
    for key, value in (("depth", res.depth), ("width", res.width), ("steps", res.steps),
                       ("lr", res.lr), ("examples", res.examples),
                       ("seeds", len(res.seeds))):  # fmt: skip
        out[f"ch07_rt_{key}"] = f"{value:g}"
    return out
