"""Read your own images: a class-per-subfolder tree (``ImageFolder`` layout) or an ``.npz`` file.

Pillow (installed with torchvision) is imported inside the functions that decode, so that
``import imblearn_deep.datasets`` stays free of it.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from sklearn.utils import Bunch

from ._decode import header, pixels, register_decoders, with_image
from ._folder_scan import scan

__all__ = ["load_image_folder"]

_CHANNELS = {"grey": 1, "rgb": 3}
# Folders this large report progress with verbose=1 (smaller ones only the summary line).
_PROGRESS_FROM = 1000
# n_jobs=None: 2 decoding threads for images of 256x256 pixels or more on average, else none.
# Measured on the idle 2-core development host (Intel Xeon, Python 3.11, Pillow 13), serial
# vs 2 threads, images/s: 2,000 32x32 PNGs 8,775 vs 3,546; 500 128x128 JPEGs 4,128 vs
# 2,645; 100 256x256 JPEGs 1,746 vs 1,820 and PNGs 655 vs 1,018; 100 512x512 JPEGs 507 vs
# 686. Small images spend most of their time in Python, under the GIL, and threads only add
# GIL hand-offs; the decoding that Pillow does without the GIL pays from about 256x256 on.
_AUTO_THREADS = 2
_AUTO_THREADS_FROM_PIXELS = 256 * 256

_T = TypeVar("_T")
_Item = TypeVar("_Item")


def load_image_folder(
    path: str | os.PathLike[str],
    *,
    image_size: int | tuple[int, int] | None = None,
    color: str | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> Bunch:
    """Load your own images: a folder with one subfolder of images per class, or an ``.npz``.

    The folder follows torchvision's ``ImageFolder`` convention,
    ``path/<class name>/<image file>``: PNG, JPEG, BMP, TIFF, WebP and PPM/PGM files,
    recognised by their extension (torchvision's list, any case) and decoded with Pillow.
    Classes are numbered ``0 .. k-1`` in sorted folder-name order and images are listed
    class by class in sorted file-name order, as ``ImageFolder`` does. The images are
    decoded straight into one preallocated ``uint8`` array.

    **Colour.** One mode for the whole set: grey (``C=1``) if every image is grey (Pillow
    modes ``1``, ``L``, ``LA``, ``I;16``, ``I``, or a palette image whose palette is all
    grey), else RGB (``C=3``); ``color`` forces one. The decision reads each file's mode,
    not its pixels: an RGB JPEG of a grey scene counts as colour. Conversions:

    * transparency (``LA``, ``RGBA``, ``PA``, palette or grey images with a transparent
      colour) is composited onto **white**, then the alpha channel is dropped;
    * palette images take their palette's colours; ``1`` (bilevel) becomes 0 and 255;
    * 16-bit grey (``I;16``, ``I``) keeps its top byte: values are clipped to 0..65535 and
      shifted right by 8 bits (``>> 8``), so 65535 becomes 255;
    * grey images in an RGB set repeat their grey in the three channels; colour images
      in a set forced grey become Pillow's luma, ``L = 0.299 R + 0.587 G + 0.114 B``;
    * other modes (CMYK, YCbCr, ...) are converted by Pillow;
    * 32-bit float images (mode ``F``) are refused: their pixel range is not defined
      (pass such data as an ``.npz`` file).

    The pixels are read as stored: EXIF orientation tags are not applied (as in
    ``ImageFolder``), and of a multi-frame file (animated WebP, multi-page TIFF) only the
    first frame is read.

    **Size.** Without ``image_size`` every image must have the same size. With it, each
    image of another size is scaled, keeping its aspect ratio, by the smallest factor that
    makes it cover ``H x W`` (for a square target: its shorter side becomes the target),
    with Pillow's bilinear filter (which averages the whole footprint when it shrinks),
    then centre-cropped to ``H x W`` (an odd extra row or column is cut from the bottom or
    right). Images that already have the target size are kept as they are.

    **What stops the load, and what is skipped.** Skipping an image silently would change
    the class counts, which a comparison of over-samplers is all about, so every problem
    with an image stops the load with an error naming the file:

    * a missing ``path`` (``FileNotFoundError``), a file that is not ``.npz``, a folder
      with no class subfolder, or with only one (a comparison needs two classes);
    * a class folder with no image (its class would vanish and renumber the others;
      ``ImageFolder`` refuses it too);
    * a subfolder inside a class folder: ``ImageFolder`` would add its images to the
      class, but it may as well be a misplaced class or a leftover, so move or flatten it;
    * a corrupt or truncated image, a file Pillow cannot identify, or one whose content
      is not one of the formats above (other decoders never run);
    * an image larger than Pillow's decompression-bomb limit
      (``2 * PIL.Image.MAX_IMAGE_PIXELS`` pixels; between one and two times the limit,
      Pillow only warns);
    * a file that cannot be read (``PermissionError``);
    * a symbolic link (to a class folder or an image) whose target lies outside ``path``:
      links are followed only inside the folder, never out of it; a broken link.

    Names starting with ``.`` (``.DS_Store``, ``.ipynb_checkpoints``) are skipped without
    a word. Other files that are not images, or that are not in a class folder, are
    ignored with one warning that counts them and names a few.

    Parameters
    ----------
    path : str or path-like
        The folder, or an ``.npz`` file holding ``X`` (``(n, C, H, W)`` or ``(n, H, W)``,
        numeric), ``y`` (``n`` integer or string labels) and optionally ``class_names``
        (strings; then ``y`` holds the codes ``0 .. k-1`` into them). Arrays are read with
        ``allow_pickle=False``; other arrays in the file are ignored.
    image_size : int or tuple of (int, int), default=None
        ``(H, W)`` of the returned images (an int means a square). ``None``: every image
        must have the same size, which is kept. Ignored for an ``.npz`` file.
    color : {"grey", "rgb"}, default=None
        Force one channel (grey) or three (RGB). ``None``: grey if every image is grey,
        else RGB. Ignored for an ``.npz`` file.
    n_jobs : int, default=None
        Threads that decode the images (Pillow releases the GIL while it decodes).
        ``None``: what measured fastest on a 2-core machine, 2 threads if the images
        have 256x256 pixels or more on average, else none (small images spend most of
        their time in Python, and threads made them 1.5-2.5x slower); ``1``: no thread
        pool; negative: all CPUs but ``-n_jobs - 1``, as in joblib.
    verbose : int, default=0
        ``1``: print a summary line to stderr, and progress every 10 % for folders of
        1,000 images or more.

    Returns
    -------
    Bunch
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, C, H, W)
            The images, ``uint8`` for a folder (the ``.npz`` file's dtype otherwise).
        target : ndarray of shape (n_samples,), dtype int64
            Class codes ``0 .. k-1``.
        target_names : list of str
            The class of each code: the folder names, sorted (for an ``.npz`` file,
            ``class_names``, or the sorted distinct labels of ``y`` as strings).
        filenames : ndarray of str, or None
            The path of each image, in the order of ``data`` (``None`` for an ``.npz``).
        DESCR : str
            Where the images came from, the images per class, the colour mode and the
            size rule, and why.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, or a link in it is broken.
    PermissionError
        If an image cannot be read.
    ValueError
        For the other problems listed above; the message names the file.

    See Also
    --------
    imblearn_deep.comparison.export_balanced : Writes images in this layout.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from PIL import Image
    >>> from imblearn_deep.datasets import load_image_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> for name, count in [("cat", 3), ("dog", 2)]:
    ...     (root / name).mkdir()
    ...     for i in range(count):
    ...         pixels = np.full((10, 20, 3), 40 * i, dtype=np.uint8)
    ...         Image.fromarray(pixels).save(root / name / f"{i}.png")
    >>> images = load_image_folder(root, image_size=8)
    >>> images.data.shape, images.data.dtype.name
    ((5, 3, 8, 8), 'uint8')
    >>> images.target, images.target_names
    (array([0, 0, 0, 1, 1]), ['cat', 'dog'])
    >>> [Path(name).relative_to(root).as_posix() for name in images.filenames[:2]]
    ['cat/0.png', 'cat/1.png']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    if path.is_file():
        if path.suffix.lower() != ".npz":
            raise ValueError(
                f"{path} is a file; pass a folder with one subfolder of images per class, "
                "or an .npz file with arrays X and y."
            )
        return _load_npz(path)
    size = _check_size(image_size)
    channels = _check_color(color)
    threads = _check_n_jobs(n_jobs)
    start = time.perf_counter()
    tree = scan(path)
    images, plan = _read_images(tree.files, size, channels, threads, verbose)
    if verbose:
        _say(
            f"read {len(tree.files):,} images of {len(tree.class_names)} classes "
            f"{images.shape[1:]} from {path} in {time.perf_counter() - start:.1f} s"
        )
    return _bunch(
        images,
        tree.target,
        tree.class_names,
        np.array([str(file) for file in tree.files]),
        f"Images read by load_image_folder from {path}, one subfolder per class.\n"
        f"{_counts_line(tree.target, tree.class_names)}\n{plan.describe()}",
    )


# --------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------


def _check_size(image_size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, Integral) else image_size
    try:
        height, width = size
    except (TypeError, ValueError):
        height = width = None
    if not all(
        isinstance(side, Integral) and not isinstance(side, bool) for side in (height, width)
    ):
        raise ValueError(f"image_size must be an int or a pair (H, W) of ints; got {image_size!r}.")
    if height < 1 or width < 1:
        raise ValueError(f"image_size must be positive; got {image_size!r}.")
    return int(height), int(width)


def _check_color(color: str | None) -> int | None:
    if color is None:
        return None
    if color not in _CHANNELS:
        raise ValueError(f"color must be None, 'grey' or 'rgb'; got {color!r}.")
    return _CHANNELS[color]


def _usable_cpus() -> int:
    # The CPUs this process may run on (a container or taskset can give fewer than the host).
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _check_n_jobs(n_jobs: int | None) -> int | None:
    if n_jobs is None:
        return None  # chosen from the images' sizes, once their headers are read
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be None or a non-zero int; got {n_jobs!r}.")
    return int(n_jobs) if n_jobs > 0 else max(1, _usable_cpus() + 1 + int(n_jobs))


# --------------------------------------------------------------------------------------
# The folder tree
# --------------------------------------------------------------------------------------


def _map(task: Callable[[_Item], _T], items: Sequence[_Item], threads: int) -> Iterator[_T]:
    """``task`` of each item, in order, on ``threads`` threads (none when 1)."""
    if threads == 1:
        yield from map(task, items)
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="load_image_folder")
    try:
        yield from pool.map(task, items)
    finally:
        # After an error, do not decode the rest of the folder before raising it.
        pool.shutdown(cancel_futures=True)


