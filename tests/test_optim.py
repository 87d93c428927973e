"""Chapter 6 optimisers and training loop (vanishing.optim): updates checked by hand, on a
quadratic, with clipping, without mutation, and on the RNN for the adding problem."""

import math
import time
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

from vanishing import lstm, mlp, residual, rnn
from vanishing.optim import SGD, Adam, TrainHistory, parameter_gradients, train
from vanishing.params import Grads, Parametrised
from vanishing.tasks import ADDING_BASELINE_LOSS, adding_problem

# --------------------------------------------------------------------------- a tiny model


@dataclass
class Tiny(Parametrised):
    """A model with two parameter arrays and a non-array field (like RNN.activation)."""

    w: np.ndarray
    b: np.ndarray
    name: str = "tiny"


def TinyGrads(w, b, h0=None):  # noqa: N802  (reads like the class it makes)
    """Its gradient, with an initial-state entry (like an RNN's h0) that has no parameter."""
    return Grads(params={"w": w, "b": b}, inputs={} if h0 is None else {"h0": h0})


def _tiny():
    return Tiny(w=np.array([[0.5, -1.0], [2.0, 0.0]]), b=np.array([0.1, -0.3]))


_GRADS = [  # three steps of gradients, with a zero entry and sign changes
    TinyGrads(np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([3.0, -0.1]), np.ones((4, 2))),
    TinyGrads(np.array([[-0.5, -1.0], [0.25, 0.0]]), np.array([2.0, 0.2]), np.ones((4, 2))),
    TinyGrads(np.array([[2.0, 0.0], [-1.0, 1.0]]), np.array([-1.0, 0.4]), np.ones((4, 2))),
]


def _adam_by_hand(theta0, gs, lr, b1, b2, eps):
    """Kingma & Ba's Algorithm 1 on one scalar, in plain Python floats."""
    theta, m, v = theta0, 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
    return theta


# --------------------------------------------------------------------------- Adam


def test_adam_matches_a_hand_computed_update_over_three_steps():
    lr, b1, b2, eps = 0.1, 0.8, 0.99, 1e-3  # eps large enough to matter
    opt = Adam(lr, b1, b2, eps)
    model = _tiny()
    for g in _GRADS:
        model = opt.step(model, g)
    start = _tiny()
    for name in ("w", "b"):
        expected = np.array(
            [
                _adam_by_hand(start_value, [getattr(g, name)[idx] for g in _GRADS], lr, b1, b2, eps)
                for idx, start_value in np.ndenumerate(getattr(start, name))
            ]
        ).reshape(getattr(start, name).shape)
        np.testing.assert_allclose(getattr(model, name), expected, rtol=1e-14, atol=1e-15)
    assert opt.t == 3
    assert model.name == "tiny"
    assert set(opt.m) == set(opt.v) == {"w", "b"}  # h0 has no parameter: skipped


def test_adam_first_step_is_lr_times_sign():
    """With bias correction the first update is lr * g / (|g| + eps) ~ lr * sign(g)."""
    opt = Adam(lr=0.01)
    model = opt.step(_tiny(), _GRADS[0])
    delta = model.w - _tiny().w
    g = _GRADS[0].w
    np.testing.assert_allclose(delta, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)
    assert delta[1, 1] == 0.0  # a zero gradient entry does not move


def test_adam_minimises_a_quadratic():
    """f(w) = 1/2 (w - c)^T A (w - c), condition number 100: Adam reaches c."""

    @dataclass
    class Point(Parametrised):
        w: np.ndarray

    A = np.diag([1.0, 10.0, 100.0])
    c = np.array([1.0, -2.0, 0.5])
    point, opt = Point(np.zeros(3)), Adam(lr=0.05)
    for _ in range(2000):
        point = opt.step(point, Grads(params={"w": A @ (point.w - c)}))
    np.testing.assert_allclose(point.w, c, atol=1e-6)


