"""End a parallel worker process as soon as the run that started it is gone.

``--jobs N`` runs cells in joblib's loky worker processes, children of the run's main
process. Killed with SIGKILL, the main process cannot stop them, and loky's workers do not
notice: each went on computing its cell, then waited idle for loky's idle timeout. loky's
resource trackers (children of the main process too) stayed as long, since they end only
once every worker has closed its end of their pipe; they then remove the semaphores and
the memory-mapped arrays in ``/dev/shm`` that the run left.

The workers therefore watch their parent: :func:`watch_parent`, called as a cell starts,
starts a daemon thread once per process that polls :func:`os.getppid` and ends the process
with :func:`os._exit` once it differs from the run's main process. An orphan is re-parented
(to PID 1 or to a subreaper), so the check cannot miss a death, and it stays right if
another process later reuses the main process's PID. The thread needs the GIL, which torch
and numpy release while they compute: the workers of a killed run end within a second.
Ending at once loses nothing: a cell is recorded by an atomic rename
(:func:`~imblearn_deep.comparison._store.atomic_write`), a killed worker leaves no half
record, and its claim on the cell (a file lock) ends with it.

Why not ``prctl(PR_SET_PDEATHSIG)``: it is Linux only, and it fires when the *thread* that
forked the child ends, not the process; loky starts workers from whichever thread submits
work or from its executor-manager thread, so a worker could be killed while its run goes
on. A process group does not help either: SIGKILL of one process does not reach the group.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["watch_parent"]

#: Seconds between two looks at the parent: a getppid() call, nothing to measure.
INTERVAL = 0.5

_lock = threading.Lock()
# The process whose watchdog thread runs: a child forked from it has none.
_watching_in: int | None = None


def _watch(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    # The run is gone: nobody will read this worker's result. _exit stops every thread
    # at once, without waiting for the cell the main thread is computing.
    os._exit(1)


def watch_parent(parent: int | None, interval: float = INTERVAL) -> bool:
    """End this process when ``parent`` is no longer its parent; once per process.

    Does nothing in ``parent`` itself (cells run in the main process with ``jobs=1``) or
    in a process that is not its child (e.g. a worker of a remote Dask cluster, which
    outlives the runs it serves).

    Parameters
    ----------
    parent : int or None
        PID of the run's main process; ``None``: watch nothing.
    interval : float, default=INTERVAL
        Seconds between two looks at the parent.

    Returns
    -------
    bool
        Whether a watchdog runs in this process (started now or before).

    Examples
    --------
    >>> watch_parent(os.getpid())  # the main process watches nothing
    False
    """
    global _watching_in
    pid = os.getpid()
    with _lock:
        if _watching_in == pid:
            return True
        if parent is None or parent == pid or os.getppid() != parent:
            return False
        thread = threading.Thread(
            target=_watch, args=(parent, interval), name="imblearn-deep-watchdog", daemon=True
        )
        thread.start()
        _watching_in = pid
        return True
