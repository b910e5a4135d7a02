"""Run every sampler benchmark and print one markdown table.

The table has one row per sampler, training stage and precision (DeepSMOTE's paper
autoencoder at 28×28; BAGAN-GP's autoencoder and GAN at 28×28 and 64×64; imblearn's
SMOTE and ADASYN on the same images flattened): training images/s, model GFLOP per image
and achieved GFLOP/s as a share of the float32 / bfloat16 matmul peak measured in the same
run, generation images/s for the images that balance the set, peak memory, and the CPU
load of other processes during each case. Under it: the matmul peaks and the bfloat16
vs float32 reconstruction check. Columns are explained in ``docs/benchmarks.md``.

    python -m benchmarks.run --quick            # 300 images, 2 epochs: ~5 min, 2 idle cores
    python -m benchmarks.run                    # 9,000 images, 1 epoch: ~40 min, 2 idle cores
    python -m benchmarks.run --quick --samplers deepsmote smote --json quick.json

Any option of ``bench_samplers`` may be added (it overrides the preset); see
``python -m benchmarks.bench_samplers --help``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import bench_classifiers, bench_samplers

QUICK = ["--n-images", "300", "--epochs", "2", "--recon-images", "600", "--recon-epochs", "2"]


def markdown_report(result: dict, classifier_rows: list[dict] | None = None) -> str:
    """The run as markdown: conditions, the table, peaks and the reconstruction check."""
    rows = result["rows"]
    peak = bench_samplers.peaks(rows)
    lines = [f"Conditions: {bench_samplers.conditions_line(result)}.", ""]
    lines.append(bench_samplers.speed_table(result, markdown=True))
    lines.append("")
    if peak:
        measured = [r for r in rows if r["sampler"] == "matmul"]
        each = "; ".join(
            f"{r['precision']} {r['peak_gflops']:.0f} (other load {r.get('other_cores', 0):.2f})"
            for r in measured
        )
        lines.append(
            f"- matmul peak at the start and end of the run ({measured[0]['stage']}, "
            f"GFLOP/s): {each}. Each deep-sampler row's `% peak` uses the peak measured in "
            "its own process just before and after its work (the higher of the two)"
        )
    for r in rows:
        if r.get("stage") == "reconstruction":
            lines.append(
                f"- bf16 reconstruction check, {bench_samplers.LABELS[r['sampler']]}: "
                f"last-epoch training {r['metric']} float32 {r['error_float32']:.4f}, "
                f"bfloat16 {r['error_bfloat16']:.4f} ({r['bf16_vs_f32_pct']:+.1f} %; another "
                f"float32 seed: {r['seed_spread_pct']:+.1f} %) after {r['epochs']} epoch(s) "
                f"on {r['n_images']} {r['data']} images: "
                f"{'within' if abs(r['bf16_vs_f32_pct']) <= 5 else 'NOT within'} 5 %; "
                f"eval-mode {r['metric']} {r['eval_error_float32']:.4f} / "
                f"{r['eval_error_bfloat16']:.4f}"
            )
    if classifier_rows:
        lines += [
            "",
            "| classifier | params (M) | s/epoch | train img/s | fit s |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['architecture']} | {r['params_m']:.2f} | {r['s_per_epoch']:.2f} | "
            f"{r['images_per_s']:.0f} | {r['fit_s']:.2f} |"
            for r in classifier_rows
        ]
    return "\n".join(lines)


def run_classifiers(architectures: list[str], n_images: int, device: str) -> list[dict]:
    """CNNClassifier epochs via ``bench_classifiers`` (optional extra table)."""
    X, y = bench_classifiers.make_data(n_images)
    return [
        bench_classifiers.bench(a, X, y, batch_size=64, epochs=1, device=device)
        for a in architectures
    ]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--quick", action="store_true", help="small preset: " + " ".join(QUICK))
    parser.add_argument("--output", type=Path, default=None, help="also write the markdown")
    parser.add_argument(
        "--classifiers", nargs="*", default=[], metavar="ARCH",
        help="also time CNNClassifier architectures (bench_classifiers)",
    )  # fmt: skip
    parser.add_argument("-h", "--help", action="store_true")
    own, rest = parser.parse_known_args(argv)
    if own.help:
        parser.print_help()
        print("\nOptions of bench_samplers (override the preset):\n")
        bench_samplers.build_parser().print_help()
        return
    sampler_argv = (QUICK if own.quick else []) + rest
    args = bench_samplers.resolve_args(bench_samplers.build_parser().parse_args(sampler_argv))
    result = bench_samplers.collect(args, bench_samplers.child_argv(sampler_argv))
    result["conditions"]["command"] = "python -m benchmarks.run " + " ".join(argv)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    classifier_rows = (
        run_classifiers(own.classifiers, args.n_images, args.device) if own.classifiers else None
    )
    report = markdown_report(result, classifier_rows)
    if own.output:
        own.output.write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
