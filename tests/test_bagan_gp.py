"""BAGAN-GP specifics: the reference's networks, the two stages, its options."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _samplers import digits_label_fidelity, imbalanced_images, make_tiny

from imblearn_deep import BAGANGP
from imblearn_deep.nets.bagan import ConditionalDiscriminator, build_decoder, build_encoder
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


@pytest.mark.slow
def test_default_fit_on_small_digits_is_recognised_by_an_independent_judge():
    """Quality on real data. The defaults, with only a seed, on the 325 imbalanced digits:
    an SVC that never saw a training image recognises the synthetic images (measured
    1.000; the reference behaviour, ``latent_prior="normal",
    recalibrate_batchnorm=False``, scored 0.289)."""
    fidelity = digits_label_fidelity(BAGANGP(random_state=0, device="cpu"), judge="heldout")
    assert fidelity >= 0.9
