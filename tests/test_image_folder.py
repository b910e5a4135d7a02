"""Tests for load_image_folder: tiny class folders and .npz files written by the tests."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imblearn_deep.comparison._export import export_balanced
from imblearn_deep.datasets import _folder, load_image_folder

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def save(path: Path, image: Image.Image | np.ndarray, **options) -> Path:
    """Write ``image`` (a Pillow image, or an array Pillow reads) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    image.save(path, **options)
    return path


def grey(value: int, shape: tuple[int, int] = (4, 6)) -> np.ndarray:
    return np.full(shape, value, dtype=np.uint8)


def colour(rgb: tuple[int, int, int], shape: tuple[int, int] = (4, 6)) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (*shape, 3)).copy()


def two_classes(root: Path, first: np.ndarray, second: np.ndarray, suffix: str = ".png") -> Path:
    save(root / "a" / f"0{suffix}", first)
    save(root / "b" / f"0{suffix}", second)
    return root


def no_warnings(path: Path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_image_folder(path, **options)


def raises(error: type[Exception], *fragments: object):
    """``pytest.raises`` that wants every fragment (a path, a phrase) in the message."""
    pattern = "".join(f"(?=.*{re.escape(str(fragment))})" for fragment in fragments)
    return pytest.raises(error, match=re.compile(pattern, re.DOTALL))


# --------------------------------------------------------------------------------------
# The folder layout
# --------------------------------------------------------------------------------------


def test_classes_files_and_codes_follow_sorted_names(tmp_path):
    # Written out of order: classes and files are read in sorted name order.
    layout = {"dog": [3, 1], "cat": [7, 2, 5], "ant": [9]}
    for name, values in layout.items():
        for value in values:
            save(tmp_path / name / f"{value}.png", grey(10 * value))
    bunch = no_warnings(tmp_path)
    assert bunch.target_names == ["ant", "cat", "dog"]
    assert bunch.target.dtype == np.int64
    assert bunch.target.tolist() == [0, 1, 1, 1, 2, 2]
    relative = [Path(name).relative_to(tmp_path).as_posix() for name in bunch.filenames]
    assert relative == [
        "ant/9.png",
        "cat/2.png",
        "cat/5.png",
        "cat/7.png",
        "dog/1.png",
        "dog/3.png",
    ]
    assert bunch.data.dtype == np.uint8 and bunch.data.shape == (6, 1, 4, 6)
    assert bunch.data[:, 0, 0, 0].tolist() == [90, 20, 50, 70, 10, 30]
    assert bunch.data.flags.c_contiguous
    assert "6 images in 3 classes (ant: 1, cat: 3, dog: 2)" in bunch.DESCR
    assert "grey (C=1), every image is grey" in bunch.DESCR
    assert "4x6 (HxW), every image's own size" in bunch.DESCR


def test_every_supported_format(tmp_path):
    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    for name, options in [
        ("a.png", {}),
        ("b.bmp", {}),
        ("c.tif", {}),
        ("d.TIFF", {}),
        ("e.webp", {"lossless": True}),
        ("f.ppm", {}),
    ]:
        save(tmp_path / "lossless" / name, pixels, **options)
    save(tmp_path / "lossy" / "g.jpg", pixels, quality=95)
    save(tmp_path / "lossy" / "h.JPEG", pixels, quality=95)
    bunch = no_warnings(tmp_path)
    assert bunch.data.shape == (8, 3, 4, 6)
    np.testing.assert_array_equal(bunch.data[:6], np.tile(pixels.transpose(2, 0, 1), (6, 1, 1, 1)))
    # JPEG is lossy: close, not equal.
    assert np.abs(bunch.data[6:].astype(int) - pixels.transpose(2, 0, 1)).max() <= 12


def _palette_image(colours: list[tuple[int, int, int]], transparent: int | None = None):
    image = Image.new("P", (len(colours), 1))
    image.putpalette([channel for rgb in colours for channel in rgb])
    image.putdata(list(range(len(colours))))
    if transparent is not None:
        image.info["transparency"] = transparent
    return image


# Each mode, its pixels, and what a grey (C=1) or RGB (C=3) load makes of them.
_MODES = {
    "1": (Image.fromarray(np.array([[True, False]])), [[255, 0]]),
    "L": (Image.fromarray(np.array([[0, 200]], dtype=np.uint8)), [[0, 200]]),
    # Alpha is composited onto white: clear is white, opaque keeps its value.
    "LA": (
        Image.merge(
            "LA", [Image.new("L", (3, 1), 0), Image.frombytes("L", (3, 1), b"\x00\x80\xff")]
        ),
        [[255, 127, 0]],
    ),
    # 16-bit grey keeps its top byte.
    "I;16": (
        Image.fromarray(np.array([[0, 255, 256, 32768, 65535]], dtype=np.uint16)),
        [[0, 0, 1, 128, 255]],
    ),
    "P grey": (_palette_image([(0, 0, 0), (90, 90, 90)]), [[0, 90]]),
    "P grey, transparent": (_palette_image([(0, 0, 0), (90, 90, 90)], transparent=0), [[255, 90]]),
}


@pytest.mark.parametrize("mode", sorted(_MODES))
def test_grey_modes_load_as_one_channel(tmp_path, mode):
    image, expected = _MODES[mode]
    root = two_classes(tmp_path, np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.uint8))
    save(root / "a" / "0.png", image)
    save(root / "b" / "0.png", image)
    assert Image.open(root / "a" / "0.png").mode == mode.split()[0]
    bunch = no_warnings(root)
    assert bunch.data.shape[1] == 1
    assert bunch.data[0, 0].tolist() == expected
    # The same image in an RGB set: its grey in all three channels.
    save(root / "b" / "1.png", colour((1, 2, 3), image.size[::-1]))
    rgb = no_warnings(root)
    assert rgb.data.shape[1] == 3
    for channel in range(3):
        assert rgb.data[0, channel].tolist() == expected


