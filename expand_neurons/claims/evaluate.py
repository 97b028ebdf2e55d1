"""The claims evaluated together: intersection-union within a claim, Holm across claims, each
per-seed interval a repeated confidence interval of its seed plan.

A claim is a conjunction of parts, so it is tested as an *intersection-union* test: it is
supported only when every part is (no correction within a claim: the conjunction is already as
strict as its weakest part). Across the claims of a family (a profile's scoreboard), Holm's
step-down procedure controls the familywise error: the claims are taken in the order of their
p-values (the largest of their parts'), the ``k``-th of ``m`` at error ``(1 - level) / (m -
k)``, and the procedure stops at the first claim whose intervals do not all exclude zero;
every later claim keeps that step's error. Each part's interval is drawn at its claim's step:

* a per-seed estimate whose seeds reach its plan's first look (:mod:`.sequential`) gets the
  plan's repeated confidence interval at the current look, with the step's error spent over
  the plan's looks (O'Brien-Fleming), so adding seeds by the plan never inflates the error;
* fewer seeds than the first look, or an estimate over settings (a bootstrap), get the
  fixed-sample interval at the step's level.

So an interval excludes zero exactly when the claim is rejected at its step, and the intervals
are labelled with the level they were drawn at (they are not simultaneous intervals). A claim
whose data are missing is *not computed yet*; one whose baseline fails its gate is
*inconclusive* with that reason and takes no part in the family.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .catalogue import CLAIMS, Claim, Part
from .estimands import Blocked, Estimate
from .outcomes import Outcome, Verdict, combine, decide
from .sequential import Look, SeedPlan, look

__all__ = ["PartResult", "ClaimResult", "evaluate", "LEVEL"]

#: The familywise confidence level of a family of claims.
LEVEL = 0.95


@dataclass(frozen=True)
class PartResult:
    """A part of a claim on the data: its estimate (``None``: not estimated), the interval at
    ``level`` (the seed plan's ``look`` behind it, if any), and its verdict."""

    part: Part
    verdict: Verdict
    estimate: Estimate | None = None
    low: float = math.nan
    high: float = math.nan
    level: float = math.nan
    look: Look | None = None

    def describe(self) -> str:
        """E.g. ``"+16.2 points (repeated 99.95 % CI -21.3 to +53.8 at look 1 of 3, 10
        seeds)"``: the interval at its claim's Holm step, a repeated one at a look of the seed
        plan."""
        e = self.estimate
        note = f" ({self.verdict.note})" if self.verdict.note else ""
        if e is None:
            return str(self.verdict) + note
        points = self.part.estimand.unit == "points"
        value = f"{e.value:+.1f} points" if points else f"{e.value:+.3g} {self.part.estimand.unit}"
        if math.isnan(self.level):
            return f"{value}, {e.n} {e.unit}{note}"
        lo, hi = (f"{x:+.1f}" if points else f"{x:+.3g}" for x in (self.low, self.high))
        left = f"; {len(e.left_out)} settings left out at the gate" if e.left_out else ""
        ci = f"{_percent(self.level)} % CI {lo} to {hi}"
        if self.look is not None:
            looks = len(self.part.plan.looks)
            ci = f"repeated {ci} at look {self.look.index + 1} of {looks}"
        return f"{value} ({ci}, {e.n} {e.unit}{left})"


def _percent(level: float) -> str:
    """A confidence level in percent with the digits that tell it from 100 (``99.998``)."""
    decimals = max(0, math.ceil(-math.log10(1 - level)) - 1)
    return f"{100 * level:.{decimals}f}"


@dataclass(frozen=True)
class ClaimResult:
    """A claim on the data: its parts' results and the claim's verdict."""

    claim: Claim
    parts: tuple[PartResult, ...]

    @property
    def verdict(self) -> Verdict:
        """The claim's verdict (:func:`~.outcomes.combine` of its parts')."""
        if self.claim.not_tested is not None:
            return Verdict(Outcome.NOT_TESTED, note=self.claim.not_tested)
        return combine([p.verdict for p in self.parts])

    @property
    def outcome(self) -> Outcome:
        """The claim's outcome word."""
        return self.verdict.outcome


def _missing(part: Part, results: Mapping[str, Mapping[str, Any] | None]) -> str | None:
    """Why ``part`` cannot be estimated on ``results`` (``None``: it can)."""
    why = []
    for name in dict.fromkeys(s.experiment for s in part.estimand.sources()):
        r = results.get(name)
        if r is None:
            why.append(f"no result of {name}")
        elif r.get("missing"):
            why.append(f"{name} {r['cells']['stored']}/{r['cells']['total']} cells")
    return ", ".join(why) or None


def evaluate(
    results: Mapping[str, Mapping[str, Any] | None],
    claims: Sequence[Claim] = CLAIMS,
    *,
    level: float = LEVEL,
) -> dict[str, ClaimResult]:
    """Every claim of ``claims`` on ``results`` (``{experiment: result}``; a stored result may
    have ``missing`` cells, or be ``None``), as one Holm family at ``level``.

    Returns ``{claim key: ClaimResult}`` in the order of ``claims``.
    """
    found = {k: v for k, v in results.items() if v is not None}
    read: dict[str, list[Estimate | Blocked | Verdict]] = {}
    for c in claims:
        read[c.key] = []
        for p in c.parts:
            why = _missing(p, results)
            gap = Verdict(Outcome.NOT_COMPUTED, note=why) if why else None
            read[c.key].append(gap or p.estimand.estimate(found))
    family = [k for k, v in read.items() if v and all(isinstance(e, Estimate) for e in v)]
    errors = _holm_errors(claims, read, family, 1 - level)
    return {c.key: ClaimResult(c, _parts(c, read[c.key], errors.get(c.key))) for c in claims}


def _interval(part: Part, e: Estimate, error: float) -> tuple[float, float, float, Look | None]:
    """``(low, high, level, look)`` of estimate ``e`` at familywise ``error``: the repeated
    interval of the part's seed plan at the current look, or the fixed-sample one."""
    plan = part.plan
    if e.per_seed is not None and e.n >= plan.looks[0]:
        at = look(
            e.per_seed,
            SeedPlan(plan.looks, error),
            direction=part.direction,
            smallest=part.threshold,
        )
        return at.low, at.high, at.level, at
    low, high = e.interval(1 - error)
    return low, high, 1 - error, None


def _holm_errors(
    claims: Sequence[Claim],
    read: Mapping[str, Sequence[Estimate | Blocked | Verdict]],
    family: Sequence[str],
    alpha: float,
) -> dict[str, float]:
    """Holm's step-down over the ``family`` of claims: each claim's error (see the module
    docstring). A claim is rejected at its step when every part's interval excludes zero."""
    by_key = {c.key: c for c in claims}
    p = {k: max(e.p for e in read[k] if isinstance(e, Estimate)) for k in family}
    order = sorted(family, key=lambda k: p[k])
    out: dict[str, float] = {}
    failed: float | None = None
    for rank, key in enumerate(order):
        error = failed if failed is not None else alpha / (len(order) - rank)
        out[key] = error
        if failed is None:
            spans = [
                _interval(part, e, error)[:2]
                for part, e in zip(by_key[key].parts, read[key])
                if isinstance(e, Estimate)
            ]
            if not all(low > 0 or high < 0 for low, high in spans):
                failed = error
    return out


def _parts(
    claim: Claim, read: Sequence[Estimate | Blocked | Verdict], error: float | None
) -> tuple[PartResult, ...]:
    """The parts' results: each estimate's interval at the claim's Holm ``error``, or (for a
    claim outside the family: a part missing or blocked) no interval and the reason that stops
    the claim."""
    out = []
    stop = next((e for e in read if not isinstance(e, Estimate)), None)
    for part, e in zip(claim.parts, read):
        if isinstance(e, Verdict):
            out.append(PartResult(part, e))
        elif isinstance(e, Blocked):
            out.append(PartResult(part, Verdict(Outcome.INCONCLUSIVE, e.reason, e.note)))
        elif error is None:
            why = stop.note if isinstance(stop, (Blocked, Verdict)) else ""
            outcome = stop.outcome if isinstance(stop, Verdict) else Outcome.INCONCLUSIVE
            reason = stop.reason if isinstance(stop, Blocked) else None
            out.append(PartResult(part, Verdict(outcome, reason, f"another part: {why}"), e))
        else:
            low, high, level, at = _interval(part, e, error)
            if at is not None and e.per_seed is not None and at.n < e.n:
                e = _first_seeds(e, at.n)  # the estimate of the seeds the interval uses
            capped = at is not None and at.index == len(part.plan.looks) - 1
            verdict = decide(
                low,
                high,
                direction=part.direction,
                smallest=part.threshold,
                from_paper=part.from_paper,
                capped=capped,
            )
            out.append(PartResult(part, verdict, e, low, high, level, at))
    return tuple(out)


def _first_seeds(e: Estimate, n: int) -> Estimate:
    """``e`` cut to its first ``n`` per-seed values (a look of the seed plan uses exactly the
    seeds it planned, in the order they were computed)."""
    kept = tuple((e.per_seed or ())[:n])
    return replace(e, value=float(np.mean(kept)), n=n, per_seed=kept)
