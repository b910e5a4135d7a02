"""The comparison never loses or falsifies a result: real signals sent to a real
``imblearn-deep compare`` process at several moments, SIGKILL during a write, two
processes on one folder, damaged files. Each case ends with the table of an
uninterrupted run."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from imblearn_deep.comparison import read_results
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._store import ResultsStore

FAULTS = Path(__file__).with_name("_faults.py")
# What must not change between an interrupted-and-resumed run and an uninterrupted one.
MEASURED = (
    "status",
    "config",
    "best_params",
    "cv_f1_macro",
    "cv_f1_macro_std",
    "cv_balanced_accuracy",
    "cv_g_mean",
    "cv_accuracy",
    "test_f1_macro",
    "test_balanced_accuracy",
    "test_g_mean",
    "test_accuracy",
    "recall",
    "confusion_matrix",
    "n_synthetic",
    "sampler_fits",
    "label_fidelity",
    "frechet_mean",
)


def _table(folder: Path) -> dict[str, dict]:
    return {r["cell"]: {k: r.get(k) for k in MEASURED} for r in read_results(folder)}


def _args(cli_run, output: Path, *, samplers: str | None = None) -> list[str]:
    _, args = cli_run
    args = list(args)
    i = args.index("--export-balanced")
    del args[i : i + 2]
    args[args.index("--output") + 1] = str(output)
    if samplers is not None:
        args[args.index("--samplers") + 1] = samplers
    return args


@pytest.fixture
def reference(cli_run, tmp_path):
    """A copy of the uninterrupted run's folder, its table, and its command on the copy."""
    root, _ = cli_run
    folder = tmp_path / "out"
    shutil.copytree(root / "out", folder)
    return folder, _table(root / "out"), _args(cli_run, folder)


def _forget(folder: Path, sampler: str) -> str:
    """Delete one cell's record, as if the run had not reached it; its key."""
    (row,) = [r for r in read_results(folder) if r["sampler"] == sampler]
    ResultsStore(folder).record_path(row["cell"]).unlink()
    return row["cell"]


def _run_with_fault(spec: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(FAULTS), spec, *args], capture_output=True, text=True, timeout=600
    )


CLASSIFIER = "imblearn_deep.classifiers:CNNClassifier.train_step"
MOMENTS = {
    # SIGINT in the classifier's training loop, after the cell's first ROS fit: skorch
    # catches KeyboardInterrupt there, which once saved the truncated fit as a result.
    "classifier-sigint": (
        "ros",
        f"arm=imblearn_deep.over_sampling:FlattenSampler.fit_resample,at={CLASSIFIER},"
        "n=3,signal=INT",
        130,
    ),
    # In DeepSMOTE's training, at its third optimiser step.
    "sampler-sigterm": (
        "deepsmote",
        "arm=imblearn_deep.over_sampling:DeepSMOTE.fit_resample,at=torch.optim:Adam.step,"
        "n=3,signal=TERM",
        143,
    ),
    # While the quality judge trains.
    "judge-sigterm": (
        "ros",
        f"arm=imblearn_deep.comparison._worker:fit_judge,at={CLASSIFIER},n=2,signal=TERM",
        143,
    ),
}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_a_signal_records_nothing_partial_and_the_rerun_gives_the_same_table(moment, reference):
    folder, expected, args = reference
    sampler, spec, exit_code = MOMENTS[moment]
    cell = _forget(folder, sampler)
    result = _run_with_fault(spec, args)
    assert result.returncode == exit_code, result.stderr[-2000:]
    assert "rerun the same command to resume" in result.stderr
    assert cell not in _table(folder), "an interrupted cell was recorded"
    assert set(_table(folder)) == set(expected) - {cell}
    assert main(args) == 0
    assert _table(folder) == expected


def test_sigint_while_the_report_is_written_leaves_whole_files(reference):
    folder, expected, args = reference
    report = (folder / "report.md").read_text()
    # Without their digest the figures of the finished folder are drawn again.
    (folder / "figures" / ".digits_figures.json").unlink()
    spec = "at=imblearn_deep.comparison._figures:_save,n=2,signal=INT"
    result = _run_with_fault(spec, args)
    assert result.returncode == 130, result.stderr[-2000:]
    assert (folder / "report.md").read_text() == report
    assert not list(folder.rglob(".*.tmp"))
    assert _table(folder) == expected
    assert main(["report", "--output", str(folder)]) == 0


