"""Chapter 5's measurements: the values the prose relies on, bad input, and the figures."""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from matplotlib.figure import Figure

from vanishing.activations import sigmoid
from vanishing.experiments import ch05 as ex
from vanishing.gradcheck import central_difference, relative_error
from vanishing.plotting import ch05 as figs

FIGURES = (
    "cliff",
    "clipping_rescales_only",
    "glorot_bengio",
    "he_decay",
    "rnn_init_lags",
    "residual_vs_plain",
    "residual_depth_sweep",
    "remedies_summary",
)


@pytest.fixture(scope="module")
def results():
    """Every experiment at the chapter's settings, run once (about 1 s in all)."""
    return {name: getattr(ex, name)() for name in FIGURES}


# a. the cliff -----------------------------------------------------------------------------------


def test_one_unit_rnn_matches_a_plain_loop():
    w, b = np.array([[6.0, -3.0], [0.5, 10.0]]), np.array([-4.0, 1.0])
    xs = ex.one_unit_rnn(w, b, T=30, x0=0.5)
    assert xs.shape == (31, 2, 2)
    x = np.full((2, 2), 0.5)
    for _ in range(30):
        x = w * sigmoid(x) + b
    np.testing.assert_allclose(xs[-1], x, rtol=1e-13, atol=1e-13)


def ag_loss(p, T, x0, target):
    """(x_T - target)^2 for p = (w, b) in plain autograd.numpy."""
    x = x0
    for _ in range(T):
        x = p[0] / (1.0 + anp.exp(-x)) + p[1]
    return (x - target) ** 2


@pytest.mark.parametrize(
    ("w", "b"), [(6.0, -4.0), (5.0, -2.6), (4.9986, -2.6115), (2.0, -1.0), (-3.0, 0.5), (8.0, -5.0)]
)
def test_hand_written_bptt_matches_finite_differences_and_autograd(w, b):
    T, x0, target = 50, 0.5, -2.0
    loss, dw, db = ex.one_unit_loss_and_grad(w, b, T=T, x0=x0, target=target)
    p = np.array([w, b])
    # near the cliff (third point, ||grad|| ~ 1e5) rounding is amplified: rel. error ~1e-10
    assert float(loss) == pytest.approx(float(ag_loss(p, T, x0, target)), rel=1e-9, abs=1e-15)
    ours = np.array([float(dw), float(db)])
    fd = central_difference(lambda: float(ex.one_unit_loss_and_grad(*p, T=T)[0]), p, eps=1e-7)
    assert relative_error(ours, fd) < 1e-5
    assert relative_error(ours, autograd.grad(ag_loss)(p, T, x0, target)) < 1e-9


def test_one_unit_gradient_is_elementwise_over_a_grid():
    w, b = np.linspace(2, 8, 5)[None, :], np.linspace(-5, -1, 4)[:, None]
    loss, dw, db = ex.one_unit_loss_and_grad(w, b)
    assert loss.shape == dw.shape == db.shape == (4, 5)
    for i, j in [(0, 0), (2, 3), (3, 4)]:
        point = ex.one_unit_loss_and_grad(w[0, j], b[i, 0])
        np.testing.assert_allclose([loss[i, j], dw[i, j], db[i, j]], point, rtol=1e-14)


def test_plain_descent_falls_off_the_cliff_and_clipping_keeps_descending(results):
    r = results["cliff"]
    plain, clipped = r.plain, r.clipped
    assert r.loss.shape == (121, 121) and np.all(np.isfinite(r.loss))
    np.testing.assert_allclose(plain.loss[0], clipped.loss[0])
    # The plain path meets a gradient > 100x the threshold and is thrown far away...
    k = int(np.argmax(plain.grad_norm))
    assert plain.grad_norm[k] > 100 * r.threshold  # 8.7e4 vs 5 at step 151
    assert plain.step_length.max() > 100  # 865 units in (w, b)
    assert plain.loss[k + 1] > 1e5 * plain.loss[k - 1]  # 1.3e-3 -> 5.4e5
    w, b = plain.params[-1]
    assert not (r.w[0] <= w <= r.w[-1] and r.b[0] <= b <= r.b[-1])  # it never comes back
    assert plain.loss[-1] > 100
    # ...while each clipped step is at most lr * threshold long, and the loss ends near 0.
    assert clipped.clipped.sum() > 10
    assert clipped.step_length.max() <= r.lr * r.threshold * (1 + 1e-12)
    assert np.all(np.isfinite(clipped.loss))
    assert clipped.loss[-1] < 1e-5 and clipped.loss[-1] < 1e-6 * plain.loss[-1]


