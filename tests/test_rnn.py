"""Tests for vanishing.rnn: BPTT vs finite differences and autograd, state Jacobians, bad input."""

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vanishing.gradcheck import central_difference, relative_error
from vanishing.linalg import product_norms
from vanishing.params import Grads
from vanishing.rnn import (
    RNN,
    Cache,
    W_hh_grad_by_lag,
    bptt,
    forward,
    init_rnn,
    jacobian_products,
    loss_and_grads,
    state_gradient_norms,
    state_jacobians,
)

GRAD_ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")

# independent autograd reference ---------------------------------------------------------------

AG_PHI = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0 * z),
}


def ag_states(W_hh, W_xh, b_h, h_k, xs, act):
    """Run h_t = phi(W_hh h_{t-1} + W_xh x_t + b_h) from h_k over the inputs xs; list of h_t."""
    hs, h = [], h_k
    for x_t in xs:
        h = AG_PHI[act](anp.dot(h, W_hh.T) + anp.dot(x_t, W_xh.T) + b_h)
        hs.append(h)
    return hs


def ag_loss(params, x, y, act, loss_at):
    """The loss of loss_and_grads for params = [W_xh, W_hh, b_h, W_hy, b_y, h0] in autograd."""
    W_xh, W_hh, b_h, W_hy, b_y, h0 = params
    hs = ag_states(W_hh, W_xh, b_h, h0, [x[:, t] for t in range(x.shape[1])], act)
    if loss_at == "last":
        r = anp.dot(hs[-1], W_hy.T) + b_y - y
        return 0.5 * anp.sum(r * r) / x.shape[0]
    total = 0.0
    for t, h in enumerate(hs):
        r = anp.dot(h, W_hy.T) + b_y - y[:, t]
        total = total + 0.5 * anp.sum(r * r)
    return total / x.shape[0]


# helpers --------------------------------------------------------------------------------------


def flat_params(model, h0):
    return [model.W_xh, model.W_hh, model.b_h, model.W_hy, model.b_y, h0]


def flat_grads(grads):
    return [getattr(grads, name) for name in PARAM_NAMES]


def rel_err(a, b):
    """gradcheck.relative_error of two lists of arrays, each list read as one long vector."""
    return relative_error(*(np.concatenate([np.ravel(t) for t in arrays]) for arrays in (a, b)))


def make_problem(n_x, n_h, n_y, T, B, act, seed, loss_at="all"):
    """A model with nonzero biases, random x, y and h0."""
    rng = np.random.default_rng(seed)
    model = init_rnn(n_x, n_h, n_y, activation=act, rng=rng)
    model.b_h = 0.1 * rng.standard_normal(n_h)
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
        "T": st.integers(1, 20),
        "B": st.integers(1, 3),
        "seed": st.integers(0, 2**32 - 1),
        "loss_at": st.sampled_from(["all", "last"]),
    }
)


# gradients ------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
@settings(max_examples=15, deadline=None)
@given(p=problems)
def test_grads_match_autograd_and_finite_differences(act, p):
    loss_at = p["loss_at"]
    model, x, y, h0 = make_problem(
        p["n_x"], p["n_h"], p["n_y"], p["T"], p["B"], act, p["seed"], loss_at
    )
    if act == "relu":  # finite differences are only valid away from the kink at 0
        assume(np.min(np.abs(forward(model, x, h0=h0).z)) > 1e-4)
    loss, grads = loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    ours = flat_grads(grads)

    params = flat_params(model, h0)
    assert loss == pytest.approx(ag_loss(params, x, y, act, loss_at), rel=1e-12)
    ag = autograd.grad(ag_loss)(params, x, y, act, loss_at)
    assert rel_err(ours, ag) < 1e-10

    params = [P.copy() for P in params]

    def loss_of_copies():
        return ag_loss(params, x, y, act, loss_at)

    fd = [central_difference(loss_of_copies, P) for P in params]
    if max(np.linalg.norm(g) for g in ours) > 1e-8:  # skip the relative test on ~zero grads
        assert rel_err(ours, fd) < 1e-6
    else:
        assert max(np.linalg.norm(g) for g in fd) < 1e-7


