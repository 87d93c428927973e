"""Chapter 9 figures: the gradient-flow dashboard of four runs, and a clipping threshold."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import diagnostics as dg
from ..experiments.ch06 import SOLVED_FRACTION
from ..experiments.ch09 import (
    LABELS,
    RECURRENT,
    TRAINED,
    ClipChoice,
    FeedForwardRun,
    RecurrentClip,
    ThroughTime,
    TrainedRecurrent,
)
from ..tasks import ADDING_BASELINE_LOSS
from ..validate import check_choices, check_instance, check_int
from .style import GREY, PALETTE, new_figure

COLOURS = {
    "healthy": PALETTE["blue"],
    "vanishing": PALETTE["vermillion"],
    "saturated": PALETTE["purple"],
    "dead": PALETTE["green"],
    "small_lr": PALETTE["orange"],
}
REFERENCE_UPDATE = -3.0  # Karpathy's rule of thumb for log10 ||update|| / ||parameter||


SMOOTH = 10  # steps in the moving average of the drawn training loss


def _check_runs(runs) -> None:
    """runs: a non-empty tuple of FeedForwardRun (errors name ``runs``)."""
    if not isinstance(runs, tuple | list) or not runs:
        raise TypeError(f"runs must be a non-empty tuple of FeedForwardRun, got {runs!r:.40}")
    for i, r in enumerate(runs):
        check_instance(r, f"runs[{i}]", FeedForwardRun)


def dashboard(runs: tuple[FeedForwardRun, ...]) -> Figure:
    """Four panels, each run in its colour: median ||dL/dW^(l)|| per layer, median log10
    update ratio per layer (reference -3), dead share (solid) and saturated share (dashed, not
    for ReLU) per hidden layer at the end, training loss (moving average over SMOOTH steps);
    one legend below the panels."""
    _check_runs(runs)
    fig = new_figure(8.4, 6.6)
    ax = fig.subplots(2, 2)
    kernel = np.ones(SMOOTH) / SMOOTH
    for r in runs:
        c, lab = COLOURS[r.kind], LABELS[r.kind]
        ls = ":" if r.kind == "small_lr" else "-"  # its colour is close to the sigmoid run's
        layers = np.arange(1, len(r.layer_grad) + 1)
        g = np.where(r.layer_grad > 0, r.layer_grad, np.nan)
        ax[0, 0].plot(layers, g, "o", ls=ls, color=c, label=lab)
        u = np.where(np.isfinite(r.update), r.update, np.nan)
        ax[0, 1].plot(layers, u, "o", ls=ls, color=c, label=lab)
        dead = r.dash.probes["dead"][-1]
        hidden = np.arange(1, len(dead) + 1)
        ax[1, 0].plot(hidden, dead, "o-", color=c, label=lab)
        if r.activation != "relu":  # for ReLU every inactive entry would count as saturated
            sat = r.dash.probes["saturated"][-1]
            ax[1, 0].plot(hidden, sat, "s--", color=c, ms=4, lw=1.2, label=f"{lab}, saturated")
        loss = np.convolve(r.dash.loss, kernel, mode="valid")
        ax[1, 1].plot(np.arange(SMOOTH, r.dash.steps + 1), loss, color=c, ls=ls, label=lab)
    ax[0, 0].set(
        yscale="log",
        xlabel=r"layer $\ell$",
        ylabel=r"median $\|\partial\mathcal{L}/\partial\mathbf{W}^{(\ell)}\|_F$",
        title="gradient per layer",
    )
    ax[0, 1].axhline(REFERENCE_UPDATE, color=GREY, ls="--", lw=1)
    ax[0, 1].set(
        xlabel=r"layer $\ell$",
        ylabel=r"median $\log_{10}\|\Delta\mathbf{W}\|/\|\mathbf{W}\|$",
        title="update-to-weight ratio (dashed: $-3$)",
    )
    ax[1, 0].set(
        xlabel=r"hidden layer $\ell$",
        ylabel="share",
        ylim=(-0.05, 1.05),
        title="dead units (solid), saturated entries (dashed)",
    )
    ax[1, 1].set(
        yscale="log",
        xlabel="SGD step",
        ylabel=f"mini-batch loss ({SMOOTH}-step mean)",
        title="training loss",
    )
    handles, labels = ax[1, 1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=9)
    return fig


def clip_choice(result: ClipChoice) -> Figure:
    """The cliff's unclipped gradient norms with spikes marked, the percentile threshold and the
    fixed guesses, and the final loss of the run clipped at each."""
    check_instance(result, "result", ClipChoice)
    fig = new_figure(8.4, 3.4)
    ax = fig.subplots(1, 2, width_ratios=[1.7, 1])
    steps = np.arange(len(result.grad_norm))
    ax[0].plot(steps, result.grad_norm, color=GREY, lw=1.2, label="unclipped run")
    s = result.spike_steps
    ax[0].plot(
        s,
        result.grad_norm[s],
        "x",
        color=PALETTE["vermillion"],
        ms=6,
        label=f"spike (> {result.factor:g} x running median)",
    )
    ax[0].axvspan(0, result.early, color=PALETTE["sky"], alpha=0.15, lw=0)
    ax[0].axhline(
        result.thresholds[0],
        color=PALETTE["blue"],
        lw=1.5,
        label=f"{result.q:g}th percentile of first {result.early} steps",
    )
    for t in result.thresholds[1:]:
        ax[0].axhline(t, color=GREY, ls=":", lw=1)
    ax[0].set(
        yscale="log",
        xlabel="gradient-descent step",
        ylabel=r"$\|\nabla\mathcal{L}\|$",
        title="gradient norm on the cliff (ch. 5)",
    )
    ax[0].legend(loc="upper left", fontsize=8)
    names = [f"{result.q:g}th pct\n{result.thresholds[0]:.2g}"] + [
        f"fixed\n{t:g}" for t in result.thresholds[1:]
    ]
    colours = [PALETTE["blue"]] + [GREY] * (len(names) - 1)
    ax[1].bar(np.arange(len(names)), result.final_loss, color=colours)
    ax[1].axhline(result.plain_final, color=PALETTE["vermillion"], ls="--", lw=1, label="unclipped")
    ax[1].set(
        yscale="log",
        xticks=np.arange(len(names)),
        xticklabels=names,
        ylabel="loss after 300 steps",
        title="clipped at threshold",
    )
    ax[1].legend(loc="center right", fontsize=8)
    return fig


TIME_COLOURS = {
    "rnn_uniform": PALETTE["vermillion"],
    "rnn_orthogonal": PALETTE["blue"],
    "lstm": PALETTE["green"],
}


BY_LAG = (
    r"$\|\partial\mathcal{L}/\partial\mathbf{s}_{T-k}\|"
    r" \,/\, \|\partial\mathcal{L}/\partial\mathbf{s}_T\|$"
)


def through_time(result: ThroughTime) -> Figure:
    """The recurrent probe at initialisation: ||dL/ds_{T-k}|| / ||dL/ds_T|| against the lag k,
    median over seeds with the range shaded, one line per network."""
    check_instance(result, "result", ThroughTime)
    fig = new_figure(6.4, 3.6)
    ax = fig.subplots()
    k = np.arange(result.T + 1)
    for name, curves in zip(result.names, result.by_lag, strict=True):
        c = TIME_COLOURS[name]
        ax.fill_between(k, curves.min(axis=0), curves.max(axis=0), color=c, alpha=0.15, lw=0)
        ax.plot(k, np.median(curves, axis=0), color=c, label=RECURRENT[name])
    ax.set(
        yscale="log",
        xlabel=r"steps back $k$",
        ylabel=BY_LAG,
        title=f"at initialisation, adding problem, T = {result.T}",
    )
    ax.legend(loc="lower left", fontsize=9)
    return fig


HIST_KINDS: tuple[str, ...] = ("healthy", "vanishing", "saturated", "dead")


def histograms(runs: tuple[FeedForwardRun, ...], kinds: tuple[str, ...] = HIST_KINDS) -> Figure:
    """Per hidden layer (rows) at the end of training, the histogram of the activations a^(l)
    (top) and of log10 |dL/dz^(l)| (bottom) for each run of `kinds`; each row scaled to its
    largest bin, so a row's colour shows where its entries sit (exact zeros are not drawn)."""
    _check_runs(runs)
    kinds = check_choices(kinds, "kinds", tuple(r.kind for r in runs), kind="run")
    by = {r.kind: r for r in runs}
    fig = new_figure(8.4, 4.6)
    ax = fig.subplots(2, len(kinds), sharey=True)
    for j, kind in enumerate(kinds):
        r = by[kind]
        for i, (key, edges) in enumerate(
            (("act_hist", dg.ACT_EDGES), ("grad_hist", dg.LOG_GRAD_EDGES))
        ):
            counts = r.dash.probes[key][-1]  # (L-1, bins)
            peak = counts.max(axis=1, keepdims=True)
            shown = np.divide(counts, peak, out=np.zeros_like(counts), where=peak > 0)
            layers = np.arange(0.5, counts.shape[0] + 1)
            ax[i, j].pcolormesh(edges, layers, shown, cmap="viridis", vmin=0, vmax=1,
                                rasterized=True)  # fmt: skip
            ax[i, j].grid(False)
        ax[0, j].set_title(LABELS[kind], fontsize=9)
        ax[0, j].set_xlabel(r"$a^{(\ell)}$")
        ax[1, j].set_xlabel(r"$\log_{10}|\partial\mathcal{L}/\partial z^{(\ell)}|$")
    for i in range(2):
        ax[i, 0].set_ylabel(r"hidden layer $\ell$")
    return fig


