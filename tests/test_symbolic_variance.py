"""Chapter 5 variance algebra (vanishing.symbolic.variance): the general formulas against the
explicit small-layer expansions, the closed forms of the integrals, Monte Carlo, and
vanishing.init."""

import numpy as np
import pytest
import sympy as sp

from vanishing.init import init_weight, weight_variance
from vanishing.symbolic import (
    BackwardVariance,
    Expect,
    ForwardVariance,
    HeVariance,
    Var,
    XavierVariance,
    backward_variance,
    forward_variance,
    he,
    phi_prime,
    xavier,
)
from vanishing.symbolic.variance import tanh_variance_map

# --------------------------------------------------------------------------- forward


def test_typed_forward_formula_is_what_the_expansion_gives_for_every_n():
    """The general formula is typed; SymPy checks it against the explicit expansion."""
    f = forward_variance()
    assert isinstance(f, ForwardVariance)
    assert f.equation.lhs == Var(sp.Symbol("z", real=True)) and f.equation.rhs == f.variance
    for n in range(1, 7):
        assert f.variance.subs(f.n_in, n) == forward_variance(n).second_moment_explicit


def test_forward_explicit_latex_is_the_expansion():
    assert forward_variance(3).latex_explicit() == (
        r"\mathbb{E}\left[\left(a_{1} w_{1} + a_{2} w_{2} + a_{3} w_{3}\right)^{2}\right] = 3 m v"
    )


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_forward_explicit_expansion_agrees_with_the_formula(n):
    f = forward_variance(n)
    assert f.n == n and len(sp.Add.make_args(f.z_explicit)) == n
    assert f.mean_explicit == 0
    assert f.second_moment_explicit == f.variance.subs(f.n_in, n)
    assert f.variance_explicit == f.variance.subs(f.n_in, n)
    # neither the inputs' mean nor their correlations c_ij survive: only v and m do
    assert f.second_moment_explicit.free_symbols == {f.v, f.m}


def test_forward_monte_carlo():
    rng = np.random.default_rng(0)
    n_in, v, samples = 20, 0.3, 200_000
    w = rng.normal(0.0, np.sqrt(v), (samples, n_in))
    a = rng.uniform(0.0, 2.0, (samples, n_in))  # mean 1, second moment m = 4/3
    z = np.sum(w * a, axis=1)
    f = forward_variance()
    expected = float(f.variance.subs({f.n_in: n_in, f.v: v, f.m: sp.Rational(4, 3)}))
    assert expected == pytest.approx(8.0)
    assert np.var(z) == pytest.approx(expected, rel=0.02)


def test_forward_monte_carlo_with_perfectly_correlated_inputs():
    """The inputs need not be independent: the cross terms die because E[w_i w_j] = 0."""
    rng = np.random.default_rng(1)
    n_in, v, samples = 10, 0.5, 200_000
    w = rng.normal(0.0, np.sqrt(v), (samples, n_in))
    a = np.repeat(rng.normal(2.0, 1.0, (samples, 1)), n_in, axis=1)  # m = 4 + 1 = 5
    assert np.var(np.sum(w * a, axis=1)) == pytest.approx(n_in * v * 5.0, rel=0.03)


def test_forward_latex():
    assert forward_variance().latex_display() == (
        r"\operatorname{Var}\left[z\right] = \sum_{j=1}^{n_{in}} \mathbb{E}\left[w_{j}^{2}\right]"
        r" \mathbb{E}\left[a_{j}^{2}\right] = m n_{in} v"
    )


# --------------------------------------------------------------------------- backward


def test_typed_backward_formula_is_what_the_expansion_gives_for_every_n():
    b = backward_variance()
    assert isinstance(b, BackwardVariance)
    z = sp.Symbol("z", real=True)
    assert b.phi_prime_sq == Expect(phi_prime(z) ** 2) and b.equation.rhs == b.variance
    for n in range(1, 7):
        assert b.variance.subs(b.n_out, n) == backward_variance(n).second_moment_explicit
    assert b.linear == b.variance.subs(b.phi_prime_sq, 1)


def test_backward_monte_carlo_linear():
    """phi' = 1: Var[delta_in] = n_out v Var[delta_out], the linear regime of the text."""
    rng = np.random.default_rng(7)
    n_out, v, q, samples = 12, 0.4, 2.0, 200_000
    w = rng.normal(0.0, np.sqrt(v), (samples, n_out))
    d = rng.normal(0.0, np.sqrt(q), (samples, n_out))
    b = backward_variance()
    expected = float(b.linear.subs({b.n_out: n_out, b.v: v, b.var_out: q}))
    assert np.var(np.sum(w * d, axis=1)) == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("n", [1, 3, 4])
