"""``imblearn-deep compare --data``: your own images through the main job, end to end."""

import re

import numpy as np
import pytest
from PIL import Image

from imblearn_deep.comparison import read_results
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._user_data import load_user_data, stratified_holdout
from imblearn_deep.datasets import load_image_folder, load_imbalanced

# A few optimizer steps: these tests check the plumbing, not the scores.
QUICK = ["--seeds", "0", "--cv", "2", "--no-quality", "--device", "cpu", "-q"]
QUICK += ["--set", "small_cnn.max_steps=5", "--set", "small_cnn.lr=0.003"]


def _folder(root, counts, size=(12, 10), mode="RGB", seed=0):
    """Class folders of PNG and JPEG files of ``size`` (each class its own brightness)."""
    rng = np.random.default_rng(seed)
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            shape = (*size, 3) if mode == "RGB" else size
            pixels = np.clip(rng.normal(40 + 70 * k, 20, shape), 0, 255).astype(np.uint8)
            suffix = "png" if i % 2 else "jpg"
            Image.fromarray(pixels).convert(mode).save(root / name / f"{i:03d}.{suffix}")
    return root


def test_a_folder_of_images_runs_end_to_end_with_its_class_names(tmp_path, capsys):
    data = _folder(tmp_path / "pets", {"cat": 16, "dog": 9, "owl": 5})
    out = tmp_path / "out"
    code = main(
        ["compare", "--data", str(data), "--samplers", "none,ros", *QUICK, "--output", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    rows = read_results(out)
    assert {r["dataset"] for r in rows} == {"pets"}
    assert all(r["class_names"] == ["cat", "dog", "owl"] for r in rows)
    # Every class on both sides: 25 % of 16, 9 and 5 images, at least one each.
    assert rows[0]["train_class_counts"] == {"0": 12, "1": 7, "2": 4}
    assert rows[0]["test_class_counts"] == {"0": 4, "1": 2, "2": 1}
    assert "drawn with seed 0" in rows[0]["data_source"]
    report = (out / "report.md").read_text()
    assert "| cat (n=4) | dog (n=2) | owl (n=1) |" in report
    assert "Training set: 23 images (cat 12, dog 7, owl 4). Test set: 7 real" in report
    assert rows[0]["data_source"].startswith(f"{data} (30 images, 3 classes, 3×12×10); ")
    assert "pets (30 images, 3 classes, 3×12×10); test set: a stratified 25%" in report
    assert "balanced_test_f1_macro" not in rows[0]  # own images have no balanced test set


def test_a_test_folder_is_matched_by_class_name_and_read_in_the_training_colour(tmp_path):
    train = _folder(tmp_path / "train", {"a": 8, "b": 4, "c": 4}, mode="L")
    # The test folder lacks class "b"; its "c" must keep the code 2, and its RGB files
    # become grey like the training set.
    test = _folder(tmp_path / "test", {"a": 3, "c": 2}, mode="RGB", seed=1)
    data = load_user_data(train, test_data=test)
    assert data.X_train.shape[1:] == data.X_test.shape[1:] == (1, 12, 10)
    assert data.y_test.tolist() == [0, 0, 0, 2, 2]
    assert data.class_names == ("a", "b", "c")
    assert f"test set: {test} (5 images)" in data.source


@pytest.mark.parametrize(
    "case, message",
    [
        ("unknown class", "has classes that"),
        ("other size", "are 3×20×20 (C×H×W) but the training images"),
    ],
)
def test_a_test_folder_that_does_not_fit_is_a_clear_error(tmp_path, case, message):
    train = _folder(tmp_path / "train", {"a": 4, "b": 4})
    if case == "unknown class":
        test = _folder(tmp_path / "test", {"a": 2, "zebra": 2})
    else:
        test = _folder(tmp_path / "test", {"a": 2, "b": 2}, size=(20, 20))
    with pytest.raises(ValueError, match=re.escape(message)):
        load_user_data(train, test_data=test)


def test_a_class_too_small_to_split_is_named(tmp_path, capsys):
    data = _folder(tmp_path / "d", {"big": 10, "tiny": 1})
    assert main(["compare", "--data", str(data), *QUICK, "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "class 'tiny' has 1 image: too few to hold one out" in err
    assert "Traceback" not in err


def test_mixed_sizes_ask_for_image_size_in_the_commands_words(tmp_path, capsys):
    data = _folder(tmp_path / "d", {"a": 4, "b": 4})
    Image.new("RGB", (30, 30)).save(data / "a" / "big.png")
    assert main(["compare", "--data", str(data), *QUICK, "--output", str(tmp_path / "o")]) == 1
    assert "--image-size N (or HxW)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data", "x", "--dataset", "digits"], "argument --data: not allowed with --dataset"),
        (["--test-size", "0.3"], "argument --test-size: only used with --data"),
        (["--image-size", "32"], "argument --image-size: only used with --data"),
        (["--data", "x", "--test-size", "1.5"], "must be between 0 and 1"),
        (["--data", "x", "--test-data", "y", "--test-size", "0.2"], "not allowed with --test-data"),
        (["--data", "x", "--image-size", "8y8"], "expected N or HxW"),
        (["--data", "x", "--data-root", "r"], "not allowed with --data-root"),
    ],
)
def test_option_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", *argv])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_the_holdout_keeps_every_class_on_both_sides_and_is_seeded():
    y = np.repeat(np.arange(4), [50, 7, 3, 2])
    train, test = stratified_holdout(y, 0.25, random_state=0)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y)))
    assert np.bincount(y[test]).tolist() == [12, 2, 1, 1]
    assert np.bincount(y[train]).tolist() == [38, 5, 2, 1]
    again, _ = stratified_holdout(y, 0.25, random_state=0)
    other, _ = stratified_holdout(y, 0.25, random_state=1)
    assert np.array_equal(train, again) and not np.array_equal(train, other)


