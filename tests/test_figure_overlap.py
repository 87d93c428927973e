"""Figures where nothing hides data: no legend sits on a curve, and two curves that coincide carry
different markers, so both stay visible (the audit's Figs. 3.3 and 6.2), on the chapters' own
experiment settings."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from vanishing.experiments import ch03 as ex03
from vanishing.experiments import ch06 as ex06
from vanishing.plotting import ch03, ch06


def inside(box, points: np.ndarray) -> np.ndarray:
    """Which display-space points lie in the box."""
    x, y = points[:, 0], points[:, 1]
    return (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)


def legend_overlaps(fig) -> list[tuple[str, int]]:
    """(line label, number of its drawn points) inside a legend's box, for every panel."""
    FigureCanvasAgg(fig).draw()
    found = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent().padded(-2)
        inside_axes = ax.get_window_extent()
        for line in ax.lines:
            xy = np.column_stack(line.get_data()).astype(float)
            xy = (
                xy[np.all(np.isfinite(xy), axis=1) & np.all(xy > 0, axis=1)]
                if (ax.get_yscale() == "log")
                else xy[np.all(np.isfinite(xy), axis=1)]
            )
            points = ax.transData.transform(xy)
            shown = inside(inside_axes, points)
            hidden = int(np.sum(inside(box, points[shown])))
            if hidden:
                found.append((line.get_label(), hidden))
    return found


def coinciding_lookalikes(fig, tolerance: float = 0.15) -> list[tuple[str, str]]:
    """Pairs of curves in one panel within ``tolerance`` decades of each other over most of their
    length that do not differ in marker (so one hides the other)."""
    pairs = []
    for ax in fig.axes:
        lines = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
        for i, a in enumerate(lines):
            for b in lines[i + 1 :]:
                xa, ya = (np.asarray(v, dtype=float) for v in a.get_data())
                xb, yb = (np.asarray(v, dtype=float) for v in b.get_data())
                if xa.shape != xb.shape or not np.array_equal(xa, xb):
                    continue
                ok = (ya > 0) & (yb > 0)
                gap = np.abs(np.log10(ya[ok]) - np.log10(yb[ok]))
                if ok.sum() > 5 and np.median(gap) < tolerance:
                    markers = {a.get_marker(), b.get_marker()} - {"", "None", None}
                    if len(markers) < 2:
                        pairs.append((a.get_label(), b.get_label()))
    return pairs


@pytest.fixture(scope="module")
def figures() -> dict:
    """The two figures the audit found hiding data, drawn from the chapters' settings."""
    return {
        "fig-ch03-norm-vs-lag": ch03.norm_vs_lag(ex03.norm_vs_lag(T=60, n_h=64)),
        "fig-ch06-distance": ch06.gradient_vs_distance(ex06.gradient_vs_distance()),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fig-ch03-norm-vs-lag", "fig-ch06-distance"])
def test_no_legend_sits_on_a_curve(figures, name):
    assert not legend_overlaps(figures[name]), legend_overlaps(figures[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fig-ch03-norm-vs-lag", "fig-ch06-distance"])
def test_curves_that_coincide_are_told_apart_by_markers(figures, name):
    assert not coinciding_lookalikes(figures[name])


def test_the_checks_find_a_legend_on_a_curve_and_two_lookalike_curves():
    """The helpers are not vacuous: a legend put on the data, and two equal unmarked curves."""
    from vanishing.plotting.style import new_figure

    fig = new_figure()
    ax = fig.add_subplot()
    x = np.arange(1, 50)
    ax.semilogy(x, np.exp(-0.1 * x), label="a")
    ax.semilogy(x, 1.05 * np.exp(-0.1 * x), label="b", ls="--")
    ax.legend(loc="upper right")  # the curves start at the upper left: nothing under it
    assert legend_overlaps(fig) == []
    ax.legend(loc="upper left")
    assert [label for label, _ in legend_overlaps(fig)] == ["a", "b"]
    assert coinciding_lookalikes(fig) == [("a", "b")]
