"""Chapter 6's claims, re-run over seeds and the settings a skeptic would vary.

Each test names the sentence it checks. The training tests use shorter lengths or caps than the
chapter where the same conclusion can be asserted, and are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.experiments import ch06 as ex

pytestmark = pytest.mark.filterwarnings("error")

SEEDS = (0, 1, 2, 3, 4)


# Gradients against distance at initialisation -------------------------------------------------


@pytest.fixture(scope="module")
def spread():
    return ex.distance_spread(widths=(16, 32, 64), seeds=SEEDS)


@pytest.mark.slow
def test_orthogonal_rnn_reaches_further_than_default_gating(spread):
    """'the orthogonal RNN's gradient thirty steps back is ... times the larger of the LSTM with
    forget bias 0 and the GRU, over widths 16, 32 and 64' (quoted as a range; at least 10)."""
    lo, hi = spread.ranges["orth_vs_default"]
    assert lo > 10  # measured 21 to 7.2e3 over seeds 0-4 and the three widths


@pytest.mark.slow
@pytest.mark.parametrize(
    "width, low, high",
    [(16, 0.01, 0.3), (32, 0.1, 1.0), (64, 0.5, 3.0)],  # measured 0.025-0.15, 0.22-0.62, 0.86-1.8
)
def test_orthogonal_rnn_against_the_lstm_with_forget_bias_one_depends_on_width(
    spread, width, low, high
):
    """'the orthogonal RNN's gradient thirty steps back is [0.025 to 0.15] times the LSTM's with
    forget bias 1 at 16 units, [0.22 to 0.62] times at 32 units and [0.86 to 1.8] times at 64
    units' (five seeds); 'less the narrower the network' (Summary): the range moves up with the
    width."""
    lo, hi = spread.ranges[f"orth_vs_lstm1/{width}"]
    assert low < lo <= hi < high
    medians = [np.median(spread.ratios[f"orth_vs_lstm1/{n}"]) for n in spread.widths]
    assert medians == sorted(medians)


@pytest.mark.slow
def test_default_gating_beats_the_pytorch_default_rnn_on_most_but_not_all_pairs(spread):
    """'Gating as initialised by default ... keeps more gradient thirty steps back in 13 of the
    15 pairs of seed and width (by 2.7 to 360 times), and less in the other 2 (by 20 to 54
    times), which come from a single seed' (every weight of the vanilla RNN U(+-1/sqrt(n_h)),
    PyTorch's default)."""
    r = spread.ratios["gating_vs_default_rnn"]  # (W, S)
    assert r.shape == (3, 5)
    assert (r > 1).sum() == 13
    assert 2 < r[r > 1].min() and r[r > 1].max() < 500
    behind_seeds = np.nonzero(r < 1)[1]
    assert len(set(behind_seeds.tolist())) == 1  # one seed, at two widths
    assert 10 < 1 / r[r < 1].max() and 1 / r[r < 1].min() < 100
    numbers = ex.distance_numbers(spread)
    assert numbers["ch06_gating_ahead"] == 13 and numbers["ch06_gating_behind"] == 2


@pytest.mark.slow
def test_forget_bias_one_beats_zero_by_orders_of_magnitude(spread):
    """'the bias buys the cell path orders of magnitude over thirty steps' (every width, seed)."""
    v = {name: k for k, name in enumerate(spread.variants)}
    ratio = (
        spread.at_lag[..., v["LSTM, forget bias 1"]] / spread.at_lag[..., v["LSTM, forget bias 0"]]
    )
    assert ratio.min() > 100


@pytest.mark.slow
@pytest.mark.parametrize("width", [16, 32, 64])
def test_with_strong_inputs_the_orthogonal_rnn_falls_behind(width):
    """'Make the inputs three times larger ... its gradient is [0.15 to 1.2] times the default
    gating's (a tie) and [8e-5 to 6e-4] times the LSTM's with forget bias 1; five times larger,
    [6e-4 to 4e-3] times the default gating's' (32 units, seeds 0-4); 'with 64 units ... the
    same happens at five times larger inputs'; the LSTM with forget bias 1 keeps its lead."""
    sp = ex.distance_spread(widths=(width,), seeds=SEEDS, reference_width=width)
    r = sp.ranges
    assert r["orth_vs_default@5"][1] < 0.2  # behind the default gating at every width
    assert r["orth_vs_lstm1@5"][1] < 1e-3 and r["orth_vs_lstm1@3"][1] < 1e-2
    if width == 32:  # measured 0.15 to 1.2: a tie
        assert 0.05 < r["orth_vs_default@3"][0] and r["orth_vs_default@3"][1] < 5
    if width == 64:  # measured 4.1 to 8.8 at three times: still ahead there
        assert r["orth_vs_default@3"][0] > 1


