"""One prepared GPU run: the CUDA path of both samplers, timed on the seed's profile.

Trains DeepSMOTE (the paper's 28×28 networks) and BAGAN-GP (the reference's 64×64
schedule) on Fashion-MNIST made imbalanced with the seed's counts (9,000 images), each
within a time budget: the epochs that fit are run and the full schedule's time is
extrapolated from the measured epochs (the output says which). Also checks bfloat16
and float16 (loss-scaled) autocast, a GPU→CPU pickle round trip, and the label
fidelity of the synthetic images (a small CNN trained on all 60,000 real training
images judges them). Writes
``gpu_check.json`` to ``--output``.

    python -m benchmarks.gpu_check --data-root DIR --output DIR
    python -m benchmarks.gpu_check --quick   # a CPU smoke run on digits
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE
from imblearn_deep.datasets import PROFILES, load_digits_images, load_fashion_mnist, make_imbalanced


def log(*parts) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)


def epoch_seconds(history: list[dict], stage: str) -> list[float]:
    return [r["seconds"] for r in history if r["stage"] == stage]


def fit_within_budget(make, X, y, stages: dict[str, int], budget: float, probe: int = 2) -> dict:
    """Time ``probe`` epochs per stage, then run the epochs that fit in ``budget`` seconds."""
    probe_params = {name: min(probe, full) for name, full in stages.items()}
    sampler = make(**probe_params)
    start = time.perf_counter()
    sampler.fit_resample(X, y)
    probe_total = time.perf_counter() - start
    per_epoch = {
        name: float(
            np.median(
                epoch_seconds(sampler.history_, stage)[1:] or epoch_seconds(sampler.history_, stage)
            )
        )
        for name, stage in zip(stages, ("autoencoder", "gan"), strict=False)
    }
    full_training = sum(per_epoch[name] * full for name, full in stages.items())
    scale = min(1.0, budget / max(full_training, 1e-9))
    run_params = {name: max(1, int(full * scale)) for name, full in stages.items()}
    sampler = make(**run_params)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    total = time.perf_counter() - start
    training = sum(r["seconds"] for r in sampler.history_)
    return {
        "epochs_run": run_params,
        "epochs_full_schedule": stages,
        "seconds_per_epoch": {
            name: float(np.median(epoch_seconds(sampler.history_, stage)))
            for name, stage in zip(stages, ("autoencoder", "gan"), strict=False)
        },
        "training_seconds": training,
        "generation_and_overhead_seconds": total - training,
        "full_schedule_seconds_extrapolated": full_training,
        "probe_seconds": probe_total,
        "synthetic_images": int(len(X_res) - len(X)),
        "last_epoch": sampler.history_[-1],
        "sampler": sampler,
        "synthetic": (X_res[len(X) :], y_res[len(y) :]),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--output", default=os.environ.get("OUT", "gpu_check_out"))
    parser.add_argument("--budget-deepsmote", type=float, default=150.0)
    parser.add_argument("--budget-bagan", type=float, default=120.0)
    parser.add_argument("--quick", action="store_true", help="tiny CPU smoke run on digits")
    parser.add_argument("--skip-precision", action="store_true")
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    # "auto", not "cuda": the pickled sampler must also generate where no GPU is.
    device = "auto"
    report: dict = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "torch": torch.__version__,
    }

    def save() -> None:  # after every step, so a later failure loses nothing
        (output / "gpu_check.json").write_text(json.dumps(report, indent=2, default=str))

    if args.quick:
        X_all, y_all = load_digits_images()
        counts = PROFILES["digits"].train
        deep = dict(hidden_channels=8, latent_dim=16)
        bagan = dict(hidden_channels=8, latent_dim=16, image_size=16)
    else:
        X_all, y_all = load_fashion_mnist(args.data_root, train=True)
        counts = PROFILES["fashion_mnist"].train
        deep = dict(hidden_channels=64, latent_dim=300, batch_size=100)
        bagan = dict(image_size=64)
    X, y = make_imbalanced(X_all, y_all, counts, random_state=0)
    report["train_counts"] = np.bincount(y).tolist()
    log("data", X.shape, report["device"])

    def make_deepsmote(epochs, precision="float32"):
        return DeepSMOTE(epochs=epochs, random_state=0, device=device, precision=precision, **deep)

    def make_bagan(autoencoder_epochs, gan_epochs):
        return BAGANGP(
            autoencoder_epochs=autoencoder_epochs,
            gan_epochs=gan_epochs,
            random_state=0,
            device=device,
            **bagan,
        )

    runs = {}
    for name, make, stages, budget in [
        ("DeepSMOTE", make_deepsmote, {"autoencoder": 200}, args.budget_deepsmote),
        ("BAGANGP", make_bagan, {"autoencoder": 30, "gan": 100}, args.budget_bagan),
    ]:
        runs[name] = fit_within_budget(
            lambda make=make, **epochs: make(*epochs.values()), X, y, stages, budget
        )
        report[name] = {k: v for k, v in runs[name].items() if k not in ("sampler", "synthetic")}
        save()
        log(name, report[name])

    # Mixed precision: same short training in float32, bfloat16 and float16.
    precision = {}
    for name in () if args.skip_precision else ("float32", "bfloat16", "float16"):
        sampler = make_deepsmote(3, name)
        sampler.fit_resample(X, y)
        precision[name] = {
            "seconds_per_epoch": float(np.median(epoch_seconds(sampler.history_, "autoencoder"))),
            "reconstruction": sampler.history_[-1]["reconstruction"],
        }
    report["deepsmote_precision"] = precision
    save()

    # GPU-fitted sampler, pickled, loaded and used in a process that sees no GPU.
    blob = output / "deepsmote.pkl"
    blob.write_bytes(pickle.dumps(runs["DeepSMOTE"]["sampler"]))
    on_gpu = runs["DeepSMOTE"]["sampler"].generate(64, 9, random_state=0)
    code = (
        "import pickle,sys,numpy as np; s=pickle.load(open(sys.argv[1],'rb')); "
        "np.save(sys.argv[2], s.generate(64, 9, random_state=0))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(blob), str(output / "cpu.npy")],
        check=True,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    on_cpu = np.load(output / "cpu.npy")
    report["pickle_gpu_to_cpu_max_abs_pixel_diff"] = int(
        np.abs(on_gpu.astype(int) - on_cpu.astype(int)).max()
    )
    blob.unlink()
    save()

    # Label fidelity: a small CNN trained on every real training image judges the fakes.
    judge = CNNClassifier(
        architecture="small_cnn",
        max_epochs=3 if not args.quick else 2,
        random_state=0,
        device=device,
    ).fit(X_all, y_all)
    for name, run in runs.items():
        synthetic, labels = run.pop("synthetic")
        run.pop("sampler")
        run["label_fidelity"] = float(np.mean(judge.predict(synthetic) == labels))
        images = synthetic[np.searchsorted(labels, np.unique(labels))[:, None] + np.arange(8)]
        np.save(output / f"{name}_samples.npy", images)
        report[name]["label_fidelity"] = run["label_fidelity"]
    save()
    log(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
