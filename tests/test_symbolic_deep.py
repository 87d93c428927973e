"""Chapter 1 derivations (vanishing.symbolic.deep), each checked by an independent route."""

from functools import partial

import numpy as np
import pytest
import sympy as sp
from sympy.polys.rings import ring

from vanishing.gradcheck import central_difference
from vanishing.symbolic import (
    equal_weights_gradient,
    linear_net_gradients,
    linear_net_gradients_explicit,
    sigma_prime,
    sigma_prime_count,
    sigmoid,
    sigmoid_chain,
    sigmoid_prime_max,
)

NON_SQUARE_WIDTHS = {1: (3, 2), 2: (2, 3, 1), 3: (2, 3, 1, 2), 4: (3, 1, 2, 1, 2)}


# --------------------------------------------------------------------------- helpers


def _scalar_loss(weights, x, y):
    """1/2 ||W^(L)...W^(1) x - y||^2 for explicit SymPy matrices, computed layer by layer."""
    a = x
    for W in weights:
        a = W * a
    return sum((e**2 for e in a - y), sp.S.Zero) / 2


def _numpy_loss(weights, x, y):
    """1/2 ||W^(L)...W^(1) x - y||^2 in floating point."""
    a = x
    for W in weights:
        a = W @ a
    return 0.5 * float(np.sum((a - y) ** 2))


def _random_rational_matrix(rng, rows, cols):
    return sp.Matrix(
        rows, cols, lambda i, j: sp.Rational(int(rng.integers(-6, 7)), int(rng.integers(1, 4)))
    )


def _sizes(L, widths, n):
    return widths if widths is not None else (n,) * (L + 1)


# --------------------------------------------------------------------------- (a) linear nets


@pytest.mark.parametrize("L", [1, 2, 3, 4])
@pytest.mark.parametrize("square", [True, False])
def test_linear_gradients_equal_elementwise_diff_of_scalar_loss(L, square):
    widths = None if square else NON_SQUARE_WIDTHS[L]
    net = linear_net_gradients_explicit(L, widths)
    loss = _scalar_loss(net.weights, net.x, net.y)
    # Expanded canonical form in a sparse polynomial ring: equivalent to expand(a - b) == 0,
    # but several times faster for L = 4.
    R, *_ = ring(sorted(loss.free_symbols, key=str), sp.QQ)
    assert len(net.grads) == L
    for W, G in zip(net.weights, net.grads, strict=True):
        assert G.shape == W.shape
        for i in range(W.rows):
            for j in range(W.cols):
                formula = R.from_expr(G[i, j])
                assert formula != 0
                assert R.from_expr(sp.diff(loss, W[i, j])) == formula


@pytest.mark.parametrize("L", [1, 2, 3, 4])
@pytest.mark.parametrize("widths", [None, "non-square"])
def test_linear_gradients_match_finite_differences(L, widths):
    widths = NON_SQUARE_WIDTHS[L] if widths == "non-square" else None
    net = linear_net_gradients(L, widths)
    sizes = _sizes(L, widths, 3)
    rng = np.random.default_rng(L)
    weights = [
        rng.normal(size=(sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1]) for l in range(1, L + 1)
    ]
    x = rng.normal(size=(sizes[0], 1))
    y = rng.normal(size=(sizes[L], 1))
    args = [*net.weights, net.x, net.y]
    values = [*weights, x, y]
    symbolic_loss = sp.lambdify(args, net.loss)(*values)
    assert np.asarray(symbolic_loss).item() == pytest.approx(_numpy_loss(weights, x, y), rel=1e-12)

    def loss(*arrays):
        return _numpy_loss(arrays[:L], arrays[L], arrays[L + 1])

    for l, grad in enumerate(net.grads):
        got = np.asarray(sp.lambdify(args, grad)(*values), dtype=float)
        expected = central_difference(lambda: loss(*values), values[l])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_linear_gradients_exact_at_random_rationals(L):
    # The loss is quadratic in each single weight entry, so the central difference
    # (f(t + 1) - f(t - 1)) / 2 is its exact partial derivative.
    widths = NON_SQUARE_WIDTHS[L]
    net = linear_net_gradients(L, widths)
    rng = np.random.default_rng(10 + L)
    weights = [_random_rational_matrix(rng, widths[l], widths[l - 1]) for l in range(1, L + 1)]
    x = _random_rational_matrix(rng, widths[0], 1)
    y = _random_rational_matrix(rng, widths[L], 1)
    values = dict(zip(net.weights, weights, strict=True)) | {net.x: x, net.y: y}
    for l, grad in enumerate(net.grads):
        got = sp.Matrix(grad.xreplace(values).doit())
        for i in range(widths[l + 1]):
            for j in range(widths[l]):
                unit = sp.zeros(widths[l + 1], widths[l])
                unit[i, j] = 1
                plus = [W + unit if k == l else W for k, W in enumerate(weights)]
                minus = [W - unit if k == l else W for k, W in enumerate(weights)]
                exact = (_scalar_loss(plus, x, y) - _scalar_loss(minus, x, y)) / 2
                assert got[i, j] == exact
                assert isinstance(got[i, j], sp.Rational)


