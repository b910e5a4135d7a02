"""CNN classifiers for image data, as scikit-learn estimators built on skorch.

:class:`CNNClassifier` subclasses skorch's :class:`~skorch.classifier.NeuralNetClassifier`
(so skorch's grid names, callbacks and ``module__*``/``optimizer__*`` parameters work) and
adds what a scikit-learn classifier needs on top: input validation for image arrays,
pixel scaling, label encoding, a fixed label set across CV folds, local seeding, and
keyword-only parameters that ``clone`` and ``GridSearchCV`` handle.

Its remedies for imbalance that change the training rather than the data are here too:
:class:`BalancedBatchSampler` (every class an equal share of each mini-batch),
:class:`LogitAdjustedLoss` and :class:`DeferredReweighting` (long-tail losses).
"""

from .._lazy import deprecated_aliases
from ._batches import BalancedBatchSampler
from ._estimator import CNNClassifier
from ._losses import DeferredReweighting, LogitAdjustedLoss

__all__ = ["BalancedBatchSampler", "CNNClassifier", "DeferredReweighting", "LogitAdjustedLoss"]

# Pickles of classifiers fitted with a validation split when this package was one module
# name the scoring function of their ``valid_f1`` callback here: they load for one release.
__getattr__ = deprecated_aliases(__name__, {"_valid_f1_macro": "imblearn_deep.classifiers._fit"})
