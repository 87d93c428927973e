"""Chapter 4 SymPy activations (vanishing.symbolic.activations), checked against the numeric
activations of vanishing.activations and dense grids."""

import math

import numpy as np
import pytest
import sympy as sp

from vanishing.activations import ACTIVATION_NAMES, get_activation
from vanishing.symbolic import (
    ActivationDerivative,
    DerivativeMax,
    derivative,
    derivative_max,
    latex_table,
    sigmoid_prime_max,
    sympy_activation,
)

PIECEWISE = ("relu", "leaky_relu", "elu")
SMOOTH = ("identity", "sigmoid", "tanh", "gelu")
GRID = np.linspace(-8.0, 8.0, 321)  # step 0.05, includes the kink at 0
DENSE = np.linspace(-10.0, 10.0, 400_001)  # step 5e-5


def _scalar_function(expr, z):
    """expr as a Python function of one float (math module: exact erf, Piecewise as if/else)."""
    f = sp.lambdify(z, expr, modules=["math"])
    return lambda values: np.array([float(f(float(v))) for v in values])


# --------------------------------------------------------------------------- phi and phi'


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_phi_matches_the_numeric_activation(name):
    z = sp.Symbol("z", real=True)
    phi = _scalar_function(sympy_activation(name, z), z)
    np.testing.assert_allclose(phi(GRID), get_activation(name).phi(GRID), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_sympy_derivative_matches_the_numeric_phi_prime_away_from_the_kink(name):
    d = derivative(name)
    assert isinstance(d, ActivationDerivative) and d.name == name
    grid = GRID[np.abs(GRID) > 1e-9]
    phi_prime = _scalar_function(d.phi_prime, d.z)
    expected = get_activation(name).phi_prime(grid)
    np.testing.assert_allclose(phi_prime(grid), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_convention_at_zero_matches_activations(name):
    """relu'(0) = 0, leaky_relu'(0) = 1/100, elu'(0) = 1, as in vanishing.activations."""
    d = derivative(name)
    at_zero = d.phi_prime.subs(d.z, 0)
    assert at_zero.is_Rational or at_zero.is_Integer
    assert float(at_zero) == float(get_activation(name).phi_prime(0.0))


def test_conventions_at_zero_exactly():
    values = {n: derivative(n).phi_prime.subs(derivative(n).z, 0) for n in PIECEWISE}
    assert values == {"relu": 0, "leaky_relu": sp.Rational(1, 100), "elu": 1}


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_phi_prime_is_sympy_diff_of_phi(name):
    d = derivative(name)
    assert d.phi == sympy_activation(name, d.z)
    assert d.phi_prime == sp.diff(d.phi, d.z)


def test_smooth_derivatives_in_closed_form():
    z = derivative("sigmoid").z
    sigma = 1 / (1 + sp.exp(-z))
    assert (derivative("sigmoid").phi_prime - sigma * (1 - sigma)).equals(0)
    assert derivative("tanh").phi_prime == 1 - sp.tanh(z) ** 2
    gelu_prime = (1 + sp.erf(z / sp.sqrt(2))) / 2 + z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    assert sp.expand(derivative("gelu").phi_prime - gelu_prime) == 0


def test_sympy_activation_forms_and_arguments():
    x = sp.Symbol("x")
    assert sympy_activation("identity", x) == x
    assert sympy_activation("linear", x) == x  # alias, as in get_activation
    assert sympy_activation("sigmoid", x) == 1 / (1 + sp.exp(-x))
    assert sympy_activation("gelu", x) == x / 2 * (1 + sp.erf(x / sp.sqrt(2)))
    assert sympy_activation("relu", 3) == 3 and sympy_activation("relu", -3) == 0
    assert sympy_activation("leaky_relu", -200) == -2
    assert sympy_activation("elu", -1) == sp.exp(-1) - 1
    assert sympy_activation("sigmoid", 0) == sp.S.Half
    assert sympy_activation("tanh").free_symbols == {sp.Symbol("z", real=True)}


def test_derivative_is_frozen_and_displays():
    d = derivative("tanh")
    with pytest.raises(AttributeError):
        d.phi = sp.S.One
    assert d.latex_display() == (
        r"\phi(z) = \tanh{\left(z \right)}, \qquad \phi'(z) = 1 - \tanh^{2}{\left(z \right)}"
    )


# --------------------------------------------------------------------------- sup |phi'|


def test_exact_maxima():
    gelu_gamma = (1 + sp.erf(1)) / 2 + sp.exp(-1) / sp.sqrt(sp.pi)
    expected = {
        "identity": (sp.S.Reals, 1),
        "sigmoid": (0, sp.Rational(1, 4)),
        "tanh": (0, 1),
        "relu": (sp.Interval.open(0, sp.oo), 1),
        "leaky_relu": (sp.Interval.open(0, sp.oo), 1),
        "elu": (sp.Interval(0, sp.oo), 1),  # elu'(0) = e^0 = 1 as well
        "gelu": (sp.sqrt(2), gelu_gamma),
    }
    for name, (argmax, value) in expected.items():
        top = derivative_max(name)
        assert isinstance(top, DerivativeMax)
        assert top.argmax == argmax, name
        assert sp.expand(top.max - value) == 0, name


def test_sigmoid_maximum_agrees_with_chapter_1():
    assert tuple(derivative_max("sigmoid")) == tuple(sigmoid_prime_max())


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_maximum_is_the_numeric_gamma(name):
    assert float(derivative_max(name).max) == pytest.approx(get_activation(name).gamma, rel=1e-14)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_maximum_matches_a_dense_grid(name):
    top = derivative_max(name)
    slopes = np.abs(get_activation(name).phi_prime(DENSE))
    assert slopes.max() <= float(top.max) * (1 + 1e-12)
    assert slopes.max() == pytest.approx(float(top.max), rel=1e-8)
    if name in ("sigmoid", "tanh", "gelu"):  # unique maximiser
        assert DENSE[np.argmax(slopes)] == pytest.approx(float(top.argmax), abs=1e-4)


@pytest.mark.parametrize("name", ("identity", *PIECEWISE))
def test_set_of_maximisers_matches_the_grid(name):
    top = derivative_max(name)
    slopes = np.abs(get_activation(name).phi_prime(GRID))
    on_grid = slopes == float(top.max)
    in_set = np.array([bool(top.argmax.contains(sp.Float(g))) for g in GRID])
    np.testing.assert_array_equal(on_grid, in_set)


def test_gelu_maximum_is_where_the_second_derivative_vanishes():
    d = derivative("gelu")
    second = sp.diff(d.phi_prime, d.z)
    assert second.subs(d.z, sp.sqrt(2)) == 0
    assert sp.diff(second, d.z).subs(d.z, sp.sqrt(2)) < 0
    assert float(derivative_max("gelu").max) == pytest.approx(1.1289, abs=1e-4)


# --------------------------------------------------------------------------- table


def test_latex_table_has_one_row_per_activation():
    table = latex_table()
    assert table.startswith(r"\begin{array}{llll}") and table.endswith(r"\end{array}")
    rows = table.split("\n")[1:-1]
    assert len(rows) == 1 + len(ACTIVATION_NAMES)  # header + one per activation
    for name, row in zip(ACTIVATION_NAMES, rows[1:], strict=True):
        label = r"\mathtt{" + name.replace("_", r"\_") + "}"
        assert row.startswith(label + " & ")
        d = derivative(name)
        assert sp.latex(d.phi) in row and sp.latex(d.phi_prime) in row
        assert row.endswith(sp.latex(derivative_max(name).max) + r" \\[4pt]")


def test_latex_table_subset_and_alias():
    table = latex_table(["gelu", "linear"])
    rows = table.split("\n")[2:-1]
    assert [r.split(" & ")[0] for r in rows] == [r"\mathtt{gelu}", r"\mathtt{identity}"]
    assert r"\frac{1}{4}" in latex_table(("sigmoid",))
    assert r"\frac{1}{e \sqrt{\pi}}" in table


def test_latex_table_braces_balance():
    table = latex_table()
    assert table.count("{") == table.count("}")
    assert table.count(r"\begin{cases}") == table.count(r"\end{cases}") == 2 * len(PIECEWISE)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("function", [sympy_activation, derivative, derivative_max])
def test_unknown_name(function):
    with pytest.raises(ValueError, match="^name"):
        function("swish")


@pytest.mark.parametrize("function", [sympy_activation, derivative, derivative_max])
def test_name_not_a_string(function):
    with pytest.raises(TypeError, match="^name"):
        function(3)


@pytest.mark.parametrize("z", ["z + 1", object(), [1, 2]])
def test_bad_z(z):
    with pytest.raises(TypeError, match="^z"):
        sympy_activation("relu", z)


def test_bad_names_for_the_table():
    with pytest.raises(ValueError, match="^names"):
        latex_table(["relu", "swish"])
    with pytest.raises(ValueError, match="^names"):
        latex_table([])
    with pytest.raises(TypeError, match="^names"):
        latex_table("relu")
    with pytest.raises(TypeError, match="^names"):
        latex_table([math.pi])


def test_gelu_derivative_minimum_and_zero():
    from vanishing.activations import get_activation
    from vanishing.symbolic.activations import derivative_min, derivative_zero

    m = derivative_min("gelu")
    assert m.argmin == -sp.sqrt(2)
    assert float(m.min) == pytest.approx(-0.128904145, abs=1e-8)
    z = np.linspace(-6.0, 6.0, 120_001)
    gelu_prime = get_activation("gelu").phi_prime(z)
    assert gelu_prime.min() == pytest.approx(float(m.min), abs=1e-8)
    assert z[np.argmin(gelu_prime)] == pytest.approx(-np.sqrt(2), abs=1e-3)
    root = derivative_zero("gelu", -1.0)
    assert root == pytest.approx(-0.7518, abs=1e-4)
    assert get_activation("gelu").phi_prime(np.array([root - 1e-3, root + 1e-3])) @ [1, -1] < 0
    with pytest.raises(ArithmeticError):
        derivative_min("sigmoid")  # inf sigma' = 0 is only approached at +-infinity
    with pytest.raises(ArithmeticError):
        derivative_min("relu")
    with pytest.raises(TypeError, match="^guess"):
        derivative_zero("gelu", "x")