TRAINED_COLOURS = {"rnn": PALETTE["vermillion"], "lstm": PALETTE["green"]}


def trained_recurrent(runs: tuple[TrainedRecurrent, ...]) -> Figure:
    """Chapter 6's tanh RNN and LSTM trained on the adding problem, watched: validation loss,
    the gradient T steps back over training, the profile against the lag at the first and the
    last probe, and the unclipped global gradient norm per step."""
    if not isinstance(runs, tuple | list) or not runs:
        raise TypeError(f"runs must be a non-empty tuple of TrainedRecurrent, got {runs!r:.40}")
    for i, r in enumerate(runs):
        check_instance(r, f"runs[{i}]", TrainedRecurrent)
    fig = new_figure(8.4, 6.2)
    ax = fig.subplots(2, 2)
    for r in runs:
        c, lab = TRAINED_COLOURS[r.model], TRAINED[r.model]
        ax[0, 0].plot(r.steps, r.valid_loss, "o-", color=c, ms=4, label=lab)
        ax[0, 1].plot(r.steps, r.far, "o-", color=c, ms=4, label=lab)
        k = np.arange(r.T + 1)
        ax[1, 0].plot(k, r.by_lag[0], "--", color=c, lw=1.2, label=f"{lab}, step 0")
        ax[1, 0].plot(k, r.by_lag[-1], "-", color=c, label=f"{lab}, step {r.steps[-1]}")
        ax[1, 1].plot(np.arange(r.dash.steps), r.dash.grad_norm, color=c, lw=0.8, label=lab)
    first = runs[0]
    ax[0, 0].axhline(ADDING_BASELINE_LOSS, color=GREY, ls=":", lw=1)
    ax[0, 0].axhline(SOLVED_FRACTION * ADDING_BASELINE_LOSS, color=GREY, ls="--", lw=1)
    ax[0, 0].set(
        yscale="log",
        xlabel="Adam step",
        ylabel="validation loss",
        title="loss (dotted: baseline, dashed: solved)",
    )
    ax[0, 1].set(
        yscale="log",
        xlabel="Adam step",
        ylabel=f"gradient {first.T} steps back / last",
        title=rf"$\|\partial\mathcal{{L}}/\partial\mathbf{{s}}_0\|$ over training, T = {first.T}",
    )
    ax[1, 0].set(
        yscale="log",
        xlabel=r"steps back $k$",
        ylabel=BY_LAG,
        title="profile: first (dashed) and last probe",
    )
    ax[1, 1].axhline(1.0, color=GREY, ls="--", lw=1)
    ax[1, 1].set(
        yscale="log",
        xlabel="Adam step",
        ylabel=r"$\|\nabla\mathcal{L}\|$ (before clipping)",
        title="global gradient norm (dashed: clip 1)",
    )
    handles, labels = ax[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    return fig


def _clip_name(kind: str, value: float, early: int) -> str:
    if kind == "none":
        return "no clipping"
    if kind == "fixed":
        return f"fixed {value:g}"
    return f"{value:g}th pct,\nfirst {early}"


def recurrent_clip(result: RecurrentClip) -> Figure:
    """The IRNN's unclipped gradient norms (first seed) with the thresholds of that seed, and
    the validation loss after training for each clipping choice, one point per seed."""
    check_instance(result, "result", RecurrentClip)
    fig = new_figure(8.4, 3.6)
    ax = fig.subplots(1, 2, width_ratios=[1.5, 1])
    none = result.row("none", 0.0) if ("none", 0.0) in result.clips else None
    if none is not None:
        g = result.grad_norm[none]
        ax[0].plot(np.arange(g.size), g, color=GREY, lw=0.8, label="unclipped run")
    ax[0].axvspan(0, result.early, color=PALETTE["sky"], alpha=0.15, lw=0)
    colours = (PALETTE["blue"], PALETTE["orange"], PALETTE["purple"], PALETTE["green"])
    shown = [c for c, (kind, _) in enumerate(result.clips) if kind != "none"]
    for c, colour in zip(shown, colours, strict=False):
        kind, value = result.clips[c]
        ls = "-" if kind == "percentile" else "--"
        ax[0].axhline(
            result.threshold[c, 0],
            color=colour,
            ls=ls,
            lw=1.3,
            label=_clip_name(kind, value, result.early).replace("\n", " "),
        )
    ax[0].set(
        yscale="log",
        xlabel="Adam step",
        ylabel=r"$\|\nabla\mathcal{L}\|$",
        title=f"IRNN, adding problem T = {result.T} (seed {result.seeds[0]})",
    )
    ax[0].legend(loc="upper right", fontsize=8)
    x = np.arange(len(result.clips))
    rng = np.random.default_rng(0)  # a fixed horizontal jitter, so seeds do not overlap
    for c in x:
        jitter = rng.uniform(-0.12, 0.12, len(result.seeds))
        kind, value = result.clips[c]
        name = _clip_name(kind, value, result.early).replace("\n", " ")
        ax[1].plot(
            c + jitter,
            result.valid_loss[c],
            "o",
            color=PALETTE["blue"],
            ms=5,
            alpha=0.8,
            label=f"loss: {name}",
        )
    ax[1].axhline(ADDING_BASELINE_LOSS, color=GREY, ls=":", lw=1)
    ax[1].axhline(SOLVED_FRACTION * ADDING_BASELINE_LOSS, color=GREY, ls="--", lw=1)
    ax[1].set(
        yscale="log",
        xticks=x,
        xticklabels=[_clip_name(k, v, result.early) for k, v in result.clips],
        ylabel=f"validation loss after {result.steps} steps",
        title="one point per seed",
    )
    ax[1].tick_params(axis="x", labelsize=8)
    return fig


OVER_TIME_KINDS: tuple[str, ...] = ("healthy", "vanishing")


def histograms_over_time(
    runs: tuple[FeedForwardRun, ...], kinds: tuple[str, ...] = OVER_TIME_KINDS, layer: int = 1
) -> Figure:
    """The histogram of log10 |dL/dz^(layer)| at every probe (rows: training step) for each run
    of `kinds`, each row scaled to its largest bin: fast.ai's 'colour dimension' view."""
    _check_runs(runs)
    kinds = check_choices(kinds, "kinds", tuple(r.kind for r in runs), kind="run")
    by = {r.kind: r for r in runs}
    hidden = by[kinds[0]].dash.probes["grad_hist"].shape[1]
    layer = check_int(layer, "layer", minimum=1)
    if layer > hidden:
        raise ValueError(f"layer must be a hidden layer 1..{hidden}, got {layer}")
    fig = new_figure(8.4, 2.8)
    ax = fig.subplots(1, len(kinds), sharey=True, squeeze=False)[0]
    for j, kind in enumerate(kinds):
        r = by[kind]
        counts = r.dash.probes["grad_hist"][:, layer - 1]  # (K, bins)
        peak = counts.max(axis=1, keepdims=True)
        shown = np.divide(counts, peak, out=np.zeros_like(counts), where=peak > 0)
        s = r.dash.probe_steps
        edges = np.concatenate([[s[0] - 0.5 * (s[1] - s[0])], (s[:-1] + s[1:]) / 2,
                                [s[-1] + 0.5 * (s[-1] - s[-2])]]) if s.size > 1 else \
            np.array([s[0] - 0.5, s[0] + 0.5])  # fmt: skip
        ax[j].pcolormesh(
            dg.LOG_GRAD_EDGES, edges, shown, cmap="viridis", vmin=0, vmax=1, rasterized=True
        )
        ax[j].grid(False)
        ax[j].set_title(f"{LABELS[kind]}, layer {layer}", fontsize=9)
        ax[j].set_xlabel(rf"$\log_{{10}}|\partial\mathcal{{L}}/\partial z^{{({layer})}}|$")
    ax[0].set_ylabel("SGD step")
    return fig
