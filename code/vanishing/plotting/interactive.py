"""Interactive figures that work in static HTML: inline SVG + a slider + a few lines of plain JS.

No kernel, no CDN, no plotting library in the browser: every curve for every slider position is
computed in Python at build time and embedded; the script only swaps which one is shown. The
output is deterministic (ids derive from a hash of the content).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape

import numpy as np

from ..validate import check_index, check_instance, check_str
from .style import CYCLE, GREY

WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 50  # plot-area margins in SVG pixels
_ENTRY = "margin-right:1.2em;white-space:nowrap"  # a legend entry: swatch and text stay together

MINUS = "\u2212"  # a real minus sign in the tick labels, as in the static figures


@dataclass(frozen=True)
class SliderCurves:
    """Curves y(x) for each value of a parameter: values (P,), x (N,), y (P, C, N) for C series."""

    param_name: str  # HTML allowed, e.g. "&rho;"
    values: np.ndarray  # (P,)
    x: np.ndarray  # (N,)
    y: np.ndarray  # (P, C, N), plotted on a log10 axis
    labels: tuple[str, ...]  # (C,)
    x_label: str
    y_label: str
    y_range: tuple[float, float]  # log axis limits, e.g. (1e-6, 1e6)
    readouts: tuple[tuple[str, ...], ...] = ()  # per value, extra text shown beside the slider
    reference: np.ndarray | None = None  # (P, N) a dashed grey reference curve per value
    reference_label: str = ""  # its legend text


def _points(x: np.ndarray, y: np.ndarray, x_range, y_range) -> str:
    """SVG polyline points for y on a log axis, clipped to the plot area (inf becomes the top)."""
    px = LEFT + (x - x_range[0]) / (x_range[1] - x_range[0]) * (WIDTH - LEFT - RIGHT)
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.log10(np.where(np.isfinite(y), y, np.inf))
    lo, hi = np.log10(y_range[0]), np.log10(y_range[1])
    ly = np.clip(np.nan_to_num(ly, nan=hi, posinf=hi, neginf=lo), lo, hi)
    py = TOP + (hi - ly) / (hi - lo) * (HEIGHT - TOP - BOTTOM)
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))


def _axes(x_range, y_range, x_label: str, y_label: str) -> str:
    """SVG markup of the axes, log-y decade ticks, x ticks and labels."""
    parts = []
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = TOP, HEIGHT - BOTTOM
    lo, hi = int(np.floor(np.log10(y_range[0]))), int(np.ceil(np.log10(y_range[1])))
    step = max(1, (hi - lo) // 6)
    for e in range(lo, hi + 1, step):
        exponent = str(e).replace("-", MINUS)
        y = y0 + (hi - e) / (hi - lo) * (y1 - y0)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f'10<tspan dy="-6" font-size="9">{exponent}</tspan></text>'
        )
    for xv in np.linspace(x_range[0], x_range[1], 6):
        x = x0 + (xv - x_range[0]) / (x_range[1] - x_range[0]) * (x1 - x0)
        parts.append(f'<line x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y1 + 4}" stroke="#111"/>')
        parts.append(f'<text x="{x:.1f}" y="{y1 + 17}" text-anchor="middle">{xv:g}</text>')
    parts.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#111"/>')
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#111"/>')
    parts.append(
        f'<text x="{(x0 + x1) / 2}" y="{HEIGHT - 8}" text-anchor="middle">{x_label}</text>'
    )
    parts.append(
        f'<text transform="translate(16,{(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">'
        f"{y_label}</text>"
    )
    return "\n".join(parts)


def slider_figure(curves: SliderCurves, *, initial: int, caption: str, alt: str) -> str:
    """Chapter 3: an HTML <figure> with an SVG plot and a range slider over ``curves.values``."""
    check_instance(curves, "curves", SliderCurves)
    check_str(caption, "caption")
    check_str(alt, "alt", nonempty=True)
    if np.ndim(curves.y) != 3:
        raise ValueError(f"curves: y must be (P, C, N), got shape {np.shape(curves.y)}")
    P, C, N = curves.y.shape
    if curves.values.shape != (P,) or curves.x.shape != (N,) or len(curves.labels) != C:
        raise ValueError("curves: values, x, y and labels have inconsistent shapes")
    if curves.reference is not None and np.shape(curves.reference) != (P, N):
        raise ValueError(f"curves: reference must have shape {(P, N)}")
    if not isinstance(caption, str) or not isinstance(alt, str) or not alt:
        raise TypeError("caption must be a str and alt a non-empty str")
    initial = check_index(initial, "initial", 0, P - 1)
    x_range = (float(curves.x[0]), float(curves.x[-1]))
    points = [
        [_points(curves.x, curves.y[p, c], x_range, curves.y_range) for c in range(C)]
        for p in range(P)
    ]
    readouts = [list(r) for r in curves.readouts] if curves.readouts else [[] for _ in range(P)]
    data = {"v": [f"{v:.2f}" for v in curves.values], "p": points, "r": readouts}
    reference, reference_legend = "", ""
    if curves.reference is not None:
        data["q"] = [_points(curves.x, row, x_range, curves.y_range) for row in curves.reference]
        reference = (
            f'<polyline id="{{uid}}-ref" fill="none" stroke="{GREY}" stroke-width="1.5" '
            f'stroke-dasharray="5,4" points="{data["q"][initial]}"/>'
        )
        reference_legend = (
            f'<span style="{_ENTRY}"><span style="color:{GREY}">&#9476;&#9476;</span> '
            f"{escape(curves.reference_label)}</span>"
        )
    payload = json.dumps(data)
    uid = "vg" + hashlib.sha256(payload.encode()).hexdigest()[:10]
    lines = "\n".join(
        f'<polyline id="{uid}-c{c}" fill="none" stroke="{CYCLE[c]}" stroke-width="2" '
        f'points="{points[initial][c]}"/>'
        for c in range(C)
    )
    legend = " ".join(  # spaces between entries: the line may break there
        f'<span style="{_ENTRY}"><span style="color:{CYCLE[c]}">&#9472;&#9472;</span> '
        f"{escape(label)}</span>"
        for c, label in enumerate(curves.labels)
    )
    reference = reference.replace("{uid}", uid)
    readout = " ".join(readouts[initial])
    # With a caption it is a figure of its own; without one it goes inside the chapter's numbered
    # figure (glue:figure), whose caption it then shares: a <div>, not a nested <figure>.
    tag = "figure" if caption else "div"
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"""<{tag} class="vg-interactive" id="{uid}" style="margin:1em 0">
<div class="vg-card" style="background:white;color:#111;padding:8px 10px;border-radius:4px;
 max-width:{WIDTH + 20}px">
