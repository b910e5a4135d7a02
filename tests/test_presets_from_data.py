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
