"""BalancedBatchSampler, and balanced batches in CNNClassifier and the comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset

from imblearn_deep import BalancedBatchSampler, CNNClassifier
from imblearn_deep.classifiers import _batches as batches_module
from imblearn_deep.classifiers import _skorch_loop as training_loop_module
from imblearn_deep.comparison import build_pipeline, get_preset

COUNTS = (50, 7, 1)


def labels(counts=COUNTS) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def epochs(sampler: BalancedBatchSampler, n: int) -> list[list[list[int]]]:
    return [list(sampler) for _ in range(n)]


@pytest.mark.parametrize(
    ("counts", "batch_size", "epoch_size"),
    [(COUNTS, 8, "dataset"), (COUNTS, 6, "oversample"), ((5, 3, 3, 2), 3, 40), ((9, 9), 4, 7)],
)
def test_every_batch_has_equal_class_shares(counts, batch_size, epoch_size):
    y = labels(counts)
    sampler = BalancedBatchSampler(y, batch_size=batch_size, epoch_size=epoch_size, random_state=0)
    n_samples = {"dataset": len(y), "oversample": len(counts) * max(counts)}.get(
        epoch_size, epoch_size
    )
    assert len(sampler) == math.ceil(n_samples / batch_size)
    share = batch_size // len(counts)
    for batches in epochs(sampler, 3):
        assert len(batches) == len(sampler)
        assert all(len(batch) == batch_size for batch in batches)
        per_batch = np.array([np.bincount(y[b], minlength=len(counts)) for b in batches])
        assert np.isin(per_batch, [share, share + 1]).all()
        totals = per_batch.sum(axis=0)
        assert totals.max() - totals.min() <= 1


def test_every_sample_is_reached():
    y = labels()
    # "oversample": n_classes x 50 per epoch, so every sample is in every epoch, and
    # each class's samples repeat evenly (a walk through permutations, not draws).
    sampler = BalancedBatchSampler(y, batch_size=6, epoch_size="oversample", random_state=0)
    for batches in epochs(sampler, 2):
        drawn = np.bincount(np.concatenate(batches), minlength=len(y))
        for code in range(3):
            class_drawn = drawn[y == code]
            assert class_drawn.min() >= 1 and class_drawn.max() - class_drawn.min() <= 1

    # "dataset": 58 per epoch, about 20 of the 50 majority samples; the walk carries
    # over, so three epochs cover all 50 and none twice before all were drawn once.
    sampler = BalancedBatchSampler(y, batch_size=6, random_state=0)
    drawn = np.bincount(np.concatenate(sum(epochs(sampler, 3), [])), minlength=len(y))[y == 0]
    assert drawn.min() >= 1 and drawn.max() - drawn.min() <= 1


def test_seeded_and_reproducible_per_epoch():
    y = labels()
    first = epochs(BalancedBatchSampler(y, batch_size=8, random_state=3), 3)
    assert first == epochs(BalancedBatchSampler(y, batch_size=8, random_state=3), 3)
    assert first != epochs(BalancedBatchSampler(y, batch_size=8, random_state=4), 3)
    assert first[0] != first[1]  # each iteration is the next epoch
    sampler = BalancedBatchSampler(y, batch_size=8, random_state=3)
    sampler.set_epoch(2)
    assert list(sampler) == first[2] and sampler.epoch == 3
    rng = np.random.RandomState(3)
    assert epochs(BalancedBatchSampler(y, batch_size=8, random_state=rng), 1) == epochs(
        BalancedBatchSampler(y, batch_size=8, random_state=np.random.RandomState(3)), 1
    )


def test_leaves_global_random_state_alone():
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    torch_state = torch.get_rng_state()
    list(BalancedBatchSampler(labels(), batch_size=8, random_state=0))
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_no_batch_of_one():
    # A plain loader of 9 samples in batches of 4 ends with a batch of one; here every
    # batch is full, and batch_size=1 is refused.
    sampler = BalancedBatchSampler(labels((6, 3)), batch_size=4, random_state=0)
    assert [len(b) for b in sampler] == [4, 4, 4]
    with pytest.raises(ValueError, match="batch_size must be an integer of at least 2"):
        BalancedBatchSampler(labels(), batch_size=1)


@pytest.mark.parametrize(
    ("y", "params", "match"),
    [
        (np.zeros((4, 2)), {}, "1-D array of labels"),
        (np.array([]), {}, "1-D array of labels"),
        (np.linspace(0, 1, 10), {}, "Unknown label type"),
        (labels(), {"batch_size": 2.5}, "batch_size must be"),
        (labels(), {"batch_size": True}, "batch_size must be"),
        (labels(), {"epoch_size": "all"}, "epoch_size must be"),
        (labels(), {"epoch_size": 0}, "epoch_size must be"),
    ],
)
def test_rejects_bad_input(y, params, match):
    with pytest.raises(ValueError, match=match):
        BalancedBatchSampler(y, **params)
    with pytest.raises(ValueError, match="epoch must be"):
        BalancedBatchSampler(labels()).set_epoch(-1)


def test_works_as_a_dataloader_batch_sampler():
    y = labels()
    dataset = TensorDataset(torch.arange(len(y)), torch.from_numpy(y))
    loader = DataLoader(dataset, batch_sampler=BalancedBatchSampler(y, batch_size=9))
    assert len(loader) == math.ceil(len(y) / 9)
    for index, target in loader:
        assert torch.equal(target, torch.from_numpy(y)[index])
        assert torch.bincount(target, minlength=3).tolist() == [3, 3, 3]


def test_merge_rule_has_one_owner():
    # The classifier's training loader uses the batches module's sampler, not a copy.
    assert training_loop_module.MergeLastBatchSampler is batches_module.MergeLastBatchSampler


class BatchLabels(Callback):
    """Record the label codes of every training batch."""

    def initialize(self):
        self.batches = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.batches.append(batch[1].numpy().copy())


def imbalanced_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in ((0, 90), (1, 20), (2, 10))])
    return X[keep].reshape(-1, 1, 8, 8), y[keep]


def small_cnn(**params) -> CNNClassifier:
    defaults = dict(max_epochs=2, batch_size=12, random_state=0, device="cpu")
    return CNNClassifier(module__channels=(4,), **{**defaults, **params})


def training_batches(X, y, **params) -> tuple[CNNClassifier, list[np.ndarray]]:
    clf = small_cnn(callbacks=[("spy", BatchLabels())], **params).fit(X, y)
    return clf, dict(clf.callbacks_)["spy"].batches


@pytest.mark.parametrize(("balanced", "n_batches"), [(True, 10), ("oversample", 23)])
def test_classifier_trains_on_balanced_batches(balanced, n_batches):
    X, y = imbalanced_digits()
    clf, batches = training_batches(X, y, balanced_batches=balanced)
    # 120 samples (True) or 3 x 90 (oversample) per epoch, in batches of 12: 4 per class.
    assert len(batches) == 2 * n_batches
    assert all(np.bincount(b, minlength=3).tolist() == [4, 4, 4] for b in batches)
    again, _ = training_batches(X, y, balanced_batches=balanced)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))

    _, plain = training_batches(X, y)
    assert len(plain) == 2 * 10
    assert max(np.bincount(b, minlength=3)[0] for b in plain) > 4


def test_classifier_balanced_batches_on_the_early_stopping_split():
    # The internal split hands the loader a Subset; the labels are those of the subset.
    X, y = imbalanced_digits()
    clf = small_cnn(
        balanced_batches=True, early_stopping=True, validation_fraction=0.25, max_epochs=1
    )
    clf.fit(X, y)
    assert len(clf.history_) == 1


def test_classifier_balanced_batches_need_the_default_loader():
    X, y = imbalanced_digits()

    class Loader(DataLoader):
        pass

    with pytest.raises(ValueError, match="needs the default iterator_train=DataLoader"):
        small_cnn(balanced_batches=True, iterator_train=Loader).fit(X, y)
    sampler = torch.utils.data.SequentialSampler(range(len(y)))
    with pytest.raises(ValueError, match="cannot be combined with iterator_train__sampler"):
        small_cnn(balanced_batches=True, iterator_train__sampler=sampler).fit(X, y)
    with pytest.raises(ValueError, match="balanced_batches"):
        small_cnn(balanced_batches="yes").fit(X, y)


def test_comparison_offers_balanced_batches():
    for preset in (get_preset("fast"), get_preset("paper", "mnist")):
        spec = preset.sampler("balanced_batches")
        assert spec.label == "Balanced batches" and not spec.resamples
        assert spec.classifier_params == {"balanced_batches": "oversample"}
    preset = get_preset("fast")
    pipe = build_pipeline(preset.sampler("balanced_batches"), preset.classifier("small_cnn"))
    assert pipe.named_steps["clf"].balanced_batches == "oversample"
