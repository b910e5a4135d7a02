"""One cell of the comparison: a sampler x classifier x seed, searched, refitted and scored.

A cell builds an imblearn ``Pipeline([("sampler", ...), ("clf", ...)])`` with a ``memory``
cache, searches its grid with :class:`~sklearn.model_selection.GridSearchCV` on stratified
shuffled folds of the training set, refits the best setting on the whole training set
and scores it on the held-out test set. Samplers only run inside ``Pipeline.fit``, so
every validation fold and the test set hold real images only.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from ..metrics import SCORERS, SCORES
from ._artifacts import save_sample_images
from ._confine import ARTIFACTS_DIR
from ._fit_labels import FitLabels, labelled
from ._quality import sample_quality
from ._row import BALANCED_TEST, heldout_scores
from ._specs import ClassifierSpec, SamplerSpec, n_settings
from ._store import cell_slug, jsonable

__all__ = [
    "Cell",
    "build_pipeline",
    "cell_grids",
    "cross_validates",
    "fingerprint",
    "planned_fits",
    "run_cell",
]


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


@dataclass(frozen=True)
class Cell:
    """A sampler x classifier x seed of a comparison on one dataset.

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> preset = get_preset("fast")
    >>> cell = Cell(preset.sampler("ros"), preset.classifier("small_cnn"), 0, "digits")
    >>> cell.key, cell.slug
    ('digits|ros|small_cnn|seed=0', 'digits__ros__small_cnn__seed0')
    """

    sampler: SamplerSpec
    classifier: ClassifierSpec
    seed: int
    dataset: str

    @property
    def key(self) -> str:
        """The cell's identity in a results folder."""
        return f"{self.dataset}|{self.sampler.name}|{self.classifier.name}|seed={self.seed}"

    @property
    def slug(self) -> str:
        """The cell's key as a file name."""
        return cell_slug(self.key)

    @property
    def title(self) -> str:
        """How progress lines name the cell."""
        return f"{self.sampler.label} + {self.classifier.label}, seed {self.seed}"


def _own(cls: type, name: str, default):
    # The class's own declaration only: a subclass is another estimator, with its own
    # history (inheriting would change the fingerprints recorded for it).
    return vars(cls).get(name, default)


