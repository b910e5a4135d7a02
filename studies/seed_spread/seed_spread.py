"""Seed-to-seed spread of test macro-F1 at an equal step budget: constant vs cosine learning rate.

Each run is one condition (a sampler or loss of the comparison's ``fast`` preset: none,
weighted, ros, smote, ...) x one learning-rate schedule x one seed. It builds the
comparison's pipeline (the preset's sampler step, then its classifier) with the fast
preset's 28x28 classifier (``small_cnn``, channels 16-32-64, batch 64, Adam) set to exactly
``--max-steps`` optimizer steps, whatever the size of the (resampled) training set, fits it
once on the imbalanced Fashion-MNIST training profile (no cross-validation) and scores the
imbalanced test split. With a constant rate the final weights are a draw from a noisy
trajectory; a schedule that ends low should make the seeds agree more.

Resumable: every finished run is one JSON file under ``--out`` (written to a temporary file,
then renamed), and runs whose file exists are skipped. Run it as two processes with one
torch thread each, then print and write the table::

    python -m studies.seed_spread.seed_spread --shard 0/2 &
    python -m studies.seed_spread.seed_spread --shard 1/2 &
    wait
    python -m studies.seed_spread.seed_spread --summary
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from imblearn.pipeline import Pipeline
from sklearn.metrics import balanced_accuracy_score, f1_score

from benchmarks._common import REPO, OtherLoad, cpu_name
from imblearn_deep.comparison import get_preset
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import macro_f1

DEFAULT_OUT = REPO / "studies" / "seed_spread" / "results" / "seed_spread"
# The Debian package's folder (``apt-get install dataset-fashion-mnist``).
DEFAULT_DATA_ROOT = "/usr/share/datasets/fashion-mnist"
# The comparison's command line draws the imbalanced split with this seed; the run seeds
# vary the models only.
DATASET_SEED = 0
# The budget of the resampled conditions in the fast preset: 5 epochs of 40,000 balanced
# images in batches of 64. Every condition gets it, so none differs in compute.
MAX_STEPS = 3125

# Learning-rate schedules by name: the classifier arguments each one sets. The warm-up is
# 5% of the steps (156 of 3,125): the constant rate already trains stably from the first
# step at the peak of 1e-3, so the warm-up only has to soften Adam's first, poorly
# estimated steps, and a short one leaves the budget to the peak and the decay.
SCHEDULES = {
    "constant": {"lr": 1e-3, "lr_schedule": None},
    "cosine": {"lr": 1e-3, "lr_schedule": "cosine", "lr_warmup": 0.05},
    "cosine_lr3e-3": {"lr": 3e-3, "lr_schedule": "cosine", "lr_warmup": 0.05},
}
DEFAULT_CONDITIONS = ("none", "weighted", "ros", "smote")
DEFAULT_SCHEDULES = ("constant", "cosine")


def run_name(condition: str, schedule: str, seed: int) -> str:
    """The run's file name without ``.json``."""
    return f"{condition}__{schedule}__seed{seed}"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so that an interrupted run never leaves a truncated file that would count as done."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def library_digest() -> str:
    """SHA-256 of the package's source files (16 hex digits): with uncommitted edits in the
    tree, the commit alone does not say which code ran."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "imblearn_deep").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def git_head() -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def host_record() -> dict:
    return {
        "cpu": cpu_name(),
        "logical_cpus": os.cpu_count(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for a single value)."""
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def build_pipeline(sampler, classifier, *, random_state: int, device: str, classes) -> Pipeline:
    """The comparison's pipeline of one candidate: the sampler step (``"passthrough"``
    without one), then the classifier with the candidate's classifier parameters."""
    clf = classifier.build(random_state=random_state, device=device, classes=classes)
    clf.set_params(**sampler.classifier_params)
    steps = [("sampler", sampler.build(random_state=random_state, device=device)), ("clf", clf)]
    return Pipeline(steps)


