"""Chapter 5 ("Initialisation"): the variance algebra behind Xavier/Glorot and He, in SymPy.

A layer computes z_i = sum_{j=1}^{n_in} w_ij a_j with weights that are independent, zero-mean,
of variance v, and independent of the inputs a_j (second moment m = E[a_j^2]); backward,
delta_j = phi'(z_j) sum_{k=1}^{n_out} w_kj delta_k with phi'(z_j) and the delta_k assumed
independent of the weights and of each other (Glorot & Bengio 2010; He et al. 2015).

Each general formula comes with a second, independent route: the same moment computed on an
explicit small layer (n = 3 by default) by expanding the polynomial and applying linearity and
independence term by term (``_expectation``), without using the formula.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from vanishing.validate import check_size

from .rnn import phi_prime

__all__ = [
    "BackwardVariance",
    "TanhVarianceMap",
    "Expect",
    "ForwardVariance",
    "HeVariance",
    "Var",
    "XavierVariance",
    "backward_variance",
    "forward_variance",
    "he",
    "tanh_variance_map",
    "xavier",
]


class Var(sp.Function):  # noqa: N801 - a display operator, named as in the book
    """Chapter 5, unevaluated Var[x] for display; prints \\operatorname{Var}[x]."""

    def _latex(self, printer, exp=None):
        body = rf"\operatorname{{Var}}\left[{printer._print(self.args[0])}\right]"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class Expect(sp.Function):  # noqa: N801 - a display operator, named as in the book
    """Chapter 5, unevaluated E[x] for display; prints \\mathbb{E}[x]."""

    def _latex(self, printer, exp=None):
        body = rf"\mathbb{{E}}\left[{printer._print(self.args[0])}\right]"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


# --------------------------------------------------------------------------- expectations

# A group of random symbols independent of every other group, with its joint moments:
# moment(exponents) = E[prod_i x_i^{k_i}] for the group's symbols x_i.
_Group = tuple[tuple[sp.Symbol, ...], Callable[[tuple[int, ...]], sp.Expr]]


def _expectation(expr: sp.Expr, groups: list[_Group]) -> sp.Expr:
    """E[expr] for a polynomial in random symbols split into mutually independent groups: by
    linearity over the monomials, and E[product] = product of the groups' joint moments."""
    symbols = [x for xs, _ in groups for x in xs]
    total = sp.S.Zero
    for exponents, coeff in sp.Poly(sp.expand(expr), *symbols).terms():
        term, start = coeff, 0
        for xs, moment in groups:
            part = exponents[start : start + len(xs)]
            start += len(xs)
            if any(part):
                term *= moment(part)
        total += term
    return sp.expand(total)


def _single(mean: sp.Expr, second: sp.Expr) -> Callable[[tuple[int, ...]], sp.Expr]:
    """Moments E[x] = mean, E[x^2] = second of one symbol (a polynomial of degree <= 2)."""
    return lambda part: {1: mean, 2: second}[part[0]]


def _joint(symbols, mean, second, name: str) -> Callable[[tuple[int, ...]], sp.Expr]:
    """Moments of possibly correlated symbols x_1..x_n: E[x_i] = mean, E[x_i^2] = second and
    E[x_i x_j] = a free symbol ``name_{ij}`` (i < j), so no independence among them is used."""

    def moment(part):
        used = [(i, k) for i, k in enumerate(part) if k]
        if len(used) == 1:
            return {1: mean, 2: second}[used[0][1]]
        (i, _), (j, _) = used  # degree 2: x_i x_j with i < j
        return sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}", real=True)

    return moment


def _check_n(n) -> int:
    return check_size(n, "n")


# --------------------------------------------------------------------------- forward


