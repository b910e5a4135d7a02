"""Which axis of a 4-D image array holds the channels, and the messages that say so.

imblearn_deep reads images channel-first, ``(n, C, H, W)``, as torch lays them out. A
shape that is clearly channel-last is an error that names the transpose; one that reads
both ways is read channel-first with a :class:`ChannelOrderWarning`, which a matching
``image_shape`` silences.
"""

from __future__ import annotations

import math
import sys
import warnings

# Channel counts that identify a trailing channel axis in (n, H, W, C) arrays.
_CHANNEL_COUNTS = (1, 3, 4)
# The most channels a trailing axis may hold for a 4-D shape to read both ways: 2 (gray
# and alpha) and the clear counts above. Larger trailing axes are image widths.
_MAX_TRAILING_CHANNELS = 4


class ChannelOrderWarning(UserWarning):
    """A 4-D ``X`` reads both as channel-first and as channel-last images.

    It is read channel-first, ``(n, C, H, W)``; the warning names both readings, the
    transpose for channel-last data, and the ``image_shape`` that confirms the
    channel-first reading and silences it.
    """


def channel_last_hint(shape: tuple[int, ...]) -> str:
    """The error for a 4-D shape that :func:`looks_channel_last`: the transpose to pass."""
    return (
        f"X has shape {shape}, which looks channel-last (n, H, W, C). imblearn_deep expects "
        f"channel-first images (n, C, H, W), as torch does: pass X.transpose(0, 3, 1, 2)."
    )


def looks_channel_last(shape: tuple[int, ...]) -> bool:
    """Whether a 4-D shape is almost certainly ``(n, H, W, C)`` rather than ``(n, C, H, W)``.

    The last axis is a usual channel count (1, 3 or 4) and axis 1 is not one.

    Examples
    --------
    >>> looks_channel_last((10, 28, 28, 1)), looks_channel_last((10, 1, 28, 28))
    (True, False)
    """
    return len(shape) == 4 and shape[-1] in _CHANNEL_COUNTS and shape[1] not in _CHANNEL_COUNTS


def channel_order_is_ambiguous(shape: tuple[int, ...]) -> bool:
    """Whether a 4-D shape reads plausibly both as ``(n, C, H, W)`` and ``(n, H, W, C)``.

    That is when the last axis could hold channels (1 to 4 of them) and axis 1 is larger
    than it, as an image height is larger than its channel count, but the shape is not
    clearly channel-last (:func:`looks_channel_last`), which is an error instead.
    ``(n, 4, 4, 3)`` is 4 channels of 4×3 pixels or 4×4 pixels with 3 channels;
    ``(n, 16, 16, 2)`` is 16 channels of 16×2 pixels or 16×16 pixels with 2 channels.
    An axis 1 no larger than the last axis, as in ``(n, 3, 32, 32)`` or ``(n, 3, 4, 4)``,
    would make a channel-last image no taller than its channel count, so it is taken
    as channel-first without a word.

    Parameters
    ----------
    shape : tuple of int
        The shape of ``X``, samples first.

    Returns
    -------
    bool
        True for 4-D shapes whose channel order needs ``image_shape`` to be certain.

    Examples
    --------
    >>> channel_order_is_ambiguous((10, 4, 4, 3)), channel_order_is_ambiguous((10, 16, 16, 2))
    (True, True)
    >>> channel_order_is_ambiguous((10, 3, 32, 32)), channel_order_is_ambiguous((10, 28, 28, 1))
    (False, False)
    """
    return (
        len(shape) == 4
        and 1 <= shape[-1] <= _MAX_TRAILING_CHANNELS
        and shape[1] > shape[-1]
        and not looks_channel_last(shape)
    )


# Packages between a caller and ImageLayout.from_array: fit -> _setup, or imblearn's
# fit_resample -> scikit-learn's _fit_context -> _fit_resample, Pipelines, searches.
_LIBRARY_PACKAGES = frozenset({"imblearn_deep", "imblearn", "sklearn", "sklearn_compat", "skorch"})


def _caller_stacklevel() -> int:
    """``stacklevel`` that points a warning issued by this function's caller at the first
    frame outside :data:`_LIBRARY_PACKAGES`, the line that called the estimator.

    The library frames in between differ by estimator (and grow inside a Pipeline), so
    no fixed ``stacklevel`` finds that line; the default "once per location" filter
    then also keys on the caller's line rather than on a line inside imblearn.
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None:
        module = frame.f_globals.get("__name__", "")
        if module.partition(".")[0] not in _LIBRARY_PACKAGES:
            break
        frame, level = frame.f_back, level + 1
    return level


def _channels(count: int) -> str:
    return f"{count} channel{'' if count == 1 else 's'}"


def warn_channel_order(shape: tuple[int, ...]) -> None:
    """Warn, at the line that called the estimator, that ``shape`` reads both ways."""
    _, first, middle, last = shape
    warnings.warn(
        f"X has shape {shape}, which reads two ways: channel-first (n, C, H, W), "
        f"{_channels(first)} of {middle}×{last} pixels, or channel-last (n, H, W, C), "
        f"{first}×{middle} pixels with {_channels(last)}. It is read channel-first, as "
        f"torch lays images out. If X is channel-last, pass X.transpose(0, 3, 1, 2); if "
        f"it is channel-first, pass image_shape={shape[1:]} to say so and silence this "
        "warning.",
        ChannelOrderWarning,
        stacklevel=_caller_stacklevel(),
    )


def image_shape_mismatch(
    shape: tuple[int, ...], image_shape, expected: tuple[int, int, int]
) -> str:
    """The error for an ``image_shape`` (checked: ``expected``) that does not fit each
    sample's ``shape``, with the transpose when it names X's channel-last reading."""
    message = (
        f"image_shape={tuple(image_shape)} does not match X: each sample has shape "
        f"{shape} ({math.prod(shape)} values), image_shape (C, H, W)={expected} "
        f"needs {math.prod(expected)} values."
    )
    # image_shape names the channel-last reading of a 4-D X, (H, W, C) per sample:
    # the caller means channel-last data, which only a transpose makes (C, H, W).
    if len(shape) == 3 and expected == (shape[2], shape[0], shape[1]):
        message += (
            f" It is X's channel-last reading, {shape[0]}×{shape[1]} pixels with "
            f"{_channels(shape[2])} (n, H, W, C); imblearn_deep expects channel-first "
            "images (n, C, H, W), as torch does: pass X.transpose(0, 3, 1, 2)."
        )
    return message
