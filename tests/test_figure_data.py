"""Every figure draws its result's arrays: the right series, in the right order, under the right
legend entry, on the right scales, within limits that show them; annotations quote the result.

Each test builds a small result with distinctive arrays (no two series alike, so a swapped or
reversed series cannot pass), draws the figure and reads it back with ``figdata``.
"""

from __future__ import annotations

import dataclasses
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
from vanishing.experiments import ch07 as ex07
from vanishing.experiments import ch08 as ex08
from vanishing.fmt import sci
from vanishing.linalg import nonnormal_example, power_norms, sigma_max
from vanishing.optim import TrainHistory
from vanishing.plotting import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, diagrams
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
    fig = ch04.pascanu(result)  # a labelled tick at 10^0, the dotted line the prose refers to
    assert 1.0 in fig.axes[0].get_yticks()
    full = ch04.pascanu(ex04.pascanu_check(n=4, T=60, n_matrices=12))  # ~90 decades
    ticks = full.axes[0].get_yticks()
    assert 1.0 in ticks and 3 <= len(ticks) <= 9


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
        r"tanh RNN, PyTorch default (all weights uniform)",
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
    assert np.isinf(median[0, 2]) and np.isfinite(median[1]).all()
    for m, model in enumerate(result.models):
        name = ex06.MODEL_NAMES.get(model, model)
        line = ax.line(f"{name} (lr {result.lr[m]:g})")  # the measured medians only, solid
        shift = 1.0 + 0.09 * (m - 0.5)
        finite = np.isfinite(median[m])
        close(line.x, lengths[finite] * shift)
        same(line.y, median[m][finite])
        assert line.linestyle == "-"
    # the censored median: dashed from the last measured median to the cap, an arrow up there
    (dashed,) = [ln for ln in ax.lines if not ln.label]
    shift = 1.0 - 0.045
    close(dashed.x, lengths[1:] * shift)
    same(dashed.y, [median[0, 1], cap])
    assert dashed.linestyle == "--" and dashed.color == ax.line("tanh RNN (lr 0.003)").color
    (arrow,) = [t for t in ax.texts if not t.text]  # the other text is the cap's label
    close(arrow.xy, (40.0 * shift, 1.8 * cap))
    close(arrow.artist.xyann, (40.0 * shift, cap))
    solved_points = np.concatenate([ax.scatter[k] for k in range(0, len(ax.scatter), 2)])
    unsolved_points = np.concatenate([ax.scatter[k] for k in range(1, len(ax.scatter), 2)])
    assert sorted(solved_points[:, 1]) == sorted(steps[solved])
    assert len(unsolved_points) == 3 and np.all(unsolved_points[:, 1] == cap)
    assert ax.hlines == [cap] and ax.xscale == ax.yscale == "log"
    ax.assert_shows_all_data()
    assert "4 seeds" in ax.title


# chapter 7 ------------------------------------------------------------------------------------


def test_phase_diagram_draws_theory_edge_and_measured_points():
    w, b = np.linspace(0.5, 4.0, 6), np.array([0.0, 0.05, 0.3])
    chi = _distinct(3, 6, low=-0.4, high=0.4, seed=40)
    points = np.array([(wi, bi) for bi in b for wi in (0.8, 2.5)])
    measured = _distinct(6, 2, low=-0.3, high=0.3, seed=41)
    result = ex07.Criticality(
        sigma_w2=w, sigma_b2=b, q_star=_distinct(3, 6, seed=42), chi_1=chi,
        edge=(np.array([1.0, 1.5, 2.5]), np.array([0.0, 0.05, 0.3])), points=points,
        measured=measured, theory_at_points=_distinct(6, seed=43),
        relu_sigma_w2=np.array([1.0, 2.0, 3.0]), relu_measured=_distinct(3, 2, seed=44),
        width=128, depth=30,
    )  # fmt: skip
    left, right, _ = read(ch07.phase_diagram(result))  # the colour bar is the last axes
    same(left.images[0], chi)
    edge = left.legend_line(r"edge of chaos, $\chi_1 = 1$")
    same(edge.x, result.edge[0])
    same(edge.y, result.edge[1])
    same(left.scatter[0], points)
    for k, bk in enumerate(b):
        line = right.line(rf"tanh, $\sigma_b^2 = {bk:g}$")
        same(line.x, w)
        same(line.y, chi[k])
    relu = right.line(r"ReLU, $\sigma_w^2/2$")
    close(relu.y, w / 2)
    markers = [ln for ln in right.lines if ln.marker in ("o", "s")]
    got = np.concatenate([ln.y for ln in markers])
    want = np.concatenate([np.median(measured[points[:, 1] == bk], axis=1) for bk in b])
    close(got[: len(want)], want)
    close(got[len(want) :], np.median(result.relu_measured, axis=1))
    assert right.hlines == [1.0] and "width 128" in right.title


