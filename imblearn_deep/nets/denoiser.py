"""The denoiser of :class:`~imblearn_deep.LatentDiffusion`: a residual MLP on latent codes.

A latent code is a short vector (32 to 600 numbers), so the denoiser is a stack of
pre-norm residual blocks over one hidden width, as the denoisers of latent and feature
diffusion use (LDMLR, Han et al. 2024). The diffusion time and the class enter every
block as one added embedding: the time through sinusoidal features (Vaswani et al.
2017) and a small MLP, the class through a learned table with one extra row, the
"no class" token that classifier-free guidance trains the same network with. The output
layer starts at zero, so an untrained denoiser predicts nothing rather than noise.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["CodeDenoiser", "build_denoiser"]

# Sinusoidal time features: this many frequencies, each as a sine and a cosine.
_TIME_FREQUENCIES = 16


def time_features(t: torch.Tensor) -> torch.Tensor:
    """Sines and cosines of ``t`` (diffusion times in ``[0, 1]``, shape ``(n,)``) at
    geometrically spaced frequencies, from 1 to 1,000 cycles over the unit interval.

    Examples
    --------
    >>> time_features(torch.tensor([0.0, 0.5])).shape
    torch.Size([2, 32])
    """
    frequencies = torch.logspace(0, 3, _TIME_FREQUENCIES, device=t.device)
    angles = 2 * math.pi * t[:, None].float() * frequencies
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class _ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.layers = nn.Sequential(
            nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width)
        )

    def forward(self, h: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return h + self.layers(self.norm(h) + condition)


class CodeDenoiser(nn.Module):
    """Predicts the diffusion target of noisy codes, given their time and class.

    Parameters
    ----------
    code_dim : int
        Length of a latent code.
    n_classes : int
        Number of classes; class ``n_classes`` is the "no class" token.
    width : int
        Hidden width of every block.
    depth : int
        Number of residual blocks.
    """

    def __init__(self, code_dim: int, n_classes: int, width: int, depth: int):
        super().__init__()
        self.n_classes = n_classes
        self.code_in = nn.Linear(code_dim, width)
        self.time_embedding = nn.Sequential(
            nn.Linear(2 * _TIME_FREQUENCIES, width), nn.SiLU(), nn.Linear(width, width)
        )
        self.class_embedding = nn.Embedding(n_classes + 1, width)
        self.blocks = nn.ModuleList(_ResidualBlock(width) for _ in range(depth))
        self.code_out = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, code_dim))
        nn.init.zeros_(self.code_out[-1].weight)
        nn.init.zeros_(self.code_out[-1].bias)

    def forward(self, z: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The prediction for codes ``z`` ``(n, code_dim)`` at times ``t`` ``(n,)`` of
        classes ``labels`` ``(n,)`` (``n_classes`` for no class)."""
        condition = self.time_embedding(time_features(t)) + self.class_embedding(labels)
        h = self.code_in(z)
        for block in self.blocks:
            h = block(h, condition)
        return self.code_out(h)


def build_denoiser(code_dim: int, n_classes: int, width: int = 256, depth: int = 3) -> CodeDenoiser:
    """The latent-code denoiser of :class:`~imblearn_deep.LatentDiffusion`.

    Examples
    --------
    >>> net = build_denoiser(code_dim=32, n_classes=10, width=64, depth=2)
    >>> z, t, labels = torch.zeros(5, 32), torch.rand(5), torch.tensor([0, 1, 2, 9, 10])
    >>> net(z, t, labels).shape
    torch.Size([5, 32])
    """
    return CodeDenoiser(code_dim, n_classes, width, depth)
