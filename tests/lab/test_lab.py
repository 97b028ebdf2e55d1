"""The chapters as a learner opens them: exported notebooks in a real JupyterLab, in Chromium.

Binder, Colab and a download give the notebooks that ``scripts/export_notebooks.py`` writes. Here
they are exported after the book build, served by JupyterLab and opened in headless Chromium
with the network blocked. Each notebook fails on a Markdown cell that JupyterLab did not render
and on MyST markup left in what it rendered (a role, a directive, a label). The chapters of
:data:`RUN` are then run in JupyterLab ("Run All") and read again: every code cell must have
run, without an error, and the prose must still read clean.

Needs the built book, JupyterLab and Debian's ``chromium``; fails when one is missing and ``CI``
is set, skips otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import export_notebooks  # scripts/ is on pytest's pythonpath (pyproject.toml)
import plain_markdown
import pytest
from browsing import chromium, missing

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = ROOT / "_build" / "jupyter_execute"
LAB_DIR = ROOT / "_build" / "lab"
#: Chapters that are also run in JupyterLab (the others are run by nbval and the build).
RUN = ("book/fpe", "book/scoreboard")
RUN_TIMEOUT_S = 900


CHAPTERS = [
    doc
    for doc in export_notebooks.toc_documents(ROOT / "_toc.yml")
    if "kernelspec" in (ROOT / f"{doc}.md").read_text(encoding="utf-8")[:400]
]

# The rendered Markdown cells' text, and how many Markdown cells are left unrendered.
MARKDOWN_JS = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')];
    const rendered = cells.map(c => c.querySelector('.jp-RenderedMarkdown'))
        .filter(r => r !== null);
    return {cells: cells.length, texts: rendered.map(r => r.innerText)};
}"""
# Prompts of the code cells: "[3]:" once run, "[*]:" while running, "[ ]:" never run.
PROMPTS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim())"""
ERRORS_JS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] pre, '
    + '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')]
    .map(e => e.innerText.slice(0, 300))
    .filter(t => /Error|Traceback/.test(t))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def notebooks() -> dict[str, Path]:
    """The chapters exported as a learner gets them, numbers from the executed book."""
    if not EXECUTED.is_dir():
        missing(f"no executed book at {EXECUTED}: build the book first")
    shutil.rmtree(LAB_DIR, ignore_errors=True)
    paths = export_notebooks.export(LAB_DIR, unfilled=UNFILLED)
    return {str(p.relative_to(LAB_DIR).with_suffix("")): p for p in paths}


#: Glued names the export found no value for in the executed book ("<page>: <name>").
UNFILLED: list[str] = []


def test_every_glued_number_is_filled_from_the_executed_book(notebooks: dict[str, Path]) -> None:
    # the values myst-nb wrote to <chapter>.glue.json when the build executed the chapter
    assert not UNFILLED, f"{len(UNFILLED)} numbers read '…': {UNFILLED[:10]}"


@pytest.fixture(scope="module")
def lab_url(notebooks: dict[str, Path]) -> Iterator[str]:
    """JupyterLab serving the exported notebooks, its kernels on the quick profile."""
    if importlib.util.find_spec("jupyterlab") is None:
        missing("JupyterLab is not installed: `pip install -r requirements.txt`")
    port = _free_port()
    env = {
        **os.environ,
        "EXPAND_NEURONS_PROFILE": "quick",
        "EXPAND_NEURONS_PROGRESS": "off",
        "EXPAND_NEURONS_BOOK_STORE": os.environ.get(
            "EXPAND_NEURONS_BOOK_STORE", str(ROOT / "_build" / "quick-store")
        ),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={LAB_DIR}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None", "--ServerApp.disable_check_xsrf=True", "--allow-root",
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    log = (LAB_DIR / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}api/status", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; see {LAB_DIR / 'jupyterlab.log'}")
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _open(browser: Any, lab_url: str, doc: str) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(lab_url) else route.abort(),
    )
    page.goto(f"{lab_url}lab/tree/{doc}.ipynb?reset", wait_until="load")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.context"
        " && window.jupyterapp.shell.currentWidget.context.isReady",
        timeout=120_000,
    )
    # "Run All" before the kernel is connected runs nothing, on a slow machine too
    page.wait_for_function(
        "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
        " return s && s.session && s.session.kernel"
        " && s.session.kernel.connectionStatus === 'connected'"
        " && s.session.kernel.status === 'idle'; }",
        timeout=120_000,
    )
    page.wait_for_timeout(1000)
    return page


def _prose_problems(page: Any) -> list[str]:
    found = page.evaluate(MARKDOWN_JS)
    problems = []
    if len(found["texts"]) != found["cells"]:
        problems.append(f"{found['cells'] - len(found['texts'])} Markdown cells not rendered")
    for text in found["texts"]:
        if markup := plain_markdown.raw_markup(text):
            problems.append(f"raw MyST {markup} in: {text[:100]!r}")
    return problems


@pytest.mark.parametrize("doc", CHAPTERS)
def test_a_chapter_reads_clean_in_jupyterlab(doc: str, lab_url: str, browser: Any) -> None:
    page = _open(browser, lab_url, doc)
    try:
        problems = _prose_problems(page)
        if doc in RUN:
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function(
                # every cell has run, or one failed (Run All stops there)
                f"() => ({PROMPTS_JS})().every(p => /\\[\\d+\\]/.test(p))"
                f" || ({ERRORS_JS})().length > 0",
                timeout=RUN_TIMEOUT_S * 1000,
                polling=2000,
            )
            problems += [f"after running: {p}" for p in _prose_problems(page)]
            problems += [f"a cell failed: {e}" for e in page.evaluate(ERRORS_JS)]
    finally:
        page.context.close()
    assert not problems, f"{doc} in JupyterLab:\n  " + "\n  ".join(problems)


#: A notebook that shows the FPE lab widget (small, to train in seconds), then a cell that
#: prints what the page trained, as the kernel received it.
FPE_LAB_CELLS = (
    "from expand_neurons.book.lab import FpeLab\n\n"
    "lab = FpeLab(epochs=6, split_at=3, n_train=512, n_test=256)\nlab",
    'print("LAB", lab.status, sorted(lab.results.get("runs", {})))',
)
RUN_CELL_JS = """(index) => {
    window.jupyterapp.shell.currentWidget.content.activeCellIndex = index;
    return window.jupyterapp.commands.execute('notebook:run-cell');
}"""


def test_the_fpe_lab_widget_trains_in_jupyterlab(lab_url: str, browser: Any) -> None:
    """``expand_neurons.book.lab.FpeLab`` renders in JupyterLab (anywidget), trains when Train
    is pressed, and sends its results back to the kernel."""
    import nbformat

    cells = [nbformat.v4.new_code_cell(source) for source in FPE_LAB_CELLS]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, LAB_DIR / "fpe-lab-widget.ipynb")
    page = _open(browser, lab_url, "fpe-lab-widget")
    try:
        page.evaluate(RUN_CELL_JS, 0)
        lab = page.locator(".jp-OutputArea .fpe-lab")
        lab.locator(".fpe-lab-status[data-status='idle']").wait_for(timeout=120_000)
        lab.locator('button[data-action="train"]').click()
        lab.locator(".fpe-lab-status[data-status='done']").wait_for(timeout=120_000)
        assert lab.locator("svg[data-heatmap]").count() == 3
        page.evaluate(RUN_CELL_JS, 1)
        printed = page.locator(".jp-OutputArea-output pre", has_text="LAB")
        printed.wait_for(timeout=60_000)
        assert printed.inner_text().strip() == "LAB done ['clause', 'dense', 'random']"
    finally:
        page.context.close()
