"""Image layout and pixel-range round-trip shared by every estimator.

Estimators accept images as ``(n, C, H, W)`` or ``(n, H, W)`` arrays, or as flat
``(n, C*H*W)`` arrays together with ``image_shape=(C, H, W)``. Networks work on
float32 ``(n, C, H, W)`` tensors in ``[-1, 1]`` (the tanh range of the decoders);
:class:`ImageLayout` remembers how the caller's array looked so that outputs mirror it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

# Channel counts that identify a trailing channel axis in (n, H, W, C) arrays.
_CHANNEL_COUNTS = (1, 3, 4)


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


def _channel_last_hint(shape: tuple[int, ...]) -> str:
    return (
        f"X has shape {shape}, which looks channel-last (n, H, W, C). imblearn_deep expects "
        f"channel-first images (n, C, H, W), as torch does: pass X.transpose(0, 3, 1, 2)."
    )


def looks_channel_last(shape: tuple[int, ...]) -> bool:
    """Whether a 4-D shape is almost certainly ``(n, H, W, C)`` rather than ``(n, C, H, W)``."""
    return len(shape) == 4 and shape[-1] in _CHANNEL_COUNTS and shape[1] not in _CHANNEL_COUNTS


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

        Raises
        ------
        ValueError
            If ``X`` has an unsupported number of dimensions, looks channel-last, or its
            size disagrees with ``image_shape``.
        """
        shape = tuple(X.shape[1:])
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                f"X must be 2-D (n, features), 3-D (n, H, W) or 4-D (n, C, H, W); got "
                f"{X.ndim}-D with shape {X.shape}."
            )
        if X.ndim == 4 and looks_channel_last(X.shape):
            raise ValueError(_channel_last_hint(X.shape))
        if image_shape is not None:
            expected = check_image_shape(image_shape)
            matches = {
                2: math.prod(shape) == math.prod(expected),
                3: expected[0] == 1 and shape == expected[1:],
                4: shape == expected,
            }[X.ndim]
            if not matches:
                raise ValueError(
                    f"image_shape={tuple(image_shape)} does not match X: each sample has shape "
                    f"{shape} ({math.prod(shape)} values), image_shape (C, H, W)={expected} "
                    f"needs {math.prod(expected)} values."
                )
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


@dataclass(frozen=True)
class PixelRange:
    """Affine map between the caller's value range and the networks' ``[-1, 1]``.

    Images use one range over all pixels (a pixel is a pixel wherever it sits); tabular
    data use a range per feature, since features carry different units.

    Attributes
    ----------
    low, high : ndarray
        Smallest and largest value seen at fit time (scalars for images, per feature
        for tabular data).
    dtype : numpy.dtype
        The caller's dtype, restored on output (integers are rounded and clipped).
    """

    low: np.ndarray
    high: np.ndarray
    dtype: np.dtype

    @classmethod
    def fit(cls, X: np.ndarray, layout: ImageLayout) -> PixelRange:
        """Learn the value range of ``X`` (caller layout)."""
        flat = _flatten(X)
        if layout.is_image:
            low, high = np.asarray(flat.min(), np.float64), np.asarray(flat.max(), np.float64)
        else:
            low, high = flat.min(axis=0).astype(np.float64), flat.max(axis=0).astype(np.float64)
        return cls(low, high, X.dtype)

    def _span(self) -> np.ndarray:
        # A constant feature (or a blank image set) maps to 0 instead of dividing by zero.
        return np.where(self.high > self.low, self.high - self.low, 1.0)

    def scale(self, X: np.ndarray) -> np.ndarray:
        """Map caller values to float32 in ``[-1, 1]`` (values are flattened per sample)."""
        flat = _flatten(X).astype(np.float64)
        return (2.0 * (flat - self.low) / self._span() - 1.0).astype(np.float32)

    def unscale(self, Z: np.ndarray) -> np.ndarray:
        """Map network outputs back to the caller's range and dtype (flat per sample)."""
        flat = _flatten(Z).astype(np.float64)
        values = np.clip((flat + 1.0) / 2.0 * self._span() + self.low, self.low, self.high)
        if np.issubdtype(self.dtype, np.integer):
            values = np.rint(values)
        return values.astype(self.dtype, copy=False)