@dataclass(frozen=True)
class ForwardVariance:
    """Chapter 5, forward pass: z = sum_{j=1}^{n_in} w_j a_j has Var(z) = n_in v m."""

    n_in: sp.Symbol
    v: sp.Symbol  # Var(w_j), E[w_j] = 0
    m: sp.Symbol  # E[a_j^2], the inputs' second moment (their mean need not be 0)
    variance: sp.Expr  # n_in v m
    equation: sp.Eq  # Var[z] = n_in v m
    n: int  # size of the explicit layer
    z_explicit: sp.Expr  # w_1 a_1 + ... + w_n a_n
    mean_explicit: sp.Expr  # E[z] by expansion: 0
    second_moment_explicit: sp.Expr  # E[z^2] by expansion: n v m
    variance_explicit: sp.Expr  # E[z^2] - E[z]^2

    def latex_display(self) -> str:
        """Chapter 5, LaTeX of Var[z] = sum_j E[w_j^2] E[a_j^2] = n_in v m."""
        j = sp.Symbol("j", integer=True, positive=True)
        w_j, a_j = sp.Symbol("w_j", real=True), sp.Symbol("a_j", real=True)
        terms = sp.Sum(sp.Mul(Expect(w_j**2), Expect(a_j**2), evaluate=False), (j, 1, self.n_in))
        return (
            f"{sp.latex(self.equation.lhs)} = {sp.latex(terms, order='none')} "
            f"= {sp.latex(self.variance)}"
        )

    def latex_explicit(self) -> str:
        """Chapter 5, LaTeX of E[z^2] for the explicit n-input layer, as SymPy expanded it."""
        return (
            rf"\mathbb{{E}}\left[\left({sp.latex(self.z_explicit)}\right)^{{2}}\right] "
            f"= {sp.latex(self.second_moment_explicit)}"
        )


@cache
def _forward_variance(n: int) -> ForwardVariance:
    n_in = sp.Symbol("n_in", integer=True, positive=True)
    v, m, mu = sp.symbols("v m mu", positive=True)
    z = sp.Symbol("z", real=True)
    w = sp.symbols(f"w_1:{n + 1}", real=True)
    a = sp.symbols(f"a_1:{n + 1}", real=True)
    z_explicit = sum((wi * ai for wi, ai in zip(w, a, strict=True)), sp.S.Zero)
    groups = [((wi,), _single(sp.S.Zero, v)) for wi in w] + [(a, _joint(a, mu, m, "c"))]
    mean = _expectation(z_explicit, groups)
    second = _expectation(z_explicit**2, groups)
    variance = n_in * v * m
    return ForwardVariance(
        n_in=n_in,
        v=v,
        m=m,
        variance=variance,
        equation=sp.Eq(Var(z), variance),
        n=n,
        z_explicit=z_explicit,
        mean_explicit=mean,
        second_moment_explicit=second,
        variance_explicit=sp.expand(second - mean**2),
    )


def forward_variance(n: int = 3) -> ForwardVariance:
    """Chapter 5, Var(z) = n_in v m; E[z], E[z^2] also expanded for an explicit n-input layer."""
    return _forward_variance(_check_n(n))


# --------------------------------------------------------------------------- backward


@dataclass(frozen=True)
class BackwardVariance:
    """Chapter 5, backward pass: Var(delta_in) = n_out v Var(delta_out) E[phi'(z)^2]."""

    n_out: sp.Symbol
    v: sp.Symbol
    var_out: sp.Expr  # Var[delta_out], the deltas zero-mean
    phi_prime_sq: sp.Expr  # E[phi'(z)^2]
    variance: sp.Expr  # n_out v Var[delta_out] E[phi'(z)^2]
    linear: sp.Expr  # the same for phi' = 1: n_out v Var[delta_out]
    equation: sp.Eq  # Var[delta_in] = variance
    n: int
    delta_explicit: sp.Expr  # p (w_1 d_1 + ... + w_n d_n), p = phi'(z)
    mean_explicit: sp.Expr  # 0
    second_moment_explicit: sp.Expr  # n v Var[delta_out] E[phi'^2]
    variance_explicit: sp.Expr

    def latex_display(self) -> str:
        """Chapter 5, LaTeX of Var[delta_in] = n_out v Var[delta_out] E[phi'(z)^2]."""
        return sp.latex(self.equation)


