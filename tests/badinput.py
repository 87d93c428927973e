"""The bad-input registry of tests/test_bad_input.py (issue 14): for every public callable of the
package, a valid call and, per argument, the kind of argument it is. The test feeds each argument
every bad value of its kind and expects a TypeError or ValueError whose message names the argument.

How to register a new public function (see also the top of tests/test_bad_input.py):

    case("vanishing.experiments.ch07.mean_field_depth",       # module path + qualified name
         dict(sigma_w2=1.5, depth=3),                          # a valid (cheap!) call
         sigma_w2=POS, depth=SIZE)                             # argument -> kind

    case("vanishing.experiments.ch07.Result.at",              # a method: pass obj=
         dict(m=1), obj=lambda: small_result(), m=index(0, 10))

Kinds are the constants below (SIZE, COUNT, REAL, POS, REALS, NAMES(...), RESULT, ...) or built
with ``array(...)``/``index(...)``/``choice(...)``; ``extra=[(kwargs, "argname"), ...]`` adds
one-off bad calls. Callables with no arguments, properties, frozen result records (built by a
checked function) and SymPy function symbols are covered without a case; anything else that
cannot take a bad argument goes into EXEMPT with the reason.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

# kinds of argument: the bad values each must reject -----------------------------------------


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of argument: fixed bad values, and (for arrays) mutations of the valid value."""

    label: str
    bad: tuple = ()
    array: bool = False  # mutate the valid value too (non-finite entries, shapes, ragged)
    ndim_free: bool = False  # any shape is valid (only dtype/ragged/finiteness mutations)
    allow_nonfinite: bool = False  # NaN/inf are valid entries (activations propagate them)
    free_axes: tuple[int, ...] = ()  # axes of any length >= 1 (a batch axis); others are fixed

    def __add__(self, more: tuple) -> Kind:
        return dataclasses.replace(self, bad=self.bad + tuple(more))

    def optional(self) -> Kind:
        """The same kind where None is valid (it means "the default")."""
        return dataclasses.replace(self, bad=tuple(v for v in self.bad if v is not None))


@dataclasses.dataclass(frozen=True)
class _Other:
    """A result record of the wrong kind, for arguments that take a result."""

    x: float = 1.0


OTHER = _Other()
_NOT_NUMBERS = (None, "3", [3], {"a": 1}, 1j)

SIZE = Kind("positive int", _NOT_NUMBERS + (True, 2.5, 3.0, np.nan, 0, -1))
COUNT = Kind("int >= 0", _NOT_NUMBERS + (True, 2.5, 3.0, np.nan, -1))
INT = Kind("int", _NOT_NUMBERS + (True, 2.5, np.nan))
SEED = Kind("seed", ("0", [0], 2.5, True, -1, 1j))  # None may mean "default"; not tested
REAL = Kind("finite real", _NOT_NUMBERS + (True, np.nan, np.inf, -np.inf))
POS = REAL + (0.0, -1.0)
NONNEG = REAL + (-1.0,)
PROB = REAL + (-0.5, 1.5)  # a number in [0, 1]
BOOL = Kind("bool", (None, 1, 0.0, "yes", [True]))
TEXT = Kind("str", (None, 3, ["a"], b"x"))
REALS = Kind(
    "non-empty sequence of finite reals",
    (None, "ab", {"a": 1.0}, (), [[1.0], [2.0, 3.0]], [np.nan], [np.inf], [1j], [True], ["1"]),
)
POS_REALS = REALS + ([0.0], [-1.0])
NONNEG_REALS = REALS + ([-1.0],)
SIZES = Kind("non-empty sequence of positive ints", (None, "ab", (), [0], [-1], [2.5], [True], {}))
COUNTS = Kind("non-empty sequence of ints >= 0", (None, "ab", (), [-1], [2.5], [True], {}))
SEEDS = COUNTS
RESULT = Kind("result record", (None, "result", 1.0, {}, OTHER))
MODEL = Kind("model", (None, "model", 1.0, {}, OTHER))
CALLABLE = Kind("callable", (None, "f", 1.0))
PATH = Kind("path", (None, 3, ["a"]))


