"""Experiments as data: a name, a description, a typed base config, two profiles, a runner."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..seeds import check_seed
from .config import ExperimentConfig, RunEnv
from .engine import SCHEDULER_TIMEOUT_S, compute_cells, jobs_of, run_cells
from .profiles import PROFILES, resolve_profile
from .runner import SettingRunner, assemble, cells_of
from .store import Cell, ResultStore, StoreStatus

__all__ = [
    "Experiment",
    "register",
    "get",
    "names",
    "fill_store",
    "current_cells",
    "current_paths",
    "EXPERIMENTS",
    "COMPUTATIONS",
]


def _as_store(store: ResultStore | str | os.PathLike[str]) -> ResultStore:
    """``store`` itself, or the result store in the directory it names (a ``ValueError`` if
    that path exists and is not a directory, before any work)."""
    return store if isinstance(store, ResultStore) else ResultStore(Path(store))


@dataclass(frozen=True)
class Experiment:
    """A named experiment: a typed base config, two profiles, and how one grid point runs.

    ``profiles`` maps each of :data:`PROFILES` to explicit overrides of ``base``:
    ``config("paper")`` is ``base`` with the paper overrides and nothing else.
    ``setting_runner(config_at_point, seed, env)`` trains one grid point (a cell);
    ``finish(result)``, if given, adds analysis that needs every cell (e.g. a matched size).
    """

    name: str
    description: str
    base: ExperimentConfig
    profiles: Mapping[str, Mapping[str, Any]]
    setting_runner: SettingRunner
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def config(self, profile: str | None = None, **overrides: Any) -> Any:
        """The config of ``profile`` with ``overrides`` applied (validated: a bad value or an
        unknown key is a ``ValueError`` naming what is allowed)."""
        return self.base.replace(**{**self.profiles[resolve_profile(profile)], **overrides})

    def cells(self, profile: str | None = None, seed: int = 0, **overrides: Any) -> list[Cell]:
        """The cells (grid points) a run of ``profile`` consists of, in grid order."""
        profile = resolve_profile(profile)
        return cells_of(self.name, profile, self.config(profile, **overrides), check_seed(seed))

    def status(
        self,
        store: ResultStore | str | os.PathLike[str],
        profile: str | None = None,
        seed: int = 0,
        **overrides: Any,
    ) -> StoreStatus:
        """Which cells of this run are in ``store`` (done, missing; stale and corrupt files)."""
        store = _as_store(store)
        return store.status(self.cells(profile, seed, **overrides), current_paths(store, seed))

    def stored(
        self,
        store: ResultStore | str | os.PathLike[str],
        profile: str = "paper",
        seed: int = 0,
    ) -> dict[str, Any]:
        """The result as far as ``store`` holds it, computing nothing.

        Like :meth:`run`'s result, plus ``missing`` (labels of the cells not in the store, in
        grid order: the book shows them as "not computed yet") and ``provenance`` (each stored
        cell's). ``finish`` analysis is added only when no cell is missing.
        """
        store = _as_store(store)
        cfg = self.config(profile)
        found, missing = [], []
        for cell in cells_of(self.name, profile, cfg, check_seed(seed)):
            payload = store.load(cell)
            if payload is None:
                missing.append(cell.label())
            else:
                found.append((cell, payload))
        result = {
            "experiment": self.name,
            "profile": profile,
            "seed": seed,
            "config": cfg.to_dict(),
            "store": str(store.root),
            "missing": missing,
            "cells": {"total": len(found) + len(missing), "stored": len(found)},
            "provenance": [p["provenance"] for _, p in found],
            **assemble(found, list(cfg.grid)),
        }
        if self.finish is not None and not missing and found:
            result = self.finish(result)
        return result

    def run(
        self,
        profile: str | None = None,
        seed: int = 0,
        env: RunEnv | None = None,
        *,
        store: ResultStore | str | os.PathLike[str] | None = None,
        workers: int | None = None,
        scheduler: str | None = None,
        scheduler_timeout_s: float = SCHEDULER_TIMEOUT_S,
        progress: bool | None = None,
        command: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Run the experiment; the result with its provenance (config, seed, environment).

        Args:
            env: where it runs (threads, device, downloads); not part of the recorded config.
            store: a result store (directory): cells found there are read, not recomputed, and
                every computed cell is written there as soon as it is finished. A cell the
                store cannot take (read-only, damaged) is kept in the result all the same and
                listed in its ``unsaved`` (cell, path, reason).
            workers, scheduler: run the cells on a local Dask cluster of ``workers`` processes,
                or on the Dask cluster at ``scheduler`` (see
                :mod:`~expand_neurons.experiments.engine`). The numbers are the same.
            scheduler_timeout_s: seconds ``scheduler`` has to answer as a Dask scheduler.
            progress: a bar over cells (``None``: ``$EXPAND_NEURONS_PROGRESS``).
            command: the command line recorded in each cell's provenance.
            overrides: config fields to change (validated).
        """
        profile = resolve_profile(profile)
        cfg = self.config(profile, **overrides)
        check_seed(seed)
        env = env or RunEnv()
        if store is not None:
            store = _as_store(store)
        start = time.perf_counter()
        cells, computed, unsaved = run_cells(
            self.name,
            profile,
            cfg,
            seed,
            env,
            self.setting_runner,
            store=store,
            workers=workers,
            scheduler=scheduler,
            scheduler_timeout_s=scheduler_timeout_s,
            progress=progress,
            command=command,
        )
        result = {
            "experiment": self.name,
            "profile": profile,
            "seed": seed,
            "config": cfg.to_dict(),
            "environment": asdict(env),
            "elapsed_s": round(time.perf_counter() - start, 2),
            "cells": {"total": len(cells), "computed": computed},
            **assemble(cells, list(cfg.grid)),
        }
        if unsaved:  # computed, in the result, but not in the store: say where and why
            result["unsaved"] = [
                {"cell": u.cell.label(), "path": str(u.path), "reason": u.reason} for u in unsaved
            ]
        return self.finish(result) if self.finish is not None else result


EXPERIMENTS: dict[str, Experiment] = {}

#: The setting runner of each computation (config family): one each, so a cell key names what
#: computes it.
COMPUTATIONS: dict[str, SettingRunner] = {}


def register(experiment: Experiment) -> Experiment:
    """Add an experiment to the registry (names unique; both profiles given and valid; one
    setting runner per config family)."""
    if experiment.name in EXPERIMENTS:
        raise ValueError(f"experiment {experiment.name!r} is already registered")
    computation = experiment.base.COMPUTATION
    runner = COMPUTATIONS.setdefault(computation, experiment.setting_runner)
    if not computation or runner is not experiment.setting_runner:
        raise ValueError(
            f"experiment {experiment.name!r}: {type(experiment.base).__name__} needs a "
            f"COMPUTATION name of its own and one setting runner per computation"
        )
    missing = [p for p in PROFILES if p not in experiment.profiles]
    if missing:
        raise ValueError(f"experiment {experiment.name!r} lacks profiles {missing}")
    for p in PROFILES:
        experiment.config(p)  # a profile that does not validate fails at import
    EXPERIMENTS[experiment.name] = experiment
    return experiment


def get(name: str) -> Experiment:
    """The registered experiment called ``name``."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; available are {names()}")
    return EXPERIMENTS[name]


def current_cells(profiles: Sequence[str] = PROFILES, seed: int = 0) -> dict[Path, Cell]:
    """Every cell the registered experiments compute for ``profiles`` and base ``seed``, by its
    path relative to a store's root (a cell that several experiments share, once)."""
    root = ResultStore(".")
    return {
        root.path(c).relative_to(root.root): c
        for p in profiles
        for e in EXPERIMENTS.values()
        for c in e.cells(p, seed)
    }


def current_paths(store: ResultStore, seed: int = 0) -> set[Path]:
    """The paths in ``store`` of every cell of :func:`current_cells` (neither stale nor
    unknown)."""
    return {store.root / p for p in current_cells(seed=seed)}


def names() -> list[str]:
    """Registered experiment names, sorted."""
    return sorted(EXPERIMENTS)


def fill_store(
    experiments: Sequence[str],
    store: ResultStore | str | os.PathLike[str],
    profile: str | None = None,
    seed: int = 0,
    env: RunEnv | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout_s: float = SCHEDULER_TIMEOUT_S,
    progress: bool | None = None,
    command: str | None = None,
) -> int:
    """Compute every cell of ``experiments`` (their ``profile`` configs) that ``store`` lacks;
    how many were computed.

    All cells run on one engine: on Dask one cluster serves every experiment, so a sweep of a
    single cell (the pilot) does not leave the other workers idle, and cells are submitted in
    the order of ``experiments`` (put the costliest first); an ``OSError`` at the end names the
    computed cells the store could not take. Nothing is assembled: read the
    results afterwards with :meth:`Experiment.run` (which then computes nothing) or
    :meth:`Experiment.stored`. Unknown names and a bad profile or seed fail before any work.
    """
    profile = resolve_profile(profile)
    check_seed(seed)
    chosen = [get(name) for name in experiments]
    store = _as_store(store)
    jobs = [
        job
        for e in chosen
        for job in jobs_of(e.name, profile, e.config(profile), seed, e.setting_runner)
    ]
    _, computed, unsaved = compute_cells(
        jobs,
        env or RunEnv(),
        store=store,
        workers=workers,
        scheduler=scheduler,
        scheduler_timeout_s=scheduler_timeout_s,
        progress=progress,
        command=command,
        desc=f"{len(chosen)} experiments' cells",
    )
    if unsaved:
        where = "; ".join(f"{u.cell.label()} at {u.path}: {u.reason}" for u in unsaved)
        raise OSError(f"the store could not take {len(unsaved)} computed cells: {where}")
    return computed
