"""Chapter 2 derivations (vanishing.symbolic.rnn), each checked by an independent route."""

from functools import cache, partial

import numpy as np
import pytest
import sympy as sp

from vanishing.gradcheck import central_difference
from vanishing.symbolic import (
    bptt_formula,
    bptt_formula_latex,
    bptt_from_unrolled,
    phi_prime,
    unrolled_matrix,
    unrolled_scalar,
)

ACTIVATIONS = {"tanh": np.tanh, "identity": lambda z: z, "linear": lambda z: z}


# --------------------------------------------------------------------------- helpers


def _numpy_scalar_loss(w, u, y, h0, xs, activation):
    """1/2 (h_T - y)^2 of the scalar RNN, run forward in floating point."""
    h = h0
    for x in xs:
        h = ACTIVATIONS[activation](w * h + u * x)
    return 0.5 * (h - y) ** 2


def _scalar_args(rnn):
    return [rnn.w, rnn.u, rnn.y, rnn.h0, *rnn.xs]


@cache
def _matrix_rnn(T, input_size=1, bias=False):
    return unrolled_matrix(T, input_size=input_size, bias=bias)


def _matrix_args(rnn):
    """The scalar symbols of ``rnn`` in the order W_hh, W_xh, b_h, x_1..x_T, h_0, y."""
    blocks = [rnn.W_hh, rnn.W_xh, *([rnn.b_h] if rnn.b_h is not None else []), *rnn.xs]
    return [s for block in [*blocks, rnn.h0, rnn.y] for s in block]


def _random_arrays(rng, rnn):
    """Random numeric arrays shaped like W_hh, W_xh, b_h, x_1..x_T, h_0, y."""
    n, m = rnn.W_xh.shape
    arrays = [rng.normal(size=(n, n)), rng.normal(size=(n, m))]
    arrays += [rng.normal(size=(n, 1))] if rnn.b_h is not None else []
    arrays += [rng.normal(size=(m, 1)) for _ in range(rnn.T)]
    return arrays + [rng.normal(size=(n, 1)), rng.normal(size=(n, 1))]


def _numpy_forward(W, U, b, xs, h0):
    """z_1..z_T and h_0..h_T of the tanh RNN in floating point."""
    zs, hs = [], [h0]
    for x in xs:
        zs.append(W @ hs[-1] + U @ x + b)
        hs.append(np.tanh(zs[-1]))
    return zs, hs


def _unpack(rnn, arrays):
    W, U = arrays[:2]
    rest = arrays[2:]
    b = rest.pop(0) if rnn.b_h is not None else np.zeros((W.shape[0], 1))
    return W, U, b, rest[: rnn.T], rest[rnn.T], rest[rnn.T + 1]


def _numpy_matrix_loss(rnn, arrays):
    W, U, b, xs, h0, y = _unpack(rnn, arrays)
    _, hs = _numpy_forward(W, U, b, xs, h0)
    return 0.5 * float(np.sum((hs[-1] - y) ** 2))


