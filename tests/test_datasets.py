"""Tests for imblearn_deep.datasets: offline, on tiny files written in the real formats."""

from __future__ import annotations

import dataclasses
import gzip
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from imblearn_deep import datasets
from imblearn_deep.datasets import (
    DATASETS,
    PROFILES,
    ImbalanceProfile,
    get_dataset,
    load_balanced_test,
    load_cifar10,
    load_digits_images,
    load_fashion_mnist,
    load_imbalanced,
    load_mnist,
    make_imbalanced,
)

TRAIN_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST_NAMES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


# --------------------------------------------------------------------------------------
# Helpers writing the real file formats
# --------------------------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray, *, magic: int | None = None) -> Path:
    """Write ``array`` (uint8) as an IDX file, gzipped when ``path`` ends in ``.gz``."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x00000800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    payload = header + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path


def make_idx_split(n: int, seed: int, n_classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % n_classes).astype(np.uint8)
    return images, labels


def write_idx_dataset(directory: Path, *, gz: bool, n_train: int = 7, n_test: int = 4):
    """Write the four MNIST-style files; return the arrays written."""
    suffix = ".gz" if gz else ""
    written = {}
    for train, names, n in ((True, TRAIN_NAMES, n_train), (False, TEST_NAMES, n_test)):
        images, labels = make_idx_split(n, seed=int(train))
        write_idx(directory / (names[0] + suffix), images)
        write_idx(directory / (names[1] + suffix), labels)
        written[train] = (images, labels)
    return written


def cifar_rows(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), list(range(n))


def write_cifar_batch(path: Path, data: np.ndarray, labels: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"test", b"data": data, b"labels": labels}, f)


def write_cifar_dataset(directory: Path):
    train = [cifar_rows(2, seed=i) for i in range(1, 6)]
    for i, (data, labels) in enumerate(train, start=1):
        write_cifar_batch(directory / f"data_batch_{i}", data, labels)
    test = cifar_rows(3, seed=99)
    write_cifar_batch(directory / "test_batch", *test)
    return train, test


# --------------------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------------------


def test_load_digits_images_shape_dtype_values():
    X, y = load_digits_images()
    assert X.shape == (1797, 1, 8, 8)
    assert X.dtype == np.float32
    assert y.dtype == np.int64 and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    digits = load_digits()
    np.testing.assert_array_equal(X[:, 0], digits.images)
    np.testing.assert_array_equal(y, digits.target)


# --------------------------------------------------------------------------------------
# MNIST / Fashion-MNIST (IDX)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
@pytest.mark.parametrize("layout", ["torchvision", "flat"])
def test_load_mnist_reads_idx(tmp_path, gz, layout):
    directory = tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path
    written = write_idx_dataset(directory, gz=gz)
    for train in (True, False):
        X, y = load_mnist(tmp_path, train=train)
        images, labels = written[train]
        assert X.dtype == np.uint8 and X.shape == (len(images), 1, 28, 28)
        assert y.dtype == np.int64
        np.testing.assert_array_equal(X[:, 0], images)
        np.testing.assert_array_equal(y, labels)
        assert X.flags.writeable


def test_load_mnist_missing_lists_every_location(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path, train=False)
    msg = str(info.value)
    assert str(tmp_path) in msg
    assert str(tmp_path / "MNIST" / "raw") in msg
    assert "t10k-images-idx3-ubyte" in msg
    assert "download=True" in msg


def test_load_mnist_needs_both_files_in_one_place(tmp_path):
    images, _ = make_idx_split(3, seed=0)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)  # labels missing
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path)


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_load_mnist_corrupt_magic(tmp_path, gz):
    suffix = ".gz" if gz else ""
    images, labels = make_idx_split(3, seed=0)
    write_idx(tmp_path / (TRAIN_NAMES[0] + suffix), images, magic=0x00000813)
    write_idx(tmp_path / (TRAIN_NAMES[1] + suffix), labels)
    with pytest.raises(ValueError, match=r"magic number 0x00000813, expected 0x00000803"):
        load_mnist(tmp_path)


def test_load_mnist_labels_file_given_as_images_is_rejected(tmp_path):
    images, labels = make_idx_split(3, seed=0)
    # Swapped contents: the images path holds a labels file (magic 0x801).
    write_idx(tmp_path / TRAIN_NAMES[0], labels)
    write_idx(tmp_path / TRAIN_NAMES[1], images)
    with pytest.raises(ValueError, match="magic number"):
        load_mnist(tmp_path)


def test_load_mnist_truncated_and_bad_gzip(tmp_path):
    images, labels = make_idx_split(3, seed=0)
    path = write_idx(tmp_path / TRAIN_NAMES[0], images)
    write_idx(tmp_path / TRAIN_NAMES[1], labels)
    good = path.read_bytes()
    path.write_bytes(good[:-5])
    with pytest.raises(ValueError, match="corrupt"):
        load_mnist(tmp_path)
    path.write_bytes(good + b"\x00")  # trailing bytes disagree with the header too
    with pytest.raises(ValueError, match="corrupt"):
        load_mnist(tmp_path)

    other = tmp_path / "gz"
    (other / (TEST_NAMES[0] + ".gz")).parent.mkdir()
    (other / (TEST_NAMES[0] + ".gz")).write_bytes(b"definitely not gzip data")
    write_idx(other / (TEST_NAMES[1] + ".gz"), labels)
    with pytest.raises(ValueError, match="corrupt"):
        load_mnist(other, train=False)


def test_load_mnist_image_label_count_mismatch(tmp_path):
    images, labels = make_idx_split(4, seed=0)
    write_idx(tmp_path / TRAIN_NAMES[0], images)
    write_idx(tmp_path / TRAIN_NAMES[1], labels[:3])
    with pytest.raises(ValueError, match="4 images but .* 3 labels"):
        load_mnist(tmp_path)


def test_load_mnist_wrong_image_size(tmp_path):
    write_idx(tmp_path / TRAIN_NAMES[0], np.zeros((2, 8, 8)))
    write_idx(tmp_path / TRAIN_NAMES[1], np.zeros(2))
    with pytest.raises(ValueError, match="28x28"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("layout", ["torchvision", "flat"])
def test_load_fashion_mnist_from_root(tmp_path, monkeypatch, layout):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    directory = tmp_path / "FashionMNIST" / "raw" if layout == "torchvision" else tmp_path
    written = write_idx_dataset(directory, gz=True)
    for train in (True, False):
        X, y = load_fashion_mnist(tmp_path, train=train)
        np.testing.assert_array_equal(X[:, 0], written[train][0])
        np.testing.assert_array_equal(y, written[train][1])
        assert X.shape[1:] == (1, 28, 28) and y.dtype == np.int64


def test_fashion_mnist_debian_location_is_looked_up(tmp_path, monkeypatch):
    assert Path("/usr/share/datasets/fashion-mnist") == datasets.DEBIAN_FASHION_MNIST_DIR
    fake_debian = tmp_path / "debian" / "fashion-mnist"
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", fake_debian)
    root = tmp_path / "empty"
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(root)
    msg = str(info.value)
    for place in (root, root / "FashionMNIST" / "raw", fake_debian):
        assert str(place) in msg
    assert "apt-get install dataset-fashion-mnist" in msg
    assert "download=True" in msg

    # The same empty root loads once the (patched) Debian directory holds the .gz files.
    written = write_idx_dataset(fake_debian, gz=True)
    X, y = load_fashion_mnist(root, train=False)
    np.testing.assert_array_equal(X[:, 0], written[False][0])
    np.testing.assert_array_equal(y, written[False][1])


def test_root_files_take_precedence_over_debian(tmp_path, monkeypatch):
    fake_debian = tmp_path / "debian"
    write_idx_dataset(fake_debian, gz=True, n_train=5)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", fake_debian)
    write_idx_dataset(tmp_path / "root", gz=False, n_train=9)
    X, _ = load_fashion_mnist(tmp_path / "root")
    assert len(X) == 9


# --------------------------------------------------------------------------------------
# CIFAR-10 (pickle batches)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["official", "flat"])
def test_load_cifar10_reads_batches(tmp_path, layout):
    directory = tmp_path / "cifar-10-batches-py" if layout == "official" else tmp_path
    train, test = write_cifar_dataset(directory)

    X, y = load_cifar10(tmp_path, train=True)
    assert X.shape == (10, 3, 32, 32) and X.dtype == np.uint8
    assert y.dtype == np.int64
    expected = np.concatenate([data for data, _ in train])
    # Rows are R plane, G plane, B plane: channel-first without any transpose.
    np.testing.assert_array_equal(X[:, 1], expected[:, 1024:2048].reshape(-1, 32, 32))
    np.testing.assert_array_equal(X.reshape(10, -1), expected)
    np.testing.assert_array_equal(y, np.concatenate([labels for _, labels in train]))

    X_test, y_test = load_cifar10(tmp_path, train=False)
    np.testing.assert_array_equal(X_test.reshape(3, -1), test[0])
    assert y_test.tolist() == [0, 1, 2]


def test_load_cifar10_missing_lists_every_location(tmp_path):
    write_cifar_batch(tmp_path / "cifar-10-batches-py" / "test_batch", *cifar_rows(1, 0))
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path, train=True)  # train batches are missing
    msg = str(info.value)
    assert str(tmp_path / "cifar-10-batches-py") in msg
    assert f"  - {tmp_path}\n" in msg
    assert "data_batch_5" in msg and "download=True" in msg


def test_load_cifar10_corrupt_batch(tmp_path):
    (tmp_path / "test_batch").write_bytes(b"\x00garbage, not a pickle")
    with pytest.raises(ValueError, match="not a valid CIFAR-10 batch"):
        load_cifar10(tmp_path, train=False)


def test_load_cifar10_wrong_shape(tmp_path):
    write_cifar_batch(tmp_path / "test_batch", np.zeros((2, 100), dtype=np.uint8), [0, 1])
    with pytest.raises(ValueError, match=r"\(n, 3072\)"):
        load_cifar10(tmp_path, train=False)


# --------------------------------------------------------------------------------------
# download=True goes through torchvision (faked here: no network)
# --------------------------------------------------------------------------------------


@pytest.fixture
def fake_torchvision(monkeypatch):
    calls = []
    instances = []
    rng = np.random.default_rng(0)

    class _Fake:
        def __init__(self, root, train=True, download=False):
            calls.append((type(self).__name__, root, train, download))
            instances.append(self)

    class MNIST(_Fake):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.data = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
            self.targets = np.array([3, 1, 4, 1])

    class FashionMNIST(MNIST):
        pass

    class CIFAR10(_Fake):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.data = rng.integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
            self.targets = [5, 9]

    tv = types.ModuleType("torchvision")
    tv_datasets = types.ModuleType("torchvision.datasets")
    tv_datasets.MNIST, tv_datasets.FashionMNIST, tv_datasets.CIFAR10 = (
        MNIST,
        FashionMNIST,
        CIFAR10,
    )
    tv.datasets = tv_datasets
    monkeypatch.setitem(sys.modules, "torchvision", tv)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", tv_datasets)
    return types.SimpleNamespace(calls=calls, instances=instances)


@pytest.mark.parametrize(
    ("loader", "cls"), [(load_mnist, "MNIST"), (load_fashion_mnist, "FashionMNIST")]
)
def test_download_uses_torchvision_idx(tmp_path, monkeypatch, fake_torchvision, loader, cls):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    X, y = loader(tmp_path, train=False, download=True)
    assert fake_torchvision.calls == [(cls, str(tmp_path), False, True)]
    np.testing.assert_array_equal(X[:, 0], fake_torchvision.instances[0].data)
    assert X.shape == (4, 1, 28, 28) and X.dtype == np.uint8
    assert y.tolist() == [3, 1, 4, 1] and y.dtype == np.int64


def test_download_uses_torchvision_cifar(tmp_path, fake_torchvision):
    X, y = load_cifar10(tmp_path, download=True)
    assert fake_torchvision.calls == [("CIFAR10", str(tmp_path), True, True)]
    assert X.shape == (2, 3, 32, 32) and X.dtype == np.uint8 and X.flags.c_contiguous
    assert y.tolist() == [5, 9] and y.dtype == np.int64
    # torchvision keeps (n, H, W, C); ours is (n, C, H, W).
    np.testing.assert_array_equal(X, fake_torchvision.instances[0].data.transpose(0, 3, 1, 2))
    assert X[1, 2, 5, 7] == fake_torchvision.instances[0].data[1, 5, 7, 2]


def test_download_not_used_when_local_files_exist(tmp_path, fake_torchvision):
    write_idx_dataset(tmp_path, gz=True)
    write_cifar_dataset(tmp_path)
    load_mnist(tmp_path, download=True)
    load_cifar10(tmp_path, download=True)
    assert fake_torchvision.calls == []


# --------------------------------------------------------------------------------------
# make_imbalanced
# --------------------------------------------------------------------------------------


def indexed_images(n_per_class=(10, 8, 6)):
    """4-D X whose every pixel holds the row index, so selected rows can be traced back."""
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    y = np.random.default_rng(0).permutation(y)  # interleaved classes
    X = np.broadcast_to(np.arange(len(y))[:, None, None, None], (len(y), 2, 3, 3)).copy()
    return X, y


def test_make_imbalanced_counts_rows_order_4d():
    X, y = indexed_images()
    X_sub, y_sub = make_imbalanced(X, y, [5, 2, 0], random_state=0)
    assert X_sub.shape == (7, 2, 3, 3)
    assert np.bincount(y_sub, minlength=3).tolist() == [5, 2, 0]
    rows = X_sub[:, 0, 0, 0]
    np.testing.assert_array_equal(X_sub, X[rows])  # real rows of X
    np.testing.assert_array_equal(y_sub, y[rows])
    assert np.all(np.diff(rows) > 0)  # original order, no duplicates


def test_make_imbalanced_is_random_and_seeded():
    X, y = indexed_images()
    a = make_imbalanced(X, y, [3, 3, 3], random_state=1)
    b = make_imbalanced(X, y, [3, 3, 3], random_state=1)
    np.testing.assert_array_equal(a[0], b[0])
    rng = np.random.RandomState(1)
    c = make_imbalanced(X, y, [3, 3, 3], random_state=rng)
    np.testing.assert_array_equal(a[0], c[0])
    # Different seeds pick different rows, and not always the first rows of each class.
    chosen = {
        tuple(make_imbalanced(X, y, [3, 3, 3], random_state=s)[0][:, 0, 0, 0]) for s in range(5)
    }
    assert len(chosen) > 1
    first = np.sort(np.concatenate([np.flatnonzero(y == c)[:3] for c in range(3)]))
    assert any(rows != tuple(first) for rows in chosen)


def test_make_imbalanced_mapping_form_keeps_unlisted_classes():
    X, y = indexed_images()
    X_sub, y_sub = make_imbalanced(X, y, {np.int64(0): 4, 2: 1}, random_state=0)
    assert np.bincount(y_sub).tolist() == [4, 8, 1]
    np.testing.assert_array_equal(X_sub, X[X_sub[:, 0, 0, 0]])


def test_make_imbalanced_sequence_follows_sorted_labels():
    y = np.array(["cat", "ant", "cat", "bee", "ant", "cat", "bee"])
    X = np.arange(len(y) * 4).reshape(len(y), 2, 2)
    _, y_sub = make_imbalanced(X, y, (2, 1, 3), random_state=0)  # ant, bee, cat
    assert sorted(y_sub.tolist()) == ["ant", "ant", "bee", "cat", "cat", "cat"]


def test_make_imbalanced_count_larger_than_class():
    X, y = indexed_images()
    with pytest.raises(ValueError, match=r"Class 2 has only 6 samples available but 7 were"):
        make_imbalanced(X, y, [1, 1, 7])


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ([1, -1, 1], "non-negative, got -1"),
        ({1: -2}, "non-negative, got -2"),
        ([1, 1], "2 entries but y has 3 classes"),
        ([1, 1, 1, 1], "4 entries but y has 3 classes"),
        ({0: 1, 7: 2}, r"Unknown class label\(s\) \[7\]"),
    ],
)
def test_make_imbalanced_invalid_counts(counts, match):
    X, y = indexed_images()
    with pytest.raises(ValueError, match=match):
        make_imbalanced(X, y, counts)


def test_make_imbalanced_length_mismatch():
    X, y = indexed_images()
    with pytest.raises(ValueError, match="same number of samples"):
        make_imbalanced(X[:-1], y, [1, 1, 1])


def test_make_imbalanced_non_integer_count():
    X, y = indexed_images()
    with pytest.raises(TypeError, match="must be an integer"):
        make_imbalanced(X, y, [1.5, 1, 1])


# --------------------------------------------------------------------------------------
# Profiles and load_imbalanced
# --------------------------------------------------------------------------------------


def test_profiles_values():
    assert set(PROFILES) == {"digits", "mnist", "fashion_mnist", "cifar10"}
    mnist_train = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)
    assert PROFILES["mnist"].train == mnist_train
    assert PROFILES["fashion_mnist"].train == mnist_train
    assert PROFILES["cifar10"].train == (4500, 2000, 1000, 800, 600, 500, 400, 250, 150, 80)
    assert sum(PROFILES["mnist"].train) == 9000 and sum(PROFILES["cifar10"].train) == 10280
    deepsmote_test = (1000, 500, 250, 187, 125, 87, 50, 25, 15, 10)
    assert PROFILES["fashion_mnist"].test == deepsmote_test
    assert PROFILES["cifar10"].test == deepsmote_test
    # The official MNIST test split has 980 zeros: class 0 is capped there.
    assert PROFILES["mnist"].test == (980,) + deepsmote_test[1:]
    assert PROFILES["digits"].train == (140, 70, 35, 26, 18, 12, 8, 6, 5, 5)
    assert PROFILES["digits"].test == (35, 18, 9, 7, 5, 5, 5, 5, 5, 5)
    per_class = np.bincount(load_digits().target)
    assert np.all(np.add(PROFILES["digits"].train, PROFILES["digits"].test) <= per_class)


def test_imbalance_profile_is_frozen_and_validated():
    profile = ImbalanceProfile(train=(3, 1), test=(1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.train = (1, 1)
    with pytest.raises(ValueError, match="one count per class"):
        ImbalanceProfile(train=(3, 1), test=(1,))
    with pytest.raises(ValueError, match="non-negative"):
        ImbalanceProfile(train=(3, -1), test=(1, 1))


def test_registry_holds_every_dataset_once():
    assert list(DATASETS) == ["digits", "mnist", "fashion_mnist", "cifar10"]
    assert {name: info.profile for name, info in DATASETS.items()} == PROFILES
    assert all(name == info.name for name, info in DATASETS.items())
    assert DATASETS["fashion_mnist"].class_names == (
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
    )
    assert DATASETS["cifar10"].class_names == (
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
    )
    for name in ("digits", "mnist"):
        assert DATASETS[name].class_names == tuple("0123456789")
    # Every thesis stand-in names a dataset the thesis ran.
    assert {info.thesis_dataset for info in DATASETS.values()} == {
        "mnist",
        "fashion_mnist",
        "cifar10",
    }
    assert DATASETS["digits"].thesis_dataset == "mnist"


def test_every_registered_dataset_has_presets_and_thesis_meshes():
    from imblearn_deep.comparison import get_preset, thesis_mesh

    for name, info in DATASETS.items():
        paper = get_preset("paper", name)
        mesh = thesis_mesh("deepsmote", name)
        assert mesh == thesis_mesh("deepsmote", info.thesis_dataset)
        assert paper.sampler("deepsmote").params["latent_dim"] in mesh["latent_dim"]
        # The fast preset's schedule follows the training-set size.
        epochs = get_preset("fast", name).sampler("deepsmote").params["epochs"]
        assert epochs == (30 if sum(info.profile.train) < 1000 else 10)


def test_registry_image_shape_matches_the_loader():
    X, _ = DATASETS["digits"].loader()
    assert X.shape[1:] == DATASETS["digits"].image_shape


def test_get_dataset_and_names_of():
    info = get_dataset("fashion_mnist")
    assert info is DATASETS["fashion_mnist"]
    assert info.names_of(np.array([0, 5, 9])) == ["T-shirt/top", "Sandal", "Ankle boot"]
    # Labels that are not class indices are shown as they are.
    assert info.names_of([12, "x"]) == ["12", "x"]
    with pytest.raises(ValueError, match=r"'svhn'.*\['cifar10', 'digits'"):
        get_dataset("svhn")


def test_dataset_info_is_frozen_and_validated():
    info = DATASETS["mnist"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.title = "other"
    with pytest.raises(ValueError, match="3 class names but the profile counts 10"):
        dataclasses.replace(info, class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match=r"must be \(C, H, W\)"):
        dataclasses.replace(info, image_shape=(28, 28))


def test_load_imbalanced_digits_counts_and_real_rows():
    X_train, y_train, X_test, y_test = load_imbalanced("digits")
    profile = PROFILES["digits"]
    assert np.bincount(y_train).tolist() == list(profile.train)
    assert np.bincount(y_test).tolist() == list(profile.test)
    assert X_train.shape == (sum(profile.train), 1, 8, 8) and X_train.dtype == np.float32
    assert X_test.shape == (sum(profile.test), 1, 8, 8) and y_test.dtype == np.int64
    X_all, _ = load_digits_images()
    flat = {row.tobytes() for row in X_all}
    assert all(row.tobytes() in flat for row in np.concatenate([X_train, X_test]))


@pytest.fixture
def digit_ids(monkeypatch):
    """The digits with each image's row number as its pixels, and their labels."""
    _, y = load_digits_images()
    X_ids = np.broadcast_to(
        np.arange(len(y), dtype=np.float32)[:, None, None, None], (len(y), 1, 8, 8)
    ).copy()
    digits = dataclasses.replace(datasets.DATASETS["digits"], loader=lambda: (X_ids, y))
    monkeypatch.setitem(datasets.DATASETS, "digits", digits)
    return y


