"""Your own images for ``compare --data``: the training and test sets, the class names,
and one line saying where they came from and how the test set was drawn."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import DATASETS, load_image_folder

__all__ = ["UserData", "load_user_data", "stratified_holdout"]


@dataclass(frozen=True)
class UserData:
    """The four arrays of a comparison, what to call the data and its classes (``None``:
    a built-in data set's, from the registry), and where they came from."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    class_names: tuple[str, ...] | None
    source: str

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.X_train, self.y_train, self.X_test, self.y_test


def stratified_holdout(
    y: np.ndarray, test_size: float, random_state: int, class_names: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices: ``round(test_size * n)`` images of each class of ``n`` held
    out at random, at least one, and at least one left to train on.

    scikit-learn's stratified split rounds over the whole set, so a class of two or three
    images may end up on one side only; a comparison needs every class on both.

    Examples
    --------
    >>> train, test = stratified_holdout(np.array([0] * 8 + [1] * 2), 0.25, random_state=0)
    >>> len(train), len(test), sorted(np.array([0] * 8 + [1] * 2)[test].tolist())
    (7, 3, [0, 0, 1])
    """
    if not 0 < test_size < 1:
        raise ValueError(f"the test size must be a share between 0 and 1; got {test_size}.")
    rng = np.random.RandomState(random_state)
    test = []
    for code, n in sorted(Counter(y.tolist()).items()):
        if n < 2:
            name = class_names[code] if class_names else code
            raise ValueError(
                f"class {name!r} has {n} image: too few to hold one out for the test set "
                "and train on another. Add images, or pass --test-data with a test set."
            )
        n_test = min(max(1, round(test_size * n)), n - 1)
        test.append(rng.permutation(np.flatnonzero(y == code))[:n_test])
    # Sorted: both parts keep the order the images were read in.
    test_idx = np.sort(np.concatenate(test))
    return np.setdiff1d(np.arange(len(y)), test_idx), test_idx


def _label(path: Path) -> str:
    """The data's name in the results: the folder's (or file's) name, unless a built-in
    dataset has it (whose titles and class names would then be borrowed)."""
    name = path.stem if path.is_file() else path.resolve().name
    name = "".join(c for c in name if c.isprintable()).strip()[:64] or "images"
    return f"{name}-images" if name in DATASETS else name


def _shape(X: np.ndarray) -> str:
    return "×".join(str(s) for s in X.shape[1:])


def load_user_data(
    data: str | Path,
    *,
    test_data: str | Path | None = None,
    test_size: float = 0.25,
    image_size: int | tuple[int, int] | None = None,
    random_state: int = 0,
    verbose: int = 0,
) -> UserData:
    """Read ``data`` (a class-per-subfolder folder or an ``.npz``) and its test set:
    ``test_data`` in the same layout, else a stratified share ``test_size`` of ``data``.

    The test folder's classes are matched to the training folder's by name; its images
    are read in the training images' colour mode, and must come out the same size.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp()) / "shapes.npz"
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (12, 1, 4, 4), dtype=np.uint8)
    >>> np.savez(folder, X=X, y=np.array([0] * 9 + [1] * 3))
    >>> data = load_user_data(folder, test_size=0.25)
    >>> data.name, data.class_names, len(data.y_train), len(data.y_test)
    ('shapes', ('0', '1'), 8, 4)
    """
    data = Path(data)
    train = load_image_folder(data, image_size=image_size, verbose=verbose)
    names = list(train.target_names)
    X, y = train.data, train.target
    what = f"{data} ({len(y):,} images, {len(names)} classes, {_shape(X)})"
    if test_data is None:
        train_idx, test_idx = stratified_holdout(y, test_size, random_state, names)
        return UserData(
            X[train_idx],
            y[train_idx],
            X[test_idx],
            y[test_idx],
            _label(data),
            tuple(names),
            f"{what}; test set: a stratified {test_size:.0%} of each class "
            f"({len(test_idx):,} images), drawn with seed {random_state}.",
        )
    test_path = Path(test_data)
    color = "grey" if X.shape[1] == 1 else "rgb"
    test = load_image_folder(test_path, image_size=image_size, color=color, verbose=verbose)
    unknown = sorted(set(test.target_names) - set(names))
    if unknown:
        raise ValueError(
            f"{test_path} has classes that {data} has not: {unknown}; every test class "
            "needs training images (classes are matched by name)."
        )
    if test.data.shape[1:] != X.shape[1:]:
        hint = "" if image_size else " Pass --image-size to bring both to one size."
        raise ValueError(
            f"the test images of {test_path} are {_shape(test.data)} (C×H×W) but the "
            f"training images of {data} are {_shape(X)}.{hint}"
        )
    codes = np.array([names.index(name) for name in test.target_names], dtype=np.int64)
    return UserData(
        X,
        y,
        test.data,
        codes[test.target],
        _label(data),
        tuple(names),
        f"{what}; test set: {test_path} ({len(test.target):,} images).",
    )
