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
from imblearn.over_sampling import RandomOverSampler
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
    images (uint8 pixels) are resampled as float64 and rounded back to their dtype:
    imbalanced-learn's SMOTE and ADASYN would otherwise interpolate with differences
    that wrap around (between pixels 100 and 110 of a uint8 image, SMOTE returns values
    such as 64 and 204). Grid names
    reach the wrapped sampler with a ``sampler__`` prefix (in a pipeline step named
    ``"sampler"``: ``sampler__sampler__k_neighbors``).

    Parameters
    ----------
    sampler : imblearn sampler, default=None
        The sampler to run on flat rows; ``None`` means
        ``RandomOverSampler()``. It is cloned at each ``fit_resample``.

    Attributes
    ----------
    sampler_ : imblearn sampler
        The fitted clone of ``sampler``.

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
        if integer:
            # SMOTE and ADASYN interpolate with ``X[neighbour] - X[base]``, which wraps
            # around in unsigned integers (uint8 pixels: 100 - 110 = 246): interpolate in
            # float64, then round back to the caller's dtype.
            rows = rows.astype(np.float64)
        self.sampler_ = clone(self._inner())
        X_res, y_res = self.sampler_.fit_resample(rows, y)
        if integer:
            limits = np.iinfo(X.dtype)
            X_res = np.clip(np.rint(X_res), limits.min, limits.max).astype(X.dtype)
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
