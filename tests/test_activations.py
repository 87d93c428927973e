"""Tests for vanishing.activations: derivatives, gamma bounds, stability, bad input."""

import warnings

import numpy as np
import pytest

from vanishing.activations import ACTIVATION_NAMES, GELU_GAMMA, get_activation

EXPECTED_GAMMA = {
    "identity": 1.0,
    "sigmoid": 0.25,
    "tanh": 1.0,
    "relu": 1.0,
    "leaky_relu": 1.0,
    "elu": 1.0,
    "gelu": 1.1289,
}


def test_names():
    assert set(ACTIVATION_NAMES) == set(EXPECTED_GAMMA)
    assert get_activation("linear") is get_activation("identity")
    for name in ACTIVATION_NAMES:
        assert get_activation(name).name == name


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_phi_prime_matches_central_differences(name):
    act = get_activation(name)
    z = np.linspace(-6.0, 6.0, 1201)
    z = z[np.abs(z) > 1e-3]  # avoid the kink at 0 (relu, leaky_relu, elu'')
    h = 1e-6
    fd = (act.phi(z + h) - act.phi(z - h)) / (2 * h)
    np.testing.assert_allclose(act.phi_prime(z), fd, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_gamma_is_sup_of_phi_prime(name):
    act = get_activation(name)
    z = np.linspace(-20.0, 20.0, 400_001)  # spacing 1e-4, contains 0 and passes near sqrt(2)
    assert act.gamma == pytest.approx(np.max(np.abs(act.phi_prime(z))), abs=1e-7)
    assert act.gamma == pytest.approx(EXPECTED_GAMMA[name], abs=1e-4)


def test_gelu_gamma_closed_form():
    act = get_activation("gelu")
    assert GELU_GAMMA == pytest.approx(act.phi_prime(np.sqrt(2.0)), abs=1e-14)
    assert GELU_GAMMA == pytest.approx(1.128904145, abs=1e-9)


def test_known_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(get_activation("sigmoid").phi(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(get_activation("relu").phi(z), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(get_activation("leaky_relu").phi(z), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(get_activation("elu").phi(z), [np.exp(-2.0) - 1, 0.0, 3.0])
    # kink conventions: relu'(0) = 0, leaky_relu'(0) = 0.01, elu'(0) = 1
    assert get_activation("relu").phi_prime(0.0) == 0.0
    assert get_activation("leaky_relu").phi_prime(0.0) == 0.01
    assert get_activation("elu").phi_prime(0.0) == 1.0
    assert get_activation("gelu").phi(1.0) == pytest.approx(0.8413447460685429)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_stable_for_huge_inputs(name):
    act = get_activation(name)
    z = np.array([-1000.0, -50.0, 50.0, 1000.0])
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        phi, dphi = act.phi(z), act.phi_prime(z)
    assert np.all(np.isfinite(phi)) and np.all(np.isfinite(dphi))
    assert phi.dtype == np.float64 and phi.shape == z.shape


def test_saturating_limits():
    z = np.array([-1000.0, 1000.0])
    sig, tanh = get_activation("sigmoid"), get_activation("tanh")
    np.testing.assert_array_equal(sig.phi(z), [0.0, 1.0])
    np.testing.assert_array_equal(sig.phi_prime(z), [0.0, 0.0])
    np.testing.assert_array_equal(tanh.phi(z), [-1.0, 1.0])
    np.testing.assert_array_equal(tanh.phi_prime(z), [0.0, 0.0])
    assert get_activation("elu").phi(-1000.0) == -1.0


def test_bad_names_raise():
    with pytest.raises(ValueError, match="name.*softplus.*sigmoid"):
        get_activation("softplus")
    with pytest.raises(TypeError, match="name"):
        get_activation(3)


def test_non_real_input_raises():
    with pytest.raises(TypeError, match="z"):
        get_activation("tanh").phi(np.array(["a"]))
    with pytest.raises(TypeError, match="z"):
        get_activation("relu").phi_prime(np.array([1j]))


# Kinks: the documented left-derivative convention, and the right slope just past the kink.

KINKED = {  # name -> (phi'(z) for z <= 0 near the kink, phi'(z) for z > 0 near the kink)
    "relu": (0.0, 1.0),
    "leaky_relu": (0.01, 1.0),
    "elu": (1.0, 1.0),  # C^1 at 0 with alpha = 1
}
TINY = 5e-324  # the smallest positive float: the nearest points to the kink


@pytest.mark.parametrize("name", KINKED)
def test_derivative_at_the_kink_is_the_left_derivative(name):
    act = get_activation(name)
    left, right = KINKED[name]
    zero = np.array([0.0, -0.0, -TINY])
    np.testing.assert_array_equal(act.phi_prime(zero), [left, left, left])
    assert act.phi_prime(TINY) == right  # a right-derivative convention would give 1 at 0
    h = 1e-7  # one-sided differences agree with the convention on each side
    assert act.phi_prime(0.0) == pytest.approx((act.phi(0.0) - act.phi(-h)) / h, rel=1e-6)
    assert act.phi_prime(h) == pytest.approx((act.phi(2 * h) - act.phi(h)) / h, rel=1e-6)
    np.testing.assert_allclose(act.phi(np.array([-TINY, 0.0, TINY])), 0.0, atol=1e-323)


def test_slopes_away_from_the_kinks():
    z = np.array([-3.0, -1.0, 2.0])
    np.testing.assert_array_equal(get_activation("relu").phi_prime(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(get_activation("leaky_relu").phi_prime(z), [0.01, 0.01, 1.0])
    np.testing.assert_allclose(get_activation("leaky_relu").phi(z), [-0.03, -0.01, 2.0])
    np.testing.assert_allclose(  # alpha e^z, not e^z - 1 and not 1
        get_activation("elu").phi_prime(z), [np.exp(-3.0), np.exp(-1.0), 1.0], rtol=1e-15
    )


@pytest.mark.parametrize(
    ("name", "z", "expected"),
    [
        ("sigmoid", 0.0, 0.25),
        ("tanh", 0.0, 1.0),
        ("gelu", 0.0, 0.5),
        ("identity", -7.0, 1.0),
        # exact erf form: Phi(1) + phi_N(1); the tanh approximation is off by ~1e-4
        ("gelu", 1.0, 0.5 * (1 + 0.6826894921370859) + np.exp(-0.5) / np.sqrt(2 * np.pi)),
        ("sigmoid", 2.0, np.exp(-2.0) / (1 + np.exp(-2.0)) ** 2),
        ("tanh", 1.0, 1 / np.cosh(1.0) ** 2),
    ],
)
def test_derivative_values(name, z, expected):
    assert get_activation(name).phi_prime(z) == pytest.approx(expected, rel=1e-14)


# NaN: the module docstring says "NaN propagates".


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_phi_propagates_nan_and_leaves_the_other_entries_alone(name):
    act = get_activation(name)
    z = np.array([np.nan, -1.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act.phi(z)
    assert np.isnan(out[0])
    np.testing.assert_array_equal(out[1:], act.phi(z[1:]))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_phi_prime_propagates_nan(name):
    act = get_activation(name)
    out = act.phi_prime(np.array([np.nan, 0.5]))
    assert np.isnan(out[0])
    assert out[1] == act.phi_prime(0.5)
