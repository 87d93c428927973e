"""Tests for vanishing.symbolic.ssm (ch. 8): the zero-order hold's modulus, steady state and gate
that SymPy derives or checks, against typed forms and numbers."""

import numpy as np
import pytest
import sympy as sp

from vanishing.linear_rnn import discretise
from vanishing.symbolic.ssm import A_LOG, DELTA, THETA, S, zero_order_hold


def test_modulus_is_derived_and_inside_the_unit_disc():
    z = zero_order_hold()
    assert sp.simplify(z.modulus - sp.exp(-DELTA * sp.exp(A_LOG))) == 0
    assert z.inside is True
    assert THETA not in z.modulus.free_symbols  # the phase does not change the modulus


def test_steady_state_is_minus_one_over_a():
    z = zero_order_hold()
    a = -sp.exp(A_LOG) + sp.I * THETA
    assert sp.simplify(z.steady + 1 / a) == 0
    assert DELTA not in z.steady.free_symbols  # the same whatever the step


def test_gate_of_the_selective_unit():
    z = zero_order_hold()
    assert z.gate_agrees
    lam, b_bar = (sp.lambdify(S, e) for e in z.gate)
    for s in (-3.0, 0.0, 2.5):
        sigma = 1 / (1 + np.exp(-s))
        assert lam(s) == pytest.approx(1 - sigma) and b_bar(s) == pytest.approx(sigma)


@pytest.mark.parametrize("A_log,theta,delta", [(0.3, 1.0, 0.05), (-1.0, 0.0, 2.0)])
def test_symbolic_agrees_with_the_numeric_discretisation(A_log, theta, delta):
    z = zero_order_hold()
    lam, b = discretise(np.array([A_log]), delta, theta=np.array([theta]))
    values = {A_LOG: A_log, THETA: theta, DELTA: delta}
    assert float(z.modulus.subs(values)) == pytest.approx(abs(lam[0]), rel=1e-12)
    assert complex(z.steady.subs(values)) == pytest.approx(b[0] / (1 - lam[0]), rel=1e-10)


def test_latex_lines():
    lines = zero_order_hold().latex()
    assert len(lines) == 5
    assert r"e^{- \Delta e^{A_{\log}}}" in lines[0] and "< 1" in lines[0]
    assert r"\operatorname{softplus}(s)" in lines[2]
    assert r"1 - \sigma(s)" in lines[3] and r"\sigma(s)\,b" in lines[4]