def _describe(value):
    """A description of a parameter value that is the same in every process."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        # What an estimator declares of its own history (see the estimator classes):
        # parameters that leave the fingerprint at their neutral value, and a version of
        # behaviour that changed without a parameter to show it.
        cls, name = type(value), type(value).__qualname__
        neutral = _own(cls, "_fingerprint_neutral_params", {})
        params = {
            key: _describe(param)
            for key, param in value.get_params(deep=False).items()
            if not (key in neutral and _describe(param) == _describe(neutral[key]))
        }
        version = _own(cls, "_behaviour_version", None)
        if version is not None:
            return [name, sorted(params.items()), version]
        return [name, sorted(params.items())]
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if callable(value) and hasattr(value, "__qualname__"):
        # Classes and functions: their repr carries a memory address.
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return repr(value)


def fingerprint(cell: Cell, n_folds: int, device: str, data_hash: str, search: str = "auto") -> str:
    """Hash of everything that determines a cell's numbers: data, pipeline, grid, folds.

    A cell that does not cross-validate (:func:`cross_validates`) counts 0 folds.

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> preset = get_preset("fast")
    >>> cell = Cell(preset.sampler("ros"), preset.classifier("small_cnn"), 0, "digits")
    >>> fingerprint(cell, 2, "cpu", "data") == fingerprint(cell, 3, "cpu", "data")
    False
    """
    pipe = build_pipeline(cell.sampler, cell.classifier, random_state=cell.seed, device=device)
    grid = {**cell.sampler.step_grid(), **cell.classifier.step_grid()}
    folds = n_folds if cross_validates(grid, search) else 0
    described = (_describe(pipe.steps), _describe(sorted(grid.items())), folds, cell.seed)
    return joblib.hash((described, data_hash))[:16]


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


def _sampler_record(sampler, fits: list[tuple[float, float]]) -> dict:
    """What the refit sampler tells about its cost and its generator."""
    if isinstance(sampler, str):  # "passthrough"
        return {"n_synthetic": 0, "history": []}
    history = [jsonable(record) for record in getattr(sampler, "history_", [])]
    # Samples added per class; a sampler without such a dict (imblearn's FunctionSampler
    # says "bypass") adds none that it counts.
    strategy = getattr(sampler, "sampling_strategy_", {})
    record = {
        "n_synthetic": int(sum(strategy.values())) if isinstance(strategy, dict) else 0,
        "history": history,
    }
    # Per-class verdicts a sampler declares worth recording (a filter's acceptance rate).
    for name in getattr(type(sampler), "_recorded_per_class", ()):
        if hasattr(sampler, f"{name}_"):
            record[name] = {str(label): v for label, v in getattr(sampler, f"{name}_").items()}
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


def cross_validates(grid: dict, search: str = "auto") -> bool:
    """Whether a cell with ``grid`` runs a cross-validated search.

    Examples
    --------
    >>> cross_validates({"clf__lr": [1e-3]}), cross_validates({"clf__lr": [1e-3, 3e-3]})
    (False, True)
    >>> cross_validates({"clf__lr": [1e-3]}, search="always")
    True
    """
    if search not in ("auto", "always"):
        raise ValueError(f"search must be 'auto' or 'always'; got {search!r}.")
    return search == "always" or n_settings(grid) > 1


def cell_grids(cell: Cell, X, y, n_folds: int) -> tuple[dict, dict]:
    """The grid a run of ``cell`` searches: its sampler part, and the whole grid.

    Neighbour counts of SMOTE-like samplers are capped by the smallest class of any
    training part (the folds and the whole training set). Keys are pipeline parameters
    (``sampler__...``, ``clf__...``).

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> preset = get_preset("fast")
    >>> cell = Cell(preset.sampler("smote"), preset.classifier("small_cnn"), 0, "digits")
    >>> cell_grids(cell, X, y, n_folds=3)[0]  # the smallest class has 3 images in a fold
    {'sampler__sampler__k_neighbors': [2]}
    """
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=cell.seed)
    max_neighbors = max(_smallest_training_class(folds, X, y) - 1, 1)
    sampler_grid = cell.sampler.step_grid(max_neighbors=max_neighbors)
    return sampler_grid, {**sampler_grid, **cell.classifier.step_grid()}


def planned_fits(cell: Cell, X, y, *, n_folds: int, search: str = "auto") -> tuple[int, int]:
    """The sampler fits and the classifier fits a run of ``cell`` on ``X, y`` makes.

    A cross-validated search fits every setting on every fold, then refits the best on
    the whole training set; the pipeline's cache fits each sampler setting once per fold.
    A grid of one setting (``search="auto"``) is fitted once. The cell records its
    sampler fits as ``sampler_fits`` and these as ``expected_sampler_fits``.

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> preset = get_preset("fast")
    >>> cell = Cell(preset.sampler("smote"), preset.classifier("small_cnn"), 0, "digits")
    >>> cell.classifier.step_grid()  # searched, so SMOTE's one setting is fitted per fold
    {'clf__lr': [0.001, 0.003]}
    >>> planned_fits(cell, X, y, n_folds=3)  # SMOTE 1 x 3 + 1 times, the CNN 2 x 3 + 1
    (4, 7)
    """
    return _fit_counts(cell, *cell_grids(cell, X, y, n_folds), n_folds, search)


def _fit_counts(cell: Cell, sampler_grid, grid, n_folds: int, search: str) -> tuple[int, int]:
    fitted_folds = n_folds if cross_validates(grid, search) else 0
    sampler_fits = n_settings(sampler_grid) * fitted_folds + 1 if cell.sampler.resamples else 0
    return sampler_fits, n_settings(grid) * fitted_folds + 1


def _print_epochs(pipe: Pipeline) -> None:
    """Let the pipeline's torch steps print one line per epoch (verbose takes no part in
    the numbers, nor in the cell's fingerprint)."""
    for name, step in pipe.steps:
        if not isinstance(step, str) and "verbose" in step.get_params(deep=False):
            pipe.set_params(**{f"{name}__verbose": 1})


def _search(pipe, grid, X, y, folds, *, n_jobs, verbose) -> tuple[dict, Pipeline]:
    """GridSearchCV over ``grid``: the CV columns of the best setting, and its refit."""
    refit = SCORES[0].name
    search = GridSearchCV(
        pipe,
        grid,
        scoring=SCORERS,
        refit=refit,
        cv=folds,
        n_jobs=n_jobs,
        error_score="raise",
        verbose=max(verbose - 2, 0),
    )
    start = time.perf_counter()
    search.fit(X, y)
    seconds = time.perf_counter() - start
    results, i = search.cv_results_, search.best_index_
    row = {
        "best_params": jsonable(search.best_params_),
        **{f"cv_{s.name}": float(results[f"mean_test_{s.name}"][i]) for s in SCORES},
        f"cv_{refit}_std": float(results[f"std_test_{refit}"][i]),
        "n_candidates": len(results["params"]),
        "search_seconds": seconds,
        "refit_seconds": float(search.refit_time_),
    }
    return row, search.best_estimator_


