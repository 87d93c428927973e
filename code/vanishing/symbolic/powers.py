"""Chapter 3 ("Powers of W"): M^k by eigendecomposition, Jordan blocks, rho(M) versus sigma_max(M).

Notation: M = V Lambda V^{-1} with V the eigenvector matrix (never W: W is the weight) and
Lambda = diag(lambda_1, ..., lambda_n); k is a positive integer symbol. rho(M) is the largest
|lambda_i|, sigma_max(M) the square root of the largest eigenvalue of M^T M (M^H M if complex).
Everything is exact: Float entries are turned into the rationals they print as.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = [
    "EigenPower",
    "JordanPower",
    "example_matrix",
    "jordan_power",
    "power_by_eigendecomposition",
    "sigma_max_exact",
    "spectral_radius_exact",
]

_TEX = {"M": r"\mathbf{M}", "V": r"\mathbf{V}", "Lambda": r"\boldsymbol{\Lambda}"}


class _BookMatrixSymbol(sp.MatrixSymbol):
    """MatrixSymbol named ``M``, ``V`` or ``Lambda``; prints bold, as in the book."""

    def _latex(self, printer):
        return _TEX.get(self.name, self.name)


def example_matrix() -> sp.ImmutableMatrix:
    """Chapter 3, the running example M = [[1/2, 1/100], [3/10, 1/2]] with exact rationals."""
    R = sp.Rational
    return sp.ImmutableMatrix([[R(1, 2), R(1, 100)], [R(3, 10), R(1, 2)]])


def _check_matrix(M, name: str = "M", square: bool = True) -> sp.ImmutableMatrix:
    """Return ``M`` as an exact, non-empty ImmutableMatrix, or raise naming the argument."""
    if not isinstance(M, sp.MatrixBase):
        try:
            M = sp.Matrix(M)
        except (TypeError, ValueError, sp.SympifyError) as err:
            raise TypeError(f"{name} must be a SymPy Matrix, got {type(M).__name__} {M!r}") from err
    if M.rows == 0 or M.cols == 0:
        raise ValueError(f"{name} must be a non-empty matrix, got shape {M.shape}")
    if square and M.rows != M.cols:
        raise ValueError(f"{name} must be square, got shape {M.rows}x{M.cols}")
    if M.free_symbols:
        raise ValueError(f"{name} must have numeric entries, got symbols {M.free_symbols}")
    return sp.ImmutableMatrix(M.applyfunc(lambda e: sp.nsimplify(e, rational=True)))


# --------------------------------------------------------------------------- eigendecomposition


@dataclass(frozen=True)
class EigenPower:
    """Chapter 3, M^k = V Lambda^k V^{-1} for a diagonalizable M, k a positive integer symbol."""

    M: sp.ImmutableMatrix
    V: sp.ImmutableMatrix  # eigenvectors as columns
    Lam: sp.ImmutableMatrix  # diag(lambda_1, ..., lambda_n), same order as the columns of V
    V_inv: sp.ImmutableMatrix  # V^{-1}, denominators rationalised
    k: sp.Symbol
    Lam_k: sp.ImmutableMatrix  # diag(lambda_1^k, ..., lambda_n^k)
    M_k: sp.ImmutableMatrix  # V Lam_k V^{-1}, each entry collected on the lambda_i^k
    eigenvalues: tuple  # lambda_1, ..., lambda_n (with multiplicity)
    formula: sp.MatrixExpr  # V Lambda^k V^{-1} in matrix symbols, for display

    def latex_display(self) -> str:
        """Chapter 3, LaTeX of M^k = V Lambda^k V^{-1} = (the explicit matrix)."""
        M = _BookMatrixSymbol("M", *self.M.shape)
        return " = ".join(
            [sp.latex(sp.MatPow(M, self.k)), sp.latex(self.formula), sp.latex(self.M_k)]
        )


def power_by_eigendecomposition(M=None) -> EigenPower:
    """Chapter 3, M^k = V Lambda^k V^{-1}; M defaults to ``example_matrix()``."""
    M = example_matrix() if M is None else _check_matrix(M, "M")
    if not M.is_diagonalizable():
        raise ValueError(
            f"M = {M.tolist()} is not diagonalizable: it has no basis of eigenvectors, so "
            "M != V Lambda V^{-1}; use its Jordan form (see jordan_power) instead"
        )
    V, Lam = M.diagonalize()
    V_inv = V.inv().applyfunc(sp.radsimp)
    k = sp.Symbol("k", integer=True, positive=True)
    eigenvalues = tuple(Lam[i, i] for i in range(Lam.rows))
    Lam_k = sp.diag(*[lam**k for lam in eigenvalues])
    powers = [lam**k for lam in eigenvalues]
    M_k = (V * Lam_k * V_inv).applyfunc(lambda e: sp.collect(sp.expand(e), powers))
    n = M.rows
    V_sym = _BookMatrixSymbol("V", n, n)
    return EigenPower(
        M=M,
        V=sp.ImmutableMatrix(V),
        Lam=sp.ImmutableMatrix(Lam),
        V_inv=sp.ImmutableMatrix(V_inv),
        k=k,
        Lam_k=sp.ImmutableMatrix(Lam_k),
        M_k=sp.ImmutableMatrix(M_k),
        eigenvalues=eigenvalues,
        formula=sp.MatMul(
            V_sym, sp.MatPow(_BookMatrixSymbol("Lambda", n, n), k), sp.Inverse(V_sym)
        ),
    )


# --------------------------------------------------------------------------- Jordan block


@dataclass(frozen=True)
class JordanPower:
    """Chapter 3, J = [[lam, 1], [0, lam]] and its typed closed form J^k = [[lam^k, k lam^(k-1)],
    [0, lam^k]], which ``holds_by_induction`` checks (SymPy does not derive it)."""

    lam: sp.Symbol
    k: sp.Symbol
    J: sp.ImmutableMatrix
    J_k: sp.ImmutableMatrix  # the closed form, k a positive integer symbol

    def induction_step(self) -> sp.ImmutableMatrix:
        """J^k J - J^(k+1), both from the closed form, after expand and powsimp: zero if the
        closed form at k implies the one at k + 1."""
        difference = self.J_k * self.J - self.J_k.subs(self.k, self.k + 1)
        return sp.ImmutableMatrix(difference.applyfunc(lambda e: sp.powsimp(sp.expand(e))))

    def holds_by_induction(self) -> bool:
        """Base case k = 1 (the closed form gives J) and the induction step both hold."""
        base = self.J_k.subs(self.k, 1) == self.J
        return bool(base and self.induction_step().is_zero_matrix)

    def latex_display(self) -> str:
        """Chapter 3, LaTeX of J^k = (closed form)."""
        return sp.latex(sp.MatPow(self.J, self.k)) + " = " + sp.latex(self.J_k)


def jordan_power() -> JordanPower:
    """Chapter 3, the typed closed form of a 2x2 Jordan block's power, symbolic lam and k."""
    lam = sp.Symbol("lambda")
    k = sp.Symbol("k", integer=True, positive=True)
    return JordanPower(
        lam=lam,
        k=k,
        J=sp.ImmutableMatrix([[lam, 1], [0, lam]]),
        J_k=sp.ImmutableMatrix([[lam**k, k * lam ** (k - 1)], [0, lam**k]]),
    )


