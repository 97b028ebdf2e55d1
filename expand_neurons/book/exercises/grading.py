"""The graded form of a check cell, for the student edition and nbgrader's autograder.

In the book a check cell prints the checker's message (``print(check_split(my_split))``), so
the book builds with every stub in place. An autograder's test cell must instead *fail* unless
the answer is right: the student edition (``scripts/export_notebooks.py --edition student``)
writes ``assert_correct(check_split(my_split))``, which prints the same message and then raises
unless it starts with ``"Correct"``. A wrong answer already raises inside the checker, with its
diagnosis.
"""

from __future__ import annotations

__all__ = ["CORRECT", "NotCorrectYet", "assert_correct"]

CORRECT = "Correct"
"""How every checker's message starts when the answer is right."""


class NotCorrectYet(AssertionError):
    """The checker did not accept the answer (it is still a stub)."""


def assert_correct(message: str) -> None:
    """Print a checker's ``message``; raise :class:`NotCorrectYet` unless it starts with
    ``"Correct"`` (a stub's ``"Not attempted yet. Hint: ..."``, for instance)."""
    if not isinstance(message, str):
        raise TypeError(
            f"assert_correct takes a checker's message (a str), got {type(message).__name__}: "
            "call it as assert_correct(check_...(your_function))"
        )
    print(message)
    if not message.startswith(CORRECT):
        raise NotCorrectYet("the checker did not say 'Correct' yet: see its message above")
