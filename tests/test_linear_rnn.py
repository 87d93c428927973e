"""Tests for vanishing.linear_rnn (ch. 8): BPTT vs autograd and finite differences, the
eigenvalue parameterisation, the ring initialisation, the normalisation, bad input."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import linear_rnn as L
from vanishing.gradcheck import central_difference, relative_error

NAMES = ("W_e", "b_e", "nu", "theta", "B_re", "B_im", "C_re", "C_im", "b_y")


def make(seed, normalise=True, n_x=2, n_h=4, n_y=2, n_e=3):
    model = L.init_lru(n_x, n_h, n_y, n_e=n_e, r_min=0.4, max_phase=3.0, normalise=normalise,
                       rng=seed)  # fmt: skip
    rng = np.random.default_rng(seed + 100)
    model.b_e = 0.3 * rng.standard_normal(n_e)  # some encoder units on, some off
    model.b_y = 0.1 * rng.standard_normal(n_y)
    return model


def ag_loss(params, x, y, loss_at, normalise, h0):
    """The loss of loss_and_grads, written from the equations in autograd (complex numbers)."""
    P = dict(zip(NAMES, params, strict=True))
    lam = anp.exp(-anp.exp(P["nu"]) + 1j * P["theta"])
    gam = anp.sqrt(1 - anp.exp(-2 * anp.exp(P["nu"]))) if normalise else 1.0
    h, total, T = h0, 0.0, x.shape[1]
    for t in range(T):
        e = anp.maximum(anp.dot(x[:, t], P["W_e"].T) + P["b_e"], 0.0)
        h = lam * h + gam * (anp.dot(e, P["B_re"].T) + 1j * anp.dot(e, P["B_im"].T))
        y_hat = anp.dot(anp.real(h), P["C_re"].T) - anp.dot(anp.imag(h), P["C_im"].T) + P["b_y"]
        if loss_at == "all":
            total = total + 0.5 * anp.sum((y_hat - y[:, t]) ** 2)
        elif t == T - 1:
            total = total + 0.5 * anp.sum((y_hat - y) ** 2)
    return total / x.shape[0]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("loss_at", ["all", "last"])
@pytest.mark.parametrize("normalise", [True, False])
def test_bptt_matches_autograd(seed, loss_at, normalise):
    model = make(seed, normalise)
    rng = np.random.default_rng(seed)
    B, T = 3, 7
    x = rng.standard_normal((B, T, 2))
    y = rng.standard_normal((B, T, 2) if loss_at == "all" else (B, 2))
    h0 = rng.standard_normal((B, 4)) + 1j * rng.standard_normal((B, 4))
    loss, grads = L.loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    values = [model.params()[k] for k in NAMES]
    assert loss == pytest.approx(ag_loss(values, x, y, loss_at, normalise, h0), rel=1e-12)
    reference = autograd.grad(ag_loss)(values, x, y, loss_at, normalise, h0)
    for name, ref in zip(NAMES, reference, strict=True):
        assert relative_error(grads.params[name], ref) < 1e-10, name
    assert list(grads.params) == list(model.params())


def test_bptt_matches_finite_differences():
    model = make(7)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 6, 2)), rng.standard_normal((2, 6, 2))
    _, grads = L.loss_and_grads(model, x, y)
    for name, param in model.params().items():
        numeric = central_difference(lambda: L.loss_and_grads(model, x, y)[0], param)
        assert relative_error(grads.params[name], numeric) < 1e-6, name


def test_h0_gradient_is_the_conjugate_convention():
    model = make(1)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2, 5, 2)), rng.standard_normal((2, 5, 2))
    h0 = rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4))
    g = L.loss_and_grads(model, x, y, h0=h0)[1].h0
    eps = 1e-6
    for part, unit in ((np.real, 1.0), (np.imag, 1j)):
        bump = np.zeros_like(h0)
        bump[1, 2] = eps * unit
        up = L.loss_and_grads(model, x, y, h0=h0 + bump)[0]
        down = L.loss_and_grads(model, x, y, h0=h0 - bump)[0]
        assert part(g[1, 2]) == pytest.approx((up - down) / (2 * eps), rel=1e-6)


@pytest.mark.parametrize("normalise", [True, False])
def test_output_input_gradients_match_finite_differences(normalise):
    model = make(5, normalise)
    x = np.random.default_rng(8).standard_normal((2, 6, 2))
    for j in range(model.n_y):
        got = L.output_input_gradients(model, x, j)
        numeric = central_difference(
            lambda j=j: float(np.sum(L.forward(model, x).y_hat[:, -1, j])), x
        )
        assert relative_error(got, numeric) < 1e-7
    with pytest.raises(ValueError, match="j"):
        L.output_input_gradients(model, x, 2)


def test_products_of_jacobians_are_powers_of_lambda():
    """With a zero input after step 1, h_T = lambda^(T-1) h_1 exactly (chapter 3's powers)."""
    model = make(4)
    x = np.zeros((1, 30, 2))
    x[0, 0] = [1.0, -2.0]
    model.b_e = np.zeros_like(model.b_e)  # relu(0) = 0: no input after step 1
    h = L.forward(model, x).h[0]
    lam = L.eigenvalues(model)
    np.testing.assert_allclose(h[30], lam**29 * h[1], rtol=1e-12)


@pytest.mark.parametrize("nu", [-30.0, -5.0, 0.0, 5.0])
def test_every_real_nu_gives_a_stable_eigenvalue(nu):
    model = make(0)
    model.nu = np.full(model.n_h, nu)
    r = np.abs(L.eigenvalues(model))
    assert np.all(r < 1.0) and np.all(r >= 0.0)


def test_ring_initialisation_and_normalisation():
    model = L.init_lru(2, 4000, 1, r_min=0.9, r_max=0.999, max_phase=0.5, rng=0)
    r = np.abs(L.eigenvalues(model))
    assert r.min() >= 0.9 - 1e-12 and r.max() <= 0.999 + 1e-12
    # uniform in area: |lambda|^2 uniform on [0.81, 0.998], so its mean is the midpoint
    assert np.mean(r**2) == pytest.approx((0.81 + 0.999**2) / 2, abs=3e-3)
    assert 0.0 <= model.theta.min() and model.theta.max() <= 0.5
    # gamma = sqrt(1 - |lambda|^2) gives each unit the variance of its input, whatever |lambda|:
    # e_t = relu(|x_t|) = |x_t| with x_t ~ N(0, 1) has variance 1 - 2/pi
    small = L.init_lru(1, 3, 1, n_e=1, r_min=0.95, r_max=0.99, rng=1)
    small.W_e, small.b_e = np.ones((1, 1)), np.zeros(1)
    small.B_re, small.B_im = np.ones((3, 1)), np.zeros((3, 1))
    x = np.abs(np.random.default_rng(5).standard_normal((2000, 400, 1)))
    h = L.forward(small, x).h[:, -1]  # (2000, 3)
    var = np.mean(np.abs(h - h.mean(axis=0)) ** 2, axis=0)
    np.testing.assert_allclose(var, 1 - 2 / np.pi, rtol=0.08)
    small.normalise = False  # without gamma the variance is (1 - 2/pi)/(1 - |lambda|^2)
    h = L.forward(small, x).h[:, -1]
    var = np.mean(np.abs(h - h.mean(axis=0)) ** 2, axis=0)
    r2 = np.abs(L.eigenvalues(small)) ** 2
    np.testing.assert_allclose(var, (1 - 2 / np.pi) / (1 - r2), rtol=0.08)


def test_with_params_and_optimiser_protocol():
    model = make(0)
    new = model.with_params({"nu": np.zeros(model.n_h)})
    assert np.all(new.nu == 0) and new.theta is model.theta and new.normalise
    with pytest.raises(ValueError, match="nu"):
        model.with_params({"nu": np.zeros(model.n_h + 1)})


def test_bad_input():
    model = make(0)
    with pytest.raises(TypeError, match="model"):
        L.forward("lru", np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="x"):
        L.forward(model, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="y"):
        L.loss_and_grads(model, np.zeros((1, 2, 2)), np.zeros((1, 3, 2)))
    with pytest.raises(ValueError, match="loss_at"):
        L.loss_and_grads(model, np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), loss_at="first")
    with pytest.raises(ValueError, match="h0"):
        L.forward(model, np.zeros((1, 2, 2)), h0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="r_min"):
        L.init_lru(2, 3, 1, r_min=0.5, r_max=1.0)
    with pytest.raises(ValueError, match="max_phase"):
        L.init_lru(2, 3, 1, max_phase=7.0)
    with pytest.raises(ValueError, match="theta"):
        L.LRU(model.W_e, model.b_e, model.nu, model.theta[:-1], model.B_re, model.B_im,
              model.C_re, model.C_im, model.b_y)  # fmt: skip
    with pytest.raises(TypeError, match="normalise"):
        L.LRU(model.W_e, model.b_e, model.nu, model.theta, model.B_re, model.B_im,
              model.C_re, model.C_im, model.b_y, normalise=1)  # fmt: skip


