"""Chapter 6: synthetic long-range tasks, seeded, in the (B, T, n_x) layout of ``vanishing.rnn``.

The adding problem (our definition)
    Each sequence has T >= 2 steps of two channels. Channel 0 holds values u_t drawn
    independently and uniformly from [0, 1). Channel 1 is a 0/1 marker with exactly two ones:
    one at a position drawn uniformly from the first half, t in {0, ..., T//2 - 1} (0-based),
    the other uniformly from the second half, t in {T//2, ..., T - 1} (for odd T the second half
    is one step longer). The target, read at the last step, is the sum of the two marked values,
    so it lies in [0, 2). This is the variant of Le, Jaitly & Hinton (2015).

    Other papers use other variants, and the numbers are not comparable across them. Hochreiter &
    Schmidhuber (1997) draw the values from [-1, 1], place both marks early (the first among the
    first ten steps, the second among the first T/2 - 1), vary the length between T and T + T/10,
    mark the first and last steps with -1, and rescale the target to 0.5 + (X_1 + X_2)/4.
    Pascanu, Mikolov & Bengio (2013) take the adding problem, with other "pathological" tasks,
    from that line of work (via Martens & Sutskever, 2011); we make no claim about the details of
    their generator.

    Baseline. Always predicting the mean target E[u_1 + u_2] = 1 costs, per sequence,
    MSE = Var(u_1 + u_2) = 2 Var(u) = 2/12 = 1/6 (``ADDING_BASELINE_MSE``). Our models' loss is
    1/2 ||y_hat - y||^2 averaged over the batch (``vanishing.rnn.loss_and_grads``), so the same
    constant predictor has loss 1/12 (``ADDING_BASELINE_LOSS``). A model has learnt something
    only once its loss is clearly below 1/12.

Remember the first token (our definition)
    Each sequence has T >= 2 tokens drawn independently and uniformly from K = ``n_classes``
    classes, fed as one-hot vectors x (B, T, K); the target is the one-hot vector of the *first*
    token, y (B, K), read at the last step, so the first token must be carried for T - 1 steps
    past T - 1 distractors from the same alphabet. We pose it as regression onto the one-hot
    target, so the models' 1/2 ||y_hat - y||^2 loss applies unchanged; the class index is
    ``y.argmax(axis=1)``. The best constant predictor, y_hat = E[y] = (1/K, ..., 1/K), has
    squared error (1 - 1/K)^2 + (K - 1)/K^2 = 1 - 1/K on every sequence, i.e. loss (1 - 1/K)/2
    (``first_token_baseline_loss``; 3/8 for K = 4).
"""

from __future__ import annotations

import numpy as np

from vanishing.validate import as_generator, check_int, check_size

__all__ = [
    "ADDING_BASELINE_LOSS",
    "ADDING_BASELINE_MSE",
    "adding_problem",
    "delayed_recall",
    "first_token",
    "first_token_baseline_loss",
]

ADDING_BASELINE_MSE: float = 1 / 6  # E[(1 - y)^2] = Var(u_1 + u_2) = 2/12: plain squared error
ADDING_BASELINE_LOSS: float = 1 / 12  # the same predictor in our 1/2 ||y_hat - y||^2 loss


def adding_problem(n: int, T: int, *, rng) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 6, the adding problem (Le et al. 2015 variant): x (n, T, 2), y (n, 1).

    x[:, :, 0] uniform on [0, 1); x[:, :, 1] is 0 except one 1 in steps 0..T//2 - 1 and one 1 in
    steps T//2..T - 1; y = sum of the two marked values. ``rng``: int seed or np.random.Generator.
    """
    n = check_size(n, "n")
    T = check_int(T, "T", minimum=2)
    rng = as_generator(rng, name="rng")
    half = T // 2
    values = rng.random((n, T))  # (n, T), uniform on [0, 1)
    first = rng.integers(0, half, size=n)  # (n,), in the first half
    second = rng.integers(half, T, size=n)  # (n,), in the second half
    rows = np.arange(n)
    marker = np.zeros((n, T))  # (n, T)
    marker[rows, first] = 1.0
    marker[rows, second] = 1.0
    x = np.stack([values, marker], axis=2)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None]  # (n, 1)
    return x, y


def first_token(n: int, T: int, n_classes: int = 4, *, rng) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 6, remember the first token: x (n, T, n_classes) one-hot tokens, y (n, n_classes).

    All T tokens are uniform over the classes; y is the one-hot of token 0 (class = y.argmax(1)).
    ``rng``: int seed or np.random.Generator.
    """
    n = check_size(n, "n")
    T = check_int(T, "T", minimum=2)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    rng = as_generator(rng, name="rng")
    tokens = rng.integers(0, n_classes, size=(n, T))  # (n, T)
    eye = np.eye(n_classes)
    return eye[tokens], eye[tokens[:, 0]]  # (n, T, K), (n, K)


def first_token_baseline_loss(n_classes: int = 4) -> float:
    """Chapter 6, loss 1/2 ||y_hat - y||^2 of the constant y_hat = 1/K: (1 - 1/K)/2."""
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    return (1 - 1 / n_classes) / 2


def delayed_recall(n: int, T: int, delay: int, *, rng) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 8, recall the input ``delay`` steps back: x (n, T, 1) with entries +-1 drawn
    independently and uniformly; y (n, T, 1) with y_t = x_{t - delay} for t > delay (1-based)
    and 0 before, where nothing can be recalled. A predictor of 0 has squared error 1 at every
    step t > delay; only a memory of exactly ``delay`` steps does better.
    ``rng``: int seed or np.random.Generator."""
    n = check_size(n, "n")
    T = check_int(T, "T", minimum=2)
    delay = check_size(delay, "delay")
    if delay >= T:
        raise ValueError(f"delay must be less than T = {T}, got {delay}")
    rng = as_generator(rng, name="rng")
    x = rng.choice([-1.0, 1.0], size=(n, T, 1))  # (n, T, 1)
    y = np.zeros_like(x)
    y[:, delay:] = x[:, :-delay]
    return x, y
