"""The finite-difference helper the chapters use: exact on quadratics, restores its input."""

import numpy as np
import pytest

from vanishing.gradcheck import central_difference, relative_error


def test_central_difference_of_a_quadratic_is_exact_and_restores_the_parameter():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    W = rng.standard_normal((3, 3))
    before = W.copy()
    grad = central_difference(lambda: 0.5 * float(np.sum((A * W) ** 2)), W)
    np.testing.assert_allclose(grad, A**2 * W, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(W, before)


def test_relative_error():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 0.0])) == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(TypeError, match="^param"):
        central_difference(lambda: 0.0, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="^eps"):
        central_difference(lambda: 0.0, np.zeros(3), eps=0.0)
