"""DeepSMOTE's encoder and decoder (Dablain, Krawczyk & Chawla, 2022).

For 28×28 images these are exactly the layers of the released code: four 4×4 stride-2
convolutions (64-128-256-512 channels, batch norm after all but the first, LeakyReLU 0.2)
and a linear head; the decoder maps the code to 512×7×7 and grows it 7→10→13→28 with
three transposed convolutions and a tanh. For 32×32 the encoder's last convolution is
4×4 stride 1 (32→16→8→4→1), as the authors' comments give it, and the decoder starts at
9×9 (9→12→15→32). The same decoder pattern serves every even size from 16 to 32 pixels;
other sizes (8×8 digits, 64×64, odd sizes) use a decoder that mirrors the encoder step for
step. Flat tabular input gets a two-layer perceptron of the same shape.
"""

from __future__ import annotations

from torch import nn

from ._blocks import conv_stack, transposed_stack
from ._plan import ConvStep, downsampling_plan, mirrored_upsampling_plan

__all__ = ["build_decoder", "build_encoder"]


def _leaky_relu() -> nn.Module:
    return nn.LeakyReLU(0.2)


def paper_upsampling_plan(height: int, width: int) -> list[ConvStep] | None:
    """The released decoder's geometry (k4 s1, k4 s1, k4 s2, no padding), if it fits.

    It turns ``s`` into ``2s + 14``, so it reaches even sizes from 16 to 32 from a start
    of 1 to 9 pixels; larger starts would make the linear layer needlessly huge.

    Examples
    --------
    >>> [s.out_size for s in paper_upsampling_plan(28, 28)]
    [(10, 10), (13, 13), (28, 28)]
    >>> paper_upsampling_plan(64, 64) is None
    True
    """
    if not all(size % 2 == 0 and 16 <= size <= 32 for size in (height, width)):
        return None
    start = ((height - 14) // 2, (width - 14) // 2)
    first = (start[0] + 3, start[1] + 3)
    second = (first[0] + 3, first[1] + 3)
    return [
        ConvStep(start, first, 4, 1, 0),
        ConvStep(first, second, 4, 1, 0),
        ConvStep(second, (height, width), 4, 2, 0),
    ]


def _encoder_widths(hidden_channels: int, n_layers: int) -> list[int]:
    return [hidden_channels * 2**i for i in range(n_layers)]


def build_encoder(input_shape: tuple[int, ...], latent_dim: int, hidden_channels: int = 64):
    """DeepSMOTE encoder for samples of ``input_shape`` (``(C, H, W)`` or ``(n_features,)``).

    Examples
    --------
    >>> import torch
    >>> build_encoder((1, 28, 28), 300)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 300])
    """
    if len(input_shape) == 1:
        return nn.Sequential(
            nn.Linear(input_shape[0], 4 * hidden_channels),
            _leaky_relu(),
            nn.Linear(4 * hidden_channels, latent_dim),
        )
    channels, height, width = input_shape
    steps = downsampling_plan(height, width)
    widths = _encoder_widths(hidden_channels, len(steps))
    out_h, out_w = steps[-1].out_size
    return nn.Sequential(
        conv_stack(
            steps,
            [channels, *widths],
            bias=False,
            norm=nn.BatchNorm2d,
            norm_first=False,
            activation=_leaky_relu,
        ),
        nn.Flatten(),
        nn.Linear(widths[-1] * out_h * out_w, latent_dim),
    )


def build_decoder(output_shape: tuple[int, ...], latent_dim: int, hidden_channels: int = 64):
    """DeepSMOTE decoder producing samples of ``output_shape`` in ``[-1, 1]``.

    Examples
    --------
    >>> import torch
    >>> build_decoder((3, 32, 32), 600)(torch.zeros(2, 600)).shape
    torch.Size([2, 3, 32, 32])
    >>> build_decoder((1, 8, 8), 16, 8)(torch.zeros(2, 16)).shape
    torch.Size([2, 1, 8, 8])
    """
    if len(output_shape) == 1:
        return nn.Sequential(
            nn.Linear(latent_dim, 4 * hidden_channels),
            nn.ReLU(),
            nn.Linear(4 * hidden_channels, output_shape[0]),
            nn.Tanh(),
        )
    channels, height, width = output_shape
    encoder_layers = len(downsampling_plan(height, width))
    steps = paper_upsampling_plan(height, width) or mirrored_upsampling_plan(
        downsampling_plan(height, width)
    )
    widths = [hidden_channels * 2 ** (encoder_layers - 1 - i) for i in range(len(steps))]
    start_h, start_w = steps[0].in_size
    return nn.Sequential(
        nn.Linear(latent_dim, widths[0] * start_h * start_w),
        nn.ReLU(),
        nn.Unflatten(1, (widths[0], start_h, start_w)),
        transposed_stack(steps, [*widths, channels], norm=nn.BatchNorm2d, activation=nn.ReLU),
    )
