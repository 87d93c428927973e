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
