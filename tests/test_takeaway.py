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
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "test-pdf.log").write_text(log)
    assert result.returncode == 0, log[-4000:]
    assert "Executing notebook" not in log  # the HTML build's cache was reused
    path = out / "_build" / "latex" / "vanishing-gradients.pdf"
    assert path.exists()
    return path


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


def test_pdf_has_every_chapter_and_a_plausible_length(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 50 <= pages <= 200, pages
    text = pdf_text(pdf)
    for k, chapter in enumerate(CHAPTERS, start=1):
        heading = title(ROOT / "book" / f"{chapter}.md")
        assert re.search(rf"\b{k} {re.escape(heading)}", text), f"no chapter {k} {heading!r}"
    for page in ("notation", "references"):
        assert title(ROOT / "book" / f"{page}.md") in text


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
