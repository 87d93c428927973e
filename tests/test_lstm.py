"""Tests for vanishing.lstm: BPTT vs finite differences and autograd, state Jacobians, bad input."""

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vanishing.activations import sigmoid
from vanishing.gradcheck import central_difference, relative_error
from vanishing.lstm import (
    LSTM,
    Cache,
    bptt,
    direct_path_jacobians,
    forward,
    init_lstm,
    jacobian_products,
    loss_and_grads,
    state_gradient_norms,
    state_jacobians,
)
from vanishing.params import Grads

GATES = ("f", "i", "o", "c")
MODEL_NAMES = tuple(f"{p}_{g}" for p in "WUb" for g in GATES) + ("W_hy", "b_y")
PARAM_NAMES = MODEL_NAMES + ("h0", "c0")

# independent autograd reference, written gate by gate from the equations ----------------------


def ag_sigmoid(a):
    return 1.0 / (1.0 + anp.exp(-a))


def ag_step(P, c, h, x_t):
    """One LSTM step (c_{t-1}, h_{t-1}, x_t) -> (c_t, h_t); P maps names to arrays; rows = batch."""

    def arg(g):
        return anp.dot(x_t, P[f"W_{g}"].T) + anp.dot(h, P[f"U_{g}"].T) + P[f"b_{g}"]

    f, i, o = ag_sigmoid(arg("f")), ag_sigmoid(arg("i")), ag_sigmoid(arg("o"))
    c_tilde = anp.tanh(arg("c"))
    c = f * c + i * c_tilde
    return c, o * anp.tanh(c)


def ag_run(P, c, h, xs):
    """Run from (c, h) over the inputs xs; list of (c_t, h_t)."""
    states = []
    for x_t in xs:
        c, h = ag_step(P, c, h, x_t)
        states.append((c, h))
    return states


def ag_loss(params, x, y, loss_at):
    """The loss of loss_and_grads for params listed as PARAM_NAMES, in autograd."""
    P = dict(zip(PARAM_NAMES, params, strict=True))
    states = ag_run(P, P["c0"], P["h0"], [x[:, t] for t in range(x.shape[1])])
    hs = [h for _, h in states]
    if loss_at == "last":
        r = anp.dot(hs[-1], P["W_hy"].T) + P["b_y"] - y
        return 0.5 * anp.sum(r * r) / x.shape[0]
    total = 0.0
    for t, h in enumerate(hs):
        r = anp.dot(h, P["W_hy"].T) + P["b_y"] - y[:, t]
        total = total + 0.5 * anp.sum(r * r)
    return total / x.shape[0]


def ag_s_T(s_k, P, xs, n):
    """s_T = [c_T; h_T] of one sequence from s_k = [c_k; h_k] (2n,) over the inputs xs."""
    c, h = s_k[None, :n], s_k[None, n:]
    for x_t in xs:
        c, h = ag_step(P, c, h, x_t[None, :])
    return anp.concatenate([c[0], h[0]])


# helpers --------------------------------------------------------------------------------------


def model_dict(model):
    return {name: getattr(model, name) for name in MODEL_NAMES}


def rel_err(a, b):
    """gradcheck.relative_error of two lists of arrays, each list read as one long vector."""
    return relative_error(*(np.concatenate([np.ravel(t) for t in arrays]) for arrays in (a, b)))


