"""Registered experiments (``python -m expand_neurons list``) and their profiles."""

from . import boolean  # noqa: F401  (registers the Boolean experiments)
from .profiles import PROFILES, resolve_profile
from .registry import EXPERIMENTS, Experiment, get, names, register

__all__ = ["PROFILES", "resolve_profile", "EXPERIMENTS", "Experiment", "get", "names", "register"]
