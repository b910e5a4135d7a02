"""Cost by image size: fits, generated images and a projected ``compare --data`` run.

What a fit, a generated image and a prediction cost at 28, 32, 64 and 128 pixels, and
what a ``compare --data`` run on a folder of such images would take.

For each image shape (by default 28×28 grey and 32×32, 64×64 and 128×128 RGB) and each
case, a fresh Python process builds the ``fast`` preset as it is sized for a training
set of ``--images`` images of that shape (``get_preset("fast", DataSize(...))``, the
study's class profile scaled to that size), makes that many random uint8 images (as an
image folder is read; compute cost does not depend on pixel values) and runs, on one
torch thread (the preset's):

* ``small_cnn`` / ``resnet18``: the preset's classifier (its batch size, channels or
  stem) for ``--steps`` optimizer steps, then a prediction of ``--predict`` images;
* ``deepsmote``: the preset's DeepSMOTE for ``--steps`` steps, then the images that
  balance the set;
* ``bagangp``: the preset's BAGAN-GP for ``--steps`` autoencoder and ``--steps`` GAN
  steps, then the images that balance the set;
* ``smote``: the preset's SMOTE and random over-sampling (imbalanced-learn on flattened
  images, through the preset's specs) balancing the set.

Each torch case first counts the FLOPs of one full-size training step of each stage
under torch's ``FlopCounterMode`` (two short fits a step apart; ``_common.step_flops`` for
the generators): a measure of the work that other processes' load does not disturb.
Those short fits also take oneDNN's one-off kernel selection out of the timed fit, which
is shorter than an epoch; where the timed fit spans several epochs, its first epoch is
left out as well (as ``cost_growth`` does). It reports seconds and GFLOP per optimizer
step, milliseconds per image seen, the fixed cost of a fit (converting the images,
building the networks), generation and prediction milliseconds per image, milliseconds
per image SMOTE and random over-sampling add, what the comparison's pipeline cache
spends per resampled image (hashing the input, writing the output; in the JSON), each
case's peak resident memory, and the cores other processes used meanwhile.

From these costs it projects the wall time of ``imblearn-deep compare --data FOLDER
--samplers none,weighted,logit_adjusted,ros,smote,deepsmote --seeds 0`` (``--jobs 1``,
the preset's default classifiers, quality on) for every measured shape, on a folder of
``--folder`` images: the training set a run keeps after holding out ``--test-size`` of
each class, and a training set of the folder's whole size (with a test set of the same
size given apart, ``--test-data``). The fits are counted with the runner's own planning
functions, so the projection follows the preset as it is now: the sampler and classifier
fits of each cell (a one-setting grid fitted once, else every fold and setting plus the
refit), one quality judge per classifier and seed, the quality measures' and the image
artifacts' refits of SMOTE and random over-sampling, the generated images, the
predictions of the validation folds, the test set and the quality features. Reading the
folder, the report and its figures are left out (seconds). Each fit takes the cost per
image seen measured with the preset for ``--images`` images (its batch size, stems),
times its own batch size: keep ``--images`` at the folder's size.

    python -m benchmarks.image_sizes      # 9 min beside 1-1.4 busy cores of other work
    python -m benchmarks.image_sizes --sizes 64 --channels 1 --cases small_cnn,deepsmote
    python -m benchmarks.image_sizes --rows benchmarks/results/image_sizes/rows.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.model_selection import StratifiedKFold

from ._common import (
    REPO,
    OtherLoad,
    classifier_epoch_time,
    describe_host,
    flop_counter,
    markdown_table,
    peak_rss_mb,
    profile_counts,
    sampler_seconds_per_step,
    step_flops,
)

CASES = ("small_cnn", "resnet18", "deepsmote", "bagangp", "smote")
SIZES = (28, 32, 64, 128)
CHANNELS = (1, 3, 3, 3)
# The methods the projection runs (issue 28's 30-minute target for a 64×64 RGB folder).
METHODS = ("none", "weighted", "logit_adjusted", "ros", "smote", "deepsmote")


# -- measuring (a child process) ------------------------------------------------------------


def _data(shape: tuple[int, int, int], n_images: int) -> tuple[np.ndarray, np.ndarray]:
    counts = profile_counts(n_images)
    y = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (len(y), *shape), dtype=np.uint8), y


def _cache_seconds(X, X_res, y_res, sampler) -> float:
    """What imblearn's cached pipeline spends on a sampler fit besides the fit: hashing
    its input, and writing its output and the fitted sampler to the cache folder."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        joblib.hash(X)
        joblib.dump((X_res, y_res, sampler), Path(folder, "output.pkl"))
        return time.perf_counter() - start


