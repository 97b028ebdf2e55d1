"""What the paper reports, quoted in one place so chapters and tests compare against it.

These are the paper's numbers (Kong et al., arXiv 2510.04500), not results of this library.
"""

from __future__ import annotations

__all__ = ["PILOT_ACCURACY", "CLIP_MATCH", "CLAIMS", "ARXIV"]

ARXIV = "2510.04500"

#: Pilot on the Boolean task (8 clauses, 8 hidden neurons, alpha = 2), test accuracy (0-1).
PILOT_ACCURACY: dict[str, float] = {"dense": 0.787, "random": 0.887, "clause": 0.994}

#: Real data: on CLIP embeddings of CIFAR-100, FPE (random split) with 32 hidden neurons and
#: alpha = 4 roughly matches a dense model with this many times the parameters.
CLIP_MATCH: dict[str, float] = {"hidden": 32, "alpha": 4, "classes": 100, "param_ratio": 1.2}

#: The seven claims of the abstract, in the book's wording.
CLAIMS: tuple[str, ...] = (
    "More neurons at the same number of non-zero parameters improve accuracy.",
    "The gain comes with less interference between features that would share neurons.",
    "On Boolean tasks, clause-aligned splits lower polysemanticity and raise accuracy.",
    "Random splits approximate these gains: fewer collisions, not exact assignment, matter.",
    "The benefit grows with interference: it is largest when polysemantic load is high.",
    "On classifiers over CLIP embeddings, CNNs and deeper MLPs, widening at constant "
    "non-zero count consistently increases accuracy.",
    "This suits accelerators where moving non-zero parameters, not compute, is the bottleneck.",
)
