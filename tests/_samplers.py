"""Tiny sampler configurations that train in well under a second, and test data."""

from __future__ import annotations

import numpy as np

from imblearn_deep import BAGANGP, DeepSMOTE, LatentDiffusion

TINY = {
    "DeepSMOTE": dict(epochs=1, hidden_channels=4, latent_dim=8, batch_size=64),
    "BAGANGP": dict(
        autoencoder_epochs=1,
        gan_epochs=1,
        hidden_channels=4,
        latent_dim=8,
        batch_size=64,
        critic_steps=1,
    ),
    "LatentDiffusion": dict(
        epochs=1,
        max_steps=None,
        hidden_channels=4,
        latent_dim=8,
        batch_size=64,
        diffusion_steps=20,
        diffusion_batch_size=32,
        denoiser_width=16,
        denoiser_depth=1,
        sampling_steps=3,
    ),
}
SAMPLERS = {"DeepSMOTE": DeepSMOTE, "BAGANGP": BAGANGP, "LatentDiffusion": LatentDiffusion}

# imblearn's checks that the deep samplers (and wrappers of them) fail by design.
EXPECTED_FAILURES = {
    "check_samplers_pandas_sparse": (
        "the networks need dense arrays; sparse input is rejected by design "
        "(input_tags.sparse=False), and this check feeds a sparse DataFrame regardless"
    ),
}


def make_tiny(name: str, **params):
    """A fast, seeded instance of the named sampler."""
    return SAMPLERS[name](**{"random_state": 0, "device": "cpu", **TINY[name], **params})


def imbalanced_images(counts=(12, 6, 3), shape=(1, 8, 8), dtype=np.float32, seed=0):
    """Random images with a class-dependent mean, so classes differ."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.uniform(0, 1, size=(len(y), *shape)) * 0.5 + y.reshape(-1, 1, 1, 1) * 0.2
    if np.issubdtype(dtype, np.integer):
        X = X * 200
    return X.astype(dtype), y


def digits_label_fidelity(sampler, judge: str = "all") -> float:
    """Balance the imbalanced digits with ``sampler`` and return the share of synthetic
    images that an SVC assigns to their target class.

    The SVC is trained on all 1,797 real digits (``judge="all"``) or, an independent
    judge, only on those that are not in the sampler's training set (``"heldout"``)."""
    from sklearn.svm import SVC

    from imblearn_deep.datasets import load_digits_images, load_imbalanced
    from imblearn_deep.metrics import label_fidelity

    X_all, y_all = load_digits_images()
    X, y, _, _ = load_imbalanced("digits", random_state=0)
    if judge == "heldout":
        # Digits can repeat: leave out every image equal to a training image.
        seen = {row.tobytes() for row in X}
        keep = np.array([row.tobytes() not in seen for row in X_all])
        X_all, y_all = X_all[keep], y_all[keep]
    judge = SVC().fit(X_all.reshape(len(X_all), -1), y_all)
    X_res, y_res = sampler.fit_resample(X, y)
    synthetic = X_res[len(X) :]
    assert len(synthetic) == 10 * 140 - len(X)
    return label_fidelity(judge, synthetic.reshape(len(synthetic), -1), y_res[len(y) :])
