"""Chapter 6 figures: how far back the gradient reaches at initialisation, and the adding problem
learnt within a fixed budget."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch06 import MODEL_NAMES, AddingSweep, GradientVsDistance
from .style import CYCLE, GREY, PALETTE, new_figure

MODEL_COLOURS = {"rnn": PALETTE["vermillion"], "lstm": PALETTE["blue"], "gru": PALETTE["green"]}
VARIANT_STYLES = {  # variant -> (colour, line style)
    "tanh RNN": (PALETTE["vermillion"], "-"),
    "LSTM, forget bias 0": (PALETTE["sky"], "--"),
    "LSTM, forget bias 1": (PALETTE["blue"], "-"),
    "GRU": (PALETTE["green"], "-."),
}


def gradient_vs_distance(result: GradientVsDistance) -> Figure:
    """Ch. 6 ||dL/ds_{T-m}|| (1 at m = 0) against lag m at initialisation, one curve per variant."""
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    for k, name in enumerate(result.variants):
        colour, ls = VARIANT_STYLES.get(name, (CYCLE[k % len(CYCLE)], "-"))
        label = name
        if name in result.forget_means:
            label += rf" (mean $f_t$ = {result.forget_means[name]:.2f})"
        with np.errstate(divide="ignore"):  # an underflowed 0 is simply not drawn on log axes
            ax.semilogy(result.lags, result.norms[k], color=colour, ls=ls, label=label)
    ax.set_xlabel("lag $m$ (steps back from the loss at $T$)")
    ax.set_ylabel(r"$\|\partial\mathcal{L}/\partial\mathbf{s}_{T-m}\|$ / value at $m = 0$")
    ax.set_title(f"At initialisation: how far back the gradient reaches ($T = {result.lags[-1]}$)")
    ax.legend(frameon=False, fontsize=8.5, loc="lower left")
    return fig


def _lr_label(result: AddingSweep, m: int) -> str:
    """Legend text for model m: its name and the learning rate chosen at each length."""
    lrs = [f"{lr:g}" for lr in result.chosen_lr[m]]
    chosen = lrs[0] if len(set(lrs)) == 1 else " / ".join(lrs)
    return f"{MODEL_NAMES.get(result.models[m], result.models[m])}, best lr {chosen}"


def _draw_losses(ax, result: AddingSweep) -> None:
    """Held-out loss per seed (points) and its mean (line) against T, per model, log y."""
    lengths = np.array(result.lengths)
    top = 3.0 * result.baseline  # an overflowed (inf) run is drawn here, as a triangle
    S, span = len(result.seeds), float(lengths.max())  # span sets the jitter of the dots
    offsets = (np.arange(S) - (S - 1) / 2) * 0.012 * span  # (S,)
    for m, model in enumerate(result.models):
        colour = MODEL_COLOURS.get(model, CYCLE[m % len(CYCLE)])
        shift = (m - (len(result.models) - 1) / 2) * 0.04 * span
        values = np.minimum(result.heldout[m], top)  # (L, S)
        x = lengths[:, None] + shift + offsets[None, :]  # (L, S)
        inf = ~np.isfinite(result.heldout[m])
        ax.scatter(x[~inf], values[~inf], color=colour, s=18, alpha=0.8, zorder=3)
        ax.scatter(x[inf], values[inf], color=colour, marker="^", s=30, zorder=3)
        mean = np.minimum(result.mean_heldout[m], top)  # (L,)
        ax.plot(lengths + shift, mean, color=colour, lw=1.6, label=_lr_label(result, m))
    ax.axhline(result.baseline, color=GREY, ls="--", lw=1, label="baseline: always predict 1")
    ax.axhline(result.threshold, color=GREY, ls=":", lw=1.2, label="solved below (MSE 0.05)")
    ax.set_yscale("log")
    low = min(float(np.min(result.heldout)), result.threshold)
    ax.set_ylim(low / 3, 40 * result.baseline)  # room for the legend above the baseline
    ax.set_xticks(lengths)
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel(r"held-out loss $\frac{1}{2}(\hat y_T - y)^2$")
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=2)
    ax.set_title("Held-out loss per seed (dots) and mean (line)")


def _draw_success(ax, result: AddingSweep) -> None:
    """Seeds solved out of S per length, grouped bars per model."""
    L, M, S = len(result.lengths), len(result.models), len(result.seeds)
    width = 0.8 / M
    for m, model in enumerate(result.models):
        x = np.arange(L) + (m - (M - 1) / 2) * width
        solved = result.solved[m].sum(axis=1)  # (L,)
        colour = MODEL_COLOURS.get(model, CYCLE[m % len(CYCLE)])
        ax.bar(x, solved, width * 0.9, color=colour, label=MODEL_NAMES.get(model, model))
        for xi, k in zip(x, solved, strict=True):
            ax.annotate(
                f"{k}/{S}",
                (xi, k),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(np.arange(L), [str(T) for T in result.lengths])
    ax.set_ylim(0, S * 1.15)
    ax.set_yticks(range(S + 1))
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel(f"seeds solved (of {S})")
    ax.set_title("Seeds solved (MSE < 0.05)")
    ax.grid(axis="x", visible=False)


def adding_sweep(result: AddingSweep) -> Figure:
    """Ch. 6 the adding problem within a fixed budget: held-out loss against T (left) and the
    number of seeds solved (right), per model, each at its best learning rate from one grid."""
    fig = new_figure(8.4, 3.8)
    ax_loss, ax_rate = fig.subplots(1, 2, width_ratios=[1.6, 1])
    _draw_losses(ax_loss, result)
    _draw_success(ax_rate, result)
    grid = ", ".join(f"{lr:g}" for lr in result.lr_grid)
    fig.suptitle(
        f"Adding problem: {result.steps} Adam steps (batch {result.batch}, $n_h$ = {result.n_h}, "
        f"clip {result.clip:g}), best lr of {{{grid}}}",
        fontsize=10.5,
    )
    return fig
