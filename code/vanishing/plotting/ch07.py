"""Chapter 7 figures: the phase diagram of criticality, depth scales and trainable depth, Jacobian
spectra, the gradient scales of normalised MLPs and residual stacks, and residual stacks trained
with and without warm-up."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..experiments.ch07 import (
    ROUNDING,
    Criticality,
    DepthScale,
    JacobianSpectra,
    LNRNNProducts,
    NormScales,
    ResidualNorm,
    ResidualTraining,
    TrainableDepth,
)
from ..validate import check_instance, check_real, is_int, quiet_overflow
from .style import GREY, PALETTE, new_figure

NORM_STYLES = {  # norm -> (label, colour)
    "none": ("no normalisation", PALETTE["black"]),
    "batch": ("BatchNorm", PALETTE["vermillion"]),
    "layer": ("LayerNorm", PALETTE["blue"]),
}
SPECTRUM_STYLES = {
    "tanh, Gaussian": (PALETTE["sky"], "-"),
    "tanh, orthogonal": (PALETTE["blue"], "-"),
    "ReLU, Gaussian": (PALETTE["green"], "--"),
    "ReLU, orthogonal": (PALETTE["orange"], "--"),
}
RESIDUAL_STYLES = {"post-LN": PALETTE["vermillion"], "pre-LN": PALETTE["blue"]}
CUT_COLOURS = (PALETTE["black"], PALETTE["purple"], PALETTE["orange"])


def phase_diagram(result: Criticality) -> Figure:
    """chi_1 of tanh networks over (sigma_w2, sigma_b2) with the edge of chaos and measured
    points (left); chi_1 against sigma_w2 along three sigma_b2 cuts and for ReLU (right)."""
    check_instance(result, "result", Criticality)
    fig = new_figure(9.0, 3.9)
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    med = np.median(result.measured, axis=1)
    lo, hi = min(result.chi_1.min(), med.min()), max(result.chi_1.max(), med.max())
    cnorm = TwoSlopeNorm(vcenter=1.0, vmin=lo, vmax=hi)
    image = left.pcolormesh(
        result.sigma_w2, result.sigma_b2, result.chi_1, cmap="RdBu_r", norm=cnorm,
        shading="auto", rasterized=True,
    )  # fmt: skip
    fig.colorbar(image, ax=left, label=r"$\chi_1$ (theory)")
    left.plot(*result.edge, color="black", lw=2.0, label=r"edge of chaos, $\chi_1 = 1$")
    left.scatter(
        result.points[:, 0], result.points[:, 1], c=med, cmap="RdBu_r", norm=cnorm,
        edgecolors="black", s=46, zorder=3, label=r"measured $\chi_1$",
    )  # fmt: skip
    left.text(0.8, 0.33, "ordered\n(vanishing)", ha="left", fontsize=9.5)
    left.text(3.2, 0.03, "chaotic\n(exploding)", ha="center", fontsize=9.5)
    left.set(xlabel=r"$\sigma_w^2$", ylabel=r"$\sigma_b^2$", title="tanh networks")
    left.set_xlim(result.sigma_w2[0], result.sigma_w2[-1])
    left.set_ylim(result.sigma_b2[0], result.sigma_b2[-1])
    left.grid(False)
    left.legend(loc="upper right", fontsize=8.5, framealpha=0.9)
    for k, b in enumerate(np.unique(result.points[:, 1])):
        i = int(np.argmin(np.abs(result.sigma_b2 - b)))
        right.plot(result.sigma_w2, result.chi_1[i], color=CUT_COLOURS[k], lw=1.4,
                   label=rf"tanh, $\sigma_b^2 = {b:g}$")  # fmt: skip
        pts = result.points[:, 1] == b
        right.plot(result.points[pts, 0], med[pts], "o", color=CUT_COLOURS[k], ms=5)
    right.plot(result.sigma_w2, result.sigma_w2 / 2, color=PALETTE["green"], lw=1.4,
               label=r"ReLU, $\sigma_w^2/2$")  # fmt: skip
    right.plot(result.relu_sigma_w2, np.median(result.relu_measured, axis=1), "s",
               color=PALETTE["green"], ms=5)  # fmt: skip
    right.axhline(1.0, color=GREY, lw=0.9, ls=":")
    right.set(xlabel=r"$\sigma_w^2$", ylabel=r"$\chi_1$",
              title=f"lines: theory; markers: width {result.width}")  # fmt: skip
    right.legend(fontsize=8.5)
    return fig


def depth_scale(result: DepthScale) -> Figure:
    """xi_c (and the gradient scale 1/|ln chi_1|) against sigma_w2 with measured points."""
    check_instance(result, "result", DepthScale)
    fig = new_figure(6.4, 3.6)
    ax = fig.subplots()
    ax.plot(result.sigma_w2, result.xi_c, color=PALETTE["blue"], label=r"$\xi_c$ (theory)")
    ax.plot(result.sigma_w2, result.xi_grad, color=PALETTE["orange"], ls="--",
            label=r"$1/|\ln\chi_1|$ (theory)")  # fmt: skip
    ax.axvline(result.critical_w2, color=GREY, ls=":", lw=1.0)
    med = np.median(result.measured, axis=1)
    err = np.abs(np.stack([result.measured.min(axis=1), result.measured.max(axis=1)]) - med)
    ax.errorbar(result.points, med, yerr=err, fmt="o", color=PALETTE["vermillion"], ms=5,
                capsize=3, label="fitted to finite networks")  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(1, 2e3)
    ax.set(xlabel=r"$\sigma_w^2$", ylabel="depth scale (layers)",
           title=rf"tanh, $\sigma_b^2 = {result.sigma_b2:g}$; edge of chaos dotted")  # fmt: skip
    ax.legend(fontsize=9)
    return fig


def jacobian_spectra(result: JacobianSpectra, floor: float = 1e-20) -> Figure:
    """Sorted singular values of the input-output Jacobian, per variant (all seeds pooled)."""
    check_instance(result, "result", JacobianSpectra)
    floor = check_real(floor, "floor", positive=True)
    fig = new_figure(6.4, 3.7)
    ax = fig.subplots()
    for v, name in enumerate(result.variants):
        sv = np.sort(result.singular_values[v].ravel())[::-1]
        colour, ls = SPECTRUM_STYLES[name]
        ax.plot(np.linspace(0, 1, sv.size), np.maximum(sv, floor), color=colour, ls=ls, label=name)
    ax.axhline(1.0, color=GREY, lw=0.9, ls=":")
    ax.axhspan(floor, ROUNDING * result.singular_values.max(), color=GREY, alpha=0.15, lw=0,
               label="rounding")  # fmt: skip
    ax.set_yscale("log")
    ax.set(xlabel="rank / width (largest first)", ylabel="singular value",
           title=f"input-output Jacobian, {result.depth} layers of {result.width}")  # fmt: skip
    ax.legend(fontsize=9, loc="lower left")
    return fig


def norm_scales(result: NormScales) -> Figure:
    """Per-layer spread of the activations (left) and back-propagated gradient (right)."""
    check_instance(result, "result", NormScales)
    fig = new_figure(8.4, 3.5)
    left, right = fig.subplots(1, 2)
    layers = np.arange(result.depth + 1)
    for i, kind in enumerate(result.norms):
        label, colour = NORM_STYLES[kind]
        left.plot(layers, np.median(result.act_std[i], axis=0), color=colour, label=label)
        right.plot(layers, np.median(result.grad[i], axis=0), color=colour, label=label)
    left.set(xlabel=r"layer $\ell$", ylabel=r"std of $\mathbf{a}^{(\ell)}$", ylim=(0, None))
    right.set(
        xlabel=r"layer $\ell$", ylabel=r"$\|\partial\mathcal{L}/\partial\mathbf{a}^{(\ell)}\|_F$"
    )
    right.set_yscale("log")
    n = result.act_std.shape[1]
    fig.suptitle(f"ReLU MLP, width {result.width}, batch {result.batch}, "
                 f"median of {n} seed{'s' if n > 1 else ''}", fontsize=10)  # fmt: skip
    right.legend(fontsize=9)
    return fig


def residual_norm(result: ResidualNorm, depth: int | None = None) -> Figure:
    """Per-block weight gradient at one depth (left) and the last block's against depth (right)."""
    check_instance(result, "result", ResidualNorm)
    if depth is not None and (not is_int(depth) or depth not in result.depths):
        raise ValueError(f"depth must be one of {result.depths} or None, got {depth!r}")
    fig = new_figure(8.4, 3.5)
    left, right = fig.subplots(1, 2)
    d = len(result.depths) - 1 if depth is None else result.depths.index(depth)
    L = result.depths[d]
    last = np.median(result.last_block(), axis=-1)  # (V, D)
    for v, name in enumerate(result.variants):
        colour = RESIDUAL_STYLES[name]
        left.plot(
            np.arange(1, L + 1), np.median(result.grad[name][d], axis=0), color=colour, label=name
        )
        right.plot(result.depths, last[v], "o-", color=colour, label=name)
    left.set(xlabel=r"block $\ell$", ylabel="weight-gradient norm", title=f"$L = {L}$")
    left.set_yscale("log")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xticks(result.depths, [str(L) for L in result.depths])
    right.set(xlabel=r"depth $L$", ylabel="last block's gradient norm", title="last block")
    n = result.trunk.shape[-1]
    fig.suptitle(f"ReLU residual stacks, width {result.width}, median of {n} seed"
                 f"{'s' if n > 1 else ''}", fontsize=10)  # fmt: skip
    left.legend(fontsize=9)
    return fig


