"""vanishing.glue: myst-nb's glue inside the book build, a plain display outside it."""

from __future__ import annotations

import sys

import pytest

from vanishing.glue import glue


def test_glue_hands_the_value_to_myst_nb_when_it_is_installed(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    assert glue("ch00_x", 1.5, display=False) is None
    assert calls == [(("ch00_x", 1.5), {"display": False})]


@pytest.mark.parametrize("display", [True, False])
def test_without_myst_nb_glue_shows_the_value_only_if_asked(monkeypatch, display):
    import IPython.display

    shown = []
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb raises ImportError
    monkeypatch.setattr(IPython.display, "display", lambda v: shown.append(v))
    glue("ch00_y", "3.2e-05", display=display)
    assert shown == (["3.2e-05"] if display else [])


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((3, 1.0), TypeError, "name"),
        (("  ", 1.0), ValueError, "name"),
        (("ch00_z", 1.0, "no"), TypeError, "display"),
    ],
)
def test_glue_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        glue(*args)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1.1 and -0.1", "1.1 and \u22120.1"),
        ("0, -0.5, -1, -2", "0, \u22120.5, \u22121, \u22122"),
        ("(-.5)", "(\u2212.5)"),
        ("0.8-1.8", "0.8-1.8"),  # a range written with a hyphen stays as written
        ("ch06-cell", "ch06-cell"),
        ("1.8e-05", "1.8e-05"),
        (-2, "\u22122"),
        (-0.75, "\u22120.75"),
        (3, 3),
        (True, True),
    ],
)
def test_glued_numbers_get_a_real_minus_sign(value, shown):
    from vanishing.glue import typographic

    assert typographic(value) == shown
