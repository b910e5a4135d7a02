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
    base, neighbor, weight = smote_pairs(codes, n_samples, k_neighbors, rng)
    return interpolate(codes, base, neighbor, weight)


def smote_pairs(
    codes: np.ndarray, n_samples: int, k_neighbors: int, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMOTE's draws for ``n_samples`` new codes: which codes, and how far between them.

    The draws of :func:`latent_smote`, which decodes them with :func:`interpolate`:
    ``base`` drawn uniformly with replacement, ``neighbor`` one of the base's
    ``k_neighbors`` nearest neighbours (all the other codes when there are fewer), and
    ``weight ~ U[0, 1)``. A single code is its own neighbour, with weight 0.

    Parameters
    ----------
    codes : ndarray of shape (n_codes, latent_dim)
        Latent codes of one class's samples.
    n_samples : int
        Number of draws.
    k_neighbors : int
        Neighbours to interpolate towards.
    rng : RandomState
        Source of randomness.

    Returns
    -------
    base, neighbor : ndarray of shape (n_samples,)
        Rows of ``codes``.
    weight : ndarray of shape (n_samples,)
        Share of the way from base to neighbour, in the dtype of ``codes``.

    Examples
    --------
    >>> codes = np.array([[0.0], [1.0], [5.0]])
    >>> base, neighbor, weight = smote_pairs(codes, 3, 1, np.random.RandomState(0))
    >>> [(int(b), int(n)) for b, n in zip(base, neighbor)]
    [(0, 1), (1, 0), (0, 1)]
    """
    n_codes = len(codes)
    if n_samples == 0 or n_codes == 1:
        zeros = np.zeros(n_samples, dtype=np.intp)
        return zeros, zeros.copy(), np.zeros(n_samples, dtype=codes.dtype)
    k = min(k_neighbors, n_codes - 1)
    # Without a query, kneighbors excludes each point itself, even among duplicates.
    neighbours = NearestNeighbors(n_neighbors=k).fit(codes).kneighbors(return_distance=False)
    base = rng.randint(n_codes, size=n_samples)
    neighbor = neighbours[base, rng.randint(k, size=n_samples)]
    weight = rng.uniform(size=n_samples).astype(codes.dtype)
    return base, neighbor, weight


def interpolate(
    codes: np.ndarray, base: np.ndarray, neighbor: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """The codes ``z_base + weight * (z_neighbor - z_base)``, one per draw.

    Examples
    --------
    >>> interpolate(np.array([[0.0], [2.0]]), np.array([0]), np.array([1]), np.array([0.25]))
    array([[0.5]])
    """
    return codes[base] + weight[:, None] * (codes[neighbor] - codes[base])
