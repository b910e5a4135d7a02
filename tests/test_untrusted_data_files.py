"""A data file from someone else is data, never a command.

The dataset loaders read files that anyone may hand over: a CIFAR-10 batch crafted to
run code when unpickled, or an IDX ``.gz`` that decompresses to gigabytes. These tests
write such files, small and in the real formats (as tests/test_datasets.py does), and
check that loading them fails with a clear error before any harm is done.
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imblearn_deep.datasets import _cifar, _idx, load_cifar10, load_mnist

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
# What the peak of Python's traced memory may reach while a hostile file is refused.
MEMORY_LIMIT = 64 * 2**20
# How much the gzip bomb decompresses to: far beyond MEMORY_LIMIT.
BOMB_SIZE = 200 * 2**20


# --------------------------------------------------------------------------------------
# Helpers writing the real file formats, honest and crafted
# --------------------------------------------------------------------------------------


def cifar_rows(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), [i % 10 for i in range(n)]


def official_batch(data: np.ndarray, labels: list[int]) -> dict[bytes, Any]:
    """A batch dict as the official archive holds it (keys are Python 2 str, so bytes)."""
    names = [f"img_{i}.png".encode() for i in range(len(labels))]
    return {b"batch_label": b"test", b"labels": labels, b"data": data, b"filenames": names}


def python2_batch_pickle(data: np.ndarray, labels: list[int]) -> bytes:
    """The stream Python 2's cPickle (protocol 2) and numpy 1 wrote for the official files.

    Python 3 cannot write it (its str is unicode; a Python 2 str is ``BINSTRING``), so it
    is assembled opcode by opcode: the arrays are named ``numpy.core.multiarray``.
    """

    def string(text: bytes) -> bytes:  # BINSTRING: a Python 2 str
        return b"T" + struct.pack("<i", len(text)) + text

    def integer(value: int) -> bytes:  # BININT
        return b"J" + struct.pack("<i", value)

    uint8 = (
        b"cnumpy\ndtype\n" + string(b"u1") + integer(0) + integer(1) + b"\x87R"
        # The dtype's state: version 3, byte order "|", no subarray/names/fields.
        + b"(" + integer(3) + string(b"|") + b"NNN"
        + integer(-1) + integer(-1) + integer(0) + b"tb"
    )  # fmt: skip
    array = (
        b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n"
        + integer(0) + b"\x85" + string(b"b") + b"\x87R"
        # The array's state: version 1, shape, dtype, Fortran order False, raw bytes.
        + b"(" + integer(1) + integer(len(data)) + integer(3072) + b"\x86"
        + uint8 + b"\x89" + string(data.tobytes()) + b"tb"
    )  # fmt: skip
    label_list = b"](" + b"".join(integer(v) for v in labels) + b"e"
    return (
        b"\x80\x02}("
        + string(b"batch_label") + string(b"training batch 1 of 5")
        + string(b"data") + array
        + string(b"labels") + label_list
        + b"u."
    )  # fmt: skip


def write_batch(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def write_train_batches(directory: Path, first: bytes) -> list[tuple[np.ndarray, list[int]]]:
    """Write ``data_batch_1`` (given) and honest ``data_batch_2`` .. ``5``."""
    write_batch(directory / "data_batch_1", first)
    rest = [cifar_rows(2, seed=i) for i in range(2, 6)]
    for i, (data, labels) in enumerate(rest, start=2):
        write_batch(directory / f"data_batch_{i}", pickle.dumps(official_batch(data, labels)))
    return rest


class Payload:
    """Pickles as a call of ``func(arg)``: what a crafted batch runs when unpickled."""

    def __init__(self, func: Callable[[str], Any], arg: str) -> None:
        self.func = func
        self.arg = arg

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        return self.func, (self.arg,)


def idx_header(magic: int, shape: tuple[int, ...]) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)


def write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(idx_header(magic, array.shape) + array.tobytes())


def peak_traced_memory(func: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """The peak of Python's traced memory while ``func`` runs, and what it raised."""
    tracemalloc.start()
    try:
        func()
    except Exception as exc:  # returned for the caller to check, with the peak
        raised: BaseException | None = exc
    else:
        raised = None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


# --------------------------------------------------------------------------------------
# CIFAR-10: a batch is unpickled with a restricted unpickler
# --------------------------------------------------------------------------------------


