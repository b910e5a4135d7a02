"""Research aids, without the stability promise of the rest of the package.

:class:`JudgeFilter` (with its :func:`default_judge`) filters a deep over-sampler's
synthetic samples with a classifier of the real data; :class:`PartialBalance` is a
``sampling_strategy`` that closes only part of each class's gap. They served experiments
whose published results found that they changed nothing, and stay so that those
experiments can be rerun. Their names, parameters and behaviour may change, or they may
go, in any release, without a deprecation period.
"""

from ._judge_filter import JudgeFilter, default_judge
from ._partial_balance import PartialBalance

__all__ = ["JudgeFilter", "PartialBalance", "default_judge"]
