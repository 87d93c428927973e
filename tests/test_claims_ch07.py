"""Claim tests for chapter 7: every finding the prose states, re-run over seeds and the settings
a skeptic would vary (width, batch, depth)."""

import numpy as np
import pytest

from vanishing import meanfield
from vanishing.experiments import ch07 as ex

SEEDS = range(5)


@pytest.mark.slow
@pytest.mark.parametrize("width", [128, 256])
def test_measured_chi_1_matches_the_mean_field_theory(width):
    # prose: the fifteen tanh points agree with the theory (2 % for the book's seed); over five
    # seeds the deviation stays below 7 % (width 128; 3 % at 256: 'at most 7 %' in the prose),
    # and every point away from the edge is on its side of 1
    crit = ex.criticality(seeds=SEEDS, width=width)
    rel = np.abs(crit.measured / crit.theory_at_points[:, None] - 1)
    assert rel.max() < 0.07
    far = np.abs(crit.theory_at_points - 1) > 0.03
    assert np.all((crit.measured[far] > 1) == (crit.theory_at_points[far, None] > 1))
    # ReLU: chi_1 = sigma_w^2 / 2
    relu_rel = np.abs(crit.relu_measured / (crit.relu_sigma_w2[:, None] / 2) - 1)
    assert relu_rel.max() < 0.07
    if width == 256:  # prose: 'below 4 % at width 256'
        assert rel.max() < 0.04 and relu_rel.max() < 0.04


@pytest.mark.parametrize("width", [128, 256])
def test_bias_variance_moves_tanh_from_chaos_to_order_at_sigma_w2_1_8(width):
    for s in SEEDS:
        assert ex.measured_chi_1(1.8, 0.0, width=width, seed=s) > 1.03
        assert ex.measured_chi_1(1.8, 0.3, width=width, seed=s) < 0.9


def test_book_seed_deviation_is_the_quoted_two_percent():
    crit = ex.criticality()
    rel = np.abs(np.median(crit.measured, axis=1) / crit.theory_at_points - 1)
    assert f"{rel.max():.0%}" == "2%"


@pytest.mark.slow
@pytest.mark.parametrize("pairs", [8, 16])
def test_fitted_depth_scale_is_within_a_third_of_xi_c(pairs):
    # prose: over five seeds the depth scale fitted to finite networks (width 200) is within
    # about a third of xi_c (0.65 to 1.4 times it)
    th = meanfield.depth_scales(np.array([1.0, 1.2, 1.4]), ex.SIGMA_B2, iters=120).xi_c
    for p, t in zip((1.0, 1.2, 1.4), th, strict=True):
        for s in SEEDS:
            xi = ex.fitted_xi(
                ex.correlation_by_layer(p, ex.SIGMA_B2, width=200, pairs=pairs, seed=s)
            )
            assert 0.65 < xi / t < 1.4


def test_xi_c_exceeds_100_layers_close_to_the_edge():
    crit = float(np.interp(0.05, *meanfield.critical_line(np.geomspace(1e-3, 3, 400))[::-1]))
    d = meanfield.depth_scales(np.array([crit - 0.005, crit + 0.005]), 0.05, iters=300)
    assert np.all(d.xi_c > 100)


@pytest.mark.slow
@pytest.mark.parametrize("width,depth", [(128, 32), (64, 48)])
def test_jacobian_spectra_orthogonal_tanh_isometric_gaussian_and_relu_not(width, depth):
    sp = ex.jacobian_spectra(width=width, depth=depth, seeds=SEEDS)
    sv = sp.singular_values
    i_to, i_go = sp.variants.index("tanh, orthogonal"), sp.variants.index("tanh, Gaussian")
    if (width, depth) == (128, 32):  # prose: between 0.49 and 1.15 over five seeds
        assert sv[i_to].min() > 0.45 and sv[i_to].max() < 1.2
    assert sv[i_to].max() / sv[i_to].min() < 10  # narrower and deeper: still within 10
    for k in range(len(SEEDS)):
        # the spread: median far below the mean square 1, and over 40 % of the singular values
        # below 1e-6 of the largest (resolved; the smallest are below rounding, E2)
        assert np.median(sv[i_go, k]) < 1e-2
        assert np.mean(sv[i_go, k] < 1e-6 * sv[i_go, k].max()) > 0.4
    for v, name in enumerate(sp.variants):
        if name.startswith("ReLU"):
            tiny = np.mean(sv[v] < 1e-12 * sv[v].max(axis=-1, keepdims=True), axis=-1)
            assert np.all((tiny >= 0.5) & (tiny < 0.75))


