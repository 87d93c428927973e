"""Chapter 9 listing: collect the dashboard's signals from a PyTorch model with hooks.

Only ``attach``, ``parameters`` and ``gradients`` touch torch; ``signals`` is numpy and works on
the {name: array} dicts they return (or on any others).
"""

import numpy as np

from vanishing import diagnostics as dg


def attach(model, store: dict) -> list:
    """Record every nn.Linear's output z (forward hook) and dL/dz (full backward hook) in
    store["z"][name] and store["dz"][name]; returns the handles (call .remove() on each)."""
    import torch

    handles = []
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):

            def forward_hook(mod, inputs, output, name=name):
                store.setdefault("z", {})[name] = output.detach().cpu().numpy()

            def backward_hook(mod, grad_input, grad_output, name=name):
                store.setdefault("dz", {})[name] = grad_output[0].detach().cpu().numpy()

            handles.append(module.register_forward_hook(forward_hook))
            handles.append(module.register_full_backward_hook(backward_hook))
    return handles


def parameters(model) -> dict:
    """{name: copy of the parameter as a numpy array}."""
    return {n: p.detach().cpu().numpy().copy() for n, p in model.named_parameters()}


def gradients(model) -> dict:
    """{name: p.grad as a numpy array} for the parameters that have a gradient."""
    return {
        n: p.grad.detach().cpu().numpy() for n, p in model.named_parameters() if p.grad is not None
    }


def signals(before: dict, after: dict, grads: dict, z: dict, activation: str) -> dict:
    """The dashboard's numbers from plain dicts: per-array gradient norms, global norm,
    log10 update ratios, and per-layer dead and saturated fractions of the hooked z."""
    return {
        "grad_norm": dg.norms(grads),
        "global_norm": dg.global_norm(grads),
        "update": dg.update_ratios(before, after),
        "dead": {k: dg.dead_fraction(np.asarray(v), activation) for k, v in z.items()},
        "saturated": {k: dg.saturated_fraction(np.asarray(v), activation) for k, v in z.items()},
    }
