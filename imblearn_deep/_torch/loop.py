"""The deep samplers' training loop: epochs, mini-batches, the optimiser step, callbacks.

One epoch loop (:func:`run_epochs`), composed with small callbacks in skorch's spirit:
divergence detection, progress printing and best-state keeping are separate pieces a
sampler picks (:class:`EpochCallback`); scikit-learn's callbacks get the epochs through
:class:`~imblearn_deep._fit_tasks.EpochTasks`, one more such piece.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Sequence

import torch

from .._schedules import scale_learning_rates
from .devices import grad_scaler
from .long_fit import announce_long_fit


def minibatches(
    n_samples: int, batch_size: int, generator: torch.Generator, device: torch.device
) -> list[torch.Tensor]:
    """Shuffled index batches; a last batch of one sample joins the previous batch.

    BatchNorm cannot train on a single sample, and dropping it would silently ignore
    data, so the straggler is merged instead.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> [len(b) for b in minibatches(9, 4, g, torch.device("cpu"))]
    [4, 5]
    """
    order = torch.randperm(n_samples, generator=generator, device=device)
    batches = list(order.split(batch_size))
    if len(batches) > n_minibatches(n_samples, batch_size):
        batches[-2:] = [torch.cat(batches[-2:])]
    return batches


def n_minibatches(n_samples: int, batch_size: int) -> int:
    """How many batches :func:`minibatches` makes of ``n_samples``.

    Examples
    --------
    >>> n_minibatches(9, 4), n_minibatches(8, 4), n_minibatches(1, 4)
    (2, 2, 1)
    """
    n_batches = -(-n_samples // batch_size)
    if n_batches > 1 and n_samples % batch_size == 1:
        n_batches -= 1  # the straggler joins the previous batch
    return n_batches


def epoch_schedule(
    n_samples: int, batch_size: int, epochs: int, max_steps: int | None = None
) -> list[int]:
    """The optimizer steps of each training epoch: ``epochs`` full epochs, or, when
    ``max_steps`` is set, exactly ``max_steps`` steps whatever ``n_samples`` is (the last
    epoch partial, ``epochs`` ignored).

    A budget in steps means the same compute on a set of 300 images and of 60,000; a
    budget in epochs grows with the set.

    Examples
    --------
    >>> epoch_schedule(1000, 100, epochs=3)
    [10, 10, 10]
    >>> epoch_schedule(1000, 100, epochs=3, max_steps=25)
    [10, 10, 5]
    >>> epoch_schedule(50, 100, epochs=3, max_steps=4)
    [1, 1, 1, 1]
    """
    per_epoch = n_minibatches(n_samples, batch_size)
    if max_steps is None:
        return [per_epoch] * epochs
    full, rest = divmod(max_steps, per_epoch)
    return [per_epoch] * full + ([rest] if rest else [])


class OptimizerStep:
    """Backward pass and optimiser step, with loss scaling under ``"float16"`` and an
    optional learning-rate schedule.

    float16's narrow range lets small gradients underflow to zero, so a
    :class:`torch.amp.GradScaler` multiplies the loss before the backward pass and
    skips the steps whose gradients overflowed (halving its scale). float32 and
    bfloat16 need no scaling: then this is a plain ``backward()`` and ``step()``.
    With ``lr_factors``, step ``k`` (from 0) runs at the optimiser's initial rates times
    ``lr_factors(k)``.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 1)
    >>> step = OptimizerStep(torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"),
    ...                      "float16")
    >>> step(net(torch.ones(1, 2)).sum())
    >>> step.scaler.is_enabled()
    True
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        device: torch.device,
        precision: str,
        lr_factors: Callable[[int], float] | None = None,
    ):
        self.optimizer = optimizer
        self.scaler = grad_scaler(device, precision)
        self.lr_factors = lr_factors
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.steps = 0

    def __call__(self, loss: torch.Tensor) -> None:
        if self.lr_factors is not None:
            scale_learning_rates(self.optimizer, self.base_lrs, self.lr_factors(self.steps))
        self.steps += 1
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()


class LossMeter:
    """Sample-weighted running means of named losses, kept on the device."""

    def __init__(self):
        self.totals: dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, n_samples: int, **losses: torch.Tensor) -> None:
        """Accumulate the batch's mean losses, weighted by its size."""
        for name, value in losses.items():
            weighted = value.detach().float() * n_samples
            self.totals[name] = self.totals[name] + weighted if name in self.totals else weighted
        self.count += n_samples

    def means(self) -> dict[str, torch.Tensor]:
        """Mean of each loss over the samples seen."""
        return {name: total / self.count for name, total in self.totals.items()}


class TrainingDivergedError(FloatingPointError):
    """Raised when a training loss becomes NaN or infinite."""


#: The fields :func:`run_epochs` gives every history record beside the epoch's losses:
#: which epoch it is and what it cost, never a loss. Whoever reads the losses (the progress
#: line, the report's training figures) leaves these out.
BOOKKEEPING = ("stage", "epoch", "steps", "seconds")


