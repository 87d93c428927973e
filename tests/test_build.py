"""The build itself: a raising cell fails it, and two clean builds are byte-identical."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from conftest import ROOT, build_book

# Pages whose content is, by design, a log of this particular build (timings of each notebook).
BUILD_LOGS = {"book/execution_status.html"}


def test_a_raising_cell_fails_the_build(tmp_path):
    book = tmp_path / "src"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/index\n")
    (book / "book" / "index.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\n  display_name: Python 3\n---\n# A page that fails\n\n"
        "```{code-cell} ipython3\nraise RuntimeError('this cell raises on purpose')\n```\n"
    )
    result = build_book(book, tmp_path / "out")
    assert result.returncode != 0
    assert "this cell raises on purpose" in result.stdout + result.stderr


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
