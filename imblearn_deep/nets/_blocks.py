"""Layer stacks built from a spatial plan; shared by the DeepSMOTE and BAGAN-GP networks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from torch import nn

from ._plan import ConvStep


def conv_stack(
    steps: Sequence[ConvStep],
    channels: Sequence[int],
    *,
    bias: bool,
    norm: Callable[[int], nn.Module] | None,
    norm_first: bool,
    activation: Callable[[], nn.Module],
) -> nn.Sequential:
    """Convolutions following ``steps``; ``channels`` lists input then each output width.

    ``norm_first=False`` leaves the first layer unnormalised (the DCGAN convention).
    """
    layers: list[nn.Module] = []
    for index, step in enumerate(steps):
        layers.append(
            nn.Conv2d(
                channels[index],
                channels[index + 1],
                step.kernel,
                step.stride,
                step.padding,
                bias=bias,
            )
        )
        if norm is not None and (index > 0 or norm_first):
            layers.append(norm(channels[index + 1]))
        layers.append(activation())
    return nn.Sequential(*layers)


def transposed_stack(
    steps: Sequence[ConvStep],
    channels: Sequence[int],
    *,
    norm: Callable[[int], nn.Module],
    activation: Callable[[], nn.Module],
) -> nn.Sequential:
    """Transposed convolutions following ``steps``, ending in ``tanh`` (no norm on the last)."""
    layers: list[nn.Module] = []
    for index, step in enumerate(steps):
        layers.append(
            nn.ConvTranspose2d(
                channels[index],
                channels[index + 1],
                step.kernel,
                step.stride,
                step.padding,
                output_padding=step.output_padding,
            )
        )
        last = index == len(steps) - 1
        layers.extend([nn.Tanh()] if last else [norm(channels[index + 1]), activation()])
    return nn.Sequential(*layers)
