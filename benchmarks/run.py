"""Run the whole layout benchmark suite: every size, on the CPU and (when present) on CUDA.

    python benchmarks/run.py [--quick] [--threads N] [--clock wall|cpu]

writes ``benchmarks/results/<device>[-<threads>t][-<clock>].json`` (atomically) and prints one
table per device. Each file is what ``python -m expand_neurons bench --json PATH`` writes; see
``benchmarks/README.md`` for what is measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from expand_neurons.cli import main as cli

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the quick profile (about a minute)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = p.parse_args(argv)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    status = 0
    for device in devices:
        name = device
        extra = []
        if device == "cpu":
            if args.threads:
                name += f"-{args.threads}t"
                extra += ["--threads", str(args.threads)]
            if args.clock == "cpu":
                name += "-cpuclock"
                extra += ["--clock", "cpu"]
        if args.quick:
            name += "-quick"
            extra.append("--quick")
        out = HERE / "results" / f"{name}.json"
        status |= cli(["bench", "--device", device, "--json", str(out), *extra])
    return status


if __name__ == "__main__":
    sys.exit(main())
