"""Registered experiments (``python -m expand_neurons list``), their configs and results.

* :mod:`.config`: typed configs (:class:`BooleanConfig`, :class:`RealConfig`) and the run
  environment (:class:`RunEnv`);
* :mod:`.registry`: :class:`Experiment` and the registry (:func:`get`, :func:`names`);
* :mod:`.runner`: the one runner (a sweep is a set of cells); :mod:`.engine`: where cells run
  (in-process or Dask); :mod:`.store`: the result store of finished cells; :mod:`.audit`: the
  committed store's guard; :mod:`.records`: result records and their selection;
* :mod:`.boolean`, :mod:`.grouped_splits`, :mod:`.real`: the experiments themselves;
  :mod:`.robustness`: the Boolean claims across the open choices; :mod:`.laboratory`: the Boolean
  laboratory chosen from its dense baseline;
* :mod:`.analysis`, :mod:`.census`, :mod:`.matching`: reading results; :mod:`.mechanism`: the
  collisions chapter's mechanism tests; :mod:`.tuning`: baselines tuned on held-out data.
"""

# importing registers the experiments
from . import boolean, grouped_splits, laboratory, real, robustness  # noqa: F401
from .config import BooleanConfig, RealConfig, RunEnv
from .profiles import PROFILES, resolve_profile
from .records import one, select, to_frame, values
from .registry import EXPERIMENTS, Experiment, fill_store, get, names, register

__all__ = [
    "PROFILES",
    "resolve_profile",
    "EXPERIMENTS",
    "Experiment",
    "get",
    "names",
    "register",
    "fill_store",
    "BooleanConfig",
    "RealConfig",
    "RunEnv",
    "select",
    "one",
    "values",
    "to_frame",
    "boolean",
    "grouped_splits",
    "real",
    "robustness",
]
