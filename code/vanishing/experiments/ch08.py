"""Chapter 8 measurements: truncated BPTT on a recall task of known delay and its randomised,
unbiased variant, the curse of memory by Monte Carlo, what the step Delta of a zero-order-hold
state-space model does to its memory, an LRU-style model on the adding problem, the gradient
against distance for attention, a vanilla RNN and an LSTM, and input-influence maps of trained
models."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import attention, linear_rnn, lstm, rnn
from ..optim import Adam, train
from ..recurrent import (
    input_gradients,
    randomised_truncated_loss_and_grads,
    truncated_loss_and_grads,
)
from ..symbolic.memory import SETTINGS, memory_sensitivity
from ..tasks import ADDING_BASELINE_LOSS, adding_problem, delayed_recall
from ..validate import as_generator, check_int, check_real, check_size, quiet_overflow

SOLVED_FRACTION = 0.3  # as chapter 6: validation loss below 0.3 x the adding baseline
_TAG_TRUNC, _TAG_VALID, _TAG_LRU, _TAG_DIST, _TAG_MAP = 8001, 8002, 8003, 8004, 8005
_TAG_RAND, _TAG_SSM = 8006, 8007


def _check_tuple(value, name: str, check) -> tuple:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a non-empty tuple, got {value!r}")
    return tuple(check(v) for v in value)


# 1. truncated BPTT ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truncation:
    """Ch. 8 a tanh RNN trained on delayed recall (delay d) with truncated BPTT, per tau:
    recall error (mean squared error on steps t > d; 1 = predicting 0) every `every` steps."""

    taus: tuple[int, ...]
    T: int
    delay: int
    n_h: int
    seed: int
    steps: np.ndarray  # (C,) training steps at each check, 0 first
    error: np.ndarray  # (K, C) recall error per tau and check

    @property
    def final(self) -> np.ndarray:
        """(K,) ch. 8 recall error at the end of training, per tau."""
        return self.error[:, -1]


def recall_error(model, T: int, delay: int) -> float:
    """Ch. 8 mean squared recall error of a trained RNN on a fixed set of 512 sequences, steps
    t > delay only (1 for the predictor 0)."""
    T, delay = check_int(T, "T", minimum=2), check_size(delay, "delay")
    x, y = delayed_recall(512, T, delay, rng=np.random.default_rng([_TAG_VALID, T, delay]))
    y_hat = rnn.forward(model, x).y_hat
    return float(np.mean((y_hat[:, delay:] - y[:, delay:]) ** 2))


@quiet_overflow  # a huge lr diverges to inf/NaN losses, no warnings
def truncation(
    taus: tuple[int, ...] = (3, 6, 8, 40),
    T: int = 40,
    delay: int = 6,
    n_h: int = 16,
    steps: int = 300,
    seed: int = 0,
    every: int = 25,
    lr: float = 1e-2,
) -> Truncation:
    """Ch. 8 train a tanh RNN (init_rnn's defaults) on delayed recall with truncated BPTT at
    every tau (tau >= T is full BPTT), Adam(lr, clip 1), batches of 32 that are the same for
    every tau; the recall error every `every` steps."""
    taus = _check_tuple(taus, "taus", lambda v: check_size(v, "taus"))
    T = check_int(T, "T", minimum=2)
    delay, n_h, steps, every = (
        check_size(v, k)
        for v, k in ((delay, "delay"), (n_h, "n_h"), (steps, "steps"), (every, "every"))
    )
    seed = check_int(seed, "seed")
    lr = check_real(lr, "lr", positive=True)
    checks = [0]
    errors = []
    for tau in taus:
        model = rnn.init_rnn(1, n_h, 1, rng=np.random.default_rng([_TAG_TRUNC, seed, n_h]))
        data = np.random.default_rng([_TAG_TRUNC + 1, seed])
        optimizer = Adam(lr, clip=1.0)
        row, done = [recall_error(model, T, delay)], 0
        while done < steps:
            chunk = min(every, steps - done)
            model, _ = train(
                model,
                lambda m, x, y, tau=tau: truncated_loss_and_grads(m, x, y, tau=tau),
                lambda s, data=data: delayed_recall(32, T, delay, rng=data),
                optimizer,
                steps=chunk,
            )
            done += chunk
            row.append(recall_error(model, T, delay))
            if len(checks) < len(row):
                checks.append(done)
        errors.append(row)
    return Truncation(taus, T, delay, n_h, seed, np.array(checks), np.array(errors))


@dataclass(frozen=True)
class TruncationBias:
    """Ch. 8 the gradient truncated BPTT drops, at a fixed model, averaged over many batches:
    relative bias ||E[g] - E[g_tau]|| / ||E[g]|| and its standard error, per tau."""

    taus: tuple[int, ...]
    batches: int
    bias: np.ndarray  # (K,)
    standard_error: np.ndarray  # (K,) of the same difference, from the batch-to-batch spread


def truncation_bias(
    model=None,
    taus: tuple[int, ...] = (3, 6, 8, 20),
    T: int = 40,
    delay: int = 6,
    batches: int = 64,
    seed: int = 0,
) -> TruncationBias:
    """Ch. 8 full and truncated gradients of the delayed-recall loss at `model` (default: a
    16-unit tanh RNN at initialisation), averaged over `batches` batches of 32."""
    taus = _check_tuple(taus, "taus", lambda v: check_size(v, "taus"))
    T = check_int(T, "T", minimum=2)
    delay, batches = check_size(delay, "delay"), check_size(batches, "batches")
    rng = as_generator(check_int(seed, "seed"), name="seed")
    if model is None:
        model = rnn.init_rnn(1, 16, 1, rng=np.random.default_rng([_TAG_TRUNC, seed, 16]))

    def flat(grads) -> np.ndarray:
        return np.concatenate([np.ravel(v) for v in grads.params.values()])

    full, diffs = [], [[] for _ in taus]
    for _ in range(batches):
        x, y = delayed_recall(32, T, delay, rng=rng)
        g = flat(rnn.loss_and_grads(model, x, y)[1])
        full.append(g)
        for k, tau in enumerate(taus):
            diffs[k].append(g - flat(truncated_loss_and_grads(model, x, y, tau=tau)[1]))
    size = np.linalg.norm(np.mean(full, axis=0))
    d = np.array(diffs)  # (K, batches, P)
    bias = np.linalg.norm(d.mean(axis=1), axis=1) / size
    se = np.sqrt(np.sum(d.var(axis=1, ddof=1), axis=1) / batches) / size
    return TruncationBias(taus, batches, bias, se)


@dataclass(frozen=True)
class RandomisedTruncation:
    """Ch. 8 randomised truncation (cut probability c per boundary, stretches of mean length
    about 1/c) at the model and on the batches of ``truncation_bias``: per c, the relative bias
    ||E[g] - E[g_hat]|| / ||E[g]|| and its standard error; each draw's distance from its own
    batch's full gradient, ||g_hat - g_b|| / ||E[g]||; and, on the same scale, the spread of the
    full gradient from batch to batch, sqrt(mean_b ||g_b - E[g]||^2) / ||E[g]||."""

    probabilities: tuple[float, ...]
    batches: int
    draws: int  # per batch and c
    bias: np.ndarray  # (K,)
    standard_error: np.ndarray  # (K,)
    deviation: np.ndarray  # (K, batches * draws)
    minibatch_spread: float

    @property
    def spread(self) -> np.ndarray:
        """(K,) ch. 8 root mean square of ``deviation``: the truncation's own noise, per c."""
        return np.sqrt(np.mean(self.deviation**2, axis=1))


def randomised_truncation(
    model=None,
    probabilities: tuple[float, ...] = (1 / 3, 1 / 20),
    T: int = 40,
    delay: int = 6,
    batches: int = 64,
    draws: int = 2,
    seed: int = 0,
) -> RandomisedTruncation:
    """Ch. 8 full gradients and `draws` randomised truncated estimates per batch and cut
    probability c, on the batches of ``truncation_bias(seed=seed)`` (the same 16-unit tanh RNN
    at initialisation by default); bias, standard error and spread as in the record."""
    probabilities = _check_tuple(
        probabilities, "probabilities", lambda v: check_real(v, "probabilities")
    )
    if not all(0.0 < c < 1.0 for c in probabilities):
        raise ValueError(f"probabilities must lie in (0, 1), got {probabilities}")
    T = check_int(T, "T", minimum=2)
    delay, batches = check_size(delay, "delay"), check_size(batches, "batches")
    draws = check_size(draws, "draws")
    rng = as_generator(check_int(seed, "seed"), name="seed")  # the batches of truncation_bias
    cuts = np.random.default_rng([_TAG_RAND, seed])
    if model is None:
        model = rnn.init_rnn(1, 16, 1, rng=np.random.default_rng([_TAG_TRUNC, seed, 16]))

    def flat(grads) -> np.ndarray:
        return np.concatenate([np.ravel(v) for v in grads.params.values()])

    full, diffs = [], [[] for _ in probabilities]
    for _ in range(batches):
        x, y = delayed_recall(32, T, delay, rng=rng)
        g = flat(rnn.loss_and_grads(model, x, y)[1])
        full.append(g)
        for k, c in enumerate(probabilities):
            for _ in range(draws):
                est = randomised_truncated_loss_and_grads(model, x, y, c=c, rng=cuts)[1]
                diffs[k].append(g - flat(est))
    full = np.array(full)
    mean = full.mean(axis=0)
    size = np.linalg.norm(mean)
    d = np.array(diffs)  # (K, batches * draws, P)
    bias = np.linalg.norm(d.mean(axis=1), axis=1) / size
    se = np.sqrt(np.sum(d.var(axis=1, ddof=1), axis=1) / d.shape[1]) / size
    deviation = np.linalg.norm(d, axis=2) / size
    spread = float(np.sqrt(np.mean(np.sum((full - mean) ** 2, axis=1)))) / size
    return RandomisedTruncation(probabilities, batches, draws, bias, se, deviation, spread)


# 2. the curse of memory, by Monte Carlo ----------------------------------------------------------

MEMORY_LAMBDAS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


@dataclass(frozen=True)
class MemoryMonteCarlo:
    """Ch. 8 E[(dh_t/dlambda)^2] (plain, normalised) and E[(dh_t/dnu)^2] (normalised) of
    h_t = lambda h_{t-1} + gamma x_t under white noise, by Monte Carlo, per lambda; and
    E[h_t^2] without and with gamma = sqrt(1 - lambda^2)."""

    lambdas: np.ndarray  # (L,)
    samples: int
    sensitivity: dict[str, np.ndarray]  # setting -> (L,)
    variance: dict[str, np.ndarray]  # "plain", "normalised" -> (L,)


def memory_monte_carlo(
    lambdas: tuple[float, ...] = MEMORY_LAMBDAS, samples: int = 1000, seed: int = 0
) -> MemoryMonteCarlo:
    """Ch. 8 run h_t and its derivative s_t = dh_t/dlambda (s_t = lambda s_{t-1} + h_{t-1} for
    gamma = 1) for long enough that lambda^t < 1e-6, on `samples` white-noise sequences per
    lambda, and average the squares at the last step."""
    lambdas = _check_tuple(lambdas, "lambdas", lambda v: check_real(v, "lambdas"))
    if not all(0.0 < v < 1.0 for v in lambdas):
        raise ValueError(f"lambdas must lie in (0, 1), got {lambdas}")
    samples = check_size(samples, "samples")
    rng = as_generator(check_int(seed, "seed"), name="seed")
    sens = {"plain": [], "normalised": [], "normalised_nu": []}
    var = {"plain": [], "normalised": []}
    for lam in lambdas:
        T = int(math.ceil(math.log(1e-6) / math.log(lam)))
        h = np.zeros(samples)
        s = np.zeros(samples)  # dh/dlambda with gamma = 1
        for x in rng.standard_normal((T, samples)):
            s = lam * s + h  # d(lambda h_{t-1} + x_t)/dlambda
            h = lam * h + x
        gamma = math.sqrt(1 - lam**2)
        dgamma = -lam / gamma
        normed = gamma * s + dgamma * h  # d(gamma h)/dlambda
        sens["plain"].append(np.mean(s**2))
        sens["normalised"].append(np.mean(normed**2))
        sens["normalised_nu"].append(np.mean((lam * math.log(lam) * normed) ** 2))
        var["plain"].append(np.mean(h**2))
        var["normalised"].append(np.mean((gamma * h) ** 2))
    return MemoryMonteCarlo(
        np.array(lambdas),
        samples,
        {k: np.array(v) for k, v in sens.items()},
        {k: np.array(v) for k, v in var.items()},
    )


def memory_curves() -> dict:
    """Ch. 8 the derived closed forms E[(dh/dp)^2] as numpy functions of lambda, by setting."""
    return {s: memory_sensitivity(s).numeric() for s in SETTINGS}


# 2b. a state-space model's step Delta and its memory --------------------------------------------


@dataclass(frozen=True)
class SSMMemory:
    """Ch. 8 a diagonal state-space layer discretised by the zero-order hold (Mamba's default
    A_log = log(1..n), theta = 0, B = C = 1), per step Delta: its eigenvalues exp(Delta a_j),
    the gradient of the output at T with respect to the input at T - m, the lag where it first
    falls below 1% of its value at lag 0, and its sum over all lags."""

    deltas: tuple[float, ...]
    lags: np.ndarray  # (M,) m = 0..M-1
    eigenvalues: np.ndarray  # (D, n) real, in (0, 1)
    gradient: np.ndarray  # (D, M) dy_T / dx_{T-m}
    memory: np.ndarray  # (D,) first m with gradient < 1% of gradient[0] (M if none)
    total: np.ndarray  # (D,) sum over m of the gradient


def ssm_memory(
    deltas: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0), n: int = 16, lags: int = 20000
) -> SSMMemory:
    """Ch. 8 for h_t = Lambda h_{t-1} + B_bar x_t, y_t = C h_t (``linear_rnn.discretise``, A_log =
    log(1..n) as Mamba initialises it, B = C = 1), per Delta, dy_T/dx_{T-m} = C Lambda^m B_bar
    for m = 0..lags-1 (the impulse response: the tests check it against the recurrence)."""
    deltas = _check_tuple(deltas, "deltas", lambda v: check_real(v, "deltas", positive=True))
    n, lags = check_size(n, "n"), check_size(lags, "lags")
    A_log = np.log(np.arange(1.0, n + 1))
    eig, grad = [], []
    for delta in deltas:
        lam, b = linear_rnn.discretise(A_log, delta)
        lam, b = lam.real, b.real  # theta = 0: real
        with np.errstate(under="ignore"):
            y = (b * lam ** np.arange(lags)[:, None]).sum(axis=1)  # C Lambda^m B_bar, B = C = 1
        eig.append(lam)
        grad.append(y)
    grad = np.array(grad)
    below = grad < 0.01 * grad[:, :1]
    memory = np.where(below.any(axis=1), below.argmax(axis=1), lags)
    return SSMMemory(deltas, np.arange(lags), np.array(eig), grad, memory, grad.sum(axis=1))


