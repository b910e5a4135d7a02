"""Tests for the input augmentation and CNNClassifier's random_shift / random_flip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.classifiers import _fit as fit_module
from imblearn_deep.classifiers._augmentation import random_shift_flip
from imblearn_deep.classifiers._skorch_loop import SkorchLoopMixin


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300].reshape(-1, 1, 8, 8), y[:300]


def small(**params) -> CNNClassifier:
    return CNNClassifier(**{"max_steps": 12, "batch_size": 32, "random_state": 0, **params})


# --------------------------------------------------------------------------------------
# random_shift_flip
# --------------------------------------------------------------------------------------


def test_each_shifted_image_is_a_crop_of_its_edge_padded_self():
    images = torch.rand(40, 3, 6, 7)
    torch.manual_seed(0)
    shifted = random_shift_flip(images, shift=2)
    padded = F.pad(images, (2, 2, 2, 2), mode="replicate")
    offsets = set()
    for image, source in zip(shifted, padded, strict=True):
        matches = [
            (dy, dx)
            for dy in range(5)
            for dx in range(5)
            if torch.equal(image, source[:, dy : dy + 6, dx : dx + 7])
        ]
        assert matches, "an output image is no crop of its padded input"
        offsets.add(matches[0])
    # Offsets are drawn per image, over the whole range (not one shift for the batch).
    assert len(offsets) > 10
    assert {dy for dy, _ in offsets} == set(range(5))


def test_flip_mirrors_about_half_of_the_images_and_nothing_else():
    images = torch.rand(200, 1, 5, 5)
    torch.manual_seed(1)
    out = random_shift_flip(images, flip=True)
    mirrored = torch.tensor([torch.equal(o, i.flip(-1)) for o, i in zip(out, images, strict=True)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, images, strict=True)])
    assert bool((mirrored | kept).all())
    assert 70 < int(mirrored.sum()) < 130


def test_no_augmentation_returns_the_batch_and_draws_nothing():
    images = torch.rand(4, 1, 5, 5)
    state = torch.get_rng_state()
    assert random_shift_flip(images) is images
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize(
    ("images", "shift", "message"),
    [
        (torch.rand(4, 25), 1, r"shape \(n, C, H, W\); got shape \(4, 25\)"),
        (torch.rand(4, 1, 5, 8), 5, r"random_shift=5 must be smaller .* \(5, 8\)"),
    ],
)
def test_bad_batches_and_shifts_are_named(images, shift, message):
    with pytest.raises(ValueError, match=message):
        random_shift_flip(images, shift=shift)


# --------------------------------------------------------------------------------------
# CNNClassifier
# --------------------------------------------------------------------------------------


def test_neutral_values_train_exactly_as_before_the_parameters(digits, monkeypatch):
    X, y = digits
    default = small().fit(X, y).predict_proba(X)
    # The loop without the augmentation hook, as it was before the parameters existed.
    monkeypatch.setattr(
        CNNClassifier, "train_step_single", SkorchLoopMixin.train_step_single, raising=True
    )
    before = small(random_shift=0, random_flip=False).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(default, before)


def test_every_training_step_and_only_training_is_augmented(digits, monkeypatch):
    X, y = digits
    calls = []

    def spy(images, *, shift, flip):
        calls.append((tuple(images.shape), shift, flip))
        return random_shift_flip(images, shift=shift, flip=flip)

    monkeypatch.setattr(fit_module, "random_shift_flip", spy)
    clf = small(random_shift=1, random_flip=True, early_stopping=True, max_steps=None, max_epochs=2)
    clf.fit(X, y)
    assert len(calls) == clf.n_steps_
    assert {(shift, flip) for _, shift, flip in calls} == {(1, True)}
    calls.clear()
    clf.predict_proba(X)
    assert calls == []


def test_augmented_fits_are_seeded_and_leave_global_rng_alone(digits):
    X, y = digits
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    first = small(random_shift=2, random_flip=True).fit(X, y).predict_proba(X)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state[1])  # noqa: NPY002
    again = clone(small(random_shift=2, random_flip=True)).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    # The augmentation takes effect: the same seed without it trains another network.
    assert not np.array_equal(first, small().fit(X, y).predict_proba(X))


def test_augmentation_parameters_are_estimator_parameters():
    clf = small(random_shift=3, random_flip=True)
    assert clf.get_params()["random_shift"] == 3
    assert clone(clf).get_params()["random_flip"] is True


@pytest.mark.parametrize(
    ("params", "X", "error", "message"),
    [
        ({"random_shift": -1}, np.zeros((8, 1, 8, 8)), InvalidParameterError, "random_shift"),
        (
            {"random_shift": 8},
            np.zeros((8, 1, 8, 8)),
            ValueError,
            r"random_shift=8 must be smaller than the images' height and width \(8, 8\)",
        ),
        (
            {"random_flip": True, "architecture": "mlp"},
            np.zeros((8, 64)),
            ValueError,
            "random_shift and random_flip augment images, but X is flat",
        ),
    ],
)
def test_augmentation_that_cannot_apply_is_refused_at_fit(params, X, error, message):
    with pytest.raises(error, match=message):
        small(**params).fit(X, np.arange(8) % 2)
