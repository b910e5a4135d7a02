"""Run the comparison: one cross-validated grid search per sampler x classifier x seed.

Each *cell* builds an imblearn ``Pipeline([("sampler", ...), ("clf", ...)])`` with a
``memory`` cache, searches its grid with :class:`~sklearn.model_selection.GridSearchCV`
on stratified shuffled folds of the training set, refits the best setting on the whole
training set and scores it on the held-out test set. Samplers only run inside
``Pipeline.fit``, so every validation fold and the test set hold real images only.

Results are written after each cell (``results.json``, ``results.csv``); a rerun with
the same output folder skips the cells already finished with the same configuration.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.pipeline import Pipeline
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    recall_score,
)
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from ..metrics import SCORERS
from .grid import ClassifierSpec, Preset, SamplerSpec, get_preset, n_settings
from .quality import fit_judge, sample_quality

__all__ = [
    "build_pipeline",
    "parallel_backend",
    "read_results",
    "run_comparison",
    "torch_threads",
]

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
ARTIFACTS_DIR = "artifacts"
# Generated images kept per class for the report's image grids.
IMAGES_PER_CLASS = 8


def build_pipeline(
    sampler: SamplerSpec,
    classifier: ClassifierSpec,
    *,
    random_state: int | None = None,
    device: str = "auto",
    classes=None,
    memory: str | os.PathLike | None = None,
) -> Pipeline:
    """The imblearn pipeline of one candidate: ``sampler`` step, then ``clf`` step.

    Parameters
    ----------
    sampler : SamplerSpec
        Builds the ``"sampler"`` step (``"passthrough"`` for the baselines).
    classifier : ClassifierSpec
        Builds the ``"clf"`` step; the sampler spec's ``classifier_params`` are set on it.
    random_state : int or None, default=None
        Seed of both steps.
    device : str, default="auto"
        Device of the torch estimators.
    classes : array-like, default=None
        Every label, so that classifiers trained on a fold keep the full label set.
    memory : str or path-like, default=None
        Cache folder of the pipeline: a sampler fitted on the same data with the same
        parameters is loaded instead of refitted.

    Returns
    -------
    imblearn.pipeline.Pipeline

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> preset = get_preset("fast")
    >>> pipe = build_pipeline(preset.sampler("weighted"), preset.classifier("small_cnn"))
    >>> pipe.named_steps["sampler"], pipe.named_steps["clf"].class_weight
    ('passthrough', 'balanced')
    """
    clf = classifier.build(random_state=random_state, device=device, classes=classes)
    clf.set_params(**sampler.classifier_params)
    steps = [("sampler", sampler.build(random_state=random_state, device=device)), ("clf", clf)]
    return Pipeline(steps, memory=None if memory is None else str(memory))


@contextmanager
def parallel_backend(backend: str = "loky", scheduler=None) -> Iterator[None]:
    """Run the joblib calls inside the block (the grid searches) on ``backend``.

    Parameters
    ----------
    backend : {"loky", "dask"}, default="loky"
        ``"loky"`` is joblib's default (processes on this machine). ``"dask"`` sends the
        fits to a Dask cluster through ``joblib.parallel_config(backend="dask")``.
    scheduler : str, distributed.Client or None, default=None
        For ``"dask"``: a scheduler address (``"tcp://host:8786"``) or a client. ``None``
        starts a local cluster for the block.

    Examples
    --------
    >>> with parallel_backend("loky"):
    ...     pass
    """
    if backend == "loky":
        if scheduler is not None:
            raise ValueError("scheduler is only used with backend='dask'.")
        yield
        return
    if backend != "dask":
        raise ValueError(f"backend must be 'loky' or 'dask'; got {backend!r}.")
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'imblearn-deep[dask]'."
        ) from exc
    owned = not isinstance(scheduler, Client)
    client = Client(scheduler) if owned and scheduler is not None else scheduler
    if client is None:
        # One single-threaded worker per core; dask caps each worker's torch threads.
        client = Client(processes=True, threads_per_worker=1, silence_logs=logging.ERROR)
    try:
        with joblib.parallel_config(backend="dask", client=client):
            yield
    finally:
        if owned:
            client.close()


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Set torch's intra-op threads for the block (``None``: leave them), then restore.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# -- one cell -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    sampler: SamplerSpec
    classifier: ClassifierSpec
    seed: int

    def key(self, dataset: str) -> str:
        return f"{dataset}|{self.sampler.name}|{self.classifier.name}|seed={self.seed}"

    def slug(self, dataset: str) -> str:
        return f"{dataset}__{self.sampler.name}__{self.classifier.name}__seed{self.seed}"


def _smallest_training_class(folds: StratifiedKFold, X, y) -> int:
    """Smallest class count in any training part (folds and the full refit set)."""
    _, codes = np.unique(y, return_inverse=True)
    counts = [np.bincount(codes).min()]
    counts += [np.bincount(codes[train]).min() for train, _ in folds.split(X, y)]
    return int(min(counts))


def _sampler_fits(cache_dir: str) -> list[tuple[float, float]]:
    """(time, seconds) of every sampler fit the pipeline cache recorded, oldest first.

    joblib's Memory writes one folder with a ``metadata.json`` per cache miss of
    imblearn's ``_fit_resample_one``: the folders are the sampler fits that ran.
    """
    fits = []
    for folder, _, files in os.walk(cache_dir):
        if "metadata.json" in files and Path(folder).parent.name == "_fit_resample_one":
            with open(Path(folder, "metadata.json"), encoding="utf-8") as f:
                metadata = json.load(f)
            fits.append((float(metadata["time"]), float(metadata["duration"])))
    return sorted(fits)


def _test_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray) -> dict:
    """The scores of :data:`~imblearn_deep.metrics.SCORERS` on the test predictions, with
    per-class recall and the confusion matrix."""
    recalls = recall_score(y_true, y_pred, labels=classes, average=None, zero_division=0)
    return {
        "test_f1_macro": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "test_balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "test_g_mean": float(geometric_mean_score(y_true, y_pred, average="multiclass")),
        "test_accuracy": float(accuracy_score(y_true, y_pred)),
        "recall": {str(c): float(r) for c, r in zip(classes.tolist(), recalls, strict=True)},
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }


def _jsonable(value):
    """Plain Python values for strict JSON (numpy scalars, tuples; NaN becomes None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return repr(value)


def _sampler_record(sampler, fits: list[tuple[float, float]]) -> dict:
    """What the refit sampler tells about its cost and its generator."""
    if isinstance(sampler, str):  # "passthrough"
        return {"n_synthetic": 0, "history": []}
    history = [_jsonable(record) for record in getattr(sampler, "history_", [])]
    record = {
        "n_synthetic": int(sum(getattr(sampler, "sampling_strategy_", {}).values())),
        "history": history,
    }
    if fits:
        # The refit on the whole training set runs after every fold: the newest entry.
        refit_seconds = fits[-1][1]
        train_seconds = sum(float(r.get("seconds", 0.0)) for r in history)
        record.update(
            sampler_seconds=refit_seconds,
            sampler_seconds_total=sum(duration for _, duration in fits),
            generator_train_seconds=train_seconds if history else None,
            generation_seconds=max(refit_seconds - train_seconds, 0.0),
        )
    return record


def _save_images(sampler, X, y, classes, seed: int, path: Path) -> None:
    """Real and generated images of every class, for the report's image grids."""
    generated = np.stack(
        [sampler.generate(IMAGES_PER_CLASS, label, random_state=seed) for label in classes]
    )
    real_index = np.concatenate([np.flatnonzero(y == c)[:IMAGES_PER_CLASS] for c in classes])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, classes=classes, generated=generated, real=X[real_index], real_labels=y[real_index]
    )


