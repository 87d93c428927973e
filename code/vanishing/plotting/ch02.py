"""Chapter 2 figures: how much of the gradient comes from k steps back."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch02 import LagContributions
from ..validate import check_index, check_instance
from .style import CYCLE, GREY, new_figure


def lag_contributions(
    results: LagContributions | tuple[LagContributions, ...], mark_lag: int | None = None
) -> Figure:
    """Ch. 2: ||term at lag m|| / ||term at lag 0|| against m, one panel per input scale.

    Each curve is the median over the seeds, the band their range.
    """
    if isinstance(results, LagContributions):
        results = (results,)
    if not isinstance(results, tuple | list) or not results:
        raise TypeError(
            f"results must be a LagContributions or a tuple of them, got {type(results).__name__}"
        )
    for i, r in enumerate(results):
        check_instance(r, f"results[{i}]", LagContributions)
    if mark_lag is not None:
        mark_lag = check_index(mark_lag, "mark_lag", 0, min(len(r.lags) for r in results) - 1)
    fig = new_figure(6.4 if len(results) == 1 else 7.6, 3.8)
    axes = fig.subplots(1, len(results), sharey=True, squeeze=False)[0]
    for ax, result in zip(axes, results, strict=True):
        shown = np.all(result.norms > 0, axis=(0, 1))  # the k = 1 term multiplies h_0 = 0
        lags = result.lags[shown]
        rel = result.relative[..., shown]  # (S, R, T')
        for colour, rho, curves in zip(CYCLE, result.rhos, rel.transpose(1, 0, 2), strict=False):
            label = rf"$\rho(\mathbf{{W}}_{{hh}}) = {rho:g}$"
            ax.fill_between(lags, curves.min(0), curves.max(0), color=colour, alpha=0.25, lw=0)
            ax.semilogy(lags, np.median(curves, axis=0), color=colour, label=label)
        if mark_lag is not None:
            ax.axvline(mark_lag, color=GREY, lw=1, ls="--")
        ax.axhline(1.0, color=GREY, lw=0.6, ls=":")
        ax.set_xlabel("steps back, $m = T - k$")
        ax.set_title(f"inputs $\\mathcal{{N}}(0, {result.input_scale:g}^2)$", fontsize=10)
    if mark_lag is not None:
        axes[0].annotate(
            f"{mark_lag} steps back",
            (mark_lag, 1.0),
            xytext=(4, 6),
            textcoords="offset points",
            fontsize=9,
            color=GREY,
        )
    axes[0].set_ylabel("norm of the term, relative to $m = 0$")
    axes[0].legend(frameon=False, loc="lower left", fontsize=9)
    n_seeds = len(results[0].seeds)
    fig.suptitle(
        rf"{results[0].activation} RNN, {results[0].n_h} units: each step's term of "
        r"$\partial\mathcal{L}/\partial\mathbf{W}_{hh}$"
        f"\n(median and range over {n_seeds} seeds)",
        fontsize=10,
    )
    return fig
