"""Guarding a committed result store: every cell checked, stale cells named, cells recomputed.

:func:`audit_store` reads every cell file of a store and checks it against its computation
(:func:`~expand_neurons.experiments.store.check_cell`: schema, key, config, seed, results version,
every record's setting fields, finite numbers in range, means equal to the means of their per-seed
lists). A file that fails is *invalid*; a valid file that no registered experiment computes for
the profile (its config or :data:`~expand_neurons.experiments.store.RESULTS_VERSION` changed) is
*stale*. A missing or empty store fails too.

:func:`recompute` reruns stored cells and compares every per-seed number with the stored one:
identical on the machine that made them, within :data:`TOLERANCE` elsewhere (floating-point
kernels differ between machines). It recomputes a deterministic rotation of the cells that took
at most ``max_s`` seconds (:func:`rotation`: which cells depends on the commit, so over the commits
every cheap cell is recomputed), or every cell on demand. The recomputation runs in an
environment taken from the code (one CPU thread, no downloads), never from the cell file. That
recomputation is what catches a change that alters numbers without a bumped results version.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import read_json
from .config import RunEnv
from .records import PER_SEED, label
from .registry import COMPUTATIONS, EXPERIMENTS, current_cells
from .runner import compute_cell
from .store import Cell, ResultStore, check_cell

__all__ = [
    "StoreAudit",
    "audit_store",
    "Recomputed",
    "rotation",
    "recompute",
    "TOLERANCE",
    "AUDIT_ENV",
]

#: Largest difference of any per-seed number (accuracy, metric) accepted from a recomputation on
#: another machine.
TOLERANCE = 0.005

#: Where a recomputation runs: set here, never read from the cell file.
AUDIT_ENV = RunEnv(threads=1, device="cpu", download=False, progress=False)


@dataclass
class StoreAudit:
    """What :func:`audit_store` found: valid cells, and the files that fail (with why)."""

    root: Path
    valid: list[tuple[Cell, Path]] = field(default_factory=list)
    invalid: list[tuple[Path, str]] = field(default_factory=list)
    stale: list[tuple[Path, str]] = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.invalid and not self.stale


def audit_store(root: str | Path, profile: str = "paper") -> StoreAudit:
    """Check every cell file under ``root`` (see the module docstring)."""
    root = Path(root)
    audit = StoreAudit(root)
    if not root.is_dir():
        audit.problem = f"{root} is {'a file' if root.exists() else 'missing'}, not a store"
        return audit
    files = ResultStore(root).files()
    if not files:
        audit.problem = f"{root} holds no cell files"
        return audit
    payloads: dict[Path, Any] = {}
    for path in files:
        try:
            payload = read_json(path)
        except (OSError, ValueError) as err:
            audit.invalid.append((path, f"does not read as JSON ({err})"))
            continue
        problem = check_cell(payload)
        if problem is not None:
            audit.invalid.append((path, problem))
            continue
        payloads[path] = payload
    seeds = sorted({p["seed"] for p in payloads.values() if isinstance(p["seed"], int)}) or [0]
    expected = {rel: c for s in seeds for rel, c in current_cells((profile,), s).items()}
    for path, payload in payloads.items():
        cell = expected.get(path.relative_to(root))
        if cell is None:
            audit.stale.append(
                (
                    path,
                    f"{payload['computation']} cell with config {payload['config']} is not one "
                    f"the current code computes for the {profile} profile (its config or the "
                    "results version changed)",
                )
            )
            continue
        problem = check_cell(payload, cell)
        if problem is not None:
            audit.invalid.append((path, problem))
            continue
        audit.valid.append((cell, path))
    return audit


@dataclass
class Recomputed:
    """One recomputed cell: the differences of every per-seed number (``label field[seed]``,
    recomputed minus stored), and whether the records are identical."""

    cell: Cell
    path: Path
    stored_wall_s: float
    differences: list[tuple[str, float]]
    identical: bool
    problem: str | None = None

    @property
    def max_difference(self) -> float:
        return max((abs(d) for _, d in self.differences), default=0.0)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.max_difference <= TOLERANCE


def _numbers(record: Mapping[str, Any]) -> Iterator[tuple[str, float]]:
    for per_seed in PER_SEED.values():
        for j, x in enumerate(record.get(per_seed, [])):
            yield f"{per_seed}[{j}]", x


def _compare(
    stored: Mapping[str, Any], fresh: Mapping[str, Any]
) -> tuple[list[tuple[str, float]], str | None]:
    """Differences of every per-seed number, and what else differs (``None`` if nothing)."""
    a_records, b_records = stored["records"], fresh["records"]
    if len(a_records) != len(b_records):
        return [], f"{len(b_records)} records recomputed, {len(a_records)} stored"
    out: list[tuple[str, float]] = []
    for a, b in zip(a_records, b_records):
        name = label(a, stored["setting_keys"])
        a_numbers, b_numbers = dict(_numbers(a)), dict(_numbers(b))
        if a_numbers.keys() != b_numbers.keys():
            return out, f"{name}: the recomputed record has other per-seed fields"
        out += [(f"{name} {k}", b_numbers[k] - a_numbers[k]) for k in a_numbers]
        if any(math.isnan(d) for _, d in out):
            return out, f"{name}: a recomputed number is not finite"
    return out, None


def rotation(audit: StoreAudit, commit: str, count: int, max_s: float) -> list[tuple[Cell, Path]]:
    """``count`` valid CPU cells that took at most ``max_s`` seconds, chosen by a hash of
    ``commit`` and each cell's key: the same commit recomputes the same cells, another commit
    others, so over the commits every cheap cell is recomputed."""
    cheap = []
    for cell, path in audit.valid:
        prov = read_json(path)["provenance"]
        if prov.get("device") == "cpu" and float(prov.get("wall_s", math.inf)) <= max_s:
            cheap.append((cell, path))

    def order(item: tuple[Cell, Path]) -> str:
        return hashlib.sha256(f"{commit}:{item[0].key}".encode()).hexdigest()

    return sorted(cheap, key=order)[:count]


def recompute(cells: Sequence[tuple[Cell, Path]]) -> Iterator[Recomputed]:
    """Recompute each of ``cells`` in :data:`AUDIT_ENV` and compare it with the stored file."""
    for cell, path in cells:
        stored = read_json(path)
        runner = COMPUTATIONS[cell.computation]
        cfg = _config_of(cell)
        fresh = compute_cell(cell, cfg, runner, AUDIT_ENV, command="audit")
        diffs, problem = _compare(stored, fresh)
        identical = stored["records"] == fresh["records"]
        wall_s = float(stored["provenance"]["wall_s"])
        yield Recomputed(cell, path, wall_s, diffs, identical, problem)


def _config_of(cell: Cell) -> Any:
    """The typed config of ``cell`` (from the experiment that computes it)."""
    exp = EXPERIMENTS[cell.experiment]
    return exp.base.replace(**cell.config)
