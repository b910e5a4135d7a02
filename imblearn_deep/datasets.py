"""Image datasets and imbalance profiles for deep oversampling experiments.

Every loader returns channel-first images, ``X`` of shape ``(n_samples, C, H, W)`` and
``y`` of dtype ``int64``, the layout that the package's torch estimators expect.

* :func:`load_digits_images` wraps scikit-learn's 8x8 digits and always works offline;
  it is the library's embedded default dataset.
* :func:`load_mnist`, :func:`load_fashion_mnist` and :func:`load_cifar10` read the
  original distribution files (IDX, CIFAR python pickles) with numpy from a few known
  locations, and fall back on torchvision only when ``download=True``. The files are
  treated as data, never as code: IDX files are read in bounded chunks against the size
  their header declares, and CIFAR pickles with a restricted unpickler that only builds
  containers and numpy arrays.
* :func:`make_imbalanced` draws a per-class subset of N-D data (imbalanced-learn's
  ``make_imbalance`` only accepts 2-D ``X``).
* :data:`DATASETS` (and :func:`get_dataset`) is the registry of the built-in datasets:
  for each a :class:`DatasetInfo` with its loader, image shape, class names, imbalance
  profile and the dataset whose thesis settings apply to it.
* :func:`load_imbalanced` draws the imbalance profiles of the bachelor thesis this
  project grew from (which copied them from DeepSMOTE); :data:`PROFILES` lists them.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import pickle
import types
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

try:  # numpy >= 2 keeps its internals in numpy._core
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
    from numpy._core.numeric import _frombuffer as _np_frombuffer
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct
    from numpy.core.numeric import _frombuffer as _np_frombuffer

__all__ = [
    "DATASETS",
    "DEBIAN_FASHION_MNIST_DIR",
    "DatasetInfo",
    "ImbalanceProfile",
    "PROFILES",
    "get_dataset",
    "load_cifar10",
    "load_digits_images",
    "load_fashion_mnist",
    "load_balanced_test",
    "load_imbalanced",
    "load_mnist",
    "make_imbalanced",
]

#: Where Debian's ``dataset-fashion-mnist`` package installs the four original ``.gz`` files.
#: Module-level so that tests (and unusual installs) can point it elsewhere.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

# IDX header: two zero bytes, a type code (0x08 = unsigned byte) and the number of dimensions.
_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801
#: Largest IDX payload (the bytes after the header) the loaders accept: 2 GiB. The largest
#: official file, MNIST's training images, holds 47 MB; the cap only stops a forged header
#: from making the reader reserve terabytes before it finds out the file is shorter.
_IDX_MAX_PAYLOAD = 2**31
#: Bytes read (and so decompressed) per call: what memory may hold beyond the payload.
_IDX_CHUNK = 2**20

_IDX_NAMES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_CIFAR_DIRNAME = "cifar-10-batches-py"
_CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST_BATCHES = ("test_batch",)

RandomStateLike = int | np.random.RandomState | None


# --------------------------------------------------------------------------------------
# Imbalance profiles
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImbalanceProfile:
    """Number of images kept per class, in sorted label order, for train and test.

    Parameters
    ----------
    train : tuple of int
        Images per class in the imbalanced training set.
    test : tuple of int
        Images per class in the imbalanced test set.

    Examples
    --------
    >>> from imblearn_deep.datasets import PROFILES
    >>> profile = PROFILES["mnist"]
    >>> profile.train[0], profile.train[-1], sum(profile.train)
    (4000, 40, 9000)
    """

    train: tuple[int, ...]
    test: tuple[int, ...]

    def __post_init__(self) -> None:
        # Profiles are shared module state: reject malformed ones at construction time.
        if len(self.train) != len(self.test):
            raise ValueError(
                f"train and test must give one count per class; got {len(self.train)} "
                f"and {len(self.test)} counts."
            )
        for part in (self.train, self.test):
            if any(not isinstance(c, Integral) or c < 0 for c in part):
                raise ValueError(f"counts must be non-negative integers; got {part}.")


# Test profiles. The thesis (section 5.2) only says that the test set "has the same imbalance
# rates" and "2069 images in total"; it gives no per-class table. 2069 is not the DeepSMOTE
# imbalanced test set (1000, 500, 250, 187, 125, 87, 50, 25, 15, 10 = 2249). It matches
# round-half-even(0.23 * MNIST train profile) = (920, 460, 230, 172, 115, 80, 46, 23, 14, 9),
# but that is a guess (other roundings give 2068-2071, and the same rates cannot give 2069
# for CIFAR-10), so the thesis counts cannot be determined. We therefore use DeepSMOTE's
# imbalanced test counts, which the thesis profiles were copied from. One exception: the
# official MNIST test split holds only 980 zeros (DeepSMOTE drew cross-validation folds from
# the whole set), so MNIST's class 0 is capped at 980; Fashion-MNIST and CIFAR-10 have 1000
# test images per class and keep 1000.
_DEEPSMOTE_TEST = (1000, 500, 250, 187, 125, 87, 50, 25, 15, 10)
_MNIST_TRAIN = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)  # thesis Table 4.1, IR 100
_CIFAR10_TRAIN = (4500, 2000, 1000, 800, 600, 500, 400, 250, 150, 80)  # thesis Table 4.2
# The MNIST profile scaled down to the 8x8 digits set (174-183 images per class), so that
# train + test fit in every class.
_DIGITS_PROFILE = ImbalanceProfile(
    train=(140, 70, 35, 26, 18, 12, 8, 6, 5, 5), test=(35, 18, 9, 7, 5, 5, 5, 5, 5, 5)
)


# --------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------


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


def _read_idx_header(f: BinaryIO, path: Path, magic: int) -> tuple[int, ...]:
    """Read and check an IDX header (magic number, then one 4-byte size per dimension).

    Parameters
    ----------
    f : binary file
        Positioned at the start of the (decompressed) IDX stream.
    path : Path
        The file's path, for error messages.
    magic : int
        The magic number expected (it also gives the number of dimensions).

    Returns
    -------
    shape : tuple of int
        The shape the header declares.

    Raises
    ------
    ValueError
        If the magic number is wrong, the header is truncated, or the declared payload
        exceeds :data:`_IDX_MAX_PAYLOAD` bytes.
    """
    head = f.read(4)
    if len(head) < 4:
        raise ValueError(f"{path} is not an IDX file: only {len(head)} bytes.")
    found = int.from_bytes(head, "big")
    if found != magic:
        raise ValueError(
            f"{path} is not a valid IDX file: magic number 0x{found:08X}, expected "
            f"0x{magic:08X}. The file is corrupt or of another kind."
        )
    ndim = magic & 0xFF
    dims = f.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(f"{path} is truncated: its IDX header needs {4 + 4 * ndim} bytes.")
    shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    size = math.prod(shape)
    # Checked before any allocation: the header is the only thing known about the payload.
    if size > _IDX_MAX_PAYLOAD:
        raise ValueError(
            f"{path} is not a plausible IDX file: its header announces shape {shape} "
            f"({size} bytes), which exceeds the {_IDX_MAX_PAYLOAD} bytes this reader accepts."
        )
    return shape


def _read_idx_payload(f: BinaryIO, path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """Read exactly the payload ``shape`` declares, in chunks, and check nothing follows.

    The buffer is allocated once at the declared size and filled by at most
    :data:`_IDX_CHUNK` bytes at a time, so memory never exceeds the declared payload plus
    a chunk, however much a (gzip) stream would go on to produce: one extra byte is read
    to detect trailing data, never the rest.
    """
    expected = math.prod(shape)
    out = np.empty(expected, dtype=np.uint8)
    view = memoryview(out)
    got = 0
    while got < expected:
        n = f.readinto(view[got : got + _IDX_CHUNK])
        if not n:
            break
        got += n
    trailing = got == expected and bool(f.read(1))
    if got < expected or trailing:
        header = 4 + 4 * len(shape)
        held = "more than that" if trailing else f"{header + got} bytes"
        raise ValueError(
            f"{path} is corrupt: header announces shape {shape} ({header + expected} "
            f"bytes) but the file has {held}."
        )
    return out.reshape(shape)


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """Parse one unsigned-byte IDX file, gzipped or not, validating its magic and length.

    The file is streamed, never read whole: a small ``.gz`` that decompresses to gigabytes
    (a gzip bomb) costs no more memory than the payload its header declares.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            shape = _read_idx_header(f, path, magic)
            return _read_idx_payload(f, path, shape)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"Cannot read {path}: corrupt or truncated file ({exc}).") from exc


