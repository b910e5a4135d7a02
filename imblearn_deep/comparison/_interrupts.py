"""Stop a comparison on SIGINT or SIGTERM without ever recording a truncated result.

Python turns SIGINT into :class:`KeyboardInterrupt`, but a library on the way may catch it
(skorch's training loop did) and return normally, leaving a half-trained model that looks
finished. :func:`stop_on_signals` therefore does two things while a run is going: it
raises :class:`Interrupted` at the signal (SIGTERM too, whose default would kill the
process without a word), and it *remembers* the signal, so that
:meth:`SignalGuard.check`, called before a result is recorded, raises again if anything
swallowed the first one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

__all__ = ["Interrupted", "SignalGuard", "stop_on_signals"]


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; :attr:`exit_code` is the shell's ``128 + signum``.

    Parameters
    ----------
    signum : int
        The signal received.

    Examples
    --------
    >>> Interrupted(signal.SIGTERM).exit_code
    143
    """

    def __init__(self, signum: int):
        self.signum = int(signum)
        super().__init__(f"stopped by {signal.Signals(self.signum).name}")

    @property
    def exit_code(self) -> int:
        """``128 + signum``: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


class SignalGuard:
    """What :func:`stop_on_signals` saw: the first signal received, if any.

    Examples
    --------
    >>> guard = SignalGuard()
    >>> guard.check()  # nothing received: returns
    >>> guard.received = signal.SIGINT
    >>> try:
    ...     guard.check()
    ... except Interrupted as stop:  # a KeyboardInterrupt: doctest would not catch it
    ...     print(stop, stop.exit_code)
    stopped by SIGINT 130
    """

    def __init__(self):
        self.received: int | None = None

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal arrived, even one whose exception was
        swallowed on the way."""
        if self.received is not None:
            raise Interrupted(self.received)


@contextmanager
def stop_on_signals(
    signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
) -> Iterator[SignalGuard]:
    """Raise :class:`Interrupted` on ``signals`` inside the block, and remember them.

    Outside the main thread (where Python cannot install handlers) the block runs with
    the process's handlers and the guard sees nothing. The previous handlers are
    restored on exit.

    Examples
    --------
    >>> with stop_on_signals() as guard:
    ...     guard.check()
    >>> guard.received is None
    True
    """
    guard = SignalGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return

    def handler(signum, _frame):
        if guard.received is None:
            guard.received = signum
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signals}
    try:
        yield guard
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
