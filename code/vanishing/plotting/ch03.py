"""Chapter 3 figures: norms of Jacobian products against lag, transient growth, the eigenvector
bound, order versus chaos in tanh networks, the slider."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..experiments.ch03 import (
    EigenvectorBound,
    GaussianPowers,
    NormVsLag,
    OrderChaos,
    TransientGrowth,
)
from ..fmt import sci
from ..validate import check_instance, check_reals, check_str
from .interactive import SliderCurves, slider_figure
from .style import CYCLE, GREY, PALETTE, new_figure

SHOWN_RHOS = (0.5, 0.8, 1.0, 1.2, 1.5)


def _check_rhos(rhos, name: str, result: NormVsLag) -> tuple[float, ...]:
    """Spectral radii to show, each within the run's grid (the nearest grid value is drawn)."""
    rhos = check_reals(rhos, name, positive=True)
    lo, hi = float(result.rhos.min()), float(result.rhos.max())
    for i, rho in enumerate(rhos):
        if not lo - 1e-9 <= rho <= hi + 1e-9:
            raise ValueError(f"{name}[{i}] must lie in the run's grid {lo:g}..{hi:g}, got {rho}")
    return rhos


def norm_vs_lag(result: NormVsLag, shown=SHOWN_RHOS) -> Figure:
    """||dh_T/dh_{T-k}||_2 against k, one panel per variant, one curve per spectral radius."""
    check_instance(result, "result", NormVsLag)
    shown = _check_rhos(shown, "shown", result)
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
    # in the last panel, whose curves all stay below 1: nothing under the legend
    np.atleast_1d(axes)[-1].legend(frameon=False, fontsize=8.5, loc="upper right")
    return fig


def transient_growth(result: TransientGrowth) -> Figure:
    """||W^k|| of a non-normal 2x2 matrix, with rho^k and sigma_max^k for comparison."""
    check_instance(result, "result", TransientGrowth)
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
    """The interactive version of ``norm_vs_lag``: one slider over rho, all variants at once,
    with rho^k dashed and each variant's norm at the last lag printed beside the slider."""
    check_instance(result, "result", NormVsLag)
    check_str(caption, "caption")  # may be empty: the chapter writes the caption itself
    check_str(alt, "alt", nonempty=True)
    gaussian = result.sigma_max[min(1, len(result.variants) - 1)]  # (R,)
    last = int(result.lags[-1])
    names = [  # "linear, orthogonal W" -> "orthogonal"; "tanh, Gaussian W, ..." -> "tanh"
        v.split(",")[0] if v.startswith("tanh") else v.split(",")[1].strip().removesuffix(" W")
        for v in result.variants
    ]
    readouts = tuple(
        (
            f"σmax(Gaussian W) = {s:.2f};",
            f"at lag {last}: "
            + ", ".join(
                f"{n} {sci(v, 3, keep_zeros=True)}" for n, v in zip(names, values, strict=True)
            ),
        )
        for s, values in zip(gaussian, result.norms[:, :, -1].T, strict=True)
    )
    curves = SliderCurves(
        param_name="spectral radius &rho;",
        values=result.rhos,
        x=result.lags.astype(float),
        y=np.swapaxes(result.norms, 0, 1),  # (R, V, T+1)
        labels=result.variants,
        x_label="lag k",
        y_label="‖∂h_T / ∂h_(T−k)‖₂",
        y_range=(1e-12, 1e12),
        readouts=readouts,
        reference=result.rhos[:, None] ** result.lags[None, :].astype(float),  # (R, T+1)
        reference_label="ρᵏ",
    )
    initial = int(np.argmin(np.abs(result.rhos - 1.0)))
    return slider_figure(curves, initial=initial, caption=caption, alt=alt)


def slider_table(result: NormVsLag, rhos=(0.9, 0.95, 1.0, 1.05, 1.1)) -> str:
    """The slider's numbers on paper: each variant's norm at the last lag, a few rho (Markdown)."""
    check_instance(result, "result", NormVsLag)
    rhos = _check_rhos(rhos, "rhos", result)
    last = int(result.lags[-1])
    head = "| $\\rho$ | " + " | ".join(result.variants) + " |"
    rows = [head, "|" + "---|" * (len(result.variants) + 1)]
    for rho in rhos:
        r = int(np.argmin(np.abs(result.rhos - rho)))
        cells = " | ".join(sci(v, 3, keep_zeros=True) for v in result.norms[:, r, -1])
        rows.append(f"| {result.rhos[r]:.2f} | {cells} |")
    intro = (
        f"*On paper: the three products at lag {last}; the HTML edition draws them for every "
        "spectral radius from 0.5 to 1.5 under a slider.*"
    )
    return intro + "\n\n" + "\n".join(rows) + "\n"


