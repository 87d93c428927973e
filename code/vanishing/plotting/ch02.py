"""Chapter 2 figures: how much of the gradient comes from k steps back."""

from __future__ import annotations

from matplotlib.figure import Figure

from ..experiments.ch02 import LagContributions
from .style import CYCLE, GREY, new_figure


def lag_contributions(result: LagContributions, mark_lag: int | None = None) -> Figure:
    """||term at lag k|| / ||term at lag 0|| of dL/dW_hh against k, one curve per W_hh."""
    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    for colour, rho, rel in zip(CYCLE, result.rhos, result.relative, strict=False):
        shown = rel > 0  # the k = 1 term multiplies h_0 = 0
        label = rf"$\rho(\mathbf{{W}}_{{hh}}) = {rho:g}$"
        ax.semilogy(result.lags[shown], rel[shown], color=colour, label=label)
    if mark_lag is not None and mark_lag < len(result.lags):
        ax.axvline(mark_lag, color=GREY, lw=1, ls="--")
        ax.annotate(
            f"{mark_lag} steps back",
            (mark_lag, ax.get_ylim()[1]),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=9,
            color=GREY,
        )
    ax.set_xlabel("steps back, $m = T - k$ (the term of step $k$ in the BPTT sum)")
    ax.set_ylabel("norm of the term, relative to $m = 0$")
    ax.legend(frameon=False, loc="lower left")
    ax.set_title(
        f"{result.activation} RNN: the contribution of each step to "
        r"$\partial\mathcal{L}/\partial\mathbf{W}_{hh}$"
    )
    return fig
