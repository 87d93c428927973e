"""Chapter 1 figures: repeated factors, per-layer gradient norms, per-layer learning speed."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..experiments.ch01 import InitGradNorms, LearningSpeed, PowerTable
from ..validate import check_instance, check_size
from .style import ACTIVATION_COLOURS, CYCLE, GREY, PALETTE, new_figure


def repeated_factors(table: PowerTable, n_max: int = 300) -> Figure:
    """b**n against n on a log scale, one curve per factor b (the table of section 1.3)."""
    check_instance(table, "table", PowerTable)
    n_max = check_size(n_max, "n_max")
    fig = new_figure(6.4, 3.4)
    ax = fig.add_subplot()
    n = np.arange(n_max + 1)
    for colour, b in zip(CYCLE, table.bases, strict=False):
        ax.semilogy(n, float(b) ** n, color=colour, label=f"$b = {b:g}$")
    ax.axhline(1.0, color=GREY, lw=0.8, ls="--")
    ax.set_xlabel("number of factors $n$ (layers the gradient crosses)")
    ax.set_ylabel("$b^{\\,n}$")
    ax.set_xlim(0, n_max)
    ax.set_ylim(1e-12, 1e2)
    ax.legend(loc="lower left", frameon=False)
    ax.set_title("A product of equal factors shrinks or grows geometrically")
    return fig


def init_gradient_norms(result: InitGradNorms) -> Figure:
    """Back-propagated signal and weight gradient against layer l at initialisation (exp. 1)."""
    check_instance(result, "result", InitGradNorms)
    fig = new_figure(7.2, 3.6)
    ax_a, ax_W = fig.subplots(1, 2, sharey=True)
    layers = np.arange(1, result.depth + 1)
    panels = (
        (
            ax_a,
            result.grad_a,
            r"$\|\nabla_{\mathbf{a}^{(\ell)}}\mathcal{L}\|$",
            "Signal from above",
        ),
        (
            ax_W,
            result.grad_W,
            r"$\|\partial\mathcal{L}/\partial\mathbf{W}^{(\ell)}\|_F$",
            "Weight gradient",
        ),
    )
    for ax, values, ylabel, title in panels:
        for name, norms in zip(result.activations, values, strict=True):
            ax.semilogy(
                layers, norms, marker="o", ms=3, color=ACTIVATION_COLOURS.get(name), label=name
            )
        ax.set_xlabel("layer $\\ell$ (1 = next to the input)")
        ax.set_ylabel(ylabel + ", one example")
        ax.set_xticks(sorted({1, *range(5, result.depth + 1, 5), result.depth}))
        ax.set_title(title)
    ax_W.legend(title="activation", frameon=False, loc="lower right")
    ax_W.tick_params(labelleft=True)
    fig.suptitle(
        f"{result.depth} layers of {result.width} units at initialisation ({result.scheme} weights)"
    )
    return fig


def learning_speed(result: LearningSpeed, smooth: int = 20) -> Figure:
    """Per-layer ||dL/db^(l)|| over training, and how far each layer's weights moved (exp. 2)."""
    check_instance(result, "result", LearningSpeed)
    smooth = check_size(smooth, "smooth")
    fig = new_figure(7.2, 3.6)
    ax_speed, ax_move = fig.subplots(1, 2, width_ratios=[1.4, 1])
    grad_b = result.history.grad_b[:, :-1]  # (steps, L-1): hidden layers only
    n_hidden = grad_b.shape[1]
    if smooth > grad_b.shape[0]:
        raise ValueError(f"smooth must be at most the {grad_b.shape[0]} steps, got {smooth}")
    kernel = np.ones(smooth) / smooth
    steps = np.arange(len(kernel) - 1, grad_b.shape[0]) + 1
    colours = _sequential(n_hidden)
    for l in range(n_hidden):
        curve = np.convolve(grad_b[:, l], kernel, mode="valid")
        ax_speed.semilogy(steps, curve, color=colours[l], label=f"layer {l + 1}")
    ax_speed.set_xlabel("training step")
    ax_speed.set_ylabel(r"$\|\partial\mathcal{L}/\partial\mathbf{b}^{(\ell)}\|$ (moving avg.)")
    ax_speed.legend(frameon=False, fontsize=8.5, ncol=3, loc="upper right")
    ax_speed.set_ylim(top=ax_speed.get_ylim()[1] * 8)  # headroom for the legend
    ax_speed.set_title("Gradient size, per hidden layer")
    layers = np.arange(1, n_hidden + 1)
    ax_move.semilogy(layers, result.path[:-1], marker="s", color=GREY, label="path length")
    ax_move.semilogy(
        layers,
        result.moved[:-1],
        marker="o",
        color=PALETTE["vermillion"],
        label="distance moved",
    )
    ax_move.set_xticks(layers)
    ax_move.set_xlabel("hidden layer $\\ell$")
    ax_move.set_ylabel(r"Frobenius norm")
    ax_move.legend(frameon=False, fontsize=8.5, loc="upper left")
    ax_move.set_ylim(top=ax_move.get_ylim()[1] * 2.5)  # headroom for the legend
    ax_move.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax_move.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax_move.yaxis.set_minor_formatter(NullFormatter())
    ax_move.set_title("How far the weights went")
    return fig


def _sequential(n: int) -> list[str]:
    """n colours from dark (layer 1) to light (last hidden layer), colour-blind safe."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(v) for v in np.linspace(0.05, 0.85, n)]
