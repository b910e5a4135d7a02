"""Training speed of CNNClassifier's architectures: seconds per epoch and images per second.

One training epoch (by default) of each architecture on random 1×28×28 images whose
class counts follow the imbalance profile of the study (4000, 2000, 1000, 750, 500, 350,
200, 100, 60, 40: 9,000 images), batch size 64. The epoch time is skorch's own epoch
duration (``history_[-1]["dur"]``), which leaves out input validation, scaling and
building the network; ``fit s`` is the whole ``fit`` call. Not a test::

    python benchmarks/bench_classifiers.py --n-images 900 --architectures small_cnn resnet18
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from imblearn_deep._training import resolve_device
from imblearn_deep.classifiers import CNNClassifier
from imblearn_deep.nets.classifiers import ARCHITECTURES

CLASS_COUNTS = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)


def make_data(n_images: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random 1×28×28 float32 images with the profile's class counts scaled to n_images."""
    scale = n_images / sum(CLASS_COUNTS)
    counts = [max(1, round(c * scale)) for c in CLASS_COUNTS]
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.random((len(y), 1, 28, 28), dtype=np.float32)
    return X, y


def bench(
    architecture: str, X: np.ndarray, y: np.ndarray, *, batch_size: int, epochs: int, device: str
) -> dict:
    clf = CNNClassifier(
        architecture=architecture,
        max_epochs=epochs,
        batch_size=batch_size,
        device=device,
        random_state=0,
    )
    start = time.perf_counter()
    clf.fit(X, y)
    if resolve_device(device).type == "cuda":
        torch.cuda.synchronize()
    fit_seconds = time.perf_counter() - start
    epoch_seconds = clf.history[-1, "dur"]
    return {
        "architecture": architecture,
        "params_m": sum(p.numel() for p in clf.module_.parameters()) / 1e6,
        "s_per_epoch": epoch_seconds,
        "images_per_s": len(X) / epoch_seconds,
        "fit_s": fit_seconds,
    }


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
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--epochs", type=int, default=1, help="epochs per fit; the last one is reported (default 1)"
    )
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda'")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    X, y = make_data(args.n_images)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    print(
        f"{len(X)} images 1x28x28, class counts {np.bincount(y).tolist()}, batch "
        f"{args.batch_size}, device {device} ({name or 'cpu'}), torch threads "
        f"{torch.get_num_threads()}"
    )
    print(f"{'architecture':<16} {'params (M)':>10} {'s/epoch':>9} {'images/s':>9} {'fit s':>7}")
    for architecture in args.architectures:
        row = bench(
            architecture, X, y, batch_size=args.batch_size, epochs=args.epochs, device=args.device
        )
        print(
            f"{row['architecture']:<16} {row['params_m']:>10.2f} {row['s_per_epoch']:>9.2f} "
            f"{row['images_per_s']:>9.0f} {row['fit_s']:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
