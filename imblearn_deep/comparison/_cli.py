"""``imblearn-deep``: the comparison from the command line (``compare``, ``report``,
``merge``).

Exit codes: 0 success, 1 a run-time error (missing data files, every cell failed),
2 a bad option (argparse's convention), 130 interrupted by SIGINT (Ctrl-C), 143 stopped by
SIGTERM; after 130 or 143, rerun the same command to resume: nothing unfinished was
recorded. The parser imports nothing heavy, so ``--help`` and ``--version`` are quick;
torch is imported when a command runs.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..datasets import DATASETS
from ._interrupts import Interrupted, stop_on_signals

__all__ = ["build_parser", "main"]

_DATASET_SEED = 0  # the imbalanced train/test draw is fixed; --seeds vary the models


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a comma-separated list of names")
    return names


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not seeds:
        raise argparse.ArgumentTypeError("expected at least one seed")
    return seeds


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _setting(text: str) -> tuple[str, str, object]:
    """``NAME.PARAM=VALUE`` as (name, param, value); the value as a Python literal when it
    is one (``100``, ``1e-3``, ``(16, 32)``, ``None``), else as the string."""
    target, sep, raw = text.partition("=")
    name, dot, param = target.partition(".")
    if not (sep and dot and name.strip() and param.strip()):
        raise argparse.ArgumentTypeError(f"expected NAME.PARAM=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name.strip(), param.strip(), value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _image_size(text: str) -> int | tuple[int, int]:
    height, sep, width = text.lower().partition("x")
    try:
        size = (int(height), int(width)) if sep else int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or HxW, got {text!r}") from None
    if min(size if sep else (size,)) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return size


def _n_jobs(text: str) -> int:
    value = _at_least(-(2**31))(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not a number of jobs; use 1, 2, ... or -1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``imblearn-deep`` argument parser (subcommands ``compare``, ``report``, ``merge``).

    Examples
    --------
    >>> args = build_parser().parse_args(["compare", "--samplers", "none,smote"])
    >>> args.dataset, args.samplers  # no --dataset and no --data: the digits
    (None, ['none', 'smote'])
    """
    parser = argparse.ArgumentParser(
        prog="imblearn-deep",
        description="Deep over-sampling of imbalanced images for imbalanced-learn.",
        # "--sampler smote" must be an error, not a silent "--samplers smote".
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compare = commands.add_parser(
        "compare",
        allow_abbrev=False,
        help="compare samplers with leak-free cross-validation and a held-out test set",
        description=(
            "One imblearn Pipeline(sampler, classifier) per sampler, tuned by GridSearchCV "
            "on stratified folds of the real training images (refit on macro-F1) and scored "
            "on a held-out imbalanced test set. Results are written as each cell finishes; "
            "rerunning the same command resumes."
        ),
    )
    data = compare.add_argument_group(
        "data", "a built-in data set with its imbalance profile, or your own images (--data)"
    )
    data.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        help="built-in data set and imbalance profile (default: digits, offline)",
    )
    data.add_argument(
        "--data",
        metavar="PATH",
        help="your images with their own imbalance: a folder with one subfolder of images "
        "per class (PNG, JPEG, BMP, TIFF, WebP), or an .npz file of X and y",
    )
    data.add_argument(
        "--test-data",
        metavar="PATH",
        help="with --data: the test images, in the same layout (default: a stratified "
        "share of --data, see --test-size)",
    )
    data.add_argument(
        "--test-size",
        type=_share,
        metavar="F",
        help="with --data and no --test-data: the share of each class held out for the test "
        "set, drawn with seed 0 (default: 0.25)",
    )
    data.add_argument(
        "--image-size",
        type=_image_size,
        metavar="N|HxW",
        help="with --data: scale each image to cover N×N (or H×W) and crop its centre; "
        "needed when the images' sizes differ",
    )
    compare.add_argument(
        "--data-root", metavar="DIR", help="folder with the data files (MNIST, CIFAR-10, ...)"
    )
    compare.add_argument(
        "--download",
        action="store_true",
        help="download missing data files with torchvision (needs network access)",
    )
    compare.add_argument(
        "--preset",
        default="fast",
        metavar="NAME",
        # Checked after parsing (_check_choices): the presets' module imports torch.
        help="fast: minutes on a CPU (default); paper: the thesis's networks, for a GPU",
    )
    compare.add_argument(
        "--samplers",
        type=_names,
        metavar="A,B",
        help="methods to compare (default: all): none, weighted, logit_adjusted, drw, "
        "balanced_batches, ros, smote, adasyn, deepsmote, bagangp, latent_diffusion",
    )
    compare.add_argument(
        "--classifiers",
        type=_names,
        metavar="A,B",
        help="classifier architectures (default: the preset's): small_cnn, mlp, resnet18, "
        "resnet34, resnet50, squeezenet1_1, efficientnet_b0",
    )
    compare.add_argument(
        "--set",
        type=_setting,
        action="append",
        default=[],
        dest="settings",
        metavar="NAME.PARAM=VALUE",
        help="fix a parameter of one sampler or classifier of the preset, e.g. "
        "small_cnn.max_steps=1000 or deepsmote.synthesis=residual (repeatable; a searched "
        "parameter stops being searched; changed values rerun the cells on resume)",
    )
    compare.add_argument(
        "--seeds", type=_seeds, metavar="0,1,2", help="seeds (default: the preset's, 0,1,2)"
    )
    compare.add_argument(
        "--cv", type=_at_least(2), metavar="K", help="number of folds (default: the preset's)"
    )
    compare.add_argument(
        "--output", default="results", metavar="DIR", help="output folder (default: results)"
    )
    compare.add_argument(
        "--n-jobs",
        type=_n_jobs,
        metavar="N",
        help="parallel fits per grid search (default: 1; all Dask workers with --backend dask)",
    )
    compare.add_argument(
        "--jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="cells run at once in parallel processes, one torch thread each unless --threads "
        "(default: 1; -1: one per core); the numbers are the same as with 1",
    )
    compare.add_argument(
        "--estimate",
        action="store_true",
        help="before running, time each sampler and classifier by a few short fits and "
        "print an estimate of the run's duration",
    )
    compare.add_argument(
        "--estimate-only",
        action="store_true",
        help="print the plan (each cell, and whether the output folder holds it) and the "
        "estimate, then stop without running a cell",
    )
    compare.add_argument(
        "--select",
        action="store_true",
        help="cross-validate every method on the training images, and report the method "
        "that cross-validation chooses with its test scores beside the others'",
    )
    compare.add_argument(
        "--device", default="auto", help="torch device: auto (default), cpu, cuda, cuda:N"
    )
    compare.add_argument(
        "--threads",
        type=_at_least(1),
        metavar="N",
        help="torch threads per fit (default: 1 with the fast preset, torch's otherwise)",
    )
    compare.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="joblib backend of the grid searches (default: loky)",
    )
    compare.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786 (with --backend dask; default: a "
        "local cluster)",
    )
    compare.add_argument(
        "--export-balanced",
        metavar="DIR",
        help="also write each sampler's balanced training set as DIR/<sampler>/<class>/*.png",
    )
    compare.add_argument(
        "--no-quality",
        dest="quality",
        action="store_false",
        help="skip the label fidelity and Fréchet distance of the synthetic images",
    )
    compare.add_argument(
        "--no-balanced-test",
        dest="balanced_test",
        action="store_false",
        help="skip the scores on the class-balanced test set (the official test split; "
        "for digits, 38 left-out images per class)",
    )
    compare.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more output: -v adds a line per training epoch of every sampler and classifier "
        "(on a terminal, one live line) after a line naming each fit's fold and setting, -vv "
        "the grid search's progress",
    )
    compare.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines, only the final table"
    )

    # Option errors found after parsing are reported with the subcommand's usage.
    compare.set_defaults(command_parser=compare)
    report = commands.add_parser(
        "report", help="rewrite report.md and figures from results", allow_abbrev=False
    )
    report.add_argument(
        "--output", default="results", metavar="DIR", help="output folder (default: results)"
    )
    merge = commands.add_parser(
        "merge",
        help="merge results folders (e.g. runs split by --samplers) into one, with its report",
        description=(
            "Copy the finished cells of every SOURCE folder into --output and write its "
            "report. A cell found in several folders must come from the same configuration."
        ),
        allow_abbrev=False,
    )
    merge.add_argument("sources", nargs="+", metavar="SOURCE", help="results folders")
    merge.add_argument("--output", required=True, metavar="DIR", help="the merged folder")
    return parser