# --------------------------------------------------------------------------- (a) scalar RNN


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("activation", ["tanh", "identity", "linear"])
def test_scalar_diff_equals_bptt_numerically(T, activation):
    rnn = unrolled_scalar(T, activation)
    args = _scalar_args(rnn)
    by_diff = sp.lambdify(args, rnn.grad_diff)
    by_bptt = sp.lambdify(args, rnn.grad_bptt)
    loss = sp.lambdify(args, rnn.loss)
    rng = np.random.default_rng(300 + T)
    for p in rng.normal(scale=0.8, size=(3, len(args))):
        expected = by_bptt(*p)
        assert by_diff(*p) == pytest.approx(expected, rel=1e-10, abs=1e-14)
        w, u, y, h0, *xs = p
        assert loss(*p) == pytest.approx(_numpy_scalar_loss(w, u, y, h0, xs, activation))

        # Independent of SymPy: central difference of the forward pass in w.
        def f(point):
            return _numpy_scalar_loss(point[0], *point[1:4], point[4:], activation)

        point = p.copy()
        fd = central_difference(partial(f, point), point)[0]
        assert fd == pytest.approx(expected, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_identity_diff_equals_bptt_symbolically(T):
    rnn = unrolled_scalar(T, "identity")
    assert sp.expand(rnn.grad_diff - rnn.grad_bptt) == 0
    assert sp.expand(rnn.grad_bptt - sum(rnn.terms)) == 0


@pytest.mark.parametrize("T", [1, 2, 3])
def test_tanh_diff_equals_bptt_symbolically(T):
    rnn = unrolled_scalar(T, "tanh")
    assert sp.expand(rnn.grad_diff - rnn.grad_bptt) == 0


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
def test_identity_term_k_carries_w_to_the_T_minus_k(T):
    rnn = unrolled_scalar(T, "identity")
    w = rnn.w
    # Independent route: the linear recursion h_t = w h_{t-1} + u x_t, written out here.
    h = [rnn.h0]
    for x in rnn.xs:
        h.append(w * h[-1] + rnn.u * x)
    assert len(rnn.terms) == T
    for k in range(1, T + 1):
        term = rnn.terms[k - 1]
        assert sp.expand(term - (h[T] - rnn.y) * w ** (T - k) * h[k - 1]) == 0
        w_powers = [f.as_base_exp()[1] for f in sp.Mul.make_args(term) if f.as_base_exp()[0] == w]
        assert sum(w_powers) == T - k


@pytest.mark.parametrize("T", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_scalar_display_becomes_bptt_terms(T, activation):
    rnn = unrolled_scalar(T, activation)
    z = sp.symbols(f"z_1:{T + 1}", real=True)
    h = sp.symbols(f"h_1:{T + 1}", real=True)
    placeholders = dict(zip(z, rnn.pre_activations, strict=True))
    placeholders |= dict(zip(h, rnn.hidden, strict=True))

    def derivative(arg):  # tanh' written as sech^2, not as the module's 1 - tanh^2
        return 1 / sp.cosh(arg) ** 2 if activation == "tanh" else sp.S.One

    for k, (display, term) in enumerate(zip(rnn.display_terms, rnn.terms, strict=True), 1):
        filled = display.xreplace(placeholders).replace(phi_prime, derivative)
        numeric = sp.lambdify(_scalar_args(rnn), filled - term)
        rng = np.random.default_rng(400 + 10 * T + k)
        assert numeric(*rng.normal(size=4 + T)) == pytest.approx(0, abs=1e-12)
        # factors in chain order: (h_T - y), [phi'(z_j), w] for j = T..k+1, phi'(z_k), h_{k-1}
        assert len(display.atoms(phi_prime)) == T - k + 1
        assert display.args.count(rnn.w) == T - k
        assert display.args[0] == h[T - 1] - rnn.y
    assert sp.Add.make_args(rnn.display) == rnn.display_terms[::-1]


def test_scalar_latex():
    rnn = unrolled_scalar(3)
    assert rnn.latex_display(1) == (
        r"\left(h_{3} - y\right) \phi'\left(z_{3}\right) w \phi'\left(z_{2}\right) w "
        r"\phi'\left(z_{1}\right) h_{0}"
    )
    assert rnn.latex_display(3) == r"\left(h_{3} - y\right) \phi'\left(z_{3}\right) h_{2}"
    assert rnn.latex_display() == " + ".join(rnn.latex_display(k) for k in (3, 2, 1))
    assert sp.latex(rnn.loss) == (
        r"\frac{\left(- y + \tanh{\left(u x_{3} + w \tanh{\left(u x_{2} + w \tanh{\left(h_{0} w"
        r" + u x_{1} \right)} \right)} \right)}\right)^{2}}{2}"
    )
    z = sp.Symbol("z")
    assert phi_prime(z).rewrite(sp.tanh) == 1 - sp.tanh(z) ** 2


# --------------------------------------------------------------------------- (b) matrix RNN

MATRIX_CASES = [(1, 1, False), (2, 1, False), (3, 1, False), (2, 2, True), (3, 2, True)]


@pytest.mark.parametrize(("T", "input_size", "bias"), MATRIX_CASES)
def test_matrix_diff_equals_bptt_and_finite_differences(T, input_size, bias):
    rnn = _matrix_rnn(T, input_size, bias)
    assert rnn.grad_diff.shape == rnn.grad_bptt.shape == rnn.W_hh.shape == (2, 2)
    assert rnn.W_xh.shape == (2, input_size)
    args = _matrix_args(rnn)
    by_diff = sp.lambdify(args, rnn.grad_diff, cse=True)
    by_bptt = sp.lambdify(args, rnn.grad_bptt, cse=True)
    rng = np.random.default_rng(500 + 10 * T + input_size)
    for _ in range(2):
        arrays = _random_arrays(rng, rnn)
        flat = np.concatenate([a.ravel() for a in arrays])
        expected = np.asarray(by_bptt(*flat), dtype=float)
        np.testing.assert_allclose(by_diff(*flat), expected, rtol=1e-10, atol=1e-14)
        fd = central_difference(partial(_numpy_matrix_loss, rnn, arrays), arrays[0])
        np.testing.assert_allclose(expected, fd, rtol=1e-5, atol=1e-9)


def test_matrix_diff_equals_bptt_symbolically_T2():
    rnn = _matrix_rnn(2)
    assert (rnn.grad_diff - rnn.grad_bptt).applyfunc(sp.expand).is_zero_matrix


@pytest.mark.parametrize("T", [1, 2, 3])
def test_matrix_pieces_match_numpy_forward(T):
    rnn = _matrix_rnn(T)
    args = _matrix_args(rnn)
    arrays = _random_arrays(np.random.default_rng(600 + T), rnn)
    flat = np.concatenate([a.ravel() for a in arrays])
    W, U, b, xs, h0, y = _unpack(rnn, arrays)
    zs, hs = _numpy_forward(W, U, b, xs, h0)
    numeric = sp.lambdify(args, [*rnn.hidden, *rnn.jacobians, rnn.loss], cse=True)(*flat)
    for t in range(T):
        np.testing.assert_allclose(numeric[t], hs[t + 1])

        # J_t = dh_t/dh_{t-1}: central differences of one step of the forward pass, by column
        eps = 1e-6
        fd = np.hstack(
            [
                np.tanh(W @ (hs[t] + e) + U @ xs[t] + b) - np.tanh(W @ (hs[t] - e) + U @ xs[t] + b)
                for e in eps * np.eye(2)[:, :, None]
            ]
        ) / (2 * eps)
        np.testing.assert_allclose(numeric[T + t], fd, rtol=1e-6)
    assert numeric[-1] == pytest.approx(_numpy_matrix_loss(rnn, arrays), rel=1e-12)


def _numeric_formula_inputs(T, seed):
    """NumPy only: W_hh, h_0..h_T, diag(phi'(z_t)), J_t, g = h_T - y and the FD gradient."""
    rng = np.random.default_rng(seed)
    W, U, b = rng.normal(size=(2, 2)), rng.normal(size=(2, 1)), np.zeros((2, 1))
    xs = [rng.normal(size=(1, 1)) for _ in range(T)]
    h0, y = rng.normal(size=(2, 1)), rng.normal(size=(2, 1))
    zs, hs = _numpy_forward(W, U, b, xs, h0)
    D = [np.diag(1 - np.tanh(z[:, 0]) ** 2) for z in zs]

    def loss(W):
        return 0.5 * float(np.sum((_numpy_forward(W, U, b, xs, h0)[1][-1] - y) ** 2))

    fd = central_difference(partial(loss, W), W)
    return W, hs, D, [d @ W for d in D], hs[-1] - y, fd


@pytest.mark.parametrize("T", [1, 2, 3])
def test_jacobian_formula_is_the_gradient(T):
    formula = _matrix_rnn(T).formula
    W, hs, D, J, g, fd = _numeric_formula_inputs(T, 700 + T)
    symbols = {s.name: s for s in formula.free_symbols if isinstance(s, sp.MatrixSymbol)}
    values = {f"g_{T}": g} | {f"h_{t}": hs[t] for t in range(T)}
    values |= {f"D_{t}": D[t - 1] for t in range(1, T + 1)}
    values |= {f"J_{t}": J[t - 1] for t in range(2, T + 1)}
    assert set(symbols) == set(values)
    names = sorted(symbols)
    got = sp.lambdify([symbols[s] for s in names], formula)(*[values[s] for s in names])
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-9)


# --------------------------------------------------------------------------- (c) BPTT formula


@pytest.mark.parametrize("T", [1, 2, 3, 5])
def test_bptt_formula_structure(T):
    formula = bptt_formula(T)
    assert len(formula.terms) == T
    assert formula.expr.args == formula.terms[::-1]
    for k, term in enumerate(formula.terms, start=1):
        factors = term.args
        assert sum(isinstance(f, sp.Transpose) and f.arg == formula.W_hh for f in factors) == T - k
        assert sum(f in formula.diags for f in factors) == T - k + 1
        assert factors[0] == formula.diags[k - 1]  # diag(phi'(z_k)) first
        assert factors[-2] == formula.g
        assert isinstance(factors[-1], sp.Transpose) and factors[-1].arg == formula.h[k - 1]
        assert term.shape == (formula.W_hh.rows, formula.W_hh.cols)


@pytest.mark.parametrize("T", [1, 2, 3])
def test_bptt_formula_is_the_gradient(T):
    W, hs, D, _, g, fd = _numeric_formula_inputs(T, 800 + T)
    formula = bptt_formula(T)
    args = [formula.W_hh, formula.g, *formula.h, *formula.diags]
    got = sp.lambdify(args, formula.expr)(W, g, *hs[:T], *D)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-9)


