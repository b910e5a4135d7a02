"""Where a cell was computed: the code, the libraries and the machine, recorded with it.

Cells with the same fingerprint and seed differ across CPU models (up to 0.016 macro-F1
measured on Fashion-MNIST), so two cells are a pair only when they come from the same CPU
model and the same versions: :func:`host_key` says which fields must agree, and the paired
statistics mark the pairs that do not.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

from .. import __version__
from .._show_versions import cpu_flags, cpu_model, installed

__all__ = ["host_key", "provenance"]

# The versions whose change can change a cell's numbers.
_LIBRARIES = ("torch", "numpy", "scikit-learn", "imbalanced-learn", "skorch")


def _commit() -> tuple[str | None, bool | None]:
    """The commit of the checkout the package runs from and whether it has uncommitted
    changes to tracked files; (None, None) for an installed package."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(changes)


@functools.lru_cache(maxsize=1)
def _fixed() -> dict[str, Any]:
    # What cannot change during a process: asked once (git and /proc take milliseconds).
    import torch

    commit, dirty = _commit()
    return {
        "imblearn_deep": __version__,
        "commit": commit,
        "dirty": dirty,
        "python": platform.python_version(),
        **{name: installed(name) for name in _LIBRARIES},
        "cpu": cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_flags": cpu_flags(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def provenance() -> dict[str, Any]:
    """The code, the libraries and the machine computing now, for a results row.

    Returns
    -------
    dict
        ``imblearn_deep``, ``commit`` and ``dirty`` (a checkout's, else None), ``python``
        and the versions of torch, numpy, scikit-learn, imbalanced-learn and skorch,
        ``cpu`` (model), ``cpu_capability`` (what torch dispatches to), ``cpu_flags``
        (AVX2, AVX-512, its bfloat16, AMX, FMA present), ``gpu`` (name, or None) and
        ``threads`` (torch's intra-op threads now).

    Examples
    --------
    >>> record = provenance()
    >>> sorted(record)[:4]
    ['commit', 'cpu', 'cpu_capability', 'cpu_flags']
    """
    import torch

    return {**_fixed(), "threads": torch.get_num_threads()}


def host_key(row: dict) -> tuple | None:
    """What two cells must share to be paired: CPU model and capability, GPU, the library
    versions; None for a row recorded without provenance.

    Examples
    --------
    >>> host_key({"provenance": {"cpu": "A", "torch": "2.14.1"}})[0]
    'A'
    >>> host_key({}) is None
    True
    """
    record = row.get("provenance")
    if not isinstance(record, dict):
        return None
    keys = ("cpu", "cpu_capability", "gpu", "imblearn_deep", *_LIBRARIES)
    return tuple(str(record.get(key)) for key in keys)
