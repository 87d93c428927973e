"""The shared argument checks: the cleaned value, or an error that names the argument."""

from __future__ import annotations

import importlib
import math
from types import SimpleNamespace

import numpy as np
import pytest

from vanishing import validate as v
from vanishing.validate import check_cache_shapes, check_real


@pytest.mark.parametrize("value", [0, 2, -1.5, np.float64(0.25), np.int32(3)])
def test_check_real_returns_a_float(value):
    result = check_real(value, "x")
    assert type(result) is float and result == float(value)


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, TypeError), ("1", TypeError), (None, TypeError), (1j, TypeError)]
    + [(math.inf, ValueError), (-math.inf, ValueError), (math.nan, ValueError)],
)
def test_check_real_rejects_non_reals_and_non_finite_values(value, error):
    with pytest.raises(error, match="^lr "):
        check_real(value, "lr")


@pytest.mark.parametrize("value", [0, -0.0, -1e-300])
def test_check_real_positive_rejects_zero_and_negatives(value):
    with pytest.raises(ValueError, match=r"^tol must be finite and > 0"):
        check_real(value, "tol", positive=True)
    assert check_real(1e-300, "tol", positive=True) == 1e-300


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm"])
def test_bptt_rejects_the_cache_of_another_model(name):
    module = importlib.import_module(f"vanishing.{name}")
    init = getattr(module, f"init_{name}")
    small = init(2, 3, 1)
    wide = init(2, 4, 1)
    x = np.random.default_rng(0).standard_normal((2, 5, 2))  # (B, T, n_x)
    cache = module.forward(wide, x)
    mismatch = r"^cache does not match model: cache\.[ch] has shape \(2, 6, 4\), expected \(2, 6, 3"
    with pytest.raises(ValueError, match=mismatch):
        module.bptt(small, cache, np.zeros((2, 5, 3)))


def test_check_cache_shapes_returns_a_matching_cache_and_names_the_first_mismatch():
    cache = SimpleNamespace(x=np.zeros((2, 5, 3)), h=np.zeros((2, 6, 4)))
    assert check_cache_shapes(cache, {"x": (2, 5, 3), "h": (2, 6, 4)}) is cache
    with pytest.raises(ValueError, match=r"cache\.h has shape \(2, 6, 4\), expected \(2, 6, 5\)"):
        check_cache_shapes(cache, {"x": (2, 5, 3), "h": (2, 6, 5)})


# Every class of bad value each helper is meant to reject; the error names the argument.

NON_INTS = [True, np.bool_(False), 2.0, np.float64(3.0), "3", None, 1j, [1]]


@pytest.mark.parametrize("value", NON_INTS)
@pytest.mark.parametrize("check", [v.check_int, v.check_size])
def test_int_checks_reject_every_non_integer(check, value):
    with pytest.raises(TypeError, match="^n "):
        check(value, "n")


@pytest.mark.parametrize("value", [0, 7, np.int64(7), np.uint8(7), np.int32(0)])
def test_check_int_returns_a_python_int(value):
    result = v.check_int(value, "n")
    assert type(result) is int and result == value


def test_check_int_minimum_is_inclusive():
    assert v.check_int(3, "n", minimum=3) == 3  # the boundary is allowed
    with pytest.raises(ValueError, match=r"^n must be an int >= 3, got 2"):
        v.check_int(2, "n", minimum=3)
    with pytest.raises(ValueError, match=r"^n must be an int >= 0, got -1"):
        v.check_int(-1, "n")


@pytest.mark.parametrize("value", [0, -1, np.int64(-5)])
def test_check_size_rejects_zero_and_negatives(value):
    with pytest.raises(ValueError, match="^width must be a positive int"):
        v.check_size(value, "width")
    assert v.check_size(1, "width") == 1


@pytest.mark.parametrize("value", [1, None, b"tanh", ("tanh",)])
def test_check_choice_rejects_non_strings(value):
    with pytest.raises(TypeError, match="^kind must be a str"):
        v.check_choice(value, "kind", ("tanh", "relu"), kind="thing")


