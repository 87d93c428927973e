"""Argument checks shared by the package: each returns the cleaned value or raises an error whose
message starts with the argument's name (TypeError for the wrong type, ValueError for a bad value).

Bottom layer: from the package it imports only ``vanishing.activations``.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from vanishing.activations import Activation, get_activation

# floating point ------------------------------------------------------------------------------


def quiet_overflow(fn):
    """Decorator for the public functions whose numbers may overflow by design (an exploding
    network, a huge input): inf (and the NaN of inf - inf) come back without a RuntimeWarning."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")

    @functools.wraps(fn)
    def quiet(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return fn(*args, **kwargs)

    return quiet


# scalars ------------------------------------------------------------------------------------


def is_int(value) -> bool:
    """True if value is an integer (numbers.Integral, numpy ints included) but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value, name: str, minimum: int = 0) -> int:
    """Return value as an int >= minimum; TypeError/ValueError naming `name` otherwise."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_size(value, name: str) -> int:
    """Return value as a positive int (a width or length); TypeError/ValueError naming `name`."""
    if not is_int(value):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def check_real(value, name: str, *, positive: bool = False) -> float:
    """Return value as a finite float (> 0 if `positive`); TypeError/ValueError naming `name`."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be finite{' and > 0' if positive else ''}, got {value}")
    return float(value)


def check_nonnegative(value, name: str) -> float:
    """Return value as a finite float >= 0 (a branch scale alpha, ch. 5); TypeError/ValueError
    naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value}")
    return float(value)


def check_bool(value, name: str) -> bool:
    """Return value if it is a bool (numpy bools included); TypeError naming `name` otherwise."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def check_str(value, name: str, *, nonempty: bool = False) -> str:
    """Return value if it is a str (non-blank if `nonempty`); TypeError/ValueError naming `name`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if nonempty and not value.strip():
        raise ValueError(f"{name} must be a non-empty str")
    return value


def check_index(value, name: str, low: int, high: int) -> int:
    """Return value as an int in [low, high] (an index, a lag); TypeError/ValueError naming
    `name` otherwise (a negative index does not wrap around)."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an int in [{low}, {high}], got {value}")
    return int(value)


def check_instance(value, name: str, cls: type | tuple[type, ...]):
    """Return value if it is an instance of `cls` (a result record, a model); TypeError naming
    `name` and the expected class otherwise."""
    if not isinstance(value, cls):
        classes = cls if isinstance(cls, tuple) else (cls,)
        expected = " or ".join(c.__name__ for c in classes)
        raise TypeError(f"{name} must be a {expected}, got {type(value).__name__}")
    return value


def _as_sequence(values, name: str) -> tuple:
    """values as a non-empty tuple; a str, a mapping, a set or a scalar is a TypeError."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be a 1-D sequence, got shape {values.shape}")
        values = values.tolist()
    if isinstance(values, str | bytes | dict | set | frozenset) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence (tuple or list), got {type(values).__name__}")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    return values


def check_reals(values, name: str, *, positive: bool = False, nonnegative: bool = False) -> tuple:
    """Return a non-empty 1-D sequence of finite reals as a tuple of floats (each > 0 if
    `positive`, >= 0 if `nonnegative`); TypeError/ValueError naming `name` otherwise."""
    out = []
    for i, v in enumerate(_as_sequence(values, name)):
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name}[{i}] must be a real number, got {type(v).__name__}")
        if not np.isfinite(v) or (positive and v <= 0) or (nonnegative and v < 0):
            bound = " and > 0" if positive else (" and >= 0" if nonnegative else "")
            raise ValueError(f"{name}[{i}] must be finite{bound}, got {v}")
        out.append(float(v))
    return tuple(out)


def check_ints(values, name: str, minimum: int = 0) -> tuple[int, ...]:
    """Return a non-empty sequence of ints >= minimum (sizes, seeds, lags) as a tuple;
    TypeError/ValueError naming `name` otherwise."""
    out = []
    for i, v in enumerate(_as_sequence(values, name)):
        if not is_int(v):
            raise TypeError(f"{name}[{i}] must be an int, got {type(v).__name__}")
        if v < minimum:
            raise ValueError(f"{name}[{i}] must be an int >= {minimum}, got {v}")
        out.append(int(v))
    return tuple(out)


def check_choices(values, name: str, choices: tuple[str, ...], *, kind: str) -> tuple[str, ...]:
    """Return a non-empty sequence of names, each one of `choices`, as a tuple; errors name
    `name` (a bare str is a TypeError: ("tanh") is not a tuple)."""
    return tuple(
        check_choice(v, f"{name}[{i}]", choices, kind=kind)
        for i, v in enumerate(_as_sequence(values, name))
    )


def check_interval(values, name: str) -> tuple[float, float]:
    """Return a pair (lo, hi) of finite reals with lo < hi; TypeError/ValueError naming `name`."""
    pair = check_reals(values, name)
    if len(pair) != 2 or not pair[0] < pair[1]:
        raise ValueError(f"{name} must be a pair (lo, hi) with lo < hi, got {values}")
    return pair


