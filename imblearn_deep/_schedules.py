"""Training budgets in optimizer steps, and learning-rate schedules over them.

Two skorch callbacks for :class:`~imblearn_deep.classifiers.CNNClassifier` (or any skorch
net that runs its training epochs through :meth:`StepBudget.epoch_batches`):

* :class:`StepBudget` counts the optimizer steps and images of a training call, plans
  how many steps it will take (``max_steps``, or ``max_epochs`` times the batches per
  epoch) and ends training after exactly ``max_steps`` steps, whatever the size of the
  training set, so that classifiers trained after different samplers get equal compute;
* :class:`LRSchedule` sets the learning rate before every step from :func:`lr_factor`,
  a warm-up followed by a decay that ends low (cosine, or one-cycle).

The samplers use :func:`lr_factors`, the same schedule as a function of the step.

The schedule is written here rather than as skorch's ``LRScheduler`` with a torch
scheduler, because such a scheduler is built in ``on_train_begin`` and needs the step
count then, before skorch has built the training loader that tells the batches per
epoch; skorch also resumes per-batch schedulers from the epoch count, not the step count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from itertools import islice

from skorch.callbacks import Callback

#: Valid ``policy`` values of :func:`lr_factor` and :class:`LRSchedule`.
LR_SCHEDULES = ("cosine", "onecycle")

# One-cycle's learning rates relative to the peak, as in torch's OneCycleLR defaults
# (div_factor=25, final_div_factor=1e4).
_ONECYCLE_START = 1 / 25
_ONECYCLE_END = _ONECYCLE_START / 1e4


def warmup_steps(total_steps: int, warmup: float) -> int:
    """Steps of warm-up: ``warmup`` of ``total_steps``, rounded, leaving one step of decay.

    Examples
    --------
    >>> warmup_steps(100, 0.1), warmup_steps(3, 0.9), warmup_steps(100, 0.0)
    (10, 2, 0)
    """
    return min(round(warmup * total_steps), total_steps - 1)


def _anneal(start: float, end: float, progress: float) -> float:
    """Half a cosine from ``start`` (progress 0) to ``end`` (progress 1)."""
    return end + (start - end) * 0.5 * (1 + math.cos(math.pi * progress))


def lr_factor(policy: str, step: int, total_steps: int, warmup: float = 0.1) -> float:
    """The learning rate of optimizer step ``step`` (from 0), relative to the peak.

    The first ``W = round(warmup * total_steps)`` steps warm up to the peak, reached at
    step ``W - 1`` (at step 0 without warm-up); the steps after it decay:

    * ``"cosine"``: linear warm-up (``(step + 1) / W``), then half a cosine towards 0,
      which the step after the last would reach: the last step runs at about
      ``(π / 2n)²`` of the peak, ``n`` the steps from the peak on, never at 0;
    * ``"onecycle"``: Smith's one-cycle, as torch's
      ``OneCycleLR(total_steps=total_steps, pct_start=W / total_steps,
      anneal_strategy="cos")``: half a cosine from 1/25 of the peak up to the peak,
      then half a cosine down to 1/250,000 of the peak at the last step.

    Parameters
    ----------
    policy : {"cosine", "onecycle"}
        The schedule.
    step : int
        The step, ``0 <= step < total_steps``.
    total_steps : int
        Steps of the whole schedule.
    warmup : float, default=0.1
        Share of the steps spent warming up, in ``[0, 1)``.

    Returns
    -------
    float
        The factor applied to the base learning rate.

    Examples
    --------
    >>> [round(lr_factor("cosine", s, 10, warmup=0.2), 3) for s in range(10)]
    [0.5, 1.0, 0.97, 0.883, 0.75, 0.587, 0.413, 0.25, 0.117, 0.03]
    >>> [round(lr_factor("onecycle", s, 10, warmup=0.3), 3) for s in (0, 2, 9)]
    [0.04, 1.0, 0.0]
    """
    if policy not in LR_SCHEDULES:
        raise ValueError(f"Unknown lr schedule {policy!r}; choose one of {list(LR_SCHEDULES)}.")
    if not 0 <= step < total_steps:
        raise ValueError(f"step must be in [0, total_steps={total_steps}); got {step}.")
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup must be a share of the steps in [0, 1); got {warmup}.")
    n_warmup = warmup_steps(total_steps, warmup)
    peak = max(n_warmup - 1, 0)
    if policy == "cosine":
        if step < peak:
            return (step + 1) / n_warmup
        return _anneal(1.0, 0.0, (step - peak) / (total_steps - peak))
    if step < peak:
        return _anneal(_ONECYCLE_START, 1.0, step / peak)
    # warmup_steps leaves at least one step after the peak.
    return _anneal(1.0, _ONECYCLE_END, (step - peak) / (total_steps - 1 - peak))


def scale_learning_rates(optimizer, base_lrs: list[float], factor: float) -> None:
    """Set each parameter group's rate of ``optimizer`` to its base rate times ``factor``.

    Examples
    --------
    >>> import torch
    >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.5)
    >>> scale_learning_rates(optimizer, [0.5], 0.1)
    >>> optimizer.param_groups[0]["lr"]
    0.05
    """
    for group, base_lr in zip(optimizer.param_groups, base_lrs, strict=True):
        group["lr"] = base_lr * factor


def lr_factors(
    policy: str | None, total_steps: int, warmup: float = 0.1
) -> Callable[[int], float] | None:
    """:func:`lr_factor` of ``policy`` over ``total_steps`` as a function of the step, or
    ``None`` for a constant rate (``policy=None``).

    Examples
    --------
    >>> factors = lr_factors("cosine", 10, warmup=0.2)
    >>> round(factors(0), 3), round(factors(9), 3), lr_factors(None, 10) is None
    (0.5, 0.03, True)
    """
    if policy is None:
        return None
    return partial(lr_factor, policy, total_steps=total_steps, warmup=warmup)


class StepBudget(Callback):
    """Count, plan and cap the optimizer steps of each training call.

    Each call of ``fit``/``partial_fit`` counts its own steps (training batches) from 0.
    The net passes every training epoch's batches through :meth:`epoch_batches`, which
    plans the call's step count on the first epoch and, with ``max_steps``, cuts the
    epoch that reaches the budget short; the net calls :meth:`stop_if_spent` before it
    opens a new epoch. Each epoch's history row gets the cumulative ``n_steps`` and
    ``n_images_seen`` since the net was initialized (over ``partial_fit`` calls).

    Parameters
    ----------
    max_steps : int or None, default=None
        Steps of each training call. ``None`` runs the net's ``max_epochs`` epochs.

    Attributes
    ----------
    steps_ : int
        Steps done in the current (or last) training call.
    images_ : int
        Training images seen in the current (or last) training call.
    total_steps_ : int or None
        Steps planned for the call: ``max_steps``, or ``max_epochs`` times the batches
        per epoch (``None`` before the first epoch, or when the training loader has no
        length).
    steps_before_, images_before_ : int
        The totals in the net's history when the call began (earlier calls).

    Examples
    --------
    >>> budget = StepBudget(max_steps=5)
    >>> budget.max_steps
    5
    """

    def __init__(self, max_steps: int | None = None):
        self.max_steps = max_steps

    def initialize(self) -> StepBudget:
        self.steps_ = 0
        self.images_ = 0
        self.total_steps_ = None
        self.steps_before_ = 0
        self.images_before_ = 0
        return self

    def on_train_begin(self, net, **kwargs) -> None:
        self.initialize()
        last = net.history[-1] if len(net.history) else {}
        self.steps_before_ = last.get("n_steps", 0)
        self.images_before_ = last.get("n_images_seen", 0)

    def epoch_batches(self, net, batches):
        """The batches of a training epoch to run: all of them, or the budget's rest."""
        if self.total_steps_ is None:
            self.total_steps_ = self._plan(net, batches)
        if self.max_steps is None:
            return batches
        return islice(batches, self.max_steps - self.steps_)

    def _plan(self, net, batches) -> int | None:
        if self.max_steps is not None:
            return self.max_steps
        try:
            per_epoch = len(batches)
        except TypeError:  # an iterable loader: the step count is unknown
            return None
        return net.max_epochs * per_epoch

    def planned_steps(self) -> int:
        """``total_steps_``, or a ValueError when the training loader gives no count."""
        if self.total_steps_ is None:
            raise ValueError(
                "The number of training steps is unknown: the training loader has no "
                "len() (or training has not started). Set max_steps."
            )
        return self.total_steps_

    def step_at(self, fraction: float) -> int:
        """The step at which ``fraction`` of the planned steps are done (rounded)."""
        return round(fraction * self.planned_steps())

    def stop_if_spent(self) -> None:
        """End training (skorch's signal: ``KeyboardInterrupt`` from a callback) once
        ``max_steps`` steps are done."""
        if self.max_steps is not None and self.steps_ >= self.max_steps:
            raise KeyboardInterrupt

    def on_batch_end(self, net, training=None, **kwargs) -> None:
        if training:
            self.steps_ += 1
            self.images_ += net.history[-1, "batches", -1, "train_batch_size"]

    def on_epoch_end(self, net, **kwargs) -> None:
        net.history.record("n_steps", self.steps_before_ + self.steps_)
        net.history.record("n_images_seen", self.images_before_ + self.images_)


