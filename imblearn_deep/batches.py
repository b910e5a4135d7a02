"""Deprecated alias of the batch samplers' old place, kept for one release.

:class:`~imblearn_deep.classifiers.BalancedBatchSampler` is in
:mod:`imblearn_deep.classifiers`; the rest of this module is private now.
"""

from ._lazy import deprecated_aliases

__all__: list[str] = []

__getattr__ = deprecated_aliases(
    __name__,
    {
        "BalancedBatchSampler": "imblearn_deep.classifiers",
        "MergeLastBatchSampler": "imblearn_deep.classifiers._batches",
    },
)
