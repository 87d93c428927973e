"""Ch. 9 claims: every sick run crosses its alarm of Table 9.1 and the healthy run does not, over
five seeds and widths 16 and 32; the clipping-threshold findings on chapter 5's cliff."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from vanishing.experiments import ch09 as ex

SEEDS = range(5)
WIDTHS = (16, 32)


@pytest.fixture(scope="module")
def runs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may leak
        return {
            (w, s): {r.kind: r for r in ex.feedforward_runs(seed=s, width=w)}
            for w in WIDTHS
            for s in SEEDS
        }


@pytest.mark.slow
def test_healthy_runs_stay_clear_of_every_alarm(runs):
    for key, by in runs.items():
        r = by["healthy"]
        assert 0.4 <= r.first_over_last <= 3.0, key  # "healthy 0.4 to 3"
        assert np.all(r.update > -4) and np.all(r.update < -2), key  # near 10^-3
        assert r.dead == 0.0 and r.zero_steps == 0.0, key
        assert r.saturated < 0.05, key
        assert r.loss_drop < 0.2, key  # it learns


@pytest.mark.slow
def test_sigmoid_runs_vanish_without_saturating(runs):
    for key, by in runs.items():
        r = by["vanishing"]
        assert 3e-4 < r.first_over_last < 3e-3, key  # "about 10^-3", below the 10^-2 alarm
        assert r.update[0] < -5 and r.update[-1] > -3, key  # a slope across layers
        assert np.all(np.diff(r.update[1:]) > 0), key  # rising from layer 2 to the output
        assert r.saturated < 0.01 and r.dead == 0.0, key  # no saturation: sigma' <= 1/4 does it
        assert r.loss_drop > by["healthy"].loss_drop, key


@pytest.mark.slow
def test_saturated_tanh_runs_saturate_without_vanishing_and_fit_worse(runs):
    for key, by in runs.items():
        r = by["saturated"]
        assert 0.40 <= r.saturated <= 0.50, key  # "40 to 50 %"
        assert r.dash.probes["saturated"][0].mean() > 0.4, key  # already at initialisation
        assert 0.4 <= r.first_over_last <= 3.0, key  # "as healthy as the first run's"
        assert r.dead == 0.0, key
        assert 4 <= r.test_loss[1] / by["healthy"].test_loss[1] <= 16, key


@pytest.mark.slow
def test_small_learning_rate_is_a_low_flat_level_with_healthy_gradients(runs):
    for key, by in runs.items():
        r = by["small_lr"]
        assert 0.4 <= r.first_over_last <= 3.0, key
        assert np.all(r.update < -4), key  # the alarm: below 10^-4 in every layer
        assert np.ptp(r.update) < 1.5, key  # flat compared with the sigmoid's slope
        assert np.ptp(by["vanishing"].update) > 2.5, key
        assert r.dead == 0.0 and r.zero_steps == 0.0, key
        assert r.loss_drop > 0.9, key  # the loss barely moves


@pytest.mark.slow
def test_shifted_relu_runs_have_dead_units_and_exactly_zero_gradients(runs):
    for key, by in runs.items():
        r = by["dead"]
        assert r.dead > 0.3, key  # well above the 10 % alarm (0.34-0.69 measured)
        dead = r.dash.probes["dead"][-1]
        assert dead[-1] >= dead[0], key  # more in the upper layers
        assert r.zero_steps >= 0.9, key  # 0.9 to 1 measured
        assert r.loss_drop > 0.99, key
        for other in ("healthy", "vanishing", "saturated", "small_lr"):
            assert by[other].dead == 0.0, (key, other)


@pytest.mark.slow
def test_the_three_stalls_end_far_above_the_healthy_run(runs):
    for key, by in runs.items():
        healthy = by["healthy"].test_loss[1]
        for kind in ("vanishing", "dead", "small_lr"):
            assert 5 <= by[kind].test_loss[1] / healthy <= 33.5, (key, kind)  # "5 to 33 times"


def test_percentile_threshold_on_the_cliff():
    c = ex.clip_choice()
    theta, guesses = c.thresholds[0], dict(zip(c.thresholds[1:], c.final_loss[1:], strict=True))
    assert 3 < theta < 5
    assert c.final_loss[0] < 1e-3 < 1e3 < c.plain_final  # clipping at the percentile saves it
    assert 0.05 < c.clipped_share[0] < 0.3  # a minority of steps is clipped
    assert guesses[5.0] < 1e-3 and guesses[100.0] < 1e-3  # any cap far below the jump works
    assert guesses[0.5] > 0.1 and c.clipped_share[1] == 1.0  # too tight: every step clipped
    assert c.spike_steps[0] < np.argmax(c.grad_norm) and c.spike_steps.size > 5
    assert np.max(c.grad_norm) > 1e4


@pytest.mark.parametrize("early", [20, 50, 100])
def test_percentile_threshold_saves_the_cliff_run_for_other_windows(early):
    c = ex.clip_choice(early=early, guesses=())
    assert c.final_loss[0] < 1e-2 < 1e3 < c.plain_final


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [16, 32])
@pytest.mark.parametrize("T", [40, 80])
def test_at_initialisation_the_orthogonal_rnn_passes_more_gradient_back_than_the_lstm(T, n_h):
    r = ex.through_time(T=T, n_h=n_h)
    uniform, orthogonal, lstm = (r.far[r.names.index(k)] for k in ex.RECURRENT)
    assert np.all(orthogonal > lstm)  # "in every seed"
    assert lstm.min() > uniform.max()
    if T == 80:
        assert uniform.max() < 1e-16  # "below 10^-16 at k = 80"


def test_through_time_is_normalised_to_the_last_step():
    r = ex.through_time(T=10, n_h=4, seeds=(0, 1))
    assert r.by_lag.shape == (3, 2, 11)
    np.testing.assert_allclose(r.by_lag[:, :, 0], 1.0)


@pytest.mark.slow
def test_sigmoid_gradient_band_slides_three_orders_of_magnitude_healthy_stays(runs):
    for key, by in runs.items():
        g = by["vanishing"].dash.probes["grad_z"]  # (probes, hidden layers)
        assert np.all(np.diff(g, axis=1) > 0), key  # rising towards the output at every probe
        assert 3.0 <= np.log10(g[-1, -1] / g[-1, 0]) <= 3.5, key  # "3.0 to 3.4 orders"
        h = by["healthy"].dash.probes["grad_z"][-1]
        assert abs(np.log10(h[-1] / h[0])) <= 0.4, key  # "at most 0.4"
        dead = by["dead"]
        entries = 256 * dead.sizes[1] * (len(dead.sizes) - 2)  # held-out batch x hidden units
        assert dead.dash.probes["grad_hist"][-1].sum() <= 0.01 * entries, key  # "at most 1 %"
        sat = by["saturated"].dash.probes["act_hist"][-1]  # (layers, 40 bins over [-1, 1])
        outer = sat[:, [0, -1]].sum(axis=1) / sat.sum(axis=1)  # share in the two outer bins
        assert np.all(outer > 0.2) and np.all(outer[1:] > 0.3), key  # "piles up at +-1"
