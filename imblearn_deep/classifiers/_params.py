"""scikit-learn's parameter protocol for :class:`~imblearn_deep.classifiers.CNNClassifier`.

skorch lists its parameters and builds its callbacks its own way; :class:`ParamsMixin`
gives the classifier scikit-learn's: keyword parameters that ``get_params``,
``set_params``, ``clone`` and ``GridSearchCV`` handle, their validation, the estimator
tags, the fitted check, and a ``device="auto"`` that stays the parameter's value while
skorch reads a resolved device.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

from .._schedules import LR_SCHEDULES
from .._torch.devices import PRECISION_OPTIONS, resolve_device
from ..nets.classifiers import ARCHITECTURES


class ParamsMixin:
    """The parameters of :class:`~imblearn_deep.classifiers.CNNClassifier` as scikit-learn
    sees them (see the module docstring); goes before skorch's classes in the bases."""

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
        "n_threads": [None, Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "verbose": ["verbose"],
    }

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
        # Pickled before n_threads existed: it then left torch's threads as they were.
        state.setdefault("n_threads", None)
        requested = state.get("device")
        if isinstance(requested, str) and requested == "auto":
            state["device"] = str(resolve_device("auto"))
            super().__setstate__(state)
            self.device = requested
        else:
            super().__setstate__(state)
