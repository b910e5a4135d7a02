"""Keep only the synthetic samples that a classifier of the real data calls their class.

A generator trained on a few hundred images of a class makes some images that look like
another class. :class:`JudgeFilter` wraps a deep over-sampler: it trains a *judge* on the
real training samples, drops each synthetic sample the judge assigns to another class and
draws replacements with the fitted sampler's ``generate`` until every class has the
number of samples the wrapped sampler's strategy asked for.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import ClassVar

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils._tags import get_tags
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval

from .._images import ARRAY_CHECKS
from ..base import check_sampler_X_y

__all__ = ["JudgeFilter", "default_judge"]

# A replacement round never draws fewer candidates than this: tiny draws cost a network
# call each.
_MIN_DRAW = 64


def default_judge():
    """The judge :class:`JudgeFilter` trains when none is given.

    A multinomial logistic regression on pixels mapped to ``[0, 1]`` by the training
    range and clipped there, with balanced class weights. Clipping matters: a pixel that
    is constant in the real images (a border) would, standardised, turn the faint values
    a decoder leaves there into huge features that decide the judgement. The balanced
    weights keep the judge from leaning to the majority classes, which would reject the
    ambiguous minority images that carry much of a rare class's variety.

    Examples
    --------
    >>> from imblearn_deep.experimental import default_judge
    >>> default_judge()[-1].class_weight
    'balanced'
    """
    judge = LogisticRegression(max_iter=300, class_weight="balanced")
    return make_pipeline(MinMaxScaler(clip=True), judge)


class JudgeFilter(BaseSampler):
    """Filter a deep over-sampler's synthetic samples with a classifier of the real data.

    ``fit_resample`` fits a clone of ``sampler``, fits a clone of ``judge`` on the real
    samples (one flat row each), and keeps a synthetic sample only when the judge predicts
    the class it was generated for. Rejected samples are replaced by new draws of the
    fitted sampler's ``generate``, at most ``candidate_budget`` candidates per requested
    sample in all; a class whose candidates run out is completed with the rejected
    candidates the judge ranked most likely for it, with a warning. Each class ends with
    exactly the count the wrapped sampler's ``sampling_strategy`` gives it.

    Parameters
    ----------
    sampler : deep over-sampler
        A sampler with ``fit_resample`` and ``generate(n_samples, class_label,
        random_state=)``, such as :class:`~imblearn_deep.DeepSMOTE` or
        :class:`~imblearn_deep.BAGANGP`. It is cloned at each ``fit_resample``.
    judge : classifier or None, default=None
        Trained on the real samples as flat rows; ``None`` means :func:`default_judge`.
        It is cloned at each ``fit_resample``.
    candidate_budget : float, default=10
        The most candidates drawn per synthetic sample requested (including the first
        ones); at least 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the replacement draws and, when given, the wrapped sampler (through its
        own ``random_state``, as scikit-learn's ensembles seed their members).

    Attributes
    ----------
    sampler_ : deep over-sampler
        The fitted clone of ``sampler``.
    judge_ : classifier
        The fitted clone of ``judge``.
    sampling_strategy_ : dict
        Synthetic samples added per class (the wrapped sampler's).
    acceptance_rate_ : dict
        Per class, the share of drawn candidates the judge accepted.
    n_completed_ : dict
        Per class, how many rejected candidates completed the class (0 when the budget
        sufficed).
    history_ : list of dict
        The wrapped sampler's training history.
    n_features_in_ : int
        Values per sample.

    See Also
    --------
    imblearn_deep.DeepSMOTE, imblearn_deep.BAGANGP : Samplers to wrap.

    Examples
    --------
    >>> from collections import Counter
    >>> from imblearn_deep import DeepSMOTE
    >>> from imblearn_deep.experimental import JudgeFilter
    >>> from imblearn_deep.datasets import load_digits_images, make_imbalanced
    >>> X, y = load_digits_images()
    >>> X, y = make_imbalanced(X[y < 2], y[y < 2], {0: 60, 1: 15}, random_state=0)
    >>> sampler = JudgeFilter(DeepSMOTE(epochs=20, k_neighbors=3), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 60), (1, 60)]
    >>> 0 <= sampler.acceptance_rate_[1] <= 1
    True
    """

    # Fitted per-class dicts (``<name>_``) a comparison records with the cell.
    _recorded_per_class: ClassVar[tuple[str, ...]] = ("acceptance_rate", "n_completed")

    # The wrapped sampler decides how many samples each class gets.
    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit_resample", "generate"])],
        "judge": [HasMethods(["fit", "predict"]), None],
        "candidate_budget": [Interval(Real, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, sampler, *, judge=None, candidate_budget=10, random_state=None):
        super().__init__()
        self.sampler = sampler
        self.judge = judge
        self.candidate_budget = candidate_budget
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        return check_sampler_X_y(self, X, y, **ARRAY_CHECKS)

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        self.sampler_ = clone(self.sampler)
        if self.random_state is not None and "random_state" in self.sampler_.get_params():
            self.sampler_.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        X_res, y_res = self.sampler_.fit_resample(X, y)
        self.sampling_strategy_ = dict(self.sampler_.sampling_strategy_)
        self.history_ = list(getattr(self.sampler_, "history_", []))
        self.judge_ = clone(default_judge() if self.judge is None else self.judge)
        self.judge_.fit(_rows(X), y)

        # The wrapped sampler keeps the real samples first and appends the synthetic ones.
        synthetic, synthetic_y = X_res[len(X) :], y_res[len(X) :]
        parts, labels = [X], [y]
        self.acceptance_rate_, self.n_completed_ = {}, {}
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples > 0:
                first = synthetic[synthetic_y == label]
                parts.append(self._filter_class(label, n_samples, first, rng))
                labels.append(np.full(n_samples, label, dtype=y.dtype))
        return np.concatenate(parts), np.concatenate(labels)

    def _filter_class(self, label, n_samples: int, first: np.ndarray, rng) -> np.ndarray:
        """``n_samples`` samples of ``label``: accepted candidates, then the best rejected."""
        budget = math.floor(self.candidate_budget * n_samples)
        accepted, rejected = [], []
        candidates, n_drawn, n_accepted = first, 0, 0
        while True:
            n_drawn += len(candidates)
            keep = np.zeros(0, bool)
            if len(candidates):
                keep = self.judge_.predict(_rows(candidates)) == label
            accepted.append(candidates[keep])
            rejected.append(candidates[~keep])
            n_accepted += int(keep.sum())
            missing = n_samples - n_accepted
            if missing <= 0 or n_drawn >= budget:
                break
            # Draw what the acceptance rate so far says will fill the class, within budget.
            rate = max(n_accepted / n_drawn, 1 / budget) if n_drawn else 1.0
            n_draw = min(max(math.ceil(1.1 * missing / rate), _MIN_DRAW), budget - n_drawn)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            candidates = self.sampler_.generate(n_draw, label, random_state=seed)
        self.acceptance_rate_[label] = n_accepted / max(n_drawn, 1)
        kept = np.concatenate(accepted)[:n_samples]
        self.n_completed_[label] = int(n_samples - len(kept))
        if self.n_completed_[label]:
            warnings.warn(
                f"JudgeFilter: the judge accepted {n_accepted} of {n_drawn} candidates of "
                f"class {_plain(label)!r}; {self.n_completed_[label]} of its {n_samples} synthetic "
                "samples are rejected candidates it ranked most likely for the class. "
                "Raise candidate_budget or train the sampler longer.",
                UserWarning,
                stacklevel=4,
            )
            kept = np.concatenate([kept, self._most_likely(label, np.concatenate(rejected))])
        return kept[:n_samples]

    def _most_likely(self, label, candidates: np.ndarray) -> np.ndarray:
        """``candidates`` ordered by the judge's score for ``label``, best first."""
        column = int(np.searchsorted(self.judge_.classes_, label))
        rows = _rows(candidates)
        if hasattr(self.judge_, "predict_proba"):
            scores = self.judge_.predict_proba(rows)[:, column]
        else:
            scores = np.asarray(self.judge_.decision_function(rows))
            scores = scores[:, column] if scores.ndim == 2 else scores * (1 if column else -1)
        return candidates[np.argsort(-scores, kind="stable")]

    def __sklearn_tags__(self):
        # Accept what the wrapped sampler accepts.
        tags = super().__sklearn_tags__()
        inner = get_tags(self.sampler)
        tags.input_tags = inner.input_tags
        tags.non_deterministic = inner.non_deterministic
        return tags


def _rows(X: np.ndarray) -> np.ndarray:
    """One flat row per sample."""
    return X.reshape(len(X), -1)


def _plain(label):
    """A numpy scalar label as its Python value, for messages."""
    return label.item() if isinstance(label, np.generic) else label
