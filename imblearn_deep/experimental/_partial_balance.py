"""A multi-class ``sampling_strategy`` that closes only part of each class's gap."""

from __future__ import annotations

from numbers import Real

import numpy as np

__all__ = ["PartialBalance"]


class PartialBalance:
    """``sampling_strategy`` that brings each class a share of the way to the largest.

    imbalanced-learn's float ``sampling_strategy`` is for two classes only. A class with
    ``n`` samples, the largest having ``n_max``, is brought to
    ``n + round(ratio * (n_max - n))``: ``ratio=1`` is full balance (``"auto"``), ``0``
    adds nothing. Pass an instance as any over-sampler's ``sampling_strategy`` (it is
    called with ``y`` and returns the target count per class, as imbalanced-learn's
    callables do). It has ``get_params``, so that a comparison's fingerprint and a
    sampler's ``repr`` describe it by its ratio, and it pickles (parallel cells).

    Parameters
    ----------
    ratio : float
        Share of each class's gap to the largest class that is filled, in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep.experimental import PartialBalance
    >>> PartialBalance(0.5)(np.array([0] * 100 + [1] * 20 + [2] * 10))
    {0: 100, 1: 60, 2: 55}
    """

    def __init__(self, ratio: float):
        if not isinstance(ratio, Real) or not 0 <= ratio <= 1:
            raise ValueError(f"ratio must be a number in [0, 1]; got {ratio!r}.")
        self.ratio = ratio

    def get_params(self, deep: bool = False) -> dict:
        """The ratio, as ``{"ratio": ratio}``."""
        return {"ratio": self.ratio}

    def __call__(self, y) -> dict:
        labels, counts = np.unique(y, return_counts=True)
        largest = counts.max()
        return {
            label: int(n + round(self.ratio * (largest - n)))
            for label, n in zip(labels.tolist(), counts.tolist(), strict=True)
        }

    def __repr__(self) -> str:
        return f"PartialBalance({self.ratio!r})"
