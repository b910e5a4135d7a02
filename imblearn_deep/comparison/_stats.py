"""A paired verdict: each method against a reference, seed by seed, and average ranks.

Cells of one dataset, classifier and seed share the classifier's initialisation, the
cross-validation folds and the test set; only the method differs. Their score difference
is therefore a paired measurement, and the seed-to-seed noise that all methods share
cancels out of it. :func:`paired_differences` compares every method with a reference on
these per-seed differences (mean, Student's t interval, wins and losses, a verdict);
:func:`average_ranks` ranks the methods within every (dataset, classifier) block and
averages the ranks. :func:`paired_section` and :func:`ranks_across_datasets` write them
as sections of the comparison's report.

Which methods resample: a row's ``resamples`` field when it has one, otherwise
``n_synthetic`` (the samples the refitted sampler added): ``0`` means none ("none", the
class-weighted loss, balanced batches and the other pass-through candidates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata
from scipy.stats import t as student_t

from ._provenance import host_key
from ._row import BALANCED_TEST, report_columns
from ._tables import markdown_table

__all__ = [
    "BETTER",
    "NO_COMMON_SEED",
    "NOT_SEPARATED",
    "ONE_SEED",
    "WORSE",
    "average_ranks",
    "paired_differences",
    "paired_section",
    "paired_table",
    "rank_table",
    "ranks_across_datasets",
]

#: Verdicts of :func:`paired_differences`.
BETTER = "better"
WORSE = "worse"
NOT_SEPARATED = "not separated"
ONE_SEED = "one seed: not separated"
NO_COMMON_SEED = "no common seed"


def _ok_rows(rows: Sequence[dict], score: str) -> list[dict]:
    """The finished rows that have ``score``; a ValueError when no finished row has it."""
    ok = [r for r in rows if r["status"] == "ok"]
    if ok and not any(score in r for r in ok):
        known = sorted(k for k in ok[0] if k.startswith(("test_", "cv_")))
        raise ValueError(f"no finished row has the score {score!r}; the rows have {known}.")
    # A score stored as None (NaN in the run) cannot be compared: that cell is left out.
    return [r for r in ok if r.get(score) is not None]


def _blocks(rows: list[dict]) -> dict[tuple, dict[str, dict[int, dict]]]:
    """Rows by (dataset, classifier), then method, then seed, in the rows' order."""
    blocks: dict[tuple, dict[str, dict[int, dict]]] = {}
    for row in rows:
        seeds = blocks.setdefault((row["dataset"], row["classifier"]), {}).setdefault(
            row["sampler"], {}
        )
        if row["seed"] in seeds:
            raise ValueError(
                f"two rows for dataset {row['dataset']!r}, classifier {row['classifier']!r}, "
                f"method {row['sampler']!r}, seed {row['seed']!r}: pass each cell once."
            )
        seeds[row["seed"]] = row
    return blocks


def _other_host(row: dict, other: dict) -> bool:
    """Whether two rows were computed on different hosts (unknown counts as the same)."""
    mine, theirs = host_key(row), host_key(other)
    return mine is not None and theirs is not None and mine != theirs


def _mean(seeds: dict[int, dict], score: str) -> float:
    return float(np.mean([r[score] for r in seeds.values()]))


def _resamples(method: str, seeds: dict[int, dict]) -> bool:
    """Whether a method resamples, from its rows (see the module's docstring)."""
    flags = set()
    for row in seeds.values():
        if "resamples" in row:
            flags.add(bool(row["resamples"]))
        elif "n_synthetic" in row:
            flags.add(row["n_synthetic"] > 0)
        else:
            raise ValueError(
                f"cannot tell whether method {method!r} resamples: its rows have neither "
                "'resamples' nor 'n_synthetic'; pass reference= explicitly."
            )
    return True in flags


def _default_reference(methods: dict[str, dict[int, dict]], score: str) -> str | None:
    """The method without resampling with the best mean score (the first on a tie)."""
    candidates = [m for m, seeds in methods.items() if not _resamples(m, seeds)]
    if not candidates:
        return None
    return max(candidates, key=lambda m: _mean(methods[m], score))


def _label(seeds: dict[int, dict], key: str) -> str:
    row = next(iter(seeds.values()))
    return row.get(f"{key}_label", row[key])


def _compare(differences: np.ndarray, confidence: float) -> dict:
    """Mean, t interval, wins/losses/ties and the verdict of per-seed differences."""
    n = len(differences)
    record = {
        "n_seeds": n,
        "mean_difference": None,
        "ci_low": None,
        "ci_high": None,
        "wins": int(np.sum(differences > 0)),
        "losses": int(np.sum(differences < 0)),
        "ties": int(np.sum(differences == 0)),
        "verdict": NO_COMMON_SEED,
    }
    if n == 0:
        return record
    mean = float(np.mean(differences))
    record["mean_difference"] = mean
    if n == 1:
        record["verdict"] = ONE_SEED
        return record
    half = student_t.ppf((1 + confidence) / 2, n - 1) * np.std(differences, ddof=1) / math.sqrt(n)
    low, high = mean - float(half), mean + float(half)
    record.update(ci_low=low, ci_high=high)
    record["verdict"] = BETTER if low > 0 else WORSE if high < 0 else NOT_SEPARATED
    return record