@pytest.mark.slow
@pytest.mark.parametrize("width,batch", [(128, 128), (64, 64), (128, 32)])
def test_batchnorm_explodes_the_gradient_layernorm_does_not(width, batch):
    r = ex.norm_scales(width=width, batch=batch, seeds=SEEDS)
    g = r.growth()
    ib, il, i0 = (r.norms.index(k) for k in ("batch", "layer", "none"))
    assert np.all((g[ib] > 1.12) & (g[ib] < 1.35))
    assert np.all((g[il] > 0.9) & (g[il] < 1.1))
    assert np.all((g[i0] > 0.9) & (g[i0] < 1.1))
    # both normalisations pin the forward spread from the first layer on
    for i in (ib, il):
        assert np.all((r.act_std[i, :, 1:] > 0.4) & (r.act_std[i, :, 1:] < 0.7))
    # without: layer 1 has He's spread, sqrt(2 (1/2 - 1/(2 pi))) = 0.83 (inputs independent of
    # the weights: they once shared a random stream, and the spread was 1.6)
    assert np.all(np.abs(r.act_std[i0, :, 1] / np.sqrt(1 - 1 / np.pi) - 1) < 0.1)


@pytest.mark.slow
@pytest.mark.parametrize("width", [64, 128])
def test_post_ln_gradients_grow_towards_the_output_pre_ln_towards_the_input(width):
    r = ex.residual_norm(width=width, seeds=SEEDS, depths=(6, 24, 96))
    last, first = r.last_block(), r.first_block()  # (V, D, S)
    post, pre = r.variants.index("post-LN"), r.variants.index("pre-LN")
    med_last, med_first = np.median(last, -1), np.median(first, -1)
    assert np.all(med_last[post] > med_first[post])
    assert np.all(med_first[pre] > med_last[pre])
    assert np.all(last[post] > last[pre])  # every seed and depth
    assert med_last[pre, -1] < 0.7 * med_last[pre, 0]  # falls with depth,
    assert med_last[pre, 0] / med_last[pre, -1] < 4  # but more slowly than 1/sqrt(L): (96/6)^0.5
    assert med_last[post, -1] > 0.8 * med_last[post, 0]  # does not
    trunk = np.median(r.trunk, -1)
    # pre-LN: the trunk gradient grows towards the input, roughly like sqrt(L) (16 ** 0.5 = 4)
    assert np.all(np.diff(trunk[pre]) > 0) and 2.5 < trunk[pre, -1] / trunk[pre, 0] < 8
    # post-LN: of order one, scattering more with depth (prose: between 0.39 and 3.06 at L = 96)
    assert np.all((r.trunk[post] > 0.2) & (r.trunk[post] < 5))
    assert np.ptp(np.log(r.trunk[post, -1])) > np.ptp(np.log(r.trunk[post, 0]))


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [64, 128])
def test_layernorm_rnn_with_weak_input_does_not_depend_on_the_spectral_radius(n_h):
    r = ex.ln_rnn_products(
        rhos=(0.5, 1.0, 2.0, 4.0), scales=(0.01, 0.1), seeds=SEEDS, n_h=n_h, T=80, lag=60
    )
    plain, ln = r.norms
    assert np.all((ln > 0.5) & (ln < 5e3))  # every radius, scale and seed
    assert np.all(np.median(ln, axis=-1) > 1)  # they grow, they are not 1
    for s in range(len(r.scales)):
        for k in range(len(SEEDS)):
            assert plain[:, s, k].max() / plain[:, s, k].min() > 1e20


