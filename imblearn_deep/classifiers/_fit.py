"""The training side of :class:`~imblearn_deep.classifiers.CNNClassifier`.

:class:`FitMixin` holds ``fit`` and ``partial_fit`` (one task for scikit-learn's
callbacks, trained with torch seeded locally and the device and precision resolved), the
input augmentation of each training step, and the network, loss and default skorch
callbacks that skorch builds when it initializes. The epochs themselves run in skorch's
loop, as :class:`~imblearn_deep.classifiers._skorch_loop.SkorchLoopMixin` changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from sklearn.metrics import f1_score
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    PassthroughScoring,
)
from skorch.dataset import unpack_data

from .._fit_tasks import EpochTasks, FitTask, with_callbacks
from .._schedules import LRSchedule, StepBudget
from .._torch.devices import grad_scaler, resolve_device, resolve_precision, to_device
from .._torch.rng import draw_seed, seeded
from .._torch.threads import torch_threads
from ..nets.classifiers import build_classifier
from ._augmentation import random_shift_flip
from ._losses import DeferredReweighting, LogitAdjustedLoss
from ._print_log import AnnounceLongFit, TerminalPrintLog
from ._skorch_loop import is_true

if TYPE_CHECKING:
    from ._estimator import CNNClassifier


def _valid_f1_macro(net: NeuralNet, X, y) -> float:
    """Macro-F1 on the internal validation split (which holds label codes, not labels)."""
    y_pred = NeuralNetClassifier.predict_proba(net, X).argmax(axis=1)
    return f1_score(y, y_pred, average="macro", zero_division=0)


class FitMixin:
    """Training of :class:`~imblearn_deep.classifiers.CNNClassifier` (see the module
    docstring); goes before :class:`~imblearn_deep.classifiers._skorch_loop.SkorchLoopMixin`
    in the bases."""

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
        with (
            torch_threads(self.n_threads),
            self._on_device() as device,
            seeded(draw_seed(self.random_state), device),
        ):
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
        return [
            *callbacks,
            ("print_log", TerminalPrintLog()),
            ("announce_long_fit", AnnounceLongFit()),
        ]
