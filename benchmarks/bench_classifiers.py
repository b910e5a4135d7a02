"""Speed of CNNClassifier: training and prediction images per second, per precision.

Each architecture is trained for ``--epochs`` epochs on random 1×S×S images whose class
counts follow the study's imbalance profile (4000, 2000, 1000, 750, 500, 350, 200, 100,
60, 40: 9,000 images, scaled by ``--n-images``), then predicts those images, for every
precision and thread count asked for. The cases run in ``--repeats`` alternating rounds
(every case once per round, after an untimed warm-up round), so that a change in the
machine's load hits all of them alike; the table gives the median and the minimum over
the rounds, and each precision's speed relative to float32 in the same round (median
and minimum of those ratios). The epoch time is skorch's own (``history_[-1]["dur"]``,
the last epoch), which leaves out input validation, scaling and building the network;
prediction is the whole ``predict_proba`` call. ``other load`` is the cores other
processes used meanwhile. Not a test::

    python -m benchmarks.bench_classifiers --n-images 900 --architectures small_cnn resnet18
    python -m benchmarks.bench_classifiers --architectures small_cnn --threads 1 2 \\
        --precision float32 bfloat16 auto --repeats 3
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time

import numpy as np
import torch

from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.nets.classifiers import ARCHITECTURES

from ._common import CLASS_COUNTS, PRECISION_OPTIONS, OtherLoad, describe_host, resolve_device


def make_data(n_images: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """Random 1×size×size float32 images with the profile's class counts scaled to n_images."""
    scale = n_images / sum(CLASS_COUNTS)
    counts = [max(1, round(c * scale)) for c in CLASS_COUNTS]
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.random((len(y), 1, size, size), dtype=np.float32)
    return X, y


def bench(
    architecture: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    epochs: int,
    device: str,
    precision: str = "float32",
    predict_batch_size: int | None = None,
) -> dict:
    """Train one classifier, predict its training images; speeds and the load meanwhile."""
    clf = CNNClassifier(
        architecture=architecture,
        max_epochs=epochs,
        batch_size=batch_size,
        predict_batch_size=predict_batch_size,
        precision=precision,
        device=device,
        random_state=0,
        # The thread count each round sets (torch.set_num_threads), not the default 1.
        n_threads=None,
    )
    cuda = resolve_device(device).type == "cuda"
    with OtherLoad() as load:
        start = time.perf_counter()
        clf.fit(X, y)
        if cuda:
            torch.cuda.synchronize()
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        clf.predict_proba(X)
        predict_seconds = time.perf_counter() - start
    epoch_seconds = clf.history[-1, "dur"]
    return {
        "architecture": architecture,
        "precision": precision,
        "precision_used": clf.precision_,
        "threads": torch.get_num_threads(),
        "predict_batch_size": batch_size if predict_batch_size is None else predict_batch_size,
        "params_m": sum(p.numel() for p in clf.module_.parameters()) / 1e6,
        "s_per_epoch": epoch_seconds,
        "images_per_s": len(X) / epoch_seconds,
        "fit_s": fit_seconds,
        "predict_images_per_s": len(X) / predict_seconds,
        "other_load": load.cores,
    }


def summarize(rows: list[dict]) -> list[dict]:
    """Median and min speed of each case over the rounds, and per-round ratios to float32."""
    cases: dict[tuple, list[dict]] = {}
    for row in rows:
        key = (row["architecture"], row["threads"], row["predict_batch_size"], row["precision"])
        cases.setdefault(key, []).append(row)
    summary = []
    for (architecture, threads, predict_batch, precision), runs in cases.items():
        reference = cases.get((architecture, threads, predict_batch, "float32"))
        entry = {
            "architecture": architecture,
            "threads": threads,
            "predict_batch_size": predict_batch,
            "precision": precision,
            "precision_used": runs[0]["precision_used"],
            "rounds": len(runs),
            "max_other_load": max(r["other_load"] for r in runs),
        }
        for key in ("images_per_s", "predict_images_per_s"):
            speeds = [r[key] for r in runs]
            entry[key] = (statistics.median(speeds), min(speeds))
            if reference:
                ratios = [r[key] / f[key] for r, f in zip(runs, reference, strict=True)]
                entry[key + "_ratio"] = (statistics.median(ratios), min(ratios))
        summary.append(entry)
    return summary