def _check_choices(parser, args):
    """Errors argparse cannot see: names of the preset's candidates, option pairs, the
    ``--set`` parameters; the preset with those set."""
    from ._presets import PRESET_NAMES, get_preset

    if args.preset not in PRESET_NAMES:
        parser.error(
            f"argument --preset: invalid choice: {args.preset!r} (choose from "
            f"{', '.join(PRESET_NAMES)})"
        )
    if args.data and args.dataset:
        parser.error("argument --data: not allowed with --dataset (one source of images)")
    for option in ("test_data", "test_size", "image_size"):
        if getattr(args, option) is not None and not args.data:
            parser.error(f"argument --{option.replace('_', '-')}: only used with --data")
    if args.data and (args.data_root or args.download):
        parser.error("argument --data: not allowed with --data-root or --download")
    if args.test_data and args.test_size is not None:
        parser.error("argument --test-size: not allowed with --test-data")
    # The candidates' names and parameters are those of every size: your own images'
    # preset is sized from them once they are loaded (_compare).
    preset = get_preset(args.preset, args.dataset or "digits")
    for option, requested, available in (
        ("--samplers", args.samplers, preset.samplers),
        ("--classifiers", args.classifiers, preset.classifiers),
    ):
        known = [spec.name for spec in available]
        unknown = [name for name in requested or () if name not in known]
        if unknown:
            parser.error(
                f"argument {option}: unknown name(s) {', '.join(unknown)}; "
                f"choose from {', '.join(known)}"
            )
        if requested and len(set(requested)) != len(requested):
            parser.error(f"argument {option}: a name is repeated")
    preset = _with_settings(parser, args, preset)
    if args.scheduler and args.backend != "dask":
        parser.error("argument --scheduler: only used with --backend dask")
    if args.backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            parser.error("--backend dask needs dask.distributed: pip install 'imblearn-deep[dask]'")
    try:
        from .._torch.devices import resolve_device

        resolve_device(args.device)
    except ValueError as exc:
        parser.error(f"argument --device: {exc}")
    return preset


