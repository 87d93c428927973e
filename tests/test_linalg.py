"""Tests for vanishing.linalg: spectral radius, singular values, powers, products, bad input."""

import warnings

import numpy as np
import pytest

from vanishing.linalg import (
    nonnormal_example,
    power_norms,
    product_norms,
    random_matrix,
    sigma_max,
    spectral_radius,
    with_spectral_radius,
)


def rotation(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


# values ---------------------------------------------------------------------------------------


def test_spectral_radius_and_sigma_max_values():
    R = 0.5 * rotation(0.7)
    assert spectral_radius(R) == pytest.approx(0.5, rel=1e-14)
    assert sigma_max(R) == pytest.approx(0.5, rel=1e-14)
    A = np.array([[2.0, 0.0], [0.0, -3.0]])
    assert spectral_radius(A) == pytest.approx(3.0) and sigma_max(A) == pytest.approx(3.0)
    N = nonnormal_example(0.5, 10.0)
    assert spectral_radius(N) == pytest.approx(0.5) and sigma_max(N) > 10.0
    assert spectral_radius([[1, 2], [3, 4]]) == pytest.approx((5 + np.sqrt(33)) / 2)


def test_with_spectral_radius():
    W = np.random.default_rng(0).standard_normal((6, 6))
    for rho in (0.0, 0.9, 1.0, 2.5):
        V = with_spectral_radius(W, rho)
        assert spectral_radius(V) == pytest.approx(rho, abs=1e-12)
        np.testing.assert_allclose(V, W * (rho / spectral_radius(W)))  # same direction
    assert with_spectral_radius(W, 1.0) is not W


@pytest.mark.parametrize("n", [1, 3, 10])
def test_random_matrix_orthogonal(n):
    W = random_matrix(n, rho=0.8, kind="orthogonal", rng=1)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 0.8, rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)), 0.8, rtol=1e-12)
    assert sigma_max(W) == pytest.approx(spectral_radius(W), rel=1e-12)
    V = random_matrix(n, sigma=1.3, kind="orthogonal", rng=1)
    np.testing.assert_allclose(V, W * (1.3 / 0.8), rtol=1e-12)  # same Q for the same seed


def test_random_matrix_gaussian():
    W = random_matrix(20, rho=0.9, rng=0)
    assert spectral_radius(W) == pytest.approx(0.9, rel=1e-12)
    assert sigma_max(W) > 1.5 * 0.9  # non-normal: sigma_max is near 2 rho for large n
    V = random_matrix(20, sigma=0.9, rng=0)
    assert sigma_max(V) == pytest.approx(0.9, rel=1e-12) and spectral_radius(V) < 0.9
    np.testing.assert_array_equal(W, random_matrix(20, rho=0.9, rng=np.random.default_rng(0)))
    assert not np.array_equal(W, random_matrix(20, rho=0.9, rng=1))


def test_nonnormal_example_transient_growth():
    W = nonnormal_example()
    np.testing.assert_array_equal(W, [[0.9, 4.0], [0.0, 0.9]])
    assert spectral_radius(W) == pytest.approx(0.9)
    norms = power_norms(W, 300)
    assert norms.max() > 10.0 and 5 <= np.argmax(norms) <= 15  # grows before it decays
    assert norms[-1] < 1e-10  # rho < 1 wins eventually
    k = 7
    expected = np.array([[0.9**k, k * 4.0 * 0.9 ** (k - 1)], [0.0, 0.9**k]])
    assert norms[k] == pytest.approx(np.linalg.norm(expected, 2), rel=1e-12)


def test_power_norms_values_and_bounds():
    W = random_matrix(5, rho=0.95, rng=3)
    norms = power_norms(W, 40)
    assert norms.shape == (41,) and norms[0] == 1.0
    expected = [np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(41)]
    np.testing.assert_allclose(norms, expected, rtol=1e-10)
    assert np.all(norms <= sigma_max(W) ** np.arange(41) * (1 + 1e-12))  # ||W^k|| <= sigma^k
    assert np.all(norms >= spectral_radius(W) ** np.arange(41) * (1 - 1e-10))  # >= rho^k
    np.testing.assert_array_equal(power_norms(W, 0), [1.0])
    np.testing.assert_allclose(power_norms(2.0 * rotation(1.0), 5), 2.0 ** np.arange(6))


