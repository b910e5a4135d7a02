"""Run classic (2-D) imbalanced-learn samplers on N-D image arrays.

imbalanced-learn's ``RandomOverSampler``, ``SMOTE`` and ``ADASYN`` reject ``(n, C, H, W)``
arrays. :class:`FlattenSampler` is a meta-sampler that hands them flat rows and gives the
resampled rows back in the caller's image shape, so that classic and deep samplers can
stand in the same :class:`~imblearn.pipeline.Pipeline` step.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from imblearn.base import BaseSampler
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.utils._tags import get_tags
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from ..base import check_sampler_X_y

__all__ = ["FlattenSampler"]


class FlattenSampler(BaseSampler):
    """Resample N-D arrays with a sampler that only accepts 2-D ``X``.

    ``fit_resample`` flattens each sample to one row, calls a clone of ``sampler`` on the
    rows and reshapes the resampled rows back to the per-sample shape of ``X``. 2-D
    input passes through unchanged, so the wrapper is also a plain sampler. Integer
    images (uint8 pixels) are interpolated in float64 and rounded back to their dtype:
    imbalanced-learn's SMOTE and ADASYN would otherwise interpolate with differences
    that wrap around (between pixels 100 and 110 of a uint8 image, SMOTE returns values
    such as 64 and 204). Only what needs the arithmetic is converted: random
    over-sampling copies the integer rows as they are, ``SMOTE`` converts one class at
    a time and returns integer rows (the same values as on float64 rows of the whole
    set, with a fraction of the memory); other samplers (ADASYN) get float64 rows.
    Grid names reach the wrapped sampler with a ``sampler__`` prefix (in a pipeline
    step named ``"sampler"``: ``sampler__sampler__k_neighbors``).

    Parameters
    ----------
    sampler : imblearn sampler, default=None
        The sampler to run on flat rows; ``None`` means
        ``RandomOverSampler()``. It is cloned at each ``fit_resample``.

    Attributes
    ----------
    sampler_ : imblearn sampler
        The fitted clone of ``sampler``. A ``RandomOverSampler`` without shrinkage, and
        a ``SMOTE`` on integer images, are fitted as internal subclasses of theirs that
        give the same samples with less memory.

    sampling_strategy_ : dict
        The fitted sampler's ``sampling_strategy_`` (samples added or kept per class).

    sample_indices_ : ndarray
        Indices of the selected samples, when the wrapped sampler provides them
        (``RandomOverSampler`` does).

    input_shape_ : tuple of int
        Per-sample shape of the fitted ``X`` (``X.shape[1:]``).

    n_features_in_ : int
        Values per sample (``C*H*W`` for images).

    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    imblearn_deep.DeepSMOTE : An over-sampler that models images directly.

    Examples
    --------
    >>> from collections import Counter
    >>> from imblearn.over_sampling import SMOTE
    >>> from imblearn_deep.over_sampling import FlattenSampler
    >>> from imblearn_deep.datasets import load_digits_images, make_imbalanced
    >>> X, y = load_digits_images()
    >>> X, y = make_imbalanced(X, y, {0: 50, 1: 10}, random_state=0)
    >>> X = X[y < 2]; y = y[y < 2]
    >>> X_res, y_res = FlattenSampler(SMOTE(random_state=0)).fit_resample(X, y)
    >>> X_res.shape, sorted(Counter(y_res.tolist()).items())
    ((100, 1, 8, 8), [(0, 50), (1, 50)])
    """

    # The version of its numbers, fingerprinted by the comparison: 2 resamples integer
    # images in float (SMOTE's differences of uint8 pixels wrapped around before), so
    # that a resume recomputes cells recorded with version 1.
    _behaviour_version: ClassVar[int] = 2

    # The wrapped sampler decides how many samples each class gets.
    _sampling_type = "bypass"

    _parameter_constraints: dict = {"sampler": [HasMethods(["fit_resample"]), None]}

    def __init__(self, sampler=None):
        super().__init__()
        self.sampler = sampler

    def _inner(self):
        return RandomOverSampler() if self.sampler is None else self.sampler

    def _check_X_y(self, X, y, accept_sparse=None):
        # Accept what the wrapped sampler accepts (its tags), in any number of dimensions.
        inner = get_tags(self._inner()).input_tags
        return check_sampler_X_y(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"] if inner.sparse else False,
            dtype=None if inner.string else "numeric",
            ensure_all_finite=not inner.allow_nan,
        )

    def _fit_resample(self, X, y):
        self.input_shape_ = tuple(X.shape[1:])
        rows = X if X.ndim == 2 else X.reshape(len(X), self.n_features_in_)
        integer = np.issubdtype(rows.dtype, np.integer)
        self.sampler_, rows = _row_sampler(clone(self._inner()), rows)
        X_res, y_res = self.sampler_.fit_resample(rows, y)
        if integer and X_res.dtype != X.dtype:
            # Float rows back to the caller's integers (random over-sampling's smoothed
            # bootstrap returns float rows too).
            X_res = _round_to(X_res, X.dtype)
        self.sampling_strategy_ = dict(getattr(self.sampler_, "sampling_strategy_", {}))
        if hasattr(self.sampler_, "sample_indices_"):
            self.sample_indices_ = self.sampler_.sample_indices_
        if X.ndim != 2:
            X_res = np.asarray(X_res).reshape(len(X_res), *self.input_shape_)
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._inner())
        for name in ("sparse", "dataframe", "string", "allow_nan", "categorical"):
            setattr(tags.input_tags, name, getattr(inner.input_tags, name))
        tags.input_tags.three_d_array = True
        tags.sampler_tags.sample_indices = inner.sampler_tags.sample_indices
        tags.non_deterministic = inner.non_deterministic
        return tags


def _row_sampler(sampler, rows):
    """The sampler to run on ``rows`` in place of ``sampler``, and the rows to give it.

    Samplers are given the rows as they are where their numbers are the same with less
    memory (imbalanced-learn's samplers hold their input, a copy of it and the
    resampled set, and gather the resampled set in parts before stacking them):

    * ``RandomOverSampler`` (without shrinkage) builds the resampled rows with one
      indexing (:class:`_IndexingOverSampler`), in any dtype;
    * integer rows (uint8 pixels) must be interpolated in float64, since
      ``X[neighbour] - X[base]`` wraps around in unsigned integers (100 - 110 = 246),
      but a float64 copy is 8 times their size: ``SMOTE`` itself (not its variants,
      whose loops differ) converts one class at a time (:class:`_IntegerSMOTE`);
      ``RandomOverSampler`` with shrinkage (no differences) takes them as they are;
      ADASYN and the others, which compute inside their own loops, get float64 rows.
    """
    if not isinstance(rows, np.ndarray):
        integer = np.issubdtype(rows.dtype, np.integer)
        return sampler, rows.astype(np.float64) if integer else rows
    params = sampler.get_params(deep=False)
    if type(sampler) is RandomOverSampler and sampler.shrinkage is None:
        return _IndexingOverSampler(**params), rows
    if not np.issubdtype(rows.dtype, np.integer) or isinstance(sampler, RandomOverSampler):
        return sampler, rows
    if type(sampler) is SMOTE:
        return _IntegerSMOTE(**params), rows
    return sampler, rows.astype(np.float64)


class _IndexingOverSampler(RandomOverSampler):
    """imbalanced-learn's RandomOverSampler (without shrinkage) that returns its
    resampled rows as one indexing of ``X``, not as a stack of gathered parts.

    Its draws depend on ``y`` alone: made on rows without columns, they give
    ``sample_indices_`` (the original rows, then each class's draws), whose rows of
    ``X`` are the rows ``RandomOverSampler`` returns.
    """

    def _fit_resample(self, X, y):
        _, y_resampled = super()._fit_resample(np.empty((len(X), 0), X.dtype), y)
        return X[self.sample_indices_], y_resampled


# Values of synthetic samples :class:`_IntegerSMOTE` computes at a time: 4 MB per float64
# working array, whatever the number and size of the samples.
_GENERATION_VALUES = 2**19


def _round_to(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float ``values`` rounded to the nearest integer of ``dtype``, clipped to its range
    (``values`` is overwritten)."""
    limits = np.iinfo(dtype)
    np.rint(values, out=values)
    np.clip(values, limits.min, limits.max, out=values)
    return values.astype(dtype)


class _IntegerSMOTE(SMOTE):
    """imbalanced-learn's SMOTE on integer rows, with the numbers of SMOTE on their
    float64 copy.

    SMOTE holds its input, a copy of it, the synthetic rows and their stack with the
    copy, all in the input's dtype: on float64 rows of uint8 images, each costs 8 times
    their size. Here the rows stay integers: each class is converted to float64 for
    its neighbour search (the search SMOTE runs on float64 rows), the synthetic rows
    are interpolated in float64 a block at a time, rounded back as
    :class:`FlattenSampler` rounds float rows, and written into the resampled array.
    ``SMOTE``'s random draws, neighbours and arithmetic are unchanged, so the samples
    are those of ``SMOTE`` on float64 rows, rounded.
    """

    def _fit_resample(self, X, y):
        # SMOTE's own loop (imbalanced-learn 0.14), with the class converted to float64
        # and the resampled rows written into one array, not gathered and concatenated.
        self._validate_estimator()
        self._integer_dtype = X.dtype
        n_new = sum(self.sampling_strategy_.values())
        X_resampled = np.empty((len(X) + n_new, X.shape[1]), X.dtype)
        X_resampled[: len(X)] = X
        y_resampled = [y]
        start = len(X)
        for class_sample, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            X_class = X[np.flatnonzero(y == class_sample)].astype(np.float64)
            self.nn_k_.fit(X_class)
            nns = self.nn_k_.kneighbors(X_class, return_distance=False)[:, 1:]
            X_new, y_new = self._make_samples(
                X_class, y.dtype, class_sample, X_class, nns, n_samples, 1.0
            )
            X_resampled[start : start + n_samples] = X_new
            start += n_samples
            y_resampled.append(y_new)
        return X_resampled, np.concatenate(y_resampled)

    def _generate_samples(self, X, nn_data, nn_num, rows, cols, steps, y_type=None, y=None):
        new = np.empty((len(rows), X.shape[1]), self._integer_dtype)
        step = max(1, _GENERATION_VALUES // max(X.shape[1], 1))
        for start in range(0, len(rows), step):
            block = slice(start, start + step)
            values = super()._generate_samples(
                X, nn_data, nn_num, rows[block], cols[block], steps[block], y_type, y
            )
            new[block] = _round_to(values, self._integer_dtype)
        return new
