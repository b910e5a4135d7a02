"""Imbalanced subsets of N-D data, and the imbalanced and balanced sets of the registry."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np

RandomStateLike = int | np.random.RandomState | None


def _select_indices(
    y: np.ndarray, counts: Mapping[Any, int] | Sequence[int], rng: np.random.RandomState
) -> np.ndarray:
    """Sorted row indices keeping ``counts`` rows per class (see :func:`make_imbalanced`)."""
    classes = np.unique(y)
    labels = classes.tolist()
    if isinstance(counts, Mapping):
        known = set(labels)
        unknown = [k for k in counts if k not in known]
        if unknown:
            raise ValueError(f"Unknown class label(s) {unknown} in counts; classes are {labels}.")
        wanted = dict(counts)
    else:
        if isinstance(counts, str | bytes):
            raise TypeError("counts must be a mapping or a sequence of integers, not a string.")
        seq = list(counts)
        if len(seq) != len(labels):
            raise ValueError(
                f"counts has {len(seq)} entries but y has {len(labels)} classes {labels}; "
                "give one count per class in sorted label order."
            )
        wanted = dict(zip(labels, seq, strict=True))

    keep = []
    for label, cls in zip(labels, classes, strict=True):
        idx = np.flatnonzero(y == cls)
        if label not in wanted:
            # Classes absent from the mapping are kept whole, as in imblearn's make_imbalance.
            keep.append(idx)
            continue
        n = wanted[label]
        if not isinstance(n, Integral) or isinstance(n, bool):
            raise TypeError(f"Count for class {label!r} must be an integer, got {n!r}.")
        if n < 0:
            raise ValueError(f"Count for class {label!r} must be non-negative, got {n}.")
        if n > len(idx):
            raise ValueError(
                f"Class {label!r} has only {len(idx)} samples available but {n} were asked for."
            )
        keep.append(rng.choice(idx, size=int(n), replace=False))
    # Sorting keeps the selected rows in their original order.
    return np.sort(np.concatenate(keep)) if keep else np.empty(0, dtype=np.intp)


def make_imbalanced(
    X: Any,
    y: Any,
    counts: Mapping[Any, int] | Sequence[int],
    *,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep a given number of randomly drawn samples of each class; ``X`` may be N-D.

    Unlike ``imblearn.datasets.make_imbalance``, ``X`` can have any number of dimensions
    (e.g. images of shape ``(n_samples, C, H, W)``).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Samples; only the first axis is indexed.
    y : array-like of shape (n_samples,)
        Class labels.
    counts : mapping or sequence of int
        Either ``{class_label: count}`` (classes not listed are kept whole) or one count
        per class in sorted label order.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw without replacement inside each class.

    Returns
    -------
    X_sub : ndarray of shape (sum(counts), ...)
        Selected rows, in their original order.
    y_sub : ndarray of shape (sum(counts),)

    Raises
    ------
    ValueError
        If ``X`` and ``y`` differ in length, ``counts`` has the wrong length or an unknown
        class, a count is negative or exceeds the samples available in its class.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import make_imbalanced
    >>> X = np.arange(6 * 2 * 2).reshape(6, 1, 2, 2)
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> X_sub, y_sub = make_imbalanced(X, y, [3, 1], random_state=0)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((4, 1, 2, 2), [3, 1])
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples; got {X.shape[:1]} and {len(y)}."
        )
    from sklearn.utils import check_random_state  # here: the registry stays light to import

    idx = _select_indices(y, counts, check_random_state(random_state))
    return X[idx], y[idx]


def load_imbalanced(
    name: str = "digits",
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool = False,
    random_state: RandomStateLike = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load a dataset imbalanced with its registry profile (see :data:`DATASETS`).

    For ``"mnist"``, ``"fashion_mnist"`` and ``"cifar10"`` the train profile is drawn from
    the official training split and the test profile from the official test split. The
    8x8 ``"digits"`` set has a single split: the train subset is drawn first and the test
    subset from the remaining images, so the two never share an image.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "cifar10"}, default="digits"
        Dataset and profile name. ``"digits"`` always works offline.
    root : str or path-like, default=None
        Data directory passed to the loader (ignored for ``"digits"``).
    download : bool, default=False
        Passed to the loader (ignored for ``"digits"``).
    random_state : int, RandomState instance or None, default=0
        Seeds the per-class draws of both subsets.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Images ``(n, C, H, W)`` and int64 labels, rows in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X_train, y_train, X_test, y_test = load_imbalanced("digits")
    >>> np.bincount(y_train).tolist()
    [140, 70, 35, 26, 18, 12, 8, 6, 5, 5]
    >>> X_test.shape
    (99, 1, 8, 8)
    """
    from . import get_dataset  # the registry, in the package that imports this module

    info = get_dataset(name)
    profile = info.profile
    # One generator for both draws, so an int seed fixes the whole split.
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    if not info.official_test_split:
        X, y = info.loader()
        train_idx = _select_indices(y, profile.train, rng)
        rest = np.setdiff1d(np.arange(len(y)), train_idx, assume_unique=True)
        test_idx = rest[_select_indices(y[rest], profile.test, rng)]
        return X[train_idx], y[train_idx], X[test_idx], y[test_idx]
    X_tr, y_tr = info.loader(root, train=True, download=download)
    X_te, y_te = info.loader(root, train=False, download=download)
    X_train, y_train = make_imbalanced(X_tr, y_tr, profile.train, random_state=rng)
    X_test, y_test = make_imbalanced(X_te, y_te, profile.test, random_state=rng)
    return X_train, y_train, X_test, y_test


