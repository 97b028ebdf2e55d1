"""Expand Neurons: Fixed Parameter Expansion (FPE) and the experiments of the book.

The public API: :func:`expand`, :func:`count_nonzero`, :class:`MLP`, :func:`fit`, and the modules
``splits``, ``tasks``, ``metrics``, ``theory``, ``baselines``, ``schedule``, ``experiments``.
"""

from . import baselines, metrics, splits, tasks, theory
from .expansion import count_nonzero, expand
from .models import MLP, seeded_mlp
from .schedule import Run, Variant, run_schedule
from .training import History, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "expand",
    "count_nonzero",
    "MLP",
    "seeded_mlp",
    "fit",
    "evaluate",
    "History",
    "Run",
    "Variant",
    "run_schedule",
    "splits",
    "tasks",
    "metrics",
    "theory",
    "baselines",
]
