"""Seeds: one base seed per run, independent seeds per instance derived from it.

A run with base seed ``s`` trains several instances (tasks, initialisations, splits, mini-batch
orders). Their seeds are derived with ``numpy.random.SeedSequence``: seed ``s`` and a path of
names and indices (``derive(s, "task", 3)``) give a 63-bit seed, so two base seeds never share an
instance (``s + j`` would: base seeds 0 and 1 would share all but one), and the same base seed
always gives the same seeds.
"""

from __future__ import annotations

import zlib

import numpy as np

from .checks import check_int

__all__ = ["MAX_SEED", "check_seed", "derive", "instance_seeds"]

#: The largest seed accepted (seeds are non-negative 64-bit signed integers, as torch takes).
MAX_SEED = 2**63 - 1


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` if it is an integer in ``[0, MAX_SEED]``: ``TypeError`` or ``ValueError``
    naming it and the range otherwise."""
    return check_int(name, seed, minimum=0, maximum=MAX_SEED)


def _key(part: int | str) -> int:
    return zlib.crc32(part.encode()) if isinstance(part, str) else int(part)


def derive(seed: int, *path: int | str) -> int:
    """A 63-bit seed for the instance named by ``path`` (names and indices) under ``seed``."""
    seq = np.random.SeedSequence(check_seed(seed), spawn_key=tuple(_key(p) for p in path))
    hi, lo = (int(x) for x in seq.generate_state(2, np.uint32))
    return ((hi << 32) | lo) & MAX_SEED


def instance_seeds(seed: int, n: int, stream: str) -> list[int]:
    """``n`` seeds of one ``stream`` (e.g. ``"task"``, ``"model"``): ``derive(seed, stream, j)``."""
    return [derive(seed, stream, j) for j in range(n)]