def run_cell(
    cell: Cell,
    data: tuple,
    *,
    n_folds: int,
    device: str,
    n_jobs: int,
    cache_root: str | os.PathLike,
    output: str | os.PathLike,
    verbose: int = 0,
    judge: Callable[[], object] | None = None,
    search: str = "auto",
    balanced_test: tuple | None = None,
) -> dict:
    """Search, refit and score one cell; the row's measured fields.

    A grid of one setting has nothing to choose: with ``search="auto"`` the pipeline is
    then fitted once on the whole training set (the same model a search would refit, so
    the same test scores) and the ``cv_*`` columns are None (``cv_folds`` 0).

    Parameters
    ----------
    cell : Cell
        What to run.
    data : tuple
        ``(X_train, y_train, X_test, y_test)``.
    n_folds : int
        Folds of the grid search.
    device : str
        Device of the torch estimators.
    n_jobs : int
        Parallel fits of the grid search.
    cache_root : path-like
        Folder for the pipeline's ``memory`` cache (removed when the cell ends).
    output : path-like
        The results folder; image artifacts go to ``output/artifacts/``.
    verbose : int, default=0
        2 and more: the sampler and the classifier print one line per epoch (their
        ``verbose=1``); ``verbose - 2`` is passed to ``GridSearchCV``.
    judge : callable, default=None
        Returns the quality judge of this cell's classifier and seed; ``None``: no
        quality columns.
    search : {"auto", "always"}, default="auto"
        ``"always"`` cross-validates a one-setting grid too.
    balanced_test : tuple, default=None
        ``(X, y)`` of a class-balanced test set, scored like the test set in the
        ``balanced_test_*`` columns (:data:`~imblearn_deep.comparison._store.BALANCED_TEST`).

    Returns
    -------
    dict
        Best parameters, ``cv_*`` and ``test_*`` scores, counts and seconds.
    """
    X, y, X_test, y_test = data
    classes = np.unique(y)
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=cell.seed)
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
        sampler_grid, grid = cell_grids(cell, X, y, n_folds)
        validated = cross_validates(grid, search)
        if verbose >= 2:
            _print_epochs(pipe)
            # Each fit's epoch lines follow a line naming its fold and setting.
            pipe = labelled(
                pipe, FitLabels(cell.title, grid, X, y, folds=folds if validated else None)
            )
        if validated:
            row, best = _search(pipe, grid, X, y, folds, n_jobs=n_jobs, verbose=verbose)
        else:
            best = pipe.set_params(**{name: values[0] for name, values in grid.items()})
            start = time.perf_counter()
            best.fit(X, y)
            seconds = time.perf_counter() - start
            row = {
                "best_params": jsonable({name: values[0] for name, values in grid.items()}),
                **{f"cv_{s.name}": None for s in SCORES},
                f"cv_{SCORES[0].name}_std": None,
                "cv_folds": 0,
                "n_candidates": 1,
                "search_seconds": seconds,
                "refit_seconds": seconds,
            }
        start = time.perf_counter()
        y_pred = best.predict(X_test)
        predict_seconds = time.perf_counter() - start
        balanced_scores = {}
        if balanced_test is not None:
            X_balanced, y_balanced = balanced_test
            balanced_scores = heldout_scores(
                y_balanced, best.predict(X_balanced), classes, prefix=BALANCED_TEST
            )
        fits = _sampler_fits(cache_dir)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    row.update(
        heldout_scores(y_test, y_pred, classes),
        **balanced_scores,
        sampler_settings=n_settings(sampler_grid) if cell.sampler.resamples else 0,
        sampler_fits=len(fits),
        expected_sampler_fits=_fit_counts(cell, sampler_grid, grid, n_folds, search)[0],
        predict_seconds=predict_seconds,
    )
    sampler = best.named_steps["sampler"]
    row.update(_sampler_record(sampler, fits))
    # The compute the refitted classifier had: equal step budgets make methods comparable.
    clf = best.named_steps["clf"]
    row["clf_steps"] = getattr(clf, "n_steps_", None)
    row["clf_images_seen"] = getattr(clf, "n_images_seen_", None)
    if judge is not None and cell.sampler.resamples:
        start = time.perf_counter()
        row.update(sample_quality(sampler, judge(), X, y, random_state=cell.seed))
        row["quality_seconds"] = time.perf_counter() - start
    if cell.sampler.resamples:
        relative = Path(ARTIFACTS_DIR, cell.slug + ".npz")
        saved = save_sample_images(
            sampler, X, y, classes=classes, random_state=cell.seed, path=Path(output, relative)
        )
        if saved is not None:
            row["images"] = relative.as_posix()
    return row
