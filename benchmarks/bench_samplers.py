"""Speed and memory of the over-samplers: DeepSMOTE, BAGAN-GP, and imblearn's SMOTE/ADASYN.

On the study's 28×28 profile (class counts 4000, 2000, 1000, 750, 500, 350, 200, 100, 60,
40: 9,000 images; scaled down with ``--n-images``), for each sampler and precision:

* training: seconds of the last epoch (from the sampler's ``history_``), images/s, the
  model FLOPs of one training step counted with ``torch.utils.flop_counter`` on the
  sampler's own training code, and the achieved GFLOP/s as a share of the matmul peak
  measured in the same run;
* generation: seconds and images/s to generate the images that balance the set (31,000
  for the full profile) with the fitted sampler's public ``generate``;
* memory: each case runs in a fresh process, so peak RSS (``ru_maxrss``) is that case's
  own (on CUDA: ``torch.cuda.max_memory_allocated``); ``+RSS`` is over the RSS after
  imports and data;
* load: the CPU time other processes used while the case ran, in cores (from
  ``/proc/stat``), since a shared 2-core machine slows 2-thread torch a lot.

A reconstruction check trains DeepSMOTE and BAGAN-GP's autoencoder in float32 and
bfloat16 with the same seed (and float32 with a second seed, for the seed-to-seed
spread) on real images and compares the last epoch's mean training reconstruction loss
(the eval-mode error is recorded too). Not a test::

    python -m benchmarks.bench_samplers --n-images 900 --samplers deepsmote smote
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ._common import (
    CLASS_COUNTS,
    REPO,
    autocast,
    count_epoch_flops,
    cpu_busy_seconds,
    cpu_name,
    current_rss_mb,
    load_data,
    markdown_table,
    matmul_peak,
    no_generation,
    peak_rss_mb,
    resolve_device,
    resolve_precision,
    sync,
)

SAMPLERS = ("deepsmote", "bagan28", "bagan64", "smote", "adasyn")
DEEP_SAMPLERS = ("deepsmote", "bagan28", "bagan64")
PRECISIONS = ("float32", "bfloat16")
LABELS = {
    "deepsmote": "DeepSMOTE 28×28",
    "bagan28": "BAGAN-GP 28×28",
    "bagan64": "BAGAN-GP 64×64",
    "smote": "SMOTE (imblearn)",
    "adasyn": "ADASYN (imblearn)",
}
RECON_SAMPLERS = ("deepsmote", "bagan28")


def balancing_counts(y: np.ndarray) -> dict[int, int]:
    """Images to generate per class so that every class reaches the largest one."""
    labels, counts = np.unique(y, return_counts=True)
    return {int(c): int(counts.max() - n) for c, n in zip(labels, counts, strict=True)}


def recon_data(n_images: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Real images for the reconstruction check: Fashion-MNIST if installed, else
    scikit-learn's digits bilinearly upsampled to 28×28 (random pixels cannot be
    learnt, so they would hide any precision effect)."""
    from imblearn_deep.datasets import load_digits_images, load_fashion_mnist

    try:
        X, y = load_fashion_mnist()
        source = "fashion_mnist"
    except FileNotFoundError:
        X, y = load_digits_images()
        X = torch.nn.functional.interpolate(
            torch.from_numpy(X.astype(np.float32)), size=(28, 28), mode="bilinear"
        ).numpy()
        source = "digits 8×8→28×28"
    X = X.astype(np.float32)
    X = (X - X.min()) / (X.max() - X.min())
    n = min(n_images, len(X))
    idx = np.random.default_rng(0).permutation(len(X))[:n]
    return X[idx], y[idx], source


# -- samplers -----------------------------------------------------------------------------


def make_sampler(name: str, args, precision: str, counts: dict[int, int], **overrides):
    """A deep sampler configured for the benchmark; ``counts`` is its (no-op) strategy."""
    from imblearn_deep import BAGANGP, DeepSMOTE

    common = dict(
        sampling_strategy=counts,
        precision=precision,
        device=args.device,
        random_state=overrides.pop("random_state", 0),
        verbose=args.verbose,
        # torch's thread count as --threads (or torch) set it, not the samplers' default 1.
        n_threads=None,
    )
    if name == "deepsmote":
        params = dict(
            epochs=args.epochs,
            batch_size=args.batch_size,
            hidden_channels=args.hidden_channels,
            latent_dim=args.latent_dim,
        )
        params.update(overrides)
        return DeepSMOTE(**common, **params)
    params = dict(
        autoencoder_epochs=args.epochs,
        gan_epochs=args.epochs,
        batch_size=args.bagan_batch_size,
        hidden_channels=args.bagan_hidden_channels,
        critic_steps=args.critic_steps,
        image_size=64 if name == "bagan64" else None,
    )
    params.update(overrides)
    return BAGANGP(**common, **params)


