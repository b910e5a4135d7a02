"""Losses for long-tailed training, the strong simple baselines to resampling.

* :class:`LogitAdjustedLoss`: cross-entropy on logits shifted by ``τ · log(prior)``
  (Menon et al., "Long-tail learning via logit adjustment", ICLR 2021). The network
  learns logits whose softmax, with the shift removed at prediction, estimates the
  balanced (class-averaged) posterior;
* :class:`DeferredReweighting`: deferred re-weighting (the DRW of Cao et al.,
  "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss", NeurIPS
  2019), a skorch callback that trains with the plain loss first and with
  class-balanced weights (:func:`effective_number_weights`) for the last part of the
  step budget.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback
from torch import nn

from .._schedules import find_step_budget

__all__ = ["DRW_BETA", "DeferredReweighting", "LogitAdjustedLoss", "effective_number_weights"]

#: The β of Cao et al.'s class-balanced weights (their CIFAR experiments).
DRW_BETA = 0.9999


class LogitAdjustedLoss(nn.CrossEntropyLoss):
    """Cross-entropy of the logits plus ``tau · log(class_prior)``.

    ``loss(z, y) = CrossEntropy(z + tau · log π, y)``, with ``π`` the class prior of
    the training labels: the logit-adjusted loss of Menon et al. (2021), equation 10.
    Rare classes have a strongly negative ``log π``, so the network has to raise their
    logits by that margin to fit them. Prediction uses the plain logits ``z`` (a
    subclass of :class:`~torch.nn.CrossEntropyLoss`, so skorch applies a softmax to
    them), which estimate the class-balanced posterior at ``tau = 1``.

    Parameters
    ----------
    class_prior : array-like of shape (n_classes,)
        Class frequencies or counts, all positive; normalised to sum to one.
    tau : float, default=1.0
        Scale of the adjustment; 0 gives the plain cross-entropy.
    weight : torch.Tensor of shape (n_classes,), default=None
        Class weights, as in :class:`~torch.nn.CrossEntropyLoss`.
    **kwargs
        Other arguments of :class:`~torch.nn.CrossEntropyLoss` (``reduction``,
        ``label_smoothing``, ...).

    Attributes
    ----------
    adjustment : torch.Tensor of shape (n_classes,)
        ``tau · log π``, added to the logits (a buffer: it moves with ``.to(device)``).

    Examples
    --------
    >>> import torch
    >>> loss = LogitAdjustedLoss([90, 10], tau=1.0)
    >>> logits, target = torch.zeros(1, 2), torch.tensor([1])
    >>> round(loss(logits, target).item(), 4)  # -log(0.1 / (0.9 + 0.1))
    2.3026
    """

    def __init__(self, class_prior, tau: float = 1.0, weight: torch.Tensor | None = None, **kwargs):
        super().__init__(weight=weight, **kwargs)
        prior = torch.as_tensor(np.asarray(class_prior, dtype=np.float64))
        if prior.ndim != 1 or not bool(torch.all(torch.isfinite(prior) & (prior > 0))):
            raise ValueError(
                "class_prior must be a 1-D array of positive, finite class frequencies; "
                f"got {np.asarray(class_prior).tolist()}."
            )
        self.tau = float(tau)
        self.register_buffer("adjustment", (self.tau * torch.log(prior / prior.sum())).float())

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return super().forward(input + self.adjustment.to(input.dtype), target)


def effective_number_weights(counts, beta: float = DRW_BETA) -> np.ndarray:
    """Class-balanced weights by the effective number of samples (Cui et al., 2019).

    Each class present gets ``(1 - β) / (1 - β^n)`` for its ``n`` samples, the inverse
    of its "effective number" of samples, and the weights of the present classes are
    scaled to sum to their number (as Cao et al.'s DRW does); absent classes get 1.
    For ``n (1 - β) ≪ 1`` this is the inverse frequency: at ``β = 0.9999`` the weights
    of classes of up to 200 samples are within 1% of ``1 / n`` (relative to each
    other), while 6,000 samples count as 4,512, so very large classes are down-weighted
    less than by inverse frequency.

    Parameters
    ----------
    counts : array-like of int of shape (n_classes,)
        Training samples of each class.
    beta : float, default=0.9999
        ``β`` in ``[0, 1)``; 0 weights every present class equally.

    Returns
    -------
    ndarray of shape (n_classes,)

    Examples
    --------
    >>> effective_number_weights([100, 10, 0]).round(3)
    array([0.183, 1.817, 1.   ])
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError(f"counts must be a 1-D array of class counts >= 0; got {counts}.")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got {beta}.")
    present = counts > 0
    weight = np.ones_like(counts)
    weight[present] = (1 - beta) / (1 - beta ** counts[present])
    weight[present] *= present.sum() / weight[present].sum()
    return weight


class DeferredReweighting(Callback):
    """Switch the loss to class-balanced weights after a share of the step budget.

    Deferred re-weighting (DRW, Cao et al. 2019): the steps before
    ``round(start · total_steps)`` train with the plain loss (the criterion's ``weight``
    is ``None``), the later ones with :func:`effective_number_weights` of the net's
    ``class_counts_``; each training call starts plain again. The step and the total
    come from the net's :class:`~imblearn_deep._schedules.StepBudget`. Cao et al.
    switch at epoch 160 of 200, ``start=0.8``.

    Effective-number weights (with ``β = 0.9999``) rather than inverse frequency are
    what the paper used; for classes of up to 200 samples the two agree within 1%,
    and they differ by a third for a class of 6,000.

    Parameters
    ----------
    start : float, default=0.8
        Share of the planned steps trained without weights, in ``[0, 1)``.
    beta : float, default=0.9999
        ``β`` of :func:`effective_number_weights`.

    Attributes
    ----------
    weight_ : torch.Tensor of shape (n_classes,)
        The class weights applied from the switch on.
    switched_ : bool
        Whether the current (or last) training call has switched.

    Examples
    --------
    >>> DeferredReweighting(start=0.75).start
    0.75
    """

    def __init__(self, start: float = 0.8, beta: float = DRW_BETA):
        self.start = start
        self.beta = beta

    def on_train_begin(self, net, **kwargs) -> None:
        self.budget_ = find_step_budget(net, required_by=f"drw_start={self.start!r}")
        counts = getattr(net, "class_counts_", None)
        if counts is None:
            raise ValueError(
                "DeferredReweighting needs the net's training class counts (class_counts_)."
            )
        self.weight_ = torch.as_tensor(
            effective_number_weights(counts, self.beta), dtype=torch.float32
        )
        self.switched_ = False
        _loss_module(net).weight = None

    def on_batch_begin(self, net, training=None, **kwargs) -> None:
        if not training or self.switched_:
            return
        if self.budget_.steps_ >= self.budget_.step_at(self.start):
            _loss_module(net).weight = self.weight_.to(net.device)
            self.switched_ = True


def _loss_module(net) -> nn.Module:
    """The net's criterion, unwrapped from ``torch.compile`` (``compile=True``), whose
    wrapper would take a new ``weight`` as its own attribute instead of the buffer."""
    return getattr(net.criterion_, "_orig_mod", net.criterion_)
