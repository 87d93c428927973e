"""Chapter 4 ("Activation functions"): SymPy forms of the activations, phi' and sup |phi'|.

Each form matches ``vanishing.activations`` numerically, kinks included: the piecewise ones are
written with the condition z > 0 first, so ``sympy.diff`` gives the numeric convention at 0,
relu'(0) = 0, leaky_relu'(0) = 1/100 and elu'(0) = 1 (ELU with alpha = 1 is C^1).

sup |phi'| is derived, not tabulated: for smooth phi from the real roots of phi''(z) = 0 (each
checked as a maximum of |phi'| by the sign of phi''') against the limits at +-infinity; for
piecewise phi piece by piece, from each piece's stationary points and interval ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import sympy as sp

from vanishing.activations import ACTIVATION_NAMES
from vanishing.validate import check_activation

__all__ = [
    "ActivationDerivative",
    "DerivativeMax",
    "DerivativeMin",
    "derivative",
    "derivative_max",
    "derivative_min",
    "derivative_zero",
    "latex_table",
    "sympy_activation",
]

_Z = sp.Symbol("z", real=True)
_LEAKY_SLOPE = sp.Rational(1, 100)  # vanishing.activations.LEAKY_SLOPE, exactly
_ELU_ALPHA = sp.S.One  # vanishing.activations.ELU_ALPHA

_FORMS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "tanh": sp.tanh,
    "relu": lambda z: sp.Piecewise((z, z > 0), (0, True)),
    "leaky_relu": lambda z: sp.Piecewise((z, z > 0), (_LEAKY_SLOPE * z, True)),
    "elu": lambda z: sp.Piecewise((z, z > 0), (_ELU_ALPHA * (sp.exp(z) - 1), True)),
    "gelu": lambda z: z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
}


def _canonical(name, arg: str = "name") -> str:
    """The canonical activation name ("linear" -> "identity"); errors name ``arg``."""
    return check_activation(name, arg).name


def _check_z(z) -> sp.Expr:
    """Return ``z`` as a SymPy expression; TypeError naming ``z`` otherwise."""
    try:
        expr = sp.sympify(z, strict=True)
    except sp.SympifyError:
        raise TypeError(
            f"z must be a SymPy expression or a real number, got {type(z).__name__}"
        ) from None
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"z must be a SymPy expression or a real number, got {expr!r}")
    if expr.is_number and not (expr.is_extended_real and expr.is_finite):
        raise ValueError(f"z must be a real, finite number or a SymPy expression, got {expr}")
    return expr


class _NotApplicable(ValueError, ArithmeticError):
    """The named activation exists, but the question does not apply to it (a ValueError naming
    the argument, and an ArithmeticError as before)."""


def sympy_activation(name: str, z=None) -> sp.Expr:
    """Chapter 4, phi(z) as a SymPy expression (z defaults to a real symbol ``z``).

    identity z; sigmoid 1/(1 + e^{-z}); tanh; relu, leaky_relu (slope 1/100) and elu (alpha 1)
    as Piecewise with ``z > 0`` first; gelu z/2 (1 + erf(z/sqrt 2)) (exact erf form).
    """
    key = _canonical(name)
    return _FORMS[key](_Z if z is None else _check_z(z))


# --------------------------------------------------------------------------- phi'


@dataclass(frozen=True)
class ActivationDerivative:
    """Chapter 4, an activation phi(z) and phi'(z) = sympy.diff(phi, z)."""

    name: str  # canonical name
    z: sp.Symbol  # real
    phi: sp.Expr
    phi_prime: sp.Expr  # Piecewise ones: the numeric convention at 0 (module docstring)

    def latex_display(self) -> str:
        """Chapter 4, LaTeX of phi(z) = ..., phi'(z) = ... ."""
        return rf"\phi(z) = {sp.latex(self.phi)}, \qquad \phi'(z) = {sp.latex(self.phi_prime)}"


@cache
def _derivative(key: str) -> ActivationDerivative:
    phi = _FORMS[key](_Z)
    return ActivationDerivative(name=key, z=_Z, phi=phi, phi_prime=sp.diff(phi, _Z))


def derivative(name: str) -> ActivationDerivative:
    """Chapter 4, phi and phi' = d phi/dz for the activation called ``name``."""
    return _derivative(_canonical(name))


# --------------------------------------------------------------------------- sup |phi'|