@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_fd_uses_vanishing_forward_too(loss_at):
    """Finite differences through vanishing.rnn.loss_and_grads itself, not the reference."""
    model, x, y, h0 = make_problem(2, 3, 2, 6, 2, "tanh", 3, loss_at)
    _, grads = loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    params = flat_params(model, h0)

    def loss():
        return loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)[0]

    fd = [central_difference(loss, P) for P in params]
    assert rel_err(flat_grads(grads), fd) < 1e-6


def test_bptt_alone_has_no_readout_gradient():
    """bptt's gradient lacks W_hy, b_y: an optimiser given it raises instead of freezing them."""
    model, x, _, h0 = make_problem(2, 3, 2, 5, 2, "tanh", 0)
    cache = forward(model, x, h0=h0)
    g = bptt(model, cache, np.ones((2, 5, 3)))
    assert isinstance(g, Grads)
    assert set(g.params) == set(model.params()) - {"W_hy", "b_y"}
    assert g.h0.shape == (2, 3) and g.W_xh.shape == (3, 2)


# state Jacobians ------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
def test_jacobian_products_match_autograd(act):
    model, x, _, h0 = make_problem(2, 4, 1, 7, 2, act, 11)
    cache = forward(model, x, h0=h0)
    J = state_jacobians(model, cache)
    P = jacobian_products(model, cache)
    T = 7
    assert J.shape == (2, T, 4, 4) and P.shape == (2, T + 1, 4, 4)
    for b in range(2):
        for k in (0, 1, 3, T - 1, T):

            def h_T(h_k, b=b, k=k):
                xs = [x[b, t][None, :] for t in range(k, T)]  # x_{k+1}..x_T
                hs = ag_states(model.W_hh, model.W_xh, model.b_h, h_k[None, :], xs, act)
                return hs[-1][0] if hs else h_k

            expected = autograd.jacobian(h_T)(cache.h[b, k])
            np.testing.assert_allclose(P[b, k], expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(P[b, T - 1], J[b, T - 1])  # dh_T/dh_{T-1} = J_T
        np.testing.assert_array_equal(P[b, T], np.eye(4))


def test_product_norms_of_state_jacobians():
    model, x, _, h0 = make_problem(2, 4, 1, 9, 1, "tanh", 4)
    cache = forward(model, x, h0=h0)
    P = jacobian_products(model, cache)[0]  # (T+1, n_h, n_h)
    norms = product_norms(state_jacobians(model, cache)[0])  # k = 0..T
    np.testing.assert_allclose(norms, [np.linalg.norm(P[9 - k], 2) for k in range(10)])


def test_jacobian_products_overflow_silently():
    """Identity activation, zero input: h_t = 0 but J_t = W_hh = 10 R explodes to inf quietly."""
    c, s = np.cos(0.3), np.sin(0.3)
    W_hh = 10.0 * np.array([[c, -s], [s, c]])
    model = init_rnn(1, 2, 1, activation="identity", W_hh=W_hh)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, np.zeros((1, 400, 1)))
        P = jacobian_products(model, cache)
        lags = W_hh_grad_by_lag(model, cache, np.ones((1, 2)))
        sig = state_gradient_norms(model, cache, np.ones((1, 2)))
    assert np.all(np.isfinite(P[0, 395:])) and not np.all(np.isfinite(P[0, 0]))
    assert lags.shape == (400,) and not np.all(np.isfinite(sig))
    assert np.isinf(sig[0]) and np.isfinite(sig[-1])  # overflow is reported as inf, not NaN
    assert not np.any(np.isnan(sig)) and not np.any(np.isnan(lags)) and np.isinf(lags[-1])


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
def test_gradient_by_lag_terms_sum_to_bptt(act):
    model, x, _, h0 = make_problem(3, 4, 2, 8, 3, act, 5)
    cache = forward(model, x, h0=h0)
    g_T = np.random.default_rng(1).standard_normal((3, 4))
    dL_dh = np.zeros((3, 8, 4))
    dL_dh[:, -1] = g_T
    grads = bptt(model, cache, dL_dh)

    # the terms from the explicit Jacobian products, k = 1..T
    P = jacobian_products(model, cache)  # (B, T+1, n_h, n_h)
    phi_prime = {
        "tanh": lambda z: 1 - np.tanh(z) ** 2,
        "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
        "relu": lambda z: (z > 0) * 1.0,
        "identity": np.ones_like,
    }[act]
    terms = []
    for k in range(1, 9):
        delta = phi_prime(cache.z[:, k - 1]) * np.einsum("bij,bi->bj", P[:, k], g_T)
        terms.append(delta.T @ cache.h[:, k - 1])
    np.testing.assert_allclose(sum(terms), grads.W_hh, rtol=1e-10, atol=1e-12)

    by_lag = W_hh_grad_by_lag(model, cache, g_T)
    assert by_lag.shape == (8,)
    expected = [np.linalg.norm(terms[8 - 1 - lag]) for lag in range(8)]  # lag = T - k
    np.testing.assert_allclose(by_lag, expected, rtol=1e-10, atol=1e-14)

    sig = state_gradient_norms(model, cache, g_T)
    assert sig.shape == (9,)
    assert sig[-1] == pytest.approx(np.mean(np.linalg.norm(g_T, axis=1)), rel=1e-14)
    assert sig[0] == pytest.approx(np.mean(np.linalg.norm(grads.h0, axis=1)), rel=1e-10)


