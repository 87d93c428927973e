"""Tests for vanishing.gru: BPTT vs finite differences and autograd, state Jacobians, bad input."""

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing.gradcheck import central_difference, relative_error
from vanishing.gru import (
    GRU,
    Cache,
    bptt,
    direct_path_jacobians,
    forward,
    init_gru,
    jacobian_products,
    loss_and_grads,
    state_gradient_norms,
    state_jacobians,
)
from vanishing.params import Grads

GATES = ("u", "r", "htilde")
MODEL_NAMES = tuple(f"{p}_{g}" for p in "WUb" for g in GATES) + ("W_hy", "b_y")
PARAM_NAMES = MODEL_NAMES + ("h0",)

# independent autograd reference, written from the equations -----------------------------------


def ag_sigmoid(a):
    return 1.0 / (1.0 + anp.exp(-a))


def ag_step(P, h, x_t):
    """One GRU step (h_{t-1}, x_t) -> h_t; P maps names to arrays; rows = batch."""
    u = ag_sigmoid(anp.dot(x_t, P["W_u"].T) + anp.dot(h, P["U_u"].T) + P["b_u"])
    r = ag_sigmoid(anp.dot(x_t, P["W_r"].T) + anp.dot(h, P["U_r"].T) + P["b_r"])
    h_tilde = anp.tanh(
        anp.dot(x_t, P["W_htilde"].T) + anp.dot(r * h, P["U_htilde"].T) + P["b_htilde"]
    )
    return (1.0 - u) * h + u * h_tilde


def ag_loss(params, x, y, loss_at):
    """The loss of loss_and_grads for params listed as PARAM_NAMES, in autograd."""
    P = dict(zip(PARAM_NAMES, params, strict=True))
    h, hs = P["h0"], []
    for t in range(x.shape[1]):
        h = ag_step(P, h, x[:, t])
        hs.append(h)
    if loss_at == "last":
        r = anp.dot(hs[-1], P["W_hy"].T) + P["b_y"] - y
        return 0.5 * anp.sum(r * r) / x.shape[0]
    total = 0.0
    for t, h in enumerate(hs):
        r = anp.dot(h, P["W_hy"].T) + P["b_y"] - y[:, t]
        total = total + 0.5 * anp.sum(r * r)
    return total / x.shape[0]


def ag_h_T(h_k, P, xs):
    """h_T of one sequence from h_k (n,) over the inputs xs."""
    h = h_k[None, :]
    for x_t in xs:
        h = ag_step(P, h, x_t[None, :])
    return h[0]


# helpers --------------------------------------------------------------------------------------


def model_dict(model):
    return {name: getattr(model, name) for name in MODEL_NAMES}


def rel_err(a, b):
    """gradcheck.relative_error of two lists of arrays, each list read as one long vector."""
    return relative_error(*(np.concatenate([np.ravel(t) for t in arrays]) for arrays in (a, b)))


def make_problem(n_x, n_h, n_y, T, B, seed, loss_at="all"):
    """A model with nonzero biases, random x, y and h0."""
    rng = np.random.default_rng(seed)
    model = init_gru(n_x, n_h, n_y, rng=rng)
    for g in GATES:
        setattr(model, f"b_{g}", 0.3 * rng.standard_normal(n_h))
    model.b_y = 0.1 * rng.standard_normal(n_y)
    x = rng.standard_normal((B, T, n_x))
    y = rng.standard_normal((B, T, n_y) if loss_at == "all" else (B, n_y))
    h0 = 0.5 * rng.standard_normal((B, n_h))
    return model, x, y, h0


problems = st.fixed_dictionaries(
    {
        "n_x": st.integers(1, 3),
        "n_h": st.integers(1, 4),
        "n_y": st.integers(1, 3),
        "T": st.integers(1, 15),
        "B": st.integers(1, 3),
        "seed": st.integers(0, 2**32 - 1),
        "loss_at": st.sampled_from(["all", "last"]),
    }
)


# gradients ------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(p=problems)
def test_grads_match_autograd_and_finite_differences(p):
    loss_at = p["loss_at"]
    model, x, y, h0 = make_problem(p["n_x"], p["n_h"], p["n_y"], p["T"], p["B"], p["seed"], loss_at)
    loss, grads = loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    ours = [getattr(grads, name) for name in PARAM_NAMES]

    params = [getattr(model, name) for name in MODEL_NAMES] + [h0]
    assert loss == pytest.approx(ag_loss(params, x, y, loss_at), rel=1e-12)
    ag = autograd.grad(ag_loss)(params, x, y, loss_at)
    assert rel_err(ours, ag) < 1e-9

    params = [P.copy() for P in params]

    def loss_of_copies():
        return ag_loss(params, x, y, loss_at)

    fd = [central_difference(loss_of_copies, P) for P in params]
    assert rel_err(ours, fd) < 1e-6


