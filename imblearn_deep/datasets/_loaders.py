"""The loaders of the built-in datasets: channel-first images and int64 labels.

The 8x8 digits ship with scikit-learn; MNIST, Fashion-MNIST and CIFAR-10 are read from
their original distribution files in a few known places, and fetched with torchvision
only when ``download=True``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._cifar import CIFAR_DIRNAME, CIFAR_TEST_BATCHES, CIFAR_TRAIN_BATCHES, read_cifar_batch
from ._idx import IDX_NAMES, load_idx_pair


def _default_root() -> Path:
    # Follow scikit-learn's data-home convention, but never create the directory here.
    home = os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))
    return Path(home).expanduser() / "imblearn_deep"


def _resolve_root(root: str | os.PathLike[str] | None) -> Path:
    return _default_root() if root is None else Path(root).expanduser()


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's 8x8 handwritten digits as channel-first images.

    The data ships with scikit-learn, so this never needs a network or local files.

    Returns
    -------
    X : ndarray of shape (1797, 1, 8, 8), dtype float32
        Pixel intensities in ``0..16``.
    y : ndarray of shape (1797,), dtype int64
        Digit labels ``0..9``.

    Examples
    --------
    >>> from imblearn_deep.datasets import load_digits_images
    >>> X, y = load_digits_images()
    >>> X.shape, X.dtype.name, y.dtype.name
    ((1797, 1, 8, 8), 'float32', 'int64')
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.images.astype(np.float32)[:, np.newaxis]
    return np.ascontiguousarray(X), digits.target.astype(np.int64)


def _not_found(
    what: str, files: Sequence[str], dirs: Sequence[Path], hint: str
) -> FileNotFoundError:
    looked = "\n".join(f"  - {d}" for d in dirs)
    wanted = ", ".join(files)
    return FileNotFoundError(
        f"{what} not found. Looked for {wanted} in:\n{looked}\nTo get the data: {hint}"
    )


def _download_hint(root: Path) -> str:
    return (
        f"pass download=True (needs network access; files go under {root}), "
        "or put the files in one of the directories above."
    )


def _load_idx_dataset(
    name: str,
    tv_name: str,
    dirs: list[Path],
    root: Path,
    train: bool,
    download: bool,
    extra_hint: str = "",
) -> tuple[np.ndarray, np.ndarray]:
    found = load_idx_pair(dirs, train)
    if found is not None:
        return found
    if download:
        # Lazy import: torchvision is heavy and only needed to fetch missing files.
        from torchvision import datasets as tv_datasets

        ds = getattr(tv_datasets, tv_name)(str(root), train=train, download=True)
        X = np.asarray(ds.data, dtype=np.uint8)[:, np.newaxis]
        return np.ascontiguousarray(X), np.asarray(ds.targets, dtype=np.int64)
    split = "train" if train else "test"
    files = [f"{n}[.gz]" for n in IDX_NAMES[train]]
    raise _not_found(f"{name} {split} files", files, dirs, _download_hint(root) + extra_hint)


def load_mnist(
    root: str | os.PathLike[str] | None = None, *, train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST from local IDX files, or download it with torchvision.

    The four original files (``train-images-idx3-ubyte`` etc., gzipped or not) are read
    with numpy from ``root`` itself or from torchvision's layout ``root/MNIST/raw/``.

    Parameters
    ----------
    root : str or path-like, default=None
        Data directory. ``None`` means ``~/scikit_learn_data/imblearn_deep`` (or
        ``$SCIKIT_LEARN_DATA/imblearn_deep``).
    train : bool, default=True
        Load the official training split (60000 images) or test split (10000).
    download : bool, default=False
        If no local files are found, fetch them with ``torchvision.datasets.MNIST``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 28, 28), dtype uint8
    y : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    FileNotFoundError
        If no files are found and ``download=False``; the message lists where it looked.
    ValueError
        If a file is corrupt (wrong IDX magic number, truncated, inconsistent lengths,
        data beyond the size its header declares) or its header declares more than 2 GiB.

    Examples
    --------
    >>> from imblearn_deep.datasets import load_mnist
    >>> try:
    ...     X, y = load_mnist(train=False)
    ... except FileNotFoundError:
    ...     X = None  # no local copy: use download=True on a machine with network access
    >>> X is None or X.shape[1:] == (1, 28, 28)
    True
    """
    base = _resolve_root(root)
    dirs = [base, base / "MNIST" / "raw"]
    return _load_idx_dataset("MNIST", "MNIST", dirs, base, train, download)


