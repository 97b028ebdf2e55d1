"""Command line: ``python -m expand_neurons list``, ``run NAME [--profile P] [--json PATH]``
and ``bench [--quick] [--json PATH]`` (the layout benchmark, :mod:`expand_neurons.bench`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from . import bench, experiments
from .results import write_json

__all__ = ["main", "format_table"]


def format_table(result: dict[str, Any]) -> str:
    """A readable table of a result's ``variants``: accuracy, gain over dense, non-zeros."""
    rows = [("variant", "accuracy", "± std", "rel. gain", "non-zeros", "neurons")]
    for name, v in result["variants"].items():
        gain = v.get("relative_gain")
        rows.append(
            (
                name,
                f"{100 * v['accuracy']:.1f} %",
                f"{100 * v.get('accuracy_std', 0.0):.1f}",
                "" if gain is None else f"{100 * gain:+.1f} %",
                str(v["nonzero"]),
                str(v.get("neurons", "")),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m expand_neurons", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="name the experiments")
    run = sub.add_parser("run", help="run one experiment")
    run.add_argument("name", help="experiment name (see `list`)")
    run.add_argument(
        "--profile",
        default=None,
        help=f"one of {list(experiments.PROFILES)} (default: ${experiments.profiles.ENV_VAR}, "
        "else quick)",
    )
    run.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    run.add_argument("--json", metavar="PATH", help="also write the results as JSON (atomically)")
    bench.add_arguments(sub.add_parser("bench", help="time and memory of the FPE layouts"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    if args.command == "bench":
        return bench.main(args)
    if args.command == "list":
        for name in experiments.names():
            exp = experiments.get(name)
            print(f"{name:24s} {exp.description}")
        return 0
    try:
        exp = experiments.get(args.name)
        profile = experiments.resolve_profile(args.profile)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{exp.name} ({profile} profile, seed {args.seed}): {exp.description}", flush=True)
    result = exp.run(profile, seed=args.seed)
    print(format_table(result))
    print(f"finished in {result['elapsed_s']:.1f} s")
    if args.json:
        path = write_json(args.json, result)
        print(f"wrote {path}")
    return 0
