"""One epoch of BAGAN-GP's GAN stage: critic updates with a gradient penalty, then the
generator's.

For each real batch the critic takes ``critic_steps`` updates on real, fake and
wrong-label cross-entropy terms plus a gradient penalty, each with fresh noise and labels,
and the generator one update, with the mode-seeking term of Mao et al. (2019) when its
weight is set (:func:`mode_seeking_term`). :class:`~imblearn_deep.BAGANGP` builds the
optimiser steps and runs the epochs (history, callbacks); :func:`gan_epoch` gives it what
one epoch does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn.functional import binary_cross_entropy_with_logits

from .._torch.devices import autocast, compiled
from .._torch.loop import LossMeter, OptimizerStep, minibatches


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits, target).float())


def gan_epoch(
    sampler,
    X: torch.Tensor,
    y: torch.Tensor,
    generator: torch.Generator,
    device: torch.device,
    step_g: OptimizerStep,
    step_d: OptimizerStep,
) -> Callable[[int], dict]:
    """The ``train_one_epoch(n_steps)`` of ``sampler``'s GAN stage.

    Parameters
    ----------
    sampler : BAGANGP
        The sampler being fitted, past its autoencoder stage: its ``generator_``,
        ``discriminator_``, ``latent_prior_``, ``classes_`` and ``precision_``, and its
        parameters ``batch_size``, ``critic_steps``, ``gp_weight``, ``gp_alpha``,
        ``mode_seeking_weight`` and ``compile``.
    X, y : Tensor
        The training images (at the networks' size) and label positions, on ``device``.
    generator : torch.Generator
        Draws the mini-batches, the noise, the labels and the penalty's interpolation.
    device : torch.device
        Where the networks train.
    step_g, step_d : OptimizerStep
        The generator's and the critic's optimiser steps.

    Returns
    -------
    callable
        ``train_one_epoch(n_steps)``: runs the first ``n_steps`` mini-batches of a new
        shuffle and returns the epoch's mean ``d_loss``, ``g_loss``, ``gradient_penalty``,
        ``real_score`` and ``fake_score``.
    """
    G, D = sampler.generator_, sampler.discriminator_
    precision = sampler.precision_
    # The penalty's gradient of D's output in float16 overflows before the loss
    # scaler could act on it: under float16 it runs in float32.
    penalty_precision = "float32" if precision == "float16" else precision
    n_classes = len(sampler.classes_)
    mode_seeking = sampler.mode_seeking_weight

    def noise_and_labels(n):
        labels = torch.randint(n_classes, (n,), generator=generator, device=device)
        return sampler.latent_prior_.sample(labels, generator), labels

    def paired_noise_and_labels(n):
        # Each label twice, with independent noise: the mode-seeking term compares the two
        # halves of the batch, and the adversarial term sees the whole of it (an odd
        # batch's last sample, of a label of its own, included).
        labels = torch.randint(n_classes, (n // 2 + n % 2,), generator=generator, device=device)
        labels = torch.cat([labels[: n // 2], labels])
        return sampler.latent_prior_.sample(labels, generator), labels

    def critic_cost(real, labels, z, fake_labels, wrong_labels):
        # What ``compile`` compiles of a critic step; the gradient penalty runs
        # eagerly, since torch.compile cannot differentiate a gradient twice.
        with autocast(device, precision):
            with torch.no_grad():
                fake = G(z, fake_labels)
            real_logits = D(real, labels)
            fake_logits = D(fake, fake_labels)
            cost = (
                _bce(real_logits, 1.0) + _bce(fake_logits, 0.0) + _bce(D(real, wrong_labels), 0.0)
            )
            return fake, real_logits, fake_logits, cost

    def generator_loss(z, fake_labels):
        with autocast(device, precision):
            fake = G(z, fake_labels)
            return _bce(D(fake, fake_labels), 1.0), fake

    critic_step_cost = compiled(critic_cost, sampler.compile)
    generator_step_loss = compiled(generator_loss, sampler.compile)

    def train_one_epoch(n_steps):
        meter = LossMeter()
        G.train()
        D.train()
        for idx in minibatches(len(X), sampler.batch_size, generator, device)[:n_steps]:
            real, labels = X[idx], y[idx]
            for _ in range(sampler.critic_steps):
                z, fake_labels = noise_and_labels(len(idx))
                wrong_labels = torch.randint(
                    n_classes, (len(idx),), generator=generator, device=device
                )
                fake, real_logits, fake_logits, d_cost = critic_step_cost(
                    real, labels, z, fake_labels, wrong_labels
                )
                with autocast(device, penalty_precision):
                    penalty = gradient_penalty(
                        D, real, fake.float(), labels, generator, sampler.gp_alpha
                    )
                d_loss = d_cost + sampler.gp_weight * penalty
                step_d(d_loss)
            draw = paired_noise_and_labels if mode_seeking else noise_and_labels
            z, fake_labels = draw(len(idx))
            g_loss, fake = generator_step_loss(z, fake_labels)
            if mode_seeking:
                # Outside the compiled step: torch.compile specialises a size of 1, so a
                # batch of 2 or 3 (halves of 1) would trace the step again.
                g_loss = g_loss + mode_seeking * mode_seeking_term(fake, z)
            step_g(g_loss)
            meter.add(
                len(idx),
                d_loss=d_loss,
                g_loss=g_loss,
                gradient_penalty=penalty,
                real_score=torch.sigmoid(real_logits.float()).mean(),
                fake_score=torch.sigmoid(fake_logits.float()).mean(),
            )
        return meter.means()

    return train_one_epoch


def mode_seeking_term(fake: torch.Tensor, z: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``1 / (mean|G(z₁) − G(z₂)| / mean|z₁ − z₂| + eps)`` over a batch's two halves.

    The mode-seeking regulariser of Mao et al. (2019, "Mode Seeking Generative
    Adversarial Networks for Diverse Image Synthesis", CVPR; their ``eps``): sample ``i``
    of the first half and sample ``i`` of the second share a label and differ in their
    noise, and the term grows as their images get closer for the same distance in noise.
    A conditional generator trained against a critic that judges images one at a time
    otherwise learns to map a class's noise to a few images (mode collapse); this term
    makes that costly. An odd batch's last sample has no pair.

    Examples
    --------
    >>> z = torch.tensor([[0.0], [1.0], [2.0], [3.0]])  # pairs (0, 2) and (1, 3)
    >>> round(float(mode_seeking_term(2 * z, z)), 4)  # images twice as far apart: 1/2
    0.5
    >>> round(float(mode_seeking_term(torch.zeros(4, 1), z)), 1)  # noise ignored: 1/eps
    100000.0
    """
    half = len(z) // 2
    image_gap = (fake[:half].float() - fake[half : 2 * half].float()).abs().mean()
    noise_gap = (z[:half].float() - z[half : 2 * half].float()).abs().mean()
    return 1.0 / (image_gap / noise_gap + eps)


def gradient_penalty(
    critic: torch.nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor,
    generator: torch.Generator,
    alpha_distribution: str = "uniform",
) -> torch.Tensor:
    """Mean of ``(‖∇D(x̂, y)‖ - 1)²`` at ``x̂ = real + α (fake - real)``.

    ``α`` is drawn per sample from U(0, 1) (``alpha_distribution="uniform"``) or from
    N(0, 1) (``"normal"``, the reference code's draw).

    Examples
    --------
    >>> class Linear(torch.nn.Module):  # D(x, y) = w·x: the gradient is w everywhere
    ...     def forward(self, x, y):
    ...         return x @ torch.full((4,), 0.25)
    >>> real, fake = torch.zeros(8, 4), torch.ones(8, 4)
    >>> penalty = gradient_penalty(Linear(), real, fake, None, torch.Generator())
    >>> round(penalty.item(), 6)  # (‖w‖ - 1)² with ‖w‖ = 0.5
    0.25
    """
    shape = (len(real),) + (1,) * (real.ndim - 1)
    draw = torch.rand if alpha_distribution == "uniform" else torch.randn
    alpha = draw(shape, generator=generator, device=real.device)
    mixed = (real + alpha * (fake - real)).requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(mixed, labels).float().sum(), mixed, create_graph=True)
    return ((gradient.flatten(1).norm(dim=1) - 1.0) ** 2).mean()
