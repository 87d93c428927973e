"""Tests for vanishing.meanfield (quadrature against Monte Carlo and closed forms) and
vanishing.symbolic.meanfield (SymPy's integrals against the package and a second route)."""

import numpy as np
import pytest
import sympy as sp

from vanishing import meanfield as mf
from vanishing.symbolic import meanfield as smf


def _mc(f, q, n=2_000_000, seed=0):
    u = np.random.default_rng(seed).standard_normal(n)
    return float(np.mean(f(np.sqrt(q) * u)))


@pytest.mark.parametrize("q", [0.01, 0.5, 2.0, 4.0])  # the q* of the book's grids are below 3
def test_tanh_moments_match_monte_carlo(q):
    assert mf.second_moment(q) == pytest.approx(_mc(lambda z: np.tanh(z) ** 2, q), rel=2e-3)
    slope = _mc(lambda z: (1 - np.tanh(z) ** 2) ** 2, q)
    assert mf.slope_moment(q) == pytest.approx(slope, rel=2e-3)


def test_relu_and_linear_closed_forms_match_monte_carlo():
    q = 1.7
    assert mf.second_moment(q, "relu") == pytest.approx(
        _mc(lambda z: np.maximum(z, 0) ** 2, q), rel=3e-3
    )
    assert mf.slope_moment(q, "relu") == pytest.approx(_mc(lambda z: (z > 0) * 1.0, q), rel=2e-3)
    assert mf.second_moment(q, "linear") == q and mf.slope_moment(q, "linear") == 1.0


def test_fixed_point_is_a_fixed_point_and_chi_matches_its_definition():
    w, b = np.array([0.8, 1.5, 3.0]), np.array([0.0, 0.05, 0.3])
    q = mf.fixed_point(w, b, iters=2000)
    np.testing.assert_allclose(mf.variance_map(q, w, b), q, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(mf.chi_1(w, q), w * mf.slope_moment(q))


def test_critical_line_has_chi_one_at_its_fixed_point():
    w, b = mf.critical_line(np.array([0.05, 0.5, 2.0]))
    assert np.all(b >= 0)
    q = mf.fixed_point(w, b, iters=3000)
    np.testing.assert_allclose(mf.chi_1(w, q), 1.0, atol=1e-6)


def test_depth_scales_ordered_and_chaotic():
    d = mf.depth_scales(np.array([1.0, 3.0]), 0.05)
    assert d.chi_1[0] < 1 and d.c_star[0] == 1.0
    assert d.chi_c[0] == pytest.approx(d.chi_1[0], rel=1e-6)  # at c* = 1, chi_c = chi_1
    assert d.chi_1[1] > 1 and 0 < d.c_star[1] < 1 and d.chi_c[1] < 1
    # c* is a fixed point of the correlation map, and c = 1 always is
    c = mf.correlation_map(d.c_star[1], d.q_star[1], 3.0, 0.05)
    assert c == pytest.approx(d.c_star[1], abs=1e-6)
    assert mf.correlation_map(1.0, d.q_star[0], 1.0, 0.05) == pytest.approx(1.0, abs=1e-9)
    assert np.all(np.isfinite(d.xi_c)) and np.all(d.xi_c > 0)


def test_xi_c_diverges_at_the_edge_of_chaos():
    w_crit = float(np.interp(0.05, *mf.critical_line(np.geomspace(1e-3, 3, 400))[::-1]))
    near = mf.depth_scales(np.array([w_crit - 0.3, w_crit - 0.03, w_crit - 0.003]), 0.05, iters=200)
    assert np.all(np.diff(near.xi_c) > 0) and near.xi_c[-1] > 100


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_sympy_derivation_matches_the_package(activation):
    d = smf.derive(activation)
    f = sp.lambdify(
        (d.q, d.sigma_w2, d.sigma_b2), [d.second_moment, d.slope_moment, d.chi_1, d.q_star]
    )
    for q, w2, b2 in [(0.7, 0.8, 0.1), (2.5, 0.5, 0.3)]:  # chi_1 < 1: q* finite
        second, slope, chi, q_star = f(q, w2, b2)
        assert second == pytest.approx(float(mf.second_moment(q, activation)), rel=1e-14)
        assert slope == pytest.approx(float(mf.slope_moment(q, activation)), rel=1e-14)
        assert chi == pytest.approx(float(mf.chi_1(w2, q, activation)), rel=1e-14)
        assert q_star == pytest.approx(float(mf.fixed_point(w2, b2, activation)), rel=1e-12)
        # the second route: q* solves the variance map
        assert float(
            d.variance_map.subs({d.q: q_star, d.sigma_w2: w2, d.sigma_b2: b2})
        ) == pytest.approx(q_star)


def test_sympy_relu_criticality_is_he():
    d = smf.derive("relu")
    assert sp.solve(sp.Eq(d.chi_1, 1), d.sigma_w2) == [2]
    assert sp.simplify(d.slope_moment - sp.Rational(1, 2)) == 0
    assert "relu" in d.latex_display()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="activation"):
        mf.second_moment(1.0, "gelu")
    with pytest.raises(ValueError, match="q"):
        mf.slope_moment(-1.0)
    with pytest.raises(ValueError, match="sigma_w2"):
        mf.fixed_point(0.0, 0.1)
    with pytest.raises(ValueError, match="sigma_b2"):
        mf.variance_map(1.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="q_star"):
        mf.critical_line(0.0)
    with pytest.raises(ValueError, match="activation"):
        smf.derive("tanh")


def test_displayed_fixed_point_has_a_positive_denominator_and_its_condition():
    # referee minor 4: q* = 2 sigma_b^2 / (2 - sigma_w^2) for sigma_w^2 < 2, not -2 sigma_b^2 / ...
    from vanishing.symbolic import meanfield as sym

    relu, linear = sym.derive("relu").latex_display(), sym.derive("linear").latex_display()
    assert r"\frac{2 \sigma^{2}_{b}}{2 - \sigma^{2}_{w}}\quad(\sigma_w^2 < 2)" in relu
    assert r"\frac{\sigma^{2}_{b}}{1 - \sigma^{2}_{w}}\quad(\sigma_w^2 < 1)" in linear
