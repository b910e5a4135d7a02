"""Macro-F1 of CNNClassifier after equal training steps, per precision.

Trains each architecture on a training profile of ``imblearn_deep.datasets.load_imbalanced``
(``--fraction`` of each class, drawn with a fixed seed) for ``--epochs`` epochs with each
seed and precision, and scores macro-F1 on the whole test profile. Equal seeds give equal
initial weights and batch order, so the difference between precisions at one seed is the
effect of the arithmetic; the spread between seeds in float32 is the noise it is judged
against. Not a test::

    python -m studies.precision_f1.precision_f1 --dataset digits --epochs 10 --seeds 0 1 2
    python -m studies.precision_f1.precision_f1 --dataset fashion_mnist --fraction 0.1 --epochs 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from sklearn.metrics import f1_score

from benchmarks._common import describe_host
from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.datasets import load_imbalanced


def subsample(X: np.ndarray, y: np.ndarray, fraction: float, seed: int = 0):
    """``fraction`` of each class (at least 2 images), in the original order."""
    if fraction >= 1:
        return X, y
    rng = np.random.RandomState(seed)
    keep = np.concatenate(
        [
            rng.choice(idx, max(2, round(fraction * len(idx))), replace=False)
            for idx in (np.flatnonzero(y == c) for c in np.unique(y))
        ]
    )
    keep.sort()
    return X[keep], y[keep]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits", choices=("digits", "fashion_mnist"))
    parser.add_argument("--fraction", type=float, default=1.0, help="share of each class")
    parser.add_argument("--architectures", nargs="+", default=["small_cnn"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--precision", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    X_train, y_train, X_test, y_test = load_imbalanced(args.dataset)
    X_train, y_train = subsample(X_train, y_train, args.fraction)
    print(f"Host: {describe_host()}; {torch.get_num_threads()} threads.")
    print(
        f"{args.dataset}: {len(X_train)} training images {np.bincount(y_train).tolist()}, "
        f"{len(X_test)} test images; {args.epochs} epochs, batch {args.batch_size}"
    )
    print(
        "| architecture | precision | macro-F1 per seed "
        f"({', '.join(map(str, args.seeds))}) | mean | − float32 per seed | fit s (median) |"
    )
    print("|---|---|---|---|---|---|")
    for architecture in args.architectures:
        scores: dict[str, list[float]] = {}
        for precision in args.precision:
            seconds = []
            for seed in args.seeds:
                clf = CNNClassifier(
                    architecture=architecture,
                    max_epochs=args.epochs,
                    batch_size=args.batch_size,
                    precision=precision,
                    device="cpu",
                    random_state=seed,
                )
                start = time.perf_counter()
                clf.fit(X_train, y_train)
                seconds.append(time.perf_counter() - start)
                f1 = f1_score(y_test, clf.predict(X_test), average="macro")
                scores.setdefault(precision, []).append(f1)
            own = scores[precision]
            reference = scores.get("float32")
            diff = (
                ", ".join(f"{a - b:+.3f}" for a, b in zip(own, reference, strict=True))
                if reference and precision != "float32"
                else "–"
            )
            print(
                f"| {architecture} | {precision} | {', '.join(f'{s:.3f}' for s in own)} | "
                f"{statistics.mean(own):.3f} | {diff} | {statistics.median(seconds):.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
