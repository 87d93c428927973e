"""Chapter 9 listing: collect the dashboard's signals from a PyTorch model.

Only ``attach``, ``parameters``, ``gradients`` and ``step`` touch torch;
``signals`` is numpy and works on the {name: array} dicts they return.
"""

import numpy as np

from vanishing import diagnostics as dg


def attach(model, store: dict) -> list:
    """Keep each nn.Linear's output z and dL/dz in store["z"], ["dz"]."""
    import torch

    def keep(kind, name, value):
        array = value.detach().cpu().numpy()
        store.setdefault(kind, {})[name] = array.copy()

    def on_forward(z, name):
        keep("z", name, z)
        if z.requires_grad:  # dL/dz, when backward reaches z
            z.register_hook(lambda dz: keep("dz", name, dz))

    handles = []
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(
                lambda mod, inp, z, name=name: on_forward(z, name)))
    return handles


def parameters(model) -> dict:
    """{name: a numpy copy of the parameter}."""
    return {n: p.detach().cpu().numpy().copy()
            for n, p in model.named_parameters()}


def gradients(model) -> dict:
    """{name: p.grad as numpy} for the parameters that have a gradient."""
    return {n: p.grad.detach().cpu().numpy().copy()
            for n, p in model.named_parameters() if p.grad is not None}


def signals(before, after, grads, z, activation: str) -> dict:
    """The dashboard's numbers from plain {name: array} dicts."""
    return {
        "grad_norm": dg.norms(grads),
        "global_norm": dg.global_norm(grads),
        "update": dg.update_ratios(before, after),
        "dead": {k: dg.dead_fraction(np.asarray(v), activation)
                 for k, v in z.items()},
        "saturated": {k: dg.saturated_fraction(np.asarray(v), activation)
                      for k, v in z.items()},
    }


def step(net, loss_fn, opt, x, y, activation: str, output: str) -> dict:
    """One training step of `net`, returning its signals; `output` names
    the last nn.Linear, whose z is the network's output, not fed to phi."""
    store = {}
    handles = attach(net, store)
    before = parameters(net)
    loss = loss_fn(net(x), y)
    opt.zero_grad()
    loss.backward()
    grads = gradients(net)
    opt.step()
    for h in handles:
        h.remove()
    z = {k: v for k, v in store["z"].items() if k != output}
    report = signals(before, parameters(net), grads, z, activation)
    extra = {"loss": loss.item(), "z": store["z"], "dz": store["dz"]}
    return report | extra
