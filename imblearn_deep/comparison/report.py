"""Turn ``results.json`` into ``report.md`` and figures a person reads.

Tables give mean ± standard deviation over seeds; figures (when matplotlib is
installed) show macro-F1 per sampler with its spread, per-class recall, confusion
matrices, real and generated images per class, and the generators' training curves.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .runner import read_results

__all__ = ["mean_std", "summary_table", "write_report"]

REPORT = "report.md"
FIGURES_DIR = "figures"

_SCORES = (
    ("test_f1_macro", "Test macro-F1"),
    ("test_balanced_accuracy", "Test balanced acc."),
    ("test_g_mean", "Test G-mean"),
    ("test_accuracy", "Test accuracy"),
    ("cv_f1_macro", "CV macro-F1"),
)


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


def _fmt(values: Sequence[float], digits: int = 3) -> str:
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


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    # A "|" inside a cell (an error message) would end the cell.
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in body]
    return "\n".join(lines)


def summary_table(rows: list[dict]) -> str:
    """Markdown table of test and CV scores, mean ± std over seeds, per sampler/classifier.

    Parameters
    ----------
    rows : list of dict
        Rows of ``results.json`` (failed cells are left out).

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
    groups = _groups([r for r in rows if r["status"] == "ok"])
    best: dict[str, float] = {}
    for (_, classifier), group in groups.items():
        score = mean_std([r["test_f1_macro"] for r in group])[0]
        best[classifier] = max(best.get(classifier, -1.0), score)
    body = []
    for (_, classifier), group in groups.items():
        cells = [_fmt([r[key] for r in group]) for key, _ in _SCORES]
        if math.isclose(mean_std([r["test_f1_macro"] for r in group])[0], best[classifier]):
            cells[0] = f"**{cells[0]}**"
        body.append([group[0]["sampler_label"], group[0]["classifier_label"], len(group), *cells])
    return _table(["Sampler", "Classifier", "Seeds", *(label for _, label in _SCORES)], body)


def _recall_table(rows: list[dict]) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    classes = ok[0]["classes"]
    counts = ok[0]["test_class_counts"]
    header = ["Sampler", "Classifier", *(f"{c} (n={counts[str(c)]})" for c in classes)]
    body = []
    for group in _groups(ok).values():
        recalls = [_fmt([r["recall"][str(c)] for r in group], 2) for c in classes]
        body.append([group[0]["sampler_label"], group[0]["classifier_label"], *recalls])
    return _table(header, body)


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
                    f"{r['cv_f1_macro']:.3f} ± {r['cv_f1_macro_std']:.3f}",
                    params or "–",
                ]
            )
    return _table(["Sampler", "Classifier", "Seed", "CV macro-F1 (± over folds)", "Best"], body)


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
    header = ["Sampler", "Judge", "Label fidelity", "Class Fréchet (mean)", *map(str, classes)]
    return _table(header, body)


def _cost_table(rows: list[dict]) -> str:
    body = []
    for group in _groups([r for r in rows if r["status"] == "ok"]).values():
        first = group[0]
        fits = sorted({(r["sampler_fits"], r["expected_sampler_fits"]) for r in group})
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
                *seconds,
            ]
        )
    header = [
        "Sampler",
        "Classifier",
        "Sampler fits (expected)",
        "Sampler s (refit)",
        "Generator training s",
        "Generation s",
        "Grid search s",
    ]
    return _table(header, body)


