"""What a timing was measured on, and how busy the rest of the machine was meanwhile.

Shared by the precision and classifier benchmarks: every table names its host (CPU model,
torch's CPU capability, the bfloat16 instructions) and each case the cores that *other*
processes used while it ran, since on a shared 2-core machine that load, not the code,
can decide a comparison.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from pathlib import Path

import torch

from imblearn_deep._training import cpu_features, cpu_has_bfloat16

# Instruction-set features that decide reduced-precision speed, in the order printed.
PRECISION_FEATURES = ("avx512_f", "avx512_bf16", "amx_bf16", "amx_tile", "avx512_fp16", "bf16")


def cpu_name() -> str:
    """The CPU model from ``/proc/cpuinfo`` (or ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


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
        f"cpu_has_bfloat16() = {cpu_has_bfloat16()}"
    )


class OtherLoad:
    """Context manager: ``cores`` is the mean number of cores other processes used.

    Machine-wide busy CPU time (``/proc/stat``) minus this process's own CPU time,
    divided by the wall time; NaN where ``/proc/stat`` is missing.
    """

    def __enter__(self) -> OtherLoad:
        from bench_samplers import cpu_busy_seconds

        self._busy = cpu_busy_seconds
        self._start = (time.perf_counter(), cpu_busy_seconds()[0], _own_cpu_seconds())
        return self

    def __exit__(self, *exc) -> None:
        wall, busy, own = self._start
        wall = time.perf_counter() - wall
        others = (self._busy()[0] - busy) - (_own_cpu_seconds() - own)
        self.cores = max(0.0, others / wall) if wall > 0 else float("nan")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