def test_load_imbalanced_digits_train_test_disjoint(digit_ids):
    y = digit_ids
    X_train, y_train, X_test, y_test = load_imbalanced("digits", random_state=3)
    train_ids = X_train[:, 0, 0, 0].astype(int)
    test_ids = X_test[:, 0, 0, 0].astype(int)
    assert len(set(train_ids)) == len(train_ids) and len(set(test_ids)) == len(test_ids)
    assert set(train_ids).isdisjoint(test_ids)
    np.testing.assert_array_equal(y[train_ids], y_train)
    np.testing.assert_array_equal(y[test_ids], y_test)
    assert np.all(np.diff(train_ids) > 0) and np.all(np.diff(test_ids) > 0)


def test_load_imbalanced_is_seeded():
    a = load_imbalanced("digits", random_state=5)
    b = load_imbalanced("digits", random_state=5)
    c = load_imbalanced("digits", random_state=6)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_load_imbalanced_official_splits(tmp_path, monkeypatch):
    """Train profile from the train files, test profile from the t10k files."""
    n_classes = 10
    for names, value, per_class in ((TRAIN_NAMES, 1, 5), (TEST_NAMES, 2, 3)):
        labels = np.repeat(np.arange(n_classes), per_class).astype(np.uint8)
        images = np.full((len(labels), 28, 28), value, dtype=np.uint8)
        write_idx(tmp_path / "MNIST" / "raw" / (names[0] + ".gz"), images)
        write_idx(tmp_path / "MNIST" / "raw" / (names[1] + ".gz"), labels)
    small = ImbalanceProfile(
        train=(5, 4, 3, 2, 1, 1, 1, 1, 1, 1), test=(3, 2, 1, 1, 1, 1, 0, 0, 0, 1)
    )
    monkeypatch.setitem(
        datasets.DATASETS, "mnist", dataclasses.replace(datasets.DATASETS["mnist"], profile=small)
    )
    X_train, y_train, X_test, y_test = load_imbalanced("mnist", root=tmp_path)
    assert np.bincount(y_train, minlength=10).tolist() == list(small.train)
    assert np.bincount(y_test, minlength=10).tolist() == list(small.test)
    assert np.all(X_train == 1) and np.all(X_test == 2)
    assert X_train.shape[1:] == (1, 28, 28)


