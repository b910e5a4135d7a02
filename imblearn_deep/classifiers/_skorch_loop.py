"""The training loop of :class:`~imblearn_deep.CNNClassifier`: where it departs from skorch's.

skorch's :class:`~skorch.NeuralNet` runs the epochs; :class:`SkorchLoopMixin` overrides the
hooks that this package needs changed, and nothing else:

* **Interrupts**: skorch's ``partial_fit`` ends training on ``KeyboardInterrupt`` and
  returns normally; :meth:`~SkorchLoopMixin.fit_loop` notes a Ctrl-C so that ``fit``
  re-raises it, while a callback's own stop signal (``EarlyStopping``, the step budget)
  still ends training quietly.
* **Step budgets**: with ``max_steps``, epochs end after the batches the budget leaves
  (:mod:`imblearn_deep._schedules`); ``n_steps_`` and ``n_images_seen_`` count them.
* **Precision**: autocast, channels-last batches, float32 outputs; under float16 a loss
  scaler in the optimiser step.
* **Batches**: a seeded shuffle that never yields a batch of one, balanced batches, the
  prediction batch size; images scaled a batch at a time as they are read.
* **Progress**: epochs reported to scikit-learn's callbacks after skorch's own.

The mixin reads the parameters and fitted attributes of ``CNNClassifier`` (``max_steps``,
``precision_``, ``grad_scaler_``, ``balanced_batches``, ``predict_batch_size``, ...); it is
not meant for other classes.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback
from skorch.dataset import Dataset, ValidSplit, unpack_data
from skorch.utils import TeeGenerator
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler, Subset

from .._images import ScaledImages
from .._schedules import find_step_budget
from .._torch.devices import autocast, fused_options, to_device
from ._batches import BalancedBatchSampler, MergeLastBatchSampler
from ._data import ScaledImagesDataset

__all__ = ["SkorchLoopMixin", "is_true"]


def is_true(value) -> bool:
    """Whether ``value`` is the boolean True (not merely truthy: ``"oversample"`` is not).

    Examples
    --------
    >>> is_true(True), is_true(np.bool_(True)), is_true("oversample"), is_true(1)
    (True, True, False, False)
    """
    return isinstance(value, (bool, np.bool_)) and bool(value)


def _raised_by_callback(interrupt: KeyboardInterrupt) -> bool:
    """Whether a skorch callback's own code raised ``interrupt`` (the innermost frame is
    a :class:`~skorch.callbacks.Callback` method), rather than Ctrl-C arriving."""
    tb = interrupt.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and isinstance(tb.tb_frame.f_locals.get("self"), Callback)


def _dataset_targets(dataset) -> np.ndarray:
    """The targets of a skorch training dataset, or of a ``Subset`` of one (what skorch's
    validation split returns)."""
    if isinstance(dataset, Subset):
        return _dataset_targets(dataset.dataset)[np.asarray(dataset.indices)]
    targets = getattr(dataset, "y", None)
    if targets is None:
        raise ValueError(
            f"balanced_batches needs the training labels, but the training dataset "
            f"({type(dataset).__name__}) has no y."
        )
    return np.asarray(targets)


class SkorchLoopMixin:
    """skorch hooks of :class:`~imblearn_deep.CNNClassifier`'s training loop (see the module
    docstring); goes before :class:`~skorch.NeuralNetClassifier` in the bases."""

    def notify(self, method_name, **cb_kwargs):
        """skorch's callback dispatch; it also reports the epochs to scikit-learn
        callbacks once skorch's own callbacks have run (so ``history_`` holds the
        epoch's scores)."""
        super().notify(method_name, **cb_kwargs)
        tasks = vars(self).get("_epoch_tasks")
        if tasks is None:
            return
        if method_name == "on_epoch_begin":
            tasks.on_epoch_begin(len(self.history))
        elif method_name == "on_epoch_end":
            # A callback's request to stop is not honoured: skorch stops only by an
            # exception, which partial_fit would report as an interruption.
            tasks.on_epoch_end(self.history[-1])
        elif method_name == "on_train_end":
            tasks.on_train_end()

    def get_params_for_optimizer(self, prefix, named_parameters):
        """skorch's optimiser arguments, with torch's fused kernel where it has one
        (:func:`~imblearn_deep._torch.devices.fused_options`); ``optimizer__fused=False`` or
        ``optimizer__foreach`` choose another implementation."""
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        args = (list(args[0]), *args[1:])
        return args, fused_options(getattr(self, prefix), args[0], kwargs)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's training loop; it notes a Ctrl-C for ``fit`` and ``partial_fit`` to
        re-raise once skorch has ended training.

        A ``KeyboardInterrupt`` that a skorch callback raises itself is skorch's signal
        to stop training (``EarlyStopping`` and the ``max_steps`` budget stop that way)
        and ends training quietly, as in skorch; one raised anywhere else (Ctrl-C) is
        re-raised.
        """
        if epochs is None and self.max_steps is not None:
            # An upper bound (every epoch takes at least one step): the step budget
            # ends training before an epoch that would exceed it.
            epochs = self.max_steps
        try:
            return super().fit_loop(X, y, epochs, **fit_params)
        except KeyboardInterrupt as interrupt:
            if not _raised_by_callback(interrupt):
                self._interrupt = interrupt
            raise

    def on_epoch_begin(self, net, **kwargs):
        """skorch's hook that opens the epoch's history row; with ``max_steps``, training
        ends here instead once the budget is spent, so the last epoch is complete in
        ``history_`` and every callback has seen its end."""
        budget = find_step_budget(self)
        if budget is not None:
            budget.stop_if_spent()
        super().on_epoch_begin(net, **kwargs)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch; a training epoch runs the batches the step budget leaves."""
        if training and iterator is not None:
            required_by = None if self.max_steps is None else f"max_steps={self.max_steps}"
            budget = find_step_budget(self, required_by=required_by)
            if budget is not None:
                iterator = budget.epoch_batches(self, iterator)
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    @property
    def n_steps_(self) -> int:
        """Optimizer steps (training mini-batches) since the network was initialized."""
        return self._history_total("n_steps")

    @property
    def n_images_seen_(self) -> int:
        """Training images the optimizer steps went through, repeats included."""
        return self._history_total("n_images_seen")

    def _history_total(self, key: str) -> int:
        # The StepBudget callback records the running totals after every epoch.
        history = vars(self).get("history_")
        if not history or key not in history[-1]:
            raise AttributeError(
                f"{key}_ is known after training with the default callbacks; this "
                f"{type(self).__name__} has no {key!r} in history_."
            )
        return int(history[-1][key])

    def infer(self, x, **fit_params):
        """The network's output for one batch, under ``precision_``'s autocast.

        4-D batches go in ``channels_last`` like the weights; the output is cast to
        float32 so the loss and the probabilities are computed in float32.
        """
        device = torch.device(self.device)
        if isinstance(x, torch.Tensor):
            x = to_device(x, device)
        with autocast(device, self.precision_):
            output = super().infer(x, **fit_params)
        return output.float() if isinstance(output, torch.Tensor) else output

    def train_step_single(self, batch, **fit_params):
        """Forward and backward pass of one batch, the loss scaled by ``grad_scaler_``."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        # A disabled scaler (every precision but float16) returns the loss unchanged.
        self.grad_scaler_.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        """One optimiser step; under float16 through the loss scaler.

        skorch passes the step as a closure to ``optimizer.step``, which a
        :class:`torch.amp.GradScaler` cannot take, so the float16 step is written out:
        gradients are unscaled before the ``on_grad_computed`` callbacks (clipping sees
        true values), and a step whose gradients overflowed is skipped.
        """
        if not self.grad_scaler_.is_enabled():
            return super().train_step(batch, **fit_params)
        self.optimizer_.zero_grad()
        step = self.train_step_single(batch, **fit_params)
        self.grad_scaler_.unscale_(self.optimizer_)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return step

    def get_dataset(self, X, y=None):
        """skorch's dataset; images scaled as they are read
        (:class:`~imblearn_deep._images.ScaledImages`) are read a batch at a time when
        ``dataset`` is skorch's own."""
        if (
            isinstance(X, ScaledImages)
            and self.dataset is Dataset
            and not self.get_params_for("dataset")
        ):
            return ScaledImagesDataset(X, y)
        return super().get_dataset(X, y)

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
        """Data loader; for training, a seeded shuffle without single-sample batches (or
        seeded balanced batches, with ``balanced_batches``); otherwise batches of
        ``predict_batch_size``."""
        if not training:
            kwargs = self.get_params_for("iterator_valid")
            own = self.batch_size if self.predict_batch_size is None else self.predict_batch_size
            batch_size = kwargs.pop("batch_size", own)
            batch_size = len(dataset) if batch_size == -1 else batch_size
            return self.iterator_valid(dataset, batch_size=batch_size, **kwargs)
        balanced = is_true(self.balanced_batches) or self.balanced_batches == "oversample"
        if self.iterator_train is not DataLoader:
            if balanced:
                raise ValueError(
                    f"balanced_batches={self.balanced_batches!r} needs the default "
                    f"iterator_train=DataLoader; got iterator_train={self.iterator_train!r}."
                )
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        if balanced:
            return self._balanced_loader(dataset, batch_size, kwargs)
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

    def _balanced_loader(self, dataset, batch_size: int, kwargs: dict) -> DataLoader:
        """The training loader of ``balanced_batches``, on ``dataset``'s label codes."""
        if kwargs.get("sampler") is not None:
            raise ValueError(
                "balanced_batches chooses the training samples itself; it cannot be "
                "combined with iterator_train__sampler."
            )
        # The balanced sampler shuffles and never yields a short batch.
        for name in ("shuffle", "drop_last", "generator", "sampler"):
            kwargs.pop(name, None)
        batches = BalancedBatchSampler(
            _dataset_targets(dataset),
            batch_size=batch_size,
            epoch_size="oversample" if self.balanced_batches == "oversample" else "dataset",
            # Drawn from torch's RNG, which _train seeds locally from random_state.
            random_state=int(torch.randint(2**31 - 1, ())),
        )
        return DataLoader(dataset, batch_sampler=batches, **kwargs)
