"""Short comparisons for the tests of the comparison's mechanics (resume, faults, parallel
cells, the command line), which check that numbers are kept and equal, not how good they
are: fits a quarter of the fast preset's length."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from imblearn_deep.comparison import Preset, get_preset

# name -> parameters: the small CNN's 440 steps on the digits and DeepSMOTE's 30 epochs cut.
SHORT = {"small_cnn": {"max_steps": 100}, "deepsmote": {"epochs": 8}}
# The same on the command line.
SHORT_FITS = tuple(
    arg
    for name, params in SHORT.items()
    for param, value in params.items()
    for arg in ("--set", f"{name}.{param}={value}")
)


def short_preset(dataset: str = "digits") -> Preset:
    """The fast preset with :data:`SHORT`'s parameters."""
    preset = get_preset("fast", dataset)
    for name, params in SHORT.items():
        preset = preset.with_params(name, params)
    return preset


class FlatNearestNeighbor(ClassifierMixin, BaseEstimator):
    """1-nearest-neighbour on flattened images: a classifier a comparison cell can fit."""

    def fit(self, X, y):
        from sklearn.neighbors import KNeighborsClassifier

        self.knn_ = KNeighborsClassifier(1).fit(np.reshape(X, (len(X), -1)), y)
        self.classes_ = self.knn_.classes_
        return self

    def predict(self, X):
        return self.knn_.predict(np.reshape(X, (len(X), -1)))
