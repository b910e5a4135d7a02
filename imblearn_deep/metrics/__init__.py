"""Quality of synthetic images and the scores of the comparison.

Three measures of synthetic-sample quality that need no download:

* :func:`label_fidelity`: the share of synthetic images that a classifier trained on
  *real* data assigns to the class they were generated for.
* :func:`frechet_distance` and :func:`class_frechet_distances`: the Fréchet distance
  between Gaussians fitted to features of real and synthetic images (the method of FID,
  Heusel et al. 2017), computed per class on the features of a domain network trained on
  the real data instead of ImageNet's Inception. :func:`classifier_features` gives the
  penultimate-layer features of a fitted :class:`~imblearn_deep.CNNClassifier`.
* :func:`class_spread_ratios`: how varied each class's synthetic images are, as the mean
  pairwise distance among them divided by the same among the class's real images (near
  0 for a generator that repeats one image per class, which the two above can miss).

And the scorers the comparison uses with ``GridSearchCV`` (:data:`macro_f1_scorer`,
:data:`g_mean_scorer`, :data:`SCORERS`), all derived from one list, :data:`SCORES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    make_scorer,
)

from ._diversity import class_spread_ratios
from ._quality import class_frechet_distances, frechet_distance, label_fidelity

__all__ = [
    "SCORES",
    "class_frechet_distances",
    "class_spread_ratios",
    "frechet_distance",
    "g_mean",
    "label_fidelity",
    "macro_f1",
]


def macro_f1(y_true, y_pred) -> float:
    """Macro-averaged F1: every class weighs the same; a class never predicted scores 0.

    Examples
    --------
    >>> round(macro_f1([0, 0, 1, 1], [0, 0, 1, 0]), 3)
    0.733
    """
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def g_mean(y_true, y_pred) -> float:
    """Geometric mean of the per-class recalls of the classes present in ``y_true``.

    imbalanced-learn's :func:`~imblearn.metrics.geometric_mean_score` over the labels of
    ``y_true`` only: a class missing from a small validation fold but predicted there has
    no recall and would otherwise zero the score. It is 0 as soon as one class is never
    recognised, which is what makes it strict on minority classes.

    Examples
    --------
    >>> round(g_mean([0, 0, 1, 1], [0, 0, 1, 0]), 3)
    0.707
    >>> g_mean([0, 0, 1, 1], [0, 0, 0, 0])
    0.0
    """
    return float(
        geometric_mean_score(y_true, y_pred, labels=np.unique(y_true), average="multiclass")
    )


@dataclass(frozen=True)
class Score:
    """One score of the comparison: its column name, its label and ``f(y_true, y_pred)``.

    Parameters
    ----------
    name : str
        Column stem: the comparison records ``cv_<name>`` and ``test_<name>``.
    label : str
        How tables and figures name it.
    function : callable
        ``function(y_true, y_pred) -> float``, greater is better.

    Examples
    --------
    >>> SCORES[0].name, SCORES[0].function([0, 1], [0, 1])
    ('f1_macro', 1.0)
    """

    name: str
    label: str
    function: Callable[[Any, Any], float]

    @property
    def scorer(self):
        """The score as a scikit-learn scorer (``make_scorer(function)``)."""
        return make_scorer(self.function)


#: The scores the comparison records, in the order of its tables: the one list from which
#: the grid search's ``scoring=``, the ``cv_*`` and ``test_*`` columns of the results and
#: the report's columns derive. The first is the refit score. Add a score here only.
SCORES: tuple[Score, ...] = (
    Score("f1_macro", "macro-F1", macro_f1),
    Score("balanced_accuracy", "balanced acc.", balanced_accuracy_score),
    Score("g_mean", "G-mean", g_mean),
    Score("accuracy", "accuracy", accuracy_score),
)

#: Macro-F1 as a scorer (:func:`macro_f1`), the comparison's refit metric.
macro_f1_scorer = make_scorer(macro_f1)

#: G-mean as a scorer (:func:`g_mean`).
g_mean_scorer = make_scorer(g_mean)

#: :data:`SCORES` as a ``scoring=`` dict for ``GridSearchCV`` (``refit="f1_macro"``).
SCORERS: dict[str, Any] = {score.name: score.scorer for score in SCORES}
