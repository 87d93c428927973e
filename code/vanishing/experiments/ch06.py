"""Chapter 6 measurements: how far back the gradient reaches in gated and vanilla RNNs, and a fair,
seeded long-range experiment (the adding problem) with a small, fixed training budget.

Every model here reads x (B, T, n_x) and predicts one number y_hat_T at the last step, under the
loss 1/2 ||y_hat - y||^2 averaged over the batch, so the adding problem's constant predictor has
loss ``ADDING_BASELINE_LOSS`` = 1/12.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .. import gru, lstm, rnn
from ..optim import Adam, train
from ..tasks import ADDING_BASELINE_LOSS, adding_problem
from ..validate import as_generator, check_choice, check_int, check_real, check_size

MODELS: tuple[str, ...] = ("rnn", "lstm", "gru")  # vanilla tanh RNN, LSTM, GRU
MODEL_NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}  # for legends and prose
SOLVED_FRACTION = 0.3  # solved: held-out loss < 0.3 x baseline, i.e. MSE < 0.05 (1/6 at baseline)
N_HELDOUT = 512  # held-out sequences per length

# Tags in the first word of every SeedSequence, so no two kinds of stream can coincide.
_TAG_DATA, _TAG_INIT, _TAG_HELDOUT = 6001, 6002, 6003
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
    "tanh RNN",
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
    T: int = 60, n_h: int = 32, n_x: int = 4, batch: int = 32, seed: int = 0
) -> GradientVsDistance:
    """Ch. 6 backward signal ||dL/ds_{T-m}|| against lag m at initialisation: a tanh RNN, an LSTM
    with forget bias 0 and 1, a GRU; all weights U(+-1/sqrt(n_h)) (the RNN's W_xh
    U(+-1/sqrt(n_x))), biases zero, x ~ N(0, 1) (B, T, n_x), a random dL/dh_T ~ N(0, I)."""
    T, n_h, n_x, batch = (
        check_size(v, k) for v, k in ((T, "T"), (n_h, "n_h"), (n_x, "n_x"), (batch, "batch"))
    )
    rng = as_generator(seed, name="seed")
    x = rng.standard_normal((batch, T, n_x))  # (B, T, n_x)
    g_T = rng.standard_normal((batch, n_h))  # dL/dh_T, (B, n_h)
    init = int(rng.integers(2**31))  # one weight seed: both LSTMs differ only in b_f
    tanh_rnn = rnn.init_rnn(
        n_x, n_h, 1, activation="tanh", scheme="standard", scheme_hh="standard", rng=init
    )
    norms = [rnn.state_gradient_norms(tanh_rnn, rnn.forward(tanh_rnn, x), g_T)[::-1]]
    forget_means = {}
    for name, forget_bias in zip(VARIANTS[1:3], (0.0, 1.0), strict=True):
        model = lstm.init_lstm(n_x, n_h, 1, forget_bias=forget_bias, rng=init)
        cache = lstm.forward(model, x)
        norms.append(lstm.state_gradient_norms(model, cache, g_T)[::-1])
        forget_means[name] = float(cache.f.mean())
    model = gru.init_gru(n_x, n_h, 1, rng=init)
    norms.append(gru.state_gradient_norms(model, gru.forward(model, x), g_T)[::-1])
    norms = np.array(norms)  # (V, T+1), index = lag
    return GradientVsDistance(VARIANTS, np.arange(T + 1), norms / norms[:, :1], forget_means)


# 2. the adding problem, trained ----------------------------------------------------------------


def _init_model(model: str, n_h: int, rng: np.random.Generator):
    """Ch. 6 initial weights for the sweep: the RNN with init_rnn's defaults (Xavier W_xh, W_hy,
    orthogonal W_hh: ch. 5's advice), the LSTM with forget bias 1, the GRU with init_gru's."""
    if model == "rnn":
        return rnn.init_rnn(2, n_h, 1, activation="tanh", rng=rng)
    if model == "lstm":
        return lstm.init_lstm(2, n_h, 1, forget_bias=1.0, rng=rng)
    return gru.init_gru(2, n_h, 1, rng=rng)


def _module(model: str):
    """The module (rnn, lstm, gru) holding `model`'s forward and loss_and_grads."""
    return {"rnn": rnn, "lstm": lstm, "gru": gru}[model]