def _run_cell(
    cell: _Cell, data, *, dataset, n_folds, device, n_jobs, cache_root, output, verbose, judge
):
    X, y, X_test, y_test = data
    classes = np.unique(y)
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=cell.seed)
    max_neighbors = max(_smallest_training_class(folds, X, y) - 1, 1)
    cache_dir = tempfile.mkdtemp(prefix="pipeline-cache-", dir=cache_root)
    try:
        pipe = build_pipeline(
            cell.sampler,
            cell.classifier,
            random_state=cell.seed,
            device=device,
            classes=classes,
            memory=cache_dir,
        )
        sampler_grid = cell.sampler.step_grid(max_neighbors=max_neighbors)
        grid = {**sampler_grid, **cell.classifier.step_grid()}
        search = GridSearchCV(
            pipe,
            grid,
            scoring=SCORERS,
            refit="f1_macro",
            cv=folds,
            n_jobs=n_jobs,
            error_score="raise",
            verbose=max(verbose - 1, 0),
        )
        start = time.perf_counter()
        search.fit(X, y)
        search_seconds = time.perf_counter() - start
        best = search.best_estimator_
        start = time.perf_counter()
        y_pred = best.predict(X_test)
        predict_seconds = time.perf_counter() - start
        fits = _sampler_fits(cache_dir)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    results, i = search.cv_results_, search.best_index_
    row = {
        "best_params": _jsonable(search.best_params_),
        **{f"cv_{name}": float(results[f"mean_test_{name}"][i]) for name in SCORERS},
        "cv_f1_macro_std": float(results["std_test_f1_macro"][i]),
        **_test_metrics(y_test, y_pred, classes),
        "n_candidates": len(results["params"]),
        "sampler_settings": n_settings(sampler_grid) if cell.sampler.resamples else 0,
        "sampler_fits": len(fits),
        "expected_sampler_fits": (
            n_settings(sampler_grid) * n_folds + 1 if cell.sampler.resamples else 0
        ),
        "search_seconds": search_seconds,
        "refit_seconds": float(search.refit_time_),
        "predict_seconds": predict_seconds,
    }
    sampler = best.named_steps["sampler"]
    row.update(_sampler_record(sampler, fits))
    if judge is not None and cell.sampler.resamples:
        start = time.perf_counter()
        row.update(sample_quality(sampler, judge(), X, y, random_state=cell.seed))
        row["quality_seconds"] = time.perf_counter() - start
    if hasattr(sampler, "generate"):
        relative = Path(ARTIFACTS_DIR, cell.slug(dataset) + ".npz")
        _save_images(sampler, X, y, classes, cell.seed, Path(output, relative))
        row["images"] = relative.as_posix()
    return row


