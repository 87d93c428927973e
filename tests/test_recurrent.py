"""One shape for every recurrent model: the same verbs, signatures and errors in rnn, lstm, gru."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from vanishing import recurrent
from vanishing.params import Grads

MODULES = ("rnn", "lstm", "gru")
VERBS = (
    "forward",
    "bptt",
    "loss_and_grads",
    "state_jacobians",
    "jacobian_products",
    "state_gradients",
    "state_gradient_norms",
)


def _setup(name: str, B: int = 2, T: int = 5):
    module = importlib.import_module(f"vanishing.{name}")
    model = getattr(module, f"init_{name}")(2, 3, 1, rng=0)
    x = np.random.default_rng(1).standard_normal((B, T, 2))
    return module, model, x


@pytest.mark.parametrize("name", MODULES)
def test_every_model_module_offers_the_shared_verbs(name):
    module = importlib.import_module(f"vanishing.{name}")
    for verb in VERBS:
        assert getattr(module, verb) is getattr(recurrent, verb)
    init = inspect.signature(getattr(module, f"init_{name}"))
    positional = [p.name for p in init.parameters.values() if p.kind != p.KEYWORD_ONLY]
    assert positional == ["n_x", "n_h", "n_y"]  # every option keyword-only


def test_options_are_keyword_only():
    for verb in ("forward", "loss_and_grads"):
        params = inspect.signature(getattr(recurrent, verb)).parameters.values()
        options = [p.name for p in params if p.default is not inspect.Parameter.empty]
        assert all(p.kind == p.KEYWORD_ONLY for p in params if p.name in options)
    _, model, x = _setup("lstm")
    with pytest.raises(TypeError, match="positional"):
        recurrent.loss_and_grads(model, x, np.zeros((2, 1)), None, "last")


@pytest.mark.parametrize("name", ["rnn", "gru"])
def test_c0_is_refused_by_models_without_a_cell_state(name):
    module, model, x = _setup(name)
    with pytest.raises(TypeError, match=r"^c0: an (RNN|GRU) has no state c"):
        module.forward(model, x, c0=np.zeros((2, 3)))


@pytest.mark.parametrize("name", MODULES)
def test_loss_and_grads_names_every_parameter_and_the_initial_states(name):
    module, model, x = _setup(name)
    loss, grads = module.loss_and_grads(model, x, np.zeros((2, 1)), loss_at="last")
    assert isinstance(grads, Grads) and np.isfinite(loss)
    assert list(grads.params) == list(model.params())
    assert set(grads.inputs) == {f"{s}0" for s in type(model).STATES}
    for key, value in model.params().items():
        assert grads.params[key].shape == value.shape


@pytest.mark.parametrize("name", MODULES)
def test_state_gradients_agree_with_jacobian_products(name):
    """dL/ds_k = (ds_T/ds_k)^T [0; g_T] from the steps back equals the explicit product."""
    module, model, x = _setup(name, B=3, T=7)
    cache = module.forward(model, x)
    n, d = model.n_h, cache.s.shape[2]
    g_T = np.random.default_rng(2).standard_normal((3, n))
    g_s = np.concatenate([np.zeros((3, d - n)), g_T], axis=1)
    expected = np.einsum("bkij,bi->bkj", module.jacobian_products(model, cache), g_s)
    np.testing.assert_allclose(module.state_gradients(model, cache, g_T), expected, rtol=1e-10)
    np.testing.assert_allclose(
        module.state_gradient_norms(model, cache, g_T),
        np.linalg.norm(expected, axis=2).mean(axis=0),
        rtol=1e-10,
    )


def test_a_cache_of_another_model_is_refused():
    rnn, model, x = _setup("rnn")
    lstm, other, _ = _setup("lstm")
    with pytest.raises(TypeError, match=r"^cache must be the Cache of forward\(\) for an RNN"):
        rnn.state_jacobians(model, lstm.forward(other, x))
    with pytest.raises(TypeError, match=r"^model must be a recurrent model"):
        recurrent.forward(object(), x)


@pytest.mark.parametrize(
    ("name", "sizes"),
    [("mlp", ["sizes"]), ("residual", ["n", "L", "n_out"])]
    + [(name, ["n_x", "n_h", "n_y"]) for name in MODULES],
)
def test_every_init_takes_sizes_by_position_and_options_by_keyword(name, sizes):
    module = importlib.import_module(f"vanishing.{name}")
    params = inspect.signature(getattr(module, f"init_{name}")).parameters.values()
    assert [p.name for p in params if p.kind != p.KEYWORD_ONLY] == sizes
    assert "rng" in [p.name for p in params if p.kind == p.KEYWORD_ONLY]


def test_loss_and_grads_of_an_overflowing_run_is_non_finite_not_an_error():
    # a diverging run must reach optim.train as a non-finite loss (recorded as diverged), not as
    # an exception from the backward pass; and without a RuntimeWarning
    import warnings

    from vanishing import rnn

    model = rnn.init_rnn(1, 4, 1, activation="relu", rng=0)
    model = model.with_params({k: v * 1e3 for k, v in model.params().items()})
    x = np.abs(np.random.default_rng(0).normal(size=(3, 300, 1))) * 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = recurrent.loss_and_grads(model, x, np.zeros((3, 300, 1)))
    assert not np.isfinite(loss)
    assert not all(np.all(np.isfinite(g)) for g in grads.params.values())
