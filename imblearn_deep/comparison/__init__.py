"""Compare over-samplers for imbalanced images, leak-free.

One imblearn ``Pipeline(sampler, classifier)`` per sampler, tuned with ``GridSearchCV``
on stratified folds of the real training images (macro-F1 refit; balanced accuracy,
G-mean and accuracy recorded), scored on a held-out test set; report tables and figures.
The command line is ``imblearn-deep compare``.
"""

from .adapters import FlattenSampler
from .export import export_balanced
from .grid import ClassifierSpec, Preset, SamplerSpec, get_preset, thesis_mesh
from .report import write_report
from .runner import build_pipeline, read_results, run_comparison

__all__ = [
    "ClassifierSpec",
    "FlattenSampler",
    "Preset",
    "SamplerSpec",
    "build_pipeline",
    "export_balanced",
    "get_preset",
    "read_results",
    "run_comparison",
    "thesis_mesh",
    "write_report",
]