@dataclass(frozen=True)
class _Plan:
    """What every image becomes, and why (for ``DESCR``)."""

    channels: int
    size: tuple[int, int]
    colour_rule: str
    size_rule: str

    def describe(self) -> str:
        colour = "grey (C=1)" if self.channels == 1 else "RGB (C=3)"
        height, width = self.size
        return (
            f"Colour: {colour}, {self.colour_rule}.\n"
            f"Size: {height}x{width} (HxW), {self.size_rule}."
        )


def _plan(
    files: list[Path],
    headers: list[tuple[tuple[int, int], str, bool]],
    size: tuple[int, int] | None,
    channels: int | None,
) -> _Plan:
    for file, (_, mode, _) in zip(files, headers, strict=True):
        if mode == "F":
            raise ValueError(
                f"{file} has 32-bit float pixels (mode F), whose range is not defined; save "
                "it with 8 or 16 bits, or pass the arrays in an .npz file."
            )
    channels, colour_rule = _colour_rule(files, [grey for _, _, grey in headers], channels)
    if size is not None:
        scaled = "each image scaled (bilinear, aspect kept) to cover it, then centre-cropped"
        return _Plan(channels, size, colour_rule, scaled)
    size = _common_size(files, [image_size for image_size, _, _ in headers])
    return _Plan(channels, size, colour_rule, "every image's own size")


