"""Compare over-samplers for imbalanced images, leak-free.

One imblearn ``Pipeline(sampler, classifier)`` per sampler, tuned with ``GridSearchCV``
on stratified folds of the real training images (macro-F1 refit; balanced accuracy,
G-mean and accuracy recorded), scored on a held-out test set; every finished cell is
recorded durably (:class:`ResultsStore`); report tables and figures. The command line is
``imblearn-deep compare`` (and ``report``, ``merge``).
"""

from .._lazy import lazy_exports

# Public name -> the module that defines it, imported on first use (PEP 562) so that the
# command line's parser and ``--help`` do not pay for torch. Add a new public name here.
_EXPORTS = {
    # running a comparison
    "run_comparison": "._runner",
    "Execution": "._runner",
    "get_preset": "._presets",
    "thesis_mesh": "._presets",
    "DataSize": "._presets",
    "Preset": "._specs",
    "SamplerSpec": "._specs",
    "ClassifierSpec": "._specs",
    "build_pipeline": "._cell",
    "Interrupted": "._interrupts",
    # its results
    "ResultsStore": "._store",
    "read_results": "._store",
    "merge_results": "._store",
    "Row": "._row",
    "check_row": "._row",
    "write_report": "._report",
    "paired_differences": "._stats",
    "paired_table": "._stats",
    "paired_section": "._stats",
    "average_ranks": "._stats",
    "export_balanced": "._export",
}

# Names this package no longer offers, for one release (a DeprecationWarning says where).
_DEPRECATED = {
    "FlattenSampler": "imblearn_deep.over_sampling",
    "rank_table": "imblearn_deep.comparison._stats",
    "ranks_across_datasets": "imblearn_deep.comparison._stats",
    "save_sample_images": "imblearn_deep.comparison._artifacts",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), _DEPRECATED)
