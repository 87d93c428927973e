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
    run_valid: bool = True  # False: the valid call is too slow for this test (tested elsewhere)

    def kwargs(self, skip=()) -> dict:
        """The valid call's arguments, lazy ones built now (except those in `skip`)."""
        return {
            k: v() if isinstance(v, Lazy) else v for k, v in self.valid.items() if k not in skip
        }

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


def case(
    qualname: str, valid: dict | None = None, *, obj=None, extra=(), run_valid=True, **kinds: Kind
) -> None:
    """Register the bad-input case of ``qualname`` (see the module docstring)."""
    assert qualname not in CASES, f"{qualname} registered twice"
    CASES[qualname] = Case(qualname, dict(valid or {}), kinds, obj, tuple(extra), run_valid)


@functools.cache
def result(qualname: str, **kwargs):
    """The result of an experiment (a small run, built once per session)."""
    return resolve(qualname)(**kwargs)


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


# PENDING: public callables registered after the chapter 7-9 merge; not yet covered. They have
# NO bad-input case yet: the discovery test reports them as "pending" (and counts them) instead
# of failing. Each name here is a debt: give it a case() and delete it from this set.
PENDING_WHY = "registered after the chapter 7-9 merge; not yet covered"
PENDING: set[str] = set()


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

# core: activations, validate, linalg, init, tasks, clip, fmt, gradcheck, versions -------------
# (validate: the value checked; name, bounds and shapes are the package's own constants)

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
case("vanishing.linalg.random_matrix", dict(n=3, rho=0.9), n=SIZE, rho=NONNEG.optional(),
     sigma=POS.optional(),
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

# core: models ---------------------------------------------------------------------------------


def edited(name: str, field: str, how: str):
    """A copy of the small model `name` edited after construction: one parameter set to NaN in
    place, or replaced by one of the wrong shape."""
    import copy

    model = copy.deepcopy(small(name))
    container, _, i = field.partition("[")
    value = getattr(model, container)
    target = value[int(i[:-1])] if i else value
    if how == "nan":
        target[...] = np.nan
    else:  # wrong shape
        bigger = np.zeros(tuple(d + 1 for d in target.shape))
        if i:
            value[int(i[:-1])] = bigger
        else:
            setattr(model, container, bigger)
    return model


def other_cache(name: str):
    """A cache of another model (or another width): never the right one for `name`."""
    return cache("gru" if name != "gru" else "rnn")


CACHE = Kind("cache", (None, "cache", 1.0, OTHER))
for _m, _fields in (("rnn", ("W_hh", "W_xh", "b_h", "W_hy")), ("lstm", ("U_f", "W_c", "b_o")),
                    ("gru", ("U_r", "W_u", "b_htilde"))):
    _R = "vanishing.recurrent."
    case(f"vanishing.{_m}.init_{_m}", dict(n_x=2, n_h=3, n_y=1), n_x=SIZE, n_h=SIZE, n_y=SIZE,
         scheme=NAME, rng=SEED,
         **({"activation": NAME, "scheme_hh": NAME} if _m == "rnn" else {}),
         **({"forget_bias": REAL} if _m == "lstm" else {}))
    _cls = _m.upper()
    _full = {k: v for k, v in small(_m).params().items()}
    _extra = [(dict({**_full, f: v}), f) for f in _fields
              for v in (np.full_like(_full[f], np.nan), np.zeros((9, 9, 9)), None)]
    case(f"vanishing.{_m}.{_cls}", dict(_full), extra=_extra)
    case(f"vanishing.{_m}.{_cls}.state_jacobians", dict(cache=lazy(cache, _m)),
         obj=lazy(small, _m), cache=CACHE + (lazy(other_cache, _m),))
    if _m != "rnn":
        case(f"vanishing.{_m}.direct_path_jacobians", dict(model=lazy(small, _m),
             cache=lazy(cache, _m)), model=MODEL + (lazy(small, "rnn"),), cache=CACHE)
        case(f"vanishing.{_m}.to_torch_state_dict", dict(model=lazy(small, _m)),
             model=MODEL + (lazy(small, "rnn"),))
        case(f"vanishing.{_m}.from_torch_state_dict",
             dict(state=lazy(lambda m=_m: resolve(f"vanishing.{m}.to_torch_state_dict")(
                 small(m)))),
             state=Kind("state", (None, "s", {}, {"x": np.ones(2)})))
    for _hook in ("step", "back_factors", "step_back", "param_grads"):
        exempt(f"vanishing.{_m}.{_cls}.{_hook}", "an engine hook: recurrent.forward/bptt call it "
               "inside the time loop with arguments they have checked")

# a square W_hh of another size no longer matches W_xh: the error names that mismatch
_EDITS = [
    (dict(model=lazy(edited, "rnn", "W_hh", "nan")), "W_hh"),
    (dict(model=lazy(edited, "rnn", "W_hh", "shape")), "W_xh"),
    (dict(model=lazy(edited, "rnn", "b_h", "shape")), "b_h"),
    (dict(model=lazy(edited, "lstm", "U_f", "nan"), x=X3), "U_f"),
    (dict(model=lazy(edited, "gru", "W_hy", "shape"), x=X3), "W_hy"),
]
_LSTM_EDITS = [(dict(model=lazy(edited, "lstm", "U_f", "nan")), "U_f"),
               (dict(model=lazy(edited, "lstm", "b_o", "shape")), "b_o")]
_R = "vanishing.recurrent."
_X3 = array(free_axes=(0, 1))
case(_R + "check_model", dict(model=lazy(small, "rnn")), model=MODEL, extra=_EDITS[:3])
case(_R + "check_cache", dict(model=lazy(small, "rnn"), cache=lazy(cache, "rnn")), model=MODEL,
     cache=CACHE + (lazy(other_cache, "rnn"),))
case(_R + "forward", dict(model=lazy(small, "rnn"), x=X3, h0=np.zeros((2, 3))), model=MODEL, x=_X3,
     h0=array().optional(), extra=_EDITS)
case(_R + "bptt", dict(model=lazy(small, "rnn"), cache=lazy(cache, "rnn"),
     dL_dh=np.ones((2, 4, 3))), model=MODEL, cache=CACHE + (lazy(other_cache, "rnn"),),
     dL_dh=ARRAY, extra=_EDITS[:3])
case(_R + "loss_and_grads", dict(model=lazy(small, "rnn"), x=X3, y=np.zeros((2, 4, 1)),
                                 h0=np.zeros((2, 3))),
     model=MODEL, x=_X3, y=ARRAY, loss_at=NAME, h0=array().optional(), extra=_EDITS[:3])
for _f in ("state_jacobians", "jacobian_products"):
    case(_R + _f, dict(model=lazy(small, "lstm"), cache=lazy(cache, "lstm")), model=MODEL,
         cache=CACHE + (lazy(other_cache, "lstm"),), extra=_LSTM_EDITS)
for _f in ("state_gradients", "state_gradient_norms"):
    case(_R + _f, dict(model=lazy(small, "gru"), cache=lazy(cache, "gru"), g_T=np.ones((2, 3))),
         model=MODEL, cache=CACHE + (lazy(other_cache, "gru"),), g_T=ARRAY)
case("vanishing.rnn.W_hh_grad_by_lag", dict(model=lazy(small, "rnn"), cache=lazy(cache, "rnn"),
     g_T=np.ones((2, 3))), model=MODEL + (lazy(small, "gru"),), cache=CACHE, g_T=ARRAY,
     extra=_EDITS[:1])
case(_R + "overflow_to_inf", dict(norms=np.ones(3)),
     norms=array(ndim_free=True, allow_nonfinite=True))
case(_R + "init_gated", dict(gates=("u", "r"), n_x=2, n_h=3, n_y=1, scheme="uniform", rng=0),
     gates=NAMES, n_x=SIZE, n_h=SIZE, n_y=SIZE, scheme=NAME, rng=SEED)
case(_R + "to_torch_gated", dict(model=lazy(small, "lstm"), order=("i", "f", "c", "o")),
     model=MODEL, order=NAMES, negate=Kind("negate", (None, 3, "zz")))
case(_R + "from_torch_gated", dict(state=lazy(lambda: resolve(
     "vanishing.lstm.to_torch_state_dict")(small("lstm"))), order=("i", "f", "c", "o")),
     state=Kind("state", (None, "s", {}, {"x": np.ones(2)})), order=NAMES,
     negate=Kind("negate", (None, 3, "zz")), inside_reset=Kind("inside_reset", (None, 3, "zz")))
exempt(_R + "Recurrent", "an abstract base class: RNN, LSTM and GRU are its cases")

_MLP = "vanishing.mlp."
_mlp_edits = [(dict(model=lazy(edited, "mlp", "weights[0]", "nan")), "weights[0]"),
              (dict(model=lazy(edited, "mlp", "biases[1]", "shape")), "biases[1]")]
case(_MLP + "MLP", dict(weights=[np.ones((3, 2)), np.ones((1, 3))], biases=[np.ones(3),
     np.ones(1)], activation="tanh"), weights=Kind("weights", (None, [], "w", [np.ones(3)])),
     biases=Kind("biases", (None, [], "b", [np.ones(3)])), activation=NAME,
     output_activation=NAME)
case(_MLP + "MLP.layer_activation", dict(l=1), obj=lazy(small, "mlp"), l=index(1, 2))
case(_MLP + "layer_params", dict(weights=[np.ones((3, 2))], biases=[np.ones(3)]),
     weights=Kind("weights", (None, "w", [], [None])),
     biases=Kind("biases", (None, "b", [], [None])))
case(_MLP + "replaced_layers", dict(weights=[np.ones((3, 2))], biases=[np.ones(3)],
     new={"W1": np.zeros((3, 2))}), weights=Kind("weights", (None, "w", [])),
     biases=Kind("biases", (None, "b", [])),
     new=Kind("new", (None, "W1", {"W1": np.ones(2)})))
case(_MLP + "init_mlp", dict(sizes=[2, 3, 1], activation="tanh"), sizes=SIZES + ([2],),
     activation=NAME, scheme=NAME, rng=SEED, output_activation=NAME)
case(_MLP + "forward", dict(model=lazy(small, "mlp"), x=X2), model=MODEL,
     x=array(**BATCH), extra=_mlp_edits)
case(_MLP + "mse_loss", dict(y_hat=np.ones((2, 1)), y=np.zeros((2, 1))), y_hat=array(**BATCH),
     y=ARRAY)
case(_MLP + "backward", dict(model=lazy(small, "mlp"), cache=lazy(cache, "mlp"),
     grad_out=np.ones((2, 1))), model=MODEL, cache=CACHE + (lazy(cache, "residual"),),
     grad_out=ARRAY, extra=_mlp_edits)
case(_MLP + "loss_and_grads", dict(model=lazy(small, "mlp"), x=X2, y=np.zeros((2, 1))),
     model=MODEL, x=array(**BATCH), y=ARRAY, extra=_mlp_edits)
case(_MLP + "layer_grad_norms", dict(grads=lazy(grads, "mlp")),
     grads=RESULT + (lazy(grads, "residual"),))
case(_MLP + "layer_jacobian", dict(model=lazy(small, "mlp"), cache=lazy(cache, "mlp"), l=1),
     model=MODEL, cache=CACHE, l=index(1, 2), b=index(0, 1))

for _m, _cls, _fields in (("residual", "ResidualMLP", ("weights[0]", "W_out")),
                          ("resblock", "BranchResidualMLP", ("W1[0]", "b_out"))):
    _P = f"vanishing.{_m}."
    _edits = [(dict(model=lazy(edited, _m, f, "nan")), f) for f in _fields]
    _edits += [(dict(model=lazy(edited, _m, _fields[0], "shape")), "must have shape"),
               (dict(model=lazy(edited, _m, _fields[1], "shape")), _fields[1])]
    _init = "init_residual" if _m == "residual" else "init_branch_residual"
    case(_P + _init, dict(n=3, L=2, n_out=1), n=SIZE, L=SIZE, n_out=SIZE, activation=NAME,
         alpha=NONNEG, rng=SEED, **({"scheme": NAME} if _m == "residual" else {}))
    _kw = dict(vars(small(_m)))
    case(_P + _cls, _kw, activation=NAME, alpha=NONNEG, W_out=Kind("W_out", (None, "w")),
         b_out=Kind("b_out", (None, np.ones(5))))
    case(_P + "forward", dict(model=lazy(small, _m), x=X2W), model=MODEL, x=array(**BATCH),
         extra=_edits)
    case(_P + "backward", dict(model=lazy(small, _m), cache=lazy(cache, _m),
         grad_out=np.ones((2, 1))), model=MODEL, cache=CACHE + (lazy(cache, "mlp"),),
         grad_out=ARRAY, extra=_edits)
    case(_P + "loss_and_grads", dict(model=lazy(small, _m), x=X2W, y=np.zeros((2, 1))),
         model=MODEL, x=array(**BATCH), y=ARRAY, extra=_edits)
    case(_P + "layer_grad_norms", dict(grads=lazy(grads, _m)),
         grads=RESULT + (lazy(grads, "mlp"),))
case("vanishing.residual.block_jacobian", dict(model=lazy(small, "residual"),
     cache=lazy(cache, "residual"), l=1), model=MODEL, cache=CACHE, l=index(1, 2),
     b=index(0, 1))

# core: the parameter protocol and the optimisers ------------------------------------------------

case("vanishing.params.check_params", dict(model=lazy(small, "rnn"), new={"W_hh": np.eye(3)},
                                          name="new"),
     model=MODEL, new=Kind("new", (None, "W_hh", {"W_zz": 1.0}, {"W_hh": np.eye(2)},
                                   {"W_hh": "x"})))
case("vanishing.params.Parametrised.with_params", dict(new={"W_hh": np.eye(3)}),
     obj=lazy(small, "rnn"), new=Kind("new", (None, "W_hh", {"W_zz": 1.0}, {"W_hh": np.eye(2)})),
     extra=[(dict(new={"W_hh": np.eye(3) * np.nan}), "W_hh")])
exempt("vanishing.params.Parametrised", "a mixin without arguments (the models are its cases)")
exempt("vanishing.params.AttributeView", "a mixin without arguments (records are its cases)")

_O = "vanishing.optim."
case(_O + "parameter_gradients", dict(model=lazy(small, "rnn"), grads=lazy(grads, "rnn")),
     model=MODEL, grads=RESULT + (lazy(grads, "lstm"),))
case(_O + "SGD", dict(lr=0.1), lr=POS, clip=POS.optional())
case(_O + "SGD.step", dict(model=lazy(small, "rnn"), grads=lazy(grads, "rnn")),
     obj=lazy(resolve(_O + "SGD"), 0.1), model=MODEL, grads=RESULT + (lazy(grads, "gru"),))
case(_O + "Adam", dict(lr=0.1), lr=POS, beta1=PROB + (1.0,), beta2=PROB + (1.0,), eps=POS,
     clip=POS.optional())
case(_O + "Adam.step", dict(model=lazy(small, "rnn"), grads=lazy(grads, "rnn")),
     obj=lazy(resolve(_O + "Adam")), model=MODEL, grads=RESULT + (lazy(grads, "gru"),))


def _batches(step):
    return X3, np.zeros((2, 4, 1))


case(_O + "train", dict(model=lazy(small, "rnn"), loss_and_grads=resolve(_R + "loss_and_grads"),
     batches=_batches, optimizer=lazy(resolve(_O + "SGD"), 0.01), steps=2), model=MODEL,
     loss_and_grads=CALLABLE, batches=CALLABLE, optimizer=Kind("optimizer", (None, "sgd", 1.0)),
     steps=SIZE, ema=PROB, record=CALLABLE.optional(),
     extra=[(dict(model=lazy(edited, "rnn", "W_hh", "nan")), "W_hh")])

# core: chapter 6's seed-stacked models (vanishing.stacked) -------------------------------------

_ST = "vanishing.stacked."
X4 = rng(3).standard_normal((2, 2, 4, 2))  # (S, B, T, n_x) for the small stacks
Y4 = np.zeros((2, 2, 1))  # (S, B, n_y)


@functools.cache
def small_stack(name: str):
    """Two small models of one kind ("rnn" or "lstm"), from seeds 0 and 1, as a Stack."""
    from vanishing import lstm, rnn, stacked

    module = {"rnn": rnn, "lstm": lstm}[name]
    return stacked.stack([getattr(module, f"init_{name}")(2, 3, 1, rng=s) for s in (0, 1)])


def stack_grads(name: str, how: str = ""):
    """The stacked gradient of small_stack(name) on X4, Y4 (one array wrong if `how`)."""
    from vanishing import stacked

    g = dict(stacked.loss_and_grads(small_stack(name), X4, Y4)[1])
    if how == "shape":
        g["b_y"] = np.zeros((2, 2))
    elif how == "nan":
        g["b_y"] = np.full((2, 1), np.nan)
    return g


def stepped_adam():
    """A stacked Adam after one step on small_stack("rnn") (moments of 2 models)."""
    from vanishing import stacked

    opt = stacked.Adam(0.1)
    g = stack_grads("rnn")
    opt.step(small_stack("rnn"), g, opt.norms(g))
    return opt


def rnn_model(activation: str = "tanh", n_h: int = 3):
    """A small RNN with another activation or width than small("rnn")."""
    from vanishing import rnn

    return rnn.init_rnn(2, n_h, 1, activation=activation, rng=0)


STACK = Kind("stack", (None, "st", 1.0, {}, OTHER, lazy(small, "rnn")))
KEEP = SEEDS + ([2], [0, 0], np.array([[0]]))  # out of range (S = 2), repeated, 2-D
case(_ST + "Stack.model", dict(s=1), obj=lazy(small_stack, "lstm"), s=index(0, 1))
case(_ST + "Stack.select", dict(keep=[1, 0]), obj=lazy(small_stack, "rnn"), keep=KEEP)
case(_ST + "stack", dict(models=lazy(lambda: [small("rnn"), small("rnn")])),
     models=Kind("models", (None, "rnn", 1.0, (), [], {}, [OTHER], [None],
                            lazy(small, "rnn"), lazy(lambda: [small("gru")]))),
     extra=[(dict(models=lazy(lambda: [small("rnn"), small("lstm")])), "models"),
            (dict(models=lazy(lambda: [small("rnn"), rnn_model(n_h=4)])), "models"),
            (dict(models=lazy(lambda: [small("rnn"), rnn_model("relu")])), "models"),
            (dict(models=lazy(lambda: [rnn_model("sigmoid")])), "models")])
case(_ST + "loss_and_grads", dict(st=lazy(small_stack, "rnn"), x=X4, y=Y4), st=STACK,
     x=array(free_axes=(1, 2)), y=ARRAY,
     extra=[(dict(st=lazy(small_stack, "lstm"), x=X4[..., :1]), "x")])
case(_ST + "Adam", dict(lr=0.1), lr=POS, clip=POS.optional())
case(_ST + "Adam.norms", dict(grads=lazy(stack_grads, "rnn")), obj=lazy(resolve(_ST + "Adam"), 0.1),
     grads=Kind("grads", (None, "g", 1.0, {}, [np.ones((2, 3))], {"W_hh": "x"},
                          {"W_hh": 1j * np.ones((2, 3))}, {"b_y": np.ones(())},
                          {"b_y": np.ones((0, 1))}, {"W_hh": np.ones((2, 3)), "b_y": np.ones(3)})))
case(_ST + "Adam.step", dict(st=lazy(small_stack, "rnn"), grads=lazy(stack_grads, "rnn"),
                             norms=np.array([0.5, 0.7])),
     obj=lazy(resolve(_ST + "Adam"), 0.1, clip=1.0), st=STACK + (lazy(small_stack, "lstm"),),
     grads=Kind("grads", (None, "g", {}, lazy(stack_grads, "lstm"),
                          lazy(stack_grads, "rnn", "shape"), lazy(stack_grads, "rnn", "nan"))),
     norms=ARRAY)
case(_ST + "Adam.select", dict(keep=[1]), obj=lazy(stepped_adam), keep=KEEP)

# experiments: small valid calls; every argument of its kind ----------------------------------

_E = "vanishing.experiments."
E1, E2, E3, E4, E5, E6 = (f"{_E}ch0{i}." for i in range(1, 7))
LS = dict(depth=6, width=3, d_in=2, steps=25, batch=4, n_train=8)

case(E1 + "power_table", dict(bases=(0.5,), exponents=(3,)), bases=POS_REALS, exponents=COUNTS)
case(E1 + "underflow_depth", dict(base=0.25, n_max=100), base=PROB + (1.0, 0.0), dtype=NAME,
     n_max=SIZE)
case(E1 + "gradient_norms_at_init", dict(activations=("tanh",), depth=2, width=3, batch=4),
     activations=NAMES, depth=SIZE, width=SIZE, batch=SIZE, scheme=NAME, seed=SEED)
case(E1 + "learning_speed", dict(LS), activation=NAME, depth=SIZE, width=SIZE, d_in=SIZE,
     scheme=NAME, steps=SIZE, lr=POS, batch=SIZE, n_train=SIZE, seed=SEED)
case(E1 + "LearningSpeed.ordered_fraction", dict(smooth=1),
     obj=lazy(result, E1 + "learning_speed", **LS), smooth=index(1, 25))
case(E1 + "linear_gradient_balance", dict(width=2), width=SIZE, c=POS, alpha=POS, seed=SEED)
case(E1 + "learning_speed_numbers",
     dict(runs=lazy(lambda: [result(E1 + "learning_speed", **LS)])),
     runs=Kind("runs", (None, [], "r", [None], [OTHER])))

LAG = dict(rhos=(0.9,), T=4, n_h=3, n_x=2, batch=2, seeds=(0,))
case(E2 + "gradient_by_lag_experiment", dict(LAG), rhos=POS_REALS, T=SIZE, n_h=SIZE, n_x=SIZE,
     batch=SIZE, input_scale=POS, activation=NAME, seeds=SEEDS)

case(E3 + "norm_vs_lag", dict(rhos=(0.9, 1.1), T=4, n_h=3), rhos=POS_REALS,
     variants=NAMES, T=SIZE, n_h=SIZE, seed=SEED)
case(E3 + "transient_growth", dict(k_max=5), lam=REAL, c=REAL, k_max=SIZE)
case(E3 + "eigenvector_condition", dict(M=M2), M=ARRAY)
case(E3 + "eigenvector_bound", dict(M=M2, k_max=5), M=array().optional(), k_max=SIZE)
case(E3 + "gaussian_powers", dict(n_h=3, k_max=4, seeds=(0,)), n_h=SIZE, k_max=SIZE,
     seeds=SEEDS)
OC = dict(rhos=(0.9, 1.1), scales=(0.1, 1.0), widths=(3,), seeds=(0,), T=6, lag=3)
case(E3 + "tanh_lag_norms", dict(rhos=(0.9, 1.1), scales=(0.1, 1.0), n_h=3, T=6, lag=3),
     rhos=POS_REALS, scales=POS_REALS, n_h=SIZE, T=SIZE, lag=SIZE, seed=SEED,
     extra=[(dict(lag=7), "lag")])
case(E3 + "order_chaos", dict(OC), rhos=POS_REALS, scales=POS_REALS, widths=SIZES, seeds=SEEDS,
     T=SIZE, lag=SIZE)
case(E3 + "OrderChaos.at", dict(rho=0.9, scale=0.1), obj=lazy(result, E3 + "order_chaos", **OC),
     rho=REAL + (0.7,), scale=POS + (3.0,), width=SIZE.optional() + (5,))
case(E3 + "OrderChaos.boundary", dict(), obj=lazy(result, E3 + "order_chaos", **OC),
     width=SIZE.optional() + (5,))
case(E3 + "order_chaos_numbers",
     dict(cases=lazy(lambda: {"a": (result(E3 + "order_chaos", **OC), 0.9, 0.1, 3)})),
     cases=Kind("cases", (None, {}, "c", {"a": None}, {"a": (OTHER, 0.9, 0.1, 3)})))

case(E4 + "activation_curves", dict(names=("tanh",), z=np.linspace(-1, 1, 5)), names=NAMES,
     z=array(free_axes=(0,)))
SAT = dict(scales=(0.5, 1.0), n_in=3, n_units=4, batch=5, activations=("tanh",))
case(E4 + "saturation", dict(SAT), scales=POS_REALS, n_in=SIZE, n_units=SIZE, batch=SIZE,
     activations=NAMES, tol=POS, seed=SEED)
case(E4 + "Saturation.half_saturated_scale", dict(a=0), obj=lazy(result, E4 + "saturation",
     **SAT), a=index(0, 0))
case(E4 + "deep_saturation", dict(scales=(0.5, 1.0), depth=2, width=3, batch=4,
     activations=("tanh",)), scales=POS_REALS, depth=SIZE, width=SIZE, batch=SIZE,
     activations=NAMES, seed=SEED)
DY = dict(depth=2, width=3, batch=4, lrs=(0.1,), bias_shifts=(0.0,), d_in=2)
case(E4 + "dying_relu", dict(DY), depth=SIZE, width=SIZE, batch=SIZE, lrs=POS_REALS,
     bias_shifts=REALS, activations=NAMES, d_in=SIZE, target_scale=POS, seed=SEED)
PC = dict(n=4, T=20, n_matrices=16)
case(E4 + "pascanu_check", dict(PC), activation=NAME, n=SIZE, T=SIZE, n_matrices=SIZE,
     gs_range=INTERVAL, conditions=NAMES, vanish_tol=POS, seed=SEED, input_std=POS)
for _meth in ("first_above_one", "gamma_rho_at_first"):
    case(E4 + f"PascanuCheck.{_meth}", dict(condition="Gaussian W, zero input"),
         obj=lazy(result, E4 + "pascanu_check", **PC), condition=NAME)
case(E4 + "sigmoid_caveat", dict(ws=(2.0,), T=4), ws=REALS, T=SIZE, delta=REAL + (0.0,))
case(E4 + "dying_numbers", dict(dying=lazy(result, E4 + "dying_relu", **DY)), dying=RESULT)
case(E4 + "pascanu_numbers", dict(check=lazy(result, E4 + "pascanu_check", **PC)),
     check=RESULT)

CLIFF = dict(grid=5, T=5, steps=3)
SWEEP = dict(lrs=(0.01,), starts=((6.0, -4.0),), T=5, steps=3, tail=2)
CLIP = dict(T=6, n_h=3, n_x=2, batch=2, far_lag=2)
GB = dict(width=4, hidden=2, batch=5, bins=3)
HE = dict(depth=3, width=4, batch=4)
RIL = dict(T=4, n=3, batch=2, n_x=2)
MF = dict(depth=2, settle=5, order=11)
RES = dict(depth=3, width=4, batch=4)
case(E5 + "one_unit_rnn", dict(w=np.array([2.0]), b=np.array([-1.0]), T=3),
     w=array(ndim_free=True), b=array(ndim_free=True), T=SIZE, x0=REAL,
     extra=[(dict(b=np.ones(3), w=np.ones(2)), "b")])
case(E5 + "one_unit_loss_and_grad", dict(w=np.array([2.0]), b=np.array([-1.0]), T=3),
     w=array(ndim_free=True), b=array(ndim_free=True), T=SIZE, x0=REAL, target=REAL)
case(E5 + "cliff", dict(CLIFF), w_range=INTERVAL, b_range=INTERVAL, grid=SIZE + (1,), T=SIZE,
     target=REAL, start=Kind("start", (None, "s", (1.0,), (np.nan, 1.0))), lr=POS, steps=SIZE,
     threshold=POS, x0=REAL)
case(E5 + "CliffSweep.thrown_off", dict(length=1.0), obj=lazy(result, E5 + "cliff_sweep",
     **SWEEP), length=NONNEG)
case(E5 + "random_cliff_starts", dict(n=2), n=SIZE, w=INTERVAL, b=INTERVAL, seed=SEED)
case(E5 + "cliff_sweep", dict(SWEEP), lrs=POS_REALS,
     starts=Kind("starts", (None, "s", (), ((1.0,),), ((np.nan, 1.0),))), T=SIZE, target=REAL,
     steps=SIZE, threshold=POS, x0=REAL, tail=SIZE + (5,))
case(E5 + "clipping_rescales_only", dict(CLIP), T=SIZE, n_h=SIZE, n_x=SIZE, batch=SIZE,
     threshold=POS, far_lag=SIZE + (7,), seed=SEED)
case(E5 + "glorot_bengio", dict(GB), width=SIZE, hidden=SIZE, batch=SIZE, schemes=NAMES,
     activation=NAME, seed=SEED, bins=SIZE, n_jacobian=SIZE + (6,))
case(E5 + "he_decay", dict(HE), depth=SIZE, width=SIZE, batch=SIZE, schemes=NAMES, seed=SEED)
case(E5 + "RNNInitLags.at_lag", dict(m=1), obj=lazy(result, E5 + "rnn_init_lags", **RIL),
     m=index(0, 4))
case(E5 + "rnn_init_lags", dict(RIL), T=SIZE, n=SIZE, seed=SEED, input_stds=POS_REALS,
     batch=SIZE, n_x=SIZE)
case(E5 + "rnn_init_spread", dict(m=1, seeds=(0,), T=4, n=3), m=index(0, 4), seeds=SEEDS,
     T=SIZE, n=SIZE, input_stds=POS_REALS)
case(E5 + "mean_field", dict(MF), activation=NAME + ("relu",), sigma_w2=POS,
     input_second_moment=POS, depth=SIZE, settle=COUNT, order=SIZE)
case(E5 + "residual_vs_plain", dict(RES), depth=SIZE, width=SIZE, batch=SIZE, seed=SEED)
case(E5 + "residual_depth_sweep", dict(depths=(2, 3), width=3, batch=2), depths=SIZES,
     width=SIZE, batch=SIZE, seed=SEED)
case(E5 + "relu_branch_gradient", dict(depths=(2, 3), width=3, batch=2), depths=SIZES,
     width=SIZE, batch=SIZE, seed=SEED)
case(E5 + "remedies_summary", dict(RES), depth=SIZE, width=SIZE, batch=SIZE, seed=SEED,
     threshold=POS)
case(E5 + "cliff_numbers", dict(cliff=lazy(result, E5 + "cliff", **CLIFF),
     sweep=lazy(result, E5 + "cliff_sweep", **SWEEP)), cliff=RESULT, sweep=RESULT)
case(E5 + "glorot_numbers", dict(gb=lazy(result, E5 + "glorot_bengio", **GB),
     mf=lazy(result, E5 + "mean_field", **MF), mf3=lazy(result, E5 + "mean_field", **MF)),
     gb=RESULT, mf=RESULT, mf3=RESULT)
case(E5 + "residual_numbers", dict(res=lazy(result, E5 + "residual_vs_plain", **RES),
     sweep=lazy(result, E5 + "residual_depth_sweep", depths=(2, 3), width=3, batch=2),
     rbg=lazy(result, E5 + "relu_branch_gradient", depths=(2, 3), width=3, batch=2)),
     res=RESULT, sweep=RESULT, rbg=RESULT, run_valid=False)

GVD = dict(T=4, n_h=3, n_x=2, batch=2)


@functools.cache
def small_sweep():
    return resolve(E6 + "steps_to_solve")(**SWEEP6)


SOLVE = dict(cap=2, n_h=3, batch=2, check_every=1)
SWEEP6 = dict(plan={"rnn": (3,)}, seeds=(0,), lr={"rnn": 0.01}, processes=1, **SOLVE)
case(E6 + "GradientVsDistance.at_lag", dict(m=1), obj=lazy(result, E6 + "gradient_vs_distance",
     **GVD), m=index(0, 4))
case(E6 + "gradient_vs_distance", dict(GVD), T=SIZE, n_h=SIZE, n_x=SIZE, batch=SIZE, seed=SEED)
case(E6 + "distance_spread", dict(widths=(3,), seeds=(0,), lag=2, reference_width=3),
     widths=SIZES, seeds=SEEDS, lag=SIZE, reference_width=SIZE + (4,))
case(E6 + "DistanceSpread.count_above", dict(key="orth_vs_lstm1", value=1.0),
     obj=lazy(result, E6 + "distance_spread", widths=(3,), seeds=(0,), lag=2, reference_width=3),
     key=NAME, value=REAL)
case(E6 + "adding_start_gradient", dict(T=3, seeds=(0,), models=("rnn", "lstm0"), n_h=3, batch=2),
     T=SIZE + (1,), seeds=SEEDS, models=NAMES, n_h=SIZE, batch=SIZE)
case(E6 + "AddingStartGradient.at_lag", dict(model="rnn", m=1),
     obj=lazy(result, E6 + "adding_start_gradient", T=3, seeds=(0,), models=("rnn",), n_h=3,
              batch=2), model=NAME, m=index(0, 3))
case(E6 + "lstm_explosion", dict(T=3, n_h=3, n_x=2, seeds=(0,), settings=((1.0, 1.0),)),
     T=SIZE, n_h=SIZE, n_x=SIZE, seeds=SEEDS, input_scale=POS,
     settings=Kind("settings", (None, "s", (), ((1.0,),), ((np.nan, 1.0),), ((1.0, 0.0),))))
case(E6 + "solve_adding", dict(model="rnn", T=3, lr=0.01, seed=0, **SOLVE), model=NAME,
     T=SIZE + (1,), lr=POS, seed=SEED, cap=SIZE, n_h=SIZE, batch=SIZE, clip=POS,
     check_every=SIZE)
case(E6 + "select_lr", dict(model="rnn", T=3, grid=(0.01,), seeds=(0,), cap=2, processes=1,
     n_h=3, batch=2, check_every=1), model=NAME, T=SIZE + (1,), grid=POS_REALS, seeds=SEEDS,
     cap=SIZE, n_h=SIZE, batch=SIZE, clip=POS, check_every=SIZE, processes=SIZE)
case(E6 + "StepsToSolve.cell", dict(m=0, l=0), obj=lazy(small_sweep), m=index(0, 0),
     l=index(0, 0))
case(E6 + "steps_to_solve", dict(SWEEP6),
     plan=Kind("plan", ("p", {}, {"zz": (3,)}, {"rnn": ()}, {"rnn": (1,)}, {"rnn": "3"})),
     seeds=SEEDS, cap=SIZE, lr=Kind("lr", ("x", {}, {"rnn": -1.0}, {"rnn": None})), n_h=SIZE,
     batch=SIZE, clip=POS, check_every=SIZE, processes=SIZE)
case(E6 + "rerun_sweep", dict(SWEEP6),
     plan=Kind("plan", ("p", {}, {"zz": (3,)}, {"rnn": ()})), seeds=SEEDS, cap=SIZE,
     extra=[(dict(bogus=1), "bogus")])
case(E6 + "prose_numbers", dict(sweep=lazy(small_sweep)), sweep=RESULT, run_valid=False)
case(E6 + "prose_claims", dict(sweep=lazy(small_sweep)), sweep=RESULT, run_valid=False)
case(E6 + "distance_numbers", dict(spread=lazy(result, E6 + "distance_spread", widths=(3,),
     seeds=(0,), lag=2, reference_width=3)), spread=RESULT, run_valid=False)

# plotting: each figure function takes a result of its own kind --------------------------------

_P = "vanishing.plotting."
NVL = dict(rhos=(0.5, 0.9, 1.0, 1.1, 1.5), T=4, n_h=3)


def _res(name: str, **kwargs) -> Lazy:
    return lazy(result, _E + name, **kwargs)


case(_P + "ch01.repeated_factors", dict(table=_res("ch01.power_table", bases=(0.5,),
     exponents=(3,)), n_max=10), table=RESULT, n_max=SIZE)
case(_P + "ch01.init_gradient_norms", dict(result=_res("ch01.gradient_norms_at_init",
     activations=("tanh",), depth=2, width=3, batch=4)), result=RESULT)
case(_P + "ch01.learning_speed", dict(result=_res("ch01.learning_speed", **LS), smooth=2),
     result=RESULT, smooth=SIZE + (26,))
case(_P + "ch02.lag_contributions", dict(results=_res("ch02.gradient_by_lag_experiment", **LAG),
     mark_lag=1), results=RESULT + ((), (OTHER,)), mark_lag=index(0, 3).optional())
case(_P + "ch03.norm_vs_lag", dict(result=_res("ch03.norm_vs_lag", **NVL)), result=RESULT,
     shown=POS_REALS + ((3.0,),))
case(_P + "ch03.transient_growth", dict(result=_res("ch03.transient_growth", k_max=5)),
     result=RESULT)
case(_P + "ch03.norm_vs_lag_slider", dict(result=_res("ch03.norm_vs_lag", **NVL), caption="c",
     alt="a"), result=RESULT, caption=TEXT, alt=TEXT + ("",))
case(_P + "ch03.slider_table", dict(result=_res("ch03.norm_vs_lag", **NVL)), result=RESULT,
     rhos=POS_REALS + ((3.0,),))
case(_P + "ch03.eigenvector_bound", dict(small=_res("ch03.eigenvector_bound", k_max=5),
     gaussian=_res("ch03.gaussian_powers", n_h=3, k_max=5, seeds=(0,))), small=RESULT,
     gaussian=RESULT)
case(_P + "ch03.order_chaos", dict(grid=_res("ch03.order_chaos", **OC),
     curves=_res("ch03.order_chaos", **OC)), grid=RESULT, curves=RESULT, run_valid=False)
case(_P + "ch04.activations", dict(result=_res("ch04.activation_curves")), result=RESULT)
case(_P + "ch04.saturation", dict(result=_res("ch04.saturation", **SAT)), result=RESULT,
     run_valid=False)
case(_P + "ch04.dying_relu", dict(result=_res("ch04.dying_relu", **DY)), result=RESULT)
case(_P + "ch04.pascanu", dict(result=_res("ch04.pascanu_check", **PC)), result=RESULT)
case(_P + "ch04.sigmoid_caveat", dict(result=_res("ch04.sigmoid_caveat", ws=(2.0,), T=4)),
     result=RESULT)
case(_P + "ch05.cliff", dict(result=_res("ch05.cliff", **CLIFF)), result=RESULT)
case(_P + "ch05.clipping_rescales_only", dict(result=_res("ch05.clipping_rescales_only",
     **CLIP)), result=RESULT)
case(_P + "ch05.glorot_bengio", dict(result=_res("ch05.glorot_bengio", **GB)), result=RESULT)
case(_P + "ch05.he_decay", dict(result=_res("ch05.he_decay", **HE)), result=RESULT)
case(_P + "ch05.rnn_init_lags", dict(result=_res("ch05.rnn_init_lags", **RIL)), result=RESULT)
case(_P + "ch05.residual_vs_plain", dict(result=_res("ch05.residual_vs_plain", **RES)),
     result=RESULT)
case(_P + "ch05.residual_depth_sweep", dict(result=_res("ch05.residual_depth_sweep",
     depths=(2, 3), width=3, batch=2)), result=RESULT)
case(_P + "ch05.remedies_summary", dict(result=_res("ch05.remedies_summary", **RES)),
     result=RESULT)
case(_P + "ch06.gradient_vs_distance", dict(result=_res("ch06.gradient_vs_distance", **GVD)),
     result=RESULT)
case(_P + "ch06.lstm_explosion", dict(result=_res("ch06.lstm_explosion", T=3, n_h=3, n_x=2,
     seeds=(0,), settings=((1.0, 1.0),))), result=RESULT)
case(_P + "ch06.steps_to_solve", dict(result=lazy(small_sweep)), result=RESULT)
case(_P + "diagrams.unrolled_rnn", dict(T=3), T=index(2, 8))
case(_P + "interactive.slider_figure", dict(curves=lazy(lambda: resolve(
     _P + "interactive.SliderCurves")("p", np.array([1.0, 2.0]), np.array([0.0, 1.0]),
     np.ones((2, 1, 2)), ("a",), "x", "y", (0.1, 10.0))), initial=0, caption="c", alt="a"),
     curves=RESULT, initial=index(0, 1), caption=TEXT, alt=TEXT + ("",))
case(_P + "style.new_figure", dict(width=2.0, height=1.0), width=POS, height=POS,
     layout=Kind("layout", (3, "no such layout", ["tight"])))
case(_P + "__main__.main", dict(argv=["--list"]), argv=Kind("argv", ("--list", 3, [3])))

# symbolic: the SymPy helpers -------------------------------------------------------------------

_S = "vanishing.symbolic."
SMALL_INT = SIZE + (10**6,)  # a SymPy size that would not finish is refused too (where capped)
case(_S + "activations.sympy_activation", dict(name="tanh"), name=NAME,
     z=Kind("z", ("z", [1.0], np.nan, 1j, {})))
case(_S + "activations.derivative", dict(name="tanh"), name=NAME)
case(_S + "activations.derivative_max", dict(name="tanh"), name=NAME)
case(_S + "activations.derivative_min", dict(name="gelu"), name=NAME + ("relu", "tanh"))
case(_S + "activations.derivative_zero", dict(name="gelu", guess=-1.0), name=NAME + ("relu",),
     guess=REAL)
case(_S + "activations.latex_table", dict(names=("tanh",)), names=NAMES)
_LNG = dict(L=2)
case(_S + "deep.linear_net_gradients", dict(L=2), L=SIZE,
     widths=Kind("widths", ("ab", (), (2,), (2, 0, 2), (2, 2.5, 2), (2, True, 2))))
case(_S + "deep.linear_net_gradients_explicit", dict(L=2), L=SIZE,
     widths=Kind("widths", ("ab", (), (2,), (2, 0, 2), (2, 2.5, 2))))
case(_S + "deep.equal_weights_gradient", dict(L=2), L=SIZE)
case(_S + "deep.sigmoid.fdiff", dict(argindex=1), obj=lazy(lambda: resolve(_S + "deep.sigmoid")(
     resolve("sympy.Symbol")("z"))), extra=[(dict(argindex=2), "argument number 2")])
case(_S + "deep.sigma_prime_count", dict(L=3, l=2), L=SIZE, l=SIZE + (4,))
case(_S + "deep.SigmoidChain.latex_display", dict(l=1), obj=lazy(lambda: resolve(
     _S + "deep.sigmoid_chain")(2)), l=index(1, 2))
case(_S + "deep.sigmoid_chain", dict(L=2), L=SIZE)
case(_S + "display.latex_gradients", dict(result=lazy(lambda: resolve(
     _S + "deep.linear_net_gradients")(2))), result=RESULT)
case(_S + "display.latex_equal_weights", dict(L=2), L=SIZE)
case(_S + "display.latex_sigmoid_chain", dict(chain=lazy(lambda: resolve(
     _S + "deep.sigmoid_chain")(2))), chain=RESULT)
case(_S + "display.latex_bptt_lines", dict(T=2), T=SIZE)
_LSTM = lazy(lambda: resolve(_S + "gates.scalar_lstm")())
case(_S + "gates.ScalarLSTM.latex_display", dict(expanded=False), obj=_LSTM, expanded=BOOL)
case(_S + "gates.ScalarLSTM.latex_jacobian", dict(compact=False), obj=_LSTM, compact=BOOL)
case(_S + "gates.ScalarLSTM.latex_gate_partials", dict(per_line=4), obj=_LSTM, per_line=SIZE)
case(_S + "gates.ScalarLSTM.latex_jacobian_named", dict(), obj=_LSTM)
case(_S + "gates.scalar_lstm", dict(), forget_gate=BOOL, recurrent=BOOL)
case(_S + "gates.ScalarGRU.latex_display", dict(expanded=False),
     obj=lazy(lambda: resolve(_S + "gates.scalar_gru")()), expanded=BOOL)
case(_S + "gates.scalar_gru", dict(), convention=NAME)
_MAT = Kind("M", ("M", 1.0, [[1, 2], [3]], np.nan, {}))
case(_S + "powers.power_by_eigendecomposition", dict(), M=_MAT + ([[1, 2]],))
case(_S + "powers.spectral_radius_exact", dict(), M=_MAT + ([[1, 2]],))
case(_S + "powers.sigma_max_exact", dict(), M=_MAT)
case(_S + "rnn.ScalarRNN.latex_display", dict(k=1), obj=lazy(lambda: resolve(
     _S + "rnn.unrolled_scalar")(2)), k=index(1, 2).optional())
case(_S + "rnn.unrolled_scalar", dict(T=2), T=SIZE, activation=NAME)
case(_S + "rnn.bptt_formula", dict(T=2), T=SIZE)
case(_S + "rnn.bptt_formula_latex", dict(T=2), T=SIZE)
case(_S + "rnn.bptt_from_unrolled", dict(T=2, hidden_size=1), T=SIZE, hidden_size=SIZE)
case(_S + "rnn.unrolled_matrix", dict(T=2), T=SIZE, input_size=SIZE, hidden_size=SIZE,
     bias=BOOL)
case(_S + "variance.forward_variance", dict(n=2), n=SIZE)
case(_S + "variance.backward_variance", dict(n=2), n=SIZE)
case(_S + "variance.tanh_variance_map", dict(order=2), order=SIZE)

# build machinery ------------------------------------------------------------------------------

_B = "vanishing.builddeps."
_PKG = lazy(lambda: str(resolve("pathlib.Path")(resolve("vanishing.__file__")).parent))
case(_B + "package_modules", dict(package_dir=_PKG),
     package_dir=PATH + ("/no/such/folder",))
case(_B + "notebook_imports", dict(source="import vanishing.fmt\n"), source=TEXT)
case(_B + "import_graph", dict(modules=lazy(lambda: resolve(_B + "package_modules")(_PKG()))),
     modules=Kind("modules", (None, "m", [1], {"m": 3}, {3: "x"})))
case(_B + "dependencies", dict(names={"vanishing.fmt"}, graph={"vanishing.fmt": set()}),
     names=Kind("names", (None, "vanishing.fmt", 3, {3})),
     graph=Kind("graph", (None, "g", [1], {"a": 3})))
case(_B + "dependency_hashes", dict(sources={"ch": "import vanishing.fmt\n"}, package_dir=_PKG),
     sources=Kind("sources", (None, "s", {"ch": 3})),
     package_dir=PATH + ("/no/such/folder",))
case("vanishing.sphinxext.latex_title_page", dict(config=lazy(lambda: resolve(
     "types.SimpleNamespace")(project="p", author="a", latex_elements={}))),
     config=Kind("config", (None, "c", 3)), run_valid=False)  # needs a full Sphinx config
exempt("vanishing.sphinxext.setup", "the Sphinx entry point: Sphinx calls it with its app")
exempt("vanishing.sphinxext.latex_warning_admonition", "a docutils node class")
exempt("vanishing.sphinxext.LatexBookLayout", "a Sphinx post-transform, built by Sphinx")
exempt("vanishing.sphinxext.LatexBookLayout.run", "called by Sphinx on a document it owns")
case(_V + "quiet_overflow", dict(fn=abs), fn=CALLABLE)



# core: chapters 7-8 models (norm, meanfield, linear_rnn, attention) ----------------------------


@functools.cache
def small7(name: str):
    """Small valid chapter 7-8 models built once per session."""
    from vanishing import attention, linear_rnn, norm

    if name == "norm_mlp":
        return norm.init_norm_mlp(2, 3, 2, 1, rng=0)
    if name == "norm_res":
        return norm.init_norm_residual(3, 2, 1, rng=0)
    if name == "lnrnn":
        return norm.init_lnrnn(2, 3, 1, rng=0)
    if name == "lru":
        return linear_rnn.init_lru(2, 3, 1, rng=0)
    if name == "attention":
        return attention.init_attention(2, 3, 1, rng=0)
    raise KeyError(name)


def edited7(name: str, field: str, how: str):
    """A copy of the small chapter 7-8 model `name` with one parameter set to NaN in place or
    replaced by one of the wrong shape (as edited() for the older models)."""
    import copy

    model = copy.deepcopy(small7(name))
    container, _, i = field.partition("[")
    value = getattr(model, container)
    target = value[int(i[:-1])] if i else value
    if how == "nan":
        target[...] = np.nan
    else:
        bigger = np.zeros(tuple(d + 1 for d in target.shape))
        if i:
            value[int(i[:-1])] = bigger
        else:
            setattr(model, container, bigger)
    return model


_MF = "vanishing.meanfield."
_QS = array(ndim_free=True)
case(_MF + "second_moment", dict(q=[0.5, 1.0]), q=_QS, activation=NAME)
case(_MF + "slope_moment", dict(q=[0.5, 1.0]), q=_QS, activation=NAME)
case(_MF + "variance_map", dict(q=[0.5, 1.0], sigma_w2=[1.0, 2.0], sigma_b2=0.1), q=_QS,
     sigma_w2=_QS, sigma_b2=_QS, activation=NAME)
case(_MF + "fixed_point", dict(sigma_w2=[1.0, 2.0], sigma_b2=0.1, q0=1.0, iters=20), sigma_w2=_QS,
     sigma_b2=_QS, activation=NAME, q0=_QS, iters=SIZE)
case(_MF + "chi_1", dict(sigma_w2=[1.0, 2.0], q=[0.5, 1.0]), sigma_w2=_QS, q=_QS,
     activation=NAME)
case(_MF + "correlation_map", dict(c=[0.5, 0.9], q_star=[0.5, 1.0], sigma_w2=[1.0, 2.0],
     sigma_b2=0.1), c=_QS, q_star=_QS, sigma_w2=_QS, sigma_b2=_QS, activation=NAME)
case(_MF + "depth_scales", dict(sigma_w2=[1.0, 2.0], sigma_b2=0.1, iters=20), sigma_w2=_QS,
     sigma_b2=_QS, iters=SIZE)
case(_MF + "critical_line", dict(q_star=[0.5, 1.0]), q_star=_QS + ([0.0],))

_N = "vanishing.norm."
_XN = rng(3).standard_normal((4, 2))  # (B, n_0) for the small NormMLP
_XR = rng(4).standard_normal((4, 3))  # (B, n) for the small NormResidual
case(_N + "normalise", dict(z=_XR, gamma=np.ones(3), beta=np.zeros(3), kind="layer"),
     z=array(free_axes=(0, 1)), gamma=ARRAY, beta=ARRAY, kind=NAME, eps=NONNEG)
case(_N + "normalise_backward", dict(dy=np.ones((4, 3)), cache=lazy(lambda: resolve(
     _N + "normalise")(_XR, np.ones(3), np.zeros(3), kind="batch")[1])), dy=ARRAY,
     cache=CACHE)
_nm_edits = [(dict(model=lazy(edited7, "norm_mlp", "W[0]", "nan")), "W[0]"),
             (dict(model=lazy(edited7, "norm_mlp", "gamma[1]", "shape")), "gamma[1]")]
_nr_edits = [(dict(model=lazy(edited7, "norm_res", "W1[0]", "nan")), "W1[0]"),
             (dict(model=lazy(edited7, "norm_res", "beta_f", "shape")), "beta_f")]
case(_N + "NormMLP", dict(vars(small7("norm_mlp"))), activation=NAME, norm=NAME,
     W=Kind("W", (None, [], "w")), W_out=Kind("W_out", (None, "w")),
     b_out=Kind("b_out", (None, np.ones(5))))
case(_N + "NormResidual", dict(vars(small7("norm_res"))), activation=NAME, norm=NAME,
     placement=NAME, W1=Kind("W1", (None, "w")), alpha=Kind("alpha", (None, np.ones(5))),
     W_out=Kind("W_out", (None, "w")), b_out=Kind("b_out", (None, np.ones(5))))
case(_N + "init_norm_mlp", dict(n_in=2, n=3, L=2, n_out=1), n_in=SIZE, n=SIZE, L=SIZE,
     n_out=SIZE, activation=NAME, norm=NAME, scheme=NAME, rng=SEED)
case(_N + "init_norm_residual", dict(n=3, L=2, n_out=1), n=SIZE, L=SIZE, n_out=SIZE,
     placement=NAME, norm=NAME, activation=NAME, alpha=NONNEG, zero_last=BOOL, rng=SEED)
for _nm, _x, _ed, _other in (("norm_mlp", _XN, _nm_edits, "norm_res"),
                             ("norm_res", _XR, _nr_edits, "norm_mlp")):
    _pre = "norm_mlp_" if _nm == "norm_mlp" else "norm_residual_"
    _cache = lazy(lambda n=_nm, x=_x: resolve(_N + "forward")(small7(n), x))
    _other_cache = lazy(lambda n=_other: resolve(_N + "forward")(
        small7(n), _XN if n == "norm_mlp" else _XR))
    for _f in (_pre + "forward", "forward") if _nm == "norm_mlp" else (_pre + "forward",):
        case(_N + _f, dict(model=lazy(small7, _nm), x=_x), model=MODEL, x=array(**BATCH),
             extra=_ed)
    for _f in (_pre + "backward", "backward") if _nm == "norm_mlp" else (_pre + "backward",):
        case(_N + _f, dict(model=lazy(small7, _nm), cache=_cache, grad_out=np.ones((4, 1))),
             model=MODEL, cache=CACHE + (_other_cache,), grad_out=ARRAY, extra=_ed)
    for _f in ((_pre + "loss_and_grads", "loss_and_grads") if _nm == "norm_mlp"
               else (_pre + "loss_and_grads",)):
        case(_N + _f, dict(model=lazy(small7, _nm), x=_x, y=np.zeros((4, 1))), model=MODEL,
             x=array(**BATCH), y=ARRAY, extra=_ed)
_ln = small7("lnrnn")
_ln_full = dict(_ln.params())
case(_N + "LNRNN", dict(_ln_full), activation=NAME,
     extra=[(dict({**_ln_full, f: v}), f) for f in ("W_hh", "W_xh", "g", "b", "W_hy")
            for v in (np.full_like(_ln_full[f], np.nan), np.zeros((9, 9, 9)), None)])
case(_N + "init_lnrnn", dict(n_x=2, n_h=3, n_y=1, W_hh=np.eye(3)), n_x=SIZE, n_h=SIZE, n_y=SIZE,
     W_hh=array().optional(), activation=NAME, rng=SEED)  # fmt: skip
case(_N + "LNRNN.state_jacobians", dict(cache=lazy(lambda: resolve(_R + "forward")(
     small7("lnrnn"), X3))), obj=lazy(small7, "lnrnn"), cache=CACHE + (lazy(cache, "gru"),))
for _hook in ("step", "back_factors", "step_back", "param_grads"):
    exempt(_N + f"LNRNN.{_hook}", "an engine hook: recurrent.forward/bptt call it inside the "
           "time loop with arguments they have checked")
# the LNRNN through the shared engine: an edited copy is refused by recurrent.forward
_EDITS7 = [(dict(model=lazy(edited7, "lnrnn", "W_hh", "nan"), x=X3), "W_hh"),
           (dict(model=lazy(edited7, "lnrnn", "g", "shape"), x=X3), "g")]
CASES[_R + "forward"] = dataclasses.replace(CASES[_R + "forward"],
                                            extra=CASES[_R + "forward"].extra + tuple(_EDITS7))

_L = "vanishing.linear_rnn."
_lru_full = dict(vars(small7("lru")))
_lru_edits = [(dict(model=lazy(edited7, "lru", "nu", "nan")), "nu"),
              (dict(model=lazy(edited7, "lru", "C_im", "shape")), "C_im")]
case(_L + "LRU", dict(_lru_full), normalise=BOOL,
     extra=[(dict({**_lru_full, f: v}), f) for f in ("nu", "theta", "B_re", "W_e", "C_re", "b_y")
            for v in (np.full_like(_lru_full[f], np.nan), np.zeros((9, 9, 9)), None)])
case(_L + "init_lru", dict(n_x=2, n_h=3, n_y=1), n_x=SIZE, n_h=SIZE, n_y=SIZE,
     n_e=SIZE.optional(), r_min=REAL + (-0.1, 1.0), r_max=REAL + (1.0,),
     max_phase=REAL + (-1.0, 7.0), normalise=BOOL, rng=SEED)
case(_L + "eigenvalues", dict(model=lazy(small7, "lru")), model=MODEL + (lazy(small, "rnn"),),
     extra=_lru_edits)
_H0C = Kind("h0", ("x", {"a": 1.0}, [[1.0], [2.0, 3.0]], np.zeros((9, 9)),
                  np.full((2, 3), np.nan)))  # complex h0 is valid here (a complex state)
case(_L + "forward", dict(model=lazy(small7, "lru"), x=X3, h0=np.zeros((2, 3))), model=MODEL,
     x=_X3, h0=_H0C, extra=_lru_edits)
case(_L + "loss_and_grads", dict(model=lazy(small7, "lru"), x=X3, y=np.zeros((2, 4, 1))),
     model=MODEL, x=_X3, y=ARRAY, loss_at=NAME, h0=_H0C, extra=_lru_edits)
case(_L + "discretise", dict(A_log=np.zeros(3), delta=0.1), A_log=array(free_axes=(0,)),
     delta=POS, extra=[(dict(theta=np.zeros(2)), "theta"),
                       (dict(theta=np.full(3, np.nan)), "theta"),
                       (dict(A_log=np.array([800.0])), "A_log")])
case(_L + "output_input_gradients", dict(model=lazy(small7, "lru"), x=X3, j=0), model=MODEL,
     x=_X3, j=index(0, 0), extra=_lru_edits)

_A = "vanishing.attention."
_att_full = dict(vars(small7("attention")))
_att_edits = [(dict(model=lazy(edited7, "attention", "W_q", "nan")), "W_q"),
              (dict(model=lazy(edited7, "attention", "b_o", "shape")), "b_o")]
case(_A + "Attention", dict(_att_full),
     extra=[(dict({**_att_full, f: v}), f) for f in ("W_q", "W_k", "W_v", "W_o", "b_o")
            for v in (np.full_like(_att_full[f], np.nan), np.zeros((9, 9, 9)), None)])
case(_A + "init_attention", dict(n_x=2, d_k=3, n_y=1), n_x=SIZE, d_k=SIZE, n_y=SIZE, rng=SEED)
case(_A + "forward", dict(model=lazy(small7, "attention"), x=X3), model=MODEL, x=_X3,
     extra=_att_edits)
case(_A + "loss_and_grads", dict(model=lazy(small7, "attention"), x=X3, y=np.zeros((2, 4, 1))),
     model=MODEL, x=_X3, y=ARRAY, loss_at=NAME, extra=_att_edits)
case(_A + "input_gradients", dict(model=lazy(small7, "attention"), cache=lazy(lambda: resolve(
     _A + "forward")(small7("attention"), X3)), dL_dy=np.ones((2, 4, 1))), model=MODEL,
     cache=CACHE + (lazy(cache, "rnn"),), dL_dy=ARRAY, extra=_att_edits)


# core: chapter 8-9 helpers (diagnostics, recurrent extras, tasks) -------------------------------

_D = "vanishing.diagnostics."
_VALUES = Kind("values", (None, "x", 3.0, {}, {3: np.ones(2)}, {"a": "x"}))
case(_D + "as_arrays", dict(values={"a": np.ones(2)}), values=_VALUES)
case(_D + "norms", dict(values={"a": np.ones(2)}), values=_VALUES)
case(_D + "global_norm", dict(values={"a": np.ones(2)}), values=_VALUES)
case(_D + "update_ratios", dict(before={"a": np.ones(2)}, after={"a": np.zeros(2)}),
     before=_VALUES, after=_VALUES)
_ZD = array(ndim_free=True, allow_nonfinite=True)
case(_D + "saturated_fraction", dict(z=np.ones((2, 3)), activation="tanh"), z=Kind(
     "z", (None, "x", {"a": 1.0}, np.ones(3), np.ones((0, 3)))), activation=NAME, tol=POS)
case(_D + "dead_fraction", dict(z=np.ones((2, 3))), z=Kind(
     "z", (None, "x", {"a": 1.0}, np.ones(3), np.ones((0, 3)))), activation=NAME)
_GN = Kind("grad_norm", (None, "x", [], [[1.0, 2.0]], [1.0, np.nan], [1.0, -1.0]))
case(_D + "spikes", dict(grad_norm=[1.0, 2.0, 30.0]), grad_norm=_GN, factor=POS, window=SIZE)
case(_D + "clip_threshold", dict(grad_norm=[1.0, 2.0, 30.0]), grad_norm=_GN,
     q=REAL + (-1.0, 101.0), steps=SIZE.optional())


def _watched():
    from vanishing import diagnostics, mlp, optim

    return diagnostics.watch(small("mlp"), mlp.loss_and_grads, lambda s: (X2, np.zeros((2, 1))),
                             optim.SGD(0.1), steps=3)[1]


case(_D + "Dashboard.column", dict(name="W1"), obj=lazy(_watched), name=NAME)
case(_D + "Dashboard.spikes", dict(), obj=lazy(_watched), factor=POS, window=SIZE)
case(_D + "watch", dict(model=lazy(small, "mlp"), loss_and_grads=lazy(lambda: resolve(
     "vanishing.mlp.loss_and_grads")), batches=lambda s: (X2, np.zeros((2, 1))),
     optimizer=lazy(lambda: resolve("vanishing.optim.SGD")(0.1)), steps=3),
     model=MODEL, loss_and_grads=CALLABLE, batches=CALLABLE,
     optimizer=Kind("optimizer", (None, "sgd", 1.0)), steps=SIZE,
     probe=Kind("probe", ("p", 1.0)), probe_every=SIZE)
case(_D + "mlp_probe", dict(x=X2, y=np.zeros((2, 1))), x=array(ndim_free=True),
     y=array(ndim_free=True), tol=POS)
case(_D + "recurrent_probe", dict(x=X3, y=np.zeros((2, 1))), x=array(ndim_free=True),
     y=array(ndim_free=True))

case(_R + "input_gradients", dict(model=lazy(small, "rnn"), cache=lazy(cache, "rnn"),
     dL_dh=np.ones((2, 4, 3))), model=MODEL, cache=CACHE + (lazy(other_cache, "rnn"),),
     dL_dh=ARRAY, extra=_EDITS[:3])
case(_R + "truncated_loss_and_grads", dict(model=lazy(small, "rnn"), x=X3,
     y=np.zeros((2, 4, 1)), tau=2, h0=np.zeros((2, 3))), model=MODEL, x=_X3, y=ARRAY,
     tau=SIZE, loss_at=NAME, h0=array().optional(), extra=_EDITS[:3])
case(_R + "randomised_truncated_loss_and_grads", dict(model=lazy(small, "rnn"), x=X3,
     y=np.zeros((2, 4, 1)), c=0.5, rng=0, h0=np.zeros((2, 3))), model=MODEL, x=_X3, y=ARRAY,
     c=PROB, rng=SEED, loss_at=NAME, h0=array().optional(),
     cuts=Kind("cuts", ("x", 3, [True], [1, 0, 1], [[True, False, True]])),
     extra=_EDITS[:3] + [(dict(c=1.0, cuts=[False, True, True]), "cuts"), (dict(rng=None), "rng")])
case("vanishing.tasks.delayed_recall", dict(n=2, T=4, delay=2, rng=0), n=SIZE,
     T=COUNT + (0, 1), delay=SIZE + (4,), rng=SEED)


# experiments: chapter 4-5 additions -------------------------------------------------------------

case(E4 + "tanh_chi1_wide", dict(scales=(3.0,), width=10, settle=5), scales=POS_REALS + ([0.1],),
     width=SIZE, settle=SIZE)
case(E4 + "tanh_unsaturated_count", dict(scales=(3.0,), width=10), scales=POS_REALS,
     width=SIZE, tol=POS + (1.0,))
case(E4 + "deep_numbers", dict(deep=lazy(result, E4 + "deep_saturation",
     scales=(0.1, 1.0, 3.0, 30.0, 100.0, 400.0), depth=2, width=3, batch=4,
     activations=("sigmoid", "tanh"))), deep=RESULT)
case(E5 + "CliffSweep.calm_at_least_as_low", dict(length=1.0), obj=lazy(
     result, E5 + "cliff_sweep", **SWEEP), length=NONNEG, tol=NONNEG)
case(E5 + "CliffSweep.above_start", dict(step=3), obj=lazy(result, E5 + "cliff_sweep", **SWEEP),
     step=index(1, 3))
case(E5 + "cliff_recovery_numbers", dict(cliff=lazy(result, E5 + "cliff", **CLIFF),
     sweep=lazy(result, E5 + "cliff_sweep", **SWEEP), budgets=(2, 3)), cliff=RESULT,
     sweep=RESULT, budgets=SIZES, extra=[(dict(budgets=(9,)), "budgets")])


# experiments and plotting: chapter 9 -------------------------------------------------------------

E9 = _E + "ch09."
FF = dict(depth=1, width=3, steps=12)
CC = dict(early=5, guesses=(1.0,))
TT = dict(T=3, n_h=2, batch=2, seeds=(0,))
_RUNS = Kind("runs", (None, (), "runs", [None], [OTHER]))
case(E9 + "feedforward_run", dict(kind="healthy", **FF), kind=NAME, seed=SEED, depth=SIZE,
     width=SIZE, steps=SIZE)
case(E9 + "feedforward_runs", dict(FF), seed=SEED, depth=SIZE, width=SIZE, steps=SIZE)
case(E9 + "clip_choice", dict(CC), early=SIZE, q=REAL + (-1.0, 101.0),
     guesses=dataclasses.replace(POS_REALS, bad=tuple(v for v in POS_REALS.bad if v != ())),
     factor=POS)
case(E9 + "dashboard_numbers", dict(runs=_res("ch09.feedforward_runs", **FF),
     clip=_res("ch09.clip_choice", **CC)), runs=_RUNS, clip=RESULT)
case(E9 + "through_time", dict(TT), T=COUNT + (0, 1), n_h=SIZE, batch=SIZE, seeds=SEEDS)
case(E9 + "through_time_numbers", dict(result=_res("ch09.through_time", **TT)), result=RESULT)
case(_P + "ch09.dashboard", dict(runs=_res("ch09.feedforward_runs", **FF)), runs=_RUNS)
case(_P + "ch09.histograms", dict(runs=_res("ch09.feedforward_runs", **FF)), runs=_RUNS,
     kinds=NAMES)
case(_P + "ch09.clip_choice", dict(result=_res("ch09.clip_choice", **CC)), result=RESULT)
case(_P + "ch09.through_time", dict(result=_res("ch09.through_time", **TT)), result=RESULT)
TR = dict(T=3, steps=4, n_h=2, probe_every=2)
RC = dict(T=3, steps=4, early=2, seeds=(0,))
case(E9 + "trained_recurrent", dict(model="rnn", **TR), model=NAME, T=COUNT + (0, 1),
     steps=SIZE, seed=SEED, n_h=SIZE, probe_every=SIZE)
case(E9 + "trained_recurrents", dict(TR), seed=SEED, T=COUNT + (0, 1), steps=SIZE, n_h=SIZE,
     probe_every=SIZE)
case(E9 + "trained_numbers", dict(runs=_res("ch09.trained_recurrents", **TR)), runs=_RUNS)
case(E9 + "recurrent_clip", dict(RC), T=COUNT + (0, 1), lr=POS, steps=SIZE, early=SIZE,
     seeds=SEEDS, clips=Kind("clips", (None, (), "ab", [("none",)], [("x", 1.0)],
                                       [("fixed", 0.0)], [("percentile", 101.0)])))
case(E9 + "recurrent_clip_numbers", dict(result=_res("ch09.recurrent_clip", **RC)), result=RESULT)
case(E9 + "RecurrentClip.row", dict(kind="none", value=0.0),
     obj=lazy(result, E9 + "recurrent_clip", **RC), kind=NAME, value=REAL)
case(_P + "ch09.histograms_over_time", dict(runs=_res("ch09.feedforward_runs", **FF)),
     runs=_RUNS, kinds=NAMES, layer=SIZE + (2,))
case(_P + "ch09.trained_recurrent", dict(runs=_res("ch09.trained_recurrents", **TR)), runs=_RUNS)
case(_P + "ch09.recurrent_clip", dict(result=_res("ch09.recurrent_clip", **RC)), result=RESULT)


# experiments and plotting: chapter 7 -------------------------------------------------------------

E7 = _E + "ch07."
CR = dict(width=8, depth=10, point_w2=(1.0,), point_b2=(0.0,), relu_w2=(2.0,))
DS = dict(points=(1.0,), width=3)
JS = dict(depth=2, width=3)
NS = dict(depth=2, width=3, batch=4)
RN = dict(depths=(2,), width=3, batch=4)
LR = dict(rhos=(1.0,), scales=(0.1,), seeds=(0,), n_h=3, T=4, lag=2)
case(E7 + "measured_chi_1", dict(sigma_w2=1.5, sigma_b2=0.05, width=8, depth=10, burn=2),
     sigma_w2=POS, sigma_b2=NONNEG, activation=NAME, width=SIZE, depth=SIZE, burn=COUNT + (9,),
     batch=SIZE, seed=SEED)
case(E7 + "criticality", dict(CR), seeds=SEEDS, width=SIZE, depth=SIZE, point_w2=POS_REALS,
     point_b2=NONNEG_REALS, relu_w2=POS_REALS)
case(E7 + "correlation_by_layer", dict(sigma_w2=1.2, sigma_b2=0.05, width=3, depth=4, pairs=2),
     sigma_w2=POS, sigma_b2=NONNEG, c0=REAL + (1.0, -1.0), width=SIZE, depth=SIZE, pairs=SIZE,
     seed=SEED)
case(E7 + "fitted_xi", dict(corr=np.array([0.9, 0.95, 0.97, 0.99, 0.995])),
     corr=array(free_axes=(0,)),
     high=POS, low=POS)
case(E7 + "depth_scale", dict(DS), sigma_b2=NONNEG, points=POS_REALS, seeds=SEEDS, width=SIZE)
case(E7 + "JacobianSpectra.quantiles", dict(p=0.5), obj=_res("ch07.jacobian_spectra", **JS),
     p=Kind("p", (None, "x", np.nan, -0.1, 1.5, [0.5, 2.0])))
case(E7 + "jacobian_spectra", dict(JS), depth=SIZE, width=SIZE, seeds=SEEDS)
case(E7 + "norm_scales", dict(NS), depth=SIZE, width=SIZE, batch=SIZE, seeds=SEEDS,
     norms=NAMES)
case(E7 + "residual_norm", dict(RN), depths=SIZES, width=SIZE, batch=SIZE, seeds=SEEDS)
case(E7 + "chapter_numbers", dict(crit=_res("ch07.criticality", **CR),
     depth=_res("ch07.depth_scale", **DS), spectra=_res("ch07.jacobian_spectra", **JS),
     scales=_res("ch07.norm_scales", **NS), res=_res("ch07.residual_norm", **RN)),
     crit=RESULT, depth=RESULT, spectra=RESULT, scales=RESULT, res=RESULT, run_valid=False)
case(E7 + "zero_branches", dict(depth=2, width=3, batch=4), depth=SIZE, width=SIZE, batch=SIZE,
     seed=SEED)
case(E7 + "ln_rnn_products", dict(LR), rhos=POS_REALS, scales=POS_REALS, seeds=SEEDS,
     n_h=SIZE, T=SIZE, lag=SIZE + (5,))
case(E7 + "ln_rnn_numbers", dict(result=_res("ch07.ln_rnn_products", **LR)), result=RESULT)
case(_P + "ch07.phase_diagram", dict(result=_res("ch07.criticality", **CR)), result=RESULT)
case(_P + "ch07.depth_scale", dict(result=_res("ch07.depth_scale", **DS)), result=RESULT)
case(_P + "ch07.jacobian_spectra", dict(result=_res("ch07.jacobian_spectra", **JS)),
     result=RESULT, floor=Kind("floor", (None, "x", 0.0, -1.0, np.nan)))
case(_P + "ch07.norm_scales", dict(result=_res("ch07.norm_scales", **NS)), result=RESULT)
case(_P + "ch07.residual_norm", dict(result=_res("ch07.residual_norm", **RN)), result=RESULT,
     depth=Kind("depth", ("2", 2.0, 3, True)))
case(_P + "ch07.ln_rnn_products", dict(result=_res("ch07.ln_rnn_products", **LR)),
     result=RESULT)
TD = dict(sigma_w2=(1.0,), depths=(2,), seeds=(0,), width=3, d_in=2, examples=4, steps=3)
RT = dict(variants=("pre-LN",), warmups=(0,), depth=2, width=3, examples=4, steps=3, seeds=(0,))
case(E7 + "trainable_depth", dict(TD), sigma_w2=POS_REALS, depths=SIZES, sigma_b2=NONNEG,
     seeds=SEEDS, width=SIZE, d_in=SIZE, examples=SIZE, steps=SIZE, lr=POS, threshold=POS)
case(E7 + "residual_training", dict(RT), variants=NAMES, warmups=COUNTS, depth=SIZE,
     width=SIZE, examples=SIZE + (1,), steps=SIZE, lr=POS, seeds=SEEDS)
case(E7 + "training_numbers", dict(depth=_res("ch07.trainable_depth", **TD),
     res=_res("ch07.residual_training", **dict(RT, variants=("post-LN", "pre-LN")))),
     depth=RESULT, res=RESULT)
case(_P + "ch07.trainable_depth", dict(result=_res("ch07.trainable_depth", **TD)),
     result=RESULT, c=POS)
case(_P + "ch07.residual_training", dict(result=_res("ch07.residual_training", **RT)),
     result=RESULT)


# experiments and plotting: chapter 8 -------------------------------------------------------------

E8 = _E + "ch08."
TR = dict(taus=(2,), T=4, delay=1, n_h=2, steps=2, every=1)
TB = dict(taus=(2,), T=4, delay=1, batches=2)
MC = dict(lambdas=(0.5,), samples=4)
LA = dict(T=3, seeds=(0,), cap=2, n_h=2, check_every=1)
ID = dict(T=3, n_x=2, n_h=2, n_y=1, batch=2)
IM = dict(lru_result=_res("ch08.lru_adding", **LA), rnn_steps=2, n=2)
_TAUS = Kind("taus", (None, "ab", (), [0], [-1], [2.5], [True], {}))
case(E8 + "recall_error", dict(model=lazy(lambda: resolve("vanishing.rnn.init_rnn")(1, 2, 1)),
     T=4, delay=1), model=MODEL, T=COUNT + (0, 1), delay=SIZE + (4,))
case(E8 + "truncation", dict(TR), taus=_TAUS, T=COUNT + (0, 1), delay=SIZE, n_h=SIZE,
     steps=SIZE, seed=SEED, every=SIZE, lr=POS)
case(E8 + "truncation_bias", dict(TB), model=MODEL.optional(), taus=_TAUS, T=COUNT + (0, 1),
     delay=SIZE, batches=SIZE, seed=SEED)
case(E8 + "memory_monte_carlo", dict(MC), lambdas=REALS + ([0.0], [1.0], [1.5]),
     samples=SIZE, seed=SEED)
case(E8 + "lru_adding", dict(LA), T=COUNT + (0, 1), seeds=SEEDS, cap=SIZE, n_h=SIZE, lr=POS,
     check_every=SIZE, r_min=REAL + (-0.1,), r_max=REAL + (1.0,), normalise=BOOL)
case(E8 + "input_distance", dict(ID), T=SIZE, n_x=SIZE, n_h=SIZE, n_y=SIZE, batch=SIZE,
     seed=SEED)
RT = dict(probabilities=(0.5,), T=4, delay=1, batches=2, draws=1)
case(E8 + "randomised_truncation", dict(RT), model=MODEL.optional(),
     probabilities=REALS + ([0.0], [1.0], [-0.5]), T=COUNT + (0, 1), delay=SIZE, batches=SIZE,
     draws=SIZE, seed=SEED)
SM = dict(deltas=(0.1,), n=2, lags=5)
case(E8 + "ssm_memory", dict(SM), deltas=POS_REALS, n=SIZE, lags=SIZE)
case(E8 + "influence_map", dict(IM), lru_result=RESULT, rnn_steps=SIZE, rnn_lr=POS, n=SIZE)
@functools.cache
def _influence_map():
    return resolve(E8 + "influence_map")(**{**IM, "lru_result": IM["lru_result"]()})


_IMAP = lazy(_influence_map)
case(E8 + "influence_numbers", dict(result=_IMAP), result=RESULT)
case(_P + "ch08.truncation", dict(result=_res("ch08.truncation", **TR),
     bias=_res("ch08.truncation_bias", **TB)), result=RESULT, bias=RESULT)
case(_P + "ch08.randomised", dict(result=_res("ch08.randomised_truncation", **RT),
     fixed=_res("ch08.truncation_bias", **TB)), result=RESULT, fixed=RESULT)
case(_P + "ch08.ssm_memory", dict(result=_res("ch08.ssm_memory", **SM)), result=RESULT)
case(_P + "ch08.memory", dict(result=_res("ch08.memory_monte_carlo", **MC),
     curves=lazy(lambda: resolve(E8 + "memory_curves")())), result=RESULT,
     curves=Kind("curves", (None, {}, "c", {"a": 1.0})))
case(_P + "ch08.input_distance", dict(result=_res("ch08.input_distance", **ID)), result=RESULT)
case(_P + "ch08.influence", dict(result=_IMAP), result=RESULT)

# issue 15's additions (merged after the registry was written) ---------------------------------
case("vanishing.glue.glue", dict(name="x", variable=1.0, display=False), name=TEXT, display=BOOL)
exempt("vanishing.glue.typographic", "total: any value is valid (strings and numbers are typeset)")
exempt("vanishing.sphinxext.KeepMathWithItsNeighbours", "a Sphinx post-transform, built by Sphinx")
exempt("vanishing.sphinxext.KeepMathWithItsNeighbours.run", "called by Sphinx on its document")
exempt("vanishing.sphinxext.author_year_label", "called by sphinxcontrib-bibtex with its entry")
case("vanishing.symbolic.display.latex_lines", dict(lhs="y", terms=["a", "-b"]), lhs=TEXT,
     per_line=SIZE)
def _eigen_power():
    from vanishing.symbolic.powers import power_by_eigendecomposition

    return power_by_eigendecomposition()


def _sum_equation():
    import sympy as sp

    a, b = sp.symbols("a b")
    return sp.Eq(sp.Symbol("y"), a + b, evaluate=False)


case("vanishing.symbolic.display.latex_power_lines", dict(power=lazy(_eigen_power)), power=RESULT)
case("vanishing.symbolic.display.latex_sum_lines", dict(equation=lazy(_sum_equation)),
     equation=RESULT, per_line=SIZE)
