"""Chapter 1's measurements: the values the prose relies on, and their bad input."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.experiments import ch01 as ex


def test_power_table_values():
    table = ex.power_table((0.99, 1.01, 0.25), (3, 100, 300))
    np.testing.assert_allclose(table.values[0], [0.970299, 0.36603234127, 0.04904089407], rtol=1e-9)
    np.testing.assert_allclose(table.values[1, 2], 1.01**300)
    assert table.values[2, 2] == pytest.approx(0.25**300, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bases": (0.5, -1.0)}, "bases"),
        ({"bases": ()}, "bases"),
        ({"bases": (np.nan,)}, "bases"),
        ({"exponents": (1.5,)}, "exponents"),
        ({"exponents": (-1,)}, "exponents"),
    ],
)
def test_power_table_bad_input(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):  # 1.5 is not an int: TypeError
        ex.power_table(**kwargs)


def test_sigmoid_gradients_vanish_towards_the_input_at_initialisation():
    result = ex.gradient_norms_at_init(("sigmoid", "tanh", "relu"), depth=12, width=32, batch=64)
    assert result.grad_W.shape == (3, 12)
    sigmoid, tanh, relu = result.first_over_last
    # Each sigmoid layer multiplies the gradient by at most 1/4 times a weight of size ~1.
    assert sigmoid < 1e-5
    assert 1e-2 < tanh < 1e2
    assert 1e-2 < relu < 1e2
    # The sigmoid profile is monotone: every layer gets less than the one above it.
    assert np.all(np.diff(np.log(result.grad_W[0])) > 0)


def test_he_initialisation_lifts_relu_gradients():
    lecun = ex.gradient_norms_at_init(("relu",), depth=12, width=32, batch=64, scheme="lecun")
    he = ex.gradient_norms_at_init(("relu",), depth=12, width=32, batch=64, scheme="he")
    # With 1/n_in each ReLU layer halves the variance both ways; 2/n_in restores it.
    assert he.grad_W[0, 0] > 10 * lecun.grad_W[0, 0]


def test_gradient_size_rises_with_the_layer_but_distance_moved_does_not():
    # The chapter's run: Nielsen's "speed" (||dL/db||) is ordered, the distance moved is not.
    result = ex.learning_speed("sigmoid")  # the chapter's settings
    speed = result.hidden_speed
    assert speed.shape == (5,)
    assert np.all(np.diff(speed) > 0), speed  # layer 1 smallest gradient, last hidden largest
    assert speed[-1] > 2 * speed[0]
    moved, path = result.moved[:-1], result.path[:-1]
    assert path[-1] > 2 * path[0]  # the last hidden layer's path is longer ...
    assert moved[-1] < moved[0] and moved.max() / moved.min() < 3, moved  # ... not its distance
    np.testing.assert_allclose(result.rel_change * result.norm0, result.moved, rtol=1e-12)
    assert np.all(result.moved <= result.path + 1e-12)  # never further than the path
    # It learns far more than the mean, with no blow-up at the start.
    assert result.test_loss[1] < 0.5 * result.test_baseline
    assert result.history.loss.max() <= result.history.loss[0] * 1.5


def test_with_lecun_init_the_same_network_learns_only_the_mean():
    result = ex.learning_speed("sigmoid", scheme="lecun")
    assert result.hidden_speed[-1] > 50 * result.hidden_speed[0]
    assert result.test_loss[1] > 0.9 * result.test_baseline


def test_learning_speed_is_reproducible():
    a = ex.learning_speed("sigmoid", depth=3, width=8, steps=10, n_train=128, seed=3)
    b = ex.learning_speed("sigmoid", depth=3, width=8, steps=10, n_train=128, seed=3)
    np.testing.assert_array_equal(a.history.grad_b, b.history.grad_b)


def test_per_example_weight_gradient_is_backward_times_forward():
    r = ex.gradient_norms_at_init(("tanh",), depth=4, width=8, batch=1, seed=2)
    # with one example, ||dl/dW^(l)|| = ||delta^(l)|| ||a^(l-1)|| and the batch-mean is the same
    np.testing.assert_allclose(r.grad_W, r.grad_W_batch, rtol=1e-12)
    assert np.all(r.grad_W <= r.grad_a * r.act * (1 + 1e-12))  # |tanh'| <= 1


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"depth": 0}, ValueError, "depth"),
        ({"width": 2.5}, TypeError, "width"),
        ({"batch": -1}, ValueError, "batch"),
        ({"seed": "a"}, TypeError, "seed"),
    ],
)
def test_gradient_norms_at_init_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        ex.gradient_norms_at_init(("tanh",), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"base": 1.5}, ValueError, "base"),
        ({"dtype": "float128x"}, ValueError, "dtype"),
        ({"n_max": 3}, ValueError, "n_max"),
    ],
)
def test_underflow_depth_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        ex.underflow_depth(**kwargs)


def test_underflow_depth_float64_is_the_subnormal_limit():
    # 0.25^n = 2^(-2n) is representable down to 2^(-1074); 2^(-1076) rounds to zero
    assert ex.underflow_depth(0.25, "float64") == 538


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"c": 0.0}, ValueError, "c"),
        ({"c": np.inf}, ValueError, "c"),
        ({"width": 0}, ValueError, "width"),
    ],
)
def test_linear_gradient_balance_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        ex.linear_gradient_balance(**kwargs)


def test_ordered_fraction_checks_smooth():
    r = ex.learning_speed("sigmoid", depth=3, width=8, steps=10, n_train=128)
    assert 0 <= r.ordered_fraction(5) <= 1
    with pytest.raises(ValueError, match="smooth"):
        r.ordered_fraction(11)
    with pytest.raises(ValueError, match="smooth"):
        r.ordered_fraction(0)


def test_learning_speed_numbers_quote_the_book_run_and_the_spread():
    runs = [ex.learning_speed("sigmoid", depth=6, width=8, steps=25, n_train=128, seed=s)
            for s in (0, 1)]  # fmt: skip
    numbers = ex.learning_speed_numbers(runs)
    assert numbers["ch01_speed_ratio"] == f"{runs[0].speed_ratio:.1f}"
    lo, hi = sorted(r.speed_ratio for r in runs)
    assert numbers["ch01_speed_spread"] == f"{lo:.1f}–{hi:.1f}"
    with pytest.raises(TypeError, match="runs"):
        ex.learning_speed_numbers([])
