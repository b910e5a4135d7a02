"""The sampler contract, checked once for every deep sampler.

Layout, dtype, order and counts of the output; every ``sampling_strategy`` form;
determinism; pickling; ``generate``; progress and history; bad input.
"""

from __future__ import annotations

import itertools
import pickle
import warnings
from collections import Counter

import joblib
import numpy as np
import pytest
import torch
from _samplers import imbalanced_images, make_tiny
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from imblearn_deep import TrainingDivergedError

MORE_EPOCHS = {
    "DeepSMOTE": {"epochs": 3},
    "BAGANGP": {"autoencoder_epochs": 3},
    "LatentDiffusion": {"epochs": 3},
}

pytestmark = pytest.mark.filterwarnings("ignore:Class .* has:UserWarning")


def assert_resampled(X, y, X_res, y_res, expected_counts):
    """Originals first and unchanged, then synthetic samples grouped by sorted class."""
    assert X_res.ndim == X.ndim and X_res.shape[1:] == X.shape[1:]
    assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert Counter(y_res.tolist()) == expected_counts
    synthetic_labels = y_res[len(y) :]
    assert list(synthetic_labels) == sorted(synthetic_labels)
    assert np.isfinite(X_res.astype(np.float64)).all()


@pytest.mark.parametrize(
    "shape, layout",
    [
        ((1, 8, 8), "nchw"),
        ((1, 8, 8), "nhw"),
        ((1, 8, 8), "flat"),
        ((3, 8, 8), "nchw"),
        ((3, 8, 8), "flat"),
        ((1, 28, 28), "nchw"),
        ((3, 32, 32), "nchw"),
        ((1, 28, 28), "flat"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_output_mirrors_input(sampler_name, shape, layout, dtype):
    X, y = imbalanced_images(shape=shape, dtype=dtype)
    params = {}
    if layout == "nhw":
        X = X[:, 0]
    elif layout == "flat":
        X, params = X.reshape(len(X), -1), {"image_shape": shape}
    X_res, y_res = make_tiny(sampler_name, **params).fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, {0: 12, 1: 12, 2: 12})
    # Synthetic values stay inside the fitted range and, for integers, are integers.
    assert X_res.min() >= X.min() and X_res.max() <= X.max()


def test_networks_are_convolutional_for_images(sampler_name):
    X, y = imbalanced_images(shape=(1, 8, 8))
    flat = make_tiny(sampler_name, image_shape=(1, 8, 8)).fit_resample(X.reshape(len(X), -1), y)
    nd = make_tiny(sampler_name).fit_resample(X, y)
    # Same data, same seed: flat input with image_shape is the very same model as N-D input.
    np.testing.assert_array_equal(flat[0].reshape(nd[0].shape), nd[0])
    sampler = make_tiny(sampler_name).fit(X, y)
    assert sampler.n_features_in_ == 64


def test_convolutions_train_in_channels_last(sampler_name):
    X, y = imbalanced_images(shape=(3, 8, 8))
    sampler = make_tiny(sampler_name)
    X_res, _ = sampler.fit_resample(X, y)
    convs = [m.weight for m in sampler.encoder_.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert X_res.flags.c_contiguous  # the output is an ordinary array


def test_tabular_input_warns_when_it_looks_like_images(sampler_name):
    X, y = imbalanced_images(shape=(1, 8, 8))
    with pytest.warns(UserWarning, match=r"image_shape=\(C, H, W\)"):
        make_tiny(sampler_name).fit_resample(X.reshape(len(X), -1), y)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {0: 12, 1: 12, 2: 12}),
        ("not majority", {0: 12, 1: 12, 2: 12}),
        ("minority", {0: 12, 1: 6, 2: 12}),
        ("not minority", {0: 12, 1: 12, 2: 3}),
        ("all", {0: 12, 1: 12, 2: 12}),
        ({1: 10, 2: 7}, {0: 12, 1: 10, 2: 7}),
        (lambda y: {2: 9}, {0: 12, 1: 6, 2: 9}),
    ],
)
def test_sampling_strategy_forms(sampler_name, strategy, expected):
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name, sampling_strategy=strategy)
    X_res, y_res = sampler.fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, expected)


