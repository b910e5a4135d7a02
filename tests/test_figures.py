"""The report's figures: class names from the dataset registry, an image grid for every
resampling method with real and synthetic blocks apart, and a zoomed score axis.

matplotlib comes with the test extra; the report draws on matplotlib's ``Figure``
(Agg canvas), never through pyplot."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler

from imblearn_deep import FlattenSampler
from imblearn_deep.comparison import _figures as figures_module
from imblearn_deep.comparison._artifacts import save_sample_images
from imblearn_deep.comparison._tables import mean_std
from imblearn_deep.datasets import DATASETS, load_imbalanced


@pytest.fixture(scope="module")
def digits():
    X, y, _, _ = load_imbalanced("digits")
    return X, y


@pytest.fixture(scope="module")
def smote_images(digits, tmp_path_factory):
    """The artifact of SMOTE on the imbalanced digits, 4 images per class."""
    X, y = digits
    sampler = FlattenSampler(SMOTE(k_neighbors=3, random_state=0))
    sampler.fit_resample(X, y)
    folder = tmp_path_factory.mktemp("results")
    path = save_sample_images(
        sampler,
        X,
        y,
        classes=np.unique(y),
        random_state=0,
        path=folder / "artifacts" / "smote.npz",
        per_class=4,
    )
    return folder, path


@pytest.fixture
def drawn(monkeypatch):
    """Every figure the report saves, by file name, still written to disk."""
    figures = {}
    save = figures_module._save

    def keep(fig, path):
        figures[path.name] = fig
        return save(fig, path)

    monkeypatch.setattr(figures_module, "_save", keep)
    return figures


LABELS = {"smote": "SMOTE", "deepsmote": "DeepSMOTE"}


def make_rows(dataset="fashion_mnist", scores=None, images=None):
    """Rows of finished cells: one small CNN, samplers by test macro-F1 per seed."""
    scores = scores or {"smote": [0.84, 0.87, 0.86], "deepsmote": [0.91, 0.88, 0.90]}
    classes = list(range(10))
    rows = []
    for sampler, values in scores.items():
        for seed, value in enumerate(values):
            rows.append(
                {
                    "dataset": dataset,
                    "status": "ok",
                    "sampler": sampler,
                    "sampler_label": LABELS.get(sampler, sampler),
                    "classifier": "small_cnn",
                    "classifier_label": "small CNN",
                    "seed": seed,
                    "classes": classes,
                    "test_class_counts": {str(c): 10 - c for c in classes},
                    "recall": {str(c): value for c in classes},
                    "confusion_matrix": np.diag([10 - c for c in classes]).tolist(),
                    "test_f1_macro": value,
                    **({"images": images[sampler]} if images and sampler in images else {}),
                }
            )
    return rows


# -- the artifacts -------------------------------------------------------------------------


def test_smote_artifact_holds_synthetic_images_of_each_grown_class(digits, smote_images):
    X, y = digits
    _, path = smote_images
    assert path.name == "smote.npz"  # written where asked
    with np.load(path) as saved:
        generated, labels = saved["generated"], saved["generated_labels"]
        real, real_labels = saved["real"], saved["real_labels"]
        assert saved["classes"].tolist() == list(range(10))
    # SMOTE grows every class but the majority (0) to 140: 4 of each are kept.
    assert generated.shape == (36, 1, 8, 8)
    assert np.bincount(labels, minlength=10).tolist() == [0] + [4] * 9
    # Interpolated, not copied: no synthetic image is a training image.
    training = {row.tobytes() for row in X}
    assert not any(image.tobytes() in training for image in generated)
    assert real.shape == (40, 1, 8, 8)
    for label in range(10):
        np.testing.assert_array_equal(real[real_labels == label], X[y == label][:4])


def test_artifact_is_seeded(digits, tmp_path):
    X, y = digits
    sampler = FlattenSampler(SMOTE(k_neighbors=3, random_state=3))
    paths = [
        save_sample_images(sampler, X, y, classes=[1, 9], random_state=0, path=tmp_path / name)
        for name in ("a.npz", "b.npz")
    ]
    with np.load(paths[0]) as a, np.load(paths[1]) as b:
        np.testing.assert_array_equal(a["generated"], b["generated"])
        assert a["generated_labels"].tolist() == [1] * 8 + [9] * 8


class GeneratorStub:
    """A fitted deep sampler's interface: ``sampling_strategy_`` and ``generate``."""

    sampling_strategy_ = {0: 0, 1: 2, 2: 30}

    def generate(self, n, label, random_state=None):
        return np.full((n, 1, 4, 4), float(label), dtype=np.float32)


