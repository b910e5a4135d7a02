"""A results folder received from someone else is data, never a command.

Every case here was a hole or a crash on a folder crafted or damaged by hand: paths read
from records must stay inside the folder, text from records must not format the report,
and one damaged file must be named and moved aside while every other row is kept, in
``compare``, ``report`` and ``merge`` alike.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from imblearn_deep.comparison import ResultsStore, check_row, read_results
from imblearn_deep.comparison import _figures as figures_module
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._confine import confined, safe_name

# Two samplers, two seeds, 20 classifier steps: four real cells in a few seconds.
COMPARE = [
    "compare",
    "--samplers",
    "none,ros",
    "--seeds",
    "0,1",
    "--cv",
    "2",
    "--set",
    "small_cnn.max_steps=20",
    "--no-quality",
    "--no-balanced-test",
    "--device",
    "cpu",
    "-q",
]
ROS = "digits__ros__small_cnn__seed0"
NONE = "digits__none__small_cnn__seed1"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recorded") / "run"
    assert main([*COMPARE, "--output", str(folder)]) == 0
    return folder


@pytest.fixture
def received(recorded, tmp_path) -> Path:
    """A copy of a finished run, as if received from someone else."""
    folder = tmp_path / "received"
    shutil.copytree(recorded, folder)
    return folder


def run(*argv) -> tuple[int, list[str]]:
    """Exit code of the command line and every warning it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main([str(a) for a in argv])
    return code, [str(w.message) for w in caught]


