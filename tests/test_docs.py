"""The docs site's sources stay in step with the code; the citation files agree.

The site itself is built, with warnings as errors and the examples run, by ``.ci/run``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

import imblearn_deep

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.rst"


def _public_modules() -> list[str]:
    names = ["imblearn_deep"]
    for info in pkgutil.walk_packages(imblearn_deep.__path__, "imblearn_deep."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _api_entries() -> list[str]:
    """The qualified names listed in the API page's autosummary tables."""
    entries, module, in_table = [], None, False
    for line in API_PAGE.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and line.startswith("   ") and not line.lstrip().startswith(":"):
            entries.append(f"{module}.{line.strip()}")
        elif in_table and line and not line.startswith(" "):
            in_table = False
    return entries


def _resolve(qualified_name: str):
    module_name, _, name = qualified_name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except AttributeError:  # a submodule that its package does not import
        return importlib.import_module(qualified_name)


def _documented_ids() -> set[int]:
    return {id(_resolve(entry)) for entry in _api_entries()}


def test_api_page_entries_exist():
    entries = _api_entries()
    assert len(entries) > 50, "the parser found too few entries: did api.rst change form?"
    for entry in entries:
        _resolve(entry)  # an entry that no longer exists raises here


@pytest.mark.parametrize("module_name", _public_modules())
def test_api_page_lists_every_public_name(module_name):
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        names = module.__all__
    else:  # a module without __all__: the classes and functions it defines
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module_name
        ]
    documented = _documented_ids()
    missing = [name for name in names if id(getattr(module, name)) not in documented]
    assert not missing, f"add {missing} of {module_name} to docs/api.rst"


def test_every_example_runs_in_the_gallery():
    # sphinx-gallery runs only files that match filename_pattern "/plot_"; another name
    # would be shown in the gallery without ever being run.
    examples = sorted((ROOT / "examples").glob("*.py"))
    assert examples
    assert [path.name for path in examples if not path.name.startswith("plot_")] == []


def test_show_versions_names_package_torch_and_hardware(capsys):
    imblearn_deep.show_versions()
    out = capsys.readouterr().out
    import torch

    for expected in (
        f"imblearn_deep: {imblearn_deep.__version__}",
        f"torch: {version('torch')}",
        f"CUDA available: {torch.cuda.is_available()}",
        f"CPU capability: {torch.backends.cpu.get_cpu_capability()}",
        f"torch threads: {torch.get_num_threads()}",
        "scikit-learn: ",
        "imbalanced-learn: ",
        "skorch: ",
    ):
        assert expected in out


def test_show_versions_does_not_import_torchvision():
    # Versions come from the installed metadata; a bug report should not need the imports.
    code = (
        "import sys, imblearn_deep; imblearn_deep.show_versions(); "
        "print('torchvision' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_citation_file_cites_both_papers_like_the_docstrings():
    from imblearn_deep import BAGANGP, DeepSMOTE

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == imblearn_deep.__version__
    dois = [reference["doi"] for reference in citation["references"]]
    assert len(dois) == 2
    for sampler, doi in zip((DeepSMOTE, BAGANGP), dois, strict=True):
        assert "References" in sampler.__doc__
        assert f"doi:{doi}" in sampler.__doc__


def test_licence_matches_the_package_metadata():
    assert 'license = { text = "BSD-3-Clause" }' in (ROOT / "pyproject.toml").read_text()
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
