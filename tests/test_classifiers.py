"""Tests for imblearn_deep.classifiers (CNNClassifier) and imblearn_deep.nets.classifiers."""

from __future__ import annotations

import contextlib
import importlib
import io
import itertools
import pickle
import re
import time

import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks
from torch.utils.data import RandomSampler, SequentialSampler

from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.classifiers._batches import MergeLastBatchSampler
from imblearn_deep.nets.classifiers import (
    ARCHITECTURES,
    PadToMinSize,
    build_classifier,
    load_matching_weights,
)

TORCHVISION_ARCHITECTURES = ["resnet18", "resnet34", "resnet50", "squeezenet1_1", "efficientnet_b0"]


@pytest.fixture(scope="module")
def digits():
    """The 8×8 digits as (n, 1, 8, 8) float images in 0..16 and int labels."""
    X, y = load_digits(return_X_y=True)
    return X.reshape(-1, 1, 8, 8), y


def tiny_mlp(**params) -> CNNClassifier:
    """The configuration the scikit-learn checks run on (flat tabular check data)."""
    return CNNClassifier(
        architecture="mlp", max_epochs=10, lr=1e-2, batch_size=32, random_state=0, **params
    )


# --------------------------------------------------------------------------------------
# scikit-learn contract
# --------------------------------------------------------------------------------------


@parametrize_with_checks(
    [
        tiny_mlp(),
        # Each check row becomes a one-pixel-high image as wide as the row.
        CNNClassifier(
            architecture="small_cnn",
            image_shape=(1, 1, -1),
            max_epochs=10,
            lr=1e-2,
            batch_size=32,
            random_state=0,
        ),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("CNNClassifier", tiny_mlp())


def test_get_params_clone_set_params():
    clf = CNNClassifier(
        architecture="resnet18",
        image_shape=(1, 8, 8),
        random_state=3,
        class_weight="balanced",
        early_stopping=True,
        module__channels=(4,),
    )
    params = clf.get_params()
    for name, value in [
        ("architecture", "resnet18"),
        ("image_shape", (1, 8, 8)),
        ("random_state", 3),
        ("class_weight", "balanced"),
        ("early_stopping", True),
        ("module__channels", (4,)),
        ("iterator_train__shuffle", True),
        ("device", "auto"),
        ("train_split", None),
        ("verbose", 0),
    ]:
        assert params[name] == value, name
    assert "module" not in params  # chosen through architecture
    assert params["optimizer"] is torch.optim.Adam
    assert params["criterion"] is torch.nn.CrossEntropyLoss

    twin = clone(clf)
    assert twin.get_params(deep=False).keys() == clf.get_params(deep=False).keys()
    assert twin.module__channels == (4,)
    twin.set_params(architecture="mlp", random_state=None, class_weight=None, lr=0.5)
    assert (twin.architecture, twin.random_state, twin.class_weight, twin.lr) == (
        "mlp",
        None,
        None,
        0.5,
    )
    assert clf.architecture == "resnet18"
    assert repr(CNNClassifier(architecture="mlp")) == "CNNClassifier(architecture='mlp')"


def test_fit_leaves_parameters_alone(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1, random_state=0)
    before = clf.get_params(deep=False)
    clf.fit(X[:100], y[:100])
    after = clf.get_params(deep=False)
    assert before.keys() == after.keys()
    assert all(before[k] is after[k] for k in before)
    assert clf.device == "auto"
    assert clf.n_features_in_ == 64
    assert clf.layout_.image_shape == (1, 8, 8)


# --------------------------------------------------------------------------------------
# Architectures
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", TORCHVISION_ARCHITECTURES)
def test_torchvision_architectures_fit_small_images(digits, architecture):
    X, y = digits
    X, y = X[:40], y[:40]
    clf = CNNClassifier(architecture=architecture, max_epochs=1, batch_size=16, random_state=0)
    y_pred = clf.fit(X, y).predict(X)
    assert y_pred.shape == (40,)
    assert set(y_pred) <= set(y)
    assert clf.predict_proba(X).shape == (40, len(np.unique(y)))


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("image_shape", [(1, 8, 8), (3, 20, 24)])
def test_build_classifier_output_shape(architecture, image_shape):
    net = build_classifier(architecture, image_shape, n_classes=7).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, *image_shape)).shape == (2, 7)


