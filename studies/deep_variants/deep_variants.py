"""Where could deep over-sampling win? Variants of DeepSMOTE and BAGAN-GP, paired against
the protocol's baselines on the same seeds.

The Fashion-MNIST protocol (``studies/fashion_protocol/fashion_protocol.sh``) ranks the fast deep
samplers last. This script runs the ideas that could make synthetic images more useful
than SMOTE's interpolations, each as a comparison method of its own, with the protocol's
classifier, steps, seeds and test sets, into its own results folder:

* ``bagangp_cg``: BAGAN-GP with the class-Gaussian noise and recalibrated BatchNorm (its
  defaults since the protocol's run; the protocol measured the ``N(0, I)`` noise);
* ``deepsmote_half`` / ``smote_half``: balancing half-way (each class gains half of its gap
  to the largest), the seed thesis's own future work;
* ``deepsmote_half_weighted``: half-way balancing and a class-weighted loss for the rest;
* ``deepsmote_logit``: DeepSMOTE's balanced set and the logit-adjusted loss;
* ``deepsmote_wide``: DeepSMOTE trained longer and wider (30 epochs, 32 channels);
* ``deepsmote_long`` / ``deepsmote_long_half_weighted``: the preset's networks trained
  three times longer with a tuned schedule (3,825 steps, Adam 2e-3, 5 % warm-up, cosine
  decay: the best images of ``studies/quality_curves``, class Fréchet 4.2 against the
  preset's 8.6), balancing fully, or half-way with a class-weighted loss;
* ``deepsmote_paper_long``: the paper's networks (64-128-256-512 channels, 300-d codes,
  batch 100) trained 2,430 tuned steps in bfloat16: the best decoded images of
  ``studies/quality_curves`` (class Fréchet 1.56, 63 CPU minutes on one thread);
* ``deepsmote_paper_penalty``: the preset's DeepSMOTE with the article's penalty text
  (``penalty="paper"``) instead of the released code's;
* ``deepsmote_residual``: DeepSMOTE's ``synthesis="residual"``: a real image of the class
  moved by the decoder's change between two codes, keeping real detail (same fit);
* ``deepsmote_residual_half_weighted``: residual synthesis balancing half-way, and the
  class-weighted loss for the rest (what helped decoded DeepSMOTE most, on the method
  that ties that loss on the balanced test and leads on the imbalanced one);
* ``deepsmote_residual_half_logit``: residual synthesis balancing half-way, and the
  logit-adjusted loss for the prior that remains (a full balance makes the adjustment a
  constant shift of the logits, which changes nothing);
* ``deepsmote_judged`` / ``bagangp_judged``: the synthetic images a logistic regression of
  the real training images assigns to another class are replaced by new draws
  (:class:`~imblearn_deep.experimental.JudgeFilter`).

``--report`` prints the paired differences of these rows and the protocol's rows (the same
seeds share the classifier's initialisation), on both test sets, against the best method
without resampling, SMOTE and DeepSMOTE. Name protocol methods in ``--variants`` (e.g.
``weighted,smote,deepsmote``) to rerun them into this folder on the same host: seeded CPU
runs repeat exactly on one CPU model, not across models (a small CNN's test macro-F1
moved by 0.004 between an Intel and an AMD host), and the report then pairs with them.

    python -m studies.deep_variants.deep_variants --seeds 0,1,2       # about 1 h on 2 cores
    python -m studies.deep_variants.deep_variants --report
    python -m studies.deep_variants.deep_variants --dataset digits --seeds 0 --variants smote_half

Results go to ``studies/deep_variants/results/<dataset>_variants`` (``--output``); the
protocol's folder ``studies/fashion_protocol/results/<dataset>`` supplies the baselines this
folder did not rerun (``--baselines``).

``--classifier-steps N`` trains every method's classifier ``N`` optimizer steps instead of
the preset's (ResNet-18 625, small CNN 3,125): the question whether added images help more
when a longer fit would otherwise memorise the rare classes' few real images.
``--classifier-set PARAM=VALUE`` sets a parameter of every method's classifier, e.g. the
input augmentation (``--classifier-set random_shift=2 --classifier-set random_flip=True``)
that competes with synthetic images on fair terms.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import replace
from pathlib import Path

from imblearn.over_sampling import SMOTE

from imblearn_deep import BAGANGP, DeepSMOTE
from imblearn_deep.comparison import (
    Execution,
    SamplerSpec,
    get_preset,
    paired_differences,
    paired_section,
    paired_table,
    read_results,
    run_comparison,
)
from imblearn_deep.datasets import load_balanced_test, load_imbalanced
from imblearn_deep.experimental import JudgeFilter, PartialBalance

RESULTS = Path(__file__).resolve().parent / "results"
PROTOCOL_RESULTS = Path(__file__).resolve().parents[1] / "fashion_protocol" / "results"


def variants(preset) -> tuple[SamplerSpec, ...]:
    """The variant methods, built from the preset's own deep samplers."""
    deepsmote, bagangp = preset.sampler("deepsmote"), preset.sampler("bagangp")
    half = {"sampling_strategy": PartialBalance(0.5)}
    long = {"max_steps": 3825, "learning_rate": 2e-3, "lr_schedule": "cosine", "lr_warmup": 0.05}
    return (
        replace(
            bagangp,
            name="bagangp_cg",
            label="BAGAN-GP, class-Gaussian noise",
            estimator=BAGANGP,
            params={**bagangp.params, "latent_prior": "class_gaussian"},
        ),
        replace(
            deepsmote,
            name="deepsmote_half",
            label="DeepSMOTE, half-way",
            params={**deepsmote.params, **half},
        ),
        SamplerSpec(
            "smote_half",
            "SMOTE, half-way",
            SMOTE,
            params={**preset.sampler("smote").params, **half},
            flatten=True,
            neighbor_params=("k_neighbors",),
        ),
        replace(
            deepsmote,
            name="deepsmote_half_weighted",
            label="DeepSMOTE, half-way + weighted loss",
            params={**deepsmote.params, **half},
            classifier_params={"class_weight": "balanced"},
        ),
        replace(
            deepsmote,
            name="deepsmote_logit",
            label="DeepSMOTE + logit-adjusted loss",
            classifier_params={"loss": "logit_adjusted"},
        ),
        replace(
            deepsmote,
            name="deepsmote_wide",
            label="DeepSMOTE, 30 epochs, 32 channels",
            estimator=DeepSMOTE,
            params={**deepsmote.params, "epochs": 30, "hidden_channels": 32},
        ),
        replace(
            deepsmote,
            name="deepsmote_long",
            label="DeepSMOTE, 3,825 tuned steps",
            params={**deepsmote.params, **long},
        ),
        replace(
            deepsmote,
            name="deepsmote_long_half_weighted",
            label="DeepSMOTE, 3,825 tuned steps, half-way + weighted loss",
            params={**deepsmote.params, **long, **half},
            classifier_params={"class_weight": "balanced"},
        ),
        replace(
            deepsmote,
            name="deepsmote_paper_long",
            label="DeepSMOTE, paper networks, 2,430 tuned steps (bfloat16)",
            # The estimator's defaults are the paper's networks; only the schedule is set.
            params={**long, "max_steps": 2430, "precision": "bfloat16"},
        ),
        replace(
            deepsmote,
            name="deepsmote_paper_penalty",
            label="DeepSMOTE, the article's penalty",
            params={**deepsmote.params, "penalty": "paper"},
        ),
        replace(
            deepsmote,
            name="deepsmote_residual",
            label="DeepSMOTE, residual synthesis",
            params={**deepsmote.params, "synthesis": "residual"},
        ),
        replace(
            deepsmote,
            name="deepsmote_residual_half_weighted",
            label="DeepSMOTE, residual, half-way + weighted loss",
            params={**deepsmote.params, "synthesis": "residual", **half},
            classifier_params={"class_weight": "balanced"},
        ),
        replace(
            deepsmote,
            name="deepsmote_residual_half_logit",
            label="DeepSMOTE, residual, half-way + logit-adjusted loss",
            params={**deepsmote.params, "synthesis": "residual", **half},
            classifier_params={"loss": "logit_adjusted"},
        ),
        SamplerSpec(
            "deepsmote_judged",
            "DeepSMOTE, judge-filtered",
            JudgeFilter,
            # n_threads=None: the run sets its fits' threads (as for every other method).
            params={"sampler": DeepSMOTE(**deepsmote.params, n_threads=None)},
        ),
        SamplerSpec(
            "bagangp_judged",
            "BAGAN-GP, class-Gaussian, judge-filtered",
            JudgeFilter,
            params={"sampler": BAGANGP(**bagangp.params, n_threads=None)},
        ),
    )