# The LSTM's indirect paths explode ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [32, 64])
@pytest.mark.parametrize("input_scale", [1.0, 0.3])
def test_lstm_indirect_paths_explode(n_h, input_scale):
    """Fig. 6.3 and its text: unscaled with forget bias 1 the norm at lag 60 vanishes (< 1);
    doubled weights > 1, tripled > 100, forget bias 3 > 10, for every seed, two widths and two
    input scales (measured minima 1.5, 360, 28)."""
    boom = ex.lstm_explosion(n_h=n_h, seeds=SEEDS, input_scale=input_scale)
    k = {s: i for i, s in enumerate(boom.settings)}
    at = boom.at_T  # (K, S)
    assert at[k[(1.0, 1.0)]].max() < 1.0
    assert at[k[(1.0, 2.0)]].min() > 1.0
    assert at[k[(1.0, 3.0)]].min() > 100
    assert at[k[(3.0, 1.0)]].min() > 10


# The long-range experiment ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(ex.CHOSEN_LR))
def test_the_stored_learning_rates_are_what_the_selection_rule_picks(model):
    """'one per model, chosen from the same grid once, at T = 40, by the fewest median steps to
    solve on the validation set over three selection seeds': re-run the rule (the slowest test
    of the chapter: up to a minute for the tanh RNN on two free cores)."""
    selection = ex.select_lr(model, processes=2)
    assert selection.lr == ex.CHOSEN_LR[model]
    assert np.isfinite(selection.median_steps[selection.chosen])


# The training claims use five seeds the chapter does not use, the chapter's learning rates and
# cap, and a subset of its lengths that carries each conclusion.
FRESH = (5, 6, 7, 8, 9)


@pytest.fixture(scope="module")
def vanilla():
    """The tanh RNN at T = 10, 40, 80 (about 17 s on two free cores)."""
    return ex.steps_to_solve({"rnn": (10, 40, 80)}, seeds=FRESH, processes=2)


@pytest.fixture(scope="module")
def gated():
    """The IRNN and the LSTM at T = 20, 80, 120 (about 25 s on two free cores)."""
    plan = {"irnn": (20, 80, 120), "lstm": (20, 80, 120)}
    return ex.steps_to_solve(plan, seeds=FRESH, processes=2)


def _median(sweep, model, T):
    return sweep.median_steps[sweep.models.index(model), sweep.lengths.index(T)]


def _solved(sweep, model, T):
    return sweep.n_solved[sweep.models.index(model), sweep.lengths.index(T)]


@pytest.mark.slow
def test_tanh_rnn_cost_grows_steeply_and_it_fails_at_80_within_the_cap(vanilla):
    """'its cost grows at least in proportion to the length ... at T = 40 it needs [4.5] times its
    steps at T = 10 (7.5 times on five other seeds), for a length four times longer'; 'at T = 80,
    0 of five seeds solve within 4,000 steps' (chapter, seeds 0-4); 'on five other seeds ... one
    run solved late, after more than 3,000 steps, and the other four stopped at the cap with test
    losses above 0.9 times the baseline' (measured on seeds 5-9: seed 9 at 3,750 steps; the
    others 0.95-0.99 x baseline)."""
    assert _solved(vanilla, "rnn", 10) == 5
    assert _median(vanilla, "rnn", 40) / _median(vanilla, "rnn", 10) == pytest.approx(7.5, abs=0.3)
    assert _solved(vanilla, "rnn", 80) <= 1
    rnn, T80 = vanilla.models.index("rnn"), vanilla.lengths.index(80)
    solved = vanilla.solved[rnn, T80]  # (seeds,)
    assert np.all(vanilla.steps[rnn, T80][solved] > 3000)  # late, if at all
    ratio = vanilla.test_loss[rnn, T80][~solved] / vanilla.baseline  # the capped runs
    assert ratio.size == 4 and np.all(ratio > 0.9) and np.all(ratio < 1.2)


