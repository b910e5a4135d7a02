"""Reading your own images: images per second and peak memory of ``load_image_folder``
on a folder of many files.

It writes a class-per-subfolder folder of random images once (``--folder``, kept for
later runs), then reads it in a fresh Python process per setting (``n_jobs`` decoding
threads, a resize or not), so that each peak resident memory is the read's own. The
array returned is ``n × C × H × W`` bytes; the peak beside it shows what else a read
holds.

    python -m benchmarks.load_folder                                 # 10,000 PNG, 64x64 RGB
    python -m benchmarks.load_folder --n-images 20000 --size 28 --mode L --format jpg
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ._common import REPO, OtherLoad, describe_host, peak_rss_mb

# Ten classes, imbalanced like the study's profile (4000 ... 40 of 9,000).
SHARES = np.array([4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40]) / 9000


def write_folder(root: Path, n_images: int, size: int, mode: str, fmt: str) -> None:
    """``n_images`` random images of ``size`` pixels in ten class folders."""
    from PIL import Image

    rng = np.random.default_rng(0)
    counts = np.maximum(1, np.rint(SHARES * n_images).astype(int))
    shape = (size, size, 3) if mode == "RGB" else (size, size)
    for k, count in enumerate(counts):
        folder = root / f"class_{k}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i:05d}.{fmt}")


def _read(folder: str, n_jobs: int | None, image_size: int | None) -> dict:
    """One read, in this process (a fresh one per setting)."""
    from sklearn.utils import Bunch  # noqa: F401  (the loader's last import, not its memory)

    from imblearn_deep.datasets import load_image_folder

    baseline = peak_rss_mb()
    with OtherLoad() as load:
        start = time.perf_counter()
        images = load_image_folder(folder, n_jobs=n_jobs, image_size=image_size)
        seconds = time.perf_counter() - start
    return {
        "n_jobs": n_jobs,
        "image_size": image_size,
        "images": len(images.target),
        "shape": list(images.data.shape[1:]),
        "seconds": seconds,
        "images_per_second": len(images.target) / seconds,
        "array_mb": images.data.nbytes / 2**20,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": baseline,
        "other_load_cores": load.cores,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-images", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64, help="side of the written images")
    parser.add_argument("--mode", choices=("L", "RGB"), default="RGB")
    parser.add_argument("--format", choices=("png", "jpg"), default="png")
    parser.add_argument("--folder", type=Path, help="where the images are written once")
    parser.add_argument("--n-jobs", default="None,1,2", help="decoding threads to time")
    parser.add_argument("--resize", type=int, help="also read with image_size=N")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # a child's read
    args = parser.parse_args(argv)
    if args.one:
        folder, n_jobs, size = args.one
        print(json.dumps(_read(folder, None if n_jobs == "None" else int(n_jobs),
                               None if size == "None" else int(size))))  # fmt: skip
        return
    folder = args.folder or Path(
        f"/tmp/imblearn_deep_folder_{args.n_images}_{args.size}_{args.mode}_{args.format}"
    )
    if not folder.exists():
        start = time.perf_counter()
        write_folder(folder, args.n_images, args.size, args.mode, args.format)
        print(f"wrote {folder} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(describe_host())
    rows = []
    sizes = [None] + ([args.resize] if args.resize else [])
    for size in sizes:
        for n_jobs in args.n_jobs.split(","):
            command = [sys.executable, "-m", "benchmarks.load_folder", "--one"]
            result = subprocess.run(
                [*command, str(folder), n_jobs, str(size)],
                cwd=REPO, capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = json.loads(result.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"n_jobs={row['n_jobs']!s:>4} image_size={row['image_size']!s:>4}: "
                f"{row['images']:,} images {row['shape']} in {row['seconds']:.1f} s = "
                f"{row['images_per_second']:,.0f} images/s; array {row['array_mb']:.0f} MB, "
                f"peak RSS {row['peak_rss_mb']:.0f} MB (before reading "
                f"{row['rss_before_mb']:.0f} MB); other load {row['other_load_cores']:.1f} cores"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        host = {"host": describe_host(), "format": args.format, "mode": args.mode}
        args.json.write_text(json.dumps({**host, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
