"""Tests for vanishing.recurrent.truncated_loss_and_grads, randomised_truncated_loss_and_grads and
input_gradients (ch. 8): full BPTT at tau >= T, autograd run chunk by chunk from the carried
states, the dropped lags; the randomised estimate's expectation by exact enumeration of the cut
patterns, its gradient against autograd and finite differences of a surrogate; bad input."""

import itertools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import gru, lstm, rnn
from vanishing.gradcheck import relative_error
from vanishing.recurrent import (
    input_gradients,
    randomised_truncated_loss_and_grads,
    truncated_loss_and_grads,
)
from vanishing.tasks import delayed_recall


def _rnn_problem(seed, T=11, loss_at="all"):
    rng = np.random.default_rng(seed)
    model = rnn.init_rnn(2, 4, 2, rng=seed)
    model.b_h = 0.2 * rng.standard_normal(4)
    x = rng.standard_normal((3, T, 2))
    y = rng.standard_normal((3, T, 2) if loss_at == "all" else (3, 2))
    return model, x, y, 0.5 * rng.standard_normal((3, 4))


@pytest.mark.parametrize("tau", [11, 12, 50])
@pytest.mark.parametrize("make", [rnn.init_rnn, lstm.init_lstm, gru.init_gru])
def test_tau_at_least_T_is_full_bptt(tau, make):
    model = make(2, 3, 1, rng=0)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 11, 2)), rng.standard_normal((2, 11, 1))
    module = {rnn.RNN: rnn, lstm.LSTM: lstm, gru.GRU: gru}[type(model)]
    full = module.loss_and_grads(model, x, y)
    cut = truncated_loss_and_grads(model, x, y, tau=tau)
    assert cut[0] == full[0]
    for k in full[1].params:
        np.testing.assert_array_equal(cut[1].params[k], full[1].params[k])


def ag_chunk_loss(params, x, y, starts, tau, loss_at):
    """Truncated BPTT as a sum of independent chunk losses, each run by autograd from its start
    state, given as a constant (the forward pass's state there, so autograd cannot reach past
    the boundary)."""
    W_xh, W_hh, b_h, W_hy, b_y = params
    T, total = x.shape[1], 0.0
    for c, h in enumerate(starts):
        for t in range(c * tau, min((c + 1) * tau, T)):
            h = anp.tanh(anp.dot(h, W_hh.T) + anp.dot(x[:, t], W_xh.T) + b_h)
            y_hat = anp.dot(h, W_hy.T) + b_y
            if loss_at == "all":
                total = total + 0.5 * anp.sum((y_hat - y[:, t]) ** 2)
            elif t == T - 1:
                total = total + 0.5 * anp.sum((y_hat - y) ** 2)
    return total / x.shape[0]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("tau", [1, 3, 4, 10])
@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_truncated_matches_autograd_chunk_by_chunk(seed, tau, loss_at):
    model, x, y, h0 = _rnn_problem(seed, loss_at=loss_at)
    h = rnn.forward(model, x, h0=h0).h  # (B, T+1, n_h)
    starts = [h[:, s] for s in range(0, x.shape[1], tau)]
    params = [model.W_xh, model.W_hh, model.b_h, model.W_hy, model.b_y]
    loss, grads = truncated_loss_and_grads(model, x, y, tau=tau, h0=h0, loss_at=loss_at)
    assert loss == pytest.approx(rnn.loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)[0])
    reference = autograd.grad(ag_chunk_loss)(params, x, y, starts, tau, loss_at)
    for name, ref in zip(("W_xh", "W_hh", "b_h", "W_hy", "b_y"), reference, strict=True):
        assert relative_error(grads.params[name], ref) < 1e-10, name
    assert np.all(grads.h0 == 0)


def test_truncation_drops_exactly_the_long_lags():
    """Every tau < T drops part of dL/dW_hh; at tau = 1 only the lag-0 terms are left,
    sum_t delta_t h_{t-1}^T with delta_t = phi'(z_t) dL/dh_t (the direct part)."""
    model = rnn.init_rnn(1, 5, 1, rng=3)
    x, y = delayed_recall(4, 12, 3, rng=0)
    full = rnn.loss_and_grads(model, x, y)[1].W_hh
    for tau in (1, 2, 3, 4, 6):
        cut = truncated_loss_and_grads(model, x, y, tau=tau)[1].W_hh
        assert relative_error(cut, full) > 1e-3  # something is dropped at every tau < T
    one = truncated_loss_and_grads(model, x, y, tau=1)[1].W_hh
    c = rnn.forward(model, x)
    dh = (c.y_hat - y) @ model.W_hy / 4  # dL/dh_t, (B, T, n_h)
    delta = dh * (1 - c.h[:, 1:] ** 2)  # tau = 1: lag 0 only, delta_t = phi'(z_t) dL/dh_t
    np.testing.assert_allclose(one, np.einsum("bti,btj->ij", delta, c.h[:, :-1]), rtol=1e-12)