def test_depth_scale_draws_both_scales_and_the_measured_median():
    w = np.linspace(0.6, 4.0, 7)
    result = ex07.DepthScale(
        sigma_b2=0.05, sigma_w2=w, xi_c=_distinct(7, low=0, high=2, seed=45),
        xi_grad=_distinct(7, low=0, high=2, seed=46), critical_w2=1.76,
        points=np.array([1.0, 1.2]), theory_at_points=np.array([3.6, 5.9]),
        measured=np.array([[4.0, 4.2, 4.4], [6.0, 6.9, 7.1]]),
    )  # fmt: skip
    (ax,) = read(ch07.depth_scale(result))
    same(ax.legend_line(r"$\xi_c$ (theory)").y, result.xi_c)
    same(ax.legend_line(r"$1/|\ln\chi_1|$ (theory)").y, result.xi_grad)
    assert "fitted to finite networks" in ax.legend_order
    (pts,) = [ln for ln in ax.lines if ln.marker == "o"]
    same(pts.x, result.points)
    same(pts.y, [4.2, 6.9])
    assert ax.vlines == [1.76] and ax.yscale == "log"


def test_jacobian_spectra_draws_sorted_singular_values_per_variant():
    sv = _distinct(4, 2, 8, low=-18, high=1, seed=47)
    sv[2, 0, :3] = 0.0  # exact zeros are drawn at the floor
    result = ex07.JacobianSpectra(
        variants=("tanh, Gaussian", "tanh, orthogonal", "ReLU, Gaussian", "ReLU, orthogonal"),
        depth=32, width=8, sigma_w2=(1.02, 1.02, 2.0, 2.0), sigma_b2=(1e-6, 1e-6, 0.0, 0.0),
        singular_values=sv,
    )  # fmt: skip
    (ax,) = read(ch07.jacobian_spectra(result))
    assert ax.legend_order == [*result.variants, "rounding"]  # the band below 1e-15 of the max
    for v, name in enumerate(result.variants):
        line = ax.legend_line(name)
        same(line.y, np.maximum(np.sort(sv[v].ravel())[::-1], 1e-20))
        close(line.x, np.linspace(0, 1, 16))
    assert ax.yscale == "log" and "32 layers of 8" in ax.title


def test_norm_scales_draws_the_median_std_and_gradient_per_norm():
    result = ex07.NormScales(
        norms=("none", "batch", "layer"), depth=5, width=8, batch=8,
        act_std=_distinct(3, 3, 6, low=-1, high=0.3, seed=48),
        grad=_distinct(3, 3, 6, low=-2, high=3, seed=49),
    )  # fmt: skip
    left, right = read(ch07.norm_scales(result))
    for i, kind in enumerate(result.norms):
        label = ch07.NORM_STYLES[kind][0]
        same(left.line(label).y, np.median(result.act_std[i], axis=0))
        same(right.legend_line(label).y, np.median(result.grad[i], axis=0))
        same(right.legend_line(label).x, np.arange(6))
    assert right.yscale == "log"
    assert "median of 3 seeds" in suptitle(ch07.norm_scales(result))


