"""Chapter 2 ("The unrolled RNN"): backpropagation through time, derived with SymPy.

Notation: t = 1..T, z_t = W_hh h_{t-1} + W_xh x_t (+ b_h), h_t = phi(z_t), h_0 given, loss
L = 1/2 ||h_T - y||^2, J_t = dh_t/dh_{t-1} = diag(phi'(z_t)) W_hh (numerator layout). BPTT:

    dL/dW_hh = sum_{k=1}^{T} diag(phi'(z_k)) (J_T ... J_{k+1})^T (dL/dh_T) h_{k-1}^T.

Tuples indexed by time use index t - 1 for step t (``h0`` is kept apart). Matrix symbols have
identifier names (``W_hh``, ``h_2``, ``D_3``) so ``lambdify`` accepts them, and print in the
book's notation (bold, ^{\\top}) under ``sympy.latex``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from .deep import _chain_product, _check_positive_int, _entry_matrix

__all__ = [
    "BPTTDerivation",
    "BPTTFormula",
    "MatrixRNN",
    "ScalarRNN",
    "bptt_formula",
    "bptt_formula_latex",
    "bptt_from_unrolled",
    "phi_prime",
    "unrolled_matrix",
    "unrolled_scalar",
]


# --------------------------------------------------------------------------- activations


def _tanh_derivative(z):
    """tanh'(z) = 1 - tanh(z)^2, written out by hand."""
    return 1 - sp.tanh(z) ** 2


def _identity(z):
    return z


def _identity_derivative(z):
    return sp.S.One


# name -> (phi, phi'); "linear" is a synonym of "identity".
_ACTIVATIONS = {
    "tanh": (sp.tanh, _tanh_derivative),
    "identity": (_identity, _identity_derivative),
    "linear": (_identity, _identity_derivative),
}


def _check_activation(activation) -> str:
    """Return ``activation`` if it names a known activation, or raise naming ``activation``."""
    if not isinstance(activation, str) or activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    return activation


class phi_prime(sp.Function):  # noqa: N801 - SymPy function classes are lower case
    """Chapter 2, placeholder phi'(z) for display; ``.rewrite(sympy.tanh)`` gives 1 - tanh(z)^2."""

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return _tanh_derivative(z)

    def _latex(self, printer, exp=None):
        body = rf"\phi'\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


# --------------------------------------------------------------------------- scalar RNN


@dataclass(frozen=True)
class ScalarRNN:
    """Chapter 2, scalar RNN h_t = phi(w h_{t-1} + u x_t) unrolled T steps, L = 1/2 (h_T - y)^2."""

    T: int
    activation: str
    w: sp.Symbol
    u: sp.Symbol
    y: sp.Symbol
    h0: sp.Symbol
    xs: tuple  # x_1, ..., x_T
    pre_activations: tuple  # composed z_1, ..., z_T
    hidden: tuple  # composed h_1, ..., h_T
    loss: sp.Expr  # 1/2 (h_T - y)^2, fully composed
    grad_diff: sp.Expr  # dL/dw by sympy.diff of ``loss``
    grad_bptt: sp.Expr  # sum of ``terms``
    terms: tuple  # k = 1..T: (h_T - y) prod_{j=T..k+1} [phi'(z_j) w] phi'(z_k) h_{k-1}
    display_terms: tuple  # the same, unevaluated, with placeholders z_j, h_j and phi'
    display: sp.Expr  # unevaluated sum of ``display_terms``, k = T first (shortest term first)

    def latex_display(self, k: int | None = None) -> str:
        """Chapter 2, LaTeX of the whole BPTT sum, or of its k-th term, factors in chain order."""
        if k is None:
            return sp.latex(self.display, order="none")
        k = _check_positive_int(k, "k")
        if k > self.T:
            raise ValueError(f"k must satisfy 1 <= k <= T = {self.T}, got {k}")
        return sp.latex(self.display_terms[k - 1], order="none")


