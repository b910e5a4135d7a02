"""The paths of a results folder: what a record may name, and the one sanitiser.

A results folder may come from someone else: a path read from a record is followed only
where :func:`confined` says it stays inside the folder's ``artifacts/``, and every file
name built from record fields goes through :func:`safe_name`.
"""

from __future__ import annotations

import re
from pathlib import Path

import joblib

#: The folder of a results folder that holds the image artifacts.
ARTIFACTS_DIR = "artifacts"

#: A name longer than this is not a name but a payload.
MAX_NAME = 200

# An artifact is ``artifacts/<one safe file name>.npz``: nothing else is ever followed.
ARTIFACT = re.compile(r"artifacts/[A-Za-z0-9_][A-Za-z0-9_.-]*\.npz")

# Scores recorded as floats and recomputed from integer counts agree to rounding.
_TOLERANCE = 1e-6


def safe_name(text: str, *, unique_by: str | None = None) -> str:
    """``text`` as one file-name component: readable, safe everywhere, unique.

    The one sanitiser of every file name built from a record's fields. Every character
    other than letters, digits, ``_``, ``.`` and ``-`` becomes ``-``, a leading dot too
    (no hidden files, no ``..``); a name that had to change gets a short hash of the
    original (or of ``unique_by``), so that two names differing only in unsafe characters
    never share a file.

    Parameters
    ----------
    text : str
        The name to make safe.
    unique_by : str, default=None
        What the hash of a changed name is taken of (default: ``text``).

    Returns
    -------
    str

    Examples
    --------
    >>> safe_name("digits")
    'digits'
    >>> safe_name("/../../elsewhere/pwn")
    '-..-..-elsewhere-pwn-703ee547'
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:MAX_NAME]
    safe = "-" + safe[1:] if safe.startswith(".") else safe
    if safe == text and safe:
        return safe
    return f"{safe}-{joblib.hash(text if unique_by is None else unique_by)[:8]}"


def confined(folder: str | Path, relative: str) -> Path | None:
    """Where the artifact ``relative`` of a results ``folder`` is, or None if it leaves it.

    ``relative`` must have the form a record may hold (``artifacts/<name>.npz``) and
    resolve to exactly that place: a symbolic link anywhere on the way (the artifacts
    folder or the file itself) makes it None, whether the file exists or not.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> confined(folder, "artifacts/a.npz") == Path(folder).resolve() / "artifacts" / "a.npz"
    True
    >>> confined(folder, "artifacts/../../a.npz") is None
    True
    """
    if not isinstance(relative, str) or not ARTIFACT.fullmatch(relative):
        return None
    root = Path(folder).resolve()
    path = root / relative
    if path.parent.is_symlink() or path.is_symlink() or path.resolve() != path:
        return None
    return path
