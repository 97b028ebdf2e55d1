"""Sphinx extension for the Expand Neurons book (loaded by ``_config.yml``).

1. Copies ``plotly.min.js`` from the installed plotly package into ``_static/`` (it is
   git-ignored), so every page can draw figures with no network; ``_config.yml`` lists it
   in ``html_js_files``.
2. Sets ``EXPAND_NEURONS_BOOK_BUILD=1`` before any notebook runs; the kernels inherit it
   and :func:`expand_neurons.book.figures.show` then emits HTML that uses that script. Also sets
   ``EXPAND_NEURONS_PROGRESS=off`` (unless set): a tqdm notebook bar is an ipywidget, and
   any widget state in a page makes myst-nb load require.js and the widget manager from
   a CDN, which breaks the page offline.
3. Points the Binder and Colab launch buttons at the generated ``.ipynb`` of the page on
   the notebooks branch (``expand_neurons_notebooks_branch``, pushed by the deploy
   workflow): sphinx-book-theme would otherwise link the ``.md`` source, which Colab
   cannot open. Adds the same two buttons for the student edition, without solutions
   (``expand_neurons_student_branch``).
4. Removes the inline scripts that Sphinx includes twice (see :func:`_dedupe_scripts`).
5. Lets Sphinx read in parallel (:func:`_allow_parallel_read`), so that
   ``scripts/build_html.py`` can execute the chapters in several processes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain

BOOK_BUILD_ENV = "EXPAND_NEURONS_BOOK_BUILD"
PROGRESS_ENV = "EXPAND_NEURONS_PROGRESS"


def _copy_plotly_js(app: Sphinx, config: Config) -> None:
    """Copy plotly.min.js (shipped inside the plotly package) into the book's _static/."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = Path(app.srcdir) / "_static" / "plotly.min.js"
    target.parent.mkdir(exist_ok=True)
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)


def _notebook_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Rewrite the Binder and Colab buttons to open ``<page>.ipynb`` on the notebooks branch,
    and add a Binder and a Colab button for the student edition's branch."""
    options = app.config.html_theme_options
    launch = options.get("launch_buttons", {})
    url = options.get("repository_url", "").rstrip("/")
    if "github.com/" not in url:
        return
    org, repo = url.split("github.com/")[-1].split("/")[:2]
    prefix = options.get("path_to_docs", "").strip("/")
    path = f"{prefix}/{pagename}.ipynb" if prefix else f"{pagename}.ipynb"
    ui = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
    binder = launch.get("binderhub_url", "").rstrip("/")
    colab = launch.get("colab_url", "").rstrip("/")

    def targets(branch: str) -> dict[str, str]:
        return {
            "Binder": f"{binder}/v2/gh/{org}/{repo}/{branch}?urlpath={ui}/{path}",
            "Colab": f"{colab}/github/{org}/{repo}/blob/{branch}/{path}",
        }

    full = targets(app.config.expand_neurons_notebooks_branch)
    student = targets(app.config.expand_neurons_student_branch)
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        students = []
        for button in group.get("buttons", []):
            name = button.get("text")
            if name in full:
                button["url"] = full[name]
                students.append(
                    {
                        **button,
                        "text": f"{name}: student edition",
                        "tooltip": f"Launch the student edition (no solutions) on {name}",
                        "url": student[name],
                    }
                )
        group["buttons"] = [*group.get("buttons", []), *students]


def _dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop repeated inline scripts from the page.

    Inline scripts added after the builder started (sphinx-thebe's ``const THEBE_JS_URL``,
    sphinx-togglebutton's selector) are registered twice by Sphinx 7.4, once with file
    name ``None`` and once with ``''``, so the page declared ``THEBE_JS_URL`` twice and the
    browser logged "Identifier 'THEBE_JS_URL' has already been declared".
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[str, int, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
        key = (script.filename or "", script.priority, attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


#: Extensions of this book that say nothing about Sphinx's parallel read, and why they are safe.
#: Undeclared, Sphinx warns (an error in the strict build) and reads serially, and
#: ``scripts/build_html.py --jobs N`` could not execute the chapters in N processes.
PARALLEL_SAFE = {
    # sets mathjax_path, and copies MathJax into _static once the build has finished, in the
    # main process; it reads no page and keeps no state
    "sphinx-mathjax-offline",
    # loaded by sphinx-external-toc whatever the configuration says; it replaces how section
    # numbers are assigned, which Sphinx does in the main process after every page is read
    "sphinx_multitoc_numbering",
}


def _merge_nothing(self: Domain, docnames: set[str], otherdata: dict[str, Any]) -> None:
    """A domain's merge of the data read by another process, for a domain that keeps none."""


def _allow_parallel_read(app: Sphinx) -> None:
    """Declare the loaded extensions of :data:`PARALLEL_SAFE` safe to read and write in
    parallel, and give a domain that keeps no data of its own (no ``initial_data``) the merge
    that Sphinx asks of every domain in a parallel read: sphinx-proof's ``prf`` domain has none
    (it keeps its proofs in ``env.proof_list``, which its own ``env-merge-info`` handler
    merges), so Sphinx would stop with "merge_domaindata must be implemented"."""
    for name in PARALLEL_SAFE:
        extension = app.extensions.get(name)
        if extension is not None:
            extension.parallel_read_safe = True
            extension.parallel_write_safe = True
    for domain in app.registry.domains.values():
        if domain.merge_domaindata is Domain.merge_domaindata and not domain.initial_data:
            domain.merge_domaindata = _merge_nothing


def setup(app: Sphinx) -> dict[str, Any]:
    os.environ[BOOK_BUILD_ENV] = "1"
    os.environ.setdefault(PROGRESS_ENV, "off")
    # The chapters train tiny models: a second BLAS/OpenMP thread only adds waiting, and on a
    # busy 2-core machine it made a chapter 40x slower (measured: 13 s vs 9 min).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    app.add_config_value("expand_neurons_notebooks_branch", "notebooks", "html")
    app.add_config_value("expand_neurons_student_branch", "notebooks-student", "html")
    app.connect("config-inited", _copy_plotly_js)
    # sphinx-book-theme adds the launch buttons at priority 501; run after it.
    app.connect("html-page-context", _notebook_links, priority=600)
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    app.connect("builder-inited", _allow_parallel_read)  # once every extension is loaded
    return {"parallel_read_safe": True, "parallel_write_safe": True}