def test_load_imbalanced_missing_data_propagates(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_imbalanced("cifar10", root=tmp_path)


def test_load_imbalanced_unknown_name():
    with pytest.raises(ValueError, match=r"'svhn'.*\['cifar10', 'digits', 'fashion_mnist'"):
        load_imbalanced("svhn")


def test_load_balanced_test_digits_is_balanced_and_disjoint_from_training(digit_ids):
    y = digit_ids
    for seed in (0, 3):
        X_train, y_train, _, _ = load_imbalanced("digits", random_state=seed)
        X_bal, y_bal = load_balanced_test("digits", random_state=seed)
        train_ids = set(X_train[:, 0, 0, 0].astype(int))
        bal_ids = X_bal[:, 0, 0, 0].astype(int)
        assert train_ids.isdisjoint(bal_ids) and len(set(bal_ids)) == len(bal_ids)
        np.testing.assert_array_equal(y[bal_ids], y_bal)
        # As many per class as the class with the fewest images left after training.
        left = np.bincount(y) - np.bincount(y_train)
        assert np.bincount(y_bal).tolist() == [int(left.min())] * 10


def test_load_balanced_test_official_split_is_the_whole_test_file(tmp_path):
    labels = np.repeat(np.arange(10), 4).astype(np.uint8)
    for names, value in ((TRAIN_NAMES, 1), (TEST_NAMES, 2)):
        images = np.full((len(labels), 28, 28), value, dtype=np.uint8)
        write_idx(tmp_path / "MNIST" / "raw" / (names[0] + ".gz"), images)
        write_idx(tmp_path / "MNIST" / "raw" / (names[1] + ".gz"), labels)
    X, y = load_balanced_test("mnist", root=tmp_path)
    assert X.shape == (40, 1, 28, 28) and np.all(X == 2)
    assert np.bincount(y).tolist() == [4] * 10