def _common_size(files: list[Path], sizes: list[tuple[int, int]]) -> tuple[int, int]:
    for file, size in zip(files, sizes, strict=True):
        if size != sizes[0]:
            raise ValueError(
                f"Images differ in size: {files[0]} is {sizes[0][0]}x{sizes[0][1]} (HxW) "
                f"but {file} is {size[0]}x{size[1]}. Pass image_size=(H, W) (or an int) to "
                "scale and centre-crop every image to one size."
            )
    return sizes[0]


def _colour_rule(files: list[Path], grey: list[bool], channels: int | None) -> tuple[int, str]:
    if channels is not None:
        forced = "grey" if channels == 1 else "rgb"
        return channels, f"forced by color={forced!r}"
    if all(grey):
        return 1, "every image is grey"
    return 3, f"not every image is grey (the first colour one: {files[grey.index(False)]})"


def _auto_threads(sizes: list[tuple[int, int]]) -> int:
    mean_pixels = sum(height * width for height, width in sizes) / len(sizes)
    if mean_pixels < _AUTO_THREADS_FROM_PIXELS:
        return 1
    return min(_AUTO_THREADS, _usable_cpus())


def _read_images(
    files: list[Path],
    size: tuple[int, int] | None,
    channels: int | None,
    threads: int | None,
    verbose: int,
) -> tuple[np.ndarray, _Plan]:
    """Every image decoded into one preallocated array, after a pass over the headers."""
    register_decoders()
    # Headers are read in the calling thread: that is mostly Python, which threads slow down.
    headers = [with_image(file, header) for file in files]
    plan = _plan(files, headers, size, channels)
    if threads is None:
        threads = _auto_threads([image_size for image_size, _, _ in headers])
    images = np.empty((len(files), plan.channels, *plan.size), dtype=np.uint8)
    to_pixels = partial(pixels, mode="L" if plan.channels == 1 else "RGB", size=plan.size)

    def decode_into(index: int) -> None:
        # Each thread writes its own image's slice: no lock, no list of arrays to concatenate.
        pixels = with_image(files[index], to_pixels)
        images[index] = pixels.reshape(*plan.size, plan.channels).transpose(2, 0, 1)

    step = max(1, len(files) // 10)
    for done, _ in enumerate(_map(decode_into, range(len(files)), threads), 1):
        if verbose and len(files) >= _PROGRESS_FROM and done % step == 0:
            _say(f"{done:,}/{len(files):,} images ({100 * done // len(files)} %)")
    return images, plan


def _say(message: str) -> None:
    print(f"load_image_folder: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# The Bunch, and .npz files
# --------------------------------------------------------------------------------------


def _counts_line(target: np.ndarray, class_names: list[str]) -> str:
    counts = Counter(target.tolist())
    per_class = ", ".join(f"{name}: {counts[code]:,}" for code, name in enumerate(class_names))
    return f"{len(target):,} images in {len(class_names)} classes ({per_class})."


def _bunch(
    data: np.ndarray,
    target: np.ndarray,
    target_names: list[str],
    filenames: np.ndarray | None,
    descr: str,
) -> Bunch:
    from sklearn.utils import Bunch  # scikit-learn is slow to import: only when loading

    return Bunch(
        data=data, target=target, target_names=target_names, filenames=filenames, DESCR=descr
    )


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as error:  # a damaged zip, an object array, ...
        raise ValueError(f"{path} is not a readable .npz file ({error}).") from error
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array, not an .npz archive of X and y.")
    with loaded:
        missing = [key for key in ("X", "y") if key not in loaded.files]
        if missing:
            raise ValueError(
                f"{path} lacks the array(s) {missing}; it holds {sorted(loaded.files)}."
            )
        try:
            names = loaded["class_names"] if "class_names" in loaded.files else None
            return loaded["X"], loaded["y"], names
        except Exception as error:  # an object array, a damaged member
            raise ValueError(f"{path}: cannot read its arrays ({error}).") from error


def _npz_target(path: Path, y: np.ndarray, names: np.ndarray | None) -> tuple[np.ndarray, list]:
    if names is None:
        labels, target = np.unique(y, return_inverse=True)
        return target.astype(np.int64), [str(label) for label in labels.tolist()]
    if names.ndim != 1 or names.dtype.kind != "U" or len(set(names.tolist())) != len(names):
        raise ValueError(f"{path}: class_names must be a 1-D array of distinct strings.")
    if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= len(names):
        raise ValueError(
            f"{path}: with class_names, y must hold integer codes 0..{len(names) - 1}."
        )
    return y.astype(np.int64), names.tolist()


def _load_npz(path: Path) -> Bunch:
    X, y, names = _read_npz(path)
    if X.dtype.kind not in "iuf" or X.ndim not in (3, 4):
        raise ValueError(
            f"{path}: X must be a numeric array of shape (n, C, H, W) or (n, H, W); got "
            f"dtype {X.dtype} and shape {X.shape}."
        )
    if y.ndim != 1 or len(y) != len(X) or y.dtype.kind not in "iuU":
        raise ValueError(
            f"{path}: y must hold one integer or string label per image ({len(X)}); got "
            f"dtype {y.dtype} and shape {y.shape}."
        )
    target, target_names = _npz_target(path, y, names)
    if len(np.unique(target)) < 2:
        raise ValueError(f"{path}: y holds one class; a comparison needs at least two classes.")
    data = X[:, np.newaxis] if X.ndim == 3 else X
    descr = (
        f"Arrays read by load_image_folder from {path}.\n{_counts_line(target, target_names)}\n"
        f"Images: {data.shape[1:]} (C, H, W), dtype {data.dtype}."
    )
    return _bunch(data, target, target_names, None, descr)