@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_fd_uses_gru_forward_too(loss_at):
    """Finite differences through vanishing.gru.loss_and_grads itself, not the reference."""
    model, x, y, h0 = make_problem(2, 3, 2, 6, 2, 3, loss_at)
    _, grads = loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    params = [getattr(model, name) for name in MODEL_NAMES] + [h0]

    def loss():
        return loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)[0]

    fd = [central_difference(loss, P) for P in params]
    assert rel_err([getattr(grads, name) for name in PARAM_NAMES], fd) < 1e-6


def test_bptt_alone_has_no_readout_gradient():
    """bptt's gradient lacks W_hy, b_y: an optimiser given it raises instead of freezing them."""
    model, x, _, h0 = make_problem(2, 3, 2, 5, 2, 0)
    g = bptt(model, forward(model, x, h0=h0), np.ones((2, 5, 3)))
    assert isinstance(g, Grads)
    assert set(g.params) == set(model.params()) - {"W_hy", "b_y"}
    assert g.h0.shape == (2, 3) and g.W_htilde.shape == (3, 2) and g.U_r.shape == (3, 3)


# state Jacobians ------------------------------------------------------------------------------

jacobian_problems = st.fixed_dictionaries(
    {
        "n_x": st.integers(1, 3),
        "n_h": st.integers(1, 4),
        "T": st.integers(1, 12),
        "B": st.integers(1, 2),
        "seed": st.integers(0, 2**32 - 1),
    }
)


@settings(max_examples=15, deadline=None)
@given(p=jacobian_problems)
def test_state_jacobians_match_autograd(p):
    n, T = p["n_h"], p["T"]
    model, x, _, h0 = make_problem(p["n_x"], n, 1, T, p["B"], p["seed"])
    cache = forward(model, x, h0=h0)
    J = state_jacobians(model, cache)
    D = direct_path_jacobians(model, cache)
    assert J.shape == D.shape == (p["B"], T, n, n)
    P = model_dict(model)
    for b in range(p["B"]):
        for t in range(1, T + 1):
            expected = autograd.jacobian(ag_h_T)(cache.h[b, t - 1], P, [x[b, t - 1]])
            np.testing.assert_allclose(J[b, t - 1], expected, rtol=1e-10, atol=1e-13)
            np.testing.assert_array_equal(D[b, t - 1], np.diag(1.0 - cache.u[b, t - 1]))


