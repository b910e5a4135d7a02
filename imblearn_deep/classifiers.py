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
from typing import Any, ClassVar

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
from skorch.callbacks import (
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    PassthroughScoring,
    PrintLog,
)
from skorch.dataset import Dataset, unpack_data
from skorch.utils import is_dataset
from torch.utils.data import DataLoader

from ._fit_tasks import CallbackSupportMixin, EpochTasks, FitTask, with_callbacks
from ._images import ARRAY_CHECKS, ImageLayout, PixelRange
from ._skorch_loop import SkorchLoopMixin, is_true
from ._training import (
    PRECISION_OPTIONS,
    TrainingDivergedError,
    draw_seed,
    grad_scaler,
    n_minibatches,
    preserved_rng,
    resolve_device,
    resolve_precision,
    seeded,
    to_device,
)
from .augmentation import check_augmentation, random_shift_flip
from .losses import DeferredReweighting, LogitAdjustedLoss
from .nets.classifiers import ARCHITECTURES, build_classifier
from .schedules import LR_SCHEDULES, LRSchedule, StepBudget

__all__ = ["CNNClassifier"]

# Architectures with BatchNorm layers, which cannot train on a single sample.
_BATCHNORM_ARCHITECTURES = frozenset(ARCHITECTURES) - {"mlp", "squeezenet1_1"}


def _valid_f1_macro(net: NeuralNet, X, y) -> float:
    """Macro-F1 on the internal validation split (which holds label codes, not labels)."""
    y_pred = NeuralNetClassifier.predict_proba(net, X).argmax(axis=1)
    return f1_score(y, y_pred, average="macro", zero_division=0)


