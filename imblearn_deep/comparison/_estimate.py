"""How long a comparison will take, from a short calibration before it runs.

A cell's time is its fits: the sampler's (once per fold and setting, and the refit) and
the classifier's (once per fold and candidate, and the refit; one more for the quality
judge of each classifier and seed). The torch estimators train for a number of optimizer
steps they can tell in advance (``planned_steps``), and a fit costs about a fixed part
(building the networks, generating the balancing images) plus a part proportional to
its steps. So each sampler and classifier of the run is fitted on the training set twice
with its step budgets cut to a few steps, after one warm-up fit; the two times give both
parts, and the full fit is their extrapolation to the planned steps. An estimator
without ``planned_steps`` (SMOTE, ADASYN) is timed by one whole fit, which is short.

A classifier whose budget is in epochs (the ``paper`` preset's) trains more steps on a
resampled set than on the real one: its fits in a resampling cell are scaled by the
ratio of its planned steps on the two sizes. Prediction, scoring and the image artifacts
are left out (seconds per cell on a CPU), as is the slowdown of cells run side by side
(about 1.2x each with two on two cores, ``docs/benchmarks.md``). Fits of a
cross-validation fold see fewer images than the whole training set, which a step budget
makes nearly free and an epoch budget a little cheaper.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from .._durations import format_duration
from ._cell import Cell, build_pipeline, cell_grids, planned_fits

__all__ = ["CALIBRATION_STEPS", "RunEstimate", "estimate_run", "fit_seconds"]

#: Steps of the longest training stage in the two timed fits of :func:`fit_seconds`.
CALIBRATION_STEPS = (4, 16)


def _timed_fit(estimator, X, y) -> tuple[float, int]:
    """Seconds of the fit, and the number of samples it returns (a sampler) or saw."""
    start = time.perf_counter()
    if hasattr(estimator, "fit_resample"):
        n_out = len(estimator.fit_resample(X, y)[1])
    else:
        estimator.fit(X, y)
        n_out = len(y)
    return time.perf_counter() - start, n_out


def _shortened(estimator, planned: dict[str, int], share: float):
    """A clone of ``estimator`` whose step budgets are ``share`` of the planned ones."""
    return clone(estimator).set_params(
        **{name: max(1, round(share * steps)) for name, steps in planned.items()}
    )


def fit_seconds(estimator, X, y, *, steps: tuple[int, int] = CALIBRATION_STEPS) -> float:
    """Seconds a fit of ``estimator`` on ``X, y`` takes, from two short fits.

    Parameters
    ----------
    estimator : estimator or sampler
        Fitted with ``fit_resample`` when it has one, else ``fit``; it is cloned, never
        fitted itself. With a ``planned_steps(n_samples)`` method (the library's
        samplers and :class:`~imblearn_deep.CNNClassifier`), its step budgets are cut so
        that its longest training stage takes ``steps[0]``, then ``steps[1]`` steps
        (after a warm-up fit of ``steps[0]``, not timed): the fixed part and the cost per
        step found from the two times give the full fit. Without it, one whole fit is
        timed.
    X, y : array-like
        The training data.
    steps : (int, int), default=(4, 16)
        Steps of the longest stage in the two timed fits.

    Returns
    -------
    float
        Estimated seconds of a fit with the estimator's own budgets.

    Examples
    --------
    >>> from imblearn_deep import DeepSMOTE
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> sampler = DeepSMOTE(epochs=50, hidden_channels=8, latent_dim=8, k_neighbors=3,
    ...                     random_state=0)
    >>> sampler.planned_steps(len(X))  # the estimate times 4 and 16 of these
    {'max_steps': 200}
    >>> fit_seconds(sampler, X, y) > 0
    True
    """
    return _calibrate(estimator, X, y, steps)[0]


def _calibrate(estimator, X, y, steps: tuple[int, int]) -> tuple[float, int]:
    """:func:`fit_seconds`, and how many samples a fit returns (a sampler) or sees."""
    low, high = steps
    if not 0 < low < high:
        raise ValueError(f"steps must be two increasing positive counts; got {steps!r}.")
    planned = estimator.planned_steps(len(X)) if hasattr(estimator, "planned_steps") else {}
    longest = max(planned.values(), default=0)
    if longest <= high:
        return _timed_fit(clone(estimator), X, y)
    _timed_fit(_shortened(estimator, planned, low / longest), X, y)  # warm-up
    short, _ = _timed_fit(_shortened(estimator, planned, low / longest), X, y)
    longer, n_out = _timed_fit(_shortened(estimator, planned, high / longest), X, y)
    # t(share) = fixed + share * full_steps_cost, from the two shares of the planned steps.
    per_share = max(longer - short, 0.0) / ((high - low) / longest)
    fixed = max(short - per_share * low / longest, 0.0)
    return fixed + per_share, n_out


@dataclass(frozen=True)
class RunEstimate:
    """A run's estimated duration (see :func:`estimate_run`).

    Attributes
    ----------
    cell_seconds : dict of str to float
        Estimated seconds of each cell to run, by cell key.
    fit_seconds : dict of str to float
        Estimated seconds of one fit of each sampler and classifier, by label.
    workers : int
        Cells run at once.
    calibration_seconds : float
        What the calibration took.
    failed : dict of str to str
        Samplers and classifiers whose calibration fit failed, by label, with the error:
        their cells have no estimate (they run, and a failing cell is recorded as such).
    """

    cell_seconds: dict[str, float]
    fit_seconds: dict[str, float]
    workers: int
    calibration_seconds: float
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Estimated wall seconds: the cells' seconds shared among the workers."""
        return sum(self.cell_seconds.values()) / self.workers

    def describe(self) -> str:
        """One line for the log: cells, wall time, the fits it is made of."""
        unknown = "".join(
            f"; no estimate for the cells of {label} (its calibration failed: {error})"
            for label, error in self.failed.items()
        )
        if not self.cell_seconds:
            return "estimate: nothing to run" + unknown
        fits = ", ".join(f"{name} {format_duration(s)}" for name, s in self.fit_seconds.items())
        cells = self.cell_seconds.values()
        return (
            f"estimate: {len(self.cell_seconds)} cell(s) to run, about "
            f"{format_duration(self.seconds)} on {self.workers} worker(s) (a cell "
            f"{format_duration(min(cells))} to {format_duration(max(cells))}; one fit of {fits}; "
            f"calibrated in {format_duration(self.calibration_seconds)}){unknown}"
        )


