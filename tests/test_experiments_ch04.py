"""Chapter 4's measurements: the values the prose relies on, bad input, and the figures."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from vanishing.experiments import ch04 as ex
from vanishing.plotting import ch04 as figs

pytestmark = pytest.mark.filterwarnings("error")  # overflow is expected, warnings are not


@pytest.fixture(scope="module")
def saturation():
    return ex.saturation()


@pytest.fixture(scope="module")
def dying():
    return ex.dying_relu()


@pytest.fixture(scope="module")
def pascanu():
    return ex.pascanu_check()


@pytest.fixture(scope="module")
def caveat():
    return ex.sigmoid_caveat()


# 1. curves ------------------------------------------------------------------------------------


def test_activation_curves_peak_at_gamma():
    result = ex.activation_curves()
    assert result.values.shape == result.derivatives.shape == (6, 1001)
    peak = dict(zip(result.names, result.derivatives.max(axis=1), strict=True))
    assert peak["sigmoid"] == pytest.approx(0.25)  # at z = 0, on the grid
    assert peak["tanh"] == pytest.approx(1.0)
    assert peak["gelu"] == pytest.approx(result.gammas[-1], rel=1e-5)  # at sqrt 2
    assert np.all(result.derivatives.max(axis=1) <= result.gammas + 1e-12)
    relu = result.names.index("relu")
    np.testing.assert_array_equal(result.derivatives[relu], result.z > 0)


# 2. saturation --------------------------------------------------------------------------------


def test_weights_of_size_400_make_a_sigmoid_layer_binary(saturation):
    sig, tanh = saturation.activations.index("sigmoid"), saturation.activations.index("tanh")
    assert saturation.scales[-1] == pytest.approx(400.0)
    for a in (sig, tanh):
        assert saturation.saturated[a, -1] > 0.99
        assert saturation.binary[a, -1] > 0.99
        assert saturation.mean_slope[a, -1] < 2e-3
        assert saturation.saturated[a, 0] == 0.0  # s = 0.1: none saturated
        assert saturation.binary[a, 0] == 0.0
        assert saturation.mean_slope[a, 0] > 0.75
    # Saturation sets in long before 400: half the pairs are saturated at s of a few units.
    assert 1.0 < saturation.half_saturated_scale(sig) < 5.0
    assert saturation.half_saturated_scale(tanh) < saturation.half_saturated_scale(sig)
    # More weight, more saturation, less slope (same u for every s, so exactly monotone).
    assert np.all(np.diff(saturation.saturated, axis=1) >= 0)
    assert np.all(np.diff(saturation.mean_slope, axis=1) < 0)


# 3. dying ReLUs -------------------------------------------------------------------------------


def test_one_large_step_kills_relu_units(dying):
    relu = dying.activations.index("relu")
    dead = dying.dead_vs_lr[relu]  # lrs 0.01, 0.1, 1, 3
    assert dead[0] < 0.02 and dead[1] < 0.03
    assert dead[2] > 0.2 and dead[3] > 0.3
    assert np.all(np.diff(dead) > 0)
    # A dead ReLU unit gets no gradient at all.
    assert np.all(dying.zero_grad_lr[relu] >= dying.stuck_lr[relu])
    # The deep layers die first.
    assert dying.stuck_lr[relu, -1, -1] > dying.stuck_lr[relu, -1, 0]


def test_negative_bias_shifts_kill_relu_units_and_block_all_gradient(dying):
    relu = dying.activations.index("relu")
    dead = dying.dead_vs_shift[relu]  # shifts 0, -0.5, -1, -2
    assert np.all(np.diff(dead) > 0)
    assert dead[0] < 0.02 and dead[-1] > 0.7
    # Once whole deep layers are dead, no hidden unit gets any gradient.
    assert dying.zero_grad_shift[relu, -1].mean() == 1.0


def test_leaky_units_get_stuck_on_the_slope_but_keep_a_gradient(dying):
    leaky = dying.activations.index("leaky_relu")
    assert dying.dead_vs_lr[leaky, -1] > 0.3  # as many stuck units as ReLU ...
    assert dying.dead_vs_shift[leaky, -1] > 0.7
    assert np.all(dying.zero_grad_lr[leaky] == 0.0)  # ... yet every one still learns
    assert np.all(dying.zero_grad_shift[leaky] == 0.0)


# 4. Pascanu's condition -----------------------------------------------------------------------


def test_pascanu_condition_is_sufficient_for_vanishing(pascanu):
    below = pascanu.gamma_sigma < 1
    assert below.sum() == 6 and pascanu.gamma_sigma[-1] == pytest.approx(6.0)
    # ||J_t|| <= gamma sigma_max for every t, so the bound holds everywhere, not only below 1.
    assert np.all(pascanu.norms <= pascanu.bound * (1 + 1e-9))
    # The bound is attained: zero input keeps h at the fixed point 0 (tanh'(0) = 1), orthogonal W.
    tight = pascanu.conditions.index("orthogonal W, zero input")
    np.testing.assert_allclose(pascanu.norms[tight], pascanu.bound, rtol=1e-9)
    # So below 1 everything decays at least like (gamma sigma_max)^T.
    assert np.all(pascanu.vanished[:, pascanu.bound < pascanu.vanish_tol])
    others = [c for c in range(len(pascanu.conditions)) if c != tight]
    assert np.all(pascanu.norms[others][:, below] < 1e-3)


def test_pascanu_condition_is_only_necessary_for_exploding(pascanu):
    above = pascanu.gamma_sigma > 1
    exploded = pascanu.exploded[:, above]
    assert exploded.any() and not exploded.all()
    assert exploded[pascanu.conditions.index("orthogonal W, zero input")].all()
    near = above & (pascanu.gamma_sigma <= 1.5)
    for name in ("Gaussian W, N(0,1) input", "orthogonal W, N(0,1) input"):
        assert not pascanu.exploded[pascanu.conditions.index(name), near].any()
    # with input, explosions come only for larger weights; the orthogonal W first
    assert 1.4 < pascanu.first_above_one("orthogonal W, N(0,1) input") < 2.0
    assert 3.0 < pascanu.first_above_one("Gaussian W, N(0,1) input") < 4.0
    assert 1.5 < pascanu.first_above_one("Gaussian W, zero input") < 2.5
    with pytest.raises(ValueError, match="^condition"):
        pascanu.first_above_one("nope")


def test_pascanu_with_sigmoid_obeys_the_bound():
    result = ex.pascanu_check("sigmoid", n=8, T=20, n_matrices=6, gs_range=(0.5, 1.5))
    assert result.gamma == 0.25
    np.testing.assert_allclose(result.gamma_sigma, np.linspace(0.5, 1.5, 6))
    assert np.all(result.norms <= result.bound * (1 + 1e-9))


# 5. the sigmoid caveat ------------------------------------------------------------------------


def test_sigmoid_fixed_point_grows_only_for_w_above_4(caveat):
    w2, w4, w6 = caveat.at_fixed_point
    T = caveat.t[-1]
    np.testing.assert_allclose(w2, 0.5**caveat.t, rtol=1e-12)
    np.testing.assert_array_equal(w4, np.ones(T + 1))
    np.testing.assert_allclose(w6, 1.5**caveat.t, rtol=1e-12)
    assert np.all(np.diff(w6) > 0) and w6[-1] > 1e5
    # Perturbed: growth while near the unstable fixed point, then decay at a stable one.
    p6 = caveat.perturbed[2]
    assert 100 < p6.max() < 1e3 and 5 < np.argmax(p6) < 25
    assert p6[-1] < 1e-2
    assert caveat.perturbed[0].max() == 1.0 and caveat.perturbed[1].max() <= 1.0


# bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "kwargs", "error", "name"),
    [
        (ex.activation_curves, {"names": ("nope",)}, ValueError, "names"),
        (ex.activation_curves, {"names": "tanh"}, TypeError, "names"),
        (ex.activation_curves, {"z": [[0.0]]}, ValueError, "z"),
        (ex.activation_curves, {"z": [np.nan]}, ValueError, "z"),
        (ex.saturation, {"scales": [1.0, -1.0]}, ValueError, "scales"),
        (ex.saturation, {"scales": []}, ValueError, "scales"),
        (ex.saturation, {"n_in": 0}, ValueError, "n_in"),
        (ex.saturation, {"batch": 2.5}, TypeError, "batch"),
        (ex.saturation, {"activations": ("relu",)}, ValueError, "activations"),
        (ex.saturation, {"tol": 0.0}, ValueError, "tol"),
        (ex.saturation, {"seed": -1}, ValueError, "seed"),
        (ex.dying_relu, {"depth": 0}, ValueError, "depth"),
        (ex.dying_relu, {"lrs": (0.1, 0.0)}, ValueError, "lrs"),
        (ex.dying_relu, {"bias_shifts": ("a",)}, TypeError, "bias_shifts"),
        (ex.dying_relu, {"activations": ("tanh",)}, ValueError, "activations"),
        (ex.dying_relu, {"target_scale": "5"}, TypeError, "target_scale"),
        (ex.pascanu_check, {"activation": "nope"}, ValueError, "activation"),
        (ex.pascanu_check, {"T": 0}, ValueError, "T"),
        (ex.pascanu_check, {"gs_range": (1.5, 0.5)}, ValueError, "gs_range"),
        (ex.pascanu_check, {"gs_range": 1.0}, TypeError, "gs_range"),
        (ex.pascanu_check, {"conditions": ("nope",)}, ValueError, "conditions"),
        (ex.pascanu_check, {"vanish_tol": -1.0}, ValueError, "vanish_tol"),
        (ex.sigmoid_caveat, {"ws": [np.inf]}, ValueError, "ws"),
        (ex.sigmoid_caveat, {"T": -3}, ValueError, "T"),
        (ex.sigmoid_caveat, {"delta": None}, TypeError, "delta"),
        (ex.tanh_chi1_wide, {"scales": [0.1]}, ValueError, "scales"),
        (ex.tanh_chi1_wide, {"scales": [3.0], "width": 0}, ValueError, "width"),
        (ex.tanh_chi1_wide, {"scales": [3.0], "settle": 1.5}, TypeError, "settle"),
        (ex.tanh_unsaturated_count, {"scales": [-1.0]}, ValueError, "scales"),
        (ex.tanh_unsaturated_count, {"scales": [3.0], "tol": 1.0}, ValueError, "tol"),
        (ex.tanh_unsaturated_count, {"scales": [3.0], "width": "9"}, TypeError, "width"),
    ],
)
def test_bad_input_names_the_argument(func, kwargs, error, name):
    with pytest.raises(error, match=f"^{name}"):
        func(**kwargs)


def test_defaults_cannot_be_changed_by_a_caller():
    with pytest.raises(ValueError):
        ex.SCALES[0] = 1.0


# figures --------------------------------------------------------------------------------------


def test_every_figure_is_a_figure_with_labelled_axes(saturation, dying, pascanu, caveat):
    made = [
        figs.activations(ex.activation_curves()),
        figs.saturation(saturation),
        figs.dying_relu(dying),
        figs.pascanu(pascanu),
        figs.sigmoid_caveat(caveat),
    ]
    for fig in made:
        assert isinstance(fig, Figure) and fig.axes
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
        fig.savefig(io.BytesIO(), format="png", dpi=40)  # draws without error or warning


def test_wide_limit_chi1_matches_the_mean_field_map_and_its_large_s_asymptote():
    """sigma_w^2 = 3 (s = 0.3, width 100) agrees with chapter 5's quadrature; for large s,
    chi_1 -> sigma_w^2 E[sech^4(z)] ~ sigma_w (4/3) / sqrt(2 pi) with q* -> sigma_w^2."""
    from vanishing.experiments import ch05

    chi = ex.tanh_chi1_wide((0.3, 30.0, 400.0), width=100)
    assert chi[0] == pytest.approx(ch05.mean_field("tanh", 3.0).chi_star, rel=1e-6)
    sigma_w = np.sqrt(100 * np.array([30.0, 400.0]) ** 2 / 3)
    np.testing.assert_allclose(chi[1:], sigma_w * 4 / 3 / np.sqrt(2 * np.pi), rtol=0.01)


def test_unsaturated_count_is_width_times_a_gaussian_share():
    c = np.arccosh(np.sqrt(1e3))  # tanh'(c) = 1e-3
    sd = 100 * np.sqrt(100 / 3)
    share = np.mean(np.abs(np.random.default_rng(0).normal(0, sd, 2_000_000)) < c)
    count = ex.tanh_unsaturated_count((100.0,), width=100)[0]
    assert count == pytest.approx(100 * share, rel=0.02)
    assert count == pytest.approx(5.73 * np.sqrt(100) / 100, rel=0.01)


def test_prose_number_helpers_refuse_other_results():
    with pytest.raises(TypeError, match="deep"):
        ex.deep_numbers(None)
    with pytest.raises(TypeError, match="dying"):
        ex.dying_numbers(None)
    with pytest.raises(TypeError, match="check"):
        ex.pascanu_numbers({"norms": []})
