"""Turn a results folder into ``report.md`` and figures a person reads.

Tables give mean ± standard deviation over seeds; figures (when matplotlib is
installed) show macro-F1 per sampler with its spread, per-class recall, confusion
matrices, real and synthetic images per class for every resampling method, and the
generators' training curves. Built-in datasets name their classes (the registry,
:data:`imblearn_deep.datasets.DATASETS`).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

from ..datasets import DATASETS
from ._figures import write_figures
from ._identical import identical_section
from ._quality import COLLAPSE_CLASS, COLLAPSE_MEDIAN, diversity
from ._row import BALANCED_TEST, report_columns
from ._stats import paired_section, ranks_across_datasets
from ._store import FIGURES_DIR, REPORT, ResultsStore, atomic_write
from ._tables import (
    by_method,
    class_names,
    markdown_code,
    markdown_table,
    markdown_text,
    mean_std,
)

__all__ = ["summary_table", "write_report"]

# A row's free text, escaped before it enters the report: a record is data, and Markdown
# or HTML in a label would otherwise render (an image fetched from elsewhere, a link).
_TEXT_FIELDS = ("sampler_label", "classifier_label", "preset", "error", "data_source")


def _fmt(values: Sequence[float | None], digits: int = 3) -> str:
    # None: not measured (no cross-validation for a one-setting grid).
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean, std = mean_std(values)
    return f"{mean:.{digits}f}" if len(values) == 1 else f"{mean:.{digits}f} ± {std:.{digits}f}"


def summary_table(rows: list[dict], prefix: str = "test") -> str:
    """Markdown table of held-out (and CV) scores, mean ± std over seeds, per
    sampler/classifier; the best macro-F1 of each classifier in bold.

    Parameters
    ----------
    rows : list of dict
        Rows of a results folder (failed cells are left out).
    prefix : {"test", "balanced_test"}, default="test"
        The held-out set: the imbalanced test set (with the CV column), or the
        class-balanced one (:data:`~imblearn_deep.comparison._store.BALANCED_TEST`; rows
        without its scores are left out).

    Returns
    -------
    str

    Examples
    --------
    >>> rows = [{"sampler": "smote", "sampler_label": "SMOTE", "classifier": "small_cnn",
    ...          "classifier_label": "small CNN", "status": "ok", "test_f1_macro": 0.8,
    ...          "test_balanced_accuracy": 0.8, "test_g_mean": 0.7, "test_accuracy": 0.9,
    ...          "cv_f1_macro": 0.75}]
    >>> print(summary_table(rows).splitlines()[2])
    | SMOTE | small CNN | 1 | **0.800** | 0.800 | 0.700 | 0.900 | 0.750 |
    """
    columns = report_columns(prefix)
    main = columns[0][0]
    groups = by_method([r for r in rows if r["status"] == "ok" and r.get(main) is not None])
    best: dict[str, float] = {}
    for (_, classifier), group in groups.items():
        score = mean_std([r[main] for r in group])[0]
        best[classifier] = max(best.get(classifier, -1.0), score)
    body = []
    for (_, classifier), group in groups.items():
        cells = [_fmt([r.get(key) for r in group]) for key, _ in columns]
        if math.isclose(mean_std([r[main] for r in group])[0], best[classifier]):
            cells[0] = f"**{cells[0]}**"
        body.append([group[0]["sampler_label"], group[0]["classifier_label"], len(group), *cells])
    return markdown_table(
        ["Sampler", "Classifier", "Seeds", *(label for _, label in columns)], body
    )


def _recall_table(rows: list[dict]) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    classes = ok[0]["classes"]
    counts = ok[0]["test_class_counts"]
    names = _class_names(ok[0], classes)
    header = [
        "Sampler",
        "Classifier",
        *(f"{name} (n={counts.get(str(c), 0)})" for c, name in zip(classes, names, strict=True)),
    ]
    body = []
    for group in by_method(ok).values():
        recalls = [_fmt([r["recall"][str(c)] for r in group], 2) for c in classes]
        body.append([group[0]["sampler_label"], group[0]["classifier_label"], *recalls])
    return markdown_table(header, body)


def _params_table(rows: list[dict]) -> str:
    body = []
    for group in by_method([r for r in rows if r["status"] == "ok"]).values():
        for r in sorted(group, key=lambda r: r["seed"]):
            params = ", ".join(
                markdown_code(f"{k.split('__')[-1]}={v}")
                for k, v in sorted(r["best_params"].items())
            )
            body.append(
                [
                    r["sampler_label"],
                    r["classifier_label"],
                    r["seed"],
                    "–"
                    if r["cv_f1_macro"] is None
                    else f"{r['cv_f1_macro']:.3f} ± {r['cv_f1_macro_std']:.3f}",
                    params or "–",
                ]
            )
    return markdown_table(
        ["Sampler", "Classifier", "Seed", "CV macro-F1 (± over folds)", "Best"], body
    )


def _quality_table(rows: list[dict]) -> str | None:
    """Label fidelity, Fréchet distance and diversity of the synthetic images, or None
    without any."""
    measured = [r for r in rows if r["status"] == "ok" and r.get("label_fidelity") is not None]
    if not measured:
        return None
    classes = measured[0]["classes"]
    names = _class_names(measured[0], classes)
    by_label = dict(zip(map(str, classes), names, strict=True))
    body = []
    for group in by_method(measured).values():
        per_class = [
            _fmt(
                [
                    r["label_fidelity_per_class"][str(c)]
                    for r in group
                    if str(c) in r["label_fidelity_per_class"]
                ],
                2,
            )
            for c in classes
        ]
        body.append(
            [
                group[0]["sampler_label"],
                group[0]["classifier_label"],
                _fmt([r["label_fidelity"] for r in group]),
                _fmt([r["frechet_mean"] for r in group if r.get("frechet_mean") is not None], 2),
                _diversity_cell(group, by_label),
                *per_class,
            ]
        )
    header = [
        "Sampler",
        "Judge",
        "Label fidelity",
        "Class Fréchet (mean)",
        "Diversity (lowest class)",
        *names,
    ]
    return markdown_table(header, body)


def _diversity_cell(group: list[dict], names: dict[str, str]) -> str:
    """The median within-class spread ratio over seeds, its lowest class, and the flag."""
    summary = diversity(group)
    if summary is None:
        return "–"
    median = _fmt([r["diversity"] for r in group if r.get("diversity") is not None], 2)
    lowest = f"{names.get(summary.lowest_class, summary.lowest_class)}: {summary.lowest:.2f}"
    return f"{median} ({lowest})" + (" **collapsed**" if summary.collapsed else "")


def _diversity_note(rows: list[dict]) -> str | None:
    """What the diversity column measures, and the methods whose synthetic images
    collapsed; None without diversity."""
    measured = [r for r in rows if r["status"] == "ok" and r.get("diversity") is not None]
    if not measured:
        return None
    collapsed = dict.fromkeys(
        group[0]["sampler_label"]
        for group in by_method(measured).values()
        if diversity(group).collapsed
    )
    verdict = f"**Collapsed: {', '.join(collapsed)}.** " if collapsed else ""
    return (
        f"{verdict}Diversity is the within-class spread of the synthetic images: the mean "
        "pixel distance between two of a class's synthetic images over the same between "
        "two of its real images (median over classes, and the lowest class; 1: as varied "
        f"as the real images, 0: one image repeated). Below {COLLAPSE_MEDIAN} at the "
        f"median, or below {COLLAPSE_CLASS} in a class, a method is flagged collapsed: its "
        "images of a class are near-copies of a few, which label fidelity and the Fréchet "
        "distance do not show.\n"
    )


def _cost_table(rows: list[dict]) -> str:
    body = []
    for group in by_method([r for r in rows if r["status"] == "ok"]).values():
        first = group[0]
        fits = sorted({(r["sampler_fits"], r["expected_sampler_fits"]) for r in group})
        steps = sorted(
            {(r["clf_steps"], r["clf_images_seen"]) for r in group if r.get("clf_steps")}
        )
        seconds = [
            _fmt([r[key] for r in group if r.get(key) is not None], 2)
            for key in (
                "sampler_seconds",
                "generator_train_seconds",
                "generation_seconds",
                "search_seconds",
            )
        ]
        body.append(
            [
                first["sampler_label"],
                first["classifier_label"],
                ", ".join(f"{n} ({e})" for n, e in fits),
                ", ".join(f"{n:,} ({seen:,})" for n, seen in steps) or "–",
                *seconds,
            ]
        )
    header = [
        "Sampler",
        "Classifier",
        "Sampler fits (expected)",
        "Classifier steps (images seen), refit",
        "Sampler s (refit)",
        "Generator training s",
        "Generation s",
        "Grid search s",
    ]
    return markdown_table(header, body)


def selection_section(rows: list[dict]) -> str | None:
    """The method cross-validation chooses for each classifier, and what it scores on the
    held-out sets beside the best there: the number a user gets by following the tool.

    Only classifiers whose every method was cross-validated (``cv_f1_macro`` in each row,
    see ``run_comparison(select=True)``) are shown; None when there is none.

    Parameters
    ----------
    rows : list of dict
        Finished rows of one dataset.

    Returns
    -------
    str or None
        Markdown, starting with a ``###`` heading.

    Examples
    --------
    >>> rows = [{"sampler": s, "sampler_label": s, "classifier": "cnn",
    ...          "classifier_label": "CNN", "cv_f1_macro": cv, "test_f1_macro": test}
    ...         for s, cv, test in (("none", 0.70, 0.78), ("ros", 0.75, 0.74))]
    >>> text = selection_section(rows)
    >>> "chooses **ros** (CV macro-F1 0.750)" in text, "0.040 below the test-set best" in text
    (True, True)
    """
    main = "test_f1_macro"
    lines = []
    per_classifier: dict[str, dict] = {}
    for (_, classifier), group in by_method(rows).items():
        per_classifier.setdefault(classifier, {})[group[0]["sampler_label"]] = group
    for groups in per_classifier.values():
        if not all(r.get("cv_f1_macro") is not None for g in groups.values() for r in g):
            continue
        cv = {label: mean_std([r["cv_f1_macro"] for r in g])[0] for label, g in groups.items()}
        test = {label: mean_std([r[main] for r in g])[0] for label, g in groups.items()}
        chosen, best = max(cv, key=cv.get), max(test, key=test.get)
        gap = test[best] - test[chosen]
        where = (
            "the test-set best too"
            if gap <= 0
            else f"{gap:.3f} below the test-set best ({best}, {test[best]:.3f})"
        )
        label = next(iter(groups.values()))[0]["classifier_label"]
        lines.append(
            f"For {label}, cross-validation chooses **{chosen}** (CV macro-F1 "
            f"{cv[chosen]:.3f}); its test macro-F1 is {test[chosen]:.3f}, {where}."
        )
    if not lines:
        return None
    return "\n".join(
        [
            "### The method cross-validation chooses (training images only)\n",
            *lines,
            "\nThe choice reads no test score; the test-set best is known only after the "
            "fact, so the chosen method's score is what following the comparison gives.\n",
        ]
    )


# -- the report ---------------------------------------------------------------------------


def _step_budget(rows: list[dict]) -> str:
    """The sentence on the classifiers' optimizer steps: one budget per classifier, the
    same for every method, is what makes methods comparable."""
    per_classifier: dict[str, set[int]] = {}
    labels = {}
    for row in rows:
        if row.get("clf_steps"):
            per_classifier.setdefault(row["classifier"], set()).add(row["clf_steps"])
            labels[row["classifier"]] = row.get("classifier_label", row["classifier"])
    if not per_classifier:
        return ""
    if any(len(steps) > 1 for steps in per_classifier.values()):
        ranges = "; ".join(
            f"{labels[c]}: {min(s):,}" + (f" to {max(s):,}" if len(s) > 1 else "")
            for c, s in per_classifier.items()
        )
        return f" Classifier optimizer steps differ between methods ({ranges})."
    if len(per_classifier) == 1:
        (steps,) = next(iter(per_classifier.values()))
        budget = f"exactly {steps:,} optimizer steps"
    else:
        budget = (
            "the same optimizer steps ("
            + "; ".join(f"{labels[c]}: {next(iter(s)):,}" for c, s in per_classifier.items())
            + ")"
        )
    return (
        f" Every method's classifier trained {budget} (the same compute whatever the size "
        "of its training set)."
    )


def _over_seeds(rows: list[dict]) -> str:
    """What the tables' numbers are over: "mean ± std over seeds 0, 1, 2", or, where no
    method has more than one seed, "one seed (0); no spread"."""
    seeds = ", ".join(str(seed) for seed in sorted({r["seed"] for r in rows}))
    if max(len(group) for group in by_method(rows).values()) > 1:
        return f"mean ± std over seeds {seeds}"
    if "," in seeds:
        return f"one seed per method ({seeds}); no spread"
    return f"one seed ({seeds}); no spread"


def _fitting(rows: list[dict]) -> str:
    """How the cells were fitted: each searched over folds, or fitted once (a grid of one
    setting, ``cv_folds`` 0); where both, which methods were fitted once."""
    searched = [r for r in rows if r["cv_folds"]]
    once = [r for r in rows if not r["cv_folds"]]
    folds = " or ".join(str(n) for n in sorted({r["cv_folds"] for r in searched}))
    search = (
        f"tuned by `GridSearchCV` on {folds} stratified shuffled folds of the training set "
        "(refit on macro-F1), refitted on the whole training set"
    )
    single = (
        "fitted once on the whole training set, without cross-validation (a grid of a "
        "single setting has nothing to tune; no CV scores)"
    )
    pipeline = "Each cell is an imblearn `Pipeline(sampler, classifier)`"
    if not once:
        how = f"{pipeline} {search} and scored once on the test set."
    elif not searched:
        how = f"{pipeline} {single} and scored once on the test set."
    else:
        methods = ", ".join(
            f"{group[0]['sampler_label']} + {group[0]['classifier_label']}"
            for group in by_method(once).values()
        )
        how = (
            f"{pipeline} scored once on the test set. Cells whose grid has several settings "
            f"are {search}; the cells of {methods} are {single}."
        )
    if not searched:
        return (
            f"{how} Samplers only run inside `Pipeline.fit`: the test set holds real images only."
        )
    return (
        f"{how} Samplers only run inside `Pipeline.fit`, on the training part of each fold: "
        "every validation fold and the test set hold real images only. The pipeline's "
        "`memory` trains each generator once per fold and setting."
    )


def _protocol(rows: list[dict]) -> str:
    first = rows[0]
    train = first["train_class_counts"]
    test = first["test_class_counts"]
    seeds = _over_seeds([r for r in rows if r["status"] == "ok"] or rows)
    seeded = "folds, samplers" if any(r["cv_folds"] for r in rows) else "samplers"
    names = _class_names(first, first["classes"])

    def per_class(counts: dict) -> str:
        return ", ".join(
            f"{name} {counts.get(str(label), 0):,}"
            for label, name in zip(first["classes"], names, strict=True)
        )

    return (
        f"Training set: {sum(train.values()):,} images ({per_class(train)}). "
        f"Test set: {sum(test.values()):,} real held-out images ({per_class(test)}).\n\n"
        f"{_fitting(rows)}{_step_budget(rows)} G-mean is the geometric mean of per-class "
        f"recalls (0 when a class is never recognised). Scores: {seeds} ({seeded} and "
        "networks are seeded; the data split is fixed)."
    )


def write_report(output: str | os.PathLike = "results", *, redraw: bool = False) -> Path:
    """Write ``report.md`` (and ``figures/`` when matplotlib is installed) from results.

    Parameters
    ----------
    output : str or path-like, default="results"
        The output folder of :func:`~imblearn_deep.comparison.run_comparison`.

    redraw : bool, default=False
        Draw every figure even where it is up to date (figures are otherwise redrawn
        only when the rows they are drawn from change).

    Returns
    -------
    pathlib.Path
        The report's path.

    Examples
    --------
    >>> import tempfile
    >>> write_report(tempfile.mkdtemp()).name
    'report.md'
    """
    store = ResultsStore(output)
    # Under the folder's lock: another run recording a cell meanwhile waits, so the
    # report, the views and the figures describe one set of rows.
    with store.locked():
        # The views' rows: every record is read and checked once.
        return _write_report(store.write_views(), store.folder, redraw=redraw)


def _escaped(row: dict) -> dict:
    return {**row, **{key: markdown_text(row[key]) for key in _TEXT_FIELDS if key in row}}


def _class_names(row: dict, classes: Sequence) -> list[str]:
    return [markdown_text(name) for name in class_names(row, classes)]


def _one_dataset(rows: list[dict], dataset: str) -> list[dict]:
    """The rows of ``dataset`` that share its first row's classes and test set; the others
    (rows of other data under the same name) are named in a warning and left out."""
    mine = [r for r in rows if r["dataset"] == dataset]
    reference = next((r for r in mine if r["status"] == "ok"), mine[0])

    def data(row):
        return row["classes"], row["test_class_counts"]

    kept = [r for r in mine if data(r) == data(reference)]
    if len(kept) < len(mine):
        others = ", ".join(r["cell"] for r in mine if data(r) != data(reference))
        warnings.warn(
            f"cells {others} of dataset {dataset!r} have other classes or another test set "
            f"than cell {reference['cell']}; left out of the report.",
            stacklevel=3,
        )
    return kept


def _write_report(rows: list[dict], output: Path, *, redraw: bool) -> Path:
    parts = ["# Over-sampler comparison\n"]
    if not rows:
        parts.append("No results yet: run `imblearn-deep compare` first.\n")
    shown_rows = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        raw = _one_dataset(rows, dataset)
        shown_rows += raw
        mine = [_escaped(r) for r in raw]
        ok = [r for r in mine if r["status"] == "ok"]
        presets = ", ".join(dict.fromkeys(r["preset"] for r in mine))
        info = DATASETS.get(dataset)
        title = info.title if info else markdown_text(dataset)
        parts.append(f"## {title} (preset {presets})\n\n{_protocol(mine)}\n")
        sources = list(dict.fromkeys(r["data_source"] for r in mine if r.get("data_source")))
        if sources:
            parts.append("".join(f"Data: {source}\n" for source in sources))
        if ok:
            seeds = _over_seeds(ok)
            parts += [
                f"### Scores ({seeds}; best test macro-F1 in bold)\n",
                summary_table(ok) + "\n",
            ]
            identical = identical_section(ok)
            if identical:
                parts.append(identical)
            selection = selection_section(ok)
            if selection:
                parts.append(selection)
            paired = paired_section(ok)
            if paired:
                parts.append(paired)
            balanced = [r for r in ok if r.get(f"{BALANCED_TEST}_f1_macro") is not None]
            if balanced:
                n_test = sum(balanced[0][f"{BALANCED_TEST}_class_counts"].values())
                parts += [
                    f"### Scores on the class-balanced test set ({n_test:,} real images "
                    f"never used for training; {seeds})\n",
                    summary_table(balanced, prefix=BALANCED_TEST) + "\n",
                ]
                paired = paired_section(balanced, score=f"{BALANCED_TEST}_f1_macro")
                if paired:
                    parts.append(paired)
            parts += [
                f"### Per-class test recall ({seeds})\n",
                _recall_table(ok) + "\n",
            ]
            quality = _quality_table(ok)
            if quality:
                parts += [
                    "### Synthetic images (up to 200 per class from the refitted sampler; "
                    "judge: the classifier trained with a balanced loss on the real training "
                    "images only; label fidelity overall, then per class)\n",
                    quality + "\n",
                ]
                note = _diversity_note(ok)
                if note:
                    parts.append(note)
            parts += [
                "### Best parameters per seed\n",
                _params_table(ok) + "\n",
                "### Cost (sampler fits counted by the pipeline cache; expected: settings × "
                "folds + 1 refit, or 1 for a cell fitted once)\n",
                _cost_table(ok) + "\n",
            ]
        failed = [r for r in mine if r["status"] != "ok"]
        if failed:
            body = [
                [r["sampler_label"], r["classifier_label"], r["seed"], r["error"]] for r in failed
            ]
            parts += [
                "### Failed cells\n",
                markdown_table(["Sampler", "Classifier", "Seed", "Error"], body) + "\n",
            ]
        # The figures draw the labels as they are (text in a picture formats nothing).
        figures = write_figures(raw, output, dataset, redraw=redraw)
        if figures:
            parts.append("### Figures\n")
            parts += [
                f"![{markdown_text(caption)}]({FIGURES_DIR}/{name})\n" for caption, name in figures
            ]
        elif ok:
            parts.append("_Figures need matplotlib: pip install 'imblearn-deep[plots]'._\n")
    across = ranks_across_datasets([_escaped(r) for r in shown_rows])
    if across:
        parts.append(across)
    path = output / REPORT
    atomic_write(path, "\n".join(parts))
    return path