def unrolled_scalar(T: int = 3, activation: str = "tanh") -> ScalarRNN:
    """Chapter 2, scalar RNN: dL/dw = sum_k (h_T - y) [prod_{j>k} phi'(z_j) w] phi'(z_k) h_{k-1}."""
    T = _check_positive_int(T, "T")
    activation = _check_activation(activation)
    phi, derivative = _ACTIVATIONS[activation]
    w, u, y, h0 = sp.symbols("w u y h_0", real=True)
    xs = sp.symbols(f"x_1:{T + 1}", real=True)
    z, h = [], [h0]
    for t in range(1, T + 1):
        z.append(w * h[t - 1] + u * xs[t - 1])
        h.append(phi(z[-1]))
    loss = (h[T] - y) ** 2 / 2
    tied = (w,) * T  # the chapter-1 helper takes one weight per step; here all are w
    terms = tuple(
        _chain_product(T, k, h[T] - y, z, tied, h[k - 1], derivative) for k in range(1, T + 1)
    )

    z_display = sp.symbols(f"z_1:{T + 1}", real=True)
    h_display = (h0, *sp.symbols(f"h_1:{T + 1}", real=True))
    display_terms = tuple(
        _chain_product(T, k, h_display[T] - y, z_display, tied, h_display[k - 1], phi_prime, False)
        for k in range(1, T + 1)
    )
    return ScalarRNN(
        T=T,
        activation=activation,
        w=w,
        u=u,
        y=y,
        h0=h0,
        xs=xs,
        pre_activations=tuple(z),
        hidden=tuple(h[1:]),
        loss=loss,
        grad_diff=sp.diff(loss, w),
        grad_bptt=sp.Add(*terms),
        terms=terms,
        display_terms=display_terms,
        display=sp.Add(*display_terms[::-1], evaluate=False),
    )


# --------------------------------------------------------------------------- matrix symbols


class _BookMatrixSymbol(sp.MatrixSymbol):
    """MatrixSymbol named ``W_hh``, ``h_2``, ``J_3``, ``D_3`` or ``g_3``; prints as in the book.

    ``D_k`` stands for diag(phi'(z_k)) and ``g_T`` for the gradient dL/dh_T.
    """

    def _latex(self, printer):
        name = self.name
        if name == "W_hh":
            return r"\mathbf{W}_{hh}"
        match = re.fullmatch(r"([hJDg])_(\d+)", name)
        if match is None:
            return name
        letter, t = match.groups()
        if letter == "D":
            return rf"\operatorname{{diag}}\left(\phi'\left(\mathbf{{z}}_{{{t}}}\right)\right)"
        if letter == "g":
            return rf"\nabla_{{\mathbf{{h}}_{{{t}}}}}\mathcal{{L}}"
        return rf"\mathbf{{{letter}}}_{{{t}}}"


class _Transpose(sp.Transpose):
    """Transpose printed with the book's ^{\\top} (parenthesised unless of a single symbol)."""

    def _latex(self, printer):
        arg = self.args[0]
        body = printer._print(arg)
        if not isinstance(arg, sp.MatrixSymbol):
            body = rf"\left({body}\right)"
        return rf"{body}^{{\top}}"


@dataclass(frozen=True)
class BPTTFormula:
    """Chapter 2, dL/dW_hh = sum_k D_k W_hh^T D_{k+1} ... W_hh^T D_T g h_{k-1}^T in matrix symbols.

    ``D_k`` stands for (and prints as) diag(phi'(z_k)), ``g`` for dL/dh_T (prints grad_{h_T} L).
    """

    T: int
    W_hh: sp.MatrixSymbol
    g: sp.MatrixSymbol  # dL/dh_T
    h: tuple  # h_0, ..., h_{T-1}
    diags: tuple  # D_1, ..., D_T
    terms: tuple  # k = 1..T: D_k (W_hh^T D_{k+1}) ... (W_hh^T D_T) g h_{k-1}^T
    expr: sp.MatrixExpr  # unevaluated MatAdd of ``terms``, k = T first


