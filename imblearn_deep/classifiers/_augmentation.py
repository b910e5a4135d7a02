"""Random shifts and mirror images of training batches, for :class:`CNNClassifier`.

The standard input augmentation of small-image classification (a random crop of a
padded image, and a horizontal flip: He et al. 2016, §4.2, on CIFAR-10), applied to each
training mini-batch as the network receives it. It is the fair competitor of an
over-sampler: both show the classifier images it has not seen, and only the over-sampler
needs a generative model to do so.

The draws come from torch's global RNG, which :class:`~imblearn_deep.CNNClassifier`
seeds locally from ``random_state`` for the length of a fit: a seeded fit is
reproducible and the caller's RNG state is left as it was.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["check_augmentation", "random_shift_flip"]


def check_augmentation(shift: int, image_size: tuple[int, int]) -> None:
    """Raise ``ValueError`` when a shift of ``shift`` pixels cannot apply to the images.

    Parameters
    ----------
    shift : int
        The largest shift, in pixels, in each direction.
    image_size : tuple of int
        Height and width of the images.

    Examples
    --------
    >>> check_augmentation(2, (28, 28))
    >>> check_augmentation(8, (8, 8))
    Traceback (most recent call last):
    ...
    ValueError: random_shift=8 must be smaller than the images' height and width (8, 8).
    """
    if shift >= min(image_size):
        raise ValueError(
            f"random_shift={shift} must be smaller than the images' height and width "
            f"{tuple(image_size)}."
        )


def random_shift_flip(images: torch.Tensor, *, shift: int = 0, flip: bool = False) -> torch.Tensor:
    """Shift each image by up to ``shift`` pixels and mirror half of them, at random.

    Each image is padded by ``shift`` pixels on every side, repeating its edge pixels
    (which keeps the background whatever the pixel scaling), and cropped back to its size
    at an offset drawn uniformly from ``[0, 2·shift]`` in each direction. With ``flip``,
    each image is then mirrored left-right with probability 1/2. ``shift=0`` and
    ``flip=False`` return ``images`` itself and draw nothing.

    Parameters
    ----------
    images : torch.Tensor of shape (n, C, H, W)
        A batch of floating-point images.
    shift : int, default=0
        The largest shift, in pixels, in each direction; smaller than ``H`` and ``W``.
    flip : bool, default=False
        Mirror each image left-right with probability 1/2 (for data whose classes do not
        depend on the direction: clothes, objects; not digits or letters).

    Returns
    -------
    torch.Tensor of shape (n, C, H, W)
        The augmented batch, on the device and of the dtype of ``images``.

    Examples
    --------
    >>> import torch
    >>> images = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> _ = torch.manual_seed(0)
    >>> random_shift_flip(images, shift=1, flip=True).shape
    torch.Size([1, 1, 4, 4])
    >>> random_shift_flip(images) is images
    True
    """
    if images.ndim != 4:
        raise ValueError(
            f"random_shift_flip takes a batch of shape (n, C, H, W); got shape "
            f"{tuple(images.shape)}."
        )
    n, channels, height, width = images.shape
    out = images
    if shift:
        check_augmentation(shift, (height, width))
        padded = F.pad(images, (shift, shift, shift, shift), mode="replicate")
        # Drawn on the CPU, so that a seeded fit draws the same offsets on any device.
        offsets = torch.randint(0, 2 * shift + 1, (2, n)).to(images.device)
        rows = offsets[0, :, None] + torch.arange(height, device=images.device)
        cols = offsets[1, :, None] + torch.arange(width, device=images.device)
        out = padded[
            torch.arange(n, device=images.device)[:, None, None, None],
            torch.arange(channels, device=images.device)[None, :, None, None],
            rows[:, None, :, None],
            cols[:, None, None, :],
        ]
    if flip:
        mirrored = (torch.rand(n) < 0.5).to(images.device)
        out = torch.where(mirrored[:, None, None, None], out.flip(-1), out)
    return out
