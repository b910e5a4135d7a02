"""Names that moved: the research aids to ``experimental``, ``FlattenSampler`` to the samplers.

The old names still give the same objects for one release, with a ``DeprecationWarning``
that names the new place; they are no longer listed in ``__all__``.
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE

import imblearn_deep
from imblearn_deep import experimental, over_sampling
from imblearn_deep.datasets import load_digits_images, make_imbalanced

DEPRECATED = [
    ("imblearn_deep", "JudgeFilter"),
    ("imblearn_deep.over_sampling", "JudgeFilter"),
    ("imblearn_deep.over_sampling", "PartialBalance"),
    ("imblearn_deep.over_sampling", "default_judge"),
]


@pytest.mark.parametrize(("module", "name"), DEPRECATED)
def test_old_name_warns_and_gives_the_moved_object(module, name):
    package = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"use imblearn_deep.experimental.{name} instead"):
        value = getattr(package, name)
    assert value is getattr(experimental, name)
    assert name not in package.__all__
    assert name not in dir(package)


@pytest.mark.parametrize(("module", "name"), DEPRECATED)
def test_from_import_of_an_old_name_warns_at_the_importing_line(module, name):
    code = f"from {module} import {name}"
    out = subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"<string>:1: DeprecationWarning: {module}.{name} is deprecated" in out.stderr


def test_experimental_lists_the_research_aids():
    assert experimental.__all__ == ["JudgeFilter", "PartialBalance", "default_judge"]
    assert "stability" in experimental.__doc__
    assert experimental.JudgeFilter._recorded_per_class == ("acceptance_rate", "n_completed")


def test_flatten_sampler_lives_with_the_samplers():
    with pytest.warns(DeprecationWarning, match="use imblearn_deep.over_sampling.FlattenSampler"):
        from imblearn_deep.comparison import FlattenSampler

    assert FlattenSampler is over_sampling.FlattenSampler is imblearn_deep.FlattenSampler
    assert "FlattenSampler" in over_sampling.__all__ and "FlattenSampler" in imblearn_deep.__all__
    assert FlattenSampler._behaviour_version == 2


def test_a_fitted_flatten_sampler_pickles():
    X, y = load_digits_images()
    X, y = make_imbalanced(X[y < 2], y[y < 2], {0: 30, 1: 8}, random_state=0)
    sampler = over_sampling.FlattenSampler(SMOTE(k_neighbors=3, random_state=0))
    X_res, _ = sampler.fit_resample(X, y)
    restored = pickle.loads(pickle.dumps(sampler))
    assert restored.input_shape_ == sampler.input_shape_
    np.testing.assert_array_equal(restored.fit_resample(X, y)[0], X_res)