def make_problem(n_x, n_h, n_y, T, B, seed, loss_at="all"):
    """A model with nonzero biases, random x, y, h0 and c0."""
    rng = np.random.default_rng(seed)
    model = init_lstm(n_x, n_h, n_y, forget_bias=1.0, rng=rng)
    for g in GATES:
        setattr(model, f"b_{g}", getattr(model, f"b_{g}") + 0.3 * rng.standard_normal(n_h))
    model.b_y = 0.1 * rng.standard_normal(n_y)
    x = rng.standard_normal((B, T, n_x))
    y = rng.standard_normal((B, T, n_y) if loss_at == "all" else (B, n_y))
    h0 = 0.5 * rng.standard_normal((B, n_h))
    c0 = rng.standard_normal((B, n_h))
    return model, x, y, h0, c0


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
    model, x, y, h0, c0 = make_problem(
        p["n_x"], p["n_h"], p["n_y"], p["T"], p["B"], p["seed"], loss_at
    )
    loss, grads = loss_and_grads(model, x, y, h0=h0, c0=c0, loss_at=loss_at)
    ours = [getattr(grads, name) for name in PARAM_NAMES]

    params = [getattr(model, name) for name in MODEL_NAMES] + [h0, c0]
    assert loss == pytest.approx(ag_loss(params, x, y, loss_at), rel=1e-12)
    ag = autograd.grad(ag_loss)(params, x, y, loss_at)
    assert rel_err(ours, ag) < 1e-9

    params = [P.copy() for P in params]

    def loss_of_copies():
        return ag_loss(params, x, y, loss_at)

    fd = [central_difference(loss_of_copies, P) for P in params]
    assert rel_err(ours, fd) < 1e-6


@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_fd_uses_lstm_forward_too(loss_at):
    """Finite differences through vanishing.lstm.loss_and_grads itself, not the reference."""
    model, x, y, h0, c0 = make_problem(2, 3, 2, 6, 2, 3, loss_at)
    _, grads = loss_and_grads(model, x, y, h0=h0, c0=c0, loss_at=loss_at)
    params = [getattr(model, name) for name in MODEL_NAMES] + [h0, c0]

    def loss():
        return loss_and_grads(model, x, y, h0=h0, c0=c0, loss_at=loss_at)[0]

    fd = [central_difference(loss, P) for P in params]
    assert rel_err([getattr(grads, name) for name in PARAM_NAMES], fd) < 1e-6


def test_bptt_alone_has_no_readout_gradient():
    """bptt's gradient lacks W_hy, b_y: an optimiser given it raises instead of freezing them."""
    model, x, _, h0, c0 = make_problem(2, 3, 2, 5, 2, 0)
    g = bptt(model, forward(model, x, h0=h0, c0=c0), np.ones((2, 5, 3)))
    assert isinstance(g, Grads)
    assert set(g.params) == set(model.params()) - {"W_hy", "b_y"}
    assert g.h0.shape == g.c0.shape == (2, 3) and g.W_f.shape == (3, 2) and g.U_c.shape == (3, 3)


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
    model, x, _, h0, c0 = make_problem(p["n_x"], n, 1, T, p["B"], p["seed"])
    cache = forward(model, x, h0=h0, c0=c0)
    J = state_jacobians(model, cache)
    D = direct_path_jacobians(model, cache)
    assert J.shape == (p["B"], T, 2 * n, 2 * n) and D.shape == (p["B"], T, n, n)
    P = model_dict(model)
    for b in range(p["B"]):
        for t in range(1, T + 1):
            expected = autograd.jacobian(ag_s_T)(cache.s[b, t - 1], P, [x[b, t - 1]], n)
            np.testing.assert_allclose(J[b, t - 1], expected, rtol=1e-10, atol=1e-13)
            np.testing.assert_array_equal(D[b, t - 1], np.diag(cache.f[b, t - 1]))
    np.testing.assert_array_equal(J[..., :n, :n], D)  # the direct cell path is the c-c block


