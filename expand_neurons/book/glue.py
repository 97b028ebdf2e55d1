"""Numbers into prose: :func:`put` glues a value for ``{glue:text}`` roles in a chapter;
:func:`expect` checks, next to a sentence written in the chapter, that the data still say what
the sentence says (a failing check fails the build)."""

from __future__ import annotations

from typing import Any

from myst_nb import glue

__all__ = ["put", "expect"]


def put(name: str, value: Any) -> None:
    """Glue ``value`` under ``name`` without displaying it (numpy and torch scalars become
    plain Python numbers, so ``{glue:text}`name:.1f``` formats them)."""
    glue(name, value.item() if hasattr(value, "item") else value, display=False)


def expect(holds: bool, sentence: str) -> None:
    """Fail (``AssertionError``) unless ``holds``: the chapter's ``sentence`` no longer matches
    the data, and the text must be rewritten, not the check."""
    if not holds:
        raise AssertionError(f"the chapter says {sentence!r}, but the data no longer do")
