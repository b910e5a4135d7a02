"""Where a generator's noise comes from: the standard normal, or the autoencoder's codes.

BAGAN-GP's generator starts as its autoencoder's decoder, whose inputs during stage 1
were encoder codes (LeakyReLU outputs, mostly positive); the reference then feeds it
``z ~ N(0, I)``, which it has never seen, and its first GAN images are no better than
chance. The original BAGAN (Mariani et al., 2018) instead draws each class's noise from
a Gaussian fitted to that class's codes. :class:`ClassGaussianPrior` does so with one
mean per class and a covariance pooled over the classes (Ledoit-Wolf shrinkage): a class
of five images cannot estimate a 128-dimensional covariance of its own.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.covariance import LedoitWolf

__all__ = ["ClassGaussianPrior", "StandardNormalPrior"]


class StandardNormalPrior:
    """``z ~ N(0, I)`` whatever the class: the reference's noise.

    Examples
    --------
    >>> prior = StandardNormalPrior(4)
    >>> prior.sample_numpy(1, 3, np.random.RandomState(0)).shape
    (3, 4)
    """

    def __init__(self, latent_dim: int):
        self.latent_dim = latent_dim

    def sample(self, codes: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Noise for the class positions ``codes``, with a torch generator."""
        return torch.randn(len(codes), self.latent_dim, generator=generator, device=codes.device)

    def sample_numpy(self, code: int, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` noise vectors of class position ``code``, with numpy (the same on every
        device)."""
        return rng.standard_normal((n, self.latent_dim)).astype(np.float32)


class ClassGaussianPrior:
    """``z ~ N(mean[c], Σ)``: per-class means and a pooled covariance of encoder codes.

    Parameters
    ----------
    latents : ndarray of shape (n_samples, latent_dim)
        The encoder's codes of the training images.
    codes : ndarray of shape (n_samples,)
        Each image's class position ``0 … n_classes - 1``.
    n_classes : int
        Number of classes.

    Attributes
    ----------
    means : ndarray of shape (n_classes, latent_dim)
    scale : ndarray of shape (latent_dim, latent_dim)
        Lower Cholesky factor of the pooled within-class covariance.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> latents = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(5, 1, (5, 2))]
    >>> prior = ClassGaussianPrior(latents, np.repeat([0, 1], [50, 5]), 2)
    >>> prior.sample_numpy(1, 1000, rng).mean(axis=0).round(0).tolist()
    [5.0, 5.0]
    """

    def __init__(self, latents: np.ndarray, codes: np.ndarray, n_classes: int):
        latents = np.asarray(latents, dtype=np.float64)
        self.means = np.stack([latents[codes == c].mean(axis=0) for c in range(n_classes)])
        centred = latents - self.means[codes]
        covariance = LedoitWolf(assume_centered=True).fit(centred).covariance_
        # A jitter keeps the factorisation defined for codes with a dead dimension.
        jitter = 1e-6 * max(float(np.trace(covariance)) / len(covariance), 1e-12)
        self.scale = np.linalg.cholesky(covariance + jitter * np.eye(len(covariance)))
        self.latent_dim = latents.shape[1]
        self._torch: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def _on(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if device not in self._torch:
            self._torch[device] = (
                torch.as_tensor(self.means, dtype=torch.float32, device=device),
                torch.as_tensor(self.scale, dtype=torch.float32, device=device),
            )
        return self._torch[device]

    def sample(self, codes: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Noise for the class positions ``codes``, with a torch generator."""
        means, scale = self._on(codes.device)
        eps = torch.randn(len(codes), self.latent_dim, generator=generator, device=codes.device)
        return means[codes] + eps @ scale.T

    def sample_numpy(self, code: int, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` noise vectors of class position ``code``, with numpy (the same on every
        device)."""
        eps = rng.standard_normal((n, self.latent_dim))
        return (self.means[code] + eps @ self.scale.T).astype(np.float32)

    def __getstate__(self):
        # The torch copies are a cache, rebuilt on the device that needs them.
        return {**vars(self), "_torch": {}}
