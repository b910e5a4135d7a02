"""Peak memory of one comparison cell against the float32 size of its resampled training set.

Each case (training-set size and image shape × sampler) runs in a fresh Python process:
random uint8 images with the study's class profile scaled to the size (memory does not
depend on pixel values; the loaders return uint8 too), a balanced test set of 100 images
per class, and one cell of ``run_comparison``: the ``fast`` preset's sampler and small
CNN with ``--steps`` optimizer steps each (DeepSMOTE's ``max_steps``, the classifier's)
and one learning rate, so one seed and one setting (no cross-validation), no quality
columns, on the CPU with one torch thread.

How memory is counted: the process's resident set once torch, ``imblearn_deep`` and the
data are loaded is the *baseline*; the peak resident set is then reset
(``/proc/self/clear_refs``) and read after the cell (``VmHWM``). The cell's memory is the
peak minus the baseline, reported in MB and as a multiple of the float32 size of the
resampled training set (``n_resampled × C × H × W × 4`` bytes), the budget being 2×.
Where the peak cannot be reset (not Linux), ``ru_maxrss`` stands in and includes the
loading of the data. About 190 MB of a cell (320 MB with DeepSMOTE) does not grow with
the data: torch's first use of its kernels, modules imported on first use, the networks,
a generation chunk; the 900-image row shows it.

    # 900 and 60,000 images of 28×28, 60,000 RGB 64×64: about 20 min on 2 cores, and
    # the 60,000 RGB cells need up to 7.5 GB
    python -m benchmarks.cell_memory --json benchmarks/results/cell_memory/rows.json
    python -m benchmarks.cell_memory --sizes 9000:1x28x28 --samplers none,smote --steps 5
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ._common import (
    REPO,
    OtherLoad,
    current_rss_mb,
    describe_host,
    markdown_table,
    peak_rss_mb,
    profile_counts,
)

SAMPLERS = ("none", "ros", "smote", "deepsmote")
# The fixed part of a cell (900 images), 60,000 images of 28×28 (Fashion-MNIST's size),
# and as many RGB images of 64×64, whose resampled set (266,670 images) is 13 GB in
# float32: more than this 24 GB machine could hold with the float copies made before.
SIZES = ("900:1x28x28", "60000:1x28x28", "60000:3x64x64")
TEST_PER_CLASS = 100


def _parse_size(text: str) -> tuple[int, tuple[int, int, int]]:
    """``"60000:1x28x28"`` → ``(60000, (1, 28, 28))``."""
    images, shape = text.split(":")
    channels, height, width = (int(s) for s in shape.lower().split("x"))
    return int(images), (channels, height, width)


def _reset_peak() -> str:
    """Reset the process's peak resident set; the method the peak is then read with."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return "ru_maxrss"
    return "VmHWM"


def _peak_mb(method: str) -> float:
    if method == "VmHWM":
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def make_data(n_images: int, shape: tuple[int, int, int], seed: int = 0):
    """Random uint8 images with the study's class profile scaled to ``n_images``, and a
    balanced test set: ``(X_train, y_train, X_test, y_test)``."""
    rng = np.random.default_rng(seed)
    counts = profile_counts(n_images)
    y = np.repeat(np.arange(len(counts)), counts)
    # Drawn as uint8 directly: no float copy of the set while the data are made.
    X = rng.integers(0, 256, (len(y), *shape), dtype=np.uint8)
    y_test = np.repeat(np.arange(len(counts)), TEST_PER_CLASS)
    X_test = rng.integers(0, 256, (len(y_test), *shape), dtype=np.uint8)
    return X, y, X_test, y_test


def run_case(size: str, sampler: str, steps: int) -> dict:
    """One cell in this process, measured."""
    from imblearn_deep.comparison import DataSize, Execution, get_preset, run_comparison

    torch.set_num_threads(1)
    import_rss = current_rss_mb()
    n_images, shape = _parse_size(size)
    X, y, X_test, y_test = make_data(n_images, shape)
    preset = (
        get_preset("fast", DataSize.of(X, y))
        .with_params("small_cnn", {"max_steps": steps, "lr": 1e-3})
        .with_params("deepsmote", {"max_steps": steps})
    )
    baseline = current_rss_mb()
    method = _reset_peak()
    with tempfile.TemporaryDirectory() as output, OtherLoad() as load:
        start = time.perf_counter()
        (row,) = run_comparison(
            X,
            y,
            X_test,
            y_test,
            preset=preset,
            samplers=[sampler],
            classifiers=["small_cnn"],
            seeds=[0],
            output=output,
            quality=False,
            on_error="raise",
            execution=Execution(device="cpu", threads=1),
        )
        seconds = time.perf_counter() - start
    peak = _peak_mb(method)
    n_resampled = len(y) + int(row["n_synthetic"])
    float32_mb = n_resampled * math.prod(shape) * 4 / 2**20
    cell_mb = peak - baseline if method == "VmHWM" else peak - import_rss
    return {
        "sampler": sampler,
        "images": len(y),
        "image_shape": list(shape),
        "resampled_images": n_resampled,
        "float32_resampled_mb": float32_mb,
        "import_rss_mb": import_rss,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "cell_mb": cell_mb,
        "multiple": cell_mb / float32_mb,
        "peak_method": method,
        "steps": steps,
        "seconds": seconds,
        "test_f1_macro": row["test_f1_macro"],
        "other_load_cores": load.cores,
    }


def _table(rows: list[dict]) -> str:
    columns = [
        ("sampler", "sampler", "{}"),
        ("images", "images", "{:,}"),
        ("C×H×W", "image_shape", "{}"),
        ("resampled", "resampled_images", "{:,}"),
        ("float32 resampled MB", "float32_resampled_mb", "{:.0f}"),
        ("baseline RSS MB", "baseline_rss_mb", "{:.0f}"),
        ("cell peak − baseline MB", "cell_mb", "{:.0f}"),
        ("× float32 resampled", "multiple", "{:.2f}"),
        ("seconds", "seconds", "{:.0f}"),
        ("other load (cores)", "other_load_cores", "{:.2f}"),
    ]
    body = [
        [
            "×".join(map(str, row[key])) if key == "image_shape" else fmt.format(row[key])
            for _, key, fmt in columns
        ]
        for row in rows
    ]
    return markdown_table([label for label, _, _ in columns], body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="IMAGES:CxHxW, comma-separated")
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--steps", type=int, default=20, help="DeepSMOTE's and the CNN's steps")
    parser.add_argument("--json", metavar="FILE", help="also write the host and rows as JSON")
    parser.add_argument("--case", nargs=2, metavar=("SIZE", "SAMPLER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # a child process: one measurement, as JSON on stdout
        print(json.dumps(run_case(args.case[0], args.case[1], args.steps)))
        return
    host = describe_host()
    print(host, file=sys.stderr)
    rows = []
    for size in args.sizes.split(","):
        _parse_size(size)  # fails early on a malformed size
        for sampler in args.samplers.split(","):
            if sampler not in SAMPLERS:
                parser.error(f"unknown sampler {sampler!r}; choose from {', '.join(SAMPLERS)}")
            command = [sys.executable, "-m", __spec__.name, "--case", size, sampler]
            output = subprocess.run(
                [*command, "--steps", str(args.steps)],
                cwd=REPO,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            rows.append(json.loads(output.splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(host)
    print(_table(rows))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"host": host, "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
