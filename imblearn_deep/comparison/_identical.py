"""Methods the report cannot tell apart: for one classifier, the same held-out scores and
per-class recalls on every seed. A reader comparing their rows would otherwise take equal
numbers for a coincidence, or for two methods that work equally well."""

from __future__ import annotations

from ._row import BALANCED_TEST, score_columns
from ._tables import by_method

__all__ = ["identical_methods", "identical_section"]

# What the report shows of a cell's held-out results: each test set's scores and recalls.
HELD_OUT = (
    *score_columns("test"),
    "recall",
    *score_columns(BALANCED_TEST),
    f"{BALANCED_TEST}_recall",
)


def identical_methods(rows: list[dict]) -> list[list[list[dict]]]:
    """Groups of two or more methods of one classifier whose held-out results are equal.

    Equal means: the same seeds, and for each seed every held-out score and per-class
    recall (:data:`HELD_OUT`, the class-balanced test set's where it was scored) equal.

    Parameters
    ----------
    rows : list of dict
        Finished rows of one dataset.

    Returns
    -------
    list of list of list of dict
        Each group: the methods' rows (as :func:`~imblearn_deep.comparison._tables.by_method`
        groups them), in report order.

    Examples
    --------
    >>> rows = [{"sampler": s, "classifier": "cnn", "seed": 0, "test_f1_macro": f}
    ...         for s, f in (("none", 0.7), ("drw", 0.7), ("ros", 0.8))]
    >>> [[g[0]["sampler"] for g in group] for group in identical_methods(rows)]
    [['none', 'drw']]
    """
    per_classifier: dict[str, list[list[dict]]] = {}
    for (_, classifier), group in by_method(rows).items():
        per_classifier.setdefault(classifier, []).append(group)
    found = []
    for methods in per_classifier.values():
        alike: list[tuple[dict, list[list[dict]]]] = []
        for group in methods:
            results = {r["seed"]: [r.get(key) for key in HELD_OUT] for r in group}
            same = next((members for known, members in alike if known == results), None)
            if same is None:
                alike.append((results, [group]))
            else:
                same.append(group)
        found += [members for _, members in alike if len(members) > 1]
    return found


def identical_section(rows: list[dict]) -> str | None:
    """A paragraph naming the methods whose held-out results are identical, or None.

    Parameters
    ----------
    rows : list of dict
        Finished rows of one dataset (labels already escaped for Markdown).

    Returns
    -------
    str or None

    Examples
    --------
    >>> rows = [{"sampler": s, "sampler_label": s.upper(), "classifier": "cnn",
    ...          "classifier_label": "CNN", "seed": 0, "test_f1_macro": 0.7}
    ...         for s in ("none", "drw")]
    >>> print(identical_section(rows))  # doctest: +NORMALIZE_WHITESPACE
    **Identical results.** With CNN, NONE and DRW have the same held-out results on seed
    0. With every test score and per-class recall equal, the tables cannot tell them
    apart; whatever distinguishes these methods probably changed nothing in this run's
    training.
    """
    lines = []
    for group in identical_methods(rows):
        names = [methods[0]["sampler_label"] for methods in group]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        seeds = sorted(r["seed"] for r in group[0])
        on = f"seed {seeds[0]}" if len(seeds) == 1 else f"every seed ({', '.join(map(str, seeds))})"
        lines.append(
            f"With {group[0][0]['classifier_label']}, {listed} have the same held-out results "
            f"on {on}."
        )
    if not lines:
        return None
    return (
        f"**Identical results.** {' '.join(lines)} With every test score and per-class recall "
        "equal, the tables cannot tell them apart; whatever distinguishes these methods "
        "probably changed nothing in this run's training.\n"
    )
