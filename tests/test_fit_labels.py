"""With ``-v``, each fit of a cell's pipeline is named, by fold and setting, before its
epoch lines: GridSearchCV tells its estimators neither, so the pipeline finds them."""

from __future__ import annotations

import numpy as np
from _comparisons import FlatNearestNeighbor
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from imblearn_deep import FlattenSampler
from imblearn_deep.comparison._fit_labels import FitLabels, labelled
from imblearn_deep.datasets import load_imbalanced

TITLE = "ROS + 1-NN, seed 0"


def pipeline() -> Pipeline:
    sampler = FlattenSampler(RandomOverSampler(random_state=0))
    return Pipeline([("sampler", sampler), ("clf", FlatNearestNeighbor())])


def test_every_fit_of_a_search_is_named_by_its_fold_and_setting(capsys):
    X, y, _, _ = load_imbalanced("digits")
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"sampler__sampler__shrinkage": [None, 0.5]}
    pipe = labelled(pipeline(), FitLabels(TITLE, grid, X, y, folds=folds))
    search = GridSearchCV(pipe, grid, cv=folds, scoring="f1_macro").fit(X, y)
    best = search.best_params_["sampler__sampler__shrinkage"]
    assert capsys.readouterr().err.splitlines() == [
        *(
            f"{TITLE}: fit {3 * s + f + 1} of 7, fold {f + 1} of 3, setting shrinkage={value}"
            for s, value in enumerate((None, 0.5))
            for f in range(3)
        ),
        f"{TITLE}: fit 7 of 7, refit on the whole training set, setting shrinkage={best}",
    ]
    # Whatever order the fits run in: a fold is known by its rows.
    train, _ = list(folds.split(X, y))[1]
    labels = search.best_estimator_.labels
    assert labels.describe(X[train], y[train], {"sampler__sampler__shrinkage": 0.5}) == (
        f"{TITLE}: fit 5 of 7, fold 2 of 3, setting shrinkage=0.5"
    )
    # Rows of no fold get no number.
    assert labels.describe(X[:10], y[:10], {}) == (
        f"{TITLE}: a fit on 10 images, setting shrinkage=None"
    )


def test_a_cell_fitted_once_is_named_so(capsys):
    X, y, _, _ = load_imbalanced("digits")
    pipe = labelled(pipeline(), FitLabels(TITLE, {}, X, y))
    pipe.fit(X, y)
    assert capsys.readouterr().err == (
        f"{TITLE}: fit 1 of 1, on the whole training set (one setting: no CV), "
        "no parameter searched\n"
    )
    np.testing.assert_array_equal(pipe.predict(X[:5]), y[:5])