def _find_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _load_idx_pair(dirs: Sequence[Path], train: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Read images and labels from the first directory that holds both IDX files."""
    images_name, labels_name = _IDX_NAMES[train]
    for directory in dirs:
        images_path = _find_file(directory, images_name)
        labels_path = _find_file(directory, labels_name)
        if images_path is None or labels_path is None:
            continue
        images = _read_idx(images_path, _IDX_IMAGES_MAGIC)
        labels = _read_idx(labels_path, _IDX_LABELS_MAGIC)
        if images.shape[1:] != (28, 28):
            raise ValueError(f"{images_path}: expected 28x28 images, got {images.shape[1:]}.")
        if len(images) != len(labels):
            raise ValueError(
                f"{images_path} holds {len(images)} images but {labels_path} holds "
                f"{len(labels)} labels."
            )
        return images[:, np.newaxis], labels.astype(np.int64)
    return None


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
    found = _load_idx_pair(dirs, train)
    if found is not None:
        return found
    if download:
        # Lazy import: torchvision is heavy and only needed to fetch missing files.
        from torchvision import datasets as tv_datasets

        ds = getattr(tv_datasets, tv_name)(str(root), train=train, download=True)
        X = np.asarray(ds.data, dtype=np.uint8)[:, np.newaxis]
        return np.ascontiguousarray(X), np.asarray(ds.targets, dtype=np.int64)
    split = "train" if train else "test"
    files = [f"{n}[.gz]" for n in _IDX_NAMES[train]]
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
    base = _resolve_root(root)
    dirs = [base, base / "FashionMNIST" / "raw", DEBIAN_FASHION_MNIST_DIR]
    hint = " On Debian/Ubuntu: apt-get install dataset-fashion-mnist."
    return _load_idx_dataset("Fashion-MNIST", "FashionMNIST", dirs, base, train, download, hint)


class _ForbiddenGlobalError(ValueError):
    """A CIFAR-10 batch names a global outside :data:`_CIFAR_PICKLE_GLOBALS`."""


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as pickles written by Python 3 with protocol 0-2 use it.

    Those protocols have no bytes opcode, so ``bytes`` (an array's raw data) is pickled as
    ``_codecs.encode(text, "latin1")``. Only that call is allowed, not any codec.
    """
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(
            f"_codecs.encode is only allowed on text with 'latin1'; got {type(text).__name__} "
            f"and {encoding!r}."
        )
    return text.encode("latin1")


# Every global a CIFAR-10 batch may name: numpy's array reconstruction, as the official
# files (Python 2, numpy 1: numpy.core) and batches re-pickled by Python 3 and numpy 2
# (numpy._core; protocol 5 rebuilds arrays with _frombuffer) name it. Names are mapped to
# objects here, never imported from the file's text.
_CIFAR_PICKLE_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _np_frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _np_frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class _CifarUnpickler(pickle.Unpickler):
    """An unpickler that builds CIFAR-10 batches and never executes code.

    Pickle opcodes build containers, strings and numbers by themselves; anything callable
    must first be looked up with :meth:`find_class` (for ``GLOBAL``, ``STACK_GLOBAL`` and
    the extension-registry opcodes alike), which only hands out
    :data:`_CIFAR_PICKLE_GLOBALS`. A crafted batch whose ``__reduce__`` names
    ``os.system`` is refused before anything is called.

    Parameters
    ----------
    file : binary file
        The open batch.
    path : Path
        Its path, for error messages.
    """

    def __init__(self, file: BinaryIO, path: Path) -> None:
        # encoding="bytes": the official batches come from Python 2, whose str keys and
        # raw array data must stay bytes (keys b"data", b"labels").
        super().__init__(file, encoding="bytes")
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        """Return an allowed global; refuse every other one."""
        try:
            found = _CIFAR_PICKLE_GLOBALS[(module, name)]
        except KeyError:
            raise _ForbiddenGlobalError(
                f"{self._path} refers to {module}.{name}, which a CIFAR-10 batch never "
                "holds; refusing to load it (batches may only rebuild numpy arrays)."
            ) from None
        # A pickle may BUILD on any object it names, which sets a Python function's
        # attributes (``__defaults__`` included) for the whole process: hand out a fresh
        # wrapper instead. The types and the builtin refuse such writes themselves, and
        # numpy ignores __setstate__ on its shared builtin dtypes.
        return functools.partial(found) if isinstance(found, types.FunctionType) else found


def _invalid_cifar(path: Path, why: str) -> ValueError:
    return ValueError(
        f"{path} is not a valid CIFAR-10 batch (expected a pickled dict with keys b'data' "
        f"and b'labels'): {why}"
    )


def _integer_array(batch: dict[Any, Any], key: bytes, path: Path) -> np.ndarray:
    """``batch[key]`` as an integer array (an array or nested lists of int)."""
    try:
        array = np.asarray(batch[key])
    except (ValueError, TypeError) as exc:  # ragged nested lists, odd objects
        raise _invalid_cifar(path, f"{key!r} is not an array ({exc}).") from exc
    # Not cast: a silent cast to uint8 would wrap floats and out-of-range values.
    if array.dtype.kind not in "ui":
        raise _invalid_cifar(path, f"{key!r} holds {array.dtype} values, not integers.")
    return array


def _check_cifar_batch(batch: Any, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Validate an unpickled batch and return its images ``(n, 3, 32, 32)`` and labels."""
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        # A few keys, each cut short: a hostile file must not make the message huge.
        keys = [repr(key)[:40] for key in list(batch)[:8]] if isinstance(batch, dict) else None
        found = f"a dict with keys {keys}" if keys is not None else type(batch).__name__
        raise _invalid_cifar(path, f"found {found}.")
    data = _integer_array(batch, b"data", path)
    labels = _integer_array(batch, b"labels", path)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels.shape != (len(data),):
        raise _invalid_cifar(
            path,
            f"expected data of shape (n, 3072) and n labels, got data {data.shape} and "
            f"labels {labels.shape}.",
        )
    if data.size and (data.min() < 0 or data.max() > 255):
        raise _invalid_cifar(path, "pixel values must lie in 0..255.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise _invalid_cifar(
            path, f"labels must lie in 0..9, found {labels.min()}..{labels.max()}."
        )
    # Rows are stored channel-major (1024 red, 1024 green, 1024 blue): already (C, H, W).
    images = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32)
    return images, labels.astype(np.int64, copy=False)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 python batch with :class:`_CifarUnpickler` and validate it."""
    try:
        with open(path, "rb") as f:
            batch = _CifarUnpickler(f, path).load()
    except _ForbiddenGlobalError:
        raise  # already names the file and the global
    except (
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        IndexError,
        KeyError,
        TypeError,
        ValueError,
        OverflowError,
        MemoryError,
        RecursionError,
    ) as exc:  # what a corrupt pickle stream makes the unpickler raise
        raise _invalid_cifar(path, repr(exc)) from exc
    return _check_cifar_batch(batch, path)


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
    dirs = [base / _CIFAR_DIRNAME, base]
    names = _CIFAR_TRAIN_BATCHES if train else _CIFAR_TEST_BATCHES
    for directory in dirs:
        paths = [directory / n for n in names]
        if all(p.is_file() for p in paths):
            parts = [_read_cifar_batch(p) for p in paths]
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


# --------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetInfo:
    """What the package knows about one built-in dataset.

    Parameters
    ----------
    name : str
        Registry key, used on the command line and in results (``"fashion_mnist"``).
    title : str
        Name shown in reports and figures (``"Fashion-MNIST"``).
    loader : callable
        Returns ``(X, y)``. Called as ``loader(root, train=..., download=...)`` when
        ``official_test_split`` is true, with no arguments otherwise.
    official_test_split : bool
        Whether the dataset comes with a test split (the digits do not: their test
        subset is drawn from the images the training subset left).
    image_shape : tuple of int
        ``(C, H, W)`` of every image.
    class_names : tuple of str
        Name of each label ``0, 1, ...``, in label order.
    profile : ImbalanceProfile
        Images kept per class for the imbalanced train and test sets.
    thesis_dataset : str
        The dataset whose thesis settings (generator settings and grid-search meshes)
        apply: the dataset itself, or the one it stands in for.

    Examples
    --------
    >>> from imblearn_deep.datasets import get_dataset
    >>> info = get_dataset("fashion_mnist")
    >>> info.title, info.image_shape, info.class_names[5]
    ('Fashion-MNIST', (1, 28, 28), 'Sandal')
    >>> info.names_of([5, 9])
    ['Sandal', 'Ankle boot']
    """

    name: str
    title: str
    loader: Callable[..., tuple[np.ndarray, np.ndarray]]
    official_test_split: bool
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    profile: ImbalanceProfile
    thesis_dataset: str

    def __post_init__(self) -> None:
        # Entries are shared module state: reject inconsistent ones at construction time.
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W); got {self.image_shape}.")
        if len(self.class_names) != len(self.profile.train):
            raise ValueError(
                f"{self.name}: {len(self.class_names)} class names but the profile counts "
                f"{len(self.profile.train)} classes."
            )

    def names_of(self, labels: Sequence[Any]) -> list[str]:
        """The class name of each label; a label that is not a class index stays as it is.

        Parameters
        ----------
        labels : sequence
            Class labels, as found in ``y``.

        Returns
        -------
        list of str
        """
        return [
            self.class_names[int(label)]
            if isinstance(label, Integral) and 0 <= label < len(self.class_names)
            else str(label)
            for label in labels
        ]


_DIGIT_NAMES = tuple(str(digit) for digit in range(10))

#: The built-in datasets by name (see :class:`DatasetInfo`).
DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            name="digits",
            title="8x8 digits",
            loader=load_digits_images,
            official_test_split=False,
            image_shape=(1, 8, 8),
            class_names=_DIGIT_NAMES,
            profile=_DIGITS_PROFILE,
            # The 8x8 digits stand in for MNIST.
            thesis_dataset="mnist",
        ),
        DatasetInfo(
            name="mnist",
            title="MNIST",
            loader=load_mnist,
            official_test_split=True,
            image_shape=(1, 28, 28),
            class_names=_DIGIT_NAMES,
            profile=ImbalanceProfile(train=_MNIST_TRAIN, test=(980,) + _DEEPSMOTE_TEST[1:]),
            thesis_dataset="mnist",
        ),
        DatasetInfo(
            name="fashion_mnist",
            title="Fashion-MNIST",
            loader=load_fashion_mnist,
            official_test_split=True,
            image_shape=(1, 28, 28),
            # Zalando's names, in label order.
            class_names=(
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            profile=ImbalanceProfile(train=_MNIST_TRAIN, test=_DEEPSMOTE_TEST),
            thesis_dataset="fashion_mnist",
        ),
        DatasetInfo(
            name="cifar10",
            title="CIFAR-10",
            loader=load_cifar10,
            official_test_split=True,
            image_shape=(3, 32, 32),
            # The names of the archive's batches.meta, in label order.
            class_names=(
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck",
            ),
            profile=ImbalanceProfile(train=_CIFAR10_TRAIN, test=_DEEPSMOTE_TEST),
            thesis_dataset="cifar10",
        ),
    )
}

