"""Cost as the work grows: time and peak memory of a sampler fit and a comparison cell
as the training set grows.

For each training-set size (the study's class profile scaled to it, random 28×28 pixels:
compute cost does not depend on pixel values) and each case, a fresh Python process fits:

* ``deepsmote`` / ``bagangp``: the ``fast`` preset's DeepSMOTE / BAGAN-GP for a fixed
  number of optimizer steps (``--steps``; BAGAN-GP: half autoencoder, half GAN steps),
  then generates the images that balance the set;
* ``cell``: random over-sampling and the ``fast`` preset's small CNN for ``--steps``
  steps, then a prediction of the whole training set (the comparison cell's work).

It reports seconds per optimizer step (the epochs after the first, so oneDNN's one-off
kernel selection is left out), generation seconds per generated image, prediction
seconds per image and the process's peak resident memory. A flat per-step cost and
per-image generation / prediction costs show that nothing grows faster than the data.

    python -m benchmarks.cost_growth                         # 1k, 3k, 9k, 27k, 60k images
    python -m benchmarks.cost_growth --sizes 1000,3000 --steps 20 --cases cell
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ._common import (
    REPO,
    OtherLoad,
    classifier_epoch_time,
    describe_host,
    load_data,
    markdown_table,
    peak_rss_mb,
    sampler_seconds_per_step,
)

CASES = ("deepsmote", "bagangp", "cell")
SIZES = (1000, 3000, 9000, 27000, 60000)


def _sampler_case(name: str, X, y, steps: int) -> dict:
    from imblearn_deep.comparison import get_preset

    spec = get_preset("fast", "fashion_mnist").sampler(name)
    budget = (
        {"max_steps": steps}
        if name == "deepsmote"
        else {"autoencoder_steps": steps // 2, "gan_steps": steps - steps // 2}
    )
    sampler = spec.estimator(**{**spec.params, **budget, "random_state": 0, "device": "cpu"})
    start = time.perf_counter()
    X_res, _ = sampler.fit_resample(X, y)
    total = time.perf_counter() - start
    trained = sum(r["seconds"] for r in sampler.history_)
    n_generated = len(X_res) - len(X)
    stages = dict.fromkeys(r["stage"] for r in sampler.history_)
    return {
        **{
            f"{stage}_s_per_step": sampler_seconds_per_step(sampler.history_, stage)
            for stage in stages
        },
        "generated": n_generated,
        "generation_ms_per_image": 1000 * (total - trained) / max(n_generated, 1),
        "fit_seconds": total,
    }


def _cell_case(X, y, steps: int) -> dict:
    from imblearn.over_sampling import RandomOverSampler

    from imblearn_deep import CNNClassifier

    flat = X.reshape(len(X), -1)
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(flat, y)
    X_res = X_res.reshape(-1, *X.shape[1:])
    clf = CNNClassifier(
        max_steps=steps,
        batch_size=64,
        lr_schedule="cosine",
        lr_warmup=0.05,
        module__channels=(16, 32, 64),
        random_state=0,
        device="cpu",
    )
    start = time.perf_counter()
    clf.fit(X_res, y_res)
    fit = time.perf_counter() - start
    seconds, n_steps = classifier_epoch_time(clf)
    start = time.perf_counter()
    clf.predict(X)
    predict = time.perf_counter() - start
    return {
        "balanced_images": len(X_res),
        "train_s_per_step": seconds / max(n_steps, 1),
        "fit_seconds": fit,
        "predict_ms_per_image": 1000 * predict / len(X),
    }


def run_case(case: str, size: int, steps: int) -> dict:
    """One measurement in this process."""
    torch.set_num_threads(1)
    X, y, source = load_data(size, "random")
    with OtherLoad() as load:
        row = _cell_case(X, y, steps) if case == "cell" else _sampler_case(case, X, y, steps)
    return {
        "case": case,
        "images": len(y),
        "steps": steps,
        **row,
        "peak_rss_mb": peak_rss_mb(),
        "other_load_cores": load.cores,
        "data": source,
    }


def _table(rows: list[dict]) -> str:
    columns = [
        ("case", "case", "{}"),
        ("images", "images", "{:,}"),
        ("deepsmote/bagangp: autoencoder s/step", "autoencoder_s_per_step", "{:.4f}"),
        ("gan s/step", "gan_s_per_step", "{:.4f}"),
        ("classifier s/step", "train_s_per_step", "{:.4f}"),
        ("generation ms/image", "generation_ms_per_image", "{:.3f}"),
        ("prediction ms/image", "predict_ms_per_image", "{:.3f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
        ("other load (cores)", "other_load_cores", "{:.2f}"),
    ]
    body = [
        [fmt.format(row[key]) if key in row else "–" for _, key, fmt in columns] for row in rows
    ]
    return markdown_table([label for label, _, _ in columns], body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--steps", type=int, default=60, help="optimizer steps per fit")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--case", nargs=2, metavar=("CASE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # a child process: one measurement, as JSON on stdout
        print(json.dumps(run_case(args.case[0], int(args.case[1]), args.steps)))
        return
    print(describe_host(), file=sys.stderr)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for case in args.cases.split(","):
            if case not in CASES:
                parser.error(f"unknown case {case!r}; choose from {', '.join(CASES)}")
            command = [sys.executable, "-m", __spec__.name, "--case", case, str(size)]
            output = subprocess.run(
                [*command, "--steps", str(args.steps)],
                cwd=REPO,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            rows.append(json.loads(output.splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
