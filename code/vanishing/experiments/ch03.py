"""Chapter 3 measurements: ||dh_T/dh_{T-k}|| against k, transient growth, eigenvector bounds,
and where tanh products vanish or explode (order and chaos)."""

from __future__ import annotations

import contextlib
import ctypes
from dataclasses import dataclass, replace

import numpy as np

from ..fmt import sci
from ..linalg import nonnormal_example, power_norms, random_matrix, sigma_max, spectral_radius
from ..rnn import forward, init_rnn, jacobian_products
from ..validate import (
    check_choices,
    check_int,
    check_ints,
    check_real,
    check_reals,
    check_recurrent,
    check_size,
)


@dataclass(frozen=True)
class NormVsLag:
    """||dh_T/dh_{T-k}||_2 for k = 0..T, for each spectral radius and each network variant."""

    rhos: np.ndarray  # (R,)
    variants: tuple[str, ...]  # e.g. ("linear, orthogonal W", ...)
    lags: np.ndarray  # (T+1,)
    norms: np.ndarray  # (V, R, T+1), inf where a linear product overflowed
    sigma_max: np.ndarray  # (V, R) largest singular value of W_hh for each variant


# name -> (activation, kind of W_hh, std of the input)
VARIANTS = {
    "linear, orthogonal W": ("identity", "orthogonal", 0.0),
    "linear, Gaussian W": ("identity", "gaussian", 0.0),
    "tanh, Gaussian W, N(0,1) input": ("tanh", "gaussian", 1.0),
}


RHOS = tuple(round(0.5 + 0.05 * i, 2) for i in range(21))  # 0.5, 0.55, ..., 1.5


def norm_vs_lag(
    rhos: tuple[float, ...] = RHOS,
    *,
    variants: tuple[str, ...] = tuple(VARIANTS),
    T: int = 60,
    n_h: int = 64,
    seed: int = 0,
) -> NormVsLag:
    """Norm of the Jacobian product dh_T/dh_{T-k} for W_hh scaled to each spectral radius."""
    variants = check_choices(variants, "variants", tuple(VARIANTS), kind="variant")
    rhos = np.array(check_reals(rhos, "rhos", positive=True))
    T, n_h, seed = check_size(T, "T"), check_size(n_h, "n_h"), check_int(seed, "seed")
    norms = np.empty((len(variants), len(rhos), T + 1))
    smax = np.empty((len(variants), len(rhos)))
    x_base = np.random.default_rng(seed).standard_normal((1, T, 1))  # (B=1, T, n_x=1)
    for v, name in enumerate(variants):
        activation, kind, x_std = VARIANTS[name]
        for r, rho in enumerate(rhos):
            W_hh = random_matrix(n_h, rho=rho, kind=kind, rng=seed + 1)
            smax[v, r] = sigma_max(W_hh)
            # W_xh ~ N(0, 1): the input drives tanh units into saturation when x_std > 0.
            model = init_rnn(
                1, n_h, 1, activation=activation, W_hh=W_hh, scheme="normal", rng=seed + 2
            )
            P = jacobian_products(model, forward(model, x_std * x_base))[0]  # (T+1, n, n)
            with np.errstate(over="ignore", invalid="ignore"):
                spectral = np.array([_norm2(P[T - k]) for k in range(T + 1)])
            norms[v, r] = spectral
    return NormVsLag(rhos, tuple(variants), np.arange(T + 1), norms, smax)


def _norm2(M: np.ndarray) -> float:
    """Spectral norm, inf for a matrix that overflowed."""
    return float(np.linalg.norm(M, 2)) if np.all(np.isfinite(M)) else float("inf")


@dataclass(frozen=True)
class TransientGrowth:
    """||W^k|| of a non-normal matrix next to rho^k and sigma_max^k."""

    W: np.ndarray  # (2, 2)
    k: np.ndarray  # (K+1,)
    norms: np.ndarray  # (K+1,)
    rho: float
    sigma_max: float

    @property
    def peak(self) -> tuple[int, float]:
        """(k, ||W^k||) at the largest norm."""
        i = int(np.argmax(self.norms))
        return i, float(self.norms[i])


def transient_growth(lam: float = 0.9, c: float = 4.0, k_max: int = 80) -> TransientGrowth:
    """Powers of [[lam, c], [0, lam]]: growth before decay although rho = lam < 1."""
    k_max = check_size(k_max, "k_max")
    W = nonnormal_example(lam, c)
    return TransientGrowth(
        W, np.arange(k_max + 1), power_norms(W, k_max), spectral_radius(W), sigma_max(W)
    )