@pytest.mark.parametrize("value", ["Tanh", "tanh ", "", "sigmoid"])
def test_check_choice_rejects_unknown_strings_and_lists_the_valid_ones(value):
    with pytest.raises(ValueError, match=r"^kind: unknown thing .*valid things are \('tanh'"):
        v.check_choice(value, "kind", ("tanh", "relu"), kind="thing")
    assert v.check_choice("relu", "kind", ("tanh", "relu"), kind="thing") == "relu"


def test_check_activation():
    assert v.check_activation("linear", "act").name == "identity"
    with pytest.raises(TypeError, match="^act must be an activation name"):
        v.check_activation(None, "act")
    with pytest.raises(ValueError, match="^act: unknown activation 'swish'"):
        v.check_activation("swish", "act")


@pytest.mark.parametrize("value", [True, np.bool_(True), 1.0, "0", None, np.random.RandomState(0)])
def test_as_generator_rejects_everything_but_an_int_seed_or_a_generator(value):
    with pytest.raises(TypeError, match="^rng must be an int seed"):
        v.as_generator(value, name="rng")


def test_as_generator_rejects_negative_seeds_and_accepts_numpy_ints():
    with pytest.raises(ValueError, match="^rng must be a non-negative"):
        v.as_generator(np.int64(-1), name="rng")
    assert v.as_generator(np.uint32(3)).random() == np.random.default_rng(3).random()


@pytest.mark.parametrize(
    "value",
    [np.array([1j]), np.array(["a"]), np.array([None, 1.0], dtype=object), ["x", 1]]
    + [np.array(["2020-01-01"], dtype="datetime64[D]")],
)
def test_as_real_array_rejects_non_real_dtypes(value):
    with pytest.raises(TypeError, match="^x must be a real numeric array"):
        v.as_real_array(value, "x")


def test_as_real_array_converts_without_copying_float64():
    a = np.zeros(3)
    assert v.as_real_array(a, "x") is a
    b = v.as_real_array([1, 2], "x")
    assert b.dtype == np.float64 and b.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 4, (1, 2)])
def test_check_finite_finds_a_non_finite_value_anywhere(bad, where):
    arr = np.zeros((2, 5)) if isinstance(where, tuple) else np.zeros(5)
    arr[where] = bad
    with pytest.raises(ValueError, match=r"^W contains non-finite values \(NaN or inf\)"):
        v.check_finite(arr, "W")
    assert v.check_finite(np.zeros(0), "W").size == 0


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (np.zeros((2, 3)), ValueError, r"^x must be 1-D, got shape \(2, 3\)"),
        (0.5, ValueError, r"^x must be 1-D, got shape \(\)"),
        (np.array([1.0, np.nan]), ValueError, "^x contains non-finite"),
        (np.array([1j]), TypeError, "^x must be a real"),
    ],
)
def test_check_array_rejects_wrong_ndim_non_finite_and_non_real(value, error, message):
    with pytest.raises(error, match=message):
        v.check_array(value, "x", 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros((3, 2)), r"^b must have shape \(2, 3\), got \(3, 2\)"),  # transposed
        (np.zeros((2, 4)), r"^b must have shape \(2, 3\), got \(2, 4\)"),
        (np.zeros(6), r"^b must be 2-D"),
        (np.full((2, 3), np.inf), "^b contains non-finite"),
    ],
)
def test_check_shape_rejects_every_other_shape(value, message):
    with pytest.raises(ValueError, match=message):
        v.check_shape(value, "b", (2, 3))
    assert v.check_shape([[1, 2, 3], [4, 5, 6]], "b", (2, 3)).dtype == np.float64


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros((2, 3)), r"^W_hh must be a non-empty square matrix, got shape \(2, 3\)"),
        (np.zeros((0, 0)), r"^W_hh must be a non-empty square matrix, got shape \(0, 0\)"),
        (np.zeros(3), r"^W_hh must be 2-D"),
        (np.zeros((2, 2, 2)), r"^W_hh must be 2-D"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "^W_hh contains non-finite"),
    ],
)
def test_check_recurrent_rejects_non_square_empty_wrong_ndim_and_non_finite(value, message):
    with pytest.raises(ValueError, match=message):
        v.check_recurrent(value, "W_hh")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros((4, 2)), r"^W_xh must have shape \(3, n_x\) with n_x >= 1, got \(4, 2\)"),
        (np.zeros((2, 3)), r"^W_xh must have shape \(3, n_x\)"),  # transposed
        (np.zeros((3, 0)), r"^W_xh must have shape \(3, n_x\) with n_x >= 1, got \(3, 0\)"),
        (np.zeros(3), r"^W_xh must be 2-D"),
    ],
)
def test_check_input_weights_rejects_wrong_rows_no_inputs_and_wrong_ndim(value, message):
    with pytest.raises(ValueError, match=message):
        v.check_input_weights(value, "W_xh", 3)
    assert v.check_input_weights(np.zeros((3, 1)), "W_xh", 3).shape == (3, 1)