def test_colour_modes_make_the_set_rgb(tmp_path):
    rgba = np.array([[[10, 20, 30, 255], [10, 20, 30, 0], [0, 0, 0, 128]]], dtype=np.uint8)
    save(tmp_path / "a" / "rgba.png", rgba)
    save(tmp_path / "a" / "z_grey.png", grey(7, (1, 3)))
    save(tmp_path / "b" / "palette.png", _palette_image([(255, 0, 0), (0, 0, 255), (1, 2, 3)], 2))
    bunch = no_warnings(tmp_path)
    assert bunch.data.shape == (3, 3, 1, 3)
    pixels = bunch.data.transpose(0, 2, 3, 1)[:, 0].tolist()
    assert pixels[0] == [[10, 20, 30], [255, 255, 255], [127, 127, 127]]
    assert pixels[1] == [[7, 7, 7]] * 3
    assert pixels[2] == [[255, 0, 0], [0, 0, 255], [255, 255, 255]]
    assert f"RGB (C=3), not every image is grey (the first colour one: {tmp_path}" in bunch.DESCR


def test_color_forces_the_mode(tmp_path):
    root = two_classes(tmp_path, colour((255, 0, 0)), colour((10, 10, 10)))
    forced_grey = no_warnings(root, color="grey")
    # Pillow's luma, 0.299 R + 0.587 G + 0.114 B.
    assert forced_grey.data.shape[1] == 1
    assert forced_grey.data[:, 0, 0, 0].tolist() == [76, 10]
    assert "forced by color='grey'" in forced_grey.DESCR
    grey_root = two_classes(tmp_path / "grey", grey(3), grey(4))
    forced_rgb = no_warnings(grey_root, color="rgb")
    assert forced_rgb.data.shape == (2, 3, 4, 6)
    assert (forced_rgb.data[1] == 4).all()


