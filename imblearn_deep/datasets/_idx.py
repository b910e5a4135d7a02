"""IDX files (MNIST, Fashion-MNIST), read as data: streamed, and bounded by their header.

An IDX file is a header (a magic number, then one size per dimension) followed by the
unsigned bytes it announces. The reader allocates the announced payload once, after
checking it against a cap, and fills it chunk by chunk: a forged header or a gzip bomb is
refused before it costs more memory than that.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

# IDX header: two zero bytes, a type code (0x08 = unsigned byte) and the number of dimensions.
_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801
#: Largest IDX payload (the bytes after the header) the loaders accept: 2 GiB. The largest
#: official file, MNIST's training images, holds 47 MB; the cap only stops a forged header
#: from making the reader reserve terabytes before it finds out the file is shorter.
_IDX_MAX_PAYLOAD = 2**31
#: Bytes read (and so decompressed) per call: what memory may hold beyond the payload.
_IDX_CHUNK = 2**20

# The images and labels files of the training split (True) and the test split (False).
IDX_NAMES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


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


def load_idx_pair(dirs: Sequence[Path], train: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Read images and labels from the first directory that holds both IDX files."""
    images_name, labels_name = IDX_NAMES[train]
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
