"""Sphinx configuration: API pages from the docstrings, a gallery that runs ``examples/``.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` after
``pip install -e '.[docs]'``; add ``-D plot_gallery=0`` to skip running the examples.
"""

import re
import unicodedata

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


# Sphinx renders math with MathJax, loaded from a CDN: offline (where these docs are read
# too) a page shows the raw LaTeX. The only math, the formula of imbalanced-learn's
# ``sampling_strategy`` text that the samplers take over, is simple enough to be written
# as text with subscripts at build time, so that no page needs a script for math.
MATH_ROLE = re.compile(r":math:`([^`]*)`")
# A TeX command, a sub- or superscript (braced or one character), plain text, or the rest.
TEX_TOKEN = re.compile(r"\\([A-Za-z]+)|([_^])(?:\{([^{}\\]*)\}|(\w))|([^\\_^{}]+)|(.)")


def tex_as_rst(tex):
    r"""Write the inline TeX ``tex`` as reStructuredText: no math, no script.

    Greek letters become their Unicode letters, sub- and superscripts of plain text
    ``:sub:`` and ``:sup:`` roles: ``\alpha_{os} = N_{rm} / N_{M}`` reads
    α\ :sub:`os` = N\ :sub:`rm` / N\ :sub:`M`. Anything else raises ``ValueError``, which
    stops the build, instead of showing a formula garbled.
    """
    rst = []
    for command, script, braced, single, text, other in TEX_TOKEN.findall(tex):
        if command:
            case = "CAPITAL" if command[0].isupper() else "SMALL"
            try:
                rst.append(unicodedata.lookup(f"GREEK {case} LETTER {command.upper()}"))
            except KeyError:
                raise ValueError(f"cannot write \\{command} of {tex!r} as text") from None
        elif script:
            role = "sub" if script == "_" else "sup"
            # Escaped spaces join the role to the text around it.
            rst.append(rf"\ :{role}:`{braced or single}`\ ")
        elif text:
            rst.append(text)
        else:
            raise ValueError(f"cannot write {other!r} of {tex!r} as text")
    return "".join(rst)


def math_as_text(app, what, name, obj, options, lines):
    """Write the ``:math:`` roles of a docstring as text (see :func:`tex_as_rst`)."""
    try:
        lines[:] = [MATH_ROLE.sub(lambda match: tex_as_rst(match[1]), line) for line in lines]
    except ValueError as error:
        raise ValueError(f"{name}: {error}; teach docs/conf.py's tex_as_rst") from None


def setup(app):
    app.connect("autodoc-skip-member", skip_foreign_members)
    app.connect("autodoc-process-docstring", math_as_text)


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
    # The timings page loads its table script and styles from CDNs: no page may need the
    # network. Each example's page states its own running time.
    "write_computation_times": False,
}
