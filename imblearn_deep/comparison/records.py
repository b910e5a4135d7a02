"""What a results record must be before any of it is trusted.

A results folder may come from someone else, so every record read from it is data to
check, never a command to follow: :func:`check_row` is the one schema check that
:class:`~imblearn_deep.comparison.ResultsStore` runs on every record it reads or writes.
It checks

* **types**: every known field has its type (a seed is an integer, a score a number in
  [0, 1], a confusion matrix a square table of counts…); the fields the report, the
  statistics and the figures read are present for the row's status;
* **identity**: the cell key is the one its ``dataset``, ``sampler``, ``classifier`` and
  ``seed`` make;
* **consistency**: the held-out scores, the per-class recall and the class counts are the
  ones the stored confusion matrix gives, so an edited score is caught;
* **confinement**: an artifact path is a plain file name inside ``artifacts/`` (no
  folders, no ``..``, nothing absolute); :func:`confined` checks where it resolves.

File names built from record fields go through :func:`safe_name`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ..metrics import SCORES

__all__ = ["check_row"]

#: The folder of a results folder that holds the image artifacts.
ARTIFACTS_DIR = "artifacts"

# A name longer than this is not a name but a payload.
_MAX_NAME = 200

# An artifact is ``artifacts/<one safe file name>.npz``: nothing else is ever followed.
_ARTIFACT = re.compile(r"artifacts/[A-Za-z0-9_][A-Za-z0-9_.-]*\.npz")

# Scores recorded as floats and recomputed from integer counts agree to rounding.
_TOLERANCE = 1e-6


def safe_name(text: str, *, unique_by: str | None = None) -> str:
    """``text`` as one file-name component: readable, safe everywhere, unique.

    The one sanitiser of every file name built from a record's fields. Every character
    other than letters, digits, ``_``, ``.`` and ``-`` becomes ``-``, a leading dot too
    (no hidden files, no ``..``); a name that had to change gets a short hash of the
    original (or of ``unique_by``), so that two names differing only in unsafe characters
    never share a file.

    Parameters
    ----------
    text : str
        The name to make safe.
    unique_by : str, default=None
        What the hash of a changed name is taken of (default: ``text``).

    Returns
    -------
    str

    Examples
    --------
    >>> safe_name("digits")
    'digits'
    >>> safe_name("/../../elsewhere/pwn")
    '-..-..-elsewhere-pwn-703ee547'
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:_MAX_NAME]
    safe = "-" + safe[1:] if safe.startswith(".") else safe
    if safe == text and safe:
        return safe
    return f"{safe}-{joblib.hash(text if unique_by is None else unique_by)[:8]}"


def confined(folder: str | Path, relative: str) -> Path | None:
    """Where the artifact ``relative`` of a results ``folder`` is, or None if it leaves it.

    ``relative`` must have the form a record may hold (``artifacts/<name>.npz``) and
    resolve to exactly that place: a symbolic link anywhere on the way (the artifacts
    folder or the file itself) makes it None, whether the file exists or not.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> confined(folder, "artifacts/a.npz") == Path(folder).resolve() / "artifacts" / "a.npz"
    True
    >>> confined(folder, "artifacts/../../a.npz") is None
    True
    """
    if not isinstance(relative, str) or not _ARTIFACT.fullmatch(relative):
        return None
    root = Path(folder).resolve()
    path = root / relative
    if path.parent.is_symlink() or path.is_symlink() or path.resolve() != path:
        return None
    return path


# -- field checks: each returns None when the value is fine, else what is wrong ----------


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _name(value) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if len(value) > _MAX_NAME or any(ord(c) < 32 for c in value):
        return f"must be at most {_MAX_NAME} printable characters"
    return None


def _text(value) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _count(value) -> str | None:
    return None if _int(value) and value >= 0 else "must be a non-negative integer"


def _optional_count(value) -> str | None:
    return None if value is None else _count(value)


def _seconds(value) -> str | None:
    return None if value is None or (_number(value) and value >= 0) else "must be seconds ≥ 0"


def _optional_number(value) -> str | None:
    return None if value is None or _number(value) else "must be a finite number or null"


def _score(value) -> str | None:
    if value is None or (_number(value) and 0 <= value <= 1):
        return None
    return "must be a number in [0, 1] or null"


def _label(value) -> bool:
    return _number(value) or (isinstance(value, str) and _name(value) is None)


def _classes(value) -> str | None:
    if not isinstance(value, list) or not value or not all(_label(c) for c in value):
        return "must be a non-empty list of class labels (numbers or strings)"
    if len({str(c) for c in value}) != len(value):
        return "must not repeat a class"
    return None


def _counts(value) -> str | None:
    if isinstance(value, dict) and all(_count(v) is None for v in value.values()):
        return None
    return "must map class labels to non-negative integers"