@cache
def _backward_variance(n: int) -> BackwardVariance:
    n_out = sp.Symbol("n_out", integer=True, positive=True)
    v = sp.Symbol("v", positive=True)
    z = sp.Symbol("z", real=True)
    delta_in, delta_out = sp.symbols("delta_in delta_out", real=True)
    var_out = Var(delta_out)
    phi_prime_sq = Expect(phi_prime(z) ** 2)
    variance = n_out * v * var_out * phi_prime_sq

    p = sp.Symbol("p", real=True)  # phi'(z_j)
    w = sp.symbols(f"w_1:{n + 1}", real=True)
    d = sp.symbols(f"d_1:{n + 1}", real=True)  # delta_out entries, possibly correlated
    delta = p * sum((wi * di for wi, di in zip(w, d, strict=True)), sp.S.Zero)
    groups = [((p,), _single(Expect(phi_prime(z)), phi_prime_sq))]
    groups += [((wi,), _single(sp.S.Zero, v)) for wi in w]
    groups += [(d, _joint(d, sp.S.Zero, var_out, "c"))]
    mean = _expectation(delta, groups)
    second = _expectation(delta**2, groups)
    return BackwardVariance(
        n_out=n_out,
        v=v,
        var_out=var_out,
        phi_prime_sq=phi_prime_sq,
        variance=variance,
        linear=variance.subs(phi_prime_sq, 1),
        equation=sp.Eq(Var(delta_in), variance),
        n=n,
        delta_explicit=delta,
        mean_explicit=mean,
        second_moment_explicit=second,
        variance_explicit=sp.expand(second - mean**2),
    )


def backward_variance(n: int = 3) -> BackwardVariance:
    """Chapter 5, Var(delta_in) = n_out v Var(delta_out) E[phi'^2]; also expanded for n outputs."""
    return _backward_variance(_check_n(n))


# --------------------------------------------------------------------------- Xavier / Glorot


@dataclass(frozen=True)
class XavierVariance:
    """Chapter 5, Glorot & Bengio (2010): v = 2/(n_in + n_out); uniform: a^2 = 6/(n_in + n_out)."""

    n_in: sp.Symbol
    n_out: sp.Symbol
    v: sp.Symbol
    forward_condition: sp.Eq  # n_in v = 1: forward variance preserved (linear regime)
    backward_condition: sp.Eq  # n_out v = 1: backward variance preserved
    both_iff: sp.Eq  # both conditions can hold (for some v) only if n_out = n_in
    compromise: sp.Eq  # Glorot & Bengio's choice: the average of the two conditions
    variance: sp.Expr  # its solution 2/(n_in + n_out)
    a: sp.Symbol  # half-width of U(-a, a)
    uniform_mean: sp.Expr  # int_{-a}^{a} x/(2a) dx = 0
    uniform_variance: sp.Expr  # int_{-a}^{a} x^2/(2a) dx = a^2/3
    bound: sp.Expr  # a with a^2/3 = 2/(n_in + n_out): sqrt(6)/sqrt(n_in + n_out)

    def latex_display(self) -> str:
        """Chapter 5, LaTeX (aligned) of the two conditions, the compromise and the bound."""
        x = sp.Symbol("x", real=True)
        integral = sp.Integral(x**2 / (2 * self.a), (x, -self.a, self.a))
        lines = [
            rf"{sp.latex(self.forward_condition)} \quad\text{{and}}\quad "
            rf"{sp.latex(self.backward_condition)} &\implies {sp.latex(self.both_iff)}",
            rf"{sp.latex(self.compromise)} &\implies {sp.latex(self.v)} = "
            rf"{sp.latex(self.variance)}",
            rf"\operatorname{{Var}}\left[U(-a, a)\right] &= {sp.latex(integral)} "
            rf"= {sp.latex(self.uniform_variance)}",
            rf"{sp.latex(self.a)} &= {sp.latex(self.bound)}",
        ]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