def test_an_npz_of_a_builtin_profile_gives_the_builtin_runs_numbers(tmp_path):
    """Same arrays in the same order: every score of every cell is the same."""
    X_train, y_train, X_test, y_test = load_imbalanced("digits", random_state=0)
    np.savez(tmp_path / "train.npz", X=X_train, y=y_train)
    np.savez(tmp_path / "test.npz", X=X_test, y=y_test)
    common = ["--samplers", "none,ros", *QUICK]
    assert main(["compare", "--dataset", "digits", "--no-balanced-test", *common,
                 "--output", str(tmp_path / "builtin")]) == 0  # fmt: skip
    own_data = ["--data", str(tmp_path / "train.npz"), "--test-data", str(tmp_path / "test.npz")]
    assert main(["compare", *own_data, *common, "--output", str(tmp_path / "own")]) == 0
    builtin, own = read_results(tmp_path / "builtin"), read_results(tmp_path / "own")
    assert {r["dataset"] for r in own} == {"train"}
    # Where the data came from, in both reports.
    assert builtin[0]["data_source"].startswith("the built-in data set 'digits': its imbalance")
    assert "Data: the built-in data set" in (tmp_path / "builtin" / "report.md").read_text()
    for a, b in zip(builtin, own, strict=True):
        assert (a["sampler"], a["seed"]) == (b["sampler"], b["seed"])
        for key in ("test_f1_macro", "cv_f1_macro", "confusion_matrix", "best_params"):
            assert a[key] == b[key], key


def test_exported_balanced_sets_load_back_as_the_same_arrays(tmp_path):
    data = _folder(tmp_path / "d", {"a": 9, "b": 4}, mode="L")
    out, export = tmp_path / "o", tmp_path / "export"
    argv = ["compare", "--data", str(data), "--samplers", "ros", *QUICK, "--output", str(out)]
    assert main([*argv, "--export-balanced", str(export)]) == 0
    loaded = load_image_folder(export / "ros")
    X_train, y_train = load_user_data(data).arrays[:2]
    real = np.array(["real_" in name for name in loaded.filenames])
    # A folder lists its images class by class, each class in its files' order.
    order = np.argsort(y_train, kind="stable")
    assert loaded.data.dtype == np.uint8
    assert np.array_equal(loaded.data[real], X_train[order])
    assert np.array_equal(loaded.target[real], y_train[order])
    # Random over-sampling's copies are training images of their class; the set is balanced.
    assert np.bincount(loaded.target).tolist() == [7, 7]
    for image, label in zip(loaded.data[~real], loaded.target[~real], strict=True):
        assert any(np.array_equal(image, x) for x in X_train[y_train == label])


def test_classes_too_small_for_the_folds_are_named_before_the_run(tmp_path):
    data = _folder(tmp_path / "d", {"big": 12, "pair": 2}, mode="L")
    argv = ["compare", "--data", str(data), "--samplers", "none", *QUICK]
    with pytest.warns(UserWarning, match=r"very few training images: 'pair' \(1\)\. With 2 folds"):
        # --select cross-validates the one-setting grids too.
        assert main([*argv, "--select", "--output", str(tmp_path / "o")]) == 0
    with pytest.warns(UserWarning, match=r"'pair' \(1\)\. SMOTE and ADASYN need two images"):
        assert main([*argv, "--output", str(tmp_path / "o2")]) == 0
