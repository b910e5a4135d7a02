"""BAGAN-GP's networks (Huang & Jafari, 2021), sized to the input images.

The reference works at 64×64: an encoder of four 4×4 stride-2 convolutions (64-128-128-256
channels, LeakyReLU 0.2, no normalisation) and a dense 128-d code; a decoder that mirrors
it with batch norm (Keras defaults: momentum 0.99, epsilon 1e-3) and a tanh; a generator
that multiplies the noise by a learnt class embedding before decoding; a discriminator
with the encoder's convolutions whose features are multiplied by an embedded label.
Here the number of halving convolutions follows the image size (see
:func:`~imblearn_deep.nets._plan.downsampling_plan`), so 64×64 gives the reference's layers.
"""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import conv_stack, transposed_stack
from ._plan import downsampling_plan, mirrored_upsampling_plan

__all__ = ["SupervisedAutoencoder", "build_decoder", "build_encoder"]

LABEL_EMBEDDING_DIM = 512  # discriminator's label path, as in the reference


def _leaky_relu() -> nn.Module:
    return nn.LeakyReLU(0.2)


def _keras_batch_norm(num_features: int) -> nn.Module:
    return nn.BatchNorm2d(num_features, momentum=0.01, eps=1e-3)


def _widths(hidden_channels: int, n_layers: int) -> list[int]:
    return [hidden_channels, 2 * hidden_channels, 2 * hidden_channels, 4 * hidden_channels][
        :n_layers
    ]


def build_features(input_shape: tuple[int, ...], hidden_channels: int = 64):
    """The convolutional trunk shared by the encoder and the discriminator.

    Returns
    -------
    module : nn.Sequential
        Maps a batch of samples to flat feature vectors.
    n_features : int
        Length of those vectors.
    """
    if len(input_shape) == 1:
        width = 4 * hidden_channels
        return nn.Sequential(nn.Linear(input_shape[0], width), _leaky_relu()), width
    channels, height, width = input_shape
    steps = downsampling_plan(height, width)
    widths = _widths(hidden_channels, len(steps))
    out_h, out_w = steps[-1].out_size
    trunk = conv_stack(
        steps, [channels, *widths], bias=True, norm=None, norm_first=False, activation=_leaky_relu
    )
    return nn.Sequential(trunk, nn.Flatten()), widths[-1] * out_h * out_w


def build_encoder(input_shape: tuple[int, ...], latent_dim: int = 128, hidden_channels: int = 64):
    """BAGAN-GP encoder: trunk, dense code, LeakyReLU (as the reference).

    Examples
    --------
    >>> build_encoder((1, 64, 64))(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 128])
    """
    features, n_features = build_features(input_shape, hidden_channels)
    return _init(nn.Sequential(features, nn.Linear(n_features, latent_dim), _leaky_relu()))


def build_decoder(output_shape: tuple[int, ...], latent_dim: int = 128, hidden_channels: int = 64):
    """BAGAN-GP decoder (the generator's body): dense, then transposed convolutions.

    Examples
    --------
    >>> build_decoder((3, 28, 28), 32, 8)(torch.zeros(2, 32)).shape
    torch.Size([2, 3, 28, 28])
    """
    if len(output_shape) == 1:
        width = 4 * hidden_channels
        return _init(
            nn.Sequential(
                nn.Linear(latent_dim, width),
                _leaky_relu(),
                nn.Linear(width, output_shape[0]),
                nn.Tanh(),
            )
        )
    channels, height, width = output_shape
    down = downsampling_plan(height, width)
    widths = _widths(hidden_channels, len(down))[::-1]
    start_h, start_w = down[-1].out_size
    return _init(
        nn.Sequential(
            nn.Linear(latent_dim, widths[0] * start_h * start_w),
            _leaky_relu(),
            nn.Unflatten(1, (widths[0], start_h, start_w)),
            transposed_stack(
                mirrored_upsampling_plan(down),
                [*widths, channels],
                norm=_keras_batch_norm,
                activation=_leaky_relu,
            ),
        )
    )


class ConditionalGenerator(nn.Module):
    """``G(z, y) = decoder(z ⊙ embedding[y])``: the class embedding gates the code."""

    def __init__(self, decoder: nn.Module, n_classes: int, latent_dim: int):
        super().__init__()
        self.embedding = _init(nn.Embedding(n_classes, latent_dim))
        self.decoder = decoder

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(z * self.embedding(y))


class SupervisedAutoencoder(nn.Module):
    """Stage 1 of BAGAN-GP: ``generator(encoder(x), y)`` reconstructs ``x``."""

    def __init__(self, encoder: nn.Module, generator: ConditionalGenerator):
        super().__init__()
        self.encoder, self.generator = encoder, generator

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.generator(self.encoder(x), y)


class ConditionalDiscriminator(nn.Module):
    """Real/fake logit for ``(x, y)``: image features multiplied by an embedded label.

    Examples
    --------
    >>> d = ConditionalDiscriminator((1, 8, 8), n_classes=3, hidden_channels=8)
    >>> d(torch.zeros(4, 1, 8, 8), torch.tensor([0, 1, 2, 0])).shape
    torch.Size([4])
    """

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, hidden_channels: int = 64):
        super().__init__()
        self.features, n_features = build_features(input_shape, hidden_channels)
        self.label_path = nn.Sequential(
            nn.Embedding(n_classes, LABEL_EMBEDDING_DIM),
            nn.Linear(LABEL_EMBEDDING_DIM, n_features),
            _leaky_relu(),
        )
        self.head = nn.Sequential(nn.Linear(n_features, 512), nn.Linear(512, 1))
        _init(self)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x) * self.label_path(y)).squeeze(1)


def _init(module: nn.Module) -> nn.Module:
    """Keras initialisers of the reference: N(0, 0.02) convolutions, Glorot dense layers,
    U(-0.05, 0.05) embeddings."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.Embedding):
            nn.init.uniform_(layer.weight, -0.05, 0.05)
    return module