# b. clipping rescales every lag alike ------------------------------------------------------------


def test_clipping_leaves_the_lag_shares_unchanged(results):
    r = results["clipping_rescales_only"]
    assert r.scale < 0.1 and r.scale == pytest.approx(r.threshold / r.grad_norm)
    assert r.check < 1e-12  # the clipped dL/dW_hh is BPTT run from scale * dL/dh_T
    np.testing.assert_allclose(r.norms_after, r.scale * r.norms_before, rtol=1e-12, atol=0)
    np.testing.assert_allclose(r.shares_after, r.shares_before, rtol=0, atol=1e-12)
    before, after = r.far_share
    assert before < 0.01  # vanishing: lags >= 20 carry about 0.13 % of the total
    assert after == pytest.approx(before, abs=1e-12)


# c. Glorot & Bengio ---------------------------------------------------------------------------


def test_glorot_bengio_standard_init_shrinks_both_ways(results):
    r = results["glorot_bengio"]
    (std_act, xav_act), (std_grad, xav_grad) = r.act_std, r.grad_std
    # standard U(-1/sqrt n, 1/sqrt n): n Var(W) = 1/3, so both signals shrink ~0.55x per layer
    assert np.all(np.diff(std_act) < 0) and std_act[-1] / std_act[0] < 0.15  # 0.46 -> 0.047
    assert np.all(np.diff(std_grad) > 0) and std_grad[0] / std_grad[-1] < 0.15  # towards input
    # normalised init: n Var(W) = 1; tanh alone still shrinks them, but far less
    assert xav_act[-1] / xav_act[0] > 0.4  # 0.63 -> 0.32
    assert xav_grad[0] / xav_grad[-1] > 0.3  # 2.0e-4 at layer 1 vs 5.1e-4 at layer 5
    # weight gradients are nearly the same in every layer under both (GB's observation)
    spread = r.weight_grad_std.max(axis=1) / r.weight_grad_std.min(axis=1)
    assert np.all(spread < 1.3)


def test_glorot_bengio_histograms_count_every_value(results):
    r = results["glorot_bengio"]
    assert r.act_hist.shape == r.grad_hist.shape == (2, 5, 50)
    assert np.all(r.act_hist.sum(axis=2) == 500 * 300)
    assert np.all(r.grad_hist.sum(axis=2) == 500 * 300)
    np.testing.assert_allclose(r.act_bins[[0, -1]], [-1.0, 1.0])


# d. He et al. ---------------------------------------------------------------------------------


def test_xavier_halves_relu_variance_per_layer_and_he_keeps_it(results):
    r = results["he_decay"]
    assert r.schemes == ("xavier", "he") and r.ratios.shape == (2, 30)
    xavier, he = r.factor
    assert xavier == pytest.approx(2**-0.5, rel=0.1)  # measured 0.727
    assert he == pytest.approx(1.0, rel=0.05)  # measured 0.998
    assert r.backward_factor[0] == pytest.approx(2**-0.5, rel=0.1)  # 0.711, going down
    assert r.backward_factor[1] == pytest.approx(1.0, rel=0.05)
    assert r.act_std[0, -1] < 1e-3 < 0.3 < r.act_std[1, -1]


# e. recurrent initialisations ---------------------------------------------------------------


def test_rnn_initialisations_against_lag(results):
    r = results["rnn_init_lags"]
    assert r.input_stds == (0.01, 1.0) and r.norms.shape == (2, 5, 101)
    np.testing.assert_allclose(r.norms[:, :, 0], 1.0)
    assert [v.split(",")[0] for v in r.variants] == ["tanh", "tanh", "ReLU", "ReLU", "ReLU"]
    gauss, orth, irnn, relu_gauss, relu_he = range(5)
    small, large = r.at_lag(50)
    # ReLU networks are positively homogeneous: the same curve at every input scale
    for v in (irnn, relu_gauss, relu_he):
        np.testing.assert_allclose(r.norms[1, v], r.norms[0, v], rtol=1e-10)
    assert small[irnn] > 0.5 and large[irnn] > 1e4 * large[gauss]  # 0.68 vs 8e-6
    assert small[relu_gauss] < 1e-6  # ReLU with N(0, 1/n) W: vanishes
    assert small[relu_he] > 1e-2  # with He's 2/n it does not (0.42 for this seed)
    # orthogonal W: norm-preserving while tanh is linear, no protection once it saturates
    assert 0.8 < small[orth] <= 1.0 and 0.8 < r.norms[0, orth, -1] <= 1.0
    assert large[orth] < 1e-4 and large[gauss] < 1e-4
    # Gaussian W with small inputs drifts from 1 (non-normal growth, x24 at lag 100)
    assert abs(math.log(r.norms[0, gauss, -1])) > 10 * abs(math.log(r.norms[0, orth, -1]))


