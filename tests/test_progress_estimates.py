"""The plan and estimate without a run (``--estimate-only``), and a time-left line that
counts each method at its own cost."""

from types import SimpleNamespace

from imblearn_deep.comparison import read_results
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._worker import Progress


def _cell(key, sampler, classifier="small_cnn"):
    return SimpleNamespace(
        key=key, sampler=SimpleNamespace(name=sampler), classifier=SimpleNamespace(name=classifier)
    )


def _row(key, seconds):
    return {"cell": key, "seconds": seconds}


def test_time_left_counts_each_method_at_its_own_cost():
    cells = [_cell("a", "none"), _cell("b", "bagangp"), _cell("c", "none")]
    progress = Progress(cells, jobs=1, verbose=0, estimates={"a": 2.0, "b": 200.0, "c": 2.0})
    progress.finished(_row("a", 1.0), ran=True)
    # "c" is a "none" cell like "a": 1 s; "b" has its estimate, halved as "a" took half
    # of its own: 100 s. The mean of the cells so far (1 s each) would say 2 s.
    assert progress.seconds_left() == 1.0 + 100.0


def test_without_estimates_untimed_methods_are_counted_at_the_mean_and_said_so(capsys):
    cells = [_cell("a", "none"), _cell("b", "smote"), _cell("c", "bagangp")]
    progress = Progress(cells, jobs=1, verbose=1)
    progress.finished(_row("a", 4.0), ran=True)
    progress.finished(_row("b", 8.0), ran=True)
    assert progress.seconds_left() == 6.0
    assert "1 of them of methods not timed yet, counted at the mean cell" in capsys.readouterr().err


def test_estimate_only_prints_the_plan_and_the_estimate_and_runs_nothing(tmp_path, capsys):
    argv = ["compare", "--samplers", "none,ros", "--seeds", "0", "--no-quality", "--cv", "2"]
    argv += ["--set", "small_cnn.max_steps=10", "--set", "small_cnn.lr=0.003", "--device", "cpu"]
    argv += ["--no-balanced-test", "--output", str(tmp_path)]
    assert main([*argv, "--estimate-only"]) == 0
    err = capsys.readouterr().err
    assert "plan: 2 cell(s), 2 to run, 0 done before" in err
    assert "estimate: 2 cell(s) to run" in err
    assert read_results(tmp_path) == []
    assert main([*argv, "--samplers", "none", "-q"]) == 0  # one cell recorded
    capsys.readouterr()
    assert main([*argv, "--estimate-only"]) == 0
    err = capsys.readouterr().err
    assert "plan: 2 cell(s), 1 to run, 1 done before" in err
    assert "none + small CNN, seed 0: done before" in err
    assert len(read_results(tmp_path)) == 1
