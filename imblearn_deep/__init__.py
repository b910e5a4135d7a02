"""Deep oversampling of imbalanced image data for imbalanced-learn and scikit-learn.

The samplers (:class:`DeepSMOTE`, :class:`BAGANGP`) are imbalanced-learn over-samplers;
:class:`CNNClassifier` wraps torchvision CNNs as scikit-learn classifiers with skorch.
"""

from ._training import TrainingDivergedError
from .classifiers import CNNClassifier
from .over_sampling import BAGANGP, DeepSMOTE

__all__ = ["BAGANGP", "CNNClassifier", "DeepSMOTE", "TrainingDivergedError"]
__version__ = "0.1.0"
