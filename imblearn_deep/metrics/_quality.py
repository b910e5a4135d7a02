"""Quality of synthetic images: label fidelity, and Fréchet distances in a feature space.

See the package's docstring (:mod:`imblearn_deep.metrics`) for what each measure tells.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy import linalg
from threadpoolctl import threadpool_limits


def _check_labels(y, n_samples: int, name: str, x_name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {y.shape}.")
    if len(y) != n_samples:
        raise ValueError(f"{x_name} has {n_samples} samples but {name} has {len(y)} labels.")
    return y


def _n_samples(X, name: str) -> int:
    shape = getattr(X, "shape", None)
    n = shape[0] if shape is not None and len(shape) > 0 else len(X)
    if n == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed.")
    return int(n)


def label_fidelity(
    classifier, X_synthetic, y_synthetic, *, per_class: bool = False
) -> float | dict[Any, float]:
    """Share of synthetic samples that a classifier assigns to their target class.

    The classifier should be trained on *real* data only; a generator whose images a
    real-data classifier recognises as the intended class produces class-faithful
    samples. This is the "quality test" of the samplers, as a function.

    Parameters
    ----------
    classifier : fitted classifier
        Any object with ``predict`` (and ideally ``classes_``), trained on real data.
    X_synthetic : array-like of shape (n_samples, ...)
        Synthetic samples, in the layout the classifier accepts.
    y_synthetic : array-like of shape (n_samples,)
        The class each sample was generated for.
    per_class : bool, default=False
        Return one share per target class instead of the overall share.

    Returns
    -------
    float or dict
        The share in ``[0, 1]``; with ``per_class=True`` a dict ``{label: share}`` in
        sorted label order.

    Raises
    ------
    ValueError
        If the inputs are empty or of different lengths, or if ``y_synthetic`` has labels
        the classifier was not trained on (it could never predict them).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imblearn_deep.metrics import label_fidelity
    >>> X = [[0.0], [1.0], [10.0], [11.0]]
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> round(label_fidelity(clf, [[0.5], [10.5], [0.2]], [0, 1, 1]), 3)
    0.667
    >>> label_fidelity(clf, [[0.5], [10.5], [0.2]], [0, 1, 1], per_class=True)
    {0: 1.0, 1: 0.5}
    """
    if not hasattr(classifier, "predict"):
        raise ValueError(
            f"classifier must be a fitted classifier with a predict method; got "
            f"{type(classifier).__name__}."
        )
    n = _n_samples(X_synthetic, "X_synthetic")
    y = _check_labels(y_synthetic, n, "y_synthetic", "X_synthetic")
    known = getattr(classifier, "classes_", None)
    if known is not None:
        unknown = sorted(set(np.unique(y).tolist()) - set(np.asarray(known).tolist()), key=str)
        if unknown:
            raise ValueError(
                f"y_synthetic has labels the classifier was not trained on: {unknown}; its "
                f"classes are {np.asarray(known).tolist()}."
            )
    correct = np.asarray(classifier.predict(X_synthetic)) == y
    if not per_class:
        return float(correct.mean())
    return {label: float(correct[y == label].mean()) for label in np.unique(y).tolist()}


def _check_features(features, name: str) -> np.ndarray:
    try:
        array = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric (n_samples, n_features) array.") from exc
    if array.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got 1-D with shape {array.shape}. "
            "Use features.reshape(-1, 1) for a single feature."
        )
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got {array.ndim}-D with shape "
            f"{array.shape}. Flatten images or extract features first."
        )
    if len(array) < 2:
        raise ValueError(
            f"{name} has {len(array)} sample(s); a covariance needs at least 2 "
            "(and many more than n_features for a reliable distance)."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _sqrtm_is_usable(root: np.ndarray) -> bool:
    if not np.isfinite(root).all():
        return False
    if np.iscomplexobj(root):
        # pytorch-fid's tolerance on the imaginary part of the diagonal.
        return bool(np.allclose(np.diagonal(root).imag, 0.0, atol=1e-3))
    return True


def frechet_distance(features_a, features_b, *, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors.

    ``d² = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^½)``, the formula of FID. The
    matrix square root is :func:`scipy.linalg.sqrtm`; its real part is used. When the
    covariances are singular or ill-conditioned (fewer samples than features, constant
    features) and the square root is not finite or has a clearly complex diagonal,
    ``eps`` is added to the covariances' diagonals and the root recomputed, as
    pytorch-fid does, with a warning.

    Parameters
    ----------
    features_a, features_b : array-like of shape (n_samples, n_features)
        Two feature sets with the same number of features (at least 2 samples each).
    eps : float, default=1e-6
        Diagonal offset used when the plain square root is unusable.

    Returns
    -------
    float
        The squared Fréchet distance (FID's convention), ``>= 0``; tiny negative values
        from rounding are returned as 0.

    Raises
    ------
    ValueError
        If an input is not 2-D, has fewer than 2 samples or non-finite values, the
        feature counts differ, or ``eps`` is negative.

    Notes
    -----
    The estimate is biased upwards for small samples, and more so with many features:
    compare distances computed with the same sample sizes and feature extractor only.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> a = rng.standard_normal((2000, 3))
    >>> round(frechet_distance(a, a), 6)
    0.0
    >>> round(frechet_distance(a, a + [2.0, 0.0, 0.0]), 6)  # ‖μ_a − μ_b‖² = 4
    4.0
    """
    if not isinstance(eps, Real) or eps < 0:
        raise ValueError(f"eps must be a non-negative number; got {eps!r}.")
    a = _check_features(features_a, "features_a")
    b = _check_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a has {a.shape[1]} features but features_b has {b.shape[1]}; both "
            "must come from the same feature extractor."
        )
    # One BLAS thread: the products, sums and square root then add up in the same order
    # whatever the process's thread count, so the distance is the same to the last digit
    # in a parallel worker (one thread) and in the main process (the small matrices gain
    # nothing from more).
    with threadpool_limits(limits=1, user_api="blas"):
        mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
        sigma_a = np.atleast_2d(np.cov(a, rowvar=False))
        sigma_b = np.atleast_2d(np.cov(b, rowvar=False))
        with warnings.catch_warnings():
            # scipy's "Matrix is singular" note; usability is checked just below (pytorch-fid
            # silences it too, with disp=False).
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            root = linalg.sqrtm(sigma_a @ sigma_b)
        if not _sqrtm_is_usable(root):
            warnings.warn(
                f"The product of the covariances is singular or ill-conditioned ({len(a)} and "
                f"{len(b)} samples, {a.shape[1]} features); adding {eps} to their diagonals.",
                UserWarning,
                stacklevel=2,
            )
            offset = np.eye(len(sigma_a)) * eps
            root = linalg.sqrtm((sigma_a + offset) @ (sigma_b + offset))
            if not np.isfinite(root).all():
                raise ValueError(
                    "The matrix square root is not finite even with the eps offset; use fewer "
                    "features or more samples, or a larger eps."
                )
        diff = mu_a - mu_b
        distance = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * np.trace(root.real)
    return max(float(distance), 0.0)


