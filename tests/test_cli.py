"""The figure command line: checks its output folder before any work, lists what is asked,
writes each named figure once."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from vanishing.plotting.__main__ import FIGURES, main


@pytest.fixture
def counted(monkeypatch):
    """Replace one figure by a cheap one that counts how often it is drawn."""
    calls = []

    def draw() -> Figure:
        calls.append(1)
        fig = Figure()
        fig.add_subplot().plot([0, 1], [1, 0])
        return fig

    monkeypatch.setitem(FIGURES, "ch01-repeated-factors", ("a counted stand-in", draw))
    return calls


def test_an_output_folder_that_cannot_be_made_fails_first_in_one_line(tmp_path, capsys, counted):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["ch01-repeated-factors", "--out", str(blocker / "figures")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write figures to" in err[0] and "a-file" in err[0]
    assert counted == []  # no experiment ran


def test_a_figure_named_twice_is_written_once(tmp_path, capsys, counted):
    assert main(["ch01-repeated-factors", "ch01-repeated-factors", "--out", str(tmp_path)]) == 0
    assert counted == [1]
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / "ch01-repeated-factors.svg")]


def test_list_with_names_lists_only_those(capsys):
    names = ["ch03-norm-vs-lag", "ch01-repeated-factors"]
    assert main(["--list", *names]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == names


def test_list_with_an_unknown_name_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--list", "no-such-figure"])
    assert exit_info.value.code == 2
    assert "unknown figure name(s): no-such-figure" in capsys.readouterr().err
