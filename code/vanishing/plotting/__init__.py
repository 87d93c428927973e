"""The book's figure functions: each takes an experiment's result and returns a Figure.

The chapter modules load on first use (``from vanishing.plotting import ch03`` imports only
chapter 3's figures and what they need), so a chapter's execution depends only on its own code.
"""

from importlib import import_module

from .style import PALETTE, apply_style, new_figure, notebook_setup

_CHAPTER_MODULES = (
    "ch01",
    "ch02",
    "ch03",
    "ch04",
    "ch05",
    "ch06",
    "ch07",
    "ch08",
    "ch09",
    "diagrams",
    "interactive",
)

__all__ = [
    "PALETTE",
    "apply_style",
    *_CHAPTER_MODULES,
    "new_figure",
    "notebook_setup",
]


def __getattr__(name: str):
    """Import a chapter's figure module on first access (``vanishing.plotting.ch01``)."""
    if name in _CHAPTER_MODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names of ``__all__``, chapter modules included before their first use."""
    return sorted(set(globals()) | set(__all__))