@settings(max_examples=15, deadline=None)
@given(p=jacobian_problems)
def test_jacobian_products_match_autograd(p):
    n, T = p["n_h"], p["T"]
    model, x, _, h0, c0 = make_problem(p["n_x"], n, 1, T, p["B"], p["seed"])
    cache = forward(model, x, h0=h0, c0=c0)
    Pr = jacobian_products(model, cache)
    assert Pr.shape == (p["B"], T + 1, 2 * n, 2 * n)
    P = model_dict(model)
    for b in range(p["B"]):
        for k in sorted({0, 1, T // 2, T - 1} & set(range(T))):
            xs = [x[b, t] for t in range(k, T)]  # x_{k+1}..x_T
            expected = autograd.jacobian(ag_s_T)(cache.s[b, k], P, xs, n)
            np.testing.assert_allclose(Pr[b, k], expected, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(Pr[b, T], np.eye(2 * n))
    np.testing.assert_allclose(Pr[:, T - 1], state_jacobians(model, cache)[:, T - 1])


def test_gradient_norms_match_products_and_bptt():
    B, T, n = 3, 8, 4
    model, x, _, h0, c0 = make_problem(3, n, 2, T, B, 5)
    cache = forward(model, x, h0=h0, c0=c0)
    g_T = np.random.default_rng(1).standard_normal((B, n))
    P = jacobian_products(model, cache)  # (B, T+1, 2n, 2n)
    g_s = np.concatenate([np.zeros((B, n)), g_T], axis=1)  # dL/ds_T = [0; g_T]
    expected = np.linalg.norm(np.einsum("bkij,bi->bkj", P, g_s), axis=2).mean(axis=0)
    norms = state_gradient_norms(model, cache, g_T)
    assert norms.shape == (T + 1,)
    np.testing.assert_allclose(norms, expected, rtol=1e-10)
    assert norms[-1] == pytest.approx(np.mean(np.linalg.norm(g_T, axis=1)), rel=1e-14)

    dL_dh = np.zeros((B, T, n))
    dL_dh[:, -1] = g_T
    grads = bptt(model, cache, dL_dh)
    s0 = np.concatenate([grads.c0, grads.h0], axis=1)
    assert norms[0] == pytest.approx(np.mean(np.linalg.norm(s0, axis=1)), rel=1e-10)


# forget bias, model, init, forward ------------------------------------------------------------


@pytest.mark.parametrize("forget_bias", [-2.0, 0.0, 1.0, 3.0])
def test_forget_bias_sets_forget_gate_at_zero_input(forget_bias):
    model = init_lstm(2, 5, 1, forget_bias=forget_bias, rng=7)
    np.testing.assert_array_equal(model.b_f, np.full(5, forget_bias))
    for g in ("i", "o", "c"):
        assert not np.any(getattr(model, f"b_{g}"))
    cache = forward(model, np.zeros((4, 10, 2)))  # zero input and state: c_t = h_t = 0
    np.testing.assert_allclose(cache.f, sigmoid(forget_bias), rtol=1e-15)
    np.testing.assert_array_equal(cache.c, 0.0)


def test_forget_bias_opens_the_gate_on_random_input():
    x = np.random.default_rng(0).standard_normal((16, 20, 3))
    means = [forward(init_lstm(3, 8, 1, forget_bias=b, rng=2), x).f.mean() for b in (0, 1, 2)]
    assert 0.4 < means[0] < 0.6 and means[0] < means[1] < means[2]
    assert means[1] == pytest.approx(sigmoid(1.0), abs=0.05)


def test_forward_values_and_indexing():
    params = {name: np.zeros((1, 1)) for name in MODEL_NAMES if name[0] in "WU"}
    params |= {name: np.zeros(1) for name in MODEL_NAMES if name[0] == "b"}
    model = LSTM(**(params | {"W_c": [[1.0]], "W_hy": [[2.0]], "b_y": [1.0]}))
    x = np.array([[[1.0], [2.0]]])
    cache = forward(model, x, c0=np.array([[4.0]]))
    assert isinstance(cache, Cache) and cache.B == 1 and cache.T == 2
    np.testing.assert_array_equal(cache.f, 0.5)  # all gates sigmoid(0) = 1/2
    np.testing.assert_allclose(cache.c_tilde[0, :, 0], np.tanh([1.0, 2.0]))
    c1 = 0.5 * 4.0 + 0.5 * np.tanh(1.0)
    c2 = 0.5 * c1 + 0.5 * np.tanh(2.0)
    np.testing.assert_allclose(cache.c[0, :, 0], [4.0, c1, c2])  # c_0, c_1, c_2
    np.testing.assert_allclose(cache.h[0, :, 0], [0.0, 0.5 * np.tanh(c1), 0.5 * np.tanh(c2)])
    np.testing.assert_allclose(cache.y_hat[0, :, 0], 2.0 * cache.h[0, 1:, 0] + 1.0)
    np.testing.assert_array_equal(cache.s[0, 1], [c1, cache.h[0, 1, 0]])  # s_t = [c_t; h_t]


def test_loss_values():
    model, x, y, h0, c0 = make_problem(2, 3, 2, 4, 5, 1)
    cache = forward(model, x, h0=h0, c0=c0)
    loss, _ = loss_and_grads(model, x, y, h0=h0, c0=c0)
    assert loss == pytest.approx(0.5 * np.sum((cache.y_hat - y) ** 2) / 5, rel=1e-14)
    loss, _ = loss_and_grads(model, x, y[:, -1], h0=h0, c0=c0, loss_at="last")
    assert loss == pytest.approx(0.5 * np.sum((cache.y_hat[:, -1] - y[:, -1]) ** 2) / 5)


def test_init_lstm():
    m = init_lstm(3, 5, 2, rng=4)
    assert (m.n_x, m.n_h, m.n_y) == (3, 5, 2)
    assert m.W_f.shape == (5, 3) and m.U_o.shape == (5, 5) and m.W_hy.shape == (2, 5)
    bound = 1 / np.sqrt(5)
    for name in MODEL_NAMES:
        value = getattr(m, name)
        assert np.all(np.abs(value) <= bound)
        if name.startswith("b_"):
            assert not np.any(value)
    m2 = init_lstm(3, 5, 2, forget_bias=1.0, rng=np.random.default_rng(4))
    for name in MODEL_NAMES:  # same draws; forget_bias moves b_f only
        if name != "b_f":
            np.testing.assert_array_equal(getattr(m, name), getattr(m2, name))
    np.testing.assert_array_equal(m2.b_f, 1.0)
    m3 = init_lstm(3, 5, 2, scheme="orthogonal", rng=0)
    for g in GATES:
        U = getattr(m3, f"U_{g}")
        np.testing.assert_allclose(U @ U.T, np.eye(5), atol=1e-12)
    assert not np.array_equal(m3.U_f, m3.U_i)


# bad input ------------------------------------------------------------------------------------


@pytest.fixture
def setup():
    model, x, y, h0, c0 = make_problem(2, 3, 2, 4, 5, 0)
    return model, x, y, h0, c0, forward(model, x, h0=h0, c0=c0)


def test_bad_lstm_construction():
    params = model_dict(init_lstm(2, 3, 2))
    for name, bad in [
        ("U_f", np.ones((3, 4))),
        ("U_f", np.ones(3)),
        ("W_f", np.ones((4, 2))),
        ("W_f", np.ones((3, 0))),
        ("W_o", np.ones((3, 1))),
        ("U_c", np.ones((2, 2))),
        ("b_i", np.zeros(2)),
        ("b_c", np.full(3, np.nan)),
        ("W_hy", np.ones((2, 2))),
        ("b_y", np.zeros(3)),
    ]:
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            LSTM(**(params | {name: bad}))
    with pytest.raises(TypeError, match=r"^U_i\b"):
        LSTM(**(params | {"U_i": np.array([["a"] * 3] * 3)}))


def test_bad_init_lstm():
    with pytest.raises(ValueError, match=r"^n_x\b"):
        init_lstm(0, 3, 1)
    with pytest.raises(TypeError, match=r"^n_h\b"):
        init_lstm(1, 2.0, 1)
    with pytest.raises(ValueError, match=r"^n_y\b"):
        init_lstm(1, 3, -1)
    with pytest.raises(ValueError, match=r"^forget_bias\b"):
        init_lstm(1, 3, 1, forget_bias=np.inf)
    with pytest.raises(TypeError, match=r"^forget_bias\b"):
        init_lstm(1, 3, 1, forget_bias="1")
    with pytest.raises(ValueError, match=r"^scheme\b"):
        init_lstm(1, 3, 1, scheme="glorot")
    with pytest.raises(TypeError, match=r"^rng\b"):
        init_lstm(1, 3, 1, rng="0")


def test_bad_forward(setup):
    model, x, _, h0, c0, _ = setup
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[0])  # 2-D
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :0])  # T = 0
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :, :1])  # wrong n_x
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, np.where(x > 1, np.inf, x))
    with pytest.raises(ValueError, match=r"^h0\b"):
        forward(model, x, h0=h0[:2])
    with pytest.raises(ValueError, match=r"^c0\b"):
        forward(model, x, h0=h0, c0=c0[0])
    with pytest.raises(ValueError, match=r"^c0\b"):
        forward(model, x, c0=np.full_like(c0, np.nan))
    with pytest.raises(TypeError, match=r"^model\b"):
        forward("model", x)


