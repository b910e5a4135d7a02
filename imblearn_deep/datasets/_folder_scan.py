"""The images a class-per-subfolder tree holds, in ``ImageFolder`` order; links followed only
inside the tree, anything that would silently change the class counts refused."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: torchvision's ``IMG_EXTENSIONS`` (matched case-insensitively): the files ``ImageFolder``
#: would read, so that both see the same images in the same order.
IMAGE_EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Tree:
    """The images a folder holds, in ``ImageFolder`` order (class, then file name)."""

    files: list[Path]
    target: np.ndarray
    class_names: list[str]


def followed(entry: os.DirEntry[str], root: Path) -> Path:
    """The entry's path; a link is checked to stay inside ``root`` and to lead somewhere."""
    path = Path(entry.path)
    if entry.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            raise ValueError(
                f"{path} is a symbolic link to {target}, outside {root}: links are followed "
                "only inside the folder. Copy the file in, or remove the link."
            )
        if not target.exists():
            raise FileNotFoundError(f"{path} is a broken symbolic link (to {target}).")
    return path


def entries(folder: Path, root: Path) -> list[tuple[str, Path, os.DirEntry[str]]]:
    """The folder's entries that do not start with ``.``, sorted by name, links checked."""
    with os.scandir(folder) as scan:
        entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    return [(entry.name, followed(entry, root), entry) for entry in entries]


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def class_images(folder: Path, root: Path, ignored: list[Path]) -> list[Path]:
    images = []
    for name, path, entry in entries(folder, root):
        if entry.is_dir():
            raise ValueError(
                f"{path} is a folder inside the class folder {folder.name!r}. Images must sit "
                "directly in their class folder: move them up, or make the folder a class."
            )
        # is_file() is false for FIFOs and devices, which must never be opened.
        if entry.is_file() and is_image(name):
            images.append(path)
        else:
            ignored.append(path)
    if not images:
        raise ValueError(
            f"The class folder {folder} holds no image ({', '.join(IMAGE_EXTENSIONS)}); "
            "remove it, or add its images."
        )
    return images


def scan(path: Path) -> Tree:
    root = path.resolve()
    ignored: list[Path] = []
    classes = []
    for _, entry_path, entry in entries(path, root):
        (classes if entry.is_dir() else ignored).append(entry_path)
    if not classes:
        loose = sum(is_image(file.name) for file in ignored)
        held = f" (it holds {loose} images directly)" if loose else ""
        raise ValueError(
            f"{path} has no class subfolder{held}; put the images of each class in a "
            "subfolder named after the class: path/<class name>/<image file>."
        )
    if len(classes) == 1:
        raise ValueError(
            f"{path} has one class folder, {classes[0].name!r}; a comparison needs at "
            "least two classes."
        )
    files: list[Path] = []
    target: list[int] = []
    for code, folder in enumerate(classes):
        images = class_images(folder, root, ignored)
        files += images
        target += [code] * len(images)
    if ignored:
        warn_ignored(path, ignored)
    return Tree(files, np.array(target, dtype=np.int64), [folder.name for folder in classes])


def warn_ignored(path: Path, ignored: list[Path]) -> None:
    shown = ", ".join(str(file.relative_to(path)) for file in ignored[:3])
    more = f" and {len(ignored) - 3} more" if len(ignored) > 3 else ""
    warnings.warn(
        f"Ignored {len(ignored)} file(s) in {path} that are not images in a class folder: "
        f"{shown}{more}. Images are read from path/<class name>/ with the extensions "
        f"{', '.join(IMAGE_EXTENSIONS)}.",
        UserWarning,
        stacklevel=4,
    )


# --------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------
