"""Which fit of a cell the epoch lines that follow belong to: with ``-v``, a line before
each fit of the cell's pipeline names the fold (or the refit on the whole training set)
and the parameter setting.

``GridSearchCV`` tells the estimators it fits neither their fold nor their candidate. The
pipeline recognises its fold by its training data (a digest of the rows each fold trains
on, computed once per cell) and its candidate by its own parameters, so a label is right
in whatever order, and in whichever process, the search runs its fits.
"""

from __future__ import annotations

import joblib
from imblearn.pipeline import Pipeline
from sklearn.model_selection import ParameterGrid

__all__ = ["FitLabels", "LabelledPipeline", "labelled"]


class FitLabels:
    """How the fits of one cell are named: by fold and setting, numbered in the order of
    ``GridSearchCV`` (every fold of the first setting, then of the next, the refit last).

    Parameters
    ----------
    title : str
        The cell, as progress lines name it.
    grid : dict
        The pipeline parameters searched, each with its values.
    X, y : array-like
        The whole training set.
    folds : cross-validation splitter or None
        The search's folds; ``None``: the cell is fitted once, without cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> X, y = np.arange(12).reshape(6, 2), np.array([0, 1] * 3)
    >>> labels = FitLabels("ROS + CNN, seed 0", {"clf__lr": [0.1, 0.3]}, X, y, KFold(2))
    >>> labels.describe(X[:3], y[:3], {"clf__lr": 0.3})  # the second fold trains on 0-2
    'ROS + CNN, seed 0: fit 4 of 5, fold 2 of 2, setting lr=0.3'
    >>> labels.describe(X, y, {"clf__lr": 0.3})
    'ROS + CNN, seed 0: fit 5 of 5, refit on the whole training set, setting lr=0.3'
    """

    def __init__(self, title: str, grid: dict, X, y, folds=None):
        self.title = title
        self.settings = list(ParameterGrid(grid))
        self.n_folds = 0 if folds is None else folds.get_n_splits()
        self.whole = joblib.hash((X, y))
        # GridSearchCV fits the rows X[train] of each fold, a copy made the same way.
        splits = () if folds is None else folds.split(X, y)
        self.folds = {joblib.hash((X[train], y[train])): k for k, (train, _) in enumerate(splits)}

    def describe(self, X, y, params: dict) -> str:
        """The line naming the fit of a pipeline with ``params`` on ``X, y``."""
        setting = {name: params.get(name) for name in self.settings[0]}
        shown = ", ".join(f"{k.split('__')[-1]}={v}" for k, v in sorted(setting.items()))
        shown = f"setting {shown}" if shown else "no parameter searched"
        total = len(self.settings) * self.n_folds + 1
        digest = joblib.hash((X, y))
        if digest == self.whole and self.n_folds:
            what = f"fit {total} of {total}, refit on the whole training set"
        elif digest == self.whole:
            what = "fit 1 of 1, on the whole training set (one setting: no CV)"
        elif digest in self.folds and setting in self.settings:
            fold = self.folds[digest]
            number = self.settings.index(setting) * self.n_folds + fold + 1
            what = f"fit {number} of {total}, fold {fold + 1} of {self.n_folds}"
        else:  # data of no fold of this cell: nothing to number it by
            what = f"a fit on {len(X)} images"
        return f"{self.title}: {what}, {shown}"


class LabelledPipeline(Pipeline):
    """imblearn's :class:`~imblearn.pipeline.Pipeline` that prints, as each fit begins,
    the line ``labels`` gives it (to stderr, with the run's progress lines).

    Parameters
    ----------
    steps, transform_input, memory, verbose
        As :class:`~imblearn.pipeline.Pipeline`'s.
    labels : FitLabels or None, default=None
        Names each fit; ``None`` prints nothing.
    """

    def __init__(self, steps, *, transform_input=None, memory=None, verbose=False, labels=None):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.labels = labels

    def fit(self, X, y=None, **params):
        """Print the fit's label, then fit as :class:`~imblearn.pipeline.Pipeline` does."""
        if self.labels is not None:
            # Imported here: _worker imports this module (through _cell).
            from ._worker import log

            log(1, self.labels.describe(X, y, self.get_params(deep=True)))
        return super().fit(X, y, **params)


def labelled(pipe: Pipeline, labels: FitLabels) -> LabelledPipeline:
    """``pipe`` (unfitted) as a :class:`LabelledPipeline` that names its fits by ``labels``.

    Parameters
    ----------
    pipe : imblearn.pipeline.Pipeline
    labels : FitLabels

    Returns
    -------
    LabelledPipeline
    """
    return LabelledPipeline(
        pipe.steps,
        transform_input=pipe.transform_input,
        memory=pipe.memory,
        verbose=pipe.verbose,
        labels=labels,
    )
