"""Training progress as tasks of scikit-learn's callback API (scikit-learn 1.9 and later).

scikit-learn 1.9 lets an estimator report its fit as a tree of tasks to the callbacks
set with ``set_callbacks`` (:class:`sklearn.callback.ProgressBar`, any
:class:`sklearn.callback.FitCallback`), and ``GridSearchCV`` passes its callbacks down to
the estimators it fits. The estimators of this package report:

* a sampler's ``fit_resample``: one task per training stage (``"autoencoder"``, then
  BAGAN-GP's ``"gan"``), each holding one ``"epoch"`` task per epoch, then a
  ``"generate"`` task;
* a classifier's ``fit`` and ``partial_fit``: one ``"epoch"`` task per epoch.

Older scikit-learn has no callback API: the estimators then have no ``set_callbacks``
and report nothing.
"""

from __future__ import annotations

from ._torch.loop import EpochCallback

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9: no callback API, so nothing to report to

    class CallbackSupportMixin:
        """Stands in for scikit-learn's mixin where it does not exist (no ``set_callbacks``)."""

    def with_callbacks(method):
        """Stands in for scikit-learn's decorator: there are no callbacks to tear down."""
        return method


__all__ = ["CallbackSupportMixin", "EpochTasks", "FitTask", "with_callbacks"]


class FitTask:
    """One task of a fit, reported to the estimator's scikit-learn callbacks.

    Wraps a ``sklearn.callback.CallbackContext`` together with the estimator and the
    training data that the callbacks' hooks receive, and begins the task on creation.
    Without a context (scikit-learn without the callback API) every call does nothing.

    Parameters
    ----------
    estimator : estimator
        The estimator whose fit this task is part of.
    context : sklearn.callback.CallbackContext or None
        The task's context.
    X, y : array-like, default=None
        The training data, as the caller passed it to ``fit``.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Estimator(CallbackSupportMixin, BaseEstimator):
    ...     pass
    >>> root = FitTask.root(Estimator(), "fit", n_subtasks=1)
    >>> root.subtask("step").end(), root.end(fitted=True)
    (False, False)
    """

    def __init__(self, estimator, context, X=None, y=None):
        self.estimator, self.context, self.X, self.y = estimator, context, X, y
        if context is not None:
            context.call_on_fit_task_begin(estimator=estimator, X=X, y=y)

    @classmethod
    def root(cls, estimator, name: str, n_subtasks: int | None, X=None, y=None) -> FitTask:
        """Begin the root task of ``estimator``'s fit, with ``n_subtasks`` children.

        When a meta-estimator (``GridSearchCV``) propagates its callbacks, scikit-learn
        merges this task into the meta-estimator's task for this fit.
        """
        init = getattr(estimator, "_init_callback_context", None)
        context = None if init is None else init(task_name=name, max_subtasks=n_subtasks)
        return cls(estimator, context, X, y)

    def subtask(self, name: str, n_subtasks: int | None = 0) -> FitTask:
        """Begin a child task with ``n_subtasks`` children of its own (0: a leaf)."""
        context = (
            None
            if self.context is None
            else self.context.subcontext(task_name=name, max_subtasks=n_subtasks)
        )
        return FitTask(self.estimator, context, self.X, self.y)

    def end(self, *, fitted: bool = False) -> bool:
        """End the task; return whether a callback asks to stop this level's iterations.

        ``fitted`` says that the estimator is usable as it stands, so that callbacks
        taking a ``fitted_estimator`` (such as ``ScoringMonitor``) get a copy of it.
        """
        if self.context is None:
            return False
        return self.context.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            # Called by scikit-learn only for callbacks that take a fitted_estimator.
            reconstruction_attributes=dict if fitted else None,
        )


class EpochTasks(EpochCallback):
    """Report each epoch of a training loop as a task under ``parent``.

    With ``stage``, the epochs go under a task of that name with ``n_epochs`` children,
    begun and ended with the training; without, directly under ``parent``. A callback
    that asks to stop (its ``on_fit_task_end`` returns true) ends training after the
    epoch, through the samplers' training loop.

    Parameters
    ----------
    parent : FitTask
        The task the epochs (or the stage) belong to.
    n_epochs : int or None
        Epochs planned (``None``: not known in advance).
    stage : str, default=None
        Name of the task grouping the epochs, if any.
    fitted_epochs : bool, default=False
        Whether the estimator is usable after each epoch (a classifier is; a sampler
        that still has to encode or generate is not).
    """

    def __init__(
        self,
        parent: FitTask,
        n_epochs: int | None,
        stage: str | None = None,
        *,
        fitted_epochs: bool = False,
    ):
        self.parent, self.n_epochs, self.stage = parent, n_epochs, stage
        self.fitted_epochs = fitted_epochs
        self._tasks: FitTask = parent
        self._epoch: FitTask | None = None

    def on_train_begin(self) -> None:
        if self.stage is not None:
            self._tasks = self.parent.subtask(self.stage, self.n_epochs)

    def on_epoch_begin(self, epoch: int) -> None:
        self._epoch = self._tasks.subtask("epoch")

    def on_epoch_end(self, record: dict) -> bool:
        epoch, self._epoch = self._epoch, None
        return epoch.end(fitted=self.fitted_epochs)

    def on_train_end(self) -> None:
        if self._epoch is not None:
            # Training left the epoch without ending it (skorch's early stopping).
            self._epoch.end()
            self._epoch = None
        if self.stage is not None:
            self._tasks.end()
