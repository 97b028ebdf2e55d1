"""Write the book's chapters (MyST notebooks in book/*.md) as .ipynb files.

    python scripts/export_notebooks.py OUT_DIR [--setup-cell] [--ref REF] [--requirement SPEC]
                                       [--only PAGE ...] [--numbers-from DIR]

Every page listed in _toc.yml whose source is a notebook (it has a kernelspec) becomes
OUT_DIR/<same path>.ipynb, unexecuted, with Markdown cells in plain Markdown (see
scripts/plain_markdown.py): what JupyterLab, Binder and Colab render. The numbers the prose
glues are read from the executed book (``--numbers-from``, by default the build's
_build/jupyter_execute); a page the build has not executed shows "…" for them, with a warning.
Nothing is ever written into book/ itself: a .ipynb next to the .md of the same name breaks the
Sphinx build.

Used by scripts/test.sh (nbval runs these files) and by the deploy workflow, which commits
them to the notebooks branch that the site's Binder and Colab buttons open. With
--setup-cell, each notebook starts with a cell that installs the library (from this
repository at REF) and the Debian data packages of binder/apt.txt where
``expand_neurons`` is not importable, e.g. on Colab; it does nothing on Binder or a local
install. ``--requirement`` points that cell at another source (tests/launch/ installs a local
checkout, as Colab would install the repository) and ``--only`` exports single pages.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from plain_markdown import Context, citations, glued_values, labels, plain

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute"

SETUP_CELL = """\
# Set-up for a fresh environment such as Colab: install this book's library and data.
# Does nothing where `expand_neurons` is already installed (Binder, a local checkout).
import importlib.util
import shutil
import subprocess
import sys

REQUIREMENT = {requirement}
APT_PACKAGES = {apt}

if importlib.util.find_spec("expand_neurons") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REQUIREMENT], check=True)
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *APT_PACKAGES], check=False)
"""


def toc_documents(toc_path: Path) -> list[str]:
    """Document paths (without suffix) of every page in a jb-book _toc.yml, in order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries: list[dict] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return [str(Path(doc).with_suffix("")) for doc in docs]


def repository_url(config_path: Path) -> str:
    """The repository URL, the one value set in _config.yml."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def setup_cell(ref: str, requirement: str | None = None) -> nbformat.NotebookNode:
    """The install cell, for the library at ``ref`` (or the pip ``requirement`` given, e.g. a
    local checkout) and the packages in binder/apt.txt."""
    if requirement is None:
        url = repository_url(ROOT / "_config.yml")
        requirement = f"expand-neurons[book] @ git+{url}.git@{ref}"
    apt = [
        line.strip()
        for line in (ROOT / "binder" / "apt.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    source = SETUP_CELL.format(requirement=json.dumps(requirement), apt=json.dumps(apt))
    return nbformat.v4.new_code_cell(source.rstrip("\n"))


# A ``literalinclude`` of one Python object (the book's solution dropdowns): the MyST block.
LITERALINCLUDE = re.compile(
    r"^(?P<fence>`{3,})\{literalinclude\}[ \t]+(?P<path>\S+)[ \t]*\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:.*\n)*)(?P=fence)[ \t]*$",
    re.MULTILINE,
)


def python_object_source(path: Path, name: str) -> str:
    """The source of the top-level function or class ``name`` in the Python file ``path``."""
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return ast.get_source_segment(text, node) or ""
    raise ValueError(f"{path} has no top-level function or class {name!r}")


def inline_includes(markdown: str, page: Path) -> str:
    """Replace each ``literalinclude`` with ``:pyobject:`` by a Python code block holding that
    object's source, so a notebook opened outside Sphinx (Colab, Binder) shows it too."""

    def replace(match: re.Match[str]) -> str:
        options = dict(re.findall(r":([\w-]+):[ \t]*(.*)", match["options"]))
        if "pyobject" not in options:
            return match[0]
        path = match["path"]
        file = ROOT / path.lstrip("/") if path.startswith("/") else page.parent / path
        source = python_object_source(file, options["pyobject"].strip())
        return f"{match['fence']}python\n{source}\n{match['fence']}"

    return LITERALINCLUDE.sub(replace, markdown)


def export(
    out_dir: Path,
    *,
    with_setup: bool = False,
    ref: str = "main",
    requirement: str | None = None,
    only: list[str] | None = None,
    numbers_from: Path = EXECUTED,
    unfilled: list[str] | None = None,
) -> list[Path]:
    """Write every notebook chapter (or those of ``only``, e.g. ``["book/fpe"]``) to
    ``out_dir``, its Markdown made plain with the numbers of the executed book in
    ``numbers_from``; return the written paths. Glued names that had no value are appended to
    ``unfilled`` as ``"<page>: <name>"``."""
    written = []
    docs = toc_documents(ROOT / "_toc.yml")
    unknown = sorted(set(only or []) - set(docs))
    if unknown:
        raise ValueError(f"pages {unknown} are not in _toc.yml; its pages are {docs}")
    book_labels = labels([ROOT / f"{doc}.md" for doc in docs if (ROOT / f"{doc}.md").is_file()])
    cited = citations(ROOT / "references.bib")
    for doc in docs:
        if only is not None and doc not in only:
            continue
        source = ROOT / f"{doc}.md"
        if not source.is_file():
            continue
        notebook = jupytext.read(source)
        if "kernelspec" not in notebook.metadata:
            continue  # a plain Markdown page, not a notebook
        notebook.metadata.pop("jupytext", None)
        executed = numbers_from / f"{doc}.ipynb"
        if not executed.is_file():
            print(f"warning: {executed} does not exist; {doc}'s numbers read '…'", file=sys.stderr)
        context = Context(book_labels, cited, glued_values(executed) if executed.is_file() else {})
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = plain(inline_includes(cell.source, source), context)
        if unfilled is not None:
            unfilled.extend(f"{doc}: {name}" for name in context.unfilled)
        if with_setup:
            # After the title cell, so that the notebook still opens with its heading.
            first_is_title = notebook.cells and notebook.cells[0].cell_type == "markdown"
            notebook.cells.insert(1 if first_is_title else 0, setup_cell(ref, requirement))
        target = out_dir / f"{doc}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write <page>.ipynb files into")
    parser.add_argument(
        "--setup-cell", action="store_true", help="start each notebook with the install cell"
    )
    parser.add_argument("--ref", default="main", help="git ref the install cell installs")
    parser.add_argument(
        "--requirement", help="what the install cell pip-installs instead (e.g. a local path)"
    )
    parser.add_argument(
        "--only", action="append", metavar="PAGE", help="export only this page (e.g. book/fpe)"
    )
    parser.add_argument(
        "--numbers-from",
        type=Path,
        default=EXECUTED,
        help="the executed book whose glued numbers fill the prose (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    out_dir = args.out_dir.resolve()
    if out_dir == (ROOT / "book").resolve() or (ROOT / "book").resolve() in out_dir.parents:
        parser.error("never write notebooks into book/: Sphinx would see two sources per page")
    try:
        paths = export(
            out_dir,
            with_setup=args.setup_cell,
            ref=args.ref,
            requirement=args.requirement,
            only=args.only,
            numbers_from=args.numbers_from,
        )
    except ValueError as err:
        parser.error(str(err))
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
