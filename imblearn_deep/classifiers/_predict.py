"""Prediction of :class:`~imblearn_deep.classifiers.CNNClassifier`."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted
from skorch.utils import is_dataset

from .._torch.loop import TrainingDivergedError
from .._torch.rng import preserved_rng
from .._torch.threads import torch_threads


class PredictMixin:
    """``predict_proba`` and ``predict`` of :class:`~imblearn_deep.classifiers.CNNClassifier`,
    on the device the ``device`` parameter resolves to and without moving the global RNG."""

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
        with torch_threads(self.n_threads), self._on_device() as device, preserved_rng(device):
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
