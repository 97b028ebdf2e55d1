"""Experiments as data: a name, a description, one config per profile, and a runner."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .profiles import PROFILES, resolve_profile

__all__ = ["Experiment", "register", "get", "names", "grid_points", "EXPERIMENTS"]

EXPERIMENTS: dict[str, Experiment] = {}


@dataclass(frozen=True)
class Experiment:
    """``runner(config, seed) -> result`` where result is JSON-ready and has a ``variants`` dict.

    ``profiles`` maps each of :data:`PROFILES` to a config dict; overrides passed to :meth:`run`
    replace config keys (unknown keys are an error).
    """

    name: str
    description: str
    profiles: dict[str, dict[str, Any]]
    runner: Callable[[dict[str, Any], int], dict[str, Any]]

    def config(self, profile: str | None = None, **overrides: Any) -> dict[str, Any]:
        """The config of ``profile`` with ``overrides`` applied."""
        cfg = dict(self.profiles[resolve_profile(profile)])
        unknown = sorted(set(overrides) - set(cfg))
        if unknown:
            raise ValueError(
                f"unknown config keys {unknown} for experiment {self.name!r}; "
                f"allowed are {sorted(cfg)}"
            )
        cfg.update(overrides)
        return cfg

    def run(self, profile: str | None = None, seed: int = 0, **overrides: Any) -> dict[str, Any]:
        """Run the experiment; returns the result dict with provenance fields added."""
        profile = resolve_profile(profile)
        cfg = self.config(profile, **overrides)
        start = time.perf_counter()
        result = self.runner(cfg, seed)
        return {
            "experiment": self.name,
            "profile": profile,
            "seed": seed,
            "config": cfg,
            "elapsed_s": round(time.perf_counter() - start, 2),
            **result,
        }


def register(experiment: Experiment) -> Experiment:
    """Add an experiment to the registry (names are unique; both profiles required)."""
    if experiment.name in EXPERIMENTS:
        raise ValueError(f"experiment {experiment.name!r} is already registered")
    missing = [p for p in PROFILES if p not in experiment.profiles]
    if missing:
        raise ValueError(f"experiment {experiment.name!r} lacks profiles {missing}")
    EXPERIMENTS[experiment.name] = experiment
    return experiment


def get(name: str) -> Experiment:
    """The registered experiment called ``name``."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; available are {names()}")
    return EXPERIMENTS[name]


def names() -> list[str]:
    """Registered experiment names, sorted."""
    return sorted(EXPERIMENTS)


def grid_points(cfg: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every point of ``cfg['grid']`` (a dict of config key -> values), as ``{key: value}``.

    An empty grid yields one empty point. Grid keys must be config keys.
    """
    grid = cfg["grid"]
    unknown = sorted(set(grid) - set(cfg))
    if unknown:
        raise ValueError(f"grid keys {unknown} are not config keys; allowed are {sorted(cfg)}")
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, values))
