"""Chapter 3 derivations (vanishing.symbolic.powers), each checked by an independent route."""

import numpy as np
import pytest
import sympy as sp

from vanishing.symbolic import (
    example_matrix,
    jordan_power,
    power_by_eigendecomposition,
    sigma_max_exact,
    spectral_radius_exact,
)

R = sp.Rational
EXAMPLE = sp.Matrix([[R(1, 2), R(1, 100)], [R(3, 10), R(1, 2)]])
EXAMPLE_FLOAT = np.array([[0.5, 0.01], [0.3, 0.5]])


def _is_zero(matrix) -> bool:
    return matrix.applyfunc(lambda e: sp.expand(sp.radsimp(e))).is_zero_matrix


# --------------------------------------------------------------------------- (a) eigendecomposition


@pytest.fixture(scope="module")
def example():
    return power_by_eigendecomposition()


def test_default_is_the_source_example(example):
    assert example.M == EXAMPLE == example_matrix()
    assert all(isinstance(e, sp.Rational) for e in example.M)


def test_example_eigenvalues(example):
    expected = {R(1, 2) + sp.sqrt(30) / 100, R(1, 2) - sp.sqrt(30) / 100}
    assert set(example.eigenvalues) == expected
    assert example.eigenvalues == tuple(example.Lam[i, i] for i in range(2))
    assert example.Lam.is_diagonal()
    np.testing.assert_allclose(
        sorted(float(e) for e in example.eigenvalues), sorted(np.linalg.eigvals(EXAMPLE_FLOAT))
    )
    # each column of V is an eigenvector for the matching diagonal entry of Lambda
    for i, lam in enumerate(example.eigenvalues):
        assert _is_zero(EXAMPLE * example.V[:, i] - lam * example.V[:, i])


def test_decomposition_pieces(example):
    assert (example.V * example.V_inv).applyfunc(sp.expand) == sp.eye(2)
    assert _is_zero(example.V * example.Lam * example.V_inv - EXAMPLE)
    assert example.k.is_integer and example.k.is_positive
    assert example.Lam_k == sp.diag(*[lam**example.k for lam in example.eigenvalues])


def test_example_cube_exact():
    cube = sp.Matrix([[R(259, 2000), R(753, 100000)], [R(2259, 10000), R(259, 2000)]])
    assert EXAMPLE**3 == cube  # the stated value, by plain multiplication
    np.testing.assert_allclose(np.linalg.matrix_power(EXAMPLE_FLOAT, 3), np.array(cube, float))


@pytest.mark.parametrize("power", [1, 2, 3, 4, 5, 6])
def test_power_formula_equals_repeated_multiplication(example, power):
    at_k = example.M_k.subs(example.k, power)
    assert _is_zero(at_k - EXAMPLE**power)
    assert at_k.applyfunc(sp.expand) == EXAMPLE**power  # exact rationals, no sqrt(30) left
    assert sp.Matrix(at_k).equals(EXAMPLE**power)


@pytest.mark.parametrize(
    "M",
    [
        sp.Matrix([[2, 1], [1, 2]]),
        sp.Matrix([[1, 2, 0], [0, 3, 0], [0, 0, -1]]),
        sp.Matrix([[0, -1], [1, 0]]),  # rotation: complex eigenvalues +-i
    ],
)
def test_power_formula_on_other_matrices(M):
    result = power_by_eigendecomposition(M)
    for power in range(1, 6):
        assert _is_zero(result.M_k.subs(result.k, power) - M**power)


def test_float_entries_become_exact():
    result = power_by_eigendecomposition([[0.5, 0.01], [0.3, 0.5]])
    assert result.M == EXAMPLE


@pytest.mark.parametrize(
    "M",
    [
        sp.Matrix([[1, 1], [0, 1]]),
        sp.Matrix([[R(1, 2), 1], [0, R(1, 2)]]),
        sp.Matrix([[0, 1], [0, 0]]),
    ],
)
def test_non_diagonalizable_raises_naming_M_and_jordan(M):
    with pytest.raises(ValueError, match=r"M = .*not diagonalizable.*Jordan"):
        power_by_eigendecomposition(M)


def test_eigen_latex(example):
    assert sp.latex(example.formula) == r"\mathbf{V} \boldsymbol{\Lambda}^{k} \mathbf{V}^{-1}"
    tex = example.latex_display()
    head = r"\mathbf{M}^{k} = \mathbf{V} \boldsymbol{\Lambda}^{k} \mathbf{V}^{-1} = "
    assert tex.startswith(head + r"\left[\begin{matrix}")
    assert r"\left(\frac{\sqrt{30}}{100} + \frac{1}{2}\right)^{k}" in tex


# --------------------------------------------------------------------------- (b) Jordan block


def test_jordan_closed_form():
    jordan = jordan_power()
    lam, k = jordan.lam, jordan.k
    assert jordan.J == sp.Matrix([[lam, 1], [0, lam]])
    assert jordan.J_k == sp.Matrix([[lam**k, k * lam ** (k - 1)], [0, lam**k]])


