"""Run the comparison: every sampler x classifier x seed cell, recorded as it finishes.

The runner builds the cells, skips those a results folder already holds with the same
configuration, runs the others (:func:`~imblearn_deep.comparison.cell.run_cell`) and hands
each finished row to the :class:`~imblearn_deep.comparison.ResultsStore`. SIGINT and
SIGTERM stop it without recording a truncated cell (:mod:`.interrupts`); several runs on
one folder share the work, one cell each at a time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from .cell import Cell, fingerprint, run_cell
from .environment import parallel_backend, torch_threads
from .grid import ClassifierSpec, Preset, SamplerSpec, get_preset
from .interrupts import stop_on_signals
from .quality import fit_judge
from .store import ResultsStore, jsonable

__all__ = ["run_comparison"]

CACHE_DIR = ".cache"


def _resolve_specs(requested, available: Sequence, lookup, defaults) -> list:
    if requested is None:
        return [lookup(name) for name in defaults] if defaults else list(available)
    return [spec if not isinstance(spec, str) else lookup(spec) for spec in requested]


def _ranks(specs: Sequence, available: Sequence) -> dict[str, int]:
    """Position of each spec in the preset's list (the tables' order), others after."""
    known = [spec.name for spec in available]
    return {
        spec.name: known.index(spec.name) if spec.name in known else len(known) + i
        for i, spec in enumerate(specs)
    }


def _log(verbose: int, message: str) -> None:
    if verbose > 0:
        print(message, file=sys.stderr, flush=True)


def _summary(row: dict) -> str:
    if row["status"] != "ok":
        return f"FAILED: {row['error']}"
    return (
        f"CV macro-F1 {row['cv_f1_macro']:.3f}, test macro-F1 {row['test_f1_macro']:.3f}, "
        f"sampler fits {row['sampler_fits']}"
    )


def _class_counts(y: np.ndarray) -> dict[str, int]:
    labels, counts = np.unique(y, return_counts=True)
    return {str(label): int(count) for label, count in zip(labels.tolist(), counts, strict=True)}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _cache_root(output: Path) -> Iterator[str]:
    """This run's folder for pipeline caches, after removing those of dead runs.

    A run killed with SIGKILL cannot clean up; its folder names its process.
    """
    parent = output / CACHE_DIR
    parent.mkdir(exist_ok=True)
    for folder in parent.glob("run-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"run-{os.getpid()}-", dir=parent) as root:
        yield root


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

    Each finished cell is recorded at once and durably in ``output``
    (:class:`~imblearn_deep.comparison.ResultsStore`: one record per cell, views
    ``results.json`` and ``results.csv``); calling again with the same ``output`` skips
    the cells already finished with the same data and configuration (failed cells are
    retried). A cell is recorded only once its computation finished: SIGINT or SIGTERM
    stops the run with :class:`~imblearn_deep.comparison.Interrupted` (a
    ``KeyboardInterrupt``) and records nothing of the cell it stopped. Several runs may
    write into one folder at once: each cell is claimed by one of them, and none of their
    rows is lost.

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
        One row per cell of this call, in run order.

    Examples
    --------
    >>> import tempfile
    >>> from imblearn_deep.comparison import run_comparison
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> from pathlib import Path
    >>> X_train, y_train, X_test, y_test = load_imbalanced("digits")
    >>> out = Path(tempfile.mkdtemp())
    >>> rows = run_comparison(
    ...     X_train, y_train, X_test, y_test, samplers=["ros"], seeds=[0], cv=2,
    ...     output=out, device="cpu")
    >>> rows[0]["sampler_fits"], 0 <= rows[0]["test_f1_macro"] <= 1
    (3, True)
    >>> sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    ['cells', 'results.csv', 'results.json']
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
    store = ResultsStore(output)
    sampler_rank = _ranks(sampler_specs, preset.samplers)
    classifier_rank = _ranks(classifier_specs, preset.classifiers)
    cells = [
        Cell(sampler, classifier, seed, dataset)
        for seed in seeds
        for classifier in classifier_specs
        for sampler in sampler_specs
    ]
    judges: dict[tuple[str, int], Any] = {}

    def judge_of(cell: Cell):
        # Built on first use, so a resumed run trains only the judges it needs.
        key = (cell.classifier.name, cell.seed)
        if key not in judges:
            judges[key] = fit_judge(
                cell.classifier, X_train, y_train, random_state=cell.seed, device=device
            )
        return judges[key]

    def run_or_reuse(number: int, cell: Cell, *, wait: bool) -> dict | None:
        """The cell's row, run here or finished before; None if another run holds it."""
        title = f"[{number}/{len(cells)}] {cell.title}"
        config = fingerprint(cell, n_folds, device, data_hash)
        with store.claim(cell.key, wait=wait) as held:
            if not held:
                return None
            previous = store.get(cell.key)
            if previous and previous["status"] == "ok" and previous.get("config") == config:
                _log(verbose, f"{title}: done before, skipped")
                return previous
            guard.check()
            _log(verbose, f"{title} ...")
            row = {
                "cell": cell.key,
                "dataset": dataset,
                "preset": preset.name,
                "sampler": cell.sampler.name,
                "sampler_label": cell.sampler.label,
                "classifier": cell.classifier.name,
                "classifier_label": cell.classifier.label,
                "seed": cell.seed,
                "rank": [sampler_rank[cell.sampler.name], classifier_rank[cell.classifier.name]],
                "config": config,
                "cv_folds": n_folds,
                "device": device,
                "classes": jsonable(np.unique(y_train).tolist()),
                "train_class_counts": _class_counts(y_train),
                "test_class_counts": _class_counts(y_test),
            }
            start = time.perf_counter()
            try:
                row.update(
                    run_cell(
                        cell,
                        data,
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
            # A signal whose KeyboardInterrupt a library swallowed (or turned into an
            # error) leaves a truncated fit behind: never record it.
            guard.check()
            row = jsonable(row)
            store.record(row)
            _log(verbose, f"{title}: {_summary(row)} ({row['seconds']:.1f} s)")
            return row

    threads = preset.torch_threads if threads is None else threads
    done: dict[int, dict] = {}
    with (
        stop_on_signals() as guard,
        parallel_backend(backend, scheduler),
        torch_threads(threads),
        _cache_root(output) as cache_root,
    ):
        deferred = []
        for number, cell in enumerate(cells, 1):
            row = run_or_reuse(number, cell, wait=False)
            if row is None:
                _log(
                    verbose,
                    f"[{number}/{len(cells)}] {cell.title}: running in another "
                    "process on this folder; later",
                )
                deferred.append((number, cell))
            else:
                done[number] = row
        for number, cell in deferred:
            _log(verbose, f"[{number}/{len(cells)}] {cell.title}: waiting for the other run")
            done[number] = run_or_reuse(number, cell, wait=True)
    return [done[number] for number in sorted(done)]
