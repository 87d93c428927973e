"""Diagrams drawn with matplotlib patches: the folded and the unrolled RNN (chapter 2)."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .style import GREY, PALETTE, new_figure

SHARED = {"W_xh": PALETTE["blue"], "W_hh": PALETTE["vermillion"], "W_hy": PALETTE["green"]}


def _node(ax, x, y, text, colour="#111111", face="white", w=0.62, h=0.42) -> None:
    """A rounded box with a label, centred at (x, y)."""
    box = FancyBboxPatch(
        (x - w / 2, y - h / 2),
        w,
        h,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        linewidth=1.4,
        edgecolor=colour,
        facecolor=face,
        zorder=3,
    )
    ax.add_patch(box)
    ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(ax, start, end, colour, label=None, offset=(0.0, 0.0), style="-|>", ls="-", rad=0.0):
    """An arrow from start to end, optionally labelled at its midpoint plus offset."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=colour,
            lw=1.5,
            linestyle=ls,
            connectionstyle=f"arc3,rad={rad}",
            zorder=2,
        )
    )
    if label:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=10, color=colour, zorder=4)


def unrolled_rnn(T: int = 4) -> Figure:
    """Chapter 2: the folded RNN and the same network unrolled over T steps, shared weights."""
    if not isinstance(T, int) or isinstance(T, bool) or not 2 <= T <= 8:
        raise ValueError(f"T must be an integer between 2 and 8 for a readable diagram, got {T!r}")
    fig = new_figure(7.6, 3.4, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    x0, dx = 2.35, 1.35  # position of h_0, spacing of the unrolled steps
    ax.set_xlim(-0.4, x0 + dx * T + 0.5)
    ax.set_ylim(-0.62, 2.95)
    ax.set_axis_off()
    c_xh, c_hh, c_hy, c_back = SHARED["W_xh"], SHARED["W_hh"], SHARED["W_hy"], PALETTE["purple"]

    # Folded network: one cell with a self-loop.
    _node(ax, 0.5, 0.0, r"$\mathbf{x}_t$")
    _node(ax, 0.5, 1.1, r"$\mathbf{h}_t$")
    _node(ax, 0.5, 2.2, r"$\hat{\mathbf{y}}_t$")
    _arrow(ax, (0.5, 0.22), (0.5, 0.88), c_xh, r"$\mathbf{W}_{xh}$", (-0.42, 0))
    _arrow(ax, (0.5, 1.32), (0.5, 1.98), c_hy, r"$\mathbf{W}_{hy}$", (-0.42, 0))
    _arrow(ax, (0.81, 1.2), (0.81, 1.0), c_hh, rad=-2.6)
    ax.text(0.98, 1.45, r"$\mathbf{W}_{hh}$", color=c_hh, fontsize=10, ha="center")
    ax.text(1.6, 1.1, "=", fontsize=16, va="center", ha="center", color=GREY)

    # Unrolled network.
    _node(ax, x0, 1.1, r"$\mathbf{h}_0$", colour=GREY)
    for t in range(1, T + 1):
        x = x0 + dx * t
        _node(ax, x, 0.0, rf"$\mathbf{{x}}_{t}$")
        _node(ax, x, 1.1, rf"$\mathbf{{h}}_{t}$")
        _node(ax, x, 2.2, rf"$\hat{{\mathbf{{y}}}}_{t}$")
        _arrow(ax, (x, 0.22), (x, 0.88), c_xh)
        _arrow(ax, (x, 1.32), (x, 1.98), c_hy)
        _arrow(ax, (x - dx + 0.32, 1.1), (x - 0.32, 1.1), c_hh, r"$\mathbf{W}_{hh}$", (0, 0.2))
        _arrow(ax, (x - 0.32, 0.88), (x - dx + 0.32, 0.88), c_back, ls=(0, (3, 2)), rad=-0.25)
        label = rf"$\mathbf{{J}}_{t}^{{\top}}$"
        ax.text(x - dx / 2, 0.52, label, color=c_back, fontsize=9.5, ha="center")
    shared = (
        r"unrolled: the same $\mathbf{W}_{xh}$, $\mathbf{W}_{hh}$, $\mathbf{W}_{hy}$ at every step"
    )
    ax.text(x0 + dx * (T + 1) / 2, 2.72, shared, fontsize=9.5, color=GREY, ha="center")
    back = r"dashed: the gradient flowing back, multiplied by $\mathbf{J}_t^{\top}$ at each step"
    ax.text(x0 + 0.6, -0.5, back, fontsize=9, color=c_back, ha="left")
    return fig


def _op(ax, x, y, text, colour) -> None:
    """A small circle with an operator symbol (x, +, tanh) centred at (x, y)."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), 0.2, facecolor="white", edgecolor=colour, lw=1.4, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=7.5 if text == "tanh" else 12, zorder=4)


def lstm_cell() -> Figure:
    """Chapter 6: one LSTM cell; the cell path c_{t-1} -> c_t crosses only a product with f_t."""
    fig = new_figure(7.2, 3.9, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.2, 8.6)
    ax.set_ylim(-0.75, 4.1)
    ax.set_axis_off()
    cell, gate = PALETTE["vermillion"], PALETTE["blue"]
    # The cell path along the top: c_{t-1} -> (x f_t) -> (+) -> c_t.
    _node(ax, 0.35, 3.3, r"$\mathbf{c}_{t-1}$", colour=cell)
    _node(ax, 8.05, 3.3, r"$\mathbf{c}_t$", colour=cell)
    _op(ax, 2.6, 3.3, r"$\times$", cell)
    _op(ax, 4.6, 3.3, "+", cell)
    for start, end in (
        ((0.66, 3.3), (2.4, 3.3)),
        ((2.8, 3.3), (4.4, 3.3)),
        ((4.8, 3.3), (7.74, 3.3)),
    ):
        _arrow(ax, start, end, cell)
    ax.text(
        3.6,
        3.62,
        r"cell path (partial): $\partial\mathbf{c}_t/\partial\mathbf{c}_{t-1} = "
        r"\mathrm{diag}(\mathbf{f}_t)$",
        color=cell,
        fontsize=9.5,
        ha="center",
    )
    # Gates, computed from h_{t-1} and x_t.
    _node(ax, 0.35, 0.3, r"$\mathbf{h}_{t-1}$")
    _node(ax, 0.35, -0.45, r"$\mathbf{x}_t$", h=0.36)
    ax.plot([0.66, 6.2], [0.3, 0.3], color=GREY, lw=1.2, zorder=1)
    ax.plot([0.66, 1.0, 1.0], [-0.45, -0.45, 0.3], color=GREY, lw=1.2, zorder=1)
    for x, label in (
        (2.6, r"$\mathbf{f}_t$"),
        (3.7, r"$\mathbf{i}_t$"),
        (4.6, r"$\tilde{\mathbf{c}}_t$"),
        (6.2, r"$\mathbf{o}_t$"),
    ):
        _node(ax, x, 1.35, label, colour=gate, w=0.62, h=0.42)
        ax.plot([x, x], [0.3, 1.14], color=GREY, lw=1.2, zorder=1)
        ax.text(
            x + 0.36,
            0.92,
            r"$\sigma$" if "tilde" not in label else "tanh",
            fontsize=8.5,
            color=gate,
        )
    _arrow(ax, (2.6, 1.56), (2.6, 3.1), gate)  # f_t into the product on the cell path
    _op(ax, 4.1, 2.35, r"$\times$", gate)  # i_t * c~_t
    _arrow(ax, (3.7, 1.56), (4.0, 2.18), gate)
    _arrow(ax, (4.6, 1.56), (4.22, 2.18), gate)
    _arrow(ax, (4.25, 2.5), (4.5, 3.12), gate)
    # Output: h_t = o_t * tanh(c_t).
    _op(ax, 7.0, 2.5, "tanh", cell)
    _arrow(ax, (7.0, 3.3), (7.0, 2.7), cell)
    _op(ax, 7.0, 1.35, r"$\times$", gate)
    _arrow(ax, (7.0, 2.3), (7.0, 1.55), cell)
    _arrow(ax, (6.52, 1.35), (6.8, 1.35), gate)
    _node(ax, 8.05, 0.3, r"$\mathbf{h}_t$")
    _arrow(ax, (7.0, 1.15), (7.8, 0.48), gate)
    ax.text(
        0.1,
        3.85,
        r"$\mathbf{c}_t = \mathbf{f}_t\odot\mathbf{c}_{t-1} + \mathbf{i}_t\odot"
        r"\tilde{\mathbf{c}}_t,\quad \mathbf{h}_t = \mathbf{o}_t\odot\tanh(\mathbf{c}_t)$",
        fontsize=10,
        color="#111111",
    )
    ax.text(8.45, -0.62, "blue: gates; orange: the cell path", fontsize=8.5, color=GREY, ha="right")
    return fig