def test_small_image_stems():
    resnet = build_classifier("resnet18", (1, 28, 28), 10)
    assert resnet.conv1.in_channels == 1
    assert (resnet.conv1.kernel_size, resnet.conv1.stride) == ((3, 3), (1, 1))
    assert isinstance(resnet.maxpool, torch.nn.Identity)
    large = build_classifier("resnet18", (1, 64, 64), 10)
    assert (large.conv1.kernel_size, large.conv1.stride) == ((7, 7), (2, 2))
    assert isinstance(large.maxpool, torch.nn.MaxPool2d)
    assert build_classifier("resnet50", (3, 64, 64), 4).fc.out_features == 4

    effnet = build_classifier("efficientnet_b0", (2, 32, 32), 10)
    assert effnet.features[0][0].in_channels == 2
    assert effnet.features[0][0].stride == (1, 1)
    assert build_classifier("efficientnet_b0", (3, 64, 64), 10).features[0][0].stride == (2, 2)

    squeeze = build_classifier("squeezenet1_1", (1, 8, 8), 10)
    assert isinstance(squeeze, PadToMinSize) and squeeze.min_size == 17
    assert squeeze.net.features[0].in_channels == 1
    assert not isinstance(build_classifier("squeezenet1_1", (1, 17, 17), 10), PadToMinSize)


def test_build_classifier_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"Unknown architecture 'vgg'.*'resnet18'"):
        build_classifier("vgg", (1, 8, 8), 3)
    with pytest.raises(ValueError, match="needs images"):
        build_classifier("small_cnn", (64,), 3)
    assert build_classifier("mlp", (64,), 3)(torch.zeros(2, 64)).shape == (2, 3)