# f. residual vs plain -------------------------------------------------------------------------


def test_residual_alpha_one_explodes_forward_and_scaled_alpha_does_not(results):
    r = results["residual_vs_plain"]
    assert r.act_std.shape == (3, 51) and r.grad_W.shape == (3, 50)
    plain, res1, res_scaled = r.act_std
    assert res1[-1] / res1[0] > 1e3  # measured 4.4e10
    assert np.all((0.1 <= res_scaled) & (res_scaled <= 100))  # 1.0 -> 8.0
    assert np.all((0.05 <= plain) & (plain <= 2))
    assert np.all(np.isfinite(r.grad_W)) and r.grad_W[1].min() > 1e15


# g. summary -----------------------------------------------------------------------------------


def test_remedies_summary_profiles_and_clipping(results):
    r = results["remedies_summary"]
    assert r.grad_W.shape == (5, 30) and r.remedies[0].startswith("sigmoid")
    ratio = r.first_over_last
    assert ratio[0] < 1e-20  # 1.5e-25
    assert np.all(ratio[1:4] > 1e-2)  # 0.90, 0.33, 0.051
    # clipping rescales the whole profile: divided by its scale it is the baseline again
    assert r.clip_scale < 1
    np.testing.assert_allclose(r.grad_W[4] / r.clip_scale, r.grad_W[0], rtol=1e-12)
    assert ratio[4] == pytest.approx(ratio[0], rel=1e-12)


# bad input ------------------------------------------------------------------------------------

BAD = [
    (ex.one_unit_rnn, {"w": 1.0, "b": 0.0, "T": 0}, ValueError, "T"),
    (ex.one_unit_rnn, {"w": 1.0, "b": 0.0, "x0": math.inf}, ValueError, "x0"),
    (ex.one_unit_rnn, {"w": np.nan, "b": 0.0}, ValueError, "w"),
    (ex.one_unit_rnn, {"w": "1", "b": 0.0}, TypeError, "w"),
    (ex.one_unit_rnn, {"w": np.ones(3), "b": np.ones(2)}, ValueError, "b"),
    (ex.one_unit_loss_and_grad, {"w": 1.0, "b": 0.0, "target": None}, TypeError, "target"),
    (ex.cliff, {"w_range": (3.0, 2.0)}, ValueError, "w_range"),
    (ex.cliff, {"b_range": (1.0,)}, TypeError, "b_range"),
    (ex.cliff, {"grid": 1}, ValueError, "grid"),
    (ex.cliff, {"lr": 0.0}, ValueError, "lr"),
    (ex.cliff, {"threshold": -1.0}, ValueError, "threshold"),
    (ex.cliff, {"steps": 0}, ValueError, "steps"),
    (ex.cliff, {"start": (1.0, math.nan)}, ValueError, "start"),
    (ex.clipping_rescales_only, {"T": 10, "far_lag": 10}, ValueError, "far_lag"),
    (ex.clipping_rescales_only, {"threshold": 0}, ValueError, "threshold"),
    (ex.clipping_rescales_only, {"n_h": 2.5}, TypeError, "n_h"),
    (ex.clipping_rescales_only, {"seed": -1}, ValueError, "seed"),
    (ex.glorot_bengio, {"schemes": ("glorot",)}, ValueError, "schemes"),
    (ex.glorot_bengio, {"schemes": "standard"}, TypeError, "schemes"),
    (ex.glorot_bengio, {"width": 0}, ValueError, "width"),
    (ex.glorot_bengio, {"activation": "swish"}, ValueError, "activation"),
    (ex.he_decay, {"depth": -3}, ValueError, "depth"),
    (ex.he_decay, {"schemes": ()}, TypeError, "schemes"),
    (ex.he_decay, {"seed": "0"}, TypeError, "seed"),
    (ex.rnn_init_lags, {"T": 0}, ValueError, "T"),
    (ex.rnn_init_lags, {"input_stds": (0.1, -1.0)}, ValueError, "input_stds"),
    (ex.rnn_init_lags, {"input_stds": 0.1}, TypeError, "input_stds"),
    (ex.residual_vs_plain, {"width": 1.5}, TypeError, "width"),
    (ex.residual_vs_plain, {"batch": 0}, ValueError, "batch"),
    (ex.remedies_summary, {"threshold": math.inf}, ValueError, "threshold"),
    (ex.cliff_sweep, {"lrs": (0.01, -1.0)}, ValueError, "lrs"),
    (ex.cliff_sweep, {"starts": ((1.0,),)}, TypeError, "starts"),
    (ex.cliff_sweep, {"steps": 0}, ValueError, "steps"),
    (ex.rnn_init_spread, {"m": 200}, ValueError, "m"),
    (ex.rnn_init_spread, {"seeds": ()}, ValueError, "seeds"),
    (ex.mean_field, {"activation": "relu"}, ValueError, "activation"),
    (ex.mean_field, {"sigma_w2": 0.0}, ValueError, "sigma_w2"),
    (ex.residual_depth_sweep, {"depths": ()}, TypeError, "depths"),
    (ex.residual_depth_sweep, {"depths": (10, 0)}, ValueError, "depths"),
    (ex.glorot_bengio, {"n_jacobian": 600}, ValueError, "n_jacobian"),
    (ex.remedies_summary, {"depth": 0}, ValueError, "depth"),
]


