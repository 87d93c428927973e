"""Chapter 6 measurements: how far back the gradient reaches in gated and vanilla RNNs, how an
LSTM's indirect paths can explode, and a seeded long-range experiment: steps to solve the adding
problem against the sequence length, with early stopping, a cap, and learning rates chosen on a
validation set.

Every model here reads x (B, T, n_x) and predicts one number y_hat_T at the last step, under the
loss 1/2 ||y_hat - y||^2 averaged over the batch, so the adding problem's constant predictor has
loss ``ADDING_BASELINE_LOSS`` = 1/12.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .. import gru, lstm, rnn, stacked
from ..fmt import sci
from ..optim import Adam, train
from ..tasks import ADDING_BASELINE_LOSS, adding_problem
from ..validate import as_generator, check_choice, check_int, check_real, check_size

# tanh RNN, IRNN, LSTM (forget bias 1), GRU; "lstm0" is the LSTM with forget bias 0 (same draws)
MODELS: tuple[str, ...] = ("rnn", "irnn", "lstm", "gru", "lstm0")
MODEL_NAMES = {  # for legends
    "rnn": "tanh RNN",
    "irnn": "IRNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "lstm0": "LSTM, forget bias 0",
}
SOLVED_FRACTION = 0.3  # solved: validation loss < 0.3 x baseline, i.e. MSE < 0.05 (1/6 at baseline)
N_VALID = 256  # validation sequences per length (early stopping, learning-rate selection)
N_TEST = 512  # test sequences per length (the losses reported)
CHECK_EVERY = 25  # steps between two chances to look at the validation set
# A run looks at the validation set (256 sequences, as costly as about eight training steps) only
# when the mean training loss of its last LOOK_BATCHES batches is below LOOK_FACTOR x the
# threshold. It can only delay a solve being noticed, never declare one; in the runs measured
# (tests/test_claims_ch06.py) the training loss had always passed this mark when the validation
# loss first fell below the threshold.
LOOK_BATCHES = 5
LOOK_FACTOR = 3.0

# Tags in the first word of every SeedSequence, so no two kinds of stream can coincide.
_TAG_DATA, _TAG_INIT, _TAG_VALID, _TAG_TEST, _TAG_EXPLODE = 6001, 6002, 6003, 6005, 6006
_OPENBLAS_SETTERS = (  # OpenBLAS's thread-count setter under its known build names
    "openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "scipy_openblas_set_num_threads64_",
)

# validation helpers ---------------------------------------------------------------------------


def _check_tuple(value, name: str, check) -> tuple:
    """Return value as a non-empty tuple of distinct items, each passed through `check`."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a non-empty tuple, got {value!r}")
    items = tuple(check(v) for v in value)
    if len(set(items)) != len(items):
        raise ValueError(f"{name} must not repeat a value, got {value!r}")
    return items


# 1. gradient against distance at initialisation ------------------------------------------------

VARIANTS: tuple[str, ...] = (
    "tanh RNN, uniform W_hh",  # PyTorch's default: every weight U(+-1/sqrt(n_h))
    "tanh RNN, orthogonal W_hh",  # ch. 5's advice: orthogonal W_hh, Xavier W_xh
    "LSTM, forget bias 0",
    "LSTM, forget bias 1",
    "GRU",
)


@dataclass(frozen=True)
class GradientVsDistance:
    """Ch. 6 batch-mean ||dL/ds_{T-m}|| against lag m at initialisation, one row per variant.

    s is the state that carries the past: h_t for the RNN and the GRU, [c_t; h_t] for the LSTM.
    """

    variants: tuple[str, ...]
    lags: np.ndarray  # (T+1,) m = 0..T
    norms: np.ndarray  # (V, T+1) batch mean of ||dL/ds_{T-m}||, divided by its value at m = 0
    forget_means: dict[str, float]  # mean forget gate f_t over batch, time and units, per LSTM

    def at_lag(self, m: int) -> dict[str, float]:
        """Ch. 6 every curve at lag m, by variant."""
        m = check_int(m, "m")
        if m >= len(self.lags):
            raise ValueError(f"m must be at most T = {len(self.lags) - 1}, got {m}")
        return dict(zip(self.variants, self.norms[:, m].tolist(), strict=True))

    @property
    def factor(self) -> np.ndarray:
        """(V,) ch. 6 mean per-step factor over the T steps, (norm at lag T)^(1/T)."""
        return self.norms[:, -1] ** (1.0 / (len(self.lags) - 1))


def gradient_vs_distance(
    T: int = 60,
    n_h: int = 32,
    n_x: int = 4,
    batch: int = 32,
    seed: int = 0,
    input_scale: float = 1.0,
) -> GradientVsDistance:
    """Ch. 6 backward signal ||dL/ds_{T-m}|| against lag m at initialisation: a tanh RNN twice
    (W_hh and W_xh uniform U(+-1/sqrt(n_h)), PyTorch's default for nn.RNN's weights; and
    orthogonal W_hh with Xavier W_xh, ch. 5's advice), an LSTM with forget bias 0 and 1, a GRU;
    the gated networks' weights U(+-1/sqrt(n_h)) too; every other bias zero (PyTorch draws its
    biases from the same uniform); x ~ N(0, input_scale^2) (B, T, n_x), a random
    dL/dh_T ~ N(0, I), the same for every network."""
    T, n_h, n_x, batch = (
        check_size(v, k) for v, k in ((T, "T"), (n_h, "n_h"), (n_x, "n_x"), (batch, "batch"))
    )
    input_scale = check_real(input_scale, "input_scale", positive=True)
    rng = as_generator(seed, name="seed")
    x = input_scale * rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
    g_T = rng.standard_normal((batch, n_h))  # dL/dh_T, (B, n_h)
    init = int(rng.integers(2**31))  # one weight seed: both LSTMs differ only in b_f
    norms = []
    for scheme, scheme_hh in (("standard", "standard"), ("xavier", "orthogonal")):
        tanh_rnn = rnn.init_rnn(
            n_x, n_h, 1, activation="tanh", scheme=scheme, scheme_hh=scheme_hh, rng=init
        )
        if scheme == "standard":  # W_xh ~ U(+-1/sqrt(n_x)) rescaled to PyTorch's U(+-1/sqrt(n_h))
            tanh_rnn = dataclasses.replace(tanh_rnn, W_xh=tanh_rnn.W_xh * np.sqrt(n_x / n_h))
        norms.append(rnn.state_gradient_norms(tanh_rnn, rnn.forward(tanh_rnn, x), g_T)[::-1])
    forget_means = {}
    for name, forget_bias in zip(VARIANTS[2:4], (0.0, 1.0), strict=True):
        model = lstm.init_lstm(n_x, n_h, 1, forget_bias=forget_bias, rng=init)
        cache = lstm.forward(model, x)
        norms.append(lstm.state_gradient_norms(model, cache, g_T)[::-1])
        forget_means[name] = float(cache.f.mean())
    model = gru.init_gru(n_x, n_h, 1, rng=init)
    norms.append(gru.state_gradient_norms(model, gru.forward(model, x), g_T)[::-1])
    norms = np.array(norms)  # (V, T+1), index = lag
    return GradientVsDistance(VARIANTS, np.arange(T + 1), norms / norms[:, :1], forget_means)


