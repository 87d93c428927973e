"""The build itself: a raising cell fails it, and two clean builds are byte-identical."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, build_book

from vanishing.sphinxext import build_jobs

# Pages whose content is, by design, a log of this particular build (timings of each notebook).
BUILD_LOGS = {"book/execution_status.html"}


HEADER = (
    "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
    "  name: python3\n  display_name: Python 3\n---\n"
)


def _small_book(root: Path, pages: dict[str, str]) -> Path:
    """A book with the real configuration and one notebook page per entry {name: code}."""
    book = root / "src"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    names = list(pages)
    toc = f"format: jb-book\nroot: book/{names[0]}\n"
    if len(names) > 1:
        toc += "chapters:\n" + "".join(f"  - file: book/{n}\n" for n in names[1:])
    (book / "_toc.yml").write_text(toc)
    for name, code in pages.items():
        (book / "book" / f"{name}.md").write_text(
            f"{HEADER}# Page {name}\n\n```{{code-cell}} ipython3\n{code}\n```\n"
        )
    return book


def test_a_raising_cell_fails_the_build(tmp_path):
    book = _small_book(tmp_path, {"index": "raise RuntimeError('this cell raises on purpose')"})
    result = build_book(book, tmp_path / "out")
    assert result.returncode != 0
    assert "this cell raises on purpose" in result.stdout + result.stderr


def test_notebooks_run_in_parallel_with_one_blas_thread_each(tmp_path, monkeypatch):
    code = "import os\nprint('pid', os.getpid(), 'blas', os.environ.get('OPENBLAS_NUM_THREADS'))"
    # Different sources: jupyter-cache matches notebooks by their code, not by their path.
    book = _small_book(tmp_path, {f"p{k}": f"# page {k}\n{code}" for k in range(3)})
    monkeypatch.setenv("VANISHING_BUILD_JOBS", "2")
    result = build_book(book, tmp_path / "out")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "executing 3 notebooks, 2 at a time" in log
    assert log.count("Using cached notebook") == 3  # myst-nb found every parallel result
    pids = set()
    for k in range(3):
        text = (tmp_path / "out" / "_build" / "html" / "book" / f"p{k}.html").read_text()
        match = re.search(r"pid (\d+) blas (\S+)", text)
        assert match is not None, f"p{k}.html has no output"
        assert match[2] == "1"
        pids.add(match[1])
    assert len(pids) == 3  # a kernel per notebook


def test_a_raising_cell_fails_a_parallel_build(tmp_path, monkeypatch):
    pages = {"p0": "print('fine')", "p1": "raise RuntimeError('raises in parallel')"}
    monkeypatch.setenv("VANISHING_BUILD_JOBS", "2")
    result = build_book(_small_book(tmp_path, pages), tmp_path / "out")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "executing 2 notebooks" in log
    assert "raises in parallel" in log


def _all_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_two_clean_builds_are_byte_identical(built_book, tmp_path):
    result = build_book(ROOT, tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    second = tmp_path / "_build" / "html"
    files = _all_files(built_book)
    assert files == _all_files(second), files ^ _all_files(second)
    differ = [
        f
        for f in sorted(files - BUILD_LOGS)
        if not filecmp.cmp(built_book / f, second / f, shallow=False)
    ]
    assert not differ, f"files that differ between two clean builds: {differ}"


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_build_jobs_rejects_a_bad_setting(monkeypatch, value):
    monkeypatch.setenv("VANISHING_BUILD_JOBS", value)
    with pytest.raises(ValueError, match="VANISHING_BUILD_JOBS"):
        build_jobs()


def test_build_jobs_defaults_to_the_cpu_count(monkeypatch):
    monkeypatch.delenv("VANISHING_BUILD_JOBS", raising=False)
    assert build_jobs() == (os.cpu_count() or 1)
    monkeypatch.setenv("VANISHING_BUILD_JOBS", "3")
    assert build_jobs() == 3