def test_residual_norm_draws_per_block_profile_and_last_block_against_depth():
    depths = (4, 8)
    grad = {
        "post-LN": (_distinct(3, 4, seed=50), _distinct(3, 8, seed=51)),
        "pre-LN": (_distinct(3, 4, seed=52), _distinct(3, 8, seed=53)),
    }
    result = ex07.ResidualNorm(
        variants=("post-LN", "pre-LN"), depths=depths, width=16, grad=grad,
        trunk=_distinct(2, 2, 3, seed=54),
    )  # fmt: skip
    left, right = read(ch07.residual_norm(result))
    for name in result.variants:
        same(left.legend_line(name).y, np.median(grad[name][1], axis=0))
        same(left.legend_line(name).x, np.arange(1, 9))
        line = right.line(name)
        same(line.x, depths)
        same(line.y, [np.median(g[:, -1]) for g in grad[name]])
    assert left.title == "$L = 8$" and right.xscale == right.yscale == "log"


def test_ln_rnn_products_draws_the_median_per_scale_in_each_panel():
    result = ex07.LNRNNProducts(
        models=("tanh RNN", "LayerNorm RNN"), rhos=np.array([0.5, 1.0, 2.0]),
        scales=np.array([0.01, 0.1, 1.0]), seeds=(0, 1, 2), n_h=16, T=50, lag=20,
        norms=_distinct(2, 3, 3, 3, low=-20, high=6, seed=55),
    )  # fmt: skip
    left, right = read(ch07.ln_rnn_products(result))
    for m, ax in enumerate((left, right)):
        assert ax.title == result.models[m] and ax.yscale == "log" and ax.hlines == [1.0]
        for s, scale in enumerate(result.scales):
            line = ax.line(f"$s = {scale:g}$")
            same(line.x, result.rhos)
            same(line.y, np.median(result.norms[m, :, s], axis=-1))
    assert "T-20" in left.ylabel and "3 seeds" in suptitle(ch07.ln_rnn_products(result))


def test_trainable_depth_draws_the_share_trained_per_cell_and_the_six_xi_c_line():
    loss = np.array([[[0.1, 0.2, 0.3], [0.9, 0.2, 0.7]], [[0.1, 0.1, 0.1], [0.4, 0.1, 0.2]]])
    curve = np.linspace(0.3, 4.0, 5)
    result = ex07.TrainableDepth(
        sigma_w2=np.array([0.5, 1.76]), depths=(3, 12), seeds=(0, 1, 2), sigma_b2=0.05,
        width=16, examples=32, steps=100, lr=0.05, threshold=0.5, loss=loss,
        start=np.ones_like(loss), xi_c=np.array([1.2, 5000.0]), curve_w2=curve,
        curve_xi_c=_distinct(5, low=0, high=1, seed=56), critical_w2=1.76,
    )  # fmt: skip
    ax = read(ch07.trainable_depth(result))[0]  # then the colour bar
    same(ax.scatter[0], [[0.5, 3], [0.5, 12], [1.76, 3], [1.76, 12]])
    assert ax.text_strings() == ["3", "1", "3", "3"]  # seeds below half the constant's loss
    line = ax.legend_line(r"$6\,\xi_c$ (theory)")
    same(line.x, curve)
    same(line.y, 6 * result.curve_xi_c)
    assert ax.vlines == [1.76] and "of 3 seeds" in ax.title and "100 SGD steps" in ax.title


