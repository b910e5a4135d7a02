"""The row of a comparison's results: its fields and their types, the order of the
tables' columns, how a row is built, and the one check a row passes before it is trusted.

:class:`Row` is the definition: every field a producer may set, with its type and the
check its value passes (``Annotated[type, check]``); :func:`check_row` runs those checks,
the fields each status needs, the cell key's agreement with its fields, and the held-out
scores' agreement with the stored confusion matrix (an edited score is caught). Every
record the results folder reads or writes goes through it: a folder may come from someone
else, so a record is data to check, never a command to follow.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TypedDict, get_type_hints

import numpy as np
from sklearn.metrics import confusion_matrix, recall_score

from ..metrics import SCORES
from . import _field_checks as check

__all__ = ["Row", "check_row"]

# Scores recorded as floats and recomputed from integer counts agree to rounding.
_TOLERANCE = 1e-6
# A row nests a few levels (history: a list of epochs of numbers); a deeper value is no
# field of ours, and would exhaust the recursion of whatever walks the row.
_MAX_DEPTH = 16


def _depth(value) -> int:
    """How deep lists and objects nest in ``value`` (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if level <= _MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


Name = Annotated[str, check.name]
Count = Annotated[int, check.count]
Seconds = Annotated[float | None, check.seconds]
Score = Annotated[float | None, check.score]
PerClass = Annotated[dict[str, float], check.per_class]
Counts = Annotated[dict[str, int], check.counts]
Matrix = Annotated[list[list[int]], check.matrix]


class Row(TypedDict, total=False):
    """One cell of a comparison: what ran, how it was chosen, how it scored, its cost.

    The keys of ``results.json``, ``cells/*.json`` and the columns of ``results.csv``;
    each is annotated with the check its value passes (:func:`check_row`). A finished
    cell (``status == "ok"``) has the scores; a failed one its ``error``. The scores come
    from :data:`~imblearn_deep.metrics.SCORES` (``cv_*``, ``test_*`` and, with a
    class-balanced test set, ``balanced_test_*``).
    """

    # -- what ran
    cell: Name  # "<dataset>|<sampler>|<classifier>|seed=<seed>"
    status: Annotated[str, check.status]  # "ok" or "failed"
    error: Annotated[str, check.text]  # the exception of a failed cell
    dataset: Name  # a label; a built-in dataset's name also gives titles, class names
    preset: Name
    sampler: Name
    sampler_label: Name
    classifier: Name
    classifier_label: Name
    seed: Annotated[int, check.seed]
    rank: Annotated[list[int] | None, check.rank]  # (sampler, classifier) report order
    config: Annotated[str, check.text]  # the fingerprint a resume compares
    device: Annotated[str, check.text]
    finished_at: Annotated[str, check.text]  # ISO 8601, UTC
    provenance: Annotated[dict[str, Any], check.provenance]  # code, versions, CPU, threads
    # -- the data
    classes: Annotated[list[int | float | str], check.classes]
    class_names: Annotated[list[str], check.class_names]  # of ``classes``, in their order
    data_source: Annotated[str, check.text]  # where the images came from, how they were split
    train_class_counts: Counts
    test_class_counts: Counts
    balanced_test_class_counts: Counts
    # -- the search
    cv_folds: Count  # 0: a one-setting grid, fitted once (no cv_* scores)
    best_params: Annotated[dict[str, Any], check.params]
    n_candidates: Count
    cv_f1_macro: Score
    cv_f1_macro_std: Annotated[float | None, check.optional_number]
    cv_balanced_accuracy: Score
    cv_g_mean: Score
    cv_accuracy: Score
    # -- held-out scores, per-class recall and confusion matrices (rows: truth)
    test_f1_macro: Score
    test_balanced_accuracy: Score
    test_g_mean: Score
    test_accuracy: Score
    recall: PerClass
    confusion_matrix: Matrix
    balanced_test_f1_macro: Score
    balanced_test_balanced_accuracy: Score
    balanced_test_g_mean: Score
    balanced_test_accuracy: Score
    balanced_test_recall: PerClass
    balanced_test_confusion_matrix: Matrix
    # -- the sampler and the classifier that were refitted
    sampler_settings: Count
    sampler_fits: Count  # counted by the pipeline cache
    expected_sampler_fits: Count
    n_synthetic: Count
    history: Annotated[list[dict[str, Any]], check.history]  # the generator's epochs
    images: Annotated[str, check.images]  # artifacts/<cell>.npz: real and synthetic images
    acceptance_rate: PerClass  # a filtering sampler's verdict per class
    n_completed: Counts
    clf_steps: Annotated[int | None, check.optional_count]
    clf_images_seen: Annotated[int | None, check.optional_count]
    # -- quality of the synthetic images (judged by a classifier of the real ones)
    label_fidelity: Score
    label_fidelity_per_class: PerClass
    frechet_mean: Annotated[float | None, check.optional_number]
    frechet_per_class: Annotated[dict[str, float | None], check.optional_per_class_number]
    # within-class spread ratios (metrics.class_spread_ratios, pixels): median, per class
    diversity: Annotated[float | None, check.ratio]
    diversity_per_class: Annotated[dict[str, float | None], check.per_class_ratio]
    quality_samples: Count
    # -- seconds
    seconds: Seconds
    search_seconds: Seconds
    refit_seconds: Seconds
    predict_seconds: Seconds
    sampler_seconds: Seconds
    sampler_seconds_total: Seconds
    generator_train_seconds: Seconds
    generation_seconds: Seconds
    quality_seconds: Seconds


def _field_checks() -> dict[str, Callable[[Any], str | None]]:
    hints = get_type_hints(Row, globalns=vars(sys.modules[__name__]), include_extras=True)
    return {name: hint.__metadata__[0] for name, hint in hints.items()}


#: The check of every field :class:`Row` declares; a field it does not declare is kept as
#: it is and never read.
FIELD_CHECKS: dict[str, Callable[[Any], str | None]] = _field_checks()

IDENTITY_COLUMNS = ("dataset", "preset", "sampler", "classifier", "seed", "status")

#: Prefix of the scores on the class-balanced test set
#: (:func:`~imblearn_deep.datasets.load_balanced_test`), beside the ``test_*`` ones.
BALANCED_TEST = "balanced_test"

#: Columns that lead ``results.csv``, in this order; the rest follow as they come.
CSV_FIRST: tuple[str, ...] = (
    *IDENTITY_COLUMNS,
    f"cv_{SCORES[0].name}",
    f"cv_{SCORES[0].name}_std",
    *(f"cv_{score.name}" for score in SCORES[1:]),
    *(f"test_{score.name}" for score in SCORES),
    *(f"{BALANCED_TEST}_{score.name}" for score in SCORES),
    "clf_steps",
    "clf_images_seen",
)

#: Nested fields that results.csv leaves out (results.json keeps them).
CSV_LEFT_OUT = (
    "history",
    "confusion_matrix",
    "recall",
    f"{BALANCED_TEST}_confusion_matrix",
    f"{BALANCED_TEST}_recall",
    "classes",
    "class_names",
    "test_class_counts",
    "balanced_test_class_counts",
    "label_fidelity_per_class",
    "frechet_per_class",
    "diversity_per_class",
    "rank",
)


def score_columns(prefix: str) -> list[str]:
    """The columns of every score with ``prefix`` (``"cv"`` or ``"test"``).

    Examples
    --------
    >>> score_columns("test")
    ['test_f1_macro', 'test_balanced_accuracy', 'test_g_mean', 'test_accuracy']
    """
    return [f"{prefix}_{score.name}" for score in SCORES]


def report_columns(prefix: str = "test") -> list[tuple[str, str]]:
    """(column, label) of a report's score table: every held-out score with ``prefix``,
    then (for ``"test"``) CV macro-F1.

    Examples
    --------
    >>> report_columns()[0], report_columns()[-1]
    (('test_f1_macro', 'Test macro-F1'), ('cv_f1_macro', 'CV macro-F1'))
    >>> report_columns(BALANCED_TEST)[0]
    ('balanced_test_f1_macro', 'Balanced-test macro-F1')
    """
    if prefix == "test":
        columns = [(f"test_{score.name}", f"Test {score.label}") for score in SCORES]
        return [*columns, (f"cv_{SCORES[0].name}", f"CV {SCORES[0].label}")]
    if prefix == BALANCED_TEST:
        return [(f"{prefix}_{score.name}", f"Balanced-test {score.label}") for score in SCORES]
    raise ValueError(f"prefix must be 'test' or {BALANCED_TEST!r}; got {prefix!r}.")


def heldout_scores(y_true, y_pred, classes, prefix: str = "test") -> dict:
    """Every score's ``<prefix>_*`` column, per-class recall and the confusion matrix.

    The same functions as the cross-validation columns (:data:`~imblearn_deep.metrics.SCORES`).
    With the default prefix the recall and the confusion matrix are ``recall`` and
    ``confusion_matrix``; with another (:data:`BALANCED_TEST`) they are
    ``<prefix>_recall`` and ``<prefix>_confusion_matrix``.

    Examples
    --------
    >>> row = heldout_scores([0, 0, 1, 1], [0, 0, 1, 0], classes=[0, 1])
    >>> round(row["test_f1_macro"], 3), row["recall"], row["confusion_matrix"]
    (0.733, {'0': 1.0, '1': 0.5}, [[2, 0], [1, 1]])
    >>> sorted(heldout_scores([0, 1], [0, 1], [0, 1], prefix=BALANCED_TEST))[:2]
    ['balanced_test_accuracy', 'balanced_test_balanced_accuracy']
    """
    y_true, y_pred, classes = np.asarray(y_true), np.asarray(y_pred), np.asarray(classes)
    row = {f"{prefix}_{score.name}": float(score.function(y_true, y_pred)) for score in SCORES}
    recalls = recall_score(y_true, y_pred, labels=classes, average=None, zero_division=0)
    extra = "" if prefix == "test" else f"{prefix}_"
    row[f"{extra}recall"] = {
        str(c): float(r) for c, r in zip(classes.tolist(), recalls, strict=True)
    }
    row[f"{extra}confusion_matrix"] = confusion_matrix(y_true, y_pred, labels=classes).tolist()
    return row


def _heldout_fields(prefix: str) -> tuple[str, ...]:
    """The fields of the held-out set ``prefix``: scores, recall, matrix, class counts."""
    extra = "" if prefix == "test" else f"{prefix}_"
    return (
        *(f"{prefix}_{score.name}" for score in SCORES),
        f"{extra}recall",
        f"{extra}confusion_matrix",
        f"{prefix}_class_counts",
    )


# What every row needs, and what a finished (``ok``) or failed one needs besides: the
# fields the report, the statistics and the figures read without a default.
_REQUIRED = (
    "cell",
    "status",
    "dataset",
    "preset",
    "sampler",
    "sampler_label",
    "classifier",
    "classifier_label",
    "seed",
    "cv_folds",
    "classes",
    "train_class_counts",
    "test_class_counts",
)
_REQUIRED_BY_STATUS = {
    "ok": (
        "best_params",
        *(f"cv_{score.name}" for score in SCORES),
        f"cv_{SCORES[0].name}_std",
        *_heldout_fields("test"),
        "sampler_fits",
        "expected_sampler_fits",
        "n_synthetic",
    ),
    "failed": ("error",),
}
# Fields that come together: a row with the first needs the others.
_TOGETHER = (
    _heldout_fields(BALANCED_TEST),
    ("label_fidelity", "label_fidelity_per_class"),
    ("diversity", "diversity_per_class"),
    ("clf_steps", "clf_images_seen"),
)


def _consistent(row: dict, prefix: str) -> str | None:
    """Why the ``prefix`` scores of ``row`` contradict its confusion matrix, or None."""
    extra = "" if prefix == "test" else f"{prefix}_"
    matrix = np.asarray(row[f"{extra}confusion_matrix"], dtype=np.int64)
    classes = [str(c) for c in row["classes"]]
    if matrix.shape != (len(classes), len(classes)):
        return f"{extra}confusion_matrix is not {len(classes)} × {len(classes)} (the classes)"
    support, predicted, hits = matrix.sum(axis=1), matrix.sum(axis=0), np.diag(matrix)
    counts = row[f"{prefix}_class_counts"]
    if {k: v for k, v in counts.items() if v} != {
        c: int(n) for c, n in zip(classes, support, strict=True) if n
    }:
        return f"{prefix}_class_counts disagree with the confusion matrix"
    if support.sum() == 0:
        return f"{extra}confusion_matrix counts no image"
    present = support > 0
    recall = np.divide(hits, support, out=np.zeros(len(classes)), where=present)
    stored = row[f"{extra}recall"]
    if set(stored) != set(classes) or any(
        stored[c] is None or abs(stored[c] - r) > _TOLERANCE
        for c, r in zip(classes, recall, strict=True)
    ):
        return f"{extra}recall disagrees with the confusion matrix"
    # The scores of metrics.SCORES, from counts: macro-F1 over the classes seen in truth or
    # prediction, balanced accuracy and G-mean over the classes in truth.
    seen = present | (predicted > 0)
    expected = {
        "f1_macro": float(np.mean(2 * hits[seen] / (support[seen] + predicted[seen]))),
        "balanced_accuracy": float(np.mean(recall[present])),
        "g_mean": float(np.prod(recall[present]) ** (1 / present.sum())),
        "accuracy": float(hits.sum() / support.sum()),
    }
    for name, value in expected.items():
        stored = row[f"{prefix}_{name}"]
        if stored is None or abs(stored - value) > _TOLERANCE:
            return (
                f"{prefix}_{name} is {row[f'{prefix}_{name}']!r} but its confusion matrix "
                f"gives {value:.6f}"
            )
    return None


def check_row(row: Any) -> str | None:
    """Why ``row`` is not a results row one may trust, or None when it is one.

    Parameters
    ----------
    row : object
        A record as parsed from JSON.

    Returns
    -------
    str or None
        The first problem found, naming the field.

    Examples
    --------
    >>> row = {"cell": "digits|none|mlp|seed=0", "status": "failed", "error": "…",
    ...        "dataset": "digits", "preset": "fast", "sampler": "none",
    ...        "sampler_label": "none", "classifier": "mlp", "classifier_label": "MLP",
    ...        "seed": 0, "cv_folds": 0, "classes": [0, 1],
    ...        "train_class_counts": {"0": 3, "1": 1}, "test_class_counts": {"0": 1, "1": 1}}
    >>> check_row(row) is None
    True
    >>> check_row({**row, "seed": "zero"})
    'seed must be an integer'
    >>> check_row({"cell": "digits|none|mlp|seed=0"})[:35]
    'a row needs the fields status, data'
    """
    if not isinstance(row, dict):
        return f"expected a JSON object (a row), got {type(row).__name__}"
    if _depth(row) > _MAX_DEPTH:
        return f"values nested more than {_MAX_DEPTH} deep"
    status = row.get("status")
    required = [*_REQUIRED, *_REQUIRED_BY_STATUS.get(status if isinstance(status, str) else "", ())]
    for group in _TOGETHER:
        if group[0] in row:
            required += group
    missing = [key for key in dict.fromkeys(required) if key not in row]
    if missing:
        return f"a row needs the fields {', '.join(missing)}"
    for key, field_check in FIELD_CHECKS.items():
        if key in row:
            problem = field_check(row[key])
            if problem:
                return f"{key} {problem}"
    # Values that come together: the report prints the second beside the first.
    for first, second in (
        (f"cv_{SCORES[0].name}", f"cv_{SCORES[0].name}_std"),
        ("clf_steps", "clf_images_seen"),
    ):
        if row.get(first) is not None and row.get(second) is None:
            return f"{second} must be a number when {first} is one"
    if "class_names" in row and len(row["class_names"]) != len(row["classes"]):
        return "class_names must name each of the classes, in their order"
    key = f"{row['dataset']}|{row['sampler']}|{row['classifier']}|seed={row['seed']}"
    if row["cell"] != key:
        return f"cell {row['cell']!r} is not the cell of its fields ({key!r})"
    if row["status"] == "ok":
        for prefix in ("test", "balanced_test"):
            if f"{prefix}_class_counts" in row and f"{prefix}_{SCORES[0].name}" in row:
                problem = _consistent(row, prefix)
                if problem:
                    return problem
    return None
