"""``show_versions()``: what a bug report needs to know about the machine and the install."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Distributions whose versions matter for a report: the required ones, then the extras.
# Read from the installed metadata, so that none of them is imported for it.
DEPENDENCIES = (
    "torch",
    "torchvision",
    "skorch",
    "scikit-learn",
    "imbalanced-learn",
    "numpy",
    "scipy",
    "joblib",
    "matplotlib",
    "pandas",
    "dask",
    "distributed",
)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), or ``platform.processor()``."""
    # platform.processor() is empty or just "x86_64" on Linux; /proc/cpuinfo names the CPU.
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware"):
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def installed(distribution: str) -> str:
    """The installed version of ``distribution`` (from its metadata), or "not installed"."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def cpu_flags() -> list[str]:
    """The instruction sets that decide torch's speed and numbers on this CPU, of those
    ``/proc/cpuinfo`` lists (empty elsewhere): AVX2, AVX-512, its bfloat16, AMX."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "flags":
                return sorted(set(value.split()) & _DECISIVE_FLAGS)
    except OSError:
        pass
    return []


_DECISIVE_FLAGS = {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "fma"}


def _torch_info() -> dict[str, str]:
    import torch

    from ._torch.devices import cpu_has_bfloat16

    info = {
        "CUDA build": str(torch.version.cuda),
        "CUDA available": str(torch.cuda.is_available()),
    }
    if torch.cuda.is_available():
        info["CUDA devices"] = ", ".join(
            torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())
        )
    info["MPS available"] = str(torch.backends.mps.is_available())
    info["CPU capability"] = torch.backends.cpu.get_cpu_capability()
    info["bfloat16 in hardware"] = str(cpu_has_bfloat16())
    info["torch threads"] = str(torch.get_num_threads())
    info["torch interop threads"] = str(torch.get_num_interop_threads())
    return info


def show_versions() -> None:
    """Print the versions and the hardware that a bug report should include.

    Three sections: the system (Python, platform, CPU model), the installed versions of
    ``imblearn_deep`` and the packages it works with (from the installed metadata, so
    nothing is imported for it), and what torch sees (CUDA, the devices, the CPU
    capability torch dispatches to, whether the CPU has bfloat16 instructions, torch's
    thread counts). Mirrors :func:`sklearn.show_versions` and
    :func:`imblearn.show_versions`.

    See Also
    --------
    sklearn.show_versions : The same for scikit-learn.

    Examples
    --------
    >>> import imblearn_deep
    >>> imblearn_deep.show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
        python: ...
    <BLANKLINE>
    Python dependencies:
     imblearn_deep: ...
    <BLANKLINE>
    torch:
    ...
    """
    from . import __version__

    sections = {
        "System": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
            "CPU": cpu_model(),
        },
        "Python dependencies": {
            "imblearn_deep": __version__,
            **{name: installed(name) for name in DEPENDENCIES},
        },
        "torch": _torch_info(),
    }
    width = max(len(key) for entries in sections.values() for key in entries)
    for title, entries in sections.items():
        print(f"\n{title}:")
        for key, value in entries.items():
            print(f"{key:>{width}}: {value}")
