"""Turn a chapter's notebook into its student edition, with nbgrader's cell metadata.

The student edition is the full edition without solutions (``scripts/plain_markdown.py`` drops
the ``{solution}`` dropdowns) and with every exercise set up as an nbgrader assignment
(nbgrader 0.9, cell metadata schema 3), as :mod:`expand_neurons.book.exercise_cells` finds it:

* the stub cell is a *solution* cell (``solution: true``) whose stub lines (``raise
  NotImplementedError(...)``, ``return None``, ``answer = ...``) sit between ``### BEGIN
  SOLUTION`` and ``### END SOLUTION``, so ``nbgrader generate_assignment`` keeps the function's
  signature and replaces only those lines;
* the check cell after it is an autograder *test* cell (``grade: true, locked: true`` and the
  exercise's points, one per star of difficulty): ``print(check_x(fn))`` becomes
  ``assert_correct(check_x(fn))``, which prints the same diagnosis and fails unless it says
  "Correct". It is tagged ``raises-exception``, so that "Run All" goes on past an exercise
  not done yet.

A code cell that imports ``expand_neurons.book.solutions`` is refused: the student edition must
hold no answer.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from expand_neurons.book.exercise_cells import Exercise, find_exercises

SCHEMA_VERSION = 3
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
#: What nbgrader cuts from any cell that holds it: only the marked stubs may.
NBGRADER_DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
ASSERT_IMPORT = "from expand_neurons.book.exercises.grading import assert_correct"
SOLUTIONS_IMPORT = re.compile(r"\bexpand_neurons\.book(\.solutions\b|\s+import\s+.*\bsolutions\b)")


def _is_stub(node: ast.stmt, in_function: bool) -> bool:
    """Whether ``node`` is a stub statement: a learner replaces it with the answer."""
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    if in_function:
        if isinstance(node, ast.Return):
            return node.value is None or (
                isinstance(node.value, ast.Constant) and node.value.value is None
            )
        if isinstance(node, ast.Pass):
            return True
        return (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and node.value.value is Ellipsis
        )
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    return isinstance(value, ast.Constant) and value.value in (None, Ellipsis)


def _stub_statements(body: list[ast.stmt], in_function: bool) -> list[ast.stmt]:
    found = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += _stub_statements(node.body, in_function=True)
        elif _is_stub(node, in_function):
            found.append(node)
    return found


def mark_answer(source: str) -> str:
    """``source`` (a stub cell) with its stub lines between nbgrader's solution markers; a
    ``ValueError`` if it has none."""
    statements = _stub_statements(ast.parse(source).body, in_function=False)
    if not statements:
        raise ValueError(
            "a stub cell must hold a stub for the learner to replace: `raise "
            "NotImplementedError(...)` or `return None` in a function, or `answer = ...`; "
            f"got:\n{source}"
        )
    lines = source.splitlines()
    regions: list[list[int]] = []  # [first, last] line numbers (1-based), merged when adjacent
    for node in statements:
        last = node.end_lineno or node.lineno
        if regions and regions[-1][1] + 1 == node.lineno:
            regions[-1][1] = last
        else:
            regions.append([node.lineno, last])
    for first, last in reversed(regions):
        row = lines[first - 1]
        indent = row[: len(row) - len(row.lstrip())]
        lines[last:last] = [indent + END]
        lines[first - 1 : first - 1] = [indent + BEGIN]
    return "\n".join(lines)


def _checker_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("check_")
    )


def graded_check(source: str) -> str:
    """``source`` (a check cell) with each ``print(check_x(...))`` (or bare ``check_x(...)``)
    statement asserting that the checker says "Correct"; a ``ValueError`` for a checker called
    any other way."""
    tree = ast.parse(source)
    lines = source.splitlines()
    edits = []  # (line, start column, end column, replacement), on one line each
    for node in tree.body:
        value = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "print"
            and len(value.args) == 1
            and not value.keywords
            and _checker_call(value.args[0])
        ):
            f = value.func
            edits.append((f.lineno, f.col_offset, f.end_col_offset, "assert_correct"))
        elif value is not None and _checker_call(value):
            edits.append((value.lineno, value.col_offset, value.col_offset, "assert_correct("))
            end = value.end_lineno or value.lineno
            edits.append((end, value.end_col_offset, value.end_col_offset, ")"))
        elif any(_checker_call(n) for n in ast.walk(node) if isinstance(n, ast.expr)):
            raise ValueError(
                "a check cell calls its checker as `print(check_...(...))`, so that the student "
                f"edition can grade it; got:\n{source}"
            )
    if not edits:
        raise ValueError(f"a check cell must call a checker (check_...); got:\n{source}")
    for line, start, end, text in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:start] + text + row[end:]
    return ASSERT_IMPORT + "\n\n" + "\n".join(lines)


def nbgrader(grade_id: str, *, solution: bool = False, points: int | None = None) -> dict:
    """nbgrader's cell metadata: a solution cell, or (with ``points``) a locked test cell."""
    meta: dict[str, Any] = {
        "grade": points is not None,
        "grade_id": grade_id,
        "locked": points is not None,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _ids(exercise: Exercise, kind: str, count: int) -> list[str]:
    base = re.sub(r"[^A-Za-z0-9_-]", "-", exercise.label)
    return [f"{base}-{kind}" + (f"-{n}" if n > 1 else "") for n in range(1, count + 1)]


def make_student_edition(notebook: Any, chapter: str) -> list[Exercise]:
    """Turn ``notebook`` (chapter ``chapter``'s MyST cells, before its Markdown is made plain)
    into the student edition in place; return its exercises. Raises ``ValueError`` naming the
    chapter and cell for an import of the solutions, text nbgrader would cut (its solution
    markers), or a stub or check cell it cannot grade."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and SOLUTIONS_IMPORT.search(cell.source):
            raise ValueError(
                f"{chapter}, cell {index}: the student edition cannot import the solutions "
                f"module:\n{cell.source}"
            )
        if any(delimiter in cell.source for delimiter in NBGRADER_DELIMITERS):
            raise ValueError(
                f"{chapter}, cell {index}: nbgrader would cut the text between its markers "
                f"{NBGRADER_DELIMITERS} from this cell; reword it:\n{cell.source}"
            )
    exercises = find_exercises(notebook.cells, chapter)
    for exercise in exercises:
        where = f"{chapter}, exercise {exercise.number} ({exercise.label})"
        if exercise.checks and not exercise.graded:
            raise ValueError(
                f"{where}: its check cell has no stub cell before it; put the learner's stub "
                "in a cell of its own, then the check cell"
            )
        for kind, cells, rewrite, meta in (
            ("answer", exercise.stubs, mark_answer, nbgrader("", solution=True)),
            ("check", exercise.checks, graded_check, nbgrader("", points=exercise.points)),
        ):
            for index, grade_id in zip(cells, _ids(exercise, kind, len(cells))):
                cell = notebook.cells[index]
                try:
                    cell.source = rewrite(cell.source)
                except ValueError as err:
                    raise ValueError(f"{where}: {err}") from None
                cell.metadata["nbgrader"] = meta | {"grade_id": grade_id}
        for index in exercise.checks:  # "Run All" goes on past an exercise not done yet
            tags = notebook.cells[index].metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
    return exercises
