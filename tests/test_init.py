"""Tests for vanishing.init: variances, orthogonality, reproducibility, bad input."""

import numpy as np
import pytest

from vanishing.init import INIT_SCHEMES, as_generator, init_weight, weight_variance

FORMULAS = {
    "standard": lambda n_in, n_out: 1 / (3 * n_in),
    "lecun": lambda n_in, n_out: 1 / n_in,
    "xavier": lambda n_in, n_out: 2 / (n_in + n_out),
    "xavier_uniform": lambda n_in, n_out: 2 / (n_in + n_out),
    "he": lambda n_in, n_out: 2 / n_in,
    "orthogonal": lambda n_in, n_out: 1 / max(n_in, n_out),
    "normal": lambda n_in, n_out: 1.0,
}


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
@pytest.mark.parametrize(("n_in", "n_out"), [(400, 300), (300, 400)])
def test_empirical_variance_matches_formula(scheme, n_in, n_out):
    W = init_weight(n_out, n_in, scheme=scheme, rng=np.random.default_rng(1))
    assert W.shape == (n_out, n_in) and W.dtype == np.float64
    expected = FORMULAS[scheme](n_in, n_out)
    assert weight_variance(n_out, n_in, scheme=scheme) == pytest.approx(expected)
    assert abs(W.mean()) < 0.02 * np.sqrt(expected)  # ~6 standard errors with 120k entries
    assert W.var() == pytest.approx(expected, rel=0.03)


def test_uniform_bounds():
    W = init_weight(40, 50, scheme="standard", rng=0)
    assert np.max(np.abs(W)) <= 1 / np.sqrt(50)
    W = init_weight(40, 50, scheme="xavier_uniform", rng=0)
    assert np.max(np.abs(W)) <= np.sqrt(6 / 90)


@pytest.mark.parametrize(("n_in", "n_out"), [(7, 7), (9, 4), (4, 9), (1, 5), (5, 1)])
def test_orthogonal(n_in, n_out):
    W = init_weight(n_out, n_in, scheme="orthogonal", rng=np.random.default_rng(3))
    assert W.shape == (n_out, n_in)
    if n_out <= n_in:  # wide or square: orthonormal rows
        np.testing.assert_allclose(W @ W.T, np.eye(n_out), atol=1e-12)
    else:  # tall: orthonormal columns
        np.testing.assert_allclose(W.T @ W, np.eye(n_in), atol=1e-12)


def test_orthogonal_is_not_biased_by_qr_signs():
    # without the sign fix, diag(Q) would be biased; with it, E[W_11] = 0
    w11 = [init_weight(3, 3, scheme="orthogonal", rng=s)[0, 0] for s in range(2000)]
    assert abs(np.mean(w11)) < 0.05


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
def test_reproducible(scheme):
    W1 = init_weight(5, 6, scheme=scheme, rng=42)
    W2 = init_weight(5, 6, scheme=scheme, rng=np.random.default_rng(42))
    W3 = init_weight(5, 6, scheme=scheme, rng=43)
    np.testing.assert_array_equal(W1, W2)
    assert not np.array_equal(W1, W3)


def test_as_generator():
    rng = np.random.default_rng(0)
    assert as_generator(rng) is rng
    assert as_generator(np.int64(5)).random() == np.random.default_rng(5).random()
    with pytest.raises(TypeError, match="seed_or_rng"):
        as_generator(True)
    with pytest.raises(TypeError, match="seed_or_rng"):
        as_generator(1.5)
    with pytest.raises(TypeError, match="seed_or_rng"):
        as_generator(np.random.RandomState(0))
    with pytest.raises(ValueError, match="seed_or_rng"):
        as_generator(-1)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"n_in": 0}, ValueError, "n_in"),
        ({"n_in": -3}, ValueError, "n_in"),
        ({"n_in": 2.0}, TypeError, "n_in"),
        ({"n_in": True}, TypeError, "n_in"),
        ({"n_out": 0}, ValueError, "n_out"),
        ({"n_out": "4"}, TypeError, "n_out"),
        ({"scheme": "glorot"}, ValueError, "scheme"),
        ({"scheme": None}, TypeError, "scheme"),
        ({"rng": None}, TypeError, "rng"),
        ({"rng": 0.5}, TypeError, "rng"),
        ({"rng": False}, TypeError, "rng"),
    ],
)
def test_bad_input_names_argument(kwargs, exc, name):
    args = {"n_in": 3, "n_out": 4, "scheme": "lecun", "rng": 0} | kwargs
    with pytest.raises(exc, match=rf"^{name}\b"):
        init_weight(**args)


