"""The result store: every finished cell of a sweep as one small JSON file, written atomically.

A *cell* is one computation: one setting's full scientific config (the config at one grid point,
:meth:`ExperimentConfig.at`) with all its seeds, trained by one *computation* (the setting runner
of a config family: ``boolean``, ``robustness``, ``real``). Its key is a hash of the computation,
the config, the base seed and :data:`RESULTS_VERSION`, and nothing else: the experiment that asks
for it is not part of it, so a setting that several sweeps share (the pilot is a point of the
clause, neuron, alpha and load sweeps) is computed, stored and counted once. A store is a
directory::

    STORE/COMPUTATION/KEY.json

A rerun computes only the missing cells; an interrupted sweep loses at most the cells in flight.
A file that no registered experiment's cell expects (the code or the profile changed, or
:data:`RESULTS_VERSION` was bumped) is *stale*: reported, never read into a result. A file that
does not parse, or does not agree with its own computation (:func:`check_cell`: its key, config
and seed, every record's setting fields, finite numbers in range, means that are the means of
their per-seed lists), is *corrupt*: reported (a :class:`StoreWarning`) and recomputed, never
read. Two runs writing one store at once cannot corrupt it: every write is a temporary file moved
into place (:func:`~expand_neurons.results.write_json`), and both write the same numbers.

Each cell carries its provenance: commit, library and torch versions, device, date, wall and CPU
time, the command that made it, and the experiment and profile that first asked for it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..data import cache_root
from ..results import read_json, write_json
from ..version import __version__
from .records import PER_SEED

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
    "git_commit",
]

#: Bump whenever a change of the code alters the numbers of any experiment: every stored cell
#: then becomes stale and is recomputed. CI recomputes stored cells to catch a missed bump.
RESULTS_VERSION = 2

#: Format of a cell file.
CELL_SCHEMA = "expand_neurons.cell/2"

#: The keys every cell file holds.
CELL_FIELDS = (
    "schema",
    "key",
    "computation",
    "seed",
    "results_version",
    "config",
    "records",
    "settings",
    "setting_keys",
    "provenance",
)

#: Record means that are fractions in ``[0, 1]`` (their per-seed lists, :data:`PER_SEED`, too).
FRACTIONS = (
    "accuracy",
    "exact_match",
    "capacity",
    "split_capacity",
    "dead_fraction",
    "split_dead_fraction",
)

#: The committed paper-profile store (its cells are shown in the book).
PAPER_STORE = Path(__file__).resolve().parents[2] / "results" / "paper"

#: Two record values closer than this count as equal (a mean recomputed from its per-seed list).
_CLOSE = 1e-9


class StoreWarning(UserWarning):
    """A cell file was unreadable or did not match its computation; it is recomputed."""


@dataclass(frozen=True)
class Cell:
    """One computation: what is computed and stored as a unit.

    Attributes:
        computation: the setting runner that computes it (its config family: ``"boolean"``,
            ``"robustness"``, ``"real"``).
        seed: the base seed.
        config: the full scientific config of the setting (JSON-ready, no grid).
        experiment, profile, point: who asked for it (the registered experiment, its profile and
            the grid point): labels and provenance only, not part of the key.
    """

    computation: str
    seed: int
    config: Mapping[str, Any]
    experiment: str = ""
    profile: str = ""
    point: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """20 hex digits of SHA-256 over computation, config, seed and results version."""
        ident = {
            "computation": self.computation,
            "config": self.config,
            "seed": self.seed,
            "results_version": RESULTS_VERSION,
        }
        text = json.dumps(ident, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def label(self) -> str:
        """``"boolean-clauses n_clauses=8"``: for progress bars and reports."""
        point = ", ".join(f"{k}={v}" for k, v in self.point.items())
        return f"{self.experiment or self.computation} {point}".strip()


@dataclass
class StoreStatus:
    """Which of a sweep's cells are in a store: ``done``, ``missing``; files no cell expects
    (``stale``) and files that do not read or do not agree with their cell (``corrupt``)."""

    done: list[Cell] = field(default_factory=list)
    missing: list[Cell] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    corrupt: list[Path] = field(default_factory=list)


def default_store() -> Path:
    """``$EXPAND_NEURONS_STORE``, else ``results/`` under the cache root
    (``$EXPAND_NEURONS_CACHE`` or ``~/.cache/expand_neurons``)."""
    env = os.environ.get("EXPAND_NEURONS_STORE")
    return Path(env) if env else cache_root() / "results"


def _git(args: Sequence[str]) -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str | None:
    """The library's git commit, with ``+dirty`` when tracked files changed (``None`` outside
    a git checkout)."""
    commit = _git(["rev-parse", "HEAD"])
    if not commit:
        return None
    dirty = _git(["status", "--porcelain", "--untracked-files=no"])
    return commit + ("+dirty" if dirty else "")


def provenance(
    device: str,
    wall_s: float,
    cpu_s: float,
    command: str | None,
    requested_by: Mapping[str, str] | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """Where, when and by what a cell was computed (``requested_by``: the experiment and
    profile that asked for it first; ``commit``: the library's commit when the run started,
    :func:`git_commit` now if not given)."""
    return {
        "commit": commit if commit is not None else git_commit(),
        "library": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": device,
        "machine": platform.machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "command": command if command is not None else " ".join(sys.argv),
        "requested_by": dict(requested_by or {}),
    }


class ResultStore:
    """Cells of any number of experiments under one directory ``root`` (a ``ValueError`` if
    ``root`` exists and is not a directory)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(
                f"the result store {self.root} is not a directory; a store is a folder of cells: "
                "give a folder (it is created if missing)"
            )

    def path(self, cell: Cell) -> Path:
        """Where ``cell`` is stored."""
        return self.root / cell.computation / f"{cell.key}.json"

    def _read(self, path: Path, cell: Cell) -> dict[str, Any] | None:
        """The payload at ``path`` if it is a whole, valid file of ``cell``; else ``None``
        (with a :class:`StoreWarning` for a file that exists but is corrupt)."""
        if not path.exists():
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

    def files(self, computations: Collection[str] | None = None) -> list[Path]:
        """Every cell file of the store (of ``computations`` only, when given), sorted."""
        if not self.root.is_dir():
            return []
        folders = sorted(p for p in self.root.iterdir() if p.is_dir())
        if computations is not None:
            folders = [p for p in folders if p.name in computations]
        return sorted(f for folder in folders for f in folder.glob("*.json"))

    def status(self, cells: Sequence[Cell], known: Collection[Path] = ()) -> StoreStatus:
        """Which of ``cells`` are stored; which files of their computations are stale (expected
        neither by ``cells`` nor by ``known``, the paths of other current cells) or corrupt.

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
                    if path.exists():
                        out.corrupt.append(path)
        current = set(expected) | set(known)
        computations = {c.computation for c in cells}
        out.stale = [p for p in self.files(computations) if p not in current]
        return out


def _finite(value: Any) -> bool:
    """Whether ``value`` is a finite real number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_record(r: Any, config: Mapping[str, Any], setting_keys: Sequence[str]) -> str | None:
    """What is wrong with one record of a cell (``None`` if nothing)."""
    if not isinstance(r, dict) or not {"variant", "accuracy", "accuracies"} <= set(r):
        return "has a record without variant, accuracy and accuracies"
    name = r["variant"]
    for key, value in r.items():
        numbers = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
            return f"has a non-finite {key} in record {name!r}"
    for mean, per_seed in PER_SEED.items():
        if per_seed not in r:
            continue
        xs = r[per_seed]
        if not isinstance(xs, list) or not xs or not all(_finite(x) for x in xs):
            return f"has {per_seed} of record {name!r} that is not a list of numbers: {xs!r}"
        if not _finite(r.get(mean)) or abs(statistics.fmean(xs) - r[mean]) > _CLOSE:
            return f"has {mean} {r.get(mean)!r} of record {name!r}, not the mean of its {per_seed}"
    if len({len(r[k]) for k in PER_SEED.values() if k in r}) > 1:
        return f"has per-seed lists of different lengths in record {name!r}"
    for key in (k for mean in FRACTIONS for k in (mean, PER_SEED[mean])):
        numbers = r.get(key, [])
        numbers = numbers if isinstance(numbers, list) else [numbers]
        if not all(_finite(x) and 0 <= x <= 1 for x in numbers):
            return f"has {key} outside [0, 1] in record {name!r}: {r[key]!r}"
    for key, value in r.items():
        setting = key in config and key not in setting_keys and key not in PER_SEED
        if setting and value != config[key]:
            return f"has {key}={value!r} in record {name!r}, but its config says {config[key]!r}"
    return None


