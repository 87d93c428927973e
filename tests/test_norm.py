"""Tests for vanishing.norm: BatchNorm and LayerNorm backward passes, and the normalised MLP and
residual stacks, against central finite differences and an independent autograd reference."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import norm
from vanishing.gradcheck import central_difference, relative_error

# independent autograd reference, written from the equations ---------------------------------


def ag_norm(z, g, c, axis, eps=norm.EPS):
    mu = anp.mean(z, axis=axis, keepdims=True)
    var = anp.mean((z - mu) ** 2, axis=axis, keepdims=True)
    return g * (z - mu) / anp.sqrt(var + eps) + c


def ag_act(name, z):
    return anp.tanh(z) if name == "tanh" else anp.maximum(z, 0.0)


def ag_mlp_loss(P, model, x, y):
    a = x
    axis = {"batch": 0, "layer": 1}.get(model.norm)
    for l in range(1, model.L + 1):
        z = anp.dot(a, P[f"W{l}"].T)
        u = z if axis is None else ag_norm(z, P[f"g{l}"], P[f"c{l}"], axis)
        a = ag_act(model.activation, u)
    y_hat = anp.dot(a, P["W_out"].T) + P["b_out"]
    return 0.5 * anp.sum((y_hat - y) ** 2) / x.shape[0]


def ag_res_loss(P, model, x, y):
    h = x
    axis = {"batch": 0, "layer": 1}.get(model.norm)
    for l in range(1, model.L + 1):
        a_l = P["alpha"][l - 1]
        if model.placement == "pre":
            v = ag_norm(h, P[f"g_{l}"], P[f"c_{l}"], axis)
        else:
            v = h
        f = anp.dot(ag_act(model.activation, anp.dot(v, P[f"W1_{l}"].T)), P[f"W2_{l}"].T)
        h = h + a_l * f
        if model.placement == "post":
            h = ag_norm(h, P[f"g_{l}"], P[f"c_{l}"], axis)
    if model.placement == "pre":
        h = ag_norm(h, P["g_f"], P["c_f"], axis)
    y_hat = anp.dot(h, P["W_out"].T) + P["b_out"]
    return 0.5 * anp.sum((y_hat - y) ** 2) / x.shape[0]


def _perturbed(model, seed):
    """Random gains, shifts and branch scales, so that no gradient is trivially symmetric."""
    rng = np.random.default_rng(seed)
    new = {}
    for k, v in model.params().items():
        if k.startswith(("g", "c", "alpha")):
            new[k] = v + 0.3 * rng.standard_normal(v.shape)
    return model.with_params(new)


# the normalisation alone ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["batch", "layer"])
def test_normalise_backward_matches_autograd_and_differences(kind):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((6, 5)) * 2 + 1
    g, c = 1 + 0.3 * rng.standard_normal(5), rng.standard_normal(5)
    dy = rng.standard_normal((6, 5))
    axis = 0 if kind == "batch" else 1
    y, cache = norm.normalise(z, g, c, kind=kind)
    np.testing.assert_allclose(y, ag_norm(z, g, c, axis), atol=1e-14)
    dz, dg, dc = norm.normalise_backward(dy, cache)
    loss = lambda z_, g_, c_: anp.sum(ag_norm(z_, g_, c_, axis) * dy)  # noqa: E731
    for i, mine in enumerate((dz, dg, dc)):
        ref = autograd.grad(loss, i)(z, g, c)
        assert relative_error(mine, ref) < 1e-12
    fd = central_difference(lambda: float(np.sum(norm.normalise(z, g, c, kind=kind)[0] * dy)), z)
    assert relative_error(dz, fd) < 1e-7


def test_batchnorm_jacobian_couples_the_examples_layernorm_does_not():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 3))
    g, c = np.ones(3), np.zeros(3)
    dy = np.zeros((4, 3))
    dy[0] = rng.standard_normal(3)  # a loss that reads example 0 only
    for kind, coupled in (("batch", True), ("layer", False)):
        _, cache = norm.normalise(z, g, c, kind=kind)
        dz = norm.normalise_backward(dy, cache)[0]
        others = np.abs(dz[1:]).max()
        assert (others > 1e-3) if coupled else (others == 0.0)


def test_normalised_output_has_zero_mean_unit_variance_along_its_axis():
    rng = np.random.default_rng(3)
    z = 5 * rng.standard_normal((64, 16)) + 3
    yb, _ = norm.normalise(z, np.ones(16), np.zeros(16), kind="batch")
    yl, _ = norm.normalise(z, np.ones(16), np.zeros(16), kind="layer")
    np.testing.assert_allclose(yb.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(yb.var(0), 1, atol=1e-5)
    np.testing.assert_allclose(yl.mean(1), 0, atol=1e-12)
    np.testing.assert_allclose(yl.var(1), 1, atol=1e-5)


# the networks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["batch", "layer", "none"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_norm_mlp_gradients_match_autograd_and_differences(kind, activation):
    model = norm.init_norm_mlp(3, 5, 3, 2, activation=activation, norm=kind, rng=4)
    model = _perturbed(model, 5)
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    loss, grads = norm.loss_and_grads(model, x, y)
    P = model.params()
    assert loss == pytest.approx(float(ag_mlp_loss(P, model, x, y)), rel=1e-13)
    ref = autograd.grad(ag_mlp_loss)(P, model, x, y)
    assert grads.params.keys() == P.keys()
    for k in P:
        assert relative_error(grads.params[k], ref[k]) < 1e-10, k
        fd = central_difference(lambda: norm.loss_and_grads(model, x, y)[0], P[k])
        assert relative_error(grads.params[k], fd) < 1e-6, k


@pytest.mark.parametrize(
    "placement,kind",
    [("post", "layer"), ("pre", "layer"), ("post", "batch"), ("pre", "batch"), ("none", "none")],
)
def test_norm_residual_gradients_match_autograd_and_differences(placement, kind):
    model = norm.init_norm_residual(
        4, 3, 2, placement=placement, norm=kind, activation="tanh", rng=7
    )
    model = _perturbed(model, 8)
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
    loss, grads = norm.loss_and_grads(model, x, y)
    P = model.params()
    assert loss == pytest.approx(float(ag_res_loss(P, model, x, y)), rel=1e-13)
    ref = autograd.grad(ag_res_loss)(P, model, x, y)
    assert grads.params.keys() == P.keys()
    for k in P:
        assert relative_error(grads.params[k], ref[k]) < 1e-10, k
        fd = central_difference(lambda: norm.loss_and_grads(model, x, y)[0], P[k])
        assert relative_error(grads.params[k], fd) < 1e-6, k
    # the trunk gradients: dL/dx_0 by differences
    fd_x = central_difference(lambda: norm.loss_and_grads(model, x, y)[0], x)
    assert relative_error(grads.x[0], fd_x) < 1e-6


@pytest.mark.parametrize(
    "placement,kind,alpha,zero_last",
    [("post", "layer", 1.0, False), ("pre", "layer", 1.0, False), ("none", "none", 0.0, False),
     ("none", "none", 1.0, True), ("pre", "layer", 0.0, False)],
)  # fmt: skip
def test_relu_residual_gradients_match_autograd_with_the_trained_starting_points(
    placement, kind, alpha, zero_last
):
    # the stacks chapter 7 trains: ReLU branches, alpha = 0 (ReZero/SkipInit) and W2 = 0 (Fixup)
    # exactly as initialised, where many gradients are exactly zero
    model = norm.init_norm_residual(
        5, 3, 2, placement=placement, norm=kind, alpha=alpha, zero_last=zero_last, rng=11
    )
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal((6, 5)), rng.standard_normal((6, 2))
    loss, grads = norm.loss_and_grads(model, x, y)
    P = model.params()
    assert loss == pytest.approx(float(ag_res_loss(P, model, x, y)), rel=1e-13)
    ref = autograd.grad(ag_res_loss)(P, model, x, y)
    for k in P:
        np.testing.assert_allclose(grads.params[k], ref[k], rtol=1e-10, atol=1e-13, err_msg=k)
        fd = central_difference(lambda: norm.loss_and_grads(model, x, y)[0], P[k])
        np.testing.assert_allclose(grads.params[k], fd, rtol=1e-5, atol=1e-8, err_msg=k)
    if alpha == 0.0:
        assert all(np.all(grads.params[f"W{i}_{l}"] == 0) for i in (1, 2) for l in (1, 2, 3))
        assert np.all(grads.params["alpha"] != 0)


def test_zero_branches_make_the_stack_the_identity():
    model = norm.init_norm_residual(8, 5, 3, placement="none", norm="none", alpha=0.0, rng=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 8))
    cache = norm.forward(model, x)
    np.testing.assert_array_equal(cache.x[-1], x)
    grads = norm.backward(model, cache, rng.standard_normal((4, 3)))
    for l in range(6):
        np.testing.assert_array_equal(grads.x[l], grads.x[-1])
    assert all(np.all(grads.params[f"W1_{l}"] == 0) for l in range(1, 6))
    assert np.all(grads.params["alpha"] != 0)  # ReZero's scales still learn


# bad input ------------------------------------------------------------------------------------


def test_bad_arguments_are_named():
    z = np.ones((3, 4))
    with pytest.raises(ValueError, match="kind"):
        norm.normalise(z, np.ones(4), np.zeros(4), kind="group")
    with pytest.raises(ValueError, match="gamma"):
        norm.normalise(z, np.ones(3), np.zeros(4), kind="layer")
    with pytest.raises(ValueError, match="z"):
        norm.normalise(np.ones((1, 4)), np.ones(4), np.zeros(4), kind="batch")
    with pytest.raises(TypeError, match="cache"):
        norm.normalise_backward(z, None)
    with pytest.raises(ValueError, match="norm"):
        norm.init_norm_mlp(3, 4, 2, 1, norm="group")
    with pytest.raises(ValueError, match="placement"):
        norm.init_norm_residual(4, 2, 1, placement="middle")
    with pytest.raises(ValueError, match="norm must be 'none'"):
        norm.init_norm_residual(4, 2, 1, placement="none", norm="layer")
    with pytest.raises(ValueError, match="x"):
        norm.forward(norm.init_norm_mlp(3, 4, 2, 1), np.ones((1, 3)))
    with pytest.raises(TypeError, match="model"):
        norm.backward(object(), None, z)


# the layer-normalised RNN ---------------------------------------------------------------------


def ag_lnrnn_loss(P, x, y, activation="tanh"):
    B, T, _ = x.shape
    h = anp.zeros((B, P["W_hh"].shape[0]))
    loss = 0.0
    for t in range(T):
        a = anp.dot(h, P["W_hh"].T) + anp.dot(x[:, t], P["W_xh"].T)
        h = ag_act(activation, ag_norm(a, P["g"], P["b"], 1))
        y_hat = anp.dot(h, P["W_hy"].T) + P["b_y"]
        loss = loss + 0.5 * anp.sum((y_hat - y[:, t]) ** 2)
    return loss / B


def _lnrnn(seed=0, activation="tanh"):
    from vanishing import recurrent  # noqa: F401  (the verbs the LNRNN uses)

    m = norm.init_lnrnn(3, 5, 2, activation=activation, rng=seed)
    rng = np.random.default_rng(seed + 1)
    return m.with_params({"g": 1 + 0.3 * rng.standard_normal(5), "b": 0.2 * rng.standard_normal(5)})


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_lnrnn_bptt_matches_autograd_and_differences(activation):
    from vanishing import recurrent

    model = _lnrnn(activation=activation)
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 6, 2))
    loss, grads = recurrent.loss_and_grads(model, x, y)
    P = model.params()
    assert loss == pytest.approx(float(ag_lnrnn_loss(P, x, y, activation)), rel=1e-13)
    ref = autograd.grad(ag_lnrnn_loss)(P, x, y, activation)
    for k in P:
        assert relative_error(grads.params[k], ref[k]) < 1e-10, k
        fd = central_difference(lambda: recurrent.loss_and_grads(model, x, y)[0], P[k])
        assert relative_error(grads.params[k], fd) < 1e-6, k


def test_lnrnn_state_jacobians_match_differences_of_one_step():
    from vanishing import recurrent

    model = _lnrnn(seed=3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 3))
    cache = recurrent.forward(model, x)
    J = recurrent.state_jacobians(model, cache)
    t = 3  # J_t = dh_t/dh_{t-1} for example 0
    h_prev = cache.h[0, t - 1].copy()

    def h_t():
        return recurrent.forward(model, x[:1, t - 1 : t], h0=h_prev[None]).h[0, 1]

    fd = np.empty((5, 5))
    for j in range(5):
        e = np.zeros(5)
        e[j] = 1e-6
        h_prev += e
        up = h_t()
        h_prev -= 2 * e
        down = h_t()
        h_prev += e
        fd[:, j] = (up - down) / 2e-6
    assert relative_error(J[0, t - 1], fd) < 1e-7
    # and the state gradients agree with the Jacobian products
    g_T = rng.standard_normal((2, 5))
    G = recurrent.state_gradients(model, cache, g_T)
    P = recurrent.jacobian_products(model, cache)
    np.testing.assert_allclose(G[:, 0], np.einsum("bij,bi->bj", P[:, 0], g_T), rtol=1e-10)


def test_lnrnn_output_is_invariant_to_the_scale_of_the_summed_input():
    from vanishing import recurrent

    model = _lnrnn(seed=5)
    x = np.random.default_rng(6).standard_normal((2, 5, 3))
    h = recurrent.forward(model, x).h
    scaled = model.with_params({"W_hh": 3 * model.W_hh, "W_xh": 3 * model.W_xh})
    np.testing.assert_allclose(recurrent.forward(scaled, x).h, h, atol=1e-4)  # up to eps
    with pytest.raises(ValueError, match="W_hh"):
        norm.LNRNN(
            np.ones((1, 1)), np.ones((1, 1)), np.ones(1), np.zeros(1), np.ones((1, 1)), np.zeros(1)
        )


def test_layernorm_layer_is_scale_invariant_and_its_gradient_scales_like_one_over_c():
    # exercise 7.2: LN(c W a) = LN(W a); the gradient at c W is 1/c times that at W, and it is
    # orthogonal to W (all up to the eps = 1e-5 inside the square root)
    model = norm.init_norm_mlp(4, 6, 2, 1, activation="tanh", norm="layer", rng=3)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 1))
    c = 3.0
    scaled = model.with_params({"W1": c * model.W[0]})
    loss, g = norm.loss_and_grads(model, x, y)
    loss_c, g_c = norm.loss_and_grads(scaled, x, y)
    assert loss_c == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(g_c.params["W1"], g.params["W1"] / c, rtol=1e-4, atol=1e-8)
    inner = abs(np.sum(g.params["W1"] * model.W[0]))
    assert inner < 1e-4 * np.linalg.norm(g.params["W1"]) * np.linalg.norm(model.W[0])


def test_batchnorm_of_two_examples_is_a_sign_and_passes_back_no_gradient():
    # exercise 7.3
    z = np.random.default_rng(1).standard_normal((2, 3))
    y, cache = norm.normalise(z, np.ones(3), np.zeros(3), kind="batch", eps=1e-12)
    np.testing.assert_allclose(y, np.sign(z - z[::-1]), atol=1e-9)
    dz = norm.normalise_backward(np.random.default_rng(2).standard_normal((2, 3)), cache)[0]
    assert np.abs(dz).max() < 1e-6  # rounding; a gradient through one unit is O(1)
