"""The seed plan applied to the catalogue: where each claim part stands, and what it asks for next.

Every per-seed part of a claim follows its seed plan (:mod:`.sequential`): at each look its
repeated interval (at the claim's Holm step, :mod:`.evaluate`) either stops the part (the effect
is shown, or it is smaller than the smallest effect of interest, or the cap is reached) or asks
for the next look's seeds. More seeds come as whole seed blocks, runs at the next base seeds
(:mod:`expand_neurons.experiments.blocks`): :func:`stops` says, per part, how many seeds it has,
where it stands and which blocks (experiment, base seed) it asks for; :func:`commands` turns
those into the ``precompute`` commands that compute them, nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .evaluate import ClaimResult
from .sequential import CONTINUE

__all__ = ["Stop", "stops", "commands", "BEFORE_FIRST_LOOK", "NOT_PLANNED"]

#: A part with fewer seeds than its plan's first look.
BEFORE_FIRST_LOOK = "continue: before the first look"
#: A part the plan does not steer: not estimated yet, blocked by a gate, or an estimate over
#: settings (a bootstrap), whose unit is not the seed.
NOT_PLANNED = "not planned"


@dataclass(frozen=True)
class Stop:
    """Where one claim part stands under its seed plan.

    Attributes:
        claim, part: the claim's key and the part's name.
        seeds: the seeds its estimate has (0: none).
        decision: the plan's decision at the current look (:mod:`.sequential`'s words),
            :data:`BEFORE_FIRST_LOOK` or :data:`NOT_PLANNED`.
        wanted: the seeds the plan asks for in all (``seeds`` when it stops).
        blocks: the seed blocks to compute for that, ``(experiment, base seed)``.
    """

    claim: str
    part: str
    seeds: int
    decision: str
    wanted: int
    blocks: tuple[tuple[str, int], ...]


def _blocks(
    experiments: Sequence[str], wanted: int, results: Mapping[str, Mapping[str, Any]]
) -> tuple[tuple[str, int], ...]:
    """The blocks each experiment needs so that it has ``wanted`` seeds."""
    out = []
    for name in experiments:
        result = results[name]
        size = int(result["config"]["seeds"])
        have = len(result.get("seeds", [0]))
        out += [(name, base) for base in range(have, math.ceil(wanted / size))]
    return tuple(out)


def stops(
    claims: Mapping[str, ClaimResult], results: Mapping[str, Mapping[str, Any] | None]
) -> list[Stop]:
    """Every part of every evaluated claim (``claims`` from :func:`.evaluate.evaluate` on
    ``results``), with its plan's decision and the blocks it asks for."""
    out = []
    for key, result in claims.items():
        for p in result.parts:
            e, plan = p.estimate, p.part.plan
            names = list(dict.fromkeys(s.experiment for s in p.part.estimand.sources()))
            found = {n: r for n in names if (r := results.get(n)) is not None}
            if e is None or e.per_seed is None or math.isnan(p.level) or len(found) < len(names):
                out.append(Stop(key, p.part.name, e.n if e else 0, NOT_PLANNED, 0, ()))
                continue
            if p.look is None:
                wanted, decision = plan.looks[0], BEFORE_FIRST_LOOK
            else:
                decision = p.look.decision
                later = [n for n in plan.looks if n > p.look.n]
                wanted = later[0] if decision == CONTINUE and later else p.look.n
            blocks = _blocks(names, wanted, found) if wanted > e.n else ()
            out.append(Stop(key, p.part.name, e.n, decision, wanted, blocks))
    return out


def commands(plan_stops: Sequence[Stop], store: str, profile: str = "paper") -> list[str]:
    """The ``precompute`` commands that compute every block ``plan_stops`` ask for, one per
    base seed (each block once, however many parts ask for it)."""
    by_seed: dict[int, list[str]] = {}
    for stop in plan_stops:
        for name, seed in stop.blocks:
            names = by_seed.setdefault(seed, [])
            if name not in names:
                names.append(name)
    return [
        f"python -m expand_neurons precompute {' '.join(names)} --profile {profile} "
        f"--seed {seed} --store {store}"
        for seed, names in sorted(by_seed.items())
    ]