def check_cell(payload: Any, cell: Cell | None = None) -> str | None:
    """What is wrong with a cell file's contents (``None`` if nothing): its schema and fields,
    every record (finite numbers, fractions in range, means equal to the means of their per-seed
    lists, setting fields equal to the config's), and (given ``cell``) that it is that cell's
    file: its key, computation, config, seed and results version."""
    if not isinstance(payload, dict):
        return "is not a JSON object"
    if payload.get("schema") != CELL_SCHEMA:
        return f"has schema {payload.get('schema')!r}, expected {CELL_SCHEMA!r}"
    missing = [k for k in CELL_FIELDS if k not in payload]
    if missing:
        return f"lacks the fields {missing}"
    unknown = sorted(set(payload) - set(CELL_FIELDS))
    if unknown:
        return f"has fields no cell holds: {unknown} (allowed are {list(CELL_FIELDS)})"
    config, keys = payload["config"], payload["setting_keys"]
    if not isinstance(config, dict) or not isinstance(keys, list):
        return "has a config that is not an object or setting_keys that are not a list"
    if not isinstance(payload["records"], list) or not payload["records"]:
        return "has no records"
    settings = payload["settings"]
    if not isinstance(settings, list) or not all(isinstance(s, dict) for s in settings):
        return "has settings that are not a list of objects"
    for r in payload["records"]:
        problem = _check_record(r, config, keys)
        if problem is not None:
            return problem
        if {k: r.get(k) for k in keys} not in settings:
            return f"has a record of {r['variant']!r} at a setting its settings do not list"
    if cell is not None:
        if payload["key"] != cell.key:
            return f"holds key {payload['key']!r}, not {cell.key!r}"
        if payload["computation"] != cell.computation:
            return f"holds computation {payload['computation']!r}, not {cell.computation!r}"
        if config != dict(cell.config) or payload["seed"] != cell.seed:
            return "holds another config or seed than its key says"
        if payload["results_version"] != RESULTS_VERSION:
            return f"has results_version {payload['results_version']}, not {RESULTS_VERSION}"
    return None
