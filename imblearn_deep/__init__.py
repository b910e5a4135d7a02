"""Deep oversampling of imbalanced image data for imbalanced-learn and scikit-learn.

The samplers (:class:`DeepSMOTE`, :class:`BAGANGP`, :class:`LatentDiffusion`) are
imbalanced-learn over-samplers;
:class:`CNNClassifier` wraps torchvision CNNs as scikit-learn classifiers with skorch.
"""

from ._lazy import lazy_exports

__version__ = "0.1.0"

# Public name -> the module that defines it. Imported on first use (PEP 562), so that
# ``import imblearn_deep`` and ``imblearn-deep --help`` do not pay for torch.
# Add a new public name here only.
_EXPORTS = {
    "BAGANGP": ".over_sampling",
    "BalancedBatchSampler": ".classifiers",
    "CNNClassifier": ".classifiers",
    "DeepSMOTE": ".over_sampling",
    "FlattenSampler": ".over_sampling",
    "LatentDiffusion": ".over_sampling",
    "LongFitWarning": "._torch.long_fit",
    "TrainingDivergedError": "._torch.loop",
    "show_versions": "._show_versions",
}

# Former public names -> the module that exports them now; they warn for one release.
_DEPRECATED = {"JudgeFilter": "imblearn_deep.experimental"}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), _DEPRECATED)