@settings(max_examples=15, deadline=None)
@given(p=jacobian_problems)
def test_jacobian_products_match_autograd(p):
    n, T = p["n_h"], p["T"]
    model, x, _, h0 = make_problem(p["n_x"], n, 1, T, p["B"], p["seed"])
    cache = forward(model, x, h0=h0)
    Pr = jacobian_products(model, cache)
    assert Pr.shape == (p["B"], T + 1, n, n)
    P = model_dict(model)
    for b in range(p["B"]):
        for k in sorted({0, 1, T // 2, T - 1} & set(range(T))):
            xs = [x[b, t] for t in range(k, T)]  # x_{k+1}..x_T
            expected = autograd.jacobian(ag_h_T)(cache.h[b, k], P, xs)
            np.testing.assert_allclose(Pr[b, k], expected, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(Pr[b, T], np.eye(n))
    np.testing.assert_allclose(Pr[:, T - 1], state_jacobians(model, cache)[:, T - 1])


def test_gradient_norms_match_products_and_bptt():
    B, T, n = 3, 8, 4
    model, x, _, h0 = make_problem(3, n, 2, T, B, 5)
    cache = forward(model, x, h0=h0)
    g_T = np.random.default_rng(1).standard_normal((B, n))
    P = jacobian_products(model, cache)  # (B, T+1, n, n)
    expected = np.linalg.norm(np.einsum("bkij,bi->bkj", P, g_T), axis=2).mean(axis=0)
    norms = state_gradient_norms(model, cache, g_T)
    assert norms.shape == (T + 1,)
    np.testing.assert_allclose(norms, expected, rtol=1e-10)
    assert norms[-1] == pytest.approx(np.mean(np.linalg.norm(g_T, axis=1)), rel=1e-14)

    dL_dh = np.zeros((B, T, n))
    dL_dh[:, -1] = g_T
    grads = bptt(model, cache, dL_dh)
    assert norms[0] == pytest.approx(np.mean(np.linalg.norm(grads.h0, axis=1)), rel=1e-10)


# convention, model, init, forward -------------------------------------------------------------


def test_update_gate_convention():
    """u_t = 1 takes the candidate, u_t = 0 keeps h_{t-1}; Cho et al.'s z is our 1 - u."""
    model, x, _, h0 = make_problem(2, 3, 1, 5, 2, 8)
    model.b_u = np.full(3, 800.0)  # u_t = 1
    cache = forward(model, x, h0=h0)
    np.testing.assert_array_equal(cache.h[:, 1:], cache.h_tilde)
    model.b_u = np.full(3, -800.0)  # u_t = 0
    np.testing.assert_array_equal(forward(model, x, h0=h0).h[:, -1], h0)

    model, x, _, h0 = make_problem(2, 3, 1, 5, 2, 9)
    P = model_dict(model) | {"W_u": -model.W_u, "U_u": -model.U_u, "b_u": -model.b_u}
    h = h0
    for t in range(5):  # h_t = z h_{t-1} + (1 - z) h~_t (Cho et al. 2014, PyTorch, Keras)
        z = 1.0 / (1.0 + np.exp(-(x[:, t] @ P["W_u"].T + h @ P["U_u"].T + P["b_u"])))
        r = 1.0 / (1.0 + np.exp(-(x[:, t] @ P["W_r"].T + h @ P["U_r"].T + P["b_r"])))
        h_tilde = np.tanh(x[:, t] @ P["W_htilde"].T + (r * h) @ P["U_htilde"].T + P["b_htilde"])
        h = z * h + (1.0 - z) * h_tilde
    np.testing.assert_allclose(forward(model, x, h0=h0).h[:, -1], h, rtol=1e-12, atol=1e-15)


def test_forward_values_and_indexing():
    params = {name: np.zeros((1, 1)) for name in MODEL_NAMES if name[0] in "WU"}
    params |= {name: np.zeros(1) for name in MODEL_NAMES if name[0] == "b"}
    model = GRU(**(params | {"W_htilde": [[1.0]], "W_hy": [[2.0]], "b_y": [1.0]}))
    cache = forward(model, np.array([[[1.0], [2.0]]]), h0=np.array([[4.0]]))
    assert isinstance(cache, Cache) and cache.B == 1 and cache.T == 2
    np.testing.assert_array_equal(cache.u, 0.5)  # both gates sigmoid(0) = 1/2
    np.testing.assert_array_equal(cache.r, 0.5)
    np.testing.assert_allclose(cache.h_tilde[0, :, 0], np.tanh([1.0, 2.0]))
    h1 = 0.5 * 4.0 + 0.5 * np.tanh(1.0)
    h2 = 0.5 * h1 + 0.5 * np.tanh(2.0)
    np.testing.assert_allclose(cache.h[0, :, 0], [4.0, h1, h2])  # h_0, h_1, h_2
    np.testing.assert_allclose(cache.y_hat[0, :, 0], [2.0 * h1 + 1.0, 2.0 * h2 + 1.0])


def test_loss_values():
    model, x, y, h0 = make_problem(2, 3, 2, 4, 5, 1)
    cache = forward(model, x, h0=h0)
    loss, _ = loss_and_grads(model, x, y, h0=h0)
    assert loss == pytest.approx(0.5 * np.sum((cache.y_hat - y) ** 2) / 5, rel=1e-14)
    loss, _ = loss_and_grads(model, x, y[:, -1], h0=h0, loss_at="last")
    assert loss == pytest.approx(0.5 * np.sum((cache.y_hat[:, -1] - y[:, -1]) ** 2) / 5)


def test_init_gru():
    m = init_gru(3, 5, 2, rng=4)
    assert (m.n_x, m.n_h, m.n_y) == (3, 5, 2)
    assert m.W_u.shape == (5, 3) and m.U_htilde.shape == (5, 5) and m.W_hy.shape == (2, 5)
    for name in MODEL_NAMES:
        value = getattr(m, name)
        assert np.all(np.abs(value) <= 1 / np.sqrt(5))
        if name.startswith("b_"):
            assert not np.any(value)
    m2 = init_gru(3, 5, 2, rng=np.random.default_rng(4))
    for name in MODEL_NAMES:
        np.testing.assert_array_equal(getattr(m, name), getattr(m2, name))
    m3 = init_gru(3, 5, 2, scheme="orthogonal", rng=0)
    for g in GATES:
        U = getattr(m3, f"U_{g}")
        np.testing.assert_allclose(U @ U.T, np.eye(5), atol=1e-12)


# bad input ------------------------------------------------------------------------------------


@pytest.fixture
def setup():
    model, x, y, h0 = make_problem(2, 3, 2, 4, 5, 0)
    return model, x, y, h0, forward(model, x, h0=h0)


def test_bad_gru_construction():
    params = model_dict(init_gru(2, 3, 2))
    for name, bad in [
        ("U_u", np.ones((3, 4))),
        ("U_u", np.ones(3)),
        ("W_u", np.ones((4, 2))),
        ("W_u", np.ones((3, 0))),
        ("W_htilde", np.ones((3, 1))),
        ("U_r", np.ones((2, 2))),
        ("b_htilde", np.zeros(2)),
        ("b_r", np.full(3, np.inf)),
        ("W_hy", np.ones((2, 2))),
        ("b_y", np.zeros(3)),
    ]:
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            GRU(**(params | {name: bad}))
    with pytest.raises(TypeError, match=r"^U_htilde\b"):
        GRU(**(params | {"U_htilde": np.array([["a"] * 3] * 3)}))


def test_bad_init_gru():
    with pytest.raises(ValueError, match=r"^n_x\b"):
        init_gru(0, 3, 1)
    with pytest.raises(TypeError, match=r"^n_h\b"):
        init_gru(1, 2.0, 1)
    with pytest.raises(ValueError, match=r"^n_y\b"):
        init_gru(1, 3, -1)
    with pytest.raises(ValueError, match=r"^scheme\b"):
        init_gru(1, 3, 1, scheme="glorot")
    with pytest.raises(TypeError, match=r"^rng\b"):
        init_gru(1, 3, 1, rng=-1.5)


def test_bad_forward(setup):
    model, x, _, h0, _ = setup
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[0])  # 2-D
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :0])  # T = 0
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :, :1])  # wrong n_x
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, np.where(x > 1, np.nan, x))
    with pytest.raises(ValueError, match=r"^h0\b"):
        forward(model, x, h0=h0[:2])
    with pytest.raises(ValueError, match=r"^h0\b"):
        forward(model, x, h0=h0[0])
    with pytest.raises(TypeError, match=r"^model\b"):
        forward("model", x)


