"""The comparison: the flatten adapter, leak-free evaluation, the pipeline cache, the
command line end to end, resuming, the Dask backend, the report and the PNG export."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _comparisons import SHORT_FITS
from _samplers import TINY
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.utils.estimator_checks import check_param_validation, estimator_checks_generator
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils._test_common.instance_generator import _get_check_estimator_ids
from sklearn.utils.estimator_checks import parametrize_with_checks

from imblearn_deep import DeepSMOTE, FlattenSampler
from imblearn_deep.comparison import (
    ClassifierSpec,
    Execution,
    SamplerSpec,
    export_balanced,
    get_preset,
    read_results,
    run_comparison,
    write_report,
)
from imblearn_deep.comparison import _worker as worker_module
from imblearn_deep.comparison._cell import Cell, fingerprint
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._quality import synthetic_samples
from imblearn_deep.comparison._row import heldout_scores
from imblearn_deep.datasets import load_imbalanced


@pytest.fixture(scope="module")
def digits():
    """The imbalanced 8x8 digits: 325 training and 99 test images."""
    return load_imbalanced("digits")


# -- a classifier that records what it sees ---------------------------------------------

SEEN: dict[str, list[np.ndarray]] = {"fit": [], "predict": []}


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-centroid classifier that records every array passed to fit and predict."""

    def __init__(self, shrink=0.0):
        self.shrink = shrink

    def fit(self, X, y):
        SEEN["fit"].append(np.array(X))
        flat = np.asarray(X, float).reshape(len(X), -1)
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([flat[y == c].mean(0) for c in self.classes_])
        self.centroids_ *= 1 - self.shrink
        return self

    def predict(self, X):
        SEEN["predict"].append(np.array(X))
        flat = np.asarray(X, float).reshape(len(X), -1)
        distances = ((flat[:, None, :] - self.centroids_[None]) ** 2).sum(-1)
        return self.classes_[distances.argmin(1)]


SPY = ClassifierSpec("spy", "spy", SpyClassifier, grid={"shrink": [0.0, 0.1]})
TINY_DEEPSMOTE = SamplerSpec(
    "deepsmote", "DeepSMOTE", DeepSMOTE, params=TINY["DeepSMOTE"], neighbor_params=("k_neighbors",)
)
TINY_CNN = ClassifierSpec(
    "tiny_cnn",
    "tiny CNN",
    params={"architecture": "small_cnn", "module__channels": (8,), "max_epochs": 2},
    grid={"lr": [1e-3, 1e-2]},
)


def row_set(X: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.ascontiguousarray(X).reshape(len(X), -1)}


def unseen_rows(X: np.ndarray, real: set[bytes]) -> int:
    """How many rows of ``X`` are not real samples (synthetic ones)."""
    return len(row_set(X) - real)


# -- FlattenSampler -------------------------------------------------------------------

FLAT_SAMPLERS = [
    FlattenSampler(RandomOverSampler(random_state=0)),
    FlattenSampler(SMOTE(random_state=0)),
]


@pytest.mark.parametrize(
    "estimator, check",
    [c for s in FLAT_SAMPLERS for c in estimator_checks_generator(s, mark="xfail")],
    ids=_get_check_estimator_ids,
)
def test_flatten_sampler_imblearn_checks(estimator, check):
    check(estimator)


@parametrize_with_checks(FLAT_SAMPLERS)
def test_flatten_sampler_sklearn_checks(estimator, check):
    check(estimator)


def test_flatten_sampler_param_validation():
    check_param_validation("FlattenSampler", FlattenSampler(SMOTE(random_state=0)))