def test_state_gradient_norms_single_sequence():
    model, x, _, h0 = make_problem(1, 3, 1, 4, 1, "tanh", 2)
    cache = forward(model, x, h0=h0)
    g_T = np.array([[3.0, 0.0, 4.0]])
    sig = state_gradient_norms(model, cache, g_T)
    assert sig[-1] == pytest.approx(5.0)
    P = jacobian_products(model, cache)[0]
    np.testing.assert_allclose(sig, [np.linalg.norm(P[k].T @ g_T[0]) for k in range(5)])


# model, init, forward -------------------------------------------------------------------------


def test_forward_values_and_indexing():
    model = RNN(
        W_xh=[[1.0]], W_hh=[[0.5]], b_h=[0.0], W_hy=[[2.0]], b_y=[1.0], activation="identity"
    )
    cache = forward(model, np.array([[[1.0], [2.0]]]))
    assert isinstance(cache, Cache) and cache.B == 1 and cache.T == 2
    np.testing.assert_allclose(cache.h[0, :, 0], [0.0, 1.0, 2.5])  # h_0, h_1, h_2
    np.testing.assert_allclose(cache.z[0, :, 0], [1.0, 2.5])  # z_1, z_2
    np.testing.assert_allclose(cache.y_hat[0, :, 0], [3.0, 6.0])  # y_hat_1, y_hat_2
    cache = forward(model, np.array([[[1.0]]]), h0=np.array([[2.0]]))
    np.testing.assert_allclose(cache.h[0, :, 0], [2.0, 2.0])


def test_loss_values():
    model = RNN([[1.0]], [[0.5]], [0.0], [[2.0]], [1.0], "identity")
    x = np.array([[[1.0], [2.0]], [[0.0], [0.0]]])  # y_hat = [3, 6] and [1, 1]
    loss, _ = loss_and_grads(model, x, np.zeros((2, 2, 1)))
    assert loss == pytest.approx((9 + 36 + 1 + 1) / 2 / 2)
    loss, _ = loss_and_grads(model, x, np.zeros((2, 1)), loss_at="last")
    assert loss == pytest.approx((36 + 1) / 2 / 2)