@pytest.mark.parametrize("make", [rnn.init_rnn, lstm.init_lstm, gru.init_gru])
def test_input_gradients_match_autograd_of_the_forward(make):
    model = make(3, 4, 2, rng=5)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 3))
    dh = rng.standard_normal((2, 6, 4))
    module = {rnn.RNN: rnn, lstm.LSTM: lstm, gru.GRU: gru}[type(model)]
    got = input_gradients(model, module.forward(model, x), dh)
    eps, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        f = [np.sum(module.forward(model, v).h[:, 1:] * dh) for v in (up, down)]
        numeric[idx] = (f[0] - f[1]) / (2 * eps)
    assert relative_error(got, numeric) < 1e-7


def test_bad_input():
    model, x, y, _ = _rnn_problem(0)
    with pytest.raises(ValueError, match="tau"):
        truncated_loss_and_grads(model, x, y, tau=0)
    with pytest.raises(TypeError, match="tau"):
        truncated_loss_and_grads(model, x, y, tau=2.5)
    with pytest.raises(ValueError, match="loss_at"):
        truncated_loss_and_grads(model, x, y, tau=2, loss_at="some")
    with pytest.raises(ValueError, match="y"):
        truncated_loss_and_grads(model, x, y[:, :3], tau=2)
    with pytest.raises(TypeError, match="model"):
        truncated_loss_and_grads("rnn", x, y, tau=2)
    with pytest.raises(ValueError, match="dL_dh"):
        input_gradients(model, rnn.forward(model, x), np.zeros((3, 5, 4)))
    with pytest.raises(ValueError, match="delay"):
        delayed_recall(2, 5, 5, rng=0)


# randomised truncation (Tallec & Ollivier 2017) -----------------------------------------------

MODULES = {rnn.RNN: rnn, lstm.LSTM: lstm, gru.GRU: gru}


def _problem(make, T=7, loss_at="all", seed=0):
    model = make(2, 3, 2, rng=seed + 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, T, 2))
    y = rng.standard_normal((3, T, 2) if loss_at == "all" else (3, 2))
    return model, x, y, 0.5 * rng.standard_normal((3, 3))


@pytest.mark.parametrize("loss_at", ["all", "last"])
@pytest.mark.parametrize("c", [0.25, 0.6])
@pytest.mark.parametrize("make", [rnn.init_rnn, lstm.init_lstm, gru.init_gru])
def test_randomised_expectation_is_full_bptt_by_exact_enumeration(make, c, loss_at):
    """E over all 2^(T-1) cut patterns, each weighted by its probability, is full BPTT (every
    parameter and dL/dh0, dL/dc0), to rounding: the estimate is unbiased by construction."""
    model, x, y, h0 = _problem(make, loss_at=loss_at)
    full_loss, full = MODULES[type(model)].loss_and_grads(model, x, y, h0=h0, loss_at=loss_at)
    mean = {k: 0.0 for k in full.params} | {k: 0.0 for k in full.inputs}
    total = 0.0
    for cuts in itertools.product([False, True], repeat=x.shape[1] - 1):
        p = float(np.prod([c if cut else 1 - c for cut in cuts]))
        loss, g = randomised_truncated_loss_and_grads(
            model, x, y, c=c, cuts=list(cuts), h0=h0, loss_at=loss_at
        )
        assert loss == pytest.approx(full_loss, rel=1e-14)
        for k in full.params:
            mean[k] = mean[k] + p * g.params[k]
        for k in full.inputs:
            mean[k] = mean[k] + p * g.inputs[k]
        total += p
    assert total == pytest.approx(1.0, abs=1e-14)
    for k in full.params:
        assert relative_error(mean[k], full.params[k]) < 1e-12, k
    for k in full.inputs:
        assert relative_error(mean[k], full.inputs[k]) < 1e-12, k


def _surrogate(params, x, y, h_bar, w, loss_at):
    """A loss whose gradient at the given parameters is the estimate for the cut weights w: at
    the boundary after step t the state passed on is w_t h_t + (1 - w_t) h_bar_t, where h_bar
    is the forward pass's value held constant (same value, gradient scaled by w_t)."""
    W_xh, W_hh, b_h, W_hy, b_y = params
    h, total = h_bar[:, 0], 0.0
    T = x.shape[1]
    for t in range(1, T + 1):
        if t > 1:
            h = w[t - 1] * h + (1 - w[t - 1]) * h_bar[:, t - 1]
        h = anp.tanh(anp.dot(h, W_hh.T) + anp.dot(x[:, t - 1], W_xh.T) + b_h)
        y_hat = anp.dot(h, W_hy.T) + b_y
        if loss_at == "all":
            total = total + 0.5 * anp.sum((y_hat - y[:, t - 1]) ** 2)
        elif t == T:
            total = total + 0.5 * anp.sum((y_hat - y) ** 2)
    return total / x.shape[0]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("loss_at", ["all", "last"])