# --------------------------------------------------------------------------- rho and sigma_max


def _eigenvalues(A: sp.ImmutableMatrix) -> list:
    """Eigenvalues of A with multiplicity: radicals where they are real-friendly (degree <= 2 or
    rational roots), CRootOf otherwise, so a real eigenvalue never prints with a spurious I."""
    poly = A.charpoly()
    if poly.domain.is_ZZ or poly.domain.is_QQ:
        return poly.all_roots(radicals=True)
    return A.eigenvals(multiple=True)


def _largest(values):
    """The value with the largest real part, compared at 50 digits; exact values returned."""
    return max(values, key=lambda v: sp.re(sp.N(v, 50)))


def spectral_radius_exact(M=None) -> sp.Expr:
    """Chapter 3, rho(M) = max_i |lambda_i(M)|, exact; M defaults to ``example_matrix()``."""
    M = example_matrix() if M is None else _check_matrix(M, "M")
    return _largest([sp.Abs(lam) for lam in _eigenvalues(M)])


def sigma_max_exact(M=None) -> sp.Expr:
    """Chapter 3, sigma_max(M) = sqrt(largest eigenvalue of M^T M), exact; M may be rectangular."""
    M = example_matrix() if M is None else _check_matrix(M, "M", square=False)
    return sp.sqrt(_largest(_eigenvalues(M.H * M)))