def make_marker(marker: Path) -> Payload:
    # A directory: creating it is harmless, and its existence proves the call ran.
    return Payload(os.mkdir, str(marker))


def exec_marker(marker: Path) -> Payload:
    # Even builtins are refused: exec would run any code at all.
    return Payload(exec, f"open({str(marker)!r}, 'w').close()")


@pytest.mark.parametrize(
    ("payload", "global_name"),
    [(make_marker, f"{os.mkdir.__module__}.mkdir"), (exec_marker, "builtins.exec")],
    ids=["os.mkdir", "exec"],
)
@pytest.mark.parametrize("where", ["whole batch", "inside labels"])
def test_crafted_batch_is_refused_before_it_runs(tmp_path, payload, global_name, where):
    marker = tmp_path / "pwned"
    data, labels = cifar_rows(2, seed=1)
    if where == "whole batch":
        crafted: Any = payload(marker)
    else:  # an otherwise official batch, so no check of its shape can come first
        crafted = official_batch(data, [0, payload(marker)])
    directory = tmp_path / "cifar-10-batches-py"
    write_train_batches(directory, pickle.dumps(crafted))

    with pytest.raises(ValueError) as info:
        load_cifar10(tmp_path)
    assert not marker.exists(), "the crafted batch ran its payload"
    message = str(info.value)
    assert str(directory / "data_batch_1") in message
    assert f"refers to {global_name}" in message and "refusing to load it" in message


def test_os_system_is_named_in_the_error(tmp_path):
    # The attack of the issue; os.system is never called, so no command runs.
    write_batch(tmp_path / "test_batch", pickle.dumps(Payload(os.system, "exit 3")))
    with pytest.raises(ValueError, match=rf"test_batch refers to {os.system.__module__}.system"):
        load_cifar10(tmp_path, train=False)


def numpy_frombuffer() -> Callable[..., np.ndarray]:
    # What protocol 5 rebuilds arrays with, wherever this numpy version keeps it.
    return np.empty(0).__reduce_ex__(5)[0]


@pytest.mark.parametrize(
    "function",
    [lambda: _cifar._latin1_encode, numpy_frombuffer],
    ids=["_codecs.encode", "numpy _frombuffer"],
)
def test_batch_cannot_alter_the_functions_it_may_call(tmp_path, function):
    func = function()
    before = func.__defaults__
    module = "_codecs" if func is _cifar._latin1_encode else func.__module__
    # GLOBAL func; BUILD with slot state {"__defaults__": (7,)}: pickle's setattr.
    crafted = (
        f"\x80\x02c{module}\n{func.__name__}\n".encode()
        + b"N}X\x0c\x00\x00\x00__defaults__K\x07\x85s\x86b."
    )
    write_batch(tmp_path / "test_batch", crafted)
    with pytest.raises(ValueError, match="not a valid CIFAR-10 batch"):
        load_cifar10(tmp_path, train=False)
    assert func.__defaults__ == before


@pytest.mark.parametrize("fmt", ["python2", "protocol 2", "protocol 4", "protocol 5"])
def test_official_format_batches_still_load(tmp_path, fmt):
    data, labels = cifar_rows(3, seed=1)
    if fmt == "python2":
        first = python2_batch_pickle(data, labels)
        # The hand-written stream is what plain pickle reads as the official dict.
        plain = pickle.loads(first, encoding="bytes")
        np.testing.assert_array_equal(plain[b"data"], data)
        assert plain[b"labels"] == labels
    else:
        protocol = int(fmt.split()[1])
        first = pickle.dumps(official_batch(data, labels), protocol=protocol)
    rest = write_train_batches(tmp_path / "cifar-10-batches-py", first)

    X, y = load_cifar10(tmp_path)
    assert X.shape == (11, 3, 32, 32) and X.dtype == np.uint8
    assert y.dtype == np.int64
    expected = np.concatenate([data] + [d for d, _ in rest])
    np.testing.assert_array_equal(X.reshape(11, -1), expected)
    assert y.tolist() == labels + [label for _, ls in rest for label in ls]


