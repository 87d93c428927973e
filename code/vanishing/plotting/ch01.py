"""Chapter 1 figures: repeated factors, per-layer gradient norms, per-layer learning speed."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..experiments.ch01 import InitGradNorms, LearningSpeed, PowerTable
from .style import ACTIVATION_COLOURS, CYCLE, GREY, PALETTE, new_figure


def repeated_factors(table: PowerTable, n_max: int = 300) -> Figure:
    """b**n against n on a log scale, one curve per factor b (the table of section 1.3)."""
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
    """||dL/dW^(l)|| against layer l at initialisation, one line per activation (experiment 1)."""
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    layers = np.arange(1, result.depth + 1)
    for name, norms in zip(result.activations, result.grad_W, strict=True):
        ax.semilogy(
            layers, norms, marker="o", ms=3.5, color=ACTIVATION_COLOURS.get(name), label=name
        )
    ax.set_xlabel("layer $\\ell$ (1 = next to the input)")
    ax.set_ylabel("$\\|\\partial\\mathcal{L}/\\partial\\mathbf{W}^{(\\ell)}\\|_F$")
    ax.set_xticks(layers[:: max(1, result.depth // 10)])
    ax.legend(title="activation", frameon=False, loc="lower right")
    ax.set_title(
        f"{result.depth} layers of {result.width} units at initialisation ({result.scheme} weights)"
    )
    return fig


def learning_speed(result: LearningSpeed, smooth: int = 20) -> Figure:
    """Per-layer ||dL/db^(l)|| over training, and the loss against the mean baseline (exp. 2)."""
    fig = new_figure(7.2, 3.6)
    ax_speed, ax_loss = fig.subplots(1, 2, width_ratios=[1.5, 1])
    grad_b = result.history.grad_b[:, :-1]  # (steps, L-1): hidden layers only
    n_hidden = grad_b.shape[1]
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
    ax_speed.set_title("Speed of learning, per hidden layer")
    loss = np.convolve(result.history.loss, kernel, mode="valid")
    ax_loss.semilogy(steps, loss, color=GREY, label="training loss")
    ax_loss.axhline(result.test_baseline, color=PALETTE["vermillion"], ls="--", lw=1.2)
    ax_loss.annotate(
        "predict the mean",
        (steps[-1], result.test_baseline),
        xytext=(0, 4),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=9,
        color=PALETTE["vermillion"],
    )
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("loss (moving average)")
    ax_loss.set_title("The network does learn")
    return fig


def _sequential(n: int) -> list[str]:
    """n colours from dark (layer 1) to light (last hidden layer), colour-blind safe."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(v) for v in np.linspace(0.05, 0.85, n)]
