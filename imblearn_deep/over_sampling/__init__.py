"""Deep over-samplers."""

from ._deep_smote import DeepSMOTE

__all__ = ["DeepSMOTE"]