def test_backward_explicit_expansion_agrees_with_the_formula(n):
    b = backward_variance(n)
    assert b.mean_explicit == 0
    assert b.second_moment_explicit == b.variance.subs(b.n_out, n)
    assert b.variance_explicit == b.variance.subs(b.n_out, n)


def test_backward_monte_carlo_relu():
    """phi' = relu'(z) is 0 or 1 with probability 1/2 each, so E[phi'^2] = 1/2."""
    rng = np.random.default_rng(2)
    n_out, v, q, samples = 16, 0.25, 3.0, 200_000
    p = (rng.standard_normal((samples, 1)) > 0).astype(float)
    w = rng.normal(0.0, np.sqrt(v), (samples, n_out))
    d = rng.normal(0.0, np.sqrt(q), (samples, n_out))
    delta_in = p[:, 0] * np.sum(w * d, axis=1)
    b = backward_variance()
    expected = b.variance.subs({b.n_out: n_out, b.v: v, b.var_out: q, b.phi_prime_sq: 0.5})
    assert np.var(delta_in) == pytest.approx(float(expected), rel=0.02)


def test_backward_latex():
    tex = backward_variance().latex_display()
    assert tex.startswith(r"\operatorname{Var}\left[\delta_{in}\right] = ")
    assert r"\mathbb{E}\left[\left(\phi'\left(z\right)\right)^{2}\right]" in tex
    assert r"\operatorname{Var}\left[\delta_{out}\right]" in tex


# --------------------------------------------------------------------------- Xavier


def test_xavier_conditions_and_compromise():
    x = xavier()
    assert isinstance(x, XavierVariance)
    assert x.both_iff == sp.Eq(x.n_out, x.n_in)
    assert x.variance == 2 / (x.n_in + x.n_out)
    # the compromise satisfies the average of the two conditions, and each one iff n_in = n_out
    assert sp.cancel((x.n_in + x.n_out) * x.variance / 2) == 1
    square = [(x.v, x.variance), (x.n_out, x.n_in)]
    assert x.forward_condition.subs(square) == sp.true
    assert x.backward_condition.subs(square) == sp.true
    assert x.forward_condition.subs(x.v, x.variance).subs(x.n_out, 2 * x.n_in) == sp.false


def test_xavier_compromise_is_the_average_of_the_two_conditions():
    x = xavier()
    assert (
        sp.simplify(x.compromise.lhs - (x.forward_condition.lhs + x.backward_condition.lhs) / 2)
        == 0
    )
    assert sp.simplify(x.compromise.lhs.subs(x.v, x.variance) - 1) == 0


def test_uniform_moments_are_the_closed_forms():
    x = xavier()
    assert x.uniform_mean == 0
    assert x.uniform_variance == x.a**2 / 3
    assert sp.cancel(x.bound**2 - 6 / (x.n_in + x.n_out)) == 0
    assert x.bound.is_positive


def test_uniform_variance_monte_carlo():
    rng = np.random.default_rng(3)
    a = 1.7
    x = xavier()
    assert np.var(rng.uniform(-a, a, 1_000_000)) == pytest.approx(
        float(x.uniform_variance.subs(x.a, a)), rel=0.01
    )


@pytest.mark.parametrize(("n_in", "n_out"), [(100, 100), (300, 50), (20, 700)])
def test_xavier_matches_init(n_in, n_out):
    x = xavier()
    values = {x.n_in: n_in, x.n_out: n_out}
    assert float(x.variance.subs(values)) == pytest.approx(
        weight_variance(n_out, n_in, scheme="xavier")
    )
    W = init_weight(n_out, n_in, scheme="xavier_uniform", rng=np.random.default_rng(4))
    bound = float(x.bound.subs(values))
    assert np.max(np.abs(W)) <= bound
    assert np.max(np.abs(W)) == pytest.approx(bound, rel=0.01)  # the samples fill [-a, a]
    assert np.var(W) == pytest.approx(float(x.variance.subs(values)), rel=0.05)


def test_xavier_latex():
    tex = xavier().latex_display()
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert (
        r"\frac{n_{in} v}{2} + \frac{n_{out} v}{2} = 1 &\implies v = \frac{2}{n_{in} + n_{out}}"
        in tex
    )
    assert r"\int\limits_{- a}^{a} \frac{x^{2}}{2 a}\, dx = \frac{a^{2}}{3}" in tex
    assert r"a &= \frac{\sqrt{6}}{\sqrt{n_{in} + n_{out}}}" in tex


# --------------------------------------------------------------------------- He


