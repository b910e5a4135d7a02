"""CNN classifiers for image data, as scikit-learn estimators built on skorch.

:class:`CNNClassifier` subclasses skorch's :class:`~skorch.classifier.NeuralNetClassifier`
(so skorch's grid names, callbacks and ``module__*``/``optimizer__*`` parameters work) and
adds what a scikit-learn classifier needs on top: input validation for image arrays,
pixel scaling, label encoding, a fixed label set across CV folds, local seeding, and
keyword-only parameters that ``clone`` and ``GridSearchCV`` handle.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.metrics import f1_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import EarlyStopping, EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from skorch.dataset import Dataset, ValidSplit
from skorch.utils import is_dataset
from torch.utils.data import DataLoader, RandomSampler, Sampler, SequentialSampler

from ._images import ImageLayout, PixelRange
from ._training import draw_seed, resolve_device, seeded
from .nets.classifiers import ARCHITECTURES, build_classifier

__all__ = ["CNNClassifier"]

# Architectures with BatchNorm layers, which cannot train on a single sample.
_BATCHNORM_ARCHITECTURES = frozenset(ARCHITECTURES) - {"mlp", "squeezenet1_1"}


class MergeLastBatchSampler(Sampler[list[int]]):
    """Batches of ``batch_size`` indices where a last batch of one joins the one before.

    BatchNorm cannot normalise a single sample in training mode, and dropping it (the
    ``drop_last`` remedy) would silently ignore training data, so the straggler is merged.

    Examples
    --------
    >>> from torch.utils.data import SequentialSampler
    >>> list(MergeLastBatchSampler(SequentialSampler(range(5)), batch_size=2))
    [[0, 1], [2, 3, 4]]
    """

    def __init__(self, sampler: Sampler[int], batch_size: int, drop_last: bool = False):
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        pending: list[int] | None = None
        batch: list[int] = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                if pending is not None:
                    yield pending
                pending, batch = batch, []
        if batch and not self.drop_last:
            if len(batch) == 1 and pending is not None:
                pending, batch = pending + batch, []
            else:
                if pending is not None:
                    yield pending
                pending, batch = batch, []
        if pending is not None:
            yield pending

    def __len__(self) -> int:
        full, rest = divmod(len(self.sampler), self.batch_size)
        if self.drop_last or rest == 0 or (rest == 1 and full > 0):
            return full
        return full + 1


def _is_true(value) -> bool:
    return isinstance(value, (bool, np.bool_)) and bool(value)


def _valid_f1_macro(net: NeuralNet, X, y) -> float:
    """Macro-F1 on the internal validation split (which holds label codes, not labels)."""
    y_pred = NeuralNetClassifier.predict_proba(net, X).argmax(axis=1)
    return f1_score(y, y_pred, average="macro", zero_division=0)


class CNNClassifier(NeuralNetClassifier):
    """Convolutional (or fully-connected) network classifier for images.

    A scikit-learn classifier built on skorch's ``NeuralNetClassifier``: it validates
    and scales the input, encodes the labels, builds the network named by
    ``architecture`` for the data's image shape and number of classes, and trains it
    with cross-entropy and Adam for ``max_epochs`` epochs. It works in
    :class:`~imblearn.pipeline.Pipeline` after a sampler, in ``GridSearchCV`` (grid names
    such as ``clf__architecture``, ``clf__lr``, ``clf__max_epochs``, ``clf__batch_size``,
    ``clf__module__channels``), and it pickles.

    Input ``X`` is ``(n, C, H, W)``, ``(n, H, W)`` (one channel), or flat ``(n, C*H*W)``
    with ``image_shape``; any numeric dtype. Pixel values are mapped to ``[-1, 1]`` with
    the minimum and maximum seen at fit (the same map at predict) and cast to contiguous
    float32. Channel-last ``(n, H, W, C)`` arrays are rejected with the transpose to
    apply. Labels can be of any type; ``predict`` returns them and the columns of
    ``predict_proba`` follow ``classes_``.

    Parameters
    ----------
    architecture : {"small_cnn", "mlp", "resnet18", "resnet34", "resnet50", \
"squeezenet1_1", "efficientnet_b0"}, default="small_cnn"
        The network, built by :func:`imblearn_deep.nets.classifiers.build_classifier`.
        The torchvision models start from random weights (``weights=None``), take ``C``
        input channels, use a stride-1 stem below 64 pixels (ResNet without its
        max-pool), and SqueezeNet zero-pads images smaller than 17×17. ``"small_cnn"``
        (three conv-BN-ReLU blocks, global average pooling and a linear layer) is quick
        on a CPU. ``"mlp"`` is fully connected and the only choice for flat tabular
        ``X`` without ``image_shape``. Extra builder options are set with
        ``module__<name>`` (e.g. ``module__channels=(16, 32)`` for ``"small_cnn"``,
        ``module__hidden_units=(64,)`` for ``"mlp"``).

    image_shape : tuple of int, default=None
        ``(C, H, W)`` (or ``(H, W)``) of each image when ``X`` is flat ``(n, C*H*W)``.
        Leave it ``None`` for ``(n, C, H, W)`` or ``(n, H, W)`` input. One entry may be
        ``-1``, inferred from the number of values per sample as in ``numpy.reshape``:
        ``(1, 1, -1)`` treats each row as a one-pixel-high image.

    classes : array-like, default=None
        The full label set. ``None`` takes the labels of ``y`` at fit. Set it when some
        training sets (CV folds of rare classes) can miss a class: ``classes_``, the
        output layer and the columns of ``predict_proba`` then always cover every class.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss. ``"balanced"`` uses
        ``n_samples / (n_present_classes * count)`` for each class present in ``y``
        (1 for absent ones), the usual cost-sensitive baseline to resampling; a dict
        maps labels to weights (1 for labels it omits).

    pretrained_weights : str or path-like, default=None
        A local ``state_dict`` file to start from; nothing is downloaded. Tensors whose
        name and shape match are loaded, the replaced layers (first convolution for
        ``C != 3`` or small images, last layer) keep their random initialisation.

    max_epochs : int, default=10
        Training epochs (the number run unless ``early_stopping`` stops sooner).

    batch_size : int, default=64
        Mini-batch size for training and prediction (``-1``: all samples at once). A
        last training batch of a single sample is merged into the previous one.

    lr : float, default=1e-3
        Learning rate.

    optimizer : torch optimizer class, default=torch.optim.Adam
        Further arguments go through ``optimizer__<name>``.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The loss, applied to the network's logits; ``predict_proba`` applies a softmax.
        ``class_weight`` is passed to it as ``weight``.

    train_split : callable or None, default=None
        skorch's internal validation split. ``None`` trains on all of ``X`` for
        ``max_epochs`` epochs, which is the right default in a pipeline: after a
        sampler, an internal split would validate on synthetic images.

    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data (seeded by
        ``random_state``), score macro-F1 on it after each epoch (``valid_f1`` in
        ``history_``), stop when it has not improved for ``n_iter_no_change`` epochs and
        restore the best epoch's weights. **When a sampler precedes the classifier, this
        split contains synthetic images** (or duplicates, for random over-sampling), so
        the validation score is optimistic and the stopping point leaks: prefer fixed
        epochs chosen by an outer cross-validation. A ``train_split`` that is set is
        used instead of the stratified split.

    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping`` is on.

    n_iter_no_change : int, default=5
        Patience of ``early_stopping``, in epochs.

    callbacks : list, "disable" or None, default=None
        Extra skorch callbacks, as in skorch. Callbacks that score the internal
        validation split see label codes (positions in ``classes_``) as targets.

    iterator_train : class, default=torch.utils.data.DataLoader
        Training data loader. With the default ``DataLoader``, shuffling is seeded and
        batches of one are merged; other loaders are used as skorch does.

    iterator_valid : class, default=torch.utils.data.DataLoader
        Loader for prediction and the internal validation split.

    iterator_train__shuffle : bool, default=True
        Shuffle the training data each epoch (skorch's default is not to, which after a
        sampler would feed whole batches of one synthetic class).

    dataset : class, default=skorch.dataset.Dataset
        skorch's dataset wrapper for the (already scaled) arrays.

    predict_nonlinearity : callable, "auto" or None, default="auto"
        As in skorch; ``"auto"`` applies a softmax for cross-entropy.

    warm_start : bool, default=False
        If true, ``fit`` on a fitted classifier continues training (like
        ``partial_fit``) with the fitted label set and pixel range.

    compile : bool, default=False
        ``torch.compile`` the network (slow to start; every clone recompiles).

    use_caching : bool or "auto", default="auto"
        As in skorch: scoring callbacks reuse the epoch's predictions.

    torch_load_kwargs : dict or None, default=None
        As in skorch: arguments of ``torch.load`` when unpickling.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the early-stopping split.
        torch is seeded locally: the global torch, numpy and random states are left as
        they were. With an int, CPU runs are bit-identical; CUDA runs are not, since
        cuDNN's fastest kernels are not deterministic (set
        ``torch.use_deterministic_algorithms(True)`` and ``CUBLAS_WORKSPACE_CONFIG`` for
        that, at some cost in speed).

    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when available, else on the CPU. The parameter keeps
        its value (``"auto"``); a pickled classifier is loaded onto the device that
        ``"auto"`` picks on the loading machine.

    verbose : int, default=0
        Positive values print skorch's per-epoch table (losses, ``valid_f1``, time).

    **kwargs
        Other skorch parameters with a prefix: ``module__*``, ``optimizer__*``,
        ``criterion__*``, ``iterator_train__*``, ``iterator_valid__*``,
        ``callbacks__*``, ``dataset__*``, ``compile__*``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; ``predict_proba``'s columns follow this order.

    label_encoder_ : sklearn.preprocessing.LabelEncoder
        Maps labels to the codes the network is trained on.

    class_weight_ : ndarray of shape (n_classes,) or None
        Loss weight of each class, or ``None`` without ``class_weight``.

    layout_ : ImageLayout
        Shape of the fitted input and of the network's input.

    pixel_range_ : PixelRange
        Value range seen at fit, mapped to ``[-1, 1]``.

    n_features_in_ : int
        Values per sample (``C*H*W`` for images).

    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    module_ : torch.nn.Module
        The trained network (on the training device).

    history_ : skorch.History
        Per-epoch records (``train_loss``, ``dur``, and with a validation split
        ``valid_loss`` and ``valid_f1``).

    See Also
    --------
    imblearn_deep.nets.classifiers.build_classifier : The networks.

    Notes
    -----
    skorch's ``forward``/``infer`` are left as in skorch: they take network input
    (scaled float32 in the network's layout), not raw images. ``predict_proba`` and
    ``predict`` pass a torch ``Dataset`` through the same way.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.metrics import f1_score
    >>> from imblearn_deep.classifiers import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(image_shape=(1, 8, 8), max_epochs=3, random_state=0)
    >>> clf = clf.fit(X[:1000], y[:1000])
    >>> clf.predict_proba(X[1000:]).shape
    (797, 10)
    >>> f1_score(y[1000:], clf.predict(X[1000:]), average="macro") > 0.8
    True
    """

    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "image_shape": [None, tuple, list],
        "classes": [None, "array-like"],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "pretrained_weights": [None, str, os.PathLike],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        # Batches of one would reach BatchNorm layers in training mode; -1 is skorch's
        # "all samples in one batch".
        "batch_size": [Interval(Integral, 2, None, closed="left"), Options(Integral, {-1})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [callable],
        "criterion": [callable],
        "train_split": [None, callable],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [None, list, StrOptions({"disable"})],
        "iterator_train": [callable],
        "iterator_valid": [callable],
        "iterator_train__shuffle": ["boolean"],
        "dataset": [callable],
        "predict_nonlinearity": [None, callable, StrOptions({"auto"})],
        "warm_start": ["boolean"],
        "compile": ["boolean"],
        "use_caching": ["boolean", StrOptions({"auto"})],
        "torch_load_kwargs": [None, dict],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    # skorch's NeuralNet.__init__ sets these three; scikit-learn allows only fit to set
    # learned attributes, so __init__ removes them and these class-level values stand in
    # until fit (skorch replaces them with instance attributes when it initializes).
    initialized_ = False
    history_ = None
    virtual_params_ = MappingProxyType({})

    def __init__(
        self,
        *,
        architecture="small_cnn",
        image_shape=None,
        classes=None,
        class_weight=None,
        pretrained_weights=None,
        max_epochs=10,
        batch_size=64,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        callbacks=None,
        iterator_train=DataLoader,
        iterator_valid=DataLoader,
        iterator_train__shuffle=True,
        dataset=Dataset,
        predict_nonlinearity="auto",
        warm_start=False,
        compile=False,
        use_caching="auto",
        torch_load_kwargs=None,
        random_state=None,
        device="auto",
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            build_classifier,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            dataset=dataset,
            train_split=train_split,
            callbacks=callbacks,
            predict_nonlinearity=predict_nonlinearity,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            compile=compile,
            use_caching=use_caching,
            torch_load_kwargs=torch_load_kwargs,
            classes=classes,
            iterator_train__shuffle=iterator_train__shuffle,
            **kwargs,
        )
        self.architecture = architecture
        self.image_shape = image_shape
        self.class_weight = class_weight
        self.pretrained_weights = pretrained_weights
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        for name in ("history_", "initialized_", "virtual_params_"):
            vars(self).pop(name, None)

    # -- scikit-learn parameter protocol --------------------------------------------------

    def _get_param_names(self) -> list[str]:
        # skorch lists every public attribute (parameters appear dynamically through
        # module__* and friends); ``module`` is fixed to build_classifier and chosen
        # through ``architecture``, so it is not a parameter.
        return sorted(
            k for k in vars(self) if not k.startswith("_") and not k.endswith("_") and k != "module"
        )

    def set_params(self, **params):
        """Set parameters (plain names, or skorch's prefixed ``module__*`` etc.).

        Returns
        -------
        self : CNNClassifier
        """
        # skorch builds the callbacks when ``callbacks`` is set; here it is a plain
        # parameter, used at the next fit, so odd values do not fail in set_params.
        if "callbacks" in params:
            self.callbacks = params.pop("callbacks")
        return super().set_params(**params) if params else self

    __repr__ = BaseEstimator.__repr__

    def _check_params(self) -> None:
        # Named so as not to clash with skorch's own NeuralNet._validate_params.
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return "label_encoder_" in vars(self) and super().__sklearn_is_fitted__()

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, sorted (columns of ``predict_proba``)."""
        if "label_encoder_" not in vars(self):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet.")
        return self.label_encoder_.classes_

    # -- device: "auto" stays the parameter; skorch reads self.device directly -------------

    @contextmanager
    def _on_device(self) -> Iterator[torch.device]:
        """Resolve ``device`` for the duration of a call into skorch, then restore it."""
        requested = self.device
        resolved = resolve_device(requested)
        self.device = str(resolved)
        try:
            yield resolved
        finally:
            self.device = requested

    def __setstate__(self, state):
        requested = state.get("device")
        if isinstance(requested, str) and requested == "auto":
            state["device"] = str(resolve_device("auto"))
            super().__setstate__(state)
            self.device = requested
        else:
            super().__setstate__(state)

    # -- input handling --------------------------------------------------------------------

    def _setup(self, X, y, classes) -> tuple[np.ndarray, np.ndarray]:
        """Validate fit data and learn layout, pixel range, labels and class weights."""
        X, y = validate_data(
            self,
            X,
            y,
            reset=True,
            accept_sparse=False,
            allow_nd=True,
            dtype="numeric",
            ensure_all_finite=True,
        )
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
        self.layout_ = layout
        self.pixel_range_ = PixelRange.fit(X, layout)
        self.label_encoder_ = LabelEncoder().fit(y if classes is None else np.asarray(classes))
        codes = self._encode(y)
        self.class_weight_ = self._compute_class_weight(codes)
        return self._to_net(X), codes

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

    def _to_net(self, X: np.ndarray) -> np.ndarray:
        # Scaled copy: never writes into X (it may be a read-only memmap).
        return np.ascontiguousarray(self.layout_.to_net(self.pixel_range_.scale(X)))

    def _check_X(self, X) -> np.ndarray:
        """Validate prediction input against the fitted layout and scale it."""
        ndim = X.ndim if isinstance(getattr(X, "ndim", None), int) else np.asarray(X).ndim
        if ndim <= 2:
            # Flat input (either fitted layout): scikit-learn's checks, feature names and
            # its "X has k features, but ... is expecting n" message.
            X = validate_data(
                self,
                X,
                reset=False,
                accept_sparse=False,
                dtype="numeric",
                ensure_all_finite=True,
            )
            return self._to_net(X)
        X = check_array(
            X,
            accept_sparse=False,
            allow_nd=True,
            dtype="numeric",
            ensure_all_finite=True,
            estimator=self,
            input_name="X",
        )
        if not self.layout_.is_image:
            raise ValueError(
                f"X has shape {X.shape}, but {type(self).__name__} was fitted on flat "
                f"tabular data with {self.n_features_in_} features."
            )
        # Raises for channel-last arrays and shapes other than the fitted image shape.
        ImageLayout.from_array(X, self.layout_.image_shape, warn_tabular=False)
        return self._to_net(X)

    # -- training ----------------------------------------------------------------------------

    def fit(self, X, y, **fit_params) -> CNNClassifier:
        """Train the network from scratch (or continue, with ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, H, W) or \
(n_samples, n_features)
            Training images (flat rows need ``image_shape``, or ``architecture="mlp"``).
        y : array-like of shape (n_samples,)
            Labels, of any type.
        **fit_params
            Passed to skorch (the module's ``forward`` and ``train_split``).

        Returns
        -------
        self : CNNClassifier
            The fitted classifier.
        """
        if self.warm_start and self.__sklearn_is_fitted__():
            return self.partial_fit(X, y, **fit_params)
        self._check_params()
        X_net, codes = self._setup(X, y, self.classes)
        return self._train(X_net, codes, initialize=True, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params) -> CNNClassifier:
        """Train for ``max_epochs`` more epochs (skorch's meaning), keeping the weights.

        The first call sets up the classifier like ``fit``; later calls keep the fitted
        label set, pixel range and class weights.

        Parameters
        ----------
        X : array-like
            Training images, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Labels; after the first call they must be among ``classes_``.
        classes : array-like, default=None
            The full label set, used by the first call (then the ``classes`` parameter
            is ignored); needed when that call does not see every class.
        **fit_params
            Passed to skorch.

        Returns
        -------
        self : CNNClassifier
            The fitted classifier.
        """
        self._check_params()
        if not self.__sklearn_is_fitted__():
            X_net, codes = self._setup(X, y, self.classes if classes is None else classes)
            return self._train(X_net, codes, initialize=True, **fit_params)
        X_net = self._check_X(X)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X_net):
            raise ValueError(f"X has {len(X_net)} samples but y has {len(y)}.")
        return self._train(X_net, self._encode(y), initialize=False, **fit_params)

    def _train(self, X_net: np.ndarray, codes: np.ndarray, *, initialize: bool, **fit_params):
        with self._on_device() as device, seeded(draw_seed(self.random_state), device):
            self._split_seed = int(torch.randint(2**31 - 1, ()))
            if initialize:
                self.initialize()
            NeuralNet.partial_fit(self, X_net, codes, **fit_params)
        return self

    def initialize_module(self):
        """Build ``module_`` for the fitted image shape and number of classes."""
        self.module_ = build_classifier(
            self.architecture,
            self.layout_.net_shape,
            len(self.classes_),
            pretrained_weights=self.pretrained_weights,
            **self.get_params_for("module"),
        )
        return self

    def initialize_criterion(self):
        """Build ``criterion_``, weighted by ``class_weight_`` when set."""
        kwargs = self.get_params_for("criterion")
        if self.class_weight_ is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_, dtype=torch.float32)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    @property
    def _default_callbacks(self):
        # Also read by get_params(deep=True), so it must not fail on odd parameter values.
        early_stopping = _is_true(self.early_stopping)
        validates = self.train_split is not None or early_stopping
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ]
        if validates:
            callbacks += [
                ("valid_loss", PassthroughScoring(name="valid_loss")),
                # skorch's default valid_acc would call our predict on label codes.
                ("valid_f1", EpochScoring(_valid_f1_macro, lower_is_better=False, name="valid_f1")),
            ]
        if early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_f1",
                        lower_is_better=False,
                        patience=self.n_iter_no_change,
                        load_best=True,
                    ),
                )
            )
        return [*callbacks, ("print_log", PrintLog())]

    def get_split_datasets(self, X, y=None, **fit_params):
        """Training and validation datasets (``train_split``, or the early-stopping split)."""
        dataset = self.get_dataset(X, y)
        split = self.train_split
        if split is None and self.early_stopping:
            split = ValidSplit(
                self.validation_fraction, stratified=True, random_state=self._split_seed
            )
        if split is None:
            return dataset, None
        return split(dataset, y, **fit_params)

    def get_iterator(self, dataset, training=False):
        """Data loader; for training, a seeded shuffle without single-sample batches."""
        if not training or self.iterator_train is not DataLoader:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        drop_last = kwargs.pop("drop_last", False)
        generator = kwargs.pop("generator", None)
        sampler = kwargs.pop("sampler", None)
        if sampler is None and kwargs.pop("shuffle", False):
            if generator is None:
                # Drawn from torch's RNG, which _train seeds locally from random_state.
                generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())))
            sampler = RandomSampler(dataset, generator=generator)
        kwargs.pop("shuffle", None)
        sampler = sampler if sampler is not None else SequentialSampler(dataset)
        batches = MergeLastBatchSampler(sampler, batch_size, drop_last)
        return DataLoader(dataset, batch_sampler=batches, **kwargs)

    # -- prediction --------------------------------------------------------------------------

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per label of ``classes_``.

        Parameters
        ----------
        X : array-like
            Images in the layout used at fit (or flat rows of the same size).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities (float32); rows sum to one.
        """
        check_is_fitted(self)
        if not is_dataset(X):
            X = self._check_X(X)
        with self._on_device():
            return super().predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels (of the type seen at fit).

        Parameters
        ----------
        X : array-like
            Images in the layout used at fit (or flat rows of the same size).

        Returns
        -------
        ndarray of shape (n_samples,)
            The most probable class of each sample.
        """
        codes = self.predict_proba(X).argmax(axis=1)
        return self.classes_[codes]
