"""The built pages read cleanly: the code the book is about is on the page, every computing cell
can be shown, sentences are not split by hidden cells, formulas keep their punctuation, numbers
have one style and real minus signs, the bibliography's labels match the citations, and the
credits name who made the book and what it stands on. Checks on the HTML the strict build wrote;
they apply to every page of the table of contents, chapters added later included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import NavigableString, Tag
from conftest import ROOT, soup, toc_files

PAGES = toc_files()
CHAPTERS = [f for f in PAGES if Path(f).name.startswith("ch")]
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)
INCLUDE = re.compile(r"```\{literalinclude\} (\S+)\n((?::[^\n]*\n)*)")


def article(built_book: Path, page: str) -> Tag:
    return soup(built_book / f"{page}.html").select_one("article")


def prose(node: Tag) -> str:
    """The text a reader reads: no code, no maths, no scripts."""
    node = Tag.__copy__(node)
    for hidden in node.select("pre, code, script, style, .math, .highlight, .cell_input"):
        hidden.decompose()
    return node.get_text(" ")


# --- the code -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", CHAPTERS)
def test_the_included_source_is_on_the_page(built_book, page):
    """Each ``literalinclude`` of the package (a forward or backward pass) shows its code."""
    source = (ROOT / f"{page}.md").read_text()
    included = INCLUDE.findall(source)
    text = article(built_book, page).get_text()
    for path, options in included:
        name = re.search(r":pyobject: (\S+)", options)
        file = (ROOT / page).parent / path
        assert file.is_file(), f"{page}: {path} does not exist"
        if name is None:  # a whole listing (chapter 9's PyTorch hooks): its functions are shown
            assert "listings/" in path, f"{page}: include {path} of the package without :pyobject:"
            defs = re.findall(r"^def (\w+)\(", file.read_text(), re.M)
            assert defs and all(f"def {d}(" in text for d in defs), f"{page}: {path} not shown"
            continue
        last = name[1].split(".")[-1]
        assert f"def {last}(" in text, f"{page}: the source of {name[1]} is not on the page"


def test_chapter_2_shows_the_bptt_loop_and_chapter_1_the_backward_pass(built_book):
    ch02 = article(built_book, "book/ch02_unrolled_rnn").get_text()
    assert "def bptt(" in ch02 and "for t in range(T, 0, -1):" in ch02
    assert "def step_back(" in ch02
    ch01 = article(built_book, "book/ch01_depth").get_text()
    assert "def backward(" in ch01 and "g = delta @ W" in ch01


@pytest.mark.parametrize("page", CHAPTERS)
def test_computing_cells_are_behind_a_show_code_button_not_removed(built_book, page):
    """No chapter cell is ``remove-input`` (its code could not be shown); cells tagged
    ``hide-input`` have a button on the page."""
    cells = CELL.findall((ROOT / f"{page}.md").read_text())
    removed = [c.split("\n")[0] for c in cells if "remove-input" in c.split("\n\n")[0]]
    assert not removed, f"{page}: cells whose code cannot be shown: {removed}"
    hidden = sum("hide-input" in c.split("\n\n")[0] for c in cells)
    buttons = article(built_book, page).select("div.cell.tag_hide-input details.hide summary")
    assert hidden >= 1 and len(buttons) == hidden, (hidden, len(buttons))


# --- sentences and formulas -----------------------------------------------------------------


def _starts_lower(p: Tag) -> bool:
    first = next(
        (c for c in p.children if not (isinstance(c, NavigableString) and not c.strip())), None
    )
    return isinstance(first, NavigableString) and first.lstrip()[:1].islower()


@pytest.mark.parametrize("page", PAGES)
def test_no_sentence_is_split_by_a_hidden_cell(built_book, page):
    """A paragraph that begins in lower case continues the sentence before it; that is fine after
    a display (an equation, a figure, a cell's output), but not straight after another paragraph or
    a cell that shows nothing: there a hidden cell has cut the sentence in two."""
    split = []
    for p in article(built_book, page).find_all("p"):
        if not _starts_lower(p):
            continue
        before = p.find_previous_sibling()
        if before is None:
            continue
        empty_cell = "cell" in before.get("class", []) and not before.select(".cell_output")
        if before.name == "p" or empty_cell:
            split.append(p.get_text()[:60])
    assert not split, f"{page}: paragraphs that continue a split sentence: {split}"


@pytest.mark.parametrize("page", PAGES)
def test_punctuation_stays_with_the_formula_before_it(built_book, page):
    """No space between an inline formula and its punctuation (" ." after maths), and the
    characters that touch a formula are kept on its line (span.vg-nowrap)."""
    loose, breakable = [], []
    for math in article(built_book, page).select("span.math"):
        after = math.next_sibling
        if not isinstance(after, NavigableString) or not after:
            continue
        if re.match(r"\s+[.,;:)]", after):
            loose.append(math.get_text()[:40] + after[:3])
        elif not after[0].isspace() and "vg-nowrap" not in math.parent.get("class", []):
            breakable.append(math.get_text()[:40] + after[:3])
    assert not loose, f"{page}: punctuation set apart from its formula: {loose}"
    assert not breakable, f"{page}: a line may break between a formula and {breakable}"


BARE_POWER = re.compile(r"^\\\(\s*-?[\d.]*\s*(\\times\s*)?10\^\{?-?\d+\}?\s*\\\)$")


@pytest.mark.parametrize("page", PAGES)
def test_numbers_have_one_style(built_book, page):
    """A plain power of ten in the prose is written like the glued numbers ("10⁻⁶", body font),
    not as a formula ($10^{-6}$, maths font) beside them."""
    bare = [
        m.get_text()
        for m in article(built_book, page).select("span.math")
        if BARE_POWER.match(m.get_text().strip())
    ]
    assert not bare, f"{page}: powers of ten typeset as maths: {bare}"


HYPHEN_MINUS = re.compile(r"(?<![\w.\-/])-\.?\d")


@pytest.mark.parametrize("page", PAGES)
def test_negative_numbers_have_a_minus_sign_not_a_hyphen(built_book, page):
    text = prose(article(built_book, page))
    found = [text[max(0, m.start() - 30) : m.end() + 5] for m in HYPHEN_MINUS.finditer(text)]
    assert not found, f"{page}: hyphen-minus before a number: {found}"


GLYPH = re.compile(r'xlink:href="#[\w-]+-([0-9a-f]+)"')


def test_figures_have_minus_signs_not_hyphens(built_book):
    """matplotlib draws text as glyph paths: no hyphen (2d) glyph right before a digit (30-39)."""
    images = sorted(
        {
            img["src"].split("/")[-1]
            for page in CHAPTERS
            for img in article(built_book, page).select("figure img")
        }
    )
    assert images
    bad = []
    for name in images:
        svg = (built_book / "_images" / name).read_text()
        for group in svg.split('<g id="text_')[1:]:
            codes = GLYPH.findall(group.split("</g>\n  </g>")[0])
            if any(
                a == "2d" and b in {f"{d:x}" for d in range(0x30, 0x3A)}
                for a, b in zip(codes, codes[1:], strict=False)
            ):
                bad.append(name)
    assert not bad, f"figures with a hyphen as a minus sign: {sorted(set(bad))}"


# --- bibliography and credits ---------------------------------------------------------------


def test_bibliography_labels_are_the_author_year_of_the_citations(built_book):
    references = soup(built_book / "book" / "references.html")
    labels = {
        c["id"]: c.select_one(".label").get_text().strip("[] ")
        for c in references.select("div.citation")
    }
    assert len(labels) >= 20
    numbered = [lab for lab in labels.values() if lab.isdigit()]
    assert not numbered, f"numbered labels: {numbered}"
    for label in labels.values():
        assert re.fullmatch(r".+, (1[89]|20)\d\d[a-z]?", label), label
    checked = 0
    for page in CHAPTERS:
        for link in article(built_book, page).select('a[href*="references.html#"]'):
            label = labels[link["href"].split("#")[1]]
            who, year = label.rsplit(", ", 1)
            surname = who.split(" and ")[0].replace(" et al.", "")
            citation = link.find_parent("span", class_="bibtex-citation") or link
            text = citation.get_text(" ")  # "Saxe et al. [2014]": the link is on the year
            assert surname in text and year[:4] in text, (text, label)
            checked += 1
    assert checked >= 30


def test_the_credits_name_who_made_the_book_and_what_it_stands_on(built_book):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "vanishing-gradients authors" not in config["author"]
    assert config["repository"]["url"].split("//")[1] in config["author"]
    licence = (ROOT / "LICENSE").read_text()
    declared = re.search(r'license = \{ text = "(\w+)" \}', (ROOT / "pyproject.toml").read_text())
    assert declared and licence.startswith(f"{declared[1]} License")
    preface = soup(built_book / "book" / "preface.html")
    credits = preface.select_one("section#credits")
    assert credits is not None, "the preface has a Credits section"
    text = credits.get_text(" ")
    for name in ("NumPy", "SymPy", "matplotlib", "autograd", "Jupyter Book", "MathJax", "MIT"):
        assert name in text, name
    links = [a["href"] for a in credits.select("a")]
    assert any(h.startswith(config["repository"]["url"] + "/commits") for h in links), links
    footer = preface.select_one("footer.bd-footer-content").get_text(" ")
    assert config["author"] in footer
