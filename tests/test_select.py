"""Choosing a method the way a user must: by cross-validation on the training images."""

from __future__ import annotations

import numpy as np
from _comparisons import FlatNearestNeighbor
from imblearn import FunctionSampler

from imblearn_deep.comparison import (
    ClassifierSpec,
    SamplerSpec,
    read_results,
    run_comparison,
    write_report,
)
from imblearn_deep.comparison._cli import main
from imblearn_deep.datasets import load_imbalanced


def shuffled_labels(X, y):
    """A "sampler" that ruins the training labels: a method known to be worst."""
    return X, np.random.default_rng(0).permutation(y)


def test_select_chooses_by_cross_validation_a_method_known_to_be_best(tmp_path):
    ruin = SamplerSpec(
        "shuffled",
        "Shuffled labels",
        FunctionSampler,
        params={"func": shuffled_labels, "validate": False},
    )
    nearest = ClassifierSpec("knn", "1-NN", FlatNearestNeighbor)
    rows = run_comparison(
        *load_imbalanced("digits"),
        samplers=["none", ruin],
        classifiers=[nearest],
        seeds=[0, 1],
        cv=2,
        output=tmp_path,
        quality=False,
        select=True,
        on_error="raise",
    )
    assert all(row["cv_folds"] == 2 and row["cv_f1_macro"] is not None for row in rows)
    report = write_report(tmp_path).read_text()
    section = report[report.index("### The method cross-validation chooses") :]
    assert "cross-validation chooses **none**" in section.splitlines()[2]
    assert "the test-set best too" in section.splitlines()[2]


def test_select_on_the_command_line_reports_the_chosen_method(tmp_path):
    args = ["compare", "--samplers", "none,ros", "--seeds", "0", "--cv", "2", "--select"]
    args += ["--set", "small_cnn.max_steps=20", "--no-quality", "--no-balanced-test", "-q"]
    assert main([*args, "--device", "cpu", "--output", str(tmp_path)]) == 0
    rows = read_results(tmp_path)
    cv = {row["sampler_label"]: row["cv_f1_macro"] for row in rows}
    report = (tmp_path / "report.md").read_text()
    assert f"cross-validation chooses **{max(cv, key=cv.get)}**" in report
