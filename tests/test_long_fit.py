"""A fit that will take long says so once at verbose=0, with its expected duration; with
verbose=1 it prints its epochs instead; the comparison, which has its own progress lines,
keeps the announcement out of its output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _comparisons import short_preset
from _samplers import imbalanced_images, make_tiny

from imblearn_deep import CNNClassifier, LongFitWarning
from imblearn_deep._torch import long_fit
from imblearn_deep.comparison import read_results, run_comparison
from imblearn_deep.datasets import load_imbalanced


@pytest.fixture
def every_fit_is_long(monkeypatch):
    """Any time left counts as long: the tests' fits take a fraction of a second."""
    monkeypatch.setattr(long_fit, "LONG_FIT_SECONDS", 0.0)


def _long_fit_warnings(fit) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, LongFitWarning)]


def test_each_stage_of_a_sampler_announces_itself_once(every_fit_is_long, sampler_name):
    X, y = imbalanced_images()
    # Announced after the second epoch: 4 epochs (or 100-step blocks) leave 2.
    params = {
        "DeepSMOTE": {"epochs": 4},
        "BAGANGP": {"autoencoder_epochs": 4, "gan_epochs": 4},
        "LatentDiffusion": {"epochs": 4, "diffusion_steps": 400},
    }[sampler_name]
    sampler = make_tiny(sampler_name, **params)
    messages = _long_fit_warnings(lambda: sampler.fit_resample(X, y))
    stages = sorted({record["stage"] for record in sampler.history_})
    assert len(messages) == len(stages)
    for stage, message in zip(stages, sorted(messages), strict=True):
        assert f"{sampler_name}: the {stage} stage will take about" in message
        assert "2 more epochs" in message and "verbose=1" in message


def test_no_announcement_when_verbose_or_short(sampler_name, every_fit_is_long, capsys):
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name, verbose=1)
    assert _long_fit_warnings(lambda: sampler.fit_resample(X, y)) == []
    assert "epoch 1/" in capsys.readouterr().out


def test_a_quick_fit_says_nothing(sampler_name):
    X, y = imbalanced_images()
    assert _long_fit_warnings(lambda: make_tiny(sampler_name).fit_resample(X, y)) == []


def test_classifier_announces_a_long_training_call_once(every_fit_is_long, capsys):
    X, y = imbalanced_images(counts=(20, 12))
    params = {"architecture": "small_cnn", "batch_size": 8, "random_state": 0}
    clf = CNNClassifier(max_epochs=5, **params)
    messages = _long_fit_warnings(lambda: clf.fit(X, y))
    assert len(messages) == 1
    assert "CNNClassifier: the training stage will take about" in messages[0]
    assert "3 more epochs" in messages[0]
    # A step budget: 10 steps, 4 an epoch (32 images at batch 8): 2 left after two epochs.
    clf = CNNClassifier(max_steps=10, **params)
    assert "(1 more epoch at" in _long_fit_warnings(lambda: clf.fit(X, y))[0]
    # Early stopping may end sooner: the time left is a bound.
    stopping = CNNClassifier(max_epochs=5, early_stopping=True, **params)
    assert "will take at most" in _long_fit_warnings(lambda: stopping.fit(X, y))[0]
    # Two epochs leave nothing to announce.
    assert _long_fit_warnings(lambda: CNNClassifier(max_epochs=2, **params).fit(X, y)) == []
    verbose = CNNClassifier(max_epochs=4, verbose=1, **params)
    assert _long_fit_warnings(lambda: verbose.fit(X, y)) == []
    capsys.readouterr()


def test_the_comparison_keeps_the_announcements_out(every_fit_is_long, tmp_path):
    X, y, X_test, y_test = load_imbalanced("digits")
    preset = short_preset().with_params("small_cnn", {"max_steps": 20})
    messages = _long_fit_warnings(
        lambda: run_comparison(
            X,
            y,
            X_test,
            y_test,
            preset=preset,
            samplers=["none"],
            classifiers=["small_cnn"],
            seeds=[0],
            output=tmp_path / "run",
            quality=False,
        )
    )
    assert messages == []
    (row,) = read_results(tmp_path / "run")
    assert row["status"] == "ok" and np.isfinite(row["test_f1_macro"])
