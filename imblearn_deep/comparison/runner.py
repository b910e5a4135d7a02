"""Run the comparison: every sampler x classifier x seed cell, recorded as it finishes.

The runner builds the cells, skips those a results folder already holds with the same
configuration, runs the others (:func:`~imblearn_deep.comparison.cell.run_cell`) and hands
each finished row to the :class:`~imblearn_deep.comparison.ResultsStore`. SIGINT and
SIGTERM stop it without recording a truncated cell (:mod:`.interrupts`); several runs on
one folder share the work, one cell each at a time.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ._watchdog import watch_parent
from .cell import Cell, cross_validates, fingerprint, run_cell
from .environment import parallel_backend, torch_threads
from .estimate import estimate_run, format_duration
from .grid import ClassifierSpec, DataSize, Preset, SamplerSpec, get_preset
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
        # On a terminal, first clear the live epoch line (see _EpochLines).
        clear = "\r\x1b[K" if sys.stderr.isatty() else ""
        print(clear + message, file=sys.stderr, flush=True)


class _EpochLines(io.TextIOBase):
    """A terminal's live line: each printed line replaces the one before it."""

    def __init__(self, terminal):
        self.terminal, self.pending = terminal, ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        width = shutil.get_terminal_size().columns - 1
        for line in lines:
            if line.strip():
                self.terminal.write("\r\x1b[K" + line[:width])
        self.terminal.flush()
        return len(text)


@contextmanager
def _epoch_output(verbose: int) -> Iterator[None]:
    """Where the steps' per-epoch lines go: stderr (stdout is the final table's), as one
    live line on a terminal, as plain lines otherwise."""
    if verbose < 2:
        yield
        return
    stream = _EpochLines(sys.stderr) if sys.stderr.isatty() else sys.stderr
    with redirect_stdout(stream):
        yield


