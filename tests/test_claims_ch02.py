"""Chapter 2's experimental claims, re-run over seeds, widths, lengths and input scales.

The chapter measures each step's term of dL/dW_hh (loss at the last step) for a tanh RNN with
W_hh = rho * orthogonal, inputs N(0, s^2), and quotes, for lag 19 and the ten most recent
terms, the median and range over five seeds at 32 units, T = 40, for s = 1 and s = 0.1.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vanishing.experiments import ch02 as ex

SEEDS = (0, 1, 2, 3, 4)
LAG = 19  # the distance in the chapter's sentence
WIDTHS = (16, 32, 64)
LENGTHS = (40, 60)


def _run(scale, n_h=32, T=40, rhos=(0.8, 1.0, 1.2)):
    return ex.gradient_by_lag_experiment(rhos, T=T, n_h=n_h, input_scale=scale, seeds=SEEDS)


@pytest.mark.parametrize(("n_h", "T"), list(itertools.product(WIDTHS, LENGTHS)))
def test_strongly_driven_terms_fall_for_every_rho(n_h, T):
    """N(0,1) inputs: 'all three curves fall', and the larger rho, the slower."""
    result = _run(1.0, n_h, T)
    rel = result.relative  # (S, R, T)
    assert np.all(rel[..., LAG] < 0.3), rel[..., LAG]
    assert np.all(rel[..., 2 * LAG] < rel[..., LAG])  # still falling further back
    assert np.all(np.diff(rel[..., LAG], axis=1) > 0)  # ordered by rho, every seed
    assert np.all(rel[:, 0, LAG] < 2e-3)  # rho = 0.8: orders of magnitude
    assert np.all(rel[:, 1, LAG] < 0.05)  # rho = 1: more than an order of magnitude


@pytest.mark.parametrize(("n_h", "T"), list(itertools.product(WIDTHS, LENGTHS)))
def test_weakly_driven_rho_above_one_terms_do_not_fall(n_h, T):
    """Inputs x0.1: at rho = 1.2 the term 19 steps back exceeds the last step's term."""
    result = _run(0.1, n_h, T, rhos=(0.8, 1.2))
    rel = result.relative
    assert np.all(rel[:, 1, LAG] > 1.0), rel[:, 1, LAG]
    assert np.all(rel[:, 0, LAG] < 0.02)  # rho = 0.8 still falls


@pytest.mark.parametrize("n_h", WIDTHS)
def test_input_scale_and_rho_decide_together(n_h):
    """rho = 1.2: the weaker the drive, the larger the far term; rho = 0.8 falls at every drive."""
    results = [_run(scale, n_h, rhos=(0.8, 1.2)) for scale in (1.0, 0.3, 0.1)]
    far = np.stack([r.relative[..., LAG] for r in results])  # (scales, S, R)
    assert np.all(np.diff(far[:, :, 1], axis=0) > 0)  # rho = 1.2 grows as the drive weakens
    assert np.all(far[:, :, 0] < 0.02)  # rho = 0.8 below 2% at every input scale
    # The mechanism: the RMS slope sqrt(mean phi'^2), the per-step gain of diag(phi') on a
    # generic vector, is below 1/1.2 with strong drive, above it with weak drive.
    slope = np.stack([r.rms_phi_prime[:, 1] for r in results])  # (scales, S)
    assert np.all(slope[0] < 1 / 1.2)
    assert np.all(slope[2] > 1 / 1.2)


def test_the_chapter_numbers_strong_drive():
    """The quoted spreads at the chapter's settings (32 units, T = 40, five seeds)."""
    result = _run(1.0)
    rel, share = result.relative[..., LAG], result.share_within[..., 9]
    assert rel.shape == (5, 3)
    np.testing.assert_array_less(rel[:, 0], 1e-3)
    np.testing.assert_array_less(rel[:, 1], 0.02)
    assert np.all((rel[:, 2] > 0.05) & (rel[:, 2] < 0.2))
    assert np.all(share[:, 0] > 0.95)
    assert np.all((share[:, 1] > 0.85) & (share[:, 1] < 0.95))
    assert np.all((share[:, 2] > 0.6) & (share[:, 2] < 0.8))  # "about 70%"
    rms = result.rms_phi_prime[:, 2]  # "0.74 at rho = 1.2, below 0.83"
    assert np.all((rms > 0.7) & (rms < 0.78)), rms


