"""Deprecated alias of the input augmentation's old place, kept for one release.

The augmentation is private now: :class:`~imblearn_deep.classifiers.CNNClassifier` applies
it through its ``random_shift`` and ``random_flip`` parameters.
"""

from ._lazy import deprecated_aliases

__all__: list[str] = []

__getattr__ = deprecated_aliases(
    __name__,
    {
        "check_augmentation": "imblearn_deep.classifiers._augmentation",
        "random_shift_flip": "imblearn_deep.classifiers._augmentation",
    },
)
