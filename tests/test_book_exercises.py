"""The chapters' exercises: stubs in the learner's cells, labels, solutions from one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest

from expand_neurons.book import exercises, solutions

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.md"))
EXERCISE = re.compile(r"^(`{3,})\{exercise\}.*?^\1\s*$", re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r"\{literalinclude\}\s+(\S+)\s*\n(?:\s*:[\w-]+:.*\n)*?\s*:pyobject:\s*(\w+)")


def _code(chapter: Path) -> str:
    """The chapter's code cells, joined; empty for a plain Markdown page."""
    notebook = jupytext.read(chapter)
    if "kernelspec" not in notebook.metadata:
        return ""
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def _is_stub(fn: ast.FunctionDef) -> bool:
    body = fn.body[1:] if ast.get_docstring(fn) else fn.body
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return isinstance(stmt, ast.Return) and (
        stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
    )


def _checked_functions(tree: ast.Module) -> list[tuple[str, str]]:
    """``(checker, learner function)`` for every ``check_*(name, ...)`` call."""
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("check_")
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            calls.append((node.func.id, node.args[0].id))
    return calls


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_checked_function_in_a_chapter_is_a_stub(chapter):
    tree = ast.parse(_code(chapter))
    defs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for checker, name in _checked_functions(tree):
        assert hasattr(exercises, checker), f"{chapter.name}: {checker} is not a checker"
        assert name in defs, f"{chapter.name}: {checker}({name}) checks a function not defined"
        assert _is_stub(defs[name]), (
            f"{chapter.name}: the learner's {name} must be a stub (raise NotImplementedError) so "
            f"that {checker} reports it as not attempted; the solution goes in solutions.py"
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_a_difficulty_and_time_label(chapter):
    for block in EXERCISE.finditer(chapter.read_text(encoding="utf-8")):
        assert re.search(r"\*\*Difficulty\*\* [★☆]{3} · \*\*Time\*\* about \d+", block[0]), (
            f"{chapter.name}: exercise without a '**Difficulty** ★★☆ · **Time** about N "
            f"minutes' line:\n{block[0][:200]}"
        )


def test_solution_includes_name_functions_of_the_solutions_module():
    names = []
    for chapter in CHAPTERS:
        for path, name in INCLUDE.findall(chapter.read_text(encoding="utf-8")):
            assert path == "/expand_neurons/book/solutions.py", f"{chapter.name}: {path}"
            assert callable(getattr(solutions, name, None)), f"{chapter.name}: no solution {name}"
            names.append(name)
    assert set(names) >= {s.__name__ for s in solutions.SOLUTIONS.values()}, (
        "every registered solution is shown in some chapter's dropdown"
    )
