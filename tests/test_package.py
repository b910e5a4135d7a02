"""Package hygiene: every docstring example runs, and imports stay light."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

# Each module with docstring examples, and how many examples it has at least.
MODULES_WITH_EXAMPLES = {
    "imblearn_deep._images": 1,
    "imblearn_deep._channel_order": 2,
    "imblearn_deep._lazy": 2,
    "imblearn_deep._torch.devices": 1,
    "imblearn_deep._torch.loop": 1,
    "imblearn_deep._torch.rng": 1,
    "imblearn_deep._fit_tasks": 1,
    "imblearn_deep.classifiers._skorch_loop": 1,
    "imblearn_deep.classifiers._batches": 2,
    "imblearn_deep.classifiers._losses": 3,
    "imblearn_deep.classifiers._augmentation": 2,
    "imblearn_deep._schedules": 5,
    "imblearn_deep._show_versions": 1,
    "imblearn_deep.nets._plan": 1,
    "imblearn_deep.nets.deep_smote": 1,
    "imblearn_deep.nets.bagan": 1,
    "imblearn_deep.nets.classifiers": 2,
    "imblearn_deep.over_sampling._latent_smote": 1,
    "imblearn_deep.over_sampling._deep_smote": 1,
    "imblearn_deep.over_sampling._autoencoder": 1,
    "imblearn_deep.over_sampling._latent_diffusion": 2,
    "imblearn_deep.over_sampling._code_diffusion": 1,
    "imblearn_deep.nets.denoiser": 2,
    "imblearn_deep._torch.long_fit": 1,
    "imblearn_deep._durations": 1,
    "imblearn_deep.over_sampling._bagan_gp": 1,
    "imblearn_deep.over_sampling._gan_epoch": 1,
    "imblearn_deep.over_sampling._flatten": 1,
    "imblearn_deep.experimental._partial_balance": 1,
    "imblearn_deep.classifiers._estimator": 2,
    "imblearn_deep.classifiers._data": 2,
    "imblearn_deep.datasets": 3,
    "imblearn_deep.datasets._loaders": 4,
    "imblearn_deep.datasets._imbalance": 3,
    "imblearn_deep.metrics": 3,
    "imblearn_deep.metrics._quality": 5,
    "imblearn_deep.comparison._artifacts": 1,
    "imblearn_deep.comparison._presets": 8,
    "imblearn_deep.comparison._specs": 15,
    "imblearn_deep.datasets._folder": 1,
    "imblearn_deep.comparison._provenance": 3,
    "imblearn_deep.comparison._runner": 1,
    "imblearn_deep.comparison._store": 8,
    "imblearn_deep.comparison._row": 4,
    "imblearn_deep.comparison._confine": 2,
    "imblearn_deep.comparison._tables": 7,
    "imblearn_deep.comparison._figures": 2,
    "imblearn_deep.comparison._cell": 10,
    "imblearn_deep.comparison._estimate": 10,
    "imblearn_deep.comparison._interrupts": 3,
    "imblearn_deep.comparison._quality": 3,
    "imblearn_deep.comparison._report": 3,
    "imblearn_deep.comparison._stats": 6,
    "imblearn_deep.comparison._cli": 1,
}


@pytest.mark.parametrize("module", sorted(MODULES_WITH_EXAMPLES))
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    # Keep the dataset loaders' default root away from the real home directory.
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= MODULES_WITH_EXAMPLES[module]
    assert result.failed == 0


@pytest.mark.parametrize(
    "module", ["imblearn_deep", "imblearn_deep.classifiers", "imblearn_deep.datasets"]
)
def test_import_does_not_load_torchvision(module):
    code = f"import sys, {module}; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
