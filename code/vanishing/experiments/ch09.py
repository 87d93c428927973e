"""Chapter 9 measurements: the gradient-flow dashboard on healthy and sick runs from the book.

Five deep feed-forward runs on chapter 1's teacher task (plain SGD, so an update is lr x the
gradient and the dashboard reads the gradient directly): a healthy tanh network, chapter 1's
sigmoid network (vanishing), the tanh network with hidden weights 3 times too large
(saturated), a ReLU network with dead units (chapter 4's negative bias shift), and the healthy
network with a learning rate 1000 times too small. Then chapter 5's cliff:
spikes in the gradient norm and a clipping threshold read off the norms seen early on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import lstm, mlp, rnn
from ..diagnostics import Dashboard, clip_threshold, mlp_probe, recurrent_probe, spikes, watch
from ..fmt import sci
from ..optim import SGD, Adam, train
from ..tasks import ADDING_BASELINE_LOSS, adding_problem
from ..validate import (
    as_generator,
    check_choice,
    check_instance,
    check_int,
    check_ints,
    check_real,
    check_reals,
    check_size,
    quiet_overflow,
)
from . import ch05, ch06

# kind -> (activation, init scheme, gain on the hidden weights, learning rate, shift of every
# hidden bias at init)
KINDS: dict[str, tuple[str, str, float, float, float]] = {
    "healthy": ("tanh", "xavier", 1.0, 0.05, 0.0),
    "vanishing": ("sigmoid", "xavier", 1.0, 0.05, 0.0),
    "saturated": ("tanh", "xavier", 3.0, 0.05, 0.0),
    "dead": ("relu", "he", 1.0, 0.05, -1.0),
    "small_lr": ("tanh", "xavier", 1.0, 5e-5, 0.0),
}
# a reference the figures do not draw: a ReLU network that trains well (He, zero biases)
EXTRA_KINDS: dict[str, tuple[str, str, float, float, float]] = {
    "relu": ("relu", "he", 1.0, 0.05, 0.0),
}
LABELS = {
    "relu": "healthy ReLU (He)",
    "healthy": "healthy (tanh)",
    "vanishing": "vanishing (sigmoid)",
    "saturated": "saturated (tanh, 3 x Xavier)",
    "dead": "dead units (ReLU, bias -1)",
    "small_lr": "learning rate too small",
}
D_IN = 8


def _teacher(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 1's task: x ~ N(0, I) (n, 8), y = tanh(x U) v from a random teacher (n, 1)."""
    x = rng.standard_normal((n, D_IN))
    U = rng.standard_normal((D_IN, 16)) / np.sqrt(D_IN)  # (8, 16)
    v = rng.standard_normal((16, 1)) / 4.0  # (16, 1)
    return x, np.tanh(x @ U) @ v


@dataclass(frozen=True)
class FeedForwardRun:
    """Ch. 9 one watched training run of a deep MLP; ``dash`` holds every signal."""

    kind: str
    activation: str
    lr: float
    sizes: tuple[int, ...]
    seed: int
    dash: Dashboard
    test_loss: tuple[float, float]  # held-out loss before and after training

    @property
    def weights(self) -> list[int]:
        """Columns of the dashboard that are weight matrices W1..WL."""
        return [p for p, n in enumerate(self.dash.names) if n.startswith("W")]

    @property
    def layer_grad(self) -> np.ndarray:
        """(L,) median over steps of ||dL/dW^(l)||_F."""
        return np.median(self.dash.param_norm[:, self.weights], axis=0)

    @property
    def first_over_last(self) -> float:
        """Median over steps of ||dL/dW^(1)|| / ||dL/dW^(L)||: the depth ratio."""
        g = self.dash.param_norm[:, self.weights]
        live = (g[:, 0] > 0) & (g[:, -1] > 0) & np.isfinite(g[:, 0]) & np.isfinite(g[:, -1])
        return float(np.median(g[live, 0] / g[live, -1])) if live.any() else float("nan")

    @property
    def zero_steps(self) -> float:
        """Share of steps on which ||dL/dW^(1)|| was exactly 0 (no gradient reached layer 1)."""
        return float(np.mean(self.dash.param_norm[:, self.weights[0]] == 0))

    @property
    def update(self) -> np.ndarray:
        """(L,) median over steps of log10 ||Delta W^(l)|| / ||W^(l)||."""
        return np.median(self.dash.update[:, self.weights], axis=0)

    @property
    def dead(self) -> float:
        """Share of hidden units dead on the held-out batch at the end (all hidden layers)."""
        return float(self.dash.probes["dead"][-1].mean())

    @property
    def saturated(self) -> float:
        """Share of saturated hidden pre-activations on the held-out batch at the end."""
        return float(self.dash.probes["saturated"][-1].mean())

    @property
    def loss_drop(self) -> float:
        """Held-out loss after training over before."""
        return self.test_loss[1] / self.test_loss[0]


