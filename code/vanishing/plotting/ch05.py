"""Chapter 5 figures: the cliff and clipping, initialisation schemes, IRNN, residual blocks."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..experiments.ch05 import (
    Cliff,
    ClippingRescalesOnly,
    GlorotBengio,
    HeDecay,
    RemediesSummary,
    ResidualDepthSweep,
    ResidualVsPlain,
    RNNInitLags,
)
from ..validate import check_instance
from .style import CYCLE, GREY, PALETTE, new_figure

PLAIN, CLIPPED = PALETTE["vermillion"], PALETTE["blue"]
GRAD_W = r"$\|\partial\mathcal{L}/\partial\mathbf{W}^{(\ell)}\|_F$"
GRAD_A = r"$\|\partial\mathcal{L}/\partial\mathbf{a}^{(\ell)}\|_F$"


def _layer_colours(n: int) -> list:
    """n colours from dark (layer 1) to light (last layer), colour-blind safe (viridis)."""
    return [colormaps["viridis"](v) for v in np.linspace(0.05, 0.85, n)]


def cliff(result: Cliff) -> Figure:
    """Loss surface of the one-unit RNN with the plain and the clipped GD path, and their losses."""
    check_instance(result, "result", Cliff)
    fig = new_figure(8.4, 4.2)
    axes = fig.subplot_mosaic([["surface", "loss"], ["surface", "grad"]], width_ratios=[1.3, 1])
    ax = axes["surface"]
    floor = max(float(result.loss.min()), 1e-4)
    image = ax.pcolormesh(
        result.w,
        result.b,
        np.maximum(result.loss, floor),
        norm=LogNorm(floor, float(result.loss.max())),
        cmap="viridis",
        shading="auto",
        rasterized=True,
    )
    fig.colorbar(image, ax=ax, label=r"loss $(x_T - \mathrm{target})^2$", shrink=0.9)
    for path, colour, name in (
        (result.plain, PLAIN, "plain"),
        (result.clipped, CLIPPED, "clipped"),
    ):
        ax.plot(*path.params.T, color=colour, lw=1.4, marker=".", ms=2.5, label=name)
    ax.plot(*result.start, marker="o", ms=7, mfc="white", mec="black", ls="none", label="start")
    k = int(np.argmax(result.plain.step_length))
    w, b = result.plain.params[k + 1]
    ax.annotate(
        f"plain step {k + 1} jumps\nto $(w, b) = ({w:.0f}, {b:.0f})$",
        result.plain.params[k],
        xytext=(0.04, 0.06),
        textcoords="axes fraction",
        fontsize=8.5,
        color="white",
        arrowprops={"arrowstyle": "->", "color": "white", "lw": 0.8},
    )
    ax.set_xlim(result.w[0], result.w[-1])
    ax.set_ylim(result.b[0], result.b[-1])
    ax.set_xlabel("$w$")
    ax.set_ylabel("$b$")
    ax.grid(False)
    ax.legend(frameon=True, fontsize=8.5, loc="upper right")
    ax.set_title(rf"$x_t = w\,\sigma(x_{{t-1}}) + b$, $T = {result.T}$: a cliff in the loss")
    steps = np.arange(len(result.plain.loss))
    for key, label in (("loss", "loss"), ("grad", r"$\|\nabla\mathcal{L}\|$ before clipping")):
        ax = axes[key]
        for path, colour, name in (
            (result.plain, PLAIN, "plain"),
            (result.clipped, CLIPPED, "clipped"),
        ):
            values = path.loss if key == "loss" else path.grad_norm
            ax.semilogy(steps, values, color=colour, lw=1.2, label=name)
        ax.set_ylabel(label)
    axes["grad"].axhline(result.threshold, color=GREY, ls="--", lw=1, label="threshold")
    axes["grad"].set_xlabel("gradient-descent step")
    axes["loss"].set_xlabel("gradient-descent step")
    axes["loss"].legend(frameon=False, fontsize=8.5)
    axes["grad"].legend(frameon=False, fontsize=8.5, loc="upper left")
    axes["loss"].set_title(f"learning rate {result.lr:g}, clipping at {result.threshold:g}")
    axes["grad"].set_title("gradient norm along the paths")
    return fig


def clipping_rescales_only(result: ClippingRescalesOnly) -> Figure:
    """Per-lag terms of dL/dW_hh before and after clipping, and each lag's share (unchanged)."""
    check_instance(result, "result", ClippingRescalesOnly)
    fig = new_figure(7.6, 3.4)
    ax_norm, ax_share = fig.subplots(1, 2)
    lags = result.lags
    with np.errstate(divide="ignore"):  # the k = 1 term is exactly 0 because h_0 = 0
        ax_norm.semilogy(lags, result.norms_before, color=PLAIN, label="before clipping")
        ax_norm.semilogy(
            lags, result.norms_after, color=CLIPPED, ls="--", label=f"after (× {result.scale:.3g})"
        )
    ax_norm.set_xlabel("lag $m$")
    ax_norm.set_ylabel(r"$\|$term of $\partial\mathcal{L}/\partial\mathbf{W}_{hh}$ at lag $m\|_F$")
    ax_norm.legend(frameon=False)
    ax_norm.set_title("Clipping shifts every lag by one factor")
    ax_share.semilogy(lags, result.shares_before, color=PLAIN, label="before clipping")
    ax_share.semilogy(lags, result.shares_after, color=CLIPPED, ls="none", marker=".", ms=4)
    ax_share.axvline(result.far_lag, color=GREY, ls=":", lw=1)
    before, _ = result.far_share
    ax_share.annotate(
        f"lags ≥ {result.far_lag}: {100 * before:.2g} %\nof the total, before and after",
        (result.far_lag, result.shares_before[result.far_lag]),
        xytext=(8, 12),
        textcoords="offset points",
        fontsize=8.5,
    )
    ax_share.set_xlabel("lag $m$")
    ax_share.set_ylabel("share of the summed term norms")
    ax_share.set_title("…so far lags keep their tiny share")
    return fig


