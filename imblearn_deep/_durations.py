"""Durations as a person reads them, in every line that announces or reports one (the
comparison's estimate and time left, a long fit's announcement)."""

from __future__ import annotations

__all__ = ["format_duration"]


def format_duration(seconds: float) -> str:
    """Seconds as a person reads a duration in a log line.

    Examples
    --------
    >>> format_duration(0.42), format_duration(42.3), format_duration(754), format_duration(9000)
    ('0.4 s', '42 s', '12.6 min', '2.5 h')
    """
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
