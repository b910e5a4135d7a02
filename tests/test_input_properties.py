"""Property-based tests of the input contract of both samplers and CNNClassifier.

Hypothesis draws the input: 1 or 3 channels, sides 5-40, flat / (n, H, W) / (n, C, H, W)
layouts, uint8 to float64 and bool dtypes, value ranges (ordinary, one outlying value,
values near the float64 limit), label types and class counts down to one sample. Each
case must end in one of two ways: a ValueError that names the problem, or output that
mirrors the input (layout, dtype, value range, originals first, exact counts).

The examples are derandomized (the same cases on every run) and bounded, with tiny
networks, so the file takes seconds. Run with ``--hypothesis-show-statistics`` to see
how many cases ended in an error and how many in output.
"""

from __future__ import annotations

import random
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from _samplers import make_tiny
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from imblearn_deep._images import MIN_VALUES, ImageLayout, PixelRange
from imblearn_deep.classifiers import CNNClassifier

PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DTYPES = [np.uint8, np.int32, np.int64, np.float16, np.float32, np.float64, np.bool_]
# Repeats weight the draw towards inputs that must succeed.
LABEL_KINDS = ["int", "int", "negative int", "str", "str", "continuous"]


@dataclass
class Case:
    """One drawn input, and the problems it has: it must raise a ValueError naming one of
    them (estimators check in different orders), or succeed when there are none."""

    X: np.ndarray
    y: np.ndarray
    image_shape: tuple[int, int, int] | None
    values: str
    expected_errors: list[str]


def _pixels(rng, shape, dtype, values) -> np.ndarray:
    if dtype == np.bool_:
        return rng.uniform(size=shape) < rng.uniform(0.1, 0.9)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low = int(rng.randint(0, 100)) if info.min == 0 else int(rng.randint(-1000, 1000))
        return rng.randint(low, low + 200, size=shape).astype(dtype)
    # float16 holds at most 65504: its outlier is 6e4 among values up to 10.
    X = rng.uniform(-1, 1, size=shape) * 10.0 ** rng.randint(-3, 2 if dtype == np.float16 else 4)
    if values == "outlier":
        X.flat[rng.randint(X.size)] = 6e4 if dtype == np.float16 else 1e30
    elif values == "extreme":
        X = np.where(X > 0, 1e308, -1e308)
    with np.errstate(over="ignore"):  # ±1e308 becomes ±inf in float32 and float16
        return X.astype(dtype)


@st.composite
def cases(draw, dtype: type, *, allow_tabular: bool = True) -> Case:
    channels = draw(st.sampled_from([1, 3]))
    height, width = draw(st.integers(5, 40)), draw(st.integers(5, 40))
    layouts = ["flat", "nchw"] + (["nhw"] if channels == 1 else [])
    layout = draw(st.sampled_from(layouts))
    values = "ordinary"
    if np.issubdtype(dtype, np.floating):
        values = draw(st.sampled_from(["ordinary", "ordinary", "ordinary", "outlier", "extreme"]))
    n_classes = draw(st.sampled_from([1, 2, 2, 3, 4]))
    counts = draw(st.lists(st.integers(1, 6), min_size=n_classes, max_size=n_classes))
    label_kind = draw(st.sampled_from(LABEL_KINDS))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))

    codes = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    X = _pixels(rng, (len(codes), channels, height, width), dtype, values)
    tabular = allow_tabular and layout == "flat" and draw(st.booleans())
    image_shape = None
    if layout == "nhw":
        X = X[:, 0]
    elif layout == "flat":
        X = X.reshape(len(X), -1)
        image_shape = None if tabular else (channels, height, width)
    y = {
        "int": codes,
        "negative int": codes * 7 - 5,
        "str": np.array(["ant", "bee", "cat", "dog"])[codes],
        "continuous": codes + rng.uniform(0.1, 0.9, size=len(codes)),
    }[label_kind]

    problems = {
        "[Uu]nknown label type": label_kind == "continuous",
        "class": len(counts) < 2,
        "1 sample": len(codes) < 2,  # BatchNorm cannot train on one sample
        # ±1e308 is infinite in float32 and float16; in float64, max - min overflows.
        "infinity": not np.isfinite(X).all(),
        "overflows float64": values == "extreme",
    }
    return Case(X, y, image_shape, values, [p for p, found in problems.items() if found])


def _run(fit, case: Case):
    """Call ``fit``; check the error when one is expected; return the result otherwise."""
    if case.expected_errors:
        # np.errstate: scikit-learn's finiteness check sums X, which overflows at ±1e308.
        with (
            pytest.raises(ValueError, match="|".join(case.expected_errors)),
            np.errstate(all="ignore"),
        ):
            fit()
        event("clear ValueError")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit()
    outlier_warnings = [w for w in caught if "dominated by a few outlying" in str(w.message)]
    # The warning fires exactly for the drawn outlier, where the range has enough values
    # to tell (a tabular feature has one value per sample, too few here).
    is_image = case.image_shape is not None or case.X.ndim > 2
    checked = (case.X.size if is_image else len(case.X)) >= MIN_VALUES
    assert bool(outlier_warnings) == (case.values == "outlier" and checked)
    event("output" + (" with outlier warning" if outlier_warnings else ""))
    return result