<label for="{uid}-s" style="font-size:0.95em">{curves.param_name} =
<output id="{uid}-o">{curves.values[initial]:.2f}</output></label>
<input type="range" id="{uid}-s" min="0" max="{P - 1}" step="1" value="{initial}"
 style="width:60%;vertical-align:middle;margin-left:0.6em" aria-label="{escape(alt)} (slider)">
<span id="{uid}-r" style="font-size:0.85em;color:{GREY};margin-left:0.6em">{readout}</span>
<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{escape(alt)}"
 style="font-family:sans-serif;font-size:12px;display:block">
{_axes(x_range, curves.y_range, curves.x_label, curves.y_label)}
{reference}
{lines}
</svg>
<div style="font-size:0.85em">{legend} {reference_legend}</div>
</div>
{figcaption}
<script>
(function () {{
  const d = {payload};
  const s = document.getElementById("{uid}-s");
  s.addEventListener("input", function () {{
    const i = Number(s.value);
    document.getElementById("{uid}-o").textContent = d.v[i];
    document.getElementById("{uid}-r").textContent = d.r[i].join(" ");
    d.p[i].forEach(function (pts, c) {{
      document.getElementById("{uid}-c" + c).setAttribute("points", pts);
    }});
    if (d.q) document.getElementById("{uid}-ref").setAttribute("points", d.q[i]);
  }});
}})();
</script>
</{tag}>"""


@dataclass(frozen=True)
class WithFallback:
    """An interactive figure's HTML with a Markdown stand-in for formats without JavaScript (the
    PDF): Jupyter and myst-nb pick whichever their output format can show."""

    html: str
    markdown: str

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/html": self.html, "text/markdown": self.markdown}
