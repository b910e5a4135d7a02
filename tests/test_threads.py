"""The estimators' CPU threads: a fixed count set for each call and restored after it."""

import pytest
import torch
from skorch.callbacks import Callback

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE
from imblearn_deep._torch.threads import resolve_threads, usable_cpus
from imblearn_deep.comparison import get_preset
from imblearn_deep.datasets import load_imbalanced


class _SeenThreads(Callback):
    def initialize(self):
        self.seen = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("n_threads, expected", [(1, 1), (None, 2), (3, 3)])
def test_the_classifier_fits_with_its_threads_and_restores_the_callers(
    two_threads, n_threads, expected
):
    X, y, X_test, _ = load_imbalanced("digits")
    seen = _SeenThreads()
    clf = CNNClassifier(max_epochs=2, n_threads=n_threads, callbacks=[seen], random_state=0)
    clf.fit(X, y)
    assert seen.seen == [expected, expected]
    assert torch.get_num_threads() == 2
    clf.predict(X_test)
    assert torch.get_num_threads() == 2


def test_one_thread_is_the_default_and_the_comparison_sets_its_own():
    assert CNNClassifier().n_threads == 1
    # The harness builds its estimators with None: Execution.threads sets the threads,
    # and None leaves the recorded fingerprints as they were.
    assert get_preset("fast").classifier("small_cnn").build().n_threads is None
    spec = get_preset("fast").with_params("small_cnn", {"n_threads": 2}).classifier("small_cnn")
    assert spec.build().n_threads == 2


def test_minus_one_is_every_usable_cpu_and_nonsense_is_refused():
    assert resolve_threads(-1) == usable_cpus()
    with pytest.raises(ValueError, match="n_threads must be a positive integer, -1 or None"):
        resolve_threads(0)
    X, y, _, _ = load_imbalanced("digits")
    with pytest.raises(ValueError, match="n_threads"):
        CNNClassifier(n_threads=0, max_epochs=1).fit(X, y)


class _DeepSMOTESeeingThreads(DeepSMOTE):
    def _fit_networks(self, *args, **kwargs):
        self.seen_threads_ = torch.get_num_threads()
        return super()._fit_networks(*args, **kwargs)


@pytest.mark.parametrize("n_threads, expected", [(1, 1), (None, 2)])
def test_the_samplers_fit_with_their_threads_and_restore_the_callers(
    two_threads, n_threads, expected
):
    X, y, _, _ = load_imbalanced("digits")
    sampler = _DeepSMOTESeeingThreads(
        epochs=1, hidden_channels=4, latent_dim=4, k_neighbors=2, n_threads=n_threads
    )
    sampler.fit_resample(X, y)
    assert sampler.seen_threads_ == expected
    assert torch.get_num_threads() == 2
    sampler.generate(3, y[0], random_state=0)
    assert torch.get_num_threads() == 2


def test_samplers_default_to_one_thread_and_the_comparison_builds_them_with_none():
    assert DeepSMOTE().n_threads == 1 and BAGANGP().n_threads == 1
    preset = get_preset("fast")
    assert preset.sampler("deepsmote").build().n_threads is None
    assert preset.sampler("bagangp").build().n_threads is None
