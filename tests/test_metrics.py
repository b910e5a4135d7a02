"""Tests of imblearn_deep.metrics: Fréchet distances, label fidelity, scorers."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from imblearn_deep import CNNClassifier
from imblearn_deep.datasets import load_digits_images
from imblearn_deep.metrics import (
    SCORERS,
    _quality,
    class_frechet_distances,
    frechet_distance,
    g_mean_scorer,
    label_fidelity,
    macro_f1_scorer,
)
from imblearn_deep.metrics._quality import classifier_features


def whitened(n: int, d: int, seed: int) -> np.ndarray:
    """Samples with sample mean exactly 0 and sample covariance exactly I."""
    Z = np.random.default_rng(seed).standard_normal((n, d))
    Z -= Z.mean(axis=0)
    L = np.linalg.cholesky(np.atleast_2d(np.cov(Z, rowvar=False)))
    return Z @ np.linalg.inv(L).T


class ColumnOracle(ClassifierMixin, BaseEstimator):
    """Predicts the class whose index is stored in column 0, shifted by ``shift``
    classes (``shift=1``: always a wrong class)."""

    def __init__(self, shift: int = 0):
        self.shift = shift

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        codes = np.asarray(X)[:, 0].astype(int)
        return self.classes_[(codes + self.shift) % len(self.classes_)]


# -- frechet_distance -------------------------------------------------------------------


def test_identical_sets_have_zero_distance():
    a = np.random.default_rng(0).standard_normal((500, 8))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_shifted_gaussians_give_squared_mean_difference():
    a = np.random.default_rng(1).standard_normal((1000, 5))
    shift = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    # Same sample covariance, so the trace term vanishes exactly: d = ‖μ1 − μ2‖².
    assert frechet_distance(a, a + shift) == pytest.approx(shift @ shift, rel=1e-8)
    assert frechet_distance(a + shift, a) == pytest.approx(shift @ shift, rel=1e-8)


def test_different_covariances_closed_form():
    # N(0, I) vs N(μ, 4 I): d = ‖μ‖² + Σ (1 − 2)² = ‖μ‖² + d.
    d = 6
    a = whitened(300, d, seed=2)
    mu = np.arange(d, dtype=float)
    b = 2.0 * whitened(400, d, seed=3) + mu
    assert frechet_distance(a, b) == pytest.approx(mu @ mu + d, rel=1e-8)


def test_distance_grows_with_the_shift():
    a = np.random.default_rng(4).standard_normal((300, 3))
    b = np.random.default_rng(5).standard_normal((300, 3))
    near, far = frechet_distance(a, b), frechet_distance(a, b + 1.0)
    assert 0.0 <= near < far


def test_single_feature_column():
    a = whitened(200, 1, seed=6)
    assert frechet_distance(a, 3.0 * a + 1.0) == pytest.approx(1.0 + (1.0 - 3.0) ** 2)


def test_fewer_samples_than_features_is_finite_and_non_negative():
    # Rank-deficient covariances: the offset warning may or may not be needed,
    # depending on rounding in sqrtm; the result must be a finite distance either way.
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((10, 50)), rng.standard_normal((12, 50))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        value = frechet_distance(a, b)
    assert math.isfinite(value) and value > 0.0


def test_unusable_square_root_retries_with_the_offset(monkeypatch):
    calls = []
    real_sqrtm = _quality.linalg.sqrtm

    def sqrtm(matrix):
        calls.append(matrix.copy())
        if len(calls) == 1:
            return np.full_like(matrix, np.nan)
        return real_sqrtm(matrix)

    monkeypatch.setattr(_quality.linalg, "sqrtm", sqrtm)
    a = whitened(100, 3, seed=8)
    with pytest.warns(UserWarning, match="adding 0.5"):
        value = frechet_distance(a, a, eps=0.5)
    assert len(calls) == 2
    # The retry used (Σ + εI)(Σ + εI) = (1.5 I)².
    np.testing.assert_allclose(calls[1], np.eye(3) * 1.5**2, atol=1e-12)
    # tr Σa + tr Σb − 2 tr(1.5 I) = 3 + 3 − 9 < 0 → clipped at 0.
    assert value == 0.0


def test_constant_features_do_not_break_the_distance():
    a = np.random.default_rng(9).standard_normal((200, 4))
    a[:, 2] = 1.0
    value = frechet_distance(a, a + [0.0, 0.0, 0.0, 2.0])
    assert value == pytest.approx(4.0, rel=1e-6)


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.zeros(10), np.zeros((10, 1)), "features_a must be 2-D"),
        (np.zeros((10, 2)), np.zeros((4, 2, 2)), "features_b must be 2-D"),
        (np.zeros((10, 2)), np.zeros((10, 3)), "2 features but features_b has 3"),
        (np.zeros((1, 2)), np.zeros((10, 2)), "at least 2"),
        (np.full((5, 2), np.nan), np.zeros((10, 2)), "NaN or infinite"),
        ([["a", "b"], ["c", "d"]], np.zeros((10, 2)), "numeric"),
    ],
)
def test_frechet_distance_bad_inputs(a, b, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(a, b)


def test_frechet_distance_rejects_negative_eps():
    a = np.zeros((5, 2))
    with pytest.raises(ValueError, match="eps"):
        frechet_distance(a, a, eps=-1.0)


# -- label_fidelity ---------------------------------------------------------------------


@pytest.fixture
def labelled():
    y = np.array(["cat", "dog", "owl"] * 4)
    codes = np.searchsorted(np.unique(y), y)
    X = np.column_stack([codes, np.arange(len(y))]).astype(float)
    return X, y


def test_label_fidelity_of_perfect_and_always_wrong_classifiers(labelled):
    X, y = labelled
    assert label_fidelity(ColumnOracle().fit(X, y), X, y) == 1.0
    assert label_fidelity(ColumnOracle(shift=1).fit(X, y), X, y) == 0.0
    per_class = label_fidelity(ColumnOracle(shift=1).fit(X, y), X, y, per_class=True)
    assert per_class == {"cat": 0.0, "dog": 0.0, "owl": 0.0}


def test_label_fidelity_partial_and_per_class():
    clf = LogisticRegression().fit([[0.0], [1.0], [10.0], [11.0]], [0, 0, 1, 1])
    X = [[0.5], [0.2], [10.5], [0.1], [11.0]]
    y = [0, 0, 1, 1, 1]
    assert label_fidelity(clf, X, y) == pytest.approx(4 / 5)
    per_class = label_fidelity(clf, X, y, per_class=True)
    assert list(per_class) == [0, 1]
    assert per_class == {0: 1.0, 1: pytest.approx(2 / 3)}


def test_label_fidelity_on_a_real_classifier_and_its_training_data():
    X, y = load_digits_images()
    flat = X.reshape(len(X), -1)
    clf = KNeighborsClassifier(n_neighbors=3).fit(flat[:1200], y[:1200])
    assert label_fidelity(clf, flat[1200:], y[1200:]) > 0.95
    wrong = (y[1200:] + 1) % 10  # every target class wrong
    assert label_fidelity(clf, flat[1200:], wrong) < 0.05


def test_label_fidelity_bad_inputs():
    clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="not trained on: \\[7\\]"):
        label_fidelity(clf, [[0.0]], [7])
    with pytest.raises(ValueError, match="1 samples but y_synthetic has 2"):
        label_fidelity(clf, [[0.0]], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        label_fidelity(clf, np.empty((0, 1)), [])
    with pytest.raises(ValueError, match="predict"):
        label_fidelity(object(), [[0.0]], [0])


# -- class_frechet_distances ------------------------------------------------------------


def test_class_frechet_distances_keys_and_values():
    rng = np.random.default_rng(10)
    y_real = np.repeat(["a", "b", "c"], 300)
    X_real = rng.standard_normal((900, 2))
    y_syn = np.repeat(["c", "a"], 300)  # only two classes were over-sampled
    X_syn = np.concatenate([X_real[y_real == "c"] + [0.0, 2.0], X_real[y_real == "a"]])
    distances = class_frechet_distances(lambda X: X, X_real, y_real, X_syn, y_syn)
    assert list(distances) == ["a", "c"]
    assert distances["a"] == pytest.approx(0.0, abs=1e-9)
    assert distances["c"] == pytest.approx(4.0, rel=1e-8)


def test_class_frechet_distances_accepts_a_transformer():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((200, 3))
    y = np.repeat([0, 1], 100)
    scaler = StandardScaler().fit(X)
    distances = class_frechet_distances(scaler, X, y, X, y)
    assert distances == {0: pytest.approx(0.0, abs=1e-9), 1: pytest.approx(0.0, abs=1e-9)}


def test_class_frechet_distances_small_class_is_nan_with_warning():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((40, 2))
    y = np.repeat([0, 1], 20)
    with pytest.warns(UserWarning, match="Class 1 has 20 real and 1 synthetic"):
        distances = class_frechet_distances(
            lambda X_: X_, X, y, X[:21], np.r_[np.zeros(20, int), 1]
        )
    assert math.isnan(distances[1]) and distances[0] == pytest.approx(0.0, abs=1e-9)


def test_class_frechet_distances_bad_inputs():
    X = np.random.default_rng(13).standard_normal((20, 2))
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="no real samples to compare with: \\[5\\]"):
        class_frechet_distances(lambda X_: X_, X, y, X[:3], [5, 5, 5])
    with pytest.raises(ValueError, match="returned shape \\(20,\\)"):
        class_frechet_distances(lambda X_: X_[:, 0], X, y, X, y)
    with pytest.raises(ValueError, match="X_real has 20 samples but y_real has 3"):
        class_frechet_distances(lambda X_: X_, X, y[:3], X, y)
    with pytest.raises(ValueError, match="feature_extractor must be"):
        class_frechet_distances(42, X, y, X, y)


# -- features of a CNNClassifier ---------------------------------------------------------


@pytest.fixture(scope="module")
def digits_cnn():
    X, y = load_digits_images()
    clf = CNNClassifier(max_epochs=2, module__channels=(8, 16), random_state=0)
    return clf.fit(X[:400], y[:400]), X, y


def test_classifier_features_are_the_penultimate_layer(digits_cnn):
    import torch

    clf, X, _ = digits_cnn
    features = classifier_features(clf, X[:50], batch_size=16)
    assert features.shape == (50, 16)
    # The head applied to the features gives the classifier's logits.
    head = clf.module_.classifier
    with torch.no_grad():
        logits = head(torch.from_numpy(features.astype(np.float32))).numpy()
    np.testing.assert_array_equal(clf.classes_[logits.argmax(1)], clf.predict(X[:50]))
    named = classifier_features(clf, X[:5], layer="classifier")
    np.testing.assert_allclose(named, features[:5], rtol=1e-5)


def test_classifier_features_pool_a_convolutional_head():
    # SqueezeNet's output layer is a 1×1 convolution: its input feature map is averaged.
    import torch

    # 64×64 keeps a 3×3 map before the head (smaller images end at 1×1).
    rng = np.random.default_rng(14)
    X = rng.random((24, 1, 64, 64), dtype=np.float32)
    y = np.arange(24) % 2
    clf = CNNClassifier(architecture="squeezenet1_1", max_epochs=1, random_state=0).fit(X, y)
    captured = []
    net = getattr(clf.module_, "net", clf.module_)  # PadToMinSize wraps small inputs
    handle = net.features.register_forward_hook(lambda _m, _i, output: captured.append(output))
    try:
        clf.predict_proba(X[:6])
    finally:
        handle.remove()
    feature_map = torch.cat(captured)
    assert feature_map.shape[2:] == (3, 3)
    expected = feature_map.mean(dim=(2, 3)).numpy()
    features = classifier_features(clf, X[:6])
    assert features.shape == (6, 512)
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)


def test_class_frechet_distances_with_a_cnn(digits_cnn):
    clf, X, y = digits_cnn
    real, y_real = X[400:1000], y[400:1000]
    same = class_frechet_distances(clf, real, y_real, real, y_real)
    assert list(same) == sorted(np.unique(y_real).tolist())
    assert all(value == pytest.approx(0.0, abs=1e-6) for value in same.values())
    # Wrong-class images as "synthetic" digits are far from the real class.
    swapped = class_frechet_distances(clf, real, y_real, real, (y_real + 1) % 10)
    assert np.mean(list(swapped.values())) > 10 * max(np.mean(list(same.values())), 1e-6)


def test_classifier_features_bad_inputs(digits_cnn):
    clf, X, _ = digits_cnn
    with pytest.raises(ValueError, match="fitted CNNClassifier"):
        classifier_features(LogisticRegression(), X)
    with pytest.raises(ValueError, match="not a module"):
        classifier_features(clf, X[:2], layer="nope")
    with pytest.raises(ValueError, match="batch_size"):
        classifier_features(clf, X[:2], batch_size=0)


# -- scorers -----------------------------------------------------------------------------


def test_scorers_match_the_metrics():
    X, y = load_digits_images()
    flat = X.reshape(len(X), -1)
    clf = KNeighborsClassifier(n_neighbors=3).fit(flat[:1000], y[:1000])
    expected = f1_score(y[1000:], clf.predict(flat[1000:]), average="macro")
    assert macro_f1_scorer(clf, flat[1000:], y[1000:]) == pytest.approx(expected)
    oracle = ColumnOracle().fit(np.zeros((3, 1)), [0, 1, 2])
    never_two = np.array([[0], [1], [1], [0], [1], [1]])
    assert g_mean_scorer(oracle, never_two, [0, 1, 2, 0, 1, 2]) == 0.0
    scores = cross_validate(clf, flat[:300], y[:300], cv=2, scoring=SCORERS)
    assert {"test_f1_macro", "test_balanced_accuracy", "test_g_mean", "test_accuracy"} <= set(
        scores
    )


def test_g_mean_ignores_classes_absent_from_the_fold():
    from sklearn.base import BaseEstimator, ClassifierMixin

    from imblearn_deep.metrics import g_mean_scorer

    class Fixed(ClassifierMixin, BaseEstimator):
        classes_ = np.array([0, 1, 2])

        def predict(self, X):
            return np.array([0, 2, 1, 1])

    # Class 2 is predicted but absent from y: recalls 0.5 and 1.0 give sqrt(0.5), not 0.
    assert g_mean_scorer(Fixed(), np.zeros((4, 1)), np.array([0, 0, 1, 1])) == pytest.approx(
        0.5**0.5
    )
