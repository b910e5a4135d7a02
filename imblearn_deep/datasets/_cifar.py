"""CIFAR-10's python batches, read with a restricted unpickler that never runs code.

The official batches are pickles. :class:`_CifarUnpickler` only hands out the few numpy
functions that rebuild arrays, so a batch crafted to run a command is refused before
anything is called; the unpickled batch is then validated (pixels, labels, shapes).
"""

from __future__ import annotations

import functools
import os
import pickle
import types
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

try:  # numpy >= 2 keeps its internals in numpy._core
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
    from numpy._core.numeric import _frombuffer as _np_frombuffer
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct
    from numpy.core.numeric import _frombuffer as _np_frombuffer

# The official archive's folder, and the batches of its training and test splits.
CIFAR_DIRNAME = "cifar-10-batches-py"
CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST_BATCHES = ("test_batch",)


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


def _check_cifar_batch(batch: Any, path: Path, file_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate an unpickled batch and return its images ``(n, 3, 32, 32)`` and labels."""
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        # A few keys, each cut short: a hostile file must not make the message huge.
        keys = [repr(key)[:40] for key in list(batch)[:8]] if isinstance(batch, dict) else None
        found = f"a dict with keys {keys}" if keys is not None else type(batch).__name__
        raise _invalid_cifar(path, f"found {found}.")
    data = _integer_array(batch, b"data", path)
    labels = _integer_array(batch, b"labels", path)
    for key, array in ((b"data", data), (b"labels", labels)):
        # A real batch carries its pixels; ``ndarray(shape)`` called by a crafted pickle
        # allocates any size from a few bytes (untouched yet: refused before reading it).
        if array.nbytes > file_size:
            raise _invalid_cifar(
                path,
                f"{key!r} claims {array.nbytes:,} bytes, more than the file's {file_size:,}.",
            )
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


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 python batch with :class:`_CifarUnpickler` and validate it."""
    try:
        with open(path, "rb") as f:
            file_size = os.fstat(f.fileno()).st_size
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
    return _check_cifar_batch(batch, path, file_size)
