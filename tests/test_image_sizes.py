"""The sizes of real collections: both samplers (their network plans), the small CNN and
ResNet-18 take 64x64 and 128x128 images, grey and colour, and give them back as they came."""

import numpy as np
import pytest

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE

SIZES = [(1, 64), (3, 64), (1, 128), (3, 128)]
# The smallest networks and one or two steps: what is tested is that each plan covers the
# size (a plan that did not would fail to build, or give back another shape).
TINY = {"hidden_channels": 4, "latent_dim": 8, "batch_size": 8, "random_state": 0}


def _images(channels, side):
    rng = np.random.default_rng(side + channels)
    X = rng.integers(0, 256, (18, channels, side, side), dtype=np.uint8)
    return X, np.repeat([0, 1], [12, 6])


@pytest.mark.parametrize("channels, side", SIZES)
@pytest.mark.parametrize(
    "sampler",
    [
        DeepSMOTE(epochs=1, **TINY),
        BAGANGP(autoencoder_steps=1, gan_steps=1, critic_steps=1, **TINY),
    ],
    ids=["deepsmote", "bagangp"],
)
def test_samplers_give_back_large_images_as_they_came(sampler, channels, side):
    X, y = _images(channels, side)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (24, channels, side, side) and X_res.dtype == np.uint8
    assert np.bincount(y_res).tolist() == [12, 12]
    assert np.array_equal(X_res[:18], X)  # the originals first, untouched


@pytest.mark.parametrize("channels, side", SIZES)
@pytest.mark.parametrize("architecture", ["small_cnn", "resnet18"])
def test_classifiers_take_large_images(architecture, channels, side):
    X, y = _images(channels, side)
    clf = CNNClassifier(architecture=architecture, max_steps=1, batch_size=8, random_state=0)
    clf.fit(X, y)
    assert clf.predict_proba(X[:4]).shape == (4, 2)
