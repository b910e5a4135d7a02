"""PartialBalance: a multi-class sampling_strategy that fills a share of each gap."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.base import clone

from imblearn_deep.experimental import PartialBalance


@pytest.mark.parametrize(
    "ratio, expected", [(0.0, [100, 20, 10]), (0.5, [100, 60, 55]), (1.0, [100, 100, 100])]
)
def test_each_class_gains_its_share_of_the_gap(ratio, expected):
    y = np.repeat([0, 1, 2], [100, 20, 10])
    _, y_res = RandomOverSampler(
        sampling_strategy=PartialBalance(ratio), random_state=0
    ).fit_resample(np.zeros((len(y), 1)), y)
    assert np.bincount(y_res).tolist() == expected


def test_it_pickles_and_clones_with_its_sampler():
    # Parallel cells send the pipeline to worker processes.
    sampler = RandomOverSampler(sampling_strategy=PartialBalance(0.25))
    restored = pickle.loads(pickle.dumps(clone(sampler)))
    assert restored.sampling_strategy.ratio == 0.25
    assert repr(restored.sampling_strategy) == "PartialBalance(0.25)"


@pytest.mark.parametrize("ratio", [-0.1, 1.5, "half"])
def test_a_ratio_outside_zero_one_is_rejected(ratio):
    with pytest.raises(ValueError, match="ratio must be a number in"):
        PartialBalance(ratio)