def _per_class(value) -> str | None:
    if isinstance(value, dict) and all(_score(v) is None for v in value.values()):
        return None
    return "must map class labels to numbers in [0, 1]"


def _matrix(value) -> str | None:
    rows = value if isinstance(value, list) else None
    if (
        not rows
        or not all(isinstance(r, list) and len(r) == len(rows) for r in rows)
        or not all(_count(v) is None for r in rows for v in r)
    ):
        return "must be a square table of non-negative integer counts"
    return None


def _rank(value) -> str | None:
    if value is None or (isinstance(value, list) and len(value) == 2 and all(map(_int, value))):
        return None
    return "must be two integers"


def _params(value) -> str | None:
    return None if isinstance(value, dict) else "must be an object of parameters"


def _history(value) -> str | None:
    if not isinstance(value, list):
        return "must be a list of epochs"
    for epoch in value:
        if not (
            isinstance(epoch, dict)
            and _name(epoch.get("stage")) is None
            and _number(epoch.get("epoch"))
            and all(_optional_number(v) is None for k, v in epoch.items() if k != "stage")
        ):
            return "must be a list of epochs (a stage name, an epoch number, numbers)"
    return None


def _status(value) -> str | None:
    return None if value in ("ok", "failed") else "must be 'ok' or 'failed'"


def _images(value) -> str | None:
    if isinstance(value, str) and _ARTIFACT.fullmatch(value):
        return None
    return f"must be a file name inside {ARTIFACTS_DIR}/ ending in .npz"


def _seed(value) -> str | None:
    return None if _int(value) else "must be an integer"


def _score_fields(prefix: str) -> dict[str, Callable[[Any], str | None]]:
    extra = "" if prefix == "test" else f"{prefix}_"
    return {
        **{f"{prefix}_{score.name}": _score for score in SCORES},
        f"{extra}recall": _per_class,
        f"{extra}confusion_matrix": _matrix,
        f"{prefix}_class_counts": _counts,
    }


# Every field whose type is known; a field not named here is kept as it is and never read.
_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "cell": _name,
    "status": _status,
    "dataset": _name,
    "preset": _name,
    "sampler": _name,
    "sampler_label": _name,
    "classifier": _name,
    "classifier_label": _name,
    "seed": _seed,
    "rank": _rank,
    "config": _text,
    "device": _text,
    "error": _text,
    "finished_at": _text,
    "cv_folds": _count,
    "classes": _classes,
    "train_class_counts": _counts,
    "best_params": _params,
    **{f"cv_{score.name}": _score for score in SCORES},
    f"cv_{SCORES[0].name}_std": _optional_number,
    **_score_fields("test"),
    **_score_fields("balanced_test"),
    **{
        name: _count
        for name in (
            "n_candidates",
            "sampler_settings",
            "sampler_fits",
            "expected_sampler_fits",
            "n_synthetic",
            "quality_samples",
        )
    },
    **{name: _optional_count for name in ("clf_steps", "clf_images_seen")},
    **{
        name: _seconds
        for name in (
            "seconds",
            "search_seconds",
            "refit_seconds",
            "predict_seconds",
            "sampler_seconds",
            "sampler_seconds_total",
            "generator_train_seconds",
            "generation_seconds",
            "quality_seconds",
        )
    },
    "history": _history,
    "images": _images,
    "label_fidelity": _score,
    "label_fidelity_per_class": _per_class,
    "frechet_mean": _optional_number,
}

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
        *_score_fields("test"),
        "sampler_fits",
        "expected_sampler_fits",
        "n_synthetic",
    ),
    "failed": ("error",),
}
# Fields that come together: a row with the first needs the others.
_TOGETHER = (
    tuple(_score_fields("balanced_test")),
    ("label_fidelity", "label_fidelity_per_class"),
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
        abs(stored[c] - r) > _TOLERANCE for c, r in zip(classes, recall, strict=True)
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
        if abs(row[f"{prefix}_{name}"] - value) > _TOLERANCE:
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
    required = [*_REQUIRED, *_REQUIRED_BY_STATUS.get(row.get("status"), ())]
    for group in _TOGETHER:
        if group[0] in row:
            required += group
    missing = [key for key in dict.fromkeys(required) if key not in row]
    if missing:
        return f"a row needs the fields {', '.join(missing)}"
    for key, check in _FIELDS.items():
        if key in row:
            problem = check(row[key])
            if problem:
                return f"{key} {problem}"
    # Values that come together: the report prints the second beside the first.
    for first, second in (
        (f"cv_{SCORES[0].name}", f"cv_{SCORES[0].name}_std"),
        ("clf_steps", "clf_images_seen"),
    ):
        if row.get(first) is not None and row.get(second) is None:
            return f"{second} must be a number when {first} is one"
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