SCALE_COLOURS = (PALETTE["sky"], PALETTE["blue"], PALETTE["vermillion"])


def ln_rnn_products(result: LNRNNProducts) -> Figure:
    """The 60-step Jacobian product against the spectral radius, without (left) and with (right)
    layer normalisation, one line per input scale (median over seeds, range shaded)."""
    check_instance(result, "result", LNRNNProducts)
    fig = new_figure(8.4, 3.5)
    axes = fig.subplots(1, 2, sharey=True)
    for m, ax in enumerate(axes):
        for s, scale in enumerate(result.scales):
            vals = result.norms[m, :, s]
            colour = SCALE_COLOURS[s % len(SCALE_COLOURS)]
            ax.plot(
                result.rhos, np.median(vals, axis=-1), "o-", color=colour, label=f"$s = {scale:g}$"
            )
            ax.fill_between(
                result.rhos, vals.min(axis=-1), vals.max(axis=-1), color=colour, alpha=0.18
            )
        ax.axhline(1.0, color=GREY, lw=0.9, ls=":")
        ax.set_yscale("log")
        ax.set(xlabel=r"spectral radius $\rho$ of $\mathbf{W}_{hh}$", title=result.models[m])
    axes[0].set_ylabel(rf"$\|\partial\mathbf{{h}}_T/\partial\mathbf{{h}}_{{T-{result.lag}}}\|_2$")
    axes[1].legend(fontsize=9, title="input scale", title_fontsize=9)
    fig.suptitle(
        f"{result.n_h} tanh units, median and range of {len(result.seeds)} seeds", fontsize=10
    )
    return fig