def sampler_factory(name: str, args, precision: str):
    """``make(**params)``: :func:`make_sampler` with a sampling strategy and overrides."""

    def make(sampling_strategy="auto", **overrides):
        return make_sampler(name, args, precision, sampling_strategy, **overrides)

    return make


def training_flops(name: str, args, precision: str, X, y) -> dict[str, float]:
    """Model FLOPs of one training epoch on ``(X, y)`` per stage (``count_epoch_flops``)."""
    batch = args.batch_size if name == "deepsmote" else args.bagan_batch_size
    return count_epoch_flops(sampler_factory(name, args, precision), X, y, batch)


def bench_deep(name: str, args, precision: str) -> list[dict]:
    """Train one deep sampler for ``args.epochs`` epochs, then generate the balancing set."""
    device = torch.device(args.device_resolved)
    X, y, source = load_data(args.n_images, args.data)
    base_rss = current_rss_mb()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    sampler = make_sampler(name, args, precision, no_generation(y))
    # The matmul peak in this process, just before and after the work, so that the share
    # of peak compares like with like when other processes load the machine.
    peak_before = case_peak(args, precision)
    start = time.perf_counter()
    sampler.fit_resample(X, y)
    fit_seconds = time.perf_counter() - start

    to_generate = balancing_counts(y)
    start = time.perf_counter()
    for label, n in to_generate.items():
        if n:
            sampler.generate(n, label, random_state=0)
    sync(device)
    gen_seconds = time.perf_counter() - start
    gpu_mem = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    peak_rss = peak_rss_mb()  # before the FLOP count's extra fit
    peak_after = case_peak(args, precision)

    flops = {} if args.no_flops else training_flops(name, args, precision, X, y)
    rows = []
    # "auto" shows what it resolved to.
    label = precision if precision == sampler.precision_ else f"{precision} → {sampler.precision_}"
    stages = [r["stage"] for r in sampler.history_]
    for stage in dict.fromkeys(stages):
        records = [r for r in sampler.history_ if r["stage"] == stage]
        seconds = records[-1]["seconds"]
        epoch_flops = flops.get(stage)
        rows.append(
            {
                "sampler": name,
                "stage": stage,
                "precision": label,
                "data": source,
                "n_images": len(X),
                "epochs": len(records),
                "epoch_seconds": seconds,
                "first_epoch_seconds": records[0]["seconds"],
                "train_images_per_s": len(X) / seconds,
                "gflop_per_image": epoch_flops / len(X) / 1e9 if epoch_flops else None,
                "achieved_gflops": epoch_flops / seconds / 1e9 if epoch_flops else None,
                "fit_seconds": fit_seconds,
                "case_peak_gflops": max(peak_before + peak_after, default=None),
            }
        )
    n_generated = sum(to_generate.values())
    rows[-1].update(
        {
            "generated": n_generated,
            "gen_seconds": gen_seconds,
            "gen_images_per_s": n_generated / gen_seconds if gen_seconds else None,
        }
    )
    for row in rows:
        row.update({"peak_rss_mb": peak_rss, "base_rss_mb": base_rss, "gpu_peak_mb": gpu_mem})
    return rows


def case_peak(args, precision: str) -> list[float]:
    """The matmul GFLOP/s of ``precision`` measured now (empty with ``--no-peak``)."""
    if args.no_peak:
        return []
    device = torch.device(args.device_resolved)
    dtype = getattr(torch, resolve_precision(precision, device))
    return [matmul_peak(dtype, device, n=args.peak_size, repeats=args.peak_repeats)]