def fit_and_score(data, condition: str, schedule: str, seed: int, max_steps: int) -> dict:
    """Train one pipeline and score it on the test split; the JSON record of the run."""
    X_train, y_train, X_test, y_test = data
    preset = get_preset("fast", "fashion_mnist")
    sampler = preset.sampler(condition)
    classifier = preset.classifier("small_cnn")
    params = {**classifier.params, **SCHEDULES[schedule], "max_steps": max_steps}
    classifier = replace(classifier, params=params)
    pipe = build_pipeline(
        sampler, classifier, random_state=seed, device="cpu", classes=np.unique(y_train)
    )
    with OtherLoad() as load:
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = pipe.predict(X_test)
    predict_seconds = time.perf_counter() - start
    clf = pipe.named_steps["clf"]
    n_train = int(clf.class_counts_.sum())
    return {
        "condition": condition,
        "condition_label": sampler.label,
        "schedule": schedule,
        "seed": seed,
        "classifier": {k: v for k, v in clf.get_params(deep=False).items() if k in params},
        "max_steps": max_steps,
        "n_steps": int(clf.n_steps_),
        "n_images_seen": int(clf.n_images_seen_),
        "n_train": n_train,
        "epochs": clf.n_images_seen_ / n_train,
        # The rate of the last step (recorded per batch only under a schedule).
        "last_lr": float(clf.history_[-1, "batches", -1].get("lr", clf.lr)),
        "f1_macro": macro_f1(y_test, y_pred),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, y_pred)),
        "f1_per_class": [
            round(float(v), 4) for v in f1_score(y_test, y_pred, average=None, zero_division=0)
        ],
        "fit_seconds": round(fit_seconds, 1),
        "predict_seconds": round(predict_seconds, 2),
        "other_load_cores": round(load.cores, 2),
        "host": host_record(),
    }


def planned_runs(conditions, schedules, seeds) -> list[tuple[str, str, int]]:
    # Seed outermost: if the time runs out, every condition and schedule has its first seeds.
    return [(c, s, seed) for seed in seeds for c in conditions for s in schedules]


def run(args) -> int:
    index, n_shards = args.shard
    runs = planned_runs(args.conditions, args.schedules, args.seeds)[index::n_shards]
    pending = [r for r in runs if not (args.out / f"{run_name(*r)}.json").exists()]
    tag = f"[shard {index}/{n_shards}]"
    print(f"{tag} {len(runs) - len(pending)} of {len(runs)} runs done", file=sys.stderr)
    if not pending:
        return 0
    # The code as this process imported it: others may edit the tree while it runs.
    code = {"git_head": git_head(), "library_sha256": library_digest()}
    torch.set_num_threads(args.threads)
    data = load_imbalanced("fashion_mnist", root=args.data_root, random_state=DATASET_SEED)
    for i, (condition, schedule, seed) in enumerate(pending, 1):
        record = fit_and_score(data, condition, schedule, seed, args.max_steps)
        record.update(code, command=" ".join(sys.argv))
        write_atomic(
            args.out / f"{run_name(condition, schedule, seed)}.json",
            json.dumps(record, indent=1) + "\n",
        )
        print(
            f"{tag} {i}/{len(pending)} {condition} {schedule} seed {seed}: "
            f"macro-F1 {record['f1_macro']:.3f}, bal. acc. {record['balanced_accuracy']:.3f}, "
            f"{record['n_steps']} steps, {record['fit_seconds']:.0f} s "
            f"(others used {record['other_load_cores']:.1f} cores)",
            file=sys.stderr,
            flush=True,
        )
    return 0


def _pm(values: list[float]) -> str:
    mean, sd = mean_std(values)
    return f"{mean:.3f} ± {sd:.3f}"