UNIFORM_BOUND = {
    "standard": lambda n_in, n_out: 1 / np.sqrt(n_in),
    "xavier_uniform": lambda n_in, n_out: np.sqrt(6 / (n_in + n_out)),
}


@pytest.mark.parametrize("scheme", UNIFORM_BOUND)
@pytest.mark.parametrize(("n_in", "n_out"), [(200, 50), (50, 200)])
def test_uniform_bounds_are_tight_for_wide_and_tall_layers(scheme, n_in, n_out):
    # A bound computed from the wrong fan is too wide in one orientation and too narrow in the
    # other: the largest |W_ij| of 10^4 draws must lie within 0.1 % below the right bound.
    W = init_weight(n_out, n_in, scheme=scheme, rng=5)
    c = UNIFORM_BOUND[scheme](n_in, n_out)
    assert W.shape == (n_out, n_in)
    assert 0.999 * c < np.max(np.abs(W)) <= c


@pytest.mark.parametrize(("n_in", "n_out"), [(400, 100), (100, 400)])
def test_fan_in_schemes_keep_the_forward_variance_of_wide_and_tall_layers(n_in, n_out):
    # z = W a with a ~ N(0, 1): Var(z) = n_in Var(W_ij), so lecun gives 1, he 2 and xavier
    # 2 n_in / (n_in + n_out); dL/da = W^T g has n_out Var(W_ij) (xavier: 2 n_out / (n_in + n_out)).
    rng = np.random.default_rng(6)
    a = rng.standard_normal((n_in, 500))  # 500 examples as columns
    g = rng.standard_normal((n_out, 500))
    expected = {
        "lecun": (1.0, n_out / n_in),
        "he": (2.0, 2 * n_out / n_in),
        "xavier": (2 * n_in / (n_in + n_out), 2 * n_out / (n_in + n_out)),
    }
    for scheme, (forward, backward) in expected.items():
        W = init_weight(n_out, n_in, scheme=scheme, rng=rng)
        assert (W @ a).var() == pytest.approx(forward, rel=0.05), scheme
        assert (W.T @ g).var() == pytest.approx(backward, rel=0.05), scheme


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
@pytest.mark.parametrize(("n_in", "n_out"), [(6, 5), (5, 6), (1, 4), (4, 1)])
def test_every_scheme_returns_float64_of_shape_n_out_by_n_in(scheme, n_in, n_out):
    W = init_weight(n_out, n_in, scheme=scheme, rng=7)
    assert W.shape == (n_out, n_in) and W.dtype == np.float64 and np.all(np.isfinite(W))
    assert weight_variance(n_out, n_in, scheme=scheme) == pytest.approx(
        FORMULAS[scheme](n_in, n_out)
    )


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"n_in": 0}, ValueError, "n_in"),
        ({"n_out": -1}, ValueError, "n_out"),
        ({"n_in": 2.5}, TypeError, "n_in"),
        ({"n_out": np.float64(3)}, TypeError, "n_out"),
        ({"scheme": "Xavier"}, ValueError, "scheme"),
        ({"scheme": 1}, TypeError, "scheme"),
    ],
)
def test_weight_variance_bad_input_names_argument(kwargs, exc, name):
    args = {"n_in": 3, "n_out": 4, "scheme": "lecun"} | kwargs
    with pytest.raises(exc, match=rf"^{name}\b"):
        weight_variance(**args)


def test_sizes_are_given_out_then_in_like_the_shape_and_options_are_keyword_only():
    """init_weight(n_out, n_in) returns (n_out, n_in); scheme and rng cannot be given by
    position, so a caller of the old (n_in, n_out, scheme, rng) order fails loudly."""
    assert init_weight(3, 5, scheme="lecun", rng=0).shape == (3, 5)
    assert init_weight(3, 5, scheme="orthogonal", rng=0).shape == (3, 5)
    with pytest.raises(TypeError):
        init_weight(3, 5, "lecun", 0)
    assert weight_variance(3, 5, scheme="lecun") == pytest.approx(1 / 5)  # 1 / n_in
