"""Read what a matplotlib Figure draws, once, into plain arrays the figure-data tests compare.

``read(fig)`` returns one ``Panel`` per axes (colour bars included, in ``fig.axes`` order) with
its lines (x/y data, label, style), horizontal and vertical reference lines, scatter offsets,
bar heights, step histograms, images (pcolormesh/imshow arrays), texts and annotations (text and
anchor point), scales, limits, labels, title and the legend as {entry text: the artist it labels}.
``slider_data(html)`` decodes the curves an interactive slider figure embeds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import unescape

import numpy as np
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch
from matplotlib.text import Annotation


@dataclass(frozen=True)
class Line:
    """One Line2D drawn in data coordinates."""

    label: str  # "" for an unlabelled line (matplotlib's "_child3" names are dropped)
    x: np.ndarray
    y: np.ndarray
    color: tuple  # RGBA
    linestyle: str
    marker: str
    artist: Line2D


@dataclass(frozen=True)
class Text:
    """A text or an annotation: its string, and the data point an annotation points at."""

    text: str
    xy: tuple[float, float] | None  # annotation anchor (in its xycoords); None for ax.text
    artist: object


@dataclass(frozen=True)
class Bars:
    """One ax.bar call: bar centres, heights and the label of the container."""

    label: str
    x: np.ndarray
    height: np.ndarray
    color: tuple


@dataclass(frozen=True)
class Stairs:
    """One ax.stairs call: the step values and the bin edges."""

    label: str
    values: np.ndarray
    edges: np.ndarray
    color: tuple


@dataclass
class Panel:
    """Everything one Axes draws."""

    title: str
    xlabel: str
    ylabel: str
    xscale: str
    yscale: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    lines: list[Line] = field(default_factory=list)
    hlines: list[float] = field(default_factory=list)  # y of axhline(y)
    vlines: list[float] = field(default_factory=list)  # x of axvline(x)
    scatter: list[np.ndarray] = field(default_factory=list)  # (N, 2) offsets per collection
    bars: list[Bars] = field(default_factory=list)
    stairs: list[Stairs] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: dict[str, object] = field(default_factory=dict)  # entry text -> labelled artist
    legend_order: list[str] = field(default_factory=list)
    axis_on: bool = True

    def line(self, label: str) -> Line:
        """The one line with this label (AssertionError if none or several)."""
        found = [ln for ln in self.lines if ln.label == label]
        assert len(found) == 1, f"{len(found)} lines labelled {label!r}; have {self.labels()}"
        return found[0]

    def labels(self) -> list[str]:
        """Labels of the labelled lines, in drawing order."""
        return [ln.label for ln in self.lines if ln.label]

    def legend_line(self, entry: str) -> Line:
        """The line a legend entry labels (AssertionError if the entry is missing)."""
        assert entry in self.legend, f"no legend entry {entry!r}; have {self.legend_order}"
        artist = self.legend[entry]
        found = [ln for ln in self.lines if ln.artist is artist]
        assert found, f"legend entry {entry!r} does not label a line"
        return found[0]

    def text_strings(self) -> list[str]:
        """Every text and annotation string on the axes."""
        return [t.text for t in self.texts]

    def data_range(self, axis: str) -> tuple[float, float]:
        """(min, max) over every drawable value along 'x' or 'y' of the lines, scatter points
        and bars (finite, and > 0 on a log axis, where matplotlib cannot draw the rest)."""
        log = (self.xscale if axis == "x" else self.yscale) == "log"
        values = [np.asarray(ln.x if axis == "x" else ln.y, dtype=float) for ln in self.lines]
        values += [off[:, 0 if axis == "x" else 1] for off in self.scatter]
        values += [b.x if axis == "x" else b.height for b in self.bars]
        values = np.concatenate(values) if values else np.array([])
        values = values[np.isfinite(values) & ((values > 0) if log else True)]
        return float(values.min()), float(values.max())

    def assert_shows_all_data(self) -> None:
        """AssertionError if the axis limits cut off any drawable line, scatter or bar value."""
        for axis, lim in (("x", self.xlim), ("y", self.ylim)):
            low, high = sorted(lim)
            d_low, d_high = self.data_range(axis)
            assert low <= d_low and d_high <= high, (
                f"{axis} limits {lim} hide data in [{d_low:g}, {d_high:g}] ({self.title!r})"
            )


def _style(artist) -> tuple[tuple, str, str]:
    """(RGBA colour, linestyle, marker) of a Line2D or of the legend's proxy of it."""
    from matplotlib.colors import to_rgba

    return to_rgba(artist.get_color()), str(artist.get_linestyle()), str(artist.get_marker())


def _label(artist) -> str:
    label = artist.get_label() or ""
    return "" if label.startswith("_") else label


