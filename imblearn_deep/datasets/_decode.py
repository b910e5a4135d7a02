"""Decoding one image file into the set's colour mode and size, with only the decoders of
the image formats we read."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from PIL.Image import Image

_T = TypeVar("_T")

# Pillow identifies a file by its content, not its name. Only these decoders may run, so that
# a file named ``.png`` that holds, say, PostScript never reaches Ghostscript. (The JPEG
# decoder also opens the multi-picture JPEGs, MPO, that many cameras write.)
_FORMATS = ("BMP", "JPEG", "PNG", "PPM", "TIFF", "WEBP")
_PLUGINS = ("Bmp", "Jpeg", "Png", "Ppm", "Tiff", "WebP")
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N"})
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})


def register_decoders() -> None:
    # Image.open(formats=...) only finds registered decoders. Registering them here, in the
    # calling thread, spares the decoding threads from loading plugins concurrently.
    for plugin in _PLUGINS:
        importlib.import_module(f"PIL.{plugin}ImagePlugin")


def with_image(file: Path, use: Callable[[Image], _T]) -> _T:
    """``use(image)`` on the opened file; Pillow's errors become errors naming the file."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(file, formats=_FORMATS) as image:
            return use(image)
    except PILImage.DecompressionBombError as error:
        raise ValueError(
            f"{file} is too large to decode safely ({error}); Pillow's decompression-bomb "
            "limit is PIL.Image.MAX_IMAGE_PIXELS."
        ) from error
    except PermissionError as error:
        raise PermissionError(f"Cannot read {file}: permission denied.") from error
    except Exception as error:  # Pillow raises many types for damaged files
        raise ValueError(
            f"{file} is not a readable PNG, JPEG, BMP, TIFF, WebP or PPM/PGM image "
            f"({type(error).__name__}: {error}). Repair or remove it: skipping it would "
            "change the class counts."
        ) from error


def is_grey(image: Image) -> bool:
    if image.mode in _GREY_MODES:
        return True
    if image.mode in ("P", "PA") and image.palette is not None:
        width = len(image.palette.mode)
        entries = np.frombuffer(bytes(image.palette.palette), dtype=np.uint8)
        colours = entries[: len(entries) // width * width].reshape(-1, width)[:, :3]
        return bool((colours == colours[:, :1]).all())
    return False


def header(image: Image) -> tuple[tuple[int, int], str, bool]:
    # Image.open reads only the header: size and mode come without decoding the pixels.
    return (image.height, image.width), image.mode, is_grey(image)


def on_white(rgba: np.ndarray) -> np.ndarray:
    """RGBA pixels composited onto white, rounded: opaque keeps its colour, clear is white."""
    alpha = rgba[..., 3:].astype(np.uint32)
    colour = rgba[..., :3].astype(np.uint32)
    return ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def to_8bit(image: Image, mode: str) -> Image:
    """The image in ``mode`` ("L" or "RGB"), by the conversion rules of the docstring."""
    from PIL import Image as PILImage

    if image.mode in _SIXTEEN_BIT_MODES:
        top_byte = (np.clip(np.asarray(image), 0, 65535) >> 8).astype(np.uint8)
        return PILImage.fromarray(top_byte).convert(mode)
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        return PILImage.fromarray(on_white(np.asarray(image.convert("RGBA")))).convert(mode)
    return image.convert(mode)


def cover_and_crop(image: Image, size: tuple[int, int]) -> Image:
    """Scale (bilinear, aspect kept) to cover ``size``, then cut out its centre."""
    from PIL import Image as PILImage

    height, width = size
    if (image.height, image.width) == size:
        return image
    scale = max(height / image.height, width / image.width)
    # max() guards the covering side against a rounding just below the target.
    new_width = max(width, round(image.width * scale))
    new_height = max(height, round(image.height * scale))
    image = image.resize((new_width, new_height), PILImage.Resampling.BILINEAR)
    left, top = (new_width - width) // 2, (new_height - height) // 2
    return image.crop((left, top, left + width, top + height))


def pixels(image: Image, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    image = to_8bit(image, mode)
    if size is not None:
        image = cover_and_crop(image, size)
    return np.asarray(image)