def _classifier_case(spec, X, y, steps: int, n_predict: int) -> dict:
    def build(max_steps: int):
        clf = spec.build(random_state=0, device="cpu", classes=np.unique(y))
        return clf.set_params(max_steps=max_steps, lr=spec.grid["lr"][0])

    def flops(max_steps: int) -> int:
        with flop_counter() as counter:
            build(max_steps).fit(X, y)
        return counter.get_total_flops()

    # Two counted fits a step apart give one step's FLOPs, and warm the kernels up.
    one_step = flops(2) - flops(1)
    clf = build(steps)
    start = time.perf_counter()
    clf.fit(X, y)
    fit = time.perf_counter() - start
    seconds, n_steps = classifier_epoch_time(clf)
    batch_size = clf.get_params()["batch_size"]
    clf.predict(X[:batch_size])  # warm-up of the inference shapes
    start = time.perf_counter()
    clf.predict(X[:n_predict])
    predict = time.perf_counter() - start
    return {
        "batch_size": batch_size,
        "train_s_per_step": seconds / n_steps,
        "gflop_per_step": one_step / 1e9,
        "train_ms_per_image_seen": 1000 * seconds / (n_steps * batch_size),
        "fit_overhead_s": fit - sum(e["dur"] for e in clf.history_),
        "predict_ms_per_image": 1000 * predict / n_predict,
    }


def _generator_case(name: str, spec, X, y, steps: int) -> dict:
    budget = (
        {"max_steps": steps}
        if name == "deepsmote"
        else {"autoencoder_steps": steps, "gan_steps": steps}
    )
    params = {**spec.params, "random_state": 0, "device": "cpu"}
    # Counting a full-size step's FLOPs fits the sampler a few steps: the kernels' warm-up.
    batch_size = params["batch_size"]
    rest = {key: value for key, value in params.items() if key not in (*budget, "batch_size")}
    counted = step_flops(partial(spec.estimator, batch_size=batch_size), X, y, batch_size, **rest)
    sampler = spec.estimator(**{**params, **budget})
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    total = time.perf_counter() - start
    trained = sum(r["seconds"] for r in sampler.history_)
    n_generated = len(X_res) - len(X)
    stages = dict.fromkeys(r["stage"] for r in sampler.history_)
    return {
        "batch_size": spec.params["batch_size"],
        **{
            f"{stage}_s_per_step": sampler_seconds_per_step(sampler.history_, stage)
            for stage in stages
        },
        **{f"{stage}_gflop_per_step": flops / 1e9 for stage, flops in counted.items()},
        "generated": n_generated,
        "generation_ms_per_image": 1000 * (total - trained) / n_generated,
        "cache_ms_per_image": 1000 * _cache_seconds(X, X_res, y_res, sampler) / len(X_res),
    }


def _pixel_case(preset, X, y) -> dict:
    row = {}
    for name in ("smote", "ros"):
        spec = preset.sampler(name)
        # Neighbours capped by the smallest class, as a run caps them.
        capped = spec.step_grid(max_neighbors=int(np.bincount(y).min()) - 1)
        sampler = spec.build(random_state=0)
        sampler.set_params(**{key.split("__", 1)[1]: v[0] for key, v in capped.items()})
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        seconds = time.perf_counter() - start
        row[f"{name}_s_per_image"] = seconds / (len(X_res) - len(X))
        if name == "smote":
            row["generated"] = len(X_res) - len(X)
            row["cache_ms_per_image"] = 1000 * _cache_seconds(X, X_res, y_res, sampler) / len(X_res)
    return row


def run_case(
    case: str, shape: tuple[int, int, int], n_images: int, steps: int, n_predict: int
) -> dict:
    """One measurement in this process."""
    from imblearn_deep.comparison import DataSize, get_preset

    X, y = _data(shape, n_images)
    preset = get_preset("fast", DataSize(len(y), shape, tuple(np.bincount(y).tolist())))
    torch.set_num_threads(preset.torch_threads)
    with OtherLoad() as load:
        if case in ("small_cnn", "resnet18"):
            row = _classifier_case(preset.classifier(case), X, y, steps, n_predict)
        elif case == "smote":
            row = _pixel_case(preset, X, y)
        else:
            row = _generator_case(case, preset.sampler(case), X, y, steps)
    return {
        "case": case,
        "shape": list(shape),
        "images": len(y),
        "steps": steps,
        **row,
        "peak_rss_mb": peak_rss_mb(),
        "other_load_cores": load.cores,
    }


