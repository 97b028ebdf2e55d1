"""Expand Neurons: Fixed Parameter Expansion (FPE) and the experiments of the book.

The public API: :func:`expand`, :func:`count_nonzero`, :class:`MLP`, :func:`fit`, and the modules
``splits``, ``tasks``, ``metrics``, ``theory``, ``baselines``, ``layers``, ``experiments``.
"""

from . import baselines, experiments, layers, metrics, splits, tasks, theory
from .expansion import count_nonzero, expand
from .layers import fpe_layers, fpe_modules
from .models import MLP, seeded_mlp
from .schedule import Run, Variant, run_schedule
from .training import History, evaluate, fit
from .version import __version__ as __version__

__all__ = [
    "expand",
    "count_nonzero",
    "fpe_layers",
    "fpe_modules",
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
    "layers",
    "experiments",
]