# -- figures ------------------------------------------------------------------------------


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _save(fig, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path.name


def _plot_scores(Figure, rows, path: Path) -> str:
    groups = _groups([r for r in rows if r["status"] == "ok"])
    classifiers = list(dict.fromkeys(c for _, c in groups))
    fig = Figure(figsize=(max(6.0, 1.1 * len(groups) / len(classifiers) + 2), 3.6))
    axes = fig.subplots(1, len(classifiers), sharey=True, squeeze=False)[0]
    for ax, classifier in zip(axes, classifiers, strict=True):
        mine = [g for (_, c), g in groups.items() if c == classifier]
        for x, group in enumerate(mine):
            test = [r["test_f1_macro"] for r in group]
            mean, std = mean_std(test)
            ax.bar(x, mean, yerr=std, capsize=4, color="C0", alpha=0.75)
            ax.plot([x] * len(test), test, "o", color="k", markersize=3)
            ax.plot(x, mean_std([r["cv_f1_macro"] for r in group])[0], "_", color="C3", ms=18)
        ax.set_xticks(range(len(mine)), [g[0]["sampler_label"] for g in mine], rotation=35)
        ax.set_title(mine[0][0]["classifier_label"])
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("macro-F1 (bars: test mean ± std,\ndots: seeds, red: CV mean)")
    return _save(fig, path)


def _plot_recall(Figure, rows, path: Path) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    classes = ok[0]["classes"]
    counts = ok[0]["test_class_counts"]
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
        ax.set_xticks(range(len(classes)), [f"{k}\nn={counts[str(k)]}" for k in classes])
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
        ax.set_xticks(range(len(classes)), classes, fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
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


def _plot_images(Figure, row, output: Path, path: Path) -> str:
    with np.load(output / row["images"]) as saved:
        classes, generated = saved["classes"], saved["generated"]
        real, real_labels = saved["real"], saved["real_labels"]
    per_class = generated.shape[1]
    n_real = max(int(np.sum(real_labels == c)) for c in classes)
    n_cols = n_real + per_class
    fig = Figure(figsize=(0.6 * n_cols + 0.8, 0.62 * len(classes) + 0.6))
    axes = fig.subplots(len(classes), n_cols, squeeze=False)
    # One scale for real and generated images, so their contrast compares.
    images, cmap = _as_images(np.concatenate([real, generated.reshape(-1, *generated.shape[2:])]))
    real_images, fake_images = images[: len(real)], images[len(real) :]
    for i, label in enumerate(classes):
        mine = real_images[real_labels == label]
        for j in range(n_cols):
            ax = axes[i, j]
            ax.set_axis_off()
            if j < len(mine):
                ax.imshow(mine[j], cmap=cmap, vmin=0, vmax=1)
            elif j >= n_real:
                ax.imshow(fake_images[i * per_class + j - n_real], cmap=cmap, vmin=0, vmax=1)
        axes[i, 0].text(-0.6, 0.5, str(label), transform=axes[i, 0].transAxes, va="center")
    fig.suptitle(
        f"{row['sampler_label']} (seed {row['seed']}): {n_real} real images per class, "
        f"then {per_class} generated",
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
        ("Test macro-F1 per sampler", _plot_scores(Figure, rows, folder / f"{dataset}_f1.png")),
        ("Per-class test recall", _plot_recall(Figure, rows, folder / f"{dataset}_recall.png")),
        (
            "Confusion matrices",
            _plot_confusions(Figure, rows, folder / f"{dataset}_confusion.png"),
        ),
    ]
    ok = [r for r in rows if r["status"] == "ok"]
    first_classifier = ok[0]["classifier"]
    for sampler in dict.fromkeys(r["sampler"] for r in ok):
        mine = [r for r in ok if r["sampler"] == sampler and r["classifier"] == first_classifier]
        label = mine[0]["sampler_label"]
        with_images = [r for r in mine if r.get("images")]
        if with_images and (output / with_images[0]["images"]).is_file():
            name = folder / f"{dataset}_{sampler}_images.png"
            made.append(
                (
                    f"{label}: real and generated images",
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


def _protocol(rows: list[dict]) -> str:
    first = rows[0]
    seeds = sorted({r["seed"] for r in rows})
    train = first["train_class_counts"]
    test = first["test_class_counts"]
    return (
        f"Training set: {sum(train.values())} images, per class {list(train.values())}. "
        f"Test set: {sum(test.values())} real held-out images, per class "
        f"{list(test.values())}.\n\n"
        f"Each cell is an imblearn `Pipeline(sampler, classifier)` tuned by `GridSearchCV` on "
        f"{first['cv_folds']} stratified shuffled folds of the training set (refit on "
        f"macro-F1), refitted on the whole training set and scored once on the test set. "
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
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    rows = read_results(output)
    parts = ["# Over-sampler comparison\n"]
    if not rows:
        parts.append("No results yet: run `imblearn-deep compare` first.\n")
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        ok = [r for r in mine if r["status"] == "ok"]
        presets = ", ".join(dict.fromkeys(r["preset"] for r in mine))
        parts.append(f"## {dataset} (preset {presets})\n\n{_protocol(mine)}\n")
        if ok:
            parts += [
                "### Scores (mean ± std over seeds; best test macro-F1 in bold)\n",
                summary_table(ok) + "\n",
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
                _table(["Sampler", "Classifier", "Seed", "Error"], body) + "\n",
            ]
        figures = _figures(mine, output, dataset)
        if figures:
            parts.append("### Figures\n")
            parts += [f"![{title}]({FIGURES_DIR}/{name})\n" for title, name in figures]
        elif ok:
            parts.append("_Figures need matplotlib: pip install 'imblearn-deep[plots]'._\n")
    path = output / REPORT
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