# the zero-order hold of S4/Mamba ---------------------------------------------------------------


def _ode_step(a, b, h0, x, delta, n=2000):
    """h(Delta) for h' = a h + b x (x held constant) from h(0) = h0, by n RK4 steps."""
    f = lambda h: a * h + b * x  # noqa: E731
    h, dt = h0 + 0j, delta / n
    for _ in range(n):
        k1 = f(h)
        k2 = f(h + dt / 2 * k1)
        k3 = f(h + dt / 2 * k2)
        k4 = f(h + dt * k3)
        h = h + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return h


@pytest.mark.parametrize("A_log,theta,delta", [(0.0, 0.0, 0.1), (1.5, 2.0, 0.3), (-2.0, -1.0, 2.0)])
def test_discretise_is_the_exact_solution_over_one_held_step(A_log, theta, delta):
    """Lambda h_0 + B_bar x is the solution of the ODE after one step with the input held."""
    lam, b = L.discretise(np.array([A_log]), delta, theta=np.array([theta]))
    a = -np.exp(A_log) + 1j * theta
    h0, x, B = 0.7 - 0.2j, 1.3, 0.4
    assert abs(lam[0] * h0 + b[0] * B * x - _ode_step(a, B, h0, x, delta)) < 1e-10


def test_discretise_stays_inside_the_unit_disc_and_tends_to_euler():
    """|Lambda| = exp(-Delta exp(A_log)) < 1 over A_log in [-5, 5], theta in [-10, 10], Delta in
    [1e-4, 10]; b -> Delta (Euler, what Mamba's code uses for B) as Delta a -> 0; the steady
    state b/(1 - Lambda) = -1/a whatever Delta."""
    rng = np.random.default_rng(0)
    A_log, theta = rng.uniform(-5, 5, 200), rng.uniform(-10, 10, 200)
    for delta in (1e-4, 1e-2, 1.0, 10.0):
        lam, b = L.discretise(A_log, delta, theta=theta)
        np.testing.assert_allclose(np.abs(lam), np.exp(-delta * np.exp(A_log)), rtol=1e-12)
        assert np.all(np.abs(lam) < 1)
        a = -np.exp(A_log) + 1j * theta
        np.testing.assert_allclose(b / (1 - lam), -1 / a, rtol=1e-8)
    lam, b = L.discretise(np.zeros(1), 1e-6)
    assert b[0].real == pytest.approx(1e-6, rel=1e-6)


def test_discretise_at_mambas_initialisation():
    """A_log = log(1..16), Delta in [0.001, 0.1]: eigenvalues from exp(-1.6) to exp(-0.001)."""
    A_log = np.log(np.arange(1.0, 17))
    low = L.discretise(A_log, 0.1)[0].real.min()
    high = L.discretise(A_log, 0.001)[0].real.max()
    assert low == pytest.approx(np.exp(-1.6)) and round(low, 1) == 0.2
    assert high == pytest.approx(np.exp(-0.001)) and round(high, 3) == 0.999


def test_discretise_bad_input():
    with pytest.raises(ValueError, match="delta"):
        L.discretise(np.zeros(2), 0.0)
    with pytest.raises(TypeError, match="delta"):
        L.discretise(np.zeros(2), "1")
    with pytest.raises(ValueError, match="A_log"):
        L.discretise(np.array([800.0]), 0.1)
    with pytest.raises(ValueError, match="A_log"):
        L.discretise(np.array([np.nan]), 0.1)
    with pytest.raises(ValueError, match="theta"):
        L.discretise(np.zeros(2), 0.1, theta=np.zeros(3))