@cache
def _xavier() -> XavierVariance:
    n_in, n_out = sp.symbols("n_in n_out", integer=True, positive=True)
    v, a = sp.symbols("v a", positive=True)
    x = sp.Symbol("x", real=True)
    forward, backward = sp.Eq(n_in * v, 1), sp.Eq(n_out * v, 1)
    (v_forward,) = sp.solve(forward, v)  # 1/n_in
    (v_backward,) = sp.solve(backward, v)  # 1/n_out
    (n_out_both,) = sp.solve(sp.Eq(v_forward, v_backward), n_out)  # n_in
    compromise = sp.Eq((forward.lhs + backward.lhs) / 2, 1)  # average of the two conditions
    (variance,) = sp.solve(compromise, v)
    density = 1 / (2 * a)
    uniform_variance = sp.integrate(x**2 * density, (x, -a, a))
    (bound,) = sp.solve(sp.Eq(uniform_variance, variance), a)
    return XavierVariance(
        n_in=n_in,
        n_out=n_out,
        v=v,
        forward_condition=forward,
        backward_condition=backward,
        both_iff=sp.Eq(n_out, n_out_both),
        compromise=compromise,
        variance=variance,
        a=a,
        uniform_mean=sp.integrate(x * density, (x, -a, a)),
        uniform_variance=uniform_variance,
        bound=bound,
    )


def xavier() -> XavierVariance:
    """Chapter 5, n_in v = 1 and n_out v = 1 both hold only if n_in = n_out; compromise
    v = 2/(n_in + n_out), i.e. U(-a, a) with a = sqrt(6/(n_in + n_out)) since Var = a^2/3."""
    return _xavier()


# --------------------------------------------------------------------------- He


@dataclass(frozen=True)
class HeVariance:
    """Chapter 5, He et al. (2015): E[relu(z)^2] = Var(z)/2, so v = 2/n_in for ReLU."""

    s: sp.Symbol  # standard deviation of z ~ N(0, s^2)
    z: sp.Symbol
    density: sp.Expr  # e^{-z^2/(2 s^2)} / (sqrt(2 pi) s)
    gaussian_second_moment: sp.Expr  # int_R z^2 density = s^2 = Var(z)
    relu_second_moment: sp.Expr  # int_0^oo z^2 density = s^2/2 (relu(z) = 0 for z <= 0)
    n_in: sp.Symbol
    v: sp.Symbol
    forward_factor: sp.Expr  # Var(z_next)/Var(z) = n_in v E[relu(z)^2]/Var(z) = n_in v / 2
    variance: sp.Expr  # solution of forward_factor = 1: 2/n_in
    n: sp.Symbol  # width, n_in = n_out = n
    per_layer_factor: sp.Expr  # forward_factor at v = 1/n (Xavier for ReLU): 1/2
    per_layer_factor_he: sp.Expr  # forward_factor at v = 2/n: 1
    L: sp.Symbol  # depth
    second_moment_decay: sp.Expr  # per_layer_factor^L = 2^(-L)
    norm_decay: sp.Expr  # sqrt of it: 2^(-L/2), the activation norm after L layers

    def latex_display(self) -> str:
        """Chapter 5, LaTeX (aligned) of E[relu(z)^2] = s^2/2, v = 2/n_in and the 2^(-L/2) decay."""
        relu_z = sp.Symbol(r"\operatorname{relu}(z)")
        integral = sp.Integral(self.z**2 * self.density, (self.z, 0, sp.oo))
        lines = [
            rf"{sp.latex(Expect(relu_z**2))} &= {sp.latex(integral)} "
            rf"= {sp.latex(self.relu_second_moment)} = {sp.latex(Var(self.z) / 2)}",
            rf"\frac{{\operatorname{{Var}}[z^{{(l+1)}}]}}{{\operatorname{{Var}}[z^{{(l)}}]}} "
            rf"&= {sp.latex(self.forward_factor)} = 1 \iff "
            rf"{sp.latex(self.v)} = {sp.latex(self.variance)}",
            rf"{sp.latex(self.v)} = \frac{{1}}{{{sp.latex(self.n)}}} &\implies "
            rf"\frac{{\lVert \mathbf{{a}}^{{(L)}} \rVert}}{{\lVert \mathbf{{x}} \rVert}} "
            rf"\approx {sp.latex(self.norm_decay)}",
        ]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


