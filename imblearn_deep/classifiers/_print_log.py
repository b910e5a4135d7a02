"""The classifiers' epoch table: skorch's, coloured on a terminal only."""

from __future__ import annotations

import re
import sys

from skorch.callbacks import PrintLog

__all__ = ["TerminalPrintLog"]

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