NAME = Kind("name", (None, 3, ["tanh"], "no such name"))  # one of a fixed set of names


def names() -> Kind:
    """A non-empty sequence of names: a bare str is not a tuple; unknown or empty."""
    return Kind("names", (None, "tanh", (), ["no such name"], [3], {}))


NAMES = names()


def index(low: int, high: int) -> Kind:
    """An int index in [low, high]; out of range below and above (no wrap-around)."""
    return Kind("index", (None, "1", 2.5, True, [1], np.nan, low - 1, high + 1))


def interval() -> Kind:
    """A pair (lo, hi) of finite reals with lo < hi."""
    return Kind("interval", (None, "ab", (), (1.0,), (2.0, 1.0), (1.0, np.nan), (1.0, 2.0, 3.0)))


INTERVAL = interval()


def array(**options) -> Kind:
    """A float array whose valid value is given in the call; mutated by the test."""
    return Kind("array", (None, "x", {"a": 1.0}), array=True, **options)


ARRAY = array()


# the registry ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    qualname: str
    valid: dict
    kinds: dict[str, Kind]
    obj: Callable[[], Any] | None = None
    extra: tuple = ()  # (kwargs override, argument name the error must mention)

    def kwargs(self) -> dict:
        """The valid call's arguments, lazy ones built now."""
        return {k: v() if isinstance(v, Lazy) else v for k, v in self.valid.items()}

    def target(self) -> Callable:
        """The callable: a module attribute path, or a method of obj()."""
        if self.obj is not None:
            return getattr(self.obj(), self.qualname.rsplit(".", 1)[1])
        return resolve(self.qualname)


CASES: dict[str, Case] = {}


class Lazy:
    """A valid argument built when first needed (a model, a cache, an experiment's result)."""

    def __init__(self, make: Callable, *args, **kwargs):
        self.make = functools.partial(make, *args, **kwargs)

    def __call__(self):
        return self.make()


lazy = Lazy


def case(qualname: str, valid: dict | None = None, *, obj=None, extra=(), **kinds: Kind) -> None:
    """Register the bad-input case of ``qualname`` (see the module docstring)."""
    assert qualname not in CASES, f"{qualname} registered twice"
    CASES[qualname] = Case(qualname, dict(valid or {}), kinds, obj, tuple(extra))


def resolve(qualname: str):
    """The object named by a dotted path 'vanishing.mod.Class.attr' (longest importable module)."""
    import importlib

    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise LookupError(qualname)


# Public callables that cannot be given a bad argument in a meaningful way: {qualname: why}.
EXEMPT: dict[str, str] = {}


def exempt(qualname: str, why: str) -> None:
    assert qualname not in EXEMPT, qualname
    EXEMPT[qualname] = why


# cheap valid objects shared by the cases ------------------------------------------------------

rng = np.random.default_rng


@functools.cache
def small(name: str):
    """Small valid objects (models, caches, results) built once per session."""
    from vanishing import gru, lstm, mlp, resblock, residual, rnn

    if name in ("rnn", "lstm", "gru"):
        module = {"rnn": rnn, "lstm": lstm, "gru": gru}[name]
        return getattr(module, f"init_{name}")(2, 3, 1, rng=0)
    if name == "mlp":
        return mlp.init_mlp([2, 3, 1], activation="tanh", rng=0)
    if name == "residual":
        return residual.init_residual(3, 2, 1, rng=0)
    if name == "resblock":
        return resblock.init_branch_residual(3, 2, 1, rng=0)
    raise KeyError(name)


