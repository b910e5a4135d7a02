"""imbalanced-learn's and scikit-learn's estimator checks on every public sampler."""

from __future__ import annotations

import pytest
from _samplers import EXPECTED_FAILURES, SAMPLERS, make_tiny
from imblearn.utils.estimator_checks import check_param_validation, estimator_checks_generator
from sklearn.utils._test_common.instance_generator import _get_check_estimator_ids
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

ESTIMATORS = [make_tiny(name) for name in sorted(SAMPLERS)]


# imblearn's parametrize_with_checks hands pytest a generator, which pytest 10 rejects.
IMBLEARN_CHECKS = [
    instance
    for estimator in ESTIMATORS
    for instance in estimator_checks_generator(
        estimator, expected_failed_checks=EXPECTED_FAILURES, mark="xfail"
    )
]


@pytest.mark.parametrize("estimator, check", IMBLEARN_CHECKS, ids=_get_check_estimator_ids)
def test_imblearn_checks(estimator, check):
    check(estimator)


@sklearn_checks(ESTIMATORS)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_param_validation(name):
    check_param_validation(name, make_tiny(name))
