"""A chapter downloaded as a notebook runs outside the repository: its first cell installs the
package when it is missing, it needs neither myst-nb nor the repository, and (slow test) it
executes in a fresh virtual environment that has only the package's wheel installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, toc_files

CHAPTERS = [  # the numbered chapters (the build-log page is not one)
    ROOT / f"{f}.md" for f in toc_files() if Path(f).name.startswith("ch")
]
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def code_cells(path: Path) -> list[str]:
    """The code cells of a MyST notebook, with their option lines."""
    return CELL.findall(path.read_text())


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_first_cell_installs_the_package_when_it_is_missing(chapter):
    first = code_cells(chapter)[0]
    assert ":tags: [remove-cell]" in first, "the install cell is hidden in the HTML"
    assert re.search(r"try:\n\s+import vanishing\s*\nexcept ImportError:\n", first), first
    install = re.search(r'%pip install --quiet "vanishing @ git\+(\S+)"', first)
    assert install, first
    assert install[1] == repository_url(), "installs from the repository the book names"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_glue_through_the_shim_not_myst_nb(chapter):
    cells = "\n".join(code_cells(chapter))
    assert "myst_nb" not in cells
    if "glue(" in cells:
        assert "from vanishing.glue import glue" in cells


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, errors="replace", timeout=timeout
    )
    assert result.returncode == 0, f"{cmd}:\n{(result.stdout + result.stderr)[-4000:]}"
    return result


EXECUTE = """
import sys, jupytext, nbclient
notebook = jupytext.read(sys.argv[1])
nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
assert not [o for o in outputs if o.output_type == "error"]
print("cells", sum(c.cell_type == "code" for c in notebook.cells), "outputs", len(outputs))
"""


@pytest.mark.slow
def test_a_downloaded_chapter_runs_in_a_fresh_environment_with_only_the_wheel(tmp_path):
    """Build a wheel from the checkout, install it (and its declared dependencies, from the index
    pip is configured with) into a new venv, remove myst-nb, and execute chapter 2 as an .ipynb
    in a folder outside the repository."""
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ behind
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "code", source / "code", ignore=shutil.ignore_patterns("*.egg-info"))
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(wheels)], source
    )
    (wheel,) = wheels.glob("vanishing-*.whl")
    venv = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = str(venv / "bin" / "python")
    install = _run([python, "-m", "pip", "install", "-q", str(wheel)], tmp_path, timeout=900)
    if "No matching distribution" in install.stderr:  # pragma: no cover
        pytest.skip("the package's dependencies are not available to pip here")
    _run([python, "-m", "pip", "uninstall", "-y", "-q", "myst-nb"], tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    notebook = work / "ch02_unrolled_rnn.ipynb"
    _run(
        [
            python,
            "-m",
            "jupytext",
            "--to",
            "ipynb",
            "-o",
            str(notebook),
            str(ROOT / "book" / "ch02_unrolled_rnn.md"),
        ],
        work,
    )
    check = _run([python, "-c", "import vanishing, sys; print(vanishing.__file__)"], work)
    assert str(venv) in check.stdout, "the fresh venv imports its own installed package"
    missing = subprocess.run([python, "-c", "import myst_nb"], cwd=work, capture_output=True)
    assert missing.returncode != 0, "myst-nb should be absent"
    result = _run([python, "-c", EXECUTE, str(notebook)], work)
    cells, outputs = map(int, re.search(r"cells (\d+) outputs (\d+)", result.stdout).groups())
    assert cells >= 10 and outputs >= 5, result.stdout
