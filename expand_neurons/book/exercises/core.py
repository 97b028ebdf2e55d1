"""What every exercise checker shares: the wrong-answer error, the stub detection, the decorator.

A checker takes the learner's answer (a function, or a value such as ``answer = "split"``),
tests it on small cases and returns a message:

- a stub (a function that raises ``NotImplementedError`` or returns ``None``, or a value left
  as ``...`` or ``None``, as the learner's cell holds it before any work) gives
  ``"Not attempted yet. Hint: ..."``, so the book builds with the stubs in place;
- a wrong answer raises :class:`ExerciseError` (an ``AssertionError``) whose message says what
  is wrong, so a failing cell shows what to fix;
- a right answer gives a message starting with ``"Correct"``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

__all__ = ["ExerciseError", "NOT_ATTEMPTED", "exercise", "fail", "given", "none_means"]


class ExerciseError(AssertionError):
    """A wrong answer, with a message saying what is wrong."""


NOT_ATTEMPTED = "Not attempted yet."
"""How every checker's message starts when it is handed a stub."""


class _Stub(Exception):
    """The learner's answer is still a stub."""


def fail(msg: str) -> NoReturn:
    """Reject the learner's answer with ``msg`` (what is wrong and how to fix it)."""
    raise ExerciseError(msg)


def given(value: Any) -> Any:
    """The learner's value answer, or end the check as not attempted if it is ``...``/``None``."""
    if value is None or value is Ellipsis:
        raise _Stub
    return value


@contextlib.contextmanager
def none_means(msg: str) -> Iterator[None]:
    """Inside, a learner's function that returns ``None`` (or raises ``NotImplementedError``)
    is a wrong answer with ``msg``, not a stub: for cases checked after others have passed."""
    try:
        yield
    except _Stub:
        fail(msg)


def _learner(fn: Any) -> Any:
    """Wrap the learner's function so that a stub ends the check instead of failing it; a value
    answer passes through (checkers read it with :func:`given`)."""
    if not callable(fn):
        return fn

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError:
            raise _Stub from None
        if out is None:
            raise _Stub
        return out

    return call


Check = TypeVar("Check", bound=Callable[..., str])


def exercise(hint: str, answers: int = 1) -> Callable[[Check], Check]:
    """Decorate a checker whose first ``answers`` arguments are the learner's: a stub among them
    gets ``"Not attempted yet. Hint: <hint>"`` instead of a check.

    The hint is kept as the checker's ``hint`` attribute (the tests read it).
    """

    def wrap(check: Check) -> Check:
        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> str:
            learned = [_learner(a) for a in args[:answers]]
            try:
                return check(*learned, *args[answers:], **kwargs)
            except _Stub:
                return f"{NOT_ATTEMPTED} Hint: {hint}"

        run.hint = hint  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap
