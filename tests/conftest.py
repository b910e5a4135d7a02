"""Shared fixtures."""

from __future__ import annotations

import pytest
import torch
from _comparisons import SHORT_FITS
from _samplers import SAMPLERS

from imblearn_deep.comparison._cli import main


@pytest.fixture(params=sorted(SAMPLERS))
def sampler_name(request) -> str:
    """Each public sampler's name, so one test runs on every sampler."""
    return request.param


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Run the tests' tiny networks on one thread.

    They gain nothing from more, and two OpenMP threads that compete with any other
    process on a small machine run them many times slower (measured 0.18 s vs 7.5 s).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory):
    """One tiny run of ``imblearn-deep compare`` on the digits, with an export.

    Shared by the command-line tests and the fault tests (which copy its folder and rerun
    its cells several times): short fits through ``--set`` keep those reruns cheap.
    """
    root = tmp_path_factory.mktemp("cli")
    args = [
        "compare",
        "--samplers",
        "none,ros,deepsmote",
        *SHORT_FITS,
        "--seeds",
        "0",
        "--cv",
        "2",
        "--device",
        "cpu",
        "--output",
        str(root / "out"),
        "--export-balanced",
        str(root / "balanced"),
        "-q",
    ]
    assert main(args) == 0
    return root, args
