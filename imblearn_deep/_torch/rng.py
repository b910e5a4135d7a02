"""Seeding torch from a scikit-learn ``random_state`` without moving the caller's RNG.

An estimator draws one seed from its ``random_state`` (:func:`draw_seed`) and trains
inside :func:`seeded`: torch's global stream is seeded for the block and given back as
it was afterwards, so that a seeded fit is reproducible and leaves the global torch,
numpy and ``random`` states alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state


def draw_seed(random_state) -> int:
    """Draw one int seed for torch from a ``random_state`` parameter.

    Examples
    --------
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def preserved_rng(device: torch.device) -> Iterator[None]:
    """Give torch's global RNG (the CPU's, and ``device``'s on CUDA) back as it was after
    the block: what the block draws does not move the caller's stream."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        yield


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch inside the block without touching the caller's global RNG state."""
    with preserved_rng(device):
        torch.manual_seed(seed)
        yield


def device_generator(device: torch.device) -> torch.Generator:
    """A generator on ``device`` seeded from torch's (seeded) global stream, so that
    shuffles and draws happen where the data live."""
    return torch.Generator(device=device).manual_seed(int(torch.randint(2**31, (1,))))