DISTANCE_WIDTHS: tuple[int, ...] = (16, 32, 64)
DISTANCE_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class DistanceSpread:
    """Ch. 6 `gradient_vs_distance` at one lag over seeds and widths, and the ratios the prose
    quotes as ranges."""

    widths: tuple[int, ...]
    seeds: tuple[int, ...]
    lag: int
    variants: tuple[str, ...]
    at_lag: np.ndarray  # (W, S, V) relative gradient at the lag, per width, seed, variant
    ranges: dict[str, tuple[float, float]]  # quoted ratio -> (min, max)
    input_scales: tuple[float, ...] = ()  # larger inputs, at the reference width
    scaled: np.ndarray | None = None  # (I, S, V) relative gradient at the lag per input scale
    ratios: dict[str, np.ndarray] = field(default_factory=dict)  # quoted ratio -> its values

    def count_above(self, key: str, value: float = 1.0) -> tuple[int, int]:
        """Ch. 6 (how many of the ratio `key`'s values exceed `value`, how many there are)."""
        key = check_choice(key, "key", tuple(self.ratios), kind="ratio")
        value = check_real(value, "value")
        r = self.ratios[key]
        return int((r > value).sum()), int(r.size)


def distance_spread(
    widths: tuple[int, ...] = DISTANCE_WIDTHS,
    seeds: tuple[int, ...] = DISTANCE_SEEDS,
    lag: int = 30,
    reference_width: int = 32,
    input_scales: tuple[float, ...] = (3.0, 5.0),
) -> DistanceSpread:
    """Ch. 6 the gradient `lag` steps back, over `seeds` and `widths`; ranges of the ratios
    "orth_vs_lstm1" (orthogonal RNN / LSTM forget bias 1; every width, and per width n as
    "orth_vs_lstm1/n"), "orth_vs_default" (orthogonal RNN / the larger of LSTM forget bias 0
    and GRU, every width) and "gating_vs_default_rnn" (that larger one / the tanh RNN with
    PyTorch's default weights, every width); and, at `reference_width` with inputs
    x ~ N(0, a^2) for each a in `input_scales`, "orth_vs_lstm1@a" and "orth_vs_default@a"."""
    widths = _check_tuple(widths, "widths", lambda v: check_size(v, "widths"))
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    lag = check_size(lag, "lag")
    reference_width = check_size(reference_width, "reference_width")
    input_scales = _check_tuple(
        input_scales, "input_scales", lambda a: check_real(a, "input_scales", positive=True)
    )
    if reference_width not in widths:
        raise ValueError(f"reference_width must be one of widths {widths}, got {reference_width}")
    at = np.array(
        [
            [gradient_vs_distance(T=max(60, lag), n_h=n, seed=s).norms[:, lag] for s in seeds]
            for n in widths
        ]
    )  # (W, S, V)
    v = {name: k for k, name in enumerate(VARIANTS)}
    orth = at[..., v["tanh RNN, orthogonal W_hh"]]  # (W, S)
    lstm1 = at[..., v["LSTM, forget bias 1"]]  # (W, S)
    default = np.maximum(at[..., v["LSTM, forget bias 0"]], at[..., v["GRU"]])  # (W, S)
    ratios = {
        "orth_vs_lstm1": orth / lstm1,
        "orth_vs_default": orth / default,
        "gating_vs_default_rnn": default / at[..., v["tanh RNN, uniform W_hh"]],
    }
    ratios |= {f"orth_vs_lstm1/{n}": orth[w] / lstm1[w] for w, n in enumerate(widths)}
    T, n = max(60, lag), reference_width
    scaled = np.array(
        [
            [gradient_vs_distance(T=T, n_h=n, seed=s, input_scale=a).norms[:, lag] for s in seeds]
            for a in input_scales
        ]
    ).reshape(len(input_scales), len(seeds), len(VARIANTS))  # (I, S, V)
    for a, at_a in zip(input_scales, scaled, strict=True):
        orth_a = at_a[:, v["tanh RNN, orthogonal W_hh"]]  # (S,)
        ratios[f"orth_vs_lstm1@{a:g}"] = orth_a / at_a[:, v["LSTM, forget bias 1"]]
        default_a = np.maximum(at_a[:, v["LSTM, forget bias 0"]], at_a[:, v["GRU"]])
        ratios[f"orth_vs_default@{a:g}"] = orth_a / default_a
    ranges = {k: (float(r.min()), float(r.max())) for k, r in ratios.items()}
    return DistanceSpread(widths, seeds, lag, VARIANTS, at, ranges, input_scales, scaled, ratios)


