"""The versions of Python and of the packages that built the book (the execution-status page)."""

from __future__ import annotations

import platform
from importlib import metadata

from IPython.display import Markdown

# What computes the numbers, then what turns them into pages.
PACKAGES: tuple[str, ...] = (
    "vanishing",
    "numpy",
    "sympy",
    "matplotlib",
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "myst-parser",
    "sphinx-book-theme",
    "sphinx-proof",
    "sphinx-exercise",
    "sphinxcontrib-bibtex",
    "sphinx-mathjax-offline",
    "jupytext",
    "ipykernel",
)


def versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """{name: version} for Python and each package ("not installed" if absent)."""
    if isinstance(packages, str) or not isinstance(packages, tuple | list):
        raise TypeError(f"packages must be a tuple of package names, got {type(packages).__name__}")
    for i, name in enumerate(packages):
        if not isinstance(name, str) or not name:
            raise TypeError(f"packages[{i}] must be a non-empty package name (str), got {name!r}")
    found = {"Python": platform.python_version()}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def versions_markdown(packages: tuple[str, ...] = PACKAGES) -> Markdown:
    """The versions as a two-column Markdown table."""
    rows = "\n".join(f"| `{name}` | {version} |" for name, version in versions(packages).items())
    return Markdown(f"| package | version |\n|---|---|\n{rows}")
