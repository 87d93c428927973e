"""Ch. 9 dashboard: each signal on hand-made arrays, on package models, and its bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vanishing import diagnostics as dg
from vanishing import mlp
from vanishing.optim import SGD


def test_norms_and_global_norm_on_a_dict_and_on_a_gradient():
    values = {"a": np.array([3.0, 4.0]), "b": np.array([[12.0]])}
    assert dg.norms(values) == {"a": 5.0, "b": 12.0}
    assert dg.global_norm(values) == 13.0
    model = mlp.init_mlp((3, 4, 1), activation="tanh", rng=0)
    x, y = np.ones((2, 3)), np.zeros((2, 1))
    _, grads = mlp.loss_and_grads(model, x, y)
    n = dg.norms(grads)
    assert set(n) == set(model.params())
    assert n["W1"] == pytest.approx(np.linalg.norm(grads.W[0]))
    assert dg.norms(model)["W2"] == pytest.approx(np.linalg.norm(model.weights[1]))


def test_update_ratios_is_log10_of_relative_change_nan_for_zero_and_minus_inf_if_still():
    before = {"W": np.full((2, 2), 1.0), "b": np.zeros(2), "c": np.ones(3)}
    after = {"W": np.full((2, 2), 1.01), "b": np.ones(2), "c": np.ones(3)}
    r = dg.update_ratios(before, after)
    assert r["W"] == pytest.approx(-2.0)
    assert math.isnan(r["b"])
    assert r["c"] == -math.inf


def test_update_ratio_of_an_sgd_step_is_lr_times_grad_over_weight():
    model = mlp.init_mlp((3, 5, 1), activation="tanh", rng=1)
    x, y = np.random.default_rng(0).standard_normal((4, 3)), np.ones((4, 1))
    _, grads = mlp.loss_and_grads(model, x, y)
    new = SGD(0.1).step(model, grads)
    r = dg.update_ratios(model, new)
    expected = np.log10(0.1 * np.linalg.norm(grads.W[0]) / np.linalg.norm(model.weights[0]))
    assert r["W1"] == pytest.approx(expected)


def test_saturated_and_dead_fractions():
    z = np.array([[0.0, 3.0, -5.0], [0.1, 2.0, -1.0]])
    # tanh'(z) < 0.1 iff |z| > atanh(sqrt(0.9)) = 1.818: entries 3, -5, 2 of six
    assert dg.saturated_fraction(z, "tanh") == pytest.approx(3 / 6)
    # relu: the third unit is <= 0 on both rows, the first is 0 then 0.1 (not dead)
    assert dg.dead_fraction(z, "relu") == pytest.approx(1 / 3)
    assert dg.dead_fraction(z, "tanh") == 0.0
    assert dg.dead_fraction(np.zeros((2, 3, 4)), "relu") == 1.0


def test_spikes_marks_steps_above_factor_times_running_median_and_non_finite():
    g = np.array([1.0, 1.1, 0.9, 20.0, 1.0, 1.0, math.inf, 1.0])
    assert dg.spikes(g, factor=10).tolist() == [3, 6]
    assert dg.spikes(g, factor=30).tolist() == [6]


def test_clip_threshold_is_the_percentile_of_the_first_steps():
    g = np.arange(1.0, 101.0)
    assert dg.clip_threshold(g, q=50) == pytest.approx(50.5)
    assert dg.clip_threshold(g, q=90, steps=10) == pytest.approx(
        np.percentile(np.arange(1, 11), 90)
    )
    assert dg.clip_threshold([1.0, math.inf, 3.0], q=100) == 3.0


def test_watch_records_what_train_would_and_probes():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    model = mlp.init_mlp((3, 6, 6, 1), activation="tanh", scheme="xavier", rng=2)
    final, d = dg.watch(
        model,
        mlp.loss_and_grads,
        lambda s: (x, y),
        SGD(0.05),
        steps=7,
        probe=dg.mlp_probe(x, y),
        probe_every=3,
    )
    assert d.steps == 7 and d.param_norm.shape == (7, 6) and d.update.shape == (7, 6)
    assert d.probe_steps.tolist() == [0, 3, 6, 7]
    assert d.probes["dead"].shape == (4, 2) and d.probes["act_hist"].shape == (4, 2, 40)
    assert d.probes["act_hist"][0].sum(axis=1).tolist() == [16 * 6, 16 * 6]
    m = model
    for s in range(7):  # the same SGD steps by hand
        loss, grads = mlp.loss_and_grads(m, x, y)
        assert d.loss[s] == pytest.approx(loss)
        assert d.grad_norm[s] == pytest.approx(dg.global_norm(grads))
        m = SGD(0.05).step(m, grads)
    np.testing.assert_allclose(final.weights[0], m.weights[0])
    assert d.column("W2") == 2


def test_recurrent_probe_gives_the_gradient_by_lag():
    from vanishing import rnn
    from vanishing.tasks import adding_problem

    x, y = adding_problem(8, 12, rng=0)
    model = rnn.init_rnn(2, 5, 1, rng=0)
    by_lag = dg.recurrent_probe(x, y)(model)["by_lag"]
    assert by_lag.shape == (13,) and by_lag[0] > 0 and np.all(np.isfinite(by_lag))


@pytest.mark.parametrize(
    ("call", "error", "word"),
    [
        (lambda: dg.norms(3), TypeError, "values"),
        (lambda: dg.norms({}), ValueError, "values"),
        (lambda: dg.norms({"a": np.array(["x"])}), TypeError, "values"),
        (lambda: dg.update_ratios({"a": np.ones(2)}, {"b": np.ones(2)}), ValueError, "after"),
        (lambda: dg.update_ratios({"a": np.ones(2)}, {"a": np.ones(3)}), ValueError, "after"),
        (lambda: dg.saturated_fraction(np.ones(3), "tanh"), ValueError, "z"),
        (lambda: dg.saturated_fraction(np.ones((2, 2)), "nope"), ValueError, "activation"),
        (lambda: dg.saturated_fraction(np.ones((2, 2)), "tanh", tol=0), ValueError, "tol"),
        (lambda: dg.dead_fraction(np.ones((2, 2)), 3), TypeError, "activation"),
        (lambda: dg.spikes([]), ValueError, "grad_norm"),
        (lambda: dg.spikes([1.0, math.nan]), ValueError, "grad_norm"),
        (lambda: dg.spikes([1.0, 2.0], window=0), ValueError, "window"),
        (lambda: dg.clip_threshold([1.0], q=101), ValueError, "q"),
        (lambda: dg.clip_threshold([math.inf]), ValueError, "grad_norm"),
        (lambda: dg.watch(None, 3, None, None, steps=1), TypeError, "loss_and_grads"),
    ],
)
def test_bad_input_names_the_argument(call, error, word):
    with pytest.raises(error, match=word):
        call()