def test_residual_training_draws_median_curves_and_every_final_loss():
    loss = _distinct(2, 2, 3, 10, low=-3, high=0.5, seed=57)
    result = ex07.ResidualTraining(
        variants=("post-LN", "alpha = 0"), warmups=(0, 4), seeds=(0, 1, 2), depth=8, width=16,
        examples=32, steps=10, lr=0.05, loss=loss, spread=np.ones((2, 2, 3)),
    )  # fmt: skip
    left, right = read(ch07.residual_training(result))
    for v, name in enumerate(("post-LN", r"$\alpha = 0$")):
        for u, tag in enumerate(("no warm-up", "warm-up 4")):
            line = left.legend_line(f"{name}, {tag}")
            same(line.y, np.median(loss[v, u], axis=0))
            same(line.x, np.arange(10))
    dots = [ln.y for ln in right.lines]
    assert len(dots) == 4
    same(np.concatenate(dots), loss[..., -1].reshape(-1))  # the last tenth of 10 steps: 1
    assert left.yscale == right.yscale == "log" and right.hlines == [1.0]
    assert "8 blocks of 16" in suptitle(ch07.residual_training(result))


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


# chapter 9 ------------------------------------------------------------------------------------


def _ch09_run(kind: str, seed: int):
    from vanishing.diagnostics import Dashboard
    from vanishing.experiments import ch09 as ex09

    S, names, K, H = 12, ("W1", "b1", "W2", "b2", "W3", "b3"), 3, 2
    dash = Dashboard(
        names, _distinct(S, seed=seed), _distinct(S, seed=seed + 1),
        _distinct(S, 6, seed=seed + 2), -_distinct(S, 6, low=0, high=0.8, seed=seed + 3),
        np.array([0, 5, 12]), {"dead": _distinct(K, H, low=-2, high=-0.1, seed=seed + 4),
                               "saturated": _distinct(K, H, low=-1, high=-0.2, seed=seed + 5)},
    )  # fmt: skip
    return ex09.FeedForwardRun(kind, "tanh", 0.1, (2, 4, 4, 1), 0, dash, (1.0, 0.5))


def test_dashboard_draws_each_runs_layer_medians_dead_share_and_loss():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    runs = tuple(_ch09_run(k, 10 * i) for i, k in enumerate(ex09.KINDS))
    grad, update, dead, loss = read(ch09.dashboard(runs))
    for r in runs:
        label = ex09.LABELS[r.kind]
        same(grad.line(label).x, [1, 2, 3])
        close(grad.line(label).y, r.layer_grad)
        close(update.line(label).y, r.update)
        close(dead.line(label).y, r.dash.probes["dead"][-1])
        close(dead.line(f"{label}, saturated").y, r.dash.probes["saturated"][-1])
        k = ch09.SMOOTH
        close(loss.line(label).y, np.convolve(r.dash.loss, np.ones(k) / k, "valid"))
        same(loss.line(label).x, np.arange(k, r.dash.steps + 1))
    assert update.hlines == [-3.0]
    assert grad.yscale == "log" and loss.yscale == "log"


def test_clip_choice_draws_the_norms_spikes_thresholds_and_final_losses():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    norms = _distinct(30, seed=5)
    result = ex09.ClipChoice(
        norms, np.array([3, 7]), 5.0, 10, 90.0, np.array([2.5, 0.5, 5.0]),
        _distinct(3, seed=6), np.ones(3), np.array([0.2, 1.0, 0.1]), 1234.0,
    )  # fmt: skip
    left, right = read(ch09.clip_choice(result))
    close(left.line("unclipped run").y, norms)
    close(left.line("spike (> 5 x running median)").y, norms[[3, 7]])
    assert left.hlines == [2.5, 0.5, 5.0]
    close(right.bars[0].height, result.final_loss)
    assert right.hlines == [1234.0]


