"""Tests for vanishing.mlp: gradients vs finite differences and autograd, Jacobians, bad input."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vanishing.gradcheck import central_difference, relative_error
from vanishing.mlp import (
    MLP,
    Cache,
    Grads,
    backward,
    forward,
    init_mlp,
    layer_grad_norms,
    layer_jacobian,
    loss_and_grads,
    mse_loss,
)
from vanishing.optim import SGD

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


def ag_output(params, x, act, out_act):
    """a^(L) for params = [W1, b1, ..., WL, bL] in plain autograd.numpy; x: (B, n_0)."""
    a = x
    L = len(params) // 2
    for l in range(L):
        W, b = params[2 * l], params[2 * l + 1]
        a = AG_PHI[out_act if l == L - 1 else act](anp.dot(a, W.T) + b)
    return a


def ag_loss(params, x, y, act, out_act):
    r = ag_output(params, x, act, out_act) - y
    return 0.5 * anp.sum(r * r) / x.shape[0]


# helpers --------------------------------------------------------------------------------------


def flat_params(model):
    return [p for W, b in zip(model.weights, model.biases, strict=True) for p in (W, b)]


def flat_grads(grads):
    return [p for dW, db in zip(grads.W, grads.b, strict=True) for p in (dW, db)]


def rel_err(a, b):
    """gradcheck.relative_error of two lists of arrays, each list read as one long vector."""
    return relative_error(*(np.concatenate([np.ravel(t) for t in arrays]) for arrays in (a, b)))


def make_problem(sizes, act, B, seed, out_act="identity"):
    rng = np.random.default_rng(seed)
    model = init_mlp(sizes, activation=act, scheme="lecun", rng=rng, output_activation=out_act)
    model.biases = [0.1 * rng.standard_normal(b.shape) for b in model.biases]
    x = rng.standard_normal((B, sizes[0]))
    y = rng.standard_normal((B, sizes[-1]))
    return model, x, y


def away_from_kinks(model, x, act, out_act, tol=1e-4):
    cache = forward(model, x)
    zs = [z for l, z in enumerate(cache.z, 1) if (out_act if l == model.L else act) in KINKED]
    return all(np.min(np.abs(z)) > tol for z in zs)


problems = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 5), min_size=2, max_size=5),
        "B": st.integers(1, 4),
        "seed": st.integers(0, 2**32 - 1),
    }
)


# gradients ------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
@settings(max_examples=20, deadline=None)
@given(p=problems)
def test_grads_match_finite_differences_and_autograd(act, p):
    out_act = "tanh" if p["seed"] % 2 else "identity"
    model, x, y = make_problem(p["sizes"], act, p["B"], p["seed"], out_act)
    assume(away_from_kinks(model, x, act, out_act))
    loss, grads = loss_and_grads(model, x, y)

    # autograd w.r.t. the flat parameter list [W1, b1, ..., WL, bL] and w.r.t. x
    params = flat_params(model)
    assert loss == pytest.approx(ag_loss(params, x, y, act, out_act), rel=1e-12)
    ag_params = autograd.grad(ag_loss)(params, x, y, act, out_act)
    ag_x = autograd.grad(ag_loss, 1)(params, x, y, act, out_act)
    assert rel_err(flat_grads(grads), ag_params) < 1e-10
    assert rel_err([grads.a[0]], [ag_x]) < 1e-10

    # central finite differences on copies of every parameter and on x
    params = [P.copy() for P in params]
    xc = x.copy()

    def loss_of_copies():
        return ag_loss(params, xc, y, act, out_act)

    fd = [central_difference(loss_of_copies, P) for P in params + [xc]]
    ours = flat_grads(grads) + [grads.a[0]]
    if max(np.linalg.norm(g) for g in ours) > 1e-8:  # skip the relative test on ~zero grads
        assert rel_err(ours, fd) < 1e-6
    else:
        assert max(np.linalg.norm(g) for g in fd) < 1e-7


def test_fd_uses_vanishing_forward_too():
    """Finite differences through vanishing.mlp.forward itself (not the autograd reference)."""
    model, x, y = make_problem([3, 4, 4, 2], "tanh", 5, 7)
    _, grads = loss_and_grads(model, x, y)

    def f():
        return mse_loss(forward(model, x).a[-1], y)[0]

    fd = [central_difference(f, P) for P in model.weights + model.biases + [x]]
    assert rel_err(grads.W + grads.b + [grads.a[0]], fd) < 1e-6


def test_grad_a_chain_is_consistent():
    model, x, y = make_problem([2, 3, 3, 1], "sigmoid", 4, 1)
    cache = forward(model, x)
    _, g_out = mse_loss(cache.a[-1], y)
    grads = backward(model, cache, g_out)
    assert len(grads.a) == model.L + 1 and len(grads.W) == model.L
    np.testing.assert_array_equal(grads.a[-1], g_out)
    for l in range(1, model.L + 1):
        assert grads.a[l].shape == cache.a[l].shape
        assert grads.W[l - 1].shape == model.weights[l - 1].shape


# Jacobians ------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", GRAD_ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_product_of_layer_jacobians_is_input_output_jacobian(act, seed):
    sizes = [4, 5, 3, 6, 2]
    model, x, _ = make_problem(sizes, act, 3, seed, out_act="sigmoid")
    cache = forward(model, x)
    params = flat_params(model)
    for b in range(3):
        J = np.eye(sizes[0])
        for l in range(1, model.L + 1):
            Jl = layer_jacobian(model, cache, l, b)
            assert Jl.shape == (sizes[l], sizes[l - 1])
            J = Jl @ J  # da^(l)/da^(0) = J_l ... J_1

        def out(x0):
            return ag_output(params, x0[None, :], act, "sigmoid")[0]

        np.testing.assert_allclose(J, autograd.jacobian(out)(x[b]), rtol=1e-10, atol=1e-12)


def test_backward_is_transposed_jacobian_product():
    model, x, y = make_problem([3, 4, 2], "tanh", 1, 5)
    cache = forward(model, x)
    _, g_out = mse_loss(cache.a[-1], y)
    grads = backward(model, cache, g_out)
    J = layer_jacobian(model, cache, 2) @ layer_jacobian(model, cache, 1)
    np.testing.assert_allclose(grads.a[0][0], J.T @ g_out[0], rtol=1e-12)


# model, init, forward, loss, sgd --------------------------------------------------------------


def test_init_mlp_shapes_and_reproducibility():
    m = init_mlp([3, 5, 2], activation="relu", scheme="he", rng=4)
    assert m.L == 2 and m.sizes == (3, 5, 2)
    assert [W.shape for W in m.weights] == [(5, 3), (2, 5)]
    assert all(np.array_equal(b, np.zeros_like(b)) for b in m.biases)
    m2 = init_mlp([3, 5, 2], activation="relu", scheme="he", rng=np.random.default_rng(4))
    assert all(np.array_equal(A, B) for A, B in zip(m.weights, m2.weights, strict=True))
    assert m.layer_activation(1).name == "relu" and m.layer_activation(2).name == "identity"


def test_forward_values():
    W1 = np.array([[1.0, -1.0], [2.0, 0.5]])
    W2 = np.array([[1.0, 1.0]])
    m = MLP([W1, W2], [np.array([0.0, -1.0]), np.array([0.5])], "relu")
    cache = forward(m, np.array([[1.0, 2.0], [3.0, 1.0]]))
    np.testing.assert_allclose(cache.z[0], [[-1.0, 2.0], [2.0, 5.5]])
    np.testing.assert_allclose(cache.a[1], [[0.0, 2.0], [2.0, 5.5]])
    np.testing.assert_allclose(cache.a[2], [[2.5], [8.0]])


def test_mse_loss_values():
    loss, g = mse_loss(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 3.0]]))
    assert loss == pytest.approx((1 + 4 + 9) / 2 / 2)
    np.testing.assert_allclose(g, [[0.5, 1.0], [0.0, -1.5]])


def test_layer_grad_norms():
    model, x, y = make_problem([3, 4, 4, 2], "tanh", 5, 0)
    _, grads = loss_and_grads(model, x, y)
    norms = layer_grad_norms(grads)
    assert norms.shape == (3,)
    np.testing.assert_allclose(norms, [np.sqrt(np.sum(dW**2)) for dW in grads.W])


def test_an_sgd_step_is_pure_and_descends():
    model, x, y = make_problem([3, 6, 2], "tanh", 8, 2)
    before = [P.copy() for P in flat_params(model)]
    loss, grads = loss_and_grads(model, x, y)
    new = SGD(1e-2).step(model, grads)
    assert new is not model
    assert all(np.array_equal(P, Q) for P, Q in zip(flat_params(model), before, strict=True))
    np.testing.assert_allclose(new.weights[0], model.weights[0] - 1e-2 * grads.W[0])
    assert loss_and_grads(new, x, y)[0] < loss


# bad input ------------------------------------------------------------------------------------


@pytest.fixture
def setup():
    model, x, y = make_problem([3, 4, 2], "tanh", 5, 0)
    return model, x, y, forward(model, x)


def test_bad_x(setup):
    model, x, _, _ = setup
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[0])  # 1-D
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, x[:, :2])  # wrong n_0
    bad = x.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"^x\b"):
        forward(model, bad)
    with pytest.raises(TypeError, match=r"^model\b"):
        forward("model", x)


def test_bad_sizes_and_activation():
    with pytest.raises(ValueError, match=r"^sizes\b"):
        init_mlp([3], activation="tanh")
    with pytest.raises(ValueError, match=r"^sizes\b"):
        init_mlp([3, 0, 2], activation="tanh")
    with pytest.raises(TypeError, match=r"^sizes\b"):
        init_mlp([3, 2.5], activation="tanh")
    with pytest.raises(ValueError, match=r"^activation\b"):
        init_mlp([3, 2], activation="swish")
    with pytest.raises(ValueError, match=r"^output_activation\b"):
        init_mlp([3, 2], activation="tanh", output_activation="softmax")
    with pytest.raises(ValueError, match=r"^scheme\b"):
        init_mlp([3, 2], activation="tanh", scheme="glorot")
    with pytest.raises(TypeError, match=r"^rng\b"):
        init_mlp([3, 2], activation="tanh", rng="0")


def test_bad_mlp_construction():
    W1, W2 = np.ones((4, 3)), np.ones((2, 5))
    with pytest.raises(ValueError, match=r"^weights\[1\]"):
        MLP([W1, W2], [np.zeros(4), np.zeros(2)], "tanh")
    with pytest.raises(ValueError, match=r"^biases\[0\]"):
        MLP([W1], [np.zeros(3)], "tanh")
    with pytest.raises(ValueError, match=r"^weights\[0\]"):
        MLP([np.full((4, 3), np.inf)], [np.zeros(4)], "tanh")
    with pytest.raises(ValueError, match=r"^weights\b"):
        MLP([], [], "tanh")
    with pytest.raises(ValueError, match=r"^activation\b"):
        MLP([W1], [np.zeros(4)], "nope")


def test_bad_loss_inputs(setup):
    model, x, y, cache = setup
    with pytest.raises(ValueError, match=r"^y\b"):
        mse_loss(cache.a[-1], y[:, :1])
    with pytest.raises(ValueError, match=r"^y\b"):
        loss_and_grads(model, x, y[:3])
    with pytest.raises(ValueError, match=r"^y_hat\b"):
        mse_loss(np.array([np.nan, 1.0])[None, :], np.zeros((1, 2)))


def test_bad_backward_inputs(setup):
    model, x, y, cache = setup
    with pytest.raises(ValueError, match=r"^grad_out\b"):
        backward(model, cache, np.ones((5, 3)))
    with pytest.raises(TypeError, match=r"^cache\b"):
        backward(model, None, np.ones((5, 2)))
    other = forward(init_mlp([3, 4, 4, 2], activation="tanh"), x)
    with pytest.raises(ValueError, match=r"^cache\b"):
        backward(model, other, np.ones((5, 2)))


def test_bad_jacobian_and_norm_inputs(setup):
    model, _, _, cache = setup
    with pytest.raises(ValueError, match=r"^l\b"):
        layer_jacobian(model, cache, 0)
    with pytest.raises(ValueError, match=r"^l\b"):
        layer_jacobian(model, cache, 3)
    with pytest.raises(ValueError, match=r"^b\b"):
        layer_jacobian(model, cache, 1, b=5)
    with pytest.raises(TypeError, match=r"^grads\b"):
        layer_grad_norms([np.ones(2)])
    assert isinstance(cache, Cache)


def test_an_sgd_step_refuses_a_gradient_of_another_network(setup):
    model, x, y, _ = setup
    _, grads = loss_and_grads(model, x, y)
    wrong = Grads(W=grads.W[:1], b=grads.b[:1], a=grads.a)
    with pytest.raises(ValueError, match=r"^grads has no gradient for the parameter"):
        SGD(0.1).step(model, wrong)