def _head_layer(module):
    """The network's output layer: its last registered Linear or Conv2d (resnet ``fc``,
    SmallCNN/efficientnet ``classifier``, SqueezeNet's final 1×1 convolution)."""
    from torch import nn

    layers = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    if not layers:
        raise ValueError("The classifier's network has no Linear or Conv2d layer to hook.")
    return layers[-1]


def classifier_features(
    classifier, X, *, layer: str | None = None, batch_size: int = 512
) -> np.ndarray:
    """Penultimate-layer features of a fitted :class:`~imblearn_deep.CNNClassifier`.

    The input of the network's output layer (globally average-pooled when it is a
    feature map, as for SqueezeNet's final convolution), computed in eval mode without
    gradients, with the same validation and pixel scaling as ``predict``.

    Parameters
    ----------
    classifier : CNNClassifier
        A fitted classifier (trained on real data).
    X : array-like
        Images in the layout the classifier was fitted on.
    layer : str, default=None
        Name of the module (as in ``classifier.module_.named_modules()``) whose *input*
        is taken; ``None`` takes the output layer.
    batch_size : int, default=512
        Images per forward pass.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        float64 features.

    Examples
    --------
    >>> from imblearn_deep import CNNClassifier
    >>> from imblearn_deep.datasets import load_digits_images
    >>> from imblearn_deep.metrics._quality import classifier_features
    >>> X, y = load_digits_images()
    >>> clf = CNNClassifier(max_epochs=1, module__channels=(8, 16), random_state=0)
    >>> clf = clf.fit(X[:200], y[:200])
    >>> classifier_features(clf, X[:5]).shape
    (5, 16)
    """
    import torch

    if not hasattr(classifier, "module_") or not hasattr(classifier, "network_input"):
        raise ValueError(
            "classifier_features needs a fitted CNNClassifier; for other models pass a "
            "callable mapping images to a feature matrix."
        )
    if not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    X_net = classifier.network_input(X)
    module = classifier.module_
    if layer is None:
        target = _head_layer(module)
    else:
        named = dict(module.named_modules())
        if layer not in named:
            raise ValueError(
                f"layer={layer!r} is not a module of the network; names are e.g. "
                f"{list(named)[1:8]}."
            )
        target = named[layer]
    captured: list[torch.Tensor] = []

    def hook(_module, inputs, _output):
        features = inputs[0]
        if features.ndim == 4:
            features = features.mean(dim=(2, 3))
        captured.append(features.flatten(1).float().cpu())

    device = next(module.parameters()).device
    was_training = module.training
    handle = target.register_forward_hook(hook)
    try:
        module.eval()
        with torch.no_grad():
            for start in range(0, len(X_net), batch_size):
                module(torch.from_numpy(X_net[start : start + batch_size]).to(device))
    finally:
        handle.remove()
        module.train(was_training)
    return torch.cat(captured).numpy().astype(np.float64)


