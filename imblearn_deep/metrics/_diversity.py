"""Diversity of synthetic images: how varied a class's images are beside its real ones.

Label fidelity and the Fréchet distance can both look fine for a generator that draws
one image per class over and over (a class-faithful image, a mean close to the real
mean). :func:`class_spread_ratios` measures what they miss: the mean pairwise distance
among a class's synthetic images divided by the same among its real images.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.spatial.distance import pdist

from ._quality import _check_labels, _n_samples, as_feature_extractor


def _flattened(X) -> np.ndarray:
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def _mean_pairwise_distance(extract, X, rows: np.ndarray, max_samples: int, rng) -> float:
    """Mean distance between two of the images ``X[rows]`` (at most ``max_samples`` of
    them, drawn without replacement), in the space ``extract`` maps them to.

    Only the drawn images are converted or passed to the extractor: a large class costs
    what ``max_samples`` images cost.
    """
    if len(rows) > max_samples:
        rows = np.sort(rng.choice(rows, max_samples, replace=False))
    features = np.asarray(extract(np.asarray(X)[rows]), dtype=np.float64)
    if features.ndim != 2 or len(features) != len(rows):
        raise ValueError(
            f"feature_extractor must return an (n_samples, n_features) matrix; for "
            f"{len(rows)} images it returned shape {features.shape}."
        )
    return float(pdist(features).mean())


def class_spread_ratios(
    X_real,
    y_real,
    X_synthetic,
    y_synthetic,
    *,
    feature_extractor=None,
    max_samples: int = 1000,
    random_state: int = 0,
) -> dict[Any, float]:
    """Per-class within-class spread of synthetic images relative to the real ones.

    For each class with synthetic samples: the mean Euclidean distance between two of
    its synthetic images divided by the mean distance between two of its real images.
    Near 1, the synthetic images of the class vary as much as the real ones; near 0,
    they are near-identical (mode collapse), however faithful each image is. A ratio
    well above 1 means more variety than the data has (noise, say).

    Parameters
    ----------
    X_real, y_real : array-like
        Real images (any shape ``(n_samples, ...)``) and their labels.
    X_synthetic, y_synthetic : array-like
        Synthetic images, in the same layout, and the class each was generated for.
    feature_extractor : CNNClassifier, transformer or callable, default=None
        Where the distances are measured: ``None``, the pixels (each image flattened);
        otherwise a feature space, as for :func:`class_frechet_distances` (a fitted
        :class:`~imblearn_deep.CNNClassifier`'s penultimate layer, a fitted
        transformer's ``transform``, or a callable mapping images to a feature matrix).
    max_samples : int, default=1000
        Most images of a class and set whose pairwise distances are averaged: a larger
        set is subsampled without replacement, which leaves the mean unbiased and bounds
        the cost (``max_samples²/2`` distances).
    random_state : int, default=0
        Seed of that subsample.

    Returns
    -------
    dict
        ``{label: ratio}`` for each label of ``y_synthetic``, in sorted order. A class
        with fewer than 2 real or 2 synthetic samples, or whose real images are all the
        same, gets ``nan`` (with a warning).

    Raises
    ------
    ValueError
        If inputs are empty or of inconsistent lengths, ``y_synthetic`` has a label
        absent from ``y_real``, ``max_samples`` is below 2, or the extractor does not
        return one feature row per image.

    See Also
    --------
    class_frechet_distances : How far each class's synthetic images are from its real
        ones as a distribution.

    Notes
    -----
    Copies of the real images score about 1 (copies drawn at random from ``k`` real
    images, ``1 - 1/k``): the ratio measures variety, not novelty. Naeem et al. [1]_
    measure diversity by *coverage*, the share of real images with a synthetic image
    among their ``k`` nearest real neighbours; it needs more than ``k`` real images per
    class, where this ratio needs two, so it is usable for the smallest classes of an
    imbalanced set, the ones that are over-sampled most.

    References
    ----------
    .. [1] M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi and J. Yoo, "Reliable Fidelity and
       Diversity Metrics for Generative Models", ICML 2020. arXiv:2002.09797.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.metrics import class_spread_ratios
    >>> rng = np.random.default_rng(0)
    >>> X_real = rng.standard_normal((400, 8))
    >>> y_real = np.repeat([0, 1], 200)
    >>> copies = np.repeat(X_real[[0, 200]], 50, axis=0)  # one image per class, repeated
    >>> class_spread_ratios(X_real, y_real, copies, np.repeat([0, 1], 50))
    {0: 0.0, 1: 0.0}
    >>> shuffled = rng.permutation(400)  # the real images themselves
    >>> ratios = class_spread_ratios(X_real, y_real, X_real[shuffled], y_real[shuffled])
    >>> {label: round(ratio, 3) for label, ratio in ratios.items()}
    {0: 1.0, 1: 1.0}
    """
    if not isinstance(max_samples, (int, np.integer)) or max_samples < 2:
        raise ValueError(f"max_samples must be an integer of at least 2; got {max_samples!r}.")
    n_real = _n_samples(X_real, "X_real")
    n_syn = _n_samples(X_synthetic, "X_synthetic")
    y_real = _check_labels(y_real, n_real, "y_real", "X_real")
    y_syn = _check_labels(y_synthetic, n_syn, "y_synthetic", "X_synthetic")
    missing = sorted(set(np.unique(y_syn).tolist()) - set(np.unique(y_real).tolist()), key=str)
    if missing:
        raise ValueError(f"y_synthetic has labels with no real samples to compare with: {missing}.")
    extract = _flattened if feature_extractor is None else as_feature_extractor(feature_extractor)
    # One generator for every subsample: the same inputs give the same ratios.
    rng = np.random.RandomState(random_state)
    ratios = {}
    for label in np.unique(y_syn).tolist():
        real, syn = np.flatnonzero(y_real == label), np.flatnonzero(y_syn == label)
        if len(real) < 2 or len(syn) < 2:
            problem = (
                f"has {len(real)} real and {len(syn)} synthetic samples; a spread needs "
                "at least 2 of each"
            )
        else:
            real_spread = _mean_pairwise_distance(extract, X_real, real, max_samples, rng)
            problem = None if real_spread > 0 else "has identical real images (no spread)"
        if problem:
            warnings.warn(
                f"Class {label!r} {problem}. Its spread ratio is nan.", UserWarning, stacklevel=2
            )
            ratios[label] = float("nan")
            continue
        syn_spread = _mean_pairwise_distance(extract, X_synthetic, syn, max_samples, rng)
        ratios[label] = syn_spread / real_spread
    return ratios
