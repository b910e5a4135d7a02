"""A fit that will take long says so, once, even when it prints nothing else.

At ``verbose=0`` an estimator prints nothing, and a fit of its defaults on a busy CPU can
run for many minutes in silence. After the second epoch of a training stage the pace of
its epochs tells the rest: when the stage will take longer than :data:`LONG_FIT_SECONDS`,
:func:`announce_long_fit` warns once with the expected duration (a
:class:`LongFitWarning`, which a harness with its own progress lines filters out).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from .._durations import format_duration

__all__ = ["LONG_FIT_SECONDS", "LongFitWarning", "announce_long_fit", "unannounced"]

#: A training stage expected to run longer than this, in seconds, after its first epoch
#: is announced at ``verbose=0``.
LONG_FIT_SECONDS = 60.0


class LongFitWarning(UserWarning):
    """Issued once per training stage that is expected to run longer than a minute while
    the estimator prints nothing (``verbose=0``); it gives the expected duration.

    Silence it with ``warnings.filterwarnings("ignore", category=LongFitWarning)``, or
    pass ``verbose=1`` to see each epoch instead.
    """


def announce_long_fit(
    owner: str, stage: str, epoch_seconds: float, epochs_left: int, *, at_most: bool = False
) -> None:
    """Warn when the ``epochs_left`` epochs of ``stage``, at ``epoch_seconds`` each (the
    pace of the epochs so far), add up to more than :data:`LONG_FIT_SECONDS`; with
    ``at_most``, the epochs left are a bound (early stopping may end the fit sooner).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     announce_long_fit("DeepSMOTE", "autoencoder", 4.2, 199)
    ...     announce_long_fit("DeepSMOTE", "autoencoder", 0.1, 199)
    >>> [str(w.message)[:58] for w in caught]
    ['DeepSMOTE: the autoencoder stage will take about 13.9 min ']
    """
    seconds_left = epoch_seconds * epochs_left
    if seconds_left <= LONG_FIT_SECONDS:
        return
    # Imported here: the comparison imports this module for the warning class alone, and
    # its command line starts without torch.
    import torch

    threads = torch.get_num_threads()
    crowded = (
        f" With {threads} threads a fit slows down many times over when other processes "
        "compute too: n_threads=1 is the faster choice on a busy machine."
        if threads > 1
        else ""
    )
    epochs = "epoch" if epochs_left == 1 else "epochs"
    bound = "at most" if at_most else "about"
    warnings.warn(
        f"{owner}: the {stage} stage will take {bound} {format_duration(seconds_left)} more "
        f"({epochs_left} more {epochs} at {epoch_seconds:.1f} s each). "
        f"Pass verbose=1 to follow its epochs.{crowded}",
        LongFitWarning,
        stacklevel=3,
    )


@contextmanager
def unannounced() -> Iterator[None]:
    """Fits inside the block say nothing of their duration: for a caller that prints its
    own progress and time left (the comparison). Process pools that copy the caller's
    warning filters (scikit-learn's ``n_jobs`` from 1.7 on) carry it to their workers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LongFitWarning)
        yield
