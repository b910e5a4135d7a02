"""What does the ResNet stem cost at 28×28? ``module__stem="cifar"`` against ``"imagenet"``.

Trains ``CNNClassifier(architecture="resnet18")`` for one epoch on random 28×28
one-channel images (float32, ten classes) with each stem: ``"cifar"`` (3×3 stride-1
convolution, no max-pool, what ``"auto"`` picks below 64 pixels) and ``"imagenet"`` (7×7
stride-2 convolution and max-pool). The stems alternate within each of ``--repeats``
rounds; each case prints the epoch's training time (skorch's ``dur``, without building
the network) and the cores other processes used meanwhile, and each round the
cifar / imagenet ratio; first, each stem's training FLOPs per image (forward and
backward, torch's ``FlopCounterMode``). Not a test::

    python -m benchmarks.bench_stems --images 2000 --batch-size 64 --threads 1 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.nets.classifiers import build_classifier

from ._common import OtherLoad, describe_host

STEMS = ("cifar", "imagenet")


def epoch_seconds(stem: str, X: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    """Seconds of one training epoch of ResNet-18 with ``stem`` on ``X``."""
    clf = CNNClassifier(
        architecture="resnet18",
        module__stem=stem,
        max_epochs=1,
        batch_size=batch_size,
        random_state=0,
        device="cpu",
    )
    return clf.fit(X, y).history_[-1, "dur"]


def training_gflop_per_image(stem: str, batch_size: int = 8) -> float:
    """GFLOP of one forward and backward pass of ResNet-18 with ``stem``, per image."""
    net = build_classifier("resnet18", (1, 28, 28), 10, stem=stem)
    with FlopCounterMode(display=False) as counter:
        net(torch.zeros(batch_size, 1, 28, 28)).sum().backward()
    return counter.get_total_flops() / batch_size / 1e9


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X = rng.random((args.images, 1, 28, 28), dtype=np.float32)
    y = np.arange(args.images) % 10
    print(f"host: {describe_host()}")
    print(
        f"resnet18, {args.images} random 28x28 images, batch {args.batch_size}, "
        f"{args.threads} thread(s), float32, one epoch per case"
    )
    for stem in STEMS:
        print(f"{stem:<8}  {training_gflop_per_image(stem):.3f} GFLOP per image (training)")
    epoch_seconds("imagenet", X[: args.batch_size * 2], y[: args.batch_size * 2], 64)  # warm-up
    ratios = []
    for round_ in range(args.repeats):
        # Alternate the order too, so neither stem always runs first in a round.
        order = STEMS if round_ % 2 == 0 else STEMS[::-1]
        seconds = {}
        for stem in order:
            with OtherLoad() as load:
                seconds[stem] = epoch_seconds(stem, X, y, args.batch_size)
            print(
                f"round {round_}  {stem:<8}  {seconds[stem]:7.2f} s/epoch  "
                f"{args.images / seconds[stem]:7.1f} images/s  other load {load.cores:.2f} cores"
            )
        ratios.append(seconds["cifar"] / seconds["imagenet"])
        print(f"round {round_}  cifar / imagenet = {ratios[-1]:.1f}x")
    print(
        f"cifar / imagenet epoch time: median {statistics.median(ratios):.1f}x, "
        f"min {min(ratios):.1f}x, max {max(ratios):.1f}x over {len(ratios)} rounds"
    )


if __name__ == "__main__":
    main()