# -- results files ------------------------------------------------------------------------

# Columns of results.csv first in this order; nested fields are flattened or left out.
_CSV_FIRST = (
    "dataset",
    "preset",
    "sampler",
    "classifier",
    "seed",
    "status",
    "cv_f1_macro",
    "cv_f1_macro_std",
    "cv_balanced_accuracy",
    "cv_g_mean",
    "cv_accuracy",
    "test_f1_macro",
    "test_balanced_accuracy",
    "test_g_mean",
    "test_accuracy",
)
_CSV_LEFT_OUT = (
    "history",
    "confusion_matrix",
    "recall",
    "classes",
    "test_class_counts",
    "label_fidelity_per_class",
    "frechet_per_class",
)


def _csv_row(row: dict) -> dict:
    flat = {k: v for k, v in row.items() if k not in _CSV_LEFT_OUT}
    for key in ("best_params", "train_class_counts"):
        if key in flat:
            flat[key] = json.dumps(flat[key], sort_keys=True)
    flat.update({f"recall_{label}": value for label, value in row.get("recall", {}).items()})
    return flat


def _atomic_write(path: Path, write) -> None:
    # Written beside the target, then renamed: an interrupted run never leaves half a file.
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        write(f)
    os.replace(tmp, path)


def _write_results(output: Path, rows: list[dict]) -> None:
    _atomic_write(output / RESULTS_JSON, lambda f: json.dump(rows, f, indent=1, allow_nan=False))
    table = [_csv_row(row) for row in rows]
    columns = list(dict.fromkeys([*_CSV_FIRST, *(k for r in table for k in r)]))

    def write_csv(f):
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(table)

    _atomic_write(output / RESULTS_CSV, write_csv)


def read_results(output: str | os.PathLike) -> list[dict]:
    """The rows of ``results.json`` in an output folder (empty if there is none yet).

    Parameters
    ----------
    output : str or path-like
        The folder given to :func:`run_comparison`.

    Returns
    -------
    list of dict
        One row per cell.

    Examples
    --------
    >>> read_results("a-folder-that-does-not-exist")
    []
    """
    path = Path(output, RESULTS_JSON)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# -- the comparison -----------------------------------------------------------------------


def _resolve_specs(requested, available: Sequence, lookup, defaults) -> list:
    if requested is None:
        return [lookup(name) for name in defaults] if defaults else list(available)
    return [spec if not isinstance(spec, str) else lookup(spec) for spec in requested]


def _log(verbose: int, message: str) -> None:
    if verbose > 0:
        print(message, file=sys.stderr, flush=True)


def _describe(value):
    """A description of a parameter value that is the same in every process."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return [type(value).__qualname__, sorted((k, _describe(v)) for k, v in params.items())]
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if callable(value) and hasattr(value, "__qualname__"):
        # Classes and functions: their repr carries a memory address.
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return repr(value)


def _fingerprint(cell: _Cell, n_folds: int, device: str, data_hash: str) -> str:
    """Hash of everything that determines a cell's numbers: data, pipeline, grid, folds."""
    pipe = build_pipeline(cell.sampler, cell.classifier, random_state=cell.seed, device=device)
    grid = {**cell.sampler.step_grid(), **cell.classifier.step_grid()}
    described = (_describe(pipe.steps), _describe(sorted(grid.items())), n_folds, cell.seed)
    return joblib.hash((described, data_hash))[:16]


