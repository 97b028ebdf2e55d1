"""The one vocabulary of outcomes, and the rule that reads an outcome off an interval.

Every claim of the catalogue is an *effect* in a direction the paper predicts (a gain of FPE
over dense, a rise of the gain along a grid). Its estimate comes with an interval, and the
outcome is read off that interval alone, against two numbers fixed before the data are read:
zero and the claim's *smallest effect of interest* (the paper's own effect where it reports
one). In the claimed direction:

* **supported**: the whole interval lies beyond zero;
* **contradicted**: the whole interval lies on the wrong side of zero;
* **smaller than the paper** (or **smaller than the smallest effect of interest**, when that
  effect was not the paper's): the interval contains zero but lies wholly below the smallest
  effect of interest. This is an equivalence finding (a one-sided TOST): an effect as large as
  the paper's is excluded here, which is not the same as "cannot tell";
* **inconclusive**, with a :class:`Reason`: the interval contains zero and reaches the smallest
  effect of interest, or the comparison cannot be made (a baseline at the ceiling or on the
  floor, or unhealthy).

Two more words mark rows without data: **not computed yet** and **not tested here**. No other
module defines outcome words: the scoreboard, the chapters and the robustness chapter all take
theirs from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

__all__ = ["Outcome", "Reason", "Verdict", "decide", "combine", "HIGH_R2"]

#: The R² the book calls a strong linear relation (the paper says "high R²" with no value).
HIGH_R2 = 0.7


class _Words(str, Enum):
    """An enum whose members are the book's words: ``str()`` gives the word itself."""

    def __str__(self) -> str:
        return self.value


class Outcome(_Words):
    """What the data say about a claim, in the book's words (the value is the word)."""

    SUPPORTED = "supported"
    SMALLER_THAN_PAPER = "smaller than the paper"
    SMALLER_THAN_SMALLEST = "smaller than the smallest effect of interest"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"
    NOT_COMPUTED = "not computed yet"
    NOT_TESTED = "not tested here"


class Reason(_Words):
    """Why an outcome is inconclusive."""

    WIDE = "the interval is too wide at these seeds"
    SEED_CAP = "the seed plan's cap is reached"
    CEILING = "the baseline is at the ceiling"
    FLOOR = "the baseline is on the floor"
    UNHEALTHY = "the baseline is unhealthy"
    FLAT = "the data do not vary, so no line can be fitted"


@dataclass(frozen=True)
class Verdict:
    """An outcome and, for an inconclusive one, its reason (with details in ``note``)."""

    outcome: Outcome
    reason: Reason | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.reason is not None) != (self.outcome is Outcome.INCONCLUSIVE):
            raise ValueError(
                f"a reason goes with an inconclusive outcome only, got {self.outcome!r} with "
                f"{self.reason!r}"
            )

    def __str__(self) -> str:
        """E.g. ``"inconclusive: the baseline is at the ceiling"``."""
        return self.outcome.value if self.reason is None else f"{self.outcome}: {self.reason}"


def decide(
    low: float,
    high: float,
    *,
    direction: int,
    smallest: float,
    from_paper: bool,
    capped: bool = False,
) -> Verdict:
    """The outcome of an interval ``low ... high`` of an effect the claim predicts to have sign
    ``direction`` (+1 or -1), against the smallest effect of interest ``smallest`` (> 0, in the
    claimed direction; ``from_paper``: it is the paper's own effect). ``capped``: no more seeds
    will come (an inconclusive interval then says so)."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    if not smallest > 0:
        raise ValueError(f"the smallest effect of interest must be above zero, got {smallest!r}")
    if math.isnan(low) or math.isnan(high) or low > high:
        raise ValueError(f"an interval needs low <= high, got {low!r} to {high!r}")
    lo, hi = (low, high) if direction > 0 else (-high, -low)
    if lo > 0:
        return Verdict(Outcome.SUPPORTED)
    if hi < 0:
        return Verdict(Outcome.CONTRADICTED)
    if hi < smallest:
        return Verdict(Outcome.SMALLER_THAN_PAPER if from_paper else Outcome.SMALLER_THAN_SMALLEST)
    return Verdict(Outcome.INCONCLUSIVE, Reason.SEED_CAP if capped else Reason.WIDE)


#: How a conjunction of parts reads, strongest first: one contradicted part contradicts the
#: claim; otherwise a missing part leaves it not computed; otherwise an inconclusive part
#: leaves it inconclusive; otherwise a part smaller than its smallest effect makes the claim so.
_PRECEDENCE = (
    Outcome.CONTRADICTED,
    Outcome.NOT_COMPUTED,
    Outcome.INCONCLUSIVE,
    Outcome.SMALLER_THAN_PAPER,
    Outcome.SMALLER_THAN_SMALLEST,
)


def combine(parts: list[Verdict]) -> Verdict:
    """A claim's verdict from its parts' (an intersection-union reading: the claim is
    *supported* only when every part is). ``NOT_TESTED`` for no parts."""
    if not parts:
        return Verdict(Outcome.NOT_TESTED)
    for outcome in _PRECEDENCE:
        found = [p for p in parts if p.outcome is outcome]
        if found:
            return found[0]
    return Verdict(Outcome.SUPPORTED)