def test_bptt_formula_latex():
    tex = bptt_formula_latex(3)
    W, diag = r"\mathbf{W}_{hh}^{\top}", r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{"
    grad = r"\nabla_{\mathbf{h}_{3}}\mathcal{L}"
    terms = tex.split(" + ")
    assert len(terms) == 3
    for k, term in zip((3, 2, 1), terms, strict=True):
        assert term.count(W) == 3 - k
        assert term.count(diag) == 3 - k + 1
        assert term.startswith(diag + f"{k}" + "}")
        assert term.endswith(grad + rf" \mathbf{{h}}_{{{k - 1}}}^{{\top}}")
    assert tex == (
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{3}\right)\right) "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{2}^{\top} + "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{2}\right)\right) \mathbf{W}_{hh}^{\top} "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{3}\right)\right) "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{1}^{\top} + "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{1}\right)\right) \mathbf{W}_{hh}^{\top} "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{2}\right)\right) \mathbf{W}_{hh}^{\top} "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{3}\right)\right) "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{0}^{\top}"
    )


def test_matrix_latex_display():
    assert _matrix_rnn(3).latex_display() == (
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{3}\right)\right) "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{2}^{\top} + "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{2}\right)\right) \mathbf{J}_{3}^{\top} "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{1}^{\top} + "
        r"\operatorname{diag}\left(\phi'\left(\mathbf{z}_{1}\right)\right) "
        r"\left(\mathbf{J}_{3} \mathbf{J}_{2}\right)^{\top} "
        r"\nabla_{\mathbf{h}_{3}}\mathcal{L} \mathbf{h}_{0}^{\top}"
    )


