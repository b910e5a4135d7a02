"""The checks of single fields of a results row, each ``check(value) -> str | None``:
None when the value is fine, else what is wrong with it. The row's definition
(:class:`~imblearn_deep.comparison.Row`) names the check of each of its fields."""

from __future__ import annotations

import math

from ._confine import ARTIFACT, ARTIFACTS_DIR, MAX_NAME


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def name(value) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if len(value) > MAX_NAME or any(ord(c) < 32 for c in value):
        return f"must be at most {MAX_NAME} printable characters"
    return None


def text(value) -> str | None:
    return None if isinstance(value, str) else "must be a string"


# Counts are of images and steps: anything near 2**53 is no count of ours, and would
# overflow the integer arithmetic the row's checks do on them.
MAX_COUNT = 2**53


def count(value) -> str | None:
    if is_int(value) and 0 <= value < MAX_COUNT:
        return None
    return "must be a non-negative integer below 2**53"


def optional_count(value) -> str | None:
    return None if value is None else count(value)


def seconds(value) -> str | None:
    return None if value is None or (is_number(value) and value >= 0) else "must be seconds ≥ 0"


def optional_number(value) -> str | None:
    return None if value is None or is_number(value) else "must be a finite number or null"


def score(value) -> str | None:
    if value is None or (is_number(value) and 0 <= value <= 1):
        return None
    return "must be a number in [0, 1] or null"


def is_label(value) -> bool:
    return is_number(value) or (isinstance(value, str) and name(value) is None)


def classes(value) -> str | None:
    if not isinstance(value, list) or not value or not all(is_label(c) for c in value):
        return "must be a non-empty list of class labels (numbers or strings)"
    if len({str(c) for c in value}) != len(value):
        return "must not repeat a class"
    return None


def class_names(value) -> str | None:
    if not isinstance(value, list) or not all(name(c) is None for c in value):
        return "must be a list of class names (non-empty printable strings)"
    if len(set(value)) != len(value):
        return "must not repeat a name"
    return None


def counts(value) -> str | None:
    if isinstance(value, dict) and all(count(v) is None for v in value.values()):
        return None
    return "must map class labels to non-negative integers"


def per_class(value) -> str | None:
    if isinstance(value, dict) and all(score(v) is None for v in value.values()):
        return None
    return "must map class labels to numbers in [0, 1]"


def ratio(value) -> str | None:
    # A spread ratio: 0 for copies of one image, above 1 for more variety than the data.
    if value is None or (is_number(value) and value >= 0):
        return None
    return "must be a number ≥ 0 or null"


def per_class_ratio(value) -> str | None:
    if isinstance(value, dict) and all(ratio(v) is None for v in value.values()):
        return None
    return "must map class labels to numbers ≥ 0 or null"


def matrix(value) -> str | None:
    rows = value if isinstance(value, list) else None
    if (
        not rows
        or not all(isinstance(r, list) and len(r) == len(rows) for r in rows)
        or not all(count(v) is None for r in rows for v in r)
    ):
        return "must be a square table of non-negative integer counts"
    return None


def rank(value) -> str | None:
    if value is None or (isinstance(value, list) and len(value) == 2 and all(map(is_int, value))):
        return None
    return "must be two integers"


def params(value) -> str | None:
    return None if isinstance(value, dict) else "must be an object of parameters"


def history(value) -> str | None:
    if not isinstance(value, list):
        return "must be a list of epochs"
    for epoch in value:
        if not (
            isinstance(epoch, dict)
            and name(epoch.get("stage")) is None
            and is_number(epoch.get("epoch"))
            and all(optional_number(v) is None for k, v in epoch.items() if k != "stage")
        ):
            return "must be a list of epochs (a stage name, an epoch number, numbers)"
    return None


def status(value) -> str | None:
    return None if value in ("ok", "failed") else "must be 'ok' or 'failed'"


def images(value) -> str | None:
    if isinstance(value, str) and ARTIFACT.fullmatch(value):
        return None
    return f"must be a file name inside {ARTIFACTS_DIR}/ ending in .npz"


def seed(value) -> str | None:
    return None if is_int(value) else "must be an integer"


def optional_per_class_number(value) -> str | None:
    if isinstance(value, dict) and all(optional_number(v) is None for v in value.values()):
        return None
    return "must map class labels to numbers or null"


def provenance(value) -> str | None:
    def plain(item) -> bool:
        return item is None or isinstance(item, (str, bool)) or is_number(item)

    if isinstance(value, dict) and all(
        plain(item) or (isinstance(item, list) and all(isinstance(x, str) for x in item))
        for item in value.values()
    ):
        return None
    return "must map names to versions, numbers, flags or lists of names"
