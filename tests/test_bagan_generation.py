"""BAGAN-GP generates what it learnt: noise where the codes are, BatchNorm statistics
of the batches the critic judged."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from _samplers import imbalanced_images, make_tiny

from imblearn_deep._batchnorm import recalibrate_batchnorm
from imblearn_deep.over_sampling._latent_prior import ClassGaussianPrior, StandardNormalPrior


def test_recalibration_gives_the_average_batch_statistics_and_restores_the_layers():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3, momentum=0.01), torch.nn.ReLU()
    )
    net.eval()
    batches = (torch.randn(4, 16, 1, 6, 6) * 3 + 1).unbind()
    assert recalibrate_batchnorm(net, [lambda b=b: net(b) for b in batches]) == 1
    bn, conv = net[1], net[0]
    with torch.no_grad():
        outputs = [conv(b) for b in batches]
    mean = torch.stack([o.mean(dim=(0, 2, 3)) for o in outputs]).mean(0)
    var = torch.stack([o.var(dim=(0, 2, 3), unbiased=True) for o in outputs]).mean(0)
    torch.testing.assert_close(bn.running_mean, mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(bn.running_var, var, rtol=1e-5, atol=1e-6)
    assert bn.momentum == 0.01 and not net.training and int(bn.num_batches_tracked) == 4
    assert all(p.grad is None for p in net.parameters())
    assert recalibrate_batchnorm(torch.nn.Linear(2, 2), []) == 0


def test_class_gaussian_prior_means_covariance_and_seeded_draws():
    rng = np.random.RandomState(0)
    codes = np.repeat([0, 1, 2], [300, 40, 5])
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, -3.0, 2.0]])
    latents = centres[codes] + rng.normal(0, [1.0, 0.5, 2.0], size=(len(codes), 3))
    prior = ClassGaussianPrior(latents, codes, 3)
    for c in range(3):
        np.testing.assert_allclose(prior.means[c], latents[codes == c].mean(0))
    covariance = prior.scale @ prior.scale.T
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), [1.0, 0.5, 2.0], rtol=0.15)
    a = prior.sample_numpy(2, 4000, np.random.RandomState(1))
    np.testing.assert_array_equal(a, prior.sample_numpy(2, 4000, np.random.RandomState(1)))
    np.testing.assert_allclose(a.mean(0), prior.means[2], atol=0.1)
    generator = torch.Generator().manual_seed(0)
    z = prior.sample(torch.full((4000,), 1), generator)
    np.testing.assert_allclose(z.mean(0).numpy(), prior.means[1], atol=0.1)
    assert StandardNormalPrior(3).sample(torch.zeros(5, dtype=torch.long), generator).shape == (
        5,
        3,
    )


@pytest.fixture(scope="module")
def data():
    return imbalanced_images(counts=(40, 12, 6))


@pytest.mark.parametrize("latent_prior", ["class_gaussian", "normal"])
def test_generation_draws_from_the_fitted_prior(data, latent_prior):
    X, y = data
    sampler = _fitted(X, y, latent_prior=latent_prior)
    expected = {"class_gaussian": ClassGaussianPrior, "normal": StandardNormalPrior}
    assert isinstance(sampler.latent_prior_, expected[latent_prior])
    latent = sampler.sample_provenance_["latent"]
    classes = sampler.sample_provenance_["class"]
    minority = latent[classes == 2]
    centre = sampler.latent_prior_.means[2] if latent_prior == "class_gaussian" else 0.0
    np.testing.assert_allclose(minority.mean(0), centre, atol=4 / np.sqrt(len(minority)) + 0.2)


def _fitted(X, y, **params):
    sampler = make_tiny("BAGANGP", **params)
    sampler.fit_resample(X, y)
    return sampler


def _train_eval_gap(sampler) -> float:
    """How far eval-mode generation is from the train-mode output the critic judged."""
    G = copy.deepcopy(sampler.generator_)  # a train-mode pass updates running statistics
    labels = torch.arange(512) % len(sampler.classes_)
    z = sampler.latent_prior_.sample(labels, torch.Generator().manual_seed(0))
    with torch.no_grad():
        evaluated = G.eval()(z, labels)
        trained = G.train()(z, labels)
    return float((evaluated - trained).abs().mean())


def test_recalibrated_generator_outputs_in_eval_mode_what_it_trained_with(data):
    X, y = data
    recalibrated = _fitted(X, y)
    kept = _fitted(X, y, recalibrate_batchnorm=False)
    assert _train_eval_gap(recalibrated) < 0.5 * _train_eval_gap(kept)
    batches = -(-4096 // recalibrated.batch_size)
    bns = [m for m in recalibrated.generator_.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(int(bn.num_batches_tracked) == batches for bn in bns)
    assert all(bn.momentum == 0.01 for bn in bns)
