"""Classification networks for :class:`~imblearn_deep.classifiers.CNNClassifier`.

Every builder returns a plain :class:`torch.nn.Module` mapping float32 ``(n, C, H, W)``
images (``(n, n_features)`` rows for the MLP) to ``n_classes`` logits. The torchvision
models are built with ``weights=None`` and adapted to the data:

- the first convolution takes ``C`` input channels instead of 3;
- below 64 pixels (the smaller side) the stem keeps the resolution, as in the CIFAR
  versions of these networks: ResNet's first convolution becomes 3×3 stride 1 and its
  max-pool is dropped, EfficientNet's first convolution gets stride 1. The ResNets take
  ``stem="imagenet"`` or ``stem="cifar"`` to choose either stem at any size
  (``module__stem`` on the classifier): at 28×28 the ImageNet stem leaves a 7×7 map
  instead of 28×28, 14 times fewer training FLOPs for a ResNet-18, whose epoch took
  about 6 times less time on a CPU (``docs/benchmarks.md``);
- SqueezeNet's stem and pooling need at least 17×17 pixels, so smaller images are
  zero-padded (symmetrically, inside the module) up to 17×17; since the classifier maps
  pixels to ``[-1, 1]``, the padding has the mid-range value;
- the last layer has ``n_classes`` outputs.

torchvision is imported inside the builders, which keeps ``import imblearn_deep`` fast.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from os import PathLike

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["build_classifier"]

# Smaller side, in pixels, from which the ImageNet stems (stride-2 convolution, max-pool)
# are kept; below it they would throw away most of the image in the first layer.
IMAGENET_STEM_MIN_SIZE = 64
#: Valid ``stem`` values of the ResNet builders: ``"imagenet"`` (7×7 stride-2 convolution
#: and max-pool, torchvision's), ``"cifar"`` (3×3 stride-1 convolution, no max-pool: the
#: resolution is kept) and ``"auto"`` (``"cifar"`` below ``IMAGENET_STEM_MIN_SIZE``).
RESNET_STEMS = ("auto", "imagenet", "cifar")
# SqueezeNet 1.1 fails below this size: its last max-pool would get an empty input.
SQUEEZENET_MIN_SIZE = 17


class SmallCNN(nn.Module):
    """A few convolution blocks, global average pooling and a linear layer.

    Each block is a 3×3 convolution, batch norm and ReLU; all but the last are followed
    by a 2×2 max-pool as long as the map has at least 4 pixels on each side (8×8 digits
    go 8→4→2, 28×28 images 28→14→7). Fast enough for CPU work and tests.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)``.
    n_classes : int
        Number of outputs (logits).
    channels : sequence of int, default=(32, 64, 128)
        Output channels of each block.
    """

    def __init__(
        self, image_shape: Sequence[int], n_classes: int, channels: Sequence[int] = (32, 64, 128)
    ):
        super().__init__()
        in_channels, height, width = image_shape
        layers: list[nn.Module] = []
        widths = [in_channels, *channels]
        for index in range(len(channels)):
            layers += [
                nn.Conv2d(widths[index], widths[index + 1], 3, padding=1, bias=False),
                nn.BatchNorm2d(widths[index + 1]),
                nn.ReLU(inplace=True),
            ]
            # No pooling after the last block: global average pooling follows.
            if index < len(channels) - 1 and min(height, width) >= 4:
                layers.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(widths[-1], n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


class MLP(nn.Module):
    """Fully-connected network on flattened input: ``Linear``/``ReLU`` blocks, then logits.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, ``(n_features,)`` or ``(C, H, W)`` (flattened).
    n_classes : int
        Number of outputs (logits).
    hidden_units : sequence of int, default=(256, 128)
        Width of each hidden layer.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        n_classes: int,
        hidden_units: Sequence[int] = (256, 128),
        dropout: float = 0.0,
    ):
        super().__init__()
        widths = [math.prod(input_shape), *hidden_units]
        layers: list[nn.Module] = [nn.Flatten()]
        for index in range(len(hidden_units)):
            layers += [nn.Linear(widths[index], widths[index + 1]), nn.ReLU(inplace=True)]
            if dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(widths[-1], n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class PadToMinSize(nn.Module):
    """Zero-pad images symmetrically up to ``min_size`` pixels, then apply ``net``.

    Parameters
    ----------
    net : torch.nn.Module
        The wrapped network.
    min_size : int
        Smallest height and width ``net`` accepts.
    """

    def __init__(self, net: nn.Module, min_size: int):
        super().__init__()
        self.net = net
        self.min_size = min_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_h = max(self.min_size - x.shape[-2], 0)
        pad_w = max(self.min_size - x.shape[-1], 0)
        if pad_h or pad_w:
            x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return self.net(x)


def _conv_like(conv: nn.Conv2d, in_channels: int, **changes) -> nn.Conv2d:
    """A fresh convolution like ``conv`` with ``in_channels`` inputs and ``changes``."""
    settings = dict(
        out_channels=conv.out_channels,
        kernel_size=conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        bias=conv.bias is not None,
    )
    settings.update(changes)
    return nn.Conv2d(in_channels, **settings)


def _resnet(name: str) -> Callable[..., nn.Module]:
    def build(
        image_shape: Sequence[int], n_classes: int, stem: str = "auto", **options
    ) -> nn.Module:
        from torchvision import models

        if stem not in RESNET_STEMS:
            raise ValueError(f"Unknown ResNet stem {stem!r}; choose one of {list(RESNET_STEMS)}.")
        channels, height, width = image_shape
        if stem == "auto":
            stem = "cifar" if min(height, width) < IMAGENET_STEM_MIN_SIZE else "imagenet"
        model = getattr(models, name)(weights=None, num_classes=n_classes, **options)
        if stem == "cifar":
            model.conv1 = _conv_like(model.conv1, channels, kernel_size=3, stride=1, padding=1)
            model.maxpool = nn.Identity()
        elif channels != 3:
            model.conv1 = _conv_like(model.conv1, channels)
        return model

    build.__name__ = f"build_{name}"
    return build


def _efficientnet_b0(image_shape: Sequence[int], n_classes: int, **options) -> nn.Module:
    from torchvision import models

    channels, height, width = image_shape
    model = models.efficientnet_b0(weights=None, num_classes=n_classes, **options)
    stem = model.features[0][0]
    if min(height, width) < IMAGENET_STEM_MIN_SIZE:
        model.features[0][0] = _conv_like(stem, channels, stride=1)
    elif channels != 3:
        model.features[0][0] = _conv_like(stem, channels)
    return model


def _squeezenet1_1(image_shape: Sequence[int], n_classes: int, **options) -> nn.Module:
    from torchvision import models

    channels, height, width = image_shape
    model = models.squeezenet1_1(weights=None, num_classes=n_classes, **options)
    if channels != 3:
        model.features[0] = _conv_like(model.features[0], channels)
    return model


def _mlp(image_shape: Sequence[int], n_classes: int, **options) -> nn.Module:
    return MLP(image_shape, n_classes, **options)


def _small_cnn(image_shape: Sequence[int], n_classes: int, **options) -> nn.Module:
    return SmallCNN(image_shape, n_classes, **options)


BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "small_cnn": _small_cnn,
    "mlp": _mlp,
    "resnet18": _resnet("resnet18"),
    "resnet34": _resnet("resnet34"),
    "resnet50": _resnet("resnet50"),
    "squeezenet1_1": _squeezenet1_1,
    "efficientnet_b0": _efficientnet_b0,
}
#: Valid values of ``architecture``.
ARCHITECTURES: tuple[str, ...] = tuple(BUILDERS)