@pytest.mark.slow
def test_layernorm_rnn_with_strong_input_depends_on_the_spectral_radius_again():
    r = ex.ln_rnn_products(rhos=(0.5, 1.5, 2.5), scales=(1.0,), seeds=SEEDS)
    ln = r.norms[1, :, 0]  # (rhos, seeds)
    assert np.all(ln[0] < 1e-10) and np.all(np.diff(np.median(ln, axis=-1)) > 0)


def test_layernorm_rnn_book_run_weak_input_products_lie_between_1_and_1000():
    r = ex.ln_rnn_products()
    numbers = ex.ln_rnn_numbers(r)
    ln = r.norms[1, :, list(r.scales).index(0.01)]
    assert ln.min() > 1 and ln.max() < 1e3
    assert numbers["ch07_lnrnn_rhos"] == "0.5 to 2.5"


# trainable depth (Schoenholz et al.'s experiment in miniature) --------------------------------

SIX_XI_SETTINGS = [{}, {"width": 32}, {"lr": 0.03}, {"steps": 200}, {"examples": 64}]


def _depth_ratio(r):
    return np.array(r.depths)[None, :] / (ex.TRAINABLE_C * r.xi_c[:, None])


@pytest.mark.slow
@pytest.mark.parametrize("setting", SIX_XI_SETTINGS, ids=lambda s: str(s) or "book")
def test_networks_train_below_six_xi_c_and_not_far_beyond_it(setting):
    # prose: below the line at least four of five seeds train in every setting (all of them
    # with the book's settings); no network three or more times deeper than the line trains;
    # at the edge of chaos every depth trains
    r = ex.trainable_depth(seeds=SEEDS, **setting)
    ratio, frac = _depth_ratio(r), r.fraction()
    assert np.all(frac[ratio < 1] >= 0.8)
    assert np.all(frac[ratio >= 3] == 0) and np.any(ratio >= 3)
    crit = int(np.argmin(np.abs(r.sigma_w2 - r.critical_w2)))
    assert abs(r.sigma_w2[crit] - r.critical_w2) < 0.01 and np.all(frac[crit] == 1)
    if not setting:  # the glued counts: 65 of 65 below the line, 1 of 15 beyond 1.5 times it
        numbers = ex.training_numbers(r, ex.residual_training(depth=2, steps=2, seeds=(0,)))
        assert np.all(frac[ratio < 1] == 1) and numbers["ch07_td_inside"] == "65 of 65"
        assert numbers["ch07_td_beyond"] == "1 of 15" and numbers["ch07_td_crit"] == "20 of 20"
    if setting == {"steps": 200}:  # prose: three of five at sigma_w2 = 0.5, 12 layers
        assert frac[list(r.sigma_w2).index(0.5), list(r.depths).index(12)] == 0.6


@pytest.mark.slow
def test_no_network_three_times_deeper_than_six_xi_c_trains_at_48_layers():
    r = ex.trainable_depth(sigma_w2=(0.5, 0.8), depths=(48,), seeds=SEEDS)
    assert np.all(_depth_ratio(r) >= 3) and not r.trained().any()


# residual stacks trained with and without warm-up ---------------------------------------------


def _post_none(r):
    return r.final()[r.variants.index("post-LN"), r.warmups.index(0)]


