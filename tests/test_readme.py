"""The README's two commands: exactly two, mirrored in the preface, and the one .ci/run runs."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(marker) + r"\n```bash\n(.*?)```", text, re.S)
    assert match, f"no bash block after {marker} in README.md"
    return match.group(1).strip()


def test_readme_has_exactly_two_setup_commands():
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 2
    build, test = readme_block("<!-- build-command -->"), readme_block("<!-- test-command -->")
    assert "jupyter-book build ." in build and "_build/html" in build
    assert 'pip install -e ".[test]"' in test and "pytest" in test


def test_preface_shows_the_same_commands():
    preface = (ROOT / "book" / "preface.md").read_text()
    assert readme_block("<!-- build-command -->") in preface
    assert readme_block("<!-- test-command -->") in preface


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    awk = re.search(r"cmd=\$\((awk .*?README\.md)\)", script).group(1)
    extracted = subprocess.run(["bash", "-c", awk], cwd=ROOT, capture_output=True, text=True)
    assert extracted.stdout.strip() == readme_block("<!-- test-command -->")