def test_he_integrals_are_the_closed_forms():
    h = he()
    assert isinstance(h, HeVariance)
    assert sp.integrate(h.density, (h.z, -sp.oo, sp.oo)) == 1
    assert h.gaussian_second_moment == h.s**2
    assert h.relu_second_moment == h.s**2 / 2


def test_he_variance_and_decay():
    h = he()
    assert h.forward_factor == h.n_in * h.v / 2
    assert h.variance == 2 / h.n_in
    assert h.per_layer_factor == sp.S.Half
    assert h.per_layer_factor_he == 1
    assert h.second_moment_decay.subs(h.L, 3) == sp.Rational(1, 8)
    assert h.norm_decay == 2 ** (-h.L / 2)
    for n in (10, 256):
        assert float(h.variance.subs(h.n_in, n)) == pytest.approx(
            weight_variance(n, n, scheme="he")
        )


@pytest.mark.parametrize("s", [0.3, 1.0, 2.5])
def test_relu_second_moment_monte_carlo(s):
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, s, 1_000_000)
    h = he()
    expected = float(h.relu_second_moment.subs(h.s, s))
    assert np.mean(np.maximum(z, 0.0) ** 2) == pytest.approx(expected, rel=0.01)


def _per_layer_factor(n, L, v, batch=128, seeds=range(4)):
    """Geometric-mean factor per layer of the mean squared activation, (m_L / m_0)^(1/L), of a
    deep net a^(l) = relu(W^(l) a^(l-1)) with W_ij ~ N(0, v), averaged in log over networks."""
    logs = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        a = rng.standard_normal((n, batch))
        m0 = np.mean(a**2)
        for _ in range(L):
            a = np.maximum(rng.normal(0.0, np.sqrt(v), (n, n)) @ a, 0.0)
        logs.append(np.log(np.mean(a**2) / m0) / L)
    return float(np.exp(np.mean(logs)))


def test_xavier_for_relu_decays_as_2_to_minus_L_over_2():
    h = he()
    n, L = 800, 10
    factor = _per_layer_factor(n, L, 1.0 / n)  # v = 1/n: Xavier with n_in = n_out = n
    assert factor == pytest.approx(float(h.per_layer_factor), rel=0.03)
    # ||a^(L)|| / ||x|| = sqrt(m_L / m_0) for equal widths
    assert np.sqrt(factor**L) == pytest.approx(float(h.norm_decay.subs(h.L, L)), rel=0.2)


def test_he_preserves_the_second_moment():
    h = he()
    n, L = 800, 10
    factor = _per_layer_factor(n, L, float(h.variance.subs(h.n_in, n)))
    assert factor == pytest.approx(float(h.per_layer_factor_he), rel=0.03)


def test_he_latex():
    tex = he().latex_display()
    assert r"= \frac{s^{2}}{2} = \frac{\operatorname{Var}\left[z\right]}{2}" in tex
    assert r"\iff v = \frac{2}{n_{in}}" in tex
    assert tex.endswith(r"\approx 2^{- \frac{L}{2}}\end{aligned}")


# --------------------------------------------------------------------------- common


@pytest.mark.parametrize("build", [forward_variance, backward_variance, xavier, he])
def test_results_are_frozen(build):
    result = build()
    with pytest.raises(AttributeError):
        result.v = sp.S.One


@pytest.mark.parametrize("build", [forward_variance, backward_variance])
def test_bad_n(build):
    with pytest.raises(ValueError, match="^n"):
        build(0)
    with pytest.raises(TypeError, match="^n"):
        build(2.0)
    with pytest.raises(TypeError, match="^n"):
        build(True)


# --------------------------------------------------------------------------- tanh map


def test_tanh_variance_map_series_matches_quadrature():
    m = tanh_variance_map()
    assert m.series == m.q - 2 * m.q**2 + sp.Rational(17, 3) * m.q**3
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / weights.sum()
    f = sp.lambdify(m.q, m.series)
    for q in (1e-3, 1e-2, 3e-2):
        exact = float(weights @ np.tanh(np.sqrt(q) * nodes) ** 2)
        assert abs(exact - f(q)) < 30 * q**4  # the O(q^4) remainder
    assert m.decay == 1 / (2 * m.l)
    assert "O\\bigl(q_{\\ell}^{4}\\bigr)" in m.latex_display()


def test_tanh_variance_map_power_law_holds_when_iterated():
    """q_l l -> 1/2: iterate the exact map (quadrature) from q_1 = 1."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / weights.sum()
    q = 1.0
    for l in range(1, 2001):
        if l in (200, 2000):
            assert q * l == pytest.approx(0.5, rel=0.05 if l == 200 else 0.01)
        q = float(weights @ np.tanh(np.sqrt(q) * nodes) ** 2)
