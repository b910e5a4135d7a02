"""Deep over-samplers."""

from ._bagan_gp import BAGANGP
from ._deep_smote import DeepSMOTE

__all__ = ["BAGANGP", "DeepSMOTE"]
