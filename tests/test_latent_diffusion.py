"""What LatentDiffusion adds to the shared sampler contract (tested for every sampler in
test_samplers.py, test_common.py and the others): the diffusion process, its guidance,
the provenance of each sample and residual synthesis from the nearest real code."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _samplers import digits_label_fidelity, imbalanced_images, make_tiny

from imblearn_deep import LatentDiffusion
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import class_spread_ratios
from imblearn_deep.nets.denoiser import build_denoiser
from imblearn_deep.over_sampling._code_diffusion import (
    alpha_sigma,
    denoising_loss,
    sample_codes,
)


class PointMassOracle(torch.nn.Module):
    """The exact velocity for data that is always ``point``: what a perfect denoiser of
    that distribution predicts, for every class."""

    def __init__(self, point: torch.Tensor, n_classes: int = 2):
        super().__init__()
        self.point, self.n_classes, self.calls, self.labels = point, n_classes, 0, set()

    def forward(self, z, t, labels):
        self.calls += 1
        self.labels |= set(labels.tolist())
        alpha, sigma = (s[:, None] for s in alpha_sigma(t))
        noise = (z - alpha * self.point) / sigma
        return alpha * noise - sigma * self.point


def test_schedule_keeps_unit_variance_and_runs_from_data_to_noise():
    t = torch.linspace(0, 1, 11)
    alpha, sigma = alpha_sigma(t)
    torch.testing.assert_close(alpha**2 + sigma**2, torch.ones(11))
    assert alpha[0] > 0.999 and sigma[-1] == 1 and abs(float(alpha[-1])) < 1e-6
    assert bool((alpha[1:] < alpha[:-1]).all())


@pytest.mark.parametrize("steps", [1, 4, 25])
def test_ddim_with_an_exact_denoiser_lands_on_the_data(steps):
    point = torch.tensor([1.5, -2.0, 0.25])
    noise = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    codes = sample_codes(PointMassOracle(point), noise, label=0, steps=steps, guidance=1.0)
    torch.testing.assert_close(codes, point.expand(64, 3), atol=1e-4, rtol=0)


def test_guidance_zero_and_one_evaluate_the_denoiser_once_a_step_and_others_twice():
    for guidance, calls, labels in [(1.0, 5, {1}), (0.0, 5, {2}), (2.0, 10, {1, 2})]:
        oracle = PointMassOracle(torch.zeros(2))
        sample_codes(oracle, torch.randn(4, 2), label=1, steps=5, guidance=guidance)
        assert oracle.calls == calls
        # Class 1 and the "no class" token 2 (= n_classes).
        assert oracle.labels == labels


def test_trained_denoiser_draws_each_class_where_it_lies_and_as_spread():
    """Two classes of 2-D codes, one of 500 and one of 25: the rare class's draws sit at
    its own centre with about its own spread, neither collapsed nor the other class's."""
    rng = torch.Generator().manual_seed(0)
    centres = torch.tensor([[-2.0, 0.0], [2.0, 1.0]])
    labels = torch.cat([torch.zeros(500, dtype=torch.long), torch.ones(25, dtype=torch.long)])
    codes = centres[labels] + 0.3 * torch.randn(len(labels), 2, generator=rng)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = build_denoiser(code_dim=2, n_classes=2, width=64, depth=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(1500):
        rows = torch.randint(len(codes), (128,), generator=rng)
        loss = denoising_loss(net, codes[rows], labels[rows], 0.1, rng)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        drawn = sample_codes(net, torch.randn(400, 2, generator=rng), 1, steps=25, guidance=1.0)
    assert torch.linalg.norm(drawn.mean(0) - centres[1]) < 0.3
    spread = float(drawn.std(0).mean())
    assert 0.15 < spread < 0.6  # the class's own spread is 0.3


def test_provenance_names_the_nearest_real_sample_of_the_class():
    X, y = imbalanced_images(counts=(12, 6, 3))
    sampler = make_tiny("LatentDiffusion")
    _, y_res = sampler.fit_resample(X, y)
    provenance = sampler.sample_provenance_
    new_labels = y_res[len(y) :]
    np.testing.assert_array_equal(provenance["class"], new_labels)
    np.testing.assert_array_equal(y[provenance["nearest_index"]], new_labels)
    assert provenance["nearest_distance"].dtype == np.float32
    assert (provenance["nearest_distance"] >= 0).all()


@pytest.mark.parametrize("sampler_name", ["DeepSMOTE", "LatentDiffusion"])
def test_residual_synthesis_of_a_real_code_is_its_real_image(sampler_name):
    X, y = imbalanced_images(counts=(12, 6, 3))
    sampler = make_tiny(sampler_name, synthesis="residual")
    sampler.fit_resample(X, y)
    for code in range(3):
        base = np.arange(len(sampler.latent_codes_[code]))
        images = sampler._synthesize(code, sampler.latent_codes_[code], base, torch.device("cpu"))
        np.testing.assert_allclose(images, sampler.training_images_[code], atol=1e-5)


def test_guidance_without_the_unconditional_model_is_refused_before_training():
    X, y = imbalanced_images()
    with pytest.raises(ValueError, match="label_dropout=0 never trains"):
        make_tiny("LatentDiffusion", guidance=2.0, label_dropout=0.0).fit_resample(X, y)
    # Without guidance the unconditional model is not needed.
    make_tiny("LatentDiffusion", guidance=1.0, label_dropout=0.0).fit_resample(X, y)


def test_planned_steps_name_both_stages():
    sampler = LatentDiffusion(max_steps=40, diffusion_steps=300)
    assert sampler.planned_steps(1000) == {"max_steps": 40, "diffusion_steps": 300}


def test_history_records_the_diffusion_stage_in_blocks_of_100_steps():
    X, y = imbalanced_images()
    sampler = make_tiny("LatentDiffusion", diffusion_steps=250)
    sampler.fit_resample(X, y)
    diffusion = [r for r in sampler.history_ if r["stage"] == "diffusion"]
    assert [r["steps"] for r in diffusion] == [100, 100, 50]
    assert all(np.isfinite(r["denoising"]) for r in diffusion)
    # The denoiser learnt something: its loss fell from the first block to the last.
    assert diffusion[-1]["denoising"] < diffusion[0]["denoising"]


def test_default_fit_on_small_digits_is_faithful_and_varied():
    """Quality on real data. The defaults, with only a seed, on the 325 imbalanced digits
    (about 30 s on one busy thread): an SVC that never saw a training image recognises
    the synthetic digits (measured 0.960), and they vary within a class about as much as
    the real ones (median spread ratio 0.71, lowest class 0.51)."""
    sampler = LatentDiffusion(random_state=0, device="cpu")
    assert digits_label_fidelity(sampler, judge="heldout") >= 0.9
    X, y, _, _ = load_imbalanced("digits")
    grown = [c for c, n in sampler.sampling_strategy_.items() if n > 0]
    X_syn = np.concatenate([sampler.generate(100, c, random_state=0) for c in grown])
    ratios = np.array(list(class_spread_ratios(X, y, X_syn, np.repeat(grown, 100)).values()))
    assert np.median(ratios) >= 0.6 and ratios.min() >= 0.4
