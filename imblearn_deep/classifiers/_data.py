"""The data side of :class:`~imblearn_deep.classifiers.CNNClassifier`: from the caller's
arrays to network input.

:class:`DataMixin` validates the fit data and learns what the classifier keeps of it (the
image layout, the pixel range, the label set and class weights), checks and scales
prediction input the same way, and plans the optimizer steps of a fit on ``n`` samples.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.dataset import Dataset

from .._images import ARRAY_CHECKS, ImageLayout, PixelRange, ScaledImages
from .._torch.loop import n_minibatches
from ..nets.classifiers import ARCHITECTURES
from ._augmentation import check_augmentation

# Architectures with BatchNorm layers, which cannot train on a single sample.
_BATCHNORM_ARCHITECTURES = frozenset(ARCHITECTURES) - {"mlp", "squeezenet1_1"}


class ScaledImagesDataset(Dataset):
    """skorch's :class:`~skorch.dataset.Dataset` over :class:`~imblearn_deep._images.ScaledImages`
    that scales a whole batch at once.

    A data loader asks a dataset with ``__getitems__`` for a batch's samples in one call:
    the batch is scaled in one pass instead of sample by sample, into the samples
    skorch's ``Dataset`` would have given one at a time (the same tensors once collated).
    """

    def __getitems__(self, indices: list[int]) -> list[tuple]:
        X = self.X[np.asarray(indices)]
        labels = [None] * len(indices) if self.y is None else self.y[indices]
        return [self.transform(x, label) for x, label in zip(X, labels, strict=True)]


class DataMixin:
    """Input validation, scaling and label encoding of
    :class:`~imblearn_deep.classifiers.CNNClassifier` (see the module docstring)."""

    def _setup(self, X, y, classes) -> tuple[ScaledImages, np.ndarray]:
        """Validate fit data and learn layout, pixel range, labels and class weights."""
        X, y = validate_data(self, X, y, reset=True, allow_nd=True, **ARRAY_CHECKS)
        check_classification_targets(y)
        # scikit-learn counts X.shape[1] as the features: for images that is the channels.
        self.n_features_in_ = math.prod(X.shape[1:])
        layout = ImageLayout.from_array(X, self._resolve_image_shape(X), warn_tabular=False)
        if not layout.is_image and self.architecture != "mlp":
            raise ValueError(
                f"architecture={self.architecture!r} needs images, but X is flat with shape "
                f"{X.shape} and image_shape is None: pass image_shape=(C, H, W) or "
                "(n, C, H, W) arrays. Only architecture='mlp' takes tabular input."
            )
        if len(X) < 2 and self.architecture in _BATCHNORM_ARCHITECTURES:
            raise ValueError(
                f"architecture={self.architecture!r} has BatchNorm layers, which cannot "
                f"train on 1 sample; got n_samples = {len(X)}."
            )
        label_encoder = LabelEncoder().fit(y if classes is None else np.asarray(classes))
        if len(label_encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but "
                f"{'y' if classes is None else 'classes'} has only one class: "
                f"{label_encoder.classes_.tolist()[0]!r}."
            )
        if self.random_shift or self.random_flip:
            if not layout.is_image:
                raise ValueError(
                    "random_shift and random_flip augment images, but X is flat tabular "
                    f"data with shape {X.shape}: pass image_shape=(C, H, W) or leave them "
                    "at 0 and False."
                )
            check_augmentation(self.random_shift, layout.image_shape[-2:])
        self.layout_ = layout
        self.pixel_range_ = PixelRange.fit(X, layout)
        self.label_encoder_ = label_encoder
        codes = self._encode(y)
        self.class_counts_ = np.bincount(codes, minlength=len(label_encoder.classes_))
        self.class_weight_ = self._compute_class_weight(codes)
        # The fitted range is X's own: nothing to check.
        return ScaledImages(X, layout, self.pixel_range_), codes

    def _resolve_image_shape(self, X: np.ndarray):
        """``image_shape`` with a ``-1`` entry inferred from the values per sample."""
        shape = self.image_shape
        if shape is None or -1 not in tuple(shape):
            return shape
        shape = tuple(shape)
        known = math.prod(s for s in shape if s != -1)
        n_values = math.prod(X.shape[1:])
        if shape.count(-1) > 1 or known <= 0 or n_values % known:
            raise ValueError(
                f"image_shape={shape} does not fit X: one entry may be -1, and the others "
                f"must divide the {n_values} values of each sample."
            )
        return tuple(n_values // known if s == -1 else s for s in shape)

    def _encode(self, y: np.ndarray) -> np.ndarray:
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels that are not in classes: {unseen.tolist()}; the "
                f"classes are {self.classes_.tolist()}."
            )
        return self.label_encoder_.transform(y).astype(np.int64)

    def _compute_class_weight(self, codes: np.ndarray) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        n_classes = len(self.classes_)
        if isinstance(self.class_weight, str):  # "balanced"
            counts = np.bincount(codes, minlength=n_classes)
            present = counts > 0
            weight = np.ones(n_classes)
            weight[present] = len(codes) / (present.sum() * counts[present])
            return weight
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight has labels that are not classes: {sorted(map(str, unknown))}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()])

    def _to_net(self, X: np.ndarray) -> ScaledImages:
        # Scaled a batch at a time as the network reads it (never written into: X may be
        # a read-only memmap); its values are checked here, once.
        self.pixel_range_.check_values(X, stacklevel=4)
        return ScaledImages(X, self.layout_, self.pixel_range_)

    def _check_X(self, X) -> ScaledImages:
        """Validate prediction input against the fitted layout; the network input, scaled
        as it is read."""
        ndim = X.ndim if isinstance(getattr(X, "ndim", None), int) else np.asarray(X).ndim
        if ndim <= 2:
            # Flat input (either fitted layout): scikit-learn's checks, feature names and
            # its "X has k features, but ... is expecting n" message.
            X = validate_data(self, X, reset=False, **ARRAY_CHECKS)
            return self._to_net(X)
        X = check_array(X, allow_nd=True, estimator=self, input_name="X", **ARRAY_CHECKS)
        if not self.layout_.is_image:
            raise ValueError(
                f"X has shape {X.shape}, but {type(self).__name__} was fitted on flat "
                f"tabular data with {self.n_features_in_} features."
            )
        # Raises for channel-last arrays and shapes other than the fitted image shape.
        ImageLayout.from_array(X, self.layout_.image_shape, warn_tabular=False)
        return self._to_net(X)

    def planned_steps(self, n_samples: int) -> dict[str, int]:
        """The optimizer steps ``fit`` on ``n_samples`` samples takes, by the parameter
        that sets them as a step budget.

        ``max_steps`` when it is set, else ``max_epochs`` times the mini-batches per epoch
        (a last batch of a single sample joins the previous one). An internal validation
        split (``train_split``, ``early_stopping``) trains on fewer samples and early
        stopping can end sooner, so there it is an upper bound. What a calibration scales
        down to time a fit quickly (:func:`imblearn_deep.comparison._estimate.fit_seconds`).

        Examples
        --------
        >>> from imblearn_deep.classifiers import CNNClassifier
        >>> CNNClassifier(max_epochs=3, batch_size=64).planned_steps(641)
        {'max_steps': 30}
        >>> CNNClassifier(max_steps=500).planned_steps(641)
        {'max_steps': 500}
        """
        if self.max_steps is not None:
            return {"max_steps": self.max_steps}
        batch_size = n_samples if self.batch_size == -1 else self.batch_size
        return {"max_steps": self.max_epochs * n_minibatches(n_samples, batch_size)}

    def network_input(self, X) -> np.ndarray:
        """``X`` as the fitted network takes it: checked, scaled, ``(n, C, H, W)`` float32.

        What :meth:`predict_proba` feeds the network, for code that runs the network
        itself (:func:`imblearn_deep.metrics.classifier_features`).

        Examples
        --------
        >>> import numpy as np
        >>> from imblearn_deep.classifiers import CNNClassifier
        >>> X = np.random.default_rng(0).random((20, 1, 8, 8))
        >>> clf = CNNClassifier(architecture="small_cnn", max_epochs=1, random_state=0)
        >>> clf.fit(X, np.arange(20) % 2).network_input(X[:3]).shape
        (3, 1, 8, 8)
        """
        check_is_fitted(self)
        return np.asarray(self._check_X(X))