# -- projecting a comparison ----------------------------------------------------------------


def _class_counts(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(y, minlength=n_classes)


def _generated(counts: np.ndarray) -> int:
    """Images an over-sampler adds to balance ``counts`` (every class up to the largest)."""
    return int((counts.max() - counts).sum())


def project_run(
    rows: list[dict],
    shape: tuple[int, int, int],
    y_train: np.ndarray,
    n_test: int,
    methods: tuple[str, ...] = METHODS,
    seed: int = 0,
) -> dict:
    """Projected seconds of a comparison on ``y_train``'s images of ``shape``, by part.

    ``rows`` are the measured cases of ``shape``. The preset is sized from the training
    set (``DataSize``), the cells are planned by the runner's functions, and each fit's
    steps are the estimator's own ``planned_steps``.
    """
    # The runner's own planning (private helpers): the projection counts what a run does,
    # and follows any change to it.
    from imblearn_deep.comparison import DataSize, get_preset
    from imblearn_deep.comparison._cell import Cell, cell_grids, cross_validates, planned_fits
    from imblearn_deep.comparison._quality import QUALITY_PER_CLASS
    from imblearn_deep.comparison._specs import n_settings

    cost = {row["case"]: row for row in rows if tuple(row["shape"]) == tuple(shape)}
    n_classes = int(y_train.max()) + 1
    full = _class_counts(y_train, n_classes)
    preset = get_preset("fast", DataSize(len(y_train), shape, tuple(full.tolist())))
    X_dummy = np.zeros((len(y_train), 1))  # the planning only splits the rows
    parts = dict.fromkeys(
        ("classifier training", "sampler training", "generation", "SMOTE / ROS", "prediction"),
        0.0,
    )
    parts["pipeline cache"] = 0.0
    judged = set()
    fits_per_cell = set()

    def classifier_fit(name: str, n_fit: int) -> float:
        clf = preset.classifier(name).build(random_state=seed, device="cpu")
        row = cost[name]
        # Per image seen, so that it holds at another batch size (the small schedule's).
        per_step = row["train_ms_per_image_seen"] / 1000 * clf.get_params()["batch_size"]
        # The fixed part (scaling the images, building the network) grows with the images.
        overhead = row["fit_overhead_s"] * n_fit / row["images"]
        return clf.planned_steps(n_fit)["max_steps"] * per_step + overhead

    def predict(name: str, n: int) -> float:
        return cost[name]["predict_ms_per_image"] / 1000 * n

    def sampler_fit(method: str, counts: np.ndarray) -> None:
        n_part, added = int(counts.sum()), _generated(counts)
        if method == "deepsmote":
            sampler = preset.sampler(method).build(random_state=seed, device="cpu")
            steps = sampler.planned_steps(n_part)["max_steps"]
            parts["sampler training"] += steps * cost[method]["autoencoder_s_per_step"]
            parts["generation"] += added * cost[method]["generation_ms_per_image"] / 1000
        else:
            parts["SMOTE / ROS"] += added * cost["smote"][f"{method}_s_per_image"]
        cache = cost["deepsmote" if method == "deepsmote" else "smote"]["cache_ms_per_image"]
        parts["pipeline cache"] += (n_part + added) * cache / 1000

    for classifier in preset.default_classifiers:
        for method in methods:
            cell = Cell(preset.sampler(method), preset.classifier(classifier), seed, "folder")
            sampler_grid, grid = cell_grids(cell, X_dummy, y_train, preset.cv)
            planned = planned_fits(cell, X_dummy, y_train, n_folds=preset.cv, search="auto")
            # The parts the sampler and the classifier are fitted on: every fold's training
            # part per setting when the grid is searched, then the whole training set.
            sampler_parts, classifier_parts = [], []
            if cross_validates(grid, "auto"):
                folds = StratifiedKFold(preset.cv, shuffle=True, random_state=seed)
                train_parts = [train for train, _ in folds.split(X_dummy, y_train)]
                sampler_parts = train_parts * n_settings(sampler_grid)
                classifier_parts = train_parts * n_settings(grid)
                # Every setting predicts each image once, in the fold that validates it.
                parts["prediction"] += predict(classifier, n_settings(grid) * len(y_train))
            whole = np.arange(len(y_train))
            sampler_parts = sampler_parts + [whole] if cell.sampler.resamples else []
            classifier_parts.append(whole)
            if (len(sampler_parts), len(classifier_parts)) != planned:
                raise RuntimeError(
                    f"{cell.key}: counted {len(sampler_parts)} sampler and "
                    f"{len(classifier_parts)} classifier fits; a run plans {planned}"
                )
            for train in sampler_parts:
                sampler_fit(method, _class_counts(y_train[train], n_classes))
            fits_per_cell.add(len(classifier_parts))
            for train in classifier_parts:
                parts["classifier training"] += classifier_fit(classifier, len(train))
            parts["prediction"] += predict(classifier, n_test)
            if not cell.sampler.resamples:
                continue
            if (classifier, seed) not in judged:  # one quality judge per classifier and seed
                judged.add((classifier, seed))
                parts["classifier training"] += classifier_fit(classifier, len(y_train))
            n_quality = int(np.minimum(full.max() - full, QUALITY_PER_CLASS).sum())
            if method == "deepsmote":
                # The quality measures and the image artifacts draw from the generator.
                n_drawn = n_quality + int(np.minimum(full.max() - full, 8).sum())
                parts["generation"] += n_drawn * cost[method]["generation_ms_per_image"] / 1000
            else:
                # The quality measures and the image artifacts each refit a clone.
                parts["SMOTE / ROS"] += (
                    2 * _generated(full) * cost["smote"][f"{method}_s_per_image"]
                )
            # The judge's features of the real and synthetic images, and its labels.
            parts["prediction"] += predict(classifier, len(y_train) + 2 * n_quality)
    return {
        "shape": list(shape),
        "train_images": len(y_train),
        "test_images": n_test,
        "classifiers": list(preset.default_classifiers),
        "classifier_fits_per_cell": sorted(fits_per_cell),
        "cells": len(preset.default_classifiers) * len(methods),
        "seconds": parts,
        "total_minutes": sum(parts.values()) / 60,
    }


def projections(rows: list[dict], n_folder: int, test_size: float) -> list[dict]:
    """:func:`project_run` for every measured shape with the cases it needs: the training
    set of a folder of ``n_folder`` images after the holdout (the command line's split),
    and one of ``n_folder``."""
    from imblearn_deep.comparison._user_data import stratified_holdout

    counts = profile_counts(n_folder)
    y = np.repeat(np.arange(len(counts)), counts)
    train, test = stratified_holdout(y, test_size, random_state=0)
    out = []
    for shape in dict.fromkeys(tuple(row["shape"]) for row in rows):
        for split, y_train in (("holdout", y[train]), ("whole", y)):
            try:
                out.append({"split": split, **project_run(rows, shape, y_train, len(test))})
            except KeyError as missing:
                print(f"no projection at {_shape_name(shape)}: {missing} not measured")
    return out


# -- output ---------------------------------------------------------------------------------


def _shape_name(shape) -> str:
    return f"{shape[1]}×{shape[2]} {'grey' if shape[0] == 1 else 'RGB'}"


def _table(rows: list[dict]) -> str:
    columns = [
        ("images", lambda r: _shape_name(r["shape"])),
        ("case", lambda r: r["case"]),
        ("batch", lambda r: r.get("batch_size")),
        ("s/step", lambda r: r.get("train_s_per_step", r.get("autoencoder_s_per_step"))),
        ("GFLOP/step", lambda r: r.get("gflop_per_step", r.get("autoencoder_gflop_per_step"))),
        ("GAN s/step", lambda r: r.get("gan_s_per_step")),
        ("GAN GFLOP/step", lambda r: r.get("gan_gflop_per_step")),
        ("ms/image seen", lambda r: r.get("train_ms_per_image_seen")),
        ("fit overhead s", lambda r: r.get("fit_overhead_s")),
        ("prediction ms/image", lambda r: r.get("predict_ms_per_image")),
        ("generation ms/image", lambda r: r.get("generation_ms_per_image")),
        (
            "SMOTE ms/image",
            lambda r: 1000 * r["smote_s_per_image"] if "smote_s_per_image" in r else None,
        ),
        ("ROS ms/image", lambda r: 1000 * r["ros_s_per_image"] if "ros_s_per_image" in r else None),
        ("peak RSS MB", lambda r: round(r["peak_rss_mb"])),
        ("other load (cores)", lambda r: r["other_load_cores"]),
    ]

    def cell(value) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    body = [[cell(get(row)) for _, get in columns] for row in rows]
    return markdown_table([label for label, _ in columns], body)


def _projection_table(projected: list[dict]) -> str:
    parts = list(projected[0]["seconds"]) if projected else []
    header = ["images", "training set", "fits a cell", "classifiers", "cells", *parts, "total"]
    body = []
    for p in projected:
        cells = [
            _shape_name(p["shape"]),
            f"{p['train_images']:,}",
            "/".join(map(str, p["classifier_fits_per_cell"])),
            ", ".join(p["classifiers"]),
            str(p["cells"]),
            *(f"{p['seconds'][part] / 60:.1f} min" for part in parts),
            f"**{p['total_minutes']:.1f} min**",
        ]
        body.append(cells)
    return markdown_table(header, body)


def _shapes(sizes: str, channels: str) -> list[tuple[int, int, int]]:
    sides = [int(s) for s in sizes.split(",")]
    depth = [int(c) for c in channels.split(",")]
    if len(depth) == 1:
        depth *= len(sides)
    if len(depth) != len(sides) or not set(depth) <= {1, 3}:
        raise ValueError("--channels takes 1 or 3, once or once per size")
    return [(c, s, s) for c, s in zip(depth, sides, strict=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="image sides, comma-separated"
    )
    parser.add_argument(
        "--channels",
        default=",".join(map(str, CHANNELS)),
        help="1 (grey) or 3 (RGB): one for all sizes, or one per size",
    )
    parser.add_argument("--cases", default=",".join(CASES), help="cases, comma-separated")
    parser.add_argument(
        "--steps", type=int, default=6, help="timed optimizer steps per fit (per stage)"
    )
    parser.add_argument(
        "--images", type=int, default=5000, help="training images the preset is sized for"
    )
    parser.add_argument("--predict", type=int, default=256, help="images predicted")
    parser.add_argument(
        "--folder", type=int, default=5000, help="images of the projected run's folder"
    )
    parser.add_argument(
        "--test-size", type=float, default=0.25, help="share the projected run holds out"
    )
    parser.add_argument(
        "--rows", metavar="FILE", help="project from a --json file; measure nothing"
    )
    parser.add_argument("--json", metavar="FILE", help="also write rows and projections as JSON")
    parser.add_argument("--case", nargs=2, metavar=("CASE", "SHAPE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # a child process: one measurement, as JSON on stdout
        shape = tuple(int(s) for s in args.case[1].split("x"))
        row = run_case(args.case[0], shape, args.images, args.steps, args.predict)
        print(json.dumps(row))
        return
    if args.rows:
        measured = json.loads(Path(args.rows).read_text(encoding="utf-8"))
        rows, host = measured["rows"], measured["host"]
        print(host, file=sys.stderr)
        print(_table(rows))
    else:
        host = describe_host()
        print(host, file=sys.stderr)
        try:
            shapes = _shapes(args.sizes, args.channels)
        except ValueError as exc:
            parser.error(str(exc))
        rows = []
        for shape in shapes:
            for case in args.cases.split(","):
                if case not in CASES:
                    parser.error(f"unknown case {case!r}; choose from {', '.join(CASES)}")
                command = [sys.executable, "-m", __spec__.name, "--case", case]
                command += ["x".join(map(str, shape)), "--steps", str(args.steps)]
                command += ["--images", str(args.images), "--predict", str(args.predict)]
                output = subprocess.run(
                    command, cwd=REPO, check=True, stdout=subprocess.PIPE, text=True
                ).stdout
                rows.append(json.loads(output.splitlines()[-1]))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        print(_table(rows))
    projected = projections(rows, args.folder, args.test_size)
    if projected:
        print(
            f"\nProjected `compare --data` on a folder of {args.folder:,} images "
            f"({', '.join(METHODS)}; one seed; --jobs 1), training set after holding out "
            f"{args.test_size:.0%} and of the whole folder:\n"
        )
        print(_projection_table(projected))
    if args.json:
        result = {"host": host, "rows": rows, "projections": projected}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
