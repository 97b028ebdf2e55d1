"""Where the cells of a sweep run: in this process, or on Dask distributed.

* in-process (the default): one cell after another;
* ``workers=N``: a local ``distributed.LocalCluster`` of ``N`` worker processes with one thread
  each (torch's thread count is set inside each task from the run environment);
* ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster (SLURM or PBS machines started with
  ``dask-jobqueue``, Kubernetes, a cloud cluster), which needs this library installed on its
  workers.

The numbers are the same every way: a cell's seeds are derived from the base seed alone. Only
the client writes to the store, one cell as soon as it is finished, so a worker that dies loses
nothing (Dask runs its cells again elsewhere) and an interrupted client loses at most the cells
in flight. Dask is imported only when a cluster is asked for. Cells that read the same data
built on first use (:meth:`~.config.ExperimentConfig.shared_data`: an embedding cache) wait on
a cluster for the first of them, which builds it, while the other workers take other cells.

Both fail fast: a local cluster has at most :func:`max_workers` processes unless more are asked
for explicitly, and a scheduler address is checked (:func:`check_scheduler_address`) and must
answer as a Dask scheduler within ``timeout_s`` (:func:`check_scheduler`), else one
:class:`ConnectionError` says what answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..checks import check_int, check_positive
from ..training import progress_bar
from .config import ExperimentConfig, RunEnv
from .runner import SettingRunner, cells_of, compute_cell
from .store import Cell, ResultStore, git_commit

__all__ = [
    "CellJob",
    "Unsaved",
    "Origin",
    "jobs_of",
    "compute_cells",
    "run_cells",
    "dask_client",
    "WORKER_CONFIG",
    "SCHEDULER_TIMEOUT_S",
    "SCHEDULER_SCHEMES",
    "check_scheduler_address",
    "check_scheduler",
    "max_workers",
    "check_workers",
]

#: Seconds a scheduler has to answer as one before a run gives up.
SCHEDULER_TIMEOUT_S = 30.0
#: Address schemes of Dask's communication backends: ``tcp://HOST:PORT`` is the usual one
#: (``inproc://`` names a scheduler in this process).
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")

#: Dask settings for the workers of a local cluster. Two of Dask's defaults slow these small,
#: Python-bound training loops in a worker:
#:
#: * the nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, so glibc hands freed memory
#:   back to the system at once and torch's tensors are mapped again and again: a quick pilot
#:   sweep took 40 % longer (26.5 s against 19.0 s, two plain processes, the variable set in
#:   one); ``None`` unsets it;
#: * the statistical profiler samples every thread's stack every 10 ms, holding the GIL.
#:
#: Workers of an existing cluster keep their own settings: the README shows the same two as a
#: Dask config file for them.
WORKER_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


def max_workers() -> int:
    """The most local worker processes started without asking for more: the CPU cores."""
    return os.cpu_count() or 1


def check_workers(
    workers: object,
    allow_more: bool = False,
    name: str = "workers",
    override: str = "allow_more=True",
) -> int:
    """``workers`` if it is an integer >= 1 and (unless ``allow_more``) at most
    :func:`max_workers`; a ``ValueError`` naming the cap and the ``override`` otherwise."""
    workers = check_int(name, workers)
    cap = max_workers()
    if workers > cap and not allow_more:
        raise ValueError(
            f"{name} must be at most {cap}, the CPU cores of this machine (os.cpu_count()), got "
            f"{workers}; more processes than cores only compete for them ({override} starts "
            "them anyway)"
        )
    return workers


def check_scheduler_address(address: object, name: str = "scheduler") -> str:
    """``address`` if it has the form of a Dask scheduler address, ``SCHEME://HOST:PORT`` with a
    scheme of :data:`SCHEDULER_SCHEMES` (``HOST:PORT`` means ``tcp://HOST:PORT``); a
    ``ValueError`` naming the form otherwise."""
    form = f"{name} must be an address tcp://HOST:PORT (schemes {', '.join(SCHEDULER_SCHEMES)})"
    if not isinstance(address, str):
        raise ValueError(f"{form}, got {address!r} ({type(address).__name__})")
    scheme, sep, location = address.partition("://")
    if not sep:
        scheme, location = "tcp", address
    host, colon, port = location.rpartition(":")
    if scheme not in SCHEDULER_SCHEMES:
        raise ValueError(f"{form}, got {address!r}: unknown scheme {scheme!r}")
    if scheme == "inproc" and location:
        return address
    if not colon or not host.strip("[]") or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{form}, got {address!r}: it needs a host and a port in 1..65535")
    return address


def check_scheduler(address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> None:
    """Connect to ``address`` and ask who answers, all within ``timeout_s`` seconds.

    Raises ``ValueError`` for a malformed address and :class:`ConnectionError` (one line) when
    nothing answers, or something that is not a Dask scheduler: a refused or unresolvable
    address, a listener that stays silent, another service (an HTTP server).
    """
    address = check_scheduler_address(address)
    timeout_s = check_positive("timeout_s", timeout_s)
    outcome: dict[str, Any] = {}
    probe = threading.Thread(
        target=_identify, args=(address, timeout_s, outcome), daemon=True, name="dask-probe"
    )
    probe.start()
    probe.join(timeout_s + 2)  # a hung probe is left behind: a daemon, it blocks no exit
    if "reply" in outcome:
        reply = outcome["reply"]
        if isinstance(reply, dict) and reply.get("type") == "Scheduler":
            return
        raise ConnectionError(f"{address} answered, but not as a Dask scheduler: {reply!r:.80}")
    err = outcome.get("error")
    if not outcome.get("listening"):  # refused until the end, unknown host, unreachable
        raise ConnectionError(
            f"cannot connect to a Dask scheduler at {address} within {timeout_s:g} s: "
            f"{_reason(err)}"
        )
    raise ConnectionError(
        f"{address} accepts connections but gave no Dask answer within {timeout_s:g} s: is a "
        "Dask scheduler listening there (and not another service, such as an HTTP server)?"
    )


def _reason(err: BaseException | None) -> str:
    """The first line of what ``err`` (or its cause) says, else its type's name."""
    if err is None or isinstance(err, asyncio.TimeoutError):
        return "no connection (refused or unreachable)"
    cause = err.__cause__ or err
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


async def _open(host: str, port: int) -> None:
    """Open (and close) a TCP connection to ``host:port``, trying again while it is refused (a
    scheduler may still be starting) until cancelled; an unknown host fails at once."""
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except ConnectionRefusedError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return


def _identify(address: str, timeout_s: float, outcome: dict[str, Any]) -> None:
    """Ask ``address`` for its identity in an event loop of this thread: ``listening`` once a
    TCP connection opens, then the ``reply`` or the ``error`` go to ``outcome``."""
    from distributed.comm import connect  # optional: only a cluster needs it
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.security import Security

    async def identity() -> Any:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            await _open(*parse_host_port(location))
        outcome["listening"] = True
        args = Security().get_connection_args("client")  # TLS settings of the Dask config
        comm = await connect(address, timeout=timeout_s, **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        outcome["reply"] = asyncio.run(asyncio.wait_for(identity(), timeout_s))
    except Exception as err:  # reported by check_scheduler
        outcome["error"] = err


@contextlib.contextmanager
def dask_client(
    workers: int | None = None,
    scheduler: str | None = None,
    timeout_s: float = SCHEDULER_TIMEOUT_S,
) -> Iterator[Any]:
    """A ``distributed.Client``: of a new ``LocalCluster`` with ``workers`` processes, or
    connected to ``scheduler`` (which must answer within ``timeout_s``, see
    :func:`check_scheduler`). Closed (and the local cluster shut down) on exit."""
    try:
        from distributed import Client, LocalCluster  # optional: only a cluster needs it
    except ImportError as err:  # pragma: no cover - distributed is in requirements.txt
        raise RuntimeError(
            "running on Dask needs the distributed package: pip install 'dask[distributed]'"
        ) from err
    if scheduler is not None:
        check_scheduler(scheduler, timeout_s)
        client = Client(scheduler, timeout=f"{timeout_s}s")
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@dataclass(frozen=True)
class CellJob:
    """One cell to compute: the cell, the config at its point and its experiment's runner."""

    cell: Cell
    cfg: ExperimentConfig
    setting_runner: SettingRunner


def jobs_of(
    name: str, profile: str, cfg: ExperimentConfig, seed: int, setting_runner: SettingRunner
) -> list[CellJob]:
    """The cells of one sweep as jobs, in grid order."""
    return [
        CellJob(cell, cfg.at(cell.point), setting_runner)
        for cell in cells_of(name, profile, cfg, seed)
    ]


def compute_cells(
    jobs: Sequence[CellJob],
    env: RunEnv,
    *,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout_s: float = SCHEDULER_TIMEOUT_S,
    progress: bool | None = None,
    command: str | None = None,
    desc: str = "cells",
) -> tuple[dict[str, dict[str, Any]], int, list[Unsaved]]:
    """Every job's payload by cell key, read from ``store`` where it is there, computed (and
    stored) otherwise; how many cells were computed; and the computed cells the store could not
    take (:class:`Unsaved`: the run goes on, their payloads are returned all the same). The jobs
    may come from several experiments: on Dask they share one cluster, submitted in the order
    given.

    Args:
        workers, scheduler: run the missing cells on Dask (see the module docstring).
        scheduler_timeout_s: seconds ``scheduler`` has to answer (:func:`check_scheduler`).
        progress: a bar over cells (done / total, ETA); ``None`` reads
            ``$EXPAND_NEURONS_PROGRESS``.
    """
    if workers is not None and scheduler is not None:
        raise ValueError("give workers (a local cluster) or scheduler (an existing one), not both")
    origin = Origin(command, git_commit())  # the code that computes: as it is now
    payloads: dict[str, dict[str, Any]] = {}
    unique = list({j.cell.key: j for j in jobs}.values())  # a shared setting is one cell
    for job in unique:
        stored = store.load(job.cell) if store is not None else None
        if stored is not None:
            payloads[job.cell.key] = stored
    todo = [j for j in unique if j.cell.key not in payloads]

    unsaved: list[Unsaved] = []

    def finished(cell: Cell, payload: dict[str, Any]) -> None:
        payloads[cell.key] = payload  # kept, whatever the store does
        if store is not None:
            try:
                store.save(cell, payload)
            except OSError as err:  # a read-only or damaged store must not lose the work
                unsaved.append(Unsaved(cell, store.path(cell), str(err)))

    with progress_bar(len(unique), desc, progress) as bar:
        bar.update(len(unique) - len(todo))
        if todo and workers is None and scheduler is None:
            for job in todo:
                bar.set_postfix_str(job.cell.label())
                finished(job.cell, _compute(job, env, origin))
                bar.update(1)
        elif todo:
            client = functools.partial(dask_client, workers, scheduler, scheduler_timeout_s)
            _run_on_dask(todo, env, origin, client, finished, bar)
    return payloads, len(todo), unsaved


@dataclass(frozen=True)
class Unsaved:
    """A computed cell that the store could not take (a read-only store, a folder where its
    file should be, ...): its payload is kept in memory and the run reports it."""

    cell: Cell
    path: Path
    reason: str


@dataclass(frozen=True)
class Origin:
    """What every cell of one run records of its origin: the command line and the library's
    commit when the run started."""

    command: str | None
    commit: str | None


def _compute(job: CellJob, env: RunEnv, origin: Origin) -> dict[str, Any]:
    """``job``'s payload."""
    return compute_cell(job.cell, job.cfg, job.setting_runner, env, origin.command, origin.commit)


def run_cells(
    name: str,
    profile: str,
    cfg: ExperimentConfig,
    seed: int,
    env: RunEnv,
    setting_runner: SettingRunner,
    **engine: Any,
) -> tuple[list[tuple[Cell, dict[str, Any]]], int, list[Unsaved]]:
    """Every cell of one sweep with its payload, in grid order, how many cells were computed and
    which of them the store could not take; ``engine`` as in :func:`compute_cells`."""
    jobs = jobs_of(name, profile, cfg, seed, setting_runner)
    payloads, computed, unsaved = compute_cells(jobs, env, desc=f"{name} cells", **engine)
    return [(j.cell, payloads[j.cell.key]) for j in jobs], computed, unsaved


def _run_on_dask(
    todo: Sequence[CellJob],
    env: RunEnv,
    origin: Origin,
    client_of: Callable[[], contextlib.AbstractContextManager[Any]],
    finished: Callable[[Cell, dict[str, Any]], None],
    bar: Any,
) -> None:
    from distributed import as_completed  # optional: only a cluster needs it

    env = replace(env, progress=False)  # workers' training bars would interleave: one bar here
    with client_of() as client:
        futures: dict[Any, Cell] = {}
        building: dict[Any, Hashable] = {}  # the future of each shared data's first cell -> data
        held: dict[Hashable, list[tuple[int, CellJob]]] = {}  # data -> cells waiting for it

        def submit(i: int, job: CellJob) -> Any:
            future = client.submit(
                _compute,
                job,
                env,
                origin,
                key=f"cell-{job.cell.key}",
                pure=False,
                priority=-i,  # in the order given (Dask runs higher priorities first)
            )
            futures[future] = job.cell
            return future

        # Cells that read the same built data (an embedding cache) are held back until the first
        # of them has built it, then submitted with their own priority. (Not as Dask
        # dependencies: a task with dependencies leaves Dask's root-task queue, and the queue
        # then stops running cells in priority order.)
        for i, job in enumerate(todo):
            data = job.cfg.shared_data()
            if data is None:
                submit(i, job)
            elif data in held:
                held[data].append((i, job))
            else:
                held[data] = []
                building[submit(i, job)] = data
        completed = as_completed(list(futures))
        try:
            for future in completed:
                cell = futures[future]
                finished(cell, future.result())
                bar.set_postfix_str(cell.label())
                bar.update(1)
                if future in building:
                    for i, job in held.pop(building.pop(future)):
                        completed.add(submit(i, job))
        except BaseException:
            client.cancel(list(futures))
            raise
