"""Wall time of a comparison with ``--jobs 2`` against ``--jobs 1``, and the same numbers.

Runs one ``imblearn-deep compare`` command twice per round, sequentially (``--jobs 1``)
and with parallel cells (``--jobs N``), each into a fresh folder, alternating which goes
first; then checks that every row's scores, recall and confusion matrices are equal to
the last digit, and prints the wall times and their ratio (goal: at most 0.6 on 2 cores).

    python -m benchmarks.parallel_cells                  # 8 Fashion-MNIST cells, 1 round
    python -m benchmarks.parallel_cells --dataset digits --samplers none,ros --seeds 0,1

``--schedule FOLDER`` measures nothing: from the cell times a finished run recorded, it
computes when N workers taking cells in the run's order would finish, against taking the
longest first (what a smarter dispatch could at best gain at the end of a run).
"""

from __future__ import annotations

import argparse
import heapq
import json
import shutil
import subprocess
import sys
import tempfile
import time
from operator import itemgetter
from pathlib import Path

from ._common import describe_host

# What must be equal between the two runs: every measured number of a row.
_COMPARED = ("recall", "confusion_matrix", "balanced_test_recall", "clf_steps", "n_synthetic")


def _measured(row: dict) -> dict:
    keys = [k for k in row if k.startswith(("test_", "cv_", "balanced_test_"))]
    return {k: row.get(k) for k in (*keys, *_COMPARED)}


def _run(command: list[str], output: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*command, "--output", str(output), "-q"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _finish_time(seconds: list[float], workers: int) -> float:
    """When ``workers`` that each take the next cell as soon as they are free finish."""
    free = [0.0] * workers
    for cell_seconds in seconds:
        heapq.heappush(free, heapq.heappop(free) + cell_seconds)
    return max(free)


def schedule(folder: Path, workers: int) -> None:
    """Run order against longest-first, with the cell times recorded in ``folder``."""
    rows = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    # The runner's order: seed, then classifier, then sampler in the preset's order; a
    # folder made by several commands (one per classifier) ran them one after another.
    for classifier in dict.fromkeys(r["classifier"] for r in rows):
        cells = sorted((r for r in rows if r["classifier"] == classifier), key=itemgetter("seed"))
        seconds = [r["seconds"] for r in cells]
        in_order = _finish_time(seconds, workers)
        longest_first = _finish_time(sorted(seconds, reverse=True), workers)
        print(
            f"{classifier}: {len(cells)} cells, {sum(seconds):.0f} s of cells; {workers} "
            f"workers finish at {in_order:.0f} s in run order, {longest_first:.0f} s "
            f"longest first (perfect split {sum(seconds) / workers:.0f} s)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--samplers", default="none,weighted,ros,smote")
    parser.add_argument("--classifiers", default="small_cnn")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--schedule", type=Path, metavar="FOLDER")
    args = parser.parse_args(argv)
    if args.schedule:
        schedule(args.schedule, args.jobs)
        return
    command = [
        sys.executable,
        "-m",
        "imblearn_deep",
        "compare",
        "--dataset",
        args.dataset,
        "--samplers",
        args.samplers,
        "--classifiers",
        args.classifiers,
        "--seeds",
        args.seeds,
        "--no-quality",
    ]
    print(describe_host())
    print("command:", " ".join(command[2:]))
    times: dict[int, list[float]] = {1: [], args.jobs: []}
    root = Path(tempfile.mkdtemp(prefix="parallel-cells-"))
    try:
        for round_ in range(args.rounds):
            order = (1, args.jobs) if round_ % 2 == 0 else (args.jobs, 1)
            rows = {}
            for jobs in order:
                output = root / f"round{round_}-jobs{jobs}"
                times[jobs].append(_run([*command, "--jobs", str(jobs)], output))
                results = json.loads((output / "results.json").read_text(encoding="utf-8"))
                rows[jobs] = {r["cell"]: _measured(r) for r in results}
                print(f"round {round_ + 1}: --jobs {jobs}: {times[jobs][-1]:.1f} s", flush=True)
            same = rows[1] == rows[args.jobs]
            print(f"round {round_ + 1}: {len(rows[1])} cells, same numbers: {same}")
            if not same:
                for cell in rows[1]:
                    if rows[1][cell] != rows[args.jobs].get(cell):
                        print(f"  differs: {cell}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sequential, parallel = min(times[1]), min(times[args.jobs])
    print(
        f"fastest: --jobs 1 {sequential:.1f} s, --jobs {args.jobs} {parallel:.1f} s, "
        f"ratio {parallel / sequential:.2f}"
    )


if __name__ == "__main__":
    main()