# Each dtype gets its own examples: a derandomized draw could miss one.
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: np.dtype(dtype).name)
@pytest.mark.parametrize("sampler_name", ["DeepSMOTE", "BAGANGP", "LatentDiffusion"])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_sampler_errors_clearly_or_mirrors_the_input(sampler_name, dtype, data):
    case = data.draw(cases(dtype))
    sampler = make_tiny(sampler_name, image_shape=case.image_shape)
    result = _run(lambda: sampler.fit_resample(case.X, case.y), case)
    if result is None:
        return
    X, y = case.X, case.y
    X_res, y_res = result
    assert X_res.shape[1:] == X.shape[1:]
    assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    # "auto" brings every class up to the majority's count; new samples come grouped in
    # sorted class order, inside the fitted value range.
    majority = max(Counter(y.tolist()).values())
    assert Counter(y_res.tolist()) == {label: majority for label in set(y.tolist())}
    synthetic, synthetic_labels = X_res[len(X) :], y_res[len(y) :]
    assert list(synthetic_labels) == sorted(synthetic_labels)
    if len(synthetic) and X.dtype != np.bool_:
        wide = synthetic.astype(np.float64)
        assert np.isfinite(wide).all()
        if case.image_shape is not None or X.ndim > 2:
            assert X.min() <= wide.min() and wide.max() <= X.max()
        else:  # tabular data: a range per feature
            assert (X.min(axis=0) <= wide.min(axis=0)).all()
            assert (wide.max(axis=0) <= X.max(axis=0)).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: np.dtype(dtype).name)
@PROPERTY_SETTINGS
@given(data=st.data(), architecture=st.sampled_from(["small_cnn", "mlp"]))
def test_classifier_errors_clearly_or_predicts_the_labels(dtype, data, architecture):
    case = data.draw(cases(dtype, allow_tabular=False))
    clf = CNNClassifier(
        architecture=architecture,
        image_shape=case.image_shape,
        max_epochs=1,
        batch_size=8,
        random_state=0,
        device="cpu",
        **({"module__channels": (4,)} if architecture == "small_cnn" else {}),
    )
    if _run(lambda: clf.fit(case.X, case.y), case) is None:
        return
    states = torch.get_rng_state(), np.random.get_state()[1], random.getstate()  # noqa: NPY002
    proba = clf.predict_proba(case.X)
    labels = clf.predict(case.X)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])  # noqa: NPY002
    assert random.getstate() == states[2]
    n_classes = len(set(case.y.tolist()))
    assert proba.shape == (len(case.X), n_classes) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert labels.dtype == case.y.dtype and set(labels.tolist()) <= set(case.y.tolist())


# --------------------------------------------------------------------------------------
# The scaling rule itself, at its boundaries
# --------------------------------------------------------------------------------------


def _pixel_range(X):
    return PixelRange.fit(X, ImageLayout.from_array(X))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda dtype: np.dtype(dtype).name)
def test_scaling_round_trips_every_dtype(dtype):
    X = _pixels(np.random.RandomState(0), (4, 1, 5, 5), dtype, "ordinary")
    pixel_range = _pixel_range(X)
    scaled = pixel_range.scale(X)
    assert scaled.dtype == np.float32 and scaled.min() == -1 and scaled.max() == 1
    restored = pixel_range.unscale(scaled).reshape(X.shape)
    assert restored.dtype == X.dtype
    if np.issubdtype(dtype, np.floating):
        np.testing.assert_allclose(restored, X, rtol=1e-3, atol=1e-6 * np.abs(X).max())
    else:  # integers and bool come back exactly
        np.testing.assert_array_equal(restored, X)


def test_integer_output_is_clipped_where_int64_can_hold_it():
    # float(2**63 - 1) is 2**63, which a plain cast wraps to -2**63.
    X = np.array([[[0, np.iinfo(np.int64).max]]])
    restored = _pixel_range(X).unscale(np.ones((1, 2)))
    assert restored.dtype == np.int64 and (restored > 2**62).all()


@pytest.mark.parametrize(("outlier", "warns"), [(100 * 0.98, False), (100 * 1.02, True)])
def test_outlier_warning_starts_at_100_times_the_bulk(outlier, warns):
    # 200 values spread over [0, 1] and one outlier: the range is about `outlier` times
    # the spread of all but the extreme 0.1 % (here one value each side).
    X = np.linspace(0, 1, 200).reshape(2, 1, 10, 10)
    X[0, 0, 0, 0], X[1, 0, 9, 9] = -0.01, outlier
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _pixel_range(X)
    assert any("dominated by a few outlying" in str(w.message) for w in caught) == warns
