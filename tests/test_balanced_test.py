"""The class-balanced test set: scored like the test set, in its own columns and report."""

from __future__ import annotations

import csv

import joblib
import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.metrics import f1_score

from imblearn_deep.comparison import (
    ClassifierSpec,
    Execution,
    SamplerSpec,
    build_pipeline,
    run_comparison,
    write_report,
)
from imblearn_deep.comparison._cell import Cell, fingerprint
from imblearn_deep.datasets import load_balanced_test, load_imbalanced

ROS = SamplerSpec("ros", "RandomOverSampler", RandomOverSampler, flatten=True)
NONE = SamplerSpec("none", "none")
CNN = ClassifierSpec(
    "small_cnn",
    "small CNN",
    params={"architecture": "small_cnn", "max_steps": 60, "batch_size": 32},
    grid={"lr": [3e-3]},
)
KWARGS = dict(
    classifiers=[CNN], seeds=[0, 1], cv=2, execution=Execution(device="cpu"), quality=False
)


@pytest.fixture(scope="module")
def balanced_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("balanced")
    data = load_imbalanced("digits")
    balanced = load_balanced_test("digits")
    rows = run_comparison(*data, samplers=[NONE, ROS], output=out, balanced_test=balanced, **KWARGS)
    return out, data, balanced, rows


def test_every_row_is_scored_on_the_balanced_test_set(balanced_run):
    out, data, (X_bal, y_bal), rows = balanced_run
    assert len(rows) == 4
    for row in rows:
        assert row["balanced_test_class_counts"] == {str(c): 38 for c in range(10)}
        assert sum(map(sum, row["balanced_test_confusion_matrix"])) == len(y_bal)
        assert set(row["balanced_test_recall"]) == {str(c) for c in range(10)}
        assert 0 <= row["balanced_test_f1_macro"] <= 1
    # The same model as the test columns': refit by hand, predict the balanced set.
    row = rows[-1]
    pipe = build_pipeline(ROS, CNN, random_state=row["seed"], device="cpu")
    pipe.set_params(**row["best_params"]).fit(data[0], data[1])
    expected = f1_score(y_bal, pipe.predict(X_bal), average="macro")
    assert row["balanced_test_f1_macro"] == pytest.approx(expected, abs=1e-12)
    with open(out / "results.csv", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert {"balanced_test_f1_macro", "balanced_test_recall_9"} <= set(header)
    assert "balanced_test_confusion_matrix" not in header


def test_the_report_has_balanced_tables_and_paired_differences(balanced_run):
    out = balanced_run[0]
    report = write_report(out).read_text()
    assert "### Scores on the class-balanced test set (380 real images" in report
    assert "Balanced-test macro-F1" in report
    assert "### Paired differences (balanced-test macro-F1" in report


def test_without_a_balanced_test_set_fingerprints_do_not_change(tmp_path, balanced_run):
    # Folders recorded before the option existed resume: the data hash is the data's.
    data = load_imbalanced("digits")
    (plain,) = run_comparison(*data, samplers=[NONE], output=tmp_path, **{**KWARGS, "seeds": [0]})
    assert "balanced_test_f1_macro" not in plain
    cell = Cell(NONE, CNN, 0, "custom")
    assert plain["config"] == fingerprint(cell, 2, "cpu", joblib.hash(tuple(data)))
    with_balanced = next(r for r in balanced_run[3] if r["sampler"] == "none" and r["seed"] == 0)
    assert with_balanced["config"] != plain["config"]
    assert with_balanced["test_f1_macro"] == plain["test_f1_macro"]


def test_balanced_test_must_be_a_pair(tmp_path):
    X = np.zeros((3, 1, 8, 8))
    with pytest.raises(ValueError, match="balanced_test must be a pair"):
        run_comparison(*load_imbalanced("digits"), balanced_test=(X,), output=tmp_path)