def _heldout_set(T: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ch. 6 the fixed held-out adding problems of length T: x (n, T, 2), y (n, 1)."""
    return adding_problem(n, T, rng=np.random.default_rng([_TAG_HELDOUT, T]))


def _heldout_loss(model: str, params, T: int, n: int) -> float:
    """Ch. 6 held-out loss 1/2 mean (y_hat_T - y)^2 on the fixed set; inf if it overflowed."""
    x, y = _heldout_set(T, n)
    with np.errstate(over="ignore", invalid="ignore"):
        e = _module(model).forward(params, x).y_hat[:, -1] - y  # (n, 1)
        loss = 0.5 * float(np.mean(np.sum(e * e, axis=1)))
    return loss if math.isfinite(loss) else math.inf


def _train_one(task: tuple) -> tuple[float, bool]:
    """Ch. 6 one training run of the sweep: (held-out loss, diverged) for one task
    (model, T, seed, lr, steps, n_h, batch, clip, n_heldout), seeded by the task alone."""
    model, T, seed, lr, steps, n_h, batch, clip, n_heldout = task
    # The batches depend on (seed, T) and the weights on (seed, model) only: every model and
    # learning rate sees the same data (common random numbers), whichever process runs it.
    data = np.random.default_rng([_TAG_DATA, seed, T])
    params = _init_model(model, n_h, np.random.default_rng([_TAG_INIT, seed, MODELS.index(model)]))
    module = _module(model)

    def loss_and_grads(params, x, y):
        return module.loss_and_grads(params, x, y, loss_at="last")

    def batches(step: int) -> tuple[np.ndarray, np.ndarray]:
        return adding_problem(batch, T, rng=data)

    params, history = train(params, loss_and_grads, batches, Adam(lr, clip=clip), steps=steps)
    return _heldout_loss(model, params, T, n_heldout), bool(history.diverged)


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


def _cost(task: tuple) -> float:
    """Rough relative cost of a task (model, T, ...): per-step time grows with T."""
    return {"rnn": 1.0, "lstm": 3.0, "gru": 3.0}[task[0]] * task[1]


def _run(tasks: list[tuple], processes: int) -> list[tuple[float, bool]]:
    """Ch. 6 every task's result, in the order of `tasks`, on `processes` worker processes
    (dearest first, for balance; each task is seeded by its own key, so the order is moot)."""
    if processes == 1:
        return [_train_one(task) for task in tasks]
    order = sorted(range(len(tasks)), key=lambda k: -_cost(tasks[k]))
    with ProcessPoolExecutor(processes, _context(), initializer=_worker_setup) as pool:
        done = list(pool.map(_train_one, [tasks[k] for k in order], chunksize=1))
    results = [None] * len(tasks)
    for k, result in zip(order, done, strict=True):
        results[k] = result
    return results


@dataclass(frozen=True)
class AddingSweep:
    """Ch. 6 the adding problem learnt within a fixed budget: held-out loss per model, length,
    learning rate and seed, and each model's best learning rate per length."""

    models: tuple[str, ...]
    lengths: tuple[int, ...]
    seeds: tuple[int, ...]
    lr_grid: tuple[float, ...]
    steps: int
    n_h: int
    batch: int
    clip: float
    n_heldout: int
    baseline: float  # ADDING_BASELINE_LOSS = 1/12, the constant predictor y_hat = 1
    threshold: float  # solved below this held-out loss: SOLVED_FRACTION * baseline
    heldout_all: np.ndarray  # (M, L, G, S) held-out loss after training; inf if it overflowed
    diverged_all: np.ndarray  # (M, L, G, S) bool: training met a non-finite loss and stopped
    chosen_lr: np.ndarray  # (M, L) the grid lr with the lowest mean held-out loss over seeds
    heldout: np.ndarray  # (M, L, S) held-out loss at the chosen lr
    solved: np.ndarray  # (M, L, S) bool: heldout < threshold
    seconds: float = field(compare=False)  # wall-clock time of the sweep
    processes: int = field(default=1, compare=False)

    @property
    def success_rate(self) -> np.ndarray:
        """(M, L) ch. 6 fraction of seeds solved at the chosen learning rate."""
        return self.solved.mean(axis=2)

    @property
    def mean_heldout(self) -> np.ndarray:
        """(M, L) ch. 6 mean held-out loss over seeds at the chosen learning rate."""
        return self.heldout.mean(axis=2)

    @property
    def runs(self) -> int:
        """Ch. 6 number of training runs in the sweep, M L G S."""
        return self.heldout_all.size


def _check_sweep(lengths, seeds, lr_grid, models) -> tuple[tuple, ...]:
    """Checked lengths (ints >= 2), seeds (ints >= 0), lr_grid (reals > 0), models (names)."""
    return (
        _check_tuple(lengths, "lengths", lambda v: check_int(v, "lengths", minimum=2)),
        _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds")),
        _check_tuple(lr_grid, "lr_grid", lambda v: check_real(v, "lr_grid", positive=True)),
        _check_tuple(models, "models", lambda v: check_choice(v, "models", MODELS, kind="model")),
    )


def _best_lr(heldout_all: np.ndarray) -> np.ndarray:
    """(M, L) index into the grid of the lowest mean held-out loss over seeds (first if tied)."""
    return np.argmin(heldout_all.mean(axis=3), axis=2)  # an inf (overflowed) run never wins


def adding_sweep(
    lengths: tuple[int, ...] = (10, 20),
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 350,
    lr_grid: tuple[float, ...] = (1e-2, 1e-1),
    models: tuple[str, ...] = ("rnn", "lstm"),
    n_h: int = 16,
    batch: int = 32,
    clip: float = 1.0,
    processes: int = 2,
    *,
    n_heldout: int = N_HELDOUT,
) -> AddingSweep:
    """Ch. 6 the adding problem, fairly: every (model, length, seed, lr) trains `steps` Adam steps
    with the same global-norm clip on fresh batches (loss at the last step), then is scored on a
    fixed held-out set of `n_heldout` sequences; each model gets its best lr from the same grid
    (lowest mean held-out loss over the seeds).

    This measures learning within a small, fixed budget, not what a model can ultimately learn:
    with a few thousand steps a tanh RNN can solve T = 25 (`rerun_sweep` gives it them).
    Initial weights: the RNN's W_hh orthogonal (ch. 5's advice), the LSTM's forget bias 1, the
    GRU as init_gru. The batches depend on (seed, T) only, so every model and lr sees the same
    data; the weights on (seed, model). The default grid is fair to the RNN: in the grid
    RERUN_LR_GRID (1e-3 to 0.1, 350 steps, measured once) its best rate was 1e-2 at T = 10 and
    none learnt at T = 20, while the LSTM did best at 3e-2 (T = 10) and 0.1 (T = 20).
    The runs go to `processes` workers; as each is seeded by its own key, the result does not
    depend on the scheduling (a script whose workers are spawned, not forked, needs the usual
    ``if __name__ == "__main__":`` guard). Defaults: 24 runs, about 15 s on two free cores.
    """
    lengths, seeds, lr_grid, models = _check_sweep(lengths, seeds, lr_grid, models)
    steps, n_h, batch, processes, n_heldout = (
        check_size(v, k)
        for v, k in (
            (steps, "steps"),
            (n_h, "n_h"),
            (batch, "batch"),
            (processes, "processes"),
            (n_heldout, "n_heldout"),
        )
    )
    clip = check_real(clip, "clip", positive=True)
    keys = [(m, T, lr, s) for m in models for T in lengths for lr in lr_grid for s in seeds]
    tasks = [(m, T, s, lr, steps, n_h, batch, clip, n_heldout) for m, T, lr, s in keys]
    start = time.perf_counter()
    results = _run(tasks, processes)
    seconds = time.perf_counter() - start
    shape = (len(models), len(lengths), len(lr_grid), len(seeds))  # (M, L, G, S)
    heldout_all = np.array([r[0] for r in results]).reshape(shape)  # (M, L, G, S)
    best = _best_lr(heldout_all)  # (M, L)
    heldout = np.take_along_axis(heldout_all, best[..., None, None], axis=2)[:, :, 0]  # (M, L, S)
    threshold = SOLVED_FRACTION * ADDING_BASELINE_LOSS
    return AddingSweep(
        models=models,
        lengths=lengths,
        seeds=seeds,
        lr_grid=lr_grid,
        steps=steps,
        n_h=n_h,
        batch=batch,
        clip=clip,
        n_heldout=n_heldout,
        baseline=ADDING_BASELINE_LOSS,
        threshold=threshold,
        heldout_all=heldout_all,
        diverged_all=np.array([r[1] for r in results]).reshape(shape),
        chosen_lr=np.array(lr_grid)[best],
        heldout=heldout,
        solved=heldout < threshold,
        seconds=seconds,
        processes=processes,
    )


RERUN_LR_GRID: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)  # both models' best rates


def rerun_sweep(
    lengths: tuple[int, ...] = (25, 50, 100),
    steps: int = 3000,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    **kw,
) -> AddingSweep:
    """Ch. 6 `adding_sweep` with a reader's budget: longer sequences, 3000 steps, five seeds and
    (unless `lr_grid` is given) the wider grid RERUN_LR_GRID; other keywords go to adding_sweep.
    Not run in the book: 150 runs of the RNN and the LSTM, about 40 minutes on two cores."""
    kw.setdefault("lr_grid", RERUN_LR_GRID)
    return adding_sweep(lengths=lengths, seeds=seeds, steps=steps, **kw)
