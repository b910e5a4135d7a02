"""The estimator class :class:`~imblearn_deep.classifiers.CNNClassifier`: its documentation,
parameters and constructor.

What it does is in the mixins it is made of, one module each: the parameter protocol
(``_params``), the data (``_data``), training (``_fit``), skorch's training loop as
changed here (``_skorch_loop``) and prediction (``_predict``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, ClassVar

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset
from torch.utils.data import DataLoader

from .._fit_tasks import CallbackSupportMixin
from ..nets.classifiers import build_classifier
from ._data import DataMixin
from ._fit import FitMixin
from ._params import ParamsMixin
from ._predict import PredictMixin
from ._skorch_loop import SkorchLoopMixin

__all__ = ["CNNClassifier"]


class CNNClassifier(
    ParamsMixin,
    DataMixin,
    FitMixin,
    PredictMixin,
    CallbackSupportMixin,
    SkorchLoopMixin,
    NeuralNetClassifier,
):
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
        each direction, a new draw at every step (padding repeats the edge pixels).
        Prediction and the validation split see the images unchanged. Must be smaller
        than the images' height and width.

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
        (:func:`imblearn_deep._schedules.lr_factor`; momentum is not cycled). ``None``
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
        :class:`~imblearn_deep.classifiers.LogitAdjustedLoss`, cross-entropy of the logits
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
        effective number of samples with ``β = 0.9999``) for the rest; Cao et
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

    n_threads : int or None, default=1
        CPU threads of ``fit`` and ``predict_proba``, set for the call and restored
        after it; ``-1``: every CPU this process may use; ``None``: torch's setting as it
        is (``torch.set_num_threads``). One thread by default: torch's default of one per
        core slowed small networks down by 10x and more when other processes computed
        too, and a seeded fit's numbers depend on the thread count, so a count that
        followed the load would not repeat. On an idle machine ``-1`` is faster (2
        threads: 1.7x for the small CNN, 1.9x for ResNet-18 at 64x64 on 2 idle cores;
        the user guide's "Threads").

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
        # The comparison sets its fits' threads itself (Execution.threads) and builds its
        # classifiers with None, which leaves them.
        "n_threads": None,
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
        n_threads=1,
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
        self.n_threads = n_threads
        for name in ("history_", "initialized_", "virtual_params_"):
            vars(self).pop(name, None)