def loss_names(record: dict) -> list[str]:
    """The losses of a history record of :func:`run_epochs`: every field but
    :data:`BOOKKEEPING`, in the record's order.

    Parameters
    ----------
    record : dict
        One epoch of a sampler's ``history_``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> loss_names({"stage": "gan", "epoch": 1, "steps": 6, "g_loss": 0.7, "seconds": 0.2})
    ['g_loss']
    """
    return [name for name in record if name not in BOOKKEEPING]


class EpochCallback:
    """Hook called by :func:`run_epochs`; subclasses override what they need."""

    def on_train_begin(self) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Called before each epoch, numbered from 1."""

    def on_epoch_end(self, record: dict) -> bool | None:
        """Called with the epoch's history record; return ``True`` to stop training
        after this epoch."""

    def on_train_end(self) -> None:
        """Called once after the last epoch."""


class StopOnNonFinite(EpochCallback):
    """Stop with a clear error when a loss stops being finite."""

    def __init__(self, owner: str):
        self.owner = owner

    def on_epoch_end(self, record: dict) -> None:
        for name, value in record.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise TrainingDivergedError(
                    f"{self.owner}: the {name!r} loss became {value} in epoch "
                    f"{record['epoch']} of the {record['stage']!r} stage. Training diverged; "
                    "lower learning_rate, or check the input for extreme values."
                )


class PrintProgress(EpochCallback):
    """Print one line per epoch (losses and duration) when ``verbose`` is set; without
    it, announce a stage that will take long after its second epoch
    (:func:`~imblearn_deep._torch.long_fit.announce_long_fit`): the faster of the first
    two epochs sets the pace, since the first also pays for ``torch.compile``'s tracing
    and a GPU's warm-up."""

    def __init__(self, owner: str, n_epochs: int, verbose: int, stream=None):
        self.owner, self.n_epochs, self.verbose = owner, n_epochs, verbose
        self.stream = stream
        self._first_seconds = None

    def on_epoch_end(self, record: dict) -> None:
        if not self.verbose:
            if record["epoch"] == 1:
                self._first_seconds = record["seconds"]
            elif record["epoch"] == 2:
                pace = min(self._first_seconds, record["seconds"])
                announce_long_fit(self.owner, record["stage"], pace, self.n_epochs - 2)
            return
        losses = "  ".join(f"{name}={record[name]:.4f}" for name in loss_names(record))
        print(
            f"[{self.owner}] {record['stage']} epoch {record['epoch']}/{self.n_epochs}  "
            f"steps={record['steps']}  {losses}  ({record['seconds']:.1f}s)",
            file=self.stream or sys.stdout,
            flush=True,
        )


class KeepBest(EpochCallback):
    """Keep the modules' weights from the epoch with the lowest ``monitor`` loss.

    DeepSMOTE's reference code checkpoints on the best epoch training loss and
    generates from that checkpoint; this does the same in memory.
    """

    def __init__(self, modules: Sequence[torch.nn.Module], monitor: str):
        self.modules, self.monitor = modules, monitor
        self.best_loss, self.best_epoch, self._states = math.inf, None, None

    def on_epoch_end(self, record: dict) -> None:
        if record[self.monitor] < self.best_loss:
            self.best_loss, self.best_epoch = record[self.monitor], record["epoch"]
            self._states = [copy.deepcopy(m.state_dict()) for m in self.modules]

    def on_train_end(self) -> None:
        if self._states is not None:
            for module, state in zip(self.modules, self._states, strict=True):
                module.load_state_dict(state)


def run_epochs(
    train_one_epoch: Callable[[int], dict[str, torch.Tensor]],
    schedule: Sequence[int],
    *,
    stage: str,
    history: list[dict],
    callbacks: Sequence[EpochCallback] = (),
) -> None:
    """Run one epoch per entry of ``schedule`` (:func:`epoch_schedule`), recording losses
    in ``history``.

    ``train_one_epoch(n_steps)`` trains on the first ``n_steps`` batches of a fresh
    shuffle and returns the epoch's mean losses as 0-d tensors, left on the device during
    the epoch so that no batch waits for a host copy. Each record holds the epoch's
    ``steps``. Training stops early after an epoch for which a callback's
    ``on_epoch_end`` returns ``True`` (every callback still sees that epoch).
    """
    for callback in callbacks:
        callback.on_train_begin()
    for epoch, n_steps in enumerate(schedule, 1):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        start = time.perf_counter()
        losses = train_one_epoch(n_steps)
        record = {"stage": stage, "epoch": epoch, "steps": n_steps}
        record.update({name: float(value) for name, value in losses.items()})
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        stops = [callback.on_epoch_end(record) for callback in callbacks]
        if any(stops):
            break
    for callback in callbacks:
        callback.on_train_end()
