"""The package-versions table of the execution-status page."""

from __future__ import annotations

import platform
from importlib import metadata

from bs4 import BeautifulSoup

from vanishing.versions import versions, versions_markdown


def test_versions_are_the_installed_ones():
    found = versions(("numpy", "sympy", "no-such-package-xyz"))
    assert found == {
        "Python": platform.python_version(),
        "numpy": metadata.version("numpy"),
        "sympy": metadata.version("sympy"),
        "no-such-package-xyz": "not installed",
    }


def test_versions_markdown_is_a_table_with_one_row_per_package():
    lines = versions_markdown(("numpy", "jupyter-book")).data.splitlines()
    assert lines[:2] == ["| package | version |", "|---|---|"]
    assert lines[2:] == [
        f"| `Python` | {platform.python_version()} |",
        f"| `numpy` | {metadata.version('numpy')} |",
        f"| `jupyter-book` | {metadata.version('jupyter-book')} |",
    ]


def test_execution_status_page_lists_the_versions(built_book):
    page = BeautifulSoup((built_book / "book" / "execution_status.html").read_text(), "lxml")
    rows = {}
    for tr in page.select("table tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    for name in ("numpy", "sympy", "matplotlib", "jupyter-book", "myst-nb"):
        assert rows[name] == metadata.version(name)
    assert rows["Python"] == platform.python_version()
