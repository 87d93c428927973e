"""Chapter 1 ("Why depth hurts gradients"): SymPy derivations for deep linear and sigmoid nets.

Notation: layers l = 1..L, z^(l) = W^(l) a^(l-1), a^(l) = phi(z^(l)), a^(0) = x, loss
L = 1/2 ||y_hat - y||^2, Jacobians in numerator layout. Tuples indexed by layer use
index 0 for layer 1. Matrix symbols have identifier names (``W1``, ``x``) so ``lambdify``
accepts them, and print as W^{(1)}, bold x under ``sympy.latex``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy as sp
from sympy.core.function import ArgumentIndexError

__all__ = [
    "EqualWeightsGradient",
    "LinearNetGradients",
    "SigmoidChain",
    "SigmoidPrimeMax",
    "equal_weights_gradient",
    "linear_net_gradients",
    "linear_net_gradients_explicit",
    "sigma_prime",
    "sigma_prime_count",
    "sigmoid",
    "sigmoid_chain",
    "sigmoid_prime_max",
]


# --------------------------------------------------------------------------- input checks


def _check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int >= 1, or raise naming the argument ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int >= 1, got bool {value!r}")
    try:
        as_int = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an int >= 1, got {type(value).__name__} {value!r}"
        ) from None
    if as_int < 1:
        raise ValueError(f"{name} must be an int >= 1, got {as_int}")
    return as_int


def _check_widths(widths, L: int) -> tuple[int, ...]:
    """Return ``widths`` = (n_0, ..., n_L) as a tuple of ints >= 1, or raise naming ``widths``."""
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of L + 1 = {L + 1} ints, got {widths!r}")
    if len(widths) != L + 1:
        raise ValueError(f"widths must have L + 1 = {L + 1} entries, got {len(widths)}")
    return tuple(_check_positive_int(n, "widths") for n in widths)


# --------------------------------------------------------------------------- linear networks

_VECTOR_LATEX = {
    "x": r"\mathbf{x}",
    "y": r"\mathbf{y}",
    "hat_y": r"\hat{\mathbf{y}}",
    "W": r"\mathbf{W}",
}


class _TeXMatrixSymbol(sp.MatrixSymbol):
    """MatrixSymbol named ``W3``, ``x``, ``y``, ``hat_y``; prints bold, as in the book."""

    def _latex(self, printer):
        layer = re.fullmatch(r"W(\d+)", self.name)
        if layer:
            return rf"\mathbf{{W}}^{{({layer[1]})}}"
        return _VECTOR_LATEX.get(self.name, self.name)


@dataclass(frozen=True)
class LinearNetGradients:
    """Chapter 1, deep linear net: y_hat = W^(L)...W^(1) x and the gradients dL/dW^(l)."""

    L: int
    weights: tuple  # W^(1), ..., W^(L)
    x: sp.Basic
    y: sp.Basic
    y_hat: sp.Basic  # W^(L) ... W^(1) x
    loss: sp.Basic  # 1/2 (y_hat - y)^T (y_hat - y); a scalar Expr in the explicit variant
    grads: tuple  # dL/dW^(l) by SymPy's matrix calculus (sympy.diff of ``loss``)
    grads_display: tuple  # the same with the symbol \hat{y} standing for y_hat
    backprop_formula: tuple  # eq. (1.2) typed: (W^(L)...W^(l+1))^T (y_hat - y) (a^(l-1))^T


def _layer_gradient(weights, x, error, l: int):
    """Chapter 1, eq. (1.2) typed: dL/dW^(l) = (W^(L)...W^(l+1))^T error (W^(l-1)...W^(1) x)^T."""
    upper = weights[l:][::-1]  # W^(L), ..., W^(l+1); empty for l = L
    lower = weights[: l - 1][::-1]  # W^(l-1), ..., W^(1); empty for l = 1
    backward = [sp.Transpose(sp.MatMul(*upper))] if upper else []
    return sp.MatMul(*backward, error, sp.Transpose(sp.MatMul(*lower, x))).doit()


def _derived_gradients(L: int) -> tuple:
    """dL/dW^(l), l = 1..L, by sympy.diff of 1/2 e^T e on n x n matrix symbols (SymPy derives).

    SymPy's matrix calculus is reliable on square symbolic shapes; the result is a product of
    matrices whose form does not depend on the shapes, so callers substitute their own symbols.
    """
    n = sp.Symbol("n", integer=True, positive=True)
    weights = tuple(_TeXMatrixSymbol(f"W{l}", n, n) for l in range(1, L + 1))
    x, y = _TeXMatrixSymbol("x", n, 1), _TeXMatrixSymbol("y", n, 1)
    error = sp.MatMul(*weights[::-1], x) - y
    squared = sp.MatMul(sp.Transpose(error), error)  # 2 L; differentiated, then halved
    grads = tuple(sp.MatMul(sp.S.Half, squared.diff(W)).doit() for W in weights)
    return weights, x, y, grads


def linear_net_gradients(L: int, widths: Sequence[int] | None = None) -> LinearNetGradients:
    """Chapter 1, deep linear net: dL/dW^(l) derived by sympy.diff, with eq. (1.2) to compare."""
    L = _check_positive_int(L, "L")
    if widths is None:
        n = sp.Symbol("n", integer=True, positive=True)
        sizes = (n,) * (L + 1)
    else:
        sizes = _check_widths(widths, L)
    weights = tuple(_TeXMatrixSymbol(f"W{l}", sizes[l], sizes[l - 1]) for l in range(1, L + 1))
    x = _TeXMatrixSymbol("x", sizes[0], 1)
    y = _TeXMatrixSymbol("y", sizes[L], 1)
    y_hat_symbol = _TeXMatrixSymbol("hat_y", sizes[L], 1)
    y_hat = sp.MatMul(*weights[::-1], x)
    error = y_hat - y
    square_weights, square_x, square_y, derived = _derived_gradients(L)
    ours = dict(zip(square_weights, weights, strict=True)) | {square_x: x, square_y: y}
    grads = tuple(g.xreplace(ours) for g in derived)
    return LinearNetGradients(
        L=L,
        weights=weights,
        x=x,
        y=y,
        y_hat=y_hat,
        loss=sp.MatMul(sp.S.Half, sp.Transpose(error), error),
        grads=grads,
        grads_display=tuple(g.xreplace({y_hat: y_hat_symbol}) for g in grads),
        backprop_formula=tuple(_layer_gradient(weights, x, error, l) for l in range(1, L + 1)),
    )


def _entry_matrix(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    """Matrix of real scalar symbols ``name_{ij}`` (1-based; ``name_{i,j}`` past 9 rows/cols)."""
    comma = "," if max(rows, cols) > 9 else ""
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{comma}{j + 1}}}", real=True)
    )


def _entry_vector(name: str, rows: int) -> sp.ImmutableMatrix:
    """Column vector of real scalar symbols ``name_{i}`` (1-based)."""
    return sp.ImmutableMatrix(rows, 1, lambda i, _: sp.Symbol(f"{name}_{{{i + 1}}}", real=True))


def linear_net_gradients_explicit(
    L: int, widths: Sequence[int] | None = None
) -> LinearNetGradients:
    """Chapter 1, deep linear net: the dL/dW^(l) formulas on explicit matrices of scalar symbols."""
    L = _check_positive_int(L, "L")
    sizes = (2,) * (L + 1) if widths is None else _check_widths(widths, L)
    net = linear_net_gradients(L, sizes)
    weights = tuple(_entry_matrix(f"w^{{({l})}}", sizes[l], sizes[l - 1]) for l in range(1, L + 1))
    x = _entry_vector("x", sizes[0])
    y = _entry_vector("y", sizes[L])
    explicit = dict(zip(net.weights, weights, strict=True)) | {net.x: x, net.y: y}

    def substitute(expr):
        return sp.ImmutableMatrix(expr.xreplace(explicit).doit())

    y_hat = substitute(net.y_hat)
    error = y_hat - y
    return LinearNetGradients(
        L=L,
        weights=weights,
        x=x,
        y=y,
        y_hat=y_hat,
        loss=(error.T * error)[0, 0] / 2,
        grads=tuple(substitute(g) for g in net.grads),
        grads_display=net.grads_display,
        backprop_formula=tuple(substitute(g) for g in net.backprop_formula),
    )


@dataclass(frozen=True)
class EqualWeightsGradient:
    """Chapter 1, equal weights W^(l) = W: dL/dW^(1) = (W^T)^(L-1) (W^L x - y) x^T."""

    L: int
    W: sp.MatrixSymbol
    x: sp.MatrixSymbol
    y: sp.MatrixSymbol
    grad: sp.MatrixExpr  # (W^T)^(L-1) (W^L x - y) x^T: derived by sympy.diff, then W^(l) = W
    backward_factor: sp.MatrixExpr  # (W^T)^(L-1): what multiplies the error
    error: sp.MatrixExpr  # W^L x - y: the forward pass lives inside the error
    backward_power: int  # L - 1
    forward_power: int  # L
    general: sp.MatrixExpr  # typed pattern (W^T)^(L-1) (W^L x - y) x^T, L a symbol; see tests


def equal_weights_gradient(L: int) -> EqualWeightsGradient:
    """Chapter 1, equal weights: dL/dW^(1) = (W^T)^(L-1) (W^L x - y) x^T, error times W^(L-1).

    ``grad`` is derived: sympy.diff of the L-layer loss with respect to W^(1), with every W^(l)
    then set to W. ``general`` is the pattern for symbolic L, which the tests match against the
    derived L = 1..6.
    """
    L = _check_positive_int(L, "L")
    square_weights, x, y, derived = _derived_gradients(L)
    n = x.shape[0]
    W = _TeXMatrixSymbol("W", n, n)
    depth = sp.Symbol("L", integer=True, positive=True)
    error = sp.MatPow(W, L).doit() * x - y
    backward_factor = sp.MatPow(W.T, L - 1).doit() if L > 1 else sp.Identity(n)
    return EqualWeightsGradient(
        L=L,
        W=W,
        x=x,
        y=y,
        grad=derived[0].xreplace(dict.fromkeys(square_weights, W)).doit(),
        backward_factor=backward_factor,
        error=error,
        backward_power=L - 1,
        forward_power=L,
        general=sp.MatMul(sp.MatPow(W.T, depth - 1), sp.MatPow(W, depth) * x - y, x.T),
    )


# --------------------------------------------------------------------------- sigmoid chain


def _numpy_sigmoid(z):
    """Numerical sigma(z) = 1 / (1 + exp(-z)) used by ``lambdify``."""
    return 1.0 / (1.0 + np.exp(-z))


class sigmoid(sp.Function):  # noqa: N801 - SymPy function classes are lower case
    """Chapter 1, logistic sigmoid sigma(z) = 1/(1 + e^{-z}) with sigma' = sigma (1 - sigma)."""

    _imp_ = staticmethod(_numpy_sigmoid)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)  # a ValueError: sigmoid has one argument
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\sigma{power}\left({printer._print(self.args[0])}\right)"


