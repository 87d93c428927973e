"""Chapter 6's measurements: the values the prose relies on, determinism, bad input, figures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from vanishing.experiments import ch06 as ex
from vanishing.plotting import ch06 as figs
from vanishing.tasks import ADDING_BASELINE_LOSS

pytestmark = pytest.mark.filterwarnings("error")

# A tiny sweep: two models, two short lengths, two seeds, a small cap (a few seconds).
TINY = {
    "plan": {"irnn": (6, 8), "lstm": (8,)},
    "seeds": (0, 1),
    "cap": 150,
    "lr": {"irnn": 1e-2, "lstm": 3e-2},
}


@pytest.fixture(scope="module")
def tiny():
    """The tiny sweep in this process."""
    return ex.steps_to_solve(**TINY, processes=1)


@pytest.fixture(scope="module")
def distance():
    return ex.gradient_vs_distance()


@pytest.fixture(scope="module")
def boom():
    return ex.lstm_explosion(T=20, n_h=8, seeds=(0, 1))


def assert_same_sweep(a: ex.StepsToSolve, b: ex.StepsToSolve) -> None:
    """Every field of two sweeps equal, bit for bit, but the wall-clock time."""
    for f in dataclasses.fields(ex.StepsToSolve):
        if f.name in ("seconds", "processes"):
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


# 1. gradient against distance -------------------------------------------------------------------


def test_gradient_vs_distance_is_normalised_and_shaped(distance):
    assert distance.variants == ex.VARIANTS
    assert distance.norms.shape == (5, 61)
    np.testing.assert_array_equal(distance.lags, np.arange(61))
    np.testing.assert_array_equal(distance.norms[:, 0], 1.0)
    assert np.all(np.isfinite(distance.norms)) and np.all(distance.norms > 0)


def test_gradient_at_lag_30_orders_the_variants(distance):
    at30 = distance.at_lag(30)  # seed 0: 3.5e-8, 7.4e-4, 1.6e-7, 1.7e-3, 2.0e-7
    orth, fb1 = at30["tanh RNN, orthogonal W_hh"], at30["LSTM, forget bias 1"]
    assert fb1 > 100 * at30["LSTM, forget bias 0"]
    assert orth > 100 * max(at30["LSTM, forget bias 0"], at30["GRU"])
    assert 0.1 * fb1 < orth < fb1
    assert at30["tanh RNN, uniform W_hh"] < 0.5 * at30["LSTM, forget bias 0"]  # seed 0 only


def test_forget_gate_means_follow_the_bias(distance):
    means = distance.forget_means
    assert set(means) == {"LSTM, forget bias 0", "LSTM, forget bias 1"}
    assert means["LSTM, forget bias 0"] == pytest.approx(0.5, abs=0.02)
    assert means["LSTM, forget bias 1"] == pytest.approx(1 / (1 + math.exp(-1)), abs=0.02)


def test_gradient_vs_distance_is_deterministic(distance):
    again = ex.gradient_vs_distance()
    np.testing.assert_array_equal(again.norms, distance.norms)
    assert again.forget_means == distance.forget_means
    other = ex.gradient_vs_distance(seed=1)
    assert not np.array_equal(other.norms, distance.norms)


def test_gradient_vs_distance_small_sizes():
    r = ex.gradient_vs_distance(T=3, n_h=2, n_x=1, batch=1, seed=5)
    assert r.norms.shape == (5, 4)
    np.testing.assert_array_equal(r.norms[:, 0], 1.0)


def test_distance_spread_small():
    r = ex.distance_spread(widths=(8, 16), seeds=(0, 1), lag=10, reference_width=16)
    assert r.at_lag.shape == (2, 2, 5)
    lo, hi = r.ranges["orth_vs_lstm1"]
    assert 0 < lo <= hi
    with pytest.raises(ValueError, match="^reference_width"):
        ex.distance_spread(widths=(8,), reference_width=16)


# 2. the LSTM's indirect paths -------------------------------------------------------------------


def test_lstm_explosion_shapes_and_lag_zero(boom):
    assert boom.norms.shape == (len(ex.EXPLOSION_SETTINGS), 2, 21)
    np.testing.assert_allclose(boom.norms[:, :, 0], 1.0)  # ds_T/ds_T = I
    assert boom.at_T.shape == (len(ex.EXPLOSION_SETTINGS), 2)
    assert np.all(np.isfinite(boom.norms))


def test_lstm_explosion_scaling_grows_the_norm(boom):
    k = {s: i for i, s in enumerate(boom.settings)}
    assert np.all(boom.at_T[k[(1.0, 3.0)]] > boom.at_T[k[(1.0, 1.0)]])


@pytest.mark.parametrize(
    ("kw", "error", "start"),
    [
        ({"T": 0}, ValueError, "T"),
        ({"seeds": ()}, TypeError, "seeds"),
        ({"settings": ((1.0,),)}, TypeError, "settings"),
        ({"settings": ((1.0, 0.0),)}, ValueError, "settings"),
        ({"input_scale": 0.0}, ValueError, "input_scale"),
    ],
)
def test_bad_lstm_explosion_arguments(kw, error, start):
    with pytest.raises(error, match=f"^{start}"):
        ex.lstm_explosion(**kw)


# 3. the adding problem: steps to solve ----------------------------------------------------------


def test_solve_adding_stops_early_and_is_deterministic():
    a = ex.solve_adding("lstm", 8, 3e-2, 0, cap=400)
    assert a.solved and a.steps < 400 and a.steps % ex.CHECK_EVERY == 0
    assert a.valid_loss < ex.SOLVED_FRACTION * ADDING_BASELINE_LOSS
    assert a.test_loss < ADDING_BASELINE_LOSS and not a.diverged
    assert ex.solve_adding("lstm", 8, 3e-2, 0, cap=400) == a


def test_solve_adding_censors_at_the_cap():
    r = ex.solve_adding("rnn", 8, 1e-3, 0, cap=30, check_every=20)
    assert r.steps == 30 and not r.solved  # chunks of 20 and 10
    assert r.valid_loss > ex.SOLVED_FRACTION * ADDING_BASELINE_LOSS


def test_tiny_sweep_bookkeeping(tiny):
    assert tiny.models == ("irnn", "lstm") and tiny.lengths == (6, 8)
    np.testing.assert_array_equal(tiny.ran, [[True, True], [False, True]])
    assert tiny.steps.shape == tiny.solved.shape == tiny.test_loss.shape == (2, 2, 2)
    assert np.isnan(tiny.steps[1, 0]).all() and np.isnan(tiny.median_steps[1, 0])
    assert tiny.runs == 6 and tiny.lr == (1e-2, 3e-2)
    assert tiny.threshold == pytest.approx(0.3 / 12)
    assert np.all(tiny.steps[tiny.ran] <= tiny.cap)
    assert np.all(tiny.steps[~tiny.solved & tiny.ran[..., None]] == tiny.cap)
    assert tiny.total_steps == int(np.nansum(tiny.steps))
    assert tiny.cell(1, 0) == "not run"
    assert tiny.cell(1, 1).endswith("/2)")


def test_median_counts_unsolved_as_above_the_cap(tiny):
    solved = np.zeros_like(tiny.solved)
    censored = dataclasses.replace(tiny, solved=solved)
    assert np.isinf(censored.median_steps[tiny.ran]).all()
    assert censored.cell(0, 0) == f"> {tiny.cap:,} (0/2)"


def test_sweep_is_deterministic_across_processes(tiny):
    """Every run is seeded by its own key: two worker processes give the same bits as one."""
    assert_same_sweep(ex.steps_to_solve(**TINY, processes=2), tiny)


def test_a_run_does_not_depend_on_the_other_models(tiny):
    alone = ex.steps_to_solve({"lstm": (8,)}, seeds=(0, 1), cap=150, lr={"lstm": 3e-2}, processes=1)
    np.testing.assert_array_equal(alone.steps[0, 0], tiny.steps[1, 1])


def test_select_lr_races_to_the_same_choice_as_full_runs():
    grid, seeds, cap = (1e-3, 3e-2), (0, 1, 2), 200
    sel = ex.select_lr("lstm", T=6, grid=grid, seeds=seeds, cap=cap, processes=1)
    full = np.array(
        [[ex.solve_adding("lstm", 6, lr, s, cap=cap) for s in seeds] for lr in grid],
        dtype=object,
    )
    medians = [np.median([r.steps if r.solved else np.inf for r in row]) for row in full]
    assert sel.lr == grid[int(np.argmin(medians))]
    assert sel.steps.shape == sel.valid_loss.shape == (2, 3)


def test_chosen_rates_are_on_the_grid():
    assert set(ex.CHOSEN_LR) == set(ex.PLAN)
    assert all(lr in ex.LR_GRID for lr in ex.CHOSEN_LR.values())


# bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "error", "start"),
    [
        ({"plan": {}}, TypeError, "plan"),
        ({"plan": {"cnn": (10,)}}, ValueError, "plan"),
        ({"plan": {"rnn": (1,)}}, ValueError, "plan"),
        ({"plan": {"rnn": 10}}, TypeError, "plan"),
        ({"seeds": (-1,)}, ValueError, "seeds"),
        ({"seeds": (0, 0)}, ValueError, "seeds"),
        ({"cap": 0}, ValueError, "cap"),
        ({"lr": {"rnn": 1e-3}}, TypeError, "lr"),
        ({"n_h": 0}, ValueError, "n_h"),
        ({"batch": -2}, ValueError, "batch"),
        ({"clip": 0.0}, ValueError, "clip"),
        ({"check_every": 0}, ValueError, "check_every"),
        ({"processes": 0}, ValueError, "processes"),
    ],
)
def test_bad_sweep_arguments(kw, error, start):
    with pytest.raises(error, match=f"^{start}"):
        ex.steps_to_solve(**kw)


@pytest.mark.parametrize(
    ("kw", "error", "start"),
    [
        ({"model": "cnn"}, ValueError, "model"),
        ({"T": 1}, ValueError, "T"),
        ({"grid": ()}, TypeError, "grid"),
        ({"grid": (0.0,)}, ValueError, "grid"),
        ({"seeds": (0.5,)}, TypeError, "seeds"),
        ({"cap": 0}, ValueError, "cap"),
    ],
)
def test_bad_select_lr_arguments(kw, error, start):
    kw = {"model": "lstm", **kw}
    with pytest.raises(error, match=f"^{start}"):
        ex.select_lr(**kw)


@pytest.mark.parametrize(
    ("kw", "error", "start"),
    [
        ({"model": "cnn"}, ValueError, "model"),
        ({"T": 1}, ValueError, "T"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"seed": -1}, ValueError, "seed"),
        ({"cap": 0}, ValueError, "cap"),
    ],
)
def test_bad_solve_adding_arguments(kw, error, start):
    kw = {"model": "lstm", "T": 5, "lr": 1e-2, "seed": 0, "cap": 10, **kw}
    with pytest.raises(error, match=f"^{start}"):
        ex.solve_adding(**kw)


@pytest.mark.parametrize(
    ("kw", "error", "start"),
    [
        ({"T": 0}, ValueError, "T"),
        ({"n_h": 0}, ValueError, "n_h"),
        ({"n_x": 2.0}, TypeError, "n_x"),
        ({"batch": 0}, ValueError, "batch"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "0"}, TypeError, "seed"),
    ],
)
def test_bad_gradient_vs_distance_arguments(kw, error, start):
    with pytest.raises(error, match=f"^{start}"):
        ex.gradient_vs_distance(**kw)


def test_bad_lag(distance):
    with pytest.raises(ValueError, match="^m"):
        distance.at_lag(61)
    with pytest.raises(TypeError, match="^m"):
        distance.at_lag(1.0)


# figures ----------------------------------------------------------------------------------------


def assert_labelled(fig) -> None:
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert axes
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_gradient_vs_distance_figure(distance):
    fig = figs.gradient_vs_distance(distance)
    assert_labelled(fig)
    assert len(fig.axes[0].get_lines()) == 5
    assert fig.axes[0].get_yscale() == "log"


def test_lstm_explosion_figure(boom):
    fig = figs.lstm_explosion(boom)
    assert_labelled(fig)
    assert fig.axes[0].get_yscale() == "log"


def test_steps_to_solve_figure(tiny):
    fig = figs.steps_to_solve(tiny)
    assert_labelled(fig)
    assert fig.axes[0].get_yscale() == "log"
    censored = dataclasses.replace(tiny, solved=np.zeros_like(tiny.solved))
    assert_labelled(figs.steps_to_solve(censored))


def test_prose_numbers_refuse_anything_but_a_sweep():
    with pytest.raises(TypeError, match="sweep"):
        ex.prose_numbers({"cap": 4000})


def _book_like_sweep(medians: dict[str, tuple[float, ...]], cap: int = 4000) -> ex.StepsToSolve:
    """A StepsToSolve with the book's plan whose five seeds all take the given median steps
    (inf: unsolved at the cap; nan: not run), test losses at the baseline for unsolved runs."""
    models, lengths, S = ("rnn", "irnn", "lstm"), (10, 20, 40, 80, 120), 5
    med = np.array([medians[m] for m in models], dtype=float)  # (M, L)
    ran = ~np.isnan(med)
    solved = np.repeat((ran & np.isfinite(med))[..., None], S, axis=2)
    steps = np.repeat(np.where(np.isfinite(med), med, cap)[..., None], S, axis=2)
    steps[~ran] = np.nan
    test = np.where(solved, 0.1, 1.0) * ADDING_BASELINE_LOSS
    test[~ran] = np.nan
    return ex.StepsToSolve(
        models=models, lengths=lengths, seeds=tuple(range(S)), lr=(3e-3, 1e-2, 0.1), cap=cap,
        n_h=16, batch=32, clip=1.0, check_every=25, baseline=ADDING_BASELINE_LOSS,
        threshold=ex.SOLVED_FRACTION * ADDING_BASELINE_LOSS, ran=ran, steps=steps,
        solved=solved, test_loss=test, seconds=0.0,
    )  # fmt: skip


BOOK_MEDIANS = {  # the chapter's table
    "rnn": (525, 1100, 2375, np.inf, np.nan),
    "irnn": (75, 125, 150, 250, 300),
    "lstm": (250, 275, 400, 425, 750),
}


def test_prose_claims_hold_for_the_book_table_and_fail_when_a_sentence_breaks():
    """The chapter asserts every ex.prose_claims entry: each must be able to fail."""
    assert all(ex.prose_claims(_book_like_sweep(BOOK_MEDIANS)).values())
    broken = {
        "irnn needs fewer median steps than the lstm at every length": dict(
            irnn=(75, 125, 450, 250, 300)
        ),
        "lstm cost grows more slowly than the length (from T = 10)": dict(
            lstm=(250, 275, 400, 425, 3100)
        ),
        "rnn cost at least in proportion to the length up to 40": dict(
            rnn=(525, 900, 2375, np.inf, np.nan)
        ),
        "rnn solves most seeds up to 40, few at 80": dict(rnn=(525, 1100, 2375, 3500, np.nan)),
        "irnn and lstm solve T = 80 in a median of a few hundred steps": dict(
            irnn=(75, 125, 150, 1200, 1300), lstm=(250, 275, 400, 1250, 1400)
        ),
    }
    for claim, change in broken.items():
        claims = ex.prose_claims(_book_like_sweep(BOOK_MEDIANS | change))
        assert not claims[claim], claim
    sweep = _book_like_sweep(BOOK_MEDIANS)
    unsolved = sweep.solved.copy()
    unsolved[2, 4, 0] = False  # one LSTM seed at T = 120
    claims = ex.prose_claims(dataclasses.replace(sweep, solved=unsolved))
    assert not claims["lstm solves every length in every seed"]
    low = sweep.test_loss.copy()
    low[0, 3, 0] = 0.5 * ADDING_BASELINE_LOSS
    claims = ex.prose_claims(dataclasses.replace(sweep, test_loss=low))
    assert not claims["rnn capped runs at 80 end near the baseline (> 0.9 x)"]
    assert not ex.prose_claims(dataclasses.replace(sweep, cap=3000))[
        "the cap is more than five times the lstm's median at the longest length"
    ]
    with pytest.raises(ValueError, match="sweep must run"):
        ex.prose_claims(_book_like_sweep(BOOK_MEDIANS).__class__(**{
            **dataclasses.asdict(sweep), "models": ("rnn", "irnn", "gru"),
        }))  # fmt: skip
    with pytest.raises(TypeError, match="sweep"):
        ex.prose_claims({"cap": 4000})


def test_adding_start_gradient_uses_the_sweeps_weights_and_first_batch():
    start = ex.adding_start_gradient(T=12, seeds=(0, 1), n_h=5)
    assert start.norms.shape == (4, 2, 13)
    np.testing.assert_array_equal(start.norms[..., 0], 1.0)
    again = ex.adding_start_gradient(T=12, seeds=(1,), n_h=5)
    np.testing.assert_array_equal(again.norms[:, 0], start.norms[:, 1])  # seeded per seed
    lstm1 = ex._init_model("lstm", 5, ex._init_rng("lstm", 0))
    lstm0 = ex._init_model("lstm0", 5, ex._init_rng("lstm0", 0))
    for name, value in lstm1.params().items():  # the same draws; only the forget bias differs
        if name == "b_f":
            np.testing.assert_array_equal(value, 1.0)
            np.testing.assert_array_equal(lstm0.params()[name], 0.0)
        else:
            np.testing.assert_array_equal(value, lstm0.params()[name])
    with pytest.raises(ValueError, match="^m must be at most"):
        start.at_lag("rnn", 13)


def test_pytorch_default_rnn_falls_fastest_in_the_figure(distance):
    """Fig. 6.2 (seed 0) and its alt text: the PyTorch-default RNN's
    curve is the lowest at lag 60, about 1e-15."""
    at60 = distance.at_lag(60)
    assert at60["tanh RNN, uniform W_hh"] < min(v for k, v in at60.items() if "uniform" not in k)
    assert 1e-16 < at60["tanh RNN, uniform W_hh"] < 1e-14
    ratio = at60["LSTM, forget bias 1"] / at60["tanh RNN, orthogonal W_hh"]
    assert 10 < ratio < 40  # 'within a factor of about 20 of each other'
