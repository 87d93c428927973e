"""Tests for vanishing.symbolic.memory (ch. 8): the series SymPy sums against the typed closed
forms, against a direct partial sum, and against Monte Carlo."""

import numpy as np
import pytest
import sympy as sp

from vanishing.experiments import ch08 as ex
from vanishing.symbolic.memory import LAMBDA, SETTINGS, memory_sensitivity


@pytest.mark.parametrize("setting", SETTINGS)
def test_derived_equals_typed(setting):
    result = memory_sensitivity(setting)
    assert result.agrees
    expected_var = 1 / (1 - LAMBDA**2) if setting == "plain" else sp.Integer(1)
    assert sp.cancel(result.variance - expected_var) == 0


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("lam", [0.3, 0.7, 0.95])
def test_typed_equals_a_long_partial_sum(setting, lam):
    """Independent of SymPy's summation: the coefficient of x_{t-k} differentiated numerically."""
    k = np.arange(20000)
    gamma = (lambda v: 1.0) if setting == "plain" else (lambda v: np.sqrt(1 - v**2))
    eps = 1e-6
    slope = (gamma(lam + eps) * (lam + eps) ** k - gamma(lam - eps) * (lam - eps) ** k) / (2 * eps)
    if setting == "normalised_nu":
        slope = slope * lam * np.log(lam)
    assert memory_sensitivity(setting).numeric()(lam) == pytest.approx(np.sum(slope**2), rel=1e-6)


def test_limits():
    assert sp.limit(memory_sensitivity("normalised_nu").typed, LAMBDA, 1, "-") == sp.Rational(1, 4)
    for setting in ("plain", "normalised"):
        assert sp.limit(memory_sensitivity(setting).typed, LAMBDA, 1, "-") == sp.oo


def test_monte_carlo_agrees_with_the_formulas():
    mc = ex.memory_monte_carlo(lambdas=(0.5, 0.9, 0.99), samples=4000, seed=3)
    curves = ex.memory_curves()
    for setting, values in mc.sensitivity.items():
        np.testing.assert_allclose(values, curves[setting](mc.lambdas), rtol=0.12)
    np.testing.assert_allclose(mc.variance["plain"], 1 / (1 - mc.lambdas**2), rtol=0.12)
    np.testing.assert_allclose(mc.variance["normalised"], 1.0, rtol=0.12)


def test_unknown_setting():
    with pytest.raises(ValueError, match="setting"):
        memory_sensitivity("gated")