def test_float_images_are_refused(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    path = save(root / "b" / "1.tif", np.zeros((4, 6), np.float32))
    with raises(ValueError, path, "mode F", ".npz"):
        load_image_folder(root)


# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------


def test_different_sizes_need_image_size(tmp_path):
    first = save(tmp_path / "a" / "0.png", grey(1, (4, 6)))
    second = save(tmp_path / "b" / "0.png", grey(1, (5, 6)))
    with raises(ValueError, first, "4x6", second, "5x6", "image_size"):
        load_image_folder(tmp_path)


def test_image_size_scales_the_shorter_side_then_crops_the_centre(tmp_path):
    rng = np.random.default_rng(0)
    wide = rng.integers(0, 256, (10, 20), dtype=np.uint8)  # H=10, W=20
    small = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    exact = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    save(tmp_path / "a" / "wide.png", wide)
    save(tmp_path / "a" / "small.png", small)
    save(tmp_path / "b" / "exact.png", exact)
    bunch = no_warnings(tmp_path, image_size=8)
    assert bunch.data.shape == (3, 1, 8, 8)
    # 10x20 -> shorter side 8: 8x16, then columns 4..11.
    expected = Image.fromarray(wide).resize((16, 8), Image.Resampling.BILINEAR).crop((4, 0, 12, 8))
    np.testing.assert_array_equal(bunch.data[1, 0], np.asarray(expected))
    # 4x3 grows to cover 8x8: 11x8 (10.67 rounded), then rows 1..8.
    expected = Image.fromarray(small).resize((8, 11), Image.Resampling.BILINEAR).crop((0, 1, 8, 9))
    np.testing.assert_array_equal(bunch.data[0, 0], np.asarray(expected))
    np.testing.assert_array_equal(bunch.data[2, 0], exact)  # the target size: untouched
    assert "8x8 (HxW), each image scaled (bilinear, aspect kept)" in bunch.DESCR


def test_image_size_pair_is_height_then_width(tmp_path):
    rng = np.random.default_rng(1)
    square = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    root = two_classes(tmp_path, square, square)
    bunch = no_warnings(root, image_size=(4, 6))
    assert bunch.data.shape == (2, 3, 4, 6)
    # Covering 4x6 takes 6x6, whose centre rows are 1..4.
    expected = Image.fromarray(square).resize((6, 6), Image.Resampling.BILINEAR).crop((0, 1, 6, 5))
    np.testing.assert_array_equal(bunch.data[0].transpose(1, 2, 0), np.asarray(expected))


# --------------------------------------------------------------------------------------
# Options, threads, progress
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("image_size", 0),
        ("image_size", (8,)),
        ("image_size", (8, 2.5)),
        ("image_size", True),
        ("color", "gray"),
        ("color", "RGB"),
        ("n_jobs", 0),
        ("n_jobs", 1.5),
        ("n_jobs", True),
    ],
)
def test_invalid_options(tmp_path, option, value):
    root = two_classes(tmp_path, grey(1), grey(2))
    with raises(ValueError, option, repr(value)):
        load_image_folder(root, **{option: value})


def test_threads_give_the_same_images(tmp_path):
    rng = np.random.default_rng(2)
    for index in range(30):
        save(
            tmp_path / f"c{index % 3}" / f"{index:02d}.png",
            rng.integers(0, 256, (5, 7, 3), np.uint8),
        )
    serial = no_warnings(tmp_path, n_jobs=1, image_size=4)
    for n_jobs in (2, -1, None):
        threaded = no_warnings(tmp_path, n_jobs=n_jobs, image_size=4)
        np.testing.assert_array_equal(threaded.data, serial.data)
        np.testing.assert_array_equal(threaded.target, serial.target)
        np.testing.assert_array_equal(threaded.filenames, serial.filenames)


def test_default_threads_only_for_large_images(monkeypatch):
    # Measured on 2 cores: threads slow small images down and speed large ones up.
    monkeypatch.setattr(_folder, "_usable_cpus", lambda: 2)
    assert _folder._auto_threads([(32, 32)] * 100) == 1
    assert _folder._auto_threads([(128, 128), (384, 384)]) == 2  # the mean counts
    assert _folder._auto_threads([(512, 512)]) == 2
    monkeypatch.setattr(_folder, "_usable_cpus", lambda: 1)
    assert _folder._auto_threads([(512, 512)]) == 1


