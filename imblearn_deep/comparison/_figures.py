"""The report's figures: macro-F1 per method with its spread, per-class recall, confusion
matrices, real and synthetic images per class, the generators' training curves.

Drawn on matplotlib's ``Figure`` (Agg canvas, never pyplot) when matplotlib is installed,
each PNG written atomically. Drawing takes seconds, so a folder's figures are redrawn only
when the rows they are drawn from change: a resume with nothing left to run rewrites
none of them.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import __version__
from .._torch.loop import loss_names
from ..datasets import DATASETS
from ._artifacts import read_sample_images
from ._confine import confined, safe_name
from ._quality import diversity
from ._store import FIGURES_DIR, atomic_write, jsonable, move_aside
from ._tables import by_method, class_names, mean_std

__all__ = ["FIGURES_DIR", "write_figures"]

# A figure's file name, as the kept list of figures may give it: what safe_name makes (a
# leading "-" where a name began with an unsafe character; never a leading dot).
_FIGURE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.png")


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


def _score_limits(values: Sequence[float], margin: float = 0.1) -> tuple[float, float]:
    """The range of ``values`` widened by ``margin`` of its width (0.01 at least).

    A 0-1 axis would flatten the few hundredths by which the samplers differ.
    """
    low, high = min(values), max(values)
    pad = max(margin * (high - low), 0.01)
    return low - pad, high + pad


def _plot_scores(Figure, rows, path: Path) -> str:
    groups = by_method([r for r in rows if r["status"] == "ok"])
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


# Classes up to which the recall heat map writes each value in its cell.
_ANNOTATED_CLASSES = 20


def _plot_recall(Figure, rows, path: Path) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    classes = ok[0]["classes"]
    counts = ok[0]["test_class_counts"]
    names = class_names(ok[0], classes)
    groups = by_method(ok)
    classifiers = list(dict.fromkeys(c for _, c in groups))
    # A heat map, methods by classes, each cell its value: lines of nine or more methods
    # over ten classes crossed into a tangle nobody could read.
    per_classifier = [[g for (_, c), g in groups.items() if c == k] for k in classifiers]
    heights = [0.8 + 0.3 * len(mine) for mine in per_classifier]
    ticks = [f"{name}\nn={counts[str(k)]}" for name, k in zip(names, classes, strict=True)]
    # Values fit in the cells of up to _ANNOTATED_CLASSES classes; more get narrow cells,
    # told apart by colour only.
    annotated = len(classes) <= _ANNOTATED_CLASSES
    width = 2.0 + (0.65 if annotated else 0.2) * len(classes)
    fig = Figure(figsize=(width, sum(heights) + 0.4), layout="constrained")
    axes = fig.subplots(len(classifiers), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, mine in zip(axes, per_classifier, strict=True):
        means = np.array(
            [[mean_std([r["recall"][str(k)] for r in group])[0] for k in classes] for group in mine]
        )
        image = ax.imshow(means, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(means if annotated else []):
            # Dark text on viridis's light (high) end, light text on its dark end.
            color = "black" if value > 0.6 else "white"
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=color)
        # Names wider than a cell would run into each other side by side.
        wide = not annotated or max(map(len, names)) > 11
        ax.set_xticks(range(len(classes)), ticks, fontsize=7, rotation=90 if wide else 0)
        ax.set_yticks(range(len(mine)), [g[0]["sampler_label"] for g in mine], fontsize=8)
        ax.tick_params(length=0)
        ax.set_title(mine[0][0]["classifier_label"], fontsize=9)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="test recall")
    several = max(len(group) for group in groups.values()) > 1
    fig.suptitle(f"Per-class test recall, {'mean over seeds' if several else 'one seed'}")
    return _save(fig, path)


def _plot_confusions(Figure, rows, path: Path) -> str:
    groups = by_method([r for r in rows if r["status"] == "ok"])
    n_cols = min(4, len(groups))
    n_rows = math.ceil(len(groups) / n_cols)
    fig = Figure(figsize=(3.2 * n_cols, 3.3 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, group in zip(axes, groups.values(), strict=False):
        matrix = np.sum([np.asarray(r["confusion_matrix"], float) for r in group], axis=0)
        normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        ax.imshow(normalised, vmin=0, vmax=1, cmap="Blues")
        classes = group[0]["classes"]
        names = class_names(group[0], classes)
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


def _plot_images(Figure, saved: dict[str, np.ndarray], row: dict, path: Path) -> str:
    classes = saved["classes"]
    real, real_labels = saved["real"], saved["real_labels"]
    synthetic, synthetic_labels = saved["generated"], saved["generated_labels"]
    names = class_names(row, classes)
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
    info = DATASETS.get(row["dataset"])
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
        per_row = [[rec for rec in r["history"] if rec["stage"] == stage] for r in rows]
        epochs = [rec for records in per_row for rec in records]
        # The losses only: bookkeeping (steps, seconds) on their axis would flatten them.
        losses = list(dict.fromkeys(name for rec in epochs for name in loss_names(rec)))
        # Steps at each epoch's end where every epoch counts them (an epoch cut short by
        # a step budget is then drawn as short); epochs for older rows without steps.
        by_steps = all("steps" in rec for rec in epochs)
        for r, records in zip(rows, per_row, strict=True):
            x = [rec["epoch"] for rec in records]
            if by_steps:
                x = np.cumsum([rec["steps"] for rec in records])
            for index, name in enumerate(losses):
                ax.plot(
                    x,
                    # An epoch without this loss (a gap, not an error) draws no point.
                    [np.nan if rec.get(name) is None else rec[name] for rec in records],
                    color=f"C{index % 10}",
                    alpha=0.8,
                    linewidth=1,
                    label=name if r is rows[0] else None,
                )
        ax.set_xlabel("optimizer steps (at each epoch's end)" if by_steps else "epoch")
        ax.set_ylabel("loss (epoch mean)")
        seeds = f"{len(rows)} seeds" if len(rows) > 1 else f"seed {rows[0]['seed']}"
        ax.set_title(f"{rows[0]['sampler_label']}: {stage} (refit, {seeds})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def _artifact(row: dict, output: Path) -> dict[str, np.ndarray] | None:
    """The images of the artifact ``row`` names, or None: none, or it leaves the folder,
    or it is damaged (then moved aside, with a warning; the row's scores stay)."""
    path = confined(output, row.get("images", ""))
    if path is None or not path.is_file():
        return None
    try:
        return read_sample_images(path)
    except ValueError as error:
        move_aside(path, str(error))
        return None


def _diversity_caption(row: dict) -> str:
    """The diversity of the grid's synthetic images, for its caption: the number beside
    what the eye sees in the grid, and the flag when they collapsed."""
    summary = diversity([row])
    if summary is None:
        return ""
    names = dict(zip(map(str, row["classes"]), class_names(row, row["classes"]), strict=True))
    flag = "; collapsed" if summary.collapsed else ""
    return (
        f" (diversity {summary.median:.2f}, lowest class "
        f"{names.get(summary.lowest_class, summary.lowest_class)} {summary.lowest:.2f}{flag})"
    )


def _draw(Figure, rows: list[dict], output: Path, dataset: str) -> list[tuple[str, str]]:
    folder = output / FIGURES_DIR
    # File names built from record fields go through the one sanitiser.
    stem = safe_name(dataset)
    made = [
        (
            "Test macro-F1 per sampler and seed",
            _plot_scores(Figure, rows, folder / f"{stem}_f1.png"),
        ),
        ("Per-class test recall", _plot_recall(Figure, rows, folder / f"{stem}_recall.png")),
        (
            "Confusion matrices",
            _plot_confusions(Figure, rows, folder / f"{stem}_confusion.png"),
        ),
    ]
    ok = [r for r in rows if r["status"] == "ok"]
    for sampler in dict.fromkeys(r["sampler"] for r in ok):
        # Images and training curves from the cells of one classifier (the first that ran
        # this sampler): every cell refits the sampler, so the others would repeat them.
        classifier = next(r["classifier"] for r in ok if r["sampler"] == sampler)
        mine = [r for r in ok if r["sampler"] == sampler and r["classifier"] == classifier]
        label = mine[0]["sampler_label"]
        stem = safe_name(f"{dataset}_{sampler}")
        with_images = [r for r in mine if r.get("images")]
        saved = _artifact(with_images[0], output) if with_images else None
        if saved is not None:
            name = folder / f"{stem}_images.png"
            made.append(
                (
                    f"{label}: real and synthetic images{_diversity_caption(with_images[0])}",
                    _plot_images(Figure, saved, with_images[0], name),
                )
            )
        with_history = [r for r in mine if r.get("history")]
        if with_history:
            name = folder / f"{stem}_training.png"
            made.append(
                (f"{label}: generator training losses", _plot_history(Figure, with_history, name))
            )
    return made


def _digest(rows: list[dict]) -> str:
    """What the figures are a function of: the rows (their artifacts' paths among them)
    and the version of the code that draws them."""
    text = json.dumps([__version__, jsonable(rows)], sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_figures(
    rows: list[dict], output: str | Path, dataset: str, *, redraw: bool = False
) -> list[tuple[str, str]]:
    """Draw one dataset's figures into ``output/figures``, unless they are up to date.

    Parameters
    ----------
    rows : list of dict
        The dataset's results rows (see :class:`~imblearn_deep.comparison.ResultsStore`);
        rows of failed cells are left out of every figure.
    output : str or path-like
        The results folder; the image figures read the artifacts its rows name.
    dataset : str
        The dataset's name, the prefix of the figures' file names.
    redraw : bool, default=False
        Draw every figure even when the kept digest says they are up to date (after a
        change to the code that draws them, say).

    Returns
    -------
    list of (str, str)
        (caption, file name inside ``figures/``) for every figure, in report order; empty
        without matplotlib or without a finished cell.

    Notes
    -----
    The list is kept beside the figures with a digest of ``rows``; when the digest and
    every file are still there, nothing is drawn. The digest file is removed before
    drawing and written after the last figure, so an interrupted drawing is redone.

    Examples
    --------
    >>> import tempfile
    >>> write_figures([], tempfile.mkdtemp(), "digits")
    []
    """
    output = Path(output)
    Figure = _figure_class()
    if Figure is None or not any(r["status"] == "ok" for r in rows):
        return []
    record = output / FIGURES_DIR / f".{safe_name(dataset)}_figures.json"
    digest = _digest(rows)
    kept = _kept_figures(record, digest)
    if not redraw and kept and all((output / FIGURES_DIR / name).is_file() for _, name in kept):
        return kept
    record.unlink(missing_ok=True)
    import matplotlib

    # Labels are data (a sampler's label, a class name): never parsed as math.
    with matplotlib.rc_context({"text.parse_math": False}):
        made = _draw(Figure, rows, output, dataset)
    record.parent.mkdir(exist_ok=True)
    atomic_write(record, json.dumps({"digest": digest, "figures": made}, indent=1))
    return made


def _kept_figures(record: Path, digest: str) -> list[tuple[str, str]] | None:
    """The figures listed in ``record`` when it is the list drawn from the rows of
    ``digest`` and names only plain figure files; None otherwise (they are redrawn)."""
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        figures = kept["figures"] if kept.get("digest") == digest else None
        if not isinstance(figures, list):
            return None
        pairs = [(str(caption), name) for caption, name in figures]
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None
    if not all(isinstance(name, str) and _FIGURE_NAME.fullmatch(name) for _, name in pairs):
        return None
    return pairs
