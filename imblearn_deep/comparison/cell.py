"""One cell of the comparison: a sampler x classifier x seed, searched, refitted and scored.

A cell builds an imblearn ``Pipeline([("sampler", ...), ("clf", ...)])`` with a ``memory``
cache, searches its grid with :class:`~sklearn.model_selection.GridSearchCV` on stratified
shuffled folds of the training set, refits the best setting on the whole training set
and scores it on the held-out test set. Samplers only run inside ``Pipeline.fit``, so
every validation fold and the test set hold real images only.
"""

from __future__ import annotations

import io
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
from .grid import ClassifierSpec, SamplerSpec, n_settings
from .quality import sample_quality
from .store import ARTIFACTS_DIR, atomic_write, cell_slug, heldout_scores, jsonable

__all__ = ["Cell", "build_pipeline", "fingerprint", "run_cell"]

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


def fingerprint(cell: Cell, n_folds: int, device: str, data_hash: str) -> str:
    """Hash of everything that determines a cell's numbers: data, pipeline, grid, folds.

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
    described = (_describe(pipe.steps), _describe(sorted(grid.items())), n_folds, cell.seed)
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
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, classes=classes, generated=generated, real=X[real_index], real_labels=y[real_index]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())


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
) -> dict:
    """Search, refit and score one cell; the row's measured fields.

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
        ``verbose - 1`` is passed to ``GridSearchCV``.
    judge : callable, default=None
        Returns the quality judge of this cell's classifier and seed; ``None``: no
        quality columns.

    Returns
    -------
    dict
        Best parameters, ``cv_*`` and ``test_*`` scores, counts and seconds.
    """
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
            refit=SCORES[0].name,
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
    refit = SCORES[0].name
    row = {
        "best_params": jsonable(search.best_params_),
        **{f"cv_{s.name}": float(results[f"mean_test_{s.name}"][i]) for s in SCORES},
        f"cv_{refit}_std": float(results[f"std_test_{refit}"][i]),
        **heldout_scores(y_test, y_pred, classes),
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
        relative = Path(ARTIFACTS_DIR, cell.slug + ".npz")
        _save_images(sampler, X, y, classes, cell.seed, Path(output, relative))
        row["images"] = relative.as_posix()
    return row