def test_flatten_sampler_restores_image_shape(digits):
    X, y = digits[0], digits[1]
    sampler = FlattenSampler(SMOTE(k_neighbors=3, random_state=0))
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape[1:] == X.shape[1:] and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, unchanged
    assert np.bincount(y_res).tolist() == [140] * 10
    # The same as SMOTE on flat rows, reshaped.
    flat, _ = SMOTE(k_neighbors=3, random_state=0).fit_resample(X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(X_res.reshape(len(X_res), -1), flat)
    assert sampler.n_features_in_ == 64 and sampler.input_shape_ == (1, 8, 8)
    # Nested parameters reach the wrapped sampler, and clone keeps them.
    clone_ = clone(sampler).set_params(sampler__k_neighbors=2)
    assert clone_.sampler.k_neighbors == 2 and sampler.sampler.k_neighbors == 3
    # The default wraps RandomOverSampler.
    assert np.bincount(FlattenSampler().fit_resample(X, y)[1]).tolist() == [140] * 10


def test_flatten_sampler_interpolates_integer_images_without_wrapping_around(digits):
    # uint8 pixels, as Fashion-MNIST, MNIST and CIFAR-10 load: SMOTE's neighbour minus
    # base would wrap around (100 - 110 = 246) in uint8 arithmetic.
    X, y = (digits[0] * 15).astype(np.uint8), digits[1]
    X_res, _ = FlattenSampler(SMOTE(k_neighbors=3, random_state=0)).fit_resample(X, y)
    assert X_res.dtype == np.uint8
    exact, _ = FlattenSampler(SMOTE(k_neighbors=3, random_state=0)).fit_resample(
        X.astype(np.float64), y
    )
    np.testing.assert_array_equal(X_res, np.rint(exact))
    # Each synthetic pixel lies between the extremes of its class's real pixels.
    synthetic, labels = X_res[len(X) :], np.repeat(np.arange(1, 10), 140 - np.bincount(y)[1:])
    for label in range(1, 10):
        real = X[y == label]
        mine = synthetic[labels == label]
        assert (mine >= real.min(axis=0)).all() and (mine <= real.max(axis=0)).all()


def test_a_behaviour_version_changes_the_fingerprint_of_its_cells(monkeypatch):
    preset = get_preset("fast")
    smote = Cell(preset.sampler("smote"), preset.classifier("small_cnn"), 0, "digits")
    deep = Cell(preset.sampler("deepsmote"), preset.classifier("small_cnn"), 0, "digits")
    before = [fingerprint(c, 3, "cpu", "data") for c in (smote, deep)]
    monkeypatch.setattr(FlattenSampler, "_behaviour_version", 3)
    after = [fingerprint(c, 3, "cpu", "data") for c in (smote, deep)]
    assert after[0] != before[0] and after[1] == before[1]


# -- honest evaluation ------------------------------------------------------------------


def test_no_synthetic_sample_reaches_validation_or_test(digits, tmp_path):
    X_train, y_train, X_test, y_test = digits
    real_train, real_test = row_set(X_train), row_set(X_test)
    for calls in SEEN.values():
        calls.clear()
    smote = get_preset("fast").sampler("smote")
    rows = run_comparison(
        *digits,
        samplers=[smote, TINY_DEEPSMOTE],
        classifiers=[SPY],
        seeds=[0],
        cv=3,
        output=tmp_path,
        execution=Execution(device="cpu"),
        on_error="raise",
        quality=False,  # the judge's calls are checked in test_quality_judge_sees_...
    )
    assert [r["status"] for r in rows] == ["ok", "ok"]
    # The spy can tell: the classifier was trained on synthetic images ...
    assert all(unseen_rows(X, real_train) > 0 for X in SEEN["fit"])
    # ... but predicted on real images only: a validation fold, or the test set.
    test_calls = 0
    for X in SEEN["predict"]:
        rows_ = row_set(X)
        if rows_ <= real_train:
            assert len(X) <= math.ceil(len(X_train) / 3)  # one validation fold
        else:
            assert rows_ == real_test and len(X) == len(X_test)
            test_calls += 1
    assert test_calls == 2  # once per cell, with the refitted pipeline


def test_quality_judge_sees_real_training_images_only(digits, tmp_path):
    X_train, y_train, X_test, _ = digits
    real_train, real_test = row_set(X_train), row_set(X_test)
    rows = run_comparison(
        *digits,
        samplers=["none", get_preset("fast").sampler("smote"), TINY_DEEPSMOTE],
        classifiers=[SPY],
        seeds=[0],
        cv=2,
        output=tmp_path,
        execution=Execution(device="cpu"),
        on_error="raise",
    )
    judge_fits = [X for X in SEEN["fit"] if row_set(X) == real_train and len(X) == len(X_train)]
    assert len(judge_fits) >= 1  # the judge: every real training image, nothing else
    assert all(not (row_set(X) & real_test) for X in SEEN["fit"])
    none, smote, deepsmote = rows
    assert "label_fidelity" not in none  # nothing synthetic to judge
    for row in (smote, deepsmote):
        assert 0 <= row["label_fidelity"] <= 1
        # Up to 200 per class, only for the classes the sampler grew (not the largest).
        assert row["quality_samples"] == sum(min(140 - n, 200) for n in np.bincount(y_train))
        assert set(row["label_fidelity_per_class"]) == set(map(str, range(1, 10)))
        assert "frechet_mean" not in row  # the spy has no features
    # A nearest-centroid judge on SMOTE's interpolations of well-separated digits: right.
    assert smote["label_fidelity"] > 0.9
    report = write_report(tmp_path).read_text()
    assert "Label fidelity" in report and "| SMOTE | spy |" in report


def test_quality_frechet_distance_on_the_judges_features(digits, tmp_path):
    (row,) = run_comparison(
        *digits,
        samplers=["smote"],
        classifiers=[TINY_CNN],
        seeds=[0],
        cv=2,
        output=tmp_path,
        execution=Execution(device="cpu"),
    )
    distances = row["frechet_per_class"]
    assert set(distances) == set(map(str, range(1, 10)))
    assert all(d >= 0 and math.isfinite(d) for d in distances.values())
    assert row["frechet_mean"] == pytest.approx(np.mean(list(distances.values())))
    assert "| SMOTE | tiny CNN |" in write_report(tmp_path).read_text()


class ShuffledOverSampler(RandomOverSampler):
    """Over-samples like RandomOverSampler, then shuffles: no "originals first"."""

    def _fit_resample(self, X, y):
        X_res, y_res = super()._fit_resample(X, y)
        order = np.random.default_rng(0).permutation(len(y_res))
        return X_res[order], y_res[order]


def test_synthetic_samples_needs_the_originals_first(digits):
    X, y = digits[0].reshape(len(digits[0]), -1), digits[1]
    X_syn, y_syn = synthetic_samples(RandomOverSampler(random_state=0), X, y, random_state=0)
    assert np.bincount(y_syn).tolist() == [0] + [min(140 - n, 200) for n in np.bincount(y)[1:]]
    assert unseen_rows(X_syn, row_set(X)) == 0  # copies of real rows
    X_syn, y_syn = synthetic_samples(
        RandomOverSampler(random_state=0), X, y, random_state=0, per_class=3
    )
    assert np.bincount(y_syn, minlength=10).tolist() == [0] + [3] * 9
    assert synthetic_samples(ShuffledOverSampler(random_state=0), X, y, random_state=0) is None


def test_fast_preset_schedule_follows_the_dataset():
    digits, fmnist = get_preset("fast"), get_preset("fast", "fashion_mnist")
    assert (digits.cv, fmnist.cv) == (3, 2)
    assert digits.sampler("deepsmote").params["epochs"] == 30
    assert fmnist.sampler("deepsmote").params["epochs"] == 10
    assert fmnist.classifier("small_cnn").grid == {"lr": [1e-3]}
    # Budgets in optimizer steps, the same for every method, with a decaying rate.
    for preset, steps in ((digits, 440), (fmnist, 3125)):
        params = preset.classifier("small_cnn").params
        assert (params["max_steps"], params["lr_schedule"]) == (steps, "cosine")
    with pytest.raises(ValueError, match="Unknown dataset 'svhn'"):
        get_preset("fast", "svhn")
    # The 28x28 sets compare two classifiers; their ResNets take the ImageNet stem.
    assert fmnist.default_classifiers == ("small_cnn", "resnet18")
    assert digits.default_classifiers == ("small_cnn",)
    resnet = fmnist.classifier("resnet18").params
    assert (resnet["max_steps"], resnet["module__stem"]) == (625, "imagenet")
    assert "module__stem" not in digits.classifier("resnet18").params


def test_report_states_each_classifiers_step_budget():
    from imblearn_deep.comparison._report import _step_budget

    rows = [
        {"classifier": c, "classifier_label": label, "clf_steps": steps}
        for c, label, steps in [("small_cnn", "small CNN", 3125), ("resnet18", "ResNet-18", 625)]
        for _ in range(2)
    ]
    assert "the same optimizer steps (small CNN: 3,125; ResNet-18: 625)" in _step_budget(rows)
    assert "exactly 3,125 optimizer steps" in _step_budget(rows[:2])
    rows[0]["clf_steps"] = 700
    assert "differ between methods (small CNN: 700 to 3,125; ResNet-18: 625)." in _step_budget(rows)
    assert _step_budget([{"classifier": "x"}]) == ""


def test_quality_can_be_turned_off(digits, tmp_path):
    args = ["compare", "--samplers", "ros", *SHORT_FITS, "--seeds", "0", "--cv", "2"]
    assert main([*args, "--device", "cpu", "--no-quality", "--output", str(tmp_path), "-q"]) == 0
    assert "label_fidelity" not in read_results(tmp_path)[0]
    assert "Label fidelity" not in (tmp_path / "report.md").read_text()


def test_leak_check_catches_resampling_before_cv(digits):
    # The seed's protocol, resampling before splitting, puts synthetic images in the
    # validation folds: the same check fails on it.
    X_train, y_train = digits[0], digits[1]
    X_res, y_res = FlattenSampler(SMOTE(k_neighbors=3, random_state=0)).fit_resample(
        X_train, y_train
    )
    SEEN["predict"].clear()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    GridSearchCV(SpyClassifier(), {"shrink": [0.0]}, cv=folds).fit(X_res, y_res)
    assert sum(unseen_rows(X, row_set(X_train)) for X in SEEN["predict"]) > 0


FITS: list[int] = []


class CountingDeepSMOTE(DeepSMOTE):
    """DeepSMOTE that counts its fits in this process."""

    def _fit_resample(self, X, y):
        FITS.append(len(X))
        return super()._fit_resample(X, y)


def test_pipeline_memory_fits_each_sampler_setting_once_per_fold(digits, tmp_path):
    FITS.clear()
    counting = SamplerSpec(
        "counting",
        "counting",
        CountingDeepSMOTE,
        params=TINY["DeepSMOTE"],
        grid={"latent_dim": [4, 8]},
        neighbor_params=("k_neighbors",),
    )
    (row,) = run_comparison(
        *digits,
        samplers=[counting],
        classifiers=[SPY],  # 2 classifier settings
        seeds=[0],
        cv=2,
        output=tmp_path,
        execution=Execution(device="cpu"),
        on_error="raise",
    )
    # 2 sampler settings x 2 folds + 1 refit; without the cache: 2 x 2 x 2 + 1 = 9.
    assert len(FITS) == row["sampler_fits"] == row["expected_sampler_fits"] == 5
    n_train = len(digits[1])
    assert sorted(FITS)[-1] == n_train and all(n < n_train for n in sorted(FITS)[:-1])
    assert row["n_candidates"] == 4 and row["sampler_settings"] == 2
    assert 0 < row["generator_train_seconds"] <= row["sampler_seconds"]


def test_neighbours_are_capped_at_the_smallest_fold_class(digits, tmp_path):
    (row,) = run_comparison(
        *digits,
        samplers=["smote"],
        classifiers=[SPY],
        seeds=[0],
        cv=2,
        output=tmp_path,
        execution=Execution(device="cpu"),
        on_error="raise",
    )
    # The rarest class has 5 images: 2 in the smaller training half, so 1 neighbour.
    assert row["best_params"]["sampler__sampler__k_neighbors"] == 1


def test_a_failing_sampler_is_recorded_and_retried(digits, tmp_path):
    rows = run_comparison(
        *digits, samplers=["adasyn"], classifiers=[SPY], seeds=[0], cv=2, output=tmp_path
    )
    assert rows[0]["status"] == "failed" and "ADASYN" in rows[0]["error"]
    assert read_results(tmp_path)[0]["status"] == "failed"
    with pytest.raises(RuntimeError, match="majority class"):
        run_comparison(
            *digits,
            samplers=["adasyn"],
            classifiers=[SPY],
            seeds=[0],
            cv=2,
            output=tmp_path,
            on_error="raise",
        )


# -- the command line -------------------------------------------------------------------

METRICS = ("cv_f1_macro", "test_f1_macro", "test_balanced_accuracy", "test_g_mean", "test_accuracy")


def test_cli_writes_results_report_and_figures(cli_run):
    root, _ = cli_run
    out = root / "out"
    for name in ("results.csv", "results.json", "report.md"):
        assert (out / name).is_file()
    import pandas  # the test extra installs it

    table = pandas.read_csv(out / "results.csv")
    assert table["sampler"].tolist() == ["none", "ros", "deepsmote"]
    columns = {
        *METRICS,
        "best_params",
        "cv_balanced_accuracy",
        "cv_g_mean",
        "cv_accuracy",
        "sampler_fits",
        "search_seconds",
        "sampler_seconds",
        "generation_seconds",
        *(f"recall_{c}" for c in range(10)),
    }
    assert columns <= set(table.columns)
    values = table[[*METRICS, *(f"recall_{c}" for c in range(10))]].to_numpy()
    assert ((values >= 0) & (values <= 1)).all()
    assert table["sampler_fits"].tolist() == [0, 3, 3]
    assert (table["search_seconds"] > 0).all()
    report = (out / "report.md").read_text()
    assert "| DeepSMOTE | small CNN | 1 |" in report and "Per-class test recall" in report
    # matplotlib comes with the test extra: the figures must be there.
    figures = ("digits_f1", "digits_recall", "digits_confusion", "digits_deepsmote_images")
    # Pixel samplers get an image grid too.
    for figure in (*figures, "digits_ros_images"):
        assert (out / "figures" / f"{figure}.png").is_file()
    assert (out / "figures" / "digits_deepsmote_training.png").is_file()


def test_every_method_trains_its_classifier_the_same_number_of_steps(cli_run):
    root, _ = cli_run
    rows = read_results(root / "out")
    assert [r["sampler"] for r in rows] == ["none", "ros", "deepsmote"]
    # 325 real images or 1,400 balanced ones: the same 100 optimizer steps, the budget
    # set on the command line (``--set small_cnn.max_steps=100``).
    assert [r["clf_steps"] for r in rows] == [100, 100, 100]
    # Batches of 32, the last of an epoch sometimes shorter.
    assert all(0.8 * 100 * 32 <= r["clf_images_seen"] <= 100 * 32 for r in rows)
    report = (root / "out" / "report.md").read_text()
    assert "100 optimizer steps" in report


def test_cli_resume_skips_finished_cells(cli_run, monkeypatch, capsys):
    root, args = cli_run
    before = (root / "out" / "results.json").read_text()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a finished cell ran again")

    monkeypatch.setattr(worker_module, "run_cell", must_not_run)
    without_export = [a for a in args if a != "-q"]
    i = without_export.index("--export-balanced")
    del without_export[i : i + 2]
    assert main(without_export) == 0
    assert (root / "out" / "results.json").read_text() == before
    assert capsys.readouterr().err.count("done before, skipped") == 3


def test_cli_export_is_an_image_folder(cli_run, digits):
    root, _ = cli_run
    from torchvision.datasets import ImageFolder

    assert sorted(p.name for p in (root / "balanced").iterdir()) == ["deepsmote", "ros"]
    folder = ImageFolder(root / "balanced" / "deepsmote")
    assert folder.classes == [str(c) for c in range(10)]
    assert np.bincount([label for _, label in folder.samples]).tolist() == [140] * 10
    names = [Path(path).name for path, _ in folder.samples]
    assert sum(n.startswith("real_") for n in names) == len(digits[1])


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--samplers", "none,nope"], "unknown name(s) nope"),
        (["--cv", "1"], "must be at least 2"),
        (["--dataset", "imagenet"], "invalid choice"),
        (["--scheduler", "tcp://localhost:8786"], "only used with --backend dask"),
        (["--seeds", "a,b"], "expected comma-separated integers"),
    ],
)
def test_cli_bad_option_is_a_clear_error(bad, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compare", *bad])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_python_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "imblearn_deep", "compare", "--preset", "huge"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "invalid choice: 'huge'" in done.stderr and "Traceback" not in done.stderr


def test_report_gives_mean_and_spread_over_seeds(cli_run, tmp_path):
    root, _ = cli_run
    rows = read_results(root / "out")

    def perfect(row):
        # The same test set, every image recognised: scores that agree with the matrix.
        y_true = np.repeat(row["classes"], np.sum(row["confusion_matrix"], axis=1))
        return heldout_scores(y_true, y_true, row["classes"])

    second = [
        {**r, "cell": r["cell"].replace("seed=0", "seed=1"), "seed": 1, **perfect(r)} for r in rows
    ]
    (tmp_path / "results.json").write_text(json.dumps(rows + second))
    shutil.copytree(root / "out" / "artifacts", tmp_path / "artifacts")
    report = write_report(tmp_path).read_text()
    none = next(r for r in rows if r["sampler"] == "none")["test_f1_macro"]
    mean, std = (none + 1) / 2, np.std([none, 1.0], ddof=1)
    # Bold when "none" has the best mean.
    cell = f"{mean:.3f} ± {std:.3f}"
    assert any(f"| none | small CNN | 2 | {c} |" in report for c in (cell, f"**{cell}**")), report


# -- Dask -------------------------------------------------------------------------------


def test_dask_backend_gives_the_same_table(digits, tmp_path):
    import distributed  # the test extra installs it

    options = dict(
        samplers=["none", "smote", TINY_DEEPSMOTE],
        classifiers=[TINY_CNN],
        seeds=[0],
        cv=2,
        execution=Execution(device="cpu"),
        on_error="raise",
    )
    default = run_comparison(*digits, output=tmp_path / "loky", **options)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = run_comparison(
            *digits,
            output=tmp_path / "dask",
            **{**options, "execution": Execution(backend="dask", scheduler=client, device="cpu")},
        )
    keys = (*METRICS, "recall", "confusion_matrix", "best_params", "sampler_fits", "config")
    assert [{k: r[k] for k in keys} for r in dask] == [{k: r[k] for k in keys} for r in default]
    assert [r["sampler_fits"] for r in dask] == [0, 3, 3]


# -- export -----------------------------------------------------------------------------


def test_export_balanced_writes_pngs(tmp_path):
    from PIL import Image

    X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    y = np.array([10, 2])
    counts = export_balanced(X, y, tmp_path / "set", n_original=1)
    assert counts == {"10": 1, "02": 1}  # zero-padded: folder order is numeric order
    image = np.asarray(Image.open(tmp_path / "set" / "02" / "synthetic_1.png"))
    assert image.shape == (4, 5, 3) and image.max() == 255
    with pytest.raises(FileExistsError):
        export_balanced(X, y, tmp_path / "set")
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        export_balanced(np.zeros((2, 2, 4, 4)), y, tmp_path / "other")