def distance_numbers(spread: DistanceSpread) -> dict[str, object]:
    """Ch. 6 the numbers the chapter quotes from `distance_spread` (its default widths and input
    scales), by glue name, formatted as printed."""
    if not isinstance(spread, DistanceSpread):
        raise TypeError(f"spread must be a DistanceSpread, got {type(spread).__name__}")
    out: dict[str, object] = {"ch06_spread_seeds": len(spread.seeds)}
    for n in spread.widths:
        lo, hi = spread.ranges[f"orth_vs_lstm1/{n}"]
        out[f"ch06_spread_orth_vs_lstm1_{n}"] = f"{sci(lo)} to {sci(hi)}"
    lo, hi = spread.ranges["orth_vs_lstm1"]
    out["ch06_spread_orth_vs_lstm1"] = f"{sci(lo)} to {sci(hi)}"
    lo, hi = spread.ranges["orth_vs_default"]
    out["ch06_spread_orth_vs_default"] = f"{lo:.0f} to {sci(hi)}"
    r = spread.ratios["gating_vs_default_rnn"]  # (W, S)
    ahead, behind = r[r > 1], r[r <= 1]
    out |= {
        "ch06_gating_ahead": int(ahead.size),
        "ch06_gating_pairs": int(r.size),
        "ch06_gating_ahead_by": f"{sci(ahead.min())} to {sci(ahead.max())}" if ahead.size else "",
        "ch06_gating_behind": int(behind.size),
        "ch06_gating_behind_by": (
            f"{sci(1 / behind.max())} to {sci(1 / behind.min())}" if behind.size else ""
        ),
    }
    for a in spread.input_scales:
        for key in ("orth_vs_lstm1", "orth_vs_default"):
            lo, hi = spread.ranges[f"{key}@{a:g}"]
            out[f"ch06_spread_{key}_at{a:g}"] = f"{sci(lo)} to {sci(hi)}"
    return out


@dataclass(frozen=True)
class AddingStartGradient:
    """Ch. 6 the gradient reaching the state m steps back at initialisation, on the sweep's own
    task: its models' initial weights and first training batch of the adding problem."""

    models: tuple[str, ...]  # names as in MODELS ("lstm0": the LSTM with forget bias 0)
    seeds: tuple[int, ...]
    T: int
    n_h: int
    norms: np.ndarray  # (M, S, T+1) batch-mean ||dL/ds_{T-m}|| / its value at m = 0, index = m

    def at_lag(self, model: str, m: int) -> np.ndarray:
        """(S,) ch. 6 `model`'s relative gradient m steps back, per seed."""
        model = check_choice(model, "model", self.models, kind="model")
        m = check_int(m, "m")
        if m > self.T:
            raise ValueError(f"m must be at most T = {self.T}, got {m}")
        return self.norms[self.models.index(model), :, m]


def adding_start_gradient(
    T: int = 80,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    models: tuple[str, ...] = ("rnn", "irnn", "lstm", "lstm0"),
    n_h: int = 16,
    batch: int = 32,
) -> AddingStartGradient:
    """Ch. 6 ||dL/ds_{T-m}|| against lag m for the sweep's models as `solve_adding` starts them
    (same weights per seed; "lstm0" the LSTM's draws with forget bias 0), on the first batch a
    run of length T trains on, with dL/dh_T from the loss at the last step; relative to m = 0."""
    T = check_int(T, "T", minimum=2)
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    models = _check_tuple(
        models, "models", lambda m: check_choice(m, "models", MODELS, kind="model")
    )
    n_h, batch = check_size(n_h, "n_h"), check_size(batch, "batch")
    norms = np.empty((len(models), len(seeds), T + 1))  # (M, S, T+1)
    for s, seed in enumerate(seeds):
        x, y = adding_problem(batch, T, rng=np.random.default_rng([_TAG_DATA, seed, T]))
        for k, model in enumerate(models):
            params = _init_model(model, n_h, _init_rng(model, seed))
            module = _module(model)
            cache = module.forward(params, x)
            g_T = (cache.y_hat[:, -1] - y) @ params.W_hy / batch  # dL/dh_T, (B, n_h)
            profile = module.state_gradient_norms(params, cache, g_T)[::-1]  # index = lag
            norms[k, s] = profile / profile[0]
    return AddingStartGradient(models, seeds, T, n_h, norms)


# 2. LSTM indirect paths can explode -------------------------------------------------------------

EXPLOSION_SETTINGS: tuple[tuple[float, float], ...] = (  # (forget bias, scale of every U_g)
    (1.0, 1.0),
    (1.0, 2.0),
    (1.0, 3.0),
    (3.0, 1.0),
)


@dataclass(frozen=True)
class LSTMExplosion:
    """Ch. 6 ||ds_T/ds_{T-m}||_2 (spectral norm of the state-Jacobian product) against lag m for
    LSTMs with orthogonal recurrent blocks U_g scaled by `scale`, per forget bias, over seeds."""

    settings: tuple[tuple[float, float], ...]  # (forget bias, scale of U_g)
    seeds: tuple[int, ...]
    input_scale: float  # x_t ~ N(0, input_scale^2 I)
    lags: np.ndarray  # (T+1,) m = 0..T
    norms: np.ndarray  # (K, S, T+1) ||ds_T/ds_{T-m}||_2 per setting, seed and lag

    @property
    def at_T(self) -> np.ndarray:
        """(K, S) ch. 6 ||ds_T/ds_0||_2 per setting and seed."""
        return self.norms[:, :, -1]


def lstm_explosion(
    T: int = 60,
    n_h: int = 32,
    n_x: int = 4,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    settings: tuple[tuple[float, float], ...] = EXPLOSION_SETTINGS,
    input_scale: float = 1.0,
) -> LSTMExplosion:
    """Ch. 6 the LSTM's indirect paths explode: ||ds_T/ds_{T-m}||_2 at initialisation for an
    LSTM with orthogonal W_g, U_g (each U_g then scaled), one sequence x ~ N(0, input_scale^2)
    per seed, for each (forget bias, scale) in `settings`. The direct path diag(f_t) alone
    cannot grow; any growth comes through h_{t-1} and the gates."""
    T, n_h, n_x = (check_size(v, k) for v, k in ((T, "T"), (n_h, "n_h"), (n_x, "n_x")))
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    input_scale = check_real(input_scale, "input_scale", positive=True)

    def pair(v):
        if isinstance(v, (str, bytes)) or not isinstance(v, (tuple, list)) or len(v) != 2:
            raise TypeError(f"settings must hold (forget bias, scale) pairs, got {v!r}")
        return (check_real(v[0], "settings"), check_real(v[1], "settings", positive=True))

    settings = _check_tuple(settings, "settings", pair)
    norms = np.empty((len(settings), len(seeds), T + 1))  # (K, S, T+1)
    for s, seed in enumerate(seeds):
        rng = np.random.default_rng([_TAG_EXPLODE, seed])
        x = input_scale * rng.standard_normal((1, T, n_x))  # (1, T, n_x)
        weights = int(rng.integers(2**31))  # the same weights in every setting, before scaling
        for k, (forget_bias, scale) in enumerate(settings):
            model = lstm.init_lstm(
                n_x, n_h, 1, forget_bias=forget_bias, scheme="orthogonal", rng=weights
            )
            model = dataclasses.replace(
                model, **{f"U_{g}": scale * getattr(model, f"U_{g}") for g in lstm.GATES}
            )
            P = lstm.jacobian_products(model, lstm.forward(model, x))[0]  # (T+1, 2n, 2n), [k]
            norms[k, s] = np.linalg.norm(P, ord=2, axis=(1, 2))[::-1]  # index = lag
    return LSTMExplosion(settings, seeds, input_scale, np.arange(T + 1), norms)


