"""Argument checks shared by the library: a wrong value is named with what is allowed."""

from __future__ import annotations

import numbers
from typing import cast

__all__ = ["check_int"]


def check_int(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) in ``[minimum, maximum]``.

    Raises :class:`TypeError` for a non-integer and :class:`ValueError` for one out of range,
    naming ``name``, the value and what is allowed (e.g. ``"k must be an integer >= 1, got 0"``).
    """
    if maximum is None:
        allowed = f"an integer >= {minimum}"
    else:
        allowed = f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    # ``numbers.Integral`` declares ``<`` but not ``>``; every integral type has both
    if value < minimum or (maximum is not None and cast(int, value) > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)
