"""Weight initialisation schemes (ch. 1 uses "lecun"; ch. 5 compares them all).

A weight matrix W^(l) has shape (n_out, n_in) = (n_l, n_{l-1}), so z = W a + b; the functions
take the sizes in that order, (n_out, n_in), as the shape they return (and as PyTorch's
nn.Linear stores its weight). The scheme and the generator are keyword-only.

Each model's default, and why:
- ``mlp.init_mlp``: "lecun", N(0, 1/n_in): keeps the variance of a tanh or linear layer's
  pre-activation (ch. 1's baseline; ch. 5 compares the others);
- ``residual.init_residual``: "he", N(0, 2/n_in): the branches are ReLU (ch. 5); the linear
  read-out takes "lecun";
- ``rnn.init_rnn``: "xavier" for W_xh and W_hy, "orthogonal" for W_hh: all singular values of
  W_hh are 1, so the product of Jacobians starts neither vanishing nor exploding (ch. 3, 5);
- ``lstm.init_lstm``, ``gru.init_gru``: "uniform", U(+-1/sqrt(n_h)) for every weight, as
  PyTorch's nn.LSTM and nn.GRU draw them, so the book's gated models start like the library's.
"""

from __future__ import annotations

import numpy as np

# as_generator lives in vanishing.validate; it stays importable from here, where callers take it
from vanishing.validate import as_generator, check_choice, check_size

INIT_SCHEMES: tuple[str, ...] = (
    "standard",  # U(-1/sqrt(n_in), 1/sqrt(n_in)), Glorot & Bengio (2010)'s "standard" heuristic
    "lecun",  # N(0, 1/n_in)
    "xavier",  # N(0, 2/(n_in + n_out)), Glorot & Bengio (2010)
    "xavier_uniform",  # U(-sqrt(6/(n_in + n_out)), +sqrt(6/(n_in + n_out)))
    "he",  # N(0, 2/n_in), He et al. (2015)
    "orthogonal",  # (semi-)orthogonal, Saxe et al. (2014)
    "normal",  # N(0, 1)
)


def weight_variance(n_out: int, n_in: int, *, scheme: str) -> float:
    """Var(W_ij) implied by `scheme` for a (n_out, n_in) matrix (ch. 5 variance formulas)."""
    n_in, n_out = check_size(n_in, "n_in"), check_size(n_out, "n_out")
    scheme = check_choice(scheme, "scheme", INIT_SCHEMES, kind="scheme")
    if scheme == "standard":
        return 1.0 / (3.0 * n_in)  # U(-c, c) has variance c^2 / 3 with c^2 = 1/n_in
    if scheme == "lecun":
        return 1.0 / n_in
    if scheme in ("xavier", "xavier_uniform"):
        return 2.0 / (n_in + n_out)  # uniform: c^2 / 3 with c^2 = 6 / (n_in + n_out)
    if scheme == "he":
        return 2.0 / n_in
    if scheme == "orthogonal":
        return 1.0 / max(n_in, n_out)  # ||W||_F^2 = min(n_in, n_out) spread over n_in n_out
    return 1.0  # "normal"


def _orthogonal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """(Semi-)orthogonal (n_out, n_in) matrix: W W^T = I if n_out <= n_in, else W^T W = I."""
    big, small = max(n_in, n_out), min(n_in, n_out)
    A = rng.standard_normal((big, small))  # (big, small)
    Q, R = np.linalg.qr(A)  # Q: (big, small), orthonormal columns
    Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # sign fix makes Q Haar-distributed
    return Q if n_out >= n_in else Q.T  # (n_out, n_in)


def init_weight(n_out: int, n_in: int, *, scheme: str, rng=0) -> np.ndarray:
    """Draw W (n_out, n_in) from `scheme` (ch. 1, ch. 5); rng is a Generator or an int seed.

    The draws are those of the (n_out, n_in) array, whatever the argument names.
    """
    n_in, n_out = check_size(n_in, "n_in"), check_size(n_out, "n_out")
    scheme = check_choice(scheme, "scheme", INIT_SCHEMES, kind="scheme")
    rng = as_generator(rng, name="rng")
    shape = (n_out, n_in)
    if scheme == "standard":
        c = 1.0 / np.sqrt(n_in)
        return rng.uniform(-c, c, size=shape)
    if scheme == "xavier_uniform":
        c = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-c, c, size=shape)
    if scheme == "orthogonal":
        return _orthogonal(n_in, n_out, rng)
    std = np.sqrt(weight_variance(n_out, n_in, scheme=scheme))  # lecun, xavier, he, normal
    return std * rng.standard_normal(shape)
