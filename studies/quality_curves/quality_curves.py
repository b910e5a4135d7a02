"""Quality of the deep samplers' images per CPU minute, on the 9,000-image Fashion-MNIST
profile.

Each point is one fresh fit of a sampler configuration with a step budget (a decaying
learning-rate schedule is planned over the whole budget, so a curve cannot be read off
one long fit), timed in CPU seconds of this process (``time.process_time``; the fit runs
on ``--threads`` torch threads), then 200 synthetic images per over-sampled class are
judged. The judges never saw a training image: the official test split (1,000 images per
class) is cut in two halves; half A trains them, half B is the real reference of the
Fréchet distance.

* ``fidelity_linear``: share of synthetic images that a logistic regression of half A
  (:func:`~imblearn_deep.experimental.default_judge`) assigns to their class;
* ``fidelity_cnn``: the same with a small CNN of half A;
* ``frechet``: mean over the over-sampled classes of the Fréchet distance between the
  synthetic images and half B's images of the class, in that CNN's penultimate features.

The judges' scores of the *real* training images (200 per class at most, as many as the
class has) are the yardstick printed beside: a sampler whose images are as
class-faithful as real ones reaches them.

Points are appended to ``studies/quality_curves/results/quality_curves/points.jsonl`` as
they finish (a run stopped half-way keeps them and skips them when restarted);
``--report`` writes ``summary.md`` and ``curves.png`` there.

    python -m studies.quality_curves.quality_curves \\
        --configs deepsmote_fast_ref,deepsmote_fast_tuned
    python -m studies.quality_curves.quality_curves --configs deepsmote_paper_ref --threads 1
    python -m studies.quality_curves.quality_curves --report
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import joblib
import numpy as np
import torch

from benchmarks._common import describe_host
from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE, LatentDiffusion
from imblearn_deep.datasets import load_balanced_test, load_imbalanced
from imblearn_deep.experimental import default_judge
from imblearn_deep.metrics import class_frechet_distances, label_fidelity

OUTPUT = Path("studies/quality_curves/results/quality_curves")
CACHE = Path(".cache/quality_curves")
PER_CLASS = 200

_FAST = {"hidden_channels": 16, "latent_dim": 32, "batch_size": 64}
_TUNED = {"learning_rate": 2e-3, "lr_schedule": "cosine", "lr_warmup": 0.05}
# name -> (sampler class, parameters, step budgets). "ref" is the reference's optimiser
# schedule (Adam 2e-4, constant); "preset" the fast preset's (1e-3, constant); "tuned" a
# ten times larger peak with a 5 % warm-up and a cosine decay. BAGAN-GP budgets count
# generator steps, with half as many autoencoder steps before them.
CONFIGS = {
    "deepsmote_fast_ref": (DeepSMOTE, {**_FAST, "learning_rate": 2e-4}, (141, 425, 1275)),
    "deepsmote_fast_preset": (DeepSMOTE, {**_FAST, "learning_rate": 1e-3}, (141, 425, 1275)),
    "deepsmote_fast_tuned": (DeepSMOTE, {**_FAST, **_TUNED}, (141, 425, 1275, 3825)),
    "deepsmote_fast_residual": (
        DeepSMOTE,
        {**_FAST, "learning_rate": 1e-3, "synthesis": "residual"},
        (1275,),
    ),
    "deepsmote_fast_paper_penalty": (
        DeepSMOTE,
        {**_FAST, "learning_rate": 1e-3, "penalty": "paper"},
        (1275,),
    ),
    "deepsmote_paper_ref": (DeepSMOTE, {"learning_rate": 2e-4}, (90, 270)),
    "deepsmote_paper_tuned": (DeepSMOTE, dict(_TUNED), (90, 270, 810)),
    "deepsmote_paper_tuned_bf16": (
        DeepSMOTE,
        {**_TUNED, "precision": "bfloat16"},
        (270, 810, 2430),
    ),
    "deepsmote_paper_residual_bf16": (
        DeepSMOTE,
        {**_TUNED, "precision": "bfloat16", "synthesis": "residual"},
        (270,),
    ),
    "bagangp_fast_ref": (
        BAGANGP,
        {**_FAST, "critic_steps": 2, "learning_rate": 2e-4},
        (250, 750, 2250),
    ),
    "bagangp_fast_preset": (
        BAGANGP,
        {**_FAST, "critic_steps": 2, "learning_rate": 1e-3},
        (250, 750, 2250),
    ),
    "bagangp_fast_tuned": (
        BAGANGP,
        {**_FAST, "critic_steps": 2, **_TUNED},
        (250, 750, 2250),
    ),
    # LatentDiffusion's defaults: the autoencoder of deepsmote_fast_preset (budgets count
    # its steps), then the 2,000-step denoiser (seconds) on its codes.
    "latent_diffusion_defaults": (LatentDiffusion, {}, (425, 1275)),
    "latent_diffusion_residual": (LatentDiffusion, {"synthesis": "residual"}, (1275,)),
}


def _budget(estimator, steps: int) -> dict:
    if estimator is BAGANGP:
        return {"autoencoder_steps": steps // 2, "gan_steps": steps}
    return {"max_steps": steps}


def judges(seed: int = 0):
    """(linear judge, CNN judge, half B images, half B labels), trained once and cached."""
    path = CACHE / f"judges_seed{seed}.joblib"
    if path.exists():
        return joblib.load(path)
    X, y = load_balanced_test("fashion_mnist")
    rng = np.random.RandomState(seed)
    half_a = np.zeros(len(y), bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        half_a[members[: len(members) // 2]] = True
    linear = default_judge().fit(X[half_a].reshape(half_a.sum(), -1), y[half_a])
    cnn = CNNClassifier(
        architecture="small_cnn",
        max_steps=1500,
        batch_size=64,
        lr=1e-3,
        lr_schedule="cosine",
        lr_warmup=0.05,
        random_state=seed,
        device="cpu",
    ).fit(X[half_a], y[half_a])
    CACHE.mkdir(parents=True, exist_ok=True)
    result = (linear, cnn, X[~half_a], y[~half_a])
    joblib.dump(result, path)
    return result


def scores(linear, cnn, reference_X, reference_y, X, y) -> dict:
    """The three quality numbers of images ``X`` meant to be of classes ``y``."""
    distances = class_frechet_distances(cnn, reference_X, reference_y, X, y)
    finite = [d for d in distances.values() if np.isfinite(d)]
    return {
        "fidelity_linear": round(float(label_fidelity(linear, X.reshape(len(X), -1), y)), 4),
        "fidelity_cnn": round(float(label_fidelity(cnn, X, y)), 4),
        "frechet": round(float(np.mean(finite)), 3) if finite else None,
    }


def _first(y: np.ndarray, labels, per_class: int) -> np.ndarray:
    return np.concatenate([np.flatnonzero(y == label)[:per_class] for label in labels])


def _done(path: Path) -> set[tuple[str, int, int]]:
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text().splitlines():
        try:
            point = json.loads(line)
        except json.JSONDecodeError:  # the last line of a killed run
            continue
        keys.add((point["config"], point["steps"], point["seed"]))
    return keys


def _append(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def measure(configs: list[str], seed: int, threads: int, output: Path, steps_override=None) -> None:
    torch.set_num_threads(threads)
    X, y, _, _ = load_imbalanced("fashion_mnist")
    linear, cnn, reference_X, reference_y = judges()
    labels = np.unique(y)
    points = output / "points.jsonl"
    if ("real", 0, seed) not in _done(points):
        # The classes "auto" over-samples: all but the largest.
        counts = np.bincount(np.searchsorted(labels, y))
        real = _first(y, labels[counts < counts.max()], PER_CLASS)
        _append(
            points,
            {
                "config": "real",
                "steps": 0,
                "seed": seed,
                "cpu_seconds": 0.0,
                **scores(linear, cnn, reference_X, reference_y, X[real], y[real]),
            },
        )
    for name in configs:
        estimator, params, budgets = CONFIGS[name]
        for steps in steps_override or budgets:
            if (name, steps, seed) in _done(points):
                continue
            sampler = estimator(
                random_state=seed, device="cpu", **params, **_budget(estimator, steps)
            )
            wall, cpu = time.perf_counter(), time.process_time()
            sampler.fit_resample(X, y)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            over = [label for label, n in sampler.sampling_strategy_.items() if n > 0]
            X_syn = np.concatenate(
                [sampler.generate(PER_CLASS, c, random_state=seed) for c in over]
            )
            y_syn = np.repeat(over, PER_CLASS)
            # Kept so that the images can be judged again without refitting.
            samples = CACHE / "samples" / f"{name}__{steps}__seed{seed}.npz"
            samples.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(samples, X=X_syn, y=y_syn)
            record = {
                "config": name,
                "steps": steps,
                "seed": seed,
                "cpu_seconds": round(cpu, 1),
                "wall_seconds": round(wall, 1),
                "threads": threads,
                "host": describe_host(),
                **scores(linear, cnn, reference_X, reference_y, X_syn, y_syn),
                "last_loss": {k: v for k, v in sampler.history_[-1].items() if k.endswith("loss")},
            }
            _append(points, record)
            print(json.dumps(record), flush=True)


def report(output: Path) -> None:
    rows = [
        json.loads(line)
        for line in (output / "points.jsonl").read_text().splitlines()
        if line.strip()
    ]
    real = next(r for r in rows if r["config"] == "real")
    lines = [
        "# Quality per CPU minute: the deep samplers on the Fashion-MNIST profile",
        "",
        "Command: `python -m studies.quality_curves.quality_curves --configs ...` then `--report`.",
        f"Host: {rows[-1].get('host', '?')}.",
        "",
        "Real training images (≤ 200 per class), the yardstick: linear-judge fidelity "
        f"{real['fidelity_linear']:.3f}, CNN-judge fidelity {real['fidelity_cnn']:.3f}, "
        f"Fréchet {real['frechet']:.2f} (the over-sampled classes; a class with fewer than "
        "200 images enters with all it has, which raises its distance).",
        "",
        "| config | steps | CPU min | fidelity (linear) | fidelity (CNN) | Fréchet (CNN) |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(
        (r for r in rows if r["config"] != "real"), key=lambda r: (r["config"], r["steps"])
    ):
        lines.append(
            f"| {r['config']} | {r['steps']} | {r['cpu_seconds'] / 60:.1f} | "
            f"{r['fidelity_linear']:.3f} | {r['fidelity_cnn']:.3f} | {r['frechet']:.2f} |"
        )
    (output / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    metrics = ("fidelity_linear", "fidelity_cnn", "frechet")
    for name in sorted({r["config"] for r in rows} - {"real"}):
        points = sorted((r for r in rows if r["config"] == name), key=lambda r: r["steps"])
        for ax, metric in zip(axes, metrics, strict=True):
            ax.plot(
                [p["cpu_seconds"] / 60 for p in points],
                [p[metric] for p in points],
                "o-",
                label=name,
            )
    for ax, metric in zip(axes, metrics, strict=True):
        ax.axhline(real[metric], color="k", ls="--", lw=1, label="real images")
        ax.set_xscale("log")
        ax.set_xticks([0.5, 1, 2, 5, 10, 20], labels=["0.5", "1", "2", "5", "10", "20"])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("CPU minutes of the fit")
        ax.set_title(metric)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(output / "curves.png", dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="", help=f"comma-separated, of {sorted(CONFIGS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--steps", help="comma-separated budgets instead of each config's")
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.configs:
        steps = [int(s) for s in args.steps.split(",")] if args.steps else None
        measure(args.configs.split(","), args.seed, args.threads, args.output, steps)
    if args.report:
        report(args.output)


if __name__ == "__main__":
    main()