class sigma_prime(sp.Function):  # noqa: N801 - SymPy function classes are lower case
    """Chapter 1, placeholder sigma'(z) for display; rewrites to sigma(z) (1 - sigma(z))."""

    def _eval_rewrite_as_sigmoid(self, z, **kwargs):
        return sigmoid(z) * (1 - sigmoid(z))

    def _latex(self, printer, exp=None):
        body = rf"\sigma'\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _sigmoid_derivative(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), written out by hand."""
    return sigmoid(z) * (1 - sigmoid(z))


def sigma_prime_count(L: int, l: int) -> int:
    """Chapter 1, number of sigma' factors in dL/dw_l of an L-unit sigmoid chain: L - l + 1."""
    L = _check_positive_int(L, "L")
    l = _check_positive_int(l, "l")
    if l > L:
        raise ValueError(f"l must satisfy 1 <= l <= L = {L}, got {l}")
    return L - l + 1


@dataclass(frozen=True)
class SigmoidChain:
    """Chapter 1, scalar sigmoid chain a_l = sigma(w_l a_{l-1}), loss 1/2 (a_L - y)^2."""

    L: int
    x: sp.Symbol
    y: sp.Symbol
    weights: tuple  # w_1, ..., w_L
    pre_activations: tuple  # composed z_l = w_l a_{l-1}
    activations: tuple  # composed a_l = sigma(z_l)
    loss: sp.Expr  # 1/2 (a_L - y)^2, fully composed
    grads: tuple  # dL/dw_l by sympy.diff of ``loss``
    grads_product: tuple  # (a_L - y) prod_{k>l} [sigma'(z_k) w_k] sigma'(z_l) a_{l-1}, by hand
    displays: tuple  # unevaluated product with placeholders z_k, a_L, a_{l-1} and sigma'

    def latex_display(self, l: int) -> str:
        """Chapter 1, LaTeX of ``displays[l - 1]`` with the factors in chain order."""
        l = _check_positive_int(l, "l")
        if l > self.L:
            raise ValueError(f"l must satisfy 1 <= l <= L = {self.L}, got {l}")
        return sp.latex(self.displays[l - 1], order="none")