def bench_classic(name: str, args) -> list[dict]:
    """imblearn's SMOTE or ADASYN on the same images, flattened to 784 features."""
    from imblearn.over_sampling import ADASYN, SMOTE

    X, y, source = load_data(args.n_images, args.data)
    flat = X.reshape(len(X), -1)
    base_rss = current_rss_mb()
    # Scaled-down profiles can have classes smaller than the default 5 neighbours + 1.
    k = int(min(5, np.bincount(y).min() - 1))
    sampler = (
        SMOTE(k_neighbors=k, random_state=0)
        if name == "smote"
        else ADASYN(n_neighbors=k, random_state=0)
    )
    start = time.perf_counter()
    try:
        X_res, _ = sampler.fit_resample(flat, y)
    except RuntimeError as exc:  # ADASYN refuses some data sets (no majority neighbours)
        error = str(exc).split(".")[0]
        return [{"sampler": name, "stage": "fit_resample", "n_images": len(X), "error": error}]
    seconds = time.perf_counter() - start
    n_generated = len(X_res) - len(X)
    return [
        {
            "sampler": name,
            "stage": "fit_resample",
            "precision": str(flat.dtype),
            "data": source,
            "n_images": len(X),
            "generated": n_generated,
            "gen_seconds": seconds,
            "gen_images_per_s": n_generated / seconds,
            "peak_rss_mb": peak_rss_mb(),
            "base_rss_mb": base_rss,
        }
    ]


def bench_peak(args) -> list[dict]:
    device = torch.device(args.device_resolved)
    return [
        {
            "sampler": "matmul",
            "stage": f"{args.peak_size}×{args.peak_size}",
            "precision": precision,
            "peak_gflops": matmul_peak(
                getattr(torch, precision), device, n=args.peak_size, repeats=args.peak_repeats
            ),
        }
        for precision in PRECISIONS
    ]


def reconstruction_error(sampler, X: np.ndarray, y: np.ndarray) -> float:
    """Eval-mode reconstruction error of a fitted sampler's autoencoder on ``X`` in the
    networks' [-1, 1] scale, at the sampler's precision: MSE for DeepSMOTE (its loss), L1
    for BAGAN-GP's supervised autoencoder (its loss).

    Eval mode uses BatchNorm's running statistics. BAGAN-GP's follow Keras (momentum
    0.01), so after a short training they are still near their initial values and this
    error says little; the check's verdict uses the training loss instead."""
    from imblearn_deep.nets.bagan import SupervisedAutoencoder

    device = torch.device("cpu")
    x = torch.from_numpy(sampler.image_layout_.to_net(sampler.pixel_range_.scale(X)))
    with torch.no_grad(), autocast(device, sampler.precision_):
        if hasattr(sampler, "decoder_"):
            sampler.encoder_.eval(), sampler.decoder_.eval()
            out = sampler.decoder_(sampler.encoder_(x)).float()
            return float(torch.nn.functional.mse_loss(out, x))
        codes = torch.from_numpy(np.searchsorted(sampler.classes_, y))
        autoencoder = SupervisedAutoencoder(sampler.encoder_, sampler.generator_).eval()
        return float(torch.nn.functional.l1_loss(autoencoder(x, codes).float(), x))


def bench_recon(name: str, args) -> list[dict]:
    """float32 vs bfloat16 reconstruction error after the same short training.

    The verdict compares the last epoch's mean training reconstruction loss (from
    ``history_``); the eval-mode error of the final networks is recorded as well.
    """
    X, y, source = recon_data(args.recon_images)
    rows = []
    runs = [("float32", 0), ("bfloat16", 0), ("float32", 1)]
    errors, eval_errors = {}, {}
    for precision, seed in runs:
        overrides = {"random_state": seed}
        if name == "deepsmote":
            overrides["epochs"] = args.recon_epochs
        else:
            overrides.update(autoencoder_epochs=args.recon_epochs, gan_epochs=0)
        sampler = make_sampler(name, args, precision, no_generation(y), **overrides)
        sampler.fit_resample(X, y)
        # The last epoch's mean training reconstruction loss (both samplers record it).
        errors[(precision, seed)] = sampler.history_[-1]["reconstruction"]
        eval_errors[(precision, seed)] = reconstruction_error(sampler, X, y)
    reference = errors[("float32", 0)]
    rows.append(
        {
            "sampler": name,
            "stage": "reconstruction",
            "data": source,
            "n_images": len(X),
            "epochs": args.recon_epochs,
            "metric": "MSE" if name == "deepsmote" else "L1",
            "error_float32": reference,
            "error_bfloat16": errors[("bfloat16", 0)],
            "error_float32_seed1": errors[("float32", 1)],
            "bf16_vs_f32_pct": 100 * (errors[("bfloat16", 0)] - reference) / reference,
            "seed_spread_pct": 100 * (errors[("float32", 1)] - reference) / reference,
            "eval_error_float32": eval_errors[("float32", 0)],
            "eval_error_bfloat16": eval_errors[("bfloat16", 0)],
            "eval_bf16_vs_f32_pct": 100
            * (eval_errors[("bfloat16", 0)] - eval_errors[("float32", 0)])
            / eval_errors[("float32", 0)],
        }
    )
    return rows


