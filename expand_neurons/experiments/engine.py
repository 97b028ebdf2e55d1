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
in flight. Dask is imported only when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..training import progress_bar
from .config import ExperimentConfig, RunEnv
from .runner import SettingRunner, cells_of, compute_cell
from .store import Cell, ResultStore, git_commit

__all__ = ["CellJob", "jobs_of", "compute_cells", "run_cells", "dask_client", "WORKER_CONFIG"]

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


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: of a new ``LocalCluster`` with ``workers`` processes, or
    connected to ``scheduler``. Closed (and the local cluster shut down) on exit."""
    try:
        from distributed import Client, LocalCluster  # optional: only a cluster needs it
    except ImportError as err:  # pragma: no cover - distributed is in requirements.txt
        raise RuntimeError(
            "running on Dask needs the distributed package: pip install 'dask[distributed]'"
        ) from err
    if scheduler is not None:
        client = Client(scheduler, timeout="30s")
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
    progress: bool | None = None,
    command: str | None = None,
    desc: str = "cells",
) -> tuple[dict[str, dict[str, Any]], int]:
    """Every job's payload by cell key, read from ``store`` where it is there, computed (and
    stored) otherwise; and how many cells were computed. The jobs may come from several
    experiments: on Dask they share one cluster, submitted in the order given.

    Args:
        workers, scheduler: run the missing cells on Dask (see the module docstring).
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

    def finished(cell: Cell, payload: dict[str, Any]) -> None:
        if store is not None:
            store.save(cell, payload)
        payloads[cell.key] = payload

    with progress_bar(len(unique), desc, progress) as bar:
        bar.update(len(unique) - len(todo))
        if todo and workers is None and scheduler is None:
            for job in todo:
                bar.set_postfix_str(job.cell.label())
                finished(job.cell, _compute(job, env, origin))
                bar.update(1)
        elif todo:
            _run_on_dask(todo, env, origin, workers, scheduler, finished, bar)
    return payloads, len(todo)


@dataclass(frozen=True)
class Origin:
    """What every cell of one run records of its origin: the command line and the library's
    commit when the run started."""

    command: str | None
    commit: str | None


def _compute(job: CellJob, env: RunEnv, origin: Origin) -> dict[str, Any]:
    return compute_cell(job.cell, job.cfg, job.setting_runner, env, origin.command, origin.commit)


def run_cells(
    name: str,
    profile: str,
    cfg: ExperimentConfig,
    seed: int,
    env: RunEnv,
    setting_runner: SettingRunner,
    **engine: Any,
) -> tuple[list[tuple[Cell, dict[str, Any]]], int]:
    """Every cell of one sweep with its payload, in grid order, and how many cells were
    computed; ``engine`` as in :func:`compute_cells`."""
    jobs = jobs_of(name, profile, cfg, seed, setting_runner)
    payloads, computed = compute_cells(jobs, env, desc=f"{name} cells", **engine)
    return [(j.cell, payloads[j.cell.key]) for j in jobs], computed


def _run_on_dask(
    todo: Sequence[CellJob],
    env: RunEnv,
    origin: Origin,
    workers: int | None,
    scheduler: str | None,
    finished: Callable[[Cell, dict[str, Any]], None],
    bar: Any,
) -> None:
    from distributed import as_completed  # optional: only a cluster needs it

    env = replace(env, progress=False)  # workers' training bars would interleave: one bar here
    with dask_client(workers, scheduler) as client:
        futures = {
            client.submit(
                _compute,
                job,
                env,
                origin,
                key=f"cell-{job.cell.key}",
                pure=False,
                priority=-i,  # in the order given (Dask runs higher priorities first)
            ): job.cell
            for i, job in enumerate(todo)
        }
        try:
            for future in as_completed(futures):
                cell = futures[future]
                finished(cell, future.result())
                bar.set_postfix_str(cell.label())
                bar.update(1)
        except BaseException:
            client.cancel(list(futures))
            raise
