"""A preset is sized from the training data, not looked up by the dataset's name."""

from __future__ import annotations

import numpy as np
import pytest

from imblearn_deep.comparison import DataSize, get_preset, run_comparison
from imblearn_deep.comparison import _runner as runner_module
from imblearn_deep.datasets import DATASETS


def _settings(preset):
    return (
        {spec.name: spec.params for spec in preset.samplers},
        {spec.name: (spec.params, spec.grid) for spec in preset.classifiers},
        preset.default_classifiers,
        preset.cv,
    )


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_a_builtin_set_and_custom_data_of_its_size_get_one_schedule(name):
    info = DATASETS[name]
    counts = info.profile.train
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.zeros((len(y), *info.image_shape), dtype=np.uint8)
    assert _settings(get_preset("fast", DataSize.of(X, y))) == _settings(get_preset("fast", name))


def test_custom_28x28_images_get_the_28x28_schedule_not_the_digits_one():
    y = np.arange(9000) % 10
    X = np.zeros((9000, 28, 28), dtype=np.uint8)  # (n, H, W): one channel
    preset = get_preset("fast", DataSize.of(X, y))
    assert preset.classifier("small_cnn").params["max_steps"] == 3125
    assert preset.sampler("deepsmote").params["epochs"] == 10
    assert preset.default_classifiers == ("small_cnn", "resnet18")
    digits = get_preset("fast", "digits")
    assert digits.classifier("small_cnn").params["max_steps"] == 440


def test_paper_settings_follow_the_images_when_no_dataset_is_named():
    colour = DataSize(10000, (3, 32, 32), (1000,) * 10)
    grey = DataSize(9000, (1, 28, 28), (900,) * 10)
    tiny = DataSize(1000, (1, 8, 8), (100,) * 10)
    paper = {size: get_preset("paper", size) for size in (colour, grey, tiny)}
    assert (
        paper[colour].sampler("deepsmote").params
        == get_preset("paper", "cifar10").sampler("deepsmote").params
    )
    assert (
        paper[grey].sampler("bagangp").params
        == get_preset("paper", "mnist").sampler("bagangp").params
    )
    assert "image_size" not in paper[tiny].sampler("bagangp").params


def test_run_comparison_sizes_its_preset_from_the_arrays(monkeypatch, tmp_path):
    seen = []
    real = runner_module.get_preset

    def spy(name, data):
        seen.append(data)
        raise RuntimeError("stop here")

    monkeypatch.setattr(runner_module, "get_preset", spy)
    X, y = np.zeros((60, 1, 28, 28)), np.arange(60) % 3
    with pytest.raises(RuntimeError, match="stop here"):
        run_comparison(X, y, X[:6], y[:6], dataset="my-scans", output=tmp_path)
    assert seen == [DataSize(60, (1, 28, 28), (20, 20, 20))]
    assert real("fast", seen[0]).classifier("small_cnn").params["max_steps"] == 440


def _budgets(preset):
    """What the pixel rule sets: classifier steps, default classifiers, the search, and
    the generators' budgets."""
    deepsmote, bagangp = preset.sampler("deepsmote").params, preset.sampler("bagangp").params
    return {
        "small_cnn": preset.classifier("small_cnn").params["max_steps"],
        "resnet18": preset.classifier("resnet18").params["max_steps"],
        "mlp": preset.classifier("mlp").params["max_steps"],
        "defaults": preset.default_classifiers,
        "lr": preset.classifier("small_cnn").grid["lr"],
        "cv": preset.cv,
        "deepsmote": deepsmote["epochs"],
        "bagangp": {
            k: bagangp[k]
            for k in ("autoencoder_epochs", "gan_epochs", "autoencoder_steps", "gan_steps")
            if k in bagangp
        },
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("digits", (440, 440, ("small_cnn",), 30)),
        ("mnist", (3125, 625, ("small_cnn", "resnet18"), 10)),
        ("fashion_mnist", (3125, 625, ("small_cnn", "resnet18"), 10)),
        ("cifar10", (3125, 625, ("small_cnn", "resnet18"), 10)),
    ],
)
def test_the_builtin_profiles_keep_their_schedules(name, expected):
    # Images of at most 32x32 pixels weigh one 32x32 image each: nothing changes for the
    # profiles whose recorded cells tests/test_fingerprints_stable.py holds.
    budgets = _budgets(get_preset("fast", name))
    small_cnn, resnet18, defaults, epochs = expected
    assert (budgets["small_cnn"], budgets["resnet18"]) == (small_cnn, resnet18)
    assert (budgets["defaults"], budgets["deepsmote"]) == (defaults, epochs)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize(("side", "steps", "resnet_steps"), [(64, 781, 156), (128, 195, 39)])
