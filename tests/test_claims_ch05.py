"""Chapter 5's experimental claims, re-run over seeds and the settings a skeptic would vary."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vanishing.experiments import ch05 as ex

SEEDS = range(5)


def test_cliff_run_and_bounded_loss():
    """The plain run jumps with a gradient near 1e5 and lands high; under Pascanu's bounded
    loss the landing point is a flat plateau at 0.49; the clipped run converges."""
    c = ex.cliff()
    assert 1e4 < c.plain.grad_norm[c.jump] < 1e6 and c.plain.step_length[c.jump] > 100
    assert c.plain.loss[c.jump + 1] > 1e5 * c.plain.loss[c.jump]
    assert c.plain.loss[-1] > c.plain.loss[0]
    assert c.clipped.loss[-1] < 1e-3 * c.clipped.loss[0]
    assert c.clipped.step_length.max() <= c.lr * c.threshold * (1 + 1e-12)
    assert c.bounded_loss_after == pytest.approx(0.49, abs=1e-6)
    assert c.bounded_grad_after < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [1.0, 5.0, 20.0])
@pytest.mark.parametrize("steps", [300, 600])
def test_cliff_sweep_calm_plain_runs_end_at_least_as_low_as_their_clipped_twins(steps, threshold):
    """'the plain run ends at least as low, up to a thousandth of the starting loss, in ... of
    these pairs (94 to 98% over five draws), and in every pair with 600 steps'; '(at 300 steps,
    89 to 100% of the pairs with theta = 1 or 20)', over five draws of 40 starts x 3 rates."""
    for seed in SEEDS:
        s = ex.cliff_sweep(
            starts=ex.random_cliff_starts(40, seed=seed), steps=steps, threshold=threshold
        )
        assert s.thrown_off(10.0)[1] == 0  # 'no clipped run can be thrown off in one step'
        assert np.all(s.clipped_max_step <= s.lrs.max() * s.threshold * (1 + 1e-12))
        pairs = s.calm_at_least_as_low()  # pair by pair: plain vs its clipped twin
        assert pairs.size >= 80  # most runs are calm: the claim is about many pairs
        if steps == 600:
            assert pairs.all()
        elif threshold == 5.0:
            assert 0.935 <= pairs.mean() <= 0.985
        else:
            assert 0.88 <= pairs.mean() <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [1.0, 5.0, 20.0])
def test_cliff_sweep_plain_runs_recover_and_theta_decides_the_clipped_ones(threshold):
    """The budget and the threshold, over five draws of 40 random starts x 3 learning rates
    (median of the last 20 steps against the start): plain runs above their start '5 to 7, 1 to
    5 and none' after 300, 600 and 1000 steps (the plain runs do not depend on theta); with theta
    = 5 or 20 'no clipped run above its start at any of the three budgets', every clipped run at
    most 0.2 of it at 300 steps; with theta = 1 '4 to 10 ... after 300 steps, and 1 to 4 after
    1000 steps, when every plain run is back; by 2000 steps every run of both kinds is below its
    start'; calm twins: the plain run at least as low in every pair at 1000 (2000) steps."""
    steps = 2000 if threshold == 1.0 else 1000
    for seed in SEEDS:
        s = ex.cliff_sweep(
            starts=ex.random_cliff_starts(40, seed=seed), steps=steps, threshold=threshold
        )
        above = {k: s.above_start(k) for k in (300, 600, 1000, steps)}
        assert 5 <= above[300][0] <= 7 and 1 <= above[600][0] <= 5 and above[1000][0] == 0
        worse = s.plain_tail > s.start_loss if steps == 300 else None
        assert worse is None or np.all(s.plain_max_step[worse] > 1.0)
        assert 12 <= s.thrown_off(10.0)[0] <= 18 and s.thrown_off(10.0)[1] == 0
        assert s.calm_at_least_as_low().all()
        if threshold == 1.0:
            assert 4 <= above[300][1] <= 10 and 1 <= above[1000][1] <= 4
            assert above[2000] == (0, 0)
        else:
            assert above[300][1] == above[600][1] == above[1000][1] == 0
            tail_300 = np.median(s.clipped_loss[281:301], axis=0)
            assert np.all(tail_300 < 0.2 * s.start_loss)  # 'at most 0.1-0.2 of it'
    # the sweep's 300-step count is what a 300-step sweep reports
    short = ex.cliff_sweep(starts=ex.random_cliff_starts(40, seed=0), threshold=threshold)
    long = ex.cliff_sweep(starts=ex.random_cliff_starts(40, seed=0), threshold=threshold, steps=600)
    assert long.above_start(300) == (
        int((short.plain_tail > short.start_loss).sum()),
        int((short.clipped_tail > short.start_loss).sum()),
    )


