"""Tests for vanishing.experiments.ch07: shapes, exact properties and bad input."""

import numpy as np
import pytest

from vanishing.experiments import ch07 as ex


def test_measured_chi_1_of_a_linear_regime_network_is_sigma_w2():
    # tiny q: tanh is nearly linear, so chi_1 = sigma_w^2 E[tanh'^2] is close to sigma_w^2
    chi = ex.measured_chi_1(0.9, 0.0, width=256, depth=60, burn=40, seed=3)
    assert chi == pytest.approx(0.9, rel=0.05)


def test_fitted_xi_recovers_an_exact_exponential():
    layers = np.arange(40)
    corr = 1 - 0.5 * np.exp(-layers / 4.0)
    assert ex.fitted_xi(corr) == pytest.approx(4.0, rel=1e-10)
    assert np.isnan(ex.fitted_xi(np.ones(10)))


def test_relu_jacobian_rank_is_at_most_the_sparsest_layers_active_count():
    sp = ex.jacobian_spectra(depth=6, width=24, seeds=(0,))
    i = sp.variants.index("ReLU, Gaussian")
    sv = sp.singular_values[i, 0]
    assert np.sum(sv > 1e-10 * sv.max()) <= 24 // 2 + 6  # about half the width, never all
    assert sp.singular_values.shape == (4, 1, 24)


def test_norm_scales_and_residual_norm_shapes():
    r = ex.norm_scales(depth=4, width=8, batch=8, seeds=(0, 1))
    assert r.act_std.shape == r.grad.shape == (3, 2, 5) and r.growth().shape == (3, 2)
    res = ex.residual_norm(depths=(2, 3), width=8, batch=4, seeds=(0,))
    assert [g.shape for g in res.grad["pre-LN"]] == [(1, 2), (1, 3)]
    assert res.last_block().shape == (2, 2, 1) and res.trunk.shape == (2, 2, 1)


def test_zero_branches_are_the_identity_with_unit_trunk_ratio():
    zb = ex.zero_branches(depth=5, width=8, batch=4)
    np.testing.assert_array_equal(zb.trunk, [1.0, 1.0])
    np.testing.assert_array_equal(zb.output_change, [0.0, 0.0])
    assert zb.grad_W1.max() == 0 and zb.grad_alpha[0] > 0 and zb.grad_W2[1] > 0


def test_chapter_numbers_are_strings():
    crit = ex.criticality(width=16, depth=12, point_w2=(0.8, 1.8), point_b2=(0.0, 0.3))
    depth = ex.depth_scale(width=32)
    spectra = ex.jacobian_spectra(depth=4, width=8)
    scales = ex.norm_scales(depth=8, width=8, batch=8)
    res = ex.residual_norm(depths=(2, 3), width=8, batch=4)
    numbers = ex.chapter_numbers(crit, depth, spectra, scales, res)
    assert all(isinstance(v, str) and v for v in numbers.values())


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="activation"):
        ex.measured_chi_1(1.0, 0.0, activation="gelu")
    with pytest.raises(ValueError, match="burn"):
        ex.measured_chi_1(1.0, 0.0, depth=5, burn=4)
    with pytest.raises(ValueError, match="c0"):
        ex.correlation_by_layer(1.0, 0.05, c0=1.0)
    with pytest.raises(ValueError, match="norms"):
        ex.norm_scales(norms=("group",))
    with pytest.raises(TypeError, match="width"):
        ex.jacobian_spectra(width=2.5)


# training experiments --------------------------------------------------------------------------


def test_seed_ensemble_trains_each_network_exactly_as_alone():
    from vanishing import mlp, optim

    per = ex._train_seeds(1.3, 0.05, 4, width=4, d_in=3, examples=6, steps=15, lr=0.05,
                          seeds=(0, 3))  # fmt: skip
    for k, s in enumerate((0, 3)):
        Ws, bs = ex._tanh_net(1.3, 0.05, 3, 4, 4, s)
        x, y = ex._teacher_task(s, 6, 3)
        _, h = optim.train(mlp.MLP(Ws, bs, "tanh"), mlp.loss_and_grads, lambda t, x=x, y=y: (x, y),
                           optim.SGD(0.05), steps=15)  # fmt: skip
        np.testing.assert_allclose(per[:, k], h.loss / (0.5 * np.mean(y**2)), rtol=1e-10)
    assert np.all(per[-1] < per[0])  # and they learn


def test_trainable_depth_shapes_and_the_trained_mask():
    r = ex.trainable_depth(sigma_w2=(0.8, 1.76), depths=(2, 3), seeds=(0, 1, 2), steps=5)
    assert r.loss.shape == r.start.shape == (2, 2, 3) and r.xi_c.shape == (2,)
    np.testing.assert_array_equal(r.trained(), r.loss < 0.5)
    np.testing.assert_allclose(r.fraction(), r.trained().mean(-1))
    assert abs(r.critical_w2 - 1.76) < 0.01 and r.xi_c[1] > 100 > r.xi_c[0]


def test_trainable_depth_refuses_a_diverging_learning_rate():
    with pytest.raises(ValueError, match="lr"):
        ex.trainable_depth(sigma_w2=(1.0,), depths=(2,), seeds=(0,), steps=40, lr=1e6)


def test_warm_up_raises_the_learning_rate_linearly():
    from vanishing import norm

    opt = ex._WarmUp(0.05, 4)
    model = norm.init_norm_residual(3, 1, 1, rng=0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    lrs = []
    for _ in range(6):
        model = opt.step(model, norm.loss_and_grads(model, x, y)[1])
        lrs.append(opt.adam.lr)
    np.testing.assert_allclose(lrs, [0.0125, 0.025, 0.0375, 0.05, 0.05, 0.05])
    assert ex._WarmUp(0.05, 0).lr == 0.05


def test_residual_training_shapes_and_the_final_loss():
    r = ex.residual_training(depth=2, width=4, steps=10, seeds=(0, 1))
    assert r.loss.shape == (4, 2, 2, 10) and r.spread.shape == (4, 2, 2)
    np.testing.assert_allclose(r.final(), r.loss[..., -1])
    assert np.all(np.isfinite(r.loss)) and np.all(r.loss[..., -1] < r.loss[..., 0])


def test_inputs_are_independent_of_the_first_weights():
    # the referee's E1: inputs and W^(1) once came from one random stream (W^(1) = sqrt(2/n) x)
    from vanishing import norm

    x, _ = ex._regression_batch(0, 32, 32)
    W = norm.init_norm_mlp(32, 32, 1, 10, rng=0).W[0]
    assert abs(np.corrcoef(x.ravel(), W.ravel())[0, 1]) < 0.1
    r = ex.norm_scales(depth=2, width=128, batch=128, norms=("none",))
    assert abs(r.act_std[0, 0, 1] / np.sqrt(1 - 1 / np.pi) - 1) < 0.1  # He + ReLU: 0.83