def test_verbose_reports_progress_on_large_folders(tmp_path, monkeypatch, capsys):
    for index in range(20):
        save(tmp_path / f"c{index % 2}" / f"{index:02d}.png", grey(index))
    load_image_folder(tmp_path, verbose=1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1  # under 1,000 images: the summary only
    assert lines[0].startswith("load_image_folder: read 20 images of 2 classes (1, 4, 6)")
    monkeypatch.setattr(_folder, "_PROGRESS_FROM", 10)
    load_image_folder(tmp_path, verbose=1)
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == [
        "load_image_folder: 2/20 images (10 %)",
        "load_image_folder: 4/20 images (20 %)",
    ]
    assert len(lines) == 11 and lines[9].endswith("20/20 images (100 %)")
    load_image_folder(tmp_path)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_missing_path(tmp_path):
    with raises(FileNotFoundError, tmp_path / "nowhere", "does not exist"):
        load_image_folder(tmp_path / "nowhere")


def test_a_file_that_is_not_npz(tmp_path):
    path = save(tmp_path / "one.png", grey(1))
    with raises(ValueError, path, "is a file", ".npz"):
        load_image_folder(path)


def test_empty_folder(tmp_path):
    with raises(ValueError, tmp_path, "no class subfolder"):
        load_image_folder(tmp_path)


def test_images_without_class_folders(tmp_path):
    save(tmp_path / "0.png", grey(1))
    save(tmp_path / "1.png", grey(1))
    with raises(ValueError, tmp_path, "no class subfolder (it holds 2 images directly)"):
        load_image_folder(tmp_path)


def test_one_class(tmp_path):
    save(tmp_path / "only" / "0.png", grey(1))
    with raises(ValueError, "one class folder, 'only'", "two classes"):
        load_image_folder(tmp_path)


def test_class_folder_without_images(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    (root / "c").mkdir()
    (root / "c" / "notes.txt").write_text("no images here")
    with raises(ValueError, root / "c", "holds no image"):
        load_image_folder(root)


def test_nested_folder_in_a_class(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    save(root / "b" / "more" / "1.png", grey(3))
    with raises(ValueError, root / "b" / "more", "inside the class folder 'b'"):
        load_image_folder(root)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:20], id="header cut"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"not an image at all", id="garbage"),
    ],
)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_damaged_image_stops_the_load(tmp_path, damage, n_jobs):
    rng = np.random.default_rng(3)
    for index in range(6):
        save(
            tmp_path / f"c{index % 2}" / f"{index}.png", rng.integers(0, 256, (32, 32, 3), np.uint8)
        )
    path = tmp_path / "c1" / "3.png"
    path.write_bytes(damage(path.read_bytes()))
    with raises(ValueError, path, "not a readable", "class counts"):
        load_image_folder(tmp_path, n_jobs=n_jobs)


