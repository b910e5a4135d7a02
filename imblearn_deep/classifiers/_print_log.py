"""What a classifier's fit prints: skorch's epoch table, coloured on a terminal only, and
at ``verbose=0`` one warning when the fit will take long."""

from __future__ import annotations

import math
import re
import sys

from skorch.callbacks import Callback, PrintLog

from .._schedules import find_step_budget
from .._torch.long_fit import announce_long_fit

__all__ = ["AnnounceLongFit", "TerminalPrintLog"]

# skorch's colour codes: ANSI "select graphic rendition" escapes.
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class TerminalPrintLog(PrintLog):
    """skorch's epoch table, with its colours (each column's best value highlighted) on
    a terminal only: in a file, or a log a sink collects, they are escape codes.

    skorch has no switch for them; the table is built as skorch builds it, then the
    codes are taken out, which keeps the columns aligned (``tabulate`` gives them no
    width).
    """

    def table(self, row) -> str:
        """The epoch's table, as :class:`skorch.callbacks.PrintLog` makes it, without
        colour codes unless it is printed to a terminal."""
        text = super().table(row)
        # print, the default sink, writes to whatever sys.stdout is at the time.
        isatty = getattr(sys.stdout, "isatty", None)
        if self.sink is print and isatty is not None and isatty():
            return text
        return _ANSI_COLOUR.sub("", text)


class AnnounceLongFit(Callback):
    """At ``verbose=0``, warn after a training call's second epoch when the call's
    planned steps (the net's :class:`~imblearn_deep._schedules.StepBudget`) will take
    more than a minute at the pace of the faster of its first two epochs (the first pays
    for a GPU's warm-up); with early stopping, as a bound
    (:func:`~imblearn_deep._torch.long_fit.announce_long_fit`)."""

    def on_train_begin(self, net, **kwargs) -> None:
        self._epochs_seen = 0

    def on_epoch_end(self, net, **kwargs) -> None:
        self._epochs_seen = getattr(self, "_epochs_seen", 0) + 1
        if self._epochs_seen != 2 or net.verbose:
            return
        budget = find_step_budget(net)
        if budget is None or not budget.total_steps_ or not budget.steps_:
            return
        steps_per_epoch = budget.steps_ / 2
        epochs_left = math.ceil((budget.total_steps_ - budget.steps_) / steps_per_epoch)
        pace = min(net.history[-1, "dur"], net.history[-2, "dur"])
        at_most = bool(getattr(net, "early_stopping", False))
        announce_long_fit(type(net).__name__, "training", pace, epochs_left, at_most=at_most)