def summary_markdown(records: list[dict]) -> str:
    """The tables of the finished runs: one row per condition x schedule, then the spreads."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for record in records:
        groups.setdefault((record["condition"], record["schedule"]), []).append(record)
    conditions = list(dict.fromkeys(r["condition"] for r in records))
    schedules = [s for s in SCHEDULES if any(r["schedule"] == s for r in records)]
    lines = [
        "| condition | schedule | steps | epochs | test macro-F1 per seed | mean ± sd | "
        "sd (ddof=0) | balanced acc. | s per fit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for condition in conditions:
        for schedule in schedules:
            group = sorted(groups.get((condition, schedule), []), key=lambda r: r["seed"])
            if not group:
                continue
            f1 = [r["f1_macro"] for r in group]
            steps = sorted({r["n_steps"] for r in group})
            per_seed = " ".join(f"{r['f1_macro']:.3f}" for r in group)
            seeds = ",".join(str(r["seed"]) for r in group)
            lines.append(
                f"| {group[0]['condition_label']} | {schedule} | "
                f"{'/'.join(f'{s:,}' for s in steps)} | {group[0]['epochs']:.1f} | "
                f"{per_seed} (seeds {seeds}) | {_pm(f1)} | {float(np.std(f1)):.3f} | "
                f"{_pm([r['balanced_accuracy'] for r in group])} | "
                f"{np.mean([r['fit_seconds'] for r in group]):.0f} |"
            )
    lines += [
        "",
        "Seed-to-seed standard deviation of test macro-F1 (ddof=1) by schedule:",
        "",
        "| condition | " + " | ".join(schedules) + " |",
        "|---|" + "---|" * len(schedules),
    ]
    for condition in conditions:
        cells = []
        for schedule in schedules:
            group = groups.get((condition, schedule), [])
            cells.append(
                f"{mean_std([r['f1_macro'] for r in group])[1]:.3f} (n={len(group)})"
                if group
                else "–"
            )
        label = next(r["condition_label"] for r in records if r["condition"] == condition)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    hosts = sorted(
        {
            f"{r['host']['cpu']}, get_cpu_capability() = {r['host']['cpu_capability']}, "
            f"{r['host']['torch_threads']} torch thread(s), torch {r['host']['torch']}"
            for r in records
        }
    )
    code = sorted({f"{r['git_head']} (library sha256 {r['library_sha256']})" for r in records})
    lines += ["", "Host: " + "; ".join(hosts) + ".", "Code: " + "; ".join(code) + "."]
    return "\n".join(lines) + "\n"


def summary(args) -> int:
    records = [json.loads(p.read_text()) for p in sorted(args.out.glob("*.json"))]
    if not records:
        print(f"No finished runs under {args.out}.", file=sys.stderr)
        return 1
    order = {spec.name: i for i, spec in enumerate(get_preset("fast", "fashion_mnist").samplers)}
    records.sort(key=lambda r: (order.get(r["condition"], len(order)), r["seed"]))
    text = summary_markdown(records)
    write_atomic(args.out / "summary.md", text)
    print(text, end="")
    return 0


def _shard(text: str) -> tuple[int, int]:
    try:
        index, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N such as 0/2, got {text!r}") from None
    if not 0 <= index < n:
        raise argparse.ArgumentTypeError(f"shard index must be in [0, {n}), got {index}")
    return index, n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=list(DEFAULT_CONDITIONS))
    parser.add_argument(
        "--schedules", nargs="+", default=list(DEFAULT_SCHEDULES), choices=list(SCHEDULES)
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS)
    parser.add_argument("--shard", type=_shard, default=(0, 1), metavar="I/N")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of this process")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--summary", action="store_true", help="print and write summary.md")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.summary:
        return summary(args)
    names = [spec.name for spec in get_preset("fast", "fashion_mnist").samplers]
    unknown = sorted(set(args.conditions) - set(names))
    if unknown:
        parser.error(f"unknown conditions {unknown}; choose from {', '.join(names)}")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