def find_step_budget(net, required_by: str | None = None) -> StepBudget | None:
    """The :class:`StepBudget` among ``net``'s initialized callbacks.

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialized net.
    required_by : str, default=None
        What needs the budget, for the error message; ``None`` returns ``None`` instead
        of raising when the net has no budget.

    Returns
    -------
    StepBudget or None

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> net = SimpleNamespace(callbacks_=[("step_budget", StepBudget(max_steps=3))])
    >>> find_step_budget(net).max_steps
    3
    >>> find_step_budget(SimpleNamespace(callbacks_=[]), required_by="max_steps")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: max_steps follows the step budget, but the net has no StepBudget callback ...
    """
    for _, callback in getattr(net, "callbacks_", ()):
        if isinstance(callback, StepBudget):
            return callback
    if required_by is None:
        return None
    raise ValueError(
        f"{required_by} follows the step budget, but the net has no StepBudget callback "
        "(callbacks='disable' removes it)."
    )


class LRSchedule(Callback):
    """Set the learning rate of every step from :func:`lr_factor` over the step budget.

    Before each training step the rate of each parameter group becomes its rate at the
    start of the training call times ``lr_factor(policy, step, total_steps, warmup)``,
    with the step and the planned total of the net's :class:`StepBudget`; the rate is
    recorded in the batch's history row as ``lr``. Each training call runs the whole
    schedule, and the base rates are restored when it ends.

    Parameters
    ----------
    policy : {"cosine", "onecycle"}, default="cosine"
        The schedule.
    warmup : float, default=0.1
        Share of the steps spent warming up.

    Attributes
    ----------
    base_lrs_ : list of float
        The rates of the parameter groups when the training call began.

    Examples
    --------
    >>> LRSchedule("onecycle", warmup=0.3).policy
    'onecycle'
    """

    def __init__(self, policy: str = "cosine", warmup: float = 0.1):
        self.policy = policy
        self.warmup = warmup

    def on_train_begin(self, net, **kwargs) -> None:
        self.budget_ = find_step_budget(net, required_by=f"lr_schedule={self.policy!r}")
        self.base_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]

    def on_batch_begin(self, net, training=None, **kwargs) -> None:
        if not training:
            return
        factor = lr_factor(
            self.policy, self.budget_.steps_, self.budget_.planned_steps(), self.warmup
        )
        scale_learning_rates(net.optimizer_, self.base_lrs_, factor)
        net.history.record_batch("lr", net.optimizer_.param_groups[0]["lr"])

    def on_train_end(self, net, **kwargs) -> None:
        scale_learning_rates(net.optimizer_, self.base_lrs_, 1.0)
