"""scikit-learn's callback API (1.9): every epoch of a sampler or classifier is a task."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from _samplers import imbalanced_images, make_tiny
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, clone
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.callback._callback_context import get_context_path
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from imblearn_deep import CNNClassifier
from imblearn_deep._fit_tasks import CallbackSupportMixin, EpochTasks, FitTask
from imblearn_deep._torch.loop import run_epochs

# The stages of each sampler with the epochs the tests train them for.
STAGE_EPOCHS = {
    "DeepSMOTE": {"epochs": 3},
    "BAGANGP": {"autoencoder_epochs": 2, "gan_epochs": 3},
    # The diffusion stage records (and reports) one epoch per 100 denoiser steps.
    "LatentDiffusion": {"epochs": 3, "diffusion_steps": 250},
}
STAGES = {
    "DeepSMOTE": {"autoencoder": 3},
    "BAGANGP": {"autoencoder": 2, "gan": 3},
    "LatentDiffusion": {"autoencoder": 3, "diffusion": 3},
}


class Recorder:
    """A FitCallback that records every hook call with the path of task names."""

    def __init__(self, stop_after: int | None = None):
        self.events: list[tuple] = []
        self.stop_after = stop_after

    def setup(self, estimator, context):
        self.events.append(("setup", type(estimator).__name__))

    def teardown(self, estimator, context):
        self.events.append(("teardown", type(estimator).__name__))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        self.events.append(("begin", _path(context), X))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        self.events.append(("end", _path(context), fitted_estimator is not None))
        epochs_done = sum(1 for e in self.events if e[0] == "end" and e[1][-1] == "epoch")
        return self.stop_after is not None and epochs_done >= self.stop_after

    def paths(self, event: str) -> list[tuple[str, ...]]:
        return [e[1] for e in self.events if e[0] == event]


class PropagatedRecorder(Recorder):
    """The same, auto-propagated: set on a meta-estimator, it reaches the sub-estimators."""

    max_propagation_depth = None


def _path(context) -> tuple[str, ...]:
    return tuple(c.task_name for c in get_context_path(context))


def _epoch_paths(recorder: Recorder) -> list[tuple[str, ...]]:
    return [p for p in recorder.paths("end") if p[-1] == "epoch"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:240].reshape(-1, 1, 8, 8).astype(np.float32), y[:240] % 3


def tiny_cnn(**params) -> CNNClassifier:
    defaults = dict(max_epochs=2, random_state=0, device="cpu", module__channels=(4,))
    return CNNClassifier(**{**defaults, **params})


def test_sampler_reports_each_epoch_as_a_task(sampler_name):
    X, y = imbalanced_images(counts=(12, 10, 8))
    recorder = Recorder()
    sampler = make_tiny(sampler_name, **STAGE_EPOCHS[sampler_name]).set_callbacks(recorder)
    sampler.fit_resample(X, y)

    stages = STAGES[sampler_name]
    expected_epochs = [
        ("fit_resample", stage, "epoch") for stage, n in stages.items() for _ in range(n)
    ]
    assert _epoch_paths(recorder) == expected_epochs
    # Every task that begins ends, in the tree root / stages + generate / epochs.
    assert sorted(recorder.paths("begin")) == sorted(recorder.paths("end"))
    assert [p for p in recorder.paths("end") if len(p) == 2] == [
        *(("fit_resample", stage) for stage in stages),
        ("fit_resample", "generate"),
    ]
    assert recorder.events[0] == ("setup", sampler_name)
    assert recorder.events[-1] == ("teardown", sampler_name)
    # The hooks get the caller's data; only the finished fit is a fitted estimator.
    assert recorder.events[1][2] is not None and recorder.events[1][2].shape == X.shape
    assert recorder.events[-2] == ("end", ("fit_resample",), True)
    assert not any(e[2] for e in recorder.events[:-2] if e[0] == "end")
    assert not hasattr(sampler, "_callback_fit_ctx")


@pytest.mark.filterwarnings("ignore:Class .* has:UserWarning")
def test_sampler_tasks_inside_pipeline_and_grid_search(sampler_name, digits):
    X, y = digits
    recorder = Recorder()
    sampler = make_tiny(sampler_name, **STAGE_EPOCHS[sampler_name]).set_callbacks(recorder)
    pipe = Pipeline([("sampler", sampler), ("clf", tiny_cnn(max_epochs=1))])
    pipe.fit(X, y)
    n_epochs = sum(STAGES[sampler_name].values())
    assert len(_epoch_paths(recorder)) == n_epochs

    # GridSearchCV clones the pipeline; clones keep the step's callbacks (by reference),
    # so every fold's fit and the refit report: 2 folds x 2 candidates + 1 refit.
    recorder.events.clear()
    search = GridSearchCV(pipe, {"clf__lr": [1e-3, 3e-3]}, cv=2).fit(X, y)
    assert recorder.paths("begin").count(("fit_resample",)) == 5
    assert len(_epoch_paths(recorder)) == 5 * n_epochs
    assert search.best_estimator_.named_steps["sampler"]._skl_callbacks == [recorder]


def test_stop_request_ends_the_stage(sampler_name):
    X, y = imbalanced_images(counts=(12, 10, 8))
    sampler = make_tiny(sampler_name, **STAGE_EPOCHS[sampler_name])
    sampler.set_callbacks(Recorder(stop_after=1)).fit_resample(X, y)
    # Each stage stops after its first epoch; the next stage and generation still run.
    assert [(r["stage"], r["epoch"]) for r in sampler.history_] == [
        (stage, 1) for stage in STAGES[sampler_name]
    ]
    assert len(sampler.sample_provenance_["class"]) == 12 * 3 - 30


def test_classifier_reports_each_epoch_as_a_task(digits):
    X, y = digits
    recorder = Recorder()
    clf = tiny_cnn(max_epochs=3).set_callbacks(recorder).fit(X, y)
    assert _epoch_paths(recorder) == [("fit", "epoch")] * 3
    assert sorted(recorder.paths("begin")) == sorted(recorder.paths("end"))
    # A classifier is usable after every epoch.
    assert all(e[2] for e in recorder.events if e[0] == "end")
    assert recorder.events[1][2] is X
    assert not hasattr(clf, "_epoch_tasks") and not hasattr(clf, "_callback_fit_ctx")

    recorder.events.clear()
    clf.partial_fit(X, y)
    assert _epoch_paths(recorder) == [("fit", "epoch")] * 3


def test_classifier_epochs_under_grid_search(digits):
    X, y = digits
    recorder = PropagatedRecorder()
    search = GridSearchCV(tiny_cnn(), {"lr": [1e-3]}, cv=2).set_callbacks(recorder)
    search.fit(X, y)
    # Each fold's fit and the refit, merged into the search's task tree: the
    # classifier's "fit" task takes the place of the search's task for that fit.
    epochs = _epoch_paths(recorder)
    assert epochs.count(("fit", "search", "fit", "epoch")) == 2 * 2
    assert epochs.count(("fit", "fit", "epoch")) == 2
    assert len(epochs) == 3 * 2


def test_classifier_early_stopping_ends_every_epoch_task(digits):
    X, y = digits
    recorder = Recorder()
    clf = tiny_cnn(max_epochs=30, early_stopping=True, n_iter_no_change=1, lr=1e-5)
    try:
        clf.set_callbacks(recorder).fit(X, y)
    except KeyboardInterrupt:  # would end the whole pytest session
        pytest.fail("early stopping surfaced as a KeyboardInterrupt")
    n_epochs = len(clf.history_)
    assert n_epochs < 30
    assert len(_epoch_paths(recorder)) == n_epochs
    assert sorted(recorder.paths("begin")) == sorted(recorder.paths("end"))


def test_scoring_monitor_scores_each_classifier_epoch(digits):
    X, y = digits
    monitor = ScoringMonitor(scoring="accuracy")
    clf = tiny_cnn(max_epochs=3, lr=1e-2, module__channels=(8, 16))
    clf.set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    by_task = {row["task_id_path"]: row["accuracy"] for row in rows}
    assert sorted(by_task) == [(0,), (0, 0), (0, 1), (0, 2)]
    # Each epoch is scored on a snapshot taken then; the last one is the fitted model.
    assert by_task[(0, 2)] == pytest.approx(clf.score(X, y))
    assert by_task[(0, 0)] != by_task[(0, 2)]


def test_progress_bar_runs(digits, capsys):
    X, y = digits
    with pytest.warns(UserWarning, match="fewer than k_neighbors"):
        make_tiny("DeepSMOTE", epochs=2).set_callbacks(ProgressBar()).fit_resample(
            *imbalanced_images()
        )
    GridSearchCV(tiny_cnn(), {"lr": [1e-3]}, cv=2).set_callbacks(ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "DeepSMOTE - fit_resample" in out and "DeepSMOTE - autoencoder" in out
    assert "CNNClassifier - fit" in out


def test_callbacks_survive_clone_and_pickle(sampler_name):
    recorder = Recorder()
    sampler = make_tiny(sampler_name).set_callbacks(recorder)
    assert clone(sampler)._skl_callbacks == [recorder]
    assert "_skl_callbacks" not in sampler.get_params()
    X, y = imbalanced_images(counts=(12, 10, 8))
    sampler.fit_resample(X, y)
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        restored.generate(2, 1, random_state=0), sampler.generate(2, 1, random_state=0)
    )


def test_tasks_without_a_callback_api_do_nothing():
    # What the estimators do on scikit-learn < 1.9: no context, no hooks, no stops.
    task = FitTask(BaseEstimator(), None)
    history: list[dict] = []
    run_epochs(
        lambda n: {}, [1, 1], stage="s", history=history, callbacks=[EpochTasks(task, 2, "s")]
    )
    assert len(history) == 2 and task.end(fitted=True) is False


def test_fit_task_tree_on_a_plain_estimator():
    class Estimator(CallbackSupportMixin, BaseEstimator):
        pass

    recorder = Recorder()
    estimator = Estimator().set_callbacks(recorder)
    root = FitTask.root(estimator, "fit", 1, X="X")
    history: list[dict] = []
    run_epochs(
        lambda n: {}, [1, 1], stage="s", history=history, callbacks=[EpochTasks(root, 2, "stage")]
    )
    root.end()
    assert recorder.paths("end") == [
        ("fit", "stage", "epoch"),
        ("fit", "stage", "epoch"),
        ("fit", "stage"),
        ("fit",),
    ]
