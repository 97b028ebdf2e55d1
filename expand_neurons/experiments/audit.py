"""Guarding a committed result store: schema, staleness, and one cell recomputed.

:func:`audit_store` checks that every cell file of a store parses, has the cell schema, and is a
cell that the current code would compute (a registered experiment, the profile's config at one
of its grid points, the same :data:`~expand_neurons.experiments.store.RESULTS_VERSION`): a file
that is not is *stale* and named. :func:`recompute` reruns one stored cell, chosen at random among
those that took at most ``max_s`` seconds on a CPU, and compares its numbers with the stored
ones: identical on the machine that made them, and within ``tolerance`` on every variant's mean
accuracy elsewhere (floating-point kernels differ between machines). That recomputation is what
catches a change that alters numbers without a bumped results version.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import read_json
from .config import RunEnv
from .records import label
from .registry import EXPERIMENTS
from .runner import compute_cell
from .store import Cell, check_cell

__all__ = ["StoreAudit", "audit_store", "Recomputed", "recompute", "TOLERANCE"]

#: Largest difference in a variant's mean accuracy accepted from a recomputation on another
#: machine.
TOLERANCE = 0.005


@dataclass
class StoreAudit:
    """What :func:`audit_store` found: valid cells, and the files that fail (with why)."""

    valid: list[tuple[Cell, Path]] = field(default_factory=list)
    invalid: list[tuple[Path, str]] = field(default_factory=list)
    stale: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid and not self.stale


def _expected_cells(profile: str, seeds: set[int]) -> dict[str, dict[str, Cell]]:
    """Per experiment: every cell key the current code would store for ``profile``."""
    out: dict[str, dict[str, Cell]] = {}
    for name, exp in EXPERIMENTS.items():
        out[name] = {c.key: c for s in sorted(seeds) for c in exp.cells(profile, s)}
    return out


def audit_store(root: str | Path, profile: str = "paper") -> StoreAudit:
    """Check every ``*.json`` under ``root`` (see the module docstring)."""
    root = Path(root)
    audit = StoreAudit()
    files = sorted(root.glob("*/*.json"))
    payloads: dict[Path, Any] = {}
    for path in files:
        try:
            payloads[path] = read_json(path)
        except (OSError, ValueError) as err:
            audit.invalid.append((path, f"does not read as JSON ({err})"))
            continue
        problem = check_cell(payloads[path])
        if problem is not None:
            audit.invalid.append((path, problem))
            del payloads[path]
    seeds = {p["seed"] for p in payloads.values() if isinstance(p.get("seed"), int)}
    expected = _expected_cells(profile, seeds or {0})
    for path, payload in payloads.items():
        name = path.parent.name
        if name not in expected:
            audit.stale.append((path, f"no registered experiment is called {name!r}"))
            continue
        cell = expected[name].get(path.stem)
        if cell is None:
            audit.stale.append(
                (
                    path,
                    f"{name} at {payload['point']} is not a cell the current code computes for "
                    f"the {profile} profile (its config or the results version changed)",
                )
            )
            continue
        problem = check_cell(payload, cell)
        if problem is not None:
            audit.stale.append((path, problem))
            continue
        audit.valid.append((cell, path))
    return audit


@dataclass
class Recomputed:
    """One recomputed cell: the largest difference of a variant's mean accuracy, per record."""

    cell: Cell
    path: Path
    stored_wall_s: float
    differences: list[tuple[str, float]]
    identical: bool

    @property
    def max_difference(self) -> float:
        return max((abs(d) for _, d in self.differences), default=0.0)


def _differences(
    stored: Mapping[str, Any], fresh: Mapping[str, Any]
) -> tuple[list[tuple[str, float]], bool]:
    out = []
    if len(stored["records"]) != len(fresh["records"]):
        raise ValueError("the recomputed cell has another number of records than the stored one")
    for a, b in zip(stored["records"], fresh["records"]):
        out.append((label(a, stored["setting_keys"]), b["accuracy"] - a["accuracy"]))
    return out, stored["records"] == fresh["records"]


def recompute(
    audit: StoreAudit, max_s: float = 180.0, rng: random.Random | None = None
) -> Recomputed | None:
    """Recompute one valid CPU cell that took at most ``max_s`` seconds (``None`` if none)."""
    rng = rng or random.Random()
    candidates = []
    for cell, path in audit.valid:
        prov = read_json(path)["provenance"]
        if prov.get("device") == "cpu" and prov.get("wall_s", float("inf")) <= max_s:
            candidates.append((cell, path, float(prov["wall_s"])))
    if not candidates:
        return None
    cell, path, wall_s = rng.choice(candidates)
    stored = read_json(path)
    exp = EXPERIMENTS[cell.experiment]
    cfg = exp.base.replace(**cell.config)
    env = RunEnv(**{**stored.get("environment", {}), "progress": False})
    fresh = compute_cell(cell, cfg, exp.setting_runner, env, command="audit")
    diffs, identical = _differences(stored, fresh)
    return Recomputed(cell, path, wall_s, diffs, identical)