class DerivativeMax(NamedTuple):
    """Chapter 4, gamma = sup_z |phi'(z)| and where it is attained.

    ``argmax`` is a number when the maximiser is unique, otherwise the SymPy set of all
    maximisers: ``Interval.open(0, oo)`` for relu and leaky_relu, ``Interval(0, oo)`` for elu
    (elu'(0) = e^0 = 1 too) and ``Reals`` for identity. ``max`` is exact.
    """

    argmax: sp.Basic
    max: sp.Expr


def _limit(expr: sp.Expr, z: sp.Symbol, point) -> sp.Expr:
    """lim_{z -> point} expr, term by term: by substitution where that is finite (fast), by
    ``sympy.limit`` otherwise (and for the whole sum if a term has no finite limit)."""
    if isinstance(expr, sp.Add):
        parts = [_limit(term, z, point) for term in expr.args]
        if all(part.is_finite for part in parts):
            return sp.Add(*parts)
    value = expr.subs(z, point)
    if value.is_finite:
        return value
    return sp.limit(expr, z, point)


def _stationary_points(expr: sp.Expr, z: sp.Symbol, domain: sp.Set) -> list:
    """Real roots of d expr/dz in ``domain``, sorted; ArithmeticError if not a finite set."""
    slope = sp.diff(expr, z)
    if slope.is_zero:
        return []
    roots = sp.solveset(sp.numer(sp.together(slope)), z, domain)
    if roots is sp.S.EmptySet:
        return []
    if not isinstance(roots, sp.FiniteSet):
        raise ArithmeticError(f"cannot list the stationary points of {expr}: got {roots}")
    return sorted(roots, key=float)


def _smooth_max(phi_prime: sp.Expr, z: sp.Symbol) -> DerivativeMax:
    """sup |phi'| for smooth phi: at a root of phi'' = 0, unless a limit at +-oo is larger."""
    if sp.diff(phi_prime, z).is_zero:  # phi' constant: every z is a maximiser
        return DerivativeMax(argmax=sp.S.Reals, max=sp.Abs(phi_prime))
    points = _stationary_points(phi_prime, z, sp.S.Reals)
    if not points:
        raise ArithmeticError(f"phi' = {phi_prime} has no stationary point")
    values = [phi_prime.subs(z, p) for p in points]
    best = max(range(len(points)), key=lambda i: float(sp.Abs(values[i])))
    argmax, value = points[best], values[best]
    # |phi'| has a maximum there iff phi' has a max (value > 0) or a min (value < 0): phi''' sign
    curvature = sp.diff(phi_prime, z, 2).subs(z, argmax)
    if not bool(curvature * sp.sign(value) < 0):
        raise ArithmeticError(
            f"the stationary point z = {argmax} of phi' is not a maximum of |phi'|"
        )
    for end in (sp.oo, -sp.oo):
        if bool(sp.Abs(_limit(phi_prime, z, end)) > sp.Abs(value)):
            raise ArithmeticError(f"sup |phi'| is approached as z -> {end}, not attained")
    return DerivativeMax(argmax=argmax, max=sp.Abs(value))


def _piece_range(expr: sp.Expr, z: sp.Symbol, interval: sp.Interval) -> tuple:
    """(inf, sup) of expr over an interval: stationary points inside, ends (limits if open)."""
    if not expr.has(z):
        return expr, expr
    candidates = [expr.subs(z, p) for p in _stationary_points(expr, z, interval)]
    for end in (interval.inf, interval.sup):
        candidates.append(_limit(expr, z, end))
    return sp.Min(*candidates), sp.Max(*candidates)


def _piecewise_max(phi_prime: sp.Piecewise, z: sp.Symbol) -> DerivativeMax:
    """sup |phi'| for a Piecewise phi': the largest sup |piece| over the piece's own interval."""
    covered: sp.Set = sp.S.EmptySet
    sups = []
    for piece, condition in phi_prime.args:
        domain = condition.as_set().intersect(sp.S.Reals) - covered
        covered = covered | domain
        if domain.is_empty:
            continue
        if not isinstance(domain, sp.Interval):
            raise ArithmeticError(f"piece {piece} of phi' lives on {domain}, not an interval")
        low, high = _piece_range(piece, z, domain)
        sups.append(sp.Max(high, -low))
    gamma = sp.Max(*sups)
    argmax = sp.solveset(phi_prime - gamma, z, sp.S.Reals) | sp.solveset(
        phi_prime + gamma, z, sp.S.Reals
    )
    if isinstance(argmax, sp.FiniteSet) and len(argmax) == 1:
        (argmax,) = argmax
    return DerivativeMax(argmax=argmax, max=gamma)


