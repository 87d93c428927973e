"""Tests for vanishing.residual: gradients vs finite differences and autograd, block Jacobians,
the alpha = 0 identity, bad input."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vanishing.gradcheck import central_difference, relative_error
from vanishing.residual import (
    ResidualCache,
    ResidualGrads,
    ResidualMLP,
    backward,
    block_jacobian,
    forward,
    init_residual,
    layer_grad_norms,
    loss_and_grads,
)

GRAD_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu")
KINKED = ("relu", "leaky_relu", "elu")

# independent autograd reference ---------------------------------------------------------------

AG_PHI = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0 * z),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1.0),
}


def ag_last(params, x, act, alpha):
    """a^(L) for params = [W1, b1, ..., WL, bL] in plain autograd.numpy; x: (B, n)."""
    a = x
    for l in range(len(params) // 2):
        a = a + alpha * AG_PHI[act](anp.dot(a, params[2 * l].T) + params[2 * l + 1])
    return a


def ag_loss(params, x, y, act, alpha):
    """params = [W1, b1, ..., WL, bL, W_out, b_out]."""
    y_hat = anp.dot(ag_last(params[:-2], x, act, alpha), params[-2].T) + params[-1]
    r = y_hat - y
    return 0.5 * anp.sum(r * r) / x.shape[0]


# helpers --------------------------------------------------------------------------------------


def flat_params(model):
    blocks = [p for W, b in zip(model.weights, model.biases, strict=True) for p in (W, b)]
    return blocks + [model.W_out, model.b_out]


def flat_grads(grads):
    blocks = [p for dW, db in zip(grads.W, grads.b, strict=True) for p in (dW, db)]
    return blocks + [grads.W_out, grads.b_out]


def rel_err(a, b):
    """gradcheck.relative_error of two lists of arrays, each list read as one long vector."""
    return relative_error(*(np.concatenate([np.ravel(t) for t in arrays]) for arrays in (a, b)))


def make_problem(n, L, n_out, act, B, seed, alpha=0.7):
    rng = np.random.default_rng(seed)
    model = init_residual(n, L, n_out, activation=act, scheme="lecun", alpha=alpha, rng=rng)
    model.biases = [0.1 * rng.standard_normal(b.shape) for b in model.biases]
    model.b_out = 0.1 * rng.standard_normal(n_out)
    x = rng.standard_normal((B, n))
    y = rng.standard_normal((B, n_out))
    return model, x, y


def away_from_kinks(model, x, tol=1e-4):
    if model.activation not in KINKED:
        return True
    return all(np.min(np.abs(z)) > tol for z in forward(model, x).z)


problems = st.fixed_dictionaries(
    {
        "n": st.integers(1, 4),
        "L": st.integers(1, 4),
        "n_out": st.integers(1, 3),
        "B": st.integers(1, 3),
        "alpha": st.floats(0.0, 1.5),
        "seed": st.integers(0, 2**32 - 1),
    }
)


# gradients ------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
@settings(max_examples=15, deadline=None)
@given(p=problems)
def test_grads_match_finite_differences_and_autograd(act, p):
    model, x, y = make_problem(p["n"], p["L"], p["n_out"], act, p["B"], p["seed"], p["alpha"])
    assume(away_from_kinks(model, x))
    loss, grads = loss_and_grads(model, x, y)
    alpha = p["alpha"]

    params = flat_params(model)
    assert loss == pytest.approx(ag_loss(params, x, y, act, alpha), rel=1e-12)
    ag_params = autograd.grad(ag_loss)(params, x, y, act, alpha)
    ag_x = autograd.grad(ag_loss, 1)(params, x, y, act, alpha)
    assert rel_err(flat_grads(grads), ag_params) < 1e-10
    assert rel_err([grads.a[0]], [ag_x]) < 1e-10

    params = [P.copy() for P in params]
    xc = x.copy()

    def loss_of_copies():
        return ag_loss(params, xc, y, act, alpha)

    fd = [central_difference(loss_of_copies, P) for P in params + [xc]]
    ours = flat_grads(grads) + [grads.a[0]]
    if max(np.linalg.norm(g) for g in ours) > 1e-8:
        assert rel_err(ours, fd) < 1e-6
    else:
        assert max(np.linalg.norm(g) for g in fd) < 1e-7


def test_fd_uses_vanishing_forward_too():
    """Finite differences through vanishing.residual.forward itself."""
    model, x, y = make_problem(3, 3, 2, "tanh", 4, 7, alpha=1.0)
    _, grads = loss_and_grads(model, x, y)

    def f():
        r = forward(model, x).y_hat - y
        return 0.5 * float(np.sum(r * r)) / x.shape[0]

    params = model.weights + model.biases + [model.W_out, model.b_out, x]
    fd = [central_difference(f, P) for P in params]
    ours = grads.W + grads.b + [grads.W_out, grads.b_out, grads.a[0]]
    assert rel_err(ours, fd) < 1e-6


def test_layer_grad_norms_and_shapes():
    model, x, y = make_problem(4, 3, 2, "relu", 5, 0)
    _, grads = loss_and_grads(model, x, y)
    norms = layer_grad_norms(grads)
    assert norms.shape == (3,)
    np.testing.assert_allclose(norms, [np.sqrt(np.sum(dW**2)) for dW in grads.W])
    assert len(grads.a) == 4 and all(g.shape == (5, 4) for g in grads.a)
    assert grads.W_out.shape == (2, 4) and grads.b_out.shape == (2,)


# Jacobians ------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_product_of_block_jacobians_is_input_output_jacobian(act, seed):
    model, x, _ = make_problem(4, 3, 2, act, 3, seed, alpha=0.9)
    cache = forward(model, x)
    params = flat_params(model)[:-2]
    for b in range(3):
        J = np.eye(4)
        for l in range(1, model.L + 1):
            J = block_jacobian(model, cache, l, b) @ J  # da^(l)/da^(0)

        def last(x0):
            return ag_last(params, x0[None, :], act, model.alpha)[0]

        np.testing.assert_allclose(J, autograd.jacobian(last)(x[b]), rtol=1e-10, atol=1e-12)


def test_backward_is_transposed_block_jacobian_product():
    model, x, y = make_problem(3, 2, 2, "tanh", 1, 5)
    cache = forward(model, x)
    r = (cache.y_hat - y) / 1
    grads = backward(model, cache, r)
    J = block_jacobian(model, cache, 2) @ block_jacobian(model, cache, 1)
    np.testing.assert_allclose(grads.a[0][0], J.T @ model.W_out.T @ r[0], rtol=1e-12)


def test_alpha_zero_is_the_identity_map():
    model, x, y = make_problem(4, 5, 3, "relu", 6, 3, alpha=0.0)
    cache = forward(model, x)
    for a in cache.a:
        np.testing.assert_array_equal(a, x)
    np.testing.assert_allclose(cache.y_hat, x @ model.W_out.T + model.b_out, rtol=1e-14)
    for l in range(1, 6):
        np.testing.assert_array_equal(block_jacobian(model, cache, l, 2), np.eye(4))
    _, grads = loss_and_grads(model, x, y)
    assert np.all(layer_grad_norms(grads) == 0.0)


def test_init_residual_shapes_scheme_and_reproducibility():
    m = init_residual(6, 4, 2, scheme="he", alpha=0.5, rng=3)
    assert (m.L, m.n, m.n_out, m.alpha, m.activation) == (4, 6, 2, 0.5, "relu")
    assert all(W.shape == (6, 6) for W in m.weights) and m.W_out.shape == (2, 6)
    assert all(np.array_equal(b, np.zeros(6)) for b in m.biases)
    m2 = init_residual(6, 4, 2, scheme="he", alpha=0.5, rng=np.random.default_rng(3))
    assert all(np.array_equal(A, B) for A, B in zip(m.weights, m2.weights, strict=True))
    big = init_residual(400, 1, 1, scheme="he", rng=0)
    assert np.var(big.weights[0]) == pytest.approx(2 / 400, rel=0.02)


def test_forward_values():
    W = np.array([[1.0, -1.0], [2.0, 0.5]])
    b = np.array([0.0, -1.0])
    m = ResidualMLP([W], [b], np.array([[1.0, 1.0]]), np.array([0.5]), "relu", 2.0)
    cache = forward(m, np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(cache.z[0], [[-1.0, 2.0]])
    np.testing.assert_allclose(cache.a[1], [[1.0, 6.0]])  # x + 2 relu(z)
    np.testing.assert_allclose(cache.y_hat, [[7.5]])


def test_exploding_forward_is_silent():
    model = init_residual(8, 2000, 1, scheme="he", alpha=1.0, rng=0)
    cache = forward(model, np.ones((2, 8)))  # overflows to inf: no warnings (pytest -W error)
    assert not np.all(np.isfinite(cache.a[-1]))


# bad input ------------------------------------------------------------------------------------


@pytest.fixture
def setup():
    model, x, y = make_problem(3, 2, 2, "tanh", 5, 0)
    return model, x, y, forward(model, x)


def test_bad_x_and_y(setup):
    model, x, y, _ = setup
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[0])
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :2])
    bad = x.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, bad)
    with pytest.raises(TypeError, match=r"^model\b"):
        forward("model", x)
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, y[:, :1])
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, y[0])


def test_bad_init_arguments():
    with pytest.raises(ValueError, match=r"^n\b"):
        init_residual(0, 2, 1)
    with pytest.raises(TypeError, match=r"^L\b"):
        init_residual(3, 2.0, 1)
    with pytest.raises(ValueError, match=r"^n_out\b"):
        init_residual(3, 2, -1)
    with pytest.raises(ValueError, match=r"^activation\b"):
        init_residual(3, 2, 1, activation="swish")
    with pytest.raises(ValueError, match=r"^scheme\b"):
        init_residual(3, 2, 1, scheme="glorot")
    with pytest.raises(ValueError, match=r"^alpha\b"):
        init_residual(3, 2, 1, alpha=-0.1)
    with pytest.raises(ValueError, match=r"^alpha\b"):
        init_residual(3, 2, 1, alpha=np.nan)
    with pytest.raises(TypeError, match=r"^alpha\b"):
        init_residual(3, 2, 1, alpha="1")
    with pytest.raises(TypeError, match=r"^rng\b"):
        init_residual(3, 2, 1, rng="0")


def test_bad_model_construction():
    W = np.eye(3)
    with pytest.raises(ValueError, match=r"^weights\[1\]"):
        ResidualMLP([W, np.ones((3, 4))], [np.zeros(3)] * 2, np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^weights\[0\]"):
        ResidualMLP([np.ones((2, 3))], [np.zeros(2)], np.ones((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^biases\[0\]"):
        ResidualMLP([W], [np.zeros(2)], np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^biases\b"):
        ResidualMLP([W], [], np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^weights\b"):
        ResidualMLP([], [], np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^W_out\b"):
        ResidualMLP([W], [np.zeros(3)], np.ones((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^b_out\b"):
        ResidualMLP([W], [np.zeros(3)], np.ones((1, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"^activation\b"):
        ResidualMLP([W], [np.zeros(3)], np.ones((1, 3)), np.zeros(1), "nope")
    with pytest.raises(TypeError, match=r"^alpha\b"):
        ResidualMLP([W], [np.zeros(3)], np.ones((1, 3)), np.zeros(1), "relu", None)


def test_bad_backward_and_jacobian_inputs(setup):
    model, x, _, cache = setup
    with pytest.raises(ValueError, match=r"^grad_out\b"):
        backward(model, cache, np.ones((5, 3)))
    with pytest.raises(TypeError, match=r"^cache\b"):
        backward(model, None, np.ones((5, 2)))
    other = forward(init_residual(3, 4, 2, activation="tanh"), x)
    with pytest.raises(ValueError, match=r"^cache\b"):
        backward(model, other, np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"^l\b"):
        block_jacobian(model, cache, 0)
    with pytest.raises(ValueError, match=r"^l\b"):
        block_jacobian(model, cache, 3)
    with pytest.raises(TypeError, match=r"^l\b"):
        block_jacobian(model, cache, 1.0)
    with pytest.raises(ValueError, match=r"^b\b"):
        block_jacobian(model, cache, 1, b=5)
    with pytest.raises(TypeError, match=r"^grads\b"):
        layer_grad_norms([np.ones(2)])
    assert isinstance(cache, ResidualCache)
    assert isinstance(loss_and_grads(model, x, np.zeros((5, 2)))[1], ResidualGrads)
