"""Tests for vanishing.attention (ch. 8): the hand-written backward pass against autograd and
finite differences, causality, order blindness, bad input."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import attention as A
from vanishing.gradcheck import central_difference, relative_error

NAMES = ("W_q", "W_k", "W_v", "W_o", "b_o")


def ag_loss(params, x, y, loss_at):
    """The loss of loss_and_grads written from the equations in autograd, one step at a time."""
    P = dict(zip(NAMES, params, strict=True))
    B, T, _ = x.shape
    d_k = P["W_q"].shape[0]
    total = 0.0
    for t in range(T):
        if loss_at == "last" and t < T - 1:
            continue
        q = anp.dot(x[:, t], P["W_q"].T)  # (B, d_k)
        k = anp.einsum("bsn,kn->bsk", x[:, : t + 1], P["W_k"])
        v = anp.einsum("bsn,kn->bsk", x[:, : t + 1], P["W_v"])
        s = anp.einsum("bk,bsk->bs", q, k) / anp.sqrt(d_k)
        a = anp.exp(s - anp.max(s, axis=1, keepdims=True))
        a = a / anp.sum(a, axis=1, keepdims=True)
        o = anp.einsum("bs,bsk->bk", a, v)
        y_hat = anp.dot(o, P["W_o"].T) + P["b_o"]
        target = y[:, t] if loss_at == "all" else y
        total = total + 0.5 * anp.sum((y_hat - target) ** 2)
    return total / B


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_backward_matches_autograd(seed, loss_at):
    rng = np.random.default_rng(seed)
    model = A.init_attention(3, 4, 2, rng=seed)
    model.b_o = rng.standard_normal(2)
    x = 1.5 * rng.standard_normal((2, 6, 3))
    y = rng.standard_normal((2, 6, 2) if loss_at == "all" else (2, 2))
    loss, grads = A.loss_and_grads(model, x, y, loss_at=loss_at)
    values = [model.params()[k] for k in NAMES]
    assert loss == pytest.approx(ag_loss(values, x, y, loss_at), rel=1e-12)
    for name, ref in zip(NAMES, autograd.grad(ag_loss)(values, x, y, loss_at), strict=True):
        assert relative_error(grads.params[name], ref) < 1e-10, name
    assert relative_error(grads.x, autograd.grad(ag_loss, 1)(values, x, y, loss_at)) < 1e-10


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(9)
    model = A.init_attention(2, 3, 2, rng=1)
    x, y = rng.standard_normal((2, 5, 2)), rng.standard_normal((2, 5, 2))
    _, grads = A.loss_and_grads(model, x, y)
    for name, param in model.params().items():
        numeric = central_difference(lambda: A.loss_and_grads(model, x, y)[0], param)
        assert relative_error(grads.params[name], numeric) < 1e-6, name
    numeric = central_difference(lambda: A.loss_and_grads(model, x, y)[0], x)
    assert relative_error(grads.x, numeric) < 1e-6


def test_causal_and_blind_to_order():
    rng = np.random.default_rng(0)
    model = A.init_attention(3, 5, 2, rng=0)
    x = rng.standard_normal((4, 9, 3))
    cache = A.forward(model, x)
    assert np.allclose(np.triu(cache.A, k=1), 0.0) and np.allclose(cache.A.sum(axis=2), 1.0)
    later = x.copy()
    later[:, 5:] = rng.standard_normal((4, 4, 3))  # the future cannot change step 5
    np.testing.assert_allclose(A.forward(model, later).y_hat[:, :5], cache.y_hat[:, :5])
    shuffled = x.copy()
    shuffled[:, :-1] = x[:, rng.permutation(8)]  # reorder the past: the last output is unchanged
    np.testing.assert_allclose(A.forward(model, shuffled).y_hat[:, -1], cache.y_hat[:, -1],
                               atol=1e-13)  # fmt: skip


def test_input_gradients_equals_loss_gradient():
    rng = np.random.default_rng(4)
    model = A.init_attention(3, 4, 2, rng=2)
    x, y = rng.standard_normal((3, 7, 3)), rng.standard_normal((3, 7, 2))
    _, grads = A.loss_and_grads(model, x, y)
    cache = A.forward(model, x)
    np.testing.assert_allclose(A.input_gradients(model, cache, (cache.y_hat - y) / 3), grads.x)


def test_bad_input():
    model = A.init_attention(3, 4, 2, rng=0)
    with pytest.raises(TypeError, match="model"):
        A.forward(object(), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="x"):
        A.forward(model, np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="y"):
        A.loss_and_grads(model, np.zeros((1, 2, 3)), np.zeros((1, 2)), loss_at="all")
    with pytest.raises(ValueError, match="loss_at"):
        A.loss_and_grads(model, np.zeros((1, 2, 3)), np.zeros((1, 2)), loss_at="mid")
    with pytest.raises(ValueError, match="W_k"):
        A.Attention(model.W_q, model.W_k[:, :2], model.W_v, model.W_o, model.b_o)
    with pytest.raises(ValueError, match="W_o"):
        A.Attention(model.W_q, model.W_k, model.W_v, model.W_o[:, :3], model.b_o)
    with pytest.raises(TypeError, match="cache"):
        A.input_gradients(model, None, np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="d_k"):
        A.init_attention(3, 0, 2)
