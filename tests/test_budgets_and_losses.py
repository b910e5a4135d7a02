"""Step budgets, learning-rate schedules, the logit-adjusted loss, deferred re-weighting
and the ResNet stems."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from skorch.callbacks import Callback
from torch import nn

from imblearn_deep._schedules import lr_factor
from imblearn_deep.classifiers import CNNClassifier, LogitAdjustedLoss
from imblearn_deep.classifiers._losses import effective_number_weights
from imblearn_deep.comparison._cell import build_pipeline
from imblearn_deep.comparison._presets import get_preset
from imblearn_deep.nets.classifiers import build_classifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X.reshape(-1, 1, 8, 8), y


def imbalanced(X, y, counts=(60, 20, 8)):
    """The first ``counts[c]`` images of digit ``c``."""
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in enumerate(counts)])
    return X[keep], y[keep]


def tiny_cnn(**params) -> CNNClassifier:
    defaults = dict(batch_size=16, random_state=0, device="cpu", module__channels=(4,))
    return CNNClassifier(**{**defaults, **params})


class TrainingSteps(Callback):
    """Records, before every training step, the criterion's class weights, and after
    it, the loss, the logits and the labels."""

    def initialize(self):
        self.weights, self.steps = [], []
        return self

    def on_batch_begin(self, net, training=None, **kwargs):
        if training:
            weight = net.criterion_.weight
            self.weights.append(None if weight is None else weight.clone())

    def on_batch_end(self, net, batch=None, training=None, loss=None, y_pred=None, **kwargs):
        if training:
            self.steps.append((loss.item(), y_pred.detach().clone(), batch[1].clone()))


def adam_steps(clf: CNNClassifier) -> set[int]:
    """The step counts Adam keeps per parameter (one value when all trained together)."""
    return {int(state["step"]) for state in clf.optimizer_.state.values()}


# -- step budgets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_samples", "batches_per_epoch"),
    # 100 samples in batches of 16: 6 full and one of 4; 1,000: 62 full and one of 8.
    [(100, [7, 7, 6]), (1000, [20])],
)
def test_max_steps_runs_exactly_that_many_steps_whatever_the_set_size(
    digits, n_samples, batches_per_epoch
):
    X, y = digits
    clf = tiny_cnn(max_steps=20, max_epochs=1).fit(X[:n_samples], y[:n_samples])
    assert clf.history_[:, "train_batch_count"] == batches_per_epoch
    assert clf.n_steps_ == 20 and adam_steps(clf) == {20}
    assert clf.history_[:, "n_steps"] == np.cumsum(batches_per_epoch).tolist()
    images = sum(b["train_batch_size"] for row in clf.history_ for b in row["batches"])
    assert clf.n_images_seen_ == images == (296 if n_samples == 100 else 320)

    clf.partial_fit(X[:n_samples], y[:n_samples])  # max_steps more steps
    assert clf.n_steps_ == 40 and adam_steps(clf) == {40}


def test_without_max_steps_the_epochs_set_the_steps(digits):
    X, y = digits
    clf = tiny_cnn(max_epochs=2).fit(X[:100], y[:100])
    assert clf.history_[:, "train_batch_count"] == [7, 7]
    assert (clf.n_steps_, clf.n_images_seen_) == (14, 200)
    assert dict(clf.callbacks_)["step_budget"].total_steps_ == 14


# -- learning-rate schedules ------------------------------------------------------------


def batch_lrs(clf: CNNClassifier) -> np.ndarray:
    return np.array([b["lr"] for row in clf.history_ for b in row["batches"]])


def test_cosine_schedule_warms_up_and_ends_low(digits):
    X, y = digits
    clf = tiny_cnn(max_steps=20, lr=0.01, lr_schedule="cosine", lr_warmup=0.25)
    lrs = batch_lrs(clf.fit(X[:100], y[:100]))
    assert len(lrs) == 20
    # 5 warm-up steps: 0.002, 0.004, ... up to the peak at the 5th; then half a cosine
    # over the 16 steps from the peak on, the last at (1 + cos(15 pi / 16)) / 2.
    np.testing.assert_allclose(lrs[:5], 0.01 * np.arange(1, 6) / 5)
    np.testing.assert_allclose(lrs[-1], 0.01 * (1 + math.cos(15 * math.pi / 16)) / 2)
    assert lrs[-1] < 0.001 * 0.01 * 10 and np.all(np.diff(lrs[4:]) < 0)
    # The optimizer gets its base rate back, and the seeded run is reproducible.
    assert clf.optimizer_.param_groups[0]["lr"] == 0.01
    again = clone(clf).fit(X[:100], y[:100])
    np.testing.assert_array_equal(again.predict_proba(X[100:]), clf.predict_proba(X[100:]))


def test_onecycle_schedule_matches_torch_and_ends_low(digits):
    X, y = digits
    # Over the epochs' steps when max_steps is not set: 2 epochs of 7 batches.
    clf = tiny_cnn(max_epochs=2, lr=0.01, lr_schedule="onecycle", lr_warmup=0.3)
    lrs = batch_lrs(clf.fit(X[:100], y[:100]))
    param = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.01)
    torch_schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.01, total_steps=14, pct_start=round(0.3 * 14) / 14
    )
    expected = []
    for _ in range(14):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        torch_schedule.step()
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert lrs[0] == pytest.approx(0.01 / 25) and lrs[3] == pytest.approx(0.01)  # 4 warm-up
    assert lrs[-1] == pytest.approx(0.01 / 25 / 1e4)


def test_lr_factor_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Unknown lr schedule 'linear'"):
        lr_factor("linear", 0, 10)
    with pytest.raises(ValueError, match="step must be in"):
        lr_factor("cosine", 10, 10)
    with pytest.raises(ValueError, match="warmup must be"):
        lr_factor("cosine", 0, 10, warmup=1.0)


# -- logit-adjusted loss ----------------------------------------------------------------


def cross_entropy_by_hand(logits: np.ndarray, target: np.ndarray, weight=None) -> float:
    """Mean (or class-weighted mean) of -log softmax(logits)[target], in float64."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    losses = -log_softmax[np.arange(len(target)), target]
    w = np.ones(len(target)) if weight is None else np.asarray(weight)[target]
    return float((w * losses).sum() / w.sum())


