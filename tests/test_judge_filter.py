"""JudgeFilter: synthetic samples judged to be of another class are replaced."""

from __future__ import annotations

import numpy as np
import pytest
from _comparisons import FlatNearestNeighbor
from _samplers import EXPECTED_FAILURES, make_tiny
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils.estimator_checks import check_param_validation, estimator_checks_generator
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils._test_common.instance_generator import _get_check_estimator_ids
from sklearn.utils.estimator_checks import parametrize_with_checks

from imblearn_deep import DeepSMOTE
from imblearn_deep.datasets import load_digits_images, make_imbalanced
from imblearn_deep.experimental import JudgeFilter


class ScriptedSampler(BaseOverSampler):
    """Test double: balances the classes with rows whose first value says which class a
    judge should see (the intended one with probability ``p_right``, else the next one);
    the second value is a score the completion order can be checked against."""

    _parameter_constraints: dict = {**BaseOverSampler._parameter_constraints}

    def __init__(self, p_right=0.5, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.p_right = p_right
        self.random_state = random_state

    def _fit_resample(self, X, y):
        self.classes_ = np.unique(y)
        self.n_generated_ = 0
        rng = check_random_state(self.random_state)
        parts = [X] + [
            self.generate(n, label, random_state=rng)
            for label, n in self.sampling_strategy_.items()
        ]
        labels = [y] + [np.full(n, label) for label, n in self.sampling_strategy_.items()]
        return np.concatenate(parts), np.concatenate(labels)

    def generate(self, n_samples, class_label, *, random_state=None):
        rng = check_random_state(random_state)
        self.n_generated_ += n_samples
        right = rng.uniform(size=n_samples) < self.p_right
        other = self.classes_[
            (np.searchsorted(self.classes_, class_label) + 1) % len(self.classes_)
        ]
        rows = np.zeros((n_samples, 2))
        rows[:, 0] = np.where(right, class_label, other)
        rows[:, 1] = rng.uniform(size=n_samples)
        return rows


class FirstValueJudge(ClassifierMixin, BaseEstimator):
    """Test double: predicts the class written in a row's first value; its probability
    for any class it does not predict is the row's second value."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return X[:, 0].astype(self.classes_.dtype)

    def predict_proba(self, X):
        proba = np.repeat(X[:, 1:2] * 0.1, len(self.classes_), axis=1)
        proba[np.arange(len(X)), np.searchsorted(self.classes_, self.predict(X))] = 0.9
        return proba


def _data(counts=(40, 10, 5)):
    y = np.repeat(np.arange(len(counts)), counts)
    return np.column_stack([y, np.zeros(len(y))]).astype(float), y


def _filter(p_right, **params):
    return JudgeFilter(ScriptedSampler(p_right), judge=FirstValueJudge(), random_state=0, **params)


def test_kept_samples_are_judged_their_class_and_counts_follow_the_sampler():
    X, y = _data()
    sampler = _filter(0.3)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 40, 40]
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, unchanged
    np.testing.assert_array_equal(X_res[len(X) :, 0], y_res[len(X) :])
    assert sampler.n_completed_ == {1: 0, 2: 0}
    assert sampler.sampling_strategy_ == {1: 30, 2: 35}
    # 0.3 of the candidates were right; the rate is measured over every draw.
    assert all(0.15 < rate < 0.45 for rate in sampler.acceptance_rate_.values())


def test_no_replacement_draws_when_every_candidate_passes():
    X, y = _data()
    sampler = _filter(1.0)
    sampler.fit_resample(X, y)
    assert sampler.sampler_.n_generated_ == 30 + 35
    assert sampler.acceptance_rate_ == {1: 1.0, 2: 1.0}


def test_candidates_stop_at_the_budget_and_the_best_rejected_complete_the_class():
    X, y = _data()
    sampler = _filter(0.0, candidate_budget=3)
    with pytest.warns(UserWarning, match="accepted 0 of 90 candidates of class 1"):
        X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 40, 40]
    assert sampler.sampler_.n_generated_ == 3 * (30 + 35)
    assert sampler.n_completed_ == {1: 30, 2: 35}
    # Completed with the candidates the judge scored highest for the class, best first.
    scores = X_res[len(X) : len(X) + 30, 1]
    assert np.all(np.diff(scores) <= 0) and scores[0] > 0.9


def test_seeded_runs_repeat_and_the_wrapper_seeds_the_sampler():
    X, y = _data()
    first, second = _filter(0.5), _filter(0.5)
    np.testing.assert_array_equal(first.fit_resample(X, y)[0], second.fit_resample(X, y)[0])
    assert first.sampler_.random_state is not None and first.sampler.random_state is None
    unseeded = JudgeFilter(ScriptedSampler(0.5, random_state=7), judge=FirstValueJudge())
    unseeded.fit_resample(X, y)
    assert unseeded.sampler_.random_state == 7


def test_a_sampler_without_generate_is_rejected_by_name():
    from imblearn.over_sampling import SMOTE

    X, y = _data()
    with pytest.raises(InvalidParameterError, match="'sampler' parameter"):
        JudgeFilter(SMOTE()).fit_resample(X, y)


def test_clone_keeps_the_parameters():
    sampler = _filter(0.5, candidate_budget=4)
    params = clone(sampler).get_params()
    assert params["candidate_budget"] == 4 and params["sampler__p_right"] == 0.5


def test_deep_smote_digits_keep_only_samples_the_judge_accepts():
    X, y = load_digits_images()
    X, y = make_imbalanced(X[y < 3], y[y < 3], {0: 60, 1: 20, 2: 10}, random_state=0)
    deep_smote = DeepSMOTE(epochs=20, k_neighbors=3, random_state=0, device="cpu")
    sampler = JudgeFilter(deep_smote, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 60]
    synthetic = X_res[len(X) :]
    assert synthetic.shape[1:] == X.shape[1:] and synthetic.dtype == X.dtype
    judged = sampler.judge_.predict(synthetic.reshape(len(synthetic), -1))
    assert sampler.n_completed_ == {1: 0, 2: 0}
    np.testing.assert_array_equal(judged, y_res[len(X) :])


TINY_FILTER = JudgeFilter(make_tiny("DeepSMOTE"), random_state=0)


@pytest.mark.parametrize(
    "estimator, check",
    list(
        estimator_checks_generator(
            TINY_FILTER, expected_failed_checks=EXPECTED_FAILURES, mark="xfail"
        )
    ),
    ids=_get_check_estimator_ids,
)
def test_imblearn_checks(estimator, check):
    check(estimator)


@parametrize_with_checks([TINY_FILTER])
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("JudgeFilter", TINY_FILTER)


def test_a_comparison_row_records_the_acceptance_per_class(tmp_path):
    from imblearn_deep.comparison import ClassifierSpec, Execution, SamplerSpec, run_comparison
    from imblearn_deep.datasets import load_imbalanced

    judged = SamplerSpec(
        "deepsmote_judged",
        "DeepSMOTE, judge-filtered",
        JudgeFilter,
        params={"sampler": make_tiny("DeepSMOTE"), "random_state": 0},
    )
    nearest = ClassifierSpec("knn", "1-NN", FlatNearestNeighbor)
    (row,) = run_comparison(
        *load_imbalanced("digits"),
        samplers=[judged],
        classifiers=[nearest],
        seeds=[0],
        cv=2,
        output=tmp_path,
        execution=Execution(device="cpu"),
        quality=False,
        on_error="raise",
    )
    counts = np.bincount(load_imbalanced("digits")[1])
    grown = {str(c) for c in np.flatnonzero(counts < counts.max())}
    assert set(row["acceptance_rate"]) == grown == set(row["n_completed"])
    assert all(0 <= rate <= 1 for rate in row["acceptance_rate"].values())
    assert all(0 <= n <= counts.max() - counts[int(c)] for c, n in row["n_completed"].items())
