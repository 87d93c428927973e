"""Chapter 8 figures: truncated BPTT on delayed recall, randomised truncation's bias and noise,
the curse of memory, a state-space model's memory against its step Delta, the gradient against
distance for attention and recurrent models, and input-influence maps of trained models."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch08 import (
    InfluenceMap,
    InputDistance,
    MemoryMonteCarlo,
    RandomisedTruncation,
    SSMMemory,
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


def randomised(result: RandomisedTruncation, fixed: TruncationBias) -> Figure:
    """Ch. 8 left: relative bias against the (mean) truncation length, fixed tau and randomised
    (mean stretch 1/c), with standard errors; right: the distribution (empirical CDF) of each
    draw's distance from its batch's full gradient, per c, and the batch-to-batch spread."""
    check_instance(result, "result", RandomisedTruncation)
    check_instance(fixed, "fixed", TruncationBias)
    fig = new_figure(7.0, 3.4)
    left, right = fig.subplots(1, 2)
    left.errorbar(fixed.taus, fixed.bias, yerr=fixed.standard_error, color=PALETTE["black"],
                  marker="o", ms=4, capsize=3, label=r"fixed $\tau$")  # fmt: skip
    means = [1.0 / c for c in result.probabilities]
    left.errorbar(means, result.bias, yerr=result.standard_error, color=PALETTE["vermillion"],
                  marker="s", ms=5, capsize=3, ls="none",
                  label="randomised, mean $1/c$")  # fmt: skip
    left.set_xlabel("truncation length (mean)")
    left.set_ylabel("relative bias")
    left.set_title(f"Bias over {fixed.batches} batches")
    low = min(0.0, 1.05 * float(np.min(result.bias - result.standard_error)))  # error bars < 0
    left.set_ylim(low, max(1.05 * float(np.max(fixed.bias + fixed.standard_error)), 0.1))
    left.axhline(0.0, color=GREY, lw=0.8)
    left.legend(frameon=False, fontsize=8, loc="upper right")
    for k, c in enumerate(result.probabilities):
        d = np.sort(result.deviation[k])
        right.plot(d, np.arange(1, d.size + 1) / d.size, color=CYCLE[(k + 1) % len(CYCLE)],
                   label=f"$c = 1/{1 / c:.0f}$")  # fmt: skip
    right.axvline(result.minibatch_spread, color=GREY, ls="--", lw=1)
    right.set_xscale("log")
    right.set_xlabel(r"$\|\hat g - g_b\| / \|\bar g\|$ (dashed: batch-to-batch spread)")
    right.set_ylabel("fraction of draws")
    right.set_title(f"Noise of one draw ({result.deviation.shape[1]} per $c$)")
    right.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


def ssm_memory(result: SSMMemory) -> Figure:
    """Ch. 8 left: dy_T/dx_{T-m} against the lag m (log-log), one line per step Delta, dots at
    the 1% memory; right: the eigenvalues exp(Delta a_j) per Delta, with the LRU's ring."""
    check_instance(result, "result", SSMMemory)
    fig = new_figure(7.0, 3.4)
    left, right = fig.subplots(1, 2, width_ratios=(1.4, 1))
    # log-spaced lags 1..M-1: a log axis shows no more (and 20,000 points draw slowly)
    M = result.lags.size
    m = np.unique(np.geomspace(1, max(M - 1, 1), 400).astype(int))
    m = m[m < M]
    for k, delta in enumerate(result.deltas):
        colour = CYCLE[k % len(CYCLE)]
        left.loglog(m, result.gradient[k, m], color=colour, label=rf"$\Delta = {delta:g}$")
        at = int(result.memory[k])
        if 0 < at < result.lags.size:
            left.plot([at], [result.gradient[k, at]], ls="none", marker="o", ms=4, color=colour)
        right.plot(result.eigenvalues[k], np.full(result.eigenvalues.shape[1], delta),
                   ls="none", marker="|", ms=10, color=colour)  # fmt: skip
    left.set_ylim(1e-8, 10.0)
    left.set_xlabel("lag $m$")
    left.set_ylabel(r"$\partial y_T/\partial x_{T-m}$")
    left.set_title("Memory (dots: 1% of lag 0)")
    left.legend(frameon=False, fontsize=8, loc="lower left")
    right.axvspan(0.9, 0.999, color=GREY, alpha=0.25, lw=0)
    right.set_yscale("log")
    right.set_xlim(0.0, 1.0)
    right.set_xlabel(r"eigenvalue $e^{\Delta a_j}$ (grey: LRU ring)")
    right.set_ylabel(r"step $\Delta$")
    right.set_title(f"{result.eigenvalues.shape[1]} eigenvalues per step")
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
    fig = new_figure(7.0, 1.1 + 1.9 * M)  # tall enough for the rings on a phone
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
