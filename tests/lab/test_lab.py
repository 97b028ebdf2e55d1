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

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = ROOT / "_build" / "jupyter_execute"
LAB_DIR = ROOT / "_build" / "lab"
CHROMIUM = os.environ.get("EXPAND_NEURONS_CHROMIUM", "/usr/bin/chromium")
#: Chapters that are also run in JupyterLab (the others are run by nbval and the build).
RUN = ("book/fpe", "book/scoreboard")
RUN_TIMEOUT_S = 900


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


plain_markdown = _load("plain_markdown", ROOT / "scripts" / "plain_markdown.py")
export_notebooks = _load("export_notebooks", ROOT / "scripts" / "export_notebooks.py")
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


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def notebooks() -> dict[str, Path]:
    """The chapters exported as a learner gets them, numbers from the executed book."""
    if not EXECUTED.is_dir():
        _missing(f"no executed book at {EXECUTED}: build the book first")
    shutil.rmtree(LAB_DIR, ignore_errors=True)
    # The book build's executed notebooks (myst-nb) keep no glue outputs, so numbers glued
    # without display read "…" here; notebooks executed by scripts/run_chapter.py keep them.
    paths = export_notebooks.export(LAB_DIR)
    return {str(p.relative_to(LAB_DIR).with_suffix("")): p for p in paths}


@pytest.fixture(scope="module")
def lab_url(notebooks: dict[str, Path]) -> Iterator[str]:
    """JupyterLab serving the exported notebooks, its kernels on the quick profile."""
    if importlib.util.find_spec("jupyterlab") is None:
        _missing("JupyterLab is not installed: `pip install -r requirements.txt`")
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
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


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
                f"() => ({PROMPTS_JS})().every(p => /\\[\\d+\\]/.test(p))",
                timeout=RUN_TIMEOUT_S * 1000,
                polling=2000,
            )
            problems += [f"after running: {p}" for p in _prose_problems(page)]
            problems += [f"a cell failed: {e}" for e in page.evaluate(ERRORS_JS)]
    finally:
        page.context.close()
    assert not problems, f"{doc} in JupyterLab:\n  " + "\n  ".join(problems)