def test_pretrained_weights_load_matching_layers(tmp_path):
    source = build_classifier("resnet18", (3, 64, 64), 10)
    path = tmp_path / "resnet18.pt"
    torch.save(source.state_dict(), path)
    with pytest.warns(UserWarning, match=r"conv1\.weight.*fc\.weight"):
        net = build_classifier("resnet18", (1, 8, 8), 5, pretrained_weights=path)
    assert torch.equal(net.layer1[0].conv1.weight, source.layer1[0].conv1.weight)
    assert net.conv1.weight.shape != source.conv1.weight.shape
    assert net.fc.out_features == 5

    # Same shapes everywhere: everything loads, nothing is reported.
    same = build_classifier("resnet18", (3, 64, 64), 10)
    assert load_matching_weights(same, path) == []
    assert torch.equal(same.fc.weight, source.fc.weight)

    torch.save({"unrelated": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="No tensor"):
        build_classifier("resnet18", (1, 8, 8), 5, pretrained_weights=tmp_path / "other.pt")


def test_classifier_starts_from_pretrained_weights(digits, tmp_path):
    X, y = digits
    source = build_classifier("small_cnn", (1, 8, 8), 10)
    torch.save(source.state_dict(), tmp_path / "cnn.pt")
    # lr=0 is not allowed; a negligible one leaves the loaded weights in place.
    clf = CNNClassifier(
        pretrained_weights=str(tmp_path / "cnn.pt"), max_epochs=1, lr=1e-12, random_state=0
    ).fit(X[:100], y[:100])
    torch.testing.assert_close(clf.module_.features[0].weight.cpu(), source.features[0].weight)


# --------------------------------------------------------------------------------------
# Learning and model selection
# --------------------------------------------------------------------------------------


def test_small_cnn_learns_digits(digits):
    X, y = digits
    start = time.perf_counter()
    clf = CNNClassifier(max_epochs=3, random_state=0).fit(X[:1000], y[:1000])
    seconds = time.perf_counter() - start
    score = f1_score(y[1000:], clf.predict(X[1000:]), average="macro")
    # Measured 0.956-0.970 over seeds 0-3 in about 0.3 s; chance is 0.1, an untrained
    # network scores about 0.06.
    assert score >= 0.9, score
    assert seconds < 30


def test_pipeline_grid_search_over_architectures(digits):
    X, y = digits
    counts = {0: 60, 1: 40, 2: 20, 3: 12}
    idx = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in counts.items()])
    X_flat, y_small = X[idx].reshape(len(idx), -1), y[idx]
    pipe = Pipeline(
        [
            ("sampler", RandomOverSampler(random_state=0)),
            ("clf", CNNClassifier(image_shape=(1, 8, 8), max_epochs=3, random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"clf__architecture": ["small_cnn", "mlp"]},
        scoring="f1_macro",
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X_flat, y_small)
    assert [p["clf__architecture"] for p in search.cv_results_["params"]] == ["small_cnn", "mlp"]
    assert np.all(search.cv_results_["mean_test_score"] > 0.5)
    best = search.best_estimator_.named_steps["clf"]
    assert best.architecture == search.best_params_["clf__architecture"]
    assert set(search.predict(X_flat)) <= set(counts)


def test_string_labels_round_trip(digits):
    X, y = digits
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
        dtype=object,
    )
    labels = names[y[:200]]
    clf = CNNClassifier(max_epochs=2, random_state=0).fit(X[:200], labels)
    assert clf.classes_.tolist() == sorted(names.tolist())
    y_pred = clf.predict(X[:200])
    assert set(y_pred) <= set(names)
    assert np.array_equal(clf.classes_[clf.predict_proba(X[:200]).argmax(1)], y_pred)
    assert np.mean(y_pred == labels) > 0.5


def test_classes_parameter_keeps_width_when_a_fold_misses_a_class(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    fold = y != 9
    clf = CNNClassifier(classes=np.arange(10), max_epochs=1, random_state=0)
    clf.fit(X[fold], y[fold])
    assert clf.classes_.tolist() == list(range(10))
    assert clf.module_.classifier.out_features == 10
    assert clf.predict_proba(X).shape == (300, 10)
    # Without it, the output shrinks to the classes the fold has.
    plain = CNNClassifier(max_epochs=1, random_state=0).fit(X[fold], y[fold])
    assert plain.predict_proba(X).shape == (300, 9)
    # partial_fit's classes argument does the same for the first call.
    partial = CNNClassifier(max_epochs=1, random_state=0)
    partial.partial_fit(X[fold], y[fold], classes=np.arange(10))
    assert partial.predict_proba(X).shape == (300, 10)


def test_flat_and_image_layouts_give_identical_predictions(digits):
    X, y = digits
    X, y = X[:150], y[:150]
    # Bit-identical runs are a CPU guarantee (cuDNN kernels are not deterministic).
    flat = CNNClassifier(image_shape=(1, 8, 8), max_epochs=2, random_state=0, device="cpu")
    proba_flat = flat.fit(X.reshape(150, -1), y).predict_proba(X.reshape(150, -1))
    nchw = CNNClassifier(max_epochs=2, random_state=0, device="cpu").fit(X, y)
    nhw = CNNClassifier(max_epochs=2, random_state=0, device="cpu").fit(X[:, 0], y)
    np.testing.assert_array_equal(proba_flat, nchw.predict_proba(X))
    np.testing.assert_array_equal(proba_flat, nhw.predict_proba(X[:, 0]))
    # A fitted classifier takes either layout of the same images.
    np.testing.assert_array_equal(proba_flat, nchw.predict_proba(X.reshape(150, -1)))
    np.testing.assert_array_equal(proba_flat, flat.predict_proba(X))
    # Any numeric dtype: the scaling maps the same pixel values to the same inputs.
    as_uint8 = CNNClassifier(max_epochs=2, random_state=0, device="cpu").fit(X.astype(np.uint8), y)
    np.testing.assert_array_equal(proba_flat, as_uint8.predict_proba(X.astype(np.uint8)))


def test_seeded_fits_are_identical_and_leave_global_rng_alone(digits):
    X, y = digits
    X, y = X[:130], y[:130]
    # The legacy global numpy RNG is what must stay untouched.
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    # Bit-identical runs are a CPU guarantee (cuDNN kernels are not deterministic).
    first = CNNClassifier(max_epochs=2, random_state=7, device="cpu").fit(X, y)
    second = CNNClassifier(max_epochs=2, random_state=7, device="cpu").fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state[1])  # noqa: NPY002
    assert first.history[:, "train_loss"] == second.history[:, "train_loss"]
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    other = CNNClassifier(max_epochs=2, random_state=8, device="cpu").fit(X, y)
    assert other.history[:, "train_loss"] != first.history[:, "train_loss"]


def test_training_shuffles_with_merged_last_batch(digits):
    X, y = digits
    # 65 samples at batch size 64 would leave a batch of one for BatchNorm.
    clf = CNNClassifier(max_epochs=2, batch_size=64, random_state=0).fit(X[:65], y[:65])
    assert clf.history[-1, "batches", -1, "train_batch_size"] == 65
    loader = clf.get_iterator(clf.get_dataset(X[:65].reshape(65, 1, 8, 8), y[:65]), training=True)
    assert isinstance(loader.batch_sampler.sampler, RandomSampler)
    unshuffled = clone(clf).set_params(iterator_train__shuffle=False)
    loader = unshuffled.get_iterator(clf.get_dataset(X[:10], y[:10]), training=True)
    assert isinstance(loader.batch_sampler.sampler, SequentialSampler)


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (9, 4, False, [4, 5]),
        (10, 4, False, [4, 4, 2]),
        (8, 4, False, [4, 4]),
        (1, 4, False, [1]),
        (3, 4, False, [3]),
        (9, 4, True, [4, 4]),
    ],
)
def test_merge_last_batch_sampler(n, batch_size, drop_last, sizes):
    batches = list(MergeLastBatchSampler(SequentialSampler(range(n)), batch_size, drop_last))
    assert [len(b) for b in batches] == sizes
    assert len(MergeLastBatchSampler(SequentialSampler(range(n)), batch_size, drop_last)) == len(
        sizes
    )
    if not drop_last:
        assert sorted(i for b in batches for i in b) == list(range(n))