def _summary(row: dict) -> str:
    if row["status"] != "ok":
        return f"FAILED: {row['error']}"
    cv = "" if row["cv_f1_macro"] is None else f"CV macro-F1 {row['cv_f1_macro']:.3f}, "
    return f"{cv}test macro-F1 {row['test_f1_macro']:.3f}, sampler fits {row['sampler_fits']}"


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
    jobs: int = 1,
    backend: str = "loky",
    scheduler=None,
    device: str = "auto",
    threads: int | None = None,
    on_error: str = "record",
    quality: bool = True,
    search: str = "auto",
    balanced_test: tuple | None = None,
    estimate: bool = False,
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
        ``"fast"`` or ``"paper"``, sized from ``X_train`` and ``y_train`` (see
        :func:`~imblearn_deep.comparison.get_preset`), or a
        :class:`~imblearn_deep.comparison.Preset`.
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
        A label: recorded in the results, it names the data in the report and the
        figures (a built-in dataset's name also gives its title and class names). The
        preset is sized from the data, never from this name.
    output : str or path-like, default="results"
        Folder of the results (created if needed).
    n_jobs : int, default=None
        Parallel fits of one grid search. ``None``: 1 with ``"loky"`` (a torch
        estimator already uses every core, or the one GPU), all workers with ``"dask"``.
    jobs : int, default=1
        Cells run at once, each in its own process (joblib, on ``backend``), with
        ``threads`` torch threads each; negative as joblib's ``n_jobs`` (``-1``: one per
        core). The rows are the same as
        with ``jobs=1`` to the last digit on a CPU (each cell is seeded on its own); each
        process trains the quality judges it needs.
    backend : {"loky", "dask"}, default="loky"
        joblib backend of the grid searches and of parallel cells (see
        :func:`~imblearn_deep.comparison.environment.parallel_backend`).
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
    search : {"auto", "always"}, default="auto"
        ``"auto"``: a cell whose grid has a single setting is fitted once on the training
        set and scored on the test set, without cross-validation (there is nothing to
        choose; the test scores are those a search would give), so the compute goes to
        seeds rather than to folds; its ``cv_*`` columns are None. ``"always"``:
        cross-validate every cell.
    balanced_test : tuple, default=None
        ``(X, y)`` of a class-balanced test set of real images that share none with the
        training set (:func:`~imblearn_deep.datasets.load_balanced_test`): every cell is
        also scored on it, in the ``balanced_test_*`` columns, the recall and the
        confusion matrix. Like the test set, it takes no part in the search.
    estimate : bool, default=False
        Before the first cell, time each sampler and classifier of the cells still to
        run by a short calibration and print an estimate of the run's duration
        (:func:`~imblearn_deep.comparison.estimate.estimate_run`; the calibration takes
        three short fits of each, and nothing when every cell is done).
    verbose : int, default=0
        1 prints one line per cell, with an estimate of the time left; 2 adds a line per
        training epoch of the samplers and classifiers (one live line on a terminal); 3
        adds GridSearchCV's progress. Everything goes to stderr.

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
    ['artifacts', 'cells', 'results.csv', 'results.json']
    """
    if on_error not in ("record", "raise"):
        raise ValueError(f"on_error must be 'record' or 'raise'; got {on_error!r}.")
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    if not isinstance(preset, Preset):
        # Sized from the training data, not looked up by the dataset's name: custom images
        # get the schedule of the built-in set of their size.
        preset = get_preset(preset, DataSize.of(X_train, y_train))
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
    cross_validates({}, search)  # checks the value before any work
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0:
        raise ValueError(f"jobs must be a non-zero integer (joblib's n_jobs); got {jobs!r}.")

    X_test, y_test = np.asarray(X_test), np.asarray(y_test)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    ResultsStore(output)  # checks the folder (damaged files are moved aside) before work
    sampler_rank = _ranks(sampler_specs, preset.samplers)
    classifier_rank = _ranks(classifier_specs, preset.classifiers)
    cells = [
        Cell(sampler, classifier, seed, dataset)
        for seed in seeds
        for classifier in classifier_specs
        for sampler in sampler_specs
    ]
    data = (X_train, y_train, X_test, y_test)
    if balanced_test is not None:
        if len(balanced_test) != 2:
            raise ValueError("balanced_test must be a pair (X, y).")
        balanced_test = (np.asarray(balanced_test[0]), np.asarray(balanced_test[1]))
    for name, labels in (("y_test", y_test), ("balanced_test", (balanced_test or (0, []))[1])):
        # A test class the classifiers never saw has no column of the confusion matrix:
        # its scores could not be checked against it, and no method can score on it.
        unseen = np.setdiff1d(labels, y_train)
        if len(unseen):
            raise ValueError(
                f"{name} holds classes that y_train does not: {unseen.tolist()}; every test "
                "class needs training images."
            )
    worker = _CellWorker(
        data=data,
        # Without a balanced test set, the hash of the data alone: folders recorded before
        # the option existed keep their fingerprints.
        data_hash=joblib.hash(data if balanced_test is None else (data, balanced_test)),
        balanced_test=balanced_test,
        output=str(output),
        preset=preset.name,
        n_folds=n_folds,
        device=device,
        # Cells in parallel processes each run their grid search on their own.
        n_jobs=n_jobs if jobs == 1 else 1,
        threads=preset.torch_threads if threads is None else threads,
        on_error=on_error,
        quality=quality,
        search=search,
        verbose=verbose,
        ranks={
            cell.key: [sampler_rank[cell.sampler.name], classifier_rank[cell.classifier.name]]
            for cell in cells
        },
        n_cells=len(cells),
        main_pid=os.getpid(),
    )
    done: dict[int, dict] = {}
    timer = _Progress(len(cells), jobs, verbose)
    with (
        stop_on_signals(),
        parallel_backend(backend, scheduler),
        _cache_root(output) as cache_root,
    ):
        if estimate:
            store = ResultsStore(output)
            pending = [cell for cell in cells if not worker.recorded(cell, store)]
            with torch_threads(worker.threads):
                forecast = estimate_run(
                    pending,
                    X_train,
                    y_train,
                    n_folds=n_folds,
                    search=search,
                    quality=quality,
                    device=device,
                    workers=max(1, min(joblib.effective_n_jobs(jobs), len(pending))),
                )
            _log(1, forecast.describe())
        tasks = [(number, cell, False, cache_root) for number, cell in enumerate(cells, 1)]
        if jobs == 1:
            results = (worker(*task) for task in tasks)
        else:
            # No more workers than cells: an idle worker would outlive a killed run until
            # loky's idle timeout (only a worker that runs a cell watches its parent).
            n_workers = jobs
            if backend == "loky":
                n_workers = max(1, min(joblib.effective_n_jobs(jobs), len(tasks)))
            results = joblib.Parallel(n_jobs=n_workers, return_as="generator_unordered")(
                joblib.delayed(worker)(*task) for task in tasks
            )
        deferred = []
        for number, row, ran in results:
            if row is None:
                deferred.append(number)
            else:
                done[number] = row
                timer.finished(row, ran)
        for number in sorted(deferred):
            _log(
                verbose,
                f"[{number}/{len(cells)}] {cells[number - 1].title}: waiting for the "
                "other run on this folder",
            )
            _, done[number], ran = worker(number, cells[number - 1], True, cache_root)
            timer.finished(done[number], ran)
    timer.close()
    return [done[number] for number in sorted(done)]


class _Progress:
    """Estimates of the time left while cells finish, and the time per cell at the end."""

    def __init__(self, n_cells: int, jobs: int, verbose: int):
        self.n_cells, self.verbose = n_cells, verbose
        self.jobs = joblib.effective_n_jobs(jobs)
        self.seconds: list[float] = []
        self.n_done = 0

    def finished(self, row: dict, ran: bool) -> None:
        self.n_done += 1
        if not ran:
            return
        self.seconds.append(float(row.get("seconds", 0.0)))
        left = self.n_cells - self.n_done
        if left and self.seconds:
            estimate = sum(self.seconds) / len(self.seconds) * left / self.jobs
            _log(
                self.verbose,
                f"    {left} cell(s) left: about {format_duration(estimate)} at the mean of the "
                f"{len(self.seconds)} timed so far",
            )

    def close(self) -> None:
        if self.seconds:
            mean = sum(self.seconds) / len(self.seconds)
            _log(
                self.verbose,
                f"time per cell: mean {format_duration(mean)}, "
                f"min {format_duration(min(self.seconds))}, "
                f"max {format_duration(max(self.seconds))} ({len(self.seconds)} run, "
                f"{self.n_done - len(self.seconds)} reused)",
            )


# The quality judges of the data last seen, per process: cells of one classifier and
# seed share a judge, in the main process and in each parallel worker alike.
_JUDGES: dict[tuple, Any] = {}


@dataclass(frozen=True)
class _CellWorker:
    """Runs one cell (or reuses its record) and records it; picklable for joblib."""

    data: tuple
    data_hash: str
    balanced_test: tuple | None
    output: str
    preset: str
    n_folds: int
    device: str
    n_jobs: int
    threads: int | None
    on_error: str
    quality: bool
    search: str
    verbose: int
    ranks: dict
    n_cells: int
    # The run's process: a worker process it started ends when it dies (_watchdog).
    main_pid: int | None = None

    def judge(self, cell: Cell):
        key = (self.data_hash, cell.classifier.name, cell.seed)
        if key not in _JUDGES:
            if any(k[0] != self.data_hash for k in _JUDGES):
                _JUDGES.clear()  # judges of other data are no use any more
            X_train, y_train = self.data[0], self.data[1]
            _JUDGES[key] = fit_judge(
                cell.classifier, X_train, y_train, random_state=cell.seed, device=self.device
            )
        return _JUDGES[key]

    def __call__(self, number: int, cell: Cell, wait: bool, cache_root: str):
        """``(number, row, ran)``: row None when another run holds the cell; ``ran``
        False when the row was recorded before."""
        # In a parallel worker (not the main process), end with the run even if it is
        # killed with SIGKILL: loky would compute the cell to its end for nobody.
        watch_parent(self.main_pid)
        with (
            stop_on_signals() as guard,
            torch_threads(self.threads),
            _epoch_output(self.verbose),
        ):
            return number, *self._run(number, cell, wait, cache_root, guard)

    def config(self, cell: Cell) -> str:
        """The cell's fingerprint in this run (data, folds, device, search included)."""
        return fingerprint(cell, self.n_folds, self.device, self.data_hash, self.search)

    def recorded(self, cell: Cell, store: ResultsStore | None = None) -> dict | None:
        """The folder's finished row of ``cell`` with this run's configuration, if any."""
        previous = (store or ResultsStore(self.output)).get(cell.key)
        if previous and previous["status"] == "ok" and previous.get("config") == self.config(cell):
            return previous
        return None

    def _run(self, number, cell, wait, cache_root, guard) -> tuple[dict | None, bool]:
        X_train, y_train, X_test, y_test = self.data
        title = f"[{number}/{self.n_cells}] {cell.title}"
        config = self.config(cell)
        store = ResultsStore(self.output)
        with store.claim(cell.key, wait=wait) as held:
            if not held:
                _log(self.verbose, f"{title}: running in another process on this folder")
                return None, False
            previous = self.recorded(cell, store)
            if previous:
                _log(self.verbose, f"{title}: done before, skipped")
                return previous, False
            guard.check()
            _log(self.verbose, f"{title} ...")
            row = {
                "cell": cell.key,
                "dataset": cell.dataset,
                "preset": self.preset,
                "sampler": cell.sampler.name,
                "sampler_label": cell.sampler.label,
                "classifier": cell.classifier.name,
                "classifier_label": cell.classifier.label,
                "seed": cell.seed,
                "rank": self.ranks[cell.key],
                "config": config,
                "cv_folds": self.n_folds,
                "device": self.device,
                "classes": jsonable(np.unique(y_train).tolist()),
                "train_class_counts": _class_counts(y_train),
                "test_class_counts": _class_counts(y_test),
            }
            if self.balanced_test is not None:
                row["balanced_test_class_counts"] = _class_counts(self.balanced_test[1])
            start = time.perf_counter()
            try:
                row.update(
                    run_cell(
                        cell,
                        self.data,
                        n_folds=self.n_folds,
                        device=self.device,
                        n_jobs=self.n_jobs,
                        cache_root=cache_root,
                        output=self.output,
                        verbose=self.verbose,
                        judge=partial(self.judge, cell) if self.quality else None,
                        search=self.search,
                        balanced_test=self.balanced_test,
                    ),
                    status="ok",
                )
            except Exception as exc:
                if self.on_error == "raise":
                    raise
                row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            row["seconds"] = time.perf_counter() - start
            row["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            # A signal whose KeyboardInterrupt a library swallowed (or turned into an
            # error) leaves a truncated fit behind: never record it.
            guard.check()
            row = jsonable(row)
            store.record(row)
            _log(self.verbose, f"{title}: {_summary(row)} ({row['seconds']:.1f} s)")
            return row, True
