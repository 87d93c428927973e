"""Chapter 3's claims, each re-measured over the seeds and settings a skeptic would vary.

Every sentence of chapter 3 that states a finding has a test here: the powers of the running
example, the Jordan entry, the transient-growth examples and the kappa_2(V) bound, the Kreiss
bounds, the Gaussian ratios of fig-ch03-norm-vs-lag, and the order/chaos boundary of tanh
networks (seeds 0-4, 64 and 128 units, T = 60, 120 and 240).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from vanishing.experiments import ch03 as ex
from vanishing.fmt import sci
from vanishing.linalg import power_norms, random_matrix
from vanishing.plotting import ch03 as figs
from vanishing.symbolic import example_matrix

pytestmark = pytest.mark.filterwarnings("error")  # overflow is expected, warnings are not

SEEDS = (0, 1, 2, 3, 4)
WIDTHS = (64, 128)


# 1. the running example ----------------------------------------------------------------------


def test_square_of_the_example_keeps_its_off_diagonal_entries():
    W = sp.Matrix(example_matrix())
    W2 = W**2
    assert (W2[0, 1], W2[1, 0]) == (W[0, 1], W[1, 0])  # "exactly the same off-diagonal entries"
    assert W2[0, 0] < W[0, 0] and W2[1, 1] < W[1, 1]


def test_every_entry_shrinks_from_the_second_power_on():
    W = sp.Matrix(example_matrix())
    cube = W**3
    assert all(cube[i] < W[i] for i in range(4))  # the cube is entrywise below W_h
    powers = [W**k for k in range(1, 42)]
    for k in range(2, 41):  # W^(k+1) < W^k entrywise for k >= 2, exactly
        assert all(powers[k][i] < powers[k - 1][i] for i in range(4)), k


def test_entries_below_one_do_not_stop_explosion():
    # the book's example: "the entries of [[0.5, 0.6], [0.6, 0.5]] are all below 1, and its
    # powers grow without bound"; eigenvalues 1.1 and -0.1 as glued. (That entries below 1/n
    # force decay is a theorem proved in the text, not a measurement, so it has no claim test.)
    counter = np.array([[0.5, 0.6], [0.6, 0.5]])
    assert sorted(np.linalg.eigvals(counter)) == pytest.approx([-0.1, 1.1])
    norms = power_norms(counter, 60)
    assert np.all(np.diff(norms) > 0) and norms[-1] == pytest.approx(1.1**60, rel=1e-9)


# 2. the Jordan entry k lambda^(k-1) -----------------------------------------------------------


@pytest.mark.parametrize("lam", [0.1, 0.3, 0.5])
def test_jordan_entry_never_exceeds_one_for_lambda_at_most_half(lam):
    k = np.arange(1, 200)
    entry = k * lam ** (k - 1)
    assert entry[0] == 1.0 and entry.max() == pytest.approx(1.0)


@pytest.mark.parametrize("lam", [0.51, 0.6, 0.9, 0.99])
def test_jordan_entry_grows_first_for_lambda_above_half(lam):
    k = np.arange(1, 5000)
    entry = k * lam ** (k - 1)
    assert entry[1] > entry[0]  # the ratio 2 lambda > 1 at k = 1
    assert entry[-1] < 1e-3  # and still goes to zero
    ratio = entry[1:100] / entry[:99]  # before the entries underflow
    np.testing.assert_allclose(ratio, (k[:99] + 1) * lam / k[:99])


def test_jordan_peak_at_0_9_is_at_9_and_10():
    k = np.arange(1, 60)
    entry = k * 0.9 ** (k - 1)
    assert entry[8] == pytest.approx(entry[9]) and entry.max() == pytest.approx(entry[8])
    assert entry[8] == pytest.approx(3.874, abs=5e-4)


# 3. transient growth: the disguised Jordan block and a diagonalisable matrix -----------------


def test_transient_example_is_four_times_a_jordan_block():
    growth = ex.transient_growth()
    W = growth.W
    D, J = np.diag([4.0, 1.0]), np.array([[0.9, 1.0], [0.0, 0.9]])
    np.testing.assert_allclose(W, D @ J @ np.linalg.inv(D))
    _, V = np.linalg.eig(W)
    assert abs(np.linalg.det(V)) < 1e-8  # a single eigenvector: the columns are parallel
    k_peak, peak = growth.peak
    assert k_peak == 9 and peak == pytest.approx(15.5, abs=0.05)
    assert 0 < peak - 4 * 9 * 0.9**8 < 0.02  # "just above four times Exercise 3.3's 3.874"
    assert growth.norms[-1] == pytest.approx(0.078, abs=5e-4)  # at k = 80
    assert growth.sigma_max == pytest.approx(4.19, abs=5e-3)
    assert np.all(growth.norms <= growth.sigma_max**growth.k * (1 + 1e-12))


def test_diagonalisable_example_obeys_the_eigenvector_bound():
    small = ex.eigenvector_bound(k_max=200)
    eigenvalues, V = np.linalg.eig(small.M)
    assert sorted(eigenvalues) == pytest.approx([0.8, 0.9])  # distinct: diagonalisable
    cos = abs(V[:, 0] @ V[:, 1])
    assert np.degrees(np.arccos(cos)) == pytest.approx(np.degrees(np.arctan(1 / 40)))  # 1.4 deg
    assert small.kappa == pytest.approx(80.0, rel=1e-3)
    assert np.all(small.norms <= small.bound * (1 + 1e-12))
    k_peak, peak = small.peak
    assert k_peak == 6 and peak == pytest.approx(10.8, abs=0.05)
    assert np.all(small.ratio <= small.kappa * (1 + 1e-12))


def _kreiss_constant(M: np.ndarray) -> float:
    """sup over a grid of |z| > 1 of (|z| - 1) ||(zI - M)^{-1}||_2: a lower estimate of K(M)."""
    n = M.shape[0]
    best = 0.0
    for r in 1 + np.geomspace(1e-3, 10, 120):
        for theta in np.linspace(0, 2 * np.pi, 90, endpoint=False):
            z = r * np.exp(1j * theta)
            s_min = np.linalg.svd(z * np.eye(n) - M, compute_uv=False)[-1]
            best = max(best, (r - 1) / s_min)
    return best


@pytest.mark.parametrize("M", [[[0.9, 4.0], [0.0, 0.9]], [[0.9, 4.0], [0.0, 0.8]]])
def test_kreiss_matrix_theorem_brackets_the_largest_power(M):
    M = np.array(M)
    K = _kreiss_constant(M)
    largest = power_norms(M, 400).max()
    assert K <= largest <= np.e * M.shape[0] * K
    assert K > 5  # the resolvent is large just outside the unit circle: large transient growth


# 4. the Gaussian matrices of fig-ch03-norm-vs-lag ----------------------------------------------


@pytest.fixture(scope="module", params=WIDTHS)
def gaussian(request):
    return ex.gaussian_powers(n_h=request.param, k_max=300 if request.param == 64 else 150)


@pytest.mark.slow
def test_eigenvector_bound_holds_and_is_loose_for_gaussian_matrices(gaussian):
    # ||W^k|| / rho^k <= kappa_2(V) for every k <= 300 (150 at 128 units), a factor 10 to spare
    assert np.all(gaussian.ratios <= gaussian.kappas[:, None] * (1 + 1e-9))
    assert np.all(gaussian.kappas / gaussian.ratios.max(axis=1) > 10)


def test_gaussian_ratios_at_64_units_stay_in_the_quoted_ranges():
    gp = ex.gaussian_powers(n_h=64, seeds=SEEDS)
    assert 45 < gp.kappas.min() and gp.kappas.max() < 220  # "between 49 and 212"
    assert 1.55 < gp.ratios[:, 1:].min() and gp.ratios.max() < 3.0  # "between 1.6 and 2.9"
    assert np.all((1.55 < gp.ratios[:, 60]) & (gp.ratios[:, 60] < 2.05))  # "1.6 to 2.0" at lag 60
    # levels off: neither decays nor grows between lag 60 and lag 300
    assert np.all(np.abs(np.log(gp.ratios[:, 300] / gp.ratios[:, 60])) < np.log(1.5))


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_sigma_max_is_nearly_twice_rho(seed):
    W = random_matrix(64, rho=1.0, kind="gaussian", rng=seed + 1)
    assert 1.7 < np.linalg.norm(W, 2) < 1.95


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, 3))
def test_lag_figure_panels_over_seeds(seed):
    lags = ex.norm_vs_lag(rhos=(0.8, 1.0, 1.5), T=60, n_h=64, seed=seed)
    orth, gauss, tanh = lags.norms  # (3 rhos, 61 lags) each
    np.testing.assert_allclose(orth, lags.rhos[:, None] ** lags.lags, rtol=1e-9)  # rho^k exactly
    ratio = gauss / lags.rhos[:, None] ** lags.lags  # the same for every rho
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[1], ratio.shape), rtol=1e-8)
    assert np.all(gauss[:, 1:] > orth[:, 1:])  # higher from k = 1 on
    assert np.all(tanh[:, -1] < 1)  # the tanh panel: every curve ends below 1


# 5. order and chaos ----------------------------------------------------------------------------

# grids small enough that 128-unit networks stay within a few seconds per test
GRIDS = {
    64: ((0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, 2.3, 2.5), ex.SCALES),
    128: ((0.5, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.7, 2.0, 2.3, 2.5), (0.01, 0.1, 0.3, 1.0, 2.0)),
}


@pytest.fixture(scope="module", params=WIDTHS)
def chaos(request):
    rhos, scales = GRIDS[request.param]
    return ex.order_chaos(rhos, scales, widths=(request.param,), seeds=SEEDS)


def test_chapter_setting_is_the_tanh_panel_of_the_lag_figure():
    # with no burn-in (T = lag = 60) the order/chaos product is exactly the tanh panel's
    tanh = ex.norm_vs_lag(rhos=(1.5,), variants=("tanh, Gaussian W, N(0,1) input",))
    one = ex.order_chaos((1.5,), (1.0,), seeds=(0,), T=60, lag=60)
    assert one.norms[0, 0, 0, 0] == pytest.approx(tanh.norms[0, 0, -1], rel=1e-9)


def test_the_input_term_has_standard_deviation_s():
    # "one input, n_x = 1, zero biases ... the input term of a unit has standard deviation s"
    from vanishing.rnn import init_rnn

    W1 = random_matrix(64, rho=1.0, kind="gaussian", rng=1)
    var = []
    for seed in SEEDS:  # the order/chaos models: W_xh ~ N(0, 1) (scheme "normal"), rng seed + 2
        model = init_rnn(1, 64, 1, activation="tanh", W_hh=W1, scheme="normal", rng=seed + 2)
        assert model.W_xh.shape == (64, 1) and np.all(model.b_h == 0)
        var.append(model.W_xh.var())
    assert np.mean(var) == pytest.approx(1.0, rel=0.15), var


def test_order_chaos_measures_the_last_60_steps_after_a_burn_in_of_180():
    # the caption of fig-ch03-order-chaos: "the last 60 Jacobians after a burn-in of 180 steps"
    grid = ex.order_chaos((1.0,), (1.0,), seeds=(0,))
    assert (grid.T, grid.lag, ex.BURN_IN) == (240, 60, 180)


@pytest.mark.parametrize("seed", SEEDS)
def test_from_h0_zero_a_weak_drive_counts_the_start_up_as_growth(seed):
    # "a weakly driven state needs about ten steps to grow from zero to its typical size, steps
    # during which phi' ~ 1": at rho = 1.2, s = 0.01 the product from h_0 = 0 is far larger
    # than the stationary one (170-1600 against 0.8-7 in the referee's runs)
    from_zero = ex.order_chaos((1.2,), (0.01,), seeds=(seed,), T=60, lag=60).norms.item()
    stationary = ex.order_chaos((1.2,), (0.01,), seeds=(seed,)).norms.item()
    assert from_zero > 20 * stationary, (from_zero, stationary)


def test_the_chapter_numbers_of_the_order_chaos_section():
    # the quoted five-seed ranges at 64 units (burn-in 180, last 60 steps), and at 128 units
    grid = ex.order_chaos((1.5, 2.0), (0.1, 0.3, 1.0), widths=(64, 128), seeds=SEEDS)
    assert np.all(grid.at(1.5, 1.0) < 0.01)  # "between 4.4e-4 and 5.5e-3"
    assert np.all((1.5 < grid.at(2.0, 1.0)) & (grid.at(2.0, 1.0) < 60))  # "1.9 and 43"
    weak = grid.at(1.5, 0.1)
    assert np.all((5 < weak) & (weak < 100)), weak  # "6.7 and 85"
    rate = 100 * (weak ** (1 / 60) - 1)
    assert np.all((2 < rate) & (rate < 9)), rate  # "3.2 to 7.7 % per step"
    assert np.all((2 < grid.at(1.5, 0.3)) & (grid.at(1.5, 0.3) < 20))  # "3.0 and 16"
    assert np.all((3 < grid.at(1.5, 0.3, 128)) & (grid.at(1.5, 0.3, 128) < 600))
    long = ex.order_chaos((1.5,), (0.1,), seeds=SEEDS, T=ex.BURN_IN + 240, lag=240)
    assert np.all(long.norms > 3) and long.norms.max() > 1e5  # "5.6 and 5.7e5"
    rate = 100 * (long.norms ** (1 / 240) - 1)
    assert np.all((0.5 < rate) & (rate < 7)), rate  # "0.7 to 5.7 % per step"
    # "one of our seeds does even at rho = 1.8, s = 0.05 (the small dashed island)"
    island = ex.order_chaos((1.8,), (0.05,), seeds=SEEDS).norms.ravel()
    assert np.sum(island < 1) == 1 and np.median(island) > 5, island
    from_zero = ex.order_chaos((1.5,), (1.0,), seeds=SEEDS, T=60, lag=60).norms
    assert np.all(from_zero < 0.05)  # the tanh panel's setting over five seeds, from h_0 = 0


@pytest.mark.slow
def test_strong_input_vanishes_up_to_1_5_and_explodes_by_2(chaos):
    for rho in chaos.rhos[chaos.rhos <= 1.5]:
        assert np.all(chaos.at(rho, 1.0) < 1), rho
    assert np.all(chaos.at(2.0, 1.0) > 1)


@pytest.mark.slow
def test_weak_input_explodes_at_the_same_spectral_radius(chaos):
    for scale in (0.1, 0.3):
        assert np.all(chaos.at(1.5, scale) > 1), scale


@pytest.mark.slow
def test_boundary_rises_with_the_input_scale(chaos):
    edge = chaos.boundary()
    scales = list(chaos.scales)
    assert np.all(np.isfinite(edge[:-1]))  # only the strongest input may keep every rho ordered
    finite = edge[np.isfinite(edge)]
    assert np.all(np.diff(finite) >= 0)  # never falls as the input grows
    assert edge[0] <= 1.1  # weakest input: near the linear threshold rho = 1
    assert edge[scales.index(1.0)] > 1.5  # s = 1: above 1.5 ...
    assert edge[scales.index(2.0)] >= 2.0  # ... and above 2 for s = 2


@pytest.mark.slow
def test_below_rho_one_products_vanish_at_every_input_scale(chaos):
    for rho in chaos.rhos[chaos.rhos < 1]:
        assert np.all(chaos.norms[0, list(chaos.rhos).index(rho)] < 1), rho


@pytest.mark.slow
def test_stronger_input_shrinks_phi_prime(chaos):
    slope2 = np.median(chaos.slope2[0, list(chaos.rhos).index(1.5)], axis=-1)  # (scales,)
    # more drive, smaller phi'^2: level at weak drive (the network's own saturation), then falling
    assert np.all(np.diff(slope2) < 0.03)
    assert slope2[0] > slope2[list(chaos.scales).index(1.0)] > slope2[-1]
    assert slope2[0] < 0.8  # weakest input: already partly saturated, not linear
    assert slope2[list(chaos.scales).index(1.0)] < 0.5


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("burn_in", (120, 180, 360))
def test_order_and_chaos_persist_with_other_burn_ins(width, burn_in):
    # the product of the last 60 Jacobians after a shorter or longer burn-in, and of 240
    kw = {"widths": (width,), "seeds": SEEDS}
    last60 = ex.order_chaos((1.5, 2.0), (0.1, 0.3, 1.0), T=burn_in + 60, lag=60, **kw)
    assert np.all(last60.at(1.5, 0.1) > 1)  # weak drive: growth, every seed
    # s = 0.3, nearer the boundary: growth in the median; "a seed can dip below 1 over some
    # windows of 60 steps" (seed 1 at 64 units after 360 steps: 0.91)
    assert np.median(last60.at(1.5, 0.3)) > 2 and np.sum(last60.at(1.5, 0.3) < 1) <= 1
    assert np.all(last60.at(1.5, 1.0) < 1)  # strong drive: decay, every seed
    assert np.all(last60.at(2.0, 1.0) > 1)
    if burn_in == 180:
        whole = ex.order_chaos((1.5,), (0.1, 1.0), T=burn_in + 240, lag=240, **kw)
        assert np.all(whole.at(1.5, 0.1) > 3)  # still growing over 240 steps
        assert np.all(whole.at(1.5, 1.0) < 1e-6)


# 6. the functions: bad input, and the figures draw -------------------------------------------


def test_bad_arguments_raise_naming_the_argument():
    with pytest.raises(ValueError, match="lag"):
        ex.tanh_lag_norms((1.0,), (1.0,), T=10, lag=11)
    with pytest.raises(ValueError, match="rhos"):
        ex.tanh_lag_norms((1.5, 1.0), (1.0,))
    with pytest.raises(ValueError, match="scales"):
        ex.tanh_lag_norms((1.0,), (0.0, 1.0))
    with pytest.raises(TypeError, match="n_h"):
        ex.tanh_lag_norms((1.0,), (1.0,), n_h=2.5)
    with pytest.raises(ValueError, match="widths"):
        ex.order_chaos((1.0,), (1.0,), widths=())
    with pytest.raises(ValueError, match="M"):
        ex.eigenvector_condition(np.ones((2, 3)))
    with pytest.raises(ValueError, match="seeds"):
        ex.gaussian_powers(seeds=())


def test_new_figures_draw_with_labelled_axes():
    small = ex.eigenvector_bound()
    gp = ex.gaussian_powers(n_h=16, k_max=40, seeds=(0, 1))
    grid = ex.order_chaos((0.8, 1.2, 1.6), (0.1, 1.0), seeds=(0, 1), T=20, lag=20)
    curves = ex.order_chaos((1.2, 1.5), (0.1, 1.0), widths=(16, 32), seeds=(0, 1), T=20, lag=20)
    for fig in (figs.eigenvector_bound(small, gp), figs.order_chaos(grid, curves)):
        assert isinstance(fig, Figure)
        for ax in fig.axes:
            if ax.get_label() != "<colorbar>":
                assert ax.get_xlabel() and ax.get_ylabel()
        fig.savefig(io.BytesIO(), format="svg")


def test_order_chaos_leaves_the_blas_thread_count_as_it_found_it():
    ctypes = pytest.importorskip("ctypes")
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    getters = [
        getattr(lib, name)
        for lib in map(ctypes.CDLL, paths)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads")
        if hasattr(lib, name)
    ]
    if not getters:
        pytest.skip("no OpenBLAS thread-count getter in this process")
    before = [get() for get in getters]
    ex.order_chaos((1.0,), (1.0,), seeds=(0,), T=5, lag=5)
    assert [get() for get in getters] == before


def test_order_chaos_numbers_quote_the_seed_range_and_refuse_other_results():
    result = ex.order_chaos((1.5,), (1.0,), widths=(16,), seeds=(0, 1), T=30, lag=20)
    numbers = ex.order_chaos_numbers({"x": (result, 1.5, 1.0, 16)})
    runs = result.at(1.5, 1.0, 16)
    assert numbers["ch03_oc_x"] == f"{sci(runs.min())} and {sci(runs.max())}"
    assert numbers["ch03_oc_burn"] == "10" and numbers["ch03_oc_T"] == "30"
    with pytest.raises(TypeError, match="cases"):
        ex.order_chaos_numbers({})
