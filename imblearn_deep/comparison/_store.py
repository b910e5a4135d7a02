"""The folder that holds a comparison's results, one durable record per cell.

A results folder is safe by design:

* **One record per finished cell.** ``cells/<cell>.json`` is written once the cell's
  computation has finished, through a temporary file that is flushed, ``fsync``-ed and
  renamed over the target: a kill at any moment leaves either the old record or the new
  one, never half of one, and every earlier record stays readable.
* **Derived views.** ``results.json`` and ``results.csv`` (and ``report.md``) are rebuilt
  from the records, under a short lock (``.lock``, the ``filelock`` package), so two runs
  writing into one folder never lose each other's rows.
* **Damage is named, not fatal.** A record that cannot be parsed, or is not a row one may
  trust (:func:`~imblearn_deep.comparison.check_row`), is moved aside (``*.damaged``)
  with a warning naming the file and the reason; the cell runs again.
* **Merging.** :func:`merge_results` copies the records (and image artifacts) of several
  folders, e.g. runs split by ``--samplers``, into one.

The row itself is defined in one place, :class:`~imblearn_deep.comparison.Row`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from filelock import FileLock

from ._confine import ARTIFACTS_DIR, confined, safe_name
from ._row import BALANCED_TEST, CSV_FIRST, CSV_LEFT_OUT, check_row

__all__ = ["ResultsStore", "merge_results", "read_results"]

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
CELLS_DIR = "cells"
LOCK = ".lock"
#: The figures' folder inside a results folder.
FIGURES_DIR = "figures"
REPORT = "report.md"
# Everything a run writes at the top of a folder: none of it may be a link leading out.
_LAYOUT = (CELLS_DIR, ARTIFACTS_DIR, FIGURES_DIR, LOCK, RESULTS_JSON, RESULTS_CSV, REPORT)


def jsonable(value):
    """Plain Python values for strict JSON (numpy scalars, tuples; NaN becomes None).

    Examples
    --------
    >>> jsonable({"a": (np.float32(0.5), float("nan")), 1: np.int64(3)})
    {'a': [0.5, None], '1': 3}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return repr(value)


