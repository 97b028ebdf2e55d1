"""Throughput of the sweep engine: cells per minute in-process and on a local Dask cluster.

    python benchmarks/engine.py [--cells 8] [--json PATH]

Runs the same quick-profile pilot cells (the pilot with 0, 1, 2, ... distractor inputs, so each
cell is a different grid point of nearly equal cost) three ways in one process: in-process, on a
local cluster of one worker and on one of two workers (the clusters are started before timing;
their start-up is reported on its own), each way warmed by a one-cell sweep first. Reported as
ratios against the in-process run:
``speedup`` (2 workers' cells per minute over in-process'), and the engine's ``overhead`` per
cell (time per cell on a one-worker cluster minus that in-process, over the in-process time). On 2
cores the targets are a speedup of at least 1.7 and an overhead of at most 5 %. Nothing here is
asserted: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from expand_neurons.experiments import get
from expand_neurons.experiments.engine import dask_client
from expand_neurons.results import write_json

#: Seeds per cell, fixed here so that a cell costs the same (about 10 s on one core) whatever
#: the quick profile's seed count is.
SEEDS = 8


def _sweep(cells: int, **engine: Any) -> float:
    """Wall time (s) of one sweep of ``cells`` pilot cells."""
    start = time.perf_counter()
    get("boolean-pilot").run(
        "quick", progress=False, grid={"extra_vars": list(range(cells))}, seeds=SEEDS, **engine
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=8, help="pilot cells per sweep (default 8)")
    p.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = p.parse_args(argv)
    os.environ.setdefault("EXPAND_NEURONS_PROGRESS", "off")
    rows: dict[str, Any] = {}
    start = time.perf_counter()
    _sweep(1)  # warm this process the way the workers are warmed below
    wall = _sweep(args.cells)
    rows["in-process"] = {"wall_s": wall, "cells_per_min": 60 * args.cells / wall}
    for workers in (1, 2):
        t0 = time.perf_counter()
        with dask_client(workers=workers) as client:
            startup = time.perf_counter() - t0
            address = client.scheduler.address
            _sweep(1, scheduler=address)  # warm the workers (imports, first-call costs)
            wall = _sweep(args.cells, scheduler=address)
        rows[f"{workers} worker(s)"] = {
            "wall_s": wall,
            "cells_per_min": 60 * args.cells / wall,
            "startup_s": startup,
        }
    base = rows["in-process"]
    per_cell = base["wall_s"] / args.cells
    one = rows["1 worker(s)"]
    report = {
        "benchmark": "engine",
        "cells": args.cells,
        "rows": rows,
        "speedup_2_workers": rows["2 worker(s)"]["cells_per_min"] / base["cells_per_min"],
        "overhead_per_cell": (one["wall_s"] / args.cells - per_cell) / per_cell,
        "machine": {
            "cpu_count": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "elapsed_s": time.perf_counter() - start,
    }
    for name, row in rows.items():
        extra = f", start-up {row['startup_s']:.1f} s" if "startup_s" in row else ""
        print(f"{name:12s} {row['cells_per_min']:6.1f} cells/min ({row['wall_s']:.1f} s{extra})")
    print(f"2 workers / in-process: {report['speedup_2_workers']:.2f}x (target >= 1.7)")
    print(
        f"engine overhead per cell (1 worker vs in-process): "
        f"{100 * report['overhead_per_cell']:+.1f} % (target <= 5 %)"
    )
    print(f"median load average: {statistics.median(report['machine']['load_average'] or [0]):.2f}")
    if args.json:
        write_json(Path(args.json), report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