def eigenvector_bound(small: EigenvectorBound, gaussian: GaussianPowers) -> Figure:
    """||M^k|| against kappa_2(V) rho^k: a 2x2 diagonalisable example and Gaussian W_hh."""
    check_instance(small, "small", EigenvectorBound)
    check_instance(gaussian, "gaussian", GaussianPowers)
    fig = new_figure(7.6, 3.4)
    left, right = fig.subplots(1, 2)
    k = small.k
    left.semilogy(k, small.norms, color=PALETTE["blue"], label=r"$\|\mathbf{M}^k\|_2$")
    left.semilogy(
        k, small.bound, color=PALETTE["vermillion"], ls=":", label=r"$\kappa_2(\mathbf{V})\,\rho^k$"
    )
    left.semilogy(k, small.rho**k, color=GREY, ls="--", label=rf"$\rho^k$, $\rho = {small.rho:g}$")
    left.set_xlabel("power $k$")
    left.set_ylabel("norm")
    left.set_title(r"$\mathbf{M} = [[0.9, 4], [0, 0.8]]$", fontsize=10)
    left.legend(frameon=False, fontsize=8.5, loc="lower left")
    for i, (ratio, kappa) in enumerate(zip(gaussian.ratios, gaussian.kappas, strict=True)):
        colour = CYCLE[i % len(CYCLE)]
        right.semilogy(gaussian.k[1:], ratio[1:], color=colour, lw=1.2)
        right.axhline(kappa, color=colour, ls=":", lw=1.2)
    right.set_ylim(1, gaussian.kappas.max() * 2)
    right.set_xlabel("power $k$")
    right.set_ylabel(r"$\|\mathbf{W}^k\|_2 / \rho^k$")
    n = gaussian.n_h
    right.set_title(
        rf"Gaussian $\mathbf{{W}}$, {n} $\times$ {n}, {len(gaussian.seeds)} seeds", fontsize=10
    )
    right.text(
        0.97,
        0.55,
        r"dotted: each seed's $\kappa_2(\mathbf{V})$",
        transform=right.transAxes,
        ha="right",
        fontsize=8.5,
    )
    return fig


def order_chaos(grid: OrderChaos, curves: OrderChaos) -> Figure:
    """Left: median log10 ||dh_T/dh_{T-lag}|| over (input scale, rho) with the seeds' boundaries.
    Right: the norm against input scale for two rhos and two widths, median and seed range."""
    check_instance(grid, "grid", OrderChaos)
    check_instance(curves, "curves", OrderChaos)
    fig = new_figure(8.4, 3.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    log_norm = np.log10(grid.norms[0])  # (R, S, seeds)
    median = np.median(log_norm, axis=-1)
    image = left.pcolormesh(
        grid.scales,
        grid.rhos,
        np.clip(median, -12, 12),
        norm=TwoSlopeNorm(0.0, -12, 6),  # the stationary products grow far less than they fall
        cmap="RdBu_r",
        shading="nearest",
        rasterized=True,
    )
    fig.colorbar(
        image, ax=left, label=rf"$\log_{{10}}$ norm, last {grid.lag} steps (median)", shrink=0.9
    )
    for field, style in (
        (median, "-"),
        (log_norm.min(axis=-1), "--"),
        (log_norm.max(axis=-1), "--"),
    ):
        left.contour(
            grid.scales,
            grid.rhos,
            field,
            levels=[0.0],
            colors="black",
            linestyles=style,
            linewidths=1.2 if style == "-" else 0.9,
        )
    left.plot([1.0], [1.5], marker="o", ms=7, mfc="white", mec="black", ls="none")
    left.annotate(
        "the tanh panel's\nsetting",
        (1.0, 1.5),
        xytext=(0.04, 0.47),
        textcoords="axes fraction",
        fontsize=8.5,
        arrowprops={"arrowstyle": "->", "lw": 0.8},
    )
    left.set_xscale("log")
    left.set_xlabel("input scale $s$")
    left.set_ylabel(r"spectral radius $\rho$")
    left.grid(False)
    left.set_title(
        f"tanh, {grid.widths[0]} units, {len(grid.seeds)} seeds, T = {grid.T}", fontsize=10
    )
    colours = (PALETTE["orange"], PALETTE["blue"])
    for r, (rho, colour) in enumerate(zip(curves.rhos, colours, strict=False)):
        for w, (width, ls) in enumerate(zip(curves.widths, ("-", "--"), strict=False)):
            runs = curves.norms[w, r]  # (S, seeds)
            if w == 0:
                right.fill_between(
                    curves.scales, runs.min(-1), runs.max(-1), color=colour, alpha=0.2, lw=0
                )
            right.loglog(
                curves.scales,
                np.median(runs, -1),
                color=colour,
                ls=ls,
                label=rf"$\rho = {rho:g}$, {width} units",
            )
    right.axhline(1.0, color=GREY, lw=0.9)
    right.set_xlabel("input scale $s$")
    right.set_ylabel(rf"$\|\partial\mathbf{{h}}_T/\partial\mathbf{{h}}_{{T-{curves.lag}}}\|_2$")
    right.set_title(f"lines: median; band: seed range, {curves.widths[0]} units", fontsize=10)
    right.legend(frameon=False, fontsize=8, loc="lower left")
    return fig
