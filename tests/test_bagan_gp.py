"""BAGAN-GP specifics: the reference's networks, the two stages, its options."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _samplers import digits_label_fidelity, imbalanced_images, make_tiny

from imblearn_deep import BAGANGP
from imblearn_deep.comparison import get_preset
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import class_spread_ratios
from imblearn_deep.nets.bagan import ConditionalDiscriminator, build_decoder, build_encoder
from imblearn_deep.over_sampling import _gan_epoch
from imblearn_deep.over_sampling._gan_epoch import gradient_penalty


def test_reference_networks_at_64x64():
    encoder = build_encoder((3, 64, 64))
    convs = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size, c.stride) for c in convs] == [
        (64, (4, 4), (2, 2)),
        (128, (4, 4), (2, 2)),
        (128, (4, 4), (2, 2)),
        (256, (4, 4), (2, 2)),
    ]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in encoder.modules())
    assert isinstance(encoder[-1], torch.nn.LeakyReLU)  # the code passes through LeakyReLU
    decoder = build_decoder((3, 64, 64))
    assert decoder[0].out_features == 4 * 4 * 256
    norms = [m for m in decoder.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert [(n.num_features, n.momentum, n.eps) for n in norms] == [
        (128, 0.01, 1e-3),
        (128, 0.01, 1e-3),
        (64, 0.01, 1e-3),
    ]  # Keras defaults
    assert decoder(torch.zeros(2, 128)).shape == (2, 3, 64, 64)
    discriminator = ConditionalDiscriminator((3, 64, 64), n_classes=10)
    # Parameter count of the reference's discriminator with C = 3 (about 5.1 M).
    assert 5.0e6 < sum(p.numel() for p in discriminator.parameters()) < 5.2e6


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 13, 20)])
def test_networks_adapt_to_the_image_size(shape):
    encoder, decoder = build_encoder(shape, 16, 4), build_decoder(shape, 16, 4)
    assert decoder(encoder(torch.zeros(2, *shape))).shape == (2, *shape)


def test_generator_starts_from_the_trained_autoencoder():
    X, y = imbalanced_images()
    sampler = make_tiny("BAGANGP", autoencoder_epochs=40, gan_epochs=0, learning_rate=2e-3)
    sampler.fit_resample(X, y)
    assert [r["stage"] for r in sampler.history_] == ["autoencoder"] * 40
    # With no GAN epochs, the generator decodes the encoder's codes into reconstructions,
    # far better than the same networks untrained.
    x = torch.from_numpy(sampler.pixel_range_.scale(X).reshape(X.shape))
    labels = torch.from_numpy(y)
    untrained = make_tiny("BAGANGP", autoencoder_epochs=1, gan_epochs=0, learning_rate=1e-12)
    untrained.fit_resample(X, y)
    for network in (sampler.generator_, untrained.generator_):
        network.train()  # batch statistics: the running ones barely move in 40 steps
    with torch.no_grad():
        trained_error = (sampler.generator_(sampler.encoder_(x), labels) - x).abs().mean()
        untrained_error = (untrained.generator_(untrained.encoder_(x), labels) - x).abs().mean()
    assert trained_error < 0.8 * untrained_error


def test_gan_history_exposes_the_balance_of_power():
    X, y = imbalanced_images()
    sampler = make_tiny("BAGANGP", gan_epochs=2)
    sampler.fit_resample(X, y)
    gan = [r for r in sampler.history_ if r["stage"] == "gan"]
    assert len(gan) == 2
    for record in gan:
        assert {"d_loss", "g_loss", "gradient_penalty", "real_score", "fake_score"} <= set(record)
        assert 0.0 <= record["real_score"] <= 1.0 and 0.0 <= record["fake_score"] <= 1.0


def test_discriminator_can_start_from_the_encoder():
    X, y = imbalanced_images()
    sampler = make_tiny("BAGANGP", gan_epochs=0, discriminator_init="encoder")
    sampler.fit_resample(X, y)
    for a, b in zip(
        sampler.discriminator_.features.state_dict().values(),
        sampler.encoder_[0].state_dict().values(),
        strict=True,
    ):
        torch.testing.assert_close(a, b)
    fresh = make_tiny("BAGANGP", gan_epochs=0)
    fresh.fit_resample(X, y)
    first_conv = next(iter(fresh.discriminator_.features.state_dict().values()))
    assert not torch.equal(first_conv, next(iter(fresh.encoder_[0].state_dict().values())))


def test_gp_alpha_options_differ():
    X, y = imbalanced_images()
    uniform = make_tiny("BAGANGP", gp_alpha="uniform").fit_resample(X, y)[0]
    normal = make_tiny("BAGANGP", gp_alpha="normal").fit_resample(X, y)[0]
    assert not np.array_equal(uniform, normal)


def test_gradient_penalty_of_a_linear_critic():
    # For D(x, y) = w·x the gradient is w everywhere: the penalty is (‖w‖ - 1)².
    w = torch.full((4,), 0.25)

    class Linear(torch.nn.Module):
        def forward(self, x, y):
            return x @ w

    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    penalty = gradient_penalty(
        Linear(),
        real,
        fake,
        torch.zeros(8, dtype=torch.long),
        torch.Generator().manual_seed(0),
        make_tiny("BAGANGP").gp_alpha,
    )
    torch.testing.assert_close(penalty, (w.norm() - 1.0) ** 2)


def test_image_size_resizes_and_restores():
    X, y = imbalanced_images(shape=(1, 8, 8))
    sampler = make_tiny("BAGANGP", image_size=16)
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.shape[1:] == (1, 8, 8)
    with torch.no_grad():
        out = sampler.generator_(torch.zeros(2, 8), torch.tensor([0, 1]))
    assert out.shape == (2, 1, 16, 16)  # the networks work at 16×16
    with pytest.raises(ValueError, match="tabular"):
        make_tiny("BAGANGP", image_size=16).fit_resample(X.reshape(len(X), -1), y)


def _spread_ratios(sampler, per_class: int = 100) -> np.ndarray:
    """Within-class spread of a fitted sampler's new digits over the real ones', for every
    class it grew (:func:`~imblearn_deep.metrics.class_spread_ratios`, pixels)."""
    X, y, _, _ = load_imbalanced("digits")
    grown = [c for c, n in sampler.sampling_strategy_.items() if n > 0]
    X_syn = np.concatenate([sampler.generate(per_class, c, random_state=0) for c in grown])
    y_syn = np.repeat(grown, per_class)
    return np.array(list(class_spread_ratios(X, y, X_syn, y_syn).values()))


@pytest.mark.slow
def test_default_fit_on_small_digits_is_recognised_by_an_independent_judge():
    """Quality on real data. The defaults, with only a seed, on the 325 imbalanced digits
    (about 2 minutes on one busy thread): an SVC that never saw a training image
    recognises the synthetic images (measured 0.987; the reference behaviour,
    ``latent_prior="normal", recalibrate_batchnorm=False``, scored 0.289), and they vary
    within a class about as much as the real ones (median spread ratio 0.91, lowest class
    0.63). Before issue 27's defaults (``autoencoder_epochs=30``, no mode seeking) they
    scored 1.000 and 0.11: one image per class, recognised."""
    sampler = BAGANGP(random_state=0, device="cpu")
    fidelity = digits_label_fidelity(sampler, judge="heldout")
    assert fidelity >= 0.9
    ratios = _spread_ratios(sampler)
    assert np.median(ratios) >= 0.7 and ratios.min() >= 0.5


@pytest.mark.parametrize("mode_seeking_weight", [0.5, 0.0])
def test_mode_seeking_keeps_the_digits_of_a_class_varied(mode_seeking_weight):
    """Issue 27 on the comparison's budget for the digits (600 + 600 steps of small
    networks, about 20 s a fit on one busy thread; the defaults take 2 minutes, above).
    With the mode-seeking term the digits of a class vary like the real ones (measured:
    median spread ratio 0.89, lowest class 0.77) and an independent judge recognises them
    (0.86); without it the generator repeats a few images per class (0.25, lowest 0.10;
    judge 0.83)."""
    params = {**get_preset("fast").sampler("bagangp").params, "random_state": 0, "device": "cpu"}
    sampler = BAGANGP(**params, mode_seeking_weight=mode_seeking_weight)
    fidelity = digits_label_fidelity(sampler, judge="heldout")
    ratios = _spread_ratios(sampler)
    if mode_seeking_weight:
        assert np.median(ratios) >= 0.7 and ratios.min() >= 0.5
        assert fidelity >= 0.75
    else:
        assert np.median(ratios) < 0.4


def test_the_mode_seeking_term_is_left_out_at_weight_zero(monkeypatch):
    """At 0 the generator's step is the one before the parameter: no term, no paired
    noise (the fingerprint leaves the neutral value out, so the two must not differ)."""
    calls = []
    term = _gan_epoch.mode_seeking_term
    monkeypatch.setattr(
        _gan_epoch, "mode_seeking_term", lambda fake, z: calls.append(len(z)) or term(fake, z)
    )
    X, y = imbalanced_images(counts=(20, 8, 4))
    make_tiny("BAGANGP", mode_seeking_weight=0.0).fit_resample(X, y)
    assert calls == []
    sampler = make_tiny("BAGANGP", mode_seeking_weight=0.5, gan_steps=3)
    sampler.fit_resample(X, y)
    gan = [r for r in sampler.history_ if r["stage"] == "gan"]
    assert calls == [32, 32, 32] and all(np.isfinite(r["g_loss"]) for r in gan)