def test_init_rnn():
    m = init_rnn(3, 5, 2, rng=4)
    assert (m.n_x, m.n_h, m.n_y, m.activation) == (3, 5, 2, "tanh")
    assert m.W_xh.shape == (5, 3) and m.W_hy.shape == (2, 5)
    np.testing.assert_allclose(m.W_hh @ m.W_hh.T, np.eye(5), atol=1e-12)  # orthogonal default
    assert not np.any(m.b_h) and not np.any(m.b_y)
    m2 = init_rnn(3, 5, 2, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(m.W_hh, m2.W_hh)
    W = 0.3 * np.eye(5)
    m3 = init_rnn(3, 5, 2, activation="relu", W_hh=W, rng=4)
    np.testing.assert_array_equal(m3.W_hh, W)
    np.testing.assert_array_equal(m3.W_xh, m.W_xh)  # drawn independently of W_hh
    assert m3.W_hh is not W
    assert init_rnn(1, 2, 1, activation="linear").activation == "linear"


# bad input ------------------------------------------------------------------------------------


@pytest.fixture
def setup():
    model, x, y, h0 = make_problem(2, 3, 2, 4, 5, "tanh", 0)
    return model, x, y, h0, forward(model, x, h0=h0)


def test_bad_rnn_construction():
    W_xh, W_hh, b_h, W_hy, b_y = np.ones((3, 2)), np.eye(3), np.zeros(3), np.ones((2, 3)), [0, 0]
    with pytest.raises(ValueError, match=r"^W_hh\b"):
        RNN(W_xh, np.ones((3, 4)), b_h, W_hy, b_y)
    with pytest.raises(ValueError, match=r"^W_hh\b"):
        RNN(W_xh, np.ones(3), b_h, W_hy, b_y)
    with pytest.raises(ValueError, match=r"^W_hh\b"):
        RNN(W_xh, np.full((3, 3), np.nan), b_h, W_hy, b_y)
    with pytest.raises(ValueError, match=r"^W_xh\b"):
        RNN(np.ones((4, 2)), W_hh, b_h, W_hy, b_y)
    with pytest.raises(ValueError, match=r"^W_xh\b"):
        RNN(np.ones((3, 0)), W_hh, b_h, W_hy, b_y)
    with pytest.raises(ValueError, match=r"^b_h\b"):
        RNN(W_xh, W_hh, np.zeros(2), W_hy, b_y)
    with pytest.raises(ValueError, match=r"^W_hy\b"):
        RNN(W_xh, W_hh, b_h, np.ones((2, 2)), b_y)
    with pytest.raises(ValueError, match=r"^b_y\b"):
        RNN(W_xh, W_hh, b_h, W_hy, np.zeros(3))
    with pytest.raises(TypeError, match=r"^W_hy\b"):
        RNN(W_xh, W_hh, b_h, np.array([["a"]]), b_y)
    with pytest.raises(ValueError, match=r"^activation\b"):
        RNN(W_xh, W_hh, b_h, W_hy, b_y, "swish")
    with pytest.raises(TypeError, match=r"^activation\b"):
        RNN(W_xh, W_hh, b_h, W_hy, b_y, None)


def test_bad_init_rnn():
    with pytest.raises(ValueError, match=r"^n_x\b"):
        init_rnn(0, 3, 1)
    with pytest.raises(TypeError, match=r"^n_h\b"):
        init_rnn(1, 2.0, 1)
    with pytest.raises(ValueError, match=r"^n_y\b"):
        init_rnn(1, 3, -1)
    with pytest.raises(ValueError, match=r"^activation\b"):
        init_rnn(1, 3, 1, activation="softmax")
    with pytest.raises(ValueError, match=r"^scheme\b"):
        init_rnn(1, 3, 1, scheme="glorot")
    with pytest.raises(ValueError, match=r"^scheme_hh\b"):
        init_rnn(1, 3, 1, scheme_hh="identity")
    with pytest.raises(TypeError, match=r"^rng\b"):
        init_rnn(1, 3, 1, rng="0")
    with pytest.raises(ValueError, match=r"^W_hh\b"):
        init_rnn(1, 3, 1, W_hh=np.eye(2))
    with pytest.raises(ValueError, match=r"^W_hh\b"):
        init_rnn(1, 2, 1, W_hh=np.array([[np.inf, 0], [0, 1]]))


def test_bad_forward(setup):
    model, x, _, h0, _ = setup
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[0])  # 2-D
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :0])  # T = 0
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :, :1])  # wrong n_x
    bad = x.copy()
    bad[0, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, bad)
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
    other = forward(init_rnn(2, 4, 2), x)
    for fn in (state_jacobians, jacobian_products):
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other)
        with pytest.raises(TypeError, match=r"^cache\b"):
            fn(model, {"x": x})
        with pytest.raises(TypeError, match=r"^model\b"):
            fn(None, cache)
    for fn in (W_hh_grad_by_lag, state_gradient_norms):
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.ones((5, 2)))
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.ones(3))
        with pytest.raises(ValueError, match=r"^g_T\b"):
            fn(model, cache, np.full((5, 3), np.nan))
        with pytest.raises(ValueError, match=r"^cache\b"):
            fn(model, other, np.ones((5, 3)))


def test_forward_overflow_gives_inf_without_warnings():
    import warnings

    from vanishing.linalg import random_matrix

    W_hh = random_matrix(8, rho=3.0, kind="orthogonal", rng=0)
    model = init_rnn(1, 8, 1, activation="identity", W_hh=W_hh, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache = forward(model, np.ones((1, 1000, 1)))
    assert np.isinf(cache.h[0, -1]).any() or np.isnan(cache.h[0, -1]).any()
    assert np.all(np.isfinite(cache.h[0, :50]))
