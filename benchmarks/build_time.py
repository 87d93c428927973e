"""Measure the book's build times: clean forced build, no-change rebuild, one-chapter prose edit,
a one-line edit of a package module (only the chapters that import it run again), and a clean
build that runs one notebook at a time (to show what the parallel execution buys).

Usage: ``python benchmarks/build_time.py [--no-serial]``. Works on copies of the sources in a
temporary folder, so the repository is never modified. Budget on a 2-core machine: clean <= 90 s,
no-change <= 3 s. Per-notebook times come from each build's execution-status page; in the
parallel build they include the slowdown of sharing the cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = {"clean": 90.0, "no-change": 3.0}  # seconds, by row key (the developer guide's)
EDITED_CHAPTER = "book/ch01_depth.md"
EDITED_MODULE = "code/vanishing/linalg.py"  # imported by chapters 2 to 4 only


def jupyter_book() -> str:
    """The jupyter-book next to this interpreter, else the one on PATH."""
    exe = Path(sys.executable).parent / "jupyter-book"
    return str(exe) if exe.exists() else "jupyter-book"


def build(source: Path, jobs: int | None = None) -> float:
    """One strict build of ``source`` in place, with ``jobs`` notebooks at a time (default: the
    extension's default, one per CPU) and the copy's own package; returns wall seconds (exits if
    the build fails)."""
    env = dict(os.environ, PYTHONPATH=str(source / "code"))
    if jobs is not None:
        env["VANISHING_BUILD_JOBS"] = str(jobs)
    start = time.perf_counter()
    result = subprocess.run(
        [jupyter_book(), "build", str(source), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
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
    """Copy the sources, time the builds, print a table and the per-notebook execution times."""
    serial = "--no-serial" not in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        ignore = shutil.ignore_patterns("_build", ".git", ".venv", "*.egg-info", "__pycache__")
        src = Path(tmp) / "book"
        shutil.copytree(ROOT, src, ignore=ignore)
        rows = [("clean", f"clean build (forced execution, {os.cpu_count()} CPUs)", build(src))]
        # A no-change rebuild is short and noisy (about 0.5 s between runs): the median of three.
        repeats = sorted(build(src) for _ in range(3))
        runs = ", ".join(f"{r:.1f}" for r in repeats)
        rows.append(("no-change", f"no-change rebuild (median of {runs})", repeats[1]))
        chapter = src / EDITED_CHAPTER
        chapter.write_text(chapter.read_text() + "\nOne more sentence of prose.\n")
        rows.append(("edit", f"prose edit in {EDITED_CHAPTER}", build(src)))
        per_chapter = {"parallel": chapter_times(src / "_build" / "html")}
        module = src / EDITED_MODULE
        module.write_text(module.read_text() + "\n# one more line\n")
        rows.append(("package", f"one-line edit of {EDITED_MODULE}", build(src)))
        if serial:
            one = Path(tmp) / "serial"
            shutil.copytree(ROOT, one, ignore=ignore)
            rows.append(("serial", "clean build, one notebook at a time", build(one, jobs=1)))
            per_chapter["one at a time"] = chapter_times(one / "_build" / "html")
    print(f"{'build':<52} {'seconds':>8} {'budget':>8}")
    for key, name, seconds in rows:
        print(f"{name:<52} {seconds:8.1f} {BUDGET.get(key, ''):>8}")
    columns = list(per_chapter)
    print(f"\n{'notebook executed in (s)':<40}" + "".join(f"{c:>16}" for c in columns))
    for name in per_chapter["parallel"]:
        cells = "".join(f"{per_chapter[c].get(name, float('nan')):16.2f}" for c in columns)
        print(f"{name:<40}{cells}")
    over = [name for key, name, seconds in rows if seconds > BUDGET.get(key, float("inf"))]
    if over:
        print(f"\nover budget: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