def test_larger_images_divide_the_classifier_steps_by_their_pixels(
    side, steps, resnet_steps, channels
):
    # 3,749 training images: a 5,000-image folder after the 25% test holdout. They weigh
    # 4x (64x64) or 16x (128x128) as many 32x32 images: the large schedule, one fit a cell.
    size = DataSize(3749, (channels, side, side), (1875, 1874))
    budgets = _budgets(get_preset("fast", size))
    assert budgets == {
        "small_cnn": steps,
        "resnet18": resnet_steps,
        "mlp": steps,
        "defaults": ("small_cnn",),
        "lr": [1e-3],
        "cv": 2,
        "deepsmote": 10,
        "bagangp": {"autoencoder_epochs": 5, "gan_epochs": 8},
    }


def test_channels_do_not_change_the_preset():
    grey = get_preset("fast", DataSize(5000, (1, 64, 64), (2500, 2500)))
    colour = get_preset("fast", DataSize(5000, (3, 64, 64), (2500, 2500)))
    assert _settings(grey) == _settings(colour)


def test_a_few_large_images_keep_the_long_schedule_with_fewer_classifier_steps():
    # 1,000 images of 64x64 weigh 4,000 of 32x32: the small schedule, its search on 3
    # folds and its generators' budgets, the classifiers' 440 steps divided by 4.
    budgets = _budgets(get_preset("fast", DataSize(1000, (3, 64, 64), (500, 500))))
    assert budgets == {
        "small_cnn": 110,
        "resnet18": 110,
        "mlp": 110,
        "defaults": ("small_cnn",),
        "lr": [1e-3, 3e-3],
        "cv": 3,
        "deepsmote": 30,
        "bagangp": {"autoencoder_steps": 600, "gan_steps": 600},
    }


def test_the_pixel_factor_is_exact_for_other_shapes_and_stops_at_128x128():
    budgets = {
        shape: _budgets(get_preset("fast", DataSize(5000, shape, (2500, 2500))))
        for shape in [(3, 48, 64), (3, 33, 33), (3, 128, 128), (3, 256, 256), (1, 512, 64)]
    }
    assert budgets[(3, 48, 64)]["small_cnn"] == round(3125 / 3)
    assert budgets[(3, 33, 33)]["small_cnn"] == round(3125 * 1024 / 33**2)
    assert budgets[(3, 33, 33)]["defaults"] == ("small_cnn",)
    assert budgets[(3, 256, 256)] == budgets[(1, 512, 64)] == budgets[(3, 128, 128)]


def test_a_5000_image_64x64_folder_fits_each_of_the_six_methods_once():
    # The 30-minute run of issue 28: one seed of none, weighted, logit_adjusted, ros,
    # smote and deepsmote on the training part of a 5,000-image folder.
    from imblearn_deep.comparison._cell import Cell, planned_fits
    from imblearn_deep.comparison._user_data import stratified_holdout

    counts = (2222, 1111, 556, 417, 278, 194, 111, 56, 33, 22)
    y = np.repeat(np.arange(len(counts)), counts)
    train, _ = stratified_holdout(y, 0.25, random_state=0)
    X_train, y_train = np.zeros((len(train), 3, 64, 64), dtype=np.uint8), y[train]
    preset = get_preset("fast", DataSize.of(X_train, y_train))
    methods = ("none", "weighted", "logit_adjusted", "ros", "smote", "deepsmote")
    fits = {
        (method, classifier): planned_fits(
            Cell(preset.sampler(method), preset.classifier(classifier), 0, "folder"),
            X_train,
            y_train,
            n_folds=preset.cv,
        )
        for method in methods
        for classifier in preset.default_classifiers
    }
    assert preset.default_classifiers == ("small_cnn",)
    assert fits == {
        (method, "small_cnn"): (int(preset.sampler(method).resamples), 1) for method in methods
    }
