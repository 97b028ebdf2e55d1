"""Argument checks shared by the library: a wrong value is named with what is allowed."""

from __future__ import annotations

import math
import numbers
from typing import cast

import torch

__all__ = ["check_int", "check_positive", "check_probability", "check_device", "DEVICE_TYPES"]


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


def check_positive(name: str, value: object) -> float:
    """``value`` as a ``float`` if it is a finite number ``> 0`` (not a bool).

    Raises :class:`ValueError` naming ``name`` and the value, e.g.
    ``"lr must be a finite number > 0, got inf"``.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(cast(float, value)) or not cast(float, value) > 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(cast(float, value))


def check_probability(name: str, value: object) -> float:
    """``value`` as a ``float`` if it is a number in ``[0, 1]`` (not a bool, not NaN).

    Raises :class:`ValueError` naming ``name`` and the value, e.g.
    ``"p must be a number in [0, 1], got 2"``.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not 0 <= cast(float, value) <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(cast(float, value))


#: Device types a run may name: ``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) and ``"mps"``.
DEVICE_TYPES = ("cpu", "cuda", "mps")


def check_device(name: str, device: object, *, available: bool = True) -> str | None:
    """``device`` if it names a device type of :data:`DEVICE_TYPES` (``None`` passes: the
    caller's default), and with ``available`` one this machine has.

    Raises :class:`ValueError` naming ``name``, the value and what is allowed, e.g.
    ``"--device must be one of cpu, cuda, cuda:N or mps, got 'tpu'"`` or
    ``"--device 'cuda' asked for, but torch.cuda.is_available() is False"``.
    """
    if device is None:
        return None
    allowed = "one of cpu, cuda, cuda:N or mps"
    if not isinstance(device, str):
        raise ValueError(f"{name} must be {allowed}, got {device!r} ({type(device).__name__})")
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in DEVICE_TYPES:
        raise ValueError(f"{name} must be {allowed}, got {device!r}")
    if available and parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name} {device!r} asked for, but torch.cuda.is_available() is False")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"{name} {device!r} asked for, but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    if available and parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{name} {device!r} asked for, but torch.backends.mps.is_available() is False"
        )
    return device
