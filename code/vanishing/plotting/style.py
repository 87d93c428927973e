"""One look for every figure of the book: palette, fonts, sizes, deterministic SVG output."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.figure import Figure

from vanishing.validate import check_choice, check_real

# Okabe & Ito's palette: distinguishable with every common form of colour blindness.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]
GREY = "#6b6b6b"

# One colour per activation, the same in every chapter.
ACTIVATION_COLOURS = {
    "sigmoid": PALETTE["vermillion"],
    "tanh": PALETTE["blue"],
    "relu": PALETTE["green"],
    "leaky_relu": PALETTE["sky"],
    "elu": PALETTE["purple"],
    "gelu": PALETTE["orange"],
    "identity": PALETTE["black"],
}

RC = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.8,
    # An opaque white card: legible on the theme's light and dark backgrounds alike.
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "#111111",
    "axes.labelcolor": "#111111",
    "xtick.color": "#111111",
    "ytick.color": "#111111",
    # Deterministic SVG: fixed ids, text as paths (no font needed by the reader).
    "svg.hashsalt": "vanishing-gradients",
    "svg.fonttype": "path",
    # PDF and PostScript embed TrueType fonts, not Type 3 (which journals and some tools reject).
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}

# Savefig keywords that keep every written file free of build dates.
SAVE_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}


def apply_style() -> None:
    """Install the book's rcParams (idempotent; every figure function calls it)."""
    mpl.rcParams.update(RC)


LAYOUTS: tuple[str, ...] = ("constrained", "compressed", "tight", "none")


def new_figure(
    width: float = 6.4, height: float = 3.6, layout: str | None = "constrained"
) -> Figure:
    """A pyplot-free Figure in the book's style (shown once when a cell returns it); diagrams
    that place their own axes pass ``layout=None``."""
    width = check_real(width, "width", positive=True)
    height = check_real(height, "height", positive=True)
    if layout is not None and layout not in LAYOUTS:
        check_choice(layout, "layout", LAYOUTS, kind="layout")
    apply_style()
    return Figure(figsize=(width, height), layout=layout)


def notebook_setup() -> None:
    """Configure the Jupyter kernel: inline SVG without dates, so two builds are identical."""
    apply_style()
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg", metadata=SAVE_METADATA["svg"])