def cache(name: str):
    """A forward cache of the small model `name`."""
    from vanishing import mlp, recurrent, resblock, residual

    model = small(name)
    if name in ("rnn", "lstm", "gru"):
        return recurrent.forward(model, X3)
    module = {"mlp": mlp, "residual": residual, "resblock": resblock}[name]
    return module.forward(model, X2 if name == "mlp" else X2W)


def grads(name: str):
    from vanishing import mlp, recurrent, resblock, residual

    if name in ("rnn", "lstm", "gru"):
        return recurrent.loss_and_grads(small(name), X3, np.zeros((2, 4, 1)))[1]
    module = {"mlp": mlp, "residual": residual, "resblock": resblock}[name]
    return module.loss_and_grads(small(name), X2 if name == "mlp" else X2W, np.zeros((2, 1)))[1]


X3 = rng(0).standard_normal((2, 4, 2))  # (B, T, n_x) for the small recurrent models
X2 = rng(1).standard_normal((2, 2))  # (B, n_0) for the small MLP
X2W = rng(2).standard_normal((2, 3))  # (B, n) for the small residual stacks
M2 = np.array([[0.5, 0.2], [0.1, 0.4]])
BATCH = dict(free_axes=(0,))

# core: activations (validate: the value checked; name, bounds and shapes are the package's own
# constants, not user input), validate, linalg, init, tasks, clip, fmt, gradcheck, versions ------------

Z = array(ndim_free=True, allow_nonfinite=True)  # activations take any shape; NaN propagates
for _act in ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"):
    case(f"vanishing.activations.{_act}", dict(z=[0.5, -1.0]), z=Z)
    case(f"vanishing.activations.{_act}_prime", dict(z=[0.5, -1.0]), z=Z)
case("vanishing.activations.get_activation", dict(name="tanh"), name=NAME)

exempt("vanishing.validate.is_int", "a predicate: True/False for any value, never an error")
_V = "vanishing.validate."
case(_V + "check_int", dict(value=3, name="value"), value=COUNT)
case(_V + "check_size", dict(value=3, name="value"), value=SIZE)
case(_V + "check_real", dict(value=1.0, name="value"), value=REAL)
case(_V + "check_nonnegative", dict(value=1.0, name="value"), value=NONNEG)
case(_V + "check_bool", dict(value=True, name="value"), value=BOOL)
case(_V + "check_str", dict(value="a", name="value"), value=TEXT)
case(_V + "check_index", dict(value=1, name="value", low=0, high=3), value=index(0, 3))
case(_V + "check_instance", dict(value=1, name="value", cls=int), value=RESULT)
case(_V + "check_reals", dict(values=[1.0], name="values"), values=REALS)
case(_V + "check_ints", dict(values=[1], name="values"), values=COUNTS)
case(_V + "check_choices", dict(values=["a"], name="values", choices=("a",), kind="name"),
     values=NAMES)
case(_V + "check_interval", dict(values=(0.0, 1.0), name="values"), values=INTERVAL)
case(_V + "check_choice", dict(value="a", name="value", choices=("a",), kind="name"),
     value=NAME)
case(_V + "check_activation", dict(value="tanh", name="value"), value=NAME)
case(_V + "as_generator", dict(seed_or_rng=0), seed_or_rng=SEED + (None,))
case(_V + "as_real_array", dict(value=[1.0], name="value"),
     value=array(ndim_free=True, allow_nonfinite=True))
case(_V + "check_finite", dict(arr=np.ones(2), name="arr"), arr=array(ndim_free=True))
case(_V + "check_array", dict(value=np.ones((2, 2)), name="value", ndim=2, nonempty=True),
     value=array(free_axes=(0, 1)))
case(_V + "check_shape", dict(value=np.ones((2, 2)), name="value", shape=(2, 2)),
     value=ARRAY)
case(_V + "check_recurrent", dict(value=M2, name="value"), value=ARRAY)
case(_V + "check_input_weights", dict(value=np.ones((2, 3)), name="value", n_h=2),
     value=array(free_axes=(1,)))