# --------------------------------------------------------------------------- (d) derived


@cache
def _derived(T):
    return bptt_from_unrolled(T)


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
def test_diff_of_the_unrolled_loss_is_the_bptt_pattern(T):
    derived = _derived(T)
    assert derived.agrees
    assert derived.difference.shape == (2, 2)
    # sympy.diff did the chain rule: phi' appears, as phi_prime, T times per unit, no Subs left.
    names = {f.func.__name__ for f in derived.grad_diff.atoms(sp.core.function.AppliedUndef)}
    assert names == {"phi", "phi_prime"}
    assert not derived.grad_diff.atoms(sp.Subs, sp.Derivative)


@pytest.mark.parametrize("T", [2, 3])
def test_the_comparison_can_fail(T):
    """Without its oldest term (k = 1) the pattern no longer equals the derivative."""
    from vanishing.symbolic.rnn import _expanded_difference

    derived = _derived(T)
    assert len(derived.pattern_terms) == T
    truncated = derived.grad_pattern - derived.pattern_terms[0]
    assert _expanded_difference(derived.grad_diff, truncated) != sp.zeros(2, 2)


@pytest.mark.parametrize("T", [1, 2, 3])
def test_derived_gradient_with_tanh_matches_finite_differences(T):
    derived = _derived(T)
    phi, phi_prime = sp.Function("phi", real=True), sp.Function("phi_prime", real=True)
    concrete = derived.grad_diff.replace(phi, sp.tanh).replace(
        phi_prime, lambda z: 1 - sp.tanh(z) ** 2
    )
    loss = derived.loss.replace(phi, sp.tanh)
    W = derived.W_hh
    others = sorted(loss.free_symbols - set(W), key=str)
    rng = np.random.default_rng(900 + T)
    point = rng.normal(size=len(others))
    f_grad = sp.lambdify([list(W), others], concrete)
    f_loss = sp.lambdify([list(W), others], loss)
    W0 = rng.normal(size=W.shape)
    fd = central_difference(lambda: f_loss(W0.ravel(), point), W0)
    np.testing.assert_allclose(f_grad(W0.ravel(), point), fd, rtol=1e-6, atol=1e-10)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "func", [unrolled_scalar, unrolled_matrix, bptt_formula, bptt_formula_latex, bptt_from_unrolled]
)
@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, ValueError), (-2, ValueError), (2.5, TypeError), ("3", TypeError), (True, TypeError)],
)
def test_bad_T_raises_naming_T(func, bad, error):
    with pytest.raises(error, match="T"):
        func(bad)


@pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (1.5, TypeError)])
def test_bad_hidden_size_raises_naming_it(bad, error):
    with pytest.raises(error, match="hidden_size"):
        bptt_from_unrolled(2, hidden_size=bad)


@pytest.mark.parametrize("activation", ["relu", "Tanh", None, 3])
def test_unknown_activation_raises_naming_activation(activation):
    with pytest.raises(ValueError, match="activation"):
        unrolled_scalar(2, activation)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"input_size": 0}, "input_size"),
        ({"hidden_size": 1.5}, "hidden_size"),
        ({"bias": 1}, "bias"),
    ],
)
def test_bad_matrix_options_raise_naming_them(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        unrolled_matrix(2, **kwargs)


@pytest.mark.parametrize("k", [0, 4, 1.0])
def test_bad_term_index_raises_naming_k(k):
    with pytest.raises((TypeError, ValueError), match="k must"):
        unrolled_scalar(3).latex_display(k)


def test_numpy_integer_T_accepted():
    assert unrolled_scalar(np.int64(2)).T == 2