def test_bad_loss_and_bptt(setup):
    model, x, y, h0, cache = setup
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, y[:, -1])  # "all" needs (B, T, n_y)
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, y, loss_at="last")  # "last" needs (B, n_y)
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, np.full_like(y, np.nan))
    with pytest.raises(ValueError, match=r"^loss_at\b"):
        loss_and_grads(model, x, y, loss_at="first")
    with pytest.raises(TypeError, match=r"^loss_at\b"):
        loss_and_grads(model, x, y, loss_at=None)
    with pytest.raises(ValueError, match=r"^dL_dh\b"):
        bptt(model, cache, np.ones((5, 3, 3)))
    with pytest.raises(TypeError, match=r"^cache\b"):
        bptt(model, None, np.ones((5, 4, 3)))


def test_bad_jacobian_inputs(setup):
    model, x, _, _, cache = setup
    other = forward(init_gru(2, 4, 2), x)
    for fn in (state_jacobians, direct_path_jacobians, jacobian_products):
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other)
        with pytest.raises(TypeError, match=r"^cache\b"):
            fn(model, {"x": x})
        with pytest.raises(TypeError, match=r"^model\b"):
            fn(None, cache)
    for fn in (state_gradient_norms,):
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.ones((5, 2)))
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.full((5, 3), np.nan))
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other, np.ones((5, 3)))


# long sequences -------------------------------------------------------------------------------


def test_long_forward_is_bounded_and_quiet():
    """Large weights and inputs saturate the gates quietly; |h_t| <= max(|h_0|, 1)."""
    model = init_gru(3, 6, 2, rng=0)
    for name in MODEL_NAMES:
        setattr(model, name, 50.0 * getattr(model, name))
    x = 100.0 * np.random.default_rng(0).standard_normal((2, 3000, 3))
    h0 = np.full((2, 6), 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, x, h0=h0)
    assert np.all(np.isfinite(cache.h)) and np.all(np.abs(cache.h) <= 3.0)
    assert np.all(np.isfinite(cache.y_hat))


def test_exploding_products_overflow_silently():
    """Gates pinned (u = r = 1) at zero input and state: dh_t/dh_{t-1} = U_htilde = 10 R, so the
    products grow like 10^k and overflow to inf, quietly."""
    rot = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    model = init_gru(1, 2, 1)
    model.b_u, model.b_r, model.U_htilde = np.full(2, 800.0), np.full(2, 800.0), 10.0 * rot
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, np.zeros((1, 400, 1)))
        P = jacobian_products(model, cache)
        norms = state_gradient_norms(model, cache, np.ones((1, 2)))[::-1]  # by lag
    np.testing.assert_array_equal(state_jacobians(model, cache)[0, 0], 10 * rot)
    assert np.all(np.isfinite(P[0, 395:])) and not np.all(np.isfinite(P[0, 0]))
    assert norms.shape == (401,) and norms[0] == pytest.approx(np.sqrt(2))
    assert np.isinf(norms[-1]) and not np.any(np.isnan(norms))