@quiet_overflow
def trainable_depth(result: TrainableDepth, c: float = 6.0) -> Figure:
    """The share of seeds whose tanh network trained, over (sigma_w2, depth), with the theory's
    c xi_c line (Schoenholz et al.'s Fig. 6 in miniature)."""
    check_instance(result, "result", TrainableDepth)
    c = check_real(c, "c", positive=True)
    fig = new_figure(6.4, 3.9)
    ax = fig.subplots()
    frac = result.fraction()
    n = len(result.seeds)
    W, D = np.meshgrid(result.sigma_w2, result.depths, indexing="ij")
    dots = ax.scatter(W.ravel(), D.ravel(), c=frac.ravel(), cmap="Blues", vmin=0, vmax=1, s=260,
                      edgecolors="black", linewidths=0.8, zorder=3)  # fmt: skip
    for w, d, f in zip(W.ravel(), D.ravel(), frac.ravel(), strict=True):
        ax.text(w, d, f"{round(f * n)}", ha="center", va="center", fontsize=8.5, zorder=4,
                color="white" if f > 0.6 else "black")  # fmt: skip
    fig.colorbar(dots, ax=ax, label="share of seeds trained")
    ax.plot(result.curve_w2, c * result.curve_xi_c, color=PALETTE["vermillion"], lw=1.6,
            label=rf"${c:g}\,\xi_c$ (theory)")  # fmt: skip
    ax.axvline(result.critical_w2, color=GREY, ls=":", lw=1.0,
               label="edge of chaos")  # fmt: skip
    ax.set_yscale("log", base=2)
    ax.set_yticks(result.depths, [str(d) for d in result.depths])
    ax.set_ylim(min(result.depths) / 1.6, max(result.depths) * 2.2)
    ax.set_xlim(result.curve_w2[0], result.curve_w2[-1])
    ax.set(xlabel=r"$\sigma_w^2$", ylabel=r"depth $L$",
           title=rf"tanh, width {result.width}, $\sigma_b^2 = {result.sigma_b2:g}$: "
                 f"trained (of {n} seeds) in {result.steps} SGD steps")  # fmt: skip
    ax.grid(False)
    ax.legend(loc="upper left", fontsize=9)
    return fig