class CNNClassifier(CallbackSupportMixin, SkorchLoopMixin, NeuralNetClassifier):
    """Convolutional (or fully-connected) network classifier for images.

    A scikit-learn classifier built on skorch's ``NeuralNetClassifier``: it validates
    and scales the input, encodes the labels, builds the network named by
    ``architecture`` for the data's image shape and number of classes, and trains it
    with cross-entropy and Adam for ``max_epochs`` epochs. It works in
    :class:`~imblearn.pipeline.Pipeline` after a sampler, in ``GridSearchCV`` (grid names
    such as ``clf__architecture``, ``clf__lr``, ``clf__max_epochs``, ``clf__batch_size``,
    ``clf__module__channels``), and it pickles.

    Input ``X`` is ``(n, C, H, W)``, ``(n, H, W)`` (one channel), or flat ``(n, C*H*W)``
    with ``image_shape``; any numeric or bool dtype. Pixel values are mapped to
    ``[-1, 1]`` with the minimum and maximum seen at fit (the same map at predict) and
    cast to contiguous float32 (see :class:`~imblearn_deep._images.PixelRange`): a range
    that overflows float64 is an error, one dominated by a few outlying values warns, and
    so do prediction values far outside the fitted range (an error once they overflow
    float32), so the probabilities are never NaN. Channel-last ``(n, H, W, C)`` arrays
    are rejected with the transpose to apply. Labels can be of any type, in at least two
    classes; ``predict`` returns them and the columns of ``predict_proba`` follow
    ``classes_``. Prediction leaves the global torch, numpy and ``random`` states alone.

    Parameters
    ----------
    architecture : {"small_cnn", "mlp", "resnet18", "resnet34", "resnet50", \
"squeezenet1_1", "efficientnet_b0"}, default="small_cnn"
        The network, built by :func:`imblearn_deep.nets.classifiers.build_classifier`.
        The torchvision models start from random weights (``weights=None``), take ``C``
        input channels, use a stride-1 stem below 64 pixels (ResNet without its
        max-pool; ``module__stem="imagenet"`` or ``"cifar"`` picks the ResNet stem at any
        size), and SqueezeNet zero-pads images smaller than 17×17. ``"small_cnn"``
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

    balanced_batches : bool or "oversample", default=False
        Train on mini-batches in which every class has an equal share
        (:class:`~imblearn_deep.BalancedBatchSampler` on the training labels): the rare
        classes are over-sampled inside each batch, without a resampled copy of the
        data. ``True`` draws as many batches per epoch as the plain loader, so an epoch
        costs the same; ``"oversample"`` draws ``n_classes`` times the largest class
        count per epoch, what random over-sampling to the majority would train on, so
        every sample is seen each epoch. Needs the default ``iterator_train``; replaces
        its shuffling (``iterator_train__shuffle``).

    random_shift : int, default=0
        Input augmentation: each training image is shifted by up to this many pixels in
        each direction, a new draw at every step (padding repeats the edge pixels; see
        :func:`~imblearn_deep.augmentation.random_shift_flip`). Prediction and the
        validation split see the images unchanged. Must be smaller than the images'
        height and width.

    random_flip : bool, default=False
        Input augmentation: each training image is mirrored left-right with probability
        1/2 at every step. For classes that do not depend on the direction (clothes,
        objects), not for digits or letters.

    pretrained_weights : str or path-like, default=None
        A local ``state_dict`` file to start from; nothing is downloaded. Tensors whose
        name and shape match are loaded, the replaced layers (first convolution for
        ``C != 3`` or small images, last layer) keep their random initialisation.

    max_epochs : int, default=10
        Training epochs (the number run unless ``early_stopping`` stops sooner). Ignored
        when ``max_steps`` is set.

    max_steps : int, default=None
        Train for exactly this many optimizer steps (mini-batches), whatever the size of
        the training set: as many epochs as the steps need, the last one cut short. A
        budget in steps gives every candidate of a comparison the same compute, while a
        budget in epochs gives a resampled training set (ten times the images, say) ten
        times the steps. ``history_`` records ``n_steps`` and ``n_images_seen`` after
        each epoch. ``partial_fit`` trains ``max_steps`` more steps.

    batch_size : int, default=64
        Mini-batch size for training (``-1``: all samples at once). A last training
        batch of a single sample is merged into the previous one.

    predict_batch_size : int, default=None
        Mini-batch size for prediction and the internal validation split (``-1``: all
        samples at once; ``None``: ``batch_size``). Without gradients a batch needs far
        less memory, so a GPU can take larger ones; on a 2-core CPU, batches of 256 and
        1024 predicted no faster than 64 (ResNet-18) or up to 2 times slower
        (``small_cnn``; ``docs/benchmarks.md``), hence the default.
        ``iterator_valid__batch_size`` overrides it.

    precision : {"float32", "auto", "bfloat16", "float16"}, default="float32"
        Arithmetic of training and prediction. ``"bfloat16"`` runs the network under
        autocast (weights, loss and probabilities stay float32): fast on CPUs with
        bfloat16 instructions (AVX512-BF16, AMX, Arm BF16) and GPUs since Ampere,
        emulated and several times slower than float32 elsewhere, where it warns.
        ``"auto"`` picks ``"bfloat16"`` only where the hardware has it, else
        ``"float32"`` (a capability check; ``precision_`` records the choice), so its
        numerics depend on the machine; the default ``"float32"`` is bit-identical
        across CPUs. ``"float16"`` adds loss scaling (``torch.amp.GradScaler``), for
        GPUs without bfloat16. The network and 4-D batches are kept in
        ``channels_last`` memory in every precision.

    lr : float, default=1e-3
        Learning rate (the peak rate with ``lr_schedule``).

    lr_schedule : {"cosine", "onecycle"} or None, default=None
        Set the learning rate of every step from a warm-up and a decay over the planned
        steps (``max_steps``, or ``max_epochs`` times the batches per epoch) that ends
        low, so that the last steps change the weights little: meant to make the
        results vary less between seeds than a constant rate.
        ``"cosine"``: linear warm-up, then cosine decay towards 0; ``"onecycle"``:
        cosine warm-up from ``lr / 25``, then cosine decay to ``lr / 250000``
        (:func:`imblearn_deep.schedules.lr_factor`; momentum is not cycled). ``None``
        keeps ``lr`` constant. Each ``fit``/``partial_fit`` call runs the whole schedule;
        the rate of every step is in ``history_[:, "batches"]`` as ``lr``.

    lr_warmup : float, default=0.1
        Share of the steps spent warming up with ``lr_schedule``, in ``[0, 1)``.

    optimizer : torch optimizer class, default=torch.optim.Adam
        Further arguments go through ``optimizer__<name>``.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The loss, applied to the network's logits; ``predict_proba`` applies a softmax.
        ``class_weight`` is passed to it as ``weight``.

    loss : {"cross_entropy", "logit_adjusted"}, default="cross_entropy"
        ``"cross_entropy"`` trains with ``criterion``. ``"logit_adjusted"`` trains with
        :class:`~imblearn_deep.losses.LogitAdjustedLoss`, cross-entropy of the logits
        plus ``logit_adjust_tau · log(prior)`` with the class prior of the training
        labels (Menon et al., ICLR 2021), and predicts from the plain logits: a
        baseline to resampling that changes only the loss. It replaces ``criterion``
        (which must be left at its default) and combines with ``class_weight`` and
        ``drw_start``. A class absent from the training labels counts as one sample.

    logit_adjust_tau : float, default=1.0
        ``τ`` of the logit-adjusted loss (``τ = 1`` targets the balanced error).

    drw_start : float, default=None
        Deferred re-weighting (DRW, Cao et al., NeurIPS 2019): train with the plain loss
        for this share of the planned steps, then with class-balanced weights (the
        effective number of samples with ``β = 0.9999``,
        :func:`~imblearn_deep.losses.effective_number_weights`) for the rest; Cao et
        al. switch at ``0.8``. ``None`` never re-weights. It sets the loss weights
        itself, so ``class_weight`` (and ``criterion__weight``) must be ``None``.

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
        The trained network (on the training device, 4-D weights in ``channels_last``).

    precision_ : str
        The precision of training and prediction: ``precision`` with ``"auto"``
        resolved for the training device.

    grad_scaler_ : torch.amp.GradScaler
        The loss scaler, active under ``"float16"`` only (kept across ``partial_fit``).

    history_ : skorch.History
        Per-epoch records (``train_loss``, ``dur``, ``n_steps``, ``n_images_seen``, and
        with a validation split ``valid_loss`` and ``valid_f1``).

    class_counts_ : ndarray of shape (n_classes,)
        Training samples of each class (of the first ``fit``/``partial_fit`` call), from
        which the logit adjustment and DRW take their class prior.

    n_steps_ : int
        Optimizer steps (training mini-batches) since the network was initialized.

    n_images_seen_ : int
        Training images the optimizer steps went through, repeats included.

    See Also
    --------
    imblearn_deep.nets.classifiers.build_classifier : The networks.

    Notes
    -----
    skorch's ``forward``/``infer`` are left as in skorch: they take network input
    (scaled float32 in the network's layout), not raw images. ``predict_proba`` and
    ``predict`` pass a torch ``Dataset`` through the same way.

    With scikit-learn 1.9, ``set_callbacks`` (``sklearn.callback``: ``ProgressBar``,
    ``ScoringMonitor``, any ``FitCallback``) sees ``fit`` and ``partial_fit`` as a task
    with one ``"epoch"`` subtask per epoch, also when ``GridSearchCV`` passes its
    callbacks down. The classifier is usable after every epoch (callbacks get a copy of
    it as ``fitted_estimator``); a callback's request to stop is not honoured, since
    skorch stops only by an exception: use ``early_stopping``.

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

    # Parameters added after comparison results were recorded, with the values that
    # reproduce the earlier behaviour exactly (bit for bit): at those values the
    # comparison leaves them out of a cell's fingerprint, so that an upgrade does not
    # rerun cells it cannot have changed. Every other parameter, default or not, is
    # fingerprinted: a changed default can change the numbers. Add a parameter here only
    # with a test that its neutral value changes nothing.
    _fingerprint_neutral_params: ClassVar[dict[str, Any]] = {
        "random_shift": 0,
        "random_flip": False,
    }

    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "image_shape": [None, tuple, list],
        "classes": [None, "array-like"],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "balanced_batches": ["boolean", StrOptions({"oversample"})],
        "random_shift": [Interval(Integral, 0, None, closed="left")],
        "random_flip": ["boolean"],
        "pretrained_weights": [None, str, os.PathLike],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_steps": [None, Interval(Integral, 1, None, closed="left")],
        # Batches of one would reach BatchNorm layers in training mode; -1 is skorch's
        # "all samples in one batch".
        "batch_size": [Interval(Integral, 2, None, closed="left"), Options(Integral, {-1})],
        "predict_batch_size": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "precision": [StrOptions(set(PRECISION_OPTIONS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [None, StrOptions(set(LR_SCHEDULES))],
        "lr_warmup": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [callable],
        "criterion": [callable],
        "loss": [StrOptions({"cross_entropy", "logit_adjusted"})],
        "logit_adjust_tau": [Interval(Real, 0, None, closed="left")],
        "drw_start": [None, Interval(Real, 0, 1, closed="left")],
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
        balanced_batches=False,
        random_shift=0,
        random_flip=False,
        pretrained_weights=None,
        max_epochs=10,
        max_steps=None,
        batch_size=64,
        predict_batch_size=None,
        precision="float32",
        lr=1e-3,
        lr_schedule=None,
        lr_warmup=0.1,
        optimizer=torch.optim.Adam,
        criterion=torch.nn.CrossEntropyLoss,
        loss="cross_entropy",
        logit_adjust_tau=1.0,
        drw_start=None,
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
        self.balanced_batches = balanced_batches
        self.random_shift = random_shift
        self.random_flip = random_flip
        self.pretrained_weights = pretrained_weights
        self.predict_batch_size = predict_batch_size
        self.precision = precision
        self.max_steps = max_steps
        self.lr_schedule = lr_schedule
        self.lr_warmup = lr_warmup
        self.loss = loss
        self.logit_adjust_tau = logit_adjust_tau
        self.drw_start = drw_start
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
        down to time a fit quickly (:func:`imblearn_deep.comparison.estimate.fit_seconds`).

        Examples
        --------
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
        >>> X = np.random.default_rng(0).random((20, 1, 8, 8))
        >>> clf = CNNClassifier(architecture="small_cnn", max_epochs=1, random_state=0)
        >>> clf.fit(X, np.arange(20) % 2).network_input(X[:3]).shape
        (3, 1, 8, 8)
        """
        check_is_fitted(self)
        return self._check_X(X)

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
        return self._train(X_net, codes, initialize=True, X=X, y=y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params) -> CNNClassifier:
        """Train ``max_epochs`` more epochs (or ``max_steps`` more steps), keeping the weights.

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
            return self._train(X_net, codes, initialize=True, X=X, y=y, **fit_params)
        X_net = self._check_X(X)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X_net):
            raise ValueError(f"X has {len(X_net)} samples but y has {len(y)}.")
        return self._train(X_net, self._encode(y), initialize=False, X=X, y=y, **fit_params)

    @with_callbacks
    def _train(self, X_net: np.ndarray, codes: np.ndarray, *, initialize: bool, X, y, **fit_params):
        """Train on network input, as one task for scikit-learn callbacks (``X`` and ``y``
        as the caller passed them) with one subtask per epoch, reported by :meth:`notify`."""
        # A step budget leaves the number of epochs to the size of the training set.
        n_epochs = self.max_epochs if self.max_steps is None else None
        task = FitTask.root(self, "fit", n_epochs, X, y)
        self._epoch_tasks = EpochTasks(task, n_epochs, fitted_epochs=True)
        try:
            self._train_network(X_net, codes, initialize=initialize, **fit_params)
        finally:
            vars(self).pop("_epoch_tasks")
        task.end(fitted=True)
        return self

    def _train_network(
        self, X_net: np.ndarray, codes: np.ndarray, *, initialize: bool, **fit_params
    ):
        with self._on_device() as device, seeded(draw_seed(self.random_state), device):
            self._split_seed = int(torch.randint(2**31 - 1, ()))
            precision = resolve_precision(self.precision, device, type(self).__name__)
            # partial_fit keeps the scaler, whose loss scale took steps to calibrate.
            if initialize or precision != vars(self).get("precision_"):
                self.grad_scaler_ = grad_scaler(device, precision)
            self.precision_ = precision
            if initialize:
                self.initialize()
            self._interrupt = None
            try:
                NeuralNet.partial_fit(self, X_net, codes, **fit_params)
            finally:
                interrupt = vars(self).pop("_interrupt", None)
        # skorch's partial_fit ends training on Ctrl-C as if it had finished (it runs
        # on_train_end, so callbacks such as EarlyStopping still restore their weights)
        # and returns normally; the caller must learn that the net is half-trained.
        # (fit_loop tells Ctrl-C apart from a callback's stop signal.)
        if interrupt is not None:
            raise interrupt
        return self

    def train_step_single(self, batch, **fit_params):
        """Forward and backward pass of one training batch, after the input augmentation
        of ``random_shift`` and ``random_flip``."""
        Xi, yi = unpack_data(batch)
        if isinstance(Xi, torch.Tensor) and (self.random_shift or self.random_flip):
            Xi = random_shift_flip(Xi, shift=self.random_shift, flip=is_true(self.random_flip))
        return super().train_step_single((Xi, yi), **fit_params)

    def initialize_module(self):
        """Build ``module_`` for the fitted image shape and number of classes."""
        module = build_classifier(
            self.architecture,
            self.layout_.net_shape,
            len(self.classes_),
            pretrained_weights=self.pretrained_weights,
            **self.get_params_for("module"),
        )
        # channels_last weights; skorch's own move to the device keeps the layout.
        self.module_ = to_device(module, resolve_device(self.device))
        return self

    def initialize_criterion(self):
        """Build ``criterion_`` (``criterion``, or the logit-adjusted loss), weighted by
        ``class_weight_`` when set."""
        kwargs = self.get_params_for("criterion")
        if self.drw_start is not None and (self.class_weight is not None or "weight" in kwargs):
            raise ValueError(
                f"drw_start={self.drw_start!r} sets the class weights of the loss itself; "
                "leave class_weight (and criterion__weight) None."
            )
        if self.class_weight_ is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_, dtype=torch.float32)
        criterion = self.criterion
        if self.loss == "logit_adjusted":
            if criterion is not torch.nn.CrossEntropyLoss:
                raise ValueError(
                    "loss='logit_adjusted' replaces the criterion with LogitAdjustedLoss; "
                    f"leave criterion at its default CrossEntropyLoss (got {criterion!r})."
                )
            criterion = LogitAdjustedLoss
            # An absent class (classes= names more labels than y has) counts as one
            # sample, which keeps its log-prior finite.
            kwargs["class_prior"] = np.maximum(self.class_counts_, 1)
            kwargs["tau"] = self.logit_adjust_tau
        self.criterion_ = self.initialized_instance(criterion, kwargs)
        return self

    @property
    def _default_callbacks(self):
        # Also read by get_params(deep=True), so it must not fail on odd parameter values.
        early_stopping = is_true(self.early_stopping)
        validates = self.train_split is not None or early_stopping
        callbacks = [
            ("epoch_timer", EpochTimer()),
            # Counts and caps the steps; the schedules below follow its count.
            ("step_budget", StepBudget(max_steps=self.max_steps)),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ]
        if self.lr_schedule is not None:
            callbacks.append(("lr_schedule", LRSchedule(self.lr_schedule, self.lr_warmup)))
        if self.drw_start is not None:
            callbacks.append(("drw", DeferredReweighting(start=self.drw_start)))
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
        # Each DataLoader draws a seed from torch's global RNG: prediction must not move it.
        with self._on_device() as device, preserved_rng(device):
            proba = super().predict_proba(X)
        if not np.isfinite(proba).all():
            raise TrainingDivergedError(
                f"{type(self).__name__} predicted NaN or infinite probabilities: the weights "
                "diverged in training (lower lr), or X holds values far outside the range "
                "seen at fit."
            )
        return proba

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