def build_classifier(
    architecture: str,
    image_shape: Sequence[int],
    n_classes: int,
    pretrained_weights: str | PathLike | None = None,
    **options,
) -> nn.Module:
    """Build a classification network that outputs ``n_classes`` logits.

    Parameters
    ----------
    architecture : str
        One of :data:`ARCHITECTURES`: ``"small_cnn"``, ``"mlp"``, ``"resnet18"``,
        ``"resnet34"``, ``"resnet50"``, ``"squeezenet1_1"`` or ``"efficientnet_b0"``.
    image_shape : tuple of int
        ``(C, H, W)`` of the images. ``"mlp"`` also accepts ``(n_features,)``.
    n_classes : int
        Number of classes (outputs).
    pretrained_weights : str or path-like, default=None
        A local file holding a ``state_dict`` for this architecture, e.g. torchvision's
        ImageNet weights saved with ``torch.save(model.state_dict(), path)``. Nothing is
        ever downloaded. Tensors whose name and shape match the built network are loaded
        (with ``weights_only=True``); the others, typically the first convolution when
        ``C != 3`` or the stem was adapted to small images and the last layer when
        ``n_classes != 1000``, keep their random initialisation, and a warning lists them.
    **options
        Passed to the underlying builder: the torchvision model function for torchvision
        architectures (e.g. ``dropout`` for EfficientNet), ``channels`` for
        :class:`SmallCNN`, ``hidden_units`` and ``dropout`` for :class:`MLP`. The
        ResNets also take ``stem``, one of :data:`RESNET_STEMS` (default ``"auto"``).

    Returns
    -------
    torch.nn.Module
        The network, in training mode, on the CPU.

    Raises
    ------
    ValueError
        If ``architecture`` is unknown, or ``image_shape`` is not ``(C, H, W)`` for a
        convolutional architecture.

    Examples
    --------
    >>> import torch
    >>> net = build_classifier("resnet18", (1, 8, 8), n_classes=10)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    >>> build_classifier("resnet18", (1, 28, 28), n_classes=10, stem="imagenet").conv1
    Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
    >>> net = build_classifier("squeezenet1_1", (1, 8, 8), n_classes=3)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 3])
    """
    if architecture not in BUILDERS:
        raise ValueError(
            f"Unknown architecture {architecture!r}; choose one of {list(ARCHITECTURES)}."
        )
    image_shape = tuple(int(s) for s in image_shape)
    if architecture != "mlp" and len(image_shape) != 3:
        raise ValueError(
            f"architecture={architecture!r} needs images: image_shape must be (C, H, W); got "
            f"{image_shape}. Only 'mlp' accepts flat (tabular) input."
        )
    net = BUILDERS[architecture](image_shape, n_classes, **options)
    if pretrained_weights is not None:
        load_matching_weights(net, pretrained_weights)
    if architecture == "squeezenet1_1" and min(image_shape[1:]) < SQUEEZENET_MIN_SIZE:
        # Wrapped after loading, so the state_dict names match torchvision's.
        net = PadToMinSize(net, SQUEEZENET_MIN_SIZE)
    return net


def load_matching_weights(net: nn.Module, path: str | PathLike) -> list[str]:
    """Load the tensors of a local ``state_dict`` file that fit ``net``.

    Parameters
    ----------
    net : torch.nn.Module
        The network to update in place.
    path : str or path-like
        File written by ``torch.save(state_dict, path)``.

    Returns
    -------
    list of str
        Names of ``net``'s tensors that kept their initial values (absent from the file
        or of another shape there).
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path!s} does not hold a state_dict (got {type(state).__name__}).")
    own = net.state_dict()
    # load_state_dict(strict=False) tolerates missing names but not shape mismatches,
    # so the replaced layers are filtered out here.
    matching = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not matching:
        raise ValueError(
            f"No tensor of {path!s} matches the network's names and shapes; is it a "
            "state_dict for this architecture?"
        )
    net.load_state_dict(matching, strict=False)
    skipped = [k for k in own if k not in matching]
    if skipped:
        warnings.warn(
            f"Loaded {len(matching)} tensors from {path!s}; {len(skipped)} keep their "
            f"initialisation (replaced or absent layers): {skipped}",
            UserWarning,
            stacklevel=3,
        )
    return skipped