# ------------------------------------------------------------ the bound ||M^k|| <= kappa_2(V) rho^k


@dataclass(frozen=True)
class EigenvectorBound:
    """Ch. 3: ||M^k||_2 of a diagonalisable non-normal matrix next to the bound kappa_2(V) rho^k."""

    M: np.ndarray  # (n, n)
    k: np.ndarray  # (K+1,)
    norms: np.ndarray  # (K+1,) ||M^k||_2
    rho: float
    kappa: float  # kappa_2(V) = ||V||_2 ||V^{-1}||_2, unit-length eigenvector columns

    @property
    def bound(self) -> np.ndarray:
        """kappa_2(V) rho^k for each k, an upper bound on ||M^k||_2."""
        return self.kappa * self.rho**self.k

    @property
    def peak(self) -> tuple[int, float]:
        """(k, ||M^k||) at the largest norm."""
        i = int(np.argmax(self.norms))
        return i, float(self.norms[i])

    @property
    def ratio(self) -> np.ndarray:
        """||M^k||_2 / rho^k for each k: how far above rho^k the powers run (at most kappa)."""
        return self.norms / self.rho**self.k


def eigenvector_condition(M) -> float:
    """Ch. 3 kappa_2(V) of M's eigenvector matrix V (columns of unit length, as numpy returns)."""
    M = check_recurrent(M, "M")
    _, V = np.linalg.eig(M)
    return float(np.linalg.cond(V, 2))


def eigenvector_bound(M=None, k_max: int = 80) -> EigenvectorBound:
    """Ch. 3 powers of a diagonalisable M with the bound ||M^k|| <= kappa_2(V) rho^k.

    M defaults to [[0.9, 4], [0, 0.8]]: distinct eigenvalues 0.9 and 0.8, so it is diagonalisable,
    but its two eigenvectors are nearly parallel.
    """
    M = np.array([[0.9, 4.0], [0.0, 0.8]]) if M is None else check_recurrent(M, "M")
    k_max = check_size(k_max, "k_max")
    norms = power_norms(M, k_max)
    return EigenvectorBound(
        M, np.arange(k_max + 1), norms, spectral_radius(M), eigenvector_condition(M)
    )


@dataclass(frozen=True)
class GaussianPowers:
    """Ch. 3: ||W^k||_2 / rho^k and kappa_2(V) for the Gaussian W_hh of the lag figure, per seed."""

    n_h: int
    seeds: tuple[int, ...]
    k: np.ndarray  # (K+1,)
    ratios: np.ndarray  # (len(seeds), K+1) ||W^k||_2 / rho^k, the same for every multiple of W
    kappas: np.ndarray  # (len(seeds),) kappa_2(V), unit-length eigenvectors


def gaussian_powers(
    n_h: int = 64, k_max: int = 300, seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> GaussianPowers:
    """Ch. 3 how far the powers of Gaussian W_hh (seed s as in ``norm_vs_lag(seed=s)``) run
    above rho^k, next to the bound kappa_2(V)."""
    n_h, k_max = check_size(n_h, "n_h"), check_size(k_max, "k_max")
    seeds = check_ints(seeds, "seeds")
    mats = [random_matrix(n_h, rho=1.0, kind="gaussian", rng=s + 1) for s in seeds]  # rho = 1
    ratios = np.array([power_norms(W, k_max) for W in mats])
    kappas = np.array([eigenvector_condition(W) for W in mats])
    return GaussianPowers(n_h, seeds, np.arange(k_max + 1), ratios, kappas)


# ------------------------------------------------------------------------------- order and chaos


@contextlib.contextmanager
def _one_blas_thread():
    """Run the block with one OpenBLAS thread, then restore the previous count (Linux; elsewhere,
    or for another BLAS, nothing changes). The order/chaos products are (S n, n) x (n, n) matrix
    products, just big enough for OpenBLAS to thread: on a busy 2-core machine its spinning
    threads made them 10 to 40 times slower than one thread."""
    pairs = []
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        paths = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)  # already loaded by numpy: this only returns its handle
        except OSError:
            continue
        for prefix, suffix in _OPENBLAS_NAMES:
            get, put = f"{prefix}get_num_threads{suffix}", f"{prefix}set_num_threads{suffix}"
            if hasattr(lib, get) and hasattr(lib, put):
                pairs.append((getattr(lib, put), int(getattr(lib, get)())))
                getattr(lib, put)(1)
    try:
        yield
    finally:
        for put, previous in pairs:
            put(previous)


