"""Chapter 3 figures: norms of Jacobian products against lag, transient growth, the slider."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch03 import NormVsLag, TransientGrowth
from .interactive import SliderCurves, slider_figure
from .style import CYCLE, GREY, PALETTE, new_figure

SHOWN_RHOS = (0.5, 0.8, 1.0, 1.2, 1.5)


def norm_vs_lag(result: NormVsLag, shown=SHOWN_RHOS) -> Figure:
    """||dh_T/dh_{T-k}||_2 against k, one panel per variant, one curve per spectral radius."""
    fig = new_figure(7.6, 3.3)
    axes = fig.subplots(1, len(result.variants), sharey=True)
    colours = dict(zip(shown, CYCLE, strict=False))
    for ax, name, norms in zip(np.atleast_1d(axes), result.variants, result.norms, strict=True):
        for rho in shown:
            r = int(np.argmin(np.abs(result.rhos - rho)))
            ax.semilogy(result.lags, norms[r], color=colours[rho], label=rf"$\rho = {rho:g}$")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("lag $k$")
        ax.set_ylim(1e-12, 1e12)
    np.atleast_1d(axes)[0].set_ylabel(r"$\|\partial\mathbf{h}_T/\partial\mathbf{h}_{T-k}\|_2$")
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=8.5, loc="lower left")
    return fig


def transient_growth(result: TransientGrowth) -> Figure:
    """||W^k|| of a non-normal 2x2 matrix, with rho^k and sigma_max^k for comparison."""
    fig = new_figure(6.4, 3.5)
    ax = fig.add_subplot()
    k = result.k
    ax.semilogy(k, result.norms, color=PALETTE["blue"], label=r"$\|\mathbf{W}^k\|_2$")
    ax.semilogy(k, result.rho**k, color=GREY, ls="--", label=rf"$\rho^k$, $\rho = {result.rho:g}$")
    with np.errstate(over="ignore"):
        ax.semilogy(
            k,
            result.sigma_max**k,
            color=PALETTE["vermillion"],
            ls=":",
            label=rf"$\sigma_{{\max}}^k$, $\sigma_{{\max}} = {result.sigma_max:.2f}$",
        )
    k_peak, peak = result.peak
    ax.plot([k_peak], [peak], "o", color=PALETTE["blue"])
    ax.set_ylim(min(result.norms.min(), result.rho ** k[-1]) / 3, peak * 30)
    ax.set_xlabel("power $k$")
    ax.set_ylabel("norm")
    ax.legend(frameon=False, loc="upper right")
    ax.set_title("A non-normal matrix: growth first, decay later")
    return fig


def norm_vs_lag_slider(result: NormVsLag, *, caption: str, alt: str) -> str:
    """The interactive version of ``norm_vs_lag``: one slider over rho, all variants at once."""
    gaussian = result.sigma_max[min(1, len(result.variants) - 1)]  # (R,)
    readouts = tuple(f"σmax(Gaussian W) = {s:.2f}" for s in gaussian)
    curves = SliderCurves(
        param_name="spectral radius &rho;",
        values=result.rhos,
        x=result.lags.astype(float),
        y=np.swapaxes(result.norms, 0, 1),  # (R, V, T+1)
        labels=result.variants,
        x_label="lag k",
        y_label="‖∂h_T / ∂h_(T−k)‖₂",
        y_range=(1e-12, 1e12),
        readouts=tuple((r,) for r in readouts),
    )
    initial = int(np.argmin(np.abs(result.rhos - 1.0)))
    return slider_figure(curves, initial=initial, caption=caption, alt=alt)
