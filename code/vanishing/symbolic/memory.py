"""Chapter 8 ("Long sequences"): the curse of memory of a linear recurrence, derived in SymPy.

One real unit h_t = lambda h_{t-1} + gamma(lambda) x_t with 0 < lambda < 1, run from the distant
past on white noise (x_t independent, mean 0, variance 1), is h_t = gamma sum_k lambda^k x_{t-k}.
Its sensitivity to the eigenvalue, dh_t/dlambda = sum_k d(gamma lambda^k)/dlambda x_{t-k}, has
second moment E[(dh_t/dlambda)^2] = sum_k (d(gamma lambda^k)/dlambda)^2: SymPy expands the square
and sums the series over k = 0..oo itself (``sympy.summation``), for

- gamma = 1 (no normalisation): (1 + lambda^2)/(1 - lambda^2)^3, the curse of memory
  (Zucchet & Orvieto 2024);
- gamma = sqrt(1 - lambda^2) (the LRU's normalisation, Var h_t = 1): 1/(1 - lambda^2)^2;
- the same, with lambda = exp(-exp(nu)) and the derivative taken with respect to nu:
  (lambda ln lambda)^2/(1 - lambda^2)^2, which tends to 1/4 as lambda -> 1.

Each is compared with the typed closed form (``typed``) by ``agrees``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = ["LAMBDA", "MemorySensitivity", "SETTINGS", "memory_sensitivity"]

LAMBDA = sp.symbols("lambda", positive=True)
_K = sp.symbols("k", integer=True, nonnegative=True)
SETTINGS: tuple[str, ...] = ("plain", "normalised", "normalised_nu")


@dataclass(frozen=True)
class MemorySensitivity:
    """Chapter 8: E[(dh/dp)^2] for one setting: ``derived`` by summing the series, ``typed`` the
    closed form the book prints, ``variance`` = E[h_t^2] (derived the same way)."""

    setting: str
    derived: sp.Expr
    typed: sp.Expr
    variance: sp.Expr

    @property
    def agrees(self) -> bool:
        """Chapter 8: derived minus typed simplifies to 0 (rational functions of lambda and,
        for nu, log lambda: ``cancel`` decides it)."""
        return sp.cancel(sp.together(self.derived - self.typed)) == 0

    def latex(self) -> str:
        """Chapter 8: the typed closed form as LaTeX, named as in the book (the setting on a
        line of its own)."""
        p = r"\nu" if self.setting == "normalised_nu" else r"\lambda"
        name = rf"\mathbb E\Bigl[\Bigl(\frac{{\partial h_t}}{{\partial{p}}}\Bigr)^2\Bigr]"
        where = {"plain": r"\gamma = 1", "normalised": r"\gamma = \sqrt{1-\lambda^2}"}.get(
            self.setting, r"\gamma = \sqrt{1-\lambda^2},\ \lambda = e^{-e^{\nu}}"
        )
        # two lines, so that the display fits a phone's column
        return rf"\begin{{gathered}}{where}:\\ " + name + " = " + sp.latex(self.typed) + (
            r"\end{gathered}"
        )

    def numeric(self):
        """Chapter 8: the typed form as a numpy function of lambda."""
        return sp.lambdify(LAMBDA, self.typed, "numpy")


@cache
def _power_series(j: int) -> sp.Expr:
    """sum_{k>=0} k^j lambda^(2k) for 0 < lambda < 1: SymPy sums it and returns a Piecewise
    whose first branch is the convergent case, lambda^2 < 1, which we keep."""
    total = sp.summation(_K**j * LAMBDA ** (2 * _K), (_K, 0, sp.oo))
    return total.args[0][0] if isinstance(total, sp.Piecewise) else total


def _series(expr: sp.Expr) -> sp.Expr:
    """sum_{k>=0} expr for an expr = lambda^(2k) times a polynomial in k (with coefficients
    free of k): the polynomial's coefficients times the summed power series."""
    poly = sp.Poly(sp.expand(sp.powsimp(sp.expand(expr / LAMBDA ** (2 * _K)))), _K)
    return sp.Add(*[c * _power_series(m[0]) for m, c in poly.terms()])


@cache
def memory_sensitivity(setting: str) -> MemorySensitivity:
    """Chapter 8: E[(dh_t/dlambda)^2] (or dh_t/dnu) under white noise, derived by summation."""
    if setting not in SETTINGS:
        raise ValueError(f"setting: unknown setting {setting!r}; valid settings are {SETTINGS}")
    lam = LAMBDA
    g = sp.Function("gamma")(lam)  # the input scale, left unspecified while summing
    coefficient = g * lam**_K  # of x_{t-k} in h_t
    slope = sp.diff(coefficient, lam)
    if setting == "normalised_nu":
        slope = slope * lam * sp.log(lam)  # dlambda/dnu = -exp(nu) lambda = lambda ln lambda
    gamma = sp.Integer(1) if setting == "plain" else sp.sqrt(1 - lam**2)

    def close(series: sp.Expr) -> sp.Expr:
        return sp.factor(sp.cancel(series.subs(g, gamma).doit()))

    derived = close(_series(slope**2))
    variance = close(_series(coefficient**2))
    typed = {
        "plain": (1 + lam**2) / (1 - lam**2) ** 3,
        "normalised": 1 / (1 - lam**2) ** 2,
        "normalised_nu": (lam * sp.log(lam)) ** 2 / (1 - lam**2) ** 2,
    }[setting]
    return MemorySensitivity(setting, derived, typed, variance)
