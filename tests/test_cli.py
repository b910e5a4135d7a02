"""The command line's own behaviour: version, no abbreviations, a parser free of torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _comparisons import SHORT_FITS

import imblearn_deep
from imblearn_deep.comparison._cli import main


def _one_seed_on_cpu(output) -> list[str]:
    """Arguments of a short run: seed 0, 2 folds, no quality judges, on the CPU."""
    return ["--seeds", "0", "--cv", "2", "--no-quality", "--device", "cpu", "--output", str(output)]


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"imblearn-deep {imblearn_deep.__version__}"


@pytest.mark.parametrize(
    "argv",
    [["compare", "--sampler", "smote"], ["compare", "--seed", "0"], ["merge", "a", "--out", "b"]],
)
def test_abbreviated_options_are_errors_not_guesses(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err or "arguments are required: --output" in err


def test_an_unknown_preset_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--preset", "quick"])
    assert stop.value.code == 2
    assert "argument --preset: invalid choice: 'quick' (choose from fast, paper)" in (
        capsys.readouterr().err
    )


def test_help_and_version_do_not_import_torch():
    # What makes --help take seconds: torch (and scikit-learn) imported by the parser.
    code = (
        "import sys\n"
        "from imblearn_deep.comparison._cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'skorch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_merge_of_a_folder_without_results_is_an_error(tmp_path, capsys):
    assert main(["merge", str(tmp_path / "nothing"), "--output", str(tmp_path / "m")]) == 1
    assert "holds no comparison results" in capsys.readouterr().err


def test_the_samplers_help_lists_every_method_of_the_presets():
    from imblearn_deep.comparison import get_preset
    from imblearn_deep.comparison._cli import build_parser

    compare = build_parser()._subparsers._group_actions[0].choices["compare"]
    (action,) = [a for a in compare._actions if "--samplers" in a.option_strings]
    for preset in ("fast", "paper"):
        for spec in get_preset(preset).samplers:
            assert spec.name in action.help


def test_verbose_prints_epochs_to_stderr_and_only_the_table_to_stdout(tmp_path, capsys):
    from imblearn_deep.comparison import read_results

    args = ["compare", "--samplers", "none", *SHORT_FITS, *_one_seed_on_cpu(tmp_path), "-v"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "epoch" in err and "train_loss" in err
    assert "epoch" not in out and out.startswith("| Sampler |")
    # stderr is no terminal here: skorch's tables come without colour codes.
    assert "\x1b[" not in err
    # Each table follows the line that names its fit: 2 settings x 2 folds, then the refit.
    lines = err.splitlines()
    labels = [lines[i - 1] for i, line in enumerate(lines) if line.lstrip().startswith("epoch")]
    title = "none + small CNN, seed 0: fit"
    (row,) = read_results(tmp_path)
    assert labels == [
        f"{title} 1 of 5, fold 1 of 2, setting lr=0.001",
        f"{title} 2 of 5, fold 2 of 2, setting lr=0.001",
        f"{title} 3 of 5, fold 1 of 2, setting lr=0.003",
        f"{title} 4 of 5, fold 2 of 2, setting lr=0.003",
        f"{title} 5 of 5, refit on the whole training set, "
        f"setting lr={row['best_params']['clf__lr']}",
    ]


def test_set_fixes_a_candidates_parameter_and_changes_its_fingerprint(tmp_path):
    from imblearn_deep.comparison import read_results

    base = ["compare", "--samplers", "none", "--seeds", "0", "--cv", "2", "--no-quality"]
    base += ["--no-balanced-test", "--device", "cpu", "-q"]
    short = ["--set", "small_cnn.max_steps=20", "--set", "small_cnn.lr=0.003"]
    assert main([*base, *short, "--output", str(tmp_path / "a")]) == 0
    (row,) = read_results(tmp_path / "a")
    assert row["clf_steps"] == 20
    # lr was searched ([1e-3, 3e-3]); fixed, it is no longer part of the search.
    assert not any("lr" in name for name in row["best_params"])
    longer = ["--set", "small_cnn.max_steps=30", "--set", "small_cnn.lr=0.003"]
    assert main([*base, *longer, "--output", str(tmp_path / "a")]) == 0
    (rerun,) = read_results(tmp_path / "a")
    assert rerun["clf_steps"] == 30 and rerun["config"] != row["config"]


@pytest.mark.parametrize(
    "setting, message",
    [
        ("small_cnn.max_stepz=3", "CNNClassifier (candidate 'small_cnn') has no parameter(s) "),
        ("deepsmote=3", "expected NAME.PARAM=VALUE, got 'deepsmote=3'"),
        ("none.k=3", "Candidate 'none' has no estimator"),
        ("resnet99.lr=1", "Unknown candidate 'resnet99' in preset 'fast'"),
    ],
)
def test_a_bad_set_is_a_clear_error(setting, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--set", setting])
    assert stop.value.code == 2
    assert f"argument --set: {message}" in capsys.readouterr().err


def test_estimate_is_printed_before_the_first_cell_and_skips_a_finished_run(tmp_path, capsys):
    args = ["compare", "--samplers", "none,ros", "--set", "small_cnn.max_steps=30"]
    args += [*_one_seed_on_cpu(tmp_path), "--estimate"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err.index("estimate: 2 cell(s) to run, about ") < err.index("[1/2]")
    assert "one fit of RandomOverSampler" in err and "small CNN" in err
    assert main(args) == 0
    assert "estimate: nothing to run" in capsys.readouterr().err