def snapshot(root: Path, *skip: Path) -> dict[str, tuple]:
    """Every path under ``root`` (but ``skip``) with its kind, size and content hash."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) not in skip]
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            data = (
                path.read_bytes() if kind == "file" else os.readlink(path) if kind == "link" else ""
            )
            seen[str(path.relative_to(root))] = (kind, hash(data))
    return seen


def record(folder: Path, slug: str) -> dict:
    return json.loads((folder / "cells" / f"{slug}.json").read_text())


def rewrite(folder: Path, slug: str, row) -> Path:
    path = folder / "cells" / f"{slug}.json"
    path.write_text(row if isinstance(row, str) else json.dumps(row))
    return path


def cells(folder: Path) -> set[str]:
    return {row["cell"] for row in read_results(folder)}


# -- paths from records ----------------------------------------------------------------


@pytest.mark.parametrize(
    "images",
    ["../r/payload", "artifacts/../../r/payload", "/etc/hostname", "a/b/../../../../.bashrc"],
)
def test_merge_never_follows_an_artifact_path_out_of_the_folder(received, tmp_path, images):
    (tmp_path / "r").mkdir()
    # A link inside the received folder that a path could climb through.
    (received / "a").mkdir()
    (received / "x1" / "x2" / "x3" / "x4").mkdir(parents=True)
    (received / "a" / "b").symlink_to(Path("..", "x1", "x2", "x3", "x4"))
    rewrite(received, ROS, {**record(received, ROS), "images": images})
    output = tmp_path / "out"
    before = snapshot(tmp_path, received, output)
    code, said = run("merge", received, "--output", output)
    assert code == 0
    assert snapshot(tmp_path, received, output) == before  # nothing outside changed
    assert any(f"{ROS}.json is damaged (images must be a file name inside" in s for s in said)
    assert cells(output) == cells(received) and len(cells(output)) == 3


def test_merge_copies_no_artifact_through_a_linked_artifacts_folder(received, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("the sender cannot read this")
    shutil.move(received / "artifacts", tmp_path / "real_artifacts")
    (received / "artifacts").symlink_to(outside)
    output = tmp_path / "out"
    (output / "artifacts").parent.mkdir()
    (output / "artifacts").symlink_to(outside)  # the target's own link, too
    before = snapshot(outside)
    code, said = run("merge", received, "--output", output)
    assert code == 0 and snapshot(outside) == before
    assert not (output / "artifacts").is_symlink()
    assert sum("is damaged (a link, where a results folder has its own)" in s for s in said) == 2
    assert len(cells(output)) == 4  # the scores are kept, without their images


def test_confined_refuses_every_way_out(tmp_path):
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "link.npz").symlink_to(tmp_path / "elsewhere.npz")
    assert confined(tmp_path, "artifacts/a.npz") == tmp_path.resolve() / "artifacts" / "a.npz"
    for relative in ["artifacts/link.npz", "artifacts/../a.npz", "/tmp/a.npz", "a.npz", ".."]:
        assert confined(tmp_path, relative) is None, relative


def test_report_writes_figures_only_inside_the_folder(received, tmp_path):
    pytest.importorskip("matplotlib")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pwn_figures.json").write_text("theirs")
    dataset = "/../../../elsewhere/pwn"
    for slug in (ROS, NONE):
        row = record(received, slug)
        (received / "cells" / f"{slug}.json").unlink()
        row["dataset"] = dataset
        row["cell"] = row["cell"].replace("digits", dataset, 1)
        ResultsStore(received).record(row)
    before = snapshot(tmp_path, received)
    code, said = run("report", "--output", received)
    assert code == 0 and not said
    assert snapshot(tmp_path, received) == before
    drawn = {p.name for p in (received / "figures").iterdir()}
    assert f"{safe_name(dataset)}_f1.png" in drawn
    assert f"{safe_name(dataset + '_ros')}_images.png" in drawn


def test_record_text_does_not_format_the_report(received):
    label = '<img src="https://example.org/x.png"> *bold* [link](https://example.org)'
    ResultsStore(received).record({**record(received, ROS), "sampler_label": label})
    assert run("report", "--output", received)[0] == 0
    report = (received / "report.md").read_text()
    assert "<img" not in report and "[link](" not in report and "*bold*" not in report
    assert "&lt;img" in report


# -- damaged files ----------------------------------------------------------------------


def _damage(folder: Path, case: str) -> Path:
    row = record(folder, ROS)
    if case == "utf8":
        path = folder / "cells" / f"{ROS}.json"
        path.write_bytes(json.dumps(row).encode().replace(b'"ok"', b'"\xff\xfe"'))
        return path
    if case == "directory":
        path = folder / "cells" / "zzz.json"
        path.mkdir()
        return path
    if case == "nan":
        return rewrite(folder, ROS, json.dumps(row).replace('"seed": 0', '"seed": NaN'))
    changes = {
        "seed": {"seed": "zero"},
        "rank": {"rank": "x"},
        "edited score": {"test_f1_macro": 0.999},
        "classes": {"classes": [0, 1]},
        "misplaced": {"cell": "digits|ros|small_cnn|seed=1", "seed": 1},  # a duplicate
    }
    if case in changes:
        return rewrite(folder, ROS, {**row, **changes[case]})
    missing = {"no score": "test_f1_macro", "no preset": "preset"}[case]
    del row[missing]
    return rewrite(folder, ROS, row)


CASES = [
    "utf8",
    "directory",
    "nan",
    "seed",
    "rank",
    "edited score",
    "classes",
    "misplaced",
    "no score",
    "no preset",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["report", "merge"])
def test_one_damaged_record_is_named_moved_aside_and_the_rest_kept(
    received, tmp_path, monkeypatch, case, command
):
    monkeypatch.setattr(figures_module, "_figure_class", lambda: None)  # no drawing
    every = cells(received)
    damaged = _damage(received, case)
    argv = ["report", "--output", received]
    if command == "merge":
        argv = ["merge", received, "--output", tmp_path / "merged"]
    code, said = run(*argv)
    assert code == 0
    assert any(str(damaged) in s and "is damaged" in s for s in said), said
    assert not damaged.exists() and damaged.with_name(damaged.name + ".damaged").exists()
    folder = tmp_path / "merged" if command == "merge" else received
    lost = set() if case == "directory" else {"digits|ros|small_cnn|seed=0"}
    assert cells(folder) == every - lost
    assert all(check_row(row) is None for row in json.loads((folder / "results.json").read_text()))


@pytest.mark.parametrize("case", ["utf8", "edited score"])
def test_compare_recomputes_a_damaged_cell_and_keeps_the_others(received, case):
    _damage(received, case)
    kept = {slug: record(received, slug)["finished_at"] for slug in (NONE,)}
    code, said = run(*COMPARE, "--output", received)
    assert code == 0
    assert any(f"{ROS}.json is damaged" in s for s in said)
    assert check_row(record(received, ROS)) is None  # computed again
    assert {slug: record(received, slug)["finished_at"] for slug in kept} == kept
    assert len(cells(received)) == 4


def test_a_damaged_artifact_is_moved_aside_and_the_report_still_written(received):
    pytest.importorskip("matplotlib")
    artifact = received / "artifacts" / f"{ROS}.npz"
    artifact.write_bytes(b"PK\x03\x04 garbage")
    (received / "report.md").unlink()
    code, said = run("report", "--output", received)
    assert code == 0 and (received / "report.md").is_file()
    assert any(str(artifact) in s and "not an image artifact" in s for s in said)
    assert artifact.with_name(artifact.name + ".damaged").exists()
    assert len(cells(received)) == 4


def test_a_linked_record_or_lock_is_moved_aside_unread(received, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(record(received, ROS)))
    link = received / "cells" / f"{ROS}.json"
    link.unlink()
    link.symlink_to(secret)
    (received / ".lock").unlink(missing_ok=True)
    (received / ".lock").symlink_to(secret)
    before = secret.read_text()
    code, said = run("report", "--output", received)
    assert code == 0 and secret.read_text() == before  # a lock would have truncated it
    assert any(str(link) in s and "a link, not a record" in s for s in said)
    assert len(cells(received)) == 3


# -- results kept and fresh --------------------------------------------------------------


def test_merge_keeps_a_finished_result_over_a_later_failure(received, tmp_path):
    failed = tmp_path / "failed"
    shutil.copytree(received, failed)
    row = record(received, ROS)
    keep = ("cell", "dataset", "preset", "sampler", "sampler_label", "classifier")
    keep += ("classifier_label", "seed", "cv_folds", "classes", "config")
    keep += ("train_class_counts", "test_class_counts")
    later = {key: row[key] for key in keep}
    later.update(status="failed", error="RuntimeError: out of memory")
    later["finished_at"] = "2999-01-01T00:00:00+00:00"
    rewrite(failed, ROS, later)
    for sources in ([received, failed], [failed, received]):
        output = tmp_path / f"merged-{len(list(tmp_path.iterdir()))}"
        assert run("merge", *sources, "--output", output)[0] == 0
        assert record(output, ROS)["status"] == "ok"
        assert record(output, ROS)["test_f1_macro"] == row["test_f1_macro"]


def test_views_are_rebuilt_when_missing_or_stale(received, monkeypatch):
    monkeypatch.setattr(figures_module, "_figure_class", lambda: None)
    old_csv = (received / "results.csv").read_text()
    (received / "results.json").unlink()
    (received / "results.csv").unlink()
    assert run("report", "--output", received)[0] == 0
    assert len(json.loads((received / "results.json").read_text())) == 4
    # A stale view put back with a fresh date: one row fewer than the records.
    (received / "cells" / f"{NONE}.json").unlink()
    (received / "results.csv").write_text(old_csv)
    assert run("report", "--output", received)[0] == 0
    assert len((received / "results.csv").read_text().splitlines()) == 1 + 3
    # And a resume with nothing to run rebuilds them too.
    (received / "results.csv").write_text(old_csv)
    ResultsStore(received)  # a plain open compares dates only: the csv looks newer
    code, _ = run(*COMPARE, "--samplers", "none", "--seeds", "0", "--output", received)
    assert code == 0
    assert len((received / "results.csv").read_text().splitlines()) == 1 + 3


def test_a_record_edited_against_its_confusion_matrix_is_damaged(recorded):
    row = record(recorded, ROS)
    assert check_row(row) is None
    for key, value in [("test_f1_macro", 0.999), ("test_accuracy", 1.0), ("test_g_mean", 0.5)]:
        assert "confusion matrix gives" in check_row({**row, key: value})
    recall = {**row["recall"], "0": 1 - row["recall"]["0"] or 0.5}
    assert "recall disagrees" in check_row({**row, "recall": recall})
    matrix = [list(r) for r in row["confusion_matrix"]]
    matrix[0][0] += 1
    assert "class_counts disagree" in check_row({**row, "confusion_matrix": matrix})


def test_test_classes_unknown_to_training_are_a_clear_error(tmp_path):
    from imblearn_deep.comparison import run_comparison

    X, y = np.zeros((8, 1, 8, 8)), np.array([0, 1] * 4)
    with pytest.raises(ValueError, match=r"y_test holds classes that y_train does not: \[2\]"):
        run_comparison(X, y, X[:3], np.array([0, 1, 2]), output=tmp_path)


# -- found by probing the first fix ---------------------------------------------------


def test_a_deeply_nested_value_is_damage_not_a_crash(received, monkeypatch):
    monkeypatch.setattr(figures_module, "_figure_class", lambda: None)
    deep = json.loads("[" * 600 + "]" * 600)
    path = rewrite(received, ROS, {**record(received, ROS), "x": deep})
    code, said = run("report", "--output", received)
    assert code == 0 and any(str(path) in s and "nested more than" in s for s in said)
    assert len(cells(received)) == 3


def test_an_artifact_promising_more_than_it_holds_is_damage(received):
    pytest.importorskip("matplotlib")
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000000000,), }"
    npy = b"\x93NUMPY\x01\x00" + len(header.ljust(118) + "\n").to_bytes(2, "little")
    npy += (header.ljust(118) + "\n").encode() + bytes(64)
    artifact = received / "artifacts" / f"{ROS}.npz"
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr("real.npy", npy)
    code, said = run("report", "--output", received)
    assert code == 0 and any(str(artifact) in s and "promises" in s for s in said)


def test_a_named_pipe_named_like_a_record_does_not_block(received, monkeypatch):
    monkeypatch.setattr(figures_module, "_figure_class", lambda: None)
    pipe = received / "cells" / "zz.json"
    os.mkfifo(pipe)
    code, said = run("report", "--output", received)  # would block for ever on read
    assert code == 0 and any(str(pipe) in s and "not a regular file" in s for s in said)
    assert len(cells(received)) == 4


def test_a_renamed_record_is_moved_back_to_its_place_not_lost(received):
    path = received / "cells" / f"{ROS}.json"
    renamed = path.with_name("renamed.json")
    path.rename(renamed)
    with pytest.warns(UserWarning, match="moved to"):
        assert len(cells(received)) == 4
    assert path.is_file() and not renamed.exists()


def test_a_count_too_large_for_the_checks_is_damage(recorded):
    row = record(recorded, ROS)
    matrix = [list(r) for r in row["confusion_matrix"]]
    matrix[0][0] = 10**30  # would overflow the recomputation of the scores
    assert "confusion_matrix must be" in check_row({**row, "confusion_matrix": matrix})