def test_float_sampling_strategy_binary(sampler_name):
    X, y = imbalanced_images(counts=(12, 4))
    X_res, y_res = make_tiny(sampler_name, sampling_strategy=0.75).fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, {0: 12, 1: 9})


def test_string_labels_round_trip(sampler_name):
    X, y = imbalanced_images()
    labels = np.array(["cat", "dog", "emu"])[y]
    X_res, y_res = make_tiny(sampler_name).fit_resample(X, labels)
    assert_resampled(X, labels, X_res, y_res, {"cat": 12, "dog": 12, "emu": 12})
    assert make_tiny(sampler_name).fit(X, labels).sampling_strategy_ == {"dog": 6, "emu": 9}


def test_seeded_runs_are_identical_and_leave_global_rng_alone(sampler_name):
    X, y = imbalanced_images()
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002 (the global stream is the point)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)  # noqa: NPY002
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002 (the global stream is the point)
    first = make_tiny(sampler_name).fit_resample(X, y)[0]
    # The caller's streams continue as if the sampler had not run.
    np.testing.assert_array_equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)  # noqa: NPY002
    second = make_tiny(sampler_name).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, second)
    other_seed = make_tiny(sampler_name, random_state=1).fit_resample(X, y)[0]
    assert not np.array_equal(first, other_seed)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_fitted_sampler_pickles(sampler_name, dump, tmp_path):
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name).fit_resample(X, y) and make_tiny(sampler_name)
    sampler.fit_resample(X, y)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(sampler))
    else:
        joblib.dump(sampler, tmp_path / "sampler.joblib")
        restored = joblib.load(tmp_path / "sampler.joblib")
    np.testing.assert_array_equal(
        restored.generate(5, 2, random_state=0), sampler.generate(5, 2, random_state=0)
    )
    assert clone(sampler).get_params() == sampler.get_params()


def test_generate(sampler_name):
    X, y = imbalanced_images(dtype=np.uint8)
    sampler = make_tiny(sampler_name)
    sampler.fit_resample(X, y)
    images = sampler.generate(7, 1, random_state=3)
    assert images.shape == (7, 1, 8, 8) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, sampler.generate(7, 1, random_state=3))
    assert sampler.generate(0, 1).shape == (0, 1, 8, 8)
    with pytest.raises(ValueError, match="was not seen during fit"):
        sampler.generate(3, 5)
    with pytest.raises(ValueError, match="non-negative integer"):
        sampler.generate(-1, 1)
    assert not hasattr(sampler, "transform")


def test_unfitted_generate_raises(sampler_name):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_tiny(sampler_name).generate(3, 0)


def test_fitted_networks_live_on_cpu_in_eval_mode(sampler_name):
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name)
    sampler.fit_resample(X, y)
    networks = [
        v for k, v in vars(sampler).items() if k.endswith("_") and isinstance(v, torch.nn.Module)
    ]
    assert len(networks) >= 2
    for network in networks:
        assert not network.training
        assert all(p.device.type == "cpu" for p in network.parameters())


def test_verbose_prints_progress_and_history_records_epochs(sampler_name, capsys):
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name, verbose=1)
    sampler.fit_resample(X, y)
    out = capsys.readouterr().out
    assert f"[{sampler_name}]" in out and "epoch 1/1" in out
    assert len(sampler.history_) == out.count("\n") >= 1
    # A count prints as one ("steps=6", not "steps=6.0000"), the losses with 4 decimals.
    first = sampler.history_[0]
    losses = [k for k in first if k not in ("stage", "epoch", "steps", "seconds")]
    assert f"  steps={first['steps']}  {losses[0]}={first[losses[0]]:.4f}  " in out
    assert all(np.isfinite(r["seconds"]) for r in sampler.history_)
    make_tiny(sampler_name, verbose=0).fit_resample(X, y)
    assert capsys.readouterr().out == ""


