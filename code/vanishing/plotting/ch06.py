"""Chapter 6 figures: how far back the gradient reaches at initialisation, an LSTM's exploding
indirect paths, and the steps needed to solve the adding problem against the sequence length."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch06 import MODEL_NAMES, GradientVsDistance, LSTMExplosion, StepsToSolve
from ..validate import check_instance
from .style import CYCLE, GREY, PALETTE, new_figure

MODEL_COLOURS = {
    "rnn": PALETTE["vermillion"],
    "irnn": PALETTE["orange"],
    "lstm": PALETTE["blue"],
    "gru": PALETTE["green"],
}
MODEL_MARKERS = {"rnn": "o", "irnn": "s", "lstm": "D", "gru": "v"}
VARIANT_STYLES = {  # variant -> (colour, line style)
    "tanh RNN, uniform W_hh": (PALETTE["vermillion"], ":"),
    "tanh RNN, orthogonal W_hh": (PALETTE["vermillion"], "-"),
    "LSTM, forget bias 0": (PALETTE["sky"], "--"),
    "LSTM, forget bias 1": (PALETTE["blue"], "-"),
    "GRU": (PALETTE["green"], "-."),
}
VARIANT_MARKERS = {  # variant -> (marker, markevery): the two curves that coincide stay visible
    "LSTM, forget bias 0": ("s", (0, 10)),
    "GRU": ("v", (5, 10)),
}
VARIANT_LABELS = {  # variant -> legend text (mathtext)
    "tanh RNN, uniform W_hh": r"tanh RNN, PyTorch default (all weights uniform)",
    "tanh RNN, orthogonal W_hh": r"tanh RNN, orthogonal $W_{hh}$ (ch. 5)",
}


def gradient_vs_distance(result: GradientVsDistance) -> Figure:
    """Ch. 6 ||dL/ds_{T-m}|| (1 at m = 0) against lag m at initialisation, one curve per variant."""
    check_instance(result, "result", GradientVsDistance)
    fig = new_figure(6.4, 3.9)
    ax = fig.add_subplot()
    for k, name in enumerate(result.variants):
        colour, ls = VARIANT_STYLES.get(name, (CYCLE[k % len(CYCLE)], "-"))
        label = VARIANT_LABELS.get(name, name)
        if name in result.forget_means:
            label += rf" (mean $f_t$ = {result.forget_means[name]:.2f})"
        with np.errstate(divide="ignore"):  # an underflowed 0 is simply not drawn on log axes
            marker, every = VARIANT_MARKERS.get(name, ("", None))
            ax.semilogy(
                result.lags,
                result.norms[k],
                color=colour,
                ls=ls,
                label=label,
                marker=marker,
                markevery=every,
                markersize=4,
            )
    ax.set_xlabel("lag $m$ (steps back from the loss at $T$)")
    ax.set_ylabel(r"$\|\partial\mathcal{L}/\partial\mathbf{s}_{T-m}\|$ / value at $m = 0$")
    ax.set_title(f"At initialisation: how far back the gradient reaches ($T = {result.lags[-1]}$)")
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def lstm_explosion(result: LSTMExplosion) -> Figure:
    """Ch. 6 ||ds_T/ds_{T-m}||_2 against lag m: median over seeds (line) and range (band), per
    (forget bias, scale of U_g)."""
    check_instance(result, "result", LSTMExplosion)
    fig = new_figure(6.4, 3.7)
    ax = fig.add_subplot()
    colours = (PALETTE["blue"], PALETTE["orange"], PALETTE["vermillion"], PALETTE["purple"])
    for k, (forget_bias, scale) in enumerate(result.settings):
        colour = colours[k % len(colours)]
        norms = result.norms[k]  # (S, T+1)
        ax.fill_between(
            result.lags, norms.min(axis=0), norms.max(axis=0), color=colour, alpha=0.18, lw=0
        )
        label = rf"forget bias {forget_bias:g}, $U_g$ orthogonal $\times$ {scale:g}"
        ax.semilogy(result.lags, np.median(norms, axis=0), color=colour, label=label)
    ax.axhline(1.0, color=GREY, ls="--", lw=1)
    ax.set_xlabel("lag $m$")
    ax.set_ylabel(r"$\|\partial\mathbf{s}_T/\partial\mathbf{s}_{T-m}\|_2$")
    ax.set_title(
        f"LSTM at initialisation: median and range over {len(result.seeds)} seeds",
    )
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def steps_to_solve(result: StepsToSolve) -> Figure:
    """Ch. 6 steps to solve the adding problem against T: every seed a point (open triangles at
    the cap: not solved), the median a line, per model at its selected learning rate; where
    most seeds did not solve (median above the cap) the line goes on dashed to the cap and an
    arrow points up."""
    check_instance(result, "result", StepsToSolve)
    fig = new_figure(6.6, 4.0)
    ax = fig.add_subplot()
    lengths = np.array(result.lengths, dtype=float)
    M, S = len(result.models), len(result.seeds)
    for m, model in enumerate(result.models):
        colour = MODEL_COLOURS.get(model, CYCLE[m % len(CYCLE)])
        marker = MODEL_MARKERS.get(model, "o")
        spread = 1.0 + 0.035 * (np.arange(S) - (S - 1) / 2)  # (S,) jitter, multiplicative
        shift = 1.0 + 0.09 * (m - (M - 1) / 2)
        for l in np.flatnonzero(result.ran[m]):
            x = lengths[l] * shift * spread  # (S,)
            ok = result.solved[m, l]
            ax.scatter(x[ok], result.steps[m, l, ok], color=colour, marker=marker, s=16, alpha=0.8)
            ax.scatter(
                x[~ok],
                np.full((~ok).sum(), float(result.cap)),
                facecolors="none",
                edgecolors=colour,
                marker="^",
                s=40,
                zorder=3,
            )
        median = result.median_steps[m]  # (L,), inf when most seeds did not solve
        measured = result.ran[m] & np.isfinite(median)
        name = MODEL_NAMES.get(model, model)
        ax.plot(
            lengths[measured] * shift,
            median[measured],
            color=colour,
            lw=1.6,
            label=f"{name} (lr {result.lr[m]:g})",
        )
        censored = np.flatnonzero(result.ran[m] & np.isinf(median))  # median above the cap
        if censored.size:  # dashed from the last measured median, an arrow up at the cap
            start = np.flatnonzero(measured[: censored[0]])[-1:]  # () or (l,)
            l_idx = np.concatenate([start, censored])
            y = np.where(np.isinf(median[l_idx]), float(result.cap), median[l_idx])
            ax.plot(lengths[l_idx] * shift, y, color=colour, lw=1.6, ls="--")
            for l in censored:
                x = lengths[l] * shift
                ax.annotate(
                    "",
                    xy=(x, result.cap * 1.8),
                    xytext=(x, result.cap),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4},
                )
    ax.axhline(result.cap, color=GREY, ls="--", lw=1)
    ax.annotate(
        f"cap: {result.cap:,} steps (open triangles: not solved)",
        (lengths[0], result.cap),
        xytext=(0, 4),
        textcoords="offset points",
        fontsize=8,
        color=GREY,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(lengths, [str(T) for T in result.lengths])
    ax.minorticks_off()
    ax.set_ylim(top=result.cap * 2.2)
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel("Adam steps to solve (validation MSE < 0.05)")
    ax.set_title(f"Adding problem: steps to solve, {S} seeds per point (median: line)")
    ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    return fig