case(_V + "check_readout", dict(W_hy=np.ones((1, 2)), b_y=np.ones(1), n_h=2),
     W_hy=array(free_axes=(0,)), b_y=ARRAY)
case(_V + "check_cache_shapes", dict(cache=_Other(), expected={"x": ()}),
     cache=Kind("cache", (None,)),
     extra=[(dict(expected={"x": (2,)}), "cache")])
case(_V + "check_gate_params", dict(model=lazy(small, "lstm"), gates=("f", "i", "o", "c")),
     model=MODEL)

case("vanishing.linalg.spectral_radius", dict(W=M2), W=ARRAY)
case("vanishing.linalg.sigma_max", dict(W=M2), W=ARRAY)
case("vanishing.linalg.with_spectral_radius", dict(W=M2, rho=0.9), W=ARRAY, rho=NONNEG)
case("vanishing.linalg.random_matrix", dict(n=3, rho=0.9), n=SIZE, rho=NONNEG.optional(), sigma=POS.optional(),
     kind=NAME, rng=SEED)
case("vanishing.linalg.nonnormal_example", dict(lam=0.9, c=4.0), lam=REAL, c=REAL)
case("vanishing.linalg.power_norms", dict(W=M2, k_max=3), W=ARRAY, k_max=COUNT)
case("vanishing.linalg.product_norms", dict(J=np.ones((3, 2, 2))), J=array(free_axes=(0,)))

case("vanishing.init.weight_variance", dict(n_out=3, n_in=2, scheme="he"), n_out=SIZE,
     n_in=SIZE, scheme=NAME)
case("vanishing.init.init_weight", dict(n_out=3, n_in=2, scheme="he"), n_out=SIZE, n_in=SIZE,
     scheme=NAME, rng=SEED)

case("vanishing.tasks.adding_problem", dict(n=2, T=3, rng=0), n=SIZE, T=SIZE, rng=SEED)
case("vanishing.tasks.first_token", dict(n=2, T=3, rng=0), n=SIZE, T=SIZE, n_classes=SIZE,
     rng=SEED)
case("vanishing.tasks.first_token_baseline_loss", dict(n_classes=4), n_classes=SIZE)

GRADS = Kind("grads", (None, "g", 1.0, [np.ones(2) * np.nan], [1j], [None]))
for _clip in ("clip_by_global_norm", "clip_by_value", "clip_per_parameter"):
    case(f"vanishing.clip.{_clip}", dict(grads=[np.ones(2)], threshold=1.0), grads=GRADS,
         threshold=POS)
# the norm of a non-finite gradient is non-finite: that is how train() notices divergence
case("vanishing.clip.global_norm", dict(grads=[np.ones(2)]),
     grads=Kind("grads", (None, "g", 1.0, [1j], [None])))

case("vanishing.fmt.sci", dict(x=0.5), x=Kind("x", (None, "1", [1.0], 1j, True)),
     digits=SIZE, keep_zeros=BOOL)
case("vanishing.fmt.spread", dict(values=[1.0, 2.0]), fmt=CALLABLE,
     values=Kind("values", (None, "ab", {"a": 1.0}, (), [[1.0], [2.0, 3.0]], [np.nan], [1j])))

case("vanishing.gradcheck.central_difference",
     dict(loss=lambda: 0.0, param=np.ones(2)), loss=CALLABLE,
     param=Kind("param", (None, [1.0], np.ones(2, dtype=int), np.ones(0), np.array([np.nan]))),
     eps=POS)
case("vanishing.gradcheck.relative_error", dict(a=np.ones((2, 2)), b=np.ones((2, 2))),
     a=ARRAY, b=ARRAY)

case("vanishing.versions.versions", dict(packages=("numpy",)),
     packages=Kind("packages", (None, "numpy", 3, (3,), ("",))))
case("vanishing.versions.versions_markdown", dict(packages=("numpy",)),
     packages=Kind("packages", (None, "numpy", 3, (3,), ("",))))