# 3. an LRU on the adding problem ------------------------------------------------------------------


@dataclass(frozen=True)
class LRUAdding:
    """Ch. 8 LRU-style models trained on the adding problem of length T until solved (validation
    loss below 0.3 x baseline) or the cap, one per seed; the trained models are kept."""

    T: int
    seeds: tuple[int, ...]
    cap: int
    steps: np.ndarray  # (S,) Adam steps taken
    solved: np.ndarray  # (S,) bool
    valid_loss: np.ndarray  # (S,) validation loss / baseline when stopped
    radius: np.ndarray  # (S,) largest |lambda| after training
    models: tuple  # the trained LRUs


def _adding_valid(T: int, n: int = 256):
    return adding_problem(n, T, rng=np.random.default_rng([_TAG_VALID, T]))


@quiet_overflow  # a huge lr diverges to inf/NaN losses, no warnings
def lru_adding(
    T: int = 100,
    seeds: tuple[int, ...] = (0, 1),
    *,
    cap: int = 1500,
    n_h: int = 16,
    lr: float = 3e-2,
    check_every: int = 25,
    r_min: float = 0.9,
    r_max: float = 0.999,
    normalise: bool = True,
) -> LRUAdding:
    """Ch. 8 train ``init_lru(2, n_h, 1, n_e=n_h, r_min, r_max, normalise)`` with Adam(lr,
    clip 1) on batches of 32 adding problems, loss at the last step, checking a validation set
    of 256 every `check_every` steps; stop once solved or at `cap`."""
    T = check_int(T, "T", minimum=2)
    seeds = _check_tuple(seeds, "seeds", lambda v: check_int(v, "seeds"))
    cap, n_h, check_every = (
        check_size(v, k) for v, k in ((cap, "cap"), (n_h, "n_h"), (check_every, "check_every"))
    )
    lr = check_real(lr, "lr", positive=True)
    x_v, y_v = _adding_valid(T)
    threshold = SOLVED_FRACTION * ADDING_BASELINE_LOSS
    steps, solved, valid, radius, models = [], [], [], [], []
    for seed in seeds:
        model = linear_rnn.init_lru(
            2, n_h, 1, n_e=n_h, r_min=r_min, r_max=r_max, normalise=normalise,
            rng=np.random.default_rng([_TAG_LRU, seed]),
        )  # fmt: skip
        data = np.random.default_rng([_TAG_LRU + 1, seed, T])
        optimizer = Adam(lr, clip=1.0)
        done, loss = 0, math.inf
        while done < cap:
            model, history = train(
                model,
                lambda m, x, y: linear_rnn.loss_and_grads(m, x, y, loss_at="last"),
                lambda s, data=data: adding_problem(32, T, rng=data),
                optimizer,
                steps=min(check_every, cap - done),
            )
            done += history.steps
            e = linear_rnn.forward(model, x_v).y_hat[:, -1] - y_v
            loss = 0.5 * float(np.mean(e**2))
            if history.diverged or loss < threshold:
                break
        steps.append(done)
        solved.append(loss < threshold)
        valid.append(loss / ADDING_BASELINE_LOSS)
        radius.append(float(np.abs(linear_rnn.eigenvalues(model)).max()))
        models.append(model)
    return LRUAdding(
        T, seeds, cap, np.array(steps), np.array(solved), np.array(valid), np.array(radius),
        tuple(models),
    )  # fmt: skip


