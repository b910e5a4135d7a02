"""Markdown tables, as the report and the paired statistics write them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["markdown_table"]


def markdown_table(header: Sequence[str], body: Sequence[Sequence]) -> str:
    """A Markdown table: a header row, the separator, one line per row of ``body``.

    A ``|`` inside a cell (an error message, say) would end the cell: it is escaped.

    Examples
    --------
    >>> print(markdown_table(["Method", "Score"], [["SMOTE", 0.9], ["a|b", 1]]))
    | Method | Score |
    |---|---|
    | SMOTE | 0.9 |
    | a\\|b | 1 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in body]
    return "\n".join(lines)