@pytest.mark.slow
def test_lstm_cost_grows_slowly_and_it_solves_every_seed(gated):
    """'the LSTM solves every length in every seed, and its cost grows more slowly than the
    length ... On five other seeds ... it grew about 4.4 times from T = 20 to T = 120, a length
    six times longer' (measured: medians 225 and 1,000)."""
    assert all(_solved(gated, "lstm", T) == 5 for T in (20, 80, 120))
    assert _median(gated, "lstm", 80) < 4 * _median(gated, "lstm", 20)
    ratio = _median(gated, "lstm", 120) / _median(gated, "lstm", 20)
    assert ratio < 6 and ratio == pytest.approx(4.4, abs=0.3)


@pytest.mark.slow
def test_irnn_solves_every_seed_faster_than_lstm_short_comparable_long(gated):
    """'the IRNN ... solves every length in every seed ... It needs fewer steps than the LSTM at
    every length here [the chapter's seeds 0-4: asserted by the chapter itself through
    ex.prose_claims], but the margin is not robust at long lengths: on five other seeds ... the
    LSTM was the faster of the two at T = 80'. On seeds 5-9 the IRNN solves every seed at
    T = 20, 80, 120 and is faster at T = 20 only (measured 500 vs 450 at T = 80)."""
    assert all(_solved(gated, "irnn", T) == 5 for T in (20, 80, 120))
    assert _median(gated, "irnn", 20) < _median(gated, "lstm", 20)
    ratio = _median(gated, "irnn", 80) / _median(gated, "lstm", 80)
    assert 0.5 < ratio < 2.0
    assert _median(gated, "lstm", 80) < _median(gated, "irnn", 80)  # the sentence's parenthesis


@pytest.mark.slow
def test_at_80_gated_and_irnn_solve_in_hundreds_where_tanh_rnn_solves_none(gated, vanilla):
    """'at T = 80 both solve every seed in a few hundred steps, where the tanh RNN solves 0 of
    five in 4,000 (and one of five other seeds, late)' (here the five other seeds)."""
    for model in ("irnn", "lstm"):
        assert _solved(gated, model, 80) == 5
        assert _median(gated, model, 80) < 1000
    assert _solved(vanilla, "rnn", 80) <= 1
    assert np.isinf(_median(vanilla, "rnn", 80))  # most runs do not solve within the cap


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, T, lr, seed",
    [  # runs where a looser look rule (factor 2) noticed the solve 25-100 steps late
        ("rnn", 20, 3e-3, 2),
        ("irnn", 120, 1e-2, 0),
        ("lstm", 80, 0.1, 4),
        ("lstm", 120, 0.1, 1),  # the LSTM drops from 2.7 to 0.3 x threshold within 25 steps
    ],
)
def test_looking_at_validation_only_when_training_loss_is_low_changes_no_result(
    model, T, lr, seed, monkeypatch
):
    """The sweep looks at the validation set only when the last five training losses average
    below LOOK_FACTOR x threshold (a cost saving); a run must stop at the same step, solved the
    same way, as if it looked every CHECK_EVERY steps."""
    gated = ex.solve_adding(model, T, lr, seed, cap=2000)
    monkeypatch.setattr(ex, "LOOK_FACTOR", np.inf)
    always = ex.solve_adding(model, T, lr, seed, cap=2000)
    assert gated.solved and always.solved
    assert gated.steps == always.steps
    assert gated.valid_loss == always.valid_loss


@pytest.mark.slow
def test_solved_runs_carry_over_to_the_test_set(gated):
    """'Solved runs had test losses of [..] times the baseline when they stopped (the threshold is
    0.3): the decision taken on the validation set carries over, within noise' (five other
    seeds, both models, every length)."""
    ratio = gated.test_loss[gated.solved] / gated.baseline
    assert ratio.size == 30
    assert ratio.max() < 0.4