# 4. gradient against distance: attention, RNN, LSTM -----------------------------------------------

DISTANCE_MODELS: tuple[str, ...] = ("attention", "tanh RNN", "LSTM")


@dataclass(frozen=True)
class InputDistance:
    """Ch. 8 batch-mean Frobenius norm of d y_hat_T / d x_{T-m} against the lag m, at
    initialisation, for each model on the same inputs; and the attention output's change when
    x_1..x_{T-1} are shuffled (0 up to rounding: no built-in order)."""

    models: tuple[str, ...]
    lags: np.ndarray  # (T,) m = 0..T-1
    norms: np.ndarray  # (M, T)
    shuffle_change: float  # max |y_hat_T(shuffled) - y_hat_T| for attention


def _jacobian_norms(grad_of_row, n_y: int, B: int, T: int) -> np.ndarray:
    """||d y_hat_T / d x_s||_F for s = 1..T, batch mean, from dL/dx for each one-hot output."""
    total = np.zeros((B, T))
    for j in range(n_y):
        d_x = grad_of_row(j)  # (B, T, n_x)
        total += np.sum(d_x**2, axis=2)
    return np.sqrt(total).mean(axis=0)  # (T,), index s - 1


def input_distance(
    T: int = 60, n_x: int = 4, n_h: int = 32, n_y: int = 4, batch: int = 32, seed: int = 0
) -> InputDistance:
    """Ch. 8 the sensitivity of the last output to each input, at initialisation: one causal
    attention head (d_k = n_h), a tanh RNN (orthogonal W_hh, Xavier W_xh) and an LSTM (forget
    bias 1), on x ~ N(0, I) (B, T, n_x)."""
    T, n_x, n_h, n_y, batch = (
        check_size(v, k)
        for v, k in ((T, "T"), (n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"), (batch, "batch"))
    )
    rng = np.random.default_rng([_TAG_DIST, check_int(seed, "seed")])
    x = rng.standard_normal((batch, T, n_x))
    init = int(rng.integers(2**31))
    att = attention.init_attention(n_x, n_h, n_y, rng=init)
    cache = attention.forward(att, x)

    def att_row(j):
        dy = np.zeros_like(cache.y_hat)
        dy[:, -1, j] = 1.0
        return attention.input_gradients(att, cache, dy)

    norms = [_jacobian_norms(att_row, n_y, batch, T)]
    for model in (
        rnn.init_rnn(n_x, n_h, n_y, rng=init),
        lstm.init_lstm(n_x, n_h, n_y, forget_bias=1.0, rng=init),
    ):
        c = rnn.forward(model, x)

        def row(j, model=model, c=c):
            dh = np.zeros((batch, T, n_h))
            dh[:, -1] = model.W_hy[j]
            return input_gradients(model, c, dh)

        norms.append(_jacobian_norms(row, n_y, batch, T))
    shuffled = x.copy()
    shuffled[:, :-1] = x[:, rng.permutation(T - 1)]
    change = np.abs(attention.forward(att, shuffled).y_hat[:, -1] - cache.y_hat[:, -1]).max()
    norms = np.array(norms)[:, ::-1]  # index = lag T - s
    return InputDistance(DISTANCE_MODELS, np.arange(T), norms, float(change))


# 5. which input mattered: influence maps of trained models ----------------------------------------


@dataclass(frozen=True)
class InfluenceMap:
    """Ch. 8 |d y_hat_T / d x_t| (both input channels) for a few adding-problem sequences, per
    trained model, each row scaled to its maximum; where the two markers were; the models'
    validation loss / baseline."""

    models: tuple[str, ...]
    T: int
    influence: np.ndarray  # (M, N, T)
    marks: np.ndarray  # (N, 2) 0-based positions of the two marked steps
    error: np.ndarray  # (M, N) prediction minus target for each shown sequence
    loss: np.ndarray  # (M,) validation loss / baseline
    rnn_steps: int = 0  # Adam steps the tanh RNN was trained for


def influence_map(
    lru_result: LRUAdding, rnn_steps: int = 200, rnn_lr: float = 3e-3, n: int = 6
) -> InfluenceMap:
    """Ch. 8 the influence of each input on the prediction for `n` adding problems of length
    lru_result.T: the first trained LRU, and a tanh RNN (16 units, ch. 6's set-up and learning
    rate) trained for `rnn_steps` Adam steps on the same length."""
    if not isinstance(lru_result, LRUAdding):
        raise TypeError(f"lru_result must be an LRUAdding, got {type(lru_result).__name__}")
    rnn_steps, n = check_size(rnn_steps, "rnn_steps"), check_size(n, "n")
    rnn_lr = check_real(rnn_lr, "rnn_lr", positive=True)
    T = lru_result.T
    x, y = adding_problem(n, T, rng=np.random.default_rng([_TAG_MAP, T]))
    marks = np.sort(np.argsort(-x[:, :, 1], axis=1)[:, :2], axis=1)
    data = np.random.default_rng([_TAG_MAP + 1, T])
    vanilla, _ = train(
        rnn.init_rnn(2, 16, 1, rng=np.random.default_rng([_TAG_MAP + 2])),
        lambda m, xb, yb: rnn.loss_and_grads(m, xb, yb, loss_at="last"),
        lambda s: adding_problem(32, T, rng=data),
        Adam(rnn_lr, clip=1.0),
        steps=rnn_steps,
    )
    lru_model = lru_result.models[0]
    c = rnn.forward(vanilla, x)
    error = (
        np.array([linear_rnn.forward(lru_model, x).y_hat[:, -1, 0], c.y_hat[:, -1, 0]]) - y[:, 0]
    )
    dh = np.zeros((n, T, vanilla.n_h))
    dh[:, -1] = vanilla.W_hy[0]
    maps = [np.linalg.norm(g, axis=2) for g in (linear_rnn.output_input_gradients(lru_model, x),
                                                input_gradients(vanilla, c, dh))]  # fmt: skip
    maps = np.array([m / m.max(axis=1, keepdims=True) for m in maps])  # (M, n, T)
    x_v, y_v = _adding_valid(T)
    losses = [
        0.5 * float(np.mean((linear_rnn.forward(lru_model, x_v).y_hat[:, -1] - y_v) ** 2)),
        0.5 * float(np.mean((rnn.forward(vanilla, x_v).y_hat[:, -1] - y_v) ** 2)),
    ]
    return InfluenceMap(
        ("LRU", "tanh RNN"),
        T,
        maps,
        marks,
        error,
        np.array(losses) / ADDING_BASELINE_LOSS,
        rnn_steps,
    )


def influence_numbers(result: InfluenceMap) -> dict[str, object]:
    """Ch. 8 what the prose quotes from the LRU's map: the rows whose two marks stand out (both at
    least 0.4 of the row maximum, every other step at most 0.3), the smallest mark and largest
    other value over those rows, and the first other row (1-based) and its |prediction error|."""
    if not isinstance(result, InfluenceMap):
        raise TypeError(f"result must be an InfluenceMap, got {type(result).__name__}")
    on, mark_min, other_max, miss = 0, 1.0, 0.0, None
    for r, (row, marks) in enumerate(zip(result.influence[0], result.marks, strict=True)):
        others = np.delete(row, marks)
        if row[marks].min() >= 0.4 and others.max() <= 0.3:
            on += 1
            mark_min, other_max = min(mark_min, row[marks].min()), max(other_max, others.max())
        elif miss is None:
            miss = r
    out = {
        "ch08_map_rows_on_marks": on,
        "ch08_map_mark_min": f"{mark_min:.2f}",
        "ch08_map_other_max": f"{other_max:.2f}",
    }
    if miss is not None:
        out |= {
            "ch08_map_miss_row": miss + 1,
            "ch08_map_miss": f"{abs(result.error[0, miss]):.2f}",
        }
    return out