def test_class_weight_balanced_weights_the_loss(digits):
    X, y = digits
    idx = np.concatenate(
        [np.flatnonzero(y == 0)[:60], np.flatnonzero(y == 1)[:20], np.flatnonzero(y == 2)[:10]]
    )
    X, y = X[idx], y[idx]
    plain = CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert plain.criterion_.weight is None and plain.class_weight_ is None
    balanced = CNNClassifier(max_epochs=1, random_state=0, class_weight="balanced").fit(X, y)
    expected = 90 / (3 * np.array([60, 20, 10]))
    np.testing.assert_allclose(balanced.class_weight_, expected)
    np.testing.assert_allclose(balanced.criterion_.weight.cpu().numpy(), expected, rtol=1e-6)
    assert balanced.history[:, "train_loss"] != plain.history[:, "train_loss"]
    # Classes absent from this fit (through ``classes``) get weight 1.
    wider = CNNClassifier(
        max_epochs=1, classes=[0, 1, 2, 3], class_weight="balanced", random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(wider.class_weight_, [*expected, 1.0])
    as_dict = CNNClassifier(max_epochs=1, class_weight={1: 5.0}, random_state=0).fit(X, y)
    np.testing.assert_allclose(as_dict.class_weight_, [1.0, 5.0, 1.0])
    with pytest.raises(ValueError, match="not classes"):
        CNNClassifier(max_epochs=1, class_weight={7: 5.0}).fit(X, y)


def test_early_stopping_monitors_macro_f1_on_a_stratified_split(digits):
    X, y = digits
    clf = CNNClassifier(
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=0.2,
        max_epochs=30,
        lr=0.05,
        random_state=0,
    ).fit(X[:400], y[:400])
    history = clf.history
    assert 2 <= len(history) < 30  # measured: stops after 12 epochs
    assert all(0 <= f1 <= 1 for f1 in history[:, "valid_f1"])
    # Stratified 20 %: 80 validation samples, every class present.
    assert sum(history[0, "batches", :, "valid_batch_size"]) == 80
    callbacks = dict(clf.callbacks_)
    assert callbacks["early_stopping"].monitor == "valid_f1"
    # The default trains on everything for exactly max_epochs, without a validation split.
    plain = CNNClassifier(max_epochs=2, random_state=0).fit(X[:100], y[:100])
    assert len(plain.history) == 2 and "valid_loss" not in plain.history[-1]


def test_verbose_prints_the_epoch_log(digits, capsys):
    X, y = digits
    CNNClassifier(max_epochs=2, random_state=0).fit(X[:50], y[:50])
    assert capsys.readouterr().out == ""
    CNNClassifier(max_epochs=2, verbose=1, random_state=0).fit(X[:50], y[:50])
    out = capsys.readouterr().out
    assert "train_loss" in out and "dur" in out


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_epoch_log_is_coloured_on_a_terminal_only(digits, capsys):
    X, y = digits
    CNNClassifier(max_epochs=2, verbose=1, random_state=0).fit(X[:50], y[:50])
    plain = capsys.readouterr().out
    # The first epoch's train_loss is the best so far: skorch colours it on a terminal.
    assert "train_loss" in plain and "\x1b[" not in plain
    terminal = Terminal()
    with contextlib.redirect_stdout(terminal):
        CNNClassifier(max_epochs=2, verbose=1, random_state=0).fit(X[:50], y[:50])
    coloured = terminal.getvalue()
    assert "\x1b[" in coloured
    # The same table, aligned alike, once the codes are out (only the durations differ).
    lines = re.sub(r"\x1b\[[0-9;]*m", "", coloured).splitlines()
    assert lines[:2] == plain.splitlines()[:2]
    assert [len(line) for line in lines] == [len(line) for line in plain.splitlines()]


def test_partial_fit_and_warm_start_continue_training(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1, random_state=0).partial_fit(X[:100], y[:100])
    weights = clf.module_.classifier.weight.detach().clone()
    clf.partial_fit(X[100:200], y[100:200])
    assert len(clf.history) == 2
    assert not torch.equal(weights, clf.module_.classifier.weight)
    with pytest.raises(ValueError, match=r"not in classes"):
        CNNClassifier(max_epochs=1, classes=[0, 1]).partial_fit(X[:10], y[:10])

    warm = CNNClassifier(max_epochs=1, warm_start=True, random_state=0).fit(X[:100], y[:100])
    warm.fit(X[:100], y[:100])
    assert len(warm.history) == 2
    cold = CNNClassifier(max_epochs=1, random_state=0).fit(X[:100], y[:100])
    cold.fit(X[:100], y[:100])
    assert len(cold.history) == 1


def test_pickle_round_trip(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1, random_state=0, class_weight="balanced").fit(X[:100], y[:100])
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.device == "auto"
    np.testing.assert_array_equal(restored.predict_proba(X[:50]), clf.predict_proba(X[:50]))
    np.testing.assert_array_equal(restored.predict(X[:50]), clf.predict(X[:50]))


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("batches", "BalancedBatchSampler", ""),
        ("batches", "MergeLastBatchSampler", "._batches"),
        ("losses", "LogitAdjustedLoss", ""),
        ("losses", "DeferredReweighting", ""),
        ("losses", "DRW_BETA", "._losses"),
        ("losses", "effective_number_weights", "._losses"),
        ("augmentation", "check_augmentation", "._augmentation"),
        ("augmentation", "random_shift_flip", "._augmentation"),
    ],
)
def test_old_module_paths_warn_and_give_the_moved_objects(old, name, new):
    # Modules that moved into imblearn_deep.classifiers keep their old path for a release.
    old, new = f"imblearn_deep.{old}", f"imblearn_deep.classifiers{new}"
    with pytest.warns(DeprecationWarning, match=f"{old}.{name} is deprecated.*{new}.{name}"):
        value = getattr(importlib.import_module(old), name)
    assert value is getattr(importlib.import_module(new), name)
    assert importlib.import_module(old).__all__ == []


