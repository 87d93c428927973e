"""Chapter 6 ("Gates"): one-step Jacobians of scalar (one-unit) LSTM and GRU cells, in SymPy.

LSTM (scalar, no peepholes), gates read h_{t-1} and x_t:

    i_t = sigma(w_i h_{t-1} + u_i x_t + b_i),  f_t = sigma(w_f h_{t-1} + u_f x_t + b_f),
    o_t = sigma(w_o h_{t-1} + u_o x_t + b_o),  c~_t = tanh(w_c h_{t-1} + u_c x_t + b_c),
    c_t = f_t c_{t-1} + i_t c~_t,              h_t = o_t tanh(c_t).

With the state s_{t-1} = (c_{t-1}, h_{t-1}) the one-step Jacobian is 2x2. Its corner
dc_t/dc_{t-1} = f_t is the *direct* path (h_{t-1} held fixed). But h_{t-1} = o_{t-1} tanh(c_{t-1})
is itself a function of c_{t-1} (o_{t-1} does not depend on c_{t-1} without peepholes), so the
*total* derivative adds a path through h_{t-1}:

    dc_t/dc_{t-1} = f_t + o_{t-1} (1 - tanh^2 c_{t-1})
                          (c_{t-1} df_t/dh_{t-1} + c~_t di_t/dh_{t-1} + i_t dc~_t/dh_{t-1}).

``forget_gate=False`` gives the cell of Hochreiter & Schmidhuber (1997), f_t = 1; with
``recurrent=False`` as well (gates read x_t only, or, equivalently for this derivative, the path
through h_{t-1} is cut), dc_t/dc_{t-1} = 1: the constant error carousel.

GRU (scalar), the reset gate multiplying h_{t-1} (as in Cho et al. 2014; for one unit it does not
matter whether r_t acts before or after w_h, and we put no bias inside the reset product, as some
implementations do):

    u_t = sigma(w_u h_{t-1} + u_u x_t + b_u),  r_t = sigma(w_r h_{t-1} + u_r x_t + b_r),
    h~_t = tanh(w_h~ r_t h_{t-1} + u_h~ x_t + b_h~)   (in code w_htilde, u_htilde, b_htilde).

The update gate is u_t (Cho et al. 2014 call it z_t; the book keeps z for pre-activations).
Our convention ("u_candidate") is h_t = (1 - u_t) h_{t-1} + u_t h~_t, so u_t = 0 copies the state:

    dh_t/dh_{t-1} = (1 - u_t) + (h~_t - h_{t-1}) du_t/dh_{t-1} + u_t dh~_t/dh_{t-1}.

The other convention ("u_previous": h_t = u_t h_{t-1} + (1 - u_t) h~_t, as in Cho et al. 2014
and PyTorch's ``nn.GRU``) swaps the roles: u_t = 1 copies the state.

Every Jacobian is computed twice: by ``sympy.diff`` of the composed one-step map (``jacobian``)
and by the chain rule written out in gate symbols (``*_gates``; ``gate_values`` maps the gate
symbols back to the composed expressions). Expressions are never simplified, so all of this is
fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .deep import sigmoid

__all__ = [
    "GRU_CONVENTIONS",
    "Partial",
    "ScalarGRU",
    "ScalarLSTM",
    "TotalDerivative",
    "constant_error_carousel",
    "scalar_gru",
    "scalar_lstm",
]

GRU_CONVENTIONS: tuple[str, ...] = ("u_candidate", "u_previous")


# --------------------------------------------------------------------------- display operators


def _tuple_latex(printer, arg) -> str:
    if isinstance(arg, sp.Tuple):
        return r"\left(" + ", ".join(printer._print(a) for a in arg) + r"\right)"
    return printer._print(arg)


class Partial(sp.Function):  # a display operator, named as in the book
    """Chapter 6, unevaluated partial derivative for display; Partial(a, b) prints da/db with
    curly d (a and b may be sympy.Tuple, printed as (a_1, a_2))."""

    nargs = 2

    def _latex(self, printer, exp=None):
        num, den = (_tuple_latex(printer, a) for a in self.args)
        body = rf"\frac{{\partial {num}}}{{\partial {den}}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class TotalDerivative(sp.Function):  # a display operator, named as in the book
    """Chapter 6, unevaluated total derivative for display; TotalDerivative(a, b) prints da/db."""

    nargs = 2

    def _latex(self, printer, exp=None):
        num, den = (_tuple_latex(printer, a) for a in self.args)
        body = rf"\frac{{\mathrm{{d}} {num}}}{{\mathrm{{d}} {den}}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def _sum(terms) -> sp.Expr:
    """Unevaluated sum of the non-zero ``terms`` in the given order (0 if there are none)."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return sp.S.Zero
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def _prod(*factors, evaluate: bool = False) -> sp.Expr:
    """Product in the given order (unevaluated unless ``evaluate``); 0 if a factor is 0, ones
    dropped."""
    if evaluate:
        return sp.Mul(*factors)
    if any(f == 0 for f in factors):
        return sp.S.Zero
    factors = [f for f in factors if f != 1]
    if not factors:
        return sp.S.One
    return factors[0] if len(factors) == 1 else sp.Mul(*factors, evaluate=False)


