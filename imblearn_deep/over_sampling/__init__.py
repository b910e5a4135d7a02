"""Deep over-samplers, and a filter of their synthetic samples."""

from ._bagan_gp import BAGANGP
from ._deep_smote import DeepSMOTE
from ._judge_filter import JudgeFilter, default_judge

__all__ = ["BAGANGP", "DeepSMOTE", "JudgeFilter", "default_judge"]
