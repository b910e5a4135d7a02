"""Wall time of a comparison with ``--jobs 2`` against ``--jobs 1``, and the same numbers.

Runs one ``imblearn-deep compare`` command twice per round, sequentially (``--jobs 1``)
and with parallel cells (``--jobs N``), each into a fresh folder, alternating which goes
first; then checks that every row's scores, recall and confusion matrices are equal to
the last digit, and prints the wall times and their ratio (goal: at most 0.6 on 2 cores).

    python benchmarks/parallel_cells.py                  # 8 Fashion-MNIST cells, 1 round
    python benchmarks/parallel_cells.py --dataset digits --samplers none,ros --seeds 0,1
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from host import describe_host  # noqa: E402

# What must be equal between the two runs: every measured number of a row.
_COMPARED = ("recall", "confusion_matrix", "balanced_test_recall", "clf_steps", "n_synthetic")


def _measured(row: dict) -> dict:
    keys = [k for k in row if k.startswith(("test_", "cv_", "balanced_test_"))]
    return {k: row.get(k) for k in (*keys, *_COMPARED)}


def _run(command: list[str], output: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*command, "--output", str(output), "-q"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--samplers", default="none,weighted,ros,smote")
    parser.add_argument("--classifiers", default="small_cnn")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
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