@pytest.mark.parametrize(
    ("params", "old", "new"),
    [
        # The DRW callback, whose class was in imblearn_deep.losses.
        ({"drw_start": 0.5, "max_steps": 4}, "losses", "classifiers._losses"),
        # The valid_f1 callback's scoring function, in imblearn_deep.classifiers as a module.
        ({"early_stopping": True}, "classifiers", "classifiers._fit"),
    ],
)
def test_pickles_naming_the_old_modules_still_load(digits, params, old, new):
    # A fitted classifier's callbacks are pickled by reference to their module, which
    # protocol 0 writes as text: the module a pickle from before the move named is put back.
    old, new = f"imblearn_deep.{old}", f"imblearn_deep.{new}"
    X, y = digits
    clf = CNNClassifier(**{"max_epochs": 2, "random_state": 0, **params}).fit(X[:100], y[:100])
    payload = pickle.dumps(clf, protocol=0)
    before = payload.replace(f"c{new}\n".encode(), f"c{old}\n".encode())
    assert before != payload
    with pytest.warns(DeprecationWarning, match=rf"{old}\.\w+ is deprecated"):
        restored = pickle.loads(before)
    np.testing.assert_array_equal(restored.predict_proba(X[:50]), clf.predict_proba(X[:50]))


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bad_input_raises_clear_errors(digits):
    X, y = digits
    X, y = X[:40], y[:40]
    flat = X.reshape(40, -1)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 7, 7\) does not match X"):
        CNNClassifier(image_shape=(1, 7, 7), max_epochs=1).fit(flat, y)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 5, -1\) does not fit X"):
        CNNClassifier(image_shape=(1, 5, -1), max_epochs=1).fit(flat, y)
    with pytest.raises(ValueError, match="channel-last"):
        CNNClassifier(max_epochs=1).fit(np.repeat(X.transpose(0, 2, 3, 1), 3, axis=-1), y)
    with pytest.raises(ValueError, match=r"needs images.*image_shape"):
        CNNClassifier(max_epochs=1).fit(flat, y)
    for bad in (np.nan, np.inf):
        X_bad = X.copy()
        X_bad[0, 0, 0, 0] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            CNNClassifier(max_epochs=1).fit(X_bad, y)
    with pytest.raises(ValueError, match=r"'architecture' parameter.*'resnet18'.*Got 'resnet9'"):
        CNNClassifier(architecture="resnet9", max_epochs=1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        CNNClassifier(batch_size=1).fit(X, y)
    with pytest.raises(ValueError, match=r"labels that are not in classes: \[5"):
        CNNClassifier(classes=[0, 1, 2, 3, 4], max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="1 sample"):
        CNNClassifier(max_epochs=1).fit(X[:1], y[:1])

    clf = CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 63 features, but CNNClassifier is expecting 64"):
        clf.predict(flat[:, :-1])
    with pytest.raises(ValueError, match="does not match X"):
        clf.predict(X[:, :, :7, :7])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full_like(X, np.nan))
    with pytest.raises(ValueError, match="fitted on flat tabular data"):
        CNNClassifier(architecture="mlp", max_epochs=1).fit(flat, y).predict(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_request_without_cuda_is_an_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="CUDA is not available"):
        CNNClassifier(device="cuda", max_epochs=1).fit(X[:20], y[:20])


