"""LaTeX for the chapters: SymPy results laid out as aligned equations, factors in chain order."""

from __future__ import annotations

import sympy as sp

from vanishing.validate import check_instance

from .deep import LinearNetGradients, SigmoidChain, equal_weights_gradient
from .rnn import bptt_formula


def _transpose_symbol(tex: str) -> str:
    """SymPy writes ^{T}; the book writes ^{\\top}."""
    return tex.replace("^{T}", r"^{\top}")


def latex_gradients(result: LinearNetGradients) -> str:
    """Chapter 1: every dL/dW^(l) of the linear network, one aligned line per layer."""
    check_instance(result, "result", LinearNetGradients)
    lines = [
        rf"\frac{{\partial\mathcal L}}{{\partial\mathbf W^{{({l})}}}} &= "
        + _transpose_symbol(sp.latex(g))
        for l, g in enumerate(result.grads_display, start=1)
    ]
    return r"\begin{aligned}" + r"\\[4pt]".join(lines) + r"\end{aligned}"


def latex_equal_weights(L: int) -> str:
    """Chapter 1: dL/dW^(1) with equal weights, for this L and for a general L."""
    result = equal_weights_gradient(L)
    return (
        r"\begin{aligned}"
        + rf"L = {L}:&\quad \frac{{\partial\mathcal L}}{{\partial\mathbf W^{{(1)}}}} = "
        + _transpose_symbol(sp.latex(result.grad))
        + r"\\[4pt] \text{any } L:&\quad \frac{\partial\mathcal L}{\partial\mathbf W^{(1)}} = "
        + _transpose_symbol(sp.latex(result.general))
        + r"\end{aligned}"
    )


def latex_sigmoid_chain(chain: SigmoidChain) -> str:
    """Chapter 1: dL/dw_1 and dL/dw_L of the sigmoid chain, factors in the order they are met."""
    check_instance(chain, "chain", SigmoidChain)
    first = rf"\frac{{\partial\mathcal L}}{{\partial w_1}} &= {chain.latex_display(1)}"
    last = rf"\frac{{\partial\mathcal L}}{{\partial w_{chain.L}}} &= {chain.latex_display(chain.L)}"
    return r"\begin{aligned}" + first + r"\\[4pt]" + last + r"\end{aligned}"


def latex_bptt_lines(T: int = 3) -> str:
    """Chapter 2: dL/dW_hh = the BPTT sum for a loss at step T, one term (one step) per line."""
    terms = bptt_formula(T).terms[::-1]  # k = T first: the local term, then further back
    lines = [sp.latex(term, order="none") for term in terms]
    head = r"\frac{\partial\mathcal L}{\partial\mathbf W_{hh}} &= "
    return r"\begin{aligned}" + head + r"\\[2pt] &+ ".join(lines) + r"\end{aligned}"


def _check_tex(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str of LaTeX, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must be a non-empty str of LaTeX")
    return value


def latex_lines(lhs: str, terms, per_line: int = 1) -> str:
    """Chapters 2, 3, 6: ``lhs = t_1 + t_2 + ...`` as an aligned display, ``per_line`` terms per
    line, so a long SymPy sum fits the column (a term that starts with "-" is subtracted)."""
    lhs = _check_tex(lhs, "lhs")
    if isinstance(terms, str) or not hasattr(terms, "__iter__"):
        raise TypeError(f"terms must be a sequence of LaTeX strings, got {type(terms).__name__}")
    terms = [_check_tex(t, "terms[k]").strip() for t in terms]
    if not terms:
        raise ValueError("terms must hold at least one term")
    if isinstance(per_line, bool) or not isinstance(per_line, int):
        raise TypeError(f"per_line must be an int, got {type(per_line).__name__}")
    if per_line < 1:
        raise ValueError(f"per_line must be >= 1, got {per_line}")

    def signed(term: str) -> str:
        return f"- {term[1:].lstrip()}" if term.startswith("-") else f"+ {term}"

    lines = []
    for start in range(0, len(terms), per_line):
        chunk = terms[start : start + per_line]
        first = chunk[0] if start == 0 else signed(chunk[0])
        body = " ".join([first, *(signed(t) for t in chunk[1:])])
        lines.append(("&= " if start == 0 else r"&\quad ") + body)
    return r"\begin{aligned}" + lhs + " " + r"\\[2pt] ".join(lines) + r"\end{aligned}"


def latex_sum_lines(equation: sp.Eq, per_line: int = 1) -> str:
    """Chapter 6: a SymPy equation ``lhs = a + b + ...`` (kept in its written order) as
    ``latex_lines``, ``per_line`` terms of the right-hand side per line."""
    if not isinstance(equation, sp.Eq):
        raise TypeError(f"equation must be a sympy Eq, got {type(equation).__name__}")
    terms = [
        rf"\left({sp.latex(t, order='none')}\right)" if t.is_Add else sp.latex(t, order="none")
        for t in sp.Add.make_args(equation.rhs)
    ]  # a term that is itself a sum keeps its brackets, as on one line
    return latex_lines(sp.latex(equation.lhs, order="none"), terms, per_line)


def latex_power_lines(power) -> str:
    """Chapter 3: M^k = V Lambda^k V^{-1} on one line and the explicit matrix on the next."""
    from .powers import EigenPower

    if not isinstance(power, EigenPower):
        raise TypeError(f"power must be an EigenPower, got {type(power).__name__}")
    head, formula, matrix = power.latex_display().split(" = ")
    return r"\begin{aligned}" + head + " &= " + formula + r"\\[4pt] &= " + matrix + r"\end{aligned}"
