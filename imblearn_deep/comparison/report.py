"""Turn a results folder into ``report.md`` and figures a person reads.

Tables give mean ± standard deviation over seeds; figures (when matplotlib is
installed) show macro-F1 per sampler with its spread, per-class recall, confusion
matrices, real and synthetic images per class for every resampling method, and the
generators' training curves. Built-in datasets name their classes (the registry,
:data:`imblearn_deep.datasets.DATASETS`).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..datasets import DATASETS
from .stats import paired_section, ranks_across_datasets
from .store import BALANCED_TEST, ResultsStore, atomic_write, report_columns
from .tables import markdown_table

__all__ = ["mean_std", "summary_table", "write_report"]

REPORT = "report.md"
FIGURES_DIR = "figures"


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


def _fmt(values: Sequence[float | None], digits: int = 3) -> str:
    # None: not measured (no cross-validation for a one-setting grid).
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean, std = mean_std(values)
    return f"{mean:.{digits}f}" if len(values) == 1 else f"{mean:.{digits}f} ± {std:.{digits}f}"


def _groups(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Rows by (sampler, classifier), in run order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["sampler"], row["classifier"]), []).append(row)
    return groups


def summary_table(rows: list[dict], prefix: str = "test") -> str:
    """Markdown table of held-out (and CV) scores, mean ± std over seeds, per
    sampler/classifier; the best macro-F1 of each classifier in bold.

    Parameters
    ----------
    rows : list of dict
        Rows of a results folder (failed cells are left out).
    prefix : {"test", "balanced_test"}, default="test"
        The held-out set: the imbalanced test set (with the CV column), or the
        class-balanced one (:data:`~imblearn_deep.comparison.store.BALANCED_TEST`; rows
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
    groups = _groups([r for r in rows if r["status"] == "ok" and r.get(main) is not None])
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
    names = _class_names(ok[0]["dataset"], classes)
    header = [
        "Sampler",
        "Classifier",
        *(f"{name} (n={counts[str(c)]})" for c, name in zip(classes, names, strict=True)),
    ]
    body = []
    for group in _groups(ok).values():
        recalls = [_fmt([r["recall"][str(c)] for r in group], 2) for c in classes]
        body.append([group[0]["sampler_label"], group[0]["classifier_label"], *recalls])
    return markdown_table(header, body)


def _params_table(rows: list[dict]) -> str:
    body = []
    for group in _groups([r for r in rows if r["status"] == "ok"]).values():
        for r in sorted(group, key=lambda r: r["seed"]):
            params = ", ".join(
                f"`{k.split('__')[-1]}={v}`" for k, v in sorted(r["best_params"].items())
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
    """Label fidelity and Fréchet distance of the synthetic images, or None without any."""
    measured = [r for r in rows if r["status"] == "ok" and r.get("label_fidelity") is not None]
    if not measured:
        return None
    classes = measured[0]["classes"]
    body = []
    for group in _groups(measured).values():
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
                *per_class,
            ]
        )
    names = _class_names(measured[0]["dataset"], classes)
    header = ["Sampler", "Judge", "Label fidelity", "Class Fréchet (mean)", *names]
    return markdown_table(header, body)


def _cost_table(rows: list[dict]) -> str:
    body = []
    for group in _groups([r for r in rows if r["status"] == "ok"]).values():
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


# -- figures ------------------------------------------------------------------------------


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _save(fig, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Rendered in memory, then written atomically: an interrupt leaves no half PNG.
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".") or "png", dpi=110, bbox_inches="tight")
    atomic_write(path, buffer.getvalue())
    return path.name


def _dataset_info(dataset: str):
    """The registry entry of a built-in dataset, or None (a "custom" one)."""
    return DATASETS.get(dataset)


def _class_names(dataset: str, classes) -> list[str]:
    """How figures name the classes: the registry's names for a built-in dataset."""
    info = _dataset_info(dataset)
    return info.names_of(list(classes)) if info else [str(c) for c in classes]