# --------------------------------------------------------------------------------------
# Value ranges, labels, global RNGs and interrupts (issue 12)
# --------------------------------------------------------------------------------------


def test_outlying_pixel_warns_and_extreme_ranges_raise(digits):
    X, y = digits
    X, y = X[:100].copy(), y[:100]
    X[0, 0, 0, 0] = 1e30
    with pytest.warns(UserWarning, match="dominated by a few outlying values"):
        CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    # np.errstate: scikit-learn's finiteness check sums X, which overflows here.
    with pytest.raises(ValueError, match=r"range .* overflows"), np.errstate(invalid="ignore"):
        CNNClassifier(max_epochs=1).fit(np.where(X > 4, 1e308, -1e308), y)
    # Prediction input far outside the fitted 0..16 is a warning, and an error once its
    # scaled values overflow float32; never NaN probabilities.
    clf = CNNClassifier(max_epochs=1, random_state=0).fit(digits[0][:100], y)
    with pytest.warns(UserWarning, match="far outside the range seen at fit"):
        proba = clf.predict_proba(digits[0][:10] * 10)
    assert np.isfinite(proba).all()
    with pytest.raises(ValueError, match="overflow float32"):
        clf.predict_proba(np.full((2, 1, 8, 8), 1e300))


def test_prediction_leaves_every_global_rng_alone(digits):
    import random

    X, y = digits
    clf = CNNClassifier(max_epochs=1, random_state=0).fit(X[:100], y[:100])
    states = torch.get_rng_state(), np.random.get_state()[1], random.getstate()  # noqa: NPY002
    clf.predict_proba(X[:70])
    clf.predict(X[:70])
    clf.score(X[:70], y[:70])
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])  # noqa: NPY002
    assert random.getstate() == states[2]