def bptt_formula(T: int = 3) -> BPTTFormula:
    """Chapter 2, the BPTT sum for dL/dW_hh with every diag(phi'(z_k)) factor explicit."""
    T = _check_positive_int(T, "T")
    n = sp.Symbol("n", integer=True, positive=True)
    W = _BookMatrixSymbol("W_hh", n, n)
    g = _BookMatrixSymbol(f"g_{T}", n, 1)
    h = tuple(_BookMatrixSymbol(f"h_{t}", n, 1) for t in range(T))
    D = tuple(_BookMatrixSymbol(f"D_{t}", n, n) for t in range(1, T + 1))
    terms = []
    for k in range(1, T + 1):
        factors = [D[k - 1]]
        for j in range(k + 1, T + 1):  # (J_T ... J_{k+1})^T = W^T D_{k+1} ... W^T D_T
            factors += [_Transpose(W), D[j - 1]]
        terms.append(sp.MatMul(*factors, g, _Transpose(h[k - 1])))
    return BPTTFormula(
        T=T,
        W_hh=W,
        g=g,
        h=h,
        diags=D,
        terms=tuple(terms),
        expr=sp.MatAdd(*terms[::-1]),
    )


def bptt_formula_latex(T: int = 3) -> str:
    """Chapter 2, LaTeX of dL/dW_hh (right-hand side): the T-stage BPTT expansion, k = T first."""
    return sp.latex(bptt_formula(T).expr, order="none")


# --------------------------------------------------------------------------- derivation


@dataclass(frozen=True)
class BPTTDerivation:
    """Chapter 2, dL/dW_hh of an unrolled RNN with an unspecified activation phi, two ways.

    ``grad_diff`` is sympy.diff of the composed loss, entry by entry; ``grad_pattern`` is
    ``bptt_formula(T)`` evaluated factor by factor on the same network. SymPy writes phi'(z) as
    the undefined function ``phi_prime`` in both.
    """

    T: int
    W_hh: sp.ImmutableMatrix  # entries w_{ij}
    loss: sp.Expr  # 1/2 ||h_T - y||^2, fully composed
    grad_diff: sp.ImmutableMatrix  # [dL/dw_ij] by sympy.diff
    grad_pattern: sp.ImmutableMatrix  # bptt_formula(T) on the same symbols
    pattern_terms: tuple  # k = 1..T: the terms of grad_pattern
    difference: sp.ImmutableMatrix  # grad_diff - grad_pattern, expanded, phi(.) as atoms

    @property
    def agrees(self) -> bool:
        """True if the derived gradient equals the BPTT pattern identically."""
        return all(entry == 0 for entry in self.difference)


_PHI = sp.Function("phi", real=True)
_PHI_PRIME = sp.Function("phi_prime", real=True)


def _phi_prime_as_function(expr: sp.Expr) -> sp.Expr:
    """Write SymPy's Subs(Derivative(phi(xi), xi), xi, z) as phi_prime(z)."""

    def is_phi_derivative(e) -> bool:
        return isinstance(e, sp.Derivative) and getattr(e.expr, "func", None) == _PHI

    expr = expr.replace(
        lambda e: isinstance(e, sp.Subs) and is_phi_derivative(e.expr),
        lambda e: _PHI_PRIME(e.point[0]),
    )
    return expr.replace(is_phi_derivative, lambda e: _PHI_PRIME(e.variables[0]))