def feedforward_run(
    kind: str, *, seed: int = 0, depth: int = 6, width: int = 32, steps: int = 150
) -> FeedForwardRun:
    """Ch. 9 train the `kind` network (KINDS or EXTRA_KINDS) of `depth` hidden layers of
    `width` with SGD on batches of 64 from 1,024 teacher examples, watched; probes on 256
    held-out examples."""
    kind = check_choice(kind, "kind", (*KINDS, *EXTRA_KINDS), kind="run")
    depth, width, steps = (
        check_size(v, k) for v, k in ((depth, "depth"), (width, "width"), (steps, "steps"))
    )
    activation, scheme, gain, lr, shift = (KINDS | EXTRA_KINDS)[kind]
    rng = as_generator(seed, name="seed")
    x, y = _teacher(1024 + 256, rng)
    x_train, y_train, x_test, y_test = x[:1024], y[:1024], x[1024:], y[1024:]
    sizes = (D_IN, *([width] * depth), 1)
    model = mlp.init_mlp(sizes, activation=activation, scheme=scheme, rng=seed + 1)
    weights = [gain * W for W in model.weights[:-1]] + model.weights[-1:]  # hidden layers only
    biases = [b + shift for b in model.biases[:-1]] + model.biases[-1:]
    model = mlp.MLP(weights, biases, activation)
    batch_rng = as_generator(seed + 2)

    def batches(step: int) -> tuple[np.ndarray, np.ndarray]:
        idx = batch_rng.choice(1024, size=64, replace=False)
        return x_train[idx], y_train[idx]

    def test_loss(m) -> float:
        return mlp.mse_loss(mlp.forward(m, x_test).a[-1], y_test)[0]

    before = test_loss(model)
    model, dash = watch(
        model,
        mlp.loss_and_grads,
        batches,
        SGD(lr),
        steps=steps,
        probe=mlp_probe(x_test, y_test),
        probe_every=50,
    )
    return FeedForwardRun(kind, activation, lr, sizes, seed, dash, (before, test_loss(model)))


def feedforward_runs(*, seed: int = 0, **options) -> tuple[FeedForwardRun, ...]:
    """Ch. 9 the runs of KINDS, one seed."""
    return tuple(feedforward_run(kind, seed=seed, **options) for kind in KINDS)


@dataclass(frozen=True)
class ClipChoice:
    """Ch. 9 chapter 5's cliff: the plain run's gradient norms, its spikes, and clipped runs at
    a threshold read off the first `early` norms (percentile q) and at fixed guesses."""

    grad_norm: np.ndarray  # (steps+1,) the plain run's ||gradient||
    spike_steps: np.ndarray  # spikes of grad_norm (factor, window below)
    factor: float
    early: int
    q: float
    thresholds: np.ndarray  # (C,) [percentile threshold, fixed guesses...]
    final_loss: np.ndarray  # (C,) loss at the last step of each clipped run
    max_step: np.ndarray  # (C,) longest step of each clipped run
    clipped_share: np.ndarray  # (C,) share of steps clipped
    plain_final: float


