"""Spatial plans: which convolutions take an image of a given size down and back up.

Both samplers' networks are stacks of 4×4 convolutions that halve the image
(stride 2, padding 1) and transposed convolutions that double it back. Sizes that are
not powers of two are handled exactly with ``output_padding``, so decoders return the
input's size without any interpolation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Size = tuple[int, int]


@dataclass(frozen=True)
class ConvStep:
    """One convolution of a plan: its input and output sizes and its geometry."""

    in_size: Size
    out_size: Size
    kernel: int
    stride: int
    padding: int
    output_padding: Size = (0, 0)


def downsampling_plan(height: int, width: int, max_layers: int = 4) -> list[ConvStep]:
    """Halving 4×4 convolutions, as many as the smaller side allows (at most ``max_layers``).

    A last step from 4×4 uses kernel 4, stride 1, no padding to reach 1×1, the geometry
    DeepSMOTE's code gives for 32×32 images (32→16→8→4→1).

    Examples
    --------
    >>> [s.out_size for s in downsampling_plan(28, 28)]
    [(14, 14), (7, 7), (3, 3), (1, 1)]
    >>> [s.out_size for s in downsampling_plan(32, 32)]
    [(16, 16), (8, 8), (4, 4), (1, 1)]
    """
    if min(height, width) < 2:
        raise ValueError(
            f"Images must be at least 2×2 pixels for the convolutional networks; got "
            f"{height}×{width}. Pass the data flat, without image_shape, to model it as tabular."
        )
    n_layers = min(max_layers, int(math.log2(min(height, width))))
    steps, size = [], (height, width)
    for index in range(n_layers):
        if index == n_layers - 1 and size == (4, 4) and n_layers == max_layers:
            steps.append(ConvStep(size, (1, 1), 4, 1, 0))
            break
        out = (size[0] // 2, size[1] // 2)
        steps.append(ConvStep(size, out, 4, 2, 1))
        size = out
    return steps


def mirrored_upsampling_plan(down: list[ConvStep]) -> list[ConvStep]:
    """The transposed-convolution plan that undoes ``down`` exactly, size for size.

    Examples
    --------
    >>> [s.out_size for s in mirrored_upsampling_plan(downsampling_plan(28, 28))]
    [(3, 3), (7, 7), (14, 14), (28, 28)]
    """
    up = []
    for step in reversed(down):
        if step.stride == 1:
            up.append(ConvStep(step.out_size, step.in_size, step.kernel, 1, step.padding))
            continue
        # A stride-2, kernel-4, padding-1 transposed conv doubles; odd sizes need one more row.
        extra = tuple(t - 2 * s for t, s in zip(step.in_size, step.out_size, strict=True))
        up.append(ConvStep(step.out_size, step.in_size, 4, 2, 1, extra))
    return up
