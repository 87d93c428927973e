"""Chapter 8 figures: truncated BPTT on delayed recall, the curse of memory, the gradient against
distance for attention and recurrent models, and input-influence maps of trained models."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch08 import (
    InfluenceMap,
    InputDistance,
    MemoryMonteCarlo,
    Truncation,
    TruncationBias,
)
from ..validate import check_instance
from .style import CYCLE, GREY, PALETTE, new_figure

SETTING_LABELS = {
    "plain": r"$\gamma = 1$: $(1+\lambda^2)/(1-\lambda^2)^3$",
    "normalised": r"$\gamma = \sqrt{1-\lambda^2}$: $1/(1-\lambda^2)^2$",
    "normalised_nu": r"same, per $\nu$: $(\lambda\ln\lambda)^2/(1-\lambda^2)^2$",
}
SETTING_COLOURS = {
    "plain": PALETTE["vermillion"],
    "normalised": PALETTE["orange"],
    "normalised_nu": PALETTE["blue"],
}
MODEL_COLOURS = {
    "attention": PALETTE["green"],
    "tanh RNN": PALETTE["vermillion"],
    "LSTM": PALETTE["blue"],
}


def truncation(result: Truncation, bias: TruncationBias) -> Figure:
    """Ch. 8 left: recall error against training steps, one line per truncation length tau;
    right: relative bias of the truncated gradient against tau, with its standard error."""
    check_instance(result, "result", Truncation)
    check_instance(bias, "bias", TruncationBias)
    fig = new_figure(7.0, 3.4)
    left, right = fig.subplots(1, 2, width_ratios=(1.5, 1))
    for k, tau in enumerate(result.taus):
        label = "full BPTT" if tau >= result.T else rf"$\tau = {tau}$"
        left.plot(
            result.steps,
            result.error[k],
            color=CYCLE[k % len(CYCLE)],
            marker="o",
            ms=3,
            label=label,
        )
    left.axhline(1.0, color=GREY, ls="--", lw=1)
    left.set_xlabel("Adam steps")
    left.set_ylabel("recall error (1 = predict 0)")
    left.set_title(f"Recall with delay $d = {result.delay}$ (one seed)")
    left.legend(frameon=False, fontsize=8, loc="center right")
    right.errorbar(
        bias.taus,
        bias.bias,
        yerr=bias.standard_error,
        color=PALETTE["black"],
        marker="o",
        ms=4,
        capsize=3,
    )
    right.set_xlabel(r"truncation length $\tau$")
    right.set_ylabel("relative bias")
    right.set_title(f"Bias over {bias.batches} batches")
    right.set_ylim(0, max(1.05 * float(np.max(bias.bias + bias.standard_error)), 0.1))
    return fig


def memory(result: MemoryMonteCarlo, curves: dict) -> Figure:
    """Ch. 8 E[(dh/dp)^2] against 1 - lambda (log-log): Monte Carlo points and the derived
    closed forms (``curves``: setting -> numpy function of lambda), per setting."""
    check_instance(result, "result", MemoryMonteCarlo)
    if not isinstance(curves, dict) or not curves or not all(callable(f) for f in curves.values()):
        raise TypeError("curves must be a non-empty dict {setting: function of lambda}")
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    gap = 1.0 - result.lambdas
    fine = np.geomspace(gap.min(), gap.max(), 200)
    for setting, values in result.sensitivity.items():
        colour = SETTING_COLOURS.get(setting, GREY)
        ax.loglog(
            fine,
            curves[setting](1.0 - fine),
            color=colour,
            label=SETTING_LABELS.get(setting, setting),
        )
        ax.loglog(gap, values, ls="none", marker="o", ms=5, mfc="none", color=colour)
    ax.invert_xaxis()
    ax.set_xlabel(r"$1 - \lambda$ (memory grows to the right)")
    ax.set_ylabel("second moment of the sensitivity")
    ax.set_title(f"Lines: SymPy; circles: Monte Carlo ({result.samples:,} sequences)")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def input_distance(result: InputDistance) -> Figure:
    """Ch. 8 ||d y_hat_T / d x_{T-m}||_F against lag m at initialisation, one line per model."""
    check_instance(result, "result", InputDistance)
    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    for k, name in enumerate(result.models):
        ax.semilogy(
            result.lags, result.norms[k], color=MODEL_COLOURS.get(name, CYCLE[k]), label=name
        )
    ax.set_xlabel("lag $m$")
    ax.set_ylabel(r"$\|\partial\hat{\mathbf{y}}_T/\partial\mathbf{x}_{T-m}\|_F$")
    ax.set_title(f"At initialisation ($T = {len(result.lags)}$)")
    ax.legend(frameon=False, fontsize=9, loc="lower left")
    return fig


def influence(result: InfluenceMap) -> Figure:
    """Ch. 8 one heat map per trained model: rows are sequences, columns steps, colour the
    influence |d y_hat_T / d x_t| scaled per row; white rings mark the two marked steps."""
    check_instance(result, "result", InfluenceMap)
    M, N, T = result.influence.shape
    fig = new_figure(7.0, 1.1 + 1.2 * M)
    axes = np.atleast_1d(fig.subplots(M, 1, sharex=True))
    for m, ax in enumerate(axes):
        image = ax.imshow(
            result.influence[m], aspect="auto", cmap="magma", vmin=0.0, vmax=1.0,
            extent=(0.5, T + 0.5, N + 0.5, 0.5), interpolation="nearest",
        )  # fmt: skip
        rows = np.repeat(np.arange(1, N + 1), 2)
        ax.scatter(
            result.marks.ravel() + 1, rows, s=40, facecolors="none", edgecolors="white", lw=1.2
        )
        ax.set_ylabel("sequence")
        ax.set_yticks(range(1, N + 1))
        ax.grid(False)
        ax.set_title(
            f"{result.models[m]} (validation loss {result.loss[m]:.2f} × baseline)", fontsize=10
        )
    axes[-1].set_xlabel("step $t$")
    fig.colorbar(image, ax=list(axes), label="influence (row max = 1)", shrink=0.9)
    return fig
