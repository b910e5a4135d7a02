"""Quality of each cell's synthetic images, judged by a classifier trained on real images.

For every cell that resamples, the comparison takes up to :data:`QUALITY_PER_CLASS`
synthetic images per class from the refitted sampler and measures them with
:mod:`imblearn_deep.metrics`: label fidelity (the share a real-data classifier assigns
to their class), the per-class Fréchet distance between real and synthetic images in
that classifier's penultimate-layer features (FID's method with a domain network), and
their diversity, the within-class spread of the synthetic images beside the real ones
(:func:`diversity` tells whether a method's images vary far less than the real ones).

The judge is the cell's classifier (its first grid values), trained with a balanced
loss on the real training images only, once per seed and classifier; the test set is
never used.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.base import clone

from ..metrics import class_frechet_distances, class_spread_ratios, label_fidelity
from ..metrics._quality import as_feature_extractor
from ._specs import ClassifierSpec

__all__ = [
    "COLLAPSE_CLASS",
    "COLLAPSE_MEDIAN",
    "QUALITY_PER_CLASS",
    "Diversity",
    "diversity",
    "fit_judge",
    "sample_quality",
    "synthetic_samples",
]

# Synthetic images per class that the quality measures look at: enough for a stable
# share and a 64-feature covariance, few enough to cost seconds.
QUALITY_PER_CLASS = 200

# A method's synthetic images count as collapsed when their within-class spread ratio
# (:func:`~imblearn_deep.metrics.class_spread_ratios`, in pixels) is below COLLAPSE_MEDIAN
# at the median over classes, or below COLLAPSE_CLASS in some class. On the imbalanced
# digits (seed 0) random over-sampling scores 0.92 (lowest class 0.79), SMOTE 0.74
# (0.64), DeepSMOTE with its defaults 0.77 (0.64) but 0.48 (0.34) with the fast preset's
# 30 epochs, and BAGAN-GP's near-identical images 0.11 to 0.25 (lowest 0.05 to 0.10).
# Copies of k real images drawn at random score 1 - 1/k: a class below 0.5 varies less
# than two of its images repeated.
COLLAPSE_MEDIAN = 0.7
COLLAPSE_CLASS = 0.5


def fit_judge(classifier: ClassifierSpec, X, y, *, random_state: int, device: str = "auto"):
    """A classifier trained on the real images ``X, y`` to judge synthetic ones.

    It is ``classifier`` with the first value of each grid parameter and, when the
    estimator takes it, ``class_weight="balanced"``, so that the rare classes, the
    ones over-sampled, are not judged by a model that seldom predicts them.

    Parameters
    ----------
    classifier : ClassifierSpec
        The classifier candidate.
    X, y : array-like
        Real training images and labels.
    random_state : int
        Seed of the judge.
    device : str, default="auto"
        Torch device.

    Returns
    -------
    estimator
        The fitted judge.

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> spec = get_preset("fast").classifier("small_cnn")
    >>> judge = fit_judge(spec, X, y, random_state=0, device="cpu")
    >>> judge.class_weight, judge.lr
    ('balanced', 0.001)
    """
    judge = classifier.build(random_state=random_state, device=device, classes=np.unique(y))
    params = {name: list(values)[0] for name, values in classifier.grid.items()}
    if "class_weight" in judge.get_params():
        params["class_weight"] = "balanced"
    return judge.set_params(**params).fit(X, y)


def _first_per_class(y: np.ndarray, per_class: int) -> np.ndarray:
    return np.concatenate([np.flatnonzero(y == label)[:per_class] for label in np.unique(y)])


def synthetic_samples(
    sampler, X, y, *, random_state: int, per_class: int = QUALITY_PER_CLASS
) -> tuple[np.ndarray, np.ndarray] | None:
    """Up to ``per_class`` synthetic images per class from a sampler fitted on ``X, y``.

    A sampler with ``generate`` (the deep samplers) draws new images from its fitted
    generator, as many per class as it added (capped at ``per_class``). Any other
    sampler is refitted, a clone with the same parameters, which gives the same
    samples for a seeded sampler, and the rows it appended after the originals are
    taken, the first ``per_class`` of each class.

    Parameters
    ----------
    sampler : fitted sampler
        The ``"sampler"`` step of a refitted pipeline.
    X, y : ndarray
        The real training images and labels it was fitted on.
    random_state : int
        Seed of the generated images.
    per_class : int, default=200
        Most synthetic images per class.

    Returns
    -------
    (X_synthetic, y_synthetic) or None
        ``None`` when the sampler adds nothing, or when its output does not start with
        the original rows (then the synthetic ones cannot be told apart).

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.over_sampling import RandomOverSampler
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> sampler = RandomOverSampler(random_state=0).fit(X, y)
    >>> X_syn, y_syn = synthetic_samples(sampler, X, y, random_state=0)
    >>> y_syn.tolist()
    [1, 1]
    """
    if hasattr(sampler, "generate"):
        counts = {label: min(int(n), per_class) for label, n in sampler.sampling_strategy_.items()}
        labels = [label for label, n in counts.items() if n > 0]
        if not labels:
            return None
        X_syn = np.concatenate(
            [sampler.generate(counts[c], c, random_state=random_state) for c in labels]
        )
        y_syn = np.repeat(np.asarray(labels), [counts[c] for c in labels])
        return X_syn, y_syn
    X_res, y_res = clone(sampler).fit_resample(X, y)
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    n = len(X)
    # imblearn's over-samplers return the original rows first, then the new ones.
    if len(y_res) <= n or not np.array_equal(X_res[:n].reshape(n, -1), np.reshape(X, (n, -1))):
        return None
    X_new, y_new = X_res[n:], y_res[n:]
    keep = _first_per_class(y_new, per_class)
    return X_new[keep], y_new[keep]


def sample_quality(sampler, judge, X, y, *, random_state: int) -> dict:
    """Label fidelity, diversity and per-class Fréchet distances of a sampler's
    synthetic images.

    Parameters
    ----------
    sampler : fitted sampler
        The ``"sampler"`` step of a refitted pipeline (``"passthrough"``: no quality).
    judge : fitted CNNClassifier
        A classifier trained on real images only (:func:`fit_judge`).
    X, y : ndarray
        The real training images and labels the sampler was fitted on.
    random_state : int
        Seed of the generated images.

    Returns
    -------
    dict
        Empty when there are no synthetic images; otherwise ``label_fidelity`` (overall),
        ``label_fidelity_per_class``, ``quality_samples``, ``diversity_per_class`` (the
        within-class spread ratios of :func:`~imblearn_deep.metrics.class_spread_ratios`
        in pixels, nan for a class with a single real or synthetic image) and
        ``diversity`` (their median over the classes with a ratio), and, when the judge
        gives features (what :func:`~imblearn_deep.metrics.class_frechet_distances`
        accepts as a feature extractor: a CNNClassifier or a transformer),
        ``frechet_per_class`` and ``frechet_mean`` (mean over the classes with a finite
        distance).

    Examples
    --------
    >>> sample_quality("passthrough", None, None, None, random_state=0)
    {}
    """
    if isinstance(sampler, str):
        return {}
    synthetic = synthetic_samples(sampler, X, y, random_state=random_state)
    if synthetic is None:
        return {}
    X_syn, y_syn = synthetic
    per_class = label_fidelity(judge, X_syn, y_syn, per_class=True)
    class_sizes = [np.count_nonzero(y_syn == label) for label in per_class]
    quality = {
        # The overall share from the per-class ones: the judge predicts once.
        "label_fidelity": float(np.average(list(per_class.values()), weights=class_sizes)),
        "label_fidelity_per_class": {str(k): v for k, v in per_class.items()},
        "quality_samples": len(y_syn),
    }
    with warnings.catch_warnings():
        # A class with a single real or synthetic image gets nan, reported as missing.
        warnings.simplefilter("ignore", UserWarning)
        spreads = class_spread_ratios(X, y, X_syn, y_syn, random_state=random_state)
    finite = [r for r in spreads.values() if math.isfinite(r)]
    quality["diversity_per_class"] = {str(k): v for k, v in spreads.items()}
    quality["diversity"] = float(np.median(finite)) if finite else float("nan")
    try:
        extract = as_feature_extractor(judge)
    except ValueError:
        return quality  # a judge without features: no Fréchet distance
    with warnings.catch_warnings():
        # A class with a single real or synthetic image gets nan, reported as missing.
        warnings.simplefilter("ignore", UserWarning)
        distances = class_frechet_distances(extract, X, y, X_syn, y_syn)
    finite = [d for d in distances.values() if math.isfinite(d)]
    quality["frechet_per_class"] = {str(k): v for k, v in distances.items()}
    quality["frechet_mean"] = float(np.mean(finite)) if finite else float("nan")
    return quality


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


class Diversity(NamedTuple):
    """The diversity of one method's synthetic images over its seeds.

    ``median`` is the mean over seeds of the median within-class spread ratio, and
    ``lowest`` the lowest class's ratio (mean over seeds), ``lowest_class`` its label.
    """

    median: float
    lowest_class: str
    lowest: float

    @property
    def collapsed(self) -> bool:
        """Whether the images vary far less within a class than the real ones
        (:data:`COLLAPSE_MEDIAN`, :data:`COLLAPSE_CLASS`)."""
        return self.median < COLLAPSE_MEDIAN or self.lowest < COLLAPSE_CLASS


def diversity(rows: list[dict]) -> Diversity | None:
    """The diversity of the synthetic images of one method's rows (its seeds).

    Parameters
    ----------
    rows : list of dict
        Results rows of one method; rows without ``diversity`` (or with nan, as a row is
        before it is stored) are left out.

    Returns
    -------
    Diversity or None
        None when no row measured it.

    Examples
    --------
    >>> rows = [{"diversity": 0.3, "diversity_per_class": {"1": 0.4, "8": 0.2}},
    ...         {"diversity": 0.2, "diversity_per_class": {"1": 0.3, "8": None}}]
    >>> summary = diversity(rows)
    >>> round(summary.median, 2), summary.lowest_class, summary.lowest, summary.collapsed
    (0.25, '8', 0.2, True)
    >>> diversity([{"diversity": 0.9, "diversity_per_class": {"1": 0.9}}]).collapsed
    False
    """
    measured = [r for r in rows if _finite(r.get("diversity"))]
    if not measured:
        return None
    per_class: dict[str, list[float]] = {}
    for row in measured:
        for label, ratio in row["diversity_per_class"].items():
            if _finite(ratio):
                per_class.setdefault(label, []).append(ratio)
    means = {label: float(np.mean(ratios)) for label, ratios in per_class.items()}
    median = float(np.mean([r["diversity"] for r in measured]))
    # A row with a median has a class with a ratio: ``means`` is not empty.
    lowest_class = min(means, key=means.__getitem__)
    return Diversity(median, lowest_class, means[lowest_class])
