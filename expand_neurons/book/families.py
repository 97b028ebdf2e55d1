"""Paired families for a chapter's tables: per-seed differences, Holm-corrected together
(:func:`expand_neurons.experiments.analysis.compare`).

* :func:`ordering`: the adjacent differences of an order of variants, e.g. ``clause − random``
  and ``random − dense``;
* :func:`at_each`: ``a − b`` at every value of a swept field.

They give numbers (estimates and intervals) for tables; a chapter's outcome words come from the
claim catalogue (:mod:`expand_neurons.claims`), never from here. Seeds pair by position: seed
``j`` of every variant at one setting shares task and warm start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..experiments.analysis import compare
from ..experiments.records import select
from ..stats import Comparison

__all__ = ["ordering", "at_each"]


def ordering(
    result: Mapping[str, Any], order: Iterable[str], /, **setting: Any
) -> dict[str, Comparison]:
    """The family of adjacent differences of ``order`` (best first), e.g. ``["clause",
    "random", "dense"]`` gives ``"clause − random"`` and ``"random − dense"``, per seed."""
    names = list(order)
    if len(names) < 2:
        raise ValueError(f"an ordering needs at least two variants, got {names}")
    pairs = {f"{a} − {b}": (a, b, setting) for a, b in zip(names, names[1:])}
    return compare(result, pairs)


def at_each(
    result: Mapping[str, Any], key: str, a: str, b: str, /, **fixed: Any
) -> dict[Any, Comparison]:
    """``a - b`` (accuracy, per seed) at every value of ``key`` where both were trained, as one
    family; keyed by the value of ``key``."""
    sets = [{r[key] for r in select(result, variant=v, **fixed) if key in r} for v in (a, b)]
    if not sets[0]:
        raise ValueError(f"no record has field {key!r} with these variants at {fixed}")
    grid = sorted(set.intersection(*sets))
    pairs = {f"{key} = {v}": (a, b, {**fixed, key: v}) for v in grid}
    return dict(zip(grid, compare(result, pairs).values()))