#: Imbalance profiles by dataset name, read from :data:`DATASETS` (kept for backward
#: compatibility; :func:`load_imbalanced` reads the registry).
PROFILES: dict[str, ImbalanceProfile] = {name: info.profile for name, info in DATASETS.items()}


def get_dataset(name: str) -> DatasetInfo:
    """The registry entry of a built-in dataset.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "cifar10"}
        Dataset name.

    Returns
    -------
    DatasetInfo

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`DATASETS`; the message lists the valid names.

    Examples
    --------
    >>> from imblearn_deep.datasets import get_dataset
    >>> get_dataset("cifar10").class_names[:3]
    ('airplane', 'automobile', 'bird')
    >>> get_dataset("digits").thesis_dataset
    'mnist'
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; valid names are {sorted(DATASETS)}.")
    return DATASETS[name]


# --------------------------------------------------------------------------------------
# Imbalancing
# --------------------------------------------------------------------------------------


def _select_indices(
    y: np.ndarray, counts: Mapping[Any, int] | Sequence[int], rng: np.random.RandomState
) -> np.ndarray:
    """Sorted row indices keeping ``counts`` rows per class (see :func:`make_imbalanced`)."""
    classes = np.unique(y)
    labels = classes.tolist()
    if isinstance(counts, Mapping):
        known = set(labels)
        unknown = [k for k in counts if k not in known]
        if unknown:
            raise ValueError(f"Unknown class label(s) {unknown} in counts; classes are {labels}.")
        wanted = dict(counts)
    else:
        if isinstance(counts, str | bytes):
            raise TypeError("counts must be a mapping or a sequence of integers, not a string.")
        seq = list(counts)
        if len(seq) != len(labels):
            raise ValueError(
                f"counts has {len(seq)} entries but y has {len(labels)} classes {labels}; "
                "give one count per class in sorted label order."
            )
        wanted = dict(zip(labels, seq, strict=True))

    keep = []
    for label, cls in zip(labels, classes, strict=True):
        idx = np.flatnonzero(y == cls)
        if label not in wanted:
            # Classes absent from the mapping are kept whole, as in imblearn's make_imbalance.
            keep.append(idx)
            continue
        n = wanted[label]
        if not isinstance(n, Integral) or isinstance(n, bool):
            raise TypeError(f"Count for class {label!r} must be an integer, got {n!r}.")
        if n < 0:
            raise ValueError(f"Count for class {label!r} must be non-negative, got {n}.")
        if n > len(idx):
            raise ValueError(
                f"Class {label!r} has only {len(idx)} samples available but {n} were asked for."
            )
        keep.append(rng.choice(idx, size=int(n), replace=False))
    # Sorting keeps the selected rows in their original order.
    return np.sort(np.concatenate(keep)) if keep else np.empty(0, dtype=np.intp)


def make_imbalanced(
    X: Any,
    y: Any,
    counts: Mapping[Any, int] | Sequence[int],
    *,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep a given number of randomly drawn samples of each class; ``X`` may be N-D.

    Unlike ``imblearn.datasets.make_imbalance``, ``X`` can have any number of dimensions
    (e.g. images of shape ``(n_samples, C, H, W)``).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Samples; only the first axis is indexed.
    y : array-like of shape (n_samples,)
        Class labels.
    counts : mapping or sequence of int
        Either ``{class_label: count}`` (classes not listed are kept whole) or one count
        per class in sorted label order.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw without replacement inside each class.

    Returns
    -------
    X_sub : ndarray of shape (sum(counts), ...)
        Selected rows, in their original order.
    y_sub : ndarray of shape (sum(counts),)

    Raises
    ------
    ValueError
        If ``X`` and ``y`` differ in length, ``counts`` has the wrong length or an unknown
        class, a count is negative or exceeds the samples available in its class.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import make_imbalanced
    >>> X = np.arange(6 * 2 * 2).reshape(6, 1, 2, 2)
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> X_sub, y_sub = make_imbalanced(X, y, [3, 1], random_state=0)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((4, 1, 2, 2), [3, 1])
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples; got {X.shape[:1]} and {len(y)}."
        )
    from sklearn.utils import check_random_state  # here: the registry stays light to import

    idx = _select_indices(y, counts, check_random_state(random_state))
    return X[idx], y[idx]


def load_imbalanced(
    name: str = "digits",
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool = False,
    random_state: RandomStateLike = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load a dataset imbalanced with its registry profile (see :data:`DATASETS`).

    For ``"mnist"``, ``"fashion_mnist"`` and ``"cifar10"`` the train profile is drawn from
    the official training split and the test profile from the official test split. The
    8x8 ``"digits"`` set has a single split: the train subset is drawn first and the test
    subset from the remaining images, so the two never share an image.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "cifar10"}, default="digits"
        Dataset and profile name. ``"digits"`` always works offline.
    root : str or path-like, default=None
        Data directory passed to the loader (ignored for ``"digits"``).
    download : bool, default=False
        Passed to the loader (ignored for ``"digits"``).
    random_state : int, RandomState instance or None, default=0
        Seeds the per-class draws of both subsets.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Images ``(n, C, H, W)`` and int64 labels, rows in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X_train, y_train, X_test, y_test = load_imbalanced("digits")
    >>> np.bincount(y_train).tolist()
    [140, 70, 35, 26, 18, 12, 8, 6, 5, 5]
    >>> X_test.shape
    (99, 1, 8, 8)
    """
    info = get_dataset(name)
    profile = info.profile
    # One generator for both draws, so an int seed fixes the whole split.
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    if not info.official_test_split:
        X, y = info.loader()
        train_idx = _select_indices(y, profile.train, rng)
        rest = np.setdiff1d(np.arange(len(y)), train_idx, assume_unique=True)
        test_idx = rest[_select_indices(y[rest], profile.test, rng)]
        return X[train_idx], y[train_idx], X[test_idx], y[test_idx]
    X_tr, y_tr = info.loader(root, train=True, download=download)
    X_te, y_te = info.loader(root, train=False, download=download)
    X_train, y_train = make_imbalanced(X_tr, y_tr, profile.train, random_state=rng)
    X_test, y_test = make_imbalanced(X_te, y_te, profile.test, random_state=rng)
    return X_train, y_train, X_test, y_test