_OPENBLAS_NAMES = (("openblas_", ""), ("openblas_", "64_"), ("scipy_openblas_", ""))
_OPENBLAS_NAMES += (("scipy_openblas_", "64_"),)


SCALES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0)
CHAOS_RHOS = tuple(round(0.5 + 0.1 * i, 1) for i in range(21))  # 0.5, 0.6, ..., 2.5
CURVE_RHOS = (1.2, 1.5)  # the two spectral radii of the order/chaos figure's right panel
BURN_IN = 180  # steps from h_0 = 0 before the order/chaos products start: stationary state


@dataclass(frozen=True)
class OrderChaos:
    """Ch. 3: ||dh_T/dh_{T-lag}||_2 of tanh RNNs over spectral radius x input scale x seed.

    The networks of the tanh panel of the lag figure (fig-ch03-norm-vs-lag): Gaussian W_hh scaled
    to rho, W_xh ~ N(0, 1), n_x = 1, one input sequence x_t = s z_t with z_t ~ N(0, 1), h_0 = 0;
    seed s gives the same W_hh, W_xh and z as ``norm_vs_lag(seed=s)``. The norm is that of the
    product of the last ``lag`` Jacobians of T steps; with T > lag the first T - lag steps are a
    burn-in that lets the state leave h_0 = 0 (from there it needs about ten steps to reach its
    stationary size, and a weakly driven network is nearly linear meanwhile).
    """

    rhos: np.ndarray  # (R,)
    scales: np.ndarray  # (S,) input scale s
    widths: tuple[int, ...]  # (N,)
    seeds: tuple[int, ...]
    T: int
    lag: int
    norms: np.ndarray  # (N, R, S, len(seeds))
    slope2: np.ndarray  # (N, R, S, len(seeds)) mean of phi'(z_t)^2 over units and the lag steps

    @property
    def rate(self) -> np.ndarray:
        """Per-step growth rate ||dh_T/dh_{T-lag}||^(1/lag); above 1 the products explode."""
        return self.norms ** (1.0 / self.lag)

    def at(self, rho: float, scale: float, width: int | None = None) -> np.ndarray:
        """The norms over seeds, (len(seeds),), at the grid point nearest (rho, scale)."""
        w = self._width_index(width)
        rho, scale = check_real(rho, "rho"), check_real(scale, "scale", positive=True)
        for name, value, grid in (("rho", rho, self.rhos), ("scale", scale, self.scales)):
            if not grid[0] * (1 - 1e-9) <= value <= grid[-1] * (1 + 1e-9):
                raise ValueError(f"{name} must lie in the grid {grid[0]}..{grid[-1]}, got {value}")
        r = int(np.argmin(np.abs(self.rhos - rho)))
        s = int(np.argmin(np.abs(np.log(self.scales) - np.log(scale))))
        return self.norms[w, r, s]

    def _width_index(self, width) -> int:
        if width is None:
            return 0
        width = check_size(width, "width")
        if width not in self.widths:
            raise ValueError(f"width must be one of the run's widths {self.widths}, got {width}")
        return self.widths.index(width)

    def boundary(self, width: int | None = None) -> np.ndarray:
        """For each input scale, the smallest grid rho at which the median norm exceeds 1 (nan if
        none does); (S,)."""
        w = self._width_index(width)
        explodes = np.median(self.norms[w], axis=-1) > 1.0  # (R, S)
        first = np.argmax(explodes, axis=0)
        return np.where(explodes.any(axis=0), self.rhos[first], np.nan)


def _check_grid(values, name: str) -> np.ndarray:
    """Return values as a non-empty, increasing float array of positive numbers, or raise."""
    arr = np.array(check_reals(values, name, positive=True))
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be increasing, got {values}")
    return arr


