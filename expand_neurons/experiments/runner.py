"""One runner for every experiment: a sweep is a set of cells, one per grid point.

A family of experiments (Boolean tasks, real data) supplies a *setting runner*: given the
config of one grid point, it trains every variant on every seed and returns
:class:`SettingRuns` (the runs, grouped by the fields that tell them apart inside the point,
e.g. ``alpha``, plus descriptive fields such as ``load``). :func:`compute_cell` turns one grid
point into a cell payload (its records, with provenance); :func:`assemble` joins the cells of a
sweep, in grid order, into the JSON-ready result. Where the cells run (in this process, on a
local Dask cluster or a remote one) and where they are stored is
:mod:`~expand_neurons.experiments.engine`'s business.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..schedule import Run
from .config import ExperimentConfig, RunEnv
from .records import Record, summarize, variants_view
from .store import CELL_SCHEMA, RESULTS_VERSION, Cell, provenance

__all__ = [
    "SettingRuns",
    "SettingRunner",
    "threads",
    "cells_of",
    "compute_cell",
    "assemble",
]


@dataclass
class SettingRuns:
    """What a setting runner returns for one grid point.

    Attributes:
        groups: ``(fields, runs)`` pairs: ``runs`` maps variant names to their runs (one per
            seed); ``fields`` (e.g. ``{"alpha": 4}``) are added to the setting of its records.
            Each group needs its own ``dense`` runs for relative gains (they may be shared).
        info: descriptive fields of the point (``load``, ``classes``, ...), added to every
            record but not part of the setting's identity.
        extra: per-variant fields, added to that variant's records (e.g. ``blocks``).
    """

    groups: list[tuple[dict[str, Any], Mapping[str, Sequence[Run]]]]
    info: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)


SettingRunner = Callable[[Any, int, RunEnv], SettingRuns]


@contextlib.contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Use ``n`` CPU threads inside the block (``None``: leave torch's setting)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def cells_of(experiment: str, profile: str, cfg: ExperimentConfig, seed: int) -> list[Cell]:
    """The cells of a sweep: one per grid point of ``cfg``, in grid order (two points with the
    same config, if a grid has them, are the same cell)."""
    return [
        Cell(cfg.COMPUTATION, seed, cfg.at(point).to_dict(), experiment, profile, point)
        for point in cfg.points()
    ]


def compute_cell(
    cell: Cell,
    cfg: ExperimentConfig,
    setting_runner: SettingRunner,
    env: RunEnv,
    command: str | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """Train one cell (``cfg`` is the config at the cell's point) and return its payload: the
    records, the settings inside the cell (``settings``: the fields of each group of runs,
    ``setting_keys``: their names) and provenance. The payload names no experiment or grid point:
    :func:`assemble` adds the point of the sweep that reads it. Safe to run in a worker
    process. ``commit``: the library's commit when the run started (the code a worker imported
    then), recorded in the provenance."""
    wall, cpu = time.perf_counter(), time.process_time()
    records: list[Record] = []
    settings: list[dict[str, Any]] = []
    setting_keys: list[str] = []
    with threads(env.threads):
        runs = setting_runner(cfg, cell.seed, env)
    for fields, by_variant in runs.groups:
        settings.append(dict(fields))
        setting_keys += [k for k in fields if k not in setting_keys]
        for name, stats in summarize(by_variant).items():
            extra = runs.extra.get(name, {})
            records.append({**runs.info, **fields, "variant": name, **extra, **stats})
    device = env.device or ("cuda" if torch.cuda.is_available() else "cpu")
    requested_by = {"experiment": cell.experiment, "profile": cell.profile}
    return {
        "schema": CELL_SCHEMA,
        "key": cell.key,
        "computation": cell.computation,
        "seed": cell.seed,
        "results_version": RESULTS_VERSION,
        "config": dict(cell.config),
        "records": records,
        "settings": settings,
        "setting_keys": setting_keys,
        "provenance": provenance(
            device,
            time.perf_counter() - wall,
            time.process_time() - cpu,
            command,
            requested_by,
            commit,
        ),
    }


def assemble(
    cells: Sequence[tuple[Cell, Mapping[str, Any]]], grid_keys: Sequence[str] = ()
) -> dict[str, Any]:
    """Join the cells of a sweep (``(cell, payload)`` pairs in grid order) into a result's
    ``records`` (each with its grid point and ``cell``, the key of the computation it comes from:
    two sweeps that share a setting share its records, and :func:`~expand_neurons.experiments.
    analysis.distinct` pools them once), ``setting_keys`` (the grid's keys first, also when no
    cell is there), ``settings``, ``variants`` (the command line's view) and ``cpu_s`` (summed
    over cells)."""
    records: list[Record] = []
    settings: list[dict[str, Any]] = []
    setting_keys: list[str] = list(grid_keys)
    for cell, p in cells:
        point = dict(cell.point)
        records += [{**point, **r, "cell": cell.key} for r in p["records"]]
        settings += [{**point, **s} for s in p["settings"]]
        setting_keys += [k for k in p["setting_keys"] if k not in setting_keys]
    return {
        "setting_keys": setting_keys,
        "settings": settings,
        "records": records,
        "variants": variants_view(records, setting_keys),
        "cpu_s": round(sum(p["provenance"]["cpu_s"] for _, p in cells), 2),
    }
