"""What the paper reports, quoted in one place so chapters and tests compare against it.

These are the paper's numbers and directions (Kong et al., arXiv 2510.04500), not results of
this library. A direction is a short phrase, as it goes onto a figure.
"""

from __future__ import annotations

__all__ = [
    "PILOT_ACCURACY",
    "CLIP_MATCH",
    "DIRECTIONS",
    "SATURATION_CLAUSES",
    "SIGNS",
    "ALPHA_RISE",
    "FINDINGS",
]

#: Pilot on the Boolean task (8 clauses, 8 hidden neurons, alpha = 2), test accuracy (0-1).
PILOT_ACCURACY: dict[str, float] = {"dense": 0.787, "random": 0.887, "clause": 0.994}

#: Real data: on CLIP embeddings of CIFAR-100, FPE (random split) with 32 hidden neurons and
#: alpha = 4 roughly matches a dense model with this many times the parameters.
CLIP_MATCH: dict[str, float] = {"hidden": 32, "alpha": 4, "classes": 100, "param_ratio": 1.2}

#: The directions the paper reports without a number, by sweep, as short figure notes.
DIRECTIONS: dict[str, str] = {
    "clauses": "gain rises with the clauses, saturates near 16",
    "neurons": "gain falls monotonically as neurons are added",
    "alpha": "gain keeps rising from α = 2 to 4; too large an α hurts",
    "load": "benefit grows with the polysemantic load",
    "timing": "earlier splits help more; later splits still beat dense",
    "widths": "consistent gain at every width, largest at the smallest",
}

#: The clause count near which the paper's clause sweep saturates.
SATURATION_CLAUSES = 16

#: The sign of each reported direction, for the claims scoreboard: +1 where the paper reports
#: a rise (of the gain, or of a metric of FPE over dense), -1 a fall. Keyed like DIRECTIONS,
#: plus the interference metrics and the overlap ablation (overlapping children against
#: disjoint FPE).
SIGNS: dict[str, int] = {
    "alpha": 1,
    "load": 1,
    "widths": 1,
    "capacity": 1,
    "cosine": -1,
    "overlap": -1,
}

#: The expansion factors between which the paper's gain keeps rising.
ALPHA_RISE: tuple[int, int] = (2, 4)

#: What the paper reports in words only (no number).
FINDINGS: dict[str, str] = {
    "interference": "FPE raises the feature capacity and lowers the mean cosine similarity",
    "overlap": "overlapping children do significantly worse than disjoint FPE",
    "fit": "the fold change of the interference metrics predicts the gain: high R², no value",
    "real": "consistent gains on CLIP embeddings, a CNN and deeper networks",
    "hardware": "suits accelerators where moving non-zero parameters through memory, not "
    "compute, is the bottleneck",
}
