"""Resuming a recorded results folder recomputes no cell after a refactoring.

A cell is skipped on resume when its recorded ``config`` equals the fingerprint the
current code gives it (:func:`~imblearn_deep.comparison._cell.fingerprint`). The
fingerprints of every preset's cells, and of every method and classifier regime the
committed studies ran, are kept in ``data/fingerprints.json``, with a fixed stand-in for
the data's hash (the fingerprint takes it as it is). The studies' 400 were computed by
the code of commit 6ff2747, before the redesign of issue 26. A change of the code that
would change one (a moved class, a renamed or newly fingerprinted parameter, a new
default) fails here, before it silently reruns hours of recorded cells. Regenerate the
file only for a change meant to rerun them:
``IMBLEARN_DEEP_REGENERATE=1 pytest tests/test_fingerprints_stable.py``.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from imblearn_deep.comparison import Preset, get_preset
from imblearn_deep.comparison._cell import Cell, fingerprint
from imblearn_deep.datasets import DATASETS

GOLDEN = Path(__file__).parent / "data" / "fingerprints.json"
DATA_HASH = "recorded-data"


def _variants(preset: Preset) -> list:
    """The kinds of cells the committed studies recorded beside the presets' own."""
    from imblearn_deep import DeepSMOTE
    from imblearn_deep.experimental import JudgeFilter, PartialBalance

    deepsmote, bagangp = preset.sampler("deepsmote"), preset.sampler("bagangp")
    half = {"sampling_strategy": PartialBalance(0.5)}
    return [
        replace(
            bagangp, name="bagangp_cg", params={**bagangp.params, "latent_prior": "class_gaussian"}
        ),
        replace(deepsmote, name="half", params={**deepsmote.params, **half}),
        replace(deepsmote, name="residual", params={**deepsmote.params, "synthesis": "residual"}),
        replace(
            deepsmote,
            name="residual_half_logit",
            params={**deepsmote.params, "synthesis": "residual", **half},
            classifier_params={"loss": "logit_adjusted"},
        ),
        replace(deepsmote, name="weighted", classifier_params={"class_weight": "balanced"}),
        replace(
            deepsmote,
            name="long",
            params={
                **deepsmote.params,
                "max_steps": 3825,
                "lr_schedule": "cosine",
                "lr_warmup": 0.05,
            },
        ),
        replace(
            deepsmote,
            name="judged",
            estimator=JudgeFilter,
            # As it ran: the run set the threads (n_threads=None leaves them).
            params={"sampler": DeepSMOTE(**deepsmote.params, n_threads=None)},
        ),
    ]


def _cells() -> dict[str, Cell]:
    cells = {}
    for preset_name in ("fast", "paper"):
        for dataset in sorted(DATASETS):
            preset = get_preset(preset_name, dataset)
            samplers = list(preset.samplers)
            if preset_name == "fast" and dataset == "fashion_mnist":
                samplers += _variants(preset)
            for classifier in preset.classifiers:
                settings = [{}]
                if preset_name == "fast" and classifier.name in ("small_cnn", "resnet18"):
                    settings += [{"max_steps": 2500}, {"random_shift": 2, "random_flip": True}]
                for extra in settings:
                    spec = replace(classifier, params={**classifier.params, **extra})
                    for sampler in samplers:
                        names = (preset_name, dataset, sampler.name, classifier.name)
                        key = "|".join([*names, str(sorted(extra.items()))])
                        cells[key] = (Cell(sampler, spec, 0, dataset), preset.cv)
    return cells


def _study_cells() -> dict[str, tuple[Cell, int]]:
    """Every method of the variant study (``studies/deep_variants``), as it ran: each
    classifier regime of its folders, on the sets it ran on."""
    from studies.deep_variants.deep_variants import variants

    cells = {}
    regimes = (
        {},
        {"max_steps": 2500},
        {"random_shift": 2, "random_flip": True},
        {"max_steps": 2500, "random_shift": 2, "random_flip": True},
    )
    for dataset in ("fashion_mnist", "digits"):
        preset = get_preset("fast", dataset)
        for classifier in (preset.classifier("small_cnn"), preset.classifier("resnet18")):
            for extra in regimes:
                spec = replace(classifier, params={**classifier.params, **extra})
                for sampler in (*preset.samplers, *variants(preset)):
                    names = ("study", dataset, sampler.name, classifier.name)
                    key = "|".join([*names, str(sorted(extra.items()))])
                    cells[key] = (Cell(sampler, spec, 0, dataset), preset.cv)
    return cells


def _fingerprints() -> dict[str, str]:
    return {
        key: fingerprint(cell, folds, "auto", DATA_HASH)
        for key, (cell, folds) in sorted({**_cells(), **_study_cells()}.items())
    }


def test_every_recorded_kind_of_cell_keeps_its_fingerprint():
    found = _fingerprints()
    if os.environ.get("IMBLEARN_DEEP_REGENERATE"):
        GOLDEN.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    kept = json.loads(GOLDEN.read_text())
    changed = sorted(key for key in kept if found.get(key) != kept[key])
    assert not changed, f"{len(changed)} fingerprints changed, e.g. {changed[:3]}"
    assert len(kept) > 1000