def test_adam_with_clip_keeps_the_first_step_but_stores_the_clipped_moments():
    """Adam's first step is scale-invariant, so clipping leaves it (up to eps) unchanged; what
    clipping changes is the state: the moments hold the clipped gradient."""
    g = _GRADS[0]
    norm = math.sqrt(np.sum(g.w**2) + np.sum(g.b**2))
    plain, clipped = Adam(lr=0.01), Adam(lr=0.01, clip=1.0)
    a, b = plain.step(_tiny(), g), clipped.step(_tiny(), g)
    for name in ("w", "b"):
        gs = getattr(g, name) / norm  # the clipped gradient
        expected = getattr(_tiny(), name) - 0.01 * gs / (np.abs(gs) + 1e-8)
        np.testing.assert_allclose(getattr(b, name), expected, rtol=1e-14, atol=1e-16)
        # the same as without clipping, up to eps's share: 0.01 * 1e-8 / |g_i / norm| < 2e-8
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=2e-8)
    np.testing.assert_allclose(clipped.m["w"], 0.1 * g.w / norm, rtol=1e-14)
    np.testing.assert_allclose(clipped.v["b"], 0.001 * (g.b / norm) ** 2, rtol=1e-14)
    np.testing.assert_allclose(plain.m["w"], 0.1 * g.w, rtol=1e-14)


def test_adam_clip_protects_the_second_moment_from_a_spike():
    """A 10^4 gradient spike inflates v; 50 steps later the plain Adam update is still ~200
    times smaller than lr, while with the spike clipped to ||g|| the update is lr per entry."""

    @dataclass
    class Point(Parametrised):
        w: np.ndarray

    g = np.array([1.0, -0.5, 2.0])
    sizes = {}
    for clip in (None, float(np.linalg.norm(g))):
        point, opt = Point(np.zeros(3)), Adam(lr=1e-2, clip=clip)
        for scale in [1.0] * 5 + [1e4] + [1.0] * 50:
            point = opt.step(point, Grads(params={"w": scale * g}))
        before = point.w.copy()
        point = opt.step(point, Grads(params={"w": g}))
        sizes[clip is None] = np.abs(point.w - before)
    assert np.all(sizes[True] < 1e-4)  # plain: ~4e-5, the step is stalled by the spike
    np.testing.assert_allclose(sizes[False], 1e-2, rtol=1e-6)  # clipped: back to lr


def test_adam_rejects_a_model_that_does_not_match_its_state():
    opt = Adam()
    opt.step(_tiny(), _GRADS[0])
    other = Tiny(w=np.zeros((3, 2)), b=np.zeros(2))
    with pytest.raises(ValueError, match="^model does not match"):
        opt.step(other, TinyGrads(np.zeros((3, 2)), np.zeros(2)))
    assert opt.t == 1
    opt.reset()
    assert opt.t == 0
    opt.step(other, TinyGrads(np.zeros((3, 2)), np.zeros(2)))  # fine after reset


# --------------------------------------------------------------------------- SGD


def test_sgd_step_is_exact():
    model = SGD(lr=0.5).step(_tiny(), _GRADS[0])
    np.testing.assert_array_equal(model.w, _tiny().w - 0.5 * _GRADS[0].w)
    np.testing.assert_array_equal(model.b, _tiny().b - 0.5 * _GRADS[0].b)
    assert model.name == "tiny"


def test_sgd_clip_caps_the_update_norm_and_keeps_its_direction():
    g = _GRADS[0]
    norm = math.sqrt(np.sum(g.w**2) + np.sum(g.b**2))  # ~4.0
    model = SGD(lr=0.5, clip=1.0).step(_tiny(), g)
    delta = np.concatenate([(model.w - _tiny().w).ravel(), (model.b - _tiny().b).ravel()])
    assert np.linalg.norm(delta) == pytest.approx(0.5 * 1.0, rel=1e-12)
    np.testing.assert_allclose(delta, -0.5 * np.concatenate([g.w.ravel(), g.b.ravel()]) / norm)
    # below the threshold nothing changes
    small = SGD(lr=0.5, clip=10.0).step(_tiny(), g)
    np.testing.assert_array_equal(small.w, _tiny().w - 0.5 * g.w)


# --------------------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Adam(0.1), lambda: Adam(clip=0.5)])
def test_optimisers_do_not_mutate_their_inputs(make):
    model, g = _tiny(), _GRADS[0]
    w, b, gw, gb = model.w.copy(), model.b.copy(), g.w.copy(), g.b.copy()
    opt = make()
    new = opt.step(model, g)
    np.testing.assert_array_equal(model.w, w)
    np.testing.assert_array_equal(model.b, b)
    np.testing.assert_array_equal(g.w, gw)
    np.testing.assert_array_equal(g.b, gb)
    assert new is not model and new.w is not model.w and new.b is not model.b
    if isinstance(opt, Adam):  # the state does not alias the gradient either
        opt.step(new, g)
        np.testing.assert_array_equal(g.w, gw)