def test_linear_gradient_latex_shows_backprop_structure():
    net = linear_net_gradients(3)
    assert sp.latex(net.grads[0]) == (
        r"\left(\mathbf{W}^{(2)}\right)^{T} \left(\mathbf{W}^{(3)}\right)^{T} "
        r"\left(\mathbf{W}^{(3)} \mathbf{W}^{(2)} \mathbf{W}^{(1)} \mathbf{x} - \mathbf{y}\right) "
        r"\mathbf{x}^{T}"
    )
    assert sp.latex(net.grads_display[1]) == (
        r"\left(\mathbf{W}^{(3)}\right)^{T} \left(\hat{\mathbf{y}} - \mathbf{y}\right) "
        r"\mathbf{x}^{T} \left(\mathbf{W}^{(1)}\right)^{T}"
    )
    assert sp.latex(net.y_hat) == r"\mathbf{W}^{(3)} \mathbf{W}^{(2)} \mathbf{W}^{(1)} \mathbf{x}"


# --------------------------------------------------------------------------- (b) equal weights


@pytest.mark.parametrize("L", [1, 2, 3, 5])
def test_equal_weights_gradient_is_general_formula_with_tied_weights(L):
    eq = equal_weights_gradient(L)
    general = linear_net_gradients(L)
    rng = np.random.default_rng(100 + L)
    W = rng.normal(size=(3, 3)) + 0.5 * np.eye(3)
    x = rng.normal(size=(3, 1))
    y = rng.normal(size=(3, 1))

    got = np.asarray(sp.lambdify([eq.W, eq.x, eq.y], eq.grad)(W, x, y), dtype=float)
    tied = sp.lambdify([*general.weights, general.x, general.y], general.grads[0])
    np.testing.assert_allclose(got, tied(*([W] * L), x, y), rtol=1e-10)

    power = np.linalg.matrix_power
    error = power(W, L) @ x - y
    np.testing.assert_allclose(got, power(W.T, L - 1) @ error @ x.T, rtol=1e-10)
    # The error's multiplier is (W^T)^(L-1), not (W^T)^L.
    assert not np.allclose(got, power(W.T, L) @ error @ x.T, rtol=1e-3)

    # Independent route: finite differences in the first layer with the others frozen at W.
    def loss(*arrays):
        return _numpy_loss(arrays[:L], arrays[L], arrays[L + 1])

    first = W.copy()
    fd = central_difference(lambda: loss(first, *[W] * (L - 1), x, y), first)
    np.testing.assert_allclose(got, fd, rtol=1e-5)


@pytest.mark.parametrize("L", [2, 3, 5])
def test_equal_weights_powers(L):
    eq = equal_weights_gradient(L)
    assert (eq.backward_power, eq.forward_power) == (L - 1, L)
    assert eq.backward_factor == sp.MatPow(eq.W.T, L - 1).doit()
    assert eq.error == sp.MatPow(eq.W, L).doit() * eq.x - eq.y
    assert eq.grad.args[0] == eq.backward_factor


