"""Registered experiments (``python -m expand_neurons list``) and their profiles."""

from . import boolean, hardware, real  # noqa: F401  (importing them registers their experiments)
from .profiles import PROFILES, resolve_profile
from .registry import EXPERIMENTS, Experiment, get, names, register

__all__ = ["PROFILES", "resolve_profile", "EXPERIMENTS", "Experiment", "get", "names", "register"]