# --------------------------------------------------------------------------- LSTM


@dataclass(frozen=True)
class ScalarLSTM:
    """Chapter 6, one step of a scalar LSTM: the 2x2 state Jacobian and dc_t/dc_{t-1}.

    Keys of ``gates`` and ``symbols``: "i", "f", "o", "c_tilde" (and "c" in ``symbols``).
    """

    forget_gate: bool  # False: f_t = 1 (Hochreiter & Schmidhuber 1997)
    recurrent: bool  # False: the gates read x_t only
    x: sp.Symbol  # x_t
    c_prev: sp.Symbol  # c_{t-1}
    h_prev: sp.Symbol  # h_{t-1}
    o_prev: sp.Symbol  # o_{t-1}, in h_{t-1} = o_{t-1} tanh(c_{t-1})
    params: dict  # name -> Symbol: w_g (recurrent), u_g (input), b_g (bias)
    gates: dict  # composed i_t, f_t (1 without forget gate), o_t, c~_t
    c: sp.Expr  # composed c_t = f_t c_{t-1} + i_t c~_t
    h: sp.Expr  # composed h_t = o_t tanh(c_t)
    jacobian: sp.ImmutableMatrix  # d(c_t, h_t)/d(c_{t-1}, h_{t-1}) by sympy.diff
    symbols: dict  # gate symbols f_t, i_t, o_t, c~_t, c_t (f: 1 without forget gate)
    gate_values: dict  # gate symbol -> composed expression
    gate_partials: dict  # Partial(gate, h_{t-1}) -> derivative in gate symbols; and
    #                      Partial(h_{t-1}, c_{t-1}) -> o_{t-1} (1 - tanh^2 c_{t-1})
    jacobian_gates: sp.ImmutableMatrix  # the same Jacobian by the chain rule, in gate symbols
    direct: sp.Expr  # dc_t/dc_{t-1} with h_{t-1} held fixed: jacobian[0, 0] (= f_t)
    through_h: sp.Expr  # dc_t/dh_{t-1}: jacobian[0, 1]
    dh_prev_dc_prev: sp.Expr  # o_{t-1} (1 - tanh^2 c_{t-1})
    total: sp.Expr  # direct + dh_prev_dc_prev * through_h, composed
    total_gates: sp.Expr  # the same in gate symbols (evaluated)
    display: sp.Eq  # dc_t/dc_{t-1} = f_t + dh_{t-1}/dc_{t-1} (c_{t-1} df/dh + ...), unevaluated
    display_expanded: sp.Eq  # the same with every derivative written out
    display_jacobian: sp.Eq  # d(c_t, h_t)/d(c_{t-1}, h_{t-1}) = [[...]], gate symbols, unevaluated
    display_jacobian_compact: sp.Eq  # the same with dc_t/dh_{t-1} and dh_t/dc_t as symbols
    display_dc_dh: sp.Eq  # dc_t/dh_{t-1} = c_{t-1} df_t/dh_{t-1} + ..., unevaluated
    display_dh_dc: sp.Eq  # dh_t/dc_t = o_t (1 - tanh^2 c_t), unevaluated

    def latex_display(self, expanded: bool = False) -> str:
        """Chapter 6, LaTeX of dc_t/dc_{t-1} = f_t + (path through h_{t-1}), terms in order."""
        eq = self.display_expanded if _check_bool(expanded, "expanded") else self.display
        return sp.latex(eq, order="none")

    def latex_jacobian(self, compact: bool = False) -> str:
        """Chapter 6, LaTeX of the 2x2 state Jacobian in gate symbols and dgate/dh_{t-1}; with
        ``compact``, dc_t/dh_{t-1} and dh_t/dc_t stay symbols (``latex_dc_dh``, ``latex_dh_dc``)."""
        compact = _check_bool(compact, "compact")
        eq = self.display_jacobian_compact if compact else self.display_jacobian
        return sp.latex(eq, order="none")

    def latex_jacobian_named(self) -> str:
        """Chapter 6, the compact Jacobian for a narrow column: its compound entries named by
        position (a_t top right, b_t bottom left, d_t bottom right) and written out below it,
        a sum one term per line."""
        J = self.display_jacobian_compact.rhs
        names = {(0, 1): "a_t", (1, 0): "b_t", (1, 1): "d_t"}
        shown, defined = J.as_mutable(), []
        for (i, k), name in names.items():
            if J[i, k].is_Add or J[i, k].is_Mul:  # a sum or product gets a name
                shown[i, k] = sp.Symbol(name, real=True)
                terms = [sp.latex(t, order="none") for t in sp.Add.make_args(J[i, k])]
                body = r"\\[2pt] &\quad + ".join(terms)  # a sum: one term per line
                defined.append(rf"{sp.latex(shown[i, k])} &= {body}")
        lhs = sp.latex(self.display_jacobian_compact.lhs, order="none")
        first = rf"{lhs} &= {sp.latex(sp.ImmutableMatrix(shown), order='none')}"
        return r"\begin{aligned}" + r",\\[2pt] ".join([first, *defined]) + r"\end{aligned}"

    def latex_dc_dh(self) -> str:
        """Chapter 6, LaTeX of dc_t/dh_{t-1}, the entry ``latex_jacobian(compact=True)`` names."""
        return sp.latex(self.display_dc_dh, order="none")

    def latex_dh_dc(self) -> str:
        """Chapter 6, LaTeX of dh_t/dc_t = o_t (1 - tanh^2 c_t), named in the compact Jacobian."""
        return sp.latex(self.display_dh_dc, order="none")

    def latex_gate_partials(self, per_line: int = 4) -> str:
        """Chapter 6, LaTeX of each gate's dgate/dh_{t-1}, `per_line` to a line (the chain rule in
        gate symbols that the tests check against sympy.diff)."""
        if isinstance(per_line, bool) or not isinstance(per_line, int) or per_line < 1:
            raise ValueError(f"per_line must be a positive int, got {per_line!r}")
        parts = [
            sp.latex(sp.Eq(k, v, evaluate=False), order="none")
            for k, v in self.gate_partials.items()
            if k.args[0] != self.h_prev
        ]
        lines = [r",\quad ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
        if len(lines) == 1:
            return lines[0]
        return r"\begin{gathered}" + r",\\ ".join(lines) + r"\end{gathered}"


def scalar_lstm(*, forget_gate: bool = True, recurrent: bool = True) -> ScalarLSTM:
    """Chapter 6, scalar LSTM: 2x2 Jacobian by sympy.diff, and dc_t/dc_{t-1} = f_t + (...)."""
    forget_gate = _check_bool(forget_gate, "forget_gate")
    recurrent = _check_bool(recurrent, "recurrent")
    x, c_prev, h_prev, o_prev = sp.symbols("x_t c_{t-1} h_{t-1} o_{t-1}", real=True)
    names = ("i", "f", "o", "c") if forget_gate else ("i", "o", "c")
    params = {}
    for g in names:
        if recurrent:
            params[f"w_{g}"] = sp.Symbol(f"w_{g}", real=True)
        params[f"u_{g}"] = sp.Symbol(f"u_{g}", real=True)
        params[f"b_{g}"] = sp.Symbol(f"b_{g}", real=True)

    def pre(g):
        z = params[f"u_{g}"] * x + params[f"b_{g}"]
        return z + params[f"w_{g}"] * h_prev if recurrent else z

    gates = {
        "i": sigmoid(pre("i")),
        "f": sigmoid(pre("f")) if forget_gate else sp.S.One,
        "o": sigmoid(pre("o")),
        "c_tilde": sp.tanh(pre("c")),
    }
    c = gates["f"] * c_prev + gates["i"] * gates["c_tilde"]
    h = gates["o"] * sp.tanh(c)
    jacobian = sp.ImmutableMatrix(
        [[sp.diff(c, c_prev), sp.diff(c, h_prev)], [sp.diff(h, c_prev), sp.diff(h, h_prev)]]
    )

    # the same by hand, in gate symbols
    i_t, f_t, o_t, ct_t, c_t = sp.symbols("i_t f_t o_t ctilde_t c_t", real=True)
    symbols = {"i": i_t, "f": f_t if forget_gate else sp.S.One, "o": o_t, "c_tilde": ct_t, "c": c_t}
    gate_values = {i_t: gates["i"], o_t: gates["o"], ct_t: gates["c_tilde"], c_t: c}
    if forget_gate:
        gate_values[f_t] = gates["f"]
    f = symbols["f"]

    def w(g):
        return params[f"w_{g}"] if recurrent else sp.S.Zero

    def partials(evaluate):  # d gate / d h_{t-1}, written out
        return {
            "i": _prod(w("i"), i_t, 1 - i_t, evaluate=evaluate),
            "f": _prod(w("f"), f_t, 1 - f_t, evaluate=evaluate) if forget_gate else sp.S.Zero,
            "o": _prod(w("o"), o_t, 1 - o_t, evaluate=evaluate),
            "c_tilde": _prod(w("c"), 1 - ct_t**2, evaluate=evaluate),
        }

    d, de = partials(False), partials(True)  # for display, for computing
    gate_partials = {
        Partial(symbols[k], h_prev): v for k, v in d.items() if symbols[k] != 1 and v != 0
    }
    dh_prev_dc_prev = o_prev * (1 - sp.tanh(c_prev) ** 2)  # h_{t-1} = o_{t-1} tanh(c_{t-1})
    gate_partials[Partial(h_prev, c_prev)] = dh_prev_dc_prev
    dc_dh = c_prev * de["f"] + ct_t * de["i"] + i_t * de["c_tilde"]
    tanh_prime_c = 1 - sp.tanh(c_t) ** 2
    jacobian_gates = sp.ImmutableMatrix(
        [
            [f, dc_dh],
            [o_t * tanh_prime_c * f, de["o"] * sp.tanh(c_t) + o_t * tanh_prime_c * dc_dh],
        ]
    )

    total = jacobian[0, 0] + dh_prev_dc_prev * jacobian[0, 1]
    total_gates = f + dh_prev_dc_prev * dc_dh

    # displays: terms in chain order, zero terms dropped
    placeholder = {k: Partial(symbols[k], h_prev) for k in ("i", "f", "c_tilde")}
    compact = [
        _prod(c_prev, placeholder["f"]) if d["f"] != 0 else 0,
        _prod(ct_t, placeholder["i"]) if d["i"] != 0 else 0,
        _prod(i_t, placeholder["c_tilde"]) if d["c_tilde"] != 0 else 0,
    ]
    expanded = [_prod(c_prev, d["f"]), _prod(ct_t, d["i"]), _prod(i_t, d["c_tilde"])]
    lhs = TotalDerivative(c_t, c_prev)

    def rhs(terms, factor):
        inner = _sum(terms)
        return _sum([f, _prod(*factor, inner)]) if inner != 0 else f

    state_t, state_prev = sp.Tuple(c_t, sp.Symbol("h_t", real=True)), sp.Tuple(c_prev, h_prev)
    tanh_prime_display = sp.Add(1, -(sp.tanh(c_t) ** 2), evaluate=False)
    dc_dh_display = _sum(compact)

    def jacobian_display(entry, dh_dc):  # what to show for dc_t/dh_{t-1} and for dh_t/dc_t
        return sp.ImmutableMatrix(
            [
                [f, entry],
                [
                    _prod(dh_dc, f),
                    _sum(
                        [
                            _prod(sp.tanh(c_t), Partial(o_t, h_prev)) if d["o"] != 0 else 0,
                            _prod(dh_dc, entry),
                        ]
                    ),
                ],
            ]
        )

    dc_dh_name = Partial(c_t, h_prev) if dc_dh_display != 0 else sp.S.Zero
    h_t = sp.Symbol("h_t", real=True)
    dh_dc_display = _prod(o_t, tanh_prime_display)  # dh_t/dc_t = o_t (1 - tanh^2 c_t)
    return ScalarLSTM(
        forget_gate=forget_gate,
        recurrent=recurrent,
        x=x,
        c_prev=c_prev,
        h_prev=h_prev,
        o_prev=o_prev,
        params=params,
        gates=gates,
        c=c,
        h=h,
        jacobian=jacobian,
        symbols=symbols,
        gate_values=gate_values,
        gate_partials=gate_partials,
        jacobian_gates=jacobian_gates,
        direct=jacobian[0, 0],
        through_h=jacobian[0, 1],
        dh_prev_dc_prev=dh_prev_dc_prev,
        total=total,
        total_gates=total_gates,
        display=sp.Eq(lhs, rhs(compact, [Partial(h_prev, c_prev)]), evaluate=False),
        display_expanded=sp.Eq(
            lhs, rhs(expanded, [o_prev, 1 - sp.tanh(c_prev) ** 2]), evaluate=False
        ),
        display_jacobian=sp.Eq(
            Partial(state_t, state_prev),
            jacobian_display(dc_dh_display, dh_dc_display),
            evaluate=False,
        ),
        display_jacobian_compact=sp.Eq(
            Partial(state_t, state_prev),
            jacobian_display(dc_dh_name, Partial(h_t, c_t)),
            evaluate=False,
        ),
        display_dc_dh=sp.Eq(Partial(c_t, h_prev), dc_dh_display, evaluate=False),
        display_dh_dc=sp.Eq(Partial(h_t, c_t), dh_dc_display, evaluate=False),
    )


def constant_error_carousel() -> ScalarLSTM:
    """Chapter 6, Hochreiter & Schmidhuber's cell: no forget gate, no path through h_{t-1};
    its ``total`` and ``direct`` are exactly 1 (dc_t/dc_{t-1} = 1)."""
    return scalar_lstm(forget_gate=False, recurrent=False)


# --------------------------------------------------------------------------- GRU


@dataclass(frozen=True)
class ScalarGRU:
    """Chapter 6, one step of a scalar GRU and dh_t/dh_{t-1}, in either convention.

    Keys of ``gates`` and ``symbols``: "u", "r", "h_tilde" (u_t is the update gate).
    """

    convention: str  # "u_candidate": (1 - u) h_{t-1} + u h~; "u_previous": u h_{t-1} + (1 - u) h~
    identity_gate: int  # the value of u_t that copies the state: 0 or 1
    x: sp.Symbol  # x_t
    h_prev: sp.Symbol  # h_{t-1}
    params: dict  # name -> Symbol: w_g, u_g, b_g for g in u, r, htilde
    gates: dict  # composed u_t, r_t, h~_t
    h: sp.Expr  # composed h_t
    jacobian: sp.Expr  # dh_t/dh_{t-1} by sympy.diff
    symbols: dict  # gate symbols u_t, r_t, h~_t
    gate_values: dict  # gate symbol -> composed expression
    gate_partials: dict  # Partial(gate symbol, h_{t-1}) -> its derivative in gate symbols
    jacobian_gates: sp.Expr  # dh_t/dh_{t-1} by the chain rule, in gate symbols (evaluated)
    display: sp.Eq  # dh_t/dh_{t-1} = (1 - u_t) + (h~_t - h_{t-1}) dz_t/dh_{t-1} + ..., unevaluated
    display_expanded: sp.Eq  # the same with the gate derivatives written out

    def latex_display(self, expanded: bool = False) -> str:
        """Chapter 6, LaTeX of dh_t/dh_{t-1} = (copy path) + (gate paths), terms in order."""
        eq = self.display_expanded if _check_bool(expanded, "expanded") else self.display
        return sp.latex(eq, order="none")


def scalar_gru(convention: str = "u_candidate") -> ScalarGRU:
    """Chapter 6, scalar GRU: dh_t/dh_{t-1} by sympy.diff and as copy path + gate paths."""
    if not isinstance(convention, str) or convention not in GRU_CONVENTIONS:
        raise ValueError(f"convention must be one of {GRU_CONVENTIONS}, got {convention!r}")
    x, h_prev = sp.symbols("x_t h_{t-1}", real=True)
    params = {
        f"{p}_{g}": sp.Symbol(f"{p}_{g}", real=True) for g in ("u", "r", "htilde") for p in "wub"
    }
    u = sigmoid(params["w_u"] * h_prev + params["u_u"] * x + params["b_u"])
    r = sigmoid(params["w_r"] * h_prev + params["u_r"] * x + params["b_r"])
    ht = sp.tanh(params["w_htilde"] * r * h_prev + params["u_htilde"] * x + params["b_htilde"])
    candidate = convention == "u_candidate"
    h = (1 - u) * h_prev + u * ht if candidate else u * h_prev + (1 - u) * ht

    u_t, r_t, ht_t = sp.symbols("u_t r_t htilde_t", real=True)
    d_u = _prod(params["w_u"], u_t, 1 - u_t)
    d_r = _prod(params["w_r"], r_t, 1 - r_t)
    d_ht = _prod(params["w_htilde"], 1 - ht_t**2, sp.Add(r_t, _prod(h_prev, d_r), evaluate=False))
    de_u = params["w_u"] * u_t * (1 - u_t)
    de_ht = params["w_htilde"] * (1 - ht_t**2) * (r_t + h_prev * params["w_r"] * r_t * (1 - r_t))
    P_u, P_ht = Partial(u_t, h_prev), Partial(ht_t, h_prev)
    if candidate:  # (1 - u) + (h~ - h) du/dh + u dh~/dh
        keep, move, gain = 1 - u_t, ht_t - h_prev, u_t
    else:  # u + (h - h~) du/dh + (1 - u) dh~/dh
        keep, move, gain = u_t, h_prev - ht_t, 1 - u_t
    ends = (ht_t, -h_prev) if candidate else (h_prev, -ht_t)
    move_display = sp.Add(*ends, evaluate=False)
    lhs = Partial(sp.Symbol("h_t", real=True), h_prev)
    compact = sp.Add(keep, _prod(move_display, P_u), _prod(gain, P_ht), evaluate=False)
    expanded = sp.Add(keep, _prod(move_display, d_u), _prod(gain, d_ht), evaluate=False)
    return ScalarGRU(
        convention=convention,
        identity_gate=0 if candidate else 1,
        x=x,
        h_prev=h_prev,
        params=params,
        gates={"u": u, "r": r, "h_tilde": ht},
        h=h,
        jacobian=sp.diff(h, h_prev),
        symbols={"u": u_t, "r": r_t, "h_tilde": ht_t},
        gate_values={u_t: u, r_t: r, ht_t: ht},
        gate_partials={P_u: d_u, Partial(r_t, h_prev): d_r, P_ht: d_ht},
        jacobian_gates=keep + move * de_u + gain * de_ht,
        display=sp.Eq(lhs, compact, evaluate=False),
        display_expanded=sp.Eq(lhs, expanded, evaluate=False),
    )