def test_deep_sampler_artifact_draws_from_the_generator(tmp_path):
    X = np.zeros((9, 1, 4, 4), dtype=np.float32)
    y = np.repeat([0, 1, 2], 3)
    path = save_sample_images(
        GeneratorStub(), X, y, classes=[0, 1, 2], random_state=0, path=tmp_path / "deep.npz"
    )
    with np.load(path) as saved:
        # As many as the sampler adds, capped at 8 per class.
        assert saved["generated_labels"].tolist() == [1] * 2 + [2] * 8
        assert np.all(saved["generated"][:, 0, 0, 0] == saved["generated_labels"])


def test_no_synthetic_images_no_artifact(digits, tmp_path):
    X, y = digits
    nothing = save_sample_images(
        "passthrough", X, y, classes=[0], random_state=0, path=tmp_path / "a"
    )
    assert nothing is None
    balanced = np.isin(y, [8, 9])  # 5 images each: RandomOverSampler adds nothing
    ros = FlattenSampler(RandomOverSampler(random_state=0))
    assert (
        save_sample_images(
            ros, X[balanced], y[balanced], classes=[8, 9], random_state=0, path=tmp_path / "b"
        )
        is None
    )
    assert not any(tmp_path.iterdir())


def test_artifact_rejects_bad_input(digits, tmp_path):
    X, y = digits
    with pytest.raises(ValueError, match="same length"):
        save_sample_images("passthrough", X[:3], y, classes=[0], random_state=0, path=tmp_path)
    with pytest.raises(ValueError, match="per_class must be a positive integer"):
        save_sample_images(
            "passthrough", X, y, classes=[0], random_state=0, path=tmp_path, per_class=0
        )


# -- the figures ---------------------------------------------------------------------------


def grid_block(fig, kind):
    """The axes of one block of an image grid, and its picture (a row per class)."""
    (ax,) = [ax for ax in fig.axes if ax.get_label() == kind]
    return ax, np.asarray(ax.images[0].get_array())


# The registry's names (their values are checked in test_datasets.py).
FASHION_NAMES = list(DATASETS["fashion_mnist"].class_names)


def test_image_grid_parts_real_and_synthetic_with_class_names(smote_images, drawn):
    folder, path = smote_images
    rows = make_rows(images={"smote": f"artifacts/{path.name}"})
    figures_module.write_figures(rows, folder, "fashion_mnist")
    fig = drawn["fashion_mnist_smote_images.png"]
    assert (folder / "figures" / "fashion_mnist_smote_images.png").is_file()
    real, real_picture = grid_block(fig, "real")
    synthetic, synthetic_picture = grid_block(fig, "synthetic")
    # A row per class of 4 images 8 pixels wide, a white line of 1 pixel between them.
    assert real_picture.shape == synthetic_picture.shape == (10 * 9 - 1, 4 * 9 - 1)
    with np.load(path) as saved:
        real_images, labels = saved["real"][:, 0], saved["real_labels"]
        low = min(real_images.min(), saved["generated"].min())
        high = max(real_images.max(), saved["generated"].max())
        sandal = (saved["generated"][saved["generated_labels"] == 5][2, 0] - low) / (high - low)
    # Row 5 ("Sandal"), third column: the third synthetic image of class 5.
    np.testing.assert_allclose(synthetic_picture[5 * 9 : 5 * 9 + 8, 18:26], sandal)
    first_real = (real_images[labels == 0][0] - low) / (high - low)
    np.testing.assert_allclose(real_picture[:8, :8], first_real)
    # A clear gap between the blocks: wider than half an image.
    left, right = real.get_position(), synthetic.get_position()
    assert right.x0 - left.x1 > 0.5 * left.width / 4
    assert real.get_title() == "real" and synthetic.get_title() == "synthetic: SMOTE"
    # The registry's class names label the rows; the majority class got nothing.
    assert [t.get_text() for t in real.get_yticklabels()] == FASHION_NAMES
    (nothing,) = synthetic.texts
    assert nothing.get_text() == "none added" and nothing.get_position()[1] < 9


def test_every_resampling_method_gets_an_image_grid(smote_images, drawn):
    """Pixel samplers' artifacts and the deep samplers' older per-class layout alike."""
    folder, path = smote_images
    classes = np.arange(10)
    np.savez_compressed(
        folder / "artifacts" / "old_deepsmote.npz",
        classes=classes,
        generated=np.ones((10, 3, 1, 8, 8), dtype=np.float32),
        real=np.zeros((10, 1, 8, 8), dtype=np.float32),
        real_labels=classes,
    )
    rows = make_rows(
        dataset="digits",
        images={"smote": f"artifacts/{path.name}", "deepsmote": "artifacts/old_deepsmote.npz"},
    )
    figures_module.write_figures(rows, folder, "digits")
    assert {"digits_smote_images.png", "digits_deepsmote_images.png"} <= set(drawn)
    old = drawn["digits_deepsmote_images.png"]
    real, real_picture = grid_block(old, "real")
    synthetic, synthetic_picture = grid_block(old, "synthetic")
    assert real_picture.shape == (89, 8) and synthetic_picture.shape == (89, 3 * 9 - 1)
    assert synthetic.get_title() == "synthetic: DeepSMOTE" and not synthetic.texts
    assert [t.get_text() for t in real.get_yticklabels()] == [str(c) for c in classes]