def _step_ratio(estimator, n_samples: int, n_resampled: int | None) -> float:
    """How many times more steps ``estimator`` trains on ``n_resampled`` samples."""
    if n_resampled is None or not hasattr(estimator, "planned_steps"):
        return 1.0
    return sum(estimator.planned_steps(n_resampled).values()) / max(
        sum(estimator.planned_steps(n_samples).values()), 1
    )


def estimate_run(
    cells: Sequence[Cell],
    X,
    y,
    *,
    n_folds: int,
    search: str = "auto",
    quality: bool = True,
    device: str = "auto",
    workers: int = 1,
) -> RunEstimate:
    """Estimate the duration of running ``cells`` on ``X, y``, by a short calibration.

    Each distinct sampler and classifier of the cells is built as its cells build it
    (first cell's seed) and timed by :func:`fit_seconds` on the whole training set;
    a cell's estimate is its planned fits (:func:`~imblearn_deep.comparison._cell.planned_fits`)
    times those, plus one classifier fit for the quality judge of each classifier and
    seed when ``quality`` is on (the judge is that classifier trained on the real
    images). Run it under the torch thread count the cells will have.

    Parameters
    ----------
    cells : sequence of Cell
        The cells still to run.
    X, y : array-like
        The training images and labels.
    n_folds : int
        Folds of the grid searches.
    search : {"auto", "always"}, default="auto"
        As in :func:`~imblearn_deep.comparison.run_comparison`.
    quality : bool, default=True
        Whether the cells train quality judges.
    device : str, default="auto"
        Device of the torch estimators.
    workers : int, default=1
        Cells run at once.

    Returns
    -------
    RunEstimate

    Examples
    --------
    >>> from imblearn_deep.comparison import get_preset
    >>> from imblearn_deep.comparison._cell import Cell
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> preset = get_preset("fast").with_params("small_cnn", {"max_steps": 50})
    >>> cells = [Cell(preset.sampler(s), preset.classifier("small_cnn"), 0, "digits")
    ...          for s in ("none", "ros")]
    >>> estimate = estimate_run(cells, X, y, n_folds=3, quality=False, device="cpu")
    >>> sorted(estimate.cell_seconds) == sorted(cell.key for cell in cells)
    True
    """
    start = time.perf_counter()
    classes = np.unique(y)
    sampler_seconds: dict[str, float] = {}
    resampled_size: dict[str, int] = {}
    classifier_seconds: dict[str, float] = {}
    classifiers = {}
    labels: dict[str, str] = {}
    # A method whose fit fails on these data (ADASYN on well-separated classes) fails its
    # cells too, and they are recorded as failed: the estimate leaves them out and says so.
    failed: dict[str, str] = {}
    for cell in cells:
        known_sampler = not cell.sampler.resamples or cell.sampler.name in sampler_seconds
        if known_sampler and cell.classifier.name in classifier_seconds:
            continue
        if cell.sampler.name in failed or cell.classifier.name in failed:
            continue
        # The cell's pipeline at the first setting of its grid, as its search builds it.
        pipe = build_pipeline(
            cell.sampler, cell.classifier, random_state=cell.seed, device=device, classes=classes
        )
        grid = cell_grids(cell, X, y, n_folds)[1]
        pipe.set_params(**{name: values[0] for name, values in grid.items()})
        if not known_sampler:
            labels[cell.sampler.name] = cell.sampler.label
            try:
                seconds, n_out = _calibrate(pipe.named_steps["sampler"], X, y, CALIBRATION_STEPS)
            except Exception as error:
                failed[cell.sampler.name] = f"{type(error).__name__}: {error}"
                continue
            sampler_seconds[cell.sampler.name], resampled_size[cell.sampler.name] = seconds, n_out
        if cell.classifier.name not in classifier_seconds:
            labels[cell.classifier.name] = cell.classifier.label
            clf = classifiers[cell.classifier.name] = pipe.named_steps["clf"]
            try:
                classifier_seconds[cell.classifier.name] = fit_seconds(clf, X, y)
            except Exception as error:
                failed[cell.classifier.name] = f"{type(error).__name__}: {error}"
    judged: set[tuple[str, int]] = set()
    cell_seconds = {}
    for cell in cells:
        if cell.sampler.name in failed or cell.classifier.name in failed:
            continue
        sampler_fits, classifier_fits = planned_fits(cell, X, y, n_folds=n_folds, search=search)
        seconds = sampler_fits * sampler_seconds.get(cell.sampler.name, 0.0)
        clf_seconds = classifier_seconds[cell.classifier.name]
        # A budget in epochs trains more steps on a resampled set than on the real one.
        seconds += (
            classifier_fits
            * clf_seconds
            * _step_ratio(
                classifiers[cell.classifier.name], len(X), resampled_size.get(cell.sampler.name)
            )
        )
        judge = (cell.classifier.name, cell.seed)
        if quality and cell.sampler.resamples and judge not in judged:
            judged.add(judge)
            seconds += classifier_seconds[cell.classifier.name]
        cell_seconds[cell.key] = seconds
    fits = {labels[name]: s for name, s in {**sampler_seconds, **classifier_seconds}.items()}
    unknown = {labels[name]: error for name, error in failed.items()}
    return RunEstimate(cell_seconds, fits, max(1, workers), time.perf_counter() - start, unknown)
