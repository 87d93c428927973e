"""Chapter 6 synthetic tasks (vanishing.tasks): the definitions and the baselines, checked by
Monte Carlo and against the RNN's own loss."""

import numpy as np
import pytest

from vanishing import rnn
from vanishing.tasks import (
    ADDING_BASELINE_LOSS,
    ADDING_BASELINE_MSE,
    adding_problem,
    first_token,
    first_token_baseline_loss,
)

# --------------------------------------------------------------------------- adding problem


@pytest.mark.parametrize("T", [2, 3, 10, 11])
def test_adding_problem_has_one_mark_in_each_half_and_the_target_is_their_sum(T):
    n = 500
    x, y = adding_problem(n, T, rng=0)
    assert x.shape == (n, T, 2) and y.shape == (n, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    values, marker = x[:, :, 0], x[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(marker)) <= {0.0, 1.0}
    half = T // 2
    np.testing.assert_array_equal(marker[:, :half].sum(axis=1), 1.0)
    np.testing.assert_array_equal(marker[:, half:].sum(axis=1), 1.0)
    np.testing.assert_allclose(y[:, 0], (values * marker).sum(axis=1), rtol=0, atol=1e-15)


def test_adding_problem_marks_every_position_of_each_half():
    T = 10
    _, positions = np.nonzero(adding_problem(4000, T, rng=1)[0][:, :, 1])
    counts = np.bincount(positions, minlength=T)
    assert counts.sum() == 8000
    # each position of a half gets about 4000 / 5 = 800 marks
    assert counts.min() > 650 and counts.max() < 950


def test_adding_problem_is_seeded():
    a, b = adding_problem(20, 8, rng=3), adding_problem(20, 8, rng=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = adding_problem(20, 8, rng=4)
    assert not np.array_equal(a[0], c[0])
    gen = np.random.default_rng(3)
    d = adding_problem(20, 8, rng=gen)  # a Generator is used as given (and advanced)
    np.testing.assert_array_equal(a[0], d[0])
    assert not np.array_equal(adding_problem(20, 8, rng=gen)[0], d[0])


def test_adding_baseline_constants():
    assert ADDING_BASELINE_MSE == pytest.approx(2 / 12, rel=1e-15)
    assert ADDING_BASELINE_LOSS == pytest.approx(ADDING_BASELINE_MSE / 2, rel=1e-15)


def test_adding_baseline_by_monte_carlo():
    """Predicting the mean 1.0 has MSE Var(u1 + u2) = 1/6; sd of (y - 1)^2 is < 0.2, so the
    standard error with 200 000 samples is < 5e-4 and the tolerance is 6 of those."""
    _, y = adding_problem(200_000, 10, rng=7)
    assert y.mean() == pytest.approx(1.0, abs=3e-3)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=3e-3)


def test_adding_baseline_loss_is_the_rnn_loss_of_the_constant_predictor():
    """An RNN with W_hy = 0, b_y = 1 predicts 1.0 always; its loss (1/2 ||.||^2) is ~ 1/12."""
    model = rnn.init_rnn(2, 4, 1, rng=0)
    model.W_hy[:] = 0.0
    model.b_y[:] = 1.0
    x, y = adding_problem(100_000, 6, rng=8)
    loss, _ = rnn.loss_and_grads(model, x, y, loss_at="last")
    assert loss == pytest.approx(ADDING_BASELINE_LOSS, abs=1.5e-3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0, "T": 5}, ValueError, "^n"),
        ({"n": 2.0, "T": 5}, TypeError, "^n"),
        ({"n": 3, "T": 1}, ValueError, "^T"),
        ({"n": 3, "T": 0}, ValueError, "^T"),
        ({"n": 3, "T": 5.0}, TypeError, "^T"),
        ({"n": 3, "T": True}, TypeError, "^T"),
        ({"n": 3, "T": 5, "rng": -1}, ValueError, "^rng"),
        ({"n": 3, "T": 5, "rng": "seed"}, TypeError, "^rng"),
    ],
)
def test_adding_problem_rejects_bad_input(kwargs, error, match):
    kwargs = {"rng": 0} | kwargs
    with pytest.raises(error, match=match):
        adding_problem(**kwargs)


def test_rng_is_keyword_only_and_required():
    with pytest.raises(TypeError):
        adding_problem(3, 5, 0)  # rng passed positionally
    with pytest.raises(TypeError):
        adding_problem(3, 5)


# --------------------------------------------------------------------------- first token


@pytest.mark.parametrize(("T", "K"), [(2, 2), (7, 4), (5, 10)])
def test_first_token_is_one_hot_and_the_target_is_the_first_token(T, K):
    n = 300
    x, y = first_token(n, T, K, rng=0)
    assert x.shape == (n, T, K) and y.shape == (n, K)
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)
    assert set(np.unique(x)) == {0.0, 1.0}
    np.testing.assert_array_equal(y, x[:, 0])
    assert set(np.unique(y.argmax(axis=1))) == set(range(K))  # every class occurs


def test_first_token_default_classes_and_seed():
    x, y = first_token(10, 5, rng=2)
    assert x.shape == (10, 5, 4) and y.shape == (10, 4)
    np.testing.assert_array_equal(first_token(10, 5, rng=2)[0], x)


def test_first_token_classes_are_uniform_and_later_tokens_independent_of_the_first():
    x, y = first_token(40_000, 3, 4, rng=5)
    np.testing.assert_allclose(y.mean(axis=0), 0.25, atol=0.01)
    same = (x[:, 1].argmax(axis=1) == y.argmax(axis=1)).mean()
    assert same == pytest.approx(0.25, abs=0.01)  # a distractor matches the first by chance only


@pytest.mark.parametrize("K", [2, 4, 9])
def test_first_token_baseline_loss_is_that_of_the_constant_one_over_k(K):
    _, y = first_token(1000, 4, K, rng=1)
    loss = 0.5 * np.mean(np.sum((np.full(K, 1 / K) - y) ** 2, axis=1))
    assert first_token_baseline_loss(K) == pytest.approx((1 - 1 / K) / 2, rel=1e-15)
    assert loss == pytest.approx(first_token_baseline_loss(K), rel=1e-12)  # the same every row
    assert first_token_baseline_loss() == pytest.approx(3 / 8, rel=1e-15)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 5), ValueError, "^n"),
        ((3, 1), ValueError, "^T"),
        ((3, 5, 1), ValueError, "^n_classes"),
        ((3, 5, 2.5), TypeError, "^n_classes"),
    ],
)
def test_first_token_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        first_token(*args, rng=0)


def test_first_token_baseline_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="^n_classes"):
        first_token_baseline_loss(1)