SCHEME_TITLES = {"standard": "standard", "xavier_uniform": "normalised (Xavier)"}  # for readers


def glorot_bengio(result: GlorotBengio) -> Figure:
    """Per-layer histograms of activations and back-propagated gradients dL/dz, one column per
    scheme (Glorot & Bengio 2010, figures 6-7); the legend gives each layer's std."""
    check_instance(result, "result", GlorotBengio)
    S, H = result.act_std.shape
    fig = new_figure(3.6 * S + 0.4, 6.0)
    axes = np.array(fig.subplots(2, S, squeeze=False))
    colours = _layer_colours(H)
    rows = (
        (result.act_bins, result.act_hist, result.act_std, "activation value $a^{(\\ell)}$"),
        (
            result.grad_bins,
            result.grad_hist,
            result.grad_std,
            r"$\partial\mathcal{L}/\partial z^{(\ell)}$",
        ),
    )
    for r, (edges, hist, std, xlabel) in enumerate(rows):
        for s, scheme in enumerate(result.schemes):
            ax = axes[r, s]
            for l in range(H):
                share = hist[s, l] / hist[s, l].sum()
                ax.stairs(
                    share, edges, color=colours[l], label=f"layer {l + 1}: std {std[s, l]:.2g}"
                )
            ax.set_xlabel(xlabel)
            ax.set_ylabel("fraction of values")
            ax.set_ylim(0, 1.7 * ax.get_ylim()[1])  # headroom for the legend
            ax.legend(frameon=False, fontsize=7.5, loc="upper right")
            what = "activations" if r == 0 else "gradients w.r.t. z"
            ax.set_title(f"{SCHEME_TITLES.get(scheme, scheme)} init: {what}", fontsize=10)
        axes[r, 0].ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    for ax in axes[1]:
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    return fig


def he_decay(result: HeDecay) -> Figure:
    """Std of a^(l) and the backward signal ||dL/da^(l)|| against l for a deep ReLU MLP."""
    check_instance(result, "result", HeDecay)
    fig = new_figure(7.6, 3.5)
    ax_f, ax_b = fig.subplots(1, 2)
    layers = np.arange(result.depth + 1)
    for colour, scheme, std, grad, f in zip(
        CYCLE, result.schemes, result.act_std, result.grad_a, result.factor, strict=False
    ):
        ax_f.semilogy(
            layers, std, color=colour, marker="o", ms=3, label=f"{scheme}: × {f:.3f}/layer"
        )
        ax_b.semilogy(layers, grad, color=colour, marker="o", ms=3, label=scheme)
    ref = result.act_std[0, 1] * 2.0 ** (-(layers[1:] - 1) / 2)
    ax_f.semilogy(layers[1:], ref, color=GREY, ls="--", lw=1, label=r"$\propto 2^{-\ell/2}$")
    ax_f.set_xlabel(r"layer $\ell$ (0 = input)")
    ax_f.set_ylabel(r"std of $\mathbf{a}^{(\ell)}$")
    ax_f.legend(frameon=False, fontsize=8.5)
    ax_f.set_title(f"Forward: {result.depth} ReLU layers of {result.width}")
    ax_b.set_xlabel(r"layer $\ell$ (0 = input)")
    ax_b.set_ylabel(GRAD_A)
    ax_b.legend(frameon=False, fontsize=8.5)
    ax_b.set_title("Backward signal")
    return fig