def bptt_from_unrolled(T: int = 3, hidden_size: int = 2) -> BPTTDerivation:
    """Chapter 2, sympy.diff of the unrolled loss, compared with the BPTT pattern bptt_formula(T).

    h_t = phi(W_hh h_{t-1} + u x_t) with phi unspecified, h_0 and the inputs symbols,
    L = 1/2 ||h_T - y||^2. Both sides are polynomials in the entries and in the values
    phi(z_{t,i}), phi'(z_{t,i}); the difference is expanded with those values as atoms.
    """
    T = _check_positive_int(T, "T")
    n = _check_positive_int(hidden_size, "hidden_size")
    W = _entry_matrix("w", n, n)
    u = sp.ImmutableMatrix(n, 1, lambda i, _: sp.Symbol(f"u_{{{i + 1}}}", real=True))
    xs = sp.symbols(f"x_1:{T + 1}", real=True)
    h = [_state_vector("h", 0, n)]
    y = sp.ImmutableMatrix(n, 1, lambda i, _: sp.Symbol(f"y_{{{i + 1}}}", real=True))
    z = []
    for t in range(T):  # the unrolled computation
        z.append(sp.ImmutableMatrix(W * h[-1] + u * xs[t]))
        h.append(z[-1].applyfunc(_PHI))
    error = h[T] - y
    loss = (error.T * error)[0, 0] / 2
    grad_diff = sp.ImmutableMatrix(
        n, n, lambda i, j: _phi_prime_as_function(sp.diff(loss, W[i, j]))
    )

    formula = bptt_formula(T)  # the pattern, evaluated factor by factor on this network
    values = {formula.W_hh: W, formula.g: error}
    values |= {formula.h[t]: h[t] for t in range(T)}
    values |= {formula.diags[t]: sp.diag(*z[t].applyfunc(_PHI_PRIME)) for t in range(T)}

    def value(factor):
        return value(factor.arg).T if isinstance(factor, sp.Transpose) else values[factor]

    terms = []
    for term in formula.terms:
        product = None
        for factor in term.args:
            product = value(factor) if product is None else product * value(factor)
        terms.append(sp.ImmutableMatrix(product))
    grad_pattern = sp.ImmutableMatrix(sum(terms[1:], terms[0]))

    difference = _expanded_difference(grad_diff, grad_pattern)
    return BPTTDerivation(T, W, loss, grad_diff, grad_pattern, tuple(terms), difference)


