"""Write an image data set as class folders of PNG files (torchvision's ImageFolder layout)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["export_balanced"]

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def _to_uint8(X: np.ndarray, value_range) -> np.ndarray:
    if X.dtype == np.uint8 and value_range is None:
        return X
    low, high = (float(X.min()), float(X.max())) if value_range is None else value_range
    span = high - low if high > low else 1.0
    return np.rint(np.clip((X.astype(np.float64) - low) / span, 0.0, 1.0) * 255).astype(np.uint8)


def _folder_names(classes: np.ndarray) -> dict:
    # ImageFolder numbers the folders in sorted order: zero-padding integer labels keeps
    # that order numeric (2 before 10).
    if np.issubdtype(classes.dtype, np.integer) and classes.min() >= 0:
        width = len(str(int(classes.max())))
        return {c: str(int(c)).zfill(width) for c in classes.tolist()}
    names = {c: str(c) for c in classes.tolist()}
    for name in names.values():
        if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
            raise ValueError(f"Class label {name!r} cannot be a folder name.")
    return names


def export_balanced(
    X,
    y,
    directory: str | os.PathLike,
    *,
    n_original: int | None = None,
    value_range: tuple[float, float] | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Write images as ``directory/<class>/<name>.png``, the layout ``ImageFolder`` reads.

    Typically ``X, y`` is the output of a sampler's ``fit_resample``: a balanced
    training set to train other tools on (``torchvision.datasets.ImageFolder``,
    fastai, Keras).

    Parameters
    ----------
    X : array-like of shape (n_samples, C, H, W) or (n_samples, H, W)
        Images, channel-first, with 1, 3 or 4 channels.
    y : array-like of shape (n_samples,)
        Labels; one folder per label (integer labels are zero-padded so that folder
        order is numeric order).
    directory : str or path-like
        Root folder; created if needed.
    n_original : int, default=None
        Number of real samples at the start of ``X`` (imbalanced-learn samplers put the
        originals first). When given, files are named ``real_<i>.png`` and
        ``synthetic_<i>.png``; otherwise ``<i>.png``.
    value_range : tuple of float, default=None
        Pixel values mapped to black and white. ``None``: ``uint8`` images are written
        as they are, others are scaled from their minimum to their maximum.
    overwrite : bool, default=False
        Write into a folder that already holds files (replacing the PNG files of the
        class folders it writes). Otherwise a non-empty ``directory`` is an error.

    Returns
    -------
    dict of str to int
        Number of images written per class folder.

    Examples
    --------
    >>> import tempfile
    >>> from imblearn_deep.datasets import load_digits_images
    >>> X, y = load_digits_images()
    >>> counts = export_balanced(X[:20], y[:20], tempfile.mkdtemp(), overwrite=True)
    >>> sorted(counts.items())[:3]
    [('0', 2), ('1', 2), ('2', 2)]
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 3:
        X = X[:, np.newaxis]
    if X.ndim != 4 or X.shape[1] not in _MODES:
        raise ValueError(
            f"X must be (n, C, H, W) or (n, H, W) images with 1, 3 or 4 channels; got shape "
            f"{X.shape}."
        )
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per image; got shape {y.shape}.")
    if n_original is not None and not 0 <= n_original <= len(X):
        raise ValueError(f"n_original must be between 0 and {len(X)}; got {n_original}.")
    root = Path(directory)
    if root.exists() and any(root.iterdir()) and not overwrite:
        raise FileExistsError(f"{root} is not empty; pass overwrite=True to write into it.")

    from PIL import Image  # torchvision's dependency; imported only when exporting

    pixels = _to_uint8(X, value_range).transpose(0, 2, 3, 1)
    mode = _MODES[X.shape[1]]
    names = _folder_names(np.unique(y))
    for name in names.values():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
    width = len(str(len(X)))
    counts = dict.fromkeys(names.values(), 0)
    for index, (image, label) in enumerate(zip(pixels, y.tolist(), strict=True)):
        stem = str(index).zfill(width)
        if n_original is not None:
            stem = f"{'real' if index < n_original else 'synthetic'}_{stem}"
        array = image[:, :, 0] if mode == "L" else image
        Image.fromarray(np.ascontiguousarray(array)).save(root / names[label] / f"{stem}.png")
        counts[names[label]] += 1
    return counts
