"""Image layout and pixel-range round-trip shared by every estimator.

Estimators accept images as ``(n, C, H, W)`` or ``(n, H, W)`` arrays, or as flat
``(n, C*H*W)`` arrays together with ``image_shape=(C, H, W)``. Networks work on
float32 ``(n, C, H, W)`` tensors in ``[-1, 1]`` (the tanh range of the decoders);
:class:`ImageLayout` remembers how the caller's array looked so that outputs mirror it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ._channel_order import (
    channel_last_hint,
    channel_order_is_ambiguous,
    image_shape_mismatch,
    looks_channel_last,
    warn_channel_order,
)

# The scikit-learn checks (check_array / validate_data options) every estimator here
# runs on X: dense, numeric or bool (kept as is, not cast), finite.
ARRAY_CHECKS = MappingProxyType(
    {"accept_sparse": False, "dtype": "numeric", "ensure_all_finite": True}
)


def check_image_shape(image_shape) -> tuple[int, int, int]:
    """Validate an ``image_shape`` parameter and return it as ``(C, H, W)``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` or ``(H, W)`` (one channel).

    Returns
    -------
    tuple of int
        ``(C, H, W)``.

    Examples
    --------
    >>> check_image_shape((8, 8))
    (1, 8, 8)
    """
    shape = tuple(image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise ValueError(
            f"image_shape must be (C, H, W) or (H, W) with positive integers; got {image_shape!r}."
        )
    return tuple(int(s) for s in shape)


@dataclass(frozen=True)
class ImageLayout:
    """How the caller's array is laid out, and how to go to and from NCHW.

    Attributes
    ----------
    input_shape : tuple of int
        The caller's per-sample shape, ``X.shape[1:]``.
    image_shape : tuple of int or None
        ``(C, H, W)`` for images; ``None`` for tabular data (flat input without
        ``image_shape``), which the estimators model with fully-connected networks.
    """

    input_shape: tuple[int, ...]
    image_shape: tuple[int, int, int] | None

    @classmethod
    def from_array(cls, X: np.ndarray, image_shape=None, *, warn_tabular: bool = True):
        """Resolve the layout of ``X`` (already validated: numeric, finite, non-empty).

        Parameters
        ----------
        X : ndarray
            2-D ``(n, features)``, 3-D ``(n, H, W)`` or 4-D ``(n, C, H, W)`` samples.
        image_shape : tuple of int, default=None
            ``(C, H, W)`` or ``(H, W)`` the caller gave for each sample, or ``None``.
            For a 4-D ``X`` it confirms the channel-first reading.
        warn_tabular : bool, default=True
            Whether flat ``X`` without ``image_shape`` whose width could be an image
            warns that it is modelled as tabular data.

        Returns
        -------
        ImageLayout
            The layout of ``X``.

        Raises
        ------
        ValueError
            If ``X`` has an unsupported number of dimensions, looks channel-last, or its
            size disagrees with ``image_shape``.

        Warns
        -----
        ChannelOrderWarning
            If ``X`` is 4-D, reads both as ``(n, C, H, W)`` and as ``(n, H, W, C)``
            (:func:`channel_order_is_ambiguous`) and ``image_shape`` is ``None``. Fitted
            estimators pass their fitted ``image_shape``, so this warns at fit only.

        Examples
        --------
        >>> ImageLayout.from_array(np.zeros((2, 3, 8, 8))).image_shape
        (3, 8, 8)
        >>> ImageLayout.from_array(np.zeros((2, 4, 4, 3)), image_shape=(4, 4, 3)).image_shape
        (4, 4, 3)
        """
        shape = tuple(X.shape[1:])
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                f"X must be 2-D (n, features), 3-D (n, H, W) or 4-D (n, C, H, W); got "
                f"{X.ndim}-D with shape {X.shape}."
            )
        if X.ndim == 4 and looks_channel_last(X.shape):
            raise ValueError(channel_last_hint(X.shape))
        # An image_shape that matches says channel-first; one that does not raises below.
        if image_shape is None and channel_order_is_ambiguous(X.shape):
            warn_channel_order(tuple(X.shape))
        if image_shape is not None:
            expected = check_image_shape(image_shape)
            matches = {
                2: math.prod(shape) == math.prod(expected),
                3: expected[0] == 1 and shape == expected[1:],
                4: shape == expected,
            }[X.ndim]
            if not matches:
                raise ValueError(image_shape_mismatch(shape, image_shape, expected))
            return cls(shape, expected)
        if X.ndim == 2:
            if warn_tabular:
                _warn_if_square(shape[0])
            return cls(shape, None)
        return cls(shape, check_image_shape(shape))

    @property
    def is_image(self) -> bool:
        """Whether the data are images (convolutional networks) or tabular."""
        return self.image_shape is not None

    @property
    def net_shape(self) -> tuple[int, ...]:
        """Per-sample shape the networks see: ``(C, H, W)`` or ``(n_features,)``."""
        return self.image_shape if self.is_image else self.input_shape

    def to_net(self, X: np.ndarray) -> np.ndarray:
        """Reshape caller-layout samples to the networks' layout (no copy when possible)."""
        return X.reshape(len(X), *self.net_shape)

    def from_net(self, X: np.ndarray) -> np.ndarray:
        """Reshape network-layout samples back to the caller's layout."""
        return X.reshape(len(X), *self.input_shape)


def _warn_if_square(n_features: int) -> None:
    side = math.isqrt(n_features)
    side3 = math.isqrt(n_features // 3) if n_features % 3 == 0 else 0
    if n_features >= 16 and (side * side == n_features or side3 * side3 * 3 == n_features):
        warnings.warn(
            f"X is flat with {n_features} features and no image_shape was given, so it is "
            f"modelled as tabular data with fully-connected networks. If the rows are images, "
            f"pass image_shape=(C, H, W) to use the convolutional networks.",
            UserWarning,
            stacklevel=4,
        )


def _flatten(X: np.ndarray) -> np.ndarray:
    # An explicit width, since reshape cannot infer -1 for zero samples.
    return X.reshape(len(X), math.prod(X.shape[1:]))


# The outlier check: the "bulk" of a range is what lies between these quantiles of its
# values (nearest ranks that leave out at least the extreme value on each side); a range
# more than OUTLIER_RATIO times wider than its bulk is dominated by outliers. It needs
# MIN_VALUES values, so that leaving out one value each side is a small share, and reads
# at most MAX_SAMPLED_VALUES of them (whole rows, evenly spaced): exact quantiles of all
# 47 M pixels of Fashion-MNIST took 0.3 s (uint8) and 0.6 s (float32) on a 2-core AMD
# EPYC host, the sampled check 2-30 ms, next to 16-96 ms for the min and max themselves.
BULK_QUANTILES = (0.001, 0.999)
OUTLIER_RATIO = 100.0
MIN_VALUES = 100
MAX_SAMPLED_VALUES = 2**17

# Prediction values further outside the fitted range than this many widths of it warn.
FAR_OUTSIDE_WIDTHS = 1.0


@dataclass(frozen=True)
class PixelRange:
    """Affine map between the caller's value range and the networks' ``[-1, 1]``.

    The scaling is min/max: the smallest value seen at fit maps to -1, the largest to 1.
    Images use one range over all pixels (a pixel is a pixel wherever it sits); tabular
    data use a range per feature, since features carry different units. A constant
    range maps to -1. The rule for ranges the map cannot serve:

    * a range wider than float64 arithmetic can hold (``max - min`` overflows, e.g.
      values at ±1e308) is a ``ValueError``;
    * a range dominated by a few outliers is a ``UserWarning``: when a range has at
      least 100 values and ``max - min`` is more than 100 times the spread between their
      0.1 % and 99.9 % quantiles (leaving out at least the extreme value on each side),
      the bulk of the data would be squeezed into a sliver of ``[-1, 1]`` (a single 1e30
      pixel among values 0-16 maps all the others to -1);
    * at prediction, values more than one range width outside the fitted range warn,
      and values whose scaled form overflows float32 are a ``ValueError``.

    Output is mapped back and clipped to the fitted range: integer dtypes are rounded,
    bool is thresholded at the middle of the range (0.5), so the share of True matches
    the decoded probabilities rather than every non-zero value becoming True.

    Attributes
    ----------
    low, high : ndarray
        Smallest and largest value seen at fit time (scalars for images, per feature
        for tabular data).
    dtype : numpy.dtype
        The caller's dtype, restored on output.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0, 8], [16, 4]]], dtype=np.uint8)  # one 2×2 image
    >>> pixel_range = PixelRange.fit(X, ImageLayout.from_array(X))
    >>> pixel_range.scale(X).tolist()
    [[-1.0, 0.0, 1.0, -0.5]]
    >>> pixel_range.unscale(np.array([[-1.0, 0.1, 2.0, -0.5]])).reshape(1, 2, 2).tolist()
    [[[0, 9], [16, 4]]]
    """

    low: np.ndarray
    high: np.ndarray
    dtype: np.dtype

    @classmethod
    def fit(cls, X: np.ndarray, layout: ImageLayout) -> PixelRange:
        """Learn the value range of ``X`` (caller layout).

        Raises
        ------
        ValueError
            If ``max - min`` overflows float64.

        Warns
        -----
        UserWarning
            If the range is dominated by a few outlying values.
        """
        flat = _flatten(X)
        axis = None if layout.is_image else 0
        low = np.asarray(flat.min(axis=axis), np.float64)
        high = np.asarray(flat.max(axis=axis), np.float64)
        with np.errstate(over="ignore"):
            overflows = ~np.isfinite(high - low)
        if overflows.any():
            raise ValueError(
                f"X's value range {_describe(low, high, overflows)} overflows float64 "
                "arithmetic (max - min is infinite), so it cannot be scaled to [-1, 1]. "
                "Rescale X first, e.g. divide it by its largest absolute value."
            )
        if X.dtype != np.bool_:
            _warn_if_outlier_dominated(flat, low, high, layout.is_image)
        return cls(low, high, X.dtype)

    def _span(self) -> np.ndarray:
        # A constant feature (or a blank image set) maps to -1 instead of dividing by zero.
        return np.where(self.high > self.low, self.high - self.low, 1.0)

    def scale(self, X: np.ndarray) -> np.ndarray:
        """Map caller values to float32, ``[-1, 1]`` on the fitted range (flat per sample).

        The arithmetic is float64, a chunk of rows at a time, so that no float64 copy of
        the whole of ``X`` is made (the values are those of the whole array in one go).

        Raises
        ------
        ValueError
            If scaled values overflow float32 (values far outside the fitted range).

        Warns
        -----
        UserWarning
            If values lie more than one range width outside the fitted range.
        """
        flat = _flatten(X)
        self.check_values(flat, stacklevel=3)
        return self._scaled_copy(flat)

    def _scaled_copy(self, flat: np.ndarray) -> np.ndarray:
        scaled = np.empty(flat.shape, np.float32)
        for rows in _row_chunks(flat):
            scaled[rows] = self._scaled(flat[rows])
        return scaled

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """The float64 arithmetic of :meth:`scale`, value by value, on whole samples
        (for tabular data the last axis is the features), unchecked.

        Elementwise, so that any rows cast to float32 are :meth:`scale`'s values of those
        rows bit for bit: what :class:`ScaledImages` scales a batch with.
        """
        # Divided before doubled, so that a span near the float64 limit cannot overflow.
        return (values.astype(np.float64) - self.low) / self._span() * 2.0 - 1.0

    def check_values(self, X: np.ndarray, *, stacklevel: int = 2) -> None:
        """Check that ``X`` scales to finite float32 values near ``[-1, 1]``.

        The scaling is monotonic in each value, so the scaled extremes are those of the
        extreme values of ``X`` (per feature for tabular data): the check reads ``X``
        without a scaled copy of it.

        Parameters
        ----------
        X : ndarray
            Samples in the caller's layout (or flat rows).
        stacklevel : int, default=2
            Where the warning points, as :func:`warnings.warn`'s ``stacklevel`` counted
            from the caller of this method (1: the caller).

        Raises
        ------
        ValueError
            If scaled values overflow float32 (values far outside the fitted range).

        Warns
        -----
        UserWarning
            If values lie more than one range width outside the fitted range.
        """
        flat = _flatten(X)
        if not flat.size:
            return
        axis = None if np.ndim(self.low) == 0 else 0
        extremes = np.stack([flat.min(axis=axis), flat.max(axis=axis)]).reshape(2, -1)
        ends = self._scaled(extremes)
        lowest, highest = float(ends[0].min()), float(ends[1].max())
        if not (-_FLOAT32_MAX <= lowest and highest <= _FLOAT32_MAX):
            raise ValueError(
                f"X has values so far outside the range seen at fit "
                f"{_describe(self.low, self.high)} that they overflow float32 once "
                f"scaled (the fitted range maps to [-1, 1]; these map to "
                f"[{lowest:.3g}, {highest:.3g}])."
            )
        bound = 1.0 + 2.0 * FAR_OUTSIDE_WIDTHS
        if lowest < -bound or highest > bound:
            warnings.warn(
                f"X has values far outside the range seen at fit "
                f"{_describe(self.low, self.high)}: the fitted range maps to [-1, 1], "
                f"these values to [{lowest:.3g}, {highest:.3g}], where the networks "
                "extrapolate.",
                UserWarning,
                stacklevel=stacklevel + 1,
            )

    def unscale(self, Z: np.ndarray) -> np.ndarray:
        """Map network outputs back to the caller's range and dtype (flat per sample).

        Like :meth:`scale`, the float64 arithmetic runs a chunk of rows at a time.
        """
        flat = _flatten(Z)
        restored = np.empty(flat.shape, self.dtype)
        for rows in _row_chunks(flat):
            restored[rows] = self._unscale_rows(flat[rows])
        return restored

    def _unscale_rows(self, flat: np.ndarray) -> np.ndarray:
        values = np.clip(
            (flat.astype(np.float64) + 1.0) / 2.0 * self._span() + self.low, self.low, self.high
        )
        if self.dtype == np.bool_:
            # Casting would make every non-zero value True; the middle of [0, 1] splits.
            return values > 0.5
        if np.issubdtype(self.dtype, np.integer):
            values = np.clip(np.rint(values), *_castable_bounds(self.dtype))
        return values.astype(self.dtype, copy=False)


# Values a chunk of :meth:`PixelRange.scale` and :meth:`PixelRange.unscale` holds: their
# float64 working arrays are 8 MB each, not copies of the whole set (0.38 GB each for
# 60,000 images of 28x28).
_CHUNK_VALUES = 2**20


def _row_chunks(flat: np.ndarray) -> Iterator[slice]:
    """Slices of whole rows of ``flat`` of about ``_CHUNK_VALUES`` values each."""
    step = max(1, _CHUNK_VALUES // max(flat.shape[1], 1))
    for start in range(0, len(flat), step):
        yield slice(start, start + step)


class ScaledImages:
    """Network input that is scaled when it is read: a batch at a time, not the whole set.

    Holds the caller's array (uint8 images stay uint8) in the networks' layout;
    ``images[key]`` is ``pixel_range.scale(X)`` in that layout, indexed by ``key``,
    bit for bit (float32). A classifier's data loader reads its batches from it, so
    that training and prediction hold no float32 copy of the set (four times the size
    of uint8 images) and no float64 working copies. ``np.asarray(images)`` scales the
    whole set. The values are checked at prediction with
    :meth:`PixelRange.check_values`, not here.

    Parameters
    ----------
    X : ndarray
        Validated samples in the caller's layout (the fitted or the prediction input).
    layout : ImageLayout
        The fitted layout (to the networks' layout without a copy when possible).
    pixel_range : PixelRange
        The fitted value range.

    Examples
    --------
    >>> X = np.array([[[0, 8], [16, 4]]], dtype=np.uint8)  # one 2×2 image
    >>> layout = ImageLayout.from_array(X)
    >>> images = ScaledImages(X, layout, PixelRange.fit(X, layout))
    >>> images.shape, images[0].tolist()
    ((1, 1, 2, 2), [[[-1.0, 0.0], [1.0, -0.5]]])
    """

    dtype = np.dtype(np.float32)

    def __init__(self, X: np.ndarray, layout: ImageLayout, pixel_range: PixelRange):
        self.raw = layout.to_net(X)
        self.pixel_range = pixel_range

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the network input, ``(n, C, H, W)`` or ``(n, features)``."""
        return self.raw.shape

    @property
    def ndim(self) -> int:
        """Dimensions of the network input."""
        return self.raw.ndim

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, key) -> np.ndarray:
        return self.pixel_range._scaled(self.raw[key]).astype(np.float32)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if copy is False:
            raise ValueError("ScaledImages scales its values when read: it cannot be viewed.")
        scaled = self.pixel_range._scaled_copy(_flatten(self.raw)).reshape(self.shape)
        return scaled if dtype is None else scaled.astype(dtype, copy=False)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _describe(low: np.ndarray, high: np.ndarray, which: np.ndarray | None = None) -> str:
    """``[low, high]``, or for per-feature ranges the first offending features."""
    if low.ndim == 0:
        return f"[{float(low):.3g}, {float(high):.3g}]"
    features = np.flatnonzero(which if which is not None else np.ones(low.shape, bool))
    shown = ", ".join(f"feature {i}: [{low[i]:.3g}, {high[i]:.3g}]" for i in features[:3])
    more = f" and {len(features) - 3} more" if len(features) > 3 else ""
    return f"({shown}{more})"


def _warn_if_outlier_dominated(
    flat: np.ndarray, low: np.ndarray, high: np.ndarray, is_image: bool
) -> None:
    # Evenly spaced whole rows: every pixel position (or feature) stays represented, and
    # the exact min and max above already account for the rows left out.
    per_row = flat.shape[1] if is_image else 1
    step = max(1, len(flat) * per_row // MAX_SAMPLED_VALUES)
    sample = flat[::step]
    if is_image:
        sample = sample.reshape(-1)
    n = len(sample)
    if n < MIN_VALUES:
        return
    k_low = math.ceil(BULK_QUANTILES[0] * (n - 1))
    k_high = math.floor(BULK_QUANTILES[1] * (n - 1))
    bulk = np.partition(sample, [k_low, k_high], axis=0)
    bulk_low, bulk_high = bulk[k_low].astype(np.float64), bulk[k_high].astype(np.float64)
    width = bulk_high - bulk_low
    # A constant bulk carries no detail that the scaling could squeeze.
    dominated = (width > 0) & (high - low > OUTLIER_RATIO * width)
    if dominated.any():
        if is_image:
            outside = np.count_nonzero((sample < bulk_low) | (sample > bulk_high))
            found = (
                f"X's value range {_describe(low, high)} is dominated by a few outlying "
                f"values: all but {outside} of {n}{' sampled' if step > 1 else ''} values "
                f"lie in [{float(bulk_low):.3g}, {float(bulk_high):.3g}]"
            )
        else:
            found = (
                f"The value range of {_describe(low, high, dominated)} is dominated by a "
                "few outlying values: all but the extreme 0.1 % of its values lie in a range"
            )
        warnings.warn(
            f"{found}, less than 1/{OUTLIER_RATIO:.0f} of its width. The min/max scaling "
            "to [-1, 1] squeezes them into a sliver of it, so the networks barely see "
            "their differences. Clip or rescale X before fitting.",
            UserWarning,
            stacklevel=4,
        )


def _castable_bounds(dtype: np.dtype) -> tuple[float, float]:
    """The widest float64 interval whose rounded values cast to integer ``dtype`` safely.

    ``float(2**63 - 1)`` rounds up to ``2**63``, which int64 cannot hold.
    """
    info = np.iinfo(dtype)
    high = float(info.max)
    if int(high) > info.max:
        high = float(np.nextafter(high, 0.0))
    return float(info.min), high
