"""Take-away formats: executed notebook downloads, Binder and jupytext, the PDF, publishing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, jupyter_book, soup

CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("ch0*.md"))
LATEX_TOOLS = ("latexmk", "pdflatex", "rsvg-convert", "pdftotext", "pdfinfo")


def title(markdown: Path) -> str:
    """The first level-1 heading of a MyST page."""
    return re.search(r"^# (.+)$", markdown.read_text(encoding="utf-8"), re.M).group(1).strip()


# ------------------------------------------------------------------ notebooks: download, jupytext


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_offers_its_executed_notebook(built_book, chapter):
    page = soup(built_book / "book" / f"{chapter}.html")
    links = {a["href"] for a in page.select("a[href]") if a["href"].endswith(".ipynb")}
    assert links == {f"../_sources/book/{chapter}.ipynb"}
    notebook = json.loads((built_book / "_sources" / "book" / f"{chapter}.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and any(c["outputs"] for c in code), "the download has no outputs"
    kinds = {k for c in code for o in c["outputs"] for k in o.get("data", {})}
    assert "image/svg+xml" in kinds  # the figures travel with the notebook
    ids = [c["id"] for c in notebook["cells"]]
    assert ids == [f"cell-{k}" for k in range(len(ids))]  # stable between builds


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_myst_source_opens_as_a_notebook_with_jupytext(chapter):
    jupytext = pytest.importorskip("jupytext")
    source = ROOT / "book" / f"{chapter}.md"
    notebook = jupytext.read(source)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    n_code = len(re.findall(r"^```\{code-cell\}", source.read_text(), re.M))
    assert sum(c.cell_type == "code" for c in notebook.cells) == n_code > 0
    # and back: the notebook written as MyST has the same code cells
    again = jupytext.reads(jupytext.writes(notebook, fmt="md:myst"), fmt="md:myst")
    assert [c.source for c in again.cells if c.cell_type == "code"] == [
        c.source for c in notebook.cells if c.cell_type == "code"
    ]


def test_binder_button_opens_the_chapter_source_in_jupyterlab(built_book):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    page = soup(built_book / "book" / "ch01_depth.html")
    binder = [a["href"] for a in page.select("a[href]") if "mybinder.org" in a["href"]]
    assert binder == [f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/book/ch01_depth.md"]


def test_binder_environment_installs_the_package_and_jupytext():
    requirements = (ROOT / "binder" / "requirements.txt").read_text().split("\n")
    assert "-e ." in requirements
    assert any(line.startswith("jupytext") for line in requirements)
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "jupytext-config set-default-viewer markdown myst" in post_build.read_text()


# ------------------------------------------------------------------ publishing


def test_pages_workflow_builds_tests_and_publishes():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    # PyYAML reads the key `on` as True (YAML 1.1)
    trigger = workflow.get("on", workflow.get(True))
    assert trigger["push"]["branches"] == ["main"]
    steps = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert 'pip install -e ".[test]"' in runs
    assert "jupyter-book clean . --all" in runs
    assert "jupyter-book build . -W -n --keep-going" in runs
    assert "python -m pytest" in runs
    assert "actions/upload-pages-artifact" in uses
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "_build/html"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_pages_workflow_publishes_the_pdf_next_to_the_html_and_the_site_links_it(built_book):
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    built = next(k for k, run in enumerate(runs) if "--builder pdflatex" in run)
    upload = next(
        k for k, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-pages")
    )
    site = steps[upload]["with"]["path"]
    copy = rf"cp _build/latex/vanishing-gradients\.pdf {re.escape(site)}/(\S+)"
    copies = [(k, m.group(1)) for k, run in enumerate(runs) for m in re.finditer(copy, run)]
    assert len(copies) == 1, "the workflow does not copy the PDF into the Pages artifact"
    k, published = copies[0]
    assert built < k < upload  # built, then copied, then uploaded
    # the site links the published copy from its first page
    baseurl = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    page = soup(built_book / f"{toc['root']}.html")
    hrefs = [a["href"] for a in page.select("a[href]")]
    assert baseurl + published in hrefs, hrefs


def test_config_carries_the_repository_and_its_pages_address():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner, repo = config["repository"]["url"].removeprefix("https://github.com/").split("/")
    assert config["html"]["baseurl"] == f"https://{owner}.github.io/{repo}/"
    assert config["repository"]["branch"] == "main"


def latex_packages() -> list[str]:
    """The Debian packages the README lists for the PDF."""
    readme = (ROOT / "README.md").read_text()
    return re.search(r"<!-- latex-packages -->`([^`]*)`", readme).group(1).split()


def test_readme_pdf_command_and_packages_agree_with_ci_and_the_workflow():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"<!-- pdf-command -->\n```sh\n(.*?)```", readme, re.S).group(1)
    assert "jupyter-book build . --builder pdflatex" in command
    packages = latex_packages()
    assert {"latexmk", "librsvg2-bin", "texlive-latex-extra"} <= set(packages)
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert all(p in workflow for p in packages)
    assert "<!-- latex-packages -->" in (ROOT / ".ci" / "run").read_text()


# ------------------------------------------------------------------ the PDF


@pytest.fixture(scope="module")
def pdf(built_book) -> Path:
    """The whole book built with ``--builder pdflatex`` next to the HTML build (reusing its
    execution cache, so no notebook runs twice); skipped where LaTeX is not installed."""
    missing = [tool for tool in LATEX_TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("VANISHING_REQUIRE_LATEX"):
            pytest.fail(f"VANISHING_REQUIRE_LATEX is set but {missing} are not installed")
        pytest.skip(f"LaTeX tools not installed: {missing} (see the README's PDF command)")
    out = built_book.parent.parent  # the --path-output of the HTML build
    cmd = [jupyter_book(), "build", str(ROOT), "--path-output", str(out), "--builder", "pdflatex"]
    # pdflatex echoes the bibliography in its own 8-bit encoding (J\"urgen): decode leniently
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=900)
    log = result.stdout + result.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "test-pdf.log").write_text(log)
    assert result.returncode == 0, log[-4000:]
    assert "Executing notebook" not in log  # the HTML build's cache was reused
    path = out / "_build" / "latex" / "vanishing-gradients.pdf"
    assert path.exists()
    return path


def pdf_contents(path: Path) -> list[tuple[str, str]]:
    """(level, title) of each entry of the PDF's table of contents, as LaTeX wrote it (the
    ``.toc`` file), a chapter's or part's number first: ("chapter", "1 Why depth hurts ...")."""
    toc = path.with_suffix(".toc").read_text(encoding="utf-8")
    entries = []
    for level, entry in re.findall(
        r"^\\contentsline \{(\w+)\}\{(.*)\}\{[^{}]*\}\{[^{}]*\}%$", toc, re.M
    ):
        entry = re.sub(r"\\numberline \{([^{}]*)\}", r"\1 ", entry)
        entry = entry.replace("\\hspace {1em}", " ").replace("\\sphinxhyphen {}", "-")
        entries.append((level, entry))
    return entries


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


def test_pdf_has_every_chapter_and_a_plausible_length(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 50 <= pages <= 200, pages
    text = pdf_text(pdf)
    contents = pdf_contents(pdf)
    for k, chapter in enumerate(CHAPTERS, start=1):
        heading = title(ROOT / "book" / f"{chapter}.md")
        assert ("chapter", f"{k} {heading}") in contents, f"no chapter {k} {heading!r}"
        assert heading in text
    assert title(ROOT / "book" / "notation.md") in text
    assert "Bibliography" in text


def test_pdf_has_the_figures_theorems_and_exercises(pdf, built_book):
    text = pdf_text(pdf)
    assert "<Figure size" not in text  # every figure is drawn, none left as its text repr
    tex = (pdf.parent / "vanishing-gradients.tex").read_text(encoding="utf-8")
    html_figures = sum(
        len(soup(built_book / "book" / f"{c}.html").select("figure img")) for c in CHAPTERS
    )
    assert tex.count("\\sphinxincludegraphics") == html_figures > 20
    for box in ("Theorem 4.1", "Algorithm 5.1", "Exercise 1.1", "Exercise 6.1", "Solution to"):
        assert box in text, box
    assert "HTML edition" in text  # the slider figure's note stands in for it
    log = (pdf.parent / "vanishing-gradients.log").read_text(errors="replace")
    assert "undefined" not in log.lower(), "undefined references in the PDF"


# ------------------------------------------------------------------ the PDF, laid out for paper


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext separates pages by form feeds), whitespace collapsed."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return [re.sub(r"\s+", " ", page).strip() for page in text.split("\f")[:-1]]


def latex_source(pdf: Path) -> str:
    return (pdf.parent / "vanishing-gradients.tex").read_text(encoding="utf-8")


def numbered_parts() -> list[str]:
    """The captions of the numbered parts of _toc.yml, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [part["caption"] for part in toc["parts"] if part.get("numbered")]


