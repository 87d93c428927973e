"""Chapter 9 measurements: the gradient-flow dashboard on healthy and sick runs from the book.

Five deep feed-forward runs on chapter 1's teacher task (plain SGD, so an update is lr x the
gradient and the dashboard reads the gradient directly): a healthy tanh network, chapter 1's
sigmoid network (vanishing), the tanh network with hidden weights 3 times too large
(saturated), a ReLU network with dead units (chapter 4's negative bias shift), and the healthy
network with a learning rate 1000 times too small. Then chapter 5's cliff:
spikes in the gradient norm and a clipping threshold read off the norms seen early on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import lstm, mlp, rnn
from ..diagnostics import Dashboard, clip_threshold, mlp_probe, recurrent_probe, spikes, watch
from ..fmt import sci
from ..optim import SGD
from ..tasks import adding_problem
from ..validate import (
    as_generator,
    check_choice,
    check_instance,
    check_int,
    check_ints,
    check_real,
    check_reals,
    check_size,
)
from . import ch05

# kind -> (activation, init scheme, gain on the hidden weights, learning rate, shift of every
# hidden bias at init)
KINDS: dict[str, tuple[str, str, float, float, float]] = {
    "healthy": ("tanh", "xavier", 1.0, 0.05, 0.0),
    "vanishing": ("sigmoid", "xavier", 1.0, 0.05, 0.0),
    "saturated": ("tanh", "xavier", 3.0, 0.05, 0.0),
    "dead": ("relu", "he", 1.0, 0.05, -1.0),
    "small_lr": ("tanh", "xavier", 1.0, 5e-5, 0.0),
}
LABELS = {
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
        live = (g[:, 0] > 0) & (g[:, -1] > 0)
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
    """Ch. 9 train the `kind` network (KINDS) of `depth` hidden layers of `width` with SGD on
    batches of 64 from 1,024 teacher examples, watched; probes on 256 held-out examples."""
    kind = check_choice(kind, "kind", tuple(KINDS), kind="run")
    depth, width, steps = (
        check_size(v, k) for v, k in ((depth, "depth"), (width, "width"), (steps, "steps"))
    )
    activation, scheme, gain, lr, shift = KINDS[kind]
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
        out[f"ch09_clip_share_{g:g}"] = f"{share:.0%}"
    out["ch09_clip_share"] = f"{clip.clipped_share[0]:.0%}"
    out["ch09_plain_final"] = sci(clip.plain_final)
    out["ch09_first_spike"] = str(int(clip.spike_steps[0])) if clip.spike_steps.size else "none"
    out["ch09_n_spikes"] = str(clip.spike_steps.size)
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
