"""The parameter protocol shared by every model (ch. 1-6): list the parameters by name, and make a
copy with some of them replaced. One optimiser and one training loop (``vanishing.optim``) train
any model through it, and a gradient names its arrays with the same names.

- ``model.params()`` -> {name: array}, every trainable array of the model, in a fixed order;
- ``model.with_params({name: array, ...})`` -> a new model with those arrays replaced (the
  others, and options such as the activation, kept); an unknown name or a wrong shape raises;
- ``grads.params`` -> {name: dL/d(array)} with exactly the names of ``model.params()``.

Bottom layer: from the package it imports only ``vanishing.validate``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from vanishing.validate import as_real_array


def check_params(model, new, name: str = "new") -> dict[str, np.ndarray]:
    """``new`` as {parameter name: float64 array}, each a parameter of ``model`` with its shape;
    TypeError/ValueError naming ``name`` otherwise."""
    if not callable(getattr(model, "params", None)):
        raise TypeError(f"model must have parameters (params()), got {type(model).__name__}")
    if not isinstance(new, Mapping):
        raise TypeError(
            f"{name} must be a mapping {{parameter name: array}}, got {type(new).__name__}"
        )
    current = model.params()
    out = {}
    for key, value in new.items():
        if key not in current:
            raise ValueError(
                f"{name}: {type(model).__name__} has no parameter {key!r}; "
                f"its parameters are {tuple(current)}"
            )
        arr = as_real_array(value, f"{name}[{key!r}]")
        if arr.shape != current[key].shape:
            raise ValueError(
                f"{name}[{key!r}] must have the parameter's shape {current[key].shape}, "
                f"got {arr.shape}"
            )
        out[key] = arr
    return out


class Parametrised:
    """Mixin for dataclass models whose parameters are their np.ndarray fields (ch. 2-6 models);
    models that keep parameters in lists (``mlp.MLP``) override ``params`` and ``_replaced``."""

    def params(self) -> dict[str, np.ndarray]:
        """{name: array} for every trainable array of the model, in field order."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def with_params(self, new: Mapping[str, np.ndarray]):
        """A new model with the named parameters replaced; the model itself is not modified."""
        return self._replaced(check_params(self, new))

    def _replaced(self, new: dict[str, np.ndarray]):
        return dataclasses.replace(self, **new)


class AttributeView:
    """Mixin for frozen dataclasses: the entries of the dict fields named in ``_VIEWED`` read as
    attributes too (set once, after init, so reading them is a plain attribute lookup)."""

    _VIEWED: tuple[str, ...] = ()

    def __post_init__(self):
        names = {f.name for f in dataclasses.fields(self)}
        for part in self._VIEWED:
            for name, value in getattr(self, part).items():
                if name not in names:  # a field keeps its own meaning
                    object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Grads(AttributeView):
    """The gradient of a loss (ch. 2-6): ``params`` = {name: dL/d(parameter)} with the model's
    parameter names and shapes, ``inputs`` = derivatives w.r.t. what is not trained (dL/dh_0,
    dL/dc_0). Both read as attributes too: ``grads.W_hh``, ``grads.h0``."""

    params: dict[str, np.ndarray]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    _VIEWED = ("params", "inputs")