def test_power_norms_overflow_is_inf_without_warnings():
    W = 10.0 * rotation(0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = power_norms(W, 400)
        prod = product_norms(np.stack([W] * 400))
    assert norms.shape == (401,) and not np.any(np.isnan(norms))
    first_inf = np.argmax(np.isinf(norms))
    assert 300 <= first_inf <= 310 and np.all(np.isinf(norms[first_inf:]))  # once inf, stay inf
    np.testing.assert_allclose(norms[:300], 10.0 ** np.arange(300), rtol=1e-10)
    np.testing.assert_array_equal(prod, norms)


def test_product_norms_order():
    """Entry k is ||J_T ... J_{T-k+1}||, so the product is built from the last factor back."""
    A, B = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 0.0]])
    # J_1 = A, J_2 = B: k = 1 -> ||B||, k = 2 -> ||B A|| = ||[[0, 0], [0, 1]]|| = 1
    np.testing.assert_allclose(product_norms(np.stack([A, B])), [1.0, 1.0, 1.0])
    # J_1 = A, J_2 = A: ||A A|| = 0
    np.testing.assert_allclose(product_norms(np.stack([A, A])), [1.0, 1.0, 0.0])
    rng = np.random.default_rng(0)
    J = rng.standard_normal((5, 3, 3))
    expected = [1.0] + [
        np.linalg.norm(np.linalg.multi_dot([*J[::-1][:k], np.eye(3)]), 2) for k in range(1, 6)
    ]
    np.testing.assert_allclose(product_norms(J), expected, rtol=1e-12)


# bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [spectral_radius, sigma_max, lambda W: power_norms(W, 3)])
def test_bad_square_matrix(fn):
    with pytest.raises(ValueError, match=r"^W\b"):
        fn(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^W\b"):
        fn(np.ones(3))
    with pytest.raises(ValueError, match=r"^W\b"):
        fn(np.ones((0, 0)))
    with pytest.raises(ValueError, match=r"^W\b"):
        fn(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"^W\b"):
        fn(np.array([[np.inf]]))
    with pytest.raises(TypeError, match=r"^W\b"):
        fn(np.array([[1j]]))


def test_bad_with_spectral_radius():
    W = np.eye(2)
    for rho in (-0.1, np.inf, np.nan):
        with pytest.raises(ValueError, match=r"^rho\b"):
            with_spectral_radius(W, rho)
    with pytest.raises(TypeError, match=r"^rho\b"):
        with_spectral_radius(W, "1")
    with pytest.raises(ValueError, match=r"^W\b"):
        with_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 0.9)  # nilpotent
    with pytest.raises(ValueError, match=r"^W\b"):
        with_spectral_radius(np.ones((2, 3)), 0.9)


def test_bad_random_matrix():
    with pytest.raises(ValueError, match=r"^n\b"):
        random_matrix(0, rho=1.0)
    with pytest.raises(TypeError, match=r"^n\b"):
        random_matrix(2.0, rho=1.0)
    with pytest.raises(ValueError, match=r"^rho\b"):
        random_matrix(3)
    with pytest.raises(ValueError, match=r"^rho\b"):
        random_matrix(3, rho=1.0, sigma=1.0)
    with pytest.raises(ValueError, match=r"^rho\b"):
        random_matrix(3, rho=-1.0)
    with pytest.raises(ValueError, match=r"^sigma\b"):
        random_matrix(3, sigma=np.nan)
    with pytest.raises(TypeError, match=r"^sigma\b"):
        random_matrix(3, sigma="1")
    with pytest.raises(ValueError, match=r"^kind\b"):
        random_matrix(3, rho=1.0, kind="uniform")
    with pytest.raises(TypeError, match=r"^kind\b"):
        random_matrix(3, rho=1.0, kind=None)
    with pytest.raises(TypeError, match=r"^rng\b"):
        random_matrix(3, rho=1.0, rng="0")
    with pytest.raises(ValueError, match=r"^rng\b"):
        random_matrix(3, rho=1.0, rng=-1)


def test_bad_nonnormal_example():
    with pytest.raises(ValueError, match=r"^lam\b"):
        nonnormal_example(np.inf)
    with pytest.raises(TypeError, match=r"^lam\b"):
        nonnormal_example("0.9")
    with pytest.raises(ValueError, match=r"^c\b"):
        nonnormal_example(0.9, np.nan)
    with pytest.raises(TypeError, match=r"^c\b"):
        nonnormal_example(0.9, None)


def test_bad_power_and_product_norms():
    with pytest.raises(ValueError, match=r"^k_max\b"):
        power_norms(np.eye(2), -1)
    with pytest.raises(TypeError, match=r"^k_max\b"):
        power_norms(np.eye(2), 2.0)
    with pytest.raises(TypeError, match=r"^k_max\b"):
        power_norms(np.eye(2), True)
    with pytest.raises(ValueError, match=r"^J\b"):
        product_norms(np.ones((0, 2, 2)))  # T = 0
    with pytest.raises(ValueError, match=r"^J\b"):
        product_norms(np.ones((3, 2, 3)))  # not square
    with pytest.raises(ValueError, match=r"^J\b"):
        product_norms(np.eye(2))  # 2-D
    with pytest.raises(ValueError, match=r"^J\b"):
        product_norms(np.full((2, 2, 2), np.inf))
    with pytest.raises(TypeError, match=r"^J\b"):
        product_norms(np.array([[["a"]]]))
