"""Real and synthetic images of a fitted sampler, saved for the report's image grids.

:func:`save_sample_images` works for every resampling method: the deep samplers draw
from their generator, the pixel samplers (imbalanced-learn's over-samplers wrapped in
:class:`~imblearn_deep.comparison.FlattenSampler`) are refitted and give the rows they
appended (:func:`~imblearn_deep.comparison._quality.synthetic_samples`).
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._quality import synthetic_samples
from ._store import atomic_write

__all__ = ["read_sample_images", "save_sample_images"]

# The most an artifact may unpack to: a grid of a few images per class is kilobytes to a
# few megabytes; a file that claims more is not one of ours (a zip bomb, say).
MAX_ARTIFACT_BYTES = 256 * 2**20


def save_sample_images(
    sampler: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    classes: ArrayLike,
    random_state: int,
    path: str | os.PathLike,
    per_class: int = 8,
) -> Path | None:
    """Save up to ``per_class`` real and synthetic images of each class to an ``.npz`` file.

    Parameters
    ----------
    sampler : fitted sampler or "passthrough"
        The ``"sampler"`` step of a refitted pipeline.
    X, y : ndarray
        The real training images and labels it was fitted on.
    classes : array-like
        The class labels to keep, in the order the grid shows them.
    random_state : int
        Seed of the synthetic images.
    path : str or path-like
        The file to write (parent folders are created).
    per_class : int, default=8
        Most images per class, real and synthetic each.

    Returns
    -------
    pathlib.Path or None
        ``path``, or ``None`` (and no file) when the sampler adds no synthetic image to
        any class. A class it adds nothing to has real images only.

        The file holds ``classes``; ``real`` and ``real_labels``, the first ``per_class``
        training images of each class; ``generated`` and ``generated_labels``, the
        synthetic images.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from imblearn.over_sampling import SMOTE
    >>> from imblearn_deep import FlattenSampler
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, _, _ = load_imbalanced("digits")
    >>> sampler = FlattenSampler(SMOTE(k_neighbors=3, random_state=0))
    >>> _ = sampler.fit_resample(X, y)
    >>> path = save_sample_images(sampler, X, y, classes=np.unique(y), random_state=0,
    ...                           path=tempfile.mkdtemp() + "/smote.npz", per_class=4)
    >>> with np.load(path) as saved:
    ...     saved["generated"].shape, np.bincount(saved["generated_labels"]).tolist()
    ((36, 1, 8, 8), [0, 4, 4, 4, 4, 4, 4, 4, 4, 4])
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length; got {len(X)} and {len(y)}.")
    if isinstance(per_class, bool) or not isinstance(per_class, Integral) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer; got {per_class!r}.")
    classes = np.asarray(classes)
    if isinstance(sampler, str):  # "passthrough": nothing synthetic
        return None
    synthetic = synthetic_samples(sampler, X, y, random_state=random_state, per_class=per_class)
    if synthetic is None:
        return None
    generated, generated_labels = np.asarray(synthetic[0]), np.asarray(synthetic[1])
    keep = np.isin(generated_labels, classes)
    if not keep.any():
        return None
    real_index = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in classes])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Into memory, then written atomically: an interrupt never leaves half a file.
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        classes=classes,
        real=X[real_index],
        real_labels=y[real_index],
        generated=generated[keep],
        generated_labels=generated_labels[keep],
    )
    atomic_write(path, buffer.getvalue())
    return path


def read_sample_images(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an image artifact written by :func:`save_sample_images`, checked.

    An artifact may come from someone else: it is read without unpickling, its declared
    size is checked before anything is unpacked, and every array must have the shape and
    kind of numbers the writer gives it.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    dict of str to ndarray
        ``classes``, ``real``, ``real_labels``, ``generated``, ``generated_labels``.
        Artifacts written before every sampler had a grid (``generated`` of shape
        (classes, per class, ...), no labels) are returned in today's form.

    Raises
    ------
    ValueError
        If the file is not such an artifact (the message says why).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp(), "bad.npz")
    >>> _ = path.write_bytes(b"not a zip")
    >>> read_sample_images(path)
    Traceback (most recent call last):
    ...
    ValueError: not an image artifact (not a .npz archive)
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_ARTIFACT_BYTES:
                raise ValueError(
                    f"not an image artifact (it unpacks to {unpacked:,} bytes, more than "
                    f"{MAX_ARTIFACT_BYTES:,})"
                )
            for info in archive.infolist():
                _check_header(archive, info)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError("not an image artifact (not a .npz archive)") from error
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"not an image artifact ({error})") from error
    return _checked(arrays)


# The .npy format versions numpy writes (1.0; 2.0 for very large headers).
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _check_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an array whose header promises more data than its file holds: numpy would
    allocate the promised shape before finding the data missing."""
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            read_header = _HEADER_READERS.get(version)
            if read_header is None:
                raise ValueError(f"an .npy format version {version} we never write")
            shape, _, dtype = read_header(member)
        except (ValueError, SyntaxError, TypeError) as error:
            raise ValueError(f"not an image artifact ({info.filename}: {error})") from error
    promised = math.prod(shape) * dtype.itemsize
    if promised > info.file_size:
        raise ValueError(
            f"not an image artifact ({info.filename} promises {promised:,} bytes in a "
            f"{info.file_size:,}-byte member)"
        )


def _checked(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` in today's form when they are a valid artifact; else ValueError."""
    missing = {"classes", "real", "real_labels", "generated"} - set(arrays)
    if missing:
        raise ValueError(f"not an image artifact (no {', '.join(sorted(missing))})")
    if "generated_labels" not in arrays:
        # Written before every sampler had a grid: the deep samplers' images only, as
        # ``generated`` of shape (classes, per class, ...).
        generated = arrays["generated"]
        if generated.ndim < 3 or len(generated) != len(arrays["classes"]):
            raise ValueError("not an image artifact (generated images of no known shape)")
        arrays["generated"] = generated.reshape(-1, *generated.shape[2:])
        arrays["generated_labels"] = np.repeat(arrays["classes"], generated.shape[1])
    real, generated = arrays["real"], arrays["generated"]
    images_ok = (
        real.ndim in (3, 4)
        and real.shape[1:] == generated.shape[1:]
        and (real.ndim == 3 or 1 <= real.shape[1] <= 4)
        and len(real) == len(arrays["real_labels"])
        and len(generated) == len(arrays["generated_labels"])
        and len(real) > 0
        and all(a.dtype.kind in "biuf" for a in (real, generated))
        and all(np.isfinite(a).all() for a in (real, generated) if a.dtype.kind == "f")
        and arrays["classes"].ndim == 1
        and len(arrays["classes"]) > 0
        and all(arrays[k].dtype.kind in "biufU" for k in ("classes", "real_labels"))
        and arrays["generated_labels"].dtype.kind in "biufU"
    )
    if not images_ok:
        raise ValueError("not an image artifact (arrays of the wrong shape or kind)")
    return arrays