def test_histograms_draw_each_runs_rows_scaled_to_their_peak():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    runs = []
    for i, kind in enumerate(ex09.KINDS):
        r = _ch09_run(kind, 10 * i)
        probes = r.dash.probes | {
            "act_hist": _distinct(3, 2, 40, seed=i + 50),
            "grad_hist": _distinct(3, 2, 48, seed=i + 60),
        }
        dash = dataclasses.replace(r.dash, probes=probes)
        runs.append(dataclasses.replace(r, dash=dash))
    panels = read(ch09.histograms(tuple(runs)))
    by = {r.kind: r for r in runs}
    for j, kind in enumerate(ch09.HIST_KINDS):
        for i, key in enumerate(("act_hist", "grad_hist")):
            counts = by[kind].dash.probes[key][-1]
            (image,) = panels[i * len(ch09.HIST_KINDS) + j].images
            close(
                np.asarray(image).reshape(counts.shape), counts / counts.max(axis=1, keepdims=True)
            )
        assert panels[j].title == ex09.LABELS[kind]


def test_through_time_draws_the_median_and_range_per_network():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    curves = _distinct(3, 5, 11, seed=7)
    result = ex09.ThroughTime(tuple(ex09.RECURRENT), 10, 4, (0, 1, 2, 3, 4), curves)
    (panel,) = read(ch09.through_time(result))
    for i, name in enumerate(result.names):
        line = panel.line(ex09.RECURRENT[name])
        same(line.x, np.arange(11))
        close(line.y, np.median(curves[i], axis=0))
    assert panel.yscale == "log"
    panel.assert_shows_all_data()


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


# chapter 8 ------------------------------------------------------------------------------------


def test_ch08_truncation_draws_each_tau_and_the_bias():
    taus = (3, 6, 40)
    result = ex08.Truncation(
        taus=taus, T=40, delay=6, n_h=16, seed=0, steps=np.array([0, 25, 50]),
        error=_distinct(3, 3, low=-3, high=0.1, seed=81),
    )  # fmt: skip
    bias = ex08.TruncationBias(
        taus=(3, 6, 8), batches=64, bias=np.array([0.6, 0.4, 0.3]),
        standard_error=np.array([0.01, 0.02, 0.03]),
    )  # fmt: skip
    left, right = read(ch08.truncation(result, bias))
    assert left.legend_order == [r"$\tau = 3$", r"$\tau = 6$", "full BPTT"]
    for k, name in enumerate(left.legend_order):
        line = left.legend_line(name)
        same(line.x, result.steps)
        same(line.y, result.error[k])
    assert left.hlines == [1.0] and "one seed" in left.title
    main = right.lines[0]
    same(main.x, [3, 6, 8])
    same(main.y, bias.bias)
    assert "64 batches" in right.title
    left.assert_shows_all_data()
    right.assert_shows_all_data()


def test_ch08_randomised_draws_both_biases_and_each_noise_distribution():
    fixed = ex08.TruncationBias(
        taus=(3, 6, 20), batches=64, bias=np.array([0.6, 0.4, 0.07]),
        standard_error=np.array([0.01, 0.02, 0.003]),
    )  # fmt: skip
    deviation = _distinct(2, 6, low=-2, high=0.5, seed=88)
    result = ex08.RandomisedTruncation(
        probabilities=(1 / 3, 1 / 20), batches=3, draws=2, bias=np.array([0.03, 0.004]),
        standard_error=np.array([0.04, 0.008]), deviation=deviation, minibatch_spread=0.1,
    )  # fmt: skip
    left, right = read(ch08.randomised(result, fixed))
    assert left.legend_order == [r"fixed $\tau$", "randomised, mean $1/c$"]
    same(left.lines[0].x, [3, 6, 20])
    same(left.lines[0].y, fixed.bias)
    squares = [ln for ln in left.lines if len(ln.x) == 2 and np.allclose(ln.y, result.bias)]
    assert len(squares) == 1  # the randomised estimates, at the mean stretches 1/c
    same(squares[0].x, [3.0, 20.0])
    assert "64 batches" in left.title
    assert right.legend_order == ["$c = 1/3$", "$c = 1/20$"] and right.xscale == "log"
    for k, name in enumerate(right.legend_order):
        line = right.legend_line(name)
        same(line.x, np.sort(deviation[k]))
        same(line.y, np.arange(1, 7) / 6)
    assert right.vlines == [0.1] and "6 per" in right.title
    left.assert_shows_all_data()
    right.assert_shows_all_data()


