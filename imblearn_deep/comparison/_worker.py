"""One cell of a run, in whichever process runs it: claim it, reuse its record or run it,
record the row; and the progress lines of the run."""

from __future__ import annotations

import io
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

import joblib
import numpy as np

from .._durations import format_duration
from .._torch.long_fit import unannounced
from ._cell import Cell, fingerprint, run_cell
from ._environment import torch_threads
from ._interrupts import stop_on_signals
from ._provenance import provenance
from ._quality import fit_judge
from ._store import ResultsStore, jsonable
from ._watchdog import watch_parent


def log(verbose: int, message: str) -> None:
    """Print a progress line to stderr when ``verbose``."""
    if verbose > 0:
        # On a terminal, first clear the live epoch line (see _EpochLines).
        clear = "\r\x1b[K" if sys.stderr.isatty() else ""
        print(clear + message, file=sys.stderr, flush=True)


class _EpochLines(io.TextIOBase):
    """A terminal's live line: each printed line replaces the one before it."""

    def __init__(self, terminal):
        self.terminal, self.pending = terminal, ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        width = shutil.get_terminal_size().columns - 1
        for line in lines:
            if line.strip():
                self.terminal.write("\r\x1b[K" + line[:width])
        self.terminal.flush()
        return len(text)


@contextmanager
def _epoch_output(verbose: int) -> Iterator[None]:
    """Where the steps' per-epoch lines go: stderr (stdout is the final table's), as one
    live line on a terminal, as plain lines otherwise."""
    if verbose < 2:
        yield
        return
    stream = _EpochLines(sys.stderr) if sys.stderr.isatty() else sys.stderr
    with redirect_stdout(stream):
        yield


def _summary(row: dict) -> str:
    if row["status"] != "ok":
        return f"FAILED: {row['error']}"
    cv = "" if row["cv_f1_macro"] is None else f"CV macro-F1 {row['cv_f1_macro']:.3f}, "
    return f"{cv}test macro-F1 {row['test_f1_macro']:.3f}, sampler fits {row['sampler_fits']}"


def _class_counts(y: np.ndarray) -> dict[str, int]:
    labels, counts = np.unique(y, return_counts=True)
    return {str(label): int(count) for label, count in zip(labels.tolist(), counts, strict=True)}


class Progress:
    """Estimates of the time left while cells finish, and the time per cell at the end.

    The time left is counted per method: each cell still to run takes the mean time of
    the finished cells of its sampler and classifier, else its calibrated estimate
    (``--estimate``) scaled by how the finished cells compared with theirs, else the mean
    of all finished cells; a BAGAN-GP cell is not a "none" cell.
    """

    def __init__(
        self,
        cells: Sequence[Cell],
        jobs: int,
        verbose: int,
        estimates: Mapping[str, float] | None = None,
    ):
        self.verbose = verbose
        self.jobs = joblib.effective_n_jobs(jobs)
        self.pending = {cell.key: (cell.sampler.name, cell.classifier.name) for cell in cells}
        self.n_cells = len(cells)
        self.estimates = dict(estimates or {})
        self.seconds: list[float] = []
        self.by_method: dict[tuple[str, str], list[float]] = {}
        self.measured = self.estimated = 0.0  # finished cells with an estimate: both sums
        self.n_done = 0

    def finished(self, row: dict, ran: bool) -> None:
        self.n_done += 1
        method = self.pending.pop(row["cell"], None)
        if not ran or method is None:
            return
        seconds = float(row.get("seconds", 0.0))
        self.seconds.append(seconds)
        self.by_method.setdefault(method, []).append(seconds)
        if row["cell"] in self.estimates:
            self.measured += seconds
            self.estimated += self.estimates[row["cell"]]
        if self.pending:
            log(
                self.verbose,
                f"    {len(self.pending)} cell(s) left: about "
                f"{format_duration(self.seconds_left() / self.jobs)}{self._basis()}",
            )

    def seconds_left(self) -> float:
        """Seconds of the cells still to run, one after another."""
        overall = sum(self.seconds) / len(self.seconds)
        scale = self.measured / self.estimated if self.estimated > 0 else 1.0
        total = 0.0
        for key, method in self.pending.items():
            if method in self.by_method:
                total += sum(self.by_method[method]) / len(self.by_method[method])
            elif key in self.estimates:
                total += self.estimates[key] * scale
            else:
                total += overall
        return total

    def _basis(self) -> str:
        guessed = sum(
            1
            for key, method in self.pending.items()
            if method not in self.by_method and key not in self.estimates
        )
        if not guessed:
            return ", from the times of their methods"
        return (
            f"; {guessed} of them of methods not timed yet, counted at the mean cell "
            "(--estimate times every method before the run)"
        )

    def close(self) -> None:
        if self.seconds:
            mean = sum(self.seconds) / len(self.seconds)
            log(
                self.verbose,
                f"time per cell: mean {format_duration(mean)}, "
                f"min {format_duration(min(self.seconds))}, "
                f"max {format_duration(max(self.seconds))} ({len(self.seconds)} run, "
                f"{self.n_done - len(self.seconds)} reused)",
            )


