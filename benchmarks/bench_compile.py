"""The samplers' ``compile`` against eager code: compilation time, time per training step,
and how far the losses move, side by side in one run.

Each configuration trains on Fashion-MNIST images (28×28; random images with ``--fake``)
for ``--epochs`` epochs of ``--steps`` optimizer steps: eager, then compiled, alternating
for ``--rounds`` rounds. The first epoch of a compiled fit includes the compilation; the
steady per-step time is the median of the later epochs. Loss drift: the largest relative
difference between the eager and the compiled fit's per-epoch mean losses (the same seed;
float reassociation in fused kernels makes them drift apart slowly, as two CPUs do).

    python -m benchmarks.bench_compile                        # CPU, the fast networks
    python -m benchmarks.bench_compile --device cuda --mode reduce-overhead --paper
    python -m benchmarks.bench_compile --fake --steps 4 --epochs 2 --backend aot_eager
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from imblearn_deep import BAGANGP, DeepSMOTE

from ._common import describe_host

_FAST = {"hidden_channels": 16, "latent_dim": 32, "batch_size": 64}


def configs(paper: bool) -> dict[str, tuple[type, dict, str]]:
    """name -> (sampler, parameters, the name of its step-budget parameter(s))."""
    chosen = {
        "deepsmote_fast": (DeepSMOTE, {**_FAST, "learning_rate": 1e-3}, "max_steps"),
        "bagangp_fast": (BAGANGP, {**_FAST, "critic_steps": 2, "learning_rate": 1e-3}, "gan"),
    }
    if paper:
        chosen["deepsmote_paper"] = (DeepSMOTE, {"learning_rate": 2e-3}, "max_steps")
    return chosen


def images(n: int, fake: bool) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images of 10 classes, imbalanced (class k has about twice class k+1's)."""
    weights = 0.5 ** np.arange(10)
    counts = np.maximum(2, np.round(n * weights / weights.sum())).astype(int)
    counts[0] += n - counts.sum()
    rng = np.random.RandomState(0)
    if fake:
        X = rng.uniform(0, 1, size=(n, 1, 28, 28)).astype(np.float32)
        return X, np.repeat(np.arange(10), counts)
    from imblearn_deep.datasets import load_fashion_mnist

    X_all, y_all = load_fashion_mnist("train")
    rows = np.concatenate(
        [rng.choice(np.flatnonzero(y_all == k), c, replace=False) for k, c in enumerate(counts)]
    )
    return X_all[rows], y_all[rows]


def one_fit(estimator, params, budget, n_steps, epochs, X, y, compile_option, device):
    if budget == "gan":
        # No autoencoder stage: the GAN's steps are the ones compared.
        steps = {"autoencoder_steps": 0, "gan_steps": n_steps * epochs}
    else:
        steps = {"max_steps": n_steps * epochs}
    sampler = estimator(
        random_state=0,
        device=device,
        sampling_strategy={int(y[-1]): int((y == y[-1]).sum()) + 1},  # one image: not measured
        compile=compile_option,
        **params,
        **steps,
    )
    start = time.perf_counter()
    sampler.fit_resample(X, y)
    total = time.perf_counter() - start
    records = [r for r in sampler.history_ if r["steps"]]
    losses = np.array([[v for k, v in sorted(r.items()) if "loss" in k] for r in records])
    return {
        "first_epoch_s": records[0]["seconds"],
        "step_s": float(np.median([r["seconds"] / r["steps"] for r in records[1:]])),
        "total_s": total,
        "losses": losses,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--mode", default=None, help="torch.compile mode")
    parser.add_argument("--backend", default=None, help="torch.compile backend")
    parser.add_argument("--paper", action="store_true", help="also the paper's networks")
    parser.add_argument("--fake", action="store_true", help="random images, no data files")
    parser.add_argument("--steps", type=int, default=10, help="optimizer steps per epoch")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output", type=Path, default=Path("bench_compile.json"))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    options = {k: v for k, v in (("mode", args.mode), ("backend", args.backend)) if v}
    rows = []
    for name, (estimator, params, budget) in configs(args.paper).items():
        X, y = images(params["batch_size"] if "batch_size" in params else 100, args.fake)
        # One epoch is exactly --steps batches.
        X, y = (np.concatenate([X] * args.steps), np.concatenate([y] * args.steps))
        runs = {"eager": [], "compiled": []}
        for _ in range(args.rounds):
            for variant, option in (("eager", False), ("compiled", options or True)):
                torch.compiler.reset()  # every compiled round pays its compilation
                runs[variant].append(
                    one_fit(
                        estimator,
                        params,
                        budget,
                        args.steps,
                        args.epochs,
                        X,
                        y,
                        option,
                        args.device,
                    )
                )
        eager, fast = runs["eager"], runs["compiled"]
        drift = max(
            float(np.max(np.abs(c["losses"] - e["losses"]) / np.abs(e["losses"]).clip(1e-12)))
            for e, c in zip(eager, fast, strict=True)
        )
        row = {
            "config": name,
            "device": args.device,
            "options": options,
            "steps_per_epoch": args.steps,
            "epochs": args.epochs,
            "eager_step_s": [r["step_s"] for r in eager],
            "compiled_step_s": [r["step_s"] for r in fast],
            "compiled_first_epoch_s": [r["first_epoch_s"] for r in fast],
            "eager_first_epoch_s": [r["first_epoch_s"] for r in eager],
            "step_ratio": float(np.median([r["step_s"] for r in fast]))
            / float(np.median([r["step_s"] for r in eager])),
            "max_relative_loss_drift": drift,
            "host": describe_host(),
            "threads": torch.get_num_threads(),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        args.output.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