@pytest.mark.parametrize("power", range(1, 9))
def test_jordan_closed_form_equals_repeated_multiplication(power):
    jordan = jordan_power()
    rng = np.random.default_rng(900 + power)
    for value in [R(int(rng.integers(-9, 10)), int(rng.integers(1, 5))), R(3, 7)]:
        closed = jordan.J_k.subs({jordan.k: power, jordan.lam: value})
        product = sp.eye(2)
        for _ in range(power):
            product = product * jordan.J.subs(jordan.lam, value)
        assert closed == product
    # and symbolically in lambda, by SymPy's own matrix power
    assert (jordan.J_k.subs(jordan.k, power) - jordan.J**power).applyfunc(sp.expand).is_zero_matrix
    lam_float = float(rng.normal())
    numeric = np.linalg.matrix_power(np.array([[lam_float, 1.0], [0.0, lam_float]]), power)
    closed = np.array(jordan.J_k.subs({jordan.k: power, jordan.lam: lam_float}), dtype=float)
    np.testing.assert_allclose(closed, numeric, rtol=1e-12)


def test_jordan_induction():
    jordan = jordan_power()
    assert jordan.induction_step().is_zero_matrix
    assert jordan.holds_by_induction()
    # the step really uses J: the wrong closed form [[lam^k, lam^(k-1)], ...] fails it
    wrong = type(jordan)(
        lam=jordan.lam,
        k=jordan.k,
        J=jordan.J,
        J_k=jordan.J_k.subs(jordan.J_k[0, 1], jordan.lam ** (jordan.k - 1)),
    )
    assert not wrong.induction_step().is_zero_matrix
    assert not wrong.holds_by_induction()


def test_jordan_latex():
    assert jordan_power().latex_display() == (
        r"\left[\begin{matrix}\lambda & 1\\0 & \lambda\end{matrix}\right]^{k} = "
        r"\left[\begin{matrix}\lambda^{k} & k \lambda^{k - 1}\\0 & \lambda^{k}\end{matrix}\right]"
    )


# --------------------------------------------------------------------------- (c) rho and sigma_max


def test_spectral_radius_and_sigma_max_of_example():
    rho = spectral_radius_exact(EXAMPLE)
    sigma = sigma_max_exact(EXAMPLE)
    assert rho == R(1, 2) + sp.sqrt(30) / 100
    assert sp.expand(sigma**2 - (R(5901, 20000) + 31 * sp.sqrt(10841) / 20000)) == 0
    assert float(rho) == pytest.approx(max(abs(np.linalg.eigvals(EXAMPLE_FLOAT))), rel=1e-14)
    assert float(sigma) == pytest.approx(np.linalg.svd(EXAMPLE_FLOAT, compute_uv=False)[0])
    assert float(sigma) == pytest.approx(np.linalg.norm(EXAMPLE_FLOAT, 2), rel=1e-14)
    assert sp.N(sigma - rho, 30) > 0.12  # sigma_max > rho: this M is not normal
    assert spectral_radius_exact() == rho and sigma_max_exact() == sigma


@pytest.mark.parametrize(
    "M",
    [
        [[2, 1], [1, 2]],  # symmetric: rho = sigma_max
        [[0, -1], [1, 0]],  # rotation: both 1
        [[1, 5], [0, -2]],
        [[1, 2, 0], [3, 1, 1], [0, 1, 2]],
    ],
)
def test_rho_and_sigma_max_agree_with_numpy(M):
    A = np.array(M, dtype=float)
    rho, sigma = spectral_radius_exact(sp.Matrix(M)), sigma_max_exact(sp.Matrix(M))
    assert complex(sp.N(rho)) == pytest.approx(max(abs(np.linalg.eigvals(A))), rel=1e-12)
    assert complex(sp.N(sigma)) == pytest.approx(np.linalg.svd(A, compute_uv=False)[0], rel=1e-12)
    assert sp.N(sigma - rho) >= -1e-12  # rho(M) <= ||M||_2 always


def test_sigma_max_of_rectangular_matrix():
    assert sigma_max_exact(sp.Matrix([[1, 2, 2]])) == 3


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("func", [power_by_eigendecomposition, spectral_radius_exact])
@pytest.mark.parametrize("M", [sp.Matrix([[1, 2, 3]]), sp.Matrix([[1], [2]]), sp.zeros(0, 0)])
def test_non_square_raises_naming_M(func, M):
    with pytest.raises(ValueError, match="M must"):
        func(M)


@pytest.mark.parametrize(
    "func", [power_by_eigendecomposition, spectral_radius_exact, sigma_max_exact]
)
def test_bad_matrix_raises_naming_M(func):
    with pytest.raises(TypeError, match="M must"):
        func("not a matrix")
    with pytest.raises(ValueError, match="M must"):
        func(sp.Matrix([[sp.Symbol("a"), 0], [0, 1]]))