@pytest.mark.parametrize(("func", "kwargs", "exc", "name"), BAD)
def test_bad_input_names_the_argument(func, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        func(**kwargs)


# figures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIGURES)
def test_figures_have_titles_and_labelled_axes(results, name):
    fig = getattr(figs, name)(results[name])
    assert isinstance(fig, Figure)
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    for ax in fig.axes:
        assert ax.get_ylabel()
        if not hasattr(ax, "_colorbar"):  # a colour bar has only its value label
            assert ax.get_xlabel() and ax.get_title()


def test_cliff_numbers_quote_the_jump_and_refuse_other_results():
    cliff = ex.cliff()
    sweep = ex.cliff_sweep(starts=ex.random_cliff_starts(2, seed=0))
    numbers = ex.cliff_numbers(cliff, sweep)
    assert numbers["ch05_cliff_jump_step"] == cliff.jump + 1
    assert numbers["ch05_cs_n"] == len(sweep.start_loss)
    with pytest.raises(TypeError, match="cliff and sweep"):
        ex.cliff_numbers(sweep, cliff)


def test_cliff_sweep_history_and_recovery_numbers():
    """The stored loss histories give the tails; above_start(steps) is the end-of-run count."""
    s = ex.cliff_sweep(starts=ex.random_cliff_starts(4, seed=1), steps=40, tail=5)
    assert s.plain_loss.shape == s.clipped_loss.shape == (41, 12)
    np.testing.assert_array_equal(s.plain_loss[0], s.start_loss)
    np.testing.assert_array_equal(np.median(s.plain_loss[-5:], axis=0), s.plain_tail)
    np.testing.assert_array_equal(s.clipped_loss[-1], s.clipped_end)
    assert s.above_start(40) == (
        int((s.plain_tail > s.start_loss).sum()),
        int((s.clipped_tail > s.start_loss).sum()),
    )
    with pytest.raises(ValueError, match="step"):
        s.above_start(3)  # a window of 5 losses needs step >= 4
    cliff = ex.cliff(steps=40)
    numbers = ex.cliff_recovery_numbers(cliff, s, (20, 40))
    assert numbers["ch05_cs_budgets"] == "20 and 40"
    assert numbers["ch05_cs_above_40"] == s.above_start(40)[0]
    with pytest.raises(ValueError, match="budgets"):
        ex.cliff_recovery_numbers(cliff, s, (20, 41))
    with pytest.raises(TypeError, match="cliff and sweep"):
        ex.cliff_recovery_numbers(s, cliff)


def test_glorot_and_residual_numbers_refuse_other_results():
    with pytest.raises(TypeError, match="gb must be"):
        ex.glorot_numbers(None, None, None)
    with pytest.raises(TypeError, match="res, sweep and rbg"):
        ex.residual_numbers(None, None, None)
