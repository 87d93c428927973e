"""Shared fixtures: the book built once, from clean, with forced execution and strict warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """Every document named in _toc.yml, root first, as a path without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def soup(path: Path) -> BeautifulSoup:
    """Parse one HTML page."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def jupyter_book() -> str:
    """The jupyter-book executable of the running interpreter's environment."""
    exe = Path(sys.executable).parent / "jupyter-book"
    return str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book")


def build_book(source: Path, out: Path) -> subprocess.CompletedProcess:
    """Strict build of the book at ``source`` into ``out/_build/html``; a fresh ``out`` has no
    execution cache, so every notebook runs (forced execution)."""
    cmd = [
        jupyter_book(),
        "build",
        str(source),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=900)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the whole book once per test session and return its ``_build/html`` folder."""
    out = tmp_path_factory.mktemp("book")
    result = build_book(ROOT, out)
    log = result.stdout + result.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "test-build.log").write_text(log)
    assert result.returncode == 0, f"strict build failed:\n{log[-6000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by playwright (skipped, or failed in CI, without it)."""
    from test_browser import CHROMIUM_FLAGS, require_chromium

    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()