# 3. the adding problem: steps to solve against the length ---------------------------------------


def _init_model(model: str, n_h: int, rng: np.random.Generator):
    """Ch. 6 initial weights: the tanh RNN with init_rnn's defaults (Xavier W_xh, W_hy,
    orthogonal W_hh: ch. 5's advice); the IRNN the same but ReLU and W_hh = I (Le et al. 2015);
    the LSTM with forget bias 1 ("lstm0": 0); the GRU with init_gru's."""
    if model == "rnn":
        return rnn.init_rnn(2, n_h, 1, activation="tanh", rng=rng)
    if model == "irnn":
        return rnn.init_rnn(2, n_h, 1, activation="relu", W_hh=np.eye(n_h), rng=rng)
    if model in ("lstm", "lstm0"):
        return lstm.init_lstm(2, n_h, 1, forget_bias=1.0 if model == "lstm" else 0.0, rng=rng)
    return gru.init_gru(2, n_h, 1, rng=rng)


def _init_rng(model: str, seed: int) -> np.random.Generator:
    """Ch. 6 the stream of `model`'s initial weights for `seed` (both LSTMs share one: they
    differ only in the forget bias)."""
    return np.random.default_rng([_TAG_INIT, seed, MODELS.index(model.rstrip("0"))])


def _module(model: str):
    """The module (rnn, lstm, gru) holding `model`'s forward and loss_and_grads."""
    return {"rnn": rnn, "irnn": rnn, "lstm": lstm, "lstm0": lstm, "gru": gru}[model]