@pytest.mark.slow
@pytest.mark.parametrize("lr", [1e-2, 3e-2])
def test_tanh_rnn_at_80_fails_at_larger_grid_rates_too(lr):
    """'Nor is it the learning rate: at T = 80 the two grid rates above the tanh RNN's choice
    leave it unsolved too' (the chapter's seeds 0-4)."""
    sweep = ex.steps_to_solve({"rnn": (80,)}, seeds=SEEDS, lr={"rnn": lr}, processes=2)
    assert sweep.n_solved[0, 0] == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        dict(n_h=32),  # parameter-matched: 1,153 parameters against the LSTM's 1,233
        dict(lr={"rnn": 1e-3}),  # the grid's smallest rate
        dict(lr={"rnn": 0.1}),  # the grid's largest rate
        dict(clip=100.0),  # in effect no clipping
    ],
    ids=["32_units", "lr_0.001", "lr_0.1", "clip_100"],
)
def test_tanh_rnn_at_80_stays_unsolved_parameter_matched_unclipped_and_at_the_grid_extremes(case):
    """'So do, on two seeds each, the grid's extremes 0.001 and 0.1, a clipping threshold of 100
    instead of 1 (in effect no clipping), and 32 units instead of 16, which gives it 1,153
    parameters to the LSTM's 1,233. In all of those runs its test loss stays above 0.9 times
    the baseline' (chapter seeds 0 and 1, the chapter's cap; measured 0.97-1.0 x baseline)."""
    sweep = ex.steps_to_solve({"rnn": (80,)}, seeds=(0, 1), processes=2, **case)
    assert sweep.cap == 4000 and sweep.n_solved[0, 0] == 0
    assert np.all(sweep.test_loss[0, 0] / sweep.baseline > 0.9)
    if "n_h" in case:
        count = lambda model, n_h: sum(  # noqa: E731
            p.size for p in ex._init_model(model, n_h, np.random.default_rng(0)).params().values()
        )
        assert count("rnn", 32) == 1153 and count("lstm", 16) == 1233


@pytest.mark.slow
@pytest.mark.parametrize(
    "T, n_h, seeds",
    [(80, 16, SEEDS), (80, 16, FRESH), (80, 32, SEEDS), (120, 16, SEEDS), (40, 16, FRESH)],
)
def test_at_the_start_the_tanh_rnn_has_more_far_gradient_than_the_lstm(T, n_h, seeds):
    """'Take the sweep's own models at step 0, on the first batch they train on at T = 80: the
    orthogonal tanh RNN's gradient 79 steps back ... is larger than the LSTM's in 4 of the five
    seeds'; 'An LSTM with forget bias 0, whose gradient 79 steps back starts at [1e-18 to
    5e-17]'; 'Only the IRNN's identity start keeps the gradient at that distance' ([0.44 to
    0.75]). Checked at the chapter's setting, on other seeds, at 32 units and at T = 40 and 120:
    the tanh RNN is ahead on at least 4 of 5 seeds everywhere (5 of 5 except the chapter's)."""
    start = ex.adding_start_gradient(T=T, seeds=seeds, n_h=n_h)
    far = T - 1
    ahead = start.at_lag("rnn", far) > start.at_lag("lstm", far)
    assert ahead.sum() >= 4
    assert start.at_lag("lstm0", far).max() < 1e-3 * start.at_lag("lstm", far).min()
    assert start.at_lag("irnn", far).min() > 0.1  # measured 0.29 at least, every setting
    if (T, n_h, seeds) == (80, 16, SEEDS):
        assert start.at_lag("irnn", far).min() > 0.4
        assert ahead.sum() == 4  # the number the chapter prints
        ratio = start.at_lag("rnn", far) / start.at_lag("lstm", far)  # printed: 0.41 to 1.0e4
        assert 0.2 < ratio.min() < 1 and ratio.max() > 1e3
        assert start.at_lag("lstm0", far).max() < 1e-15
        assert start.at_lag("lstm", far).max() < 1e-5


@pytest.mark.slow
def test_an_lstm_with_forget_bias_zero_solves_80_too():
    """'An LSTM with forget bias 0 ... solves T = 80 all the same: on every one of the five seeds
    within the cap, in a median of about 1,000 steps (in the tests; with forget bias 1 it needs
    425)' (the chapter's seeds, rate and cap; measured 725 to 2,050 steps, median 1,050; about
    25 s on two busy cores, the dearest test of the chapter after the rate selection)."""
    sweep = ex.steps_to_solve({"lstm0": (80,)}, seeds=SEEDS, lr={"lstm0": 0.1}, processes=2)
    assert sweep.cap == 4000
    assert sweep.n_solved[0, 0] == 5
    assert 800 <= sweep.median_steps[0, 0] <= 1300