def load_fashion_mnist(
    root: str | os.PathLike[str] | None = None, *, train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Load Fashion-MNIST from local IDX files, or download it with torchvision.

    The four original files (``train-images-idx3-ubyte.gz`` etc., gzipped or not) are
    read with numpy from ``root`` itself, from torchvision's layout
    ``root/FashionMNIST/raw/``, or from Debian's ``/usr/share/datasets/fashion-mnist/``
    (``apt-get install dataset-fashion-mnist``).

    Parameters
    ----------
    root : str or path-like, default=None
        Data directory. ``None`` means ``~/scikit_learn_data/imblearn_deep`` (or
        ``$SCIKIT_LEARN_DATA/imblearn_deep``).
    train : bool, default=True
        Load the official training split (60000 images) or test split (10000).
    download : bool, default=False
        If no local files are found, fetch them with ``torchvision.datasets.FashionMNIST``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 28, 28), dtype uint8
    y : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    FileNotFoundError
        If no files are found and ``download=False``; the message lists where it looked.
    ValueError
        If a file is corrupt (wrong IDX magic number, truncated, inconsistent lengths,
        data beyond the size its header declares) or its header declares more than 2 GiB.

    Examples
    --------
    >>> from imblearn_deep.datasets import load_fashion_mnist
    >>> try:
    ...     X, y = load_fashion_mnist(train=False)
    ... except FileNotFoundError:
    ...     X = None  # not installed: apt-get install dataset-fashion-mnist
    >>> X is None or X.shape[1:] == (1, 28, 28)
    True
    """
    # Read from the package at each call, where users (and tests) may point it elsewhere.
    from . import DEBIAN_FASHION_MNIST_DIR

    base = _resolve_root(root)
    dirs = [base, base / "FashionMNIST" / "raw", DEBIAN_FASHION_MNIST_DIR]
    hint = " On Debian/Ubuntu: apt-get install dataset-fashion-mnist."
    return _load_idx_dataset("Fashion-MNIST", "FashionMNIST", dirs, base, train, download, hint)


def load_cifar10(
    root: str | os.PathLike[str] | None = None, *, train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 from the python pickle batches, or download it with torchvision.

    The batches (``data_batch_1`` .. ``data_batch_5``, ``test_batch``) are read from
    ``root/cifar-10-batches-py/`` (the layout of the official archive and of torchvision)
    or from ``root`` itself. They are pickles, read with a restricted unpickler that never
    executes code: it builds dicts, lists, strings, numbers and numpy arrays, and refuses
    a file that names any other global (as a pickle crafted to run commands must).

    Parameters
    ----------
    root : str or path-like, default=None
        Data directory. ``None`` means ``~/scikit_learn_data/imblearn_deep`` (or
        ``$SCIKIT_LEARN_DATA/imblearn_deep``).
    train : bool, default=True
        Load the official training split (50000 images) or test split (10000).
    download : bool, default=False
        If no local files are found, fetch them with ``torchvision.datasets.CIFAR10``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), dtype uint8
        Channel-first RGB images.
    y : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    FileNotFoundError
        If no batches are found and ``download=False``; the message lists where it looked.
    ValueError
        If a batch is corrupt, is not a dict of ``(n, 3072)`` pixels in 0..255 and ``n``
        labels in 0..9, or names a global a CIFAR-10 batch never holds; the message names
        the file.

    Examples
    --------
    >>> from imblearn_deep.datasets import load_cifar10
    >>> try:
    ...     X, y = load_cifar10(train=False)
    ... except FileNotFoundError:
    ...     X = None  # no local copy: use download=True on a machine with network access
    >>> X is None or X.shape[1:] == (3, 32, 32)
    True
    """
    base = _resolve_root(root)
    dirs = [base / CIFAR_DIRNAME, base]
    names = CIFAR_TRAIN_BATCHES if train else CIFAR_TEST_BATCHES
    for directory in dirs:
        paths = [directory / n for n in names]
        if all(p.is_file() for p in paths):
            parts = [read_cifar_batch(p) for p in paths]
            X = np.concatenate([p[0] for p in parts])
            return X, np.concatenate([p[1] for p in parts])
    if download:
        from torchvision import datasets as tv_datasets  # lazy: heavy import

        ds = tv_datasets.CIFAR10(str(base), train=train, download=True)
        # torchvision keeps CIFAR-10 channel-last (n, 32, 32, 3).
        X = np.ascontiguousarray(np.asarray(ds.data, dtype=np.uint8).transpose(0, 3, 1, 2))
        return X, np.asarray(ds.targets, dtype=np.int64)
    split = "train" if train else "test"
    raise _not_found(f"CIFAR-10 {split} batches", names, dirs, _download_hint(base))
