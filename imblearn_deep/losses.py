"""Deprecated alias of the losses' old place, kept for one release.

:class:`~imblearn_deep.classifiers.LogitAdjustedLoss` and
:class:`~imblearn_deep.classifiers.DeferredReweighting` are in
:mod:`imblearn_deep.classifiers`; the rest of this module is private now.
"""

from ._lazy import deprecated_aliases

__all__: list[str] = []

__getattr__ = deprecated_aliases(
    __name__,
    {
        "DRW_BETA": "imblearn_deep.classifiers._losses",
        "DeferredReweighting": "imblearn_deep.classifiers",
        "LogitAdjustedLoss": "imblearn_deep.classifiers",
        "effective_number_weights": "imblearn_deep.classifiers._losses",
    },
)
