"""Shared fixtures."""

from __future__ import annotations

import pytest
from _samplers import SAMPLERS


@pytest.fixture(params=sorted(SAMPLERS))
def sampler_name(request) -> str:
    """Each public sampler's name, so one test runs on every sampler."""
    return request.param
