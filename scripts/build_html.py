"""``jupyter-book build`` with the chapters read, and so executed, by several processes.

    python scripts/build_html.py --jobs 4 -- --all --warningiserror --nitpick --keep-going .

Everything after ``--`` goes to ``jupyter-book build`` unchanged. Jupyter Book 1 executes each
chapter while Sphinx reads it, and its command line has no option for Sphinx's parallel read
(``sphinx-build -j``), although the function it calls takes one (``jupyter_book.sphinx.
build_sphinx(jobs=...)``); this passes ``--jobs`` to it. Sphinx splits the pages, in name order,
into fixed chunks of about ``pages / jobs`` and reads ``jobs`` chunks at a time, so more jobs than
cores evens out chapters of unequal cost (measured on 2 cores: see scripts/lib.sh).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys

import jupyter_book.sphinx
from jupyter_book.cli.main import main as jupyter_book_main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: %(default)s)"
    )
    parser.add_argument("build_args", nargs=argparse.REMAINDER, help="-- jupyter-book build ...")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    build_args = args.build_args[1:] if args.build_args[:1] == ["--"] else args.build_args
    # The CLI imports build_sphinx from this module when it runs, so the wrapper is what it calls.
    jupyter_book.sphinx.build_sphinx = functools.partial(  # type: ignore[assignment]
        jupyter_book.sphinx.build_sphinx, jobs=args.jobs
    )
    # Exits as `jupyter-book build` does: status 0, or 1 when the build failed.
    jupyter_book_main(["build", *build_args], prog_name="jupyter-book")
    return 0


if __name__ == "__main__":
    sys.exit(main())