@pytest.mark.parametrize(
    ("batch", "why"),
    [
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "0..9"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, -1]}, "0..9"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0.0, 1.0]}, "not integers"),
        ({b"data": np.full((2, 3072), 0.5), b"labels": [0, 1]}, "not integers"),
        ({b"data": np.full((2, 3072), 256), b"labels": [0, 1]}, "0..255"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1, 2]}, r"\(n, 3072\)"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]}, "keys"),
        ([np.zeros((2, 3072), np.uint8), [0, 1]], "found list"),
    ],
    ids=[
        "label 10",
        "label -1",
        "float labels",
        "float pixels",
        "pixel 256",
        "length mismatch",
        "str keys",
        "not a dict",
    ],
)
def test_batch_content_is_validated(tmp_path, batch, why):
    path = write_batch(tmp_path / "test_batch", pickle.dumps(batch))
    with pytest.raises(ValueError, match="not a valid CIFAR-10 batch") as info:
        load_cifar10(tmp_path, train=False)
    assert str(path) in str(info.value)
    assert info.match(why)


# --------------------------------------------------------------------------------------
# IDX: read in bounded chunks against the size the header declares
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory) -> Path:
    """MNIST-named files whose images ``.gz`` (about 200 KB) decompresses to 200 MiB.

    Its header is valid and announces 3 images of 28x28; the zeros follow. Written by
    streaming through ``gzip.GzipFile``, so the test itself never holds the 200 MiB.
    """
    directory = tmp_path_factory.mktemp("bomb")
    with gzip.GzipFile(directory / "train-images-idx3-ubyte.gz", "wb", compresslevel=9) as f:
        f.write(idx_header(IMAGES_MAGIC, (3, 28, 28)))
        chunk = bytes(2**20)
        for _ in range(BOMB_SIZE // len(chunk)):
            f.write(chunk)
    write_idx(directory / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8), LABELS_MAGIC)
    return directory


def test_gzip_bomb_is_refused_in_little_memory(bomb_dir):
    peak, raised = peak_traced_memory(lambda: load_mnist(bomb_dir))
    assert isinstance(raised, ValueError)
    message = str(raised)
    assert str(bomb_dir / "train-images-idx3-ubyte.gz") in message
    assert "corrupt" in message and "(3, 28, 28)" in message
    assert peak < MEMORY_LIMIT, f"peak traced memory {peak / 2**20:.0f} MiB"


def test_absurd_header_is_refused_before_allocating(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:  # claims 3.4 TB, holds 1 KiB
        f.write(idx_header(IMAGES_MAGIC, (2**32 - 1, 28, 28)) + bytes(1024))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8), LABELS_MAGIC)

    peak, raised = peak_traced_memory(lambda: load_mnist(tmp_path))
    assert isinstance(raised, ValueError)
    message = str(raised)
    assert str(path) in message
    assert "exceeds the 2147483648 bytes" in message
    assert peak < MEMORY_LIMIT


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_honest_file_reads_in_several_chunks(tmp_path, gz, monkeypatch):
    # Small chunks make a tiny file cross chunk boundaries, as the real 47 MB file does.
    monkeypatch.setattr(_idx, "_IDX_CHUNK", 1000)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.arange(5, dtype=np.uint8)
    for name, array, magic in (
        ("train-images-idx3-ubyte", images, IMAGES_MAGIC),
        ("train-labels-idx1-ubyte", labels, LABELS_MAGIC),
    ):
        payload = idx_header(magic, array.shape) + array.tobytes()
        if gz:
            with gzip.open(tmp_path / f"{name}.gz", "wb") as f:
                f.write(payload)
        else:
            (tmp_path / name).write_bytes(payload)
    X, y = load_mnist(tmp_path)
    np.testing.assert_array_equal(X[:, 0], images)
    np.testing.assert_array_equal(y, labels)
    assert X.flags.writeable


class _EmptyArray:
    """Pickles as ``numpy.ndarray(shape, "u1")``: any size from a few bytes, no pixels."""

    def __init__(self, shape):
        self.shape = shape

    def __reduce__(self):
        return np.ndarray, (self.shape, "u1")


def test_a_batch_claiming_more_pixels_than_it_holds_is_refused(tmp_path):
    # Found by probing: 193 bytes made the loader read 3 GB of uninitialised memory.
    crafted = {b"data": _EmptyArray((100_000, 3072)), b"labels": _EmptyArray((100_000,))}
    payload = pickle.dumps(crafted)
    assert len(payload) < 300
    write_train_batches(tmp_path, payload)
    _, error = peak_traced_memory(lambda: load_cifar10(root=tmp_path))
    assert isinstance(error, ValueError)
    assert "data_batch_1" in str(error) and "more than the file's" in str(error)
