"""Ch. 9 the PyTorch listing shown in the chapter (book/listings/torch_hooks.py): its numpy part
always, its hooks against a small torch.nn network when torch is installed."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from vanishing import diagnostics as dg
from vanishing import mlp
from vanishing.optim import SGD

LISTING = Path(__file__).resolve().parents[1] / "book" / "listings" / "torch_hooks.py"


def _listing():
    spec = importlib.util.spec_from_file_location("torch_hooks", LISTING)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _case():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    model = mlp.init_mlp((3, 5, 4, 1), activation="tanh", scheme="xavier", rng=1)
    return model, x, y


def test_signals_on_plain_dicts_match_the_package():
    listing = _listing()
    model, x, y = _case()
    _, grads = mlp.loss_and_grads(model, x, y)
    new = SGD(0.1).step(model, grads)
    z = {f"layer{l}": zl for l, zl in enumerate(mlp.forward(model, x).z[:-1], 1)}
    report = listing.signals(model.params(), new.params(), grads.params, z, "tanh")
    assert report["grad_norm"]["W1"] == pytest.approx(np.linalg.norm(grads.W[0]))
    assert report["global_norm"] == pytest.approx(dg.global_norm(grads))
    assert report["update"]["W2"] == pytest.approx(dg.update_ratios(model, new)["W2"])
    assert set(report["dead"]) == {"layer1", "layer2"}


def test_hooks_on_a_torch_network_give_the_package_numbers():
    torch = pytest.importorskip("torch")
    listing = _listing()
    model, x, y = _case()
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 1),
    ).double()
    with torch.no_grad():
        for i, layer in enumerate((net[0], net[2], net[4])):
            layer.weight.copy_(torch.from_numpy(model.weights[i]))
            layer.bias.copy_(torch.from_numpy(model.biases[i]))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def loss_fn(out, target):  # the package's MSE, 1/B sum 1/2 ||y_hat - y||^2
        return 0.5 * ((out - target) ** 2).sum() / x.shape[0]

    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the listing runs without a warning from torch
        report = listing.step(net, loss_fn, opt, xt, yt, "tanh", output="4")
    assert set(report["dead"]) == {"0", "2"}  # the output layer is left out
    assert set(report["z"]) == set(report["dz"]) == {"0", "2", "4"}  # every layer, layer 1 too
    hooks = ("_forward_hooks", "_backward_hooks", "_backward_pre_hooks")
    assert not any(getattr(m, h) for m in net.modules() for h in hooks)  # all removed
    loss, ours = mlp.loss_and_grads(model, x, y)
    assert report["loss"] == pytest.approx(loss, rel=1e-12)
    cache = mlp.forward(model, x)
    for i, name in enumerate(("0", "2", "4")):
        assert report["grad_norm"][f"{name}.weight"] == pytest.approx(np.linalg.norm(ours.W[i]))
        assert report["grad_norm"][f"{name}.bias"] == pytest.approx(np.linalg.norm(ours.b[i]))
        np.testing.assert_allclose(report["z"][name], cache.z[i], rtol=1e-12, atol=1e-12)
    # dL/dz per layer: phi'(z) dL/da for the hidden layers, (y_hat - y) / B at the output
    for l, name in ((1, "0"), (2, "2")):
        dz = ours.a[l] * (1 - cache.a[l] ** 2)
        np.testing.assert_allclose(report["dz"][name], dz, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(report["dz"]["4"], (cache.a[-1] - y) / x.shape[0], atol=1e-14)
    assert report["global_norm"] == pytest.approx(dg.global_norm(ours))
    for l, name in ((1, "0"), (2, "2")):  # the dead and saturated shares of the hidden layers
        assert report["dead"][name] == dg.dead_fraction(cache.z[l - 1], "tanh")
        assert report["saturated"][name] == dg.saturated_fraction(cache.z[l - 1], "tanh")
    new = SGD(0.1).step(model, ours)
    for i, name in enumerate(("0", "2", "4")):
        expect = dg.update_ratios(model, new)[f"W{i + 1}"]
        assert report["update"][f"{name}.weight"] == pytest.approx(expect, rel=1e-9)
    for i, layer in enumerate((net[0], net[2], net[4])):  # torch's SGD step is ours
        np.testing.assert_allclose(layer.weight.detach().numpy(), new.weights[i], atol=1e-14)


def test_the_tensor_hook_sees_what_register_full_backward_hook_sees():
    """The listing's tensor hook on z gives the grad_output of a full backward hook; that hook
    also fires for the first layer, whose input needs no gradient, but with a UserWarning."""
    torch = pytest.importorskip("torch")
    listing = _listing()
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)
    ).double()
    x = torch.randn(6, 3, dtype=torch.float64)
    full = {}
    for name in ("0", "2"):
        net.get_submodule(name).register_full_backward_hook(
            lambda m, g_in, g_out, name=name: full.__setitem__(name, g_out[0].numpy().copy())
        )
    store = {}
    handles = listing.attach(net, store)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        net(x).pow(2).sum().backward()
    for h in handles:
        h.remove()
    for name in ("0", "2"):
        np.testing.assert_array_equal(store["dz"][name], full[name])


def test_the_listing_works_with_in_place_relu():
    """nn.ReLU(inplace=True) (torchvision's VGG and ResNet use it): z is copied before the ReLU
    overwrites it, and dL/dz, the dead share and the gradient norms match the package's."""
    torch = pytest.importorskip("torch")
    listing = _listing()
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    model = mlp.init_mlp((3, 6, 5, 1), activation="relu", scheme="he", rng=4)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 6), torch.nn.ReLU(inplace=True),
        torch.nn.Linear(6, 5), torch.nn.ReLU(inplace=True),
        torch.nn.Linear(5, 1),
    ).double()  # fmt: skip
    with torch.no_grad():
        for i, layer in enumerate((net[0], net[2], net[4])):
            layer.weight.copy_(torch.from_numpy(model.weights[i]))
            layer.bias.copy_(torch.from_numpy(model.biases[i]))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = listing.step(
            net, lambda out, t: 0.5 * ((out - t) ** 2).sum() / 16, opt,
            torch.from_numpy(x), torch.from_numpy(y), "relu", output="4",
        )  # fmt: skip
    _, ours = mlp.loss_and_grads(model, x, y)
    cache = mlp.forward(model, x)
    for l, name in ((1, "0"), (2, "2")):
        np.testing.assert_allclose(report["z"][name], cache.z[l - 1], rtol=1e-12, atol=1e-12)
        dz = ours.a[l] * (cache.z[l - 1] > 0)
        np.testing.assert_allclose(report["dz"][name], dz, rtol=1e-10, atol=1e-14)
        assert report["dead"][name] == dg.dead_fraction(cache.z[l - 1], "relu")
    for i, name in enumerate(("0", "2", "4")):
        assert report["grad_norm"][f"{name}.weight"] == pytest.approx(np.linalg.norm(ours.W[i]))