@cache
def _he() -> HeVariance:
    s, v = sp.symbols("s v", positive=True)
    z = sp.Symbol("z", real=True)
    n_in, n, L = sp.symbols("n_in n L", integer=True, positive=True)
    density = sp.exp(-(z**2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    gaussian = sp.integrate(z**2 * density, (z, -sp.oo, sp.oo))
    relu_moment = sp.integrate(z**2 * density, (z, 0, sp.oo))
    forward_factor = n_in * v * relu_moment / gaussian  # Var(z_next) = n_in v E[relu(z)^2]
    _, variance = sp.solve_linear(forward_factor - 1, symbols=[v])  # forward_factor = 1
    per_layer = forward_factor.subs({n_in: n, v: 1 / n})
    second_moment_decay = per_layer**L
    return HeVariance(
        s=s,
        z=z,
        density=density,
        gaussian_second_moment=gaussian,
        relu_second_moment=relu_moment,
        n_in=n_in,
        v=v,
        forward_factor=forward_factor,
        variance=variance,
        n=n,
        per_layer_factor=per_layer,
        per_layer_factor_he=forward_factor.subs({n_in: n, v: 2 / n}),
        L=L,
        second_moment_decay=second_moment_decay,
        norm_decay=sp.sqrt(second_moment_decay),
    )


def he() -> HeVariance:
    """Chapter 5, E[relu(z)^2] = Var(z)/2 by integrating the Gaussian density, hence v = 2/n_in
    preserves the forward variance and v = 1/n shrinks the activation norm by 2^(-L/2)."""
    return _he()


# --------------------------------------------------------------------------- tanh near q = 0


@dataclass(frozen=True)
class TanhVarianceMap:
    """Chapter 5, q_{l+1} = E[tanh(sqrt(q_l) xi)^2], xi ~ N(0, 1) (weight variance 1/n, no bias),
    expanded at q = 0: q - 2 q^2 + O(q^3), so q = 0 is a marginal fixed point and q_l ~ 1/(2 l)."""

    q: sp.Symbol
    series: sp.Expr  # E[tanh(sqrt(q) xi)^2] up to q^order
    order: int
    decay: sp.Expr  # q_l ~ 1/(2 l): the solution of dq/dl = -2 q^2 for large l
    l: sp.Symbol

    def latex_display(self) -> str:
        """Chapter 5, LaTeX of the map's expansion and the power-law decay it implies."""
        xi = sp.Symbol(r"\xi")
        lhs = Expect(sp.tanh(sp.sqrt(self.q) * xi) ** 2)
        return (
            rf"q_{{\ell+1}} = {sp.latex(lhs)} = {sp.latex(self.series, order='rev-lex')} "
            rf"+ O\bigl({sp.latex(self.q ** (self.order + 1))}\bigr)"
            rf"\quad\implies\quad q_\ell \approx {sp.latex(self.decay)}"
        )


@cache
def _tanh_variance_map(order: int) -> TanhVarianceMap:
    q = sp.Symbol("q_{\\ell}", positive=True)
    x = sp.Symbol("x", real=True)
    l = sp.Symbol("\\ell", positive=True)
    poly = sp.series(sp.tanh(x) ** 2, x, 0, 2 * order + 1).removeO()  # even powers of x
    # E[(sqrt(q) xi)^(2k)] = q^k (2k - 1)!! for xi ~ N(0, 1); odd moments vanish
    series = sum(
        (poly.coeff(x, 2 * k) * q**k * sp.factorial2(2 * k - 1) for k in range(1, order + 1)),
        sp.S.Zero,
    )
    lead = series.coeff(q, 2)  # q_{l+1} - q_l ~ lead q^2
    f = sp.Function("f")
    solution = sp.dsolve(sp.Eq(f(l).diff(l), lead * f(l) ** 2), f(l)).rhs  # -1/(lead l + C)
    decay = sp.limit(solution * l, l, sp.oo) / l  # leading term for large l, whatever C is
    return TanhVarianceMap(q=q, series=sp.expand(series), order=order, decay=decay, l=l)


def tanh_variance_map(order: int = 3) -> TanhVarianceMap:
    """Chapter 5, the tanh variance map at weight variance 1/n, no bias, expanded to q^order by
    SymPy (series of tanh^2, then Gaussian moments); its q^2 term gives q_l ~ 1/(2 l)."""
    return _tanh_variance_map(check_size(order, "order"))
