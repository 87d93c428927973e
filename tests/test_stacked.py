"""Chapter 6's seed-stacked engine (vanishing.stacked) against the per-model package: loss and
gradients bit for bit equal to ``rnn``/``lstm.loss_and_grads`` (tanh and ReLU RNNs, LSTMs),
checked against central differences and autograd; Stack round trips; the stacked Adam bit for
bit equal to ``optim.Adam`` model by model; and chapter 6's stacked runs (``_solve_group``) equal
to the per-seed reference (``_solve_one``), early stops and divergences included."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vanishing import lstm, optim, rnn, stacked
from vanishing.clip import global_norm
from vanishing.experiments import ch06
from vanishing.gradcheck import central_difference, relative_error

KINDS = ("tanh", "relu", "lstm")  # tanh RNN, ReLU RNN, LSTM


def _models(kind: str, S: int, n_x: int, n_h: int, n_y: int, seed: int = 10) -> list:
    """S models of one kind, each from its own seed (seed, seed + 1, ...)."""
    if kind == "lstm":
        return [lstm.init_lstm(n_x, n_h, n_y, rng=seed + s) for s in range(S)]
    return [rnn.init_rnn(n_x, n_h, n_y, activation=kind, rng=seed + s) for s in range(S)]


def _module(kind: str):
    return lstm if kind == "lstm" else rnn


def _batch(S: int, B: int, T: int, n_x: int, n_y: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((S, B, T, n_x)), rng.standard_normal((S, B, n_y))


# loss and gradients: bit for bit the per-model ones ------------------------------------------

# (B, T, n_x, n_h, n_y): chapter 6's shape (n_x = 2, n_y = 1) at two sizes, and a read-out with
# two outputs (where dL/dh_T = W_hy^T r is a sum, so its rounding depends on how it is formed)
SHAPES = [(4, 6, 2, 5, 1), (32, 20, 2, 16, 1), (5, 7, 3, 4, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-T{}-nx{}-nh{}-ny{}".format(*s))
@pytest.mark.parametrize("S", [1, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_loss_and_grads_are_bitwise_the_per_model_ones(kind, S, shape):
    B, T, n_x, n_h, n_y = shape
    models = _models(kind, S, n_x, n_h, n_y)
    x, y = _batch(S, B, T, n_x, n_y)
    losses, grads = stacked.loss_and_grads(stacked.stack(models), x, y)
    assert losses.shape == (S,) and list(grads) == list(models[0].params())
    for s, model in enumerate(models):
        loss, ref = _module(kind).loss_and_grads(model, x[s], y[s], loss_at="last")
        assert losses[s] == loss
        for name, g in ref.params.items():
            assert grads[name].shape == (S, *g.shape)
            assert np.array_equal(grads[name][s], g), (kind, S, shape, s, name)
    if S > 1:  # the models (and so their gradients) really differ
        assert not np.array_equal(grads["W_hy"][0], grads["W_hy"][1])


def test_relu_stack_has_dead_and_live_units():
    """The ReLU case above covers both sides of the kink (else phi' = 1 everywhere)."""
    B, T, n_x, n_h, n_y = SHAPES[1]
    st = stacked.stack(_models("relu", 3, n_x, n_h, n_y))
    x = _batch(3, B, T, n_x, n_y)[0]
    z = np.stack([rnn.forward(st.model(s), x[s]).values["z"] for s in range(3)])
    assert 0.1 < np.mean(z > 0) < 0.9


def _weighted(st, x, y, w):
    """sum_s w_s L_s: model s's loss alone moves with model s's parameters."""
    return float(w @ stacked.loss_and_grads(st, x, y)[0])


@pytest.mark.parametrize("kind", ["tanh", "lstm"])
def test_stacked_gradient_matches_central_differences(kind):
    S, B, T, n_x, n_h, n_y = 2, 3, 5, 2, 3, 2
    st = stacked.stack(_models(kind, S, n_x, n_h, n_y))
    x, y = _batch(S, B, T, n_x, n_y)
    w = np.array([0.7, -1.3])  # distinct weights: a gradient credited to the wrong model fails
    _, grads = stacked.loss_and_grads(st, x, y)
    for name, param in st.params.items():  # perturbed in place, restored by central_difference
        numeric = central_difference(lambda: _weighted(st, x, y, w), param)
        analytic = grads[name] * w.reshape((S,) + (1,) * (param.ndim - 1))
        assert relative_error(analytic, numeric) < 1e-6, name


# autograd reference, written from the equations (one model after the other)


def _ag_rnn(P, x, y, phi):
    h = anp.zeros((x.shape[0], P["W_hh"].shape[0]))
    for t in range(x.shape[1]):
        h = phi(anp.dot(x[:, t], P["W_xh"].T) + anp.dot(h, P["W_hh"].T) + P["b_h"])
    e = anp.dot(h, P["W_hy"].T) + P["b_y"] - y
    return 0.5 * anp.sum(e * e) / x.shape[0]


def _ag_lstm(P, x, y):
    n = P["U_f"].shape[0]
    c = h = anp.zeros((x.shape[0], n))

    def arg(g, t):
        return anp.dot(x[:, t], P[f"W_{g}"].T) + anp.dot(h, P[f"U_{g}"].T) + P[f"b_{g}"]

    for t in range(x.shape[1]):
        f, i, o = (1.0 / (1.0 + anp.exp(-arg(g, t))) for g in "fio")
        c = f * c + i * anp.tanh(arg("c", t))
        h = o * anp.tanh(c)
    e = anp.dot(h, P["W_hy"].T) + P["b_y"] - y
    return 0.5 * anp.sum(e * e) / x.shape[0]


@pytest.mark.parametrize("kind", KINDS)
def test_stacked_gradient_matches_autograd(kind):
    S, B, T, n_x, n_h, n_y = 3, 4, 6, 3, 4, 2
    st = stacked.stack(_models(kind, S, n_x, n_h, n_y))
    x, y = _batch(S, B, T, n_x, n_y)
    w = np.array([0.7, -1.3, 2.1])
    phi = anp.tanh if kind == "tanh" else (lambda z: anp.maximum(z, 0.0))

    def total(P):
        per = [
            _ag_lstm({k: v[s] for k, v in P.items()}, x[s], y[s])
            if kind == "lstm"
            else _ag_rnn({k: v[s] for k, v in P.items()}, x[s], y[s], phi)
            for s in range(S)
        ]
        return sum(w[s] * per[s] for s in range(S))

    losses, grads = stacked.loss_and_grads(st, x, y)
    assert abs(float(w @ losses) - total(st.params)) < 1e-12
    reference = autograd.grad(total)(st.params)
    for name in st.params:
        analytic = grads[name] * w.reshape((S,) + (1,) * (grads[name].ndim - 1))
        assert relative_error(analytic, reference[name]) < 1e-12, name


def test_overflow_gives_inf_without_warnings():
    """An exploding ReLU RNN: the stack reports a non-finite loss for that model only."""
    models = _models("relu", 2, 2, 3, 1)
    models[1] = models[1].with_params({"W_hh": 1e3 * np.eye(3), "b_h": np.ones(3)})
    x, y = _batch(2, 2, 120, 2, 1)
    with np.errstate(all="raise"):
        losses, grads = stacked.loss_and_grads(stacked.stack(models), x, y)
    assert np.isfinite(losses[0]) and not np.isfinite(losses[1])
    norms = stacked.Adam(0.1).norms(grads)
    assert np.isfinite(norms[0]) and not np.isfinite(norms[1])


# Stack: a model out, a selection ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_stack_model_round_trips(kind):
    models = _models(kind, 3, 2, 4, 1)
    st = stacked.stack(models)
    assert st.S == 3 and st.kind == type(models[0]).__name__
    for s in (0, 1, 2, np.int64(1)):
        back = st.model(s)
        assert type(back) is type(models[s])
        assert getattr(back, "activation", None) == getattr(models[s], "activation", None)
        assert list(back.params()) == list(models[s].params())
        for name, a in models[s].params().items():
            assert np.array_equal(back.params()[name], a)
    back = st.model(1)
    back.params()["b_y"][...] = 99.0  # a copy: the stack does not change
    assert not np.any(st.params["b_y"] == 99.0)


@pytest.mark.parametrize("kind", KINDS)
def test_select_keeps_the_right_models(kind):
    models = _models(kind, 4, 2, 3, 1)
    st = stacked.stack(models).select([3, 0, 2])
    assert st.S == 3
    for row, s in enumerate((3, 0, 2)):
        for name, a in models[s].params().items():
            assert np.array_equal(st.model(row).params()[name], a)
    assert stacked.stack(models).select(np.array([1])).S == 1


# Adam: bit for bit optim.Adam, model by model -----------------------------------------------


@pytest.mark.parametrize("clipped", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_stacked_adam_is_optim_adam_per_model(kind, clipped):
    S, B, T, n_x, n_h, n_y, steps, lr = 3, 8, 10, 2, 5, 1, 6, 0.05
    clip = {"lstm": 0.3}.get(kind, 1.0) if clipped else None  # within the norms seen
    models = _models(kind, S, n_x, n_h, n_y)
    refs = [optim.Adam(lr, clip=clip) for _ in range(S)]
    st, opt = stacked.stack(models), stacked.Adam(lr, clip=clip)
    rng = np.random.default_rng(7)
    alive = list(range(S))  # model 1 leaves the stack after step 2, as in chapter 6's runs
    seen = []
    for step in range(steps):
        x = rng.standard_normal((len(alive), B, T, n_x))
        y = rng.standard_normal((len(alive), B, n_y))
        _, grads = stacked.loss_and_grads(st, x, y)
        norms = opt.norms(grads)
        seen += norms.tolist()
        st = opt.step(st, grads, norms)
        for row, s in enumerate(alive):
            _, g = _module(kind).loss_and_grads(models[s], x[row], y[row], loss_at="last")
            assert norms[row] == global_norm(list(g.params.values()))
            models[s] = refs[s].step(models[s], g)
        if step == 2:
            keep = [0, 2]
            st = st.select(keep)
            opt.select(keep)
            alive = [alive[k] for k in keep]
    assert opt.t == steps
    for row, s in enumerate(alive):
        for name, a in models[s].params().items():
            assert np.array_equal(st.model(row).params()[name], a), (row, name)
    if clip is not None:  # both branches of the clip ran
        assert min(seen) < clip < max(seen)


def test_stacked_adam_divides_by_no_zero_norm():
    """A model whose gradient is exactly zero (dead ReLU units) takes no step and warns nothing."""
    st = stacked.stack(_models("relu", 2, 2, 3, 1))
    grads = {k: np.zeros_like(v) for k, v in st.params.items()}
    opt = stacked.Adam(0.1, clip=1.0)
    with np.errstate(all="raise"):
        new = opt.step(st, grads, opt.norms(grads))
    for k in st.params:
        assert np.array_equal(new.params[k], st.params[k])


# chapter 6's stacked runs against the per-seed reference --------------------------------------

# (model, T, seeds, lr, cap, n_h, batch, clip, check_every), each chosen for what it exercises
GROUPS = {
    # IRNN at T = 5: seeds solve at 50, 200, 200 and 50 steps, one runs to the cap (300)
    "irnn-early-stops": ("irnn", 5, (0, 1, 2, 3, 4), 0.01, 300, 8, 16, 1.0, 25),
    # IRNN at T = 100, lr 100: five seeds diverge at step 2, seed 3 runs to its cap (50)
    "irnn-diverges": ("irnn", 100, (0, 1, 2, 3, 4, 5), 100.0, 50, 8, 8, 1.0, 25),
    # the same, seeds that all diverge (the stack empties mid-chunk)
    "irnn-all-diverge": ("irnn", 100, (0, 1, 2), 100.0, 50, 8, 8, 1.0, 25),
    # the tanh RNN and the LSTM at T = 5: every seed solves, at different steps
    "rnn-early-stops": ("rnn", 5, (0, 1, 2, 3, 4), 0.02, 300, 8, 16, 1.0, 25),
    "lstm-early-stops": ("lstm", 5, (0, 1, 2), 0.02, 300, 8, 16, 1.0, 25),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(GROUPS))
def test_solve_group_equals_solve_one_seed_by_seed(name):
    group = GROUPS[name]
    model, T, seeds, *rest = group
    stacked_runs = ch06._solve_group(group)
    reference = [ch06._solve_one((model, T, s, *rest)) for s in seeds]
    assert stacked_runs == reference  # steps, solved, valid and test loss, diverged: exact
    cap = rest[1]
    steps = [r[0] for r in reference]
    solved = [r[1] for r in reference]
    diverged = [r[4] for r in reference]
    # the setting exercises what its name says
    if name.endswith("early-stops"):
        assert any(solved) and len(set(steps)) > 1 and not any(diverged)
        assert min(steps) < cap
    if name == "irnn-early-stops":
        assert not all(solved) and cap in steps
    if name == "irnn-diverges":
        assert any(diverged) and not all(diverged)
    if name == "irnn-all-diverge":
        assert all(diverged) and all(s < cap for s in steps)


def test_groups_and_run_keep_every_task():
    """`_run` (one process) returns each single-seed task's run in the order given, as
    `_solve_one` does it; `_groups` splits a setting's seeds to feed more processes."""
    a = ("irnn", 100, 100.0, 50, 8, 8, 1.0, 25)
    b = ("irnn", 5, 0.01, 50, 8, 16, 1.0, 25)
    tasks = [(a[0], a[1], s, *a[2:]) for s in (3, 0)] + [(b[0], b[1], s, *b[2:]) for s in (4, 1)]
    tasks = [tasks[k] for k in (2, 0, 3, 1)]
    assert ch06._run(tasks, 1) == [ch06._solve_one(t) for t in tasks]
    groups = ch06._groups(tasks, 4)
    assert len(groups) == 4 and all(len(g[2]) == 1 for g in groups)
    assert len(ch06._groups(tasks, 1)) == 2
    assert sorted((g[0], g[1], s) for g in groups for s in g[2]) == sorted(t[:3] for t in tasks)


def test_solve_adding_goes_through_the_stack():
    """The public one-run entry point gives the reference run."""
    run = ch06.solve_adding("irnn", 5, 0.01, 1, cap=300, n_h=8, batch=16)
    assert dataclass_tuple(run) == ch06._solve_one(("irnn", 5, 1, 0.01, 300, 8, 16, 1.0, 25))


def dataclass_tuple(run) -> tuple:
    return (run.steps, run.solved, run.valid_loss, run.test_loss, run.diverged)



def test_stacked_adam_refuses_a_stack_its_moments_do_not_match():
    """After a step, the moments belong to the stack's models: a stack of other models (a select
    of the stack without one of the optimiser, or another kind) is an error, not a broadcast."""
    st = stacked.stack(_models("tanh", 3, 2, 3, 1))
    x, y = _batch(3, 2, 4, 2, 1)
    opt = stacked.Adam(0.1)
    _, grads = stacked.loss_and_grads(st, x, y)
    st = opt.step(st, grads, opt.norms(grads))
    two = st.select([0, 2])
    _, grads2 = stacked.loss_and_grads(two, x[[0, 2]], y[[0, 2]])
    with pytest.raises(ValueError, match="optimiser state"):
        opt.step(two, grads2, opt.norms(grads2))
    with pytest.raises(ValueError, match="keep"):
        opt.select([3])
    opt.select([0, 2])
    assert opt.step(two, grads2, opt.norms(grads2)).S == 2 and opt.t == 2