def test_diverging_training_stops_with_clear_error(sampler_name):
    X, y = imbalanced_images()
    with pytest.raises(TrainingDivergedError, match="diverged"):
        make_tiny(sampler_name, learning_rate=1e30).fit_resample(X, y)
    # A loss that turns NaN mid-training names the epoch and stage.
    with pytest.raises(TrainingDivergedError, match=r"became nan in epoch 2 of the"):
        make_tiny(sampler_name, learning_rate=1e30, **MORE_EPOCHS[sampler_name]).fit_resample(X, y)


def test_last_batch_of_one_and_single_sample_class(sampler_name):
    # 65 samples with batch 64 leaves a batch of one, which BatchNorm cannot train on;
    # the one-sample class cannot be interpolated and is documented to copy its code.
    X, y = imbalanced_images(counts=(40, 24, 1))
    sampler = make_tiny(sampler_name)
    X_res, y_res = sampler.fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, {0: 40, 1: 40, 2: 40})


def test_in_pipeline_has_no_transform_clash(sampler_name):
    X, y = imbalanced_images()
    pipeline = Pipeline(
        [("sampler", make_tiny(sampler_name)), ("clf", LogisticRegression(max_iter=200))]
    )
    pipeline.fit(X.reshape(len(X), -1), y)
    assert pipeline.predict(X.reshape(len(X), -1)).shape == (len(X),)


@pytest.mark.parametrize(
    "X_factory, message",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), "NaN"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), "infinity"),
        (lambda X: X.transpose(0, 2, 3, 1).repeat(3, axis=3), r"transpose\(0, 3, 1, 2\)"),
        (lambda X: X[..., None], "must be 2-D"),
        (lambda X: X[:0], "0 sample"),
    ],
    ids=["nan", "inf", "channel-last", "5-d", "empty"],
)
def test_bad_input_gives_clear_error(sampler_name, X_factory, message):
    X, y = imbalanced_images(shape=(1, 8, 8))
    X_bad = X_factory(X)
    with pytest.raises(ValueError, match=message):
        make_tiny(sampler_name).fit_resample(X_bad, y[: len(X_bad)])


def test_bad_targets_and_shapes(sampler_name):
    X, y = imbalanced_images()
    with pytest.raises(ValueError, match="image_shape=.* does not match X"):
        make_tiny(sampler_name, image_shape=(1, 7, 7)).fit_resample(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match="image_shape=.* does not match X"):
        make_tiny(sampler_name, image_shape=(3, 8, 8)).fit_resample(X, y)
    with pytest.raises(ValueError, match="image_shape must be"):
        make_tiny(sampler_name, image_shape=(0, 8, 8)).fit_resample(X, y)
    with pytest.raises(ValueError, match="more than 1 class"):
        make_tiny(sampler_name).fit_resample(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        make_tiny(sampler_name).fit_resample(X, np.linspace(0, 1, len(y)))
    with pytest.raises(ValueError, match="device"):
        make_tiny(sampler_name, device="tpu").fit_resample(X, y)


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_reduced_precision_trains_like_float32(sampler_name, precision):
    X, y = imbalanced_images(counts=(40, 20, 10))
    params = MORE_EPOCHS[sampler_name]
    reference = make_tiny(sampler_name, **params)
    reference.fit_resample(X, y)
    reduced = make_tiny(sampler_name, precision=precision, **params)
    X_res, y_res = reduced.fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, Counter({0: 40, 1: 40, 2: 40}))
    for ours, theirs in zip(reduced.history_, reference.history_, strict=True):
        assert all(np.isfinite(v) for v in ours.values() if isinstance(v, float))
        if "reconstruction" in ours:  # the autoencoder stage of both samplers
            assert ours["reconstruction"] == pytest.approx(theirs["reconstruction"], rel=0.05)
    # Autocast leaves the weights in float32.
    assert all(p.dtype == torch.float32 for p in reduced.encoder_.parameters())