def _score_limits(values: Sequence[float], margin: float = 0.1) -> tuple[float, float]:
    """The range of ``values`` widened by ``margin`` of its width (0.01 at least).

    A 0-1 axis would flatten the few hundredths by which the samplers differ.
    """
    low, high = min(values), max(values)
    pad = max(margin * (high - low), 0.01)
    return low - pad, high + pad


def _plot_scores(Figure, rows, path: Path) -> str:
    groups = _groups([r for r in rows if r["status"] == "ok"])
    classifiers = list(dict.fromkeys(c for _, c in groups))
    per_classifier = len(groups) / len(classifiers)
    fig = Figure(figsize=(max(6.0, (0.8 * per_classifier + 1.0) * len(classifiers)), 3.6))
    axes = fig.subplots(1, len(classifiers), sharey=True, squeeze=False)[0]
    shown = []
    for ax, classifier in zip(axes, classifiers, strict=True):
        mine = [g for (_, c), g in groups.items() if c == classifier]
        for x, group in enumerate(mine):
            test = [r["test_f1_macro"] for r in group]
            mean, std = mean_std(test)
            # Seeds side by side in a fixed pattern (no random jitter), so that equal
            # scores stay visible and the figure is the same on every run.
            offsets = np.linspace(-0.12, 0.12, len(test)) if len(test) > 1 else np.zeros(1)
            ax.plot(x - 0.1 + offsets, test, "o", color=f"C{x % 10}", alpha=0.75, ms=5)
            ax.errorbar(x + 0.22, mean, yerr=std, fmt="_", color="k", ms=12, capsize=3)
            shown += [*test, mean - std, mean + std]
        ax.set_xticks(range(len(mine)), [g[0]["sampler_label"] for g in mine], rotation=35)
        ax.set_xlim(-0.6, len(mine) - 0.4)
        ax.set_title(mine[0][0]["classifier_label"])
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylim(*_score_limits(shown))
    axes[0].set_ylabel("test macro-F1")
    fig.suptitle("Test macro-F1: dots are seeds, black bars mean ± std over seeds", fontsize=9)
    return _save(fig, path)


def _plot_recall(Figure, rows, path: Path) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    classes = ok[0]["classes"]
    counts = ok[0]["test_class_counts"]
    names = _class_names(ok[0]["dataset"], classes)
    groups = _groups(ok)
    classifiers = list(dict.fromkeys(c for _, c in groups))
    fig = Figure(figsize=(7.5, 3.4 * len(classifiers)))
    axes = fig.subplots(len(classifiers), 1, squeeze=False)[:, 0]
    for ax, classifier in zip(axes, classifiers, strict=True):
        mine = [g for (_, c), g in groups.items() if c == classifier]
        for index, group in enumerate(mine):
            means = [mean_std([r["recall"][str(k)] for r in group])[0] for k in classes]
            # A small sideways shift per sampler keeps equal recalls from hiding each other.
            x = np.arange(len(classes)) + 0.06 * (index - (len(mine) - 1) / 2)
            ax.plot(x, means, "o-", markersize=4, label=group[0]["sampler_label"])
        ticks = [f"{name}\nn={counts[str(k)]}" for name, k in zip(names, classes, strict=True)]
        ax.set_xticks(range(len(classes)), ticks, fontsize=7)
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("test recall (mean over seeds)")
        ax.set_title(mine[0][0]["classifier_label"])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2, loc="lower left")
    return _save(fig, path)


