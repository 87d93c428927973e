"""The built book as a reader meets it: pages, links, images, figures, maths, no remote assets."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT, soup, toc_files

CHAPTER_1 = "book/ch01_depth.html"
CHAPTER_FIGURES = {
    "book/ch01_depth.html": (
        "fig-ch01-repeated-factors",
        "fig-ch01-init-gradient-norms",
        "fig-ch01-learning-speed",
    ),
    "book/ch02_unrolled_rnn.html": ("fig-ch02-unrolled", "fig-ch02-lags"),
    "book/ch03_powers_of_w.html": (
        "fig-ch03-transient",
        "fig-ch03-eigenvector-bound",
        "fig-ch03-norm-vs-lag",
        "fig-ch03-order-chaos",
    ),
    "book/ch04_activations.html": (
        "fig-ch04-activations",
        "fig-ch04-saturation",
        "fig-ch04-dying",
        "fig-ch04-pascanu",
        "fig-ch04-caveat",
    ),
    "book/ch05_remedies.html": (
        "fig-ch05-cliff",
        "fig-ch05-glorot",
        "fig-ch05-he",
        "fig-ch05-rnn-init",
        "fig-ch05-residual",
        "fig-ch05-summary",
    ),
    "book/ch06_gating.html": (
        "fig-ch06-cell",
        "fig-ch06-distance",
        "fig-ch06-explode",
        "fig-ch06-steps",
    ),
    "book/ch07_signal_propagation.html": (
        "fig-ch07-phase",
        "fig-ch07-depth",
        "fig-ch07-spectra",
        "fig-ch07-norm",
        "fig-ch07-ln-rnn",
        "fig-ch07-residual",
    ),
}


def pages(html: Path) -> list[Path]:
    """The content pages of the build (not Sphinx's search and index pages)."""
    return [html / f"{f}.html" for f in toc_files()]


def test_every_toc_page_exists(built_book):
    missing = [p for p in pages(built_book) if not p.is_file()]
    assert not missing, f"pages in _toc.yml missing from the build: {missing}"
    assert (built_book / "index.html").is_file()


def test_every_image_resolves(built_book):
    broken = []
    for page in pages(built_book):
        for img in soup(page).find_all("img"):
            src = img.get("src", "")
            if src.startswith("data:"):
                continue
            if not (page.parent / unquote(urlsplit(src).path)).is_file():
                broken.append(f"{page.name}: {src}")
    assert not broken, broken


def test_every_internal_link_and_anchor_resolves(built_book):
    ids: dict[Path, set[str]] = {}
    broken = []
    for page in pages(built_book):
        for a in soup(page).find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or a["href"].startswith("//"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.is_file():
                broken.append(f"{page.name}: {a['href']} (no file)")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = {t["id"] for t in soup(target).find_all(id=True)}
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{page.name}: {a['href']} (no anchor)")
    assert not broken, broken


def test_no_script_or_stylesheet_from_another_host(built_book):
    remote = []
    for page in [*pages(built_book), built_book / "search.html"]:
        for tag in soup(page).find_all(["script", "link", "img", "iframe"]):
            url = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
            if (
                tag.name == "link"
                and "stylesheet" not in tag.get("rel", [])
                and "preload" not in tag.get("rel", [])
            ):
                continue
            if url and (urlsplit(url).scheme in ("http", "https") or url.startswith("//")):
                remote.append(f"{page.name}: <{tag.name}> {url}")
    assert not remote, remote


def test_mathjax_is_served_from_the_build(built_book):
    scripts = [s.get("src", "") for s in soup(built_book / CHAPTER_1).find_all("script")]
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    assert mathjax, "no MathJax script on chapter 1"
    for src in mathjax:
        assert (built_book / "book" / src).resolve().is_file(), src


def test_every_figure_has_a_caption_and_meaningful_alt_text(built_book):
    problems = []
    for page in pages(built_book):
        for fig in soup(page).find_all("figure"):
            caption = fig.find("figcaption")
            if caption is None or len(caption.get_text(strip=True)) < 20:
                problems.append(f"{page.name}: figure {fig.get('id')} has no real caption")
            for img in fig.find_all("img"):
                alt = (img.get("alt") or "").strip()
                if len(alt) < 30 or re.match(r"(?i)^(figure|image|fig\.?)\s*\d*$", alt):
                    problems.append(f"{page.name}: figure {fig.get('id')} alt text {alt!r}")
        for img in soup(page).find_all("img"):
            if not (img.get("alt") or "").strip() and "logo" not in " ".join(img.get("class", [])):
                problems.append(f"{page.name}: <img {img.get('src')}> without alt text")
    assert not problems, problems


@pytest.mark.parametrize("chapter", sorted(CHAPTER_FIGURES))
def test_chapters_have_their_figures_as_svg(built_book, chapter):
    page = soup(built_book / chapter)
    for name in CHAPTER_FIGURES[chapter]:
        fig = page.find(id=name)
        assert fig is not None and fig.name == "figure", f"figure {name} missing"
        img = fig.find("img")
        assert img is not None and img["src"].endswith(".svg"), f"{name} is not an SVG image"
    assert "<Figure size" not in page.get_text()


def test_chapter_1_shows_typeset_sympy_results(built_book):
    page = soup(built_book / CHAPTER_1)
    outputs = page.select("div.cell_output div.math")
    tex = [o.get_text() for o in outputs]
    assert len(tex) >= 4, tex
    assert any(r"\mathbf{W}^{(1)}" in t or "W^{(1)}" in t for t in tex), tex
    assert any(r"\frac{1}{4}" in t for t in tex), tex


def test_chapter_1_numbers_are_glued(built_book):
    page = soup(built_book / CHAPTER_1)
    for code in page.select("div.highlight, pre"):
        code.decompose()  # glue keys may appear in the visible source of a cell
    text = page.get_text(" ")
    assert "0.366" in text  # 0.99**100, computed in the page
    assert "19.8" in text  # 1.01**300
    assert "ch01_" not in text, "an unresolved glue key leaked into the page"


@pytest.mark.parametrize("page", ["book/ch01_depth.html", "book/preface.html"])
def test_pages_have_no_error_output(built_book, page):
    html = (built_book / page).read_text(encoding="utf-8")
    assert "Traceback" not in html
    assert "output stderr" not in html


@pytest.mark.parametrize(
    ("chapter", "needles"),
    [
        ("book/ch02_unrolled_rnn.html", [r"\mathbf{W}_{hh}^{\top}", r"\phi'\left(z_{3}\right)"]),
        ("book/ch03_powers_of_w.html", [r"\boldsymbol{\Lambda}^{k}", r"k \lambda^{k - 1}"]),
        ("book/ch04_activations.html", [r"\mathtt{sigmoid}", r"\frac{1}{4}"]),
        ("book/ch05_remedies.html", [r"\frac{2}{n_{in} + n_{out}}", r"\frac{s^{2}}{2}"]),
        ("book/ch06_gating.html", [r"f_{t}", r"\left(1 - u_{t}\right)"]),
        ("book/ch07_signal_propagation.html", [r"\frac{q}{2}", r"\frac{\sigma^{2}_{w}}{2}"]),
    ],
)
def test_chapters_show_typeset_sympy_results(built_book, chapter, needles):
    tex = " ".join(
        o.get_text() for o in soup(built_book / chapter).select("div.cell_output div.math")
    )
    for needle in needles:
        assert needle in tex, needle


def test_interactive_figure_is_self_contained(built_book):
    page = soup(built_book / "book/ch03_powers_of_w.html")
    figure = page.select_one(".vg-interactive")
    assert figure is not None
    assert figure.find("input", type="range") is not None
    assert figure.find("svg", attrs={"role": "img", "aria-label": True}) is not None
    numbered = figure.find_parent("figure", id="fig-ch03-slider")  # a numbered figure (Fig. 3.4)
    assert numbered is not None and len(numbered.find("figcaption").get_text(strip=True)) > 30
    script = figure.find("script")
    assert script is not None and "src" not in script.attrs  # inline, nothing fetched


def test_errata_table_links_every_row_to_a_chapter(built_book):
    page = built_book / "book/errata.html"
    assert page.is_file(), "book/errata.html is missing from the build"
    table = soup(page).find("table", id="table-errata")
    assert table is not None, "the errata table (table-errata) is missing"
    rows = table.find("tbody").find_all("tr")
    assert len(rows) >= 10, f"only {len(rows)} rows in the errata table"
    chapter = re.compile(r"ch0\d_\w+\.html")
    unlinked = []
    for row in rows:
        cells = row.find_all("td")
        targets = [
            (page.parent / unquote(urlsplit(a["href"]).path)).resolve()
            for a in cells[-1].find_all("a", href=True)
            if not urlsplit(a["href"]).scheme
        ]
        if not any(
            t.parent == page.parent.resolve() and chapter.fullmatch(t.name) for t in targets
        ):
            unlinked.append(cells[0].get_text(" ", strip=True)[:60])
    assert not unlinked, f"errata rows without a link to a chapter: {unlinked}"


def load_page_weight():
    """The benchmarks/page_weight.py module (benchmarks is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "page_weight", ROOT / "benchmarks" / "page_weight.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chapter_pages_are_under_the_weight_budget(built_book):
    page_weight = load_page_weight()
    weights = page_weight.page_weights(built_book)
    chapters = sorted(
        p.relative_to(built_book).as_posix() for p in built_book.glob("book/ch0*.html")
    )
    assert chapters and sorted(weights) == chapters, weights
    for page, weight in weights.items():
        html = (built_book / page).stat().st_size
        assert weight > html, f"{page}: {weight} bytes counts no figure (HTML alone is {html})"
        assert weight <= page_weight.BUDGET, f"{page} weighs {weight:,} bytes > 1 MB"
