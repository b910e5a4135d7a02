"""Sphinx configuration: API pages from the docstrings, a gallery that runs ``examples/``.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` after
``pip install -e '.[docs]'``; add ``-D plot_gallery=0`` to skip running the examples.
"""

import imblearn_deep

project = "imblearn_deep"
author = "the imblearn_deep developers"
copyright = "2026, the imblearn_deep developers"
version = release = imblearn_deep.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# docs/results/ holds the files behind the published runs (reports, CSV): data, not pages.
exclude_patterns = ["_build", "results"]

# The Markdown pages link to each other's sections by their GitHub anchors.
myst_heading_anchors = 3

autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
# The class template lists the methods; numpydoc's own member tables would list
# every inherited scikit-learn and skorch method a second time.
numpydoc_show_class_members = False

# The estimator API that users call on these classes, kept where it is inherited.
INHERITED_API = frozenset({"fit", "fit_resample", "get_params", "set_params"})


def skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out the members of a class that are not defined in ``imblearn_deep``.

    That is what a class inherits from scikit-learn, imbalanced-learn, skorch or torch
    (documented by those projects, whose docstrings link to labels of their own sites,
    which do not resolve here), and plain class attributes, which carry no module; the
    estimator API that users call on these classes stays.
    """
    if skip or what not in ("class", "exception") or name in INHERITED_API:
        return None
    module = getattr(getattr(obj, "fget", obj), "__module__", None) or ""
    return None if module.startswith("imblearn_deep") else True


def setup(app):
    app.connect("autodoc-skip-member", skip_foreign_members)


html_theme = "pydata_sphinx_theme"
html_title = f"imblearn_deep {release}"
html_theme_options = {
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "user_guide": [], "results": [], "benchmarks": []}
html_show_sourcelink = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every example runs: each takes under a minute on an idle 2-core CPU.
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" on each API page.
    "doc_module": ("imblearn_deep",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"imblearn_deep": None},
    "download_all_examples": False,
    "remove_config_comments": True,
}
