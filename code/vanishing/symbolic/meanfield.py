"""Chapter 7: the mean-field variance map and chi_1 for ReLU and linear networks, derived in SymPy
by integrating against the Gaussian density (Poole et al. 2016; Schoenholz et al. 2017).

For u ~ N(0, 1) and a pre-activation variance q > 0, SymPy integrates
E[phi(sqrt(q) u)^2] and E[phi'(sqrt(q) u)^2] for phi = relu (phi' = Heaviside) and phi = identity,
then forms the variance map q' = sigma_w^2 E[phi^2] + sigma_b^2, solves q' = q for the fixed point
q*, and forms chi_1 = sigma_w^2 E[phi'^2].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from vanishing.validate import check_choice

__all__ = ["MeanFieldDerivation", "derive"]


@dataclass(frozen=True)
class MeanFieldDerivation:
    """Chapter 7, the derived second moments, map, fixed point and chi_1 of one activation."""

    activation: str
    q: sp.Symbol
    sigma_w2: sp.Symbol
    sigma_b2: sp.Symbol
    second_moment: sp.Expr  # E[phi(sqrt(q) u)^2]
    slope_moment: sp.Expr  # E[phi'(sqrt(q) u)^2]
    variance_map: sp.Expr  # sigma_w2 E[phi^2] + sigma_b2
    q_star: sp.Expr  # the fixed point (where it is finite and positive)
    chi_1: sp.Expr  # sigma_w2 E[phi'^2]

    def latex_display(self) -> str:
        """Chapter 7, LaTeX (aligned) of E[phi^2], E[phi'^2], chi_1 and q*."""
        name = r"\operatorname{relu}" if self.activation == "relu" else r"\operatorname{id}"
        u = r"\sqrt{q}\,u"
        num, den = sp.fraction(self.q_star)  # shown with a positive denominator below criticality
        if num.could_extract_minus_sign():
            num, den = -num, -den
        crit = sp.latex(1 / self.slope_moment)  # sigma_w^2 at chi_1 = 1
        q_star = rf"\frac{{{sp.latex(num)}}}{{{sp.latex(den)}}}\quad(\sigma_w^2 < {crit})"
        return (
            r"\begin{aligned}"
            rf"\mathbb E\bigl[{name}({u})^2\bigr] &= {sp.latex(self.second_moment)}, &"
            rf"\mathbb E\bigl[{name}'({u})^2\bigr] &= {sp.latex(self.slope_moment)},\\"
            rf"\chi_1 &= {sp.latex(self.chi_1)}, &"
            rf"q^* &= {q_star}"
            r"\end{aligned}"
        )


@cache
def derive(activation: str = "relu") -> MeanFieldDerivation:
    """Chapter 7, the mean-field quantities of `activation` ("relu" or "linear"), by integrating
    against the standard normal density (sympy.integrate) and solving the fixed-point equation."""
    act = check_choice(activation, "activation", ("relu", "linear"), kind="activation")
    u = sp.Symbol("u", real=True)
    q, w2 = sp.Symbol("q", positive=True), sp.Symbol(r"\sigma_w^2", positive=True)
    b2 = sp.Symbol(r"\sigma_b^2", nonnegative=True)
    density = sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)
    z = sp.sqrt(q) * u
    if act == "relu":
        phi, phi_prime = sp.Max(z, 0), sp.Heaviside(z)
    else:
        phi, phi_prime = z, sp.Integer(1)
    second = sp.simplify(sp.integrate(phi**2 * density, (u, -sp.oo, sp.oo)))
    slope = sp.simplify(sp.integrate(phi_prime**2 * density, (u, -sp.oo, sp.oo)))
    vmap = w2 * second + b2
    (q_star,) = sp.solve(sp.Eq(vmap.subs(q, sp.Symbol("Q")), sp.Symbol("Q")), sp.Symbol("Q"))
    return MeanFieldDerivation(act, q, w2, b2, second, slope, vmap, sp.factor(q_star), w2 * slope)
