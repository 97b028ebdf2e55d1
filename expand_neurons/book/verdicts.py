"""The chapters' verdicts: orderings, gains at each setting and trends along a sweep, each a
Holm-corrected family of paired comparisons (:func:`expand_neurons.stats.family`).

A chapter states a claim of the paper as a family of per-seed paired comparisons and reads the
verdict off the intervals, never off means:

* an *ordering* ``clause > random > dense`` is the family of adjacent differences;
* a *gain at every setting* is ``a - b`` at each value of the swept field;
* a *trend* ("the gain rises with the clauses") is the change of the per-seed relative gain
  from each grid value to the next; :func:`trend` says whether the expected direction
  is *supported* (every step goes that way), *contradicted* (some step goes the other way) or
  *inconclusive* (no step against it, not every step for it), in the catalogue's words
  (:class:`expand_neurons.claims.outcomes.Outcome`).

Seeds pair by position: seed ``j`` of every variant at one setting shares task and warm start;
across settings seed ``j`` is an independent draw, which a paired test allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..claims.outcomes import Outcome
from ..experiments.analysis import compare, paired_values
from ..experiments.records import one, select
from ..metrics import relative_improvement
from ..stats import Comparison, family

__all__ = [
    "ordering",
    "at_each",
    "gains",
    "step_pairs",
    "gain_steps",
    "against_dense",
    "bracket",
    "kept_share",
    "trend",
    "predicate",
    "tally",
    "listing",
    "TRENDS",
]

#: What :func:`trend` can say about an expected direction (the catalogue's words).
TRENDS = (Outcome.SUPPORTED, Outcome.CONTRADICTED, Outcome.INCONCLUSIVE)

_OPPOSITE = {"better": "worse", "worse": "better"}


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


def _grid_values(
    result: Mapping[str, Any], key: str, variants: Iterable[str], /, **fixed: Any
) -> list[Any]:
    """The sorted values of ``key`` at which every one of ``variants`` was trained."""
    sets = [{r[key] for r in select(result, variant=v, **fixed) if key in r} for v in variants]
    if not sets or not sets[0]:
        raise ValueError(f"no record has field {key!r} with these variants at {fixed}")
    return sorted(set.intersection(*sets))


def at_each(
    result: Mapping[str, Any], key: str, a: str, b: str, /, **fixed: Any
) -> dict[Any, Comparison]:
    """``a - b`` (accuracy, per seed) at every value of ``key`` where both were trained, as one
    family; keyed by the value of ``key``."""
    grid = _grid_values(result, key, (a, b), **fixed)
    pairs = {f"{key} = {v}": (a, b, {**fixed, key: v}) for v in grid}
    out = compare(result, pairs)
    return dict(zip(grid, out.values()))


def gains(result: Mapping[str, Any], a: str, b: str, /, **setting: Any) -> list[float]:
    """Per-seed relative gain ``(acc_a - acc_b) / acc_b`` at one setting (0-1 scale)."""
    xa, xb = paired_values(result, a, b, **setting)
    return [relative_improvement(x, y) for x, y in zip(xa, xb)]


def step_pairs(
    result: Mapping[str, Any], key: str, a: str = "random", b: str = "dense", /, **fixed: Any
) -> dict[str, tuple[list[float], list[float]]]:
    """Per-seed relative gains of ``a`` over ``b`` at each value of ``key`` and at the value
    before it, ``{"key u → w": (gains at w, gains at u)}``, ready for a
    :func:`~expand_neurons.stats.family` (merge several to correct them together). Empty
    when only one value of ``key`` was trained (a stored sweep not computed yet)."""
    grid = _grid_values(result, key, (a, b), **fixed)
    g = {v: gains(result, a, b, **{**fixed, key: v}) for v in grid}
    at = "".join(f", {k} = {v}" for k, v in fixed.items())
    return {f"{key} {u} → {w}{at}": (g[w], g[u]) for u, w in zip(grid, grid[1:])}


def gain_steps(
    result: Mapping[str, Any], key: str, a: str = "random", b: str = "dense", /, **fixed: Any
) -> dict[tuple[Any, Any], Comparison]:
    """:func:`step_pairs` as one family, keyed by ``(value, next value)``: the change of the
    per-seed relative gain from each value of ``key`` to the next."""
    grid = _grid_values(result, key, (a, b), **fixed)
    out = family(step_pairs(result, key, a, b, **fixed))
    return dict(zip(zip(grid, grid[1:]), out.values()))


def against_dense(
    result: Mapping[str, Any], alpha: int, split: str = "random"
) -> dict[int, Comparison]:
    """FPE (``split``, ``alpha``) minus every dense model of ``result`` (accuracy, per seed), as
    one family keyed by the dense model's non-zero count: which dense sizes it beats."""
    fpe = one(result, variant=split, alpha=alpha)["accuracies"]
    dense = sorted(select(result, variant="dense"), key=lambda r: r["nonzero"])
    out = family({f"FPE − dense h = {r['hidden']}": (fpe, r["accuracies"]) for r in dense})
    return dict(zip((r["nonzero"] for r in dense), out.values()))


