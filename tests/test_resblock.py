"""Tests for vanishing.resblock: gradients vs autograd and finite differences, the zero-mean
branch, the (1 + alpha^2)^L growth of the trunk's second moment, bad input."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import resblock
from vanishing.gradcheck import central_difference, relative_error

AG_PHI = {"relu": lambda z: anp.where(z > 0, z, 0.0 * z), "tanh": anp.tanh}


def ag_loss(params, x, y, act, alpha, L):
    """params = [W1, b, W2] * L + [W_out, b_out], in plain autograd.numpy."""
    a = x
    for l in range(L):
        W1, b, W2 = params[3 * l : 3 * l + 3]
        a = a + alpha * anp.dot(AG_PHI[act](anp.dot(a, W1.T) + b), W2.T)
    r = anp.dot(a, params[-2].T) + params[-1] - y
    return 0.5 * anp.sum(r * r) / x.shape[0]


def make(act, seed=0, n=5, L=3, n_out=2, B=4, alpha=0.7):
    rng = np.random.default_rng(seed)
    model = resblock.init_branch_residual(n, L, n_out, activation=act, alpha=alpha, rng=rng)
    model.b = [0.1 * rng.standard_normal(n) for _ in range(L)]
    return model, rng.standard_normal((B, n)), rng.standard_normal((B, n_out))


def flat(model):
    out = [p for W1, b, W2 in zip(model.W1, model.b, model.W2, strict=True) for p in (W1, b, W2)]
    return out + [model.W_out, model.b_out]


def flat_grads(g):
    out = [p for W1, b, W2 in zip(g.W1, g.b, g.W2, strict=True) for p in (W1, b, W2)]
    return out + [g.W_out, g.b_out]


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_autograd(act, seed):
    model, x, y = make(act, seed)
    loss, grads = resblock.loss_and_grads(model, x, y)
    params = flat(model)
    ref = autograd.grad(ag_loss)(params, x, y, act, model.alpha, model.L)
    assert loss == pytest.approx(ag_loss(params, x, y, act, model.alpha, model.L), rel=1e-12)
    mine = np.concatenate([np.ravel(g) for g in flat_grads(grads)])
    theirs = np.concatenate([np.ravel(g) for g in ref])
    assert relative_error(mine, theirs) < 1e-10


def test_gradient_of_the_input_matches_finite_differences():
    model, x, y = make("tanh", 3)
    cache = resblock.forward(model, x)
    grads = resblock.backward(model, cache, (cache.y_hat - y) / x.shape[0])
    fd = central_difference(lambda: ag_loss(flat(model), x, y, "tanh", model.alpha, model.L), x)
    assert relative_error(grads.a[0], fd) < 1e-7


def test_alpha_zero_is_the_identity():
    model, x, _ = make("relu", alpha=0.0)
    cache = resblock.forward(model, x)
    for a in cache.a:
        np.testing.assert_array_equal(a, x)


def test_branch_has_zero_mean_and_the_trunk_grows_like_one_plus_alpha_squared():
    """Over many networks the branch output averages to 0, and E||a^(L)||^2 = (1 + a^2)^L."""
    n, L, alpha, nets = 64, 6, 0.5, 200
    x = np.random.default_rng(0).standard_normal((8, n))
    second, branch_mean = [], []
    for seed in range(nets):
        model = resblock.init_branch_residual(n, L, 1, alpha=alpha, rng=seed + 1)
        cache = resblock.forward(model, x)
        second.append(np.mean(cache.a[-1] ** 2) / np.mean(x**2))
        branch_mean.append(np.mean(cache.a[1] - x))
    assert np.mean(second) == pytest.approx((1 + alpha**2) ** L, rel=0.05)
    assert abs(np.mean(branch_mean)) < 0.02


def test_layer_grad_norms_combine_both_matrices():
    model, x, y = make("relu", 4)
    _, g = resblock.loss_and_grads(model, x, y)
    norms = resblock.layer_grad_norms(g)
    assert norms.shape == (model.L,)
    expected = [np.sqrt(np.sum(a**2) + np.sum(b**2)) for a, b in zip(g.W1, g.W2, strict=True)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n": 0, "L": 2, "n_out": 1}, ValueError, "n"),
        ({"n": 3, "L": 2.5, "n_out": 1}, TypeError, "L"),
        ({"n": 3, "L": 2, "n_out": 1, "alpha": -1.0}, ValueError, "alpha"),
        ({"n": 3, "L": 2, "n_out": 1, "alpha": True}, TypeError, "alpha"),
        ({"n": 3, "L": 2, "n_out": 1, "activation": "nope"}, ValueError, "activation"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}"):
        resblock.init_branch_residual(**kwargs)


def test_bad_forward_and_backward_input():
    model, x, y = make("relu")
    with pytest.raises(ValueError, match="^x"):
        resblock.forward(model, x[:, :2])
    with pytest.raises(TypeError, match="^model"):
        resblock.forward("model", x)
    with pytest.raises(ValueError, match="^y"):
        resblock.loss_and_grads(model, x, y[:, :1])
    with pytest.raises(TypeError, match="^grads"):
        resblock.layer_grad_norms(None)
    with pytest.raises(ValueError, match="^W2"):
        resblock.BranchResidualMLP(model.W1, model.b, model.W2[:1], model.W_out, model.b_out)


def test_one_optimiser_trains_every_parameter_by_name():
    from vanishing.optim import SGD

    model = resblock.init_branch_residual(4, 3, 2, alpha=0.5, rng=0)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
    _, grads = resblock.loss_and_grads(model, x, y)
    names = [f"{p}_{l}" for l in (1, 2, 3) for p in ("W1", "b", "W2")] + ["W_out", "b_out"]
    assert list(model.params()) == names and list(grads.params) == names
    stepped = SGD(0.1).step(model, grads)
    for name, before in model.params().items():
        np.testing.assert_allclose(stepped.params()[name], before - 0.1 * grads.params[name])
    with pytest.raises(ValueError, match="no parameter 'W3'"):
        model.with_params({"W3": np.zeros((4, 4))})