def run_case(case: dict, args) -> list[dict]:
    """Run one case in this process (``case``: kind, sampler, precision)."""
    import warnings

    # Scaled-down profiles have classes below k_neighbors + 1; the samplers say so.
    warnings.filterwarnings("ignore", message="Class .* has .* samples", category=UserWarning)
    if args.threads:
        torch.set_num_threads(args.threads)
    kind = case["kind"]
    if kind == "peak":
        return bench_peak(args)
    if kind == "recon":
        return bench_recon(case["sampler"], args)
    if case["sampler"] in DEEP_SAMPLERS:
        return bench_deep(case["sampler"], args, case["precision"])
    return bench_classic(case["sampler"], args)


# -- orchestration ------------------------------------------------------------------------


def plan_cases(args) -> list[dict]:
    """The cases to run, in order: matmul peak, samplers × precisions, reconstruction
    checks, matmul peak again (the machine's load may change during the run)."""
    cases = [] if args.no_peak else [{"kind": "peak"}]
    for sampler in [] if args.recon_only else args.samplers:
        if sampler in DEEP_SAMPLERS:
            cases += [{"kind": "train", "sampler": sampler, "precision": p} for p in args.precision]
        else:
            cases.append({"kind": "classic", "sampler": sampler, "precision": "float32"})
    if not args.no_recon:
        cases += [{"kind": "recon", "sampler": s} for s in RECON_SAMPLERS if s in args.samplers]
    if not args.no_peak:
        cases.append({"kind": "peak"})
    return cases


def run_isolated(case: dict, argv: list[str]) -> tuple[list[dict], dict]:
    """Run a case in a fresh Python process (clean peak memory); returns its rows and the
    load measured around it."""
    busy0, steal0 = cpu_busy_seconds()
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", __spec__.name, *argv, "--case", json.dumps(case)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1, steal1 = cpu_busy_seconds()
    if proc.returncode != 0:
        raise RuntimeError(f"case {case} failed with exit code {proc.returncode}")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    own = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
    load = {
        "case_wall_s": wall,
        "own_cores": own / wall,
        "other_cores": max(0.0, (busy1 - busy0 - own) / wall),
        "steal_cores": (steal1 - steal0) / wall,
    }
    return rows, load


