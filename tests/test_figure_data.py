"""Every figure draws its result's arrays: the right series, in the right order, under the right
legend entry, on the right scales, within limits that show them; annotations quote the result.

Each test builds a small result with distinctive arrays (no two series alike, so a swapped or
reversed series cannot pass), draws the figure and reads it back with ``figdata``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from figdata import read, slider_data, suptitle
from matplotlib.colors import to_rgba

from vanishing.experiments import ch01 as ex01
from vanishing.experiments import ch02 as ex02
from vanishing.experiments import ch03 as ex03
from vanishing.experiments import ch04 as ex04
from vanishing.experiments import ch05 as ex05
from vanishing.experiments import ch06 as ex06
from vanishing.fmt import sci
from vanishing.linalg import nonnormal_example, power_norms, sigma_max
from vanishing.optim import TrainHistory
from vanishing.plotting import ch01, ch02, ch03, ch04, ch05, ch06, diagrams
from vanishing.plotting.__main__ import FIGURES
from vanishing.plotting.style import ACTIVATION_COLOURS

same = np.testing.assert_array_equal
close = np.testing.assert_allclose


def _distinct(*shape, low=-3.0, high=3.0, seed=0) -> np.ndarray:
    """Positive values 10**U(low, high): every entry different, so every series is unique."""
    return 10.0 ** np.random.default_rng(seed).uniform(low, high, size=shape)


# chapter 1 ------------------------------------------------------------------------------------


def test_repeated_factors_draws_b_to_the_n_per_base():
    table = ex01.power_table()
    n_max = 40
    (ax,) = read(ch01.repeated_factors(table, n_max=n_max))
    assert ax.legend_order == [f"$b = {b:g}$" for b in table.bases]
    n = np.arange(n_max + 1)
    for b in table.bases:
        line = ax.legend_line(f"$b = {b:g}$")
        same(line.x, n)
        close(line.y, float(b) ** n, rtol=1e-15)
    assert ax.yscale == "log" and ax.xscale == "linear"
    assert ax.xlim == (0, n_max) and ax.hlines == [1.0]
    # the growing curve must fit: the book's largest value, 1.01**300, is about 20
    book = read(ch01.repeated_factors(table))[0]
    assert book.ylim[1] >= max(float(b) ** 300 for b in table.bases)


def test_init_gradient_norms_draws_grad_a_left_and_grad_W_right_per_layer():
    acts = ("sigmoid", "tanh", "relu")
    result = ex01.InitGradNorms(
        activations=acts,
        depth=6,
        width=7,
        scheme="lecun",
        grad_W=_distinct(3, 6, seed=1),
        grad_a=_distinct(3, 6, seed=2),
        act=_distinct(3, 6, seed=9),
        grad_W_batch=_distinct(3, 6, seed=10),
    )
    fig = ch01.init_gradient_norms(result)
    signal, weight = read(fig)
    assert (signal.title, weight.title) == ("Signal from above", "Weight gradient")
    assert weight.legend_order == list(acts)
    for panel, values in ((signal, result.grad_a), (weight, result.grad_W)):
        for a, name in enumerate(acts):
            line = panel.line(name)
            same(line.x, np.arange(1, 7))  # layer 1 first
            same(line.y, values[a])
            assert line.color == to_rgba(ACTIVATION_COLOURS[name])
        assert panel.yscale == "log" and panel.xscale == "linear"
        panel.assert_shows_all_data()
    assert "6 layers of 7 units" in suptitle(fig) and "lecun" in suptitle(fig)


def test_learning_speed_draws_each_hidden_layer_moving_average_and_how_far_it_moved():
    steps, L, smooth = 50, 4, 5
    history = TrainHistory(
        loss=_distinct(steps, seed=3), ema=_distinct(steps, seed=13),
        grad_norm=_distinct(steps, seed=14), diverged=False,
        records={"grad_W": _distinct(steps, L, seed=4), "grad_b": _distinct(steps, L, seed=5)},
    )  # fmt: skip
    result = ex01.LearningSpeed(
        activation="sigmoid",
        sizes=(3, 8, 8, 8, 1),
        scheme="standard",
        lr=0.1,
        seed=0,
        history=history,
        moved=_distinct(L, low=-2, high=-1, seed=11),
        path=_distinct(L, low=-1, high=0, seed=12),
        norm0=_distinct(L, low=0, high=1, seed=15),
        forward_std=np.ones(L - 1),
        test_loss=(1.0, 0.5),
        test_baseline=0.123,
    )
    speed, moved = read(ch01.learning_speed(result, smooth=smooth))
    kernel = np.ones(smooth) / smooth
    x = np.arange(smooth, steps + 1)
    assert speed.legend_order == [f"layer {l}" for l in range(1, L)]  # output layer left out
    for l in range(1, L):
        line = speed.legend_line(f"layer {l}")
        same(line.x, x)
        close(line.y, np.convolve(history.grad_b[:, l - 1], kernel, "valid"), rtol=1e-13)
    hidden = np.arange(1, L)
    same(moved.line("distance moved").x, hidden)
    same(moved.line("distance moved").y, result.moved[:-1])  # absolute, not relative
    same(moved.line("path length").y, result.path[:-1])
    for panel in (speed, moved):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


# chapter 2 ------------------------------------------------------------------------------------


def _lag_result(input_scale: float, seed: int) -> ex02.LagContributions:
    norms = _distinct(4, 3, 12, seed=seed)  # (seeds, rhos, lags)
    norms[..., -1] = 0.0  # the k = 1 term multiplies h_0 = 0
    return ex02.LagContributions(
        rhos=(0.8, 1.0, 1.2),
        activation="tanh",
        input_scale=input_scale,
        n_h=32,
        seeds=(0, 1, 2, 3),
        lags=np.arange(12),
        norms=norms,
        rms_phi_prime=_distinct(4, 3, low=-1, high=0, seed=seed + 1),
    )


def test_lag_contributions_draws_the_median_of_each_relative_curve_per_input_scale():
    results = (_lag_result(1.0, seed=6), _lag_result(0.1, seed=16))
    panels = read(ch02.lag_contributions(results, mark_lag=7))
    assert [p.title for p in panels] == [
        r"inputs $\mathcal{N}(0, 1^2)$",
        r"inputs $\mathcal{N}(0, 0.1^2)$",
    ]
    labels = [rf"$\rho(\mathbf{{W}}_{{hh}}) = {rho:g}$" for rho in results[0].rhos]
    assert panels[0].legend_order == labels
    for panel, result in zip(panels, results, strict=True):
        assert panel.labels() == labels
        for i, label in enumerate(labels):
            line = panel.line(label)
            same(line.x, np.arange(11))  # the zero term at lag 11 cannot be drawn on a log axis
            same(line.y, np.median(result.relative[:, i, :11], axis=0))
        assert panel.yscale == "log"
        panel.assert_shows_all_data()
        assert panel.vlines == [7.0] and panel.hlines == [1.0]
    (note,) = panels[0].texts
    assert note.text == "7 steps back" and note.xy[0] == 7  # the glued ch02_distance
    assert "4 seeds" in suptitle(ch02.lag_contributions(results))
    assert read(ch02.lag_contributions(results[0]))[0].vlines == []


# chapter 3 ------------------------------------------------------------------------------------


def _norm_vs_lag() -> ex03.NormVsLag:
    rhos = np.round(np.linspace(0.5, 1.5, 11), 10)
    return ex03.NormVsLag(
        rhos=rhos,
        variants=("linear, orthogonal W", "linear, Gaussian W", "tanh, Gaussian W"),
        lags=np.arange(9),
        norms=_distinct(3, 11, 9, low=-10, high=10, seed=7),
        sigma_max=1.0 + _distinct(3, 11, low=-2, high=0, seed=8),
    )


def test_norm_vs_lag_draws_the_shown_rhos_of_each_variant_in_its_panel():
    result = _norm_vs_lag()
    shown = (0.5, 1.0, 1.2)
    panels = read(ch03.norm_vs_lag(result, shown=shown))
    assert [p.title for p in panels] == list(result.variants)
    for v, panel in enumerate(panels):
        assert panel.labels() == [rf"$\rho = {rho:g}$" for rho in shown]
        for rho in shown:
            line = panel.line(rf"$\rho = {rho:g}$")
            same(line.x, result.lags)
            same(line.y, result.norms[v, int(np.flatnonzero(result.rhos == rho)[0])])
        assert panel.yscale == "log"
        panel.assert_shows_all_data()
    assert panels[-1].legend_order == panels[-1].labels()


def test_transient_growth_draws_the_norms_the_two_references_and_the_peak():
    W = nonnormal_example()
    k = np.arange(41)
    result = ex03.TransientGrowth(
        W=W, k=k, norms=power_norms(W, 40), rho=0.9, sigma_max=sigma_max(W)
    )
    (ax,) = read(ch03.transient_growth(result))
    smax = f"{result.sigma_max:.2f}"  # the format of the glued ch03_tg_smax
    assert ax.legend_order == [
        r"$\|\mathbf{W}^k\|_2$",
        r"$\rho^k$, $\rho = 0.9$",
        rf"$\sigma_{{\max}}^k$, $\sigma_{{\max}} = {smax}$",
    ]
    norms, rho_k, sigma_k = (ax.legend_line(e) for e in ax.legend_order)
    for line, y in ((norms, result.norms), (rho_k, 0.9**k), (sigma_k, result.sigma_max**k)):
        same(line.x, k)
        close(line.y, y, rtol=1e-15)
    (peak,) = [ln for ln in ax.lines if not ln.label]
    k_peak, value = result.peak
    assert (peak.x[0], peak.y[0]) == (k_peak, value) and peak.marker == "o"
    low, high = ax.ylim
    assert low <= min(result.norms.min(), 0.9**40) and high >= value  # sigma^k may leave the top
    assert ax.yscale == "log"


def test_norm_vs_lag_slider_embeds_every_variant_at_every_rho():
    result = _norm_vs_lag()
    html = ch03.norm_vs_lag_slider(result, caption="cap", alt="alt")
    slider = slider_data(html, (0.0, 8.0), (1e-12, 1e12))
    assert slider.labels == list(result.variants)
    assert slider.values == [f"{r:.2f}" for r in result.rhos]
    R, V = len(result.rhos), len(result.variants)
    assert slider.log_y.shape == (R, V, 9)
    for r in range(R):
        for v in range(V):
            close(slider.x[r, v], result.lags, atol=0.02)  # 0.1 px of 550 px over 8 lags
            # 0.1 px of 270 px over 24 decades
            close(slider.log_y[r, v], np.log10(result.norms[v, r]), atol=0.01)
    initial = int(np.flatnonzero(result.rhos == 1.0)[0])
    assert slider.initial_points == slider.payload_points[initial]
    gaussian = result.sigma_max[1]
    ends = result.norms[:, :, -1]  # (V, R) each variant's product at the last lag
    assert slider.readouts == [
        [
            f"σmax(Gaussian W) = {s:.2f};",
            "at lag 8: "
            + ", ".join(
                f"{name} {sci(v, 3, keep_zeros=True)}"
                for name, v in zip(("orthogonal", "Gaussian", "tanh"), ends[:, r], strict=True)
            ),
        ]
        for r, s in enumerate(gaussian)
    ]
    payload = json.loads(re.search(r"const d = (\{.*?\});\n", html, re.S).group(1))
    lo, hi = -12.0, 12.0  # the rho^k reference, decoded like the curves
    for r, rho in enumerate(result.rhos):
        pts = np.array([tuple(map(float, p.split(","))) for p in payload["q"][r].split()])
        log_ref = hi - (pts[:, 1] - 20) / (340 - 20 - 50) * (hi - lo)
        close(log_ref, np.clip(result.lags * np.log10(rho), lo, hi), atol=0.01)
    assert "ρᵏ" in html and 'stroke-dasharray="5,4"' in html
    assert re.search(r'<output id="vg\w+-o">1\.00</output>', html)  # the slider starts at 1


def test_eigenvector_bound_draws_the_powers_the_bound_and_each_seeds_ratio():
    k = np.arange(21)
    small = ex03.EigenvectorBound(
        M=np.array([[0.9, 4.0], [0.0, 0.8]]), k=k, norms=_distinct(21, seed=30), rho=0.9, kappa=80.0
    )
    gaussian = ex03.GaussianPowers(
        n_h=8,
        seeds=(0, 1, 2),
        k=np.arange(31),
        ratios=1.0 + _distinct(3, 31, low=-2, high=0.5, seed=31),
        kappas=np.array([40.0, 90.0, 60.0]),
    )
    left, right = read(ch03.eigenvector_bound(small, gaussian))
    same(left.line(r"$\|\mathbf{M}^k\|_2$").y, small.norms)
    same(left.line(r"$\kappa_2(\mathbf{V})\,\rho^k$").y, 80.0 * 0.9**k)
    same(left.line(r"$\rho^k$, $\rho = 0.9$").y, 0.9**k)
    assert left.yscale == right.yscale == "log"
    left.assert_shows_all_data()
    assert len(right.lines) == 3
    for line, ratio in zip(right.lines, gaussian.ratios, strict=True):
        same(line.x, gaussian.k[1:])
        same(line.y, ratio[1:])
    assert right.hlines == [40.0, 90.0, 60.0]  # each seed's kappa_2(V), dotted
    right.assert_shows_all_data()
    assert "3 seeds" in right.title and "8" in right.title


def test_order_chaos_maps_the_median_norm_and_draws_the_curves_per_width():
    rhos, scales, seeds = np.array([0.5, 1.0, 1.5, 2.0]), np.array([0.01, 0.1, 1.0]), (0, 1, 2)
    grid = ex03.OrderChaos(
        rhos=rhos,
        scales=scales,
        widths=(16,),
        seeds=seeds,
        T=60,
        lag=60,
        norms=_distinct(1, 4, 3, 3, low=-6, high=6, seed=32),
        slope2=_distinct(1, 4, 3, 3, low=-1, high=0, seed=33),
    )
    curves = ex03.OrderChaos(
        rhos=np.array([1.2, 1.5]),
        scales=scales,
        widths=(16, 32),
        seeds=seeds,
        T=60,
        lag=60,
        norms=_distinct(2, 2, 3, 3, low=-3, high=3, seed=34),
        slope2=_distinct(2, 2, 3, 3, low=-1, high=0, seed=35),
    )
    left, right, _colorbar = read(ch03.order_chaos(grid, curves))
    (image,) = left.images
    median = np.median(np.log10(grid.norms[0]), axis=-1)  # (R, S): rows rho, columns s
    same(np.asarray(image).reshape(median.shape), np.clip(median, -12, 12))
    assert left.xscale == "log" and "16 units, 3 seeds, T = 60" in left.title
    for r, rho in enumerate(curves.rhos):
        for w, width in enumerate(curves.widths):
            line = right.line(rf"$\rho = {rho:g}$, {width} units")
            same(line.x, scales)
            same(line.y, np.median(curves.norms[w, r], axis=-1))
    assert right.xscale == right.yscale == "log" and right.hlines == [1.0]
    right.assert_shows_all_data()


# chapter 4 ------------------------------------------------------------------------------------


def test_activations_draws_phi_left_and_phi_prime_right_per_name():
    names = ("sigmoid", "tanh", "relu", "leaky_relu")
    z = np.linspace(-1.0, 1.0, 21)
    values = _distinct(4, 21, low=-1, high=0.4, seed=9)
    derivatives = _distinct(4, 21, low=-2, high=0, seed=10)
    result = ex04.ActivationCurves(names, z, values, derivatives, np.ones(4))
    phi, der = read(ch04.activations(result))
    assert phi.legend_order == list(names)
    for a, name in enumerate(names):
        for panel, y in ((phi, values[a]), (der, derivatives[a])):
            line = panel.line(name)
            same(line.x, z)
            same(line.y, y)
            assert line.color == to_rgba(ACTIVATION_COLOURS[name])
            assert line.linestyle == ("--" if name == "leaky_relu" else "-")
        assert phi.legend_line(name).artist is phi.line(name).artist
    assert der.hlines == [0.25, 1.0]
    assert [(t.text, t.xy[1]) for t in der.texts] == [("1/4", 0.25), ("1", 1.0)]
    for panel in (phi, der):
        assert panel.xscale == panel.yscale == "linear"
        panel.assert_shows_all_data()


def test_saturation_draws_share_and_slope_per_activation_against_the_scale():
    scales = np.geomspace(0.1, 400.0, 9)
    result = ex04.Saturation(
        activations=("sigmoid", "tanh"),
        scales=scales,
        tol=0.01,
        saturated=_distinct(2, 9, low=-2, high=0, seed=11),
        binary=np.zeros((2, 9)),
        mean_slope=_distinct(2, 9, low=-4, high=0, seed=12),
        z_std=np.ones(9),
    )
    sat, slope = read(ch04.saturation(result))
    assert sat.legend_order == ["sigmoid", "tanh"]
    for a, name in enumerate(result.activations):
        for panel, y in ((sat, result.saturated[a]), (slope, result.mean_slope[a])):
            line = panel.line(name)
            same(line.x, scales)
            same(line.y, y)
            (end,) = [
                ln for ln in panel.lines if not ln.label and ln.color == line.color
            ]  # the marker at the largest scale
            assert (end.x[0], end.y[0]) == (scales[-1], y[-1])
        assert sat.legend_line(name).artist is sat.line(name).artist
    assert (sat.xscale, sat.yscale) == ("log", "linear")
    assert (slope.xscale, slope.yscale) == ("log", "log")
    for panel in (sat, slope):
        assert panel.vlines == [400.0]
        panel.assert_shows_all_data()
    assert sat.text_strings() == ["$s = 400$"]
    assert "0.01" in sat.ylabel


def test_dying_relu_draws_stuck_and_zero_gradient_shares_per_activation():
    A, R, S, depth = 2, 4, 3, 5
    result = ex04.DyingReLU(
        activations=("relu", "leaky_relu"),
        lrs=np.array([0.01, 0.1, 1.0, 10.0]),
        bias_shifts=np.array([0.0, -1.0, -3.0]),
        stuck_lr=_distinct(A, R, depth, low=-2, high=0, seed=13),
        zero_grad_lr=_distinct(A, R, depth, low=-2, high=0, seed=14),
        loss_lr=np.ones((A, R)),
        loss_init=np.ones(A),
        stuck_shift=_distinct(A, S, depth, low=-2, high=0, seed=15),
        zero_grad_shift=_distinct(A, S, depth, low=-2, high=0, seed=16),
    )
    lr, shift = read(ch04.dying_relu(result))
    for panel, x, stuck, zero in (
        (lr, result.lrs, result.dead_vs_lr, result.zero_grad_lr),
        (shift, result.bias_shifts, result.dead_vs_shift, result.zero_grad_shift),
    ):
        for a, label in enumerate(("ReLU", "leaky ReLU")):
            dead = panel.line(f"{label}: $z \\leq 0$ on all")
            same(dead.x, x)
            same(dead.y, stuck[a])
            grad = panel.line(f"{label}: zero gradient")
            same(grad.x, x)
            close(grad.y, zero[a].mean(axis=-1), rtol=1e-15)
            assert grad.color == dead.color and grad.linestyle == "--"
        panel.assert_shows_all_data()
    assert lr.legend_order == lr.labels() and shift.legend == {}
    assert (lr.xscale, shift.xscale) == ("log", "linear")
    assert shift.xlim[0] > shift.xlim[1]  # inverted: the shift grows more negative to the right


def test_pascanu_draws_each_condition_against_gamma_sigma_with_the_bound():
    conditions = tuple(ex04.CONDITIONS)
    C, M = len(conditions), 7
    norms = _distinct(C, M, low=-8, high=3, seed=17)
    norms[1, 2] = 0.0  # an underflowed norm is left out, not drawn at the bottom
    x = np.linspace(0.4, 1.6, M)
    result = ex04.PascanuCheck(
        activation="tanh", gamma=1.0, T=20, conditions=conditions, gamma_sigma=x,
        gamma_rho=np.ones((C, M)), norms=norms, bound=x**20, vanish_tol=1e-6,
    )  # fmt: skip
    (ax,) = read(ch04.pascanu(result))
    assert ax.legend_order == [r"bound $(\gamma\sigma_{\max})^{20}$", *conditions]
    bound = ax.legend_line(ax.legend_order[0])
    same(bound.x, x)
    same(bound.y, x**20)
    for c, name in enumerate(conditions):
        line = ax.legend_line(name)
        shown = norms[c] > 0
        same(line.x, x[shown])
        same(line.y, norms[c][shown])
        assert line.linestyle == "None" and line.color == to_rgba(ch04.CONDITION_COLOURS[name])
    assert ax.vlines == [1.0] and ax.hlines == [1.0]
    assert ax.text_strings() == [
        "part 1:\nvanishing\nguaranteed",
        "part 2: explosion possible, not certain",
    ]
    assert ax.yscale == "log"
    ax.assert_shows_all_data()
    assert "20" in ax.ylabel


def test_sigmoid_caveat_draws_the_fixed_point_and_the_perturbed_run_per_w():
    ws = np.array([2.0, 4.0, 6.0])
    t = np.arange(31)
    result = ex04.SigmoidCaveat(
        ws=ws, t=t, delta=0.01,
        at_fixed_point=_distinct(3, 31, seed=18), perturbed=_distinct(3, 31, seed=19),
        h_perturbed=np.zeros((3, 31)),
    )  # fmt: skip
    (ax,) = read(ch04.sigmoid_caveat(result))
    labels = [rf"$w = {w:g}$, $w/4 = {w / 4:g}$" for w in ws]
    assert ax.legend_order == [*labels, r"start at $1/2 + 0.01$"]
    for w, label in enumerate(labels):
        fixed = ax.legend_line(label)
        same(fixed.x, t)
        same(fixed.y, result.at_fixed_point[w])
        assert fixed.linestyle == "-"
        (pert,) = [ln for ln in ax.lines if not ln.label and ln.color == fixed.color]
        same(pert.x, t)
        same(pert.y, result.perturbed[w])
        assert pert.linestyle == "--"
    assert ax.legend_line(r"start at $1/2 + 0.01$").linestyle == "--"
    assert ax.yscale == "log" and ax.hlines == [1.0]
    ax.assert_shows_all_data()


# chapter 5 ------------------------------------------------------------------------------------


def _path(seed: int, steps: int = 12) -> ex05.GDPath:
    rng = np.random.default_rng(seed)
    return ex05.GDPath(
        params=np.cumsum(rng.uniform(-1, 1, (steps + 1, 2)), axis=0),
        loss=_distinct(steps + 1, seed=seed + 1),
        grad_norm=_distinct(steps + 1, seed=seed + 2),
        clipped=np.zeros(steps, bool),
    )


def test_cliff_draws_the_surface_both_paths_their_losses_and_the_jump():
    G = 9
    w, b = np.linspace(-8, 8, G), np.linspace(-6, 6, G)
    plain, clipped = _path(20), _path(30)
    loss = _distinct(G, G, low=-6, high=2, seed=21)
    loss[0, 0] = 1e-9  # below the colour floor 1e-4
    result = ex05.Cliff(
        w=w, b=b, loss=loss, T=5, x0=0.5, target=0.7, start=(1.5, -2.5), lr=0.3,
        threshold=2.0, plain=plain, clipped=clipped, bounded_loss_after=0.49,
        bounded_grad_after=0.0,
    )  # fmt: skip
    fig = ch05.cliff(result)
    panels = read(fig)
    titles = [p.title[:5] for p in panels]
    assert titles == ["$x_t ", "learn", "gradi", ""]  # the last is the colour bar
    surface, loss_ax, grad_ax, _ = panels
    (image,) = surface.images
    same(np.asarray(image).reshape(G, G), np.maximum(loss, 1e-4))
    assert surface.legend_order == ["plain", "clipped", "start"]
    for name, path in (("plain", plain), ("clipped", clipped)):
        line = surface.legend_line(name)
        same(line.x, path.params[:, 0])
        same(line.y, path.params[:, 1])
        for panel, y in ((loss_ax, path.loss), (grad_ax, path.grad_norm)):
            curve = panel.line(name)
            same(curve.x, np.arange(13))
            same(curve.y, y)
            assert curve.color == line.color
    start = surface.legend_line("start")
    assert (start.x[0], start.y[0]) == (1.5, -2.5)
    assert surface.xlim == (-8, 8) and surface.ylim == (-6, 6)
    jump = int(np.argmax(plain.step_length))  # as the chapter's glue computes it
    (note,) = surface.texts
    w_j, b_j = plain.params[jump + 1]
    assert note.text == f"plain step {jump + 1} jumps\nto $(w, b) = ({w_j:.0f}, {b_j:.0f})$"
    same(note.xy, plain.params[jump])
    assert grad_ax.hlines == [2.0]
    assert grad_ax.legend_order == ["plain", "clipped", "threshold"]
    for panel in (loss_ax, grad_ax):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()
    assert "0.3" in loss_ax.title and "2" in loss_ax.title


def test_clipping_rescales_only_draws_the_terms_and_shares_before_and_after():
    T = 15
    before = _distinct(T, seed=22)
    before[-1] = 0.0
    result = ex05.ClippingRescalesOnly(
        lags=np.arange(T), norms_before=before, norms_after=before * 0.0123,
        grad_norm=81.3, threshold=1.0, scale=0.0123, far_lag=10, check=0.0,
    )  # fmt: skip
    norms, shares = read(ch05.clipping_rescales_only(result))
    assert norms.legend_order == ["before clipping", "after (× 0.0123)"]  # glued ch05_rescale_scale
    same(norms.legend_line("before clipping").y, result.norms_before)
    same(norms.legend_line("after (× 0.0123)").y, result.norms_after)
    same(shares.line("before clipping").y, result.shares_before)
    (after,) = [ln for ln in shares.lines if not ln.label]
    same(after.y, result.shares_after)
    for line in (*norms.lines, *shares.lines):
        same(line.x, result.lags)
    assert shares.vlines == [10.0]
    (note,) = shares.texts
    far = result.far_share[0]
    assert note.text.startswith(f"lags ≥ 10: {100 * far:.2g} %")
    assert note.xy == (10, result.shares_before[10])
    for panel in (norms, shares):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


def test_glorot_bengio_draws_each_layers_histogram_per_scheme():
    S, H, K = 2, 4, 6
    rng = np.random.default_rng(23)
    result = ex05.GlorotBengio(
        schemes=("standard", "xavier_uniform"), activation="tanh", width=16,
        act_std=_distinct(S, H, seed=24), grad_std=_distinct(S, H, seed=25),
        weight_grad_std=np.ones((S, H)),
        act_bins=np.linspace(-1, 1, K + 1), act_hist=rng.integers(1, 99, (S, H, K)),
        grad_bins=np.linspace(-0.1, 0.1, K + 1), grad_hist=rng.integers(1, 99, (S, H, K)),
        jacobian_sv=np.ones((S, H)),
    )  # fmt: skip
    panels = read(ch05.glorot_bengio(result))
    assert len(panels) == 2 * S
    rows = (
        ("activations", result.act_bins, result.act_hist, result.act_std),
        ("gradients w.r.t. z", result.grad_bins, result.grad_hist, result.grad_std),
    )
    for r, (what, edges, hist, std) in enumerate(rows):
        for s, scheme in enumerate(result.schemes):
            panel = panels[r * S + s]  # subplots(2, S): row-major
            assert panel.title == f"{ch05.SCHEME_TITLES.get(scheme, scheme)} init: {what}"
            assert "_" not in panel.title  # a reader's name, not the code name
            labels = [f"layer {l + 1}: std {std[s, l]:.2g}" for l in range(H)]
            assert panel.legend_order == labels
            assert [st.label for st in panel.stairs] == labels
            for l, st in enumerate(panel.stairs):
                close(st.values, hist[s, l] / hist[s, l].sum(), rtol=1e-15)
                same(st.edges, edges)
                assert panel.legend[labels[l]] is not None
            assert panel.ylim[1] >= max(st.values.max() for st in panel.stairs)


def test_he_decay_draws_forward_std_and_backward_signal_per_scheme():
    depth = 6
    result = ex05.HeDecay(
        schemes=("xavier", "he"), depth=depth, width=16,
        act_std=_distinct(2, depth + 1, seed=26), grad_a=_distinct(2, depth + 1, seed=27),
        grad_W=_distinct(2, depth, seed=28),
    )  # fmt: skip
    fwd, back = read(ch05.he_decay(result))
    layers = np.arange(depth + 1)
    labels = [f"{s}: × {f:.3f}/layer" for s, f in zip(result.schemes, result.factor, strict=True)]
    assert fwd.legend_order == [*labels, r"$\propto 2^{-\ell/2}$"]  # factor as ch05_he_*_factor
    assert back.legend_order == list(result.schemes)
    for s, scheme in enumerate(result.schemes):
        same(fwd.legend_line(labels[s]).x, layers)
        same(fwd.legend_line(labels[s]).y, result.act_std[s])
        same(back.legend_line(scheme).x, layers)
        same(back.legend_line(scheme).y, result.grad_a[s])
    ref = fwd.legend_line(r"$\propto 2^{-\ell/2}$")
    same(ref.x, layers[1:])
    close(ref.y, result.act_std[0, 1] * 2.0 ** (-(layers[1:] - 1) / 2), rtol=1e-15)
    for panel in (fwd, back):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


def test_rnn_init_lags_draws_each_variant_per_input_scale():
    stds = (0.0, 1.0)
    variants = ("Gaussian", "orthogonal", "identity (IRNN)")
    result = ex05.RNNInitLags(
        input_stds=stds, variants=variants, lags=np.arange(11),
        norms=_distinct(2, 3, 11, low=-10, high=2, seed=29),
    )  # fmt: skip
    panels = read(ch05.rnn_init_lags(result))
    assert panels[0].legend_order == list(variants)
    for s, (panel, std) in enumerate(zip(panels, stds, strict=True)):
        assert panel.title == rf"inputs ${std:g}\,\mathcal{{N}}(0, 1)$"
        for v, name in enumerate(variants):
            same(panel.line(name).x, result.lags)
            same(panel.line(name).y, result.norms[s, v])
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


def test_residual_vs_plain_draws_forward_std_and_weight_gradients():
    depth = 5
    variants = ("plain", "residual", "residual, scaled")
    result = ex05.ResidualVsPlain(
        variants=variants, depth=depth, act_std=_distinct(3, depth + 1, seed=30),
        grad_W=_distinct(3, depth, seed=31), grad_a=_distinct(3, depth + 1, seed=32),
    )  # fmt: skip
    fwd, grad = read(ch05.residual_vs_plain(result))
    assert fwd.legend_order == list(variants)
    for v, name in enumerate(variants):
        same(fwd.line(name).x, np.arange(depth + 1))
        same(fwd.line(name).y, result.act_std[v])
        same(grad.line(name).x, np.arange(1, depth + 1))
        same(grad.line(name).y, result.grad_W[v])
        assert grad.line(name).color == fwd.line(name).color
    for panel in (fwd, grad):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


def test_residual_depth_sweep_draws_the_last_layer_spread_per_branch_against_depth():
    branches = ("zero-mean", "relu, sqrt", "relu, 1/L")
    depths = np.array([10, 30, 100, 300])
    result = ex05.ResidualDepthSweep(
        branches=branches, depths=depths, width=8, final_std=_distinct(3, 4, seed=34),
        final_mean=np.zeros((3, 4)),
    )  # fmt: skip
    (ax,) = read(ch05.residual_depth_sweep(result))
    assert ax.legend_order == list(branches)
    for v, name in enumerate(branches):
        same(ax.legend_line(name).x, depths)
        same(ax.legend_line(name).y, result.final_std[v])
    assert ax.xscale == ax.yscale == "log" and ax.hlines == [1.0]
    assert "width 8" in ax.title
    ax.assert_shows_all_data()


def test_remedies_summary_draws_each_remedy_with_the_clipped_one_dashed():
    remedies = ("baseline", "He init", "baseline, clipped", "residual")
    result = ex05.RemediesSummary(
        remedies=remedies, depth=6, grad_W=_distinct(4, 6, seed=33), clip_scale=0.0042,
        threshold=1.0,
    )  # fmt: skip
    (ax,) = read(ch05.remedies_summary(result))
    labels = ["baseline", "He init", "baseline, clipped (× 0.0042)", "residual"]
    assert ax.legend_order == labels
    for r, label in enumerate(labels):
        line = ax.legend_line(label)
        same(line.x, np.arange(1, 7))
        same(line.y, result.grad_W[r])
        assert line.linestyle == ("--" if "clipped" in label else "-")
    assert ax.yscale == "log"
    ax.assert_shows_all_data()


# chapter 6 ------------------------------------------------------------------------------------


def test_gradient_vs_distance_draws_each_variant_with_its_forget_mean():
    variants = (
        "tanh RNN, uniform W_hh", "tanh RNN, orthogonal W_hh", "LSTM, forget bias 0",
        "LSTM, forget bias 1", "GRU",
    )  # fmt: skip
    result = ex06.GradientVsDistance(
        variants=variants, lags=np.arange(21),
        norms=_distinct(5, 21, low=-12, high=0, seed=34),
        forget_means={"LSTM, forget bias 0": 0.5012, "LSTM, forget bias 1": 0.7289},
    )  # fmt: skip
    (ax,) = read(ch06.gradient_vs_distance(result))
    labels = [  # the means in the glued format of ch06_fmean_*
        r"tanh RNN, uniform $W_{hh}$ (PyTorch default)",
        r"tanh RNN, orthogonal $W_{hh}$ (ch. 5)",
        r"LSTM, forget bias 0 (mean $f_t$ = 0.50)",
        r"LSTM, forget bias 1 (mean $f_t$ = 0.73)",
        "GRU",
    ]
    assert ax.legend_order == labels
    for v, label in enumerate(labels):
        same(ax.legend_line(label).x, result.lags)
        same(ax.legend_line(label).y, result.norms[v])
        colour, ls = ch06.VARIANT_STYLES[variants[v]]
        assert ax.legend_line(label).color == to_rgba(colour)
        assert ax.legend_line(label).linestyle == ls
    assert ax.yscale == "log"
    ax.assert_shows_all_data()
    assert "$T = 20$" in ax.title


def test_lstm_explosion_draws_the_median_over_seeds_per_setting():
    settings = ((1.0, 1.0), (1.0, 2.0), (3.0, 1.0))
    result = ex06.LSTMExplosion(
        settings=settings, seeds=(0, 1, 2), input_scale=1.0, lags=np.arange(16),
        norms=_distinct(3, 3, 16, low=-3, high=4, seed=36),
    )  # fmt: skip
    (ax,) = read(ch06.lstm_explosion(result))
    labels = [rf"forget bias {b:g}, $U_g$ orthogonal $\times$ {g:g}" for b, g in settings]
    assert ax.legend_order == labels
    for k, label in enumerate(labels):
        line = ax.legend_line(label)
        same(line.x, result.lags)
        same(line.y, np.median(result.norms[k], axis=0))
    assert ax.yscale == "log" and ax.hlines == [1.0] and "3 seeds" in ax.title
    ax.assert_shows_all_data()


def test_steps_to_solve_draws_each_seed_the_median_and_the_unsolved_at_the_cap():
    M, L, S, cap = 2, 3, 4, 1000
    steps = np.round(_distinct(M, L, S, low=1.5, high=2.9, seed=37))
    solved = np.ones((M, L, S), dtype=bool)
    solved[0, 2] = [False, False, False, True]  # most of model 0's seeds fail at the longest T
    steps[~solved] = cap
    result = ex06.StepsToSolve(
        models=("rnn", "lstm"), lengths=(10, 20, 40), seeds=tuple(range(S)), lr=(0.003, 0.1),
        cap=cap, n_h=16, batch=32, clip=1.0, check_every=25, baseline=1 / 12,
        threshold=0.3 / 12, ran=np.ones((M, L), dtype=bool), steps=steps, solved=solved,
        test_loss=_distinct(M, L, S, seed=38), seconds=0.0,
    )  # fmt: skip
    (ax,) = read(ch06.steps_to_solve(result))
    lengths = np.array([10.0, 20.0, 40.0])
    median = result.median_steps  # inf where most seeds did not solve: drawn at the cap
    for m, model in enumerate(result.models):
        name = ex06.MODEL_NAMES.get(model, model)
        line = ax.line(f"{name} (lr {result.lr[m]:g})")
        shift = 1.0 + 0.09 * (m - 0.5)
        close(line.x, lengths * shift)
        same(line.y, np.where(np.isinf(median[m]), cap, median[m]))
    solved_points = np.concatenate([ax.scatter[k] for k in range(0, len(ax.scatter), 2)])
    unsolved_points = np.concatenate([ax.scatter[k] for k in range(1, len(ax.scatter), 2)])
    assert sorted(solved_points[:, 1]) == sorted(steps[solved])
    assert len(unsolved_points) == 3 and np.all(unsolved_points[:, 1] == cap)
    assert ax.hlines == [cap] and ax.xscale == ax.yscale == "log"
    ax.assert_shows_all_data()
    assert "4 seeds" in ax.title


# diagrams -------------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [2, 5])
def test_unrolled_rnn_draws_T_steps_left_to_right(T):
    (ax,) = read(diagrams.unrolled_rnn(T))
    assert not ax.axis_on
    where = {t.text: t.artist.get_position() for t in ax.texts}
    h = [where[rf"$\mathbf{{h}}_{t}$"][0] for t in range(T + 1)]
    assert np.all(np.diff(h) > 0)  # h_0, h_1, ..., h_T from left to right
    for t in range(1, T + 1):
        for node in (rf"$\mathbf{{x}}_{t}$", rf"$\hat{{\mathbf{{y}}}}_{t}$"):
            assert where[node][0] == h[t]  # x_t, h_t and y_t stacked in one column
        assert where[rf"$\mathbf{{x}}_{t}$"][1] < where[rf"$\mathbf{{h}}_{t}$"][1]
    shared = [t for t in ax.text_strings() if t == r"$\mathbf{W}_{hh}$"]
    assert len(shared) == T + 1  # one per step, and the folded network's loop


def test_lstm_cell_draws_the_cell_path_above_the_gates():
    (ax,) = read(diagrams.lstm_cell())
    where = {t.text: t.artist.get_position() for t in ax.texts}
    c_prev, c_t = where[r"$\mathbf{c}_{t-1}$"], where[r"$\mathbf{c}_t$"]
    assert c_prev[1] == c_t[1] and c_prev[0] < c_t[0]
    gates = [r"$\mathbf{f}_t$", r"$\mathbf{i}_t$", r"$\tilde{\mathbf{c}}_t$", r"$\mathbf{o}_t$"]
    assert [where[g][0] for g in gates] == sorted(where[g][0] for g in gates)
    assert all(where[g][1] < c_t[1] for g in gates)
    assert all(0 <= where[k][0] <= 8.6 for k in where)  # inside the drawn area


# coverage -------------------------------------------------------------------------------------


def test_every_registered_figure_function_has_a_data_test():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    tested = set(re.findall(r"\b(ch0\d|diagrams)\.(\w+)\(", source))
    registered = set()
    for _, make in FIGURES.values():
        code = inspect.getsource(make)
        registered |= set(re.findall(r"\b(ch0\d|diagrams)\.(\w+)\(", code))
        if make is diagrams.lstm_cell:
            registered.add(("diagrams", "lstm_cell"))
    registered.add(("ch03", "norm_vs_lag_slider"))  # the book's one interactive figure
    assert registered - tested == set()