def directives(name: str, chapter: str) -> int:
    """How many ``{name}`` directives (exercise, solution) a chapter's source has."""
    source = (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    return len(re.findall(rf"^`{{3,}}\{{{name}(-start)?\}}", source, re.M))


def test_pdf_title_page_has_subtitle_version_licence_and_address_and_no_date(pdf):
    import vanishing

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    first = pdf_pages(pdf)[0]
    for needle in (
        config["title"],
        "An executable textbook",
        f"Version {vanishing.__version__}",
        "MIT licence",
        config["html"]["baseurl"],
    ):
        assert needle in first, (needle, first)
    assert "MIT" in (ROOT / "pyproject.toml").read_text()  # the licence the title page states
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    for page in pdf_pages(pdf)[:2]:  # the title page and its verso carry no build date
        assert not re.search(rf"\b({months})\w* \d{{1,2}}, \d{{4}}", page), page


def test_pdf_is_a4_with_a_compact_front_matter_and_no_blank_page(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info, info
    pages = pdf_pages(pdf)
    blank = [k + 1 for k, page in enumerate(pages) if not page]
    assert not blank, f"blank pages: {blank}"
    # everything before Part I (title, contents, preface, notation) fits in a few pages
    part_one = next(k for k, p in enumerate(pages) if re.fullmatch(r"Part I .*", p))
    assert re.fullmatch(rf"Part I {re.escape(numbered_parts()[0])} \d+", pages[part_one])
    assert part_one <= 10, f"{part_one} pages before Part I"  # contents of nine chapters
    assert "Front matter" not in " ".join(pages)  # a toc caption for the web, not a heading


def test_pdf_preface_is_one_chapter_of_sections(pdf):
    tex = latex_source(pdf)
    preface = (ROOT / "book" / "preface.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", preface, re.M)
    assert len(sections) >= 3
    start, end = tex.index(r"\chapter{Preface}"), tex.index(r"\chapter{Notation}")
    body = tex[start:end]
    assert body.count(r"\chapter{") == 1
    for heading in sections:
        assert rf"\section{{{heading}}}" in body, heading


def test_pdf_contents_show_the_parts_and_the_back_matter(pdf):
    contents = pdf_contents(pdf)
    parts = [entry for level, entry in contents if level == "part"]
    romans = ("I", "II", "III", "IV", "V", "VI")
    assert parts == [f"{r} {c}" for r, c in zip(romans, numbered_parts(), strict=False)] + [
        "Back matter"
    ]
    chapters = [entry for level, entry in contents if level == "chapter"]
    assert chapters[:2] == ["Preface", "Notation"]
    assert chapters[-3:] == [
        "Solutions to the exercises",
        title(ROOT / "book" / "errata.md"),
        "Bibliography",
    ]
    # and printed
    pages = pdf_pages(pdf)
    start = next(k for k, p in enumerate(pages) if p.upper().startswith("CONTENTS"))
    end = next(k for k, p in enumerate(pages) if p.upper().startswith("PREFACE"))
    contents = " ".join(pages[start:end])
    # (pdftotext reads the numbers, titles and page numbers of the contents as separate columns)
    for entry in [*numbered_parts(), "Back matter", "Solutions to the exercises", "Bibliography"]:
        assert entry in contents, entry


def test_pdf_solutions_are_in_an_appendix_after_the_last_chapter(pdf):
    tex = latex_source(pdf)
    n_solutions = sum(directives("solution", c) for c in CHAPTERS)
    assert n_solutions == sum(directives("exercise", c) for c in CHAPTERS) >= len(CHAPTERS)
    appendix = tex.index(r"\chapter{Solutions to the exercises}")
    for chapter in CHAPTERS:
        heading = title(ROOT / "book" / f"{chapter}.md")
        assert tex.index(rf"\chapter{{{heading}}}") < appendix, chapter
        # grouped by chapter, under the chapter's number and title
        k = CHAPTERS.index(chapter) + 1
        if directives("solution", chapter):
            assert rf"\section{{Chapter {k}. {heading}}}" in tex[appendix:], chapter
    assert appendix < tex.index(r"\chapter{Errata")  # the first thing in the back matter
    boxes = [m.start() for m in re.finditer(r"\{Solution to Exercise \d+\.\d+\}", tex)]
    assert len(boxes) == n_solutions and min(boxes) > appendix
    # and on paper: every solution is printed once, after the last chapter's last exercise
    pages = pdf_pages(pdf)
    text = " ".join(pages)
    assert len(re.findall(r"Solution to Exercise \d+\.\d+", text)) == n_solutions
    last = f"Exercise {len(CHAPTERS)}.{directives('exercise', CHAPTERS[-1])}"
    last_exercise = next(k for k, p in enumerate(pages) if last in p)
    first_solution = next(k for k, p in enumerate(pages) if "Solution to Exercise" in p)
    assert first_solution > last_exercise


def test_pdf_has_no_build_log_no_empty_references_and_no_proof_index(pdf):
    text = " ".join(pdf_pages(pdf))
    tex = latex_source(pdf)
    assert "Proof Index" not in text and "thm-pascanu" not in text
    assert title(ROOT / "book" / "execution_status.md") not in text.replace(
        "Execution status page", ""
    )  # only the preface's link to the web page remains
    assert "Versions used for this build" not in text
    assert r"\chapter{References}" not in tex
    assert "Every work cited anywhere in the book" not in text  # the References page's text
    assert re.search(r"Bibliography \[1\]", text) or "\\begin{sphinxthebibliography}" in tex
    # the preface's link to the build log points to the web edition
    baseurl = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"]
    assert f"\\sphinxhref{{{baseurl}book/execution\\_status.html}}" in tex
    log = (pdf.parent / "vanishing-gradients.log").read_text(errors="replace")
    assert "destination with the same identifier" not in log


def test_pdf_common_mistakes_keep_a_warning_look_and_tables_are_ragged_right(pdf):
    tex = latex_source(pdf)
    boxes = sum(
        len(
            re.findall(
                r"(?:```|:::)\{admonition\} Common mistakes",
                (ROOT / "book" / f"{c}.md").read_text(),
            )
        )
        for c in CHAPTERS
    )
    assert tex.count(r"\begin{sphinxadmonition}{warning}{Common mistakes}") == boxes >= 1
    assert r"\begin{sphinxadmonition}{note}{Common mistakes}" not in tex
    preamble = tex[: tex.index(r"\begin{document}")]
    assert r"\newcolumntype{\X}[2]{>{\raggedright" in preamble  # the errata's longtable
    assert r"\newcolumntype{T}{L}" in preamble  # tabulary: L is ragged-right, J justified
    assert r"\begin{longtable}{\X{" in tex


# ------------------------------------------------------------------ figures for slides


def book_figure_labels() -> set[str]:
    """Every figure label in the chapters (``name: fig-...`` of a glued or directive figure)."""
    labels = set()
    for chapter in CHAPTERS:
        source = (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")
        labels |= set(re.findall(r"^:?\s*:?name: (fig-[\w-]+)\s*$", source, re.M))
    return labels


def test_figure_cli_names_figures_by_their_labels_in_the_book():
    from vanishing.plotting.__main__ import FIGURES, LABELS, NOT_EXPORTED, NOT_IN_BOOK, names

    labels = book_figure_labels()
    assert len(labels) >= 20
    assert not set(LABELS) & set(NOT_EXPORTED)
    assert set(LABELS) | set(NOT_EXPORTED) == labels, (
        "every figure of the book is exported under its label: add the missing ones to "
        f"LABELS, remove the stale ones: {sorted((set(LABELS) | set(NOT_EXPORTED)) ^ labels)}"
    )
    assert set(LABELS.values()) <= set(FIGURES)
    extras = [key for key in FIGURES if key not in LABELS.values()]
    for key in extras:  # a figure the book does not contain says so
        assert FIGURES[key][0].startswith(NOT_IN_BOOK), key
    assert set(names()) == labels - set(NOT_EXPORTED) | set(extras)


@pytest.fixture
def stand_ins(monkeypatch):
    """Every figure replaced by a cheap 6.4 x 3.6 in one with some text."""
    from matplotlib.figure import Figure

    from vanishing.plotting import __main__ as cli

    def draw() -> Figure:
        fig = Figure(figsize=(6.4, 3.6))
        ax = fig.add_subplot()
        ax.plot([0, 1], [1, 0])
        ax.set_title("gradient norm")
        return fig

    for key, (description, _) in list(cli.FIGURES.items()):
        monkeypatch.setitem(cli.FIGURES, key, (description, draw))
    return cli


def test_figure_cli_all_writes_every_figure_under_its_label(tmp_path, stand_ins):
    assert stand_ins.main(["--all", "--out", str(tmp_path), "--format", "png"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{name}.png" for name in stand_ins.names())
    assert "fig-ch04-pascanu.png" in written


def test_figure_cli_accepts_the_old_names_as_aliases(tmp_path, stand_ins, capsys):
    assert stand_ins.main(["ch04-pascanu", "fig-ch04-pascanu", "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["ch04-pascanu.svg"]  # written once
    assert stand_ins.main(["--list", "fig-ch04-pascanu"]) == 0
    assert "alias ch04-pascanu" in capsys.readouterr().out


def test_figure_cli_explains_why_an_interactive_figure_is_not_written(stand_ins, capsys):
    with pytest.raises(SystemExit) as exit_info:
        stand_ins.main(["fig-ch03-slider"])
    assert exit_info.value.code == 2
    assert "interactive" in capsys.readouterr().err
    assert stand_ins.main(["--list"]) == 0
    assert re.search(r"^fig-ch03-slider +not written: interactive", capsys.readouterr().out, re.M)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize(("dpi", "width"), [(None, 1920), ("50", 320), ("150", 960)])
def test_figure_cli_dpi_sets_the_resolution(tmp_path, stand_ins, dpi, width):
    args = ["fig-ch01-repeated-factors", "--out", str(tmp_path), "--format", "png"]
    assert stand_ins.main(args + (["--dpi", dpi] if dpi else [])) == 0
    w, h = png_size(tmp_path / "fig-ch01-repeated-factors.png")
    assert (w, h) == (width, round(width * 3.6 / 6.4))


@pytest.mark.parametrize("dpi", ["0", "-3", "high"])
def test_figure_cli_rejects_a_bad_dpi(stand_ins, capsys, dpi):
    with pytest.raises(SystemExit) as exit_info:
        stand_ins.main(["fig-ch01-repeated-factors", "--dpi", dpi])
    assert exit_info.value.code == 2
    assert "--dpi" in capsys.readouterr().err


def test_figure_cli_pdf_embeds_truetype_fonts_not_type3(tmp_path):
    from vanishing.plotting.__main__ import main

    if shutil.which("pdffonts") is None:
        if os.environ.get("VANISHING_REQUIRE_LATEX"):
            pytest.fail("VANISHING_REQUIRE_LATEX is set but pdffonts (poppler-utils) is missing")
        pytest.skip("pdffonts (poppler-utils) not installed")
    assert main(["fig-ch04-activations", "--out", str(tmp_path), "--format", "pdf"]) == 0
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "fig-ch04-activations.pdf")], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts, "no fonts embedded: the text is missing"
    assert not [f for f in fonts if "Type 3" in f], fonts
    assert all("TrueType" in f and " yes " in f for f in fonts), fonts  # embedded