def load_balanced_test(
    name: str = "digits",
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool = False,
    random_state: RandomStateLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced test set that shares no image with :func:`load_imbalanced`'s
    training set.

    Published results on imbalanced benchmarks are often measured on a balanced test set
    (DeepSMOTE's Table III is): every class weighs the same in accuracy, and rare classes
    are scored on many images instead of 10 or 15.

    * ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"``: the whole official test split
      (Fashion-MNIST and CIFAR-10: 1,000 images per class, 10,000 in all; MNIST's classes
      hold 892 to 1,135). It contains the imbalanced test subset.
    * ``"digits"``: of the images :func:`load_imbalanced` with the same ``random_state``
      left out of training, the same number per class, as many as the smallest class
      has left (38 per class, 380 in all, with the default profile).

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "cifar10"}, default="digits"
        Dataset name, as in :func:`load_imbalanced`.
    root : str or path-like, default=None
        Data directory passed to the loader (ignored for ``"digits"``).
    download : bool, default=False
        Passed to the loader (ignored for ``"digits"``).
    random_state : int, RandomState instance or None, default=0
        The ``random_state`` given to :func:`load_imbalanced` (for ``"digits"``, whose
        training draw decides which images are left), and the seed of the per-class
        draws.

    Returns
    -------
    X_test, y_test : ndarray
        Images ``(n, C, H, W)`` and int64 labels, rows in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.datasets import load_balanced_test
    >>> X, y = load_balanced_test("digits")
    >>> X.shape, np.unique(np.bincount(y)).tolist()
    ((380, 1, 8, 8), [38])
    """
    info = get_dataset(name)
    if info.official_test_split:
        return info.loader(root, train=False, download=download)
    from sklearn.utils import check_random_state

    # Repeat load_imbalanced's training draw (its first use of the generator).
    rng = check_random_state(random_state)
    X, y = info.loader()
    train_idx = _select_indices(y, info.profile.train, rng)
    rest = np.setdiff1d(np.arange(len(y)), train_idx, assume_unique=True)
    per_class = int(np.bincount(y[rest]).min())
    keep = rest[_select_indices(y[rest], [per_class] * len(info.class_names), rng)]
    return X[keep], y[keep]