@pytest.mark.parametrize("replace_call", [1, 2])
def test_sigkill_during_a_write_loses_no_row(reference, replace_call):
    """SIGKILL inside the store's rename: before the record lands (1) or after it, while
    the views are rebuilt (2). Every other row stays readable; the rerun completes."""
    folder, expected, args = reference
    cell = _forget(folder, "ros")
    spec = (
        "arm=imblearn_deep.comparison._store:ResultsStore.record,at=os:replace,"
        f"n={replace_call},signal=KILL"
    )
    result = _run_with_fault(spec, args)
    assert result.returncode == -signal.SIGKILL
    json.loads((folder / "results.json").read_text())  # the views are whole
    table = _table(folder)
    assert (cell in table) == (replace_call == 2)
    assert {k: v for k, v in table.items() if k != cell} == {
        k: v for k, v in expected.items() if k != cell
    }
    assert main(args) == 0
    assert _table(folder) == expected
    assert not list((folder / ".cache").iterdir()), "the killed run's cache stayed"


def test_two_runs_on_one_folder_keep_both_rows(reference, cli_run):
    folder, expected, args = reference
    _forget(folder, "none")
    _forget(folder, "ros")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "imblearn_deep", *_args(cli_run, folder, samplers=name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("none", "ros")
    ]
    for run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, err[-2000:]
    assert _table(folder) == expected
    rows = json.loads((folder / "results.json").read_text())
    assert {r["cell"] for r in rows} == set(expected)


def test_damaged_files_are_named_moved_aside_and_the_intact_rows_kept(reference):
    folder, expected, args = reference
    store = ResultsStore(folder)
    by_sampler = {r["sampler"]: r["cell"] for r in read_results(folder)}
    garbage = store.record_path(by_sampler["none"])
    garbage.write_text('{"cell": "digits|none', encoding="utf-8")
    wrong_shape = store.record_path(by_sampler["ros"])
    wrong_shape.write_text("[1, 2]", encoding="utf-8")
    results = folder / "results.json"
    results.write_text(results.read_text()[:100], encoding="utf-8")
    try:
        json.loads(results.read_text())
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"

    with pytest.warns(UserWarning) as caught:
        rows = read_results(folder)
    messages = "\n".join(str(w.message) for w in caught)
    assert f"{results} is damaged ({where}" in messages
    assert str(garbage) in messages and "line 1" in messages
    assert str(wrong_shape) in messages and "expected a JSON object" in messages
    assert [r["sampler"] for r in rows] == ["deepsmote"]
    for path in (garbage, wrong_shape, results):
        assert path.with_name(path.name + ".damaged").is_file()

    assert main(args) == 0
    assert _table(folder) == expected


def test_a_truncated_legacy_results_file_keeps_its_intact_rows(reference, tmp_path):
    """A folder of an older version holds only results.json: rows before the damage
    survive as records."""
    folder, expected, args = reference
    rows = json.loads((folder / "results.json").read_text())
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    text = json.dumps(rows, indent=1)
    cut = text.rindex('"cell"') + 20  # inside the last row
    (legacy / "results.json").write_text(text[:cut])
    with pytest.warns(UserWarning, match="2 intact row"):
        recovered = read_results(legacy)
    assert [r["cell"] for r in recovered] == [r["cell"] for r in rows[:-1]]


def test_merge_folders_split_by_samplers_equals_the_single_run(reference, cli_run, tmp_path):
    folder, expected, args = reference
    parts = []
    for sampler in ("none", "ros", "deepsmote"):
        part = tmp_path / sampler
        shutil.copytree(folder, part)
        for other in {"none", "ros", "deepsmote"} - {sampler}:
            _forget(part, other)
        parts.append(str(part))
    merged = tmp_path / "merged"
    assert main(["merge", *parts, "--output", str(merged)]) == 0
    assert _table(merged) == expected
    assert (merged / "report.md").is_file()
    images = [r["images"] for r in read_results(merged) if r.get("images")]
    assert images and all((merged / image).is_file() for image in images)
    # The single command on the merged folder has nothing left to do.
    assert main(_args(cli_run, merged)) == 0


def test_merge_refuses_cells_run_with_different_configurations(reference, tmp_path):
    folder, _, _ = reference
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    store = ResultsStore(other)
    row = read_results(other)[0]
    store.record({**row, "config": "something-else"})
    assert main(["merge", str(folder), str(other), "--output", str(tmp_path / "m")]) == 1