@pytest.mark.parametrize("tau", [1.0, 0.5, 0.0])
def test_logit_adjusted_loss_equals_a_hand_computation(tau):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(12, 3))
    target = rng.integers(0, 3, size=12)
    counts = np.array([60.0, 20.0, 8.0])
    loss = LogitAdjustedLoss(counts, tau=tau)
    got = loss(torch.as_tensor(logits, dtype=torch.float32), torch.as_tensor(target)).item()
    adjusted = logits + tau * np.log(counts / counts.sum())
    assert got == pytest.approx(cross_entropy_by_hand(adjusted, target), rel=1e-5)
    with pytest.raises(ValueError, match="positive, finite class frequencies"):
        LogitAdjustedLoss([3, 0, 1])


def test_classifier_with_logit_adjusted_loss_trains_on_adjusted_logits(digits):
    X, y = imbalanced(*digits)
    spy = TrainingSteps()
    clf = tiny_cnn(max_steps=6, loss="logit_adjusted", logit_adjust_tau=1.0, callbacks=[spy])
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.class_counts_, [60, 20, 8])
    prior = np.array([60, 20, 8]) / 88
    np.testing.assert_allclose(clf.criterion_.adjustment.numpy(), np.log(prior), rtol=1e-6)
    # Every training loss is the cross-entropy of the adjusted logits.
    for loss, logits, target in spy.steps:
        hand = cross_entropy_by_hand(logits.double().numpy() + np.log(prior), target.numpy())
        assert loss == pytest.approx(hand, rel=1e-5)
    # Prediction is the softmax of the plain logits.
    with torch.no_grad():
        net_input = clf.layout_.to_net(clf.pixel_range_.scale(X[:5]))
        logits = clf.module_.eval()(torch.as_tensor(net_input, dtype=torch.float32))
    logits = logits.double().numpy()
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X[:5]), expected, rtol=1e-4)


# -- deferred re-weighting --------------------------------------------------------------


def test_effective_number_weights_equal_a_hand_computation():
    beta = 0.9999
    raw = np.array([(1 - beta) / (1 - beta**n) for n in (60, 20, 8)])
    np.testing.assert_allclose(effective_number_weights([60, 20, 8]), raw * 3 / raw.sum())
    # An absent class gets 1; beta=0 weights the present classes equally.
    np.testing.assert_allclose(effective_number_weights([5, 0, 50], beta=0.0), [1, 1, 1])
    with pytest.raises(ValueError, match="beta must be in"):
        effective_number_weights([5, 5], beta=1.0)


def test_drw_switches_to_class_balanced_weights_at_its_step(digits):
    X, y = imbalanced(*digits)
    spy = TrainingSteps()
    clf = tiny_cnn(max_steps=10, drw_start=0.7, callbacks=[spy]).fit(X, y)
    weight = effective_number_weights([60, 20, 8])
    assert spy.weights[:7] == [None] * 7  # round(0.7 * 10) plain steps
    for got in spy.weights[7:]:
        np.testing.assert_allclose(got.numpy(), weight, rtol=1e-6)
    assert len(spy.weights) == 10
    # The losses: plain cross-entropy, then the class-weighted mean.
    for index, (loss, logits, target) in enumerate(spy.steps):
        w = None if index < 7 else weight
        hand = cross_entropy_by_hand(logits.double().numpy(), target.numpy(), w)
        assert loss == pytest.approx(hand, rel=1e-5)

    # Each training call runs its own budget: plain again, then weighted from step 7.
    spy.initialize()
    clf.partial_fit(X, y)
    assert [w is None for w in spy.weights] == [True] * 7 + [False] * 3