def test_single_class_y_raises_like_scikit_learn(digits):
    X, y = digits
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 3"):
        CNNClassifier(max_epochs=1).fit(X[:20], np.full(20, 3))
    with pytest.raises(ValueError, match="at least 2 classes"):
        CNNClassifier(max_epochs=1).partial_fit(X[:20], np.full(20, 3), classes=[3])
    clf = CNNClassifier(max_epochs=1)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X[:20], np.full(20, 3))
    assert not clf.__sklearn_is_fitted__()
    # A one-class training set is fine when ``classes`` names the full label set.
    wide = CNNClassifier(max_epochs=1, classes=[3, 4], random_state=0).fit(X[:20], np.full(20, 3))
    assert wide.predict_proba(X[:5]).shape == (5, 2)


def test_ctrl_c_is_reraised_and_callbacks_still_stop_training(digits, monkeypatch):
    from skorch.callbacks import Callback

    X, y = digits
    train_step = CNNClassifier.train_step
    steps = itertools.count(1)

    def ctrl_c_in_the_third_step(self, batch, **fit_params):
        # Ctrl-C lands wherever Python runs, in practice inside a training step.
        if next(steps) % 3 == 0:
            raise KeyboardInterrupt
        return train_step(self, batch, **fit_params)

    monkeypatch.setattr(CNNClassifier, "train_step", ctrl_c_in_the_third_step)
    # 50 samples in batches of 25, two steps an epoch: Ctrl-C hits epochs 2 and 4 in their
    # first step. skorch's NeuralNet.partial_fit would swallow it and return normally.
    clf = CNNClassifier(max_epochs=5, batch_size=25, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X[:50], y[:50])
    assert len(clf.history) == 2 and clf.__sklearn_is_fitted__()
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X[:50], y[:50])
    assert len(clf.history) == 4
    monkeypatch.undo()

    class StopAfterTwoEpochs(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    # A callback's own KeyboardInterrupt is skorch's stop signal (EarlyStopping's too).
    stopped = CNNClassifier(max_epochs=5, random_state=0, callbacks=[StopAfterTwoEpochs()])
    assert len(stopped.fit(X[:50], y[:50]).history) == 2
