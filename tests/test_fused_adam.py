"""torch's fused Adam kernel, where it has one: the same update, taken by every trainer."""

from __future__ import annotations

import pytest
import torch
from _samplers import imbalanced_images, make_tiny

from imblearn_deep._torch.devices import adam, fused_options
from imblearn_deep.classifiers import CNNClassifier


def _trained(net: torch.nn.Module, **options) -> torch.nn.Module:
    torch.manual_seed(0)
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, **options)
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    return net


def test_fused_adam_takes_the_same_steps_as_the_loop():
    torch.manual_seed(1)
    start = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    loop = _trained(_clone(start), foreach=False)
    fused = _trained(_clone(start), fused=True)
    for a, b in zip(loop.parameters(), fused.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def _clone(net):
    copy = type(net)(*[type(m)(*_args(m)) for m in net])
    copy.load_state_dict(net.state_dict())
    return copy


def _args(module):
    return (module.in_features, module.out_features) if isinstance(module, torch.nn.Linear) else ()


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, {"fused": True}),
        ({"fused": False}, {"fused": False}),
        ({"foreach": True}, {"foreach": True}),
    ],
)
def test_fused_unless_the_caller_chose(options, expected):
    net = torch.nn.Linear(2, 2)
    assert fused_options(torch.optim.Adam, net.parameters(), options) == expected
    groups = [{"params": [net.weight]}, {"params": [net.bias], "lr": 0.1}]
    assert fused_options(torch.optim.AdamW, groups, options) == expected


def test_not_fused_without_a_kernel():
    # An optimiser without the option, or a parameter it cannot fuse (integer tensors).
    net = torch.nn.Linear(2, 2)
    assert fused_options(torch.optim.RMSprop, net.parameters(), {}) == {}
    meta = torch.nn.Parameter(torch.zeros(2, device="meta"))
    assert fused_options(torch.optim.Adam, [meta], {}) == {}
    assert adam([torch.zeros(2, requires_grad=True)], lr=0.1).defaults["fused"] is True


def test_classifier_and_samplers_train_with_fused_adam(monkeypatch):
    X, y = imbalanced_images(counts=(12, 6))
    clf = CNNClassifier(max_epochs=1, batch_size=8, random_state=0, device="cpu").fit(X, y)
    assert clf.optimizer_.defaults["fused"] is True
    chosen = CNNClassifier(
        max_epochs=1, batch_size=8, random_state=0, device="cpu", optimizer__fused=False
    ).fit(X, y)
    assert chosen.optimizer_.defaults["fused"] is False
    # Fused or not, the same training within float tolerance.
    torch.testing.assert_close(
        torch.as_tensor(clf.predict_proba(X)),
        torch.as_tensor(chosen.predict_proba(X)),
        rtol=1e-4,
        atol=1e-5,
    )
    fused_steps = []

    class RecordingAdam(torch.optim.Adam):
        def step(self, closure=None):
            fused_steps.append(self.defaults["fused"])
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "Adam", RecordingAdam)
    for name in ("DeepSMOTE", "BAGANGP", "LatentDiffusion"):
        fused_steps.clear()
        make_tiny(name).fit_resample(X, y)
        assert fused_steps and all(fused_steps), name
