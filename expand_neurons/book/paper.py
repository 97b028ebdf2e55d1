"""What the paper reports, quoted in one place so chapters and tests compare against it.

These are the paper's numbers (Kong et al., arXiv 2510.04500), not results of this library.
"""

from __future__ import annotations

__all__ = ["PILOT_ACCURACY", "CLIP_MATCH"]

#: Pilot on the Boolean task (8 clauses, 8 hidden neurons, alpha = 2), test accuracy (0-1).
PILOT_ACCURACY: dict[str, float] = {"dense": 0.787, "random": 0.887, "clause": 0.994}

#: Real data: on CLIP embeddings of CIFAR-100, FPE (random split) with 32 hidden neurons and
#: alpha = 4 roughly matches a dense model with this many times the parameters.
CLIP_MATCH: dict[str, float] = {"hidden": 32, "alpha": 4, "classes": 100, "param_ratio": 1.2}
