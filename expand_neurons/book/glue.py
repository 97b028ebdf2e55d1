"""Numbers into prose: :func:`put` glues a value for ``{glue:text}`` roles in a chapter."""

from __future__ import annotations

from typing import Any

from myst_nb import glue

__all__ = ["put"]


def put(name: str, value: Any) -> None:
    """Glue ``value`` under ``name`` without displaying it (numpy and torch scalars become
    plain Python numbers, so ``{glue:text}`name:.1f``` formats them)."""
    glue(name, value.item() if hasattr(value, "item") else value, display=False)
