"""The book's argument is written by people, in the chapters, and checked against the data.

* No string in the library states an outcome: outcome words (the claim catalogue's vocabulary and
  the old verdict words) appear only in :mod:`expand_neurons.claims.outcomes`, which defines them,
  never in a sentence that code writes for the book.
* The book's page helpers return figures, tables and numbers, never text (no public
  ``-> str``).
* Every Markdown cell of a chapter that states an outcome has a check next to it: a code cell just
  before or after it that calls ``expect`` or ``expect_outcome`` (which fail the build when the
  data disagree).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "expand_neurons"
#: The notebook chapters (a plain Markdown page, such as the introduction, runs no code and
#: states no data).
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if "kernelspec:" in p.read_text())

#: Words that state an outcome of a comparison or a claim.
OUTCOME_WORDS = re.compile(
    r"\b(supported|contradicted|inconclusive|not distinguishable|smaller than the paper|"
    r"smaller than the smallest effect|does not hold|holds up)\b",
    re.IGNORECASE,
)
#: The module that defines the outcome vocabulary: the one place its words may be written.
VOCABULARY = {PACKAGE / "claims" / "outcomes.py"}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, nodes)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def sentences_with_outcomes(path: Path) -> list[str]:
    """String constants of ``path`` (docstrings and comments aside) of three words or more that
    contain an outcome word."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and len(node.value.split()) >= 3
        and OUTCOME_WORDS.search(node.value)
    ]


def test_the_scan_finds_an_outcome_sentence(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""The claim is supported, says the docstring: allowed."""\n\n'
        'def f(x):\n    return f"the claim is supported at {x}"\n'
    )
    assert sentences_with_outcomes(module) == ["the claim is supported at "]


@pytest.mark.parametrize(
    "path", sorted(set(PACKAGE.rglob("*.py")) - VOCABULARY), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_library_string_states_an_outcome(path):
    found = sentences_with_outcomes(path)
    assert not found, f"{path.name} writes outcome sentences (write them in the chapter): {found}"


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "book" / "pages").glob("*.py")), ids=lambda p: p.name
)
def test_page_helpers_return_no_text(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    text = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")  # a private cell formatter feeds a table
        and node.returns is not None
        and ast.unparse(node.returns) in ("str", "list[str]", "dict[str, str]")
    ]
    assert not text, f"{path.name}: {text} return text; a page helper returns figures and tables"


def unchecked_outcome_cells(chapter: Path) -> list[str]:
    """The Markdown cells of ``chapter`` that state an outcome with no ``expect`` check in the
    code cell just before or just after them."""
    cells = jupytext.read(chapter).cells
    out = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown" or not OUTCOME_WORDS.search(cell.source):
            continue
        near = [cells[j] for j in (i - 1, i + 1) if 0 <= j < len(cells)]
        if not any(c.cell_type == "code" and "expect" in c.source for c in near):
            out.append(OUTCOME_WORDS.search(cell.source).group(0) + ": " + cell.source[:120])
    return out


def test_the_outcome_check_finds_an_unchecked_sentence(tmp_path):
    page = tmp_path / "page.md"
    head = "---\njupyter:\n  kernelspec:\n    name: python3\n---\n\n"
    page.write_text(head + "Claim 1 is supported here.\n\n```{code-cell}\nx = 1\n```\n")
    assert len(unchecked_outcome_cells(page)) == 1
    page.write_text(head + "Claim 1 is supported.\n\n```{code-cell}\nexpect_outcome('1', S)\n```\n")
    assert unchecked_outcome_cells(page) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_outcome_sentence_has_a_check_next_to_it(chapter):
    found = unchecked_outcome_cells(chapter)
    assert not found, f"{chapter.name}: outcome stated with no expect check next to it: {found}"
