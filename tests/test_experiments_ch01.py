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
    with pytest.raises(ValueError, match=name):
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


def test_early_layers_learn_slowest_in_a_network_that_learns():
    result = ex.learning_speed("sigmoid")  # the chapter's settings
    speed = result.hidden_speed
    assert speed.shape == (5,)
    assert np.all(np.diff(speed) > 0), speed  # layer 1 slowest, last hidden fastest
    assert speed[-1] > 2 * speed[0]
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
