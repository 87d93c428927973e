"""Chapter 4 figures: activation curves, saturation, dying ReLUs, Pascanu's condition."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch04 import (
    ActivationCurves,
    DyingReLU,
    PascanuCheck,
    Saturation,
    SigmoidCaveat,
)
from ..validate import check_instance
from .style import ACTIVATION_COLOURS, CYCLE, GREY, PALETTE, new_figure

CONDITION_COLOURS = dict(
    zip(
        (
            "Gaussian W, zero input",
            "Gaussian W, N(0,1) input",
            "orthogonal W, zero input",
            "orthogonal W, N(0,1) input",
        ),
        (PALETTE["blue"], PALETTE["sky"], PALETTE["vermillion"], PALETTE["orange"]),
        strict=True,
    )
)
CONDITION_MARKERS = ("o", "s", "^", "D")


def activations(result: ActivationCurves) -> Figure:
    """phi(z) and phi'(z) side by side, one colour per activation, 1/4 and 1 marked."""
    check_instance(result, "result", ActivationCurves)
    fig = new_figure(7.6, 3.5)
    ax_phi, ax_der = fig.subplots(1, 2, sharex=True)
    for name, values, der in zip(result.names, result.values, result.derivatives, strict=True):
        style = {"color": ACTIVATION_COLOURS.get(name), "ls": "--" if name == "leaky_relu" else "-"}
        ax_phi.plot(result.z, values, label=name, **style)
        ax_der.plot(result.z, der, label=name, **style)
    for level, text in ((0.25, "1/4"), (1.0, "1")):
        ax_der.axhline(level, color=GREY, lw=0.9, ls="--")
        ax_der.annotate(
            text, (result.z[0], level), xytext=(2, 2), textcoords="offset points", color=GREY
        )
    ax_phi.set_ylim(-1.5, 3.0)
    ax_phi.set_xlabel("pre-activation $z$")
    ax_phi.set_ylabel(r"$\phi(z)$")
    ax_phi.set_title("Activation functions")
    ax_phi.legend(frameon=False, fontsize=8.5, loc="upper left")
    ax_der.set_xlabel("pre-activation $z$")
    ax_der.set_ylabel(r"$\phi'(z)$")
    ax_der.set_title("Their derivatives, the Jacobian factors")
    return fig


def saturation(result: Saturation) -> Figure:
    """Saturated share and mean phi'/gamma against the weight scale s, with s = 400 marked."""
    check_instance(result, "result", Saturation)
    fig = new_figure(7.6, 3.5)
    ax_sat, ax_slope = fig.subplots(1, 2, sharex=True)
    s = result.scales
    for name, sat, slope in zip(
        result.activations, result.saturated, result.mean_slope, strict=True
    ):
        colour = ACTIVATION_COLOURS.get(name)
        ax_sat.semilogx(s, sat, color=colour, label=name)
        ax_slope.loglog(s, slope, color=colour, label=name)
        ax_sat.plot(s[-1], sat[-1], "o", color=colour)
        ax_slope.plot(s[-1], slope[-1], "o", color=colour)
    for ax in (ax_sat, ax_slope):
        ax.axvline(s[-1], color=GREY, lw=0.9, ls=":")
        ax.set_xlabel(r"weight scale $s$, $W_{ij} \sim U(-s, s)$")
    ax_sat.annotate(
        f"$s = {s[-1]:g}$",
        (s[-1], 0.5),
        xytext=(-4, 0),
        textcoords="offset points",
        ha="right",
        color=GREY,
        fontsize=9,
    )
    ax_sat.set_ylim(-0.02, 1.02)
    ax_sat.set_ylabel(rf"share with $\phi'(z) < {result.tol:g}\,\gamma$")
    ax_sat.set_title("Saturated (example, unit) pairs")
    ax_sat.legend(frameon=False, loc="upper left")
    ax_slope.set_ylabel(r"mean $\phi'(z)/\gamma$")
    ax_slope.set_title("The average slope left")
    return fig


LABELS = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}


