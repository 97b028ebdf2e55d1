"""The claim catalogue: every claim of the paper declared once, its estimand, the paper's value
and a smallest effect of interest, evaluated the same way wherever the book states it.

* :mod:`.outcomes`: the one vocabulary of outcomes and the rule that reads an outcome off an
  interval;
* :mod:`.estimands`: what a claim measures (a paired contrast, a trend along a grid, the
  interference against its split-only null, the fit of gain on interference), per seed;
* :mod:`.catalogue`: the claims;
* :mod:`.evaluate`: the claims evaluated together (intersection-union within a claim, Holm
  across claims);
* :mod:`.sequential`: the seed plan (group-sequential looks);
* :mod:`.main_effects`: the robustness of a claim across the open choices, as a main-effects
  model.
"""

from .catalogue import CLAIMS, Claim, Part, claim
from .evaluate import ClaimResult, PartResult, evaluate
from .outcomes import Outcome, Reason, Verdict

__all__ = [
    "CLAIMS",
    "Claim",
    "Part",
    "claim",
    "evaluate",
    "ClaimResult",
    "PartResult",
    "Outcome",
    "Reason",
    "Verdict",
]
