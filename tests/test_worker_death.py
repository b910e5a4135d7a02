"""Parallel cells die with their run, even when the run is killed with SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imblearn_deep.comparison._watchdog import watch_parent

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc"
)

# Long enough that a worker still computes its cell minutes later: only the run's death
# can stop it within the test.
ENDLESS_FITS = ("--set", "small_cnn.max_steps=1000000")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent, start time) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name, in parentheses, may hold spaces: the fields follow its end.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """pid -> start time of every process below ``root``."""
    parents: dict[int, int] = {}
    starts: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)], starts[int(entry.name)] = stat[1], stat[2]
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = starts[pid]
                frontier.append(pid)
    return found


def _running(processes: dict[int, int]) -> list[int]:
    """Those of ``processes`` (pid -> start time) still running: a zombie has ended, and
    a new process with a reused pid is another one."""
    running = []
    for pid, start in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[0] not in "ZX" and stat[2] == start:
            running.append(pid)
    return running


def _worker_pids(processes: dict[int, int]) -> list[int]:
    workers = []
    for pid in processes:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"popen_loky_posix" in command:
            workers.append(pid)
    return workers


def _end(tree: dict[int, int]) -> None:
    """Kill what a failed test left running: the workers first, so that loky's resource
    trackers end by themselves and remove the run's files in /dev/shm."""
    for group in (_worker_pids(tree), list(tree)):
        for pid in _running({pid: tree[pid] for pid in group}):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _running(tree) and time.monotonic() < deadline:
            time.sleep(0.1)


def test_killing_the_run_with_sigkill_ends_its_parallel_workers(tmp_path):
    output = tmp_path / "out"
    command = [
        *(sys.executable, "-m", "imblearn_deep", "compare"),
        *("--samplers", "none,ros", "--seeds", "0", "--cv", "2", "--device", "cpu"),
        *("--jobs", "2", "--threads", "1", "--no-quality", "--no-balanced-test", "-q"),
        *ENDLESS_FITS,
        *("--output", str(output)),
    ]
    log = tmp_path / "log.txt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    tree: dict[int, int] = {}
    with open(log, "wb") as stream:
        run = subprocess.Popen(command, stdout=stream, stderr=stream, env=env)
    try:
        # Each worker claims its cell (a lock file) once it computes it.
        deadline = time.monotonic() + 120
        while len(list(output.glob("cells/.*.lock"))) < 2:
            assert run.poll() is None, f"the run ended early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no cells started:\n{log.read_text()}"
            time.sleep(0.2)
        tree = _descendants(run.pid)  # the workers and loky's resource trackers
        assert len(_worker_pids(tree)) == 2, tree

        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 10
        while _running(tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _running(tree) == [], "processes of the killed run still run"
    finally:
        run.kill()
        run.wait()
        _end(tree)


def test_the_main_process_and_foreign_processes_are_not_watched():
    # Cells of jobs=1 run in the main process; a process that the run did not start
    # (a remote Dask worker) must not end when its parent differs from the run.
    assert not watch_parent(os.getpid())
    assert not watch_parent(None)
    assert not watch_parent(max(os.getpid(), os.getppid()) + 1)