def clip_choice(
    *, early: int = 50, q: float = 90.0, guesses=(0.5, 5.0, 100.0), factor: float = 5.0
) -> ClipChoice:
    """Ch. 9 a clipping threshold from the q-th percentile of the first `early` gradient norms of
    the unclipped run on the cliff, against fixed `guesses`; the same 300 steps as chapter 5."""
    early = check_size(early, "early")
    q, factor = check_real(q, "q"), check_real(factor, "factor", positive=True)
    if not (isinstance(guesses, tuple | list) and not guesses):  # () is valid: no fixed guesses
        guesses = check_reals(guesses, "guesses", positive=True)
    plain = ch05.cliff(grid=2).plain
    theta = clip_threshold(plain.grad_norm, q=q, steps=early)
    ths = np.array([theta, *(check_real(g, "guesses", positive=True) for g in guesses)])
    runs = [ch05.cliff(grid=2, threshold=float(t)).clipped for t in ths]
    return ClipChoice(
        plain.grad_norm,
        spikes(plain.grad_norm, factor=factor),
        factor,
        early,
        q,
        ths,
        np.array([r.loss[-1] for r in runs]),
        np.array([r.step_length.max() for r in runs]),
        np.array([r.clipped.mean() for r in runs]),
        float(plain.loss[-1]),
    )


def dashboard_numbers(runs: tuple[FeedForwardRun, ...], clip: ClipChoice) -> dict[str, str]:
    """Ch. 9 the numbers the chapter quotes, by glue name."""
    if not isinstance(runs, tuple | list) or not runs:
        raise TypeError(f"runs must be a non-empty tuple of FeedForwardRun, got {runs!r:.40}")
    for i, r in enumerate(runs):
        check_instance(r, f"runs[{i}]", FeedForwardRun)
    if "healthy" not in {r.kind for r in runs}:
        raise ValueError("runs must include the 'healthy' run (the reference)")
    check_instance(clip, "clip", ClipChoice)
    by = {r.kind: r for r in runs}
    out = {}
    for k, r in by.items():
        out[f"ch09_{k}_ratio"] = sci(r.first_over_last)
        out[f"ch09_{k}_upd_first"] = f"{r.update[0]:.1f}"
        out[f"ch09_{k}_upd_last"] = f"{r.update[-1]:.1f}"
        out[f"ch09_{k}_dead"] = f"{r.dead:.0%}"
        out[f"ch09_{k}_sat"] = f"{r.saturated:.0%}"
        out[f"ch09_{k}_drop"] = f"{r.loss_drop:.2f}"
        out[f"ch09_{k}_zero"] = f"{r.zero_steps:.0%}"
        out[f"ch09_{k}_vs_healthy"] = f"{r.test_loss[1] / by['healthy'].test_loss[1]:.2g}"
    first = runs[0]
    out["ch09_depth"] = str(len(first.sizes) - 2)
    out["ch09_width"] = str(first.sizes[1])
    out["ch09_steps"] = str(first.dash.steps)
    out["ch09_lr"] = f"{KINDS['healthy'][3]:g}"
    out["ch09_small_lr"] = f"{KINDS['small_lr'][3]:g}"
    out["ch09_clip_theta"] = f"{clip.thresholds[0]:.2g}"
    out["ch09_clip_q"] = f"{clip.q:g}"
    out["ch09_clip_early"] = str(clip.early)
    out["ch09_clip_loss"] = sci(clip.final_loss[0])
    for g, loss, share in zip(
        clip.thresholds[1:], clip.final_loss[1:], clip.clipped_share[1:], strict=True
    ):
        out[f"ch09_clip_loss_{g:g}"] = sci(loss)
        n = len(clip.grad_norm) - 1  # steps of each clipped run
        out[f"ch09_clip_share_{g:g}"] = f"{round(share * n)} of {n} steps"
    out["ch09_clip_share"] = f"{clip.clipped_share[0]:.0%}"
    out["ch09_plain_final"] = sci(clip.plain_final)
    out["ch09_first_spike"] = str(int(clip.spike_steps[0])) if clip.spike_steps.size else "none"
    out["ch09_n_spikes"] = str(clip.spike_steps.size)
    out["ch09_spikes_before"] = str(int(np.sum(clip.spike_steps < np.argmax(clip.grad_norm))))
    out["ch09_jump_norm"] = sci(float(np.max(clip.grad_norm)))
    return out


