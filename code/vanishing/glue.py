"""The chapters' ``glue`` (every chapter): myst-nb's ``glue`` when myst-nb is installed (the book
build pastes the value into the prose), else a stand-in that shows the value, so a chapter
downloaded as a notebook runs in a plain Jupyter or Colab without myst-nb.

Top layer beside ``plotting``: it imports nothing from the package.
"""

from __future__ import annotations

import numbers
import re

# A hyphen-minus that starts a number ("-0.5", "y = -2"), not one inside a word or a range.
_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=\.?\d)")


def typographic(variable):
    """Chapters: a glued string or number as the prose shows it, with a real minus sign (U+2212)
    for a hyphen-minus that starts a number; any other value unchanged."""
    if isinstance(variable, str):
        return _HYPHEN_MINUS.sub("\u2212", variable)
    if isinstance(variable, numbers.Real) and not isinstance(variable, bool) and variable < 0:
        return _HYPHEN_MINUS.sub("\u2212", str(variable))
    return variable


def glue(name: str, variable, display: bool = True) -> None:
    """Chapters: record ``variable`` under ``name`` for the prose (strings and negative numbers
    with a real minus sign, see ``typographic``); show it if ``display``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if not name.strip():
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(display, bool):
        raise TypeError(f"display must be a bool, got {type(display).__name__}")
    variable = typographic(variable)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a downloaded notebook outside the book build
        if display:
            from IPython.display import display as show

            show(variable)
        return None
    myst_glue(name, variable, display=display)
    return None
