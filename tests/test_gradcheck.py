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


# Cases that tell the formula from its plausible wrong variants (each named in the comment).


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # ||a - b|| / max(||a||, ||b||) = 1/2; divided by ||a|| + ||b||: 1/3; by ||a||: 1
        ([1.0], [2.0], 0.5),
        # symmetric: divided by ||b|| alone this would be 1
        ([2.0], [1.0], 0.5),
        # Euclidean norms: 5 / 4; with 1-norms 7 / 4, with max-norms 4 / 4 = 1
        ([3.0, 0.0], [0.0, 4.0], 1.25),
        # opposite vectors: ||a - b|| = 2 ||a||, so 2 (not clipped to 1)
        ([1.0, -2.0], [-1.0, 2.0], 2.0),
        # one side zero: exactly 1, whichever side
        ([0.0, 0.0], [3.0, 4.0], 1.0),
    ],
)
def test_relative_error_is_the_difference_over_the_larger_norm(a, b, expected):
    assert relative_error(np.array(a), np.array(b)) == pytest.approx(expected, rel=1e-15)


def test_relative_error_of_matrices_uses_the_frobenius_norm():
    a, b = np.eye(2), np.diag([1.0, -1.0])
    # ||a - b||_F / ||a||_F = 2 / sqrt 2; with spectral norms it would be 2 / 1
    assert relative_error(a, b) == pytest.approx(np.sqrt(2.0), rel=1e-15)
    assert isinstance(relative_error(a, b), float)


def test_relative_error_is_scale_free():
    # unscaled, ||1e-200 a|| underflows to 0 and two different tiny gradients "agree" exactly
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    assert relative_error(1e-200 * a, 1e-200 * b) == pytest.approx(relative_error(a, b))
    assert relative_error(1e200 * a, 1e200 * b) == pytest.approx(relative_error(a, b))


def test_central_difference_is_central_not_one_sided():
    p = np.array([1.0])
    # d/dp p^3 at 1 is 3; central: 3 + eps^2; forward: 3 + 3 eps + eps^2; backward: 3 - 3 eps
    grad = central_difference(lambda: float(p[0] ** 3), p, eps=1e-3)
    assert grad[0] == pytest.approx(3.0 + 1e-6, rel=1e-9)


def test_central_difference_perturbs_one_entry_at_a_time():
    p = np.array([[2.0, 3.0]])
    # d(p0 p1) = (p1, p0) = (3, 2); perturbing every entry at once would give 5 twice
    grad = central_difference(lambda: float(p[0, 0] * p[0, 1]), p, eps=1e-4)
    np.testing.assert_allclose(grad, [[3.0, 2.0]], rtol=1e-10)
    assert grad.shape == p.shape and grad.dtype == np.float64


def test_central_difference_restores_the_parameter_even_for_a_nonlinear_loss():
    p = np.array([0.3, -1.7, 2.9])
    before = p.copy()
    grad = central_difference(lambda: float(np.sum(np.sin(p))), p)
    np.testing.assert_array_equal(p, before)  # bitwise: the original written back, not p - e + e
    np.testing.assert_allclose(grad, np.cos(before), rtol=1e-8)


@pytest.mark.parametrize("eps", [-1e-6, np.inf, np.nan, 1])
def test_central_difference_rejects_every_bad_eps(eps):
    with pytest.raises(ValueError, match="^eps"):
        central_difference(lambda: 0.0, np.zeros(3), eps=eps)


@pytest.mark.parametrize("param", [[0.0, 1.0], np.zeros(2, dtype=np.float32), 1.0])
def test_central_difference_rejects_a_param_it_cannot_perturb_in_place(param):
    with pytest.raises(TypeError, match="^param"):
        central_difference(lambda: 0.0, param)
