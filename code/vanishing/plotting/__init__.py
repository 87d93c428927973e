"""The book's figure functions: each takes an experiment's result and returns a Figure."""

from . import ch01, ch02, ch03, ch04, ch05, ch06, diagrams, interactive
from .style import PALETTE, apply_style, new_figure, notebook_setup

__all__ = [
    "PALETTE",
    "apply_style",
    "ch01",
    "ch02",
    "ch03",
    "ch04",
    "ch05",
    "ch06",
    "diagrams",
    "interactive",
    "new_figure",
    "notebook_setup",
]