def collect(args, argv: list[str], log=None) -> dict:
    """Run every planned case and return ``{"conditions", "rows"}``."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    rows: list[dict] = []
    for case in plan_cases(args):
        log(f"-- {case} (load avg {os.getloadavg()[0]:.2f})")
        if args.in_process:
            case_rows, load = run_case(case, args), {}
        else:
            case_rows, load = run_isolated(case, argv)
        for row in case_rows:
            row.update(load)
        rows.extend(case_rows)
        if load:
            log(
                f"   {load['case_wall_s']:.1f} s wall, this case {load['own_cores']:.2f} cores, "
                f"others {load['other_cores']:.2f} cores"
            )
    device = torch.device(args.device_resolved)
    return {
        "conditions": {
            "started": started,
            "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
            "device": str(device),
            "device_name": (
                torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
            ),
            "cpu_count": os.cpu_count(),
            "torch_threads": args.threads or torch.get_num_threads(),
            "torch": torch.__version__,
            "n_images": args.n_images,
            "epochs": args.epochs,
            "load_avg_end": os.getloadavg(),
            "isolated": not args.in_process,
        },
        "rows": rows,
    }


def peaks(rows: list[dict]) -> dict[str, float]:
    """Highest measured matmul GFLOP/s per precision (the machine's ceiling)."""
    out: dict[str, float] = {}
    for row in rows:
        if row["sampler"] == "matmul":
            out[row["precision"]] = max(out.get(row["precision"], 0.0), row["peak_gflops"])
    return out


def share_of_peak(row: dict, peak: dict[str, float]) -> float | None:
    """Achieved GFLOP/s over the matmul peak measured in the case's own process (else the
    run's highest peak of that precision)."""
    reference = row.get("case_peak_gflops") or peak.get(row.get("precision"))
    if row.get("achieved_gflops") is None or not reference:
        return None
    return row["achieved_gflops"] / reference


def _fmt(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(value, spec)


COLUMNS = [
    ("sampler", "sampler", lambda r, p: LABELS.get(r["sampler"], r["sampler"])),
    ("stage", "stage", lambda r, p: f"failed: {r['error']}" if r.get("error") else r["stage"]),
    ("precision", "precision", lambda r, p: r.get("precision", "")),
    ("n", "n images", lambda r, p: _fmt(r.get("n_images"), "d")),
    ("epoch s", "s/epoch", lambda r, p: _fmt(r.get("epoch_seconds"), ".2f")),
    ("train img/s", "train img/s", lambda r, p: _fmt(r.get("train_images_per_s"), ".0f")),
    ("GFLOP/img", "GFLOP/img", lambda r, p: _fmt(r.get("gflop_per_image"), ".3g")),
    ("GFLOP/s", "GFLOP/s", lambda r, p: _fmt(r.get("achieved_gflops"), ".3g")),
    ("peak GFLOP/s", "peak GFLOP/s", lambda r, p: _fmt(r.get("case_peak_gflops"), ".0f")),
    ("% peak", "% peak", lambda r, p: _fmt(_pct(share_of_peak(r, p)), ".0f")),
    ("generated", "generated", lambda r, p: _fmt(r.get("generated"), "d")),
    ("gen s", "gen s", lambda r, p: _fmt(r.get("gen_seconds"), ".2f")),
    ("gen img/s", "gen img/s", lambda r, p: _fmt(r.get("gen_images_per_s"), ".0f")),
    ("peak MB", "peak MB", lambda r, p: _fmt(r.get("gpu_peak_mb") or r.get("peak_rss_mb"), ".0f")),
    ("+MB", "+MB", lambda r, p: _fmt(_over_base(r), ".0f")),
    ("other load", "other load", lambda r, p: _fmt(r.get("other_cores"), ".2f")),
]


def _pct(share):
    return None if share is None else 100 * share


def _over_base(row: dict):
    if row.get("gpu_peak_mb") is not None or row.get("peak_rss_mb") is None:
        return None
    return row["peak_rss_mb"] - row["base_rss_mb"]


def speed_table(result: dict, markdown: bool = False) -> str:
    """The sampler rows as a text (or markdown) table."""
    rows = [
        r for r in result["rows"] if r["sampler"] != "matmul" and r["stage"] != "reconstruction"
    ]
    peak = peaks(result["rows"])
    header = [title for _, title, _ in COLUMNS]
    body = [[cell(r, peak) for _, _, cell in COLUMNS] for r in rows]
    return _table(header, body, markdown)


def peak_table(result: dict, markdown: bool = False) -> str:
    rows = [r for r in result["rows"] if r["sampler"] == "matmul"]
    header = ["matmul", "precision", "GFLOP/s", "other load"]
    body = [
        [
            r["stage"],
            r["precision"],
            _fmt(r["peak_gflops"], ".0f"),
            _fmt(r.get("other_cores"), ".2f"),
        ]
        for r in rows
    ]
    return _table(header, body, markdown)


def recon_table(result: dict, markdown: bool = False) -> str:
    rows = [r for r in result["rows"] if r.get("stage") == "reconstruction"]
    header = [
        "sampler",
        "data",
        "n images",
        "epochs",
        "metric",
        "float32",
        "bfloat16",
        "bf16 vs f32",
        "f32 seed 1 vs seed 0",
        "within 5 %",
        "eval-mode f32 / bf16",
    ]
    body = [
        [
            LABELS[r["sampler"]],
            r["data"],
            str(r["n_images"]),
            str(r["epochs"]),
            r["metric"],
            f"{r['error_float32']:.4f}",
            f"{r['error_bfloat16']:.4f}",
            f"{r['bf16_vs_f32_pct']:+.1f} %",
            f"{r['seed_spread_pct']:+.1f} %",
            "yes" if abs(r["bf16_vs_f32_pct"]) <= 5 else "no",
            f"{r['eval_error_float32']:.4f} / {r['eval_error_bfloat16']:.4f}",
        ]
        for r in rows
    ]
    return _table(header, body, markdown)


def _table(header: list[str], body: list[list[str]], markdown: bool) -> str:
    if not body:
        return ""
    if markdown:
        return markdown_table(header, body)
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)


def conditions_line(result: dict) -> str:
    c = result["conditions"]
    return (
        f"{c['started']} → {c['finished']}; device {c['device']} ({c['device_name']}), "
        f"{c['cpu_count']} CPUs, torch {c['torch']} with {c['torch_threads']} threads; "
        f"{c['n_images']} images, {c['epochs']} epoch(s) per stage; load average at the end "
        f"{c['load_avg_end'][0]:.2f}/{c['load_avg_end'][1]:.2f}/{c['load_avg_end'][2]:.2f}"
    )


def build_parser(description: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description or __doc__.splitlines()[0])
    parser.add_argument(
        "--samplers", nargs="+", default=list(SAMPLERS), choices=SAMPLERS, metavar="NAME",
        help=f"samplers to time (default: all of {list(SAMPLERS)})",
    )  # fmt: skip
    parser.add_argument(
        "--precision", nargs="+", default=list(PRECISIONS), choices=(*PRECISIONS, "auto"),
        help="precisions of the deep samplers (default: float32 and bfloat16)",
    )  # fmt: skip
    parser.add_argument(
        "--n-images", type=int, default=sum(CLASS_COUNTS),
        help="training images, class counts scaled from the profile (default 9000)",
    )  # fmt: skip
    parser.add_argument(
        "--epochs", type=int, default=1,
        help="epochs of each training stage; the last one is reported (default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--data", choices=("auto", "random", "fashion_mnist"), default="auto",
        help="pixels: Fashion-MNIST if installed (auto), or random (default auto)",
    )  # fmt: skip
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda'")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--hidden-channels", type=int, default=64, help="DeepSMOTE dim_h (64)")
    parser.add_argument("--latent-dim", type=int, default=300, help="DeepSMOTE latent (300)")
    parser.add_argument("--batch-size", type=int, default=100, help="DeepSMOTE batch (100)")
    parser.add_argument("--bagan-hidden-channels", type=int, default=64)
    parser.add_argument("--bagan-batch-size", type=int, default=128)
    parser.add_argument("--critic-steps", type=int, default=5)
    parser.add_argument("--no-flops", action="store_true", help="skip the FLOP count")
    parser.add_argument("--no-peak", action="store_true", help="skip the matmul peak")
    parser.add_argument("--peak-size", type=int, default=2048)
    parser.add_argument("--peak-repeats", type=int, default=10)
    parser.add_argument("--no-recon", action="store_true", help="skip the bf16 check")
    parser.add_argument(
        "--recon-images", type=int, default=1797,
        help="images of the reconstruction check (default 1797: all digits)",
    )  # fmt: skip
    parser.add_argument("--recon-epochs", type=int, default=5)
    parser.add_argument(
        "--recon-only", action="store_true", help="run only the reconstruction check"
    )
    parser.add_argument(
        "--in-process", action="store_true",
        help="run cases in this process (peak memory is then cumulative)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write raw rows here")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    return parser


def resolve_args(args) -> argparse.Namespace:
    args.device_resolved = str(resolve_device(args.device))
    return args


def child_argv(argv: list[str]) -> list[str]:
    """The options a case's process needs (everything but --json)."""
    out, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        if item == "--json":
            skip = True
            continue
        if item.startswith("--json="):
            continue
        out.append(item)
    return out


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = resolve_args(build_parser().parse_args(argv))
    if args.case:
        rows = run_case(json.loads(args.case), args)
        print(json.dumps(rows))
        return
    result = collect(args, child_argv(argv))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(conditions_line(result))
    for table in (peak_table(result), speed_table(result), recon_table(result)):
        if table:
            print()
            print(table)


if __name__ == "__main__":
    main()
