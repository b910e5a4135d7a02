"""No copies of the whole training set in float, and the resampled set built once.

A comparison cell of 60,000 uint8 images of 28×28 peaked at 6.7 times the float32 size
of its resampled set (5.4 GB) while every step converted the whole set: FlattenSampler
to float64 for SMOTE, the classifier's and the deep samplers' scaling through float64,
the deep samplers' synthetic images held in float32 until the end. Images now stay in
their dtype until a batch is built (``python -m benchmarks.cell_memory`` measures the
cells). These tests catch a regression without measuring RSS: ``tracemalloc`` sees
every array numpy allocates (not torch's tensors), and its peak over a step on a set
of moderate size tells a float copy of the whole set from the chunks and batches the
step should hold. Each step's numbers are also checked against the float64 arithmetic
they replace.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.base import clone

from imblearn_deep._images import ImageLayout, PixelRange, ScaledImages
from imblearn_deep.base import BaseDeepOverSampler
from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.over_sampling import FlattenSampler


def traced_peak(func, *args, **kwargs):
    """``func``'s result and the peak bytes allocated (numpy arrays included) during it."""
    tracemalloc.start()
    try:
        result = func(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def uint8_images(counts, side=28, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    return rng.integers(0, 256, (len(y), 1, side, side), dtype=np.uint8), y


def rounded_float64(sampler, X, y):
    """What resampling integer images meant before: the sampler on float64 rows of the
    whole set, rounded back to the images' dtype."""
    X_res, y_res = sampler.fit_resample(X.reshape(len(X), -1).astype(np.float64), y)
    limits = np.iinfo(X.dtype)
    X_res = np.clip(np.rint(X_res), limits.min, limits.max).astype(X.dtype)
    return X_res.reshape(-1, *X.shape[1:]), y_res


# -- scaling ------------------------------------------------------------------------------


def test_scale_and_unscale_make_no_float64_copy_of_the_set():
    X, _ = uint8_images([20_000])
    pixel_range = PixelRange.fit(X, ImageLayout.from_array(X))
    scaled, peak = traced_peak(pixel_range.scale, X)
    # One float64 copy of the set is twice the float32 result (125 MB here); chunks of
    # 2**20 values hold 8 MB each.
    assert scaled.dtype == np.float32
    assert peak < scaled.nbytes + X.size * 8 / 2
    restored, peak = traced_peak(pixel_range.unscale, scaled)
    assert restored.dtype == np.uint8
    np.testing.assert_array_equal(restored.reshape(X.shape), X)
    assert peak < X.size * 8 / 2


def test_scale_is_the_float64_arithmetic_bit_for_bit():
    rng = np.random.default_rng(1)
    for X, shape in [
        (rng.integers(0, 256, (300, 3, 5, 5), dtype=np.uint8), None),
        (rng.normal(size=(300, 7)) * [1, 10, 100, 1e3, 1e4, 1e5, 1e6], None),
        (rng.random((300, 48), dtype=np.float32), (3, 4, 4)),
    ]:
        layout = ImageLayout.from_array(X, shape, warn_tabular=False)
        pixel_range = PixelRange.fit(X, layout)
        flat = X.reshape(len(X), -1).astype(np.float64)
        # The whole-set expression the chunked scaling replaced.
        expected = ((flat - pixel_range.low) / pixel_range._span() * 2.0 - 1.0).astype(np.float32)
        np.testing.assert_array_equal(pixel_range.scale(X), expected)
        images = ScaledImages(X, layout, pixel_range)
        batch = rng.permutation(len(X))[:50]
        net = expected.reshape(len(X), *layout.net_shape)
        np.testing.assert_array_equal(images[batch], net[batch])
        np.testing.assert_array_equal(images[7], net[7])
        np.testing.assert_array_equal(np.asarray(images), net)


# -- the classifier -------------------------------------------------------------------------


def test_classifier_keeps_uint8_images_until_a_batch_is_built():
    X, y = uint8_images([12_000, 8_000])
    clf = CNNClassifier(
        max_steps=2, batch_size=32, module__channels=(4,), random_state=0, device="cpu"
    )
    float32_bytes = X.size * 4
    # The first fit of a process imports torch's compiler with its optimizer (70 MB of
    # Python objects): not traced.
    clone(clf).fit(X[::100], y[::100])
    _, peak = traced_peak(clf.fit, X, y)
    # Less than the uint8 images themselves: a float32 copy would be 4 times them.
    assert peak < float32_bytes / 4
    proba, peak = traced_peak(clf.predict_proba, X)
    assert proba.shape == (len(X), 2)
    assert peak < float32_bytes / 4
    # The network reads the caller's array itself, scaled a batch at a time.
    assert np.shares_memory(clf._check_X(X).raw, X)
    np.testing.assert_array_equal(
        clf.network_input(X[:100]), clf.layout_.to_net(clf.pixel_range_.scale(X[:100]))
    )


# -- FlattenSampler -------------------------------------------------------------------------


def test_random_over_sampling_builds_the_resampled_set_once_in_uint8():
    X, y = uint8_images([10_000, 5_000, 3_000, 2_000])
    sampler = FlattenSampler(RandomOverSampler(random_state=0))
    (X_res, y_res), peak = traced_peak(sampler.fit_resample, X, y)
    assert X_res.dtype == np.uint8
    # No float copy, and the resampled rows not gathered in parts and stacked.
    assert peak < 1.5 * X_res.nbytes
    ros = RandomOverSampler(random_state=0)
    expected, expected_y = ros.fit_resample(X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(X_res.reshape(len(X_res), -1), expected)
    np.testing.assert_array_equal(y_res, expected_y)
    np.testing.assert_array_equal(sampler.sample_indices_, ros.sample_indices_)


def test_smote_on_uint8_images_converts_one_class_at_a_time():
    X, y = uint8_images([10_000, 3_000, 2_000, 1_000])
    sampler = FlattenSampler(SMOTE(random_state=0))
    (X_res, _), peak = traced_peak(sampler.fit_resample, X, y)
    assert X_res.dtype == np.uint8 and len(X_res) == 40_000
    # A float64 copy of the training set alone is 100 MB; one class of 3,000 is 19 MB.
    assert peak < X.size * 8


@pytest.mark.parametrize(
    "sampler",
    [
        SMOTE(random_state=0, k_neighbors=3),
        SMOTE(random_state=np.random.RandomState(5)),
        RandomOverSampler(random_state=0),
        RandomOverSampler(random_state=0, shrinkage=0.3),
    ],
    ids=["smote", "smote-random-state", "ros", "ros-shrinkage"],
)
def test_integer_images_resample_as_float64_rows_did(sampler):
    X, y = uint8_images([300, 120, 40, 15], side=10, seed=3)
    # Duplicate images: ties in SMOTE's neighbour search must break as on float64 rows.
    X[301], X[421] = X[300], X[420]
    X_res, y_res = FlattenSampler(sampler).fit_resample(X, y)
    expected, expected_y = rounded_float64(clone(sampler), X, y)
    assert X_res.dtype == np.uint8
    np.testing.assert_array_equal(X_res, expected)
    np.testing.assert_array_equal(y_res, expected_y)


# -- the deep samplers' generation ------------------------------------------------------


class GreySampler(BaseDeepOverSampler):
    """A deep sampler without networks: every synthetic image is the middle of the range."""

    def __init__(self, *, sampling_strategy="auto", random_state=None, image_shape=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.image_shape = image_shape
        self.precision = "float32"
        self.device = "cpu"

    def _fit_networks(self, X, y, device, task):
        pass

    def _sample(self, class_code, n_samples, rng, device):
        return np.zeros((n_samples, *self.image_layout_.net_shape), np.float32), {}

    def _empty_provenance(self):
        return {}


def test_deep_samplers_hold_one_class_of_synthetic_images_in_float32():
    X, y = uint8_images([10_000, *[50] * 6])
    sampler = GreySampler(random_state=0)
    (X_res, y_res), peak = traced_peak(sampler.fit_resample, X, y)
    synthetic = len(X_res) - len(X)
    assert X_res.dtype == np.uint8 and synthetic == 6 * 9_950
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert (X_res[len(X) :] == 128).all()
    # Every synthetic image in float32 at once is 187 MB; one class's is 31 MB.
    assert peak < synthetic * X[0].size * 4