def _plot_confusions(Figure, rows, path: Path) -> str:
    groups = _groups([r for r in rows if r["status"] == "ok"])
    n_cols = min(4, len(groups))
    n_rows = math.ceil(len(groups) / n_cols)
    fig = Figure(figsize=(3.2 * n_cols, 3.3 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, group in zip(axes, groups.values(), strict=False):
        matrix = np.sum([np.asarray(r["confusion_matrix"], float) for r in group], axis=0)
        normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        ax.imshow(normalised, vmin=0, vmax=1, cmap="Blues")
        classes = group[0]["classes"]
        names = _class_names(group[0]["dataset"], classes)
        # Names longer than a digit or two would overlap side by side.
        rotation = 90 if max(map(len, names)) > 2 else 0
        ax.set_xticks(range(len(classes)), names, fontsize=7, rotation=rotation)
        ax.set_yticks(range(len(classes)), names, fontsize=7)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
        ax.set_title(f"{group[0]['sampler_label']}, {group[0]['classifier_label']}", fontsize=8)
        if len(classes) <= 10:
            for (i, j), value in np.ndenumerate(matrix):
                if value:
                    color = "white" if normalised[i, j] > 0.6 else "black"
                    ax.text(j, i, int(value), ha="center", va="center", fontsize=6, color=color)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    fig.suptitle("Test confusion matrices, summed over seeds (colour: row share)")
    return _save(fig, path)


def _as_images(X: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(n, H, W) or (n, H, W, C) floats in [0, 1] for imshow, and the colour map."""
    X = X.astype(np.float64)
    low, high = X.min(), X.max()
    X = (X - low) / (high - low if high > low else 1.0)
    if X.ndim == 3:
        return X, "gray"
    if X.shape[1] == 1:
        return X[:, 0], "gray"
    return X.transpose(0, 2, 3, 1)[..., :3], None


def _load_images(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an image artifact (see ``artifacts.save_sample_images``)."""
    with np.load(path) as saved:
        arrays = {key: saved[key] for key in saved.files}
    if "generated_labels" not in arrays:
        # Written before every sampler had a grid: the deep samplers' images only, as
        # ``generated`` of shape (classes, per class, ...).
        generated = arrays["generated"]
        arrays["generated"] = generated.reshape(-1, *generated.shape[2:])
        arrays["generated_labels"] = np.repeat(arrays["classes"], generated.shape[1])
    return arrays


# Inches per image in the grids, and the gap between the real and the synthetic block,
# in image widths.
_IMAGE_INCHES = 0.5
_BLOCK_GAP = 1.0


def _mosaic(images: np.ndarray, labels, classes, n_cols: int, pad: int) -> np.ndarray:
    """One picture of a block: a row per class, its images side by side, white between.

    One ``imshow`` per block instead of one axes per image: a 10 x 16 grid drawn as 160
    axes took about 5 s, as two pictures about 0.4 s (2 busy cores, matplotlib 3.11).
    """
    h, w = images.shape[1:3]
    out = np.ones((len(classes) * (h + pad) - pad, n_cols * (w + pad) - pad, *images.shape[3:]))
    for i, label in enumerate(classes):
        for j, image in enumerate(images[labels == label][:n_cols]):
            out[i * (h + pad) : i * (h + pad) + h, j * (w + pad) : j * (w + pad) + w] = image
    return out


def _plot_images(Figure, row, output: Path, path: Path) -> str:
    saved = _load_images(output / row["images"])
    classes = saved["classes"]
    real, real_labels = saved["real"], saved["real_labels"]
    synthetic, synthetic_labels = saved["generated"], saved["generated_labels"]
    names = _class_names(row["dataset"], classes)
    n_real = max(int(np.sum(real_labels == c)) for c in classes)
    n_synthetic = max(1, *(int(np.sum(synthetic_labels == c)) for c in classes))
    # One scale for real and synthetic images, so their contrast compares.
    images, cmap = _as_images(np.concatenate([real, synthetic]))
    real_images, synthetic_images = images[: len(real)], images[len(real) :]
    h = images.shape[1]
    pad = max(1, h // 10)
    blocks = (
        ("real", "real", _mosaic(real_images, real_labels, classes, n_real, pad)),
        (
            "synthetic",
            f"synthetic: {row['sampler_label']}",
            _mosaic(synthetic_images, synthetic_labels, classes, n_synthetic, pad),
        ),
    )
    # Inches around the blocks: the class names on the left, the titles on top.
    left, top = 0.15 + 0.075 * max(map(len, names)), 0.7
    widths = [n_real, _BLOCK_GAP, n_synthetic]
    width = left + _IMAGE_INCHES * sum(widths) + 0.1
    height = top + _IMAGE_INCHES * len(classes) + 0.1
    fig = Figure(figsize=(width, height))
    grid = fig.add_gridspec(
        1,
        3,
        width_ratios=widths,
        wspace=0,
        left=left / width,
        right=1 - 0.1 / width,
        bottom=0.1 / height,
        top=1 - top / height,
    )
    rows_at = np.arange(len(classes)) * (h + pad) + (h - 1) / 2
    for column, (kind, title, mosaic) in zip((0, 2), blocks, strict=True):
        ax = fig.add_subplot(grid[0, column], label=kind)
        ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9, weight="bold")
        ax.set_xticks([])
        ax.set_yticks(rows_at, names if kind == "real" else [], fontsize=8)
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
        if kind == "synthetic":
            for y, label in zip(rows_at, classes, strict=True):
                if not np.any(synthetic_labels == label):
                    # The pixel samplers add nothing to the majority class.
                    ax.text(0, y, "none added", va="center", fontsize=7, color="0.4")
    info = _dataset_info(row["dataset"])
    fig.suptitle(
        f"{info.title if info else row['dataset']}, seed {row['seed']}: up to {n_real} real "
        f"and {n_synthetic} synthetic images per class",
        y=1 - 0.06 / height,
        va="top",
        fontsize=9,
    )
    return _save(fig, path)


def _plot_history(Figure, rows, path: Path) -> str:
    stages = list(dict.fromkeys(rec["stage"] for r in rows for rec in r["history"]))
    fig = Figure(figsize=(5.0 * len(stages), 3.4))
    axes = fig.subplots(1, len(stages), squeeze=False)[0]
    for ax, stage in zip(axes, stages, strict=True):
        for r in rows:
            records = [rec for rec in r["history"] if rec["stage"] == stage]
            losses = [k for k in records[0] if k not in ("stage", "epoch", "seconds")]
            for index, name in enumerate(losses):
                ax.plot(
                    [rec["epoch"] for rec in records],
                    [rec[name] for rec in records],
                    color=f"C{index}",
                    alpha=0.8,
                    linewidth=1,
                    label=name if r is rows[0] else None,
                )
        ax.set_xlabel("epoch")
        ax.set_title(f"{rows[0]['sampler_label']}: {stage} (refit, {len(rows)} seeds)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def _figures(rows: list[dict], output: Path, dataset: str) -> list[tuple[str, str]]:
    Figure = _figure_class()
    if Figure is None or not any(r["status"] == "ok" for r in rows):
        return []
    folder = output / FIGURES_DIR
    made = [
        (
            "Test macro-F1 per sampler and seed",
            _plot_scores(Figure, rows, folder / f"{dataset}_f1.png"),
        ),
        ("Per-class test recall", _plot_recall(Figure, rows, folder / f"{dataset}_recall.png")),
        (
            "Confusion matrices",
            _plot_confusions(Figure, rows, folder / f"{dataset}_confusion.png"),
        ),
    ]
    ok = [r for r in rows if r["status"] == "ok"]
    for sampler in dict.fromkeys(r["sampler"] for r in ok):
        # Images and training curves from the cells of one classifier (the first that ran
        # this sampler): every cell refits the sampler, so the others would repeat them.
        classifier = next(r["classifier"] for r in ok if r["sampler"] == sampler)
        mine = [r for r in ok if r["sampler"] == sampler and r["classifier"] == classifier]
        label = mine[0]["sampler_label"]
        with_images = [r for r in mine if r.get("images")]
        if with_images and (output / with_images[0]["images"]).is_file():
            name = folder / f"{dataset}_{sampler}_images.png"
            made.append(
                (
                    f"{label}: real and synthetic images",
                    _plot_images(Figure, with_images[0], output, name),
                )
            )
        with_history = [r for r in mine if r.get("history")]
        if with_history:
            name = folder / f"{dataset}_{sampler}_training.png"
            made.append(
                (f"{label}: generator training losses", _plot_history(Figure, with_history, name))
            )
    return made


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


def _protocol(rows: list[dict]) -> str:
    first = rows[0]
    seeds = sorted({r["seed"] for r in rows})
    train = first["train_class_counts"]
    test = first["test_class_counts"]
    folds = max(r["cv_folds"] for r in rows)
    fitted_once = [r for r in rows if r["cv_folds"] == 0]
    if folds:
        tuning = (
            f"tuned by `GridSearchCV` on {folds} stratified shuffled folds of the training "
            "set (refit on macro-F1), refitted on the whole training set"
        )
    else:
        tuning = "fitted once on the whole training set (every grid has a single setting)"
    once = (
        " A cell whose grid has a single setting has nothing to tune: it is fitted once on "
        "the whole training set and scored on the test set (no CV scores)."
        if fitted_once and folds
        else ""
    )
    budget = _step_budget(rows)
    return (
        f"Training set: {sum(train.values())} images, per class {list(train.values())}. "
        f"Test set: {sum(test.values())} real held-out images, per class "
        f"{list(test.values())}.\n\n"
        f"Each cell is an imblearn `Pipeline(sampler, classifier)` {tuning} and scored once "
        f"on the test set.{once}{budget} "
        f"Samplers only run inside `Pipeline.fit`, on the training part of each fold: every "
        f"validation fold and the test set hold real images only. The pipeline's `memory` "
        f"trains each generator once per fold and setting. G-mean is the geometric mean of "
        f"per-class recalls (0 when a class is never recognised). Scores are mean ± "
        f"standard deviation over seeds {seeds} (folds, samplers and networks are seeded; "
        f"the data split is fixed)."
    )


def write_report(output: str | os.PathLike = "results") -> Path:
    """Write ``report.md`` (and ``figures/`` when matplotlib is installed) from results.

    Parameters
    ----------
    output : str or path-like, default="results"
        The output folder of :func:`~imblearn_deep.comparison.run_comparison`.

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
    # report and the figures describe one set of rows.
    with store.locked():
        return _write_report(store.rows(), store.folder)


def _write_report(rows: list[dict], output: Path) -> Path:
    parts = ["# Over-sampler comparison\n"]
    if not rows:
        parts.append("No results yet: run `imblearn-deep compare` first.\n")
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        ok = [r for r in mine if r["status"] == "ok"]
        presets = ", ".join(dict.fromkeys(r["preset"] for r in mine))
        info = _dataset_info(dataset)
        title = info.title if info else dataset
        parts.append(f"## {title} (preset {presets})\n\n{_protocol(mine)}\n")
        if ok:
            parts += [
                "### Scores (mean ± std over seeds; best test macro-F1 in bold)\n",
                summary_table(ok) + "\n",
            ]
            paired = paired_section(ok)
            if paired:
                parts.append(paired)
            balanced = [r for r in ok if r.get(f"{BALANCED_TEST}_f1_macro") is not None]
            if balanced:
                n_test = sum(balanced[0][f"{BALANCED_TEST}_class_counts"].values())
                parts += [
                    f"### Scores on the class-balanced test set ({n_test:,} real images "
                    "never used for training; mean ± std over seeds)\n",
                    summary_table(balanced, prefix=BALANCED_TEST) + "\n",
                ]
                paired = paired_section(balanced, score=f"{BALANCED_TEST}_f1_macro")
                if paired:
                    parts.append(paired)
            parts += [
                "### Per-class test recall (mean ± std over seeds)\n",
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
            parts += [
                "### Best parameters per seed\n",
                _params_table(ok) + "\n",
                "### Cost (sampler fits counted by the pipeline cache; expected: settings × "
                "folds + 1 refit)\n",
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
        figures = _figures(mine, output, dataset)
        if figures:
            parts.append("### Figures\n")
            parts += [f"![{title}]({FIGURES_DIR}/{name})\n" for title, name in figures]
        elif ok:
            parts.append("_Figures need matplotlib: pip install 'imblearn-deep[plots]'._\n")
    across = ranks_across_datasets(rows)
    if across:
        parts.append(across)
    path = output / REPORT
    atomic_write(path, "\n".join(parts))
    return path