@pytest.mark.slow
def test_post_ln_without_warm_up_stalls_everything_else_trains():
    # prose: post-LN without warm-up ends between 0.41 and 1.00 of the constant's loss; every
    # other run below 0.02; one of five collapses to (nearly) the same read-out input
    r = ex.residual_training(seeds=SEEDS)
    post, f = _post_none(r), r.final()
    others = np.delete(f.reshape(-1, len(SEEDS)), 0, axis=0)  # post-LN, no warm-up is row 0
    assert np.all(post > 0.4) and others.max() < 0.02
    spread = r.spread.reshape(-1, len(SEEDS))
    assert np.sum(spread[0] < 1e-3) == 1 and np.all(spread[0][spread[0] >= 1e-3] > 0.2)
    assert np.all(spread[1:] > 0.2)
    numbers = ex.training_numbers(ex.trainable_depth(sigma_w2=(1.0,), depths=(2,), steps=2), r)
    assert numbers["ch07_rt_post_none"] == "0.41 and 1.00" and numbers["ch07_rt_others"] == "0.02"


@pytest.mark.slow
@pytest.mark.parametrize(
    "setting", [{"width": 32}, {"depth": 12}, {"steps": 120, "warmups": (0, 40)}], ids=str
)
def test_the_post_ln_stall_persists_with_width_depth_and_steps(setting):
    # prose: the stall happens in every seed at width 32, at 12 blocks and with twice the steps;
    # pre-LN and alpha = 0 train without warm-up
    r = ex.residual_training(seeds=SEEDS, **setting)
    f = r.final()
    assert np.all(_post_none(r) > 0.2)
    for name in ("pre-LN", "alpha = 0"):
        assert np.all(f[r.variants.index(name), r.warmups.index(0)] < 0.1)
    if setting == {"depth": 12}:  # prose: there the 20-step warm-up no longer rescues every seed
        assert f[r.variants.index("post-LN"), 1].max() > 0.2


@pytest.mark.slow
def test_the_post_ln_stall_needs_depth_and_a_large_step():
    # prose: at 4 blocks every post-LN stack trains without warm-up; at lr 0.03 only some stall
    shallow = ex.residual_training(seeds=SEEDS, depth=4, variants=("post-LN",), warmups=(0,))
    assert np.all(_post_none(shallow) < 0.05)
    slow = ex.residual_training(seeds=SEEDS, lr=0.03, variants=("post-LN",), warmups=(0,))
    assert 1 <= np.sum(_post_none(slow) > 0.2) <= 4


def test_layernorm_rnn_at_radius_rho_and_input_s_is_the_one_at_radius_1_and_input_s_over_rho():
    # prose: LN(rho W h + s W_xh z) = LN(W h + (s / rho) W_xh z), up to eps
    for rho, s in ((2.5, 1.0), (1.5, 1.0), (4.0, 2.0)):
        a = ex.ln_rnn_products(rhos=(rho,), scales=(s,), seeds=(0, 1), T=100, lag=60).norms[1]
        b = ex.ln_rnn_products(rhos=(1.0,), scales=(s / rho,), seeds=(0, 1), T=100, lag=60)
        np.testing.assert_allclose(a, b.norms[1], rtol=1e-3)


@pytest.mark.slow
def test_the_w2_zero_start_needs_the_warm_up_as_the_stack_widens():
    # prose: W2 = 0 without warm-up: the median jumps to about ten times the constant's loss
    # early on; at width 32 it ends at 0.02 to 0.13 of it, at width 32 with 12 blocks two of
    # five seeds end above it; with warm-up below 0.001 in both; alpha = 0 below 0.002 without
    base = ex.residual_training(seeds=SEEDS, variants=("W2 = 0",), warmups=(0,))
    assert 8 < np.median(base.loss[0, 0], axis=0)[:5].max() < 16
    assert np.all(base.final() < 0.01)  # and at 8 blocks of 16 it trains (the figure)
    variants = ("W2 = 0", "alpha = 0")
    wide = ex.residual_training(seeds=SEEDS, variants=variants, width=32).final()
    assert np.all((wide[0, 0] > 0.02) & (wide[0, 0] < 0.14))
    deep = ex.residual_training(seeds=SEEDS, variants=variants, width=32, depth=12).final()
    assert np.sum(deep[0, 0] > 1.0) == 2
    assert max(wide[0, 1].max(), deep[0, 1].max()) < 0.001
    assert max(wide[1, 0].max(), deep[1, 0].max()) < 0.002