@cache
def _derivative_max(key: str) -> DerivativeMax:
    d = _derivative(key)
    if isinstance(d.phi_prime, sp.Piecewise):
        return _piecewise_max(d.phi_prime, d.z)
    return _smooth_max(d.phi_prime, d.z)


def derivative_max(name: str) -> DerivativeMax:
    """Chapter 4, (argmax, gamma = sup_z |phi'(z)|), exact: sigmoid (0, 1/4), tanh (0, 1),
    relu / leaky_relu (z > 0, 1), elu (z >= 0, 1), identity (all z, 1) and gelu
    (sqrt 2, (1 + erf 1)/2 + e^{-1}/sqrt(pi) ~ 1.1289)."""
    return _derivative_max(_canonical(name))


class DerivativeMin(NamedTuple):
    """Chapter 4, min_z phi'(z) of a smooth activation and where it is attained (exact)."""

    argmin: sp.Expr
    min: sp.Expr


@cache
def _derivative_min(key: str) -> DerivativeMin:
    d = _derivative(key)
    if isinstance(d.phi_prime, sp.Piecewise) or sp.diff(d.phi_prime, d.z).is_zero:
        raise _NotApplicable(
            f"name: derivative_min is for smooth, non-linear activations, not {key}"
        )
    points = _stationary_points(d.phi_prime, d.z, sp.S.Reals)
    values = [d.phi_prime.subs(d.z, p) for p in points]
    best = min(range(len(points)), key=lambda i: float(values[i]))
    argmin, value = points[best], values[best]
    if not bool(sp.diff(d.phi_prime, d.z, 2).subs(d.z, argmin) > 0):
        raise _NotApplicable(f"name: the stationary point z = {argmin} of phi' is not a minimum")
    for end in (sp.oo, -sp.oo):
        if bool(_limit(d.phi_prime, d.z, end) < value):
            raise _NotApplicable(f"name: inf phi' is approached as z -> {end}, not attained")
    return DerivativeMin(argmin=argmin, min=value)


def derivative_min(name: str) -> DerivativeMin:
    """Chapter 4, (argmin, min_z phi'(z)) for a smooth activation whose phi' attains its
    infimum: gelu (-sqrt 2, (1 - erf 1)/2 - e^{-1}/sqrt(pi) ~ -0.1289). Raises ArithmeticError
    when the infimum is only approached at +-infinity (sigmoid, tanh) or phi is piecewise."""
    return _derivative_min(_canonical(name))


def derivative_zero(name: str, guess: float) -> float:
    """Chapter 4, a root of phi'(z) = 0 near `guess`, found numerically (sympy.nsolve, 30 digits);
    for gelu near -1 it is z ~ -0.7518, where GELU's derivative changes sign."""
    d = derivative(name)
    if isinstance(guess, bool) or not isinstance(guess, (int, float)):
        raise TypeError(f"guess must be a real number, got {type(guess).__name__}")
    if not math.isfinite(guess):
        raise ValueError(f"guess must be finite, got {guess}")
    if isinstance(d.phi_prime, sp.Piecewise) or not d.phi_prime.has(d.z):
        raise _NotApplicable(
            f"name: derivative_zero needs a smooth, non-constant phi', not {d.name}"
        )
    try:
        return float(sp.nsolve(d.phi_prime, d.z, guess, prec=30))
    except ValueError as err:  # SymPy: "Could not find root ..."
        raise ValueError(f"guess: no zero of {d.name}' found from {guess}: {err}") from None


# --------------------------------------------------------------------------- table


def latex_table(names: Sequence[str] = ACTIVATION_NAMES) -> str:
    """Chapter 4, a LaTeX ``array`` with one row per activation: name, phi, phi', sup |phi'|."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of activation names, got {names!r}")
    if len(names) == 0:
        raise ValueError("names must contain at least one activation name")
    keys = [_canonical(name, "names") for name in names]
    rows = [r"\text{activation} & \phi(z) & \phi'(z) & \sup_z |\phi'(z)| \\ \hline"]
    for key in keys:
        d, top = _derivative(key), _derivative_max(key)
        label = r"\mathtt{" + key.replace("_", r"\_") + "}"
        cells = [label, sp.latex(d.phi), sp.latex(d.phi_prime), sp.latex(top.max)]
        rows.append(" & ".join(cells) + r" \\[4pt]")
    return "\n".join([r"\begin{array}{llll}", *rows, r"\end{array}"])