def check_choice(value, name: str, choices: tuple[str, ...], *, kind: str) -> str:
    """Return value if it is one of `choices` (each a `kind`); errors name `name`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name}: unknown {kind} {value!r}; valid {kind}s are {choices}")
    return value


def check_activation(value, name: str) -> Activation:
    """Return the Activation called `value`; TypeError/ValueError naming `name` otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be an activation name (str), got {type(value).__name__}")
    try:
        return get_activation(value)
    except ValueError as err:
        raise ValueError(f"{name}: {str(err).removeprefix('name: ')}") from None


def as_generator(seed_or_rng, *, name: str = "seed_or_rng") -> np.random.Generator:
    """Return a np.random.Generator from an int seed (>= 0) or pass a Generator through."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if not is_int(seed_or_rng):
        raise TypeError(
            f"{name} must be an int seed or a np.random.Generator, got {type(seed_or_rng).__name__}"
        )
    if seed_or_rng < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {seed_or_rng}")
    return np.random.default_rng(int(seed_or_rng))


# arrays -------------------------------------------------------------------------------------


def as_real_array(value, name: str) -> np.ndarray:
    """Return value as a float64 array (no copy if it is one); TypeError naming `name` otherwise
    (ValueError for a ragged nested list)."""
    try:
        arr = np.asarray(value)
    except ValueError:  # numpy: "setting an array element with a sequence" (ragged nesting)
        raise ValueError(f"{name} must be a rectangular numeric array, not a ragged list") from None
    if arr.dtype.kind not in "iuf":  # not bool: True is not a number here
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Return arr (as a float64 array) if it holds no NaN or inf; ValueError naming `name`
    otherwise."""
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
        arr = as_real_array(arr, name)
    if not np.isfinite(arr).all():  # the method, not np.all: this runs for every array checked
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return arr


def check_array(value, name: str, ndim: int, *, nonempty: bool = False) -> np.ndarray:
    """Return value as a finite float64 array with `ndim` dims (and at least one entry if
    `nonempty`); errors name `name`."""
    arr = as_real_array(value, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return check_finite(arr, name)


def check_shape(value, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return value as a finite float64 array of exactly `shape`; errors name `name`."""
    arr = check_array(value, name, len(shape))
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr


def check_recurrent(value, name: str) -> np.ndarray:
    """A recurrent matrix (ch. 2, 6): finite, float64, non-empty and square (n_h, n_h)."""
    arr = check_array(value, name, 2)
    n_h = arr.shape[0]
    if n_h < 1 or arr.shape != (n_h, n_h):
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {arr.shape}")
    return arr


def check_input_weights(value, name: str, n_h: int) -> np.ndarray:
    """Input weights (ch. 2, 6): finite, float64, shape (n_h, n_x) with n_x >= 1."""
    arr = check_array(value, name, 2)
    if arr.shape[0] != n_h or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape ({n_h}, n_x) with n_x >= 1, got {arr.shape}")
    return arr


def check_readout(W_hy, b_y, n_h: int) -> tuple[np.ndarray, np.ndarray]:
    """The read-out y_hat = W_hy h + b_y of a recurrent model: W_hy (n_y, n_h), b_y (n_y,)."""
    W_hy = check_array(W_hy, "W_hy", 2)
    if W_hy.shape[0] < 1 or W_hy.shape[1] != n_h:
        raise ValueError(f"W_hy must have shape (n_y, {n_h}) with n_y >= 1, got {W_hy.shape}")
    return W_hy, check_shape(b_y, "b_y", (W_hy.shape[0],))


def check_cache_shapes(cache, expected: dict[str, tuple[int, ...]]):
    """Return a forward cache whose fields have the ``expected`` shapes {field: shape}; a
    ValueError naming the first field that does not (the cache of another model or batch)."""
    for field, shape in expected.items():
        if not hasattr(cache, field):
            raise TypeError(f"cache must be a forward cache with field {field!r}, got "
                            f"{type(cache).__name__}")
        if np.shape(getattr(cache, field)) != shape:
            raise ValueError(
                f"cache does not match model: cache.{field} has shape "
                f"{np.shape(getattr(cache, field))}, expected {shape}"
            )
    return cache


def check_gate_params(model, gates: tuple[str, ...]) -> None:
    """Gated cells (ch. 6): W_g (n_h, n_x), U_g (n_h, n_h), b_g (n_h,) for every gate g, and the
    read-out; arrays are converted in place on ``model`` (a mutable dataclass)."""
    first = gates[0]
    if not hasattr(model, f"U_{first}"):
        raise TypeError(f"model must be a gated cell with U_{first}, got {type(model).__name__}")
    U = check_recurrent(getattr(model, f"U_{first}"), f"U_{first}")
    n_h = U.shape[0]
    n_x = check_input_weights(getattr(model, f"W_{first}"), f"W_{first}", n_h).shape[1]
    for g in gates:
        setattr(model, f"W_{g}", check_shape(getattr(model, f"W_{g}"), f"W_{g}", (n_h, n_x)))
        setattr(model, f"U_{g}", check_shape(getattr(model, f"U_{g}"), f"U_{g}", (n_h, n_h)))
        setattr(model, f"b_{g}", check_shape(getattr(model, f"b_{g}"), f"b_{g}", (n_h,)))
    model.W_hy, model.b_y = check_readout(model.W_hy, model.b_y, n_h)
