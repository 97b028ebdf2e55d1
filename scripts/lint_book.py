"""Lint and format-check the code cells of the book's chapters with ruff.

ruff cannot read MyST Markdown notebooks, so each chapter is converted with jupytext to the
``py:percent`` script it stands for (``jupytext --to py:percent book/X.md`` shows the same
file, with the same line numbers) under ``_build/lint-book/``, and ``ruff check`` lints those
with the repository's configuration. ``E402`` (imports after the first cell) is allowed:
chapters import where the prose first needs a name. ``ruff format --check`` then checks every
code cell on its own (``_build/lint-book/<chapter>/cell-NN.py``), as a reader sees it: the
blank lines between cells are the notebook's, not the formatter's.

    python scripts/lint_book.py     # exit 1 and the problems, per chapter, when any
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "lint-book"


def export_scripts(out: Path = OUT) -> tuple[list[Path], list[Path]]:
    """Write each notebook chapter's code as ``out/<chapter>.py`` and each of its code cells as
    ``out/<chapter>/cell-NN.py``; return both lists of paths."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    scripts, cells = [], []
    for chapter in sorted((ROOT / "book").glob("*.md")):
        notebook = jupytext.read(chapter)
        if "kernelspec" not in notebook.metadata:
            continue  # a plain Markdown page
        script = out / f"{chapter.stem}.py"
        script.write_text(jupytext.writes(notebook, fmt="py:percent"), encoding="utf-8")
        scripts.append(script)
        (out / chapter.stem).mkdir()
        code = [c.source for c in notebook.cells if c.cell_type == "code"]
        for i, source in enumerate(code, start=1):
            cell = out / chapter.stem / f"cell-{i:02d}.py"
            cell.write_text(source.rstrip("\n") + "\n", encoding="utf-8")
            cells.append(cell)
    return scripts, cells


def main() -> int:
    scripts, cells = export_scripts()
    config = ["--config", str(ROOT / "pyproject.toml")]
    checks = [
        ["ruff", "check", *config, "--ignore", "E402", *map(str, scripts)],
        ["ruff", "format", *config, "--check", "--diff", *map(str, cells)],
    ]
    status = 0
    for command in checks:
        status |= subprocess.run(command, cwd=ROOT).returncode
    if status:
        print(
            "book/*.md: the problems above are in the chapters' code cells; line numbers are "
            "those of `jupytext --to py:percent book/<chapter>.md`",
            file=sys.stderr,
        )
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
