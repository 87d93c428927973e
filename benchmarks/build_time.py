"""Measure the book's build times: clean forced build, no-change rebuild, one-chapter prose edit.

Usage: ``python benchmarks/build_time.py``. Works on a copy of the sources in a temporary folder,
so the repository is never modified. Budget on a 2-core machine: clean <= 60 s, no-change <= 3 s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = {"clean build (forced execution)": 60.0, "no-change rebuild": 3.0}
EDITED_CHAPTER = "book/ch01_depth.md"


def jupyter_book() -> str:
    """The jupyter-book next to this interpreter, else the one on PATH."""
    exe = Path(sys.executable).parent / "jupyter-book"
    return str(exe) if exe.exists() else "jupyter-book"


def build(source: Path) -> float:
    """One strict build of ``source`` in place; returns wall seconds (raises if it fails)."""
    start = time.perf_counter()
    result = subprocess.run(
        [jupyter_book(), "build", str(source), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return elapsed


def chapter_times(html: Path) -> dict[str, float]:
    """Per-notebook execution seconds, read from the execution-status page of the build."""
    page = (html / "book" / "execution_status.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    times = {}
    for row in rows:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if len(cells) >= 4:
            try:
                times[cells[0]] = float(cells[3])
            except ValueError:
                continue
    return times


def main() -> int:
    """Copy the sources, time three builds, print a table and the per-chapter execution times."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "book"
        ignore = shutil.ignore_patterns("_build", ".git", ".venv", "*.egg-info", "__pycache__")
        shutil.copytree(ROOT, src, ignore=ignore)
        rows = [("clean build (forced execution)", build(src))]
        rows.append(("no-change rebuild", build(src)))
        chapter = src / EDITED_CHAPTER
        chapter.write_text(chapter.read_text() + "\nOne more sentence of prose.\n")
        rows.append((f"prose edit in {EDITED_CHAPTER}", build(src)))
        per_chapter = chapter_times(src / "_build" / "html")
    print(f"{'build':<44} {'seconds':>8} {'budget':>8}")
    for name, seconds in rows:
        budget = BUDGET.get(name)
        print(f"{name:<44} {seconds:8.1f} {budget if budget else '':>8}")
    print(f"\n{'notebook':<44} {'executed in (s)':>16}")
    for name, seconds in per_chapter.items():
        print(f"{name:<44} {seconds:16.2f}")
    over = [name for name, s in rows if name in BUDGET and s > BUDGET[name]]
    if over:
        print(f"\nover budget: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