def _with_settings(parser, args, preset):
    """``preset`` with the ``--set`` values."""
    settings: dict[str, dict] = {}
    for name, param, value in args.settings:
        settings.setdefault(name, {})[param] = value
    for name, params in settings.items():
        try:
            preset = preset.with_params(name, params)
        except ValueError as exc:
            parser.error(f"argument --set: {exc}")
    return preset


def _load(parser, args, preset):
    """The run's data (with its name, class names and source line), its balanced test set
    and the preset (sized from your own images)."""
    from ..datasets import load_balanced_test, load_imbalanced
    from ._presets import DataSize, get_preset
    from ._user_data import UserData, load_user_data

    if args.data:
        data = load_user_data(
            args.data,
            test_data=args.test_data,
            test_size=0.25 if args.test_size is None else args.test_size,
            image_size=args.image_size,
            random_state=_DATASET_SEED,
            verbose=0 if args.quiet else 1,
        )
        size = DataSize.of(data.X_train, data.y_train)
        preset = _with_settings(parser, args, get_preset(args.preset, size))
        return data, None, preset
    dataset = args.dataset or "digits"
    arrays = load_imbalanced(
        dataset, root=args.data_root, download=args.download, random_state=_DATASET_SEED
    )
    balanced_test = None
    if args.balanced_test:
        balanced_test = load_balanced_test(
            dataset, root=args.data_root, download=args.download, random_state=_DATASET_SEED
        )
    source = (
        f"the built-in data set {dataset!r}: its imbalance profile, {len(arrays[1]):,} "
        f"training and {len(arrays[3]):,} test images drawn with seed {_DATASET_SEED}"
        + (f" from {args.data_root}" if args.data_root else "")
        + (
            f"; a class-balanced test set of {len(balanced_test[1]):,} images"
            if balanced_test
            else ""
        )
        + "."
    )
    return UserData(*arrays, dataset, None, source), balanced_test, preset


