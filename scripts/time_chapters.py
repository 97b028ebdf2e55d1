"""Measure each chapter's cold running time: how long a learner's first run of it takes.

    python scripts/time_chapters.py                 # every chapter of the teaching record
    python scripts/time_chapters.py fpe load        # only these

Each chapter runs as ``scripts/run_chapter.py`` runs it (its :func:`run`: a fresh kernel,
``book/`` as working directory, the quick profile, one thread), but cold, as a learner's
notebook runs: no book result store (``EXPAND_NEURONS_BOOK_STORE`` unset, exactly as in a
notebook opened on Binder or Colab: every run trains, and a page that reads other chapters' runs
from the build's store finds none) and an empty data cache and default store
(``EXPAND_NEURONS_CACHE`` and ``EXPAND_NEURONS_STORE`` in a temporary directory, removed
afterwards, so derived data such as embedded glosses are computed again). The executed notebooks
go to that directory too, never to ``_build/``.

For every chapter that runs through, ``results/teaching/chapter-times.json`` gets (or replaces)
its entry as soon as it finishes: wall-clock seconds (kernel start included), the CPU seconds of
the kernel, the machine's usable cores and CPU model, the 1-minute load average before the run
(other work on the machine slows it), the profile, the commit and the date. Entries of other
chapters are kept. The chapter headers and the teacher's page read this file
(``expand_neurons.book.teaching``); a chapter missing from it reads "not measured yet". A chapter
whose cell fails is not recorded, and the script exits with status 1. It refuses to start on a
tree with uncommitted changes to tracked files other than the times file: every entry names the
commit it measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nbclient.exceptions import CellExecutionError
from run_chapter import run, set_book_environment

from expand_neurons.book import syllabus
from expand_neurons.book.teaching import TIMES_FILE
from expand_neurons.experiments.store import git_commit, provenance
from expand_neurons.results import read_json, write_json

FORMAT = "expand_neurons.chapter-times/1"
METHOD = (
    "Cold run of the chapter's notebook as a learner's first run: a fresh kernel, the quick "
    "profile, one thread, no book result store, an empty data cache; wall-clock seconds from "
    "kernel start to the last cell (scripts/time_chapters.py)."
)


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_environment(scratch: Path) -> None:
    """Set this process's (and so the kernels') environment for a cold run under ``scratch``:
    the build's settings (:func:`run_chapter.set_book_environment`) but the quick profile, no
    book result store, and an empty cache and default store."""
    set_book_environment()
    os.environ["EXPAND_NEURONS_PROFILE"] = "quick"
    os.environ.pop("EXPAND_NEURONS_BOOK_STORE")
    os.environ["EXPAND_NEURONS_CACHE"] = str(scratch / "cache")
    os.environ["EXPAND_NEURONS_STORE"] = str(scratch / "store")


def measured_commit(out: Path) -> str | None:
    """The library's commit (:func:`git_commit`), where a change to the times file ``out``
    alone does not count as a change: timing one more chapter after a run writes to it."""
    commit = git_commit()
    if commit is None or not commit.endswith("+dirty"):
        return commit
    root = Path(__file__).resolve().parents[1]
    listed = subprocess.run(
        ["git", "diff", "--name-only", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.split()
    changed = {(root / name).resolve() for name in listed}
    return commit.removesuffix("+dirty") if changed <= {out.resolve()} else commit


def time_chapter(name: str, scratch: Path, commit: str | None) -> dict[str, Any]:
    """Run chapter ``name`` cold under ``scratch``; return its entry for the times file
    (``commit``: the library's commit, taken once when the script started)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpu_before, start = _children_cpu_s(), time.perf_counter()
    run(name, scratch / "executed")
    wall_s, cpu_s = time.perf_counter() - start, _children_cpu_s() - cpu_before
    entry = provenance("cpu", wall_s, cpu_s, " ".join(["python", *sys.argv]), commit=commit)
    entry.pop("requested_by")
    return {
        "wall_s": entry.pop("wall_s"),
        "cpu_s": entry.pop("cpu_s"),
        "cores": usable_cores(),
        "cpu_model": cpu_model(),
        "load_before": None if load is None else round(load, 2),
        "profile": os.environ["EXPAND_NEURONS_PROFILE"],
        "threads": int(os.environ["OMP_NUM_THREADS"]),
        **entry,
    }


def record(name: str, entry: dict[str, Any], path: Path = TIMES_FILE) -> None:
    """Put chapter ``name``'s ``entry`` into the times file at ``path``, keeping the others."""
    data = read_json(path) if path.is_file() else {"format": FORMAT, "chapters": {}}
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a chapter-times file (format {FORMAT!r})")
    chapters = {**data["chapters"], name: entry}
    write_json(
        path, {"format": FORMAT, "method": METHOD, "chapters": dict(sorted(chapters.items()))}
    )


def main(argv: list[str] | None = None) -> int:
    known = [record.name for record in syllabus.CHAPTERS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "chapters", nargs="*", metavar="CHAPTER", help=f"chapters to time (default: all of {known})"
    )
    parser.add_argument(
        "--out", type=Path, default=TIMES_FILE, help="the times file (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.chapters) - set(known))
    if unknown:
        parser.error(f"no chapter {unknown} in the teaching record; chapters: {known}")
    commit = measured_commit(args.out)  # once, before any chapter runs: the code measured
    if commit is not None and commit.endswith("+dirty"):
        parser.error(
            "tracked files have uncommitted changes, so the times would name no commit; "
            "commit or stash them first (and do not edit the tree while this runs)"
        )
    failed = []
    for name in args.chapters or known:
        with tempfile.TemporaryDirectory(prefix=f"cold-{name}-") as tmp:
            cold_environment(Path(tmp))
            try:
                entry = time_chapter(name, Path(tmp), commit)
            except CellExecutionError as err:
                print(f"{name}: a cell failed; not recorded\n{err}", file=sys.stderr)
                failed.append(name)
                continue
        record(name, entry, args.out)
        print(f"{name}: {entry['wall_s']:.0f} s cold on {entry['cores']} cores -> {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