def test_score_axis_is_zoomed_to_the_seeds(tmp_path, drawn):
    rows = make_rows()
    figures_module.write_figures(rows, tmp_path, "fashion_mnist")
    fig = drawn["fashion_mnist_f1.png"]
    (ax,) = fig.axes
    low, high = ax.get_ylim()
    shown = []
    for sampler in ("smote", "deepsmote"):
        scores = [r["test_f1_macro"] for r in rows if r["sampler"] == sampler]
        mean, std = mean_std(scores)
        shown += [*scores, mean - std, mean + std]
    margin = max(0.1 * (max(shown) - min(shown)), 0.01)
    # Zoomed: the data plus a small margin, nowhere near 0-1.
    assert min(shown) - margin - 1e-9 <= low < min(shown)
    assert max(shown) < high <= max(shown) + margin + 1e-9
    # Every seed is a dot.
    dots = sorted(y for line in ax.lines if line.get_marker() == "o" for y in line.get_ydata())
    assert dots == sorted(r["test_f1_macro"] for r in rows)


def test_equal_scores_still_get_a_visible_range(tmp_path, drawn):
    rows = make_rows(scores={"smote": [0.8, 0.8]})
    figures_module.write_figures(rows, tmp_path, "digits")
    low, high = drawn["digits_f1.png"].axes[0].get_ylim()
    assert low < 0.8 < high and high - low == pytest.approx(0.02)


def test_recall_and_confusion_figures_name_the_classes(tmp_path, drawn):
    figures_module.write_figures(make_rows(), tmp_path, "fashion_mnist")
    recall_ticks = [
        t.get_text() for t in drawn["fashion_mnist_recall.png"].axes[0].get_xticklabels()
    ]
    assert recall_ticks[5] == "Sandal\nn=5"
    confusion = drawn["fashion_mnist_confusion.png"].axes[0]
    assert [t.get_text() for t in confusion.get_yticklabels()][5] == "Sandal"
    # A dataset outside the registry keeps its labels.
    figures_module.write_figures(make_rows(dataset="custom"), tmp_path, "custom")
    custom_ticks = [t.get_text() for t in drawn["custom_recall.png"].axes[0].get_xticklabels()]
    assert custom_ticks[5] == "5\nn=5"


NINE_METHODS = ["none", "weighted", "logit_adjusted", "drw", "balanced_batches", "ros"]
NINE_METHODS += ["smote", "adasyn", "deepsmote"]


def test_recall_figure_is_a_readable_heat_map_of_nine_methods(tmp_path, drawn):
    rows = make_rows(scores={method: [0.8, 0.8] for method in NINE_METHODS})
    for row in rows:
        # Recalls that differ by method, class and seed: the cells show the seeds' mean.
        shift = NINE_METHODS.index(row["sampler"]) / 10
        row["recall"] = {str(c): (c / 10 + shift + row["seed"] / 100) % 1 for c in range(10)}
    figures_module.write_figures(rows, tmp_path, "fashion_mnist")
    fig = drawn["fashion_mnist_recall.png"]
    ax = fig.axes[0]  # then the colour bar
    picture = np.asarray(ax.images[0].get_array())
    assert picture.shape == (9, 10)
    labels = [LABELS.get(m, m) for m in NINE_METHODS]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert [t.get_text() for t in ax.get_xticklabels()][5] == "Sandal\nn=5"
    # Every cell carries its value: 4 is "ros", 3 is "Dress".
    texts = {tuple(np.round(t.get_position()).astype(int)): t.get_text() for t in ax.texts}
    assert len(texts) == 90
    expected = (3 / 10 + 5 / 10 + 0.005) % 1
    assert picture[5, 3] == pytest.approx(expected) and texts[(3, 5)] == f"{expected:.2f}"
    # Readable: cells wide enough for "0.00" in 7-point type and a line of it high,
    # the figure no wider than a page.
    width, height = fig.get_size_inches()
    box = ax.get_position()
    assert box.width * width / 10 > 0.4 and box.height * height / 9 > 0.2
    assert width < 10


