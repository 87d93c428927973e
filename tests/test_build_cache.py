"""A plain rebuild never publishes a stale number: a chapter runs again when package code it
imports changes, and only then (issue: the execution cache must notice changes to the package)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, jupyter_book

from vanishing import builddeps

HEADER = (
    "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
    "  name: python3\n  display_name: Python 3\n---\n"
)
# Page "matrix" glues an entry of chapter 3's example matrix; page "plain" uses only vanishing.fmt.
PAGES = {
    "matrix": (
        "```{code-cell} ipython3\n:tags: [remove-cell]\nfrom myst_nb import glue\n"
        "from vanishing.symbolic import example_matrix\n"
        'glue("entry", str(example_matrix()[0, 1]), display=False)\n```\n\n'
        "The entry is {glue:}`entry`.\n"
    ),
    "plain": (
        "```{code-cell} ipython3\nimport os\nfrom vanishing.fmt import sci\n"
        "print('pid', os.getpid(), sci(0.5))\n```\n"
    ),
}


def _book(tmp: Path) -> Path:
    """A two-page book with the real configuration and a private copy of the package."""
    src = tmp / "src"
    (src / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    shutil.copytree(
        ROOT / "code" / "vanishing",
        src / "code" / "vanishing",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "_static", src / "_static")
    (src / "_toc.yml").write_text(
        "format: jb-book\nroot: book/matrix\nchapters:\n  - file: book/plain\n"
    )
    for name, body in PAGES.items():
        (src / "book" / f"{name}.md").write_text(f"{HEADER}# Page {name}\n\n{body}")
    return src


def _jb(src: Path, *args: str) -> str:
    """Run jupyter-book in place on ``src`` with its own package copy first on the path."""
    env = dict(os.environ, PYTHONPATH=str(src / "code"))
    result = subprocess.run(
        [jupyter_book(), *args, str(src)], capture_output=True, text=True, env=env, timeout=600
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    return log


def _build(src: Path) -> str:
    return _jb(src, "build", "-W", "-n", "--keep-going")


def _entry(src: Path) -> str:
    html = (src / "_build" / "html" / "book" / "matrix.html").read_text()
    match = re.search(r"The entry is\s*(?:<[^>]+>\s*)*[‘'\"]?([^<\s‘’'\"]+)", html)
    assert match is not None, "the glued entry is missing"
    return match[1]


def _pid(src: Path) -> str:
    html = (src / "_build" / "html" / "book" / "plain.html").read_text()
    return re.search(r"pid (\d+)", html)[1]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.slow
def test_a_package_edit_reruns_the_chapters_that_import_it_and_only_those(tmp_path):
    src = _book(tmp_path)
    log = _build(src)
    assert "without encryption" not in log  # kernels talk over IPC, not plain TCP: no warning
    assert _entry(src) == "1/100"
    plain_pid = _pid(src)

    # Edit the constant the "matrix" page glues: a plain rebuild shows the new number, and the
    # page that does not import the module keeps its cached output (same kernel pid printed).
    powers = src / "code" / "vanishing" / "symbolic" / "powers.py"
    _edit(powers, "R(1, 100)", "R(3, 100)")
    log = _build(src)
    assert _entry(src) == "3/100"
    assert "book/matrix: its package code changed" in log
    assert "book/plain" not in log.split("updating environment")[1].split("writing output")[0]
    assert _pid(src) == plain_pid

    # A module neither page imports: nothing runs again.
    lstm = src / "code" / "vanishing" / "lstm.py"
    lstm.write_text(lstm.read_text() + "\n# an edit no page depends on\n")
    log = _build(src)
    assert "its package code changed" not in log
    assert "0 added, 0 changed, 0 removed" in log
    assert _entry(src) == "3/100" and _pid(src) == plain_pid

    # A CSS-only edit reaches the HTML too (Sphinx copies static files only when it writes).
    css = src / "_static" / "vanishing.css"
    css.write_text(css.read_text() + "\n/* a style edit */\n")
    _build(src)
    assert "a style edit" in (src / "_build" / "html" / "_static" / "vanishing.css").read_text()
    assert _pid(src) == plain_pid

    # `jupyter-book clean` (without --all) keeps the execution cache: still no stale number.
    _jb(src, "clean")
    _edit(powers, "R(3, 100)", "R(7, 100)")
    log = _build(src)
    assert _entry(src) == "7/100"
    assert _pid(src) == plain_pid


def test_a_chapter_depends_on_what_it_imports_through_the_package():
    package = ROOT / "code" / "vanishing"
    graph = builddeps.import_graph(builddeps.package_modules(package))
    chapter3 = builddeps.dependencies(
        builddeps.notebook_imports((ROOT / "book" / "ch03_powers_of_w.md").read_text()), graph
    )
    # Direct imports, their parents, and what they import in turn (plotting.ch03 -> interactive).
    for module in (
        "vanishing",
        "vanishing.experiments.ch03",
        "vanishing.plotting.interactive",
        "vanishing.symbolic.powers",
        "vanishing.fmt",
    ):
        assert module in chapter3
    # Nothing of the gated models, the remedies or other chapters' figures.
    for module in (
        "vanishing.lstm",
        "vanishing.gru",
        "vanishing.experiments.ch06",
        "vanishing.plotting.ch01",
    ):
        assert module not in chapter3


def test_notebook_imports_reads_code_cells_only_and_resolves_from_imports():
    source = (
        "Prose: from vanishing import mlp is not code.\n\n"
        "```{code-cell} ipython3\n---\ntags: [remove-cell]\n---\n%config X.y = 1\n"
        "from vanishing.plotting import (\n    ch01,\n    ch02 as two,\n)\n"
        "import numpy as np\n```\n"
    )
    names = builddeps.notebook_imports(source)
    assert {"vanishing.plotting", "vanishing.plotting.ch01", "vanishing.plotting.ch02"} <= names
    assert "numpy" in names
    assert "vanishing.mlp" not in names and "vanishing" not in names


def test_relative_imports_resolve_against_the_package():
    names = builddeps._imported_names(
        "from ..experiments import ch01 as ex01\nfrom . import style\n",
        "vanishing.plotting.__main__",
        is_package=False,
    )
    assert {
        "vanishing.experiments",
        "vanishing.experiments.ch01",
        "vanishing.plotting.style",
    } <= names


def test_the_dependency_hash_changes_with_an_imported_module_only(tmp_path):
    package = tmp_path / "vanishing"
    shutil.copytree(
        ROOT / "code" / "vanishing", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    sources = {"fmt": "```{code-cell}\nfrom vanishing.fmt import sci\n```\n", "none": "text"}
    before = builddeps.dependency_hashes(sources, package)
    (package / "lstm.py").write_text((package / "lstm.py").read_text() + "# edit\n")
    assert builddeps.dependency_hashes(sources, package) == before
    (package / "fmt.py").write_text((package / "fmt.py").read_text() + "# edit\n")
    after = builddeps.dependency_hashes(sources, package)
    assert after["fmt"] != before["fmt"] and after["none"] == before["none"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: builddeps.package_modules(None), "package_dir"),
        (lambda: builddeps.package_modules("/no/such/folder"), "package_dir"),
        (lambda: builddeps.package_modules(ROOT / "book"), "package_dir"),
        (lambda: builddeps.notebook_imports(b"bytes"), "source"),
        (lambda: builddeps.import_graph([]), "modules"),
        (lambda: builddeps.dependencies(["vanishing"], {}), "names"),
        (lambda: builddeps.dependencies({"vanishing"}, []), "graph"),
        (lambda: builddeps.dependency_hashes(["text"], ROOT / "code" / "vanishing"), "sources"),
    ],
)
def test_bad_input_is_rejected_by_name(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
