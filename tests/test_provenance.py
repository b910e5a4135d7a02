"""sample_provenance_: where each synthetic sample of fit_resample came from."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _samplers import imbalanced_images, make_tiny
from sklearn.neighbors import NearestNeighbors


def codes_by_row(sampler, y) -> np.ndarray:
    """The latent code of every training row (latent_codes_ holds them per class)."""
    codes = np.empty((len(y), sampler.latent_codes_[0].shape[1]), np.float32)
    for code, label in enumerate(sampler.classes_):
        codes[y == label] = sampler.latent_codes_[code]
    return codes


def test_deep_smote_records_the_interpolated_pairs():
    X, y = imbalanced_images(counts=(20, 9, 6))
    sampler = make_tiny("DeepSMOTE", k_neighbors=3, epochs=2)
    X_res, y_res = sampler.fit_resample(X, y)
    provenance = sampler.sample_provenance_
    n_synthetic = len(X_res) - len(X)
    assert sorted(provenance) == ["base_index", "class", "neighbor_index", "weight"]
    assert all(len(values) == n_synthetic for values in provenance.values())
    np.testing.assert_array_equal(provenance["class"], y_res[len(X) :])

    base, neighbor, weight = (provenance[k] for k in ("base_index", "neighbor_index", "weight"))
    # Both ends are real samples of the synthetic sample's class, and the neighbour is
    # one of the base's k nearest within the class in latent space.
    np.testing.assert_array_equal(y[base], provenance["class"])
    np.testing.assert_array_equal(y[neighbor], provenance["class"])
    assert ((weight >= 0) & (weight < 1)).all()
    codes = codes_by_row(sampler, y)
    for label in np.unique(provenance["class"]):
        rows = np.flatnonzero(y == label)
        nearest = NearestNeighbors(n_neighbors=3).fit(codes[rows]).kneighbors()[1]
        allowed = {int(rows[i]): set(rows[nearest[i]].tolist()) for i in range(len(rows))}
        mine = provenance["class"] == label
        assert all(
            int(n) in allowed[int(b)] for b, n in zip(base[mine], neighbor[mine], strict=True)
        )

    # Decoding (1 - w) z_base + w z_neighbor gives back the synthetic samples.
    z = (1 - weight[:, None]) * codes[base] + weight[:, None] * codes[neighbor]
    with torch.no_grad():
        decoded = sampler.decoder_(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(sampler._to_caller(decoded), X_res[len(X) :], atol=1e-5)


def test_deep_smote_provenance_of_a_single_sample_class():
    X, y = imbalanced_images(counts=(8, 1))
    sampler = make_tiny("DeepSMOTE")
    with pytest.warns(UserWarning, match="single sample"):
        sampler.fit_resample(X, y)
    provenance = sampler.sample_provenance_
    only = np.flatnonzero(y == 1)[0]
    assert (provenance["base_index"] == only).all()
    assert (provenance["neighbor_index"] == only).all()
    assert (provenance["weight"] == 0).all() and len(provenance["weight"]) == 7


def test_bagan_gp_records_class_and_latent_draw():
    X, y = imbalanced_images(counts=(12, 7, 4))
    sampler = make_tiny("BAGANGP")
    X_res, y_res = sampler.fit_resample(X, y)
    provenance = sampler.sample_provenance_
    assert sorted(provenance) == ["class", "latent"]
    assert provenance["latent"].shape == (len(X_res) - len(X), sampler.latent_dim)
    np.testing.assert_array_equal(provenance["class"], y_res[len(X) :])

    codes = torch.from_numpy(np.searchsorted(sampler.classes_, provenance["class"]))
    with torch.no_grad():
        decoded = sampler.generator_(torch.from_numpy(provenance["latent"]), codes).numpy()
    np.testing.assert_allclose(sampler._to_caller(decoded), X_res[len(X) :], atol=1e-5)


def test_provenance_without_synthetic_samples(sampler_name):
    X, y = imbalanced_images(counts=(6, 6))
    sampler = make_tiny(sampler_name)
    X_res, _ = sampler.fit_resample(X, y)
    assert len(X_res) == len(X)
    provenance = sampler.sample_provenance_
    assert len(provenance) > 1 and all(len(values) == 0 for values in provenance.values())
    assert provenance["class"].dtype == y.dtype


def test_provenance_follows_the_last_fit(sampler_name):
    sampler = make_tiny(sampler_name)
    sampler.fit_resample(*imbalanced_images(counts=(12, 10, 8)))
    assert len(sampler.sample_provenance_["class"]) == 6
    sampler.fit_resample(*imbalanced_images(counts=(12, 8)))
    np.testing.assert_array_equal(sampler.sample_provenance_["class"], np.ones(4, dtype=int))


def test_residual_synthesis_moves_a_real_image_by_the_decoders_change():
    X, y = imbalanced_images(counts=(20, 9, 6))
    sampler = make_tiny("DeepSMOTE", k_neighbors=3, epochs=2, synthesis="residual")
    X_res, _ = sampler.fit_resample(X, y)
    provenance = sampler.sample_provenance_
    base, neighbor, weight = (provenance[k] for k in ("base_index", "neighbor_index", "weight"))
    codes = codes_by_row(sampler, y)
    z = (1 - weight[:, None]) * codes[base] + weight[:, None] * codes[neighbor]
    with torch.no_grad():
        moved = sampler.decoder_(torch.from_numpy(z)) - sampler.decoder_(
            torch.from_numpy(codes[base])
        )
    real = torch.from_numpy(sampler.image_layout_.to_net(sampler.pixel_range_.scale(X[base])))
    expected = sampler._to_caller((real + moved).clamp(-1, 1).numpy())
    np.testing.assert_allclose(X_res[len(X) :], expected, atol=1e-5)
    # The stored images are the training images of each class, in the networks' scale.
    for code, images in enumerate(sampler.training_images_):
        np.testing.assert_allclose(
            sampler._to_caller(images), X[y == sampler.classes_[code]], atol=1e-5
        )


def test_residual_synthesis_of_a_single_sample_class_is_that_image():
    X, y = imbalanced_images(counts=(8, 1))
    sampler = make_tiny("DeepSMOTE", synthesis="residual")
    with pytest.warns(UserWarning, match="single sample"):
        X_res, _ = sampler.fit_resample(X, y)
    # Weight 0: the decoder's change is nothing, and the real image comes back.
    np.testing.assert_allclose(X_res[len(X) :], np.repeat(X[y == 1], 7, axis=0), atol=1e-5)
    assert not hasattr(make_tiny("DeepSMOTE").fit(X, y), "training_images_")
