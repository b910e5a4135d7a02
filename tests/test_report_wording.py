"""The report says what happened in each cell: how many seeds its numbers are over, which
cells were searched over folds and which were fitted once, and which methods it cannot
tell apart. No training: hand-made rows whose scores come from known predictions."""

from __future__ import annotations

import pytest

from imblearn_deep.comparison import ResultsStore, write_report
from imblearn_deep.comparison._identical import identical_methods
from imblearn_deep.comparison._row import heldout_scores
from imblearn_deep.metrics import SCORES

LABELS = {"none": "none", "drw": "Deferred re-weighting", "ros": "RandomOverSampler"}
TRUTH = [0] * 8 + [1] * 4
# Predictions of the test set: the minority class found 3, 2 or 1 times in 4.
FINDS = {3: [0] * 8 + [1, 1, 1, 0], 2: [0] * 8 + [1, 1, 0, 0], 1: [0] * 8 + [1, 0, 0, 0]}


def make_row(sampler, seed, found, *, cv_folds=3):
    """A finished row of the small CNN, scored on predictions that find ``found`` of the
    4 minority test images."""
    searched = bool(cv_folds)
    return {
        "cell": f"digits|{sampler}|small_cnn|seed={seed}",
        "status": "ok",
        "dataset": "digits",
        "preset": "fast",
        "sampler": sampler,
        "sampler_label": LABELS[sampler],
        "classifier": "small_cnn",
        "classifier_label": "small CNN",
        "seed": seed,
        "cv_folds": cv_folds,
        "classes": [0, 1],
        "train_class_counts": {"0": 40, "1": 10},
        "test_class_counts": {"0": 8, "1": 4},
        "best_params": {"clf__lr": 0.001},
        **{f"cv_{score.name}": 0.7 if searched else None for score in SCORES},
        "cv_f1_macro_std": 0.02 if searched else None,
        **heldout_scores(TRUTH, FINDS[found], [0, 1]),
        "sampler_fits": 0,
        "expected_sampler_fits": 0,
        "n_synthetic": 0,
    }


def report(tmp_path, rows) -> str:
    store = ResultsStore(tmp_path)
    for row in rows:
        store.record(row)
    return write_report(tmp_path).read_text(encoding="utf-8")


def test_one_seed_is_named_and_no_spread_claimed(tmp_path):
    text = report(tmp_path / "one", [make_row("none", 0, 2), make_row("ros", 0, 3)])
    assert "Scores: one seed (0); no spread (folds, samplers" in text
    assert "### Scores (one seed (0); no spread; best test macro-F1 in bold)" in text
    assert "### Per-class test recall (one seed (0); no spread)" in text
    assert "over seeds" not in text and "± std" not in text
    rows = [make_row(s, seed, 2 + (s == "ros")) for s in ("none", "ros") for seed in range(3)]
    text = report(tmp_path / "three", rows)
    assert "Scores: mean ± std over seeds 0, 1, 2 (folds" in text
    assert "### Scores (mean ± std over seeds 0, 1, 2; best test macro-F1 in bold)" in text
    assert "no spread" not in text


def test_cells_fitted_once_are_not_described_with_folds(tmp_path):
    rows = [make_row(s, 0, 2, cv_folds=0) for s in ("none", "ros")]
    text = report(tmp_path / "once", rows)
    assert (
        "Each cell is an imblearn `Pipeline(sampler, classifier)` fitted once on the whole "
        "training set, without cross-validation (a grid of a single setting has nothing to "
        "tune; no CV scores) and scored once on the test set." in text
    )
    for searched in ("GridSearchCV", "validation fold", "once per fold", "the folds"):
        assert searched not in text
    # Searched and fitted-once cells side by side: each named for what it had.
    text = report(tmp_path / "mixed", [make_row("none", 0, 2, cv_folds=0), make_row("ros", 0, 3)])
    assert (
        "Cells whose grid has several settings are tuned by `GridSearchCV` on 3 stratified "
        "shuffled folds of the training set (refit on macro-F1), refitted on the whole "
        "training set; the cells of none + small CNN are fitted once on the whole training "
        "set, without cross-validation" in text
    )
    assert "every validation fold and the test set hold real images only" in text


def test_methods_with_identical_held_out_results_are_flagged(tmp_path):
    # DRW predicts exactly as "none" on every seed; ROS differs.
    rows = [make_row(s, seed, 2 + seed % 2) for s in ("none", "drw") for seed in range(3)]
    rows += [make_row("ros", seed, 3) for seed in range(3)]
    text = report(tmp_path / "tied", rows)
    flag = (
        "**Identical results.** With small CNN, Deferred re-weighting and none have the same "
        "held-out results on every seed (0, 1, 2)."
    )
    assert flag in text
    assert text.index("### Scores") < text.index(flag) < text.index("### Per-class test recall")
    assert "RandomOverSampler have the same" not in text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda rows: rows[5].update(make_row("drw", 2, 1)), id="one seed differs"),
        pytest.param(lambda rows: rows.pop(5), id="a seed missing"),
    ],
)
def test_methods_are_identical_only_on_every_seed(tmp_path, change):
    rows = [make_row(s, seed, 2) for s in ("none", "drw") for seed in range(3)]
    assert len(identical_methods(rows)) == 1
    change(rows)
    assert identical_methods(rows) == []
    assert "Identical results" not in report(tmp_path, rows)