def tanh_lag_norms(
    rhos, scales, *, n_h: int = 64, T: int = 60, lag: int = 60, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 3 ||dh_T/dh_{T-lag}||_2 of one tanh RNN per (rho, scale), and the mean phi'^2 over the
    units and the steps T - lag + 1..T; returns two (R, S) arrays."""
    rhos, scales = _check_grid(rhos, "rhos"), _check_grid(scales, "scales")
    n_h, T = check_size(n_h, "n_h"), check_size(T, "T")
    lag = check_size(lag, "lag")
    if lag > T:
        raise ValueError(f"lag must be <= T = {T}, got {lag}")
    seed = check_int(seed, "seed")
    W1 = random_matrix(n_h, rho=1.0, kind="gaussian", rng=seed + 1)  # every W_hh is rho * W1
    base = init_rnn(1, n_h, 1, activation="tanh", W_hh=W1, scheme="normal", rng=seed + 2)
    z = np.random.default_rng(seed).standard_normal((1, T, 1))  # (B=1, T, n_x=1)
    x = scales[:, None, None] * z  # one batch row per input scale, (S, T, 1)
    out = np.empty((len(rhos), len(scales)))
    slope2 = np.empty((len(rhos), len(scales)))
    for r, rho in enumerate(rhos):
        model = replace(base, W_hh=rho * W1)
        d = 1.0 - np.tanh(forward(model, x).z) ** 2  # phi'(z_t), (S, T, n_h)
        # P <- P J_t = (P diag(phi'(z_t))) W_hh for t = T, ..., T - lag + 1: one 2-D matmul a step
        P = np.broadcast_to(np.eye(n_h), (len(scales), n_h, n_h))
        for t in range(T, T - lag, -1):
            P = ((P * d[:, None, t - 1]).reshape(-1, n_h) @ model.W_hh).reshape(P.shape)
        out[r] = np.linalg.norm(P, 2, axis=(1, 2))  # ||dh_T/dh_{T-lag}||_2
        slope2[r] = np.mean(d[:, T - lag :] ** 2, axis=(1, 2))
    return out, slope2


def order_chaos(
    rhos=CHAOS_RHOS,
    scales=SCALES,
    *,
    widths: tuple[int, ...] = (64,),
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    T: int = BURN_IN + 60,
    lag: int = 60,
) -> OrderChaos:
    """Ch. 3 where tanh Jacobian products vanish or explode, over (rho, input scale), per seed:
    by default the product of the last 60 Jacobians after a burn-in of 180 steps."""
    widths = check_ints(widths, "widths", 1)
    seeds = check_ints(seeds, "seeds")
    rhos, scales = _check_grid(rhos, "rhos"), _check_grid(scales, "scales")
    with _one_blas_thread():  # see _one_blas_thread: many threads made this far slower
        runs = [
            [tanh_lag_norms(rhos, scales, n_h=w, T=T, lag=lag, seed=s) for s in seeds]
            for w in widths
        ]
    norms = np.array([[run[0] for run in row] for row in runs])  # (N, seeds, R, S)
    slope2 = np.array([[run[1] for run in row] for row in runs])
    return OrderChaos(
        np.asarray(rhos, dtype=float),
        np.asarray(scales, dtype=float),
        widths,
        seeds,
        T,
        lag,
        np.moveaxis(norms, 1, -1),  # (N, R, S, seeds)
        np.moveaxis(slope2, 1, -1),
    )


def order_chaos_numbers(cases: dict) -> dict[str, str]:
    """Ch. 3 the ranges the order-and-chaos section quotes, by glue name: for each
    {name: (OrderChaos result, rho, input scale, width)}, the norms over the seeds and the
    per-step growth rates in percent; and the burn-in and length of the first result."""
    if not isinstance(cases, dict) or not cases:
        raise TypeError("cases must be a non-empty dict {name: (result, rho, scale, width)}")
    out = {}
    for name, case in cases.items():
        if not isinstance(case, tuple | list) or len(case) != 4:
            raise TypeError(f"cases[{name!r}] must be a tuple (result, rho, scale, width)")
        result, rho, s, width = case
        if not isinstance(result, OrderChaos):
            raise TypeError(f"cases[{name!r}] must hold an OrderChaos result")
        runs = result.at(rho, s, width)  # the seeds
        out[f"ch03_oc_{name}"] = f"{sci(runs.min())} and {sci(runs.max())}"
        rate = 100 * (runs ** (1 / result.lag) - 1)  # per-step growth, %
        out[f"ch03_oc_{name}_rate"] = f"{rate.min():.1f} to {rate.max():.1f} %"
    first = next(iter(cases.values()))[0]
    out["ch03_oc_burn"] = f"{first.T - first.lag}"
    out["ch03_oc_T"] = f"{first.T}"
    return out