# through time: the recurrent probe at initialisation ------------------------------------------

RECURRENT: dict[str, str] = {
    "rnn_uniform": "tanh RNN, uniform weights",
    "rnn_orthogonal": "tanh RNN, orthogonal W_hh",
    "lstm": "LSTM, forget bias 1",
}


@dataclass(frozen=True)
class ThroughTime:
    """Ch. 9 the recurrent probe on adding-problem inputs at initialisation: by_lag[m, s, k] =
    ||dL/ds_{T-k}|| / ||dL/ds_T|| for model names[m] and seed seeds[s], k = 0..T."""

    names: tuple[str, ...]
    T: int
    n_h: int
    seeds: tuple[int, ...]
    by_lag: np.ndarray  # (M, S, T+1)

    @property
    def far(self) -> np.ndarray:
        """(M, S) the gradient T steps back relative to the last step's."""
        return self.by_lag[:, :, -1]


def _recurrent_model(name: str, n_h: int, seed: int):
    """Ch. 9 the three recurrent networks: PyTorch-style uniform tanh RNN, chapter 6's
    orthogonal tanh RNN, chapter 6's LSTM (forget bias 1)."""
    if name == "rnn_uniform":
        return rnn.init_rnn(2, n_h, 1, scheme="standard", scheme_hh="standard", rng=seed)
    if name == "rnn_orthogonal":
        return rnn.init_rnn(2, n_h, 1, rng=seed)
    return lstm.init_lstm(2, n_h, 1, forget_bias=1.0, rng=seed)


def through_time(*, T: int = 60, n_h: int = 16, batch: int = 64, seeds=range(5)) -> ThroughTime:
    """Ch. 9 gradient against lag at initialisation on the adding problem's own inputs (the
    loss at the last step), for the RECURRENT networks, one row per seed."""
    T = check_int(T, "T", minimum=2)
    n_h, batch = check_size(n_h, "n_h"), check_size(batch, "batch")
    seeds = check_ints(seeds, "seeds")
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    out = np.empty((len(RECURRENT), len(seeds), T + 1))
    for j, seed in enumerate(seeds):
        x, y = adding_problem(batch, T, rng=np.random.default_rng([9, seed]))
        probe = recurrent_probe(x, y)
        for i, name in enumerate(RECURRENT):
            g = probe(_recurrent_model(name, n_h, seed))["by_lag"]
            out[i, j] = g / g[0]
    return ThroughTime(tuple(RECURRENT), T, n_h, seeds, out)


def through_time_numbers(result: ThroughTime) -> dict[str, str]:
    """Ch. 9 the spread over seeds of the gradient T steps back, per network, by glue name."""
    check_instance(result, "result", ThroughTime)
    out = {"ch09_tt_T": str(result.T), "ch09_tt_n": str(len(result.seeds))}
    for name, far in zip(result.names, result.far, strict=True):
        out[f"ch09_tt_{name}"] = f"{sci(float(far.min()))} to {sci(float(far.max()))}"
    return out


# through time, trained: chapter 6's tanh RNN and LSTM on the adding problem, watched ----------

TRAINED: dict[str, str] = {
    "rnn": r"tanh RNN, orthogonal $\mathbf{W}_{hh}$",
    "lstm": "LSTM, forget bias 1",
}


