"""4-D arrays whose channel order is ambiguous: (n, 4, 4, 3) is 4 channels of 4×3 pixels
or 4×4 pixels with 3 channels. Without ``image_shape`` they are read channel-first with a
ChannelOrderWarning naming both readings; a matching ``image_shape`` silences it; clearly
channel-last arrays stay an error, and ordinary channel-first arrays stay silent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _samplers import imbalanced_images, make_tiny

from imblearn_deep._channel_order import (
    ChannelOrderWarning,
    channel_order_is_ambiguous,
    looks_channel_last,
)
from imblearn_deep._images import ImageLayout
from imblearn_deep.classifiers import CNNClassifier

# Per-sample shape -> the two readings the warning must name, with their numbers.
AMBIGUOUS = {
    (4, 4, 3): ("4 channels of 4×3 pixels", "4×4 pixels with 3 channels"),
    (16, 16, 2): ("16 channels of 16×2 pixels", "16×16 pixels with 2 channels"),
}
CHANNEL_FIRST = [(1, 8, 8), (3, 8, 8)]
# Class counts above DeepSMOTE's k_neighbors + 1, so that no other warning fires.
COUNTS = (12, 8)


def tiny_classifier(**params) -> CNNClassifier:
    return CNNClassifier(max_epochs=1, batch_size=16, random_state=0, device="cpu", **params)


def _both_readings(sample_shape: tuple[int, ...]) -> list[str]:
    """What the warning must say: both readings, the transpose, the image_shape."""
    first, last = AMBIGUOUS[sample_shape]
    return [first, last, "X.transpose(0, 3, 1, 2)", f"image_shape={sample_shape}"]


def _assert_warns_both_readings(record, sample_shape) -> None:
    caught = [w for w in record if issubclass(w.category, ChannelOrderWarning)]
    assert len(caught) == 1, [str(w.message) for w in record]
    message = str(caught[0].message)
    for part in _both_readings(sample_shape):
        assert part in message, (part, message)
    # It points at the line that called the estimator, not inside imblearn or sklearn.
    assert caught[0].filename == __file__


# --------------------------------------------------------------------------------------
# The layout functions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "ambiguous"),
    [
        ((5, 4, 4, 3), True),
        ((5, 16, 16, 2), True),
        ((5, 3, 3, 1), True),
        ((5, 4, 4, 1), True),
        ((5, 3, 8, 2), True),
        # Axis 1 no larger than the last axis: a channel-last image that short is unlikely.
        ((5, 1, 8, 8), False),
        ((5, 3, 8, 8), False),
        ((5, 3, 32, 32), False),
        ((5, 3, 4, 4), False),
        ((5, 2, 2, 2), False),
        ((5, 16, 16, 5), False),  # 5 is a width, not a channel count
        # Clearly channel-last: an error, not a warning.
        ((5, 28, 28, 1), False),
        ((5, 32, 32, 3), False),
        # Not images of four axes.
        ((5, 4, 3), False),
        ((5, 48), False),
    ],
)
def test_channel_order_is_ambiguous(shape, ambiguous):
    assert channel_order_is_ambiguous(shape) is ambiguous
    assert not (ambiguous and looks_channel_last(shape))


@pytest.mark.parametrize("sample_shape", sorted(AMBIGUOUS))
def test_from_array_warns_naming_both_readings(sample_shape):
    X = np.zeros((5, *sample_shape), np.float32)
    with pytest.warns(ChannelOrderWarning) as record:
        layout = ImageLayout.from_array(X)
    _assert_warns_both_readings(record, sample_shape)
    # Read channel-first, as before the warning.
    assert layout.image_shape == sample_shape


@pytest.mark.parametrize("sample_shape", sorted(AMBIGUOUS))
def test_from_array_matching_image_shape_is_silent(sample_shape):
    X = np.zeros((5, *sample_shape), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ImageLayout.from_array(X, sample_shape).image_shape == sample_shape


def test_from_array_channel_last_image_shape_gives_transpose_hint():
    # image_shape (C, H, W) = (3, 4, 4) is the channel-last reading of (n, 4, 4, 3).
    X = np.zeros((5, 4, 4, 3), np.float32)
    with pytest.raises(
        ValueError, match=r"does not match X.*channel-last.*transpose\(0, 3, 1, 2\)"
    ):
        ImageLayout.from_array(X, (3, 4, 4))
    # A plain mismatch gets no channel-last hint.
    with pytest.raises(ValueError, match=r"does not match X") as error:
        ImageLayout.from_array(X, (2, 4, 6))
    assert "transpose" not in str(error.value)


@pytest.mark.parametrize("shape", [(5, 28, 28, 1), (5, 8, 8, 3), (5, 32, 32, 4)])
def test_from_array_clear_channel_last_still_errors(shape):
    with pytest.raises(ValueError, match=r"looks channel-last.*transpose\(0, 3, 1, 2\)"):
        ImageLayout.from_array(np.zeros(shape, np.float32))


@pytest.mark.parametrize("sample_shape", [*CHANNEL_FIRST, (3, 4, 4), (1, 4, 4)])
def test_from_array_channel_first_is_silent(sample_shape):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layout = ImageLayout.from_array(np.zeros((5, *sample_shape), np.float32))
    assert layout.image_shape == sample_shape


# --------------------------------------------------------------------------------------
# The estimators
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample_shape", sorted(AMBIGUOUS))
def test_sampler_warns_naming_both_readings(sampler_name, sample_shape):
    X, y = imbalanced_images(counts=COUNTS, shape=sample_shape)
    with pytest.warns(ChannelOrderWarning) as record:
        X_res, _ = make_tiny(sampler_name).fit_resample(X, y)
    _assert_warns_both_readings(record, sample_shape)
    assert X_res.shape[1:] == sample_shape


@pytest.mark.parametrize("sample_shape", sorted(AMBIGUOUS))
def test_sampler_with_image_shape_is_silent(sampler_name, sample_shape):
    X, y = imbalanced_images(counts=COUNTS, shape=sample_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_res, _ = make_tiny(sampler_name, image_shape=sample_shape).fit_resample(X, y)
    assert X_res.shape[1:] == sample_shape


@pytest.mark.parametrize("sample_shape", sorted(AMBIGUOUS))
def test_classifier_warns_naming_both_readings_at_fit_only(sample_shape):
    X, y = imbalanced_images(counts=COUNTS, shape=sample_shape)
    with pytest.warns(ChannelOrderWarning) as record:
        clf = tiny_classifier().fit(X, y)
    _assert_warns_both_readings(record, sample_shape)
    assert clf.layout_.image_shape == sample_shape
    # Prediction checks X against the fitted layout: the warning is not repeated.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clf.predict(X).shape == (len(X),)
        clf.partial_fit(X, y)


@pytest.mark.parametrize(
    ("sample_shape", "image_shape"),
    [
        ((4, 4, 3), (4, 4, 3)),
        ((4, 4, 3), [4, 4, 3]),
        # An image_shape with a -1 entry is the caller's word too.
        ((4, 4, 3), (-1, 4, 3)),
        ((16, 16, 2), (16, 16, 2)),
        ((16, 16, 2), (16, -1, 2)),
    ],
)
def test_classifier_with_image_shape_is_silent(sample_shape, image_shape):
    X, y = imbalanced_images(counts=COUNTS, shape=sample_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = tiny_classifier(image_shape=image_shape).fit(X, y)
        assert clf.predict(X).shape == (len(X),)


def test_estimators_clear_channel_last_still_errors(sampler_name):
    X, y = imbalanced_images(counts=COUNTS, shape=(8, 8, 3))
    with pytest.raises(ValueError, match=r"looks channel-last.*transpose\(0, 3, 1, 2\)"):
        make_tiny(sampler_name).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"looks channel-last.*transpose\(0, 3, 1, 2\)"):
        tiny_classifier().fit(X, y)


@pytest.mark.parametrize("sample_shape", CHANNEL_FIRST)
def test_estimators_channel_first_is_silent(sampler_name, sample_shape):
    X, y = imbalanced_images(counts=COUNTS, shape=sample_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert make_tiny(sampler_name).fit_resample(X, y)[0].shape[1:] == sample_shape
        assert tiny_classifier().fit(X, y).predict(X).shape == (len(X),)
