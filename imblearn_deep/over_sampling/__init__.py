"""Deep over-samplers, a filter of their synthetic samples, and a partial-balance strategy."""

from ._bagan_gp import BAGANGP
from ._deep_smote import DeepSMOTE
from ._judge_filter import JudgeFilter, default_judge
from ._partial_balance import PartialBalance

__all__ = ["BAGANGP", "DeepSMOTE", "JudgeFilter", "PartialBalance", "default_judge"]