def _chain_product(L, l, error, z, w, a_prev, derivative, evaluate=True):
    """(error) prod_{k=L..l+1} [sigma'(z_k) w_k] sigma'(z_l) a_{l-1}, factors in chain order."""
    factors = [error]
    for k in range(L, l, -1):
        factors += [derivative(z[k - 1]), w[k - 1]]
    factors += [derivative(z[l - 1]), a_prev]
    return sp.Mul(*factors, evaluate=evaluate)


def sigmoid_chain(L: int) -> SigmoidChain:
    """Chapter 1, sigmoid chain: dL/dw_l = (a_L - y) sigma'(z_L) w_L ... sigma'(z_l) a_{l-1}."""
    L = _check_positive_int(L, "L")
    x, y = sp.symbols("x y", real=True)
    w = sp.symbols(f"w_1:{L + 1}", real=True)
    z, a = [], [x]
    for l in range(1, L + 1):
        z.append(w[l - 1] * a[l - 1])
        a.append(sigmoid(z[-1]))
    loss = (a[L] - y) ** 2 / 2

    z_display = sp.symbols(f"z_1:{L + 1}", real=True)
    a_display = [x, *sp.symbols(f"a_1:{L + 1}", real=True)]
    products, displays = [], []
    for l in range(1, L + 1):
        products.append(_chain_product(L, l, a[L] - y, z, w, a[l - 1], _sigmoid_derivative))
        displays.append(
            _chain_product(
                L, l, a_display[L] - y, z_display, w, a_display[l - 1], sigma_prime, False
            )
        )
    return SigmoidChain(
        L=L,
        x=x,
        y=y,
        weights=w,
        pre_activations=tuple(z),
        activations=tuple(a[1:]),
        loss=loss,
        grads=tuple(sp.diff(loss, w_l) for w_l in w),
        grads_product=tuple(products),
        displays=tuple(displays),
    )


class SigmoidPrimeMax(NamedTuple):
    """Chapter 1, the maximum of sigma'(z): attained at z = 0 with value 1/4."""

    argmax: sp.Expr
    max: sp.Expr


def sigmoid_prime_max() -> SigmoidPrimeMax:
    """Chapter 1, max_z sigma'(z) = 1/4 at z = 0, from solving d/dz sigma'(z) = 0."""
    z = sp.Symbol("z", real=True)
    derivative = sp.diff(sigmoid(z).rewrite(sp.exp), z)  # sigma'(z) = e^{-z} / (1 + e^{-z})^2
    slope = sp.diff(derivative, z)
    (argmax,) = sp.solve(slope, z)
    if not sp.diff(slope, z).subs(z, argmax) < 0:
        raise ArithmeticError("the stationary point of sigma' is not a maximum")
    return SigmoidPrimeMax(argmax=argmax, max=derivative.subs(z, argmax))
