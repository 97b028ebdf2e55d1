"""Number the exercises of each chapter from 1 (Exercise 1, 2, ... again in the next chapter).

sphinx-exercise numbers exercises as Sphinx numbers figures (``numfig``): with no numbered
toctree, one counter runs across the whole book ("Exercise 30" in the last chapter), and the
only built-in way to restart it per chapter is to number the chapters and their sections
(``:numbered:`` with ``numfig_secnum_depth``), which gives "Exercise 9.2" and section numbers
everywhere. Instead, after Sphinx has assigned its numbers (``env-get-updated``, where its
toctree collector runs), this renumbers the ``exercise`` type within each document, in the
order Sphinx met them. Titles, solution titles ("Solution to Exercise 2") and ``{numref}`` all
read these numbers, and ``scripts/plain_markdown.py`` numbers the exported notebooks the same
way.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: The enumerable type sphinx-exercise registers for numbered exercises.
FIGTYPE = "exercise"


def number_per_document(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Renumber every document's exercises 1, 2, ... in Sphinx's order; return the documents
    whose numbers changed (to be written again)."""
    changed = []
    for docname, fignumbers in env.toc_fignumbers.items():
        numbers = fignumbers.get(FIGTYPE)
        if not numbers:
            continue
        order = sorted(numbers, key=lambda ids: numbers[ids])
        renumbered = {ids: (i,) for i, ids in enumerate(order, start=1)}
        if renumbered != numbers:
            fignumbers[FIGTYPE] = renumbered
            changed.append(docname)
    return changed


def setup(app: Sphinx) -> dict[str, Any]:
    # After Sphinx's toctree collector (priority 500) has assigned the book-wide numbers.
    app.connect("env-get-updated", number_per_document, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