def bracket(
    comparisons: Mapping[int, Comparison], nonzero: int
) -> tuple[float | None, float | None]:
    """From :func:`against_dense`: the parameter ratios (dense non-zeros over ``nonzero``) of
    the largest dense model FPE is better than and of the smallest it is worse than; ``None``
    where there is none. A matched size between them is what the intervals allow."""
    better = [n for n, c in comparisons.items() if c.verdict == "better"]
    worse = [n for n, c in comparisons.items() if c.verdict == "worse"]
    return (
        max(better) / nonzero if better else None,
        min(worse) / nonzero if worse else None,
    )


def kept_share(
    result: Mapping[str, Any], share: float = 0.8, base: str = "random", **setting: Any
) -> dict[int, Comparison]:
    """Does each grouped split keep ``share`` of ``base``'s gain over dense? One family, keyed
    by the number of blocks: per seed, ``acc_grouped - (share * acc_base + (1 - share) *
    acc_dense)``, which is above zero exactly when the grouped split keeps more than ``share``
    of that seed's gain (so "better": the target is met)."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    grouped = sorted(
        (r for r in select(result, **setting) if "blocks" in r), key=lambda r: r["blocks"]
    )
    if not grouped:
        raise ValueError(f"no grouped variant (a record with 'blocks') at {setting}")
    xb, xd = paired_values(result, base, "dense", **setting)
    target = [share * b + (1 - share) * d for b, d in zip(xb, xd)]
    out = family({f"{r['variant']} keeps {share:.0%}": (r["accuracies"], target) for r in grouped})
    return dict(zip((r["blocks"] for r in grouped), out.values()))


def trend(comparisons: Iterable[Comparison], expected: str) -> Outcome:
    """*Supported* when every comparison's verdict is ``expected`` (``"better"`` or
    ``"worse"``), *contradicted* when one goes the opposite way, *inconclusive* otherwise (and
    for an empty family)."""
    if expected not in _OPPOSITE:
        raise ValueError(f"expected must be 'better' or 'worse', got {expected!r}")
    verdicts = [c.verdict for c in comparisons]
    if verdicts and all(v == expected for v in verdicts):
        return Outcome.SUPPORTED
    if _OPPOSITE[expected] in verdicts:
        return Outcome.CONTRADICTED
    return Outcome.INCONCLUSIVE


def predicate(outcome: Outcome) -> str:
    """A :data:`TRENDS` outcome as the verb of a sentence: ``"is supported"``, ``"is
    contradicted"``, ``"is inconclusive"``."""
    if outcome not in TRENDS:
        raise ValueError(f"unknown trend outcome {outcome!r}; allowed are {list(TRENDS)}")
    return f"is {outcome.value}"


def tally(comparisons: Iterable[Comparison]) -> str:
    """E.g. ``"2 better, 1 not distinguishable (of 3)"``: the verdicts of a family, counted."""
    verdicts = [c.verdict for c in comparisons]
    parts = [f"{verdicts.count(v)} {v}" for v in ("better", "worse", "not distinguishable")]
    return ", ".join(p for p in parts if not p.startswith("0 ")) + f" (of {len(verdicts)})"


def listing(comparisons: Iterable[Comparison], scale: float = 100.0, unit: str = " points") -> str:
    """Every comparison as ``"name: describe()"``, joined by semicolons, for the prose."""
    return "; ".join(f"{c.name}: {c.describe(scale, unit)}" for c in comparisons)