def paired_differences(
    rows: Sequence[dict],
    *,
    score: str = "test_f1_macro",
    reference: str | None = None,
    confidence: float = 0.95,
) -> list[dict]:
    """Every method against a reference, on per-seed score differences.

    Within each (dataset, classifier) block, the rows of a method and of the reference
    are paired by seed; the difference ``method - reference`` of each pair (higher scores
    are better) gives the mean difference, a Student's t confidence interval (``t`` with
    ``n - 1`` degrees of freedom times the standard error of the differences), the seeds
    won, lost and tied, and a verdict: ``"better"`` when the whole interval lies above 0,
    ``"worse"`` when below, ``"not separated"`` otherwise. One paired seed gives no
    interval: ``"one seed: not separated"``, never a claim.

    No sign test or Wilcoxon signed-rank p-value is given: with the 3 to 5 seeds a
    comparison runs, their exact two-sided p-values cannot fall below ``2 / 2**n``
    (0.25 with 3 seeds, 0.0625 with 5), so they could never separate anything at the
    5 % level; the t interval can, and says by how much.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a results folder: ``dataset``, ``classifier``, ``sampler`` (the method),
        ``seed``, ``status`` and ``score``; failed cells and cells without the score
        are left out. Labels (``sampler_label``, ``classifier_label``) are used when
        present.
    score : str, default="test_f1_macro"
        The row field compared.
    reference : str, default=None
        The method every other is compared with (a ``sampler`` name); blocks without it
        are left out. ``None``: in every block, the method without resampling (see the
        module's docstring) with the best mean ``score`` over its seeds, the first in the
        rows' order on a tie; blocks without such a method are left out. Choosing the
        reference by the score it is then compared on favours the reference: a
        "better" verdict is the conservative side.
    confidence : float, default=0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    list of dict
        One record per method other than the reference, per block, in the rows' order:
        ``dataset``, ``classifier``, ``classifier_label``, ``method``, ``method_label``,
        ``reference``, ``reference_label``, ``score``, ``confidence``, ``n_seeds`` (the
        paired seeds), ``n_unpaired`` (seeds of the method without a reference row, left
        out), ``mixed_hosts`` (the paired seeds whose two cells were computed on different
        CPU models or library versions, by their ``provenance``: their difference holds
        the host's effect too),
        ``mean_difference``, ``ci_low``, ``ci_high`` (None without two paired seeds),
        ``wins``, ``losses``, ``ties`` and ``verdict`` (``"no common seed"`` when no
        seed pairs).

    Examples
    --------
    >>> scores = {"none": [0.80, 0.82, 0.78], "ros": [0.82, 0.85, 0.805]}  # per seed
    >>> rows = [
    ...     {"dataset": "digits", "classifier": "small_cnn", "sampler": sampler,
    ...      "seed": seed, "status": "ok", "n_synthetic": 0 if sampler == "none" else 90,
    ...      "test_f1_macro": value}
    ...     for sampler, values in scores.items()
    ...     for seed, value in enumerate(values)
    ... ]
    >>> (record,) = paired_differences(rows)
    >>> record["method"], record["reference"], record["wins"], record["verdict"]
    ('ros', 'none', 3, 'better')
    >>> round(record["mean_difference"], 3), round(record["ci_low"], 3)
    (0.025, 0.013)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}.")
    blocks = _blocks(_ok_rows(rows, score))
    methods_seen = {m for methods in blocks.values() for m in methods}
    if reference is not None and reference not in methods_seen:
        raise ValueError(
            f"the reference {reference!r} has no finished row; the methods are "
            f"{sorted(methods_seen)}."
        )
    records = []
    for (dataset, classifier), methods in blocks.items():
        ref = reference if reference is not None else _default_reference(methods, score)
        if ref not in methods:
            continue
        ref_seeds = methods[ref]
        for method, seeds in methods.items():
            if method == ref:
                continue
            common = [s for s in seeds if s in ref_seeds]
            differences = np.array([seeds[s][score] - ref_seeds[s][score] for s in common])
            # A pair from two CPU models or two sets of versions also measures the host.
            mixed = [s for s in common if _other_host(seeds[s], ref_seeds[s])]
            records.append(
                {
                    "dataset": dataset,
                    "classifier": classifier,
                    "classifier_label": _label(seeds, "classifier"),
                    "method": method,
                    "method_label": _label(seeds, "sampler"),
                    "reference": ref,
                    "reference_label": _label(ref_seeds, "sampler"),
                    "score": score,
                    "confidence": confidence,
                    "n_unpaired": len(set(seeds) - set(ref_seeds)),
                    "mixed_hosts": mixed,
                    **_compare(differences, confidence),
                }
            )
    return records


def average_ranks(rows: Sequence[dict], *, score: str = "test_f1_macro") -> list[dict]:
    """The mean rank of every method over the (dataset, classifier) blocks.

    Within a block, each method's ``score`` is averaged over its seeds and the methods
    are ranked on it, 1 the best; tied methods share the mean of their ranks (as
    :func:`scipy.stats.rankdata` does). A method's ranks are then averaged over the
    blocks it ran in.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a results folder (see :func:`paired_differences`).
    score : str, default="test_f1_macro"
        The row field ranked (higher is better).

    Returns
    -------
    list of dict
        ``method``, ``method_label``, ``mean_rank`` and ``n_blocks``, the best first
        (the rows' order on a tie).

    Examples
    --------
    >>> rows = [
    ...     {"dataset": "digits", "classifier": classifier, "sampler": sampler, "seed": 0,
    ...      "status": "ok", "test_f1_macro": value}
    ...     for classifier, values in [("small_cnn", [0.8, 0.9]), ("mlp", [0.7, 0.7])]
    ...     for sampler, value in zip(["none", "ros"], values)
    ... ]
    >>> [(r["method"], r["mean_rank"]) for r in average_ranks(rows)]
    [('ros', 1.25), ('none', 1.75)]
    """
    ranks: dict[str, list[float]] = {}
    labels: dict[str, str] = {}
    for methods in _blocks(_ok_rows(rows, score)).values():
        names = list(methods)
        means = [_mean(methods[m], score) for m in names]
        for method, rank in zip(names, rankdata([-v for v in means]), strict=True):
            ranks.setdefault(method, []).append(float(rank))
            labels.setdefault(method, _label(methods[method], "sampler"))
    result = [
        {
            "method": method,
            "method_label": labels[method],
            "mean_rank": float(np.mean(values)),
            "n_blocks": len(values),
        }
        for method, values in ranks.items()
    ]
    return sorted(result, key=lambda r: r["mean_rank"])  # stable: the rows' order on a tie


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"


def paired_table(records: Sequence[dict]) -> str:
    """Markdown table of :func:`paired_differences` records.

    Parameters
    ----------
    records : sequence of dict
        What :func:`paired_differences` returned.

    Returns
    -------
    str
        One line per record; a dataset column when the records span several datasets.

    Examples
    --------
    >>> record = {"dataset": "digits", "classifier": "small_cnn",
    ...           "classifier_label": "small CNN", "method": "ros",
    ...           "method_label": "RandomOverSampler", "reference": "none",
    ...           "reference_label": "none", "confidence": 0.95, "n_seeds": 3,
    ...           "n_unpaired": 0, "mean_difference": 0.03, "ci_low": 0.01,
    ...           "ci_high": 0.05, "wins": 3, "losses": 0, "ties": 0, "verdict": "better"}
    >>> print(paired_table([record]).splitlines()[2])
    | RandomOverSampler | none | small CNN | 3 | +0.030 | [+0.010, +0.050] | 3 / 0 / 0 | better |
    """
    several = len({r["dataset"] for r in records}) > 1
    confidence = records[0]["confidence"] if records else 0.95
    header = [
        *(["Dataset"] if several else []),
        "Method",
        "Reference",
        "Classifier",
        "Seeds",
        "Mean difference",
        f"{confidence:.0%} CI",
        "Wins / losses / ties",
        "Verdict",
    ]
    body = []
    for r in records:
        seeds = str(r["n_seeds"])
        if r["n_unpaired"]:
            seeds += f" ({r['n_unpaired']} unpaired left out)"
        interval = "–" if r["ci_low"] is None else f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]"
        body.append(
            [
                *([r["dataset"]] if several else []),
                r["method_label"],
                r["reference_label"],
                r["classifier_label"],
                seeds,
                _signed(r["mean_difference"]),
                interval,
                f"{r['wins']} / {r['losses']} / {r['ties']}",
                r["verdict"],
            ]
        )
    return markdown_table(header, body)


def rank_table(ranks: Sequence[dict]) -> str:
    """Markdown table of :func:`average_ranks` records.

    Examples
    --------
    >>> ranks = [{"method": "ros", "method_label": "RandomOverSampler", "mean_rank": 1.25,
    ...           "n_blocks": 2}]
    >>> print(rank_table(ranks).splitlines()[2])
    | RandomOverSampler | 1.25 | 2 |
    """
    body = [[r["method_label"], f"{r['mean_rank']:.2f}", r["n_blocks"]] for r in ranks]
    return markdown_table(["Method", "Mean rank (1 = best)", "Blocks"], body)


def _score_label(score: str) -> str:
    """How headings name a score: "test macro-F1" for ``test_f1_macro``."""
    labels = dict(report_columns("test") + report_columns(BALANCED_TEST))
    label = labels.get(score, score)
    return label[0].lower() + label[1:]


def _n_blocks(rows: Sequence[dict], score: str) -> int:
    return len({(r["dataset"], r["classifier"]) for r in _ok_rows(rows, score)})


def paired_section(
    rows: Sequence[dict],
    *,
    score: str = "test_f1_macro",
    reference: str | None = None,
    confidence: float = 0.95,
) -> str | None:
    """The report's "Paired differences" section, or None with nothing to compare.

    The :func:`paired_table` of :func:`paired_differences`, with a sentence on how to
    read it; when the rows hold several (dataset, classifier) blocks, also the
    :func:`rank_table` of :func:`average_ranks`.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a results folder.
    score, reference, confidence
        As in :func:`paired_differences`.

    Returns
    -------
    str or None
        Markdown, starting with a ``###`` heading.

    Examples
    --------
    >>> scores = {"none": [0.80, 0.82, 0.78], "ros": [0.82, 0.85, 0.805]}  # per seed
    >>> rows = [
    ...     {"dataset": "digits", "classifier": "small_cnn", "sampler": sampler,
    ...      "seed": seed, "status": "ok", "n_synthetic": 0 if sampler == "none" else 90,
    ...      "test_f1_macro": value}
    ...     for sampler, values in scores.items()
    ...     for seed, value in enumerate(values)
    ... ]
    >>> print(paired_section(rows).splitlines()[0])
    ### Paired differences (test macro-F1, method - reference, per seed)
    >>> paired_section(rows[:1]) is None
    True
    """
    records = paired_differences(rows, score=score, reference=reference, confidence=confidence)
    if not records:
        return None
    label = _score_label(score)
    # Cells fitted once (a grid of one setting) had no folds to share.
    folds = ", the folds" if any(r.get("cv_folds") for r in rows) else ""
    parts = [
        f"### Paired differences ({label}, method - reference, per seed)\n",
        f"Cells with the same seed share the classifier's initialisation{folds} and the "
        "test set, so each method is compared with the reference seed by seed. The interval "
        f"is Student's t on the per-seed differences ({confidence:.0%}); the verdict is "
        '"better" or "worse" only when the whole interval lies on one side of 0. '
        + (
            "Reference: the best method without resampling, by its mean score.\n"
            if reference is None
            else f"Reference: {reference}.\n"
        ),
        paired_table(records) + "\n",
    ]
    mixed = [r for r in records if r["mixed_hosts"]]
    if mixed:
        pairs = "; ".join(
            f"{r['method_label']} vs {r['reference_label']} ({r['classifier_label']}), seeds "
            f"{', '.join(map(str, r['mixed_hosts']))}"
            for r in mixed
        )
        parts.append(
            "**Pairs across hosts.** These pairs come from different CPU models or library "
            f"versions, so their differences include the host's effect: {pairs}.\n"
        )
    n_blocks = _n_blocks(rows, score)
    if n_blocks > 1:
        parts += [
            f"### Average ranks ({label} of the mean over seeds; {n_blocks} dataset × "
            "classifier blocks)\n",
            rank_table(average_ranks(rows, score=score)) + "\n",
        ]
    return "\n".join(parts)


def ranks_across_datasets(rows: Sequence[dict], *, score: str = "test_f1_macro") -> str | None:
    """The report's section of average ranks over datasets, or None with one dataset.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a results folder.
    score : str, default="test_f1_macro"
        As in :func:`average_ranks`.

    Returns
    -------
    str or None
        Markdown, starting with a ``##`` heading.

    Examples
    --------
    >>> rows = [
    ...     {"dataset": dataset, "classifier": "small_cnn", "sampler": sampler, "seed": 0,
    ...      "status": "ok", "test_f1_macro": value}
    ...     for dataset, values in [("digits", [0.8, 0.9]), ("mnist", [0.9, 0.9])]
    ...     for sampler, value in zip(["none", "ros"], values)
    ... ]
    >>> print(ranks_across_datasets(rows).splitlines()[-1])
    | none | 1.75 | 2 |
    >>> ranks_across_datasets(rows[:2]) is None
    True
    """
    ok = _ok_rows(rows, score)
    if len({r["dataset"] for r in ok}) < 2:
        return None
    return (
        f"## Average ranks over datasets and classifiers ({_score_label(score)} of the mean "
        f"over seeds; {_n_blocks(ok, score)} dataset × classifier blocks)\n\n"
        + rank_table(average_ranks(ok, score=score))
        + "\n"
    )
