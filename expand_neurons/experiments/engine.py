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
from typing import Any

from ..training import progress_bar
from .config import ExperimentConfig, RunEnv
from .runner import SettingRunner, cells_of, compute_cell
from .store import Cell, ResultStore

__all__ = ["run_cells", "dask_client"]


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

    # The worker's statistical profiler samples every thread's stack every 10 ms, holding the
    # GIL; on these small, Python-bound training loops it slowed a quick pilot cell computed in
    # a worker from about 9 s to 10-12 s (6 s in-process, one loaded 2-core machine). Workers of
    # an existing cluster keep their own config.
    with dask.config.set({"distributed.worker.profile.enabled": False}):
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


def run_cells(
    name: str,
    profile: str,
    cfg: ExperimentConfig,
    seed: int,
    env: RunEnv,
    setting_runner: SettingRunner,
    *,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    command: str | None = None,
    on_cell: Callable[[Cell, bool], None] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Every cell's payload, in grid order, read from ``store`` where it is there, computed
    (and stored) otherwise; and how many cells were computed.

    Args:
        workers, scheduler: run the missing cells on Dask (see the module docstring).
        progress: a bar over cells (done / total, ETA); ``None`` reads
            ``$EXPAND_NEURONS_PROGRESS``.
        on_cell: called as ``on_cell(cell, computed)`` for every cell, stored ones first.
    """
    if workers is not None and scheduler is not None:
        raise ValueError("give workers (a local cluster) or scheduler (an existing one), not both")
    cells = cells_of(name, profile, cfg, seed)
    payloads: dict[str, dict[str, Any]] = {}
    for cell in cells:
        stored = store.load(cell) if store is not None else None
        if stored is not None:
            payloads[cell.key] = stored
            if on_cell:
                on_cell(cell, False)
    todo = [c for c in cells if c.key not in payloads]
    configs = {c.key: cfg.at(c.point) for c in todo}

    def finished(cell: Cell, payload: dict[str, Any]) -> None:
        if store is not None:
            store.save(cell, payload)
        payloads[cell.key] = payload
        if on_cell:
            on_cell(cell, True)

    with progress_bar(len(cells), f"{name} cells", progress) as bar:
        bar.update(len(cells) - len(todo))
        if todo and workers is None and scheduler is None:
            for cell in todo:
                bar.set_postfix_str(cell.label())
                finished(cell, compute_cell(cell, configs[cell.key], setting_runner, env, command))
                bar.update(1)
        elif todo:
            _run_on_dask(
                todo, configs, setting_runner, env, command, workers, scheduler, finished, bar
            )
    return [payloads[c.key] for c in cells], len(todo)


def _run_on_dask(
    todo: Sequence[Cell],
    configs: dict[str, ExperimentConfig],
    setting_runner: SettingRunner,
    env: RunEnv,
    command: str | None,
    workers: int | None,
    scheduler: str | None,
    finished: Callable[[Cell, dict[str, Any]], None],
    bar: Any,
) -> None:
    from distributed import as_completed  # optional: only a cluster needs it

    with dask_client(workers, scheduler) as client:
        futures = {
            client.submit(
                compute_cell,
                cell,
                configs[cell.key],
                setting_runner,
                env,
                command,
                key=f"cell-{cell.experiment}-{cell.key}",
                pure=False,
            ): cell
            for cell in todo
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