def test_recall_heat_map_of_many_classes_is_colour_only(tmp_path, drawn):
    classes = list(range(30))
    rows = make_rows(dataset="custom")
    for row in rows:
        row.update(
            classes=classes,
            test_class_counts={str(c): 2 for c in classes},
            recall={str(c): 0.5 for c in classes},
            confusion_matrix=np.diag([2] * 30).tolist(),
        )
    figures_module.write_figures(rows, tmp_path, "custom")
    fig = drawn["custom_recall.png"]
    ax = fig.axes[0]
    # 30 values would not fit their cells: none is written, the names stand upright.
    assert np.asarray(ax.images[0].get_array()).shape == (2, 30) and not ax.texts
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {90}
    assert fig.get_size_inches()[0] < 10


def test_training_figure_draws_the_losses_only_against_the_steps(tmp_path, drawn):
    rows = make_rows(dataset="digits")
    # A step budget of 20: three full epochs of 6 steps, then one cut to 2.
    history = [
        {"stage": "autoencoder", "epoch": e, "steps": steps, "reconstruction": 1 / e}
        | {"penalty": 0.5 / e, "loss": 1.5 / e, "seconds": 0.1}
        for e, steps in zip((1, 2, 3, 4), (6, 6, 6, 2), strict=True)
    ]
    for row in rows:
        if row["sampler"] == "deepsmote":
            row["history"] = history
    figures_module.write_figures(rows, tmp_path, "digits")
    (ax,) = drawn["digits_deepsmote_training.png"].axes
    # Three seeds, each drawing its three losses: no steps, seconds or epochs.
    losses = ["reconstruction", "penalty", "loss"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == losses
    curves = [[rec[name] for rec in history] for name in losses]
    assert [line.get_ydata().tolist() for line in ax.lines] == curves * 3
    for line in ax.lines:
        assert line.get_xdata().tolist() == [6, 12, 18, 20]
    assert ax.get_xlabel() == "optimizer steps (at each epoch's end)"
    assert ax.get_ylabel() == "loss (epoch mean)"


# -- redrawn only when the rows change ------------------------------------------------------


def test_figures_are_not_redrawn_for_the_same_rows(tmp_path, drawn):
    rows = make_rows()
    first = figures_module.write_figures(rows, tmp_path, "fashion_mnist")
    assert {name for _, name in first} == set(drawn) and len(drawn) == 3
    written = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "figures").glob("*.png")}
    drawn.clear()
    # A resume with nothing new: same list, nothing drawn, no file rewritten.
    assert figures_module.write_figures(make_rows(), tmp_path, "fashion_mnist") == first
    assert drawn == {}
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "figures").glob("*.png")} == written


def test_figures_are_redrawn_when_a_row_changes_or_a_file_is_missing(tmp_path, drawn):
    figures_module.write_figures(make_rows(), tmp_path, "fashion_mnist")
    drawn.clear()
    changed = make_rows(scores={"smote": [0.84, 0.87, 0.86], "deepsmote": [0.91, 0.88, 0.5]})
    figures_module.write_figures(changed, tmp_path, "fashion_mnist")
    assert len(drawn) == 3
    drawn.clear()
    (tmp_path / "figures" / "fashion_mnist_recall.png").unlink()
    figures_module.write_figures(changed, tmp_path, "fashion_mnist")
    assert (tmp_path / "figures" / "fashion_mnist_recall.png").is_file() and len(drawn) == 3


def test_an_interrupted_drawing_is_redone(tmp_path, monkeypatch):
    rows = make_rows()
    figures_module.write_figures(rows, tmp_path, "fashion_mnist")
    save, saved = figures_module._save, []

    def interrupted(fig, path):
        if path.name.endswith("_recall.png"):
            raise KeyboardInterrupt
        return save(fig, path)

    monkeypatch.setattr(figures_module, "_save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        figures_module.write_figures(make_rows(scores={"smote": [0.5]}), tmp_path, "fashion_mnist")
    # The scores figure now shows the other rows: back to the first rows, every figure is
    # drawn again (their digest went before the interrupted drawing began).
    monkeypatch.setattr(
        figures_module, "_save", lambda fig, path: saved.append(path.name) or save(fig, path)
    )
    figures_module.write_figures(rows, tmp_path, "fashion_mnist")
    assert sorted(saved) == [f"fashion_mnist_{n}.png" for n in ("confusion", "f1", "recall")]


def test_redraw_draws_up_to_date_figures(tmp_path, drawn):
    figures_module.write_figures(make_rows(), tmp_path, "fashion_mnist")
    drawn.clear()
    figures_module.write_figures(make_rows(), tmp_path, "fashion_mnist", redraw=True)
    assert len(drawn) == 3