def test_float16_steps_go_through_a_loss_scaler():
    from imblearn_deep._torch.loop import OptimizerStep

    def step_with_infinite_gradient(precision):
        net = torch.nn.Linear(2, 1)
        before = net.weight.detach().clone()
        step = OptimizerStep(
            torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"), precision
        )
        step(net(torch.ones(1, 2)).sum() * float("inf"))
        return before, net.weight.detach(), step.scaler

    # float16: the scaler finds the overflow, skips the step and lowers its scale.
    before, after, scaler = step_with_infinite_gradient("float16")
    torch.testing.assert_close(after, before)
    assert scaler.get_scale() < 2.0**16
    # float32: no scaler, the update goes through (and here poisons the weights).
    before, after, scaler = step_with_infinite_gradient("float32")
    assert not scaler.is_enabled() and not torch.isfinite(after).all()


# --------------------------------------------------------------------------------------
# Value ranges and dtypes that the min/max scaling must survive (issue 12)
# --------------------------------------------------------------------------------------


def test_bool_images_are_thresholded_not_cast(sampler_name):
    X, y = imbalanced_images(counts=(40, 20, 10))
    X = X > 0.45
    X_res, y_res = make_tiny(sampler_name).fit_resample(X, y)
    assert_resampled(X, y, X_res, y_res, {0: 40, 1: 40, 2: 40})
    # 0/1 floats scale exactly as bool does, so the same seed trains the same networks:
    # bool output is the float output thresholded at 0.5. Casting made every pixel True.
    as_float, _ = make_tiny(sampler_name).fit_resample(X.astype(np.float32), y)
    np.testing.assert_array_equal(X_res[len(X) :], as_float[len(X) :] > 0.5)
    assert not X_res[len(X) :].all()


def test_outlying_pixel_warns_that_it_dominates_the_scaling(sampler_name):
    X, y = imbalanced_images(counts=(40, 20, 10))
    X = X * 16
    X[0, 0, 0, 0] = 1e30
    with pytest.warns(UserWarning, match=r"dominated by a few outlying values"):
        make_tiny(sampler_name).fit_resample(X, y)
    # The same data without the outlier fit silently.
    X[0, 0, 0, 0] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        make_tiny(sampler_name).fit_resample(X, y)


def test_range_that_overflows_float64_is_an_error(sampler_name):
    X, y = imbalanced_images()
    X = np.where(X > 0.45, 1e308, -1e308)
    # np.errstate: scikit-learn's finiteness check sums X, which overflows here.
    with pytest.raises(ValueError, match=r"range .* overflows"), np.errstate(invalid="ignore"):
        make_tiny(sampler_name).fit_resample(X, y)


def test_keyboard_interrupt_stops_training(sampler_name, monkeypatch):
    adam_step = torch.optim.Adam.step
    steps = itertools.count(1)

    def ctrl_c_in_the_third_step(self, *args, **kwargs):
        # Ctrl-C lands wherever Python runs, in practice inside a training step.
        if next(steps) == 3:
            raise KeyboardInterrupt
        return adam_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", ctrl_c_in_the_third_step)
    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name, **MORE_EPOCHS[sampler_name])
    with pytest.raises(KeyboardInterrupt):
        sampler.fit_resample(X, y)
    assert next(steps) == 4  # nothing ran after the interrupt
    # Half-trained networks are no fitted sampler.
    with pytest.raises(NotFittedError):
        sampler.generate(2, 1)


def test_generation_leaves_every_global_rng_alone(sampler_name):
    import random

    X, y = imbalanced_images()
    sampler = make_tiny(sampler_name)
    sampler.fit_resample(X, y)
    states = torch.get_rng_state(), np.random.get_state()[1], random.getstate()  # noqa: NPY002
    sampler.generate(5, 1, random_state=0)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])  # noqa: NPY002
    assert random.getstate() == states[2]