def test_randomised_matches_autograd_and_finite_differences_of_the_surrogate(seed, loss_at):
    """For one drawn cut pattern, the hand-written estimate is the gradient of the surrogate
    loss (compensation factor 1/(1 - c) across uncut boundaries, 0 across cuts), by autograd
    and by central finite differences."""
    model, x, y, h0 = _rnn_problem(seed, T=9, loss_at=loss_at)
    c = 0.4
    cuts = np.random.default_rng(seed + 10).random(8) < c
    assert cuts.any() and not cuts.all()
    w = np.ones(9)
    w[1:] = np.where(cuts, 0.0, 1.0 / (1.0 - c))
    h_bar = rnn.forward(model, x, h0=h0).h
    names = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
    params = [getattr(model, k).copy() for k in names]
    _, got = randomised_truncated_loss_and_grads(
        model, x, y, c=c, cuts=cuts, h0=h0, loss_at=loss_at
    )
    reference = autograd.grad(_surrogate)(params, x, y, h_bar, w, loss_at)
    for name, ref in zip(names, reference, strict=True):
        assert relative_error(got.params[name], ref) < 1e-10, name
    eps = 1e-6
    for i, name in enumerate(names):
        numeric = np.zeros_like(params[i])
        for idx in np.ndindex(params[i].shape):
            up = [p.copy() for p in params]
            down = [p.copy() for p in params]
            up[i][idx] += eps
            down[i][idx] -= eps
            f = [_surrogate(p, x, y, h_bar, w, loss_at) for p in (up, down)]
            numeric[idx] = (f[0] - f[1]) / (2 * eps)
        assert relative_error(got.params[name], numeric) < 1e-6, name


@pytest.mark.parametrize("make", [rnn.init_rnn, lstm.init_lstm, gru.init_gru])
def test_randomised_limits_are_full_bptt_and_tau_one(make):
    """c = 0 never cuts (full BPTT, exactly); c = 1 always cuts (truncation at tau = 1)."""
    model, x, y, h0 = _problem(make, T=6)
    full = MODULES[type(model)].loss_and_grads(model, x, y, h0=h0)[1]
    never = randomised_truncated_loss_and_grads(model, x, y, c=0.0, rng=0, h0=h0)[1]
    always = randomised_truncated_loss_and_grads(model, x, y, c=1.0, rng=0, h0=h0)[1]
    one = truncated_loss_and_grads(model, x, y, tau=1, h0=h0)[1]
    for k in full.params:
        np.testing.assert_allclose(never.params[k], full.params[k], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(always.params[k], one.params[k], rtol=1e-13, atol=1e-15)


def test_randomised_monte_carlo_mean_approaches_full_bptt():
    """The sample mean over 4,000 draws lies within 5% of the full gradient, and one draw is
    far from it (the estimate is noisy, not exact)."""
    model, x, y, h0 = _problem(rnn.init_rnn, T=10, seed=3)
    full = rnn.loss_and_grads(model, x, y, h0=h0)[1].W_hh
    rng = np.random.default_rng(0)
    draws = [
        randomised_truncated_loss_and_grads(model, x, y, c=0.3, rng=rng, h0=h0)[1].W_hh
        for _ in range(4000)
    ]
    assert relative_error(np.mean(draws, axis=0), full) < 0.05
    assert max(relative_error(d, full) for d in draws[:50]) > 0.1


def test_randomised_bad_input():
    model, x, y, _ = _rnn_problem(0)
    for c in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="c"):
            randomised_truncated_loss_and_grads(model, x, y, c=c, rng=0)
    with pytest.raises(TypeError, match="rng"):
        randomised_truncated_loss_and_grads(model, x, y, c=0.5)
    with pytest.raises(ValueError, match="cuts"):
        randomised_truncated_loss_and_grads(model, x, y, c=0.5, cuts=[True] * 3)
    with pytest.raises(ValueError, match="cuts"):
        randomised_truncated_loss_and_grads(model, x, y, c=0.5, cuts=[1] * 10)
    with pytest.raises(TypeError, match="cuts"):
        randomised_truncated_loss_and_grads(model, x, y, c=0.5, cuts="yes")
    with pytest.raises(ValueError, match="cuts"):  # c = 1 cuts everywhere
        randomised_truncated_loss_and_grads(model, x, y, c=1.0, cuts=[False] * 10)
