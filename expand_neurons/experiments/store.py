"""The result store: every finished cell of a sweep as one small JSON file, written atomically.

A *cell* is one grid point of one experiment, with all its seeds (so the batched training of
many small models in one loop is kept). Its key is a hash of the experiment's name, the cell's
full scientific config (the config at that point, :meth:`ExperimentConfig.at`), the base seed and
:data:`RESULTS_VERSION`, so a cell is found again only if nothing that decides its numbers
changed. A store is a directory::

    STORE/EXPERIMENT/KEY.json

A rerun computes only the missing cells; an interrupted sweep loses at most the cells in flight.
A file in an experiment's folder that no current cell expects (the code or the profile changed,
or :data:`RESULTS_VERSION` was bumped) is *stale*: reported by :meth:`ResultStore.status`, never
read into a result. A file that does not parse or does not match its own key is *corrupt*:
reported (a :class:`StoreWarning`) and recomputed. Two runs writing one store at once cannot
corrupt it: every write is a temporary file moved into place (:func:`~expand_neurons.results.
write_json`), and both write the same numbers.

Each cell carries its provenance: commit, library and torch versions, device, date, wall and CPU
time, and the command that made it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..data import cache_root
from ..results import read_json, write_json
from ..version import __version__

__all__ = [
    "RESULTS_VERSION",
    "CELL_SCHEMA",
    "Cell",
    "ResultStore",
    "StoreStatus",
    "StoreWarning",
    "check_cell",
    "default_store",
    "PAPER_STORE",
    "provenance",
]

#: Bump whenever a change of the code alters the numbers of any experiment: every stored cell
#: then becomes stale and is recomputed. CI recomputes one stored cell to catch a missed bump.
RESULTS_VERSION = 1

#: Format of a cell file.
CELL_SCHEMA = "expand_neurons.cell/1"

#: The keys every cell file holds.
CELL_FIELDS = (
    "schema",
    "key",
    "experiment",
    "profile",
    "seed",
    "results_version",
    "point",
    "config",
    "records",
    "settings",
    "setting_keys",
    "provenance",
)


#: The paper-profile store committed with the repository (its cells are shown in the book).
PAPER_STORE = Path(__file__).resolve().parents[2] / "results" / "paper"


class StoreWarning(UserWarning):
    """A cell file was unreadable or did not match its key; it is recomputed."""


@dataclass(frozen=True)
class Cell:
    """One grid point of one experiment: what is computed and stored as a unit.

    Attributes:
        experiment: the registered name.
        profile: the profile it came from (provenance: not part of the key).
        seed: the base seed of the run.
        point: the grid point, ``{field: value}`` (``{}`` without a grid).
        config: the full scientific config at that point (JSON-ready, no grid).
    """

    experiment: str
    profile: str
    seed: int
    point: Mapping[str, Any]
    config: Mapping[str, Any]

    @property
    def key(self) -> str:
        """20 hex digits of SHA-256 over experiment, config, seed and results version."""
        ident = {
            "experiment": self.experiment,
            "config": self.config,
            "seed": self.seed,
            "results_version": RESULTS_VERSION,
        }
        text = json.dumps(ident, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def label(self) -> str:
        """``"boolean-clauses n_clauses=8"``: for progress bars and reports."""
        point = ", ".join(f"{k}={v}" for k, v in self.point.items())
        return f"{self.experiment} {point}".strip()


@dataclass
class StoreStatus:
    """Which of a sweep's cells are in a store: ``done``, ``missing``; files no cell expects
    (``stale``) and files that do not read (``corrupt``)."""

    done: list[Cell] = field(default_factory=list)
    missing: list[Cell] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    corrupt: list[Path] = field(default_factory=list)


def default_store() -> Path:
    """``$EXPAND_NEURONS_STORE``, else ``results/`` under the cache root
    (``$EXPAND_NEURONS_CACHE`` or ``~/.cache/expand_neurons``)."""
    env = os.environ.get("EXPAND_NEURONS_STORE")
    return Path(env) if env else cache_root() / "results"


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here,
        capture_output=True,
        text=True,
        timeout=10,
    )
    commit = out.stdout.strip()
    return commit + ("+dirty" if dirty.stdout.strip() else "")


def provenance(device: str, wall_s: float, cpu_s: float, command: str | None) -> dict[str, Any]:
    """Where, when and by what a cell was computed."""
    return {
        "commit": _git_commit(),
        "library": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": device,
        "machine": platform.machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "command": command if command is not None else " ".join(sys.argv),
    }


class ResultStore:
    """Cells of any number of experiments under one directory ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, cell: Cell) -> Path:
        """Where ``cell`` is stored."""
        return self.root / cell.experiment / f"{cell.key}.json"

    def _read(self, path: Path, cell: Cell) -> dict[str, Any] | None:
        """The payload at ``path`` if it is a whole, valid file of ``cell``; else ``None``
        (with a :class:`StoreWarning` for a file that exists but is corrupt)."""
        if not path.is_file():
            return None
        problem = None
        try:
            payload = read_json(path)
        except (OSError, ValueError) as err:
            payload, problem = None, f"does not read as JSON ({err})"
        if payload is not None:
            problem = check_cell(payload, cell)
        if problem is not None:
            warnings.warn(
                f"result store: {path} {problem}; the cell is recomputed",
                StoreWarning,
                stacklevel=3,
            )
            return None
        return payload

    def load(self, cell: Cell) -> dict[str, Any] | None:
        """The stored payload of ``cell``, or ``None`` if it is missing or corrupt."""
        return self._read(self.path(cell), cell)

    def save(self, cell: Cell, payload: Mapping[str, Any]) -> Path:
        """Store ``payload`` (a complete cell file, see :func:`check_cell`) atomically."""
        problem = check_cell(payload, cell)
        if problem is not None:
            raise ValueError(f"refusing to store an invalid cell: {problem}")
        return write_json(self.path(cell), dict(payload))

    def status(self, cells: Sequence[Cell]) -> StoreStatus:
        """Which of ``cells`` are stored; which files of their experiments are stale or corrupt.

        A corrupt file of an expected cell counts as corrupt and missing.
        """
        out = StoreStatus()
        expected: dict[Path, Cell] = {self.path(c): c for c in cells}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StoreWarning)
            for path, cell in expected.items():
                if self._read(path, cell) is not None:
                    out.done.append(cell)
                else:
                    out.missing.append(cell)
                    if path.is_file():
                        out.corrupt.append(path)
        for experiment in sorted({c.experiment for c in cells}):
            folder = self.root / experiment
            if folder.is_dir():
                out.stale += sorted(p for p in folder.glob("*.json") if p not in expected)
        return out


def check_cell(payload: Any, cell: Cell | None = None) -> str | None:
    """What is wrong with a cell file's contents (``None`` if nothing): its schema, its fields,
    and (given ``cell``) that it is that cell's file."""
    if not isinstance(payload, dict):
        return "is not a JSON object"
    if payload.get("schema") != CELL_SCHEMA:
        return f"has schema {payload.get('schema')!r}, expected {CELL_SCHEMA!r}"
    missing = [k for k in CELL_FIELDS if k not in payload]
    if missing:
        return f"lacks the fields {missing}"
    if not isinstance(payload["records"], list) or not payload["records"]:
        return "has no records"
    for r in payload["records"]:
        if not isinstance(r, dict) or not {"variant", "accuracy", "accuracies"} <= set(r):
            return "has a record without variant, accuracy and accuracies"
    if cell is not None:
        if payload["key"] != cell.key:
            return f"holds key {payload['key']!r}, not {cell.key!r}"
        if payload["config"] != dict(cell.config) or payload["seed"] != cell.seed:
            return "holds another config or seed than its key says"
        if payload["results_version"] != RESULTS_VERSION:
            return f"has results_version {payload['results_version']}, not {RESULTS_VERSION}"
    return None
