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
    "ClassifierSpec": ".grid",
    "FlattenSampler": "..over_sampling",
    "Interrupted": ".interrupts",
    "DataSize": ".grid",
    "Preset": ".grid",
    "ResultsStore": ".store",
    "SamplerSpec": ".grid",
    "Row": "._row",
    "average_ranks": ".stats",
    "check_row": "._row",
    "build_pipeline": ".cell",
    "export_balanced": ".export",
    "get_preset": ".grid",
    "merge_results": ".store",
    "paired_differences": ".stats",
    "paired_section": ".stats",
    "paired_table": ".stats",
    "rank_table": ".stats",
    "ranks_across_datasets": ".stats",
    "read_results": ".store",
    "save_sample_images": ".artifacts",
    "Execution": ".runner",
    "run_comparison": ".runner",
    "thesis_mesh": ".grid",
    "write_report": ".report",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
