"""The run estimate: planned steps equal the steps fits take, the calibration's
extrapolation, and the cells' arithmetic of fits."""

from __future__ import annotations

import time

import pytest
from _samplers import TINY as SAMPLER_TINY
from sklearn.base import BaseEstimator

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE
from imblearn_deep.comparison import get_preset
from imblearn_deep.comparison._cell import Cell, planned_fits
from imblearn_deep.comparison._estimate import estimate_run, fit_seconds
from imblearn_deep.datasets import load_imbalanced


@pytest.fixture(scope="module")
def digits():
    X, y, _, _ = load_imbalanced("digits")
    return X, y


# -- planned steps ------------------------------------------------------------------------

TINY = {"hidden_channels": 4, "latent_dim": 4, "k_neighbors": 1}


@pytest.mark.parametrize("n", [129, 325])  # 129 = 2 x 64 + 1: the straggler joins a batch
def test_planned_steps_are_the_steps_a_fit_takes(digits, n):
    X, y = digits[0][:n], digits[1][:n]
    deep = DeepSMOTE(epochs=2, batch_size=64, **TINY, random_state=0)
    deep.fit_resample(X, y)
    assert deep.planned_steps(n) == {"max_steps": sum(r["steps"] for r in deep.history_)}
    gan = BAGANGP(**{**SAMPLER_TINY["BAGANGP"], "gan_epochs": 2}, random_state=0)
    gan.fit_resample(X, y)
    steps = {
        f"{stage}_steps": sum(r["steps"] for r in gan.history_ if r["stage"] == stage)
        for stage in ("autoencoder", "gan")
    }
    assert gan.planned_steps(n) == steps
    clf = CNNClassifier(architecture="mlp", max_epochs=2, batch_size=64, random_state=0)
    assert clf.fit(X, y).planned_steps(n) == {"max_steps": clf.n_steps_}


def test_planned_steps_follow_a_step_budget_whatever_the_size():
    for n in (300, 60000):
        assert DeepSMOTE(max_steps=25).planned_steps(n) == {"max_steps": 25}
        assert BAGANGP(autoencoder_steps=5, gan_steps=7).planned_steps(n) == {
            "autoencoder_steps": 5,
            "gan_steps": 7,
        }
        assert CNNClassifier(max_steps=9).planned_steps(n) == {"max_steps": 9}


# -- the calibration ----------------------------------------------------------------------


class SleepyFit(BaseEstimator):
    """A fit of ``fixed`` seconds plus ``per_step`` seconds per step, ``max_steps`` steps."""

    def __init__(self, fixed=0.2, per_step=0.01, max_steps=400):
        self.fixed, self.per_step, self.max_steps = fixed, per_step, max_steps

    def planned_steps(self, n_samples):
        return {"max_steps": self.max_steps}

    def fit(self, X, y):
        time.sleep(self.fixed + self.per_step * self.max_steps)
        return self


class PlainFit(BaseEstimator):
    """A fit of ``seconds`` that cannot tell its steps (as SMOTE)."""

    def __init__(self, seconds=0.5):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        return self


def test_fit_seconds_extrapolates_two_short_fits(digits):
    X, y = digits
    # 0.2 + 0.01 x 400 = 4.2 s, estimated from fits of 10 and 50 steps (0.3 and 0.7 s).
    start = time.perf_counter()
    estimate = fit_seconds(SleepyFit(), X, y, steps=(10, 50))
    took = time.perf_counter() - start
    assert estimate == pytest.approx(4.2, rel=0.1)
    assert took < 2.5  # warm-up, 10 and 50 steps: 1.3 s of sleep, not the 4.2 s fit


def test_fit_seconds_times_a_short_or_unscalable_fit_whole(digits):
    X, y = digits
    assert fit_seconds(SleepyFit(max_steps=20), X, y, steps=(10, 50)) == pytest.approx(0.4, abs=0.1)
    assert fit_seconds(PlainFit(), X, y) == pytest.approx(0.5, abs=0.1)


def test_fit_seconds_rejects_bad_step_counts(digits):
    with pytest.raises(ValueError, match="two increasing positive counts"):
        fit_seconds(SleepyFit(), *digits, steps=(16, 4))


# -- the cells ----------------------------------------------------------------------------


def test_a_cell_costs_its_planned_fits(digits):
    X, y = digits
    preset = get_preset("fast").with_params("small_cnn", {"max_steps": 20})
    cells = [
        Cell(preset.sampler(s), preset.classifier("small_cnn"), 0, "digits")
        for s in ("none", "ros")
    ]
    estimate = estimate_run(cells, X, y, n_folds=3, quality=True, device="cpu")
    clf, ros = estimate.fit_seconds["small CNN"], estimate.fit_seconds["RandomOverSampler"]
    none_cell, ros_cell = cells
    assert planned_fits(none_cell, X, y, n_folds=3) == (0, 7)  # 2 rates x 3 folds + refit
    assert planned_fits(ros_cell, X, y, n_folds=3) == (4, 7)
    assert estimate.cell_seconds[none_cell.key] == pytest.approx(7 * clf)
    # The resampling cell also trains the quality judge of its classifier and seed.
    assert estimate.cell_seconds[ros_cell.key] == pytest.approx(4 * ros + 8 * clf)
    assert estimate.seconds == pytest.approx(sum(estimate.cell_seconds.values()))
    assert estimate.describe().startswith("estimate: 2 cell(s) to run, about ")
    halved = estimate_run(cells, X, y, n_folds=3, quality=True, device="cpu", workers=2)
    assert halved.workers == 2 and set(halved.cell_seconds) == set(estimate.cell_seconds)


def test_nothing_to_run_is_said_and_costs_nothing(digits):
    estimate = estimate_run([], *digits, n_folds=3)
    assert estimate.describe() == "estimate: nothing to run"
    assert estimate.seconds == 0 and estimate.calibration_seconds < 1


def test_an_epoch_budget_classifier_costs_more_on_the_resampled_set(digits):
    X, y = digits
    # No step budget: one epoch of the preset's 32-image batches, 11 steps on the 325
    # real digits and 44 on random over-sampling's 1,400 (10 classes x 140).
    preset = get_preset("fast").with_params("mlp", {"max_steps": None, "max_epochs": 1})
    cells = [
        Cell(preset.sampler(s), preset.classifier("mlp"), 0, "digits") for s in ("none", "ros")
    ]
    estimate = estimate_run(cells, X, y, n_folds=3, quality=False, device="cpu")
    clf, ros = estimate.fit_seconds["MLP"], estimate.fit_seconds["RandomOverSampler"]
    assert estimate.cell_seconds[cells[0].key] == pytest.approx(7 * clf)
    assert estimate.cell_seconds[cells[1].key] == pytest.approx(4 * ros + 7 * clf * 44 / 11)


def test_a_method_whose_calibration_fails_is_named_and_the_rest_estimated():
    # ADASYN raises on the well-separated digits (imblearn: "Not any neigbours belong to the
    # majority class"); the run records its cells as failed, so the estimate must not stop.
    X, y, _, _ = load_imbalanced("digits")
    preset = get_preset("fast").with_params("small_cnn", {"max_steps": 20})
    cells = [
        Cell(preset.sampler(name), preset.classifier("small_cnn"), 0, "digits")
        for name in ("none", "adasyn")
    ]
    estimate = estimate_run(cells, X, y, n_folds=2, quality=False, device="cpu")
    assert list(estimate.cell_seconds) == [cells[0].key]
    assert list(estimate.failed) == ["ADASYN"] and "neigbours" in estimate.failed["ADASYN"]
    assert "no estimate for the cells of ADASYN" in estimate.describe()