def test_optimisers_work_on_the_rnn_and_keep_its_class_and_activation():
    model = rnn.init_rnn(2, 3, 1, activation="relu", rng=0)
    x, y = adding_problem(4, 5, rng=0)
    _, grads = rnn.loss_and_grads(model, x, y, loss_at="last")
    for opt in (SGD(0.1), Adam(0.1, clip=1.0)):
        new = opt.step(model, grads)
        assert isinstance(new, rnn.RNN) and new.activation == "relu"
        assert not np.array_equal(new.W_hh, model.W_hh)


def test_parameter_gradients_skips_state_fields_and_keeps_field_order():
    g = parameter_gradients(_tiny(), _GRADS[0])
    assert list(g) == ["w", "b"]


@pytest.mark.parametrize(
    ("model", "grads", "error", "match"),
    [
        (np.zeros(2), _GRADS[0], TypeError, "^model"),
        (_tiny(), {"w": 1}, TypeError, "^grads"),
        (_tiny(), TinyGrads(np.zeros((2, 2)), np.zeros(3)), ValueError, "^grads.b"),
        (_tiny(), TinyGrads(np.zeros((2, 2)), np.array(["a", "b"])), TypeError, "^grads.b"),
    ],
)
def test_parameter_gradients_rejects_bad_input(model, grads, error, match):
    with pytest.raises(error, match=match):
        parameter_gradients(model, grads)


def test_a_missing_or_extra_gradient_is_an_error():
    with pytest.raises(ValueError, match=r"^grads has no gradient for the parameter\(s\) \['b'\]"):
        parameter_gradients(_tiny(), Grads(params={"w": np.zeros((2, 2))}))
    extra = Grads(params={"w": np.zeros((2, 2)), "b": np.zeros(2), "v": np.zeros(1)})
    with pytest.raises(ValueError, match=r"^grads has gradients \['v'\] for which"):
        parameter_gradients(_tiny(), extra)


@pytest.mark.parametrize("opt", [SGD(0.1), Adam()])
def test_a_gradient_from_bptt_alone_is_refused_not_half_applied(opt):
    """bptt has no read-out part; the optimiser must not freeze W_hy, b_y silently."""
    model = rnn.init_rnn(2, 3, 1, rng=0)
    x, y = adding_problem(4, 5, rng=0)
    cache = rnn.forward(model, x)
    grads = rnn.bptt(model, cache, np.ones((4, 5, 3)))
    with pytest.raises(
        ValueError, match=r"^grads has no gradient for the parameter\(s\) \['W_hy', 'b_y'\]"
    ):
        opt.step(model, grads)


def _mlp_problem(model_kind: str):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    if model_kind == "mlp":
        return mlp, mlp.init_mlp([3, 8, 1], activation="tanh", rng=0), x, y
    return residual, residual.init_residual(3, 2, 1, rng=0), x, y


@pytest.mark.parametrize("kind", ["mlp", "residual"])
@pytest.mark.parametrize("make", [lambda: SGD(0.05), lambda: Adam(0.01)])
def test_one_optimiser_trains_every_parameter_of_the_feed_forward_models(kind, make):
    """Every parameter moves: the weight and bias lists as well as a read-out (no silent skip)."""
    module, model, x, y = _mlp_problem(kind)
    _, grads = module.loss_and_grads(model, x, y)
    assert list(grads.params) == list(model.params())
    new = make().step(model, grads)
    assert type(new) is type(model)
    for name, value in model.params().items():
        assert not np.array_equal(new.params()[name], value), name


@pytest.mark.parametrize("kind", ["mlp", "residual"])
def test_train_trains_a_feed_forward_model_and_records_every_step(kind):
    module, model, x, y = _mlp_problem(kind)
    rng = np.random.default_rng(1)

    def batches(step):
        idx = rng.choice(64, size=16, replace=False)
        return x[idx], y[idx]

    def record(grads):
        return {"grad_W": module.layer_grad_norms(grads)}

    _, history = train(model, module.loss_and_grads, batches, SGD(0.05), steps=200, record=record)
    assert history.loss.shape == (200,) and history.grad_W.shape == (200, 2)
    assert history.records["grad_W"] is history.grad_W
    assert history.loss[-20:].mean() < 0.2 * history.loss[:20].mean()


