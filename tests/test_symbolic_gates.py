"""Chapter 6 gate derivations (vanishing.symbolic.gates), each checked by independent routes:
sympy.diff of a one-step map rebuilt here with 1/(1 + e^{-z}), the chain rule in gate symbols,
and central finite differences of a NumPy cell."""

import time

import numpy as np
import pytest
import sympy as sp

from vanishing.symbolic import (
    GRU_CONVENTIONS,
    Partial,
    ScalarGRU,
    ScalarLSTM,
    TotalDerivative,
    constant_error_carousel,
    scalar_gru,
    scalar_lstm,
)

LSTM_VARIANTS = [
    {"forget_gate": True, "recurrent": True},
    {"forget_gate": False, "recurrent": True},
    {"forget_gate": True, "recurrent": False},
    {"forget_gate": False, "recurrent": False},
]
POINTS = 5  # random points per check


# --------------------------------------------------------------------------- helpers


def _sig(z):
    return 1 / (1 + sp.exp(-z))


def _np_sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _inputs(cell):
    """Every symbol a composed expression of ``cell`` may contain, in a fixed order."""
    states = [cell.x, cell.h_prev] + ([cell.c_prev, cell.o_prev] if hasattr(cell, "c_prev") else [])
    return [*cell.params.values(), *states]


def _point(cell, rng):
    """Random values: o_{t-1} in (0.05, 0.95), everything else in (-1.5, 1.5)."""
    return {
        s: (rng.uniform(0.05, 0.95) if s.name == "o_{t-1}" else rng.uniform(-1.5, 1.5))
        for s in _inputs(cell)
    }


def _compile(cell, expr):
    """expr (a scalar or a matrix in the cell's input symbols) as a function of a point."""
    extra = sp.sympify(expr).free_symbols - set(_inputs(cell))
    assert not extra, f"unbound symbols {extra}"
    f = sp.lambdify(_inputs(cell), expr, modules="numpy")
    return lambda point: np.asarray(f(*[point[s] for s in _inputs(cell)]), dtype=float)


def _lstm_map(cell: ScalarLSTM):
    """(c_t, h_t) rebuilt from the parameter symbols, sigma written as 1/(1 + e^{-z})."""
    p, x, h_prev = cell.params, cell.x, cell.h_prev

    def pre(g):
        w = p[f"w_{g}"] * h_prev if cell.recurrent else 0
        return w + p[f"u_{g}"] * x + p[f"b_{g}"]

    f = _sig(pre("f")) if cell.forget_gate else 1
    c = f * cell.c_prev + _sig(pre("i")) * sp.tanh(pre("c"))
    return c, _sig(pre("o")) * sp.tanh(c)


def _lstm_numpy(cell: ScalarLSTM, point, c_prev, h_prev):
    """The same cell in NumPy floats at parameter values from ``point``."""
    v = {name: point[s] for name, s in cell.params.items()}
    x = point[cell.x]

    def pre(g):
        return v.get(f"w_{g}", 0.0) * h_prev + v[f"u_{g}"] * x + v[f"b_{g}"]

    f = _np_sig(pre("f")) if cell.forget_gate else 1.0
    c = f * c_prev + _np_sig(pre("i")) * np.tanh(pre("c"))
    return c, _np_sig(pre("o")) * np.tanh(c)


def _gru_map(cell: ScalarGRU):
    p, x, h = cell.params, cell.x, cell.h_prev
    u = _sig(p["w_u"] * h + p["u_u"] * x + p["b_u"])
    r = _sig(p["w_r"] * h + p["u_r"] * x + p["b_r"])
    ht = sp.tanh(p["w_htilde"] * r * h + p["u_htilde"] * x + p["b_htilde"])
    return (1 - u) * h + u * ht if cell.convention == "u_candidate" else u * h + (1 - u) * ht


def _gru_numpy(cell: ScalarGRU, point, h):
    v = {name: point[s] for name, s in cell.params.items()}
    x = point[cell.x]
    u = _np_sig(v["w_u"] * h + v["u_u"] * x + v["b_u"])
    r = _np_sig(v["w_r"] * h + v["u_r"] * x + v["b_r"])
    ht = np.tanh(v["w_htilde"] * r * h + v["u_htilde"] * x + v["b_htilde"])
    return (1 - u) * h + u * ht if cell.convention == "u_candidate" else u * h + (1 - u) * ht


