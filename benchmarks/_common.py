"""What the timing scripts share: the host a number was measured on, the load beside it,
memory, the matmul peak, the study's class profile and the FLOPs of a training step.

Every table names its host (CPU model, torch's CPU capability, the bfloat16
instructions) and each case the cores that *other* processes used while it ran, since on
a shared 2-core machine that load, not the code, can decide a comparison.

Only public APIs are used. Where ``imblearn_deep`` keeps a rule to itself (how
``device="auto"`` and ``precision="auto"`` resolve, whether the CPU computes bfloat16 in
hardware), the few lines of that rule are written again here from its documented
behaviour (the user guide's precision section); the sampler's fitted ``precision_`` says
what a fit actually used.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

# The repository: the working folder of a script's child processes (``python -m``).
REPO = Path(__file__).resolve().parents[1]
# The study's training profile (Fashion-MNIST made imbalanced): 9,000 images.
CLASS_COUNTS = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)

# Instruction-set features that decide reduced-precision speed, in the order printed.
PRECISION_FEATURES = ("avx512_f", "avx512_bf16", "amx_bf16", "amx_tile", "avx512_fp16", "bf16")
# Features that compute bfloat16 products in hardware: AVX512-BF16 and AMX on x86, Arm's
# BF16 ("bf16", "sve_bf16"; /proc/cpuinfo spells the latter "svebf16").
BFLOAT16_FEATURES = frozenset({"avx512_bf16", "amx_bf16", "bf16", "sve_bf16", "svebf16"})
# The values of the estimators' ``precision`` parameter.
PRECISION_OPTIONS = ("auto", "bfloat16", "float16", "float32")


# -- host ---------------------------------------------------------------------------------


def cpu_name() -> str:
    """The CPU model from ``/proc/cpuinfo`` (or ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def cpu_features() -> frozenset[str]:
    """The CPU's instruction-set features as torch names them
    (``torch.cpu.get_capabilities()``), else the flags of ``/proc/cpuinfo``."""
    get_capabilities = getattr(torch.cpu, "get_capabilities", None)
    if get_capabilities is not None:
        return frozenset(name for name, value in get_capabilities().items() if value is True)
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return frozenset()
    return frozenset(
        word
        for line in lines
        if line.split(":")[0].strip() in ("flags", "Features")
        for word in line.split(":", 1)[1].split()
    )


def cpu_has_bfloat16() -> bool:
    """Whether the CPU computes bfloat16 in hardware (AVX512-BF16, AMX or Arm BF16)."""
    return bool(cpu_features() & BFLOAT16_FEATURES)


def describe_host(device: torch.device | None = None) -> str:
    """One line: device, CPU model, torch's CPU capability, bfloat16 features, threads."""
    device = device or torch.device("cpu")
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    features = cpu_features()
    flags = ", ".join(
        f"{name} {'yes' if name in features else 'no'}" for name in PRECISION_FEATURES
    )
    return (
        f"{cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, "
        f"get_cpu_capability() = {torch.backends.cpu.get_cpu_capability()}, {flags}; "
        f"bfloat16 in hardware = {cpu_has_bfloat16()}"
    )


def cpu_busy_seconds() -> tuple[float, float]:
    """Machine-wide busy and steal CPU seconds since boot (``/proc/stat``), or NaNs."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return math.nan, math.nan
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    steal = fields[7] if len(fields) > 7 else 0
    return (user + nice + system + irq + softirq) / hz, steal / hz


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class OtherLoad:
    """Context manager: ``cores`` is the mean number of cores other processes used.

    Machine-wide busy CPU time (``/proc/stat``) minus this process's own CPU time,
    divided by the wall time; NaN where ``/proc/stat`` is missing.
    """

    def __enter__(self) -> OtherLoad:
        self._start = (time.perf_counter(), cpu_busy_seconds()[0], _own_cpu_seconds())
        return self

    def __exit__(self, *exc) -> None:
        wall, busy, own = self._start
        wall = time.perf_counter() - wall
        others = (cpu_busy_seconds()[0] - busy) - (_own_cpu_seconds() - own)
        self.cores = max(0.0, others / wall) if wall > 0 else float("nan")


# -- memory -------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory, in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 2**20


def current_rss_mb() -> float:
    """Current resident memory, in MB (Linux; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


# -- device and precision -------------------------------------------------------------------


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"``: CUDA when available, else the CPU (the estimators' ``device`` rule)."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"auto"``: ``"bfloat16"`` where the device computes it in hardware (a CPU with
    bfloat16 instructions, a CUDA GPU of compute capability 8 or more, ROCm), else
    ``"float32"`` (the estimators' ``precision`` rule); other values as they are."""
    if precision != "auto":
        return precision
    if device.type == "cpu":
        fast = cpu_has_bfloat16()
    elif device.type == "cuda":
        fast = bool(torch.version.hip) or torch.cuda.get_device_capability(device)[0] >= 8
    else:
        fast = False
    return "bfloat16" if fast else "float32"


def autocast(device: torch.device, precision: str):
    """Autocast for a resolved precision (``"float32"`` turns it off)."""
    dtype = None if precision == "float32" else getattr(torch, precision)
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


# -- speed --------------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(dtype: torch.dtype, device: torch.device, n: int = 2048, repeats: int = 10):
    """Median GFLOP/s of an ``n×n`` matmul in ``dtype`` (3 warm-up runs)."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    times = []
    for i in range(repeats + 3):
        sync(device)
        start = time.perf_counter()
        torch.mm(a, b)
        sync(device)
        if i >= 3:
            times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


# -- data ---------------------------------------------------------------------------------


def profile_counts(n_images: int) -> list[int]:
    """The study's class counts scaled to ``n_images`` (at least 2 per class)."""
    scale = n_images / sum(CLASS_COUNTS)
    return [max(2, round(c * scale)) for c in CLASS_COUNTS]


def load_data(n_images: int, source: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """float32 images ``(n, 1, 28, 28)`` in [0, 1] with the profile's counts, their labels,
    and the source actually used (``"auto"``: Fashion-MNIST if installed, else random)."""
    counts = profile_counts(n_images)
    if source in ("auto", "fashion_mnist"):
        from imblearn_deep.datasets import load_fashion_mnist, make_imbalanced

        try:
            X, y = load_fashion_mnist()
        except FileNotFoundError:
            if source == "fashion_mnist":
                raise
        else:
            X, y = make_imbalanced(X, y, counts, random_state=seed)
            return (X.astype(np.float32) / 255.0), y, "fashion_mnist"
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    return rng.random((len(y), 1, 28, 28), dtype=np.float32), y, "random"


def no_generation(y: np.ndarray) -> dict[int, int]:
    """A sampling strategy that generates nothing, so ``fit_resample`` only trains."""
    labels, counts = np.unique(y, return_counts=True)
    return {int(c): int(n) for c, n in zip(labels, counts, strict=True)}


# -- FLOPs --------------------------------------------------------------------------------


class _GlobalOnly:
    """Stands in for FlopCounterMode's module tracker: its backward hooks break
    ``torch.autograd.grad`` (BAGAN-GP's gradient penalty) with "A leaf node was passed to
    _will_engine_execute_node"; only the total is needed here."""

    parents = frozenset({"Global"})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def flop_counter():
    """A ``FlopCounterMode`` that counts totals only (no per-module tracking)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    return counter


def _fit_flops(make: Callable, X: np.ndarray, y: np.ndarray, **params) -> int:
    sampler = make(sampling_strategy=no_generation(y), **params)
    with flop_counter() as counter:
        sampler.fit_resample(X, y)
    return counter.get_total_flops()


def step_flops(make: Callable, X, y, batch_size: int, **params) -> dict[str, int]:
    """FLOPs of one full-size optimizer step of each training stage, by stage name.

    ``make(**params)`` builds a DeepSMOTE or a BAGAN-GP. The count runs the sampler's
    public ``fit_resample`` under ``FlopCounterMode`` twice, with a step budget one step
    apart (``max_steps``; BAGAN-GP's ``autoencoder_steps`` / ``gan_steps``), and takes the
    difference: one step of the sampler's own training code (forward, backward,
    penalties, critic steps), without what a fit does once (encoding the training set,
    the latent prior, BatchNorm recalibration). The fits run on a set of ``batch_size``
    images of every class (smaller classes repeated), so every batch, DeepSMOTE's
    one-class penalty batch included, is full-size.
    """
    rng = np.random.default_rng(0)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), batch_size, replace=True) for c in np.unique(y)]
    )
    X, y = X[idx], y[idx]

    def count(**budget) -> int:
        return _fit_flops(make, X, y, **params, **budget)

    if "gan_steps" in make().get_params():  # BAGAN-GP: the autoencoder, then the GAN

        def bagan(autoencoder: int, gan: int) -> int:
            return count(autoencoder_steps=autoencoder, gan_steps=gan)

        return {"autoencoder": bagan(2, 0) - bagan(1, 0), "gan": bagan(1, 2) - bagan(1, 1)}
    return {"autoencoder": count(max_steps=2) - count(max_steps=1)}


def n_steps(n_samples: int, batch_size: int) -> int:
    """Training steps per epoch: a last batch of one sample joins the previous one."""
    steps = math.ceil(n_samples / batch_size)
    return steps - 1 if steps > 1 and n_samples % batch_size == 1 else steps


def count_epoch_flops(make: Callable, X, y, batch_size: int) -> dict[str, float]:
    """Model FLOPs of one training epoch on ``(X, y)``, per stage (see :func:`step_flops`).

    A step's cost is linear in its batch size, so the epoch is one full-size step's count
    per image times the images. DeepSMOTE's penalty is the exception: its batch is
    ``min(batch_size, size of a class drawn uniformly)``, so its share is counted apart
    (a step with the penalty minus one without) and scaled by the expected penalty batch
    and the number of steps.
    """
    counted = step_flops(make, X, y, batch_size)
    if "gan" in counted:
        return {stage: flops / batch_size * len(X) for stage, flops in counted.items()}
    main = step_flops(make, X, y, batch_size, penalty="none")["autoencoder"]
    penalty_full = counted["autoencoder"] - main
    sizes = np.bincount(y)
    eligible = sizes[sizes >= 2]  # one-sample classes never form a penalty batch
    mean_penalty_batch = float(np.minimum(eligible, batch_size).mean()) if len(eligible) else 0.0
    penalty = n_steps(len(X), batch_size) * penalty_full * mean_penalty_batch / batch_size
    return {"autoencoder": main / batch_size * len(X) + penalty}


# -- step times and tables ------------------------------------------------------------


def stage_seconds(history: list[dict]) -> dict[str, float]:
    """Seconds of each training stage of a sampler's ``history_``, in stage order."""
    seconds: dict[str, float] = {}
    for record in history:
        seconds[record["stage"]] = seconds.get(record["stage"], 0.0) + record["seconds"]
    return seconds


def sampler_seconds_per_step(history: list[dict], stage: str) -> float:
    """Seconds per step of a sampler's training stage (its ``history_``), its first epoch
    left out when there are more (oneDNN's one-off kernel selection)."""
    epochs = [r for r in history if r["stage"] == stage]
    timed = epochs[1:] or epochs
    return sum(r["seconds"] for r in timed) / max(sum(r["steps"] for r in timed), 1)


def classifier_epoch_time(clf) -> tuple[float, int]:
    """Seconds and optimizer steps of a fitted ``CNNClassifier``'s epochs (skorch's
    history), its first epoch left out when there are more."""
    epochs = list(clf.history_)
    timed = epochs[1:] or epochs
    return sum(e["dur"] for e in timed), sum(len(e["batches"]) for e in timed)


def markdown_table(header: Sequence[str], body: Iterable[Sequence[str]]) -> str:
    """A Markdown table: the header, the separator, one line per row of ``body``."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)
