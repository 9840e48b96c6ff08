"""Sphinx configuration of the sdtheory documentation site.

Build (warnings are errors)::

    .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

At build time this file

* writes the API reference (``docs/api/sdtheory*.rst``, one autosummary table per public module,
  and one page per public name under ``docs/api/generated/``) from each module's ``__all__``, so
  the reference follows every rename without editing the docs;
* copies the jupytext notebooks from ``notebooks/`` to ``docs/notebooks/``, where myst-nb
  executes them in fast mode (``SDTHEORY_FAST=1``).

Math is rendered by a MathJax copy shipped in the ``sphinx-mathjax-offline`` package: the built
site loads nothing from the network.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# The notebooks run in fast mode, and their figures are shown inline (an inherited
# MPLBACKEND=Agg, as CI sets it, would leave the executed notebooks without figures).
os.environ.setdefault("SDTHEORY_FAST", "1")
if os.environ.get("MPLBACKEND", "").lower() == "agg":
    del os.environ["MPLBACKEND"]

import sdtheory

# -- project ---------------------------------------------------------------------------------
project = "sdtheory"
author = "the sdtheory authors"
copyright = "the sdtheory authors"
release = sdtheory.__version__
version = ".".join(release.split(".")[:2])

# -- extensions ------------------------------------------------------------------------------
extensions = [
    "myst_nb",  # markdown (MyST) pages and executed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from a package: no CDN
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "conf.py", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
html_static_path = ["_static"]

# -- MyST ------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- myst-nb: the notebooks/ sources, executed in fast mode ----------------------------------
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = os.environ.get("SDTHEORY_DOCS_EXECUTE", "cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_merge_streams = True

# -- autodoc / autosummary / numpydoc --------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- HTML ------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"sdtheory {release}"
html_css_files = ["sdtheory.css"]
html_show_sourcelink = False
html_theme_options = {"top_of_page_buttons": []}

suppress_warnings = ["mystnb.unknown_mime_type"]

# -- API reference, generated from __all__ ---------------------------------------------------
#: Modules that are not part of the public Python API (command-line registries and entry points).
NOT_API = {"sdtheory.figures", "sdtheory.checks", "sdtheory.cli", "sdtheory.__main__"}


def public_modules() -> list[str]:
    """``sdtheory`` and every public (no leading underscore) module or subpackage below it."""
    names = ["sdtheory"]
    for info in pkgutil.walk_packages(sdtheory.__path__, "sdtheory."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or any(
            info.name == n or info.name.startswith(n + ".") for n in NOT_API
        ):
            continue
        names.append(info.name)
    return names


def public_names(modname: str) -> list[str]:
    """The module's ``__all__``; without one, the public names defined in it or below it."""
    mod = importlib.import_module(modname)
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    out = []
    for name, obj in vars(mod).items():
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        home = getattr(obj, "__module__", None) or ""
        if home == modname or home.startswith(modname + "."):
            out.append(name)
    return out


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def write_api_reference() -> None:
    api = HERE / "api"
    api.mkdir(exist_ok=True)
    modules = public_modules()
    names = {m: public_names(m) for m in modules}
    # The canonical page of a top-level name is the one of the subpackage that exports it.
    home: dict[int, str] = {}
    for m in modules[1:]:
        mod = importlib.import_module(m)
        for n in names[m]:
            home.setdefault(id(getattr(mod, n)), f"{m}.{n}")
    pages = {}
    for m in modules:
        mod = importlib.import_module(m)
        doc = inspect.getdoc(mod) or ""
        summary = doc.split("\n\n")[0].replace("\n", " ") if doc else ""
        lines = [f".. This page is generated by docs/conf.py from {m}.__all__; do not edit.", ""]
        lines += [_title(f"``{m}``"), f".. module:: {m}", ""]
        if summary:
            lines += [summary, ""]
        local, elsewhere = [], []
        for n in names[m]:
            obj = getattr(mod, n)
            target = home.get(id(obj)) if m == "sdtheory" else None
            if target is not None and not inspect.ismodule(obj):
                elsewhere.append((n, target))
            elif not inspect.ismodule(obj):
                local.append(n)
        if local:
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in local] + [""]
        if elsewhere:
            lines += [
                "The names a notebook needs, re-exported at the top level "
                "(``import sdtheory as sdt; sdt.sd_risk(...)``). Each is documented in its "
                "subpackage:",
                "",
                ".. list-table::",
                "   :header-rows: 1",
                "",
                "   * - name",
                "     - documented as",
            ]
            for n, target in elsewhere:
                lines += [f"   * - ``sdtheory.{n}``", f"     - :py:obj:`{target}`"]
            lines.append("")
        pages[m] = "\n".join(lines)
    keep = set()
    for m, text in pages.items():
        path = api / f"{m}.rst"
        keep.add(path.name)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    for old in api.glob("sdtheory*.rst"):
        if old.name not in keep:
            old.unlink()
    index = [
        "<!-- This page is generated by docs/conf.py; do not edit. -->",
        "# API reference",
        "",
        "One page per public module, listing its `__all__`; one page per public name.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *modules,
        "```",
        "",
    ]
    text = "\n".join(index)
    path = api / "index.md"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def copy_notebooks() -> None:
    """Copy ``notebooks/*.py`` to ``docs/notebooks/`` (an ignored, generated folder)."""
    src, dst = ROOT / "notebooks", HERE / "notebooks"
    dst.mkdir(exist_ok=True)
    sources = sorted(src.glob("*.py"))
    for path in sources:
        target = dst / path.name
        if not target.exists() or target.read_bytes() != path.read_bytes():
            shutil.copyfile(path, target)
    for old in dst.glob("*.py"):
        if not (src / old.name).exists():
            old.unlink()
    lines = [
        "<!-- This page is generated by docs/conf.py; do not edit. -->",
        "# Notebooks",
        "",
        "The notebooks of `notebooks/` (jupytext percent-format sources), executed in fast mode "
        "(`SDTHEORY_FAST=1`, small grids and trial counts) when the site is built. To run them "
        'yourself: `pip install -e ".[notebooks]"`, then open a notebook in JupyterLab with '
        "`jupytext --to notebook notebooks/NAME.py && jupyter lab notebooks/NAME.ipynb`, or "
        "execute it with `jupytext --to notebook --execute notebooks/NAME.py`.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *[p.stem for p in sources],
        "```",
        "",
    ]
    text = "\n".join(lines)
    path = dst / "index.md"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


write_api_reference()
copy_notebooks()


def _skip_sklearn_metadata_routing(app, what, name, obj, skip, options):
    """Hide scikit-learn's generated ``set_*_request`` methods (metadata routing) on the
    estimators: they belong to scikit-learn, and their docstrings cross-reference its own docs."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_metadata_routing)
    # Load MathJax on every page, not only on pages whose body has math: the navigation shows
    # page titles, and a title with math must be rendered on every page that lists it.
    app.set_html_assets_policy("always")