def _fsync_folder(folder: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half.

    A temporary file beside the target (unique per process and call), flushed and
    ``fsync``-ed, then renamed over ``path``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp(), "a.txt")
    >>> atomic_write(path, "done")
    >>> path.read_text()
    'done'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(tmp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def cell_slug(key: str) -> str:
    """A file name for a cell key: readable, safe on every file system, unique.

    Examples
    --------
    >>> cell_slug("digits|ros|small_cnn|seed=0")
    'digits__ros__small_cnn__seed0'
    """
    dataset, *rest = key.split("|")
    slug = "__".join([dataset, *rest]).replace("seed=", "seed")
    # Hashed by the key: two keys that differ only in unsafe characters get two files.
    return safe_name(slug, unique_by=key)


def _where(error: json.JSONDecodeError) -> str:
    return f"line {error.lineno}, column {error.colno}: {error.msg}"


def _no_constant(name: str):
    # Strict JSON: NaN and Infinity are no numbers a record may hold.
    raise ValueError(f"{name} is not a number a record may hold")


def _read_text(path: Path) -> tuple[str | None, str | None]:
    """The UTF-8 text of ``path`` and None, or None and why it cannot be read as text.

    A missing file gives (None, None): another run moved or replaced it meanwhile.
    """
    try:
        # Only a regular file is read: a folder named like a record fails, and a named pipe
        # would block the reader for ever.
        if not stat.S_ISREG(path.stat().st_mode):
            return None, "not a regular file"
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as error:  # a file we may not read…
        return None, error.strerror or type(error).__name__
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (byte {error.start})"


def _parse_row(text: str) -> tuple[dict | None, str | None]:
    """The row a record's text holds and None, or None and why it is not a trusted row."""
    try:
        row = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        return None, _where(error)
    except (ValueError, RecursionError) as error:
        return None, str(error) or type(error).__name__
    problem = check_row(row)
    return (None, problem) if problem else (row, None)


def move_aside(path: Path, reason: str) -> None:
    """Move a damaged file (or folder) of a results folder aside to ``*.damaged``, with a
    warning naming it and the reason; it is never read again, never deleted."""
    aside = path.with_name(path.name + ".damaged")
    n = 1
    while aside.exists() or aside.is_symlink():
        n += 1
        aside = path.with_name(f"{path.name}.damaged{n}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:  # another run moved it first
        return
    except OSError as error:
        warnings.warn(
            f"{path} is damaged ({reason}) and could not be moved aside ({error}); skipped.",
            stacklevel=3,
        )
        return
    warnings.warn(f"{path} is damaged ({reason}); moved aside to {aside.name}.", stacklevel=3)


def _recover_rows(text: str) -> tuple[list[dict], str | None]:
    """The intact rows of a JSON list of rows, and where it first broke (None: intact)."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        broken = _where(error)
    except (ValueError, RecursionError) as error:
        broken = str(error) or type(error).__name__
    else:
        if isinstance(value, list):
            rows = [row for row in value if check_row(row) is None]
            bad = len(value) - len(rows)
            return rows, (f"{bad} element(s) are not rows" if bad else None)
        return [], check_row(value) if isinstance(value, dict) else "expected a list of rows"
    # Decode element by element: every row before the damage survives.
    decoder, rows = json.JSONDecoder(), []
    start = text.find("[")
    position = start + 1 if start >= 0 else len(text)
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
        if check_row(value) is None:
            rows.append(value)
    return rows, broken


def _sort_key(row: dict):
    rank = row.get("rank") or [math.inf, math.inf]
    return (row["dataset"], rank[1], row["classifier"], rank[0], row["sampler"], row["seed"])


def _csv_row(row: dict) -> dict:
    flat = {k: v for k, v in row.items() if k not in CSV_LEFT_OUT}
    for key in ("best_params", "train_class_counts"):
        if key in flat:
            flat[key] = json.dumps(flat[key], sort_keys=True)
    for key in ("recall", f"{BALANCED_TEST}_recall"):
        flat.update({f"{key}_{label}": value for label, value in row.get(key, {}).items()})
    return flat


def _csv_text(rows: list[dict]) -> str:
    table = [_csv_row(row) for row in rows]
    columns = list(dict.fromkeys([*CSV_FIRST, *(k for r in table for k in r)]))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


class ResultsStore:
    """The results folder of a comparison: one durable record per finished cell.

    Every record read is checked (:func:`~imblearn_deep.comparison.check_row`):
    a damaged one is moved aside to ``*.damaged`` with a warning naming the file and the
    reason, and its cell runs again; every other row is kept. A folder received from
    someone else is data, never a command: a link among the folder's own files or
    sub-folders is moved aside the same way before anything is written.

    Parameters
    ----------
    folder : str or path-like
        The output folder (created if needed). A folder written by an older version (a
        ``results.json`` only) is read as is: its rows become records.

    Examples
    --------
    >>> import tempfile
    >>> store = ResultsStore(tempfile.mkdtemp())
    >>> row = {"cell": "digits|ros|small_cnn|seed=0", "status": "failed",
    ...        "error": "ValueError: …", "dataset": "digits", "preset": "fast",
    ...        "sampler": "ros", "sampler_label": "ROS", "classifier": "small_cnn",
    ...        "classifier_label": "small CNN", "seed": 0, "cv_folds": 0, "classes": [0, 1],
    ...        "train_class_counts": {"0": 9, "1": 3}, "test_class_counts": {"0": 2, "1": 2}}
    >>> store.record(row)
    >>> store.rows()[0]["status"], store.get(row["cell"])["sampler"]
    ('failed', 'ros')
    >>> sorted(p.name for p in store.folder.iterdir())
    ['.lock', 'cells', 'results.csv', 'results.json']
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.cells = self.folder / CELLS_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in _LAYOUT:
            if (self.folder / name).is_symlink():
                move_aside(self.folder / name, "a link, where a results folder has its own")
        self.cells.mkdir(exist_ok=True)
        self._lock = FileLock(str(self.folder / LOCK))
        with self._lock:
            self._import_results_json()
            if self._views_stale():
                self.write_views()

    # -- records ------------------------------------------------------------------------

    def record_path(self, key: str) -> Path:
        """Where the record of cell ``key`` lives."""
        return self.cells / f"{cell_slug(key)}.json"

    def _read_record(self, path: Path) -> dict | None:
        """The trusted row of the record at ``path``, or None: gone, or damaged and moved
        aside (the cell then runs again)."""
        if path.is_symlink():  # a link could read (and, merged, copy) any file
            text, problem = None, "a link, not a record"
        else:
            text, problem = _read_text(path)
        if text is not None:
            row, problem = _parse_row(text)
            if row is not None and self.record_path(row["cell"]).name != path.name:
                row, problem = self._misplaced(path, row)
            if row is not None:
                return row
        if problem:
            move_aside(path, problem)
        return None

    def _misplaced(self, path: Path, row: dict) -> tuple[dict | None, str | None]:
        """A valid record under another name: moved to its cell's place when that is free
        (a renamed record loses nothing), damage when it would count its cell twice."""
        place = self.record_path(row["cell"])
        if place.exists() or place.is_symlink():
            return None, f"it holds cell {row['cell']!r}, whose record is {place.name}"
        os.replace(path, place)
        warnings.warn(
            f"{path} holds the record of cell {row['cell']!r}; moved to {place.name}.",
            stacklevel=4,
        )
        return row, None

    def get(self, key: str) -> dict | None:
        """The record of cell ``key``, or None (never run, or damaged and moved aside)."""
        return self._read_record(self.record_path(key))

    def rows(self) -> list[dict]:
        """Every intact record, in the order of the tables (dataset, classifier, sampler,
        seed)."""
        rows = [self._read_record(path) for path in sorted(self.cells.glob("*.json"))]
        return sorted((row for row in rows if row is not None), key=_sort_key)

    def record(self, row: dict) -> None:
        """Write one finished cell's row durably, then refresh the views.

        Call it only once the cell's computation has finished: the record is what a
        rerun trusts.
        """
        row = jsonable(row)
        problem = check_row(row)
        if problem:
            raise ValueError(f"not a results row: {problem}.")
        text = json.dumps(row, indent=1, allow_nan=False)
        atomic_write(self.record_path(row["cell"]), text)
        self.write_views()

    @contextmanager
    def claim(self, key: str, *, wait: bool) -> Iterator[bool]:
        """Hold cell ``key`` against other runs on this folder for the block.

        Yields True when held; with ``wait=False``, False at once if another run holds it.
        A killed run's claim ends with its process.
        """
        path = self.cells / f".{cell_slug(key)}.lock"
        if path.is_symlink():  # locking would truncate whatever it points to
            move_aside(path, "a link, where a cell's lock file belongs")
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=-1 if wait else 0)
        except TimeoutError:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    # -- views --------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The folder's view lock: hold it to write files derived from every record."""
        with self._lock:
            yield

    def write_views(self) -> list[dict]:
        """Rebuild ``results.json`` and ``results.csv`` from every record (a file that
        already says exactly that is left untouched); the rows they hold."""
        with self._lock:
            rows = self.rows()
            views = {
                RESULTS_JSON: json.dumps(rows, indent=1, allow_nan=False),
                RESULTS_CSV: _csv_text(rows),
            }
            for name, text in views.items():
                if _read_text(self.folder / name)[0] != text:
                    atomic_write(self.folder / name, text)
            return rows

    def _views_stale(self) -> bool:
        """Whether a view is missing or older than a record (cheap: file times only)."""
        records = [p.stat().st_mtime_ns for p in self.cells.glob("*.json") if p.is_file()]
        if not records:
            return False
        views = [self.folder / RESULTS_JSON, self.folder / RESULTS_CSV]
        return any(not v.is_file() or v.stat().st_mtime_ns < max(records) for v in views)

    def _import_results_json(self) -> None:
        """Check ``results.json``; in a folder without records, its rows become records.

        ``results.json`` is a view of the records, but folders of older versions (and
        hand-merged ones) hold only it. A damaged one is moved aside, never overwritten
        unread; its intact rows are kept.
        """
        path = self.folder / RESULTS_JSON
        if not path.exists():
            return
        text, unreadable = _read_text(path)
        rows, broken = ([], unreadable) if text is None else _recover_rows(text)
        if broken:
            move_aside(path, f"{broken}; {len(rows)} intact row(s) kept")
        legacy = not any(self.cells.glob("*.json"))
        if legacy:
            for row in rows:
                atomic_write(self.record_path(row["cell"]), json.dumps(row, indent=1))
        if broken or (legacy and rows):
            self.write_views()


def read_results(output: str | os.PathLike) -> list[dict]:
    """The rows of a results folder (empty if there is none yet).

    Parameters
    ----------
    output : str or path-like
        The folder given to :func:`~imblearn_deep.comparison.run_comparison`.

    Returns
    -------
    list of dict
        One row per cell, ordered by dataset, classifier, sampler and seed.

    Examples
    --------
    >>> read_results("a-folder-that-does-not-exist")
    []
    """
    output = Path(output)
    if not (output / CELLS_DIR).is_dir() and not (output / RESULTS_JSON).is_file():
        return []
    return ResultsStore(output).rows()


def merge_results(sources: Sequence[str | os.PathLike], output: str | os.PathLike) -> list[dict]:
    """Merge the results of several folders (e.g. runs split by ``--samplers``) into one.

    Records and their image artifacts are copied into ``output``. A cell present in more
    than one folder must have the same configuration fingerprint in each; a finished
    record is kept over a failed one whatever their dates, then the newest. Every source
    is read as untrusted data: damaged records are named and left out (and moved aside),
    and an artifact is copied only from inside its folder's ``artifacts/`` to inside
    ``output``'s.

    Parameters
    ----------
    sources : sequence of str or path-like
        Results folders.
    output : str or path-like
        The merged folder (may be one of ``sources`` or hold earlier results).

    Returns
    -------
    list of dict
        Every row of the merged folder.

    Examples
    --------
    >>> import tempfile
    >>> a, b = ResultsStore(tempfile.mkdtemp()), ResultsStore(tempfile.mkdtemp())
    >>> base = {"status": "failed", "error": "ValueError: …", "dataset": "digits",
    ...         "preset": "fast", "classifier": "small_cnn", "classifier_label": "small CNN",
    ...         "seed": 0, "cv_folds": 0, "classes": [0, 1],
    ...         "train_class_counts": {"0": 9, "1": 3}, "test_class_counts": {"0": 2, "1": 2}}
    >>> a.record({**base, "cell": "digits|none|small_cnn|seed=0", "sampler": "none",
    ...           "sampler_label": "none"})
    >>> b.record({**base, "cell": "digits|ros|small_cnn|seed=0", "sampler": "ros",
    ...           "sampler_label": "ROS"})
    >>> [r["sampler"] for r in merge_results([a.folder, b.folder], tempfile.mkdtemp())]
    ['none', 'ros']
    """
    target = ResultsStore(output)
    chosen: dict[str, tuple[dict, Path]] = {}
    for source in sources:
        source = Path(source)
        if not (source / CELLS_DIR).is_dir() and not (source / RESULTS_JSON).is_file():
            raise FileNotFoundError(f"{source} holds no comparison results.")
        for row in ResultsStore(source).rows():
            previous = chosen.get(row["cell"])
            if previous is not None and previous[0].get("config") != row.get("config"):
                raise ValueError(
                    f"cell {row['cell']} was run with different configurations in "
                    f"{previous[1]} and {source}; merge only runs of the same command."
                )
            if previous is None or _preference(row) >= _preference(previous[0]):
                chosen[row["cell"]] = (row, source)
    with target.locked():
        for row, source in chosen.values():
            if row.get("images"):
                _copy_artifact(row["images"], source, target.folder)
            atomic_write(target.record_path(row["cell"]), json.dumps(row, indent=1))
        target.write_views()
    return target.rows()


def _preference(row: dict) -> tuple[bool, str]:
    """Which of two records of one cell a merge keeps: the larger (finished, then newer)."""
    return row["status"] == "ok", row.get("finished_at", "")


def _copy_artifact(relative: str, source: Path, target: Path) -> None:
    """Copy an artifact a record names, from inside ``source``'s ``artifacts/`` to inside
    ``target``'s; a path that leaves either is never followed (a warning says so)."""
    origin, destination = confined(source, relative), confined(target, relative)
    if origin is None or destination is None:
        warnings.warn(
            f"{relative!r} (a record's artifact in {source}) leaves its results folder; "
            "not copied.",
            stacklevel=3,
        )
        return
    if origin == destination or not origin.is_file():
        return
    destination.parent.mkdir(exist_ok=True)
    atomic_write(destination, origin.read_bytes())