def as_feature_extractor(feature_extractor) -> Callable[[Any], np.ndarray]:
    """A function mapping images to a feature matrix, from what the quality measures accept.

    A fitted :class:`~imblearn_deep.CNNClassifier` gives its penultimate-layer features
    (:func:`classifier_features`), a fitted transformer its ``transform``, a callable
    itself.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((10, 4))
    >>> as_feature_extractor(PCA(2).fit(X))(X).shape
    (10, 2)
    """
    if hasattr(feature_extractor, "module_") and hasattr(feature_extractor, "network_input"):
        return lambda X: classifier_features(feature_extractor, X)
    if callable(feature_extractor):
        return feature_extractor
    if hasattr(feature_extractor, "transform"):
        return feature_extractor.transform
    raise ValueError(
        "feature_extractor must be a fitted CNNClassifier, a fitted transformer, or a "
        f"callable mapping images to a feature matrix; got {type(feature_extractor).__name__}."
    )


def class_frechet_distances(
    feature_extractor,
    X_real,
    y_real,
    X_synthetic,
    y_synthetic,
    *,
    eps: float = 1e-6,
) -> dict[Any, float]:
    """Per-class Fréchet distance between real and synthetic images in a feature space.

    FID's method with a domain network instead of Inception: both image sets are mapped
    to features (e.g. the penultimate layer of a classifier trained on the real data),
    and for every class with synthetic samples the Fréchet distance between the real
    and the synthetic features of that class is computed with :func:`frechet_distance`.

    Parameters
    ----------
    feature_extractor : CNNClassifier, transformer or callable
        A fitted :class:`~imblearn_deep.CNNClassifier` (its penultimate-layer features,
        see :func:`classifier_features`), a fitted scikit-learn transformer (its
        ``transform``), or any callable mapping an image array to an
        ``(n_samples, n_features)`` matrix.
    X_real, y_real : array-like
        Real images and labels.
    X_synthetic, y_synthetic : array-like
        Synthetic images and the class each was generated for.
    eps : float, default=1e-6
        Passed to :func:`frechet_distance`.

    Returns
    -------
    dict
        ``{label: distance}`` for each label of ``y_synthetic``, in sorted order. A class
        with fewer than 2 real or 2 synthetic samples gets ``nan`` (with a warning).

    Raises
    ------
    ValueError
        If inputs are empty or of inconsistent lengths, ``y_synthetic`` has a label
        absent from ``y_real``, or the extractor does not return one feature row per
        image.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.metrics import class_frechet_distances
    >>> rng = np.random.default_rng(0)
    >>> X_real = rng.standard_normal((400, 2))
    >>> y_real = np.repeat([0, 1], 200)
    >>> X_syn = X_real + np.where(y_real[:, None] == 1, [3.0, 0.0], [0.0, 0.0])
    >>> d = class_frechet_distances(lambda X: X, X_real, y_real, X_syn, y_real)
    >>> {label: round(value, 3) for label, value in d.items()}
    {0: 0.0, 1: 9.0}
    """
    extract = as_feature_extractor(feature_extractor)
    n_real = _n_samples(X_real, "X_real")
    n_syn = _n_samples(X_synthetic, "X_synthetic")
    y_real = _check_labels(y_real, n_real, "y_real", "X_real")
    y_syn = _check_labels(y_synthetic, n_syn, "y_synthetic", "X_synthetic")
    missing = sorted(set(np.unique(y_syn).tolist()) - set(np.unique(y_real).tolist()), key=str)
    if missing:
        raise ValueError(f"y_synthetic has labels with no real samples to compare with: {missing}.")
    features = {}
    for name, X, n in (("X_real", X_real, n_real), ("X_synthetic", X_synthetic, n_syn)):
        F = np.asarray(extract(X))
        if F.ndim != 2 or len(F) != n:
            raise ValueError(
                f"feature_extractor must return an (n_samples, n_features) matrix; for "
                f"{name} with {n} samples it returned shape {F.shape}."
            )
        features[name] = F
    distances = {}
    for label in np.unique(y_syn).tolist():
        real, syn = features["X_real"][y_real == label], features["X_synthetic"][y_syn == label]
        if len(real) < 2 or len(syn) < 2:
            warnings.warn(
                f"Class {label!r} has {len(real)} real and {len(syn)} synthetic samples; "
                "a Fréchet distance needs at least 2 of each. Its distance is nan.",
                UserWarning,
                stacklevel=2,
            )
            distances[label] = float("nan")
            continue
        distances[label] = frechet_distance(real, syn, eps=eps)
    return distances
