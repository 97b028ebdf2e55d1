"""Command line: ``python -m expand_neurons list``,
``run NAME [--profile P] [--seed S] [--json PATH] [--store DIR] [--workers N | --scheduler ADDR]
[--set KEY=VALUE ...]``, ``status NAME [--profile P] [--store DIR] [--set KEY=VALUE ...]`` and
``precompute [NAME ...] [--profile P] [--store DIR] [--workers N | --scheduler ADDR]`` (the
missing cells of several experiments, on one engine; no names: those the book runs),
``check-store [--store DIR] [--count N | --all | --no-recompute]`` (the committed store's
guard), ``plan [--store DIR]`` (where each claim stands under its seed plan, and the
``precompute`` commands of the seed blocks it asks for next) and ``bench [--quick] [--json
PATH]`` (the layout benchmark).

Every option is checked before any work starts (a bad one prints ``error: ...`` and exits 2):
``--device`` must name a device this machine has, ``--workers`` at most its CPU cores (unless
``--allow-more-workers``), and a ``--scheduler`` must answer as a Dask scheduler within
``--scheduler-timeout`` seconds.
Ctrl-C exits 130: without a store it prints ``interrupted; nothing written``; with one, every
finished cell stays stored and a rerun computes only the rest.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from . import experiments
from .book.runs import BOOK_EXPERIMENTS, BOOK_STORE_VARIABLE, build_store
from .checks import check_device, check_int, check_positive
from .experiments.audit import TOLERANCE, audit_store, recompute, rotation
from .experiments.engine import (
    SCHEDULER_TIMEOUT_S,
    check_scheduler,
    check_scheduler_address,
    check_workers,
    max_workers,
)
from .experiments.store import PAPER_STORE, ResultStore, default_store, git_commit
from .layers import bench
from .results import check_writable, write_json
from .seeds import MAX_SEED, check_seed

__all__ = ["main", "format_table"]

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


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


def _setting(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE as JSON (``seeds=2``, ``grid={"hidden": [4, 8]}``) or a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _profile_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--profile",
        default=None,
        help=f"one of {list(experiments.PROFILES)} (default: ${experiments.profiles.ENV_VAR}, "
        "else quick)",
    )


def _engine_options(p: argparse.ArgumentParser) -> None:
    """Where and how cells train: --workers | --scheduler, --threads, --device, --download."""
    engine = p.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers",
        type=int,
        help=f"run the cells on a local Dask cluster of N processes (at most the {max_workers()} "
        "CPU cores, unless --allow-more-workers)",
    )
    engine.add_argument(
        "--scheduler", metavar="ADDR", help="run the cells on the Dask cluster at tcp://HOST:PORT"
    )
    p.add_argument(
        "--allow-more-workers",
        action="store_true",
        help="allow --workers above the number of CPU cores",
    )
    p.add_argument(
        "--scheduler-timeout",
        type=float,
        default=SCHEDULER_TIMEOUT_S,
        metavar="S",
        help=f"seconds the scheduler has to answer (default {SCHEDULER_TIMEOUT_S:g})",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads while training, per worker (default 1: fastest for these small models)",
    )
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.add_argument(
        "--download", action="store_true", help="allow downloading missing data (CIFAR-100)"
    )


def _set_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        type=_setting,
        action="append",
        default=[],
        help="override a config field (VALUE as JSON), e.g. --set seeds=2",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m expand_neurons", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="name the experiments")
    run = sub.add_parser("run", help="run one experiment")
    run.add_argument("name", help="experiment name (see `list`)")
    _profile_option(run)
    run.add_argument(
        "--seed", type=int, default=0, help=f"base seed in [0, {MAX_SEED}] (default 0)"
    )
    run.add_argument("--json", metavar="PATH", help="also write the results as JSON (atomically)")
    run.add_argument(
        "--store",
        metavar="DIR",
        help="result store: finished cells are kept there and not recomputed "
        f"(default with --workers/--scheduler: {default_store()})",
    )
    _engine_options(run)
    _set_option(run)
    pre = sub.add_parser(
        "precompute",
        help="compute the missing cells of several experiments into a store, on one engine",
    )
    pre.add_argument(
        "names", nargs="*", help="experiment names (default: every one the book's chapters run)"
    )
    _profile_option(pre)
    pre.add_argument(
        "--seed", type=int, default=0, help=f"base seed in [0, {MAX_SEED}] (default 0)"
    )
    pre.add_argument(
        "--store",
        metavar="DIR",
        help=f"result store (default: the book build's store when ${BOOK_STORE_VARIABLE} is set, "
        f"else {default_store()})",
    )
    _engine_options(pre)
    status = sub.add_parser("status", help="which cells of a run are in a result store")
    status.add_argument("name", help="experiment name (see `list`)")
    _profile_option(status)
    status.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    status.add_argument("--store", metavar="DIR", help=f"result store (default {default_store()})")
    _set_option(status)
    check = sub.add_parser(
        "check-store",
        help="check a result store: every cell against its computation, stale cells, a rotation "
        "of cells recomputed",
    )
    check.add_argument("--store", metavar="DIR", default=str(PAPER_STORE), help="the store")
    _profile_option(check)
    check.add_argument(
        "--max-s",
        type=float,
        default=180.0,
        help="recompute only cells that took at most this many seconds (default 180)",
    )
    check.add_argument(
        "--count", type=int, default=2, help="cells to recompute in this commit's rotation"
    )
    what = check.add_mutually_exclusive_group()
    what.add_argument("--all", action="store_true", help="recompute every cell, however long")
    what.add_argument(
        "--no-recompute", action="store_true", help="only check the files, recompute nothing"
    )
    plan = sub.add_parser(
        "plan",
        help="where each claim stands under its seed plan, and the seed blocks it asks for next",
    )
    plan.add_argument("--store", metavar="DIR", default=str(PAPER_STORE), help="the store")
    _profile_option(plan)
    bench.add_arguments(sub.add_parser("bench", help="time and memory of the FPE layouts"))
    return p


def _plan(args: argparse.Namespace) -> int:
    """Print each claim part's seeds, its plan's decision and the blocks it asks for, then the
    commands that compute them."""
    from .claims.catalogue import experiments_of
    from .claims.evaluate import evaluate
    from .claims.plan import commands, stops
    from .experiments.blocks import stored_blocks

    profile = args.profile or "paper"
    experiments.resolve_profile(profile)
    if not ResultStore(args.store).root.is_dir():
        raise ValueError(f"--store {args.store} is not a directory of stored cells")
    results = {name: stored_blocks(name, args.store, profile) for name in experiments_of()}
    plan_stops = stops(evaluate(results), results)
    for stop in plan_stops:
        wanted = f" -> {stop.wanted}" if stop.wanted > stop.seeds else ""
        print(f"{stop.claim:3s} {stop.part}: {stop.seeds} seeds{wanted}; {stop.decision}")
    lines = commands(plan_stops, args.store, profile)
    print("\n".join(["", "to compute what the plan asks for next:", *lines]) if lines else "")
    return 0


def _check_store(args: argparse.Namespace) -> int:
    profile = args.profile or "paper"
    experiments.resolve_profile(profile)
    check_positive("--max-s", args.max_s)
    check_int("--count", args.count)
    audit = audit_store(args.store, profile)
    if audit.problem is not None:
        print(f"error: {audit.problem}")
        return 1
    print(f"result store {args.store} ({profile} profile): {len(audit.valid)} valid cells")
    for path, why in audit.invalid:
        print(f"  invalid  {path}: {why}")
    for path, why in audit.stale:
        print(f"  stale    {path}: {why}")
    if not audit.ok:
        print("error: the store has invalid or stale cells (rerun them with `run --store`)")
        return 1
    if args.no_recompute:
        return 0
    commit = (git_commit() or "").removesuffix("+dirty")
    chosen = list(audit.valid) if args.all else rotation(audit, commit, args.count, args.max_s)
    if not chosen:
        print(f"no stored CPU cell took at most {args.max_s:.0f} s: nothing recomputed")
        return 0
    failed = 0
    for redo in recompute(chosen):
        print(
            f"recomputed {redo.cell.label()} ({redo.path.name}, {redo.stored_wall_s:.0f} s "
            f"stored): {len(redo.differences)} per-seed numbers, largest difference "
            f"{redo.max_difference:.4f}" + (" (identical)" if redo.identical else "")
        )
        if not redo.ok:
            failed += 1
            why = redo.problem or f"differs by {redo.max_difference:.4f} > {TOLERANCE}"
            print(f"  error: {why}")
    if failed:
        print(
            f"error: {failed} recomputed cells differ from the store: the code changed their "
            "numbers; bump RESULTS_VERSION in expand_neurons/experiments/store.py and recompute "
            "the store"
        )
        return 1
    return 0


def _interrupted(store: ResultStore | None) -> int:
    if store is None:
        print("interrupted; nothing written", file=sys.stderr)
    else:
        print(f"interrupted; finished cells are kept in {store.root}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _status(args: argparse.Namespace) -> int:
    exp = experiments.get(args.name)
    profile = experiments.resolve_profile(args.profile)
    store = ResultStore(args.store or default_store())
    st = exp.status(store, profile, check_seed(args.seed, "--seed"), **dict(args.set))
    total = len(st.done) + len(st.missing)
    print(f"{exp.name} ({profile} profile, seed {args.seed}) in {store.root}:")
    print(f"  done {len(st.done)} / {total}, missing {len(st.missing)}, stale {len(st.stale)}")
    for cell in st.missing:
        print(f"  missing  {cell.label()}  ({store.path(cell).name})")
    for path in st.corrupt:
        print(f"  corrupt  {path}")
    for path in st.stale:
        print(f"  stale    {path}")
    return 0


def _run_env(args: argparse.Namespace) -> experiments.RunEnv:
    """The run environment of the engine options, checked (``ValueError`` names a bad one);
    the scheduler's address is checked here, whether it answers by :func:`_reach`."""
    if args.workers is not None:
        check_workers(args.workers, args.allow_more_workers, "--workers", "--allow-more-workers")
    # a cluster's workers may have a GPU this machine lacks: there only the form is checked
    check_device("--device", args.device, available=args.scheduler is None)
    env = experiments.RunEnv(threads=args.threads, device=args.device, download=args.download)
    if args.scheduler is not None:
        check_scheduler_address(args.scheduler, "--scheduler")
        check_positive("--scheduler-timeout", args.scheduler_timeout)
    return env