def markdown_table(summary: list[dict]) -> str:
    def pair(values, spec):
        return f"{values[0]:{spec}} ({values[1]:{spec}})" if values else "–"

    lines = [
        "| architecture | threads | precision | train img/s | × float32 | predict batch "
        "| predict img/s | × float32 | rounds | other load (max) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in summary:
        used = e["precision"] + (
            f" → {e['precision_used']}" if e["precision_used"] != e["precision"] else ""
        )
        lines.append(
            f"| {e['architecture']} | {e['threads']} | {used} | {pair(e['images_per_s'], '.0f')} "
            f"| {pair(e.get('images_per_s_ratio'), '.2f')} | {e['predict_batch_size']} "
            f"| {pair(e['predict_images_per_s'], '.0f')} "
            f"| {pair(e.get('predict_images_per_s_ratio'), '.2f')} | {e['rounds']} "
            f"| {e['max_other_load']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--architectures",
        nargs="+",
        default=list(ARCHITECTURES),
        choices=ARCHITECTURES,
        metavar="NAME",
        help=f"architectures to time (default: all of {list(ARCHITECTURES)})",
    )
    parser.add_argument(
        "--n-images",
        type=int,
        default=sum(CLASS_COUNTS),
        help="images in the training set (class counts scaled; default 9000)",
    )
    parser.add_argument("--image-size", type=int, default=28, help="image side (default 28)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--predict-batch-size",
        type=int,
        nargs="+",
        default=[None],
        help="one or several (default: CNNClassifier's, the training batch size)",
    )
    parser.add_argument(
        "--epochs", type=int, default=1, help="epochs per fit; the last one is reported (default 1)"
    )
    parser.add_argument(
        "--precision",
        nargs="+",
        default=["float32"],
        choices=PRECISION_OPTIONS,
        help="precisions to time (default: float32); ratios are to float32 when it is timed",
    )
    parser.add_argument(
        "--threads", type=int, nargs="+", default=None, help="torch CPU thread counts to time"
    )
    parser.add_argument("--repeats", type=int, default=1, help="alternating rounds (default 1)")
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed first round (oneDNN picks its kernels on first use)",
    )
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda'")
    args = parser.parse_args(argv)

    X, y = make_data(args.n_images, size=args.image_size)
    device = resolve_device(args.device)
    print(f"Host: {describe_host(device)}.")
    print(
        f"{len(X)} images 1x{args.image_size}x{args.image_size}, class counts "
        f"{np.bincount(y).tolist()}, batch {args.batch_size}, {args.epochs} epoch(s), "
        f"device {device}",
        flush=True,
    )
    rows = []
    first_round = 1 if args.no_warmup else 0
    for round_ in range(first_round, args.repeats + 1):
        for threads in args.threads or [torch.get_num_threads()]:
            torch.set_num_threads(threads)
            for architecture, predict_batch, precision in itertools.product(
                args.architectures, args.predict_batch_size, args.precision
            ):
                row = bench(
                    architecture,
                    X,
                    y,
                    batch_size=args.batch_size,
                    epochs=args.epochs,
                    device=args.device,
                    precision=precision,
                    predict_batch_size=predict_batch,
                )
                if round_ > 0:
                    rows.append(row)
                print(
                    f"round {round_}: {architecture} {threads} thread(s) {precision} "
                    f"predict batch {predict_batch}: "
                    f"train {row['images_per_s']:.0f} img/s, predict "
                    f"{row['predict_images_per_s']:.0f} img/s, other load "
                    f"{row['other_load']:.2f}",
                    file=sys.stderr,
                    flush=True,
                )
    print(markdown_table(summarize(rows)))


if __name__ == "__main__":
    main()
