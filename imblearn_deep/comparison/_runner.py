"""Run the comparison: every sampler x classifier x seed cell, recorded as it finishes.

The runner builds the cells, skips those a results folder already holds with the same
configuration, runs the others (:func:`~imblearn_deep.comparison._cell.run_cell`) and hands
each finished row to the :class:`~imblearn_deep.comparison.ResultsStore`. SIGINT and
SIGTERM stop it without recording a truncated cell (:mod:`._interrupts`); several runs on
one folder share the work, one cell each at a time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from .._torch.long_fit import unannounced
from . import _field_checks as check
from ._cell import Cell, cross_validates
from ._environment import parallel_backend, torch_threads
from ._estimate import estimate_run
from ._interrupts import stop_on_signals
from ._presets import DataSize, get_preset
from ._specs import ClassifierSpec, Preset, SamplerSpec
from ._store import ResultsStore
from ._worker import CellWorker, Progress, log

__all__ = ["Execution", "run_comparison"]

CACHE_DIR = ".cache"


@dataclass(frozen=True)
class Execution:
    """Where and how a comparison's cells run: processes, threads, device, scheduler.

    ``jobs``, ``n_jobs``, ``backend`` and ``scheduler`` do not change a cell's numbers
    (each cell is seeded on its own), so a run can be resumed or merged with other
    settings; ``device`` is part of each cell's fingerprint, since a GPU computes
    differently. ``threads`` does change them: torch sums in another order with another
    thread count, and training carries the difference on (a 30-epoch DeepSMOTE fit on
    the digits gave pixels up to 0.15 apart on a 0-16 scale with 1 and 2 threads). It is
    recorded in each row's ``provenance`` but is not part of the fingerprint: resume a
    run with the thread count it started with.

    Parameters
    ----------
    jobs : int, default=1
        Cells run at once, each in its own process (joblib, on ``backend``), with
        ``threads`` torch threads each; negative as joblib's ``n_jobs`` (``-1``: one per
        core). Each process trains the quality judges it needs.
    n_jobs : int, default=None
        Parallel fits of one grid search. ``None``: 1 with ``"loky"`` (a torch estimator
        already uses every core, or the one GPU), all workers with ``"dask"``.
    backend : {"loky", "dask"}, default="loky"
        joblib backend of the grid searches and of parallel cells.
    scheduler : str, distributed.Client or None, default=None
        Dask scheduler address or client (``backend="dask"`` only).
    device : str, default="auto"
        Device of the torch samplers and classifiers.
    threads : int, default=None
        torch threads for the fits run in this process; ``None``: the preset's
        ``torch_threads`` (1 for ``"fast"``, torch's default for ``"paper"``). Restored
        afterwards. joblib's loky workers get ``cores // n_jobs`` each.

    Examples
    --------
    >>> Execution(jobs=2, device="cpu")
    Execution(jobs=2, n_jobs=None, backend='loky', scheduler=None, device='cpu', threads=None)
    """

    jobs: int = 1
    n_jobs: int | None = None
    backend: str = "loky"
    scheduler: Any = None
    device: str = "auto"
    threads: int | None = None

    def __post_init__(self):
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs == 0:
            raise ValueError(
                f"jobs must be a non-zero integer (joblib's n_jobs); got {self.jobs!r}."
            )


def _execution(execution: Execution | None, legacy: dict[str, Any]) -> Execution:
    """``execution`` with the options ``run_comparison`` took one by one before (each a
    DeprecationWarning for one release)."""
    unknown = set(legacy) - {f.name for f in fields(Execution)}
    if unknown:
        raise TypeError(f"run_comparison() got unexpected keyword arguments {sorted(unknown)}.")
    if legacy:
        names = ", ".join(f"{name}=..." for name in legacy)
        warnings.warn(
            f"run_comparison({names}) is deprecated: pass execution=Execution({names}).",
            DeprecationWarning,
            stacklevel=3,
        )
    return replace(execution or Execution(), **legacy)


def _class_names(
    given: Sequence[str] | Mapping[Any, str] | None, classes: np.ndarray
) -> tuple[str, ...] | None:
    """One name per class of ``classes`` (sorted labels), checked as a row checks them."""
    if given is None:
        return None
    labels = classes.tolist()
    if isinstance(given, Mapping):
        missing = [label for label in labels if label not in given]
        if missing:
            raise ValueError(f"class_names names no class {missing}; y_train's are {labels}.")
        given = [given[label] for label in labels]
    elif isinstance(given, str) or len(given) != len(labels):
        raise ValueError(
            f"class_names must give one name per class of y_train ({len(labels)}: {labels}) "
            "in sorted label order, or map labels to names."
        )
    names = tuple(given)
    problem = check.class_names(list(names))
    if problem:
        raise ValueError(f"class_names {problem}; got {list(names)}.")
    return names


def _plan(cells: Sequence[Cell], recorded: Sequence[dict | None]) -> str:
    """The cells of a run, one line each, and which of them the folder holds."""
    lines = [
        f"  [{number}/{len(cells)}] {cell.title}: {'done before' if row else 'to run'}"
        for number, (cell, row) in enumerate(zip(cells, recorded, strict=True), 1)
    ]
    n_done = sum(1 for row in recorded if row)
    return "\n".join(
        [f"plan: {len(cells)} cell(s), {len(cells) - n_done} to run, {n_done} done before", *lines]
    )


def _warn_small_classes(y: np.ndarray, n_folds: int, names: Sequence[str] | None) -> None:
    """Say which classes are too small for the folds or for SMOTE-like samplers, and what
    happens to them, before any work."""
    labels, counts = np.unique(y, return_counts=True)
    small = [
        (names[i] if names else labels[i], int(n))
        for i, n in enumerate(counts)
        if n < max(n_folds, 2)
    ]
    if not small:
        return
    listed = ", ".join(f"{name!r} ({n})" for name, n in small)
    folds = (
        f" With {n_folds} folds, some folds train without such a class (scikit-learn warns) "
        "and score it as never recognised."
        if n_folds > 1
        else ""
    )
    warnings.warn(
        f"Classes with very few training images: {listed}.{folds} SMOTE and ADASYN need two "
        "images of a class in a training part and fail there (the cell is recorded as "
        "failed); DeepSMOTE repeats the decoding of the one image's code; random "
        "over-sampling repeats the image.",
        UserWarning,
        stacklevel=3,
    )


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
    balanced_test: tuple | None = None,
    class_names: Sequence[str] | Mapping[Any, str] | None = None,
    data_source: str | None = None,
    execution: Execution | None = None,
    quality: bool = True,
    search: str = "auto",
    estimate: bool = False,
    dry_run: bool = False,
    select: bool = False,
    on_error: str = "record",
    verbose: int = 0,
    **deprecated,
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
        ``"adasyn"``, ``"deepsmote"``, ``"bagangp"``, ``"latent_diffusion"``) or as specs;
        ``None``: all.
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
    class_names : sequence of str or mapping, default=None
        What the report and the figures call the classes: one name per class of
        ``y_train`` in sorted label order (e.g. the ``target_names`` of
        :func:`~imblearn_deep.datasets.load_image_folder`), or a mapping from label to
        name. ``None``: a built-in dataset's names, else the labels. Recorded in each
        row; not part of a cell's fingerprint.
    data_source : str, default=None
        One line on where the images came from and how the test set was drawn, printed
        in the report (recorded in each row).
    execution : Execution, default=None
        Processes, threads, device and scheduler of the run (:class:`Execution`);
        ``None``: one cell at a time on the default device. The options it groups
        (``jobs``, ``n_jobs``, ``backend``, ``scheduler``, ``device``, ``threads``) are
        still accepted one by one, with a DeprecationWarning, for one release.
    select : bool, default=False
        Cross-validate every cell, one-setting grids included (``search="always"``), so
        that the report can choose a method the way a user must: by its mean CV
        macro-F1 on the training images, never by a test score. The report then gives
        the chosen method's test scores beside every other method's, and how far they
        fall from the test-set best.
    on_error : {"record", "raise"}, default="record"
        ``"record"`` writes a failed cell (e.g. ADASYN on well-separated classes) as a
        row with ``status="failed"`` and its error, and goes on; ``"raise"`` stops.
    quality : bool, default=True
        Measure each resampling cell's synthetic images (up to 200 per class) with a
        judge trained on the real training images only, once per seed and classifier
        (the user guide's "Quality of the synthetic images"): ``label_fidelity``,
        ``frechet_mean`` / ``frechet_per_class`` and ``diversity`` /
        ``diversity_per_class`` in the rows. Never used for selection.
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
        (the calibration takes three short fits of each, and nothing when every cell is
        done).
    dry_run : bool, default=False
        Run nothing: print the plan (each cell, and whether the folder already holds
        it) and, with ``estimate``, the estimate, then return the rows already recorded
        for this call's cells (``compare --estimate-only``).
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
    execution = _execution(execution, deprecated)
    jobs, backend, device = execution.jobs, execution.backend, execution.device
    n_jobs = execution.n_jobs
    if n_jobs is None:
        n_jobs = -1 if backend == "dask" else 1
    cross_validates({}, search)  # checks the value before any work
    if select:
        search = "always"

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
    names = _class_names(class_names, np.unique(y_train))
    searched = any(
        cross_validates({**sampler.step_grid(), **classifier.step_grid()}, search)
        for sampler in sampler_specs
        for classifier in classifier_specs
    )
    _warn_small_classes(y_train, n_folds if searched else 1, names)
    worker = CellWorker(
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
        threads=preset.torch_threads if execution.threads is None else execution.threads,
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
        class_names=names,
        data_source=data_source,
    )
    done: dict[int, dict] = {}
    with (
        stop_on_signals(),
        parallel_backend(backend, execution.scheduler),
        _cache_root(output) as cache_root,
    ):
        forecast = None
        if dry_run or estimate:
            # The folder is read once for the plan and the estimate alike.
            store = ResultsStore(output)
            recorded = [worker.recorded(cell, store) for cell in cells]
            pending = [cell for cell, row in zip(cells, recorded, strict=True) if not row]
        if dry_run:
            log(1, _plan(cells, recorded))
        if estimate:
            with torch_threads(worker.threads), unannounced():
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
            log(1, forecast.describe())
        if dry_run:
            return [row for row in recorded if row]
        timer = Progress(cells, jobs, verbose, forecast.cell_seconds if forecast else None)
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
            log(
                verbose,
                f"[{number}/{len(cells)}] {cells[number - 1].title}: waiting for the "
                "other run on this folder",
            )
            _, done[number], ran = worker(number, cells[number - 1], True, cache_root)
            timer.finished(done[number], ran)
    timer.close()
    return [done[number] for number in sorted(done)]