def rnn_init_lags(result: RNNInitLags) -> Figure:
    """||dL/dh_{T-m}|| against lag m, one panel per input scale, one curve per initialisation."""
    check_instance(result, "result", RNNInitLags)
    S = len(result.input_stds)
    fig = new_figure(3.8 * S + 0.4, 3.6)
    axes = np.atleast_1d(fig.subplots(1, S, sharey=True))
    for ax, std, curves in zip(axes, result.input_stds, result.norms, strict=True):
        for colour, name, norms in zip(CYCLE, result.variants, curves, strict=False):
            ax.semilogy(result.lags, norms, color=colour, label=name)
        ax.set_xlabel("lag $m$")
        ax.set_ylabel(r"$\|\partial\mathcal{L}/\partial\mathbf{h}_{T-m}\|$ (batch mean)")
        ax.set_title(rf"inputs ${std:g}\,\mathcal{{N}}(0, 1)$", fontsize=10)
        ax.set_ylim(1e-12, 1e3)
    axes[0].legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def residual_vs_plain(result: ResidualVsPlain) -> Figure:
    """Forward std of a^(l) and ||dL/dW^(l)|| against l: plain ReLU vs two residual stacks."""
    check_instance(result, "result", ResidualVsPlain)
    fig = new_figure(7.6, 3.5)
    ax_f, ax_g = fig.subplots(1, 2)
    for colour, name, std, grad in zip(
        CYCLE, result.variants, result.act_std, result.grad_W, strict=False
    ):
        ax_f.semilogy(np.arange(result.depth + 1), std, color=colour, label=name)
        ax_g.semilogy(np.arange(1, result.depth + 1), grad, color=colour, label=name)
    ax_f.set_xlabel(r"layer $\ell$ (0 = input)")
    ax_f.set_ylabel(r"std of $\mathbf{a}^{(\ell)}$")
    ax_f.legend(frameon=False, fontsize=8.5)
    ax_f.set_title(f"Forward, {result.depth} layers, He init")
    ax_g.set_xlabel(r"layer $\ell$")
    ax_g.set_ylabel(GRAD_W)
    ax_g.set_title("Backward: weight gradients")
    return fig


def residual_depth_sweep(result: ResidualDepthSweep) -> Figure:
    """Std of the last trunk a^(L) against the depth L, one line per residual branch type."""
    check_instance(result, "result", ResidualDepthSweep)
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    for colour, name, std in zip(CYCLE[2:], result.branches, result.final_std, strict=False):
        ax.loglog(result.depths, std, color=colour, marker="o", ms=4, label=name)
    ax.axhline(1.0, color=GREY, lw=0.8, ls=":")
    ax.set_xlabel("depth $L$ (number of residual blocks)")
    ax.set_ylabel(r"std of $\mathbf{a}^{(L)}$ at initialisation")
    ax.legend(frameon=False, fontsize=8.5, loc="upper left")
    ax.set_title(f"Residual stacks of width {result.width}: does the trunk stay bounded?")
    return fig


def remedies_summary(result: RemediesSummary) -> Figure:
    """||dL/dW^(l)|| against l at initialisation, one line per remedy; clipping dashed."""
    check_instance(result, "result", RemediesSummary)
    fig = new_figure(6.8, 4.0)
    ax = fig.add_subplot()
    layers = np.arange(1, result.depth + 1)
    for colour, name, norms in zip(CYCLE, result.remedies, result.grad_W, strict=False):
        clipped = "clipped" in name
        ax.semilogy(
            layers,
            norms,
            color=GREY if clipped else colour,
            ls="--" if clipped else "-",
            marker="" if clipped else "o",
            ms=3,
            label=f"{name} (× {result.clip_scale:.2g})" if clipped else name,
        )
    ax.set_xlabel(r"layer $\ell$ (1 = next to the input)")
    ax.set_ylabel(GRAD_W)
    ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    ax.set_title(f"{result.depth} layers at initialisation: what each remedy does")
    return fig
