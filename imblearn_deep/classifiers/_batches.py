"""Batch samplers for training torch networks on imbalanced labels.

:class:`BalancedBatchSampler` balances the classes inside every mini-batch, the
PyTorch counterpart of imbalanced-learn's Keras/TensorFlow balanced batch generators:
a ``batch_sampler`` for :class:`torch.utils.data.DataLoader` (and skorch's training
iterator) that over-samples the rare classes on the fly instead of materialising a
resampled copy of the data. :class:`MergeLastBatchSampler` is the plain loader's batching
without a trailing batch of one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Integral

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from torch.utils.data import Sampler

from .._torch.rng import draw_seed

__all__ = ["BalancedBatchSampler", "MergeLastBatchSampler"]

# Tags that keep the class-order, per-class walk and shuffle streams of one seed apart.
_ORDER_STREAM, _WALK_STREAM, _SHUFFLE_STREAM = 0, 1, 2


class MergeLastBatchSampler(Sampler[list[int]]):
    """Batches of ``batch_size`` indices where a last batch of one joins the one before.

    BatchNorm cannot normalise a single sample in training mode, and dropping it (the
    ``drop_last`` remedy) would silently ignore training data, so the straggler is merged.

    Examples
    --------
    >>> from torch.utils.data import SequentialSampler
    >>> list(MergeLastBatchSampler(SequentialSampler(range(5)), batch_size=2))
    [[0, 1], [2, 3, 4]]
    """

    def __init__(self, sampler: Sampler[int], batch_size: int, drop_last: bool = False):
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        pending: list[int] | None = None
        batch: list[int] = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                if pending is not None:
                    yield pending
                pending, batch = batch, []
        if batch and not self.drop_last:
            if len(batch) == 1 and pending is not None:
                pending, batch = pending + batch, []
            else:
                if pending is not None:
                    yield pending
                pending, batch = batch, []
        if pending is not None:
            yield pending

    def __len__(self) -> int:
        full, rest = divmod(len(self.sampler), self.batch_size)
        if self.drop_last or rest == 0 or (rest == 1 and full > 0):
            return full
        return full + 1


class BalancedBatchSampler(Sampler[list[int]]):
    """Mini-batches of indices in which every class has an equal share.

    A ``batch_sampler`` for :class:`torch.utils.data.DataLoader`: each batch holds
    ``batch_size`` indices into ``y`` with ``batch_size // n_classes`` samples of every
    class, and the ``batch_size % n_classes`` remaining slots go to different classes in
    turn (in a seeded class order), so every batch has ``⌊batch_size / n_classes⌋`` or
    ``⌈batch_size / n_classes⌉`` samples of each class and a class's total over an epoch
    differs from any other's by at most one. Rare classes are thereby over-sampled inside
    the batches, without a resampled copy of the data.

    Within a class, samples are drawn by walking through random permutations of the
    class's indices, so no sample repeats before every sample of its class has been
    drawn (a walk, not independent draws with replacement). An epoch that draws at least
    a class's count starts a new walk, so it holds every sample of that class; an epoch
    that draws fewer continues the walk of the previous epoch, so every sample is drawn
    within ``⌈count / drawn per epoch⌉`` epochs.

    Every batch is full (there is no short last batch, hence never a batch of one, which
    BatchNorm cannot train on). Batches are shuffled internally.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels of the dataset the loader reads, in its order.

    batch_size : int, default=64
        Indices per batch (at least 2).

    epoch_size : {"dataset", "oversample"} or int, default="dataset"
        Samples per epoch, rounded up to whole batches. ``"dataset"``: ``n_samples``, so
        an epoch costs what a plain loader's does and the majority classes are covered
        over several epochs. ``"oversample"``: ``n_classes`` times the largest class
        count, what random over-sampling to the majority trains on per epoch, so every
        sample is drawn every epoch. An int: that many samples.

    random_state : int, RandomState instance or None, default=None
        Seeds the class order, the walks and the shuffles; the same seed gives the same
        batches. Nothing global is re-seeded: only ``None`` (numpy's global
        ``RandomState``, scikit-learn's convention) draws from a global generator.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.

    class_counts_ : ndarray of shape (n_classes,)
        Samples of each class in ``y``.

    epoch : int
        The epoch the next iteration yields. Each iteration advances it by one, so a
        loader that is iterated once per epoch (as skorch's is) sees a new order every
        epoch; :meth:`set_epoch` selects an epoch explicitly.

    See Also
    --------
    imblearn_deep.CNNClassifier : Trains on balanced batches with ``balanced_batches=True``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> sampler = BalancedBatchSampler(y, batch_size=4, random_state=0)
    >>> len(sampler)
    3
    >>> [np.bincount(y[batch]).tolist() for batch in sampler]
    [[2, 2], [2, 2], [2, 2]]
    >>> sampler.epoch
    1
    """

    def __init__(
        self,
        y,
        *,
        batch_size: int = 64,
        epoch_size: str | int = "dataset",
        random_state=None,
    ):
        y = np.asarray(y)
        if y.ndim != 1 or len(y) == 0:
            raise ValueError(f"y must be a non-empty 1-D array of labels; got shape {y.shape}.")
        check_classification_targets(y)
        if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) or batch_size < 2:
            raise ValueError(
                f"batch_size must be an integer of at least 2 (BatchNorm cannot train on a "
                f"batch of one); got {batch_size!r}."
            )
        self.classes_, codes, self.class_counts_ = np.unique(
            y, return_inverse=True, return_counts=True
        )
        self.batch_size = int(batch_size)
        n_samples = self._epoch_samples(epoch_size, len(y))
        self._members = [np.flatnonzero(codes == c) for c in range(len(self.classes_))]
        self._seed = draw_seed(random_state)
        self._slots = self._class_slots(math.ceil(n_samples / self.batch_size))
        self._drawn = np.bincount(self._slots.ravel(), minlength=len(self.classes_))
        self.epoch = 0

    def _epoch_samples(self, epoch_size, n_samples: int) -> int:
        if isinstance(epoch_size, str) and epoch_size == "dataset":
            return n_samples
        if isinstance(epoch_size, str) and epoch_size == "oversample":
            return len(self.classes_) * int(self.class_counts_.max())
        if isinstance(epoch_size, Integral) and not isinstance(epoch_size, bool) and epoch_size > 0:
            return int(epoch_size)
        raise ValueError(
            f"epoch_size must be 'dataset', 'oversample' or a positive integer; got {epoch_size!r}."
        )

    def _class_slots(self, n_batches: int) -> np.ndarray:
        """The class of every slot of every batch, ``(n_batches, batch_size)``.

        The same in every epoch: only which samples fill the slots changes.
        """
        n_classes = len(self.classes_)
        share, extra = divmod(self.batch_size, n_classes)
        order = np.random.default_rng([self._seed, _ORDER_STREAM]).permutation(n_classes)
        # The extra slots go round the classes in `order`, continuing from batch to batch.
        turns = (np.arange(n_batches)[:, None] * extra + np.arange(extra)) % n_classes
        even = np.tile(np.repeat(np.arange(n_classes), share), (n_batches, 1))
        return np.hstack([even, order[turns]])

    def _walk(self, code: int, epoch: int) -> np.ndarray:
        """Class ``code``'s indices for ``epoch``: the epoch's stretch of its walk."""
        members, drawn = self._members[code], int(self._drawn[code])
        count = len(members)
        if drawn == 0:  # fewer slots per batch than classes, and none for this one
            return members[:0]
        # An epoch drawing the whole class starts at a permutation boundary, so it
        # holds every sample; a shorter one carries on where the last epoch stopped.
        stride = math.ceil(drawn / count) * count if drawn >= count else drawn
        start = epoch * stride
        first, last = start // count, (start + drawn - 1) // count
        walk = np.concatenate(
            [
                members[
                    np.random.default_rng([self._seed, _WALK_STREAM, code, k]).permutation(count)
                ]
                for k in range(first, last + 1)
            ]
        )
        offset = start - first * count
        return walk[offset : offset + drawn]

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration yield the batches of ``epoch`` (from 0).

        Parameters
        ----------
        epoch : int
            The epoch number; the same seed and epoch give the same batches.
        """
        if not isinstance(epoch, Integral) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative integer; got {epoch!r}.")
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[list[int]]:
        epoch = self.epoch
        self.epoch += 1
        batches = np.empty(self._slots.shape, dtype=np.int64)
        for code in range(len(self.classes_)):
            # Boolean assignment fills the slots in row-major order: batch by batch.
            batches[self._slots == code] = self._walk(code, epoch)
        shuffle = np.random.default_rng([self._seed, _SHUFFLE_STREAM, epoch])
        yield from shuffle.permuted(batches, axis=1).tolist()

    def __len__(self) -> int:
        return len(self._slots)
