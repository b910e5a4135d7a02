"""Where a sampler's training step spends its time: torch's profiler by operator and
input shape, on one torch thread, beside the thread's float32 matmul peak.

The FLOP/s share of ``run.py`` says how far a training stage is from the matmul peak;
this says which layers and which non-matmul operators make up the difference. The
sampler trains on random 28×28 images (cost does not depend on pixel values) with the
reference's networks, after a warm-up fit that lets oneDNN pick its kernels.

    python -m benchmarks.profile_step --sampler bagangp --steps 4
    python -m benchmarks.profile_step --sampler deepsmote --steps 4 --rows 12
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from imblearn_deep import BAGANGP, DeepSMOTE

from ._common import describe_host, matmul_peak

COUNTS = (400, 200, 100, 50, 30)  # imbalanced, and no class generated (see below)


def _sampler(name: str, steps: int):
    # Each class asked for its own count: the fit trains and generates nothing.
    common = dict(random_state=0, device="cpu", sampling_strategy=dict(enumerate(COUNTS)))
    if name == "bagangp":
        return BAGANGP(autoencoder_steps=1, gan_steps=steps, **common)
    return DeepSMOTE(max_steps=steps, **common)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sampler", choices=("bagangp", "deepsmote"), default="bagangp")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rows", type=int, default=16)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(len(COUNTS)), COUNTS)
    X = rng.rand(len(y), 1, 28, 28).astype(np.float32)
    _sampler(args.sampler, 2).fit_resample(X, y)  # warm-up: oneDNN's kernel choice
    # The peak of run.py's tables, measured before the profiled fit: under (and after) the
    # profiler it read half this.
    peak = matmul_peak(torch.float32, torch.device("cpu"))
    sampler = _sampler(args.sampler, args.steps)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        sampler.fit_resample(X, y)
    events = prof.key_averages(group_by_input_shape=True)
    total = sum(e.self_cpu_time_total for e in events) / 1e3
    print(describe_host())
    print(f"{args.sampler}, {args.steps} steps: {total:.0f} ms of operators (self time)")
    print(f"float32 matmul peak, 1 thread: {peak:.0f} GFLOP/s")
    print("| operator | ms | share | calls | ms/call | input shapes |")
    print("|---|---|---|---|---|---|")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[: args.rows]:
        ms = e.self_cpu_time_total / 1e3
        shapes = [s for s in e.input_shapes if s]
        print(
            f"| {e.key} | {ms:.0f} | {ms / total:.1%} | {e.count} | {ms / e.count:.2f} | {shapes} |"
        )


if __name__ == "__main__":
    main()
