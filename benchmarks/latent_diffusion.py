"""LatentDiffusion's cost beside DeepSMOTE's, on the 9,000-image Fashion-MNIST profile.

Fits ``DeepSMOTE(max_steps=1000)`` and ``LatentDiffusion()`` (the same 1,000-step
autoencoder of the same widths: 16 channels, 32-d codes, batch 64, Adam 1e-3), one torch
thread each, and reports each stage's seconds from the samplers' histories. Then it times
the generation of the 31,000 images that balance the profile (``generate`` class by
class, as ``fit_resample`` does), the two samplers alternating ``--repeats`` times in
this one process, so that both see the same load: LatentDiffusion with 10 sampling steps
(its default) and with 25, and DeepSMOTE.

    python -m benchmarks.latent_diffusion --json benchmarks/results/latent_diffusion/rows.json
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np

from ._common import OtherLoad, describe_host, stage_seconds


def _generation_seconds(sampler, counts: dict) -> float:
    start = time.perf_counter()
    for label, n_samples in counts.items():
        sampler.generate(n_samples, label, random_state=0)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    from imblearn_deep import DeepSMOTE, LatentDiffusion
    from imblearn_deep.datasets import load_imbalanced

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    X, y, _, _ = load_imbalanced("fashion_mnist")
    print(describe_host())
    common = {"random_state": 0, "device": "cpu", "n_threads": 1}
    samplers = {
        "DeepSMOTE": DeepSMOTE(
            max_steps=1000,
            hidden_channels=16,
            latent_dim=32,
            batch_size=64,
            learning_rate=1e-3,
            **common,
        ),  # fmt: skip
        "LatentDiffusion": LatentDiffusion(**common),
    }
    fits = {}
    with OtherLoad() as load:
        for name, sampler in samplers.items():
            start = time.perf_counter()
            sampler.fit_resample(X, y)
            fits[name] = {
                "fit_resample_seconds": time.perf_counter() - start,
                "stage_seconds": stage_seconds(sampler.history_),
            }
            print(name, json.dumps(fits[name]))
    fit_load = load.cores
    majority = int(np.bincount(y).max())
    counts = {label: majority - int(n) for label, n in enumerate(np.bincount(y)) if n < majority}
    variants = {
        "DeepSMOTE": samplers["DeepSMOTE"],
        "LatentDiffusion, 10 steps": samplers["LatentDiffusion"],
        # The same fitted networks; sampling_steps is read at generation only.
        "LatentDiffusion, 25 steps": copy.deepcopy(samplers["LatentDiffusion"]).set_params(
            sampling_steps=25
        ),
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    with OtherLoad() as load:
        for _ in range(args.repeats):
            for name, sampler in variants.items():
                seconds[name].append(_generation_seconds(sampler, counts))
    for name, values in seconds.items():
        print(f"generate {sum(counts.values()):,} images, {name}: {min(values):.1f} s "
              f"(all: {', '.join(f'{v:.1f}' for v in values)})")  # fmt: skip
    print(f"other load: {fit_load:.1f} cores during the fits, {load.cores:.1f} during generation")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "host": describe_host(),
            "images_generated": sum(counts.values()),
            "fits": fits,
            "generation_seconds": seconds,
            "other_load_cores": {"fits": fit_load, "generation": load.cores},
        }
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