TRAIN_STYLES = {"post-LN": PALETTE["vermillion"], "pre-LN": PALETTE["blue"],
                "alpha = 0": PALETTE["green"], "W2 = 0": PALETTE["purple"]}  # fmt: skip
TRAIN_LABELS = {"alpha = 0": r"$\alpha = 0$", "W2 = 0": r"$\mathbf{W}_2 = 0$"}


def residual_training(result: ResidualTraining) -> Figure:
    """Training loss against step (median over seeds, range shaded) for each residual variant,
    without (solid) and with (dashed) warm-up (left); every seed's final loss (right)."""
    check_instance(result, "result", ResidualTraining)
    fig = new_figure(8.4, 3.9)
    left, right = fig.subplots(1, 2, width_ratios=[1.5, 1])
    steps = np.arange(result.steps)
    final = result.final()
    n_u = len(result.warmups)
    for v, name in enumerate(result.variants):
        colour, shown = TRAIN_STYLES[name], TRAIN_LABELS.get(name, name)
        for u, warm in enumerate(result.warmups):
            curves = result.loss[v, u]
            label = f"{shown}, " + (f"warm-up {warm}" if warm else "no warm-up")
            left.plot(steps, np.median(curves, axis=0), color=colour, ls="--" if warm else "-",
                      label=label)  # fmt: skip
            left.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=colour,
                              alpha=0.12)  # fmt: skip
            x = v + (u - (n_u - 1) / 2) * 0.36 + np.linspace(-0.08, 0.08, curves.shape[0])
            right.plot(x, final[v, u], "s" if warm else "o", color=colour, ms=5,
                       mfc="white" if warm else colour)  # fmt: skip
    for ax in (left, right):
        ax.set_yscale("log")
        ax.axhline(1.0, color=GREY, lw=0.9, ls=":")
    left.set(xlabel="step", ylabel="training loss / constant's",
             title=f"median and range of {len(result.seeds)} seeds")  # fmt: skip
    right.set_xticks(range(len(result.variants)),
                     [TRAIN_LABELS.get(v, v) for v in result.variants])  # fmt: skip
    right.set_xlim(-0.6, len(result.variants) - 0.4)
    right.set(ylabel="final loss / constant's", title="every seed (squares: warm-up)")
    bottom, top = left.get_ylim()
    left.set_ylim(bottom, top * 1e3)  # head room above the curves for the legend
    left.legend(fontsize=7.5, loc="upper right", ncol=2)
    fig.suptitle(f"ReLU residual stacks, {result.depth} blocks of {result.width}, Adam, lr "
                 f"{result.lr:g}", fontsize=10)  # fmt: skip
    return fig
