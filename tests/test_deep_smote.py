"""DeepSMOTE specifics: the paper's networks, the penalty variants, latent SMOTE, quality."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _samplers import digits_label_fidelity, imbalanced_images, make_tiny
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from imblearn_deep import DeepSMOTE
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.nets.deep_smote import build_decoder, build_encoder
from imblearn_deep.over_sampling._latent_smote import latent_smote

pytestmark = pytest.mark.filterwarnings("ignore:Class .* has:UserWarning")


def n_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_paper_networks_for_28x28():
    encoder, decoder = build_encoder((1, 28, 28), 300), build_decoder((1, 28, 28), 300)
    # The released code's layer sizes give exactly these counts (2.91 M + 10.18 M).
    assert n_parameters(encoder) == 2_909_228
    assert n_parameters(decoder) == 10_176_129
    convs = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size, c.stride, c.bias) for c in convs] == [
        (64, (4, 4), (2, 2), None),
        (128, (4, 4), (2, 2), None),
        (256, (4, 4), (2, 2), None),
        (512, (4, 4), (2, 2), None),
    ]
    # No batch norm after the first convolution (the code's DCGAN layout), one after each other.
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in encoder.modules()) == 3
    assert decoder[0].out_features == 512 * 7 * 7
    transposed = [m for m in decoder.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(t.stride, t.padding) for t in transposed] == [((1, 1), (0, 0))] * 2 + [
        ((2, 2), (0, 0))
    ]


def test_documented_32x32_variant():
    encoder, decoder = build_encoder((3, 32, 32), 600), build_decoder((3, 32, 32), 600)
    last_conv = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    assert (last_conv.stride, last_conv.padding) == ((1, 1), (0, 0))  # 4×4 → 1×1
    assert decoder[0].out_features == 512 * 9 * 9  # 9 → 12 → 15 → 32
    assert decoder(encoder(torch.zeros(2, 3, 32, 32))).shape == (2, 3, 32, 32)


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 20, 20), (3, 64, 64), (1, 7, 9), (3, 12, 16)])
def test_networks_reconstruct_the_input_size(shape):
    encoder, decoder = build_encoder(shape, 10, 4), build_decoder(shape, 10, 4)
    assert decoder(encoder(torch.zeros(2, *shape))).shape == (2, *shape)
    assert not any(isinstance(m, torch.nn.Upsample) for m in decoder.modules())


@pytest.mark.parametrize("penalty", ["code", "paper"])
def test_penalty_gradients(penalty):
    X, y = imbalanced_images()
    sampler = make_tiny("DeepSMOTE", penalty=penalty).fit(X, y)
    sampler.encoder_ = build_encoder((1, 8, 8), 8, 4)
    sampler.decoder_ = build_decoder((1, 8, 8), 8, 4)
    rows = sampler._penalty_batch(torch.arange(6), torch.Generator().manual_seed(0))
    assert sorted(rows.tolist()) == list(range(6))  # up to batch_size of the class
    loss = sampler._penalty(torch.from_numpy(X)[rows])
    loss.backward()
    encoder_grads = [p.grad for p in sampler.encoder_.parameters()]
    decoder_grads = [p.grad for p in sampler.decoder_.parameters()]
    assert all(g is not None for g in decoder_grads)
    # The released code detaches the codes: its penalty trains only the decoder.
    assert all(g is None for g in encoder_grads) == (penalty == "code")


def test_penalty_none_and_best_epoch_kept():
    X, y = imbalanced_images()
    sampler = make_tiny("DeepSMOTE", penalty="none", epochs=4)
    sampler.fit_resample(X, y)
    assert [r["penalty"] for r in sampler.history_] == [0.0] * 4
    losses = [r["loss"] for r in sampler.history_]
    assert sampler.best_epoch_ == int(np.argmin(losses)) + 1


def test_latent_smote_interpolates_between_class_neighbours():
    rng = np.random.RandomState(0)
    codes = rng.normal(size=(20, 3))
    new = latent_smote(codes, 500, 3, np.random.RandomState(1))
    assert new.shape == (500, 3)
    # Every new code lies on a segment from a code to one of its 3 nearest neighbours.
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=2)
    neighbours = np.argsort(distances, axis=1)[:, 1:4]
    for z in new[:50]:
        on_segment = [
            np.allclose(np.cross(z - codes[i], codes[j] - codes[i]), 0, atol=1e-9)
            and np.dot(z - codes[i], codes[j] - codes[i]) >= -1e-12
            for i in range(20)
            for j in neighbours[i]
        ]
        assert any(on_segment)
    assert not np.isin(new, codes).all(axis=1).any()


def test_latent_smote_small_classes():
    rng = np.random.RandomState(0)
    one = rng.normal(size=(1, 4))
    np.testing.assert_array_equal(latent_smote(one, 3, 5, rng), np.repeat(one, 3, axis=0))
    two = np.array([[0.0, 0.0], [1.0, 1.0]])
    new = latent_smote(two, 50, 5, rng)
    assert np.allclose(new[:, 0], new[:, 1]) and (new >= 0).all() and (new <= 1).all()
    duplicates = np.zeros((4, 2))
    assert np.array_equal(latent_smote(duplicates, 5, 2, rng), np.zeros((5, 2)))
    assert latent_smote(two, 0, 5, rng).shape == (0, 2)


def test_small_class_warnings():
    X, y = imbalanced_images(counts=(12, 4, 1))
    with pytest.warns(UserWarning, match="Class") as record:
        make_tiny("DeepSMOTE").fit_resample(X, y)
    messages = " ".join(str(w.message) for w in record)
    assert "Class 1 has 4 samples, fewer than k_neighbors + 1 = 6" in messages
    assert "Class 2 has a single sample" in messages


def test_synthetic_digits_are_recognised_by_a_real_data_classifier():
    """Quality on real data: a classifier trained on all real digits recognises the
    synthetic images as the class they were generated for."""
    fidelity = digits_label_fidelity(DeepSMOTE(epochs=30, random_state=0, device="cpu"))
    # Measured 0.989 (seed 0); a decoder that ignores the class would score about 0.1.
    assert fidelity >= 0.9


@pytest.mark.slow
def test_default_fit_on_small_digits_is_recognised_by_an_independent_judge():
    """The defaults, with only a seed, on the 325 imbalanced digits, judged by an SVC that
    never saw a training image."""
    fidelity = digits_label_fidelity(DeepSMOTE(random_state=0, device="cpu"), judge="heldout")
    assert fidelity >= 0.9


def test_pipeline_grid_search_on_digits():
    X, y, X_test, y_test = load_imbalanced("digits", random_state=0)
    pipeline = Pipeline(
        [
            (
                "sampler",
                DeepSMOTE(
                    epochs=3,
                    hidden_channels=16,
                    image_shape=(1, 8, 8),
                    random_state=0,
                    device="cpu",
                ),
            ),
            ("clf", SVC()),
        ]
    )
    search = GridSearchCV(
        pipeline,
        {"sampler__k_neighbors": [3, 5], "clf__C": [1.0]},
        scoring="f1_macro",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        error_score="raise",
    )
    # Flat rows with image_shape: the sampler sees images, SVC sees feature vectors.
    X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    search.fit(X, y)
    assert set(search.cv_results_["param_sampler__k_neighbors"]) == {3, 5}
    assert 0.5 < search.best_score_ <= 1.0
    assert search.predict(X_test).shape == y_test.shape