def test_the_chapter_numbers_weak_drive():
    result = _run(0.1)
    rel, share = result.relative[..., LAG], result.share_within[..., 9]
    assert np.all((rel[:, 1] > 0.4) & (rel[:, 1] < 0.7))  # rho = 1: about half
    assert np.all((rel[:, 2] > 1.1) & (rel[:, 2] < 1.5))  # rho = 1.2: larger than the last
    assert np.all(share[:, 2] < 0.3)  # the ten most recent terms hold less than a third
    assert np.all(share[:, 0] > 0.85)  # rho = 0.8 still concentrates on nearby terms
    rms = result.rms_phi_prime[:, 2]  # "0.88 at rho = 1.2, above 1/1.2"
    assert np.all((rms > 0.85) & (rms < 0.9)), rms


def test_the_oldest_term_is_zero_because_h0_is_zero():
    result = _run(1.0, rhos=(1.2,))
    assert np.all(result.norms[..., -1] == 0.0)
    assert np.all(result.norms[..., :-1] > 0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"input_scale": 0.0}, ValueError, "input_scale"),
        ({"input_scale": "1"}, TypeError, "input_scale"),
        ({"T": 0}, ValueError, "T"),
        ({"n_h": 2.5}, TypeError, "n_h"),
        ({"seeds": (-1,)}, ValueError, "seeds"),
        ({"rhos": (0.8, -1.0)}, ValueError, "rhos"),
        ({"rhos": ()}, ValueError, "rhos"),
    ],
)
def test_bad_input_raises_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        ex.gradient_by_lag_experiment(**kwargs)


def test_the_alt_text_describes_the_curves():
    """Fig. 2.2's alt text: where each median curve ends, at lag 38, for both drives."""
    strong, weak = (np.median(_run(s).relative, axis=0) for s in (1.0, 0.1))  # (R, T)
    end = 38
    assert 1e-8 < strong[0, end] < 1e-6  # "about one ten-millionth"
    assert 1e-3 < strong[2, end] < 3e-2  # "about one hundredth"
    assert 3e-5 < weak[0, end] < 3e-4  # "about one ten-thousandth"
    assert 0.05 < weak[1, end] < 0.2  # "about one tenth"
    assert np.all(weak[2, 1:30] > 1.0)  # "rises slightly above 1 and stays there"
    assert weak[2, 1:30].max() < 1.6
    assert weak[2, end] < 1.0  # "until it dips in the last few lags"


def test_the_stated_input_weights_and_drive():
    """'W_xh with entries N(0, 2/(n_x + n_h)) = N(0, 1/18) ... standard deviation about 0.47'."""
    from vanishing.init import weight_variance
    from vanishing.rnn import forward, init_rnn

    assert weight_variance(32, 4, scheme="xavier") == pytest.approx(1 / 18, rel=1e-12)
    drive, var = [], []
    for seed in SEEDS:  # the experiment's model: init_rnn(..., rng=seed + 2), inputs N(0, I)
        model = init_rnn(4, 32, 1, activation="tanh", rng=seed + 2)
        var.append(model.W_xh.var())
        assert np.all(model.b_h == 0)
        x = np.random.default_rng(seed).standard_normal((256, 40, 4))
        drive.append((x @ model.W_xh.T).std())
        assert forward(model, x).z.shape == (256, 40, 32)
    assert 0.42 < np.mean(drive) < 0.52, drive
    assert np.mean(var) == pytest.approx(1 / 18, rel=0.15), var
