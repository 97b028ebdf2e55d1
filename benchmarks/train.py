"""End-to-end training benchmark: seconds per epoch of whole expanded MLPs, per layout.

    python benchmarks/train.py [--full] [--json PATH] [--threads N]

Times dense, masked, grouped and sparse networks of the same non-zero count round-robin in
this process (``expand_neurons/layers/train_bench.py``) and prints each layout's epoch time
as a ratio over the dense network's, plus the time of ``expand`` itself. ``--quick`` (the
default) runs the pilot shape and a wide one (d = 1024, h = 256), alpha 2 to 16; ``--full``
adds the 5-layer network and more rounds. Nothing is asserted: the numbers depend on the
machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import torch

from expand_neurons.layers.train_bench import FULL_TRAIN, QUICK_TRAIN, run_training
from expand_neurons.results import write_json


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="every shape, more rounds")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    cfg = FULL_TRAIN if args.full else QUICK_TRAIN
    rows = run_training(cfg)
    for r in rows:
        where = f"{r['shape']:6s} alpha={r['alpha']:2d} {r['layout']:8s}"
        if r["layout"] == "expand":
            print(f"{where} expand {r['expand_s']:.3f} s = {r['fraction_of_epoch']:.2f} epochs")
        else:
            print(f"{where} {1000 * r['epoch_s']:8.1f} ms/epoch  {r['ratio']:6.2f}x dense")
    if args.json:
        machine = {
            "cpu_count": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        }
        write_json(Path(args.json), {"benchmark": "train", "rows": rows, "machine": machine})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
