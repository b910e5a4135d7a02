"""A grid of one setting is fitted once, with the test scores a search would give."""

from __future__ import annotations

import pytest
from imblearn.over_sampling import RandomOverSampler

from imblearn_deep.comparison import (
    ClassifierSpec,
    Execution,
    SamplerSpec,
    run_comparison,
    write_report,
)
from imblearn_deep.datasets import load_imbalanced

ROS = SamplerSpec("ros", "RandomOverSampler", RandomOverSampler, flatten=True)
CNN = ClassifierSpec(
    "small_cnn",
    "small CNN",
    params={"architecture": "small_cnn", "max_epochs": 3, "batch_size": 32},
    grid={"lr": [3e-3]},
)


def test_one_setting_is_fitted_once_with_the_searched_test_scores(tmp_path):
    data = load_imbalanced("digits")
    kwargs = dict(
        samplers=[ROS],
        classifiers=[CNN],
        seeds=[0],
        cv=2,
        execution=Execution(device="cpu"),
        quality=False,
    )
    (once,) = run_comparison(*data, output=tmp_path / "once", **kwargs)
    (searched,) = run_comparison(*data, output=tmp_path / "cv", search="always", **kwargs)
    assert once["cv_folds"] == 0 and once["cv_f1_macro"] is None
    assert (once["sampler_fits"], once["expected_sampler_fits"]) == (1, 1)
    assert (searched["sampler_fits"], searched["expected_sampler_fits"]) == (3, 3)
    assert once["config"] != searched["config"]
    # 3 epochs of the 1,400-image balanced set, batch 32: 44 steps each.
    assert once["clf_steps"] == searched["clf_steps"] == 3 * 44
    assert once["clf_images_seen"] == 3 * 1400
    for key in ("test_f1_macro", "test_accuracy", "confusion_matrix", "best_params"):
        assert once[key] == searched[key]
    report = write_report(tmp_path / "once").read_text()
    assert "fitted once on the whole training set, without cross-validation" in report
    assert "0 stratified" not in report
    report = write_report(tmp_path / "cv").read_text()
    assert "tuned by `GridSearchCV` on 2 stratified shuffled folds" in report


def test_search_must_be_auto_or_always(tmp_path):
    with pytest.raises(ValueError, match="search must be 'auto' or 'always'"):
        run_comparison(*load_imbalanced("digits"), search="never", output=tmp_path)
