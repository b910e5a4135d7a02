"""Real and synthetic images of a fitted sampler, saved for the report's image grids.

:func:`save_sample_images` works for every resampling method: the deep samplers draw
from their generator, the pixel samplers (imbalanced-learn's over-samplers wrapped in
:class:`~imblearn_deep.comparison.FlattenSampler`) are refitted and give the rows they
appended (:func:`~imblearn_deep.comparison.quality.synthetic_samples`).
"""

from __future__ import annotations

import io
import os
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .quality import synthetic_samples
from .store import atomic_write

__all__ = ["save_sample_images"]


def save_sample_images(
    sampler: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    classes: ArrayLike,
    random_state: int,
    path: str | os.PathLike,
    per_class: int = 8,
) -> Path | None:
    """Save up to ``per_class`` real and synthetic images of each class to an ``.npz`` file.

    Parameters
    ----------
    sampler : fitted sampler or "passthrough"
        The ``"sampler"`` step of a refitted pipeline.
    X, y : ndarray
        The real training images and labels it was fitted on.
    classes : array-like
        The class labels to keep, in the order the grid shows them.
    random_state : int
        Seed of the synthetic images.
    path : str or path-like
        The file to write (parent folders are created).
    per_class : int, default=8
        Most images per class, real and synthetic each.

    Returns
    -------
    pathlib.Path or None
        ``path``, or ``None`` (and no file) when the sampler adds no synthetic image to
        any class. A class it adds nothing to has real images only.

        The file holds ``classes``; ``real`` and ``real_labels``, the first ``per_class``
        training images of each class; ``generated`` and ``generated_labels``, the
        synthetic images.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from imblearn.over_sampling import SMOTE
    >>> from imblearn_deep.comparison import FlattenSampler
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> sampler = FlattenSampler(SMOTE(k_neighbors=3, random_state=0))
    >>> _ = sampler.fit_resample(X, y)
    >>> path = save_sample_images(sampler, X, y, classes=np.unique(y), random_state=0,
    ...                           path=tempfile.mkdtemp() + "/smote.npz", per_class=4)
    >>> with np.load(path) as saved:
    ...     saved["generated"].shape, np.bincount(saved["generated_labels"]).tolist()
    ((36, 1, 8, 8), [0, 4, 4, 4, 4, 4, 4, 4, 4, 4])
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}.")
    if isinstance(per_class, bool) or not isinstance(per_class, Integral) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer; got {per_class!r}.")
    classes = np.asarray(classes)
    if isinstance(sampler, str):  # "passthrough": nothing synthetic
        return None
    synthetic = synthetic_samples(sampler, X, y, random_state=random_state, per_class=per_class)
    if synthetic is None:
        return None
    generated, generated_labels = np.asarray(synthetic[0]), np.asarray(synthetic[1])
    keep = np.isin(generated_labels, classes)
    if not keep.any():
        return None
    real_index = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in classes])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Into memory, then written atomically: an interrupt never leaves half a file.
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        classes=classes,
        real=X[real_index],
        real_labels=y[real_index],
        generated=generated[keep],
        generated_labels=generated_labels[keep],
    )
    atomic_write(path, buffer.getvalue())
    return path
