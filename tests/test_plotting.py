"""Figure functions return Figures in the book's style; the CLI lists and writes them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from matplotlib.figure import Figure

from vanishing.experiments import ch01 as ex
from vanishing.plotting import ch01 as figs
from vanishing.plotting.__main__ import FIGURES, NOT_EXPORTED, main, names


def test_chapter_1_figures_are_figures_with_labelled_axes():
    made = [
        figs.repeated_factors(ex.power_table()),
        figs.init_gradient_norms(ex.gradient_norms_at_init(depth=4, width=8, batch=16)),
        figs.learning_speed(ex.learning_speed(depth=3, width=8, steps=30, n_train=64)),
    ]
    for fig in made:
        assert isinstance(fig, Figure)
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
        assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # opaque: legible in dark mode


def test_cli_lists_every_figure(capsys):
    assert main(["--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    # one line per FIGURES entry, by its label in the book, then the interactive figures
    assert listed == list(names()) + list(NOT_EXPORTED)
    assert sorted(names().values()) == sorted(FIGURES)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_cli_writes_a_figure_without_dates(tmp_path, fmt):
    assert main(["ch01-repeated-factors", "--out", str(tmp_path), "--format", fmt]) == 0
    data = (tmp_path / f"ch01-repeated-factors.{fmt}").read_bytes()
    assert len(data) > 1000
    if fmt == "svg":
        assert b"<dc:date>" not in data
    if fmt == "pdf":
        assert b"/CreationDate" not in data


def test_cli_writes_identical_svg_twice(tmp_path):
    main(["ch01-repeated-factors", "--out", str(tmp_path / "a")])
    main(["ch01-repeated-factors", "--out", str(tmp_path / "b")])
    a = (tmp_path / "a" / "ch01-repeated-factors.svg").read_bytes()
    assert a == (tmp_path / "b" / "ch01-repeated-factors.svg").read_bytes()


def test_cli_unknown_name_exits_2_with_a_clear_message():
    result = subprocess.run(
        [sys.executable, "-m", "vanishing.plotting", "no-such-figure"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown figure name(s): no-such-figure" in result.stderr


def test_cli_without_names_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "vanishing.plotting"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--list" in result.stderr


@pytest.mark.parametrize("name", [n for n in FIGURES if n != "ch06-steps-to-solve"])
def test_every_registered_figure_draws(name):
    # ch06-steps-to-solve trains 70 networks (~40 s); the book build and test_experiments_ch06
    # exercise it instead.
    fig = FIGURES[name][1]()
    assert isinstance(fig, Figure) and fig.axes


def test_slider_figure_rejects_inconsistent_curves():
    import numpy as np

    from vanishing.plotting.interactive import SliderCurves, slider_figure

    curves = SliderCurves(
        "p", np.arange(3.0), np.arange(5.0), np.ones((3, 2, 5)), ("a",), "x", "y", (1e-3, 1e3)
    )
    with pytest.raises(ValueError, match="curves"):
        slider_figure(curves, initial=0, caption="c", alt="a")
    good = SliderCurves(
        "p", np.arange(3.0), np.arange(5.0), np.ones((3, 1, 5)), ("a",), "x", "y", (1e-3, 1e3)
    )
    with pytest.raises(ValueError, match="initial"):
        slider_figure(good, initial=3, caption="c", alt="a")
    html = slider_figure(good, initial=1, caption="a caption", alt="an alt text")
    assert html == slider_figure(
        good, initial=1, caption="a caption", alt="an alt text"
    )  # deterministic
    assert 'type="range"' in html and "<figcaption>a caption</figcaption>" in html