def test_ch08_ssm_memory_draws_each_step_and_its_eigenvalues():
    result = ex08.ssm_memory(deltas=(0.01, 0.1, 1.0), n=4, lags=500)
    left, right = read(ch08.ssm_memory(result))
    assert left.legend_order == [r"$\Delta = 0.01$", r"$\Delta = 0.1$", r"$\Delta = 1$"]
    for k, name in enumerate(left.legend_order):
        line = left.legend_line(name)
        same(line.y, result.gradient[k, np.asarray(line.x, dtype=int)])
        assert line.x[0] == 1 and line.x[-1] == 499
    dots = [ln for ln in left.lines if not ln.label and len(ln.x) == 1]
    same([d.x[0] for d in dots], result.memory)
    assert left.xscale == "log" and left.yscale == "log" and left.ylim[0] == 1e-8
    ticks = [ln for ln in right.lines if len(ln.x) == 4]
    for k in range(3):
        same(ticks[k].x, result.eigenvalues[k])
        same(ticks[k].y, np.full(4, result.deltas[k]))
    assert right.xlim == (0.0, 1.0) and right.yscale == "log"
    right.assert_shows_all_data()


def test_ch08_memory_draws_points_and_curves_per_setting():
    lambdas = np.array([0.5, 0.9, 0.99])
    settings = ("plain", "normalised", "normalised_nu")
    sens = {k: _distinct(3, seed=82 + i) for i, k in enumerate(settings)}
    var = {"plain": np.ones(3), "normalised": np.ones(3)}
    result = ex08.MemoryMonteCarlo(lambdas, 1000, sens, var)
    curves = ex08.memory_curves()
    (ax,) = read(ch08.memory(result, curves))
    assert ax.xscale == ax.yscale == "log" and "1,000 sequences" in ax.title
    assert ax.xlim[0] > ax.xlim[1]  # inverted: memory grows to the right
    points = [ln for ln in ax.lines if ln.linestyle == "None"]
    for k, setting in enumerate(sens):
        close(points[k].x, 1 - lambdas)
        same(points[k].y, sens[setting])
        curve = ax.line(ch08.SETTING_LABELS[setting])
        close(curve.y, curves[setting](1 - curve.x))
    ax.assert_shows_all_data()


def test_ch08_input_distance_draws_each_model_against_lag():
    norms = _distinct(3, 5, seed=85)
    result = ex08.InputDistance(("attention", "tanh RNN", "LSTM"), np.arange(5), norms, 0.0)
    (ax,) = read(ch08.input_distance(result))
    assert ax.legend_order == ["attention", "tanh RNN", "LSTM"] and ax.yscale == "log"
    for k, name in enumerate(result.models):
        same(ax.legend_line(name).x, np.arange(5))
        same(ax.legend_line(name).y, norms[k])
    ax.assert_shows_all_data()


def test_ch08_influence_draws_one_map_per_model_and_the_marks():
    influence = _distinct(2, 3, 7, low=-2, high=0, seed=86)
    marks = np.array([[0, 4], [1, 5], [2, 6]])
    error = _distinct(2, 3, seed=87)
    result = ex08.InfluenceMap(
        ("LRU", "tanh RNN"), 7, influence, marks, error, np.array([0.1, 1.0]), 200
    )
    panels = read(ch08.influence(result))
    maps = [p for p in panels if p.title]
    assert [p.title.split(" (")[0] for p in maps] == ["LRU", "tanh RNN"]
    for m, panel in enumerate(maps):
        same(panel.images[0], influence[m])
        offsets = panel.scatter[0]
        same(offsets[:, 0], marks.ravel() + 1)  # steps are 1-based on the axis
        same(offsets[:, 1], [1, 1, 2, 2, 3, 3])
    assert "0.10 × baseline" in maps[0].title