def _central(f, x0, eps=1e-6):
    return (f(x0 + eps) - f(x0 - eps)) / (2 * eps)


def _lstm_fd_jacobian(cell, point):
    """d(c_t, h_t)/d(c_{t-1}, h_{t-1}) by central differences of the NumPy cell."""
    c0, h0 = point[cell.c_prev], point[cell.h_prev]
    by_c = _central(lambda c: np.array(_lstm_numpy(cell, point, c, h0)), c0)
    by_h = _central(lambda h: np.array(_lstm_numpy(cell, point, c0, h)), h0)
    return np.column_stack([by_c, by_h])  # rows: c_t, h_t; columns: c_{t-1}, h_{t-1}


def _lstm_fd_total(cell, point):
    """dc_t/dc_{t-1} along h_{t-1} = o_{t-1} tanh(c_{t-1}), by central differences."""
    o0 = point[cell.o_prev]
    return _central(lambda c: _lstm_numpy(cell, point, c, o0 * np.tanh(c))[0], point[cell.c_prev])


def _gru_fd(cell, point):
    """dh_t/dh_{t-1} by central differences of the NumPy cell."""
    return _central(lambda h: _gru_numpy(cell, point, h), point[cell.h_prev])


def _in_gates(expr, cell):
    """Replace display placeholders, then gate symbols, by composed expressions."""
    return expr.xreplace(cell.gate_partials).xreplace(cell.gate_values)


# --------------------------------------------------------------------------- LSTM


