"""One epoch of BAGAN-GP's GAN stage: critic updates with a gradient penalty, then the
generator's.

For each real batch the critic takes ``critic_steps`` updates on real, fake and
wrong-label cross-entropy terms plus a gradient penalty, each with fresh noise and labels,
and the generator one update. :class:`~imblearn_deep.BAGANGP` builds the optimiser steps
and runs the epochs (history, callbacks); :func:`gan_epoch` gives it what one epoch does.
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
        parameters ``batch_size``, ``critic_steps``, ``gp_weight``, ``gp_alpha`` and
        ``compile``.
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

    def noise_and_labels(n):
        labels = torch.randint(n_classes, (n,), generator=generator, device=device)
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
            return _bce(D(G(z, fake_labels), fake_labels), 1.0)

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
            z, fake_labels = noise_and_labels(len(idx))
            g_loss = generator_step_loss(z, fake_labels)
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