@dataclass(frozen=True)
class TrainedRecurrent:
    """Ch. 9 one of chapter 6's runs on the adding problem of length T (its weights, batches,
    Adam learning rate and clip 1), watched: dash.probes on chapter 6's 256 validation
    sequences every `probe_every` steps hold ``by_lag`` (K, T+1) and ``loss`` (K,)."""

    model: str
    T: int
    n_h: int
    seed: int
    lr: float
    dash: Dashboard

    @property
    def steps(self) -> np.ndarray:
        """(K,) the steps at which the probe ran."""
        return self.dash.probe_steps

    @property
    def by_lag(self) -> np.ndarray:
        """(K, T+1) ||dL/ds_{T-k}|| / ||dL/ds_T|| at each probe, k = 0..T."""
        g = self.dash.probes["by_lag"]
        return g / g[:, :1]

    @property
    def far(self) -> np.ndarray:
        """(K,) the gradient T steps back relative to the last step's, at each probe."""
        return self.by_lag[:, -1]

    @property
    def valid_loss(self) -> np.ndarray:
        """(K,) loss on the validation set at each probe."""
        return self.dash.probes["loss"]

    @property
    def solved(self) -> bool:
        """Chapter 6's criterion at the last probe: validation loss below 0.3 x baseline."""
        return bool(self.valid_loss[-1] < ch06.SOLVED_FRACTION * ADDING_BASELINE_LOSS)


def _time_probe(model_name: str, x: np.ndarray, y: np.ndarray):
    """The recurrent probe plus the loss on (x, y)."""
    base = recurrent_probe(x, y)
    module = ch06._module(model_name)

    def probe(model) -> dict[str, np.ndarray]:
        out = base(model)
        cache = module.forward(model, x)
        e = cache.y_hat[:, -1] - y  # (B, 1)
        out["loss"] = np.array(0.5 * np.mean(np.sum(e * e, axis=1)))
        return out

    return probe


def trained_recurrent(
    model: str,
    *,
    T: int = 40,
    steps: int = 600,
    seed: int = 0,
    n_h: int = 16,
    probe_every: int = 50,
) -> TrainedRecurrent:
    """Ch. 9 chapter 6's `model` ("rnn" or "lstm") trained `steps` Adam steps on the adding
    problem of length T exactly as `ch06.solve_adding` trains it (same weights, batches, rate,
    clip 1; no early stop), watched by the dashboard with the recurrent probe."""
    model = check_choice(model, "model", tuple(TRAINED), kind="model")
    T = check_int(T, "T", minimum=2)
    steps, n_h, probe_every = (
        check_size(v, k) for v, k in ((steps, "steps"), (n_h, "n_h"), (probe_every, "probe_every"))
    )
    seed = check_int(seed, "seed")
    lr = ch06.CHOSEN_LR[model]
    params = ch06._init_model(model, n_h, ch06._init_rng(model, seed))
    module = ch06._module(model)
    data = np.random.default_rng([ch06._TAG_DATA, seed, T])
    x_valid, y_valid = ch06._fixed_set(ch06._TAG_VALID, T, ch06.N_VALID)

    def loss_and_grads(params, x, y):
        return module.loss_and_grads(params, x, y, loss_at="last")

    def batches(step: int) -> tuple[np.ndarray, np.ndarray]:
        return adding_problem(32, T, rng=data)

    _, dash = watch(
        params,
        loss_and_grads,
        batches,
        Adam(lr, clip=1.0),
        steps=steps,
        probe=_time_probe(model, x_valid, y_valid),
        probe_every=probe_every,
    )
    return TrainedRecurrent(model, T, n_h, seed, lr, dash)


def trained_recurrents(*, seed: int = 0, **options) -> tuple[TrainedRecurrent, ...]:
    """Ch. 9 chapter 6's tanh RNN and LSTM, trained and watched (see `trained_recurrent`)."""
    return tuple(trained_recurrent(m, seed=seed, **options) for m in TRAINED)


# a clipping threshold on the recurrent task ------------------------------------------------------

RECURRENT_CLIPS: tuple[tuple[str, float], ...] = (  # (kind, value): percentile q or fixed theta
    ("none", 0.0),
    ("percentile", 90.0),
    ("fixed", 1.0),
)