def _fixed_set(tag: int, T: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 6 a fixed set of n adding problems of length T (validation or test, by `tag`)."""
    return adding_problem(n, T, rng=np.random.default_rng([tag, T]))


def _loss_on(model: str, params, data: tuple[np.ndarray, np.ndarray]) -> float:
    """Ch. 6 loss 1/2 mean (y_hat_T - y)^2 on a fixed set; inf if it overflowed."""
    x, y = data
    with np.errstate(over="ignore", invalid="ignore"):
        e = _module(model).forward(params, x).y_hat[:, -1] - y  # (n, 1)
        loss = 0.5 * float(np.mean(np.sum(e * e, axis=1)))
    return loss if math.isfinite(loss) else math.inf


@dataclass(frozen=True)
class SolveRun:
    """Ch. 6 one training run on the adding problem, stopped once solved or at the cap."""

    steps: int  # Adam steps taken (a multiple of check_every, at most the cap)
    solved: bool  # validation loss fell below SOLVED_FRACTION x baseline
    valid_loss: float  # validation loss when it stopped (inf if it overflowed)
    test_loss: float  # test loss when it stopped (inf if it overflowed)
    diverged: bool  # a non-finite training loss stopped it


def solve_adding(
    model: str,
    T: int,
    lr: float,
    seed: int,
    *,
    cap: int,
    n_h: int = 16,
    batch: int = 32,
    clip: float = 1.0,
    check_every: int = CHECK_EVERY,
) -> SolveRun:
    """Ch. 6 train `model` on the adding problem of length T with Adam(lr, global-norm clip) on
    fresh batches, checking the validation set every `check_every` steps; stop once its loss is
    below SOLVED_FRACTION x baseline (solved) or after `cap` steps (censored). The batches depend
    on (seed, T) only, the weights on (seed, model): every model and rate sees the same data."""
    model = check_choice(model, "model", MODELS, kind="model")
    T = check_int(T, "T", minimum=2)
    lr = check_real(lr, "lr", positive=True)
    seed = check_int(seed, "seed")
    cap, n_h, batch, check_every = (
        check_size(v, k)
        for v, k in ((cap, "cap"), (n_h, "n_h"), (batch, "batch"), (check_every, "check_every"))
    )
    clip = check_real(clip, "clip", positive=True)
    return SolveRun(*_solve((model, T, seed, lr, cap, n_h, batch, clip, check_every)))


def _solve(task: tuple) -> tuple:
    """Ch. 6 worker body of `solve_adding`: the fields of a SolveRun, seeded by the task alone."""
    model, T, seed, *rest = task
    return _solve_group((model, T, (seed,), *rest))[0]


def _solve_group(task: tuple) -> list[tuple]:
    """Ch. 6 the runs of several seeds of one (model, T, lr), side by side in one ``stacked``
    model: the same runs as `_solve_one` seed by seed, bit for bit (tests/test_stacked.py), at a
    fraction of the numpy calls. A seed leaves the stack once solved or diverged."""
    model, T, seeds, lr, cap, n_h, batch, clip, check_every = task
    if model == "gru":  # no stacked GRU: seed by seed
        return [_solve_one((model, T, s, *task[3:])) for s in seeds]
    data = [np.random.default_rng([_TAG_DATA, s, T]) for s in seeds]
    init = [_init_rng(model, s) for s in seeds]
    st = stacked.stack([_init_model(model, n_h, rng) for rng in init])
    optimizer = stacked.Adam(lr, clip=clip)
    valid = _fixed_set(_TAG_VALID, T, N_VALID)
    threshold = SOLVED_FRACTION * ADDING_BASELINE_LOSS
    active = list(range(len(seeds)))  # stack row -> index into seeds
    done: dict[int, tuple] = {}

    def finish(rows, steps, diverged):
        for row in rows:
            params = st.model(int(row))
            valid_loss = math.inf if diverged else _loss_on(model, params, valid)
            test_loss = _loss_on(model, params, _fixed_set(_TAG_TEST, T, N_TEST))
            done[active[row]] = (
                steps,
                bool(valid_loss < threshold),
                valid_loss,
                test_loss,
                diverged,
            )

    def keep_rows(keep):
        nonlocal st, active
        st = st.select(keep)
        optimizer.select(keep)
        active = [active[k] for k in keep]

    steps = 0
    while active and steps < cap:
        chunk = min(check_every, cap - steps)
        losses = np.empty((chunk, len(active)))  # (chunk, active seeds)
        for j in range(chunk):
            batches = [adding_problem(batch, T, rng=data[k]) for k in active]
            x, y = np.stack([b[0] for b in batches]), np.stack([b[1] for b in batches])
            loss, grads = stacked.loss_and_grads(st, x, y)
            norms = optimizer.norms(grads)
            losses[j] = loss
            bad = ~(np.isfinite(loss) & np.isfinite(norms))
            if bad.any():  # diverged: no update, the run stops with the last finite model
                finish(np.flatnonzero(bad), steps + j + 1, diverged=True)
                keep = np.flatnonzero(~bad)
                if not keep.size:
                    active = []
                    break
                keep_rows(keep)
                losses, grads = losses[:, keep], {k: g[keep] for k, g in grads.items()}
                norms = norms[keep]
            st = optimizer.step(st, grads, norms)
        else:
            steps += chunk
            # look at the validation set only when the last batches suggest it could pass
            look = losses[-LOOK_BATCHES:].mean(axis=0) < LOOK_FACTOR * threshold
            solved = [
                row
                for row in np.flatnonzero(look)
                if _loss_on(model, st.model(int(row)), valid) < threshold
            ]
            if solved:
                finish(solved, steps, diverged=False)
                rest = [r for r in range(len(active)) if r not in solved]
                if not rest:
                    break
                keep_rows(np.array(rest))
            continue
        break  # every seed diverged mid-chunk
    if active and steps >= cap:
        finish(range(len(active)), steps, diverged=False)
    return [done[k] for k in range(len(seeds))]


def _solve_one(task: tuple) -> tuple:
    """Ch. 6 one run by ``optim.train``, model by model (the reference; the GRU's only path):
    the fields of a SolveRun, seeded by the task alone."""
    model, T, seed, lr, cap, n_h, batch, clip, check_every = task
    data = np.random.default_rng([_TAG_DATA, seed, T])
    params = _init_model(model, n_h, _init_rng(model, seed))
    module, optimizer = _module(model), Adam(lr, clip=clip)
    valid = _fixed_set(_TAG_VALID, T, N_VALID)
    threshold = SOLVED_FRACTION * ADDING_BASELINE_LOSS

    def loss_and_grads(params, x, y):
        return module.loss_and_grads(params, x, y, loss_at="last")

    def batches(step: int) -> tuple[np.ndarray, np.ndarray]:
        return adding_problem(batch, T, rng=data)

    steps, valid_loss, diverged, looked = 0, math.inf, False, False
    while steps < cap:
        chunk = min(check_every, cap - steps)
        params, history = train(params, loss_and_grads, batches, optimizer, steps=chunk)
        steps += history.steps
        if history.diverged:
            diverged, valid_loss = True, math.inf
            break
        # look at the validation set only when the last batches suggest it could pass
        looked = float(np.mean(history.loss[-LOOK_BATCHES:])) < LOOK_FACTOR * threshold
        if looked:
            valid_loss = _loss_on(model, params, valid)
            if valid_loss < threshold:
                break
    if not (looked or diverged):  # the loss when it stopped, for the record
        valid_loss = _loss_on(model, params, valid)
    test_loss = _loss_on(model, params, _fixed_set(_TAG_TEST, T, N_TEST))
    return steps, bool(valid_loss < threshold), valid_loss, test_loss, diverged


def _one_blas_thread() -> None:
    """One OpenBLAS thread in this process: by threadpoolctl if installed, else by OpenBLAS's own
    setter in the libraries mapped into the process (Linux); otherwise nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(1)
        return
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:  # not Linux
        return
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)  # already loaded by numpy: this only returns its handle
        except OSError:
            continue
        for name in _OPENBLAS_SETTERS:
            if hasattr(lib, name):
                getattr(lib, name)(1)


def one_blas_thread() -> None:
    """Ch. 6 limit OpenBLAS to one thread in this process (for a chapter's kernel: at these
    matrix sizes a second thread only spins, and on a busy machine it costs up to ten times)."""
    _one_blas_thread()


def _worker_setup() -> None:
    """Ch. 6 worker initializer. One BLAS thread per worker: the (4n, T B) x (T B, n) gradient
    products are big enough for OpenBLAS to thread, and two workers with two spinning threads
    each run three times slower. Setting OPENBLAS_NUM_THREADS here would be too late (numpy is
    loaded)."""
    _one_blas_thread()


def _context():
    """The platform's default way to start workers (fork on Linux: fast), but forkserver from
    Python 3.12, which warns when a process with threads (a Jupyter kernel) forks."""
    if sys.version_info < (3, 12):
        return None
    return multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )


def _cost(group: tuple) -> float:
    """Rough relative cost of a group task (model, T, seeds, lr, cap, ...): the time of a step
    grows with T and the number of seeds, and the tanh RNN tends to run to its cap."""
    per_step = {"rnn": 1.0, "irnn": 1.0, "lstm": 5.0, "lstm0": 5.0, "gru": 5.0}[group[0]] * group[1]
    return per_step * len(group[2]) * (group[4] if group[0] == "rnn" else min(group[4], 1000))