def _summary(row: dict) -> str:
    if row["status"] != "ok":
        return f"FAILED: {row['error']}"
    return (
        f"CV macro-F1 {row['cv_f1_macro']:.3f}, test macro-F1 {row['test_f1_macro']:.3f}, "
        f"sampler fits {row['sampler_fits']}"
    )


def run_comparison(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    preset: str | Preset = "fast",
    samplers: Sequence[str | SamplerSpec] | None = None,
    classifiers: Sequence[str | ClassifierSpec] | None = None,
    seeds: Sequence[int] | None = None,
    cv: int | None = None,
    dataset: str = "custom",
    output: str | os.PathLike = "results",
    n_jobs: int | None = None,
    backend: str = "loky",
    scheduler=None,
    device: str = "auto",
    threads: int | None = None,
    on_error: str = "record",
    quality: bool = True,
    verbose: int = 0,
) -> list[dict]:
    """Compare samplers by cross-validated grid search and a held-out test set.

    For every sampler x classifier x seed (a *cell*), an imblearn ``Pipeline(sampler,
    classifier)`` with a ``memory`` cache is tuned with ``GridSearchCV`` on
    ``StratifiedKFold(cv, shuffle=True, random_state=seed)`` folds of the training set
    (:data:`imblearn_deep.metrics.SCORERS`: macro-F1, balanced accuracy, G-mean,
    accuracy; ``refit="f1_macro"``, ``error_score="raise"``), refitted on the whole
    training set and scored on the test set. Samplers run only in ``Pipeline.fit``, so
    validation folds and the test set hold real samples only, and the cache fits each
    sampler setting once per fold.

    Each finished cell is written to ``output/results.json`` and ``results.csv`` at
    once; calling again with the same ``output`` skips the cells already finished with
    the same data and configuration (failed cells are retried).

    Parameters
    ----------
    X_train, y_train : array-like
        Training images ``(n, C, H, W)`` (or ``(n, H, W)``) and labels.
    X_test, y_test : array-like
        Held-out test images and labels; used once per cell, after the search.
    preset : str or Preset, default="fast"
        ``"fast"`` or ``"paper"`` (see :func:`~imblearn_deep.comparison.get_preset`), or
        a :class:`~imblearn_deep.comparison.Preset`.
    samplers : sequence of str or SamplerSpec, default=None
        Sampler candidates by name (``"none"``, ``"weighted"``, ``"ros"``, ``"smote"``,
        ``"adasyn"``, ``"deepsmote"``, ``"bagangp"``) or as specs; ``None``: all.
    classifiers : sequence of str or ClassifierSpec, default=None
        Classifier candidates by name (an ``architecture`` of
        :class:`~imblearn_deep.CNNClassifier`) or as specs; ``None``: the preset's.
    seeds : sequence of int, default=None
        Seeds of folds, samplers and classifiers; ``None``: the preset's.
    cv : int, default=None
        Number of folds; ``None``: the preset's.
    dataset : str, default="custom"
        Name recorded in the results and file names.
    output : str or path-like, default="results"
        Folder of the results (created if needed).
    n_jobs : int, default=None
        Parallel fits of one grid search. ``None``: 1 with ``"loky"`` (a torch
        estimator already uses every core, or the one GPU), all workers with ``"dask"``.
    backend : {"loky", "dask"}, default="loky"
        joblib backend of the grid searches (see :func:`parallel_backend`).
    scheduler : str, distributed.Client or None, default=None
        Dask scheduler address or client (``backend="dask"`` only).
    device : str, default="auto"
        Device of the torch samplers and classifiers.
    threads : int, default=None
        torch threads for the fits run in this process (``n_jobs=1``); ``None``: the
        preset's ``torch_threads`` (1 for ``"fast"``, torch's default for ``"paper"``).
        Restored afterwards. joblib's loky workers get ``cores // n_jobs`` each.
    on_error : {"record", "raise"}, default="record"
        ``"record"`` writes a failed cell (e.g. ADASYN on well-separated classes) as a
        row with ``status="failed"`` and its error, and goes on; ``"raise"`` stops.
    quality : bool, default=True
        Measure each resampling cell's synthetic images (up to 200 per class) with a
        judge trained on the real training images only, once per seed and classifier
        (see :mod:`imblearn_deep.comparison.quality`): ``label_fidelity`` and
        ``frechet_mean`` / ``frechet_per_class`` in the rows. Never used for selection.
    verbose : int, default=0
        1 prints one line per cell; 2 adds GridSearchCV's progress.

    Returns
    -------
    list of dict
        One row per cell of this call, in run order (see ``results.json``).

    Examples
    --------
    >>> import tempfile
    >>> from imblearn_deep.comparison import run_comparison
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X_train, y_train, X_test, y_test = load_imbalanced("digits")
    >>> rows = run_comparison(
    ...     X_train, y_train, X_test, y_test, samplers=["ros"], seeds=[0], cv=2,
    ...     output=tempfile.mkdtemp(), device="cpu")
    >>> rows[0]["sampler_fits"], 0 <= rows[0]["test_f1_macro"] <= 1
    (3, True)
    """
    if on_error not in ("record", "raise"):
        raise ValueError(f"on_error must be 'record' or 'raise'; got {on_error!r}.")
    if not isinstance(preset, Preset):
        preset = get_preset(preset, dataset if dataset != "custom" else "digits")
    sampler_specs = _resolve_specs(samplers, preset.samplers, preset.sampler, None)
    classifier_specs = _resolve_specs(
        classifiers, preset.classifiers, preset.classifier, preset.default_classifiers
    )
    seeds = list(preset.seeds if seeds is None else seeds)
    n_folds = preset.cv if cv is None else int(cv)
    if n_folds < 2:
        raise ValueError(f"cv must be at least 2; got {cv}.")
    if n_jobs is None:
        n_jobs = -1 if backend == "dask" else 1

    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    X_test, y_test = np.asarray(X_test), np.asarray(y_test)
    data = (X_train, y_train, X_test, y_test)
    data_hash = joblib.hash(data)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    rows_by_key = {row["cell"]: row for row in read_results(output)}

    cells = [
        _Cell(sampler, classifier, seed)
        for seed in seeds
        for classifier in classifier_specs
        for sampler in sampler_specs
    ]
    done = []
    judges: dict[tuple[str, int], Any] = {}

    def judge_of(cell: _Cell):
        # Built on first use, so a resumed run trains only the judges it needs.
        key = (cell.classifier.name, cell.seed)
        if key not in judges:
            judges[key] = fit_judge(
                cell.classifier, X_train, y_train, random_state=cell.seed, device=device
            )
        return judges[key]

    threads = preset.torch_threads if threads is None else threads
    with (
        parallel_backend(backend, scheduler),
        torch_threads(threads),
        tempfile.TemporaryDirectory(prefix=".cache-", dir=output) as cache_root,
    ):
        for number, cell in enumerate(cells, 1):
            key = cell.key(dataset)
            config = _fingerprint(cell, n_folds, device, data_hash)
            title = (
                f"[{number}/{len(cells)}] {cell.sampler.label} + {cell.classifier.label}, "
                f"seed {cell.seed}"
            )
            previous = rows_by_key.get(key)
            if previous and previous["status"] == "ok" and previous.get("config") == config:
                _log(verbose, f"{title}: done before, skipped")
                done.append(previous)
                continue
            _log(verbose, f"{title} ...")
            row = {
                "cell": key,
                "dataset": dataset,
                "preset": preset.name,
                "sampler": cell.sampler.name,
                "sampler_label": cell.sampler.label,
                "classifier": cell.classifier.name,
                "classifier_label": cell.classifier.label,
                "seed": cell.seed,
                "config": config,
                "cv_folds": n_folds,
                "device": device,
                "classes": _jsonable(np.unique(y_train).tolist()),
                "train_class_counts": _class_counts(y_train),
                "test_class_counts": _class_counts(y_test),
            }
            start = time.perf_counter()
            try:
                row.update(
                    _run_cell(
                        cell,
                        data,
                        dataset=dataset,
                        n_folds=n_folds,
                        device=device,
                        n_jobs=n_jobs,
                        cache_root=cache_root,
                        output=output,
                        verbose=verbose,
                        judge=partial(judge_of, cell) if quality else None,
                    ),
                    status="ok",
                )
            except Exception as exc:
                if on_error == "raise":
                    raise
                row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            row["seconds"] = time.perf_counter() - start
            row["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            row = _jsonable(row)
            rows_by_key[key] = row
            _write_results(output, list(rows_by_key.values()))
            _log(verbose, f"{title}: {_summary(row)} ({row['seconds']:.1f} s)")
            done.append(row)
    return done


def _class_counts(y: np.ndarray) -> dict[str, int]:
    labels, counts = np.unique(y, return_counts=True)
    return {str(label): int(count) for label, count in zip(labels.tolist(), counts, strict=True)}