def _reach(args: argparse.Namespace) -> None:
    """The last check before any work: a ``--scheduler`` answers as a Dask scheduler within
    ``--scheduler-timeout`` (``ConnectionError`` in one line otherwise)."""
    if args.scheduler is not None:
        check_scheduler(args.scheduler, args.scheduler_timeout)


def _command(argv: Sequence[str] | None) -> str:
    """This command line, as recorded in every computed cell's provenance."""
    return shlex.join(["python", "-m", "expand_neurons", *(argv or sys.argv[1:])])


def _precompute(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    names = args.names or list(BOOK_EXPERIMENTS)
    try:
        for name in names:
            experiments.get(name)  # an unknown name fails here, before any work
        profile = experiments.resolve_profile(args.profile)
        check_seed(args.seed, "--seed")
        env = _run_env(args)
        store = ResultStore(args.store) if args.store else build_store()
        store = store or ResultStore(default_store())
        check_writable(store.root / ".write-test.json")
        _reach(args)
    except (ValueError, TypeError, ConnectionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{len(names)} experiments ({profile} profile, seed {args.seed}) into {store.root}")
    try:
        computed = experiments.fill_store(
            names,
            store,
            profile,
            args.seed,
            env,
            workers=args.workers,
            scheduler=args.scheduler,
            scheduler_timeout_s=args.scheduler_timeout,
            command=_command(argv),
        )
    except KeyboardInterrupt:
        return _interrupted(store)
    except OSError as err:  # cells the store could not take: named, with the reason
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{computed} cells computed and stored in {store.root}; the others were there")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 2 bad input, 130 interrupted)."""
    args = _parser().parse_args(argv)
    if args.command == "list":
        for name in experiments.names():
            exp = experiments.get(name)
            print(f"{name:24s} {exp.description}")
        return 0
    if args.command == "precompute":
        return _precompute(args, argv)
    store = None
    try:
        if args.command == "status":
            return _status(args)
        if args.command == "check-store":
            return _check_store(args)
        if args.command == "plan":
            return _plan(args)
        if args.json is not None:
            check_writable(args.json)
        if args.command == "run":
            exp = experiments.get(args.name)
            profile = experiments.resolve_profile(args.profile)
            check_seed(args.seed, "--seed")
            overrides = dict(args.set)
            exp.config(profile, **overrides)  # validates the overrides now
            env = _run_env(args)
            distributed = args.workers is not None or args.scheduler is not None
            if args.store is not None or distributed:
                store = ResultStore(args.store or default_store())
                if exp.status(store, profile, args.seed, **overrides).missing:
                    check_writable(store.root / ".write-test.json")  # a complete store is read
            _reach(args)
    except (ValueError, TypeError, ConnectionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        if args.command == "bench":
            return bench.main(args)
        print(f"{exp.name} ({profile} profile, seed {args.seed}): {exp.description}", flush=True)
        result = exp.run(
            profile,
            seed=args.seed,
            env=env,
            store=store,
            workers=args.workers,
            scheduler=args.scheduler,
            scheduler_timeout_s=args.scheduler_timeout,
            command=_command(argv),
            **overrides,
        )
        print(format_table(result))
        print(f"finished in {result['elapsed_s']:.1f} s")
        if store is not None:
            cells = result["cells"]
            on_disk = len(exp.status(store, profile, args.seed, **overrides).done)
            print(
                f"{cells['total']} cells: {cells['total'] - cells['computed']} read from "
                f"{store.root}, {cells['computed']} computed; {on_disk} of {cells['total']} are "
                "in the store now"
            )
            for u in result.get("unsaved", []):
                print(f"error: not stored: {u['cell']} at {u['path']}: {u['reason']}")
        if args.json is not None:
            path = write_json(args.json, result)
            print(f"wrote {path}")
    except KeyboardInterrupt:
        return _interrupted(store)
    return 1 if result.get("unsaved") else 0