@pytest.mark.parametrize("kwargs", LSTM_VARIANTS)
def test_lstm_jacobian_equals_diff_of_an_independently_built_map(kwargs):
    cell = scalar_lstm(**kwargs)
    c, h = _lstm_map(cell)
    states = (cell.c_prev, cell.h_prev)
    independent = _compile(cell, sp.Matrix([[sp.diff(y, s) for s in states] for y in (c, h)]))
    jacobian = _compile(cell, cell.jacobian)
    rng = np.random.default_rng(0)
    for _ in range(POINTS):
        point = _point(cell, rng)
        np.testing.assert_allclose(jacobian(point), independent(point), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", LSTM_VARIANTS)
def test_lstm_jacobian_matches_finite_differences(kwargs):
    cell = scalar_lstm(**kwargs)
    jacobian = _compile(cell, cell.jacobian)
    rng = np.random.default_rng(1)
    for _ in range(POINTS):
        point = _point(cell, rng)
        fd = _lstm_fd_jacobian(cell, point)
        np.testing.assert_allclose(jacobian(point), fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kwargs", LSTM_VARIANTS)
def test_lstm_chain_rule_in_gate_symbols_equals_the_jacobian(kwargs):
    cell = scalar_lstm(**kwargs)
    by_hand = _compile(cell, cell.jacobian_gates.xreplace(cell.gate_values))
    shown = _compile(cell, _in_gates(cell.display_jacobian.rhs, cell))
    jacobian = _compile(cell, cell.jacobian)
    rng = np.random.default_rng(2)
    for _ in range(POINTS):
        point = _point(cell, rng)
        np.testing.assert_allclose(by_hand(point), jacobian(point), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(shown(point), jacobian(point), rtol=1e-12, atol=1e-14)


def test_lstm_direct_path_is_the_forget_gate():
    cell = scalar_lstm()
    assert cell.direct == cell.gates["f"]  # exactly, as SymPy returns it
    assert cell.jacobian[0, 0] == cell.gates["f"]
    assert cell.jacobian_gates[0, 0] == cell.symbols["f"]


@pytest.mark.parametrize("kwargs", LSTM_VARIANTS)
def test_lstm_total_derivative_through_h_prev(kwargs):
    """total = d/dc_{t-1} of c_t with h_{t-1} = o_{t-1} tanh(c_{t-1}) substituted, by diff and by
    finite differences; and the gate-symbol form and both displays say the same."""
    cell = scalar_lstm(**kwargs)
    on_path = {cell.h_prev: cell.o_prev * sp.tanh(cell.c_prev)}
    c, _ = _lstm_map(cell)
    independent = _compile(cell, sp.diff(c.xreplace(on_path), cell.c_prev))
    total = _compile(cell, cell.total.xreplace(on_path))
    forms = {
        "gates": cell.total_gates,
        "display": cell.display.rhs,
        "display_expanded": cell.display_expanded.rhs,
    }
    forms = {k: _compile(cell, _in_gates(v, cell).xreplace(on_path)) for k, v in forms.items()}
    rng = np.random.default_rng(3)
    for _ in range(POINTS):
        point = _point(cell, rng)
        value = total(point)
        np.testing.assert_allclose(value, independent(point), rtol=1e-12, atol=1e-14)
        for name, form in forms.items():
            np.testing.assert_allclose(form(point), value, rtol=1e-12, atol=1e-14, err_msg=name)
        fd = _lstm_fd_total(cell, point)
        np.testing.assert_allclose(value, fd, rtol=1e-7, atol=1e-9)


def test_lstm_total_derivative_differs_from_the_direct_path():
    cell = scalar_lstm()
    point = _point(cell, np.random.default_rng(4))
    total, direct = _compile(cell, cell.total)(point), _compile(cell, cell.direct)(point)
    assert abs(total - direct) > 1e-3


def test_constant_error_carousel_is_exactly_one():
    cec = constant_error_carousel()
    assert not cec.forget_gate and not cec.recurrent
    assert cec.direct == 1 and cec.total == 1 and cec.total_gates == 1
    assert cec.jacobian[0, 1] == 0 and cec.jacobian[1, 1] == 0
    assert cec.display.rhs == 1
    assert cec.latex_display() == r"\frac{\mathrm{d} c_{t}}{\mathrm{d} c_{t-1}} = 1"


def test_forget_gate_one_without_recurrent_gate_paths_gives_one_in_the_general_formula():
    """In the general cell's gate-symbol formula, f_t = 1 kills df/dh = w_f f (1 - f) too; with
    w_i = w_c = 0 (no path from h_{t-1} into c_t) dc_t/dc_{t-1} = 1 exactly."""
    cell = scalar_lstm()
    f_one = {cell.symbols["f"]: 1}
    no_h = {cell.params["w_i"]: 0, cell.params["w_c"]: 0}
    assert cell.total_gates.xreplace(f_one | no_h) == 1
    assert cell.display_expanded.rhs.xreplace(f_one | no_h) == 1
    assert cell.jacobian_gates[0, 0].xreplace(f_one) == 1
    # f = 1 alone leaves the input-gate and candidate paths through h_{t-1}
    assert cell.total_gates.xreplace(f_one) != 1
    # without forget gate but with recurrent gates: direct path 1, total not
    no_forget = scalar_lstm(forget_gate=False)
    assert no_forget.direct == 1 and no_forget.total != 1


def test_lstm_without_recurrent_gates_total_is_the_forget_gate():
    cell = scalar_lstm(recurrent=False)
    assert cell.total == cell.gates["f"]
    assert cell.latex_display() == r"\frac{\mathrm{d} c_{t}}{\mathrm{d} c_{t-1}} = f_{t}"


def test_lstm_latex():
    cell = scalar_lstm()
    assert cell.latex_display() == (
        r"\frac{\mathrm{d} c_{t}}{\mathrm{d} c_{t-1}} = f_{t} + "
        r"\frac{\partial h_{t-1}}{\partial c_{t-1}} \left(c_{t-1} \frac{\partial f_{t}}"
        r"{\partial h_{t-1}} + \tilde{c}_{t} \frac{\partial i_{t}}{\partial h_{t-1}} + i_{t} "
        r"\frac{\partial \tilde{c}_{t}}{\partial h_{t-1}}\right)"
    )
    expanded = cell.latex_display(expanded=True)
    assert expanded.startswith(
        r"\frac{\mathrm{d} c_{t}}{\mathrm{d} c_{t-1}} = f_{t} + o_{t-1} "
        r"\left(1 - \tanh^{2}{\left(c_{t-1} \right)}\right)"
    )
    assert r"c_{t-1} w_{f} f_{t} \left(1 - f_{t}\right)" in expanded
    jac = cell.latex_jacobian()
    assert jac.startswith(
        r"\frac{\partial \left(c_{t}, h_{t}\right)}{\partial \left(c_{t-1}, h_{t-1}\right)} = "
    )
    assert r"\begin{matrix}f_{t} & c_{t-1} \frac{\partial f_{t}}{\partial h_{t-1}}" in jac


# --------------------------------------------------------------------------- GRU


@pytest.mark.parametrize("convention", GRU_CONVENTIONS)
def test_gru_derivative_by_diff_chain_rule_display_and_finite_differences(convention):
    cell = scalar_gru(convention)
    jacobian = _compile(cell, cell.jacobian)
    independent = _compile(cell, sp.diff(_gru_map(cell), cell.h_prev))
    forms = {
        "gates": cell.jacobian_gates,
        "display": cell.display.rhs,
        "display_expanded": cell.display_expanded.rhs,
    }
    forms = {k: _compile(cell, _in_gates(v, cell)) for k, v in forms.items()}
    rng = np.random.default_rng(6)
    for _ in range(POINTS):
        point = _point(cell, rng)
        value = jacobian(point)
        np.testing.assert_allclose(value, independent(point), rtol=1e-12, atol=1e-14)
        for name, form in forms.items():
            np.testing.assert_allclose(form(point), value, rtol=1e-12, atol=1e-14, err_msg=name)
        fd = _gru_fd(cell, point)
        np.testing.assert_allclose(value, fd, rtol=1e-7, atol=1e-9)


def test_gru_conventions_are_the_same_cell_with_z_replaced_by_one_minus_z():
    """sigma(-a) = 1 - sigma(a): negating the z-gate parameters turns one convention into the
    other, so the derivatives agree there."""
    ours, other = scalar_gru("u_candidate"), scalar_gru("u_previous")
    assert ours.params == other.params
    flip = {ours.params[k]: -ours.params[k] for k in ("w_u", "u_u", "b_u")}
    flipped = _compile(ours, other.jacobian.xreplace(flip))
    jacobian = _compile(ours, ours.jacobian)
    rng = np.random.default_rng(7)
    for _ in range(POINTS):
        point = _point(ours, rng)
        np.testing.assert_allclose(flipped(point), jacobian(point), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("convention", "gate"), [("u_candidate", 0), ("u_previous", 1)])
def test_gru_identity_path(convention, gate):
    cell = scalar_gru(convention)
    assert cell.identity_gate == gate
    z = cell.symbols["u"]
    assert cell.jacobian_gates.xreplace({z: gate}) == 1
    assert cell.display_expanded.rhs.xreplace({z: gate}) == 1
    # the composed cell with a saturated update gate: dh_t/dh_{t-1} -> 1
    point = _point(cell, np.random.default_rng(8))
    point[cell.params["b_u"]] = -40.0 if gate == 0 else 40.0
    assert _compile(cell, cell.jacobian)(point) == pytest.approx(1.0, abs=1e-12)


def test_gru_latex():
    ours = scalar_gru()
    assert ours.convention == "u_candidate"
    assert ours.latex_display() == (
        r"\frac{\partial h_{t}}{\partial h_{t-1}} = \left(1 - u_{t}\right) + "
        r"\left(\tilde{h}_{t} - h_{t-1}\right) \frac{\partial u_{t}}{\partial h_{t-1}} + "
        r"u_{t} \frac{\partial \tilde{h}_{t}}{\partial h_{t-1}}"
    )
    assert r"w_{u} u_{t} \left(1 - u_{t}\right)" in ours.latex_display(expanded=True)
    assert scalar_gru("u_previous").latex_display() == (
        r"\frac{\partial h_{t}}{\partial h_{t-1}} = u_{t} + "
        r"\left(h_{t-1} - \tilde{h}_{t}\right) \frac{\partial u_{t}}{\partial h_{t-1}} + "
        r"\left(1 - u_{t}\right) \frac{\partial \tilde{h}_{t}}{\partial h_{t-1}}"
    )


# --------------------------------------------------------------------------- misc


def test_display_operators_print():
    a, b = sp.symbols("a b")
    assert sp.latex(Partial(a, b)) == r"\frac{\partial a}{\partial b}"
    assert sp.latex(TotalDerivative(a, b)) == r"\frac{\mathrm{d} a}{\mathrm{d} b}"
    assert sp.latex(Partial(a, b) ** 2) == r"\left(\frac{\partial a}{\partial b}\right)^{2}"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: scalar_lstm(forget_gate=1), TypeError, "^forget_gate"),
        (lambda: scalar_lstm(recurrent="no"), TypeError, "^recurrent"),
        (lambda: scalar_gru("cho"), ValueError, "^convention"),
        (lambda: scalar_gru(0), ValueError, "^convention"),
        (lambda: scalar_lstm().latex_display(expanded="yes"), TypeError, "^expanded"),
        (lambda: scalar_gru().latex_display(expanded=1), TypeError, "^expanded"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_derivations_are_fast():
    start = time.perf_counter()
    for kwargs in LSTM_VARIANTS:
        scalar_lstm(**kwargs).latex_display(expanded=True)
    for convention in GRU_CONVENTIONS:
        scalar_gru(convention).latex_display(expanded=True)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("kwargs", LSTM_VARIANTS)
def test_lstm_compact_jacobian_display_is_the_jacobian(kwargs):
    """The compact display, its dc_t/dh_{t-1} filled in from display_dc_dh, equals sympy.diff."""
    cell = scalar_lstm(**kwargs)
    names = {
        cell.display_dc_dh.lhs: cell.display_dc_dh.rhs,
        cell.display_dh_dc.lhs: cell.display_dh_dc.rhs,
    }
    filled = cell.display_jacobian_compact.rhs.xreplace(names)
    shown = _compile(cell, _in_gates(filled, cell))
    jacobian = _compile(cell, cell.jacobian)
    rng = np.random.default_rng(3)
    for _ in range(POINTS):
        point = _point(cell, rng)
        np.testing.assert_allclose(shown(point), jacobian(point), rtol=1e-12, atol=1e-14)


def test_lstm_compact_latex_and_gate_partials():
    cell = scalar_lstm()
    jac = cell.latex_jacobian(compact=True)
    assert r"\begin{matrix}f_{t} & \frac{\partial c_{t}}{\partial h_{t-1}}" in jac
    assert cell.latex_dc_dh().startswith(
        r"\frac{\partial c_{t}}{\partial h_{t-1}} = c_{t-1} \frac{\partial f_{t}}{\partial h_{t-1}}"
    )
    partials = cell.latex_gate_partials()
    df = r"\frac{\partial f_{t}}{\partial h_{t-1}} = w_{f} f_{t} \left(1 - f_{t}\right)"
    assert df in partials
    assert r"\frac{\partial h_{t-1}}{\partial c_{t-1}}" not in partials
    cec = constant_error_carousel()
    assert cec.latex_jacobian(compact=True).endswith(
        r"\left[\begin{matrix}1 & 0\\\frac{\partial h_{t}}{\partial c_{t}} & 0\end{matrix}\right]"
    )
    assert cell.latex_dh_dc() == (
        r"\frac{\partial h_{t}}{\partial c_{t}} = "
        r"o_{t} \left(1 - \tanh^{2}{\left(c_{t} \right)}\right)"
    )
    two = cell.latex_gate_partials(per_line=2)
    assert two.startswith(r"\begin{gathered}") and two.count(r"\\") == 1
    with pytest.raises(TypeError, match="^compact"):
        cell.latex_jacobian(compact=1)
    with pytest.raises(ValueError, match="^per_line"):
        cell.latex_gate_partials(per_line=0)


def test_lstm_named_jacobian_names_the_compound_entries_of_the_compact_one():
    """The narrow-column display: b_t and d_t stand for the compact Jacobian's bottom row."""
    cell = scalar_lstm()
    named = cell.latex_jacobian_named()
    J = cell.display_jacobian_compact.rhs
    assert named.startswith(r"\begin{aligned}" + sp.latex(cell.display_jacobian_compact.lhs))
    assert r"\begin{matrix}f_{t} & \frac{\partial c_{t}}{\partial h_{t-1}}\\b_{t} & d_{t}" in named
    assert rf"b_{{t}} &= {sp.latex(J[1, 0], order='none')}" in named
    d_terms = [sp.latex(t, order="none") for t in sp.Add.make_args(J[1, 1])]
    assert len(d_terms) == 2  # one line each
    d_lines = r"\\[2pt] &\quad + ".join(d_terms)
    assert named.endswith(rf"d_{{t}} &= {d_lines}\end{{aligned}}")
    assert "a_{t}" not in named  # the top-right entry is one partial derivative: no name needed
    cec = constant_error_carousel().latex_jacobian_named()
    assert "b_{t}" not in cec and cec.count("&=") == 1
