"""Cells in parallel processes give the sequential run's rows, to the last digit."""

from __future__ import annotations

import pytest
from _comparisons import short_preset

from imblearn_deep.comparison import Execution, get_preset, read_results, run_comparison
from imblearn_deep.datasets import load_imbalanced

MEASURED = (
    "config",
    "best_params",
    "cv_f1_macro",
    "test_f1_macro",
    "test_g_mean",
    "recall",
    "confusion_matrix",
    "label_fidelity",
    "frechet_mean",
)


def _measured(folder):
    return {r["cell"]: {k: r.get(k) for k in MEASURED} for r in read_results(folder)}


def test_parallel_cells_equal_sequential_cells(tmp_path):
    data = load_imbalanced("digits")
    kwargs = dict(
        samplers=["none", "ros"],
        seeds=[0],
        cv=2,
        dataset="digits",
        preset=short_preset(),
    )
    one_by_one = Execution(device="cpu", threads=1)
    sequential = run_comparison(*data, output=tmp_path / "seq", execution=one_by_one, **kwargs)
    two = Execution(jobs=2, device="cpu", threads=1)
    parallel = run_comparison(*data, output=tmp_path / "par", execution=two, **kwargs)
    assert [r["cell"] for r in parallel] == [r["cell"] for r in sequential]
    assert _measured(tmp_path / "par") == _measured(tmp_path / "seq")
    assert all(r["status"] == "ok" for r in parallel)


@pytest.mark.parametrize("jobs", [0, 1.5, True])
def test_jobs_must_be_a_nonzero_integer(jobs, tmp_path):
    with pytest.raises(ValueError, match="jobs must be"):
        Execution(jobs=jobs)


def test_the_execution_options_one_by_one_still_work_with_a_warning():
    from imblearn_deep.comparison._runner import _execution

    with pytest.warns(DeprecationWarning, match=r"execution=Execution\(device=\.\.\., jobs"):
        assert _execution(None, {"device": "cpu", "jobs": 2}) == Execution(jobs=2, device="cpu")
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['job'\\]"):
        _execution(None, {"job": 2})


def test_a_judge_is_reused_only_for_the_same_classifier_spec(monkeypatch):
    from imblearn_deep.comparison import _worker
    from imblearn_deep.comparison._cell import Cell

    fitted = []
    monkeypatch.setattr(_worker, "fit_judge", lambda spec, *a, **k: fitted.append(spec) or spec)
    monkeypatch.setattr(_worker, "_JUDGES", {})
    X, y, X_test, y_test = load_imbalanced("digits")
    worker = _worker.CellWorker(
        data=(X, y, X_test, y_test), data_hash="d", balanced_test=None, output="unused",
        preset="fast", n_folds=2, device="cpu", n_jobs=1, threads=1, on_error="raise",
        quality=True, search="auto", verbose=0, ranks={}, n_cells=1,
    )  # fmt: skip
    preset, short = get_preset("fast"), short_preset()
    for spec in (preset.classifier("small_cnn"), short.classifier("small_cnn")) * 2:
        assert worker.judge(Cell(preset.sampler("ros"), spec, 0, "digits")) is spec
    assert len(fitted) == 2  # one judge per spec, reused the second time
