"""Where each exercise of a chapter is, and which code cells are its answer and its check.

A chapter states an exercise in a ``{exercise}`` directive (with a ``:label:`` and a first line
``**Difficulty** ★★☆ · **Time** about 15 minutes``). When that directive ends its Markdown cell,
the code cells that follow (up to the next Markdown cell) belong to it: a cell that calls a
checker (a function named ``check_...``) is a *check* cell, and a cell before it that calls none
is a *stub* cell, the learner's answer. Code cells after the last check cell are the chapter's
own. The student edition (``scripts/export_notebooks.py --edition student``) and the teacher's
page (:mod:`expand_neurons.book.teaching`) both read exercises through :func:`find_exercises`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .myst import Directive, split_directives

__all__ = ["Exercise", "find_exercises", "calls_a_checker"]

STARS = re.compile(r"\*\*Difficulty\*\*\s*(?P<stars>[★☆]+)")
MINUTES = re.compile(r"\*\*Time\*\*\s*about\s+(?P<minutes>\d+)\s+minutes")


@dataclass
class Exercise:
    """One exercise of a chapter.

    ``number`` counts from 1 within the chapter (as the notebooks number them); ``stars`` is the
    difficulty (1 to 3, 0 when not stated); ``minutes`` the stated time (``None`` when not
    stated); ``stubs`` and ``checks`` are indices of the notebook's cells.
    """

    number: int
    label: str
    stars: int
    minutes: int | None
    text: str
    stubs: list[int] = field(default_factory=list)
    checks: list[int] = field(default_factory=list)

    @property
    def points(self) -> int:
        """What the graded check is worth: one point per star of difficulty, at least one."""
        return max(1, self.stars)

    @property
    def graded(self) -> bool:
        """Whether the exercise has a stub cell followed by a check cell."""
        return bool(self.stubs) and bool(self.checks) and min(self.stubs) < min(self.checks)


def calls_a_checker(source: str) -> bool:
    """Whether the code ``source`` calls a function named ``check_...``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("check_")
        for node in ast.walk(tree)
    )


def _directives(markdown: str) -> list[tuple[Directive, bool]]:
    """The directives of ``markdown``, each with whether it ends the cell (only blank lines
    after it)."""
    items = list(split_directives(markdown.splitlines()))
    return [
        (item, all(isinstance(rest, str) and not rest.strip() for rest in items[k + 1 :]))
        for k, item in enumerate(items)
        if isinstance(item, Directive)
    ]


def find_exercises(cells: Sequence[Any], chapter: str) -> list[Exercise]:
    """The exercises of a chapter's notebook ``cells`` (each with ``cell_type`` and ``source``),
    in order; ``chapter`` names the chapter in an unlabelled exercise's label
    (``"<chapter>-exercise-<number>"``)."""
    exercises: list[Exercise] = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        owner = None
        for directive, last in _directives(cell.source):
            if directive.name != "exercise":
                continue
            text = "\n".join(directive.body)
            stars, minutes = STARS.search(text), MINUTES.search(text)
            number = len(exercises) + 1
            exercise = Exercise(
                number=number,
                label=directive.options.get("label", f"{chapter}-exercise-{number}"),
                stars=stars["stars"].count("★") if stars else 0,
                minutes=int(minutes["minutes"]) if minutes else None,
                text=text.strip(),
            )
            exercises.append(exercise)
            owner = exercise if last else None
        if owner is not None:
            _claim_cells(owner, cells, index + 1)
    return exercises


def _claim_cells(exercise: Exercise, cells: Sequence[Any], start: int) -> None:
    """Give ``exercise`` the stub and check cells of the code run that starts at ``start``."""
    run = []
    for index in range(start, len(cells)):
        if cells[index].cell_type != "code":
            break
        run.append(index)
    checks = [i for i in run if calls_a_checker(cells[i].source)]
    if not checks:
        return
    exercise.checks = checks
    exercise.stubs = [i for i in run if i < checks[-1] and i not in checks]
