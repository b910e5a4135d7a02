"""What the report's tables, its figures and the paired statistics share: Markdown
tables, mean ± standard deviation, rows grouped by method, class names."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence

from ..datasets import DATASETS

__all__ = ["by_method", "class_names", "markdown_table", "mean_std"]


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


def markdown_text(text) -> str:
    """``text`` from a record as plain Markdown text: nothing in it formats, links, embeds
    or opens an HTML tag, and it stays on one line.

    ``|`` is left to :func:`markdown_table`, which escapes it in table cells.

    Examples
    --------
    >>> print(markdown_text('<img src="https://x">*SMOTE*'))
    &lt;img src=&quot;https://x&quot;&gt;\\*SMOTE\\*
    >>> print(markdown_text("DeepSMOTE (residual)"))
    DeepSMOTE (residual)
    """
    text = html.escape(" ".join(str(text).split()))
    return re.sub(r"([\\`*_\[\]!~])", r"\\\1", text)


def markdown_code(text) -> str:
    """``text`` from a record as one Markdown code span (shown as is, never formatted).

    Examples
    --------
    >>> markdown_code("lr=`1e-3`")
    "`lr='1e-3'`"
    """
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for a single value).

    Examples
    --------
    >>> mean, std = mean_std([0.5, 0.7])
    >>> round(mean, 3), round(std, 3)
    (0.6, 0.141)
    """
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def by_method(rows: Sequence[dict]) -> dict[tuple[str, str], list[dict]]:
    """Results rows by (sampler, classifier), in run order.

    Examples
    --------
    >>> rows = [{"sampler": "smote", "classifier": "mlp", "seed": s} for s in (0, 1)]
    >>> {key: len(group) for key, group in by_method(rows).items()}
    {('smote', 'mlp'): 2}
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["sampler"], row["classifier"]), []).append(row)
    return groups


def class_names(row: Mapping, classes: Sequence) -> list[str]:
    """How tables and figures name the classes of ``row``'s data: the names the run was
    given (the row's ``class_names``: a folder's class folders, say), else the registry's
    names for a built-in dataset (:data:`imblearn_deep.datasets.DATASETS`), else the
    labels themselves.

    Examples
    --------
    >>> class_names({"dataset": "fashion_mnist", "classes": [0, 9]}, [0, 9])
    ['T-shirt/top', 'Ankle boot']
    >>> class_names({"dataset": "custom", "classes": [0, 9]}, [9])
    ['9']
    >>> class_names({"dataset": "pets", "classes": [0, 1], "class_names": ["cat", "dog"]}, [1])
    ['dog']
    """
    given = row.get("class_names")
    if given:
        by_label = {str(c): name for c, name in zip(row["classes"], given, strict=True)}
        return [by_label.get(str(c), str(c)) for c in classes]
    info = DATASETS.get(row["dataset"])
    return info.names_of(list(classes)) if info else [str(c) for c in classes]
