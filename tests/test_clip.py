"""Chapter 5 gradient clipping (vanishing.clip), checked against direct NumPy computations on the
concatenated gradient vector."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing.clip import (
    ClipResult,
    clip_by_global_norm,
    clip_by_value,
    clip_per_parameter,
    global_norm,
)

# --------------------------------------------------------------------------- helpers

_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)
_grads = st.lists(_arrays, min_size=1, max_size=4)
_thresholds = st.floats(1e-3, 1e3)


def _flat(grads) -> np.ndarray:
    """The whole gradient as one vector."""
    return np.concatenate([np.ravel(g) for g in grads])


def _hypot(grads) -> float:
    """||g|| by math.hypot (exact scaling, no underflow), independent of vanishing.clip."""
    return math.hypot(*_flat(grads).tolist())


def _cosine(a, b) -> float:
    a, b = _flat(a), _flat(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _two_layer_gradient():
    """A gradient whose arrays differ a lot in size, as in an exploding RNN step."""
    return [np.array([[100.0, -1.0], [0.0, 0.5]]), np.array([0.1, -0.2, 0.05])]


# --------------------------------------------------------------------------- global norm


@settings(max_examples=30, deadline=None)
@given(_grads)
def test_global_norm_is_the_norm_of_the_concatenated_vector(grads):
    assert global_norm(grads) == pytest.approx(_hypot(grads), rel=1e-12, abs=0)


def test_global_norm_avoids_overflow_and_underflow_in_the_squares():
    assert global_norm([np.array([1e200, 1e200])]) == pytest.approx(math.sqrt(2) * 1e200)
    assert global_norm([np.array([3e-200]), np.array([[4e-200]])]) == pytest.approx(5e-200)
    assert global_norm([np.zeros(3), np.zeros((0, 2))]) == 0.0


def test_global_norm_reports_an_overflowed_gradient():
    assert global_norm([np.ones(2), np.array([np.inf])]) == math.inf
    assert math.isnan(global_norm([np.array([np.nan, 1.0])]))


def test_global_norm_accepts_tuples_lists_and_ints():
    assert global_norm((np.array([3, 4]),)) == 5.0
    assert global_norm([[3.0, 4.0]]) == 5.0


# --------------------------------------------------------------------------- global-norm clipping


@settings(max_examples=40, deadline=None)
@given(_grads, _thresholds)
def test_clip_by_global_norm_is_pascanu_algorithm_1(grads, threshold):
    g, norm = _flat(grads), _hypot(grads)
    expected = threshold / norm * g if norm >= threshold else g  # Algorithm 1, on one vector
    result = clip_by_global_norm(grads, threshold)
    assert isinstance(result, ClipResult)
    assert result.norm == pytest.approx(norm, rel=1e-12, abs=0)
    assert result.clipped == (norm >= threshold)
    np.testing.assert_allclose(_flat(result.grads), expected, rtol=1e-12, atol=0)
    assert [r.shape for r in result.grads] == [np.shape(x) for x in grads]


@settings(max_examples=40, deadline=None)
@given(_grads, _thresholds)
def test_clipping_preserves_the_direction_and_lands_on_the_threshold(grads, threshold):
    norm = _hypot(grads)
    assume(norm > threshold)
    result = clip_by_global_norm(grads, threshold)
    assert result.clipped
    assert result.scale == pytest.approx(threshold / norm, rel=1e-12)
    assert np.linalg.norm(_flat(result.grads)) == pytest.approx(threshold, rel=1e-12)
    assert _cosine(result.grads, grads) == pytest.approx(1.0, abs=1e-12)
    for clipped, original in zip(result.grads, grads, strict=True):  # one factor for all
        np.testing.assert_allclose(clipped, result.scale * original, rtol=1e-12, atol=0)


def test_no_op_below_the_threshold():
    grads = _two_layer_gradient()  # norm ~ 100.01
    result = clip_by_global_norm(grads, 150.0)
    assert (result.clipped, result.scale) == (False, 1.0)
    assert result.norm == pytest.approx(np.linalg.norm(_flat(grads)))
    for clipped, original in zip(result.grads, grads, strict=True):
        np.testing.assert_array_equal(clipped, original)
        assert not np.shares_memory(clipped, original)  # new arrays even when nothing changes


def test_clipping_at_exactly_the_threshold_counts_as_clipped_with_scale_one():
    result = clip_by_global_norm([np.array([3.0]), np.array([4.0])], 5.0)
    assert (result.clipped, result.scale, result.norm) == (True, 1.0, 5.0)


def test_zero_gradient_is_left_alone():
    result = clip_by_global_norm([np.zeros((2, 2))], 1.0)
    assert (result.clipped, result.scale, result.norm) == (False, 1.0, 0.0)


def test_huge_but_finite_gradient_is_clipped_without_overflow():
    result = clip_by_global_norm([np.full(4, 1e300)], 1.0)
    assert result.clipped
    np.testing.assert_allclose(result.grads[0], np.full(4, 0.5))


def test_result_is_frozen():
    result = clip_by_global_norm([np.ones(2)], 1.0)
    with pytest.raises(AttributeError):
        result.scale = 2.0


# --------------------------------------------------------------------------- value clipping


def test_clip_by_value_bounds_entries_but_turns_a_non_uniform_gradient():
    grads = _two_layer_gradient()
    clipped = clip_by_value(grads, 1.0).grads
    assert all(np.max(np.abs(c)) <= 1.0 for c in clipped)
    np.testing.assert_array_equal(clipped[1], grads[1])  # small entries untouched
    assert _cosine(clipped, grads) < 0.8  # the big entry lost its proportion to the others


def test_clip_by_value_keeps_the_direction_only_of_a_uniform_gradient():
    grads = [np.array([5.0, -5.0]), np.array([[5.0]])]
    clipped = clip_by_value(grads, 1.0).grads
    assert _cosine(clipped, grads) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(_grads, _thresholds)
def test_clip_by_value_is_numpy_clip(grads, threshold):
    for clipped, original in zip(clip_by_value(grads, threshold).grads, grads, strict=True):
        np.testing.assert_array_equal(clipped, np.clip(original, -threshold, threshold))


def test_clip_by_value_maps_infinities_to_the_bounds():
    (clipped,) = clip_by_value([np.array([np.inf, -np.inf, 0.5])], 2.0).grads
    np.testing.assert_array_equal(clipped, [2.0, -2.0, 0.5])


# --------------------------------------------------------------------------- per-parameter


def test_clip_per_parameter_bounds_each_array_but_turns_the_whole_gradient():
    grads = [np.array([30.0, -40.0]), np.array([3.0, 4.0])]  # norms 50 and 5
    clipped = clip_per_parameter(grads, 2.0).grads
    for c in clipped:
        assert np.linalg.norm(c) == pytest.approx(2.0)
    assert _cosine(clipped, grads) < 0.9  # the large array no longer dominates
    global_clip = clip_by_global_norm(grads, 2.0).grads
    assert _cosine(global_clip, grads) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(_grads, _thresholds)
def test_clip_per_parameter_rescales_each_array_separately(grads, threshold):
    for clipped, original in zip(clip_per_parameter(grads, threshold).grads, grads, strict=True):
        norm = _hypot([original])
        expected = threshold / norm * original if norm >= threshold else original
        np.testing.assert_allclose(clipped, expected, rtol=1e-12, atol=0)
        assert np.linalg.norm(clipped) <= threshold * (1 + 1e-12) or norm < threshold


def test_clip_per_parameter_equals_global_clipping_for_a_single_array():
    g = [np.array([[6.0, 8.0]])]
    np.testing.assert_allclose(
        clip_per_parameter(g, 1.0).grads[0], clip_by_global_norm(g, 1.0).grads[0]
    )


# --------------------------------------------------------------------------- no mutation


@pytest.mark.parametrize(
    "clip",
    [clip_by_global_norm, clip_by_value, clip_per_parameter],
    ids=["global", "value", "per_parameter"],
)
def test_inputs_are_not_mutated(clip):
    grads = _two_layer_gradient()
    before = [g.copy() for g in grads]
    out = clip(grads, 1.0).grads
    for g, b in zip(grads, before, strict=True):
        np.testing.assert_array_equal(g, b)
    assert isinstance(out, tuple)
    assert not any(np.shares_memory(o, g) for o, g in zip(out, grads, strict=True))
    assert all(o.dtype == np.float64 for o in out)


# --------------------------------------------------------------------------- bad input

_CLIPS = [clip_by_global_norm, clip_by_value, clip_per_parameter]


@pytest.mark.parametrize("clip", _CLIPS)
@pytest.mark.parametrize("threshold", [0, 0.0, -1.0, math.inf, math.nan])
def test_bad_threshold_value(clip, threshold):
    with pytest.raises(ValueError, match="^threshold"):
        clip([np.ones(2)], threshold)


@pytest.mark.parametrize("clip", _CLIPS)
@pytest.mark.parametrize("threshold", ["1", None, True, 1 + 2j, np.array([1.0])])
def test_bad_threshold_type(clip, threshold):
    with pytest.raises(TypeError, match="^threshold"):
        clip([np.ones(2)], threshold)


@pytest.mark.parametrize("clip", _CLIPS)
def test_numpy_scalar_threshold_is_accepted(clip):
    clip([np.ones(2)], np.float32(0.5))
    clip([np.ones(2)], np.int64(1))


@pytest.mark.parametrize("clip", [*_CLIPS, lambda g, t: global_norm(g)])
def test_empty_grads(clip):
    with pytest.raises(ValueError, match="^grads"):
        clip([], 1.0)


@pytest.mark.parametrize("clip", [*_CLIPS, lambda g, t: global_norm(g)])
@pytest.mark.parametrize(
    "grads", [np.ones(3), 3.0, None, "abc", ["abc"], [None], [[1.0, [2.0, 3.0]]], [np.ones(2) * 1j]]
)
def test_grads_that_are_not_a_sequence_of_real_arrays(clip, grads):
    with pytest.raises(TypeError, match="^grads"):
        clip(grads, 1.0)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("clip", [clip_by_global_norm, clip_per_parameter])
def test_overflowed_gradient_cannot_be_rescaled(clip, bad):
    with pytest.raises(ValueError, match="^grads.*overflowed.*learning rate"):
        clip([np.ones(2), np.array([1.0, bad])], 1.0)


def test_nan_gradient_cannot_be_value_clipped():
    with pytest.raises(ValueError, match="^grads.*overflowed.*learning rate"):
        clip_by_value([np.array([np.nan])], 1.0)


def test_every_rule_returns_a_clip_result():
    g = [np.array([3.0, -4.0]), np.array([0.5])]
    by_value, per_parameter = clip_by_value(g, 1.0), clip_per_parameter(g, 1.0)
    glob = clip_by_global_norm(g, 1.0)
    for result in (by_value, per_parameter, glob):
        assert isinstance(result, ClipResult) and result.clipped
        assert result.norm == pytest.approx(np.sqrt(25.25))
    assert by_value.scale is None and per_parameter.scale is None
    assert glob.scale == pytest.approx(1.0 / np.sqrt(25.25))
    assert not clip_by_value(g, 10.0).clipped and not clip_per_parameter(g, 10.0).clipped
