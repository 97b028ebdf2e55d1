"""``jupyter-book build`` with the chapters read, and so executed, by several processes.

    python scripts/build_html.py --jobs 4 -- --all --warningiserror --nitpick --keep-going .

Everything after ``--`` goes to ``jupyter-book build`` unchanged. Jupyter Book 1 executes each
chapter while Sphinx reads it, and its command line has no option for Sphinx's parallel read
(``sphinx-build -j``), although the function it calls takes one (``jupyter_book.sphinx.
build_sphinx(jobs=...)``); this passes ``--jobs`` to it. Sphinx splits the pages, in name order,
into fixed chunks of about ``pages / jobs``; here every page is a chunk of its own, the slowest
chapters first (:data:`SLOW_FIRST`), so a process that finishes takes the next page and the
two costliest chapters no longer share a chunk (measured on 2 cores: see scripts/lib.sh).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence

import jupyter_book.sphinx
import sphinx.builders
from jupyter_book.cli.main import main as jupyter_book_main

#: Pages whose notebooks take longest to execute while the book is built (result store filled),
#: slowest first. Measured on 2 cores, one kernel per core: hardware (a timing benchmark) 80 s,
#: collisions (trains its networks) 53 s, superposition 30 s, fpe 21 s, load 17 s, every other
#: page 15 s or less. A page missing here is read after them, in name order.
SLOW_FIRST = ("book/hardware", "book/collisions", "book/superposition", "book/fpe", "book/load")


def one_page_a_chunk(docnames: Sequence[str], nproc: int) -> list[list[str]]:
    """Sphinx's ``make_chunks`` replaced: each page its own chunk, so that the pages start in
    the order of :data:`SLOW_FIRST`, then the others in name order.

    Sphinx's ``ParallelTasks`` starts the first ``nproc`` chunks as they are handed to it and
    queues the others, and a process that becomes free starts the chunk queued *last*
    (``dict.popitem``). So the first ``nproc`` chunks are the slowest pages and the rest come in
    reverse: the pages then start longest first, the greedy longest-processing-time schedule.
    """
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    ordered = sorted(docnames, key=lambda name: (rank.get(name, len(rank)), name))
    return [[name] for name in ordered[:nproc] + ordered[nproc:][::-1]]


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
    # Sphinx's builders call make_chunks by this name for the parallel read and write.
    sphinx.builders.make_chunks = one_page_a_chunk  # type: ignore[assignment]
    # The CLI imports build_sphinx from this module when it runs, so the wrapper is what it calls.
    jupyter_book.sphinx.build_sphinx = functools.partial(  # type: ignore[assignment]
        jupyter_book.sphinx.build_sphinx, jobs=args.jobs
    )
    # Exits as `jupyter-book build` does: status 0, or 1 when the build failed.
    jupyter_book_main(["build", *build_args], prog_name="jupyter-book")
    return 0


if __name__ == "__main__":
    sys.exit(main())