def test_equal_weights_latex():
    assert sp.latex(equal_weights_gradient(5).grad) == (
        r"\left(\mathbf{W}^{T}\right)^{4} "
        r"\left(\mathbf{W}^{5} \mathbf{x} - \mathbf{y}\right) \mathbf{x}^{T}"
    )
    assert sp.latex(equal_weights_gradient(1).grad) == (
        r"\left(\mathbf{W} \mathbf{x} - \mathbf{y}\right) \mathbf{x}^{T}"
    )
    general = equal_weights_gradient(3).general
    assert sp.latex(general) == (
        r"\left(\mathbf{W}^{T}\right)^{L - 1} "
        r"\left(\mathbf{W}^{L} \mathbf{x} - \mathbf{y}\right) \mathbf{x}^{T}"
    )


@pytest.mark.parametrize("L", [2, 3, 5])
def test_equal_weights_general_form_specialises_to_L(L):
    eq = equal_weights_gradient(L)
    (depth,) = eq.general.free_symbols - {eq.W, eq.x, eq.y} - eq.W.shape[0].free_symbols
    assert str(depth) == "L"
    assert eq.general.subs(depth, L).doit() == eq.grad


# --------------------------------------------------------------------------- (c) sigmoid chain


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
def test_sigmoid_chain_diff_equals_product_numerically(L):
    chain = sigmoid_chain(L)
    args = [chain.x, chain.y, *chain.weights]
    rng = np.random.default_rng(200 + L)
    points = [rng.normal(scale=1.5, size=L + 2) for _ in range(3)]
    loss = sp.lambdify([args], chain.loss)  # one argument: the point (x, y, w_1..w_L)
    for l in range(L):
        by_diff = sp.lambdify(args, chain.grads[l])
        by_product = sp.lambdify(args, chain.grads_product[l])
        # Route independent of sigmoid.fdiff: differentiate the exp form 1 / (1 + e^{-z}).
        by_exp = sp.lambdify(args, sp.diff(chain.loss.rewrite(sp.exp), chain.weights[l]))
        for p in points:
            expected = by_product(*p)
            assert by_diff(*p) == pytest.approx(expected, rel=1e-10, abs=1e-14)
            assert by_exp(*p) == pytest.approx(expected, rel=1e-10, abs=1e-14)
            point = p.copy()
            fd = central_difference(partial(loss, point), point)[2 + l]
            assert fd == pytest.approx(expected, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_sigmoid_chain_diff_equals_product_symbolically(L):
    chain = sigmoid_chain(L)
    for grad, product in zip(chain.grads, chain.grads_product, strict=True):
        assert sp.expand(grad - product) == 0


@pytest.mark.parametrize("L", [1, 2, 3])
def test_sigmoid_chain_display_becomes_product(L):
    chain = sigmoid_chain(L)
    z = sp.symbols(f"z_1:{L + 1}", real=True)
    a = sp.symbols(f"a_1:{L + 1}", real=True)
    placeholders = dict(zip(z, chain.pre_activations, strict=True))
    placeholders |= dict(zip(a, chain.activations, strict=True))
    for display, product in zip(chain.displays, chain.grads_product, strict=True):
        filled = display.xreplace(placeholders).rewrite(sigmoid)
        assert sp.expand(filled - product) == 0


@pytest.mark.parametrize("L", [1, 2, 4, 6])
def test_sigma_prime_factor_counts(L):
    chain = sigmoid_chain(L)
    one_minus_sigma = {1 - sigmoid(z) for z in chain.pre_activations}
    for l in range(1, L + 1):
        expected = L - l + 1
        assert sigma_prime_count(L, l) == expected
        assert len(chain.displays[l - 1].atoms(sigma_prime)) == expected
        from_diff = [f for f in sp.Mul.make_args(chain.grads[l - 1]) if f in one_minus_sigma]
        assert len(from_diff) == expected


def test_sigmoid_chain_latex():
    chain = sigmoid_chain(3)
    assert chain.latex_display(1) == (
        r"\left(a_{3} - y\right) \sigma'\left(z_{3}\right) w_{3} \sigma'\left(z_{2}\right) w_{2} "
        r"\sigma'\left(z_{1}\right) x"
    )
    assert chain.latex_display(3) == r"\left(a_{3} - y\right) \sigma'\left(z_{3}\right) a_{2}"
    assert sp.latex(chain.loss) == (
        r"\frac{\left(- y + \sigma\left(w_{3} \sigma\left(w_{2} \sigma\left(w_{1} x\right)"
        r"\right)\right)\right)^{2}}{2}"
    )


def test_sigmoid_function_matches_logistic():
    z = sp.Symbol("z", real=True)
    assert sigmoid(0) == sp.S.Half
    assert (
        sp.cancel(sp.diff(sigmoid(z).rewrite(sp.exp), z) - sp.diff(sigmoid(z), z).rewrite(sp.exp))
        == 0
    )
    grid = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(sp.lambdify(z, sigmoid(z))(grid), 1 / (1 + np.exp(-grid)))
    assert float(sigmoid(sp.Rational(1, 2)).evalf()) == pytest.approx(1 / (1 + np.exp(-0.5)))


# --------------------------------------------------------------------------- (d) max of sigma'


def test_sigmoid_prime_max_is_quarter_at_zero():
    argmax, maximum = sigmoid_prime_max()
    assert argmax == 0 and maximum == sp.Rational(1, 4)
    assert isinstance(maximum, sp.Rational) and isinstance(argmax, sp.Integer)
    grid = np.linspace(-10, 10, 20001)
    s = 1 / (1 + np.exp(-grid))
    values = s * (1 - s)
    assert values.max() == pytest.approx(0.25, abs=1e-12)
    assert grid[values.argmax()] == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- bad input


FUNCTIONS_OF_L = [
    linear_net_gradients,
    linear_net_gradients_explicit,
    equal_weights_gradient,
    sigmoid_chain,
]


@pytest.mark.parametrize("func", FUNCTIONS_OF_L)
@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, ValueError), (-1, ValueError), (2.5, TypeError), ("3", TypeError), (True, TypeError)],
)
def test_bad_L_raises_naming_L(func, bad, error):
    with pytest.raises(error, match="L"):
        func(bad)