def load_balanced_test(
    name: str = "digits",
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool = False,
    random_state: RandomStateLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced test set that shares no image with :func:`load_imbalanced`'s
    training set.

    Published results on imbalanced benchmarks are often measured on a balanced test set
    (DeepSMOTE's Table III is): every class weighs the same in accuracy, and rare classes
    are scored on many images instead of 10 or 15.

    * ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"``: the whole official test split
      (Fashion-MNIST and CIFAR-10: 1,000 images per class, 10,000 in all; MNIST's classes
      hold 892 to 1,135). It contains the imbalanced test subset.
    * ``"digits"``: of the images :func:`load_imbalanced` with the same ``random_state``
      left out of training, the same number per class, as many as the smallest class
      has left (38 per class, 380 in all, with the default profile).

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "cifar10"}, default="digits"
        Dataset name, as in :func:`load_imbalanced`.
    root : str or path-like, default=None
        Data directory passed to the loader (ignored for ``"digits"``).
    download : bool, default=False
        Passed to the loader (ignored for ``"digits"``).
    random_state : int, RandomState instance or None, default=0
        The ``random_state`` given to :func:`load_imbalanced` (for ``"digits"``, whose
        training draw decides which images are left), and the seed of the per-class
        draws.

    Returns
    -------
    X_test, y_test : ndarray
        Images ``(n, C, H, W)`` and int64 labels, rows in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import load_balanced_test
    >>> X, y = load_balanced_test("digits")
    >>> X.shape, np.unique(np.bincount(y)).tolist()
    ((380, 1, 8, 8), [38])
    """
    from . import get_dataset  # the registry, in the package that imports this module

    info = get_dataset(name)
    if info.official_test_split:
        return info.loader(root, train=False, download=download)
    from sklearn.utils import check_random_state

    # Repeat load_imbalanced's training draw (its first use of the generator).
    rng = check_random_state(random_state)
    X, y = info.loader()
    train_idx = _select_indices(y, info.profile.train, rng)
    rest = np.setdiff1d(np.arange(len(y)), train_idx, assume_unique=True)
    per_class = int(np.bincount(y[rest]).min())
    keep = rest[_select_indices(y[rest], [per_class] * len(info.class_names), rng)]
    return X[keep], y[keep]
