"""Page weight of each chapter: its HTML file plus the images the page itself shows.

Usage: ``python benchmarks/page_weight.py [HTML_DIR]`` (default ``_build/html``). Shared theme files
under ``_static/`` (scripts, stylesheets, fonts, icons) are cached across pages and not counted.
Budget: 1 MB (1,000,000 bytes) per chapter page; the exit code is 1 if a page is over it.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 1_000_000
CHAPTERS = "book/ch0*.html"
# (tag, attribute) pairs whose URL the browser fetches to show the page's own pictures.
IMAGE_ATTRIBUTES = {
    ("img", "src"),
    ("img", "srcset"),
    ("source", "srcset"),
    ("object", "data"),
    ("embed", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
}


class _ImageRefs(HTMLParser):
    """Collects the image URLs of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) not in IMAGE_ATTRIBUTES or not value:
                continue
            if name == "srcset":  # "a.png 1x, b.png 2x": every candidate URL
                self.urls += [c.split()[0] for c in value.split(",") if c.strip()]
            else:
                self.urls.append(value)


def local_images(page: Path, html_dir: Path) -> set[Path]:
    """The image files inside ``html_dir`` that ``page`` shows, except shared ``_static/`` ones."""
    parser = _ImageRefs()
    parser.feed(page.read_text(encoding="utf-8"))
    static = (html_dir / "_static").resolve()
    files = set()
    for url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme or url.startswith("//") or not parts.path:
            continue  # data: URIs are part of the HTML already; remote ones are refused elsewhere
        path = (page.parent / unquote(parts.path)).resolve()
        if path.is_file() and not path.is_relative_to(static):
            files.add(path)
    return files


def page_weight(page: Path, html_dir: Path) -> tuple[int, int, int]:
    """(HTML bytes, image bytes, number of images) of one page."""
    images = local_images(page, html_dir)
    return page.stat().st_size, sum(p.stat().st_size for p in images), len(images)


def page_weights(html_dir: Path | str) -> dict[str, int]:
    """Total bytes (HTML plus own images) of every chapter page, keyed by path in ``html_dir``."""
    html_dir = Path(html_dir)
    return {
        page.relative_to(html_dir).as_posix(): sum(page_weight(page, html_dir)[:2])
        for page in sorted(html_dir.glob(CHAPTERS))
    }


def report(html_dir: Path) -> list[str]:
    """The table of chapter weights against the budget, one line a page."""
    lines = [f"{'page':32} {'html':>10} {'images':>14} {'total':>10}  budget {BUDGET:,}"]
    for page in sorted(html_dir.glob(CHAPTERS)):
        html, images, count = page_weight(page, html_dir)
        total = html + images
        verdict = "ok" if total <= BUDGET else "OVER"
        lines.append(
            f"{page.relative_to(html_dir).as_posix():32} {html:>10,} {images:>10,} ({count:>2})"
            f" {total:>10,}  {total / BUDGET:>5.0%} {verdict}"
        )
    return lines


def main(argv: list[str]) -> int:
    """Print the table; 1 if a page is over budget (or there is no chapter page), else 0."""
    html_dir = Path(argv[0]) if argv else ROOT / "_build" / "html"
    weights = page_weights(html_dir)
    if not weights:
        print(f"no chapter pages ({CHAPTERS}) in {html_dir}", file=sys.stderr)
        return 1
    print("\n".join(report(html_dir)))
    return 1 if max(weights.values()) > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
