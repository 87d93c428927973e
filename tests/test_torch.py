"""The LSTM and GRU against torch.nn.LSTM / torch.nn.GRU through the state-dict converters.
Skipped where torch is not installed (it is not a dependency of the package)."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing import gru, lstm

torch = pytest.importorskip("torch")


def _torch_model(kind: str, state: dict, n_x: int, n_h: int, n_y: int):
    cell = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](n_x, n_h, batch_first=True)
    module = torch.nn.ModuleDict({"rnn": cell, "readout": torch.nn.Linear(n_h, n_y)}).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return module


def _torch_forward(module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        h, _ = module["rnn"](torch.from_numpy(x))
        return h.numpy(), module["readout"](h).numpy()


def _with_biases(model, seed: int):
    rng = np.random.default_rng(seed)
    return model.with_params(
        {
            k: 0.5 * rng.standard_normal(v.shape)
            for k, v in model.params().items()
            if k.startswith("b_")
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_the_lstm_computes_what_torch_nn_lstm_computes(seed):
    model = _with_biases(lstm.init_lstm(3, 5, 2, forget_bias=1.0, rng=seed), seed)
    x = np.random.default_rng(seed + 10).standard_normal((4, 12, 3))
    h, y_hat = _torch_forward(_torch_model("lstm", lstm.to_torch_state_dict(model), 3, 5, 2), x)
    cache = lstm.forward(model, x)
    np.testing.assert_allclose(cache.h[:, 1:], h, rtol=0, atol=1e-13)
    np.testing.assert_allclose(cache.y_hat, y_hat, rtol=0, atol=1e-13)


def test_an_lstm_from_torch_keeps_its_function_and_round_trips():
    module = torch.nn.ModuleDict(
        {"rnn": torch.nn.LSTM(3, 4, batch_first=True), "readout": torch.nn.Linear(4, 1)}
    ).double()  # PyTorch's own draws, bias_hh nonzero
    model = lstm.from_torch_state_dict(module.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 9, 3))
    h, _ = _torch_forward(module, x)
    np.testing.assert_allclose(lstm.forward(model, x).h[:, 1:], h, rtol=0, atol=1e-13)
    again = lstm.from_torch_state_dict(lstm.to_torch_state_dict(model))
    for name, value in model.params().items():
        np.testing.assert_array_equal(getattr(again, name), value)


@pytest.mark.parametrize("seed", range(5))
def test_the_gru_matches_torch_where_the_reset_gate_cannot_matter(seed):
    """With r_t = 1 (b_r = +40) the reset gate's place is moot: the two GRUs agree exactly."""
    model = _with_biases(gru.init_gru(3, 5, 2, rng=seed), seed).with_params(
        {"b_r": np.full(5, 40.0)}
    )
    x = np.random.default_rng(seed + 10).standard_normal((4, 12, 3))
    h, y_hat = _torch_forward(_torch_model("gru", gru.to_torch_state_dict(model), 3, 5, 2), x)
    cache = gru.forward(model, x)
    np.testing.assert_allclose(cache.h[:, 1:], h, rtol=0, atol=1e-13)
    np.testing.assert_allclose(cache.y_hat, y_hat, rtol=0, atol=1e-13)


@pytest.mark.parametrize("seed", range(5))
def test_the_gru_differs_from_torch_where_the_reset_gate_acts(seed):
    """Same parameters, generic reset gate: step 1 from h_0 = 0 agrees (r_t * 0 = 0 either way),
    later steps differ, because nn.GRU resets after U_h and ours before it."""
    model = _with_biases(gru.init_gru(3, 5, 2, scheme="orthogonal", rng=seed), seed)
    x = np.random.default_rng(seed + 10).standard_normal((4, 12, 3))
    h, _ = _torch_forward(_torch_model("gru", gru.to_torch_state_dict(model), 3, 5, 2), x)
    ours = gru.forward(model, x).h[:, 1:]
    np.testing.assert_allclose(ours[:, 0], h[:, 0], rtol=0, atol=1e-13)
    assert np.max(np.abs(ours[:, 1:] - h[:, 1:])) > 1e-3


def test_a_gru_from_torch_refuses_a_bias_inside_the_reset_product():
    module = torch.nn.ModuleDict(
        {"rnn": torch.nn.GRU(3, 4, batch_first=True), "readout": torch.nn.Linear(4, 1)}
    ).double()
    with pytest.raises(ValueError, match=r"^state: bias_hh's block for 'htilde' is not zero"):
        gru.from_torch_state_dict(module.state_dict())
    state = {k: v.clone() for k, v in module.state_dict().items()}
    state["rnn.bias_hh_l0"][8:] = 0.0  # the n block
    model = gru.from_torch_state_dict(state)
    again = gru.to_torch_state_dict(model)
    np.testing.assert_allclose(again["rnn.weight_hh_l0"], state["rnn.weight_hh_l0"].numpy())
    bias = state["rnn.bias_ih_l0"] + state["rnn.bias_hh_l0"]
    np.testing.assert_allclose(again["rnn.bias_ih_l0"], bias.numpy(), rtol=1e-15)


def test_converters_check_their_input():
    with pytest.raises(TypeError, match="^model must be an LSTM"):
        lstm.to_torch_state_dict(gru.init_gru(2, 3, 1))
    with pytest.raises(TypeError, match="^state must be a mapping"):
        gru.from_torch_state_dict([1, 2])
    with pytest.raises(ValueError, match="^state lacks the keys"):
        lstm.from_torch_state_dict({"rnn.weight_ih_l0": np.zeros((8, 2))})
