"""Chapter 8 ("Long sequences"): the zero-order hold of a diagonal state-space model, in SymPy.

One unit h'(t) = a h(t) + b x(t) with a = -exp(A_log) + i theta (S4D, Mamba), held over a step
Delta > 0, becomes h_t = Lambda h_{t-1} + B_bar x_t with Lambda = exp(Delta a) and
B_bar = (exp(Delta a) - 1)/a b. SymPy

- derives |Lambda| = exp(-Delta exp(A_log)) (it simplifies the modulus for real A_log, theta
  and Delta > 0) and decides from its assumptions that the exponent is negative, so |Lambda| < 1
  for every A_log and every Delta > 0;
- derives the steady state B_bar/(1 - Lambda) = -b/a: a constant input x gives the same state
  whatever Delta is (the step sets how long the unit remembers, not how much it holds);
- checks the gate of Gu & Dao's Theorem 1: with a = -1, b = 1 and Delta = softplus(s),
  Lambda = 1 - sigmoid(s) and B_bar = sigmoid(s), so h_t = (1 - g) h_{t-1} + g x_t, g = sigmoid(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = ["ZeroOrderHold", "zero_order_hold"]

A_LOG, THETA = sp.symbols("A_log theta", real=True)
DELTA = sp.symbols("Delta", positive=True)
S = sp.symbols("s", real=True)


@dataclass(frozen=True)
class ZeroOrderHold:
    """Chapter 8: the zero-order hold of one diagonal unit: ``modulus`` |Lambda| (derived),
    ``inside`` (SymPy's verdict that log|Lambda| < 0), ``steady`` B_bar/(1 - Lambda) per unit b
    (derived), and ``gate`` = (Lambda, B_bar) at a = -1, Delta = softplus(s)."""

    modulus: sp.Expr
    inside: bool
    steady: sp.Expr
    gate: tuple[sp.Expr, sp.Expr]

    @property
    def gate_agrees(self) -> bool:
        """Chapter 8: Lambda = 1 - sigmoid(s) and B_bar = sigmoid(s) at a = -1, Delta =
        softplus(s) (both differences simplify to 0)."""
        sigma = 1 / (1 + sp.exp(-S))
        lam, b_bar = self.gate
        return sp.simplify(lam - (1 - sigma)) == 0 and sp.simplify(b_bar - sigma) == 0

    def latex(self) -> list[str]:
        """Chapter 8: the three results as LaTeX lines (the gate on three), in the book's
        notation."""

        def tex(expr: sp.Expr) -> str:
            return sp.latex(expr, symbol_names={A_LOG: r"A_{\log}"})

        return [
            r"\lvert\Lambda\rvert = \lvert e^{\Delta a}\rvert = " + tex(self.modulus)
            + r" < 1 \quad (\Delta > 0)",
            r"\frac{\bar B}{1 - \Lambda} = -\frac{b}{a} = " + tex(self.steady) + r"\,b",
            r"a = -1,\quad \Delta = \operatorname{softplus}(s):",
            r"\Lambda = " + tex(self.gate[0]) + r" = 1 - \sigma(s),",
            r"\bar B = " + tex(self.gate[1]) + r"\,b = \sigma(s)\,b",
        ]


@cache
def zero_order_hold() -> ZeroOrderHold:
    """Chapter 8: the zero-order hold's modulus, steady state and gate, by SymPy."""
    a = -sp.exp(A_LOG) + sp.I * THETA
    lam = sp.exp(DELTA * a)
    b_bar = (lam - 1) / a  # per unit b
    modulus = sp.Abs(lam)  # SymPy evaluates |exp(z)| = exp(re z) with the real symbols
    exponent = sp.expand_log(sp.log(modulus), force=True)
    inside = bool(exponent.is_negative)
    steady = sp.cancel(b_bar / (1 - lam))
    a_gate = sp.Integer(-1)
    lam_gate = sp.exp(sp.log(1 + sp.exp(S)) * a_gate)  # Delta = softplus(s) = log(1 + e^s)
    gate = (lam_gate, sp.cancel((lam_gate - 1) / a_gate))
    return ZeroOrderHold(modulus, inside, steady, gate)