def test_with_params_replaces_by_name_and_checks_names_and_shapes():
    model = lstm.init_lstm(2, 3, 1, rng=0)
    new = model.with_params({"U_f": np.eye(3)})
    np.testing.assert_array_equal(new.U_f, np.eye(3))
    assert new.W_f is model.W_f and model.U_f is not new.U_f
    with pytest.raises(ValueError, match=r"^new: LSTM has no parameter 'U_z'"):
        model.with_params({"U_z": np.eye(3)})
    with pytest.raises(ValueError, match=r"^new\['U_f'\] must have the parameter's shape"):
        model.with_params({"U_f": np.eye(2)})
    net = mlp.init_mlp([2, 3, 1], activation="tanh", rng=0)
    assert list(net.params()) == ["W1", "b1", "W2", "b2"]
    np.testing.assert_array_equal(net.with_params({"b2": np.ones(1)}).biases[1], np.ones(1))


@pytest.mark.parametrize("opt", [SGD(0.1), Adam(), Adam(clip=1.0)])
def test_a_non_finite_gradient_is_an_error(opt):
    bad = TinyGrads(np.array([[np.inf, 0.0], [0.0, 0.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="^grads has a non-finite norm"):
        opt.step(_tiny(), bad)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Adam(lr=0), ValueError, "^lr"),
        (lambda: Adam(lr="1"), TypeError, "^lr"),
        (lambda: Adam(beta1=1.0), ValueError, "^beta1"),
        (lambda: Adam(beta2=-0.1), ValueError, "^beta2"),
        (lambda: Adam(eps=0.0), ValueError, "^eps"),
        (lambda: Adam(clip=-1.0), ValueError, "^clip"),
        (lambda: Adam(clip=True), TypeError, "^clip"),
        (lambda: SGD(lr=math.inf), ValueError, "^lr"),
        (lambda: SGD(lr=0.1, clip=0), ValueError, "^clip"),
    ],
)
def test_optimisers_reject_bad_hyperparameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_beta_zero_is_allowed():
    Adam(beta1=0.0, beta2=0.0)


# --------------------------------------------------------------------------- train


def _quadratic_loss_and_grads(model, x, y):
    """1/2 ||w - x||^2 + 1/2 ||b - y||^2 for the tiny model."""
    return 0.5 * (np.sum((model.w - x) ** 2) + np.sum((model.b - y) ** 2)), TinyGrads(
        model.w - x, model.b - y, None
    )


def test_train_records_loss_ema_and_grad_norm():
    target = (np.ones((2, 2)), np.zeros(2))
    model, history = train(
        _tiny(), _quadratic_loss_and_grads, lambda s: target, SGD(0.1), steps=30, ema=0.9
    )
    assert isinstance(history, TrainHistory) and not history.diverged
    assert history.steps == 30
    assert history.loss.shape == history.ema.shape == history.grad_norm.shape == (30,)
    # SGD on 1/2||theta - target||^2 shrinks the error by 0.9 each step
    np.testing.assert_allclose(history.loss, history.loss[0] * 0.81 ** np.arange(30), rtol=1e-12)
    np.testing.assert_allclose(history.grad_norm, np.sqrt(2 * history.loss), rtol=1e-12)
    # bias-corrected EMA: weights (1 - a) a^(s - r), normalised
    a, s = 0.9, 12
    weights = (1 - a) * a ** np.arange(s, -1, -1)
    expected = np.sum(weights * history.loss[: s + 1]) / np.sum(weights)
    assert history.ema[s] == pytest.approx(expected, rel=1e-12)
    assert history.ema[0] == history.loss[0]
    np.testing.assert_allclose(model.w, 1 + (_tiny().w - 1) * 0.9**30, rtol=1e-12)