def _groups(tasks: list[tuple], processes: int) -> list[tuple]:
    """The single-seed tasks (model, T, seed, ...) as group tasks (model, T, seeds, ...): the
    seeds of one setting side by side in one stack (measured on two cores: the tanh RNN at
    T = 80 takes 0.8 ms per step and seed in a stack of five, 1.1 alone, 1.6 by `optim.train`;
    the LSTM at T = 120, 6.4, 7.7 and 9), split where there are fewer settings than processes."""
    by_setting: dict[tuple, list[int]] = {}
    for model, T, seed, *rest in tasks:
        by_setting.setdefault((model, T, *rest), []).append(seed)
    parts = max(1, -(-processes // len(by_setting)))  # ceil(processes / settings)
    groups = []
    for (model, T, *rest), seeds in by_setting.items():
        for chunk in np.array_split(np.array(seeds), min(parts, len(seeds))):
            groups.append((model, T, tuple(int(s) for s in chunk), *rest))
    return groups


def _run(tasks: list[tuple], processes: int) -> list[tuple]:
    """Ch. 6 every single-seed task's `_solve` result, in the order of `tasks`: the seeds of one
    setting run side by side (`_solve_group`), the groups on `processes` worker processes
    (dearest first, for balance; each run is seeded by its own key, so the order is moot)."""
    groups = _groups(tasks, processes)
    if processes == 1 or len(groups) == 1:
        done = [_solve_group(group) for group in groups]
    else:
        order = sorted(range(len(groups)), key=lambda k: -_cost(groups[k]))
        with ProcessPoolExecutor(processes, _context(), initializer=_worker_setup) as pool:
            ran = list(pool.map(_solve_group, [groups[k] for k in order], chunksize=1))
        done = [None] * len(groups)
        for k, result in zip(order, ran, strict=True):
            done[k] = result
    result = {}
    for (model, T, seeds, *rest), runs in zip(groups, done, strict=True):
        for seed, run in zip(seeds, runs, strict=True):
            result[(model, T, seed, *rest)] = run
    return [result[task] for task in tasks]


def _check_common(n_h, batch, clip, check_every, processes) -> tuple:
    """Checked n_h, batch, clip, check_every, processes (shared by the selection and sweep)."""
    n_h, batch, check_every, processes = (
        check_size(v, k)
        for v, k in (
            (n_h, "n_h"),
            (batch, "batch"),
            (check_every, "check_every"),
            (processes, "processes"),
        )
    )
    return n_h, batch, check_real(clip, "clip", positive=True), check_every, processes


# 3a. the learning rate, chosen once per model on the validation set ------------------------------

LR_GRID: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)  # the same grid for every model
SELECTION_T = 40  # the reference length of the selection
SELECTION_SEEDS: tuple[int, ...] = (100, 101, 102)  # disjoint from the sweep's seeds
SELECTION_CAP = 3000  # steps
# The rate select_lr(model) picks with the defaults above (precomputed, as the selection takes
# about a minute per model; tests/test_claims_ch06.py re-runs it and checks these values).
# The GRU is not in the book's sweep; `rerun_sweep` selects its rate itself.
CHOSEN_LR: dict[str, float] = {"rnn": 3e-3, "irnn": 1e-2, "lstm": 1e-1}


@dataclass(frozen=True)
class LRSelection:
    """Ch. 6 one model's learning rate, chosen on the validation set at one length: every rate
    of the grid trains every selection seed to solve (early stopping) or to a cap that shrinks to
    the best median so far (a rate that has not solved by then cannot win)."""

    model: str
    T: int
    grid: tuple[float, ...]
    seeds: tuple[int, ...]
    cap: int
    steps: np.ndarray  # (G, S) steps to solve; inf if not solved within its cap; nan if skipped
    valid_loss: np.ndarray  # (G, S) validation loss when the run stopped; nan if skipped
    median_steps: np.ndarray  # (G,) median over seeds of steps (inf if most did not solve)
    chosen: int  # index into grid

    @property
    def lr(self) -> float:
        """Ch. 6 the chosen learning rate."""
        return self.grid[self.chosen]


def select_lr(
    model: str,
    T: int = SELECTION_T,
    grid: tuple[float, ...] = LR_GRID,
    seeds: tuple[int, ...] = SELECTION_SEEDS,
    cap: int = SELECTION_CAP,
    *,
    n_h: int = 16,
    batch: int = 32,
    clip: float = 1.0,
    check_every: int = CHECK_EVERY,
    processes: int = 2,
) -> LRSelection:
    """Ch. 6 the selection rule: the rate with the fewest median steps to solve (on the validation
    set) over `seeds` at length T, ties to the smaller rate; if no rate solves most seeds within
    `cap`, the one with the lowest mean validation loss at the cap. Rates are raced in grid order:
    each runs with the cap lowered to the best median so far, which changes only the cost."""
    model = check_choice(model, "model", MODELS, kind="model")
    T = check_int(T, "T", minimum=2)
    grid = _check_tuple(grid, "grid", lambda v: check_real(v, "grid", positive=True))
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    cap = check_size(cap, "cap")
    n_h, batch, clip, check_every, processes = _check_common(
        n_h, batch, clip, check_every, processes
    )
    G, S = len(grid), len(seeds)
    steps, valid = np.full((G, S), np.nan), np.full((G, S), np.nan)  # (G, S)
    best = cap
    for g, lr in enumerate(grid):
        tasks = [(model, T, s, lr, best, n_h, batch, clip, check_every) for s in seeds]
        for k, (n, solved, v, _, _) in enumerate(_run(tasks, processes)):
            steps[g, k], valid[g, k] = (n if solved else np.inf), v
        median = float(np.median(steps[g]))
        if median < best:
            best = int(median)
    median_steps = np.median(steps, axis=1)  # (G,)
    if np.isfinite(median_steps).any():
        chosen = int(np.argmin(median_steps))  # the first (smallest) rate of the fewest steps
    else:  # every rate ran to the full cap: the lowest mean validation loss
        chosen = int(np.argmin(valid.mean(axis=1)))
    return LRSelection(model, T, grid, seeds, cap, steps, valid, median_steps, chosen)


# 3b. steps to solve against the length ----------------------------------------------------------

PLAN: dict[str, tuple[int, ...]] = {  # lengths per model in the book's sweep
    "rnn": (10, 20, 40, 80),  # capped at 80 already: longer lengths would only burn the cap
    "irnn": (10, 20, 40, 80, 120),
    "lstm": (10, 20, 40, 80, 120),
}
SWEEP_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
SWEEP_CAP = 4000  # steps; more than 5 times the LSTM's median at T = 120 (750)


@dataclass(frozen=True)
class StepsToSolve:
    """Ch. 6 steps to solve the adding problem against the length T, per model and seed, each
    model at its selected learning rate; censored at `cap` when unsolved."""

    models: tuple[str, ...]
    lengths: tuple[int, ...]  # every length any model ran, ascending
    seeds: tuple[int, ...]
    lr: tuple[float, ...]  # (M,) each model's learning rate
    cap: int
    n_h: int
    batch: int
    clip: float
    check_every: int
    baseline: float  # ADDING_BASELINE_LOSS = 1/12, the constant predictor y_hat = 1
    threshold: float  # solved below this validation loss: SOLVED_FRACTION * baseline
    ran: np.ndarray  # (M, L) bool: the model ran at this length
    steps: np.ndarray  # (M, L, S) Adam steps taken (= cap if unsolved); nan where not ran
    solved: np.ndarray  # (M, L, S) bool
    test_loss: np.ndarray  # (M, L, S) test loss when the run stopped; nan where not ran
    seconds: float = field(compare=False)  # wall-clock time of the sweep
    processes: int = field(default=1, compare=False)

    @property
    def n_solved(self) -> np.ndarray:
        """(M, L) ch. 6 seeds solved within the cap (0 where the model did not run)."""
        return self.solved.sum(axis=2)

    @property
    def median_steps(self) -> np.ndarray:
        """(M, L) ch. 6 median steps to solve over seeds, unsolved counted as above the cap
        (inf when most seeds did not solve); nan where the model did not run."""
        censored = np.where(self.solved, self.steps, np.inf)  # (M, L, S)
        with np.errstate(invalid="ignore"):
            median = np.median(censored, axis=2)
        return np.where(self.ran, median, np.nan)

    def cell(self, m: int, l: int) -> str:
        """Ch. 6 table text for model m at length index l: "median (solved/seeds)", the median
        as "> cap" when most seeds did not solve, "not run" where the model did not run."""
        m, l = check_int(m, "m"), check_int(l, "l")
        if m >= len(self.models) or l >= len(self.lengths):
            raise ValueError(f"m, l must index models and lengths, got {m}, {l}")
        if not self.ran[m, l]:
            return "not run"
        median = self.median_steps[m, l]
        text = f"> {self.cap:,}" if np.isinf(median) else f"{median:,.0f}"
        return f"{text} ({self.n_solved[m, l]}/{len(self.seeds)})"

    @property
    def runs(self) -> int:
        """Ch. 6 number of training runs."""
        return int(self.ran.sum()) * len(self.seeds)

    @property
    def total_steps(self) -> int:
        """Ch. 6 Adam steps taken over all runs."""
        return int(np.nansum(self.steps))


def steps_to_solve(
    plan: dict[str, tuple[int, ...]] | None = None,
    seeds: tuple[int, ...] = SWEEP_SEEDS,
    cap: int = SWEEP_CAP,
    lr: dict[str, float] | None = None,
    *,
    n_h: int = 16,
    batch: int = 32,
    clip: float = 1.0,
    check_every: int = CHECK_EVERY,
    processes: int = 2,
) -> StepsToSolve:
    """Ch. 6 the long-range experiment: every (model, length in plan[model], seed) trains to solve
    or to `cap` steps (`solve_adding`), at the model's rate lr[model] (default CHOSEN_LR, chosen
    by `select_lr` at SELECTION_T on the validation set). The runs go to `processes` workers; as
    each is seeded by its own key, the result does not depend on the scheduling (a script whose
    workers are spawned needs the usual ``if __name__ == "__main__":`` guard). Default: 70 runs,
    about 40 s on two free cores."""
    plan = PLAN if plan is None else plan
    if not isinstance(plan, dict) or not plan:
        raise TypeError(f"plan must be a non-empty dict model -> lengths, got {plan!r}")
    models = tuple(check_choice(m, "plan", MODELS, kind="model") for m in plan)
    lengths_of = {
        m: _check_tuple(plan[m], "plan", lambda v: check_int(v, "plan", minimum=2)) for m in models
    }
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    cap = check_size(cap, "cap")
    lr = CHOSEN_LR if lr is None else lr
    if not isinstance(lr, dict) or any(m not in lr for m in models):
        raise TypeError(f"lr must be a dict with a rate for every model of the plan, got {lr!r}")
    rates = tuple(check_real(lr[m], "lr", positive=True) for m in models)
    n_h, batch, clip, check_every, processes = _check_common(
        n_h, batch, clip, check_every, processes
    )
    lengths = tuple(sorted({T for m in models for T in lengths_of[m]}))
    M, L, S = len(models), len(lengths), len(seeds)
    keys = [(m, l, s) for m in range(M) for l in range(L) for s in range(S)]
    keys = [k for k in keys if lengths[k[1]] in lengths_of[models[k[0]]]]
    tasks = [
        (models[m], lengths[l], seeds[s], rates[m], cap, n_h, batch, clip, check_every)
        for m, l, s in keys
    ]
    start = time.perf_counter()
    results = _run(tasks, processes)
    seconds = time.perf_counter() - start
    steps, test = np.full((M, L, S), np.nan), np.full((M, L, S), np.nan)
    solved = np.zeros((M, L, S), dtype=bool)
    for (m, l, s), (n, ok, _, t, _) in zip(keys, results, strict=True):
        steps[m, l, s], solved[m, l, s], test[m, l, s] = n, ok, t
    ran = np.array([[T in lengths_of[m] for T in lengths] for m in models])  # (M, L)
    return StepsToSolve(
        models=models,
        lengths=lengths,
        seeds=seeds,
        lr=rates,
        cap=cap,
        n_h=n_h,
        batch=batch,
        clip=clip,
        check_every=check_every,
        baseline=ADDING_BASELINE_LOSS,
        threshold=SOLVED_FRACTION * ADDING_BASELINE_LOSS,
        ran=ran,
        steps=steps,
        solved=solved,
        test_loss=test,
        seconds=seconds,
        processes=processes,
    )


def rerun_sweep(
    plan: dict[str, tuple[int, ...]] | None = None,
    seeds: tuple[int, ...] = tuple(range(10)),
    cap: int = 20000,
    **kw,
) -> StepsToSolve:
    """Ch. 6 `steps_to_solve` with a reader's budget: the four models (the GRU too, its rate
    chosen first by `select_lr`) at lengths 10 to 200 (the tanh RNN to 120), ten seeds, a cap of
    20,000 steps; other keywords go to steps_to_solve. Not run in the book: about half an hour
    on two free cores (estimated from the time per step, not measured)."""
    if plan is None:
        plan = {
            "rnn": (10, 20, 40, 80, 120),
            "irnn": (10, 20, 40, 80, 120, 200),
            "lstm": (10, 20, 40, 80, 120, 200),
            "gru": (10, 20, 40, 80, 120, 200),
        }
    if kw.get("lr") is None:
        kw["lr"] = dict(CHOSEN_LR)
        if isinstance(plan, dict) and "gru" in plan:
            kw["lr"]["gru"] = select_lr("gru", processes=kw.get("processes", 2)).lr
    return steps_to_solve(plan, seeds, cap, **kw)


def prose_numbers(sweep: StepsToSolve) -> dict[str, object]:
    """Ch. 6 the numbers the chapter's prose and table quote from the steps-to-solve sweep, by
    glue name (formatted as printed; integers stay integers)."""
    if not isinstance(sweep, StepsToSolve):
        raise TypeError(f"sweep must be a StepsToSolve, got {type(sweep).__name__}")
    out: dict[str, object] = {}
    for m, model in enumerate(sweep.models):
        out[f"ch06_lr_{model}"] = f"{sweep.lr[m]:g}"
        for l, T in enumerate(sweep.lengths):
            out[f"ch06_cell_{model}_{T}"] = sweep.cell(m, l)
    out |= {
        "ch06_cap": f"{sweep.cap:,}",
        "ch06_n_seeds": len(sweep.seeds),
        "ch06_runs": sweep.runs,
        "ch06_total_steps": f"{sweep.total_steps:,}",
        "ch06_grid": ", ".join(f"{v:g}" for v in LR_GRID),
        "ch06_sel_T": SELECTION_T,
        "ch06_sel_cap": f"{SELECTION_CAP:,}",
    }
    for m, model in enumerate(sweep.models):
        for l, T in enumerate(sweep.lengths):
            out[f"ch06_med_{model}_{T}"] = f"{sweep.median_steps[m, l]:,.0f}"
            out[f"ch06_nsolved_{model}_{T}"] = int(sweep.n_solved[m, l])
    if "rnn" in sweep.models and 80 in sweep.lengths and len(sweep.lengths) > 2:
        rnn = sweep.models.index("rnn")
        out["ch06_rnn_ratio"] = f"{sweep.median_steps[rnn, 2] / sweep.median_steps[rnn, 0]:.1f}"
        rnn80 = sweep.test_loss[rnn, sweep.lengths.index(80)] / sweep.baseline
        out["ch06_rnn80_test"] = f"{rnn80.min():.2f} to {rnn80.max():.2f}"
    if "lstm" in sweep.models and {10, 40} <= set(sweep.lengths):
        lstm_ = sweep.models.index("lstm")
        T10, T40 = sweep.lengths.index(10), sweep.lengths.index(40)
        ratio = sweep.median_steps[lstm_, T40] / sweep.median_steps[lstm_, T10]
        out["ch06_lstm_ratio"] = f"{ratio:.1f}"
    solved_test = sweep.test_loss[sweep.solved] / sweep.baseline
    out["ch06_test_range"] = f"{solved_test.min():.2f} to {solved_test.max():.2f}"
    return out


def prose_claims(sweep: StepsToSolve) -> dict[str, bool]:
    """Ch. 6 the qualitative sentences the chapter states about its own sweep, each True or False
    for this result (the chapter asserts all of them, so a change that breaks one fails the
    build): every name says what must hold. Needs the book's plan (tanh RNN to 80; IRNN and
    LSTM at 10 and 120 and every length in between that the tanh RNN ran)."""
    if not isinstance(sweep, StepsToSolve):
        raise TypeError(f"sweep must be a StepsToSolve, got {type(sweep).__name__}")
    need = {"rnn": (10, 20, 40, 80), "irnn": (10, 80, 120), "lstm": (10, 80, 120)}
    for model, lengths in need.items():
        if model not in sweep.models or not set(lengths) <= set(sweep.lengths):
            raise ValueError(f"sweep must run {model} at T = {lengths}, as the book's plan does")
    m = {model: sweep.models.index(model) for model in need}
    L = {T: l for l, T in enumerate(sweep.lengths)}
    med, S = sweep.median_steps, len(sweep.seeds)
    gated = [
        l for l in range(len(sweep.lengths)) if sweep.ran[m["irnn"], l] and sweep.ran[m["lstm"], l]
    ]
    rnn80 = sweep.test_loss[m["rnn"], L[80]] / sweep.baseline
    return {
        "lstm solves every length in every seed": bool(
            np.all(sweep.n_solved[m["lstm"], sweep.ran[m["lstm"]]] == S)
        ),
        "irnn solves every length in every seed": bool(
            np.all(sweep.n_solved[m["irnn"], sweep.ran[m["irnn"]]] == S)
        ),
        "irnn needs fewer median steps than the lstm at every length": bool(
            all(med[m["irnn"], l] < med[m["lstm"], l] for l in gated)
        ),
        "lstm cost grows more slowly than the length (from T = 10)": bool(
            all(med[m["lstm"], L[T]] / med[m["lstm"], L[10]] < T / 10 for T in sweep.lengths[1:])
        ),
        "rnn cost at least in proportion to the length up to 40": bool(
            all(med[m["rnn"], L[T]] / med[m["rnn"], L[10]] >= T / 10 for T in (20, 40))
        ),
        "rnn solves most seeds up to 40, few at 80": bool(
            all(sweep.n_solved[m["rnn"], L[T]] >= (S + 1) // 2 for T in (10, 20, 40))
            and np.isinf(med[m["rnn"], L[80]])
        ),
        "rnn capped runs at 80 end near the baseline (> 0.9 x)": bool(
            np.all(rnn80[~sweep.solved[m["rnn"], L[80]]] > 0.9)
        ),
        "irnn and lstm solve T = 80 in a median of a few hundred steps": bool(
            med[m["irnn"], L[80]] < 1000 and med[m["lstm"], L[80]] < 1000
        ),
        "irnn and lstm solve up to 120 in a median under 1,000 steps": bool(
            np.all(med[m["irnn"], sweep.ran[m["irnn"]]] < 1000)
            and np.all(med[m["lstm"], sweep.ran[m["lstm"]]] < 1000)
        ),
        "the cap is more than five times the lstm's median at the longest length": bool(
            sweep.cap > 5 * med[m["lstm"], L[max(sweep.lengths)]]
        ),
    }
