"""scripts/build_html.py: jupyter-book's build with Sphinx's parallel read, and the book's
configuration that allows it."""

from __future__ import annotations

import time
from pathlib import Path

import build_html  # scripts/ is on pytest's pythonpath (pyproject.toml)
import jupyter_book.sphinx
import pytest
import sphinx.builders
from jupyter_book.config import get_final_config
from sphinx.util.parallel import ParallelTasks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_sphinx(monkeypatch):
    """build_html.main replaces Sphinx's make_chunks: put it back after each test."""
    monkeypatch.setattr(sphinx.builders, "make_chunks", sphinx.builders.make_chunks)


def test_build_html_gives_jupyter_books_build_the_jobs(monkeypatch):
    calls = []
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", lambda *a, **k: calls.append(k))

    def cli(args, prog_name):  # what jupyter-book's `build` does: call build_sphinx
        assert args == ["build", "--all", "."]
        jupyter_book.sphinx.build_sphinx("src", "out", builder="html")

    monkeypatch.setattr(build_html, "jupyter_book_main", cli)
    assert build_html.main(["--jobs", "3", "--", "--all", "."]) == 0
    assert calls == [{"jobs": 3, "builder": "html"}]


def _start_order(chunks: list[list[str]], nproc: int) -> list[str]:
    """The order in which Sphinx's own ParallelTasks starts ``chunks`` on ``nproc`` processes
    (each task reports the time it started)."""
    tasks, started = ParallelTasks(nproc), {}

    def report(chunk: list[str], at: float) -> None:
        started[tuple(chunk)] = at

    for chunk in chunks:
        tasks.add_task(lambda c: (time.sleep(0.05), time.time())[1], chunk, report)
    tasks.join()
    return [page for chunk in sorted(started, key=started.__getitem__) for page in chunk]


def test_sphinx_starts_one_page_at_a_time_the_slowest_first(monkeypatch):
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", lambda *a, **k: None)
    monkeypatch.setattr(build_html, "jupyter_book_main", lambda args, prog_name: None)
    build_html.main(["--jobs", "2", "--", "."])
    assert sphinx.builders.make_chunks is build_html.one_page_a_chunk
    pages = ["book/cnn", "book/fpe", "book/hardware", "book/intro", "book/collisions", "book/load"]
    chunks = sphinx.builders.make_chunks(pages, 2)
    assert all(len(chunk) == 1 for chunk in chunks) and sorted(sum(chunks, [])) == sorted(pages)
    expected = ["book/hardware", "book/collisions", "book/fpe", "book/load", "book/cnn"]
    for nproc in (1, 2):
        order = _start_order(sphinx.builders.make_chunks(pages, nproc), nproc)
        assert order == [*expected, "book/intro"], f"{nproc} processes start {order}"


def test_the_slow_pages_are_pages_of_the_book():
    toc = (ROOT / "_toc.yml").read_text()
    for page in build_html.SLOW_FIRST:
        assert f"file: {page}\n" in toc, f"{page} is named in SLOW_FIRST but not in _toc.yml"


def test_build_html_refuses_fewer_than_one_job(capsys):
    with pytest.raises(SystemExit):
        build_html.main(["--jobs", "0", "--", "."])
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err


def test_the_book_loads_no_extension_that_forbids_a_parallel_read():
    """jupyter-book adds sphinx_jupyterbook_latex unless _config.yml turns it off; it does not
    declare itself parallel-safe, so Sphinx would warn (an error in the strict build) and read
    serially."""
    config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml",
        cli_config={"latex_individualpages": False},
        sourcedir=ROOT,
    )
    assert "sphinx_jupyterbook_latex" not in config["extensions"]