def _read_axes(ax) -> Panel:
    panel = Panel(
        title=ax.get_title(),
        xlabel=ax.get_xlabel(),
        ylabel=ax.get_ylabel(),
        xscale=ax.get_xscale(),
        yscale=ax.get_yscale(),
        xlim=tuple(map(float, ax.get_xlim())),
        ylim=tuple(map(float, ax.get_ylim())),
        axis_on=ax.axison,
    )
    for artist in ax.get_lines():
        x = np.asarray(artist.get_xdata(), dtype=float)
        y = np.asarray(artist.get_ydata(), dtype=float)
        if artist.get_transform() is not ax.transData:  # axhline / axvline: blended transforms
            if np.array_equal(x, [0.0, 1.0]) and y[0] == y[-1]:
                panel.hlines.append(float(y[0]))
                continue
            if np.array_equal(y, [0.0, 1.0]) and x[0] == x[-1]:
                panel.vlines.append(float(x[0]))
                continue
        colour, ls, marker = _style(artist)
        panel.lines.append(Line(_label(artist), x, y, colour, ls, marker, artist))
    for coll in ax.collections:
        if isinstance(coll, QuadMesh):
            panel.images.append(np.asarray(coll.get_array()))
        elif isinstance(coll, PathCollection):
            panel.scatter.append(np.asarray(coll.get_offsets(), dtype=float))
    for image in ax.get_images():
        panel.images.append(np.asarray(image.get_array()))
    for container in ax.containers:
        if isinstance(container, BarContainer):
            rects = container.patches
            panel.bars.append(
                Bars(
                    _label(container),
                    np.array([r.get_x() + r.get_width() / 2 for r in rects]),
                    np.array([r.get_height() for r in rects]),
                    rects[0].get_facecolor() if rects else (),
                )
            )
    for patch in ax.patches:
        if isinstance(patch, StepPatch):
            values, edges, _ = patch.get_data()
            panel.stairs.append(
                Stairs(_label(patch), np.asarray(values), np.asarray(edges), patch.get_edgecolor())
            )
    for text in ax.texts:
        xy = tuple(map(float, text.xy)) if isinstance(text, Annotation) else None
        panel.texts.append(Text(text.get_text(), xy, text))
    legend = ax.get_legend()
    if legend is not None:
        handles, labels = ax.get_legend_handles_labels()
        entries = [t.get_text() for t in legend.get_texts()]
        assert entries == labels, f"legend {entries} is not the axes' labelled artists {labels}"
        for proxy, handle in zip(legend.legend_handles, handles, strict=True):
            if isinstance(handle, Line2D):  # the legend swatch must look like the line
                assert _style(proxy)[:2] == _style(handle)[:2], f"swatch of {handle.get_label()}"
        panel.legend = dict(zip(labels, handles, strict=True))
        panel.legend_order = labels
    return panel


def read(fig: Figure) -> list[Panel]:
    """One Panel per axes of fig, in fig.axes order."""
    return [_read_axes(ax) for ax in fig.axes]


def suptitle(fig: Figure) -> str:
    """The figure's suptitle, or ''."""
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


# the interactive slider (vanishing.plotting.interactive) ------------------------------------


@dataclass(frozen=True)
class Slider:
    """What a slider figure embeds: slider values, curves in data units, labels, readouts."""

    values: list[str]  # (P,) the slider's value strings
    x: np.ndarray  # (P, C, N) x of every point, decoded from the SVG pixels
    log_y: np.ndarray  # (P, C, N) log10 y of every point, decoded (clipped to the y range)
    labels: list[str]  # (C,) legend texts
    readouts: list[list[str]]  # (P, ...) text beside the slider
    initial_points: list[str]  # (C,) the polylines shown before the slider moves
    payload_points: list[list[str]]  # (P, C) the polylines the script swaps in


def slider_data(html: str, x_range, y_range) -> Slider:
    """Decode slider_figure's HTML back to data units, given the x range and the log-y range."""
    from vanishing.plotting.interactive import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH

    payload = json.loads(re.search(r"const d = (\{.*?\});\n", html, re.S).group(1))
    lo, hi = np.log10(y_range[0]), np.log10(y_range[1])
    xs, ys = [], []
    for curves in payload["p"]:
        pts = np.array([[tuple(map(float, p.split(","))) for p in c.split()] for c in curves])
        xs.append(x_range[0] + (pts[..., 0] - LEFT) / (WIDTH - LEFT - RIGHT) * np.ptp(x_range))
        ys.append(hi - (pts[..., 1] - TOP) / (HEIGHT - TOP - BOTTOM) * (hi - lo))
    initial = re.findall(r'<polyline id="[^"]+-c\d+"[^>]*points="([^"]*)"', html)
    labels = [unescape(t) for t in re.findall(r"&#9472;&#9472;</span> (.*?)</span>", html)]
    return Slider(
        payload["v"], np.array(xs), np.array(ys), labels, payload["r"], initial, payload["p"]
    )