def test_train_ema_of_a_constant_loss_is_that_constant_and_zero_means_no_smoothing():
    def constant(model, x, y):
        return 2.5, TinyGrads(np.zeros((2, 2)), np.zeros(2))

    _, history = train(_tiny(), constant, lambda s: (None, None), SGD(0.1), steps=5)
    np.testing.assert_allclose(history.ema, 2.5, rtol=1e-15)

    _, history = train(
        _tiny(), _quadratic_loss_and_grads, lambda s: (0.0, 0.0), SGD(0.1), steps=5, ema=0
    )
    np.testing.assert_array_equal(history.ema, history.loss)


def test_train_passes_the_step_to_batches():
    seen = []

    def batches(step):
        seen.append(step)
        return np.zeros((2, 2)), np.zeros(2)

    train(_tiny(), _quadratic_loss_and_grads, batches, SGD(0.1), steps=4)
    assert seen == [0, 1, 2, 3]


def test_train_stops_at_a_non_finite_loss():
    updates = []

    def exploding(model, x, y):
        updates.append(model.b[0])
        loss = math.nan if len(updates) == 4 else 1.0
        return loss, TinyGrads(np.zeros((2, 2)), np.array([-1.0, 0.0]))

    model, history = train(_tiny(), exploding, lambda s: (0, 0), SGD(1.0), steps=10)
    assert history.diverged and history.steps == 4
    assert math.isnan(history.loss[-1]) and np.all(history.loss[:3] == 1.0)
    assert model.b[0] == pytest.approx(0.1 + 3.0)  # three updates, not the fourth


def test_train_stops_at_a_non_finite_gradient():
    def overflowing(model, x, y):
        return 1.0, TinyGrads(np.full((2, 2), np.inf), np.zeros(2))

    model, history = train(_tiny(), overflowing, lambda s: (0, 0), Adam(), steps=3)
    assert history.diverged and history.steps == 1 and history.grad_norm[0] == math.inf
    np.testing.assert_array_equal(model.w, _tiny().w)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": np.zeros(2)}, TypeError, "^model"),
        ({"loss_and_grads": 3}, TypeError, "^loss_and_grads"),
        ({"batches": [(0, 0)]}, TypeError, "^batches"),
        ({"optimizer": "adam"}, TypeError, "^optimizer"),
        ({"steps": 0}, ValueError, "^steps"),
        ({"steps": 2.0}, TypeError, "^steps"),
        ({"ema": 1.0}, ValueError, "^ema"),
    ],
)
def test_train_rejects_bad_input(kwargs, error, match):
    args = {
        "model": _tiny(),
        "loss_and_grads": _quadratic_loss_and_grads,
        "batches": lambda s: (0.0, 0.0),
        "optimizer": SGD(0.1),
        "steps": 3,
    } | kwargs
    with pytest.raises(error, match=match):
        train(**args)


# --------------------------------------------------------------------------- the adding problem

ADDING_SETTINGS = {"T": 10, "n_h": 16, "steps": 300, "batch": 64, "lr": 1e-2, "clip": 1.0}


def test_adam_trains_the_rnn_below_the_adding_baseline():
    """tanh RNN (orthogonal W_hh), Adam lr 1e-2 with clip 1, batches of 64, T = 10, 300 steps.

    Over model seeds 0..39 with these settings the final EMA loss was below half the baseline
    (1/24) for 37 of 40 seeds (median ~0.017); seed 1 is fixed here, and a held-out batch is
    checked too, so the EMA is not fooled by the last few batches.
    """
    s = ADDING_SETTINGS
    model = rnn.init_rnn(2, s["n_h"], 1, activation="tanh", rng=1)
    data = np.random.default_rng(1001)
    start = time.perf_counter()
    model, history = train(
        model,
        partial(rnn.loss_and_grads, loss_at="last"),
        lambda step: adding_problem(s["batch"], s["T"], rng=data),
        Adam(s["lr"], clip=s["clip"]),
        steps=s["steps"],
    )
    elapsed = time.perf_counter() - start
    assert not history.diverged and history.steps == s["steps"]
    assert history.ema[:20].mean() > 0.8 * ADDING_BASELINE_LOSS  # it starts near the baseline
    assert history.ema[-1] < 0.5 * ADDING_BASELINE_LOSS
    x, y = adding_problem(2000, s["T"], rng=12345)
    test_loss, _ = rnn.loss_and_grads(model, x, y, loss_at="last")
    assert test_loss < 0.5 * ADDING_BASELINE_LOSS
    assert elapsed < 5.0