def test_bad_loss_and_bptt(setup):
    model, x, y, h0, c0, cache = setup
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
    with pytest.raises(ValueError, match=r"^c0\b"):
        loss_and_grads(model, x, y, h0=h0, c0=c0[:1])
    with pytest.raises(ValueError, match=r"^dL_dh\b"):
        bptt(model, cache, np.ones((5, 3, 3)))
    with pytest.raises(TypeError, match=r"^cache\b"):
        bptt(model, None, np.ones((5, 4, 3)))


def test_bad_jacobian_inputs(setup):
    model, x, _, _, _, cache = setup
    other = forward(init_lstm(2, 4, 2), x)
    for fn in (state_jacobians, direct_path_jacobians, jacobian_products):
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other)
        with pytest.raises(TypeError, match=r"^cache\b"):
            fn(model, {"x": x})
        with pytest.raises(TypeError, match=r"^model\b"):
            fn(None, cache)
    for fn in (state_gradient_norms,):
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.ones((5, 6)))  # dL/dh_T, not dL/ds_T
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.full((5, 3), np.nan))
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other, np.ones((5, 3)))


# long sequences -------------------------------------------------------------------------------


def test_long_forward_is_bounded_and_quiet():
    """Large weights and inputs saturate the gates quietly; |h_t| < 1 and |c_t| <= |c_0| + t."""
    model = init_lstm(3, 6, 2, rng=0)
    for name in MODEL_NAMES:
        setattr(model, name, 50.0 * getattr(model, name))
    x = 100.0 * np.random.default_rng(0).standard_normal((2, 3000, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, x)
    assert np.all(np.isfinite(cache.c)) and np.all(np.abs(cache.h) <= 1.0)
    assert np.all(np.abs(cache.c) <= np.arange(3001)[None, :, None])
    assert np.all(np.isfinite(cache.y_hat))


def test_exploding_products_overflow_silently():
    """Gates pinned (f = 0, i = o = 1) at zero input and state: ds_t/ds_{t-1} = [[0, U_c], [0, U_c]]
    with U_c = 10 R, so the products grow like 10^k and overflow to inf, quietly."""
    rot = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    model = init_lstm(1, 2, 1, forget_bias=-800.0)
    model.b_i, model.b_o, model.U_c = np.full(2, 800.0), np.full(2, 800.0), 10.0 * rot
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, np.zeros((1, 400, 1)))
        P = jacobian_products(model, cache)
        norms = state_gradient_norms(model, cache, np.ones((1, 2)))[::-1]  # by lag
    np.testing.assert_array_equal(
        state_jacobians(model, cache)[0, 0, :, 2:], np.vstack([10 * rot] * 2)
    )
    assert np.all(np.isfinite(P[0, 395:])) and not np.all(np.isfinite(P[0, 0]))
    assert norms.shape == (401,) and norms[0] == pytest.approx(np.sqrt(2))
    assert np.isinf(norms[-1]) and not np.any(np.isnan(norms))
