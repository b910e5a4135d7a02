"""Diversity of synthetic images: the within-class spread ratio, its row fields, and the
report's flag on a sampler that collapsed (one image per class, on purpose)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _comparisons import FlatNearestNeighbor
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.preprocessing import StandardScaler

from imblearn_deep.comparison import (
    ClassifierSpec,
    Execution,
    SamplerSpec,
    get_preset,
    run_comparison,
    write_report,
)
from imblearn_deep.comparison._quality import COLLAPSE_CLASS, COLLAPSE_MEDIAN, diversity
from imblearn_deep.comparison._row import check_row
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import class_spread_ratios


def blobs(n_per_class=(300, 40, 6), d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    X = rng.standard_normal((len(y), d)) * (1 + y[:, None]) + 10 * y[:, None]
    return X, y


# -- class_spread_ratios ------------------------------------------------------------------


def test_copies_of_one_image_per_class_have_no_spread():
    X, y = blobs()
    copies = np.repeat(X[[0, 300, 340]], 20, axis=0)
    ratios = class_spread_ratios(X, y, copies, np.repeat([0, 1, 2], 20))
    assert ratios == {0: 0.0, 1: 0.0, 2: 0.0}


def test_real_images_resampled_spread_like_the_real_ones():
    X, y = blobs(n_per_class=(400, 400))
    rng = np.random.default_rng(1)
    # Drawn with replacement from 400 images: duplicates take 1/400 of the spread away.
    drawn = np.concatenate([rng.choice(np.flatnonzero(y == c), 300) for c in (0, 1)])
    ratios = class_spread_ratios(X, y, X[drawn], y[drawn])
    assert all(r == pytest.approx(1.0, abs=0.05) for r in ratios.values())


def test_copies_of_k_images_score_one_minus_one_over_k():
    X, y = blobs(n_per_class=(2000,), d=20)
    k = 4
    source = X[:k]
    copies = np.tile(source, (500, 1))  # each of the k images 500 times
    (ratio,) = class_spread_ratios(source, np.zeros(k), copies, np.zeros(len(copies))).values()
    assert ratio == pytest.approx(1 - 1 / k, abs=0.01)


def test_shrunk_images_shrink_the_ratio_in_any_layout_and_feature_space():
    X, y = blobs()
    centres = np.stack([X[y == c].mean(0) for c in range(3)])[y]
    shrunk = centres + 0.5 * (X - centres)
    assert all(r == pytest.approx(0.5) for r in class_spread_ratios(X, y, shrunk, y).values())
    # Images (n, C, H, W) are flattened; a scaler's transform is a feature space.
    images = X.reshape(len(X), 1, 2, 3)
    as_images = class_spread_ratios(images, y, shrunk.reshape(images.shape), y)
    assert all(r == pytest.approx(0.5) for r in as_images.values())
    scaled = class_spread_ratios(X, y, shrunk, y, feature_extractor=StandardScaler().fit(X))
    assert all(r == pytest.approx(0.5) for r in scaled.values())


def test_subsampling_is_seeded_and_leaves_the_global_rngs_alone():
    X, y = blobs(n_per_class=(600, 600))
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    full = class_spread_ratios(X, y, X[::-1], y[::-1])
    sub = class_spread_ratios(X, y, X[::-1], y[::-1], max_samples=200, random_state=3)
    assert sub == class_spread_ratios(X, y, X[::-1], y[::-1], max_samples=200, random_state=3)
    assert sub != class_spread_ratios(X, y, X[::-1], y[::-1], max_samples=200, random_state=4)
    assert all(sub[c] == pytest.approx(full[c], abs=0.1) for c in full)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_classes_without_a_spread_are_nan_with_a_warning():
    X, y = blobs(n_per_class=(50, 1))
    X[y == 0] = X[0]  # class 0: one image, many times
    X_syn, y_syn = X[:4] + 1.0, np.array([0, 0, 1, 1])
    with pytest.warns(UserWarning) as caught:
        ratios = class_spread_ratios(X, y, X_syn, y_syn)
    assert all(math.isnan(r) for r in ratios.values())
    messages = " ".join(str(w.message) for w in caught)
    assert "Class 0 has identical real images" in messages
    assert "Class 1 has 1 real and 2 synthetic samples" in messages


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_synthetic": [5, 5]}, "no real samples to compare with: \\[5\\]"),
        ({"y_synthetic": [0]}, "X_synthetic has 2 samples but y_synthetic has 1"),
        ({"max_samples": 1}, "max_samples must be an integer of at least 2"),
        ({"feature_extractor": lambda X: X[:1]}, "returned shape \\(1, 6\\)"),
    ],
)
def test_bad_inputs_are_named(kwargs, message):
    X, y = blobs()
    arguments = {"y_synthetic": [0, 0], **kwargs}
    y_syn = arguments.pop("y_synthetic")
    with pytest.raises(ValueError, match=message):
        class_spread_ratios(X, y, X[:2], y_syn, **arguments)


# -- the comparison: row fields, the flag --------------------------------------------------


def test_diversity_flags_a_low_median_or_a_low_class():
    def summary(median, lowest):
        return diversity([{"diversity": median, "diversity_per_class": {"0": 1.0, "1": lowest}}])

    assert not summary(COLLAPSE_MEDIAN, COLLAPSE_CLASS).collapsed
    assert summary(COLLAPSE_MEDIAN - 0.01, 1.0).collapsed
    assert summary(1.0, COLLAPSE_CLASS - 0.01).collapsed
    assert diversity([{"status": "ok"}, {"diversity": None}]) is None


class RepeatOneImage(BaseOverSampler):
    """Over-samples each class with copies of its first image: collapse, on purpose."""

    _sampling_type = "over-sampling"

    def _fit_resample(self, X, y):
        X_parts, y_parts = [X], [y]
        for label, n in self.sampling_strategy_.items():
            X_parts.append(np.repeat(X[y == label][:1], n, axis=0))
            y_parts.append(np.full(n, label, dtype=y.dtype))
        return np.concatenate(X_parts), np.concatenate(y_parts)


def test_the_report_flags_a_collapsed_sampler_and_only_it(tmp_path):
    collapsed = SamplerSpec("repeat", "Repeat one image", RepeatOneImage, flatten=True)
    rows = run_comparison(
        *load_imbalanced("digits"),
        samplers=[collapsed, get_preset("fast").sampler("ros")],
        classifiers=[ClassifierSpec("knn", "1-NN", FlatNearestNeighbor)],
        seeds=[0],
        output=tmp_path,
        execution=Execution(device="cpu"),
        on_error="raise",
    )
    repeat, ros = rows
    assert repeat["diversity"] == 0.0
    assert set(repeat["diversity_per_class"].values()) == {0.0}
    assert set(repeat["diversity_per_class"]) == set(map(str, range(1, 10)))
    assert ros["diversity"] > 0.8  # copies of the real images, drawn at random
    assert check_row(repeat) is None
    assert check_row({**repeat, "diversity": -0.1}) == "diversity must be a number ≥ 0 or null"
    assert check_row({**repeat, "diversity_per_class": {"1": "x"}}) == (
        "diversity_per_class must map class labels to numbers ≥ 0 or null"
    )
    partial = {k: v for k, v in repeat.items() if k != "diversity_per_class"}
    assert check_row(partial) == "a row needs the fields diversity_per_class"
    report = write_report(tmp_path).read_text(encoding="utf-8")
    assert "**Collapsed: Repeat one image.**" in report
    assert "| Repeat one image | 1-NN | 1.000 | – | 0.00 (1: 0.00) **collapsed** |" in report
    assert "| RandomOverSampler | 1-NN | 1.000 | – | 0.92 (8: 0.79) | – |" in report
    caption = "Repeat one image: real and synthetic images (diversity 0.00, lowest class 1 0.00"
    assert f"{caption}; collapsed)" in report