def _setting(text: str) -> tuple[str, object]:
    """``PARAM=VALUE`` as the parameter's name and its value (a Python literal)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise SystemExit(f"--classifier-set takes PARAM=VALUE; got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise SystemExit(f"--classifier-set {text!r}: the value is no Python literal") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", help="comma-separated names (default: all)")
    parser.add_argument("--classifiers", default="small_cnn")
    parser.add_argument(
        "--classifier-steps",
        type=int,
        default=None,
        help="optimizer steps of every classifier (default: the preset's, e.g. 625 for ResNet-18)",
    )
    parser.add_argument(
        "--classifier-set",
        action="append",
        default=[],
        metavar="PARAM=VALUE",
        help="a parameter of every classifier, e.g. random_shift=2 (a Python literal; repeatable)",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--output", default=None, help="default studies/deep_variants/results/<dataset>_variants"
    )
    parser.add_argument(
        "--baselines", default=None, help="default studies/fashion_protocol/results/<dataset>"
    )
    parser.add_argument("--report", action="store_true", help="only print the paired tables")
    args = parser.parse_args(argv)
    output = Path(args.output) if args.output else RESULTS / f"{args.dataset}_variants"
    baselines = Path(args.baselines) if args.baselines else PROTOCOL_RESULTS / args.dataset
    preset = get_preset("fast", args.dataset)
    extra = variants(preset)
    classifiers = args.classifiers.split(",")
    if not args.report:
        chosen = args.variants.split(",") if args.variants else [v.name for v in extra]
        preset = replace(preset, samplers=preset.samplers + extra)
        # Every method keeps equal steps and settings: they change for all at once.
        settings = dict(_setting(text) for text in args.classifier_set)
        if args.classifier_steps is not None:
            settings["max_steps"] = args.classifier_steps
        if settings:
            for name in classifiers:
                preset = preset.with_params(name, settings)
        run_comparison(
            *load_imbalanced(args.dataset),
            preset=preset,
            samplers=chosen,
            classifiers=classifiers,
            seeds=[int(s) for s in args.seeds.split(",")],
            dataset=args.dataset,
            output=output,
            execution=Execution(jobs=args.jobs),
            quality=False,
            balanced_test=load_balanced_test(args.dataset),
            verbose=1,
        )
    rows = [r for r in read_results(output) if r["status"] == "ok"]
    if baselines.exists():
        # The protocol's rows of methods this folder did not rerun itself (CPU results are
        # reproducible on one host, not across CPU models: pair on one host when you can).
        seeds, classifiers = {r["seed"] for r in rows}, {r["classifier"] for r in rows}
        own = {(r["sampler"], r["classifier"]) for r in rows}
        rows += [
            r
            for r in read_results(baselines)
            if r["status"] == "ok"
            and r["seed"] in seeds
            and r["classifier"] in classifiers
            and (r["sampler"], r["classifier"]) not in own
        ]
    for score in ("test_f1_macro", "balanced_test_f1_macro"):
        section = paired_section(rows, score=score)
        print(section or f"(nothing to pair on {score})")
        # The deep variants against pixel SMOTE and against plain DeepSMOTE too.
        for reference in ("smote", "deepsmote"):
            if any(r["sampler"] == reference for r in rows):
                print(f"\n#### {score}, against {reference}\n")
                print(paired_table(paired_differences(rows, score=score, reference=reference)))


if __name__ == "__main__":
    main()
