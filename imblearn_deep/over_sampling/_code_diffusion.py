"""Denoising diffusion on latent codes: the noise schedule, the training loss and the
few-step deterministic sampler of :class:`~imblearn_deep.LatentDiffusion`.

Time runs continuously from 0 (data) to 1 (pure noise). A code ``z0`` at time ``t`` is
``z_t = alpha(t) z0 + sigma(t) eps`` with the cosine schedule of Nichol & Dhariwal (2021),
``alpha = cos(angle)``, ``sigma = sin(angle)``, ``angle = (t + s) / (1 + s) * pi / 2``, so
``alpha² + sigma² = 1``. The denoiser predicts the velocity ``v = alpha eps - sigma z0``
(Salimans & Ho 2022): unlike the noise ``eps``, it pins down ``z0`` at ``t = 1`` too,
where ``alpha = 0``. Classifier-free guidance (Ho & Salimans 2021) trains one network with
and without the class (the class dropped with probability ``label_dropout``) and mixes
the two predictions at sampling time. Sampling is DDIM's deterministic update (Song,
Meng & Ermon 2021) on an even grid of times from 1 to 0.
"""

from __future__ import annotations

import math

import torch

__all__ = ["alpha_sigma", "denoising_loss", "sample_codes"]

# The schedule's offset s: keeps sigma(0) small but non-zero (0.0125).
_OFFSET = 0.008


def alpha_sigma(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Signal and noise scales at times ``t`` in ``[0, 1]``.

    Examples
    --------
    >>> alpha, sigma = alpha_sigma(torch.tensor([0.0, 1.0]))
    >>> [round(float(a), 4) for a in alpha], [round(float(s), 4) for s in sigma]
    ([0.9999, 0.0], [0.0125, 1.0])
    """
    angle = (t + _OFFSET) / (1 + _OFFSET) * (math.pi / 2)
    # cos(pi / 2) rounds to -4e-8 in float32: the signal scale never goes below 0.
    return angle.cos().clamp(min=0.0), angle.sin()


def denoising_loss(
    denoiser: torch.nn.Module,
    z0: torch.Tensor,
    labels: torch.Tensor,
    label_dropout: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """Mean squared error of the predicted velocity, at random times and noise.

    ``labels`` are class codes; each is replaced by the "no class" token
    (``denoiser.n_classes``) with probability ``label_dropout``.
    """
    n, device = len(z0), z0.device
    t = torch.rand(n, generator=generator, device=device)
    noise = torch.randn(z0.shape, generator=generator, device=device)
    dropped = torch.rand(n, generator=generator, device=device) < label_dropout
    labels = torch.where(dropped, torch.full_like(labels, denoiser.n_classes), labels)
    alpha, sigma = (scale[:, None] for scale in alpha_sigma(t))
    z_t = alpha * z0 + sigma * noise
    target = alpha * noise - sigma * z0
    return torch.nn.functional.mse_loss(denoiser(z_t, t, labels).float(), target)


def sample_codes(
    denoiser: torch.nn.Module, noise: torch.Tensor, label: int, steps: int, guidance: float
) -> torch.Tensor:
    """Codes of class ``label`` from ``noise`` (``(n, code_dim)``, the codes at ``t = 1``)
    by ``steps`` deterministic DDIM updates with classifier-free ``guidance``.

    ``guidance`` weighs the class-conditional prediction against the unconditional one:
    ``v = v_none + guidance * (v_class - v_none)``; 1 is the conditional model alone and 0
    the unconditional one (one network evaluation a step each), above 1 pushes the codes
    towards what distinguishes the class, at some cost in variety (two evaluations).
    """
    n, device = len(noise), noise.device
    times = torch.linspace(1.0, 0.0, steps + 1, device=device)
    own = torch.full((n,), label, dtype=torch.long, device=device)
    none = torch.full((n,), denoiser.n_classes, dtype=torch.long, device=device)
    z = noise
    for t, s in zip(times[:-1], times[1:], strict=True):
        t_batch = t.expand(n)
        if guidance == 0.0:
            velocity = denoiser(z, t_batch, none).float()
        else:
            velocity = denoiser(z, t_batch, own).float()
            if guidance != 1.0:
                unconditional = denoiser(z, t_batch, none).float()
                velocity = unconditional + guidance * (velocity - unconditional)
        alpha, sigma = alpha_sigma(t)
        z0 = alpha * z - sigma * velocity
        eps = sigma * z + alpha * velocity
        alpha_s, sigma_s = alpha_sigma(s)
        z = alpha_s * z0 + sigma_s * eps
    # The last update's estimate of the clean codes (at t = 0, z still holds sigma(0)
    # times the noise estimate).
    return z0