def test_drw_and_logit_adjustment_interactions_are_defined(digits):
    X, y = imbalanced(*digits)
    with pytest.raises(ValueError, match="drw_start=0.5 sets the class weights"):
        tiny_cnn(max_steps=2, drw_start=0.5, class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match="leave criterion at its default"):
        tiny_cnn(max_steps=2, loss="logit_adjusted", criterion=nn.NLLLoss).fit(X, y)
    with pytest.raises(ValueError, match="max_steps=2 follows the step budget"):
        tiny_cnn(max_steps=2, callbacks="disable").fit(X, y)
    # Both baselines together: the weights apply to the adjusted logits.
    clf = tiny_cnn(max_steps=4, loss="logit_adjusted", drw_start=0.5).fit(X, y)
    assert isinstance(clf.criterion_, LogitAdjustedLoss) and clf.criterion_.weight is not None


# -- parameters ---------------------------------------------------------------------------

NEW_PARAMS = dict(
    max_steps=5,
    lr_schedule="onecycle",
    lr_warmup=0.3,
    loss="logit_adjusted",
    logit_adjust_tau=0.5,
    drw_start=0.8,
)


def test_new_parameters_clone_set_params_and_pickle(digits):
    clf = tiny_cnn(**NEW_PARAMS)
    assert {k: clone(clf).get_params()[k] for k in NEW_PARAMS} == NEW_PARAMS
    assert tiny_cnn().set_params(**NEW_PARAMS).get_params(deep=False).items() >= (
        NEW_PARAMS.items()
    )
    X, y = imbalanced(*digits)
    clf.fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    assert twin.n_steps_ == 5
    assert not hasattr(tiny_cnn(), "n_steps_")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("max_steps", 0),
        ("lr_schedule", "linear"),
        ("lr_warmup", 1.0),
        ("loss", "focal"),
        ("logit_adjust_tau", -1.0),
        ("drw_start", 1.0),
    ],
)
def test_new_parameters_are_validated(digits, param, value):
    X, y = imbalanced(*digits)
    with pytest.raises(ValueError, match=f"'{param}' parameter of CNNClassifier"):
        tiny_cnn(**{param: value}).fit(X, y)


# -- ResNet stems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "size", "stride", "kernel", "pooled"),
    [
        ("cifar", 28, (1, 1), (3, 3), False),
        ("imagenet", 28, (2, 2), (7, 7), True),
        ("auto", 28, (1, 1), (3, 3), False),
        ("auto", 64, (2, 2), (7, 7), True),
        ("cifar", 64, (1, 1), (3, 3), False),
    ],
)
def test_resnet_stems(stem, size, stride, kernel, pooled):
    net = build_classifier("resnet18", (1, size, size), n_classes=4, stem=stem)
    assert (net.conv1.in_channels, net.conv1.stride, net.conv1.kernel_size) == (1, stride, kernel)
    assert isinstance(net.maxpool, nn.MaxPool2d) == pooled
    with torch.no_grad():
        assert net.eval()(torch.zeros(2, 1, size, size)).shape == (2, 4)
        # The map after the stem: full size with the CIFAR stem, a quarter per side else.
        stem_out = net.maxpool(net.relu(net.bn1(net.conv1(torch.zeros(1, 1, size, size)))))
    assert stem_out.shape[-1] == (size // 4 if pooled else size)


def test_resnet_stem_through_the_classifier(digits):
    X, y = digits
    clf = CNNClassifier(
        architecture="resnet18",
        module__stem="imagenet",
        max_steps=1,
        batch_size=6,
        random_state=0,
        device="cpu",
    )
    clf.fit(X[:6], y[:6])
    assert clf.module_.conv1.stride == (2, 2) and clf.predict_proba(X[:6]).shape == (6, 6)
    with pytest.raises(ValueError, match="Unknown ResNet stem 'vit'"):
        build_classifier("resnet18", (1, 8, 8), n_classes=2, stem="vit")


# -- comparison methods -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label", "params"),
    [
        ("logit_adjusted", "Logit-adjusted loss", {"loss": "logit_adjusted"}),
        ("drw", "Deferred re-weighting", {"drw_start": 0.8}),
    ],
)
def test_comparison_offers_the_loss_baselines(digits, name, label, params):
    for preset in (get_preset("fast"), get_preset("fast", "fashion_mnist"), get_preset("paper")):
        spec = preset.sampler(name)
        assert (spec.label, spec.classifier_params, spec.resamples) == (label, params, False)
    preset = get_preset("fast")
    pipe = build_pipeline(preset.sampler(name), preset.classifier("small_cnn"), random_state=0)
    assert {k: pipe.named_steps["clf"].get_params()[k] for k in params} == params
    X, y = imbalanced(*digits)
    pipe.set_params(clf__max_steps=3, clf__module__channels=(4,), clf__device="cpu")
    assert pipe.fit(X, y).named_steps["clf"].n_steps_ == 3