def _expanded_difference(a: sp.ImmutableMatrix, b: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    """a - b expanded as a polynomial, each call phi(.) or phi_prime(.) taken as one atom."""
    atoms = a.atoms(AppliedUndef) | b.atoms(AppliedUndef)
    as_symbols = {f: sp.Dummy() for f in atoms}  # xreplace replaces outermost calls first
    return sp.ImmutableMatrix((a - b).xreplace(as_symbols).applyfunc(sp.expand))


# --------------------------------------------------------------------------- matrix RNN


@dataclass(frozen=True)
class MatrixRNN:
    """Chapter 2, tanh RNN h_t = tanh(W_hh h_{t-1} + W_xh x_t [+ b_h]) on explicit symbols."""

    T: int
    W_hh: sp.ImmutableMatrix  # entries w_{ij}
    W_xh: sp.ImmutableMatrix  # entries u_{ij}
    b_h: sp.ImmutableMatrix | None  # entries b_{i}, or None without bias
    xs: tuple  # x_1, ..., x_T (entries x_{t,i})
    h0: sp.ImmutableMatrix  # entries h_{0,i}
    y: sp.ImmutableMatrix  # entries y_{i}
    pre_activations: tuple  # composed z_1, ..., z_T
    hidden: tuple  # composed h_1, ..., h_T
    jacobians: tuple  # composed J_t = diag(1 - tanh(z_t)^2) W_hh, t = 1..T
    loss: sp.Expr  # 1/2 ||h_T - y||^2
    grad_diff: sp.ImmutableMatrix  # [dL/dw_ij] by sympy.diff, shaped like W_hh
    grad_bptt: sp.ImmutableMatrix  # sum of ``terms``
    terms: tuple  # k = 1..T: diag(phi'(z_k)) (J_T ... J_{k+1})^T (h_T - y) h_{k-1}^T
    formula: sp.MatrixExpr  # the BPTT sum with J_t symbols, for display, k = T first

    def latex_display(self) -> str:
        """Chapter 2, LaTeX of ``formula``: sum_k diag(phi'(z_k)) (J_T...J_{k+1})^T g h_{k-1}^T."""
        return sp.latex(self.formula, order="none")


def _state_vector(name: str, t, size: int) -> sp.ImmutableMatrix:
    """Column vector of real symbols ``name_{t,i}`` (1-based i), or ``name_{t}`` if size 1."""
    if size == 1:
        return sp.ImmutableMatrix([[sp.Symbol(f"{name}_{{{t}}}", real=True)]])
    return sp.ImmutableMatrix(size, 1, lambda i, _: sp.Symbol(f"{name}_{{{t},{i + 1}}}", real=True))


def _jacobian_formula(T: int, n) -> sp.MatrixExpr:
    """sum_{k=T..1} D_k (J_T ... J_{k+1})^T g h_{k-1}^T with J_t and D_k matrix symbols."""
    J = tuple(_BookMatrixSymbol(f"J_{t}", n, n) for t in range(1, T + 1))
    D = tuple(_BookMatrixSymbol(f"D_{t}", n, n) for t in range(1, T + 1))
    h = tuple(_BookMatrixSymbol(f"h_{t}", n, 1) for t in range(T))
    g = _BookMatrixSymbol(f"g_{T}", n, 1)
    terms = []
    for k in range(T, 0, -1):
        upper = J[k:][::-1]  # J_T, ..., J_{k+1}
        backward = [_Transpose(sp.MatMul(*upper) if len(upper) > 1 else upper[0])] if upper else []
        terms.append(sp.MatMul(D[k - 1], *backward, g, _Transpose(h[k - 1])))
    return sp.MatAdd(*terms)


def unrolled_matrix(
    T: int = 3, input_size: int = 1, hidden_size: int = 2, bias: bool = False
) -> MatrixRNN:
    """Chapter 2, tanh RNN on explicit symbols: BPTT sum and elementwise sympy.diff of the loss."""
    T = _check_positive_int(T, "T")
    input_size = _check_positive_int(input_size, "input_size")
    hidden_size = _check_positive_int(hidden_size, "hidden_size")
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be a bool, got {type(bias).__name__} {bias!r}")
    n = hidden_size
    W_hh = _entry_matrix("w", n, n)
    W_xh = _entry_matrix("u", n, input_size)
    b_h = (
        sp.ImmutableMatrix(n, 1, lambda i, _: sp.Symbol(f"b_{{{i + 1}}}", real=True))
        if bias
        else None
    )
    xs = tuple(_state_vector("x", t, input_size) for t in range(1, T + 1))
    h0 = _state_vector("h", 0, n)
    y = sp.ImmutableMatrix(n, 1, lambda i, _: sp.Symbol(f"y_{{{i + 1}}}", real=True))

    z, h, J = [], [h0], []
    for t in range(1, T + 1):
        z_t = W_hh * h[t - 1] + W_xh * xs[t - 1]
        if b_h is not None:
            z_t += b_h
        z.append(sp.ImmutableMatrix(z_t))
        h.append(z[-1].applyfunc(sp.tanh))
        J.append(sp.ImmutableMatrix(_diag_tanh_prime(z[-1]) * W_hh))
    error = h[T] - y
    loss = (error.T * error)[0, 0] / 2

    terms = []
    for k in range(1, T + 1):
        backward = error  # (J_T ... J_{k+1})^T error = J_{k+1}^T ( ... (J_T^T error))
        for j in range(T, k, -1):
            backward = J[j - 1].T * backward
        terms.append(sp.ImmutableMatrix(_diag_tanh_prime(z[k - 1]) * backward * h[k - 1].T))
    return MatrixRNN(
        T=T,
        W_hh=W_hh,
        W_xh=W_xh,
        b_h=b_h,
        xs=xs,
        h0=h0,
        y=y,
        pre_activations=tuple(z),
        hidden=tuple(h[1:]),
        jacobians=tuple(J),
        loss=loss,
        grad_diff=sp.ImmutableMatrix(n, n, lambda i, j: sp.diff(loss, W_hh[i, j])),
        grad_bptt=sp.ImmutableMatrix(sum(terms[1:], terms[0])),
        terms=tuple(terms),
        formula=_jacobian_formula(T, sp.Symbol("n", integer=True, positive=True)),
    )


def _diag_tanh_prime(z: sp.ImmutableMatrix) -> sp.Matrix:
    """diag(1 - tanh(z_i)^2) for a column vector z."""
    return sp.diag(*[_tanh_derivative(z_i) for z_i in z])