def _export(args, preset, data, rows, log) -> None:
    """Each sampler's balanced training set, with the best setting of its first cell."""
    from ._cell import build_pipeline
    from ._export import export_balanced

    X_train, y_train = data[0], data[1]
    root = Path(args.export_balanced)
    for sampler_name in dict.fromkeys(r["sampler"] for r in rows):
        spec = preset.sampler(sampler_name)
        ok = [r for r in rows if r["sampler"] == sampler_name and r["status"] == "ok"]
        if not spec.resamples or not ok:
            continue
        row = ok[0]
        pipe = build_pipeline(
            spec, preset.classifier(row["classifier"]), random_state=row["seed"], device=args.device
        )
        pipe.set_params(
            **{k: v for k, v in row["best_params"].items() if k.startswith("sampler__")}
        )
        X_res, y_res = pipe.named_steps["sampler"].fit_resample(X_train, y_train)
        counts = export_balanced(
            X_res, y_res, root / sampler_name, n_original=len(X_train), overwrite=True
        )
        log(f"exported {sum(counts.values())} images of {spec.label} to {root / sampler_name}")


def _compare(parser, args) -> int:
    from ._environment import torch_threads
    from ._report import summary_table, write_report
    from ._runner import Execution, run_comparison

    preset = _check_choices(parser, args)
    verbose = 0 if args.quiet else 1 + args.verbose

    def log(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr, flush=True)

    try:
        data, balanced_test, preset = _load(parser, args, preset)
    except (FileNotFoundError, PermissionError, ValueError) as exc:
        missing = isinstance(exc, FileNotFoundError) and not (args.download or args.data)
        hint = " On the command line: --data-root DIR, or --download." if missing else ""
        if args.data and "image_size=" in str(exc):
            hint = " On the command line: --image-size N (or HxW)."
        print(f"imblearn-deep compare: error: {exc}{hint}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    rows = run_comparison(
        *data.arrays,
        preset=preset,
        samplers=args.samplers,
        classifiers=args.classifiers,
        seeds=args.seeds,
        cv=args.cv,
        dataset=data.name,
        class_names=data.class_names,
        data_source=data.source,
        output=args.output,
        execution=Execution(
            jobs=args.jobs,
            n_jobs=args.n_jobs,
            backend=args.backend,
            scheduler=args.scheduler,
            device=args.device,
            threads=args.threads,
        ),
        quality=args.quality,
        balanced_test=balanced_test,
        estimate=args.estimate or args.estimate_only,
        dry_run=args.estimate_only,
        select=args.select,
        verbose=verbose,
    )
    if args.estimate_only:
        return 0
    report = write_report(args.output)
    if args.export_balanced:
        threads = preset.torch_threads if args.threads is None else args.threads
        with torch_threads(threads):
            _export(args, preset, data.arrays, rows, log)
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        print(summary_table(ok))
    for row in rows:
        if row["status"] != "ok":
            cell = f"{row['sampler_label']} + {row['classifier_label']}, seed {row['seed']}"
            print(f"failed: {cell}: {row['error']}")
    log(f"{len(rows)} cells in {time.perf_counter() - start:.0f} s; report: {report}")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``imblearn-deep`` with ``argv`` (default: the command line); return the exit code.

    Examples
    --------
    >>> import tempfile
    >>> main(["report", "--output", tempfile.mkdtemp()])  # no results there yet
    1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with stop_on_signals():
            return _COMMANDS[args.command](args)
    except Interrupted as stop:
        print(f"\n{stop}; rerun the same command to resume.", file=sys.stderr)
        return stop.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted; rerun the same command to resume.", file=sys.stderr)
        return 130
    except Exception as exc:
        if getattr(args, "verbose", 0) >= 2:
            raise
        print(
            f"imblearn-deep {args.command}: error: {type(exc).__name__}: {exc} "
            "(-vv shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _report(args) -> int:
    from ._report import write_report
    from ._store import read_results

    if not read_results(args.output):
        print(f"imblearn-deep report: no results in {args.output}", file=sys.stderr)
        return 1
    print(write_report(args.output, redraw=True))
    return 0


def _merge(args) -> int:
    from ._report import summary_table, write_report
    from ._store import merge_results

    rows = merge_results(args.sources, args.output)
    report = write_report(args.output)
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        print(summary_table(ok))
    print(f"{len(rows)} cells in {args.output}; report: {report}", file=sys.stderr)
    return 0


_COMMANDS = {
    "compare": lambda args: _compare(args.command_parser, args),
    "report": _report,
    "merge": _merge,
}
