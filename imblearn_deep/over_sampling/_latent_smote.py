"""SMOTE between the latent codes of one class, vectorised."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors


def latent_smote(
    codes: np.ndarray, n_samples: int, k_neighbors: int, rng: np.random.RandomState
) -> np.ndarray:
    """Interpolate ``n_samples`` new codes between codes of one class and their neighbours.

    Each new code is ``z_i + u * (z_j - z_i)`` with ``z_i`` drawn uniformly with
    replacement, ``z_j`` one of its ``k_neighbors`` nearest neighbours within ``codes``
    and ``u ~ U[0, 1)``, as in SMOTE and DeepSMOTE's generation step. With fewer than
    ``k_neighbors + 1`` codes, all the others are the neighbours; a single code is
    repeated, since there is nothing to interpolate with.

    Parameters
    ----------
    codes : ndarray of shape (n_codes, latent_dim)
        Latent codes of one class's samples.
    n_samples : int
        Number of codes to make.
    k_neighbors : int
        Neighbours to interpolate towards.
    rng : RandomState
        Source of randomness.

    Returns
    -------
    ndarray of shape (n_samples, latent_dim)

    Examples
    --------
    >>> codes = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> new = latent_smote(codes, 4, 5, np.random.RandomState(0))
    >>> new.shape, bool((new >= 0).all() and (new.sum(axis=1) <= 1).all())
    ((4, 2), True)
    """
    n_codes = len(codes)
    if n_samples == 0 or n_codes == 1:
        return np.repeat(codes[:1], n_samples, axis=0)
    k = min(k_neighbors, n_codes - 1)
    # Without a query, kneighbors excludes each point itself, even among duplicates.
    neighbours = NearestNeighbors(n_neighbors=k).fit(codes).kneighbors(return_distance=False)
    base = rng.randint(n_codes, size=n_samples)
    partner = neighbours[base, rng.randint(k, size=n_samples)]
    gap = rng.uniform(size=(n_samples, 1)).astype(codes.dtype)
    return codes[base] + gap * (codes[partner] - codes[base])