def test_trained_recurrent_draws_loss_far_gradient_profiles_and_norms():
    from vanishing.diagnostics import Dashboard
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    T, K, S = 6, 3, 20
    runs = []
    for i, model in enumerate(ex09.TRAINED):
        probes = {"by_lag": _distinct(K, T + 1, seed=10 + i), "loss": _distinct(K, seed=20 + i)}
        dash = Dashboard(("W",), _distinct(S, seed=30 + i), _distinct(S, seed=40 + i),
                         np.ones((S, 1)), np.zeros((S, 1)), np.array([0, 10, 20]), probes)
        runs.append(ex09.TrainedRecurrent(model, T, 4, 0, 0.1, dash))  # fmt: skip
    loss, far, profile, norm = read(ch09.trained_recurrent(tuple(runs)))
    for r in runs:
        label = ex09.TRAINED[r.model]
        same(loss.line(label).x, [0, 10, 20])
        close(loss.line(label).y, r.dash.probes["loss"])
        g = r.dash.probes["by_lag"]
        close(far.line(label).y, g[:, -1] / g[:, 0])
        close(profile.line(f"{label}, step 0").y, g[0] / g[0, 0])
        close(profile.line(f"{label}, step 20").y, g[-1] / g[-1, 0])
        same(profile.line(f"{label}, step 20").x, np.arange(T + 1))
        close(norm.line(label).y, r.dash.grad_norm)
    assert loss.hlines == [pytest.approx(1 / 12), pytest.approx(0.3 / 12)]
    assert norm.hlines == [1.0]
    for panel in (loss, far, profile, norm):
        assert panel.yscale == "log"
        panel.assert_shows_all_data()


def test_recurrent_clip_draws_the_norms_thresholds_and_one_loss_per_seed():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    clips = (("none", 0.0), ("percentile", 90.0), ("fixed", 1.0))
    theta = np.array([[np.inf, np.inf], [20.0, 30.0], [1.0, 1.0]])
    result = ex09.RecurrentClip(
        40, 0.01, 12, 5, (0, 1), clips, theta, _distinct(3, 2, seed=3), np.zeros((3, 2)),
        np.ones((3, 2)), _distinct(3, 12, seed=4),
    )  # fmt: skip
    left, right = read(ch09.recurrent_clip(result))
    close(left.line("unclipped run").y, result.grad_norm[0])
    assert left.hlines == [20.0, 1.0]  # the first seed's thresholds
    for c, name in enumerate(("no clipping", "90th pct, first 5", "fixed 1")):
        line = right.line(f"loss: {name}")
        close(line.y, result.valid_loss[c])
        assert np.all(np.abs(line.x - c) <= 0.12)
    assert right.hlines == [pytest.approx(1 / 12), pytest.approx(0.3 / 12)]
    right.assert_shows_all_data()


def test_histograms_over_time_draw_one_row_per_probe_scaled_to_its_peak():
    from vanishing.experiments import ch09 as ex09
    from vanishing.plotting import ch09

    runs = []
    for i, kind in enumerate(ex09.KINDS):
        r = _ch09_run(kind, 10 * i)
        probes = r.dash.probes | {"grad_hist": _distinct(3, 2, 48, seed=i + 70)}
        runs.append(dataclasses.replace(r, dash=dataclasses.replace(r.dash, probes=probes)))
    panels = read(ch09.histograms_over_time(tuple(runs), layer=2))
    by = {r.kind: r for r in runs}
    for j, kind in enumerate(ch09.OVER_TIME_KINDS):
        counts = by[kind].dash.probes["grad_hist"][:, 1]
        (image,) = panels[j].images
        close(np.asarray(image).reshape(counts.shape), counts / counts.max(axis=1, keepdims=True))
        assert panels[j].title == f"{ex09.LABELS[kind]}, layer 2"