def test_only_the_listed_decoders_run(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    path = root / "b" / "1.png"
    Image.fromarray(grey(3)).save(path, format="GIF")  # a GIF named .png
    with raises(ValueError, path, "not a readable", "cannot identify"):
        load_image_folder(root)


def test_decompression_bomb(tmp_path, monkeypatch):
    root = two_classes(tmp_path, grey(1, (8, 8)), grey(2, (8, 8)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # 8x8 is more than twice the limit
    with raises(ValueError, root / "a" / "0.png", "too large to decode safely", "MAX_IMAGE_PIXELS"):
        load_image_folder(root)


def test_unreadable_file(tmp_path, monkeypatch):
    # Tests may run as root, whom chmod does not stop: make Pillow's open fail as it would.
    root = two_classes(tmp_path, grey(1), grey(2))
    locked = root / "b" / "0.png"
    real_open = Image.open

    def open_(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Image, "open", open_)
    with raises(PermissionError, locked, "permission denied"):
        load_image_folder(root)


def test_files_that_are_not_images_are_counted_in_one_warning(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    (root / "README.md").write_text("about")
    (root / "a" / "labels.csv").write_text("x")
    (root / "b" / "image.gif").write_bytes(b"GIF89a")
    (root / "b" / ".DS_Store").write_bytes(b"\0")  # hidden: skipped silently
    (root / ".cache").mkdir()  # a hidden folder is no class
    with pytest.warns(UserWarning, match="Ignored 3 file") as record:
        bunch = load_image_folder(root)
    assert len(record) == 1
    message = str(record[0].message)
    for name in ("README.md", "labels.csv", "image.gif"):
        assert name in message
    assert ".DS_Store" not in message
    assert bunch.target_names == ["a", "b"] and len(bunch.target) == 2


def test_links_are_followed_inside_the_folder(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    save(root / ".store" / "kept.png", grey(9))
    (root / "a" / "link.png").symlink_to(root / ".store" / "kept.png")
    (root / "c").symlink_to(root / ".store", target_is_directory=True)
    bunch = no_warnings(root)
    assert bunch.target_names == ["a", "b", "c"]
    assert bunch.data[:, 0, 0, 0].tolist() == [1, 9, 2, 9]
    assert Path(bunch.filenames[1]) == root / "a" / "link.png"  # the link's path, not its target


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_links_out_of_the_folder_are_refused(tmp_path, kind):
    root = two_classes(tmp_path / "root", grey(1), grey(2))
    outside = save(tmp_path / "outside" / "secret.png", grey(5))
    link = root / "a" / "secret.png" if kind == "file" else root / "c"
    link.symlink_to(outside if kind == "file" else outside.parent)
    with raises(ValueError, link, "outside", "links are followed only inside"):
        load_image_folder(root)


def test_broken_link(tmp_path):
    root = two_classes(tmp_path, grey(1), grey(2))
    link = root / "a" / "gone.png"
    link.symlink_to(root / "a" / "never.png")
    with raises(FileNotFoundError, link, "broken symbolic link"):
        load_image_folder(root)


# --------------------------------------------------------------------------------------
# .npz files
# --------------------------------------------------------------------------------------


def test_npz_with_string_labels(tmp_path):
    X = np.arange(4 * 3 * 5, dtype=np.float32).reshape(4, 3, 5)  # (n, H, W)
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=np.array(["dog", "cat", "dog", "cat"]))
    bunch = load_image_folder(path)
    assert bunch.data.shape == (4, 1, 3, 5) and bunch.data.dtype == np.float32
    np.testing.assert_array_equal(bunch.data[:, 0], X)
    assert bunch.target.dtype == np.int64 and bunch.target.tolist() == [1, 0, 1, 0]
    assert bunch.target_names == ["cat", "dog"]
    assert bunch.filenames is None
    assert "4 images in 2 classes (cat: 2, dog: 2)" in bunch.DESCR


def test_npz_with_class_names(tmp_path):
    X = np.zeros((3, 3, 2, 2), dtype=np.uint8)
    path = tmp_path / "data.npz"
    np.savez_compressed(path, X=X, y=np.array([2, 0, 2]), class_names=np.array(["x", "y", "z"]))
    bunch = load_image_folder(path)
    assert bunch.target.tolist() == [2, 0, 2]
    assert bunch.target_names == ["x", "y", "z"]
    assert bunch.data.shape == (3, 3, 2, 2)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((2, 4, 4))}, "lacks the array(s) ['y']"),
        ({"X": np.zeros((2, 4)), "y": np.array([0, 1])}, "X must be a numeric array"),
        ({"X": np.full((2, 4, 4), "a"), "y": np.array([0, 1])}, "X must be a numeric array"),
        ({"X": np.zeros((2, 4, 4)), "y": np.array([0, 1, 1])}, "one integer or string label"),
        ({"X": np.zeros((2, 4, 4)), "y": np.array([0.0, 1.0])}, "one integer or string label"),
        ({"X": np.zeros((2, 4, 4)), "y": np.array([1, 1])}, "one class"),
        (
            {"X": np.zeros((2, 4, 4)), "y": np.array([0, 2]), "class_names": np.array(["a", "b"])},
            "integer codes 0..1",
        ),
        (
            {"X": np.zeros((2, 4, 4)), "y": np.array([0, 1]), "class_names": np.array(["a", "a"])},
            "distinct strings",
        ),
        ({"X": np.array([None, None]), "y": np.array([0, 1])}, "cannot read its arrays"),
    ],
)
def test_bad_npz(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with raises(ValueError, path, message):
        load_image_folder(path)


def test_npz_that_is_not_an_archive(tmp_path):
    single = tmp_path / "single.npz"
    with single.open("wb") as file:
        np.save(file, np.zeros(3))
    with raises(ValueError, single, "single array"):
        load_image_folder(single)
    garbage = tmp_path / "garbage.NPZ"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with raises(ValueError, garbage, "not a readable .npz"):
        load_image_folder(garbage)


# --------------------------------------------------------------------------------------
# Round trip, docs, imports
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channels", "labels"), [(3, [0, 1, 2, 10]), (1, ["cat", "dog", "emu", "cat"])]
)
def test_round_trip_through_export_balanced(tmp_path, channels, labels):
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (24, channels, 5, 7), dtype=np.uint8)
    y = np.array(labels * 6)
    export_balanced(X, y, tmp_path)
    bunch = no_warnings(tmp_path)
    assert bunch.data.shape == X.shape
    # export_balanced names each file after the image's index in X.
    indices = [int(Path(name).stem) for name in bunch.filenames]
    assert sorted(indices) == list(range(len(X)))
    np.testing.assert_array_equal(bunch.data, X[indices])
    names = [bunch.target_names[code] for code in bunch.target]
    expected = [str(label) for label in y[indices]]
    if channels == 3:  # integer labels are zero-padded folder names
        names = [str(int(name)) for name in names]
    assert names == expected


def test_import_loads_neither_pillow_nor_torch():
    code = "import sys, imblearn_deep.datasets; print(sorted({'PIL', 'torch'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
