"""Quick-profile runs in the chapters, shared by every chapter of one book build.

A chapter runs its experiment live with :func:`run`. When ``$EXPAND_NEURONS_BOOK_STORE`` names
a directory (both scripts set it for nbval and the HTML build), finished cells go to a result
store under it, in a sub-directory named by :func:`source_fingerprint`, a hash of the library's
source files: every chapter, the scoreboard and every later pass of a build read the cells that
are there, and any change to the code that computes results starts an empty store, so a cell
computed by other code is never shown. The book's own helpers (``expand_neurons/book/``:
figures, tables, prose) only read results, so they are left out of the hash: editing a figure
does not retrain the book. Without the variable (a learner's notebook, Binder, Colab) every run
computes from scratch.

Before the chapters run, the build computes the cells of :data:`BOOK_EXPERIMENTS` into that
store on a local Dask cluster, one worker per core (``python -m expand_neurons precompute
--workers N``, called by ``scripts/lib.sh``): the chapters then only read them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..experiments import get
from ..experiments.store import ResultStore

__all__ = [
    "run",
    "read",
    "build_store",
    "source_fingerprint",
    "BOOK_STORE_VARIABLE",
    "BOOK_EXPERIMENTS",
]

#: The environment variable naming the build's store directory.
BOOK_STORE_VARIABLE = "EXPAND_NEURONS_BOOK_STORE"

#: Every experiment the chapters and the scoreboard :func:`run` in their profile, costliest cell
#: first (the order the precompute submits them in, so that no worker idles at the end; quick
#: profile, CPU seconds of one cell on the 2-core CI machine: a CNN cell about 65, the pilot 47,
#: collisions 52, a Boolean sweep cell 4-9; the first embeddings cell of a cold build also embeds
#: the glosses, about 55).
BOOK_EXPERIMENTS = (
    "cnn-fashion",
    "boolean-pilot",
    "boolean-collisions",
    "boolean-ablations",
    "deep-mlp",
    "embeddings-width",
    "embeddings-match",
    "boolean-robustness",
    "boolean-load",
    "embeddings-load",
    "boolean-clauses",
    "boolean-neurons",
    "boolean-alpha",
    "boolean-timing",
    "boolean-grouped-load",
    "boolean-grouped",
)

_PACKAGE = Path(__file__).resolve().parent.parent


#: Sub-packages that only read results (left out of :func:`source_fingerprint`).
READ_ONLY_PARTS = ("book", "claims")


def source_fingerprint(package: Path = _PACKAGE) -> str:
    """16 hex digits of SHA-256 over every ``.py`` file of the package (path and bytes), except
    those under :data:`READ_ONLY_PARTS`."""
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] in READ_ONLY_PARTS:
            continue
        h.update(relative.as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def build_store() -> ResultStore | None:
    """The build's store (``$EXPAND_NEURONS_BOOK_STORE/<fingerprint>``), or ``None`` when unset."""
    root = os.environ.get(BOOK_STORE_VARIABLE, "").strip()
    if not root:
        return None
    return ResultStore(Path(root) / source_fingerprint())


def run(name: str, profile: str, **overrides: Any) -> dict[str, Any]:
    """``get(name).run(profile, **overrides)``, through the build's store when there is one."""
    return get(name).run(profile, store=build_store(), **overrides)


def read(name: str, profile: str) -> dict[str, Any] | None:
    """``name``'s ``profile`` result as far as the build's store holds it, computing nothing
    (``missing`` lists the cells it lacks); ``None`` without a build store."""
    store = build_store()
    return None if store is None else get(name).stored(store, profile)