@dataclass(frozen=True)
class RecurrentClip:
    """Ch. 9 chapter 6's IRNN on the adding problem with Adam, unclipped and clipped at
    thresholds read off the unclipped run's first `early` norms (percentiles) or fixed:
    threshold[c, s], valid_loss[c, s], clipped_share[c, s] for clips[c] and seeds[s];
    grad_norm[c] the first seed's norms (S,) for each clip."""

    T: int
    lr: float
    steps: int
    early: int
    seeds: tuple[int, ...]
    clips: tuple[tuple[str, float], ...]
    threshold: np.ndarray  # (C, S), inf for "none"
    valid_loss: np.ndarray  # (C, S) on chapter 6's validation set after `steps`
    clipped_share: np.ndarray  # (C, S)
    max_norm: np.ndarray  # (C, S) largest unclipped gradient norm seen
    grad_norm: np.ndarray  # (C, steps) the first seed's unclipped norms per clip

    def row(self, kind: str, value: float) -> int:
        """Index c of the clip (kind, value)."""
        kind = check_choice(kind, "kind", ("none", "percentile", "fixed"), kind="clip")
        key = (kind, float(check_real(value, "value")))
        if key not in self.clips:
            raise ValueError(f"(kind, value) must be one of {self.clips}, got {key}")
        return self.clips.index(key)


def _irnn_run(T: int, seed: int, lr: float, steps: int, clip: float | None):
    """Ch. 9 chapter 6's IRNN (weights and batches of seed) trained by Adam(lr, clip)."""
    params = ch06._init_model("irnn", 16, ch06._init_rng("irnn", seed))
    data = np.random.default_rng([ch06._TAG_DATA, seed, T])

    last = []  # the last finite gradient, reported with loss inf once the forward overflows

    def loss_and_grads(params, x, y):
        out = rnn.loss_and_grads(params, x, y, loss_at="last")
        finite = math.isfinite(out[0]) and all(
            np.all(np.isfinite(g)) for g in out[1].params.values()
        )
        if not finite and last:  # the run has diverged: train stops on inf
            return math.inf, last[-1]
        last[:] = [out[1]]
        return out

    model, dash = train(  # the plain loop: only the global norm is needed here
        params,
        loss_and_grads,
        lambda s: adding_problem(32, T, rng=data),
        Adam(lr, clip=clip),
        steps=steps,
    )
    valid = ch06._fixed_set(ch06._TAG_VALID, T, ch06.N_VALID)
    loss = math.inf if dash.diverged else ch06._loss_on("irnn", model, valid)
    return dash, loss


@quiet_overflow  # a huge rate: the unclipped run overflows and counts as diverged
def recurrent_clip(
    *,
    T: int = 40,
    lr: float = 0.01,
    steps: int = 200,
    early: int = 50,
    seeds=range(5),
    clips=RECURRENT_CLIPS,
) -> RecurrentClip:
    """Ch. 9 clipping thresholds on the recurrent task: chapter 6's IRNN (ReLU, W_hh = I) on
    the adding problem of length T, Adam(lr) for `steps` steps (chapter 6 clips at 1),
    unclipped and clipped at each of `clips` (a percentile q of the unclipped run's first
    `early` norms, or fixed)."""
    T = check_int(T, "T", minimum=2)
    lr = check_real(lr, "lr", positive=True)
    steps, early = check_size(steps, "steps"), check_size(early, "early")
    seeds = check_ints(seeds, "seeds")
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    if not isinstance(clips, tuple | list) or not clips:
        raise TypeError(f"clips must be a non-empty tuple of (kind, value), got {clips!r:.40}")
    checked = []
    for item in clips:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise TypeError(f"clips must hold (kind, value) pairs, got {item!r:.40}")
        kind, value = item
        kind = check_choice(kind, "clips", ("none", "percentile", "fixed"), kind="clip")
        value = check_real(value, "clips")
        if kind == "percentile" and not 0 <= value <= 100:
            raise ValueError(f"clips: a percentile must lie in [0, 100], got {value}")
        if kind == "fixed" and value <= 0:
            raise ValueError(f"clips: a fixed threshold must be > 0, got {value}")
        checked.append((kind, float(value)))
    clips = tuple(checked)
    C, S = len(clips), len(seeds)
    threshold, loss = np.full((C, S), np.inf), np.full((C, S), np.nan)
    share, top = np.zeros((C, S)), np.zeros((C, S))
    norms = np.full((C, steps), np.nan)
    for j, seed in enumerate(seeds):
        plain, plain_loss = _irnn_run(T, seed, lr, steps, None)
        for i, (kind, value) in enumerate(clips):
            if kind == "none":
                dash, loss[i, j] = plain, plain_loss
            else:
                theta = (
                    value
                    if kind == "fixed"
                    else clip_threshold(plain.grad_norm, q=value, steps=early)
                )
                threshold[i, j] = theta
                dash, loss[i, j] = _irnn_run(T, seed, lr, steps, theta)
            share[i, j] = float(np.mean(dash.grad_norm > threshold[i, j]))
            top[i, j] = float(np.max(dash.grad_norm))
            if j == 0:
                norms[i, : dash.steps] = dash.grad_norm
    return RecurrentClip(T, lr, steps, early, seeds, clips, threshold, loss, share, top, norms)


