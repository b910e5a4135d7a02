"""The docs site's sources stay in step with the code and it reads offline; the citation
files agree.

The whole site is built, with warnings as errors and the examples run, by ``.ci/run``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

import imblearn_deep

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API_PAGE = DOCS / "api.rst"


def _public_modules() -> list[str]:
    names = ["imblearn_deep"]
    for info in pkgutil.walk_packages(imblearn_deep.__path__, "imblearn_deep."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _api_page() -> tuple[list[dict], list[str]]:
    """The API page's autosummary tables (options and qualified names) and the qualified
    names it documents in full with ``autodata``."""
    tables, data, module, table = [], [], None, None
    for line in API_PAGE.read_text().splitlines():
        if line and not line.startswith(" "):
            table = None
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif match := re.match(r"\.\. autodata:: (\S+)", line):
            data.append(f"{module}.{match[1]}")
        elif line.startswith(".. autosummary::"):
            table = {"options": {}, "entries": []}
            tables.append(table)
        elif table is not None and (match := re.match(r"   :(\S+):\s*(.*)", line)):
            table["options"][match[1]] = match[2]
        elif table is not None and line.startswith("   "):
            table["entries"].append(f"{module}.{line.strip()}")
    return tables, data


def _api_entries() -> list[str]:
    """The qualified names that the API page documents."""
    tables, data = _api_page()
    return [entry for table in tables for entry in table["entries"]] + data


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


def test_api_side_bar_groups_pages_of_classes_and_functions():
    # Each table with pages heads its group in the side bar with its caption; constants
    # (data) are documented in full on the API page, not as pages in the side bar.
    tables, data = _api_page()
    assert data, "the parser found no constant: did api.rst change form?"
    for table in (table for table in tables if "toctree" in table["options"]):
        assert table["options"].get("caption"), f"give {table['entries']} a :caption:"
        for entry in table["entries"]:
            obj = _resolve(entry)
            assert inspect.isclass(obj) or inspect.isroutine(obj), f"{entry} is data"


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


def _docs_conf():
    """``docs/conf.py`` as a module: its hooks are plain functions, testable without Sphinx."""
    spec = importlib.util.spec_from_file_location("docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_math_is_written_as_text():
    conf = _docs_conf()
    assert conf.tex_as_rst(r"\alpha_{os} = N_{rm} / N_{M}") == (
        r"α\ :sub:`os`\  = N\ :sub:`rm`\  / N\ :sub:`M`\ "
    )
    assert conf.tex_as_rst(r"\Gamma^2") == r"Γ\ :sup:`2`\ "


@pytest.mark.parametrize("tex", [r"\frac{a}{b}", r"x_{\max}", r"\{x\}"])
def test_math_that_cannot_be_text_stops_the_build(tex):
    with pytest.raises(ValueError, match="cannot write"):
        _docs_conf().tex_as_rst(tex)


def test_docs_config_keeps_pages_off_the_network():
    # Sphinx's math renderer (MathJax) and sphinx-gallery's timings page (DataTables) load
    # from CDNs, which an offline reader cannot reach. The build that proves it is below;
    # this holds the configuration where Sphinx is not installed.
    conf = _docs_conf()
    connected = []
    conf.setup(SimpleNamespace(connect=lambda event, handler: connected.append((event, handler))))
    assert ("autodoc-process-docstring", conf.math_as_text) in connected
    assert conf.sphinx_gallery_conf["write_computation_times"] is False
    modules = re.findall(r"^\.\. automodule:: (\S+)", API_PAGE.read_text(), re.MULTILINE)
    documented = {name: _resolve(name) for name in _api_entries()}
    documented |= {name: importlib.import_module(name) for name in modules}
    for name, obj in documented.items():
        lines = (inspect.getdoc(obj) or "").splitlines()
        conf.math_as_text(None, None, name, obj, None, lines)
        assert not re.search(r":math:|\.\. math::", "\n".join(lines)), name


def test_built_site_loads_nothing_from_the_network(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    # Built from a copy, so that the pages that Sphinx generates into its sources stay out
    # of the checkout; the examples are not run (plot_gallery=0), which keeps it short.
    generated = ("_build", "generated", "auto_examples", "sg_execution_times.rst", "__pycache__")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns(*generated))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    html = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-D", "plot_gallery=0"]
    build = subprocess.run(
        [*command, str(tmp_path / "docs"), str(html)], capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr
    pages = {path.relative_to(html).as_posix(): path.read_text() for path in html.rglob("*.html")}
    remote = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.IGNORECASE)
    assert [name for name, page in pages.items() if remote.search(page)] == []
    api_pages = [name for name in pages if name == "api.html" or name.startswith("generated/")]
    assert len(api_pages) > 50
    raw_math = [name for name in api_pages if 'class="math' in pages[name] or "\\(" in pages[name]]
    assert raw_math == []
    # The formula of imbalanced-learn's sampling_strategy text, which the samplers take over.
    formula = "α<sub>os</sub> = N<sub>rm</sub> / N<sub>M</sub>"
    assert formula in pages["generated/imblearn_deep.DeepSMOTE.html"]


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