def dying_relu(result: DyingReLU) -> Figure:
    """Share of units with z <= 0 on every example (solid) and with zero gradient (dashed),
    against the learning rate of one step and against a shift of every hidden bias."""
    check_instance(result, "result", DyingReLU)
    fig = new_figure(7.6, 3.6)
    ax_lr, ax_shift = fig.subplots(1, 2, sharey=True)
    panels = (
        (ax_lr, result.lrs, result.dead_vs_lr, result.zero_grad_lr),
        (ax_shift, result.bias_shifts, result.dead_vs_shift, result.zero_grad_shift),
    )
    for ax, x, stuck, zero_grad in panels:
        for a, name in enumerate(result.activations):
            colour, label = ACTIVATION_COLOURS.get(name), LABELS.get(name, name)
            ax.plot(x, stuck[a], "o-", color=colour, label=f"{label}: $z \\leq 0$ on all")
            ax.plot(
                x, zero_grad[a].mean(axis=-1), "x--", color=colour, label=f"{label}: zero gradient"
            )
        ax.set_ylabel("share of hidden units")
    ax_lr.set_xscale("log")
    ax_lr.set_xlabel("learning rate of one SGD step")
    ax_lr.set_title("After one step from initialisation")
    ax_lr.set_ylim(-0.02, 1.02)
    ax_lr.legend(frameon=False, fontsize=8, loc="upper left")
    ax_shift.set_xlabel("shift added to every hidden bias")
    ax_shift.set_title("At initialisation, biases shifted")
    ax_shift.invert_xaxis()
    return fig


def _decade_ticks(ax, max_ticks: int = 8) -> None:
    """Major y ticks at 10^(stride k) for integers k, so that 10^0 is always one of them."""
    lo, hi = ax.get_ylim()
    span = np.log10(hi) - np.log10(lo)
    stride = next((s for s in (1, 2, 5, 10, 20, 50) if span / s <= max_ticks), 100)
    k = np.arange(np.ceil(np.log10(lo) / stride), np.floor(np.log10(hi) / stride) + 1)
    ax.set_yticks(10.0 ** (stride * k))
    ax.set_ylim(lo, hi)


def pascanu(result: PascanuCheck) -> Figure:
    """||dh_T/dh_0|| against gamma sigma_max, with the bound (gamma sigma_max)^T and x = 1."""
    check_instance(result, "result", PascanuCheck)
    fig = new_figure(6.8, 4.0)
    ax = fig.add_subplot()
    x = result.gamma_sigma
    ax.axvspan(min(x.min(), 1.0), 1.0, color=PALETTE["green"], alpha=0.08, lw=0)
    ax.axvline(1.0, color=GREY, lw=1.0)
    ax.semilogy(
        x,
        result.bound,
        color=GREY,
        ls="--",
        label=rf"bound $(\gamma\sigma_{{\max}})^{{{result.T}}}$",
    )
    markers = dict(zip(result.conditions, CONDITION_MARKERS * 2, strict=False))
    colours = dict(zip(result.conditions, CYCLE, strict=False)) | CONDITION_COLOURS
    for name, norms in zip(result.conditions, result.norms, strict=True):
        shown = norms > 0  # a log axis cannot show an exact zero
        ax.semilogy(
            x[shown],
            norms[shown],
            ls="none",
            marker=markers[name],
            ms=4.5,
            color=colours[name],
            label=name,
        )
    ax.axhline(1.0, color=GREY, lw=0.6, ls=":")
    _decade_ticks(ax)  # a labelled tick at 10^0, the dotted line the text refers to
    ax.text(
        0.01,
        0.97,
        "part 1:\nvanishing\nguaranteed",
        transform=ax.transAxes,
        va="top",
        color=PALETTE["green"],
        fontsize=8.5,
    )
    ax.text(
        1.05,
        0.97,
        "part 2: explosion possible, not certain",
        transform=ax.get_xaxis_transform(),
        va="top",
        color=GREY,
        fontsize=8.5,
    )
    ax.set_xlabel(r"$\gamma\,\sigma_{\max}(\mathbf{W}_{hh})$")
    ax.set_ylabel(rf"$\|\partial\mathbf{{h}}_{{{result.T}}}/\partial\mathbf{{h}}_0\|_2$")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title(
        f"{result.activation} RNN, T = {result.T}: "
        r"$\gamma\sigma_{\max} < 1$ suffices for vanishing; $> 1$ is only necessary for exploding",
        fontsize=9.5,
    )
    return fig


def sigmoid_caveat(result: SigmoidCaveat) -> Figure:
    """|dh_t/dh_0| against t for each w, at the fixed point (solid) and perturbed (dashed)."""
    check_instance(result, "result", SigmoidCaveat)
    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    for colour, w, fixed, pert in zip(
        CYCLE, result.ws, result.at_fixed_point, result.perturbed, strict=False
    ):
        ax.semilogy(result.t, fixed, color=colour, label=rf"$w = {w:g}$, $w/4 = {w / 4:g}$")
        ax.semilogy(result.t, pert, color=colour, ls="--", lw=1.2)
    ax.plot([], [], color=GREY, ls="--", lw=1.2, label=rf"start at $1/2 + {result.delta:g}$")
    ax.axhline(1.0, color=GREY, lw=0.8, ls=":")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"$|\partial h_t/\partial h_0|$")
    ax.legend(frameon=False, fontsize=9, loc="lower left")
    ax.set_title(r"Scalar sigmoid RNN at its fixed point $h^* = 1/2$")
    return fig