def trained_numbers(runs: tuple[TrainedRecurrent, ...]) -> dict[str, str]:
    """Ch. 9 the numbers the chapter quotes from the trained tanh RNN and LSTM, by glue name."""
    if not isinstance(runs, tuple | list) or not runs:
        raise TypeError(f"runs must be a non-empty tuple of TrainedRecurrent, got {runs!r:.40}")
    for i, r in enumerate(runs):
        check_instance(r, f"runs[{i}]", TrainedRecurrent)
    first = runs[0]
    out = {
        "ch09_tr_T": str(first.T),
        "ch09_tr_steps": f"{first.dash.steps:,}",
        "ch09_tr_n_h": str(first.n_h),
        "ch09_tr_every": str(int(first.steps[1] - first.steps[0])) if len(first.steps) > 1 else "-",
    }
    threshold = ch06.SOLVED_FRACTION * ADDING_BASELINE_LOSS
    for r in runs:
        k = r.model
        out[f"ch09_tr_{k}_lr"] = f"{r.lr:g}"
        out[f"ch09_tr_{k}_far0"] = sci(float(r.far[0]))
        out[f"ch09_tr_{k}_far_end"] = sci(float(r.far[-1]))
        out[f"ch09_tr_{k}_loss_end"] = f"{r.valid_loss[-1] / ADDING_BASELINE_LOSS:.2f}"
        below = np.flatnonzero(r.valid_loss < threshold)
        out[f"ch09_tr_{k}_solved_at"] = str(int(r.steps[below[0]])) if below.size else "never"
        plateau = r.far[1 : below[0]] if below.size else r.far[1:]
        out[f"ch09_tr_{k}_far_plateau"] = sci(float(plateau.max())) if plateau.size else "-"
    return out


def recurrent_clip_numbers(result: RecurrentClip) -> dict[str, str]:
    """Ch. 9 the numbers the chapter quotes from `recurrent_clip`, by glue name."""
    check_instance(result, "result", RecurrentClip)
    threshold = ch06.SOLVED_FRACTION * ADDING_BASELINE_LOSS
    out = {
        "ch09_rc_T": str(result.T),
        "ch09_rc_lr": f"{result.lr:g}",
        "ch09_rc_steps": str(result.steps),
        "ch09_rc_early": str(result.early),
        "ch09_rc_n": str(len(result.seeds)),
    }
    for (kind, value), theta, loss, share, top in zip(
        result.clips,
        result.threshold,
        result.valid_loss,
        result.clipped_share,
        result.max_norm,
        strict=True,
    ):
        key = "none" if kind == "none" else f"{kind[0]}{value:g}"  # p90, f1, ...
        out[f"ch09_rc_{key}_solved"] = str(int(np.sum(loss < threshold)))
        out[f"ch09_rc_{key}_median"] = f"{np.median(loss) / ADDING_BASELINE_LOSS:.2f}"
        if kind != "none":
            out[f"ch09_rc_{key}_theta"] = f"{theta.min():.3g} to {theta.max():.3g}"
            out[f"ch09_rc_{key}_share"] = f"{share.min():.0%} to {share.max():.0%}"
        else:
            out["ch09_rc_none_max"] = f"{sci(float(top.min()))} to {sci(float(top.max()))}"
    return out
