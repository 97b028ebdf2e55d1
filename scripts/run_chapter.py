"""Execute chapters as the book build does, without building the site.

    python scripts/run_chapter.py fpe [load ...] [--out DIR]

Each chapter (``book/<name>.md``) runs in a fresh kernel with ``book/`` as working directory,
the quick profile unless ``EXPAND_NEURONS_PROFILE`` says otherwise, one thread unless
``OMP_NUM_THREADS`` says otherwise, and the build's result store
(``EXPAND_NEURONS_BOOK_STORE``, default ``_build/quick-store``; fill it first with
``python -m expand_neurons precompute``). The executed notebook is written to
``DIR/book/<name>.ipynb`` (default ``_build/jupyter_execute``, where the build writes it and
where ``scripts/export_notebooks.py`` reads the glued numbers). A failing cell, e.g. a check
that a sentence no longer matches the data, stops with its traceback and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def run(name: str, out_dir: Path) -> Path:
    """Execute ``book/<name>.md``; return the path of the executed notebook."""
    source = ROOT / "book" / f"{name}.md"
    if not source.is_file():
        chapters = sorted(p.stem for p in (ROOT / "book").glob("*.md"))
        raise SystemExit(f"no chapter {name!r}: the chapters are {chapters}")
    notebook = jupytext.read(source)
    target = out_dir / "book" / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    where = {"metadata": {"path": str(source.parent)}}  # the kernel's working directory
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3", resources=where)
    try:
        client.execute()
    finally:
        nbformat.write(notebook, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", help="chapter names, e.g. fpe load")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "jupyter_execute")
    args = parser.parse_args(argv)
    os.environ.setdefault("EXPAND_NEURONS_PROFILE", "quick")
    os.environ.setdefault("EXPAND_NEURONS_PROGRESS", "off")
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # small models: one thread is the fastest
    os.environ.setdefault("EXPAND_NEURONS_BOOK_STORE", str(ROOT / "_build" / "quick-store"))
    for name in args.chapters:
        start = time.perf_counter()
        try:
            path = run(name, args.out.resolve())
        except CellExecutionError as err:
            print(f"{name}: a cell failed\n{err}", file=sys.stderr)
            return 1
        print(f"{name}: ran in {time.perf_counter() - start:.0f} s -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