# The quality judges of the data last seen, per process: cells of one classifier and
# seed share a judge, in the main process and in each parallel worker alike.
_JUDGES: dict[tuple, Any] = {}


@dataclass(frozen=True)
class CellWorker:
    """Runs one cell (or reuses its record) and records it; picklable for joblib."""

    data: tuple
    data_hash: str
    balanced_test: tuple | None
    output: str
    preset: str
    n_folds: int
    device: str
    n_jobs: int
    threads: int | None
    on_error: str
    quality: bool
    search: str
    verbose: int
    ranks: dict
    n_cells: int
    # The run's process: a worker process it started ends when it dies (_watchdog).
    main_pid: int | None = None
    # Labels for the report, recorded in each row; not part of a cell's fingerprint.
    class_names: tuple[str, ...] | None = None
    data_source: str | None = None

    def judge(self, cell: Cell):
        # The whole classifier spec, not its name: two runs in one process may give one
        # name other parameters (a judge of 100 steps is not a judge of 440).
        key = (self.data_hash, joblib.hash(cell.classifier), cell.seed, self.device)
        if key not in _JUDGES:
            if any(k[0] != self.data_hash for k in _JUDGES):
                _JUDGES.clear()  # judges of other data are no use any more
            X_train, y_train = self.data[0], self.data[1]
            _JUDGES[key] = fit_judge(
                cell.classifier, X_train, y_train, random_state=cell.seed, device=self.device
            )
        return _JUDGES[key]

    def __call__(self, number: int, cell: Cell, wait: bool, cache_root: str):
        """``(number, row, ran)``: row None when another run holds the cell; ``ran``
        False when the row was recorded before."""
        # In a parallel worker (not the main process), end with the run even if it is
        # killed with SIGKILL: loky would compute the cell to its end for nobody.
        watch_parent(self.main_pid)
        with (
            stop_on_signals() as guard,
            torch_threads(self.threads),
            _epoch_output(self.verbose),
            # The run's own progress and time-left lines say how long a cell takes.
            unannounced(),
        ):
            return number, *self._run(number, cell, wait, cache_root, guard)

    def config(self, cell: Cell) -> str:
        """The cell's fingerprint in this run (data, folds, device, search included)."""
        return fingerprint(cell, self.n_folds, self.device, self.data_hash, self.search)

    def recorded(self, cell: Cell, store: ResultsStore | None = None) -> dict | None:
        """The folder's finished row of ``cell`` with this run's configuration, if any."""
        previous = (store or ResultsStore(self.output)).get(cell.key)
        if previous and previous["status"] == "ok" and previous.get("config") == self.config(cell):
            return previous
        return None

    def _run(self, number, cell, wait, cache_root, guard) -> tuple[dict | None, bool]:
        X_train, y_train, X_test, y_test = self.data
        title = f"[{number}/{self.n_cells}] {cell.title}"
        config = self.config(cell)
        store = ResultsStore(self.output)
        with store.claim(cell.key, wait=wait) as held:
            if not held:
                log(self.verbose, f"{title}: running in another process on this folder")
                return None, False
            previous = self.recorded(cell, store)
            if previous:
                log(self.verbose, f"{title}: done before, skipped")
                return previous, False
            guard.check()
            log(self.verbose, f"{title} ...")
            row = {
                "cell": cell.key,
                "dataset": cell.dataset,
                "preset": self.preset,
                "sampler": cell.sampler.name,
                "sampler_label": cell.sampler.label,
                "classifier": cell.classifier.name,
                "classifier_label": cell.classifier.label,
                "seed": cell.seed,
                "rank": self.ranks[cell.key],
                "config": config,
                "cv_folds": self.n_folds,
                "device": self.device,
                "classes": jsonable(np.unique(y_train).tolist()),
                "train_class_counts": _class_counts(y_train),
                # Pairs are pairs only on one CPU model and one set of versions.
                "provenance": provenance(),
                "test_class_counts": _class_counts(y_test),
            }
            if self.class_names is not None:
                row["class_names"] = list(self.class_names)
            if self.data_source is not None:
                row["data_source"] = self.data_source
            if self.balanced_test is not None:
                row["balanced_test_class_counts"] = _class_counts(self.balanced_test[1])
            start = time.perf_counter()
            try:
                row.update(
                    run_cell(
                        cell,
                        self.data,
                        n_folds=self.n_folds,
                        device=self.device,
                        n_jobs=self.n_jobs,
                        cache_root=cache_root,
                        output=self.output,
                        verbose=self.verbose,
                        judge=partial(self.judge, cell) if self.quality else None,
                        search=self.search,
                        balanced_test=self.balanced_test,
                    ),
                    status="ok",
                )
            except Exception as exc:
                if self.on_error == "raise":
                    raise
                row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            row["seconds"] = time.perf_counter() - start
            row["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            # A signal whose KeyboardInterrupt a library swallowed (or turned into an
            # error) leaves a truncated fit behind: never record it.
            guard.check()
            row = jsonable(row)
            store.record(row)
            log(self.verbose, f"{title}: {_summary(row)} ({row['seconds']:.1f} s)")
            return row, True
