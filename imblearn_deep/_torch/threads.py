"""How many CPU threads a fit uses: set for the call, restored after it.

torch's default is one thread per core for the whole process. On a machine where other
processes also compute, those threads wait on each other: on 2 cores shared with two
other busy processes, a DeepSMOTE fit and a small CNN on the 8x8 digits took 142 s and
83 s with torch's 2 threads against 12 s and 2.6 s with one (the user guide's
"Threads"). A seeded fit's numbers also depend on the thread count (sums in another
order), so the estimators take a fixed count, ``n_threads=1`` by default, rather than one
that follows the machine's load.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["resolve_threads", "torch_threads", "usable_cpus"]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, e.g. a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_threads(n_threads: int | None) -> int | None:
    """The thread count ``n_threads`` asks for: ``-1`` all usable CPUs, ``None`` none
    (leave torch's setting).

    Examples
    --------
    >>> resolve_threads(2), resolve_threads(None), resolve_threads(-1) == usable_cpus()
    (2, None, True)
    """
    if n_threads is None:
        return None
    if n_threads == -1:
        return usable_cpus()
    if isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer, -1 or None; got {n_threads!r}.")
    return n_threads


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Set torch's intra-op threads for the block (``None``: leave them), then restore.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    wanted = resolve_threads(n_threads)
    before = torch.get_num_threads()
    if wanted is None or wanted == before:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(before)