@pytest.mark.parametrize(
    ("W_hy", "b_y", "message"),
    [
        (np.zeros((2, 4)), np.zeros(2), r"^W_hy must have shape \(n_y, 3\)"),
        (np.zeros((3, 2)), np.zeros(3), r"^W_hy must have shape \(n_y, 3\)"),  # transposed
        (np.zeros((0, 3)), np.zeros(0), r"^W_hy must have shape \(n_y, 3\) with n_y >= 1"),
        (np.zeros((2, 3)), np.zeros(3), r"^b_y must have shape \(2,\), got \(3,\)"),
        (np.zeros((2, 3)), np.zeros((2, 1)), r"^b_y must be 1-D"),
        (np.zeros((2, 3)), np.array([0.0, np.inf]), "^b_y contains non-finite"),
    ],
)
def test_check_readout_rejects_every_mismatch(W_hy, b_y, message):
    with pytest.raises(ValueError, match=message):
        v.check_readout(W_hy, b_y, 3)


def _gated(**changes):
    n_h, n_x = 3, 2
    fields = {"W_hy": np.zeros((1, n_h)), "b_y": np.zeros(1)}
    for g in ("f", "i"):
        fields |= {f"W_{g}": np.zeros((n_h, n_x)), f"U_{g}": np.eye(n_h), f"b_{g}": np.zeros(n_h)}
    return SimpleNamespace(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"U_f": np.zeros((3, 2))}, "^U_f must be a non-empty square"),
        ({"W_f": np.zeros((4, 2))}, r"^W_f must have shape \(3, n_x\)"),
        ({"W_i": np.zeros((3, 3))}, r"^W_i must have shape \(3, 2\), got \(3, 3\)"),
        ({"U_i": np.zeros((2, 2))}, r"^U_i must have shape \(3, 3\), got \(2, 2\)"),
        ({"b_i": np.zeros(2)}, r"^b_i must have shape \(3,\), got \(2,\)"),
        ({"b_f": np.array([0.0, np.nan, 0.0])}, "^b_f contains non-finite"),
        ({"W_hy": np.zeros((1, 2))}, r"^W_hy must have shape \(n_y, 3\)"),
        ({"b_y": np.zeros(2)}, r"^b_y must have shape \(1,\)"),
    ],
)
def test_check_gate_params_names_the_first_bad_array(changes, message):
    with pytest.raises(ValueError, match=message):
        v.check_gate_params(_gated(**changes), ("f", "i"))


def test_check_gate_params_converts_every_array_in_place():
    model = _gated(b_i=[1, 2, 3], W_hy=[[1, 0, 0]])
    v.check_gate_params(model, ("f", "i"))
    assert model.b_i.dtype == np.float64 and model.b_i.tolist() == [1.0, 2.0, 3.0]
    assert isinstance(model.W_hy, np.ndarray) and model.W_hy.shape == (1, 3)


@pytest.mark.parametrize(
    ("value", "error"),
    [(None, TypeError), ("1", TypeError), (True, TypeError), (-1e-9, ValueError),
     (float("nan"), ValueError), (float("inf"), ValueError), (1j, TypeError)],
)  # fmt: skip
def test_check_nonnegative_rejects_each_bad_class_naming_the_argument(value, error):
    from vanishing.validate import check_nonnegative

    with pytest.raises(error, match="^alpha"):
        check_nonnegative(value, "alpha")


def test_check_nonnegative_accepts_zero_and_returns_a_float():
    from vanishing.validate import check_nonnegative

    assert check_nonnegative(0, "alpha") == 0.0 and isinstance(check_nonnegative(2, "a"), float)