def test_numpy_integer_L_accepted():
    assert linear_net_gradients(np.int64(2)).L == 2


@pytest.mark.parametrize("widths", [(2, 2), (2, 0, 2), (2, 2.5, 2), "222"])
def test_bad_widths_raise_naming_widths(widths):
    with pytest.raises((TypeError, ValueError), match="widths"):
        linear_net_gradients(2, widths)


@pytest.mark.parametrize(("L", "l"), [(3, 0), (3, 4), (3, 1.0)])
def test_bad_layer_index_raises_naming_l(L, l):
    with pytest.raises((TypeError, ValueError), match="l must"):
        sigma_prime_count(L, l)
    with pytest.raises((TypeError, ValueError), match="l must"):
        sigmoid_chain(L).latex_display(l)


# --------------------------------------------------------------------------- derived, not typed


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("widths", [None, "non-square"])
def test_sympy_derives_exactly_the_backprop_formula(L, widths):
    # grads come from sympy.diff of the loss; eq. (1.2) is typed independently in the module.
    widths = NON_SQUARE_WIDTHS.get(L) if widths == "non-square" else None
    net = linear_net_gradients(L, widths)
    for derived, typed in zip(net.grads, net.backprop_formula, strict=True):
        assert derived == typed  # the same expression tree, not merely equal values
        assert derived.shape == typed.shape


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5, 6])
def test_equal_weights_derivation_matches_the_general_pattern(L):
    # For L = 1..6 SymPy differentiates the L-layer loss and ties the weights; the display's
    # "any L" line is the pattern, and it must reproduce every derived case.
    eq = equal_weights_gradient(L)
    (depth,) = eq.general.free_symbols - {eq.W, eq.x, eq.y} - eq.W.shape[0].free_symbols
    assert eq.general.subs(depth, L).doit() == eq.grad
    backward = [sp.MatPow(eq.W.T, L - 1).doit()] if L > 1 else []
    assert eq.grad == sp.MatMul(*backward, sp.MatPow(eq.W, L).doit() * eq.x - eq.y, eq.x.T)