def test_cliff_single_run_recovers_after_a_detour():
    """'back below its starting loss at step 450, 298 steps after its jump, and its loss is
    8.1e-3 after 600 steps'; the clipped run is far below its start at every budget."""
    c = ex.cliff(steps=1000)
    numbers = ex.cliff_recovery_numbers(
        c, ex.cliff_sweep(starts=ex.random_cliff_starts(4, seed=0), steps=1000)
    )
    assert numbers["ch05_cliff_back_step"] == 450 and numbers["ch05_cliff_detour"] == 298
    assert c.plain.loss[c.jump + 1] > 1e5 * c.plain.loss[0]
    assert np.all(c.plain.loss[c.jump + 1 : 450] > c.plain.loss[0])
    assert np.all(c.plain.loss[450:] < c.plain.loss[0])  # back for good
    assert 1e-3 < c.plain.loss[600] < 1e-2 and c.plain.loss[1000] < 1e-8
    assert np.all(c.clipped.loss[[300, 600, 1000]] < 1e-6 * c.clipped.loss[0])


@pytest.mark.slow
def test_cliff_sweep_matches_the_single_runs():
    """The vectorised sweep reproduces the chapter's single run."""
    s = ex.cliff_sweep()
    c = ex.cliff()  # the vectorised sweep reproduces the chapter's run (lr 0.01, first start)
    k = list(s.lrs).index(0.01) * len(s.starts)
    assert s.plain_end[k] == pytest.approx(c.plain.loss[-1], rel=1e-9)
    assert s.clipped_end[k] == pytest.approx(c.clipped.loss[-1], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_leaves_far_share_unchanged_and_tiny(seed):
    """'the terms from 20 or more steps back hold 0.134% of the summed term norms before clipping
    and 0.134% after' (by linearity): the lag terms after clipping are those of BPTT run from the
    scaled dL/dh_T, so the real check is that this BPTT gives the clipped dL/dW_hh (r.check)."""
    r = ex.clipping_rescales_only(seed=seed)
    assert r.check < 1e-12  # the clipped gradient IS BPTT from scale * dL/dh_T
    assert 0 < r.scale < 1  # clipping was active
    before, after = r.far_share
    assert after == pytest.approx(before, abs=1e-12) and before < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("width", [100, 300])
def test_glorot_bengio_claims_hold_for_every_seed(width, seed):
    """Standard: strong decay both ways; Xavier: much less but not none; weight gradients
    alike across layers; mean Jacobian singular values near 0.46 and 0.69 (theirs 0.5, 0.8);
    layer 5 closer to 0.8; the infinitely wide prediction matches the activation spread
    (within 1% at 300 units, 5% at 100)."""
    mf = ex.mean_field("tanh", 1.0, depth=5)
    gb = ex.glorot_bengio(width=width, seed=seed)
    (std_a, xav_a), (std_g, xav_g) = gb.act_std, gb.grad_std
    assert np.all(np.diff(std_a) < 0) and std_a[-1] / std_a[0] < 0.15
    assert std_g[0] / std_g[-1] < 0.15
    assert 0.4 < xav_a[-1] / xav_a[0] < 0.6  # 'much of the decay, but not all'
    assert 0.25 < xav_g[0] / xav_g[-1] < 0.6
    spread = gb.weight_grad_std.max(axis=1) / gb.weight_grad_std.min(axis=1)
    assert np.all(spread < 1.35)
    std_sv, xav_sv = gb.mean_jacobian_sv
    assert 0.42 < std_sv < 0.5 and 0.62 < xav_sv < 0.75
    assert gb.jacobian_sv[1, -1] > xav_sv and gb.jacobian_sv[1, -1] > 0.72
    # 'the values measured above (within 1% in every layer over five seeds; with 100 units,
    # within 5%)'
    np.testing.assert_allclose(xav_a, mf.act_std, rtol=0.01 if width == 300 else 0.05)


def test_mean_field_exercise_numbers_and_a_wide_network():
    """Ex. 5.3: q* ~ 1.35, chi ~ 1.24 at sigma_w^2 = 3; a finite wide network agrees."""
    mf = ex.mean_field("tanh", 3.0)
    assert mf.q_star == pytest.approx(1.345, abs=2e-3) and mf.chi_star == pytest.approx(
        1.239, abs=2e-3
    )
    rng = np.random.default_rng(0)
    n = 1000
    a = rng.standard_normal((64, n))
    for _ in range(20):
        z = a @ (rng.standard_normal((n, n)) * math.sqrt(3.0 / n))
        a = np.tanh(z)
    assert np.var(z) == pytest.approx(mf.q_star, rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("width", [128, 256])
def test_he_factors_hold_for_every_seed(width, seed):
    r = ex.he_decay(width=width, seed=seed)
    xavier, he = r.factor
    assert 0.66 < xavier < 0.77 and 0.95 < he < 1.05
    assert 0.66 < r.backward_factor[0] < 0.77


@pytest.mark.parametrize("n", [32, 64, 128])
def test_recurrent_init_claims_hold_for_every_seed(n):
    """1/n ReLU vanishes; He ReLU is erratic (below and above 1, orders of magnitude apart);
    IRNN steady at ~0.7 and identical at both input scales; orthogonal tanh ~0.9 with small
    inputs; both tanh curves collapse with N(0,1) inputs."""
    spread = ex.rnn_init_spread(50, SEEDS, n=n)  # (seed, scale, variant)
    tg, to, irnn, rg, rhe = range(5)
    assert spread[:, :, rg].max() < 1e-2
    assert spread[:, 0, rhe].min() < 1 < spread[:, 0, rhe].max()
    assert spread[:, 0, rhe].max() / spread[:, 0, rhe].min() > 100
    assert np.all((0.6 < spread[:, :, irnn]) & (spread[:, :, irnn] < 0.8))
    np.testing.assert_allclose(spread[:, 1, irnn], spread[:, 0, irnn], rtol=1e-10)
    assert spread[:, 0, to].min() > 0.8
    assert spread[:, 1, [tg, to]].max() < 2e-3


@pytest.mark.slow
@pytest.mark.parametrize("width", [32, 64])
def test_residual_depth_claims_hold_for_every_seed(width):
    """Zero-mean branch, 1/sqrt(L): bounded (~1.6) to depth 800; ReLU-ended branch, 1/sqrt(L):
    grows without bound (~1e6 at 800); ReLU-ended, 1/L: stays ~1."""
    for seed in SEEDS:
        s = ex.residual_depth_sweep(width=width, seed=seed)
        zero_mean, relu_sqrt, relu_lin = s.final_std
        assert np.all((1.2 < zero_mean) & (zero_mean < 2.2))
        assert np.all(np.diff(relu_sqrt) > 0) and relu_sqrt[-1] > 1e5
        assert np.all((0.9 < relu_lin) & (relu_lin < 1.2))
        assert np.all(s.final_mean[1] > 0) and np.all(np.diff(s.final_mean[1]) > 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_residual_vs_plain_claims_hold_for_every_seed(seed):
    r = ex.residual_vs_plain(seed=seed)
    plain, res1, scaled = r.act_std
    assert res1[-1] > 1e5 and np.all(np.diff(res1) > 0)  # 'grows steadily'
    assert np.all((1.0 - 1e-9 < scaled / scaled[0]) & (scaled < 2.2))  # '1 to below 2'
    assert np.all((0.1 < plain) & (plain < 1.6)) and plain.min() < 0.6  # 'wanders'
    assert r.grad_W[1].min() > 1e12
    assert 2.3 < (scaled[-1] / scaled[0]) ** 2 < 2.9  # 'about e on average ... 2.3 to 2.9'
    assert np.all((1.0 < r.grad_W[0]) & (r.grad_W[0] < 200))  # plain: a few units to ~100
    assert np.all((1.0 < r.grad_W[2]) & (r.grad_W[2] < 10))  # scaled: a few units


@pytest.mark.parametrize("seed", SEEDS)
def test_remedies_ratios_hold_for_every_seed(seed):
    """Baseline ~1e-25; the three remedies within an order of magnitude of 1; clipping equal."""
    s = ex.remedies_summary(seed=seed)
    ratio = s.first_over_last
    assert ratio[0] < 1e-20 and np.all((0.1 < ratio[1:4]) & (ratio[1:4] < 10))
    assert ratio[4] == pytest.approx(ratio[0], rel=1e-12)
    assert s.grad_W[3, -1] / s.grad_W[3, 0] < 2.0  # 'rises by less than a factor of two'


def test_gaussian_tanh_rnn_dips_then_grows_at_width_64():
    """'The Gaussian tanh curve dips and then grows' (64 units, small inputs), every seed; its
    W_hh has a spectral radius slightly above 1 ('the figure's matrix: 1.07')."""
    for seed in SEEDS:
        r = ex.rnn_init_lags(seed=seed)
        curve = r.norms[0, 0]  # small inputs, tanh Gaussian W
        assert curve[1:30].min() < 1.0 and curve[-1] > 5.0
        assert 1.0 < r.rho_gaussian < 1.15
    from vanishing.init import init_weight
    from vanishing.linalg import spectral_radius

    assert ex.rnn_init_lags(seed=0).rho_gaussian == pytest.approx(
        spectral_radius(init_weight(64, 64, scheme="lecun", rng=1)), rel=1e-12
    )


@pytest.mark.slow
@pytest.mark.parametrize("width", [32, 64])
def test_relu_ended_branch_gradient_explodes_unless_alpha_is_1_over_L(width):
    """Exercise 5.4: input-gradient norm ~1.8 / ~25 / ~1e6 at L = 10/100/800 with alpha =
    1/sqrt(L), ~1 with alpha = 1/L; ||J|| >= ||a_L|| / ||a_0|| (forward growth) too."""
    for seed in SEEDS:
        r = ex.relu_branch_gradient(depths=(10, 100, 800), width=width, seed=seed)
        sqrt_L, lin = r.grad_ratio
        assert 1.3 < sqrt_L[0] < 3 and 10 < sqrt_L[1] < 100 and 1e5 < sqrt_L[2] < 1e7
        assert np.all((0.9 < lin) & (lin < 1.2))
        assert np.all(np.diff(sqrt_L) > 0) and np.all(r.forward_ratio[0] > sqrt_L)


@pytest.mark.parametrize("seed", SEEDS)
def test_quarter_circle_mean_singular_values(seed):
    """'mean 8/(3 pi) ~ 0.85 for variance 1/n; 0.49 for U(-1/sqrt n, 1/sqrt n); mean squared
    singular value 1'."""
    rng = np.random.default_rng(seed)
    n = 300
    s_xav = np.linalg.svd(rng.standard_normal((n, n)) / np.sqrt(n), compute_uv=False)
    s_std = np.linalg.svd(rng.uniform(-1, 1, (n, n)) / np.sqrt(n), compute_uv=False)
    assert s_xav.mean() == pytest.approx(8 / (3 * np.pi), abs=0.01)
    assert s_std.mean() == pytest.approx(8 / (3 * np.pi) / np.sqrt(3), abs=0.01)
    assert np.mean(s_xav**2) == pytest.approx(1.0, abs=0.02)


def test_random_64_matrix_typically_has_spectral_radius_above_one():
    """'typically has a spectral radius slightly above 1 ... about 9 draws in 10 exceed 1'."""
    rng = np.random.default_rng(0)
    rho = np.array(
        [np.abs(np.linalg.eigvals(rng.standard_normal((64, 64)) / 8)).max() for _ in range(400)]
    )
    assert 0.82 < np.mean(rho > 1) < 0.95
    assert 1.0 < np.median(rho) < 1.1
