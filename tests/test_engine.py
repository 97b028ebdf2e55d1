"""The sweep engine: cells in a result store, Dask distributed, kills and resumes (real processes,
loopback only). No test asserts a time."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from expand_neurons.cli import main
from expand_neurons.experiments import get
from expand_neurons.experiments.store import (
    RESULTS_VERSION,
    ResultStore,
    StoreWarning,
    check_cell,
)

NAME = "boolean-clauses"
FOLDER = "boolean"  # the store folder of Boolean computations
# Six small cells (one per clause count), two seeds each: about a second per cell.
TINY = {"seeds": 2, "epochs": 40, "n_train": 512, "n_test": 256}
GRID = {"n_clauses": [2, 3, 4, 5, 6, 8]}
ROOT = Path(__file__).resolve().parents[1]


def tiny_run(**kwargs):
    return get(NAME).run("quick", progress=False, grid=GRID, **TINY, **kwargs)


@pytest.fixture(scope="module")
def reference():
    """The sweep computed in this process, no store: what every other way must reproduce."""
    return tiny_run()


def _status(store):
    return get(NAME).status(store, "quick", grid=GRID, **TINY)


def test_store_computes_each_cell_once_and_reports_status(tmp_path, reference):
    assert len(_status(tmp_path).missing) == 6
    first = tiny_run(store=tmp_path)
    assert first["records"] == reference["records"]
    assert first["cells"] == {"total": 6, "computed": 6}
    st = _status(tmp_path)
    assert (len(st.done), len(st.missing), st.stale, st.corrupt) == (6, 0, [], [])
    again = tiny_run(store=tmp_path)
    assert again["cells"] == {"total": 6, "computed": 0}
    assert again["records"] == reference["records"]
    for path in (tmp_path / FOLDER).glob("*.json"):
        payload = json.loads(path.read_text())
        assert check_cell(payload) is None
        assert payload["results_version"] == RESULTS_VERSION
        prov = payload["provenance"]
        assert {"commit", "library", "torch", "device", "date", "wall_s", "command"} <= set(prov)


def test_a_changed_config_leaves_stale_cells_that_are_never_read(tmp_path, reference):
    tiny_run(store=tmp_path)
    changed = get(NAME).status(tmp_path, "quick", grid=GRID, **{**TINY, "epochs": 41})
    assert len(changed.missing) == 6 and len(changed.stale) == 6
    result = get(NAME).run("quick", progress=False, store=tmp_path, grid={"n_clauses": [2]},
                           **{**TINY, "epochs": 41})  # fmt: skip
    assert result["cells"]["computed"] == 1
    assert result["records"] != [r for r in reference["records"] if r["n_clauses"] == 2]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other-key"])
def test_a_corrupt_cell_is_detected_reported_and_recomputed(tmp_path, reference, damage):
    tiny_run(store=tmp_path)
    store = ResultStore(tmp_path)
    cell = get(NAME).cells("quick", grid=GRID, **TINY)[2]
    path = store.path(cell)
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        path.write_text("not json at all")
    else:
        payload = json.loads(text)
        payload["key"] = "0" * 20
        path.write_text(json.dumps(payload))
    st = _status(tmp_path)
    assert st.corrupt == [path] and [c.key for c in st.missing] == [cell.key]
    with pytest.warns(StoreWarning, match="the cell is recomputed"):
        result = tiny_run(store=tmp_path)
    assert result["cells"]["computed"] == 1
    assert result["records"] == reference["records"]
    assert not _status(tmp_path).missing


def test_a_local_dask_cluster_gives_exactly_the_in_process_numbers(tmp_path, reference):
    result = tiny_run(workers=2, store=tmp_path)
    assert result["records"] == reference["records"]
    assert len(_status(tmp_path).done) == 6


def test_local_workers_run_without_the_slow_dask_defaults(monkeypatch):
    import dask

    from expand_neurons.experiments.engine import dask_client

    # A default LocalCluster started earlier in this process leaves the variable in os.environ.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with dask_client(workers=1) as client:
        seen = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        profiling = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
    assert list(seen.values()) == [None] and list(profiling.values()) == [False]


def test_the_readme_gives_clusters_the_same_worker_config():
    import yaml

    from expand_neurons.experiments.engine import WORKER_CONFIG

    text = (ROOT / "README.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]

    def flat(tree, prefix=""):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from flat(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    assert dict(flat(yaml.safe_load(block))) == WORKER_CONFIG


def test_a_worker_killed_mid_sweep_loses_nothing(tmp_path, reference):
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the nanny warns about the worker it restarts
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        try:
            pids = list(client.run(os.getpid).values())
            killed = []

            def kill_after_first_cell():
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    if list((tmp_path / FOLDER).glob("*.json")):
                        os.kill(pids[0], signal.SIGKILL)
                        killed.append(pids[0])
                        return
                    time.sleep(0.05)

            killer = threading.Thread(target=kill_after_first_cell)
            killer.start()
            result = tiny_run(scheduler=cluster.scheduler_address, store=tmp_path)
            killer.join()
        finally:
            client.close()
            cluster.close()
    assert killed, "no worker was killed: the sweep finished before the first cell file"
    assert result["records"] == reference["records"]


def _cli(store, *extra):
    sets = [f"--set={k}={json.dumps(v)}" for k, v in {**TINY, "grid": GRID}.items()]
    return [sys.executable, "-m", "expand_neurons", "run", NAME, "--store", str(store), *sets,
            *extra]  # fmt: skip


def test_the_client_killed_mid_sweep_resumes_with_only_the_missing_cells(tmp_path, reference):
    env = {**os.environ, "EXPAND_NEURONS_PROGRESS": "off", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(_cli(tmp_path), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list((tmp_path / FOLDER).glob("*.json"))) < 2:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    st = _status(tmp_path)
    done = len(st.done)
    assert 2 <= done < 6 and len(st.missing) == 6 - done and not st.corrupt
    out = tmp_path / "out.json"
    rerun = subprocess.run(_cli(tmp_path, "--json", str(out)), cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert f"{done} read from" in rerun.stdout and f"{6 - done} computed" in rerun.stdout
    assert json.loads(out.read_text())["records"] == reference["records"]
    assert list(tmp_path.rglob("*.tmp")) == []


def test_status_command(tmp_path, capsys):
    assert main(["status", NAME, "--store", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "done 0 / 4, missing 4, stale 0" in out  # the quick profile's four clause counts


def test_engine_options_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    exp = get(NAME)
    monkeypatch.setattr(type(exp), "run", lambda *a, **k: pytest.fail("ran despite bad input"))
    assert main(["run", NAME, "--workers", "0", "--store", str(tmp_path)]) == 2
    assert "--workers must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["run", NAME, "--set", "seeds=0"]) == 2
    assert "seeds must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["run", NAME, "--set", "epochz=3"]) == 2
    assert "unknown config keys ['epochz']" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", NAME, "--store", str(blocker / "store")]) == 2
    assert "error:" in capsys.readouterr().err


# -- the committed store's guard (check-store) ------------------------------------------------
@pytest.fixture
def tiny_experiment(monkeypatch):
    """A registered experiment whose paper profile is tiny (two cells), removed afterwards."""
    from expand_neurons.experiments import EXPERIMENTS, Experiment
    from expand_neurons.experiments.boolean import boolean_setting

    base = get(NAME).base
    tiny = {**TINY, "grid": {"n_clauses": [2, 3]}}
    exp = Experiment("tiny-test", "two small cells", base, {"quick": tiny, "paper": tiny},
                     boolean_setting)  # fmt: skip
    monkeypatch.setitem(EXPERIMENTS, "tiny-test", exp)
    return exp


def test_check_store_passes_a_sound_store_and_recomputes_identically(tmp_path, tiny_experiment,
                                                                      capsys):  # fmt: skip
    tiny_experiment.run("paper", progress=False, store=tmp_path)
    assert main(["check-store", "--store", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 valid cells" in out and out.count("(identical)") == 2


def test_check_store_catches_numbers_the_code_no_longer_makes(tmp_path, tiny_experiment, capsys):
    tiny_experiment.run("paper", progress=False, store=tmp_path)
    for path in (tmp_path / FOLDER).glob("*.json"):
        payload = json.loads(path.read_text())
        record = payload["records"][0]  # as if the code had changed one seed's number
        record["accuracies"][0] -= 0.05
        record["accuracy"] = statistics.fmean(record["accuracies"])
        path.write_text(json.dumps(payload))
    assert main(["check-store", "--store", str(tmp_path), "--all"]) == 1
    out = capsys.readouterr().out
    assert "differs by 0.0500 > 0.005" in out and "2 recomputed cells differ" in out


def test_check_store_names_stale_and_invalid_cells(tmp_path, tiny_experiment, capsys):
    tiny_experiment.run("paper", progress=False, store=tmp_path)
    get(NAME).run("quick", progress=False, store=tmp_path, grid={"n_clauses": [2]},
                  **{**TINY, "epochs": 41})  # fmt: skip
    (tmp_path / FOLDER / "broken.json").write_text("{")
    assert main(["check-store", "--store", str(tmp_path), "--no-recompute"]) == 1
    out = capsys.readouterr().out
    assert "stale    " in out and "is not one the current code computes" in out
    assert "invalid  " in out and "broken.json" in out


def _edit_one_cell(store, edit):
    path = sorted((store / FOLDER).glob("*.json"))[0]
    payload = json.loads(path.read_text())
    edit(payload)
    path.write_text(json.dumps(payload))
    return path


def _set_nan(payload):
    payload["records"][1]["capacities"][0] = float("nan")


def _edit_seed(payload):
    payload["records"][0]["accuracies"][0] = 0.1


def _edit_setting(payload):
    for record in payload["records"]:
        record["n_clauses"] = 999


def _enable_downloads(payload):
    payload["environment"] = {"download": True, "threads": 1}


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (_edit_seed, "not the mean of its accuracies"),
        (_edit_setting, "has n_clauses=999 in record 'dense', but its config says"),
        (_set_nan, "has a non-finite capacities"),
        (_enable_downloads, "has fields no cell holds: ['environment']"),
    ],
)
def test_check_store_fails_an_edited_cell(tmp_path, tiny_experiment, capsys, edit, why):
    tiny_experiment.run("paper", progress=False, store=tmp_path)
    path = _edit_one_cell(tmp_path, edit)
    assert main(["check-store", "--store", str(tmp_path), "--no-recompute"]) == 1
    out = capsys.readouterr().out
    assert f"invalid  {path}: " in out and why in out
    assert tiny_experiment.status(tmp_path, "paper").corrupt == [path]  # never read


@pytest.mark.parametrize("kind", ["missing", "empty", "file"])
def test_check_store_fails_without_a_store(tmp_path, capsys, kind):
    store = tmp_path / "store"
    if kind == "empty":
        store.mkdir()
    elif kind == "file":
        store.write_text("")
    assert main(["check-store", "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error: ") and str(store) in out


@pytest.mark.parametrize("option", [["--max-s", "-5"], ["--max-s", "inf"], ["--count", "0"]])
def test_check_store_validates_its_options(tmp_path, tiny_experiment, capsys, option):
    tiny_experiment.run("paper", progress=False, store=tmp_path)
    assert main(["check-store", "--store", str(tmp_path), *option]) == 2
    assert "error: " in capsys.readouterr().err


def test_check_store_recomputes_a_rotation_chosen_by_the_commit(tmp_path, tiny_experiment):
    from expand_neurons.experiments.audit import audit_store, rotation

    tiny_experiment.run("paper", progress=False, store=tmp_path)
    audit = audit_store(tmp_path)
    picks = {c: [cell.key for cell, _ in rotation(audit, c, 1, 1e9)][0] for c in "abcdefgh"}
    assert picks["a"] == [cell.key for cell, _ in rotation(audit, "a", 1, 1e9)][0]
    assert len(set(picks.values())) > 1  # other commits, other cells
    assert len(rotation(audit, "a", 10, 1e9)) == 2 and rotation(audit, "a", 10, 0.0) == []


def test_stored_reads_what_is_there_and_names_what_is_missing(tmp_path, tiny_experiment):
    empty = tiny_experiment.stored(tmp_path)
    assert empty["missing"] == ["tiny-test n_clauses=2", "tiny-test n_clauses=3"]
    assert empty["records"] == []
    tiny_experiment.run("paper", progress=False, store=tmp_path, grid={"n_clauses": [3]})
    part = tiny_experiment.stored(tmp_path)
    assert part["missing"] == ["tiny-test n_clauses=2"] and part["cells"]["stored"] == 1
    assert {r["n_clauses"] for r in part["records"]} == {3}
    assert part["provenance"][0]["library"]


def test_the_book_labels_stored_results_and_missing_cells(tmp_path, tiny_experiment):
    from expand_neurons.book.stored import paper_result, provenance_note, summary_table

    empty = paper_result("tiny-test", tmp_path)
    assert "not computed yet (none of its 2 cells" in provenance_note(empty)
    assert list(summary_table(empty).columns)[:2] == ["n_clauses", "variant"]
    assert len(summary_table(empty)) == 0
    tiny_experiment.run("paper", progress=False, store=tmp_path, grid={"n_clauses": [3]},
                        command="python -m expand_neurons run tiny-test")  # fmt: skip
    part = paper_result("tiny-test", tmp_path)
    note = provenance_note(part)
    assert "1 of 2 cells" in note and "`python -m expand_neurons run tiny-test`" in note
    assert "Not computed yet: 1 cells (tiny-test n_clauses=2)" in note
    table = summary_table(part)
    assert list(table["variant"]) == ["dense", "random", "clause"]
    assert table["seeds"].tolist() == [2, 2, 2]


def test_side_by_side_puts_both_profiles_of_a_setting_on_one_row(tmp_path, tiny_experiment):
    import math

    from expand_neurons.book.stored import paper_result, provenance_note, side_by_side

    def rec(n, variant, acc, gain):
        return {"n_clauses": n, "variant": variant, "accuracy": acc, "accuracy_std": 0.01,
                "relative_gain": gain, "accuracies": [acc]}  # fmt: skip

    quick = {"profile": "quick", "setting_keys": ["n_clauses"],
             "records": [rec(4, "dense", 0.9, 0.0), rec(4, "random", 0.95, 0.05),
                         rec(2, "dense", 1.0, 0.0)]}  # fmt: skip
    paper = {"profile": "paper", "setting_keys": ["n_clauses"],
             "records": [rec(8, "dense", 0.7, 0.0), rec(4, "random", 0.99, 0.1)]}  # fmt: skip
    table = side_by_side(quick, paper)
    assert list(table.index) == [(2, "dense"), (4, "dense"), (4, "random")]
    assert table.loc[(4, "random"), ("quick (this build)", "accuracy (%)")] == 95.0
    assert table.loc[(4, "random"), ("paper (stored)", "gain (%)")] == 10.0
    assert math.isnan(table.loc[(4, "dense"), ("paper (stored)", "accuracy (%)")])
    assert list(side_by_side(quick, paper, how="inner").index) == [(4, "random")]
    outer = side_by_side(quick, paper, how="outer", variants=["dense"])
    assert list(outer.index) == [(2, "dense"), (4, "dense"), (8, "dense")]
    with pytest.raises(ValueError, match="how must be"):
        side_by_side(quick, paper, how="cross")
    # Settings that are not numbers sort after numbers, missing ones (None) last.
    named = {"profile": "quick", "records": [{**rec(1, "dense", 0.5, 0.0), "n_clauses": m}
                                             for m in (None, "many", 3)]}  # fmt: skip
    order = [i[0] for i in side_by_side(named, named, keys=["n_clauses"]).index]
    assert order[:2] == [3, "many"] and len(order) == 3  # pandas shows None as NaN
    # No grid: indexed by variant alone. Nothing stored: an empty table, and the note says so.
    pilot = {"profile": "quick", "setting_keys": [], "records": [rec(8, "dense", 0.8, 0.0)]}
    assert list(side_by_side(pilot, pilot).index) == ["dense"]
    empty = paper_result("tiny-test", tmp_path)
    assert len(side_by_side(pilot, empty, how="inner")) == 0
    assert "This build ran the paper profile" in provenance_note(empty, built="paper")
    assert "This build ran" not in provenance_note(empty, built="quick")
    one_cell = {**empty, "cells": {"total": 1, "stored": 0}, "missing": ["tiny-test"]}
    assert "not computed yet (its one cell is not in" in provenance_note(one_cell)


# -- several experiments on one engine (precompute) ------------------------------------------
@pytest.fixture
def two_tiny_experiments(tiny_experiment, monkeypatch):
    """``tiny-test`` and a second tiny experiment of three other cells."""
    from expand_neurons.experiments import EXPERIMENTS
    from expand_neurons.experiments.registry import Experiment

    tiny = {**TINY, "grid": {"n_clauses": [4, 5, 6]}}
    profiles = {"quick": tiny, "paper": tiny}
    base, runner = tiny_experiment.base, tiny_experiment.setting_runner
    other = Experiment("tiny-test-2", "three small cells", base, profiles, runner)
    monkeypatch.setitem(EXPERIMENTS, "tiny-test-2", other)
    return tiny_experiment, other


def test_fill_store_computes_several_experiments_on_one_cluster(tmp_path, two_tiny_experiments):
    from expand_neurons.experiments import fill_store

    names = [e.name for e in two_tiny_experiments]
    expected = {e.name: e.run("paper", progress=False)["records"] for e in two_tiny_experiments}
    assert fill_store(names, tmp_path, "paper", workers=2, progress=False) == 5
    for exp in two_tiny_experiments:
        read = exp.run("paper", progress=False, store=tmp_path)
        assert read["cells"] == {"total": len(exp.cells("paper")), "computed": 0}
        assert read["records"] == expected[exp.name]
    assert fill_store(names, tmp_path, "paper", progress=False) == 0


def test_precompute_command_checks_names_and_defaults_to_the_book_store(
    tmp_path, capsys, monkeypatch
):
    from expand_neurons import cli
    from expand_neurons.book import runs

    calls = []
    monkeypatch.setattr(cli.experiments, "fill_store", lambda *a, **k: calls.append((a, k)) or 3)
    assert main(["precompute", NAME, "no-such-experiment"]) == 2
    assert "unknown experiment 'no-such-experiment'" in capsys.readouterr().err
    assert main(["precompute", "--workers", "0"]) == 2
    assert "--workers must be an integer >= 1, got 0" in capsys.readouterr().err
    assert calls == []
    monkeypatch.setenv(runs.BOOK_STORE_VARIABLE, str(tmp_path))
    assert main(["precompute", "--workers", "2"]) == 0
    (names, store, profile, *_), engine = calls[0]
    assert names == list(runs.BOOK_EXPERIMENTS) and profile == "quick"
    assert store.root == tmp_path / runs.source_fingerprint() and engine["workers"] == 2
    assert "3 cells computed" in capsys.readouterr().out


# --- layout faults keep the work -----------------------------------------------------------


def test_a_cell_path_that_is_a_folder_keeps_the_cell_and_reports_it(tmp_path, reference):
    cell = get(NAME).cells("quick", grid=GRID, **TINY)[1]
    blocked = ResultStore(tmp_path).path(cell)
    blocked.mkdir(parents=True)  # a folder where the cell's file should go
    with pytest.warns(StoreWarning):
        result = tiny_run(store=tmp_path)
    assert result["records"] == reference["records"]  # nothing lost
    [unsaved] = result["unsaved"]
    assert unsaved["path"] == str(blocked) and "Is a directory" in unsaved["reason"]
    assert len(_status(tmp_path).done) == 5


def test_a_computation_folder_that_is_a_file_keeps_every_cell(tmp_path, reference):
    (tmp_path / FOLDER).write_text("not a folder")
    result = tiny_run(store=tmp_path)
    assert result["records"] == reference["records"]
    assert len(result["unsaved"]) == 6


def test_a_store_that_turns_read_only_keeps_the_work_and_the_cli_says_so(
    tmp_path, monkeypatch, capsys
):
    from expand_neurons.experiments import store as store_module

    def read_only(path, payload):
        raise OSError(30, "Read-only file system", str(path))

    monkeypatch.setattr(store_module, "write_json", read_only)
    args = ["run", NAME, "--store", str(tmp_path), "--json", str(tmp_path / "r.json")]
    sets = [f"--set={k}={json.dumps(v)}" for k, v in {**TINY, "grid": {"n_clauses": [2]}}.items()]
    assert main([*args, *sets]) == 1
    out = capsys.readouterr().out
    assert "0 of 1 are in the store now" in out and "error: not stored: " in out
    assert "Read-only file system" in out
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["records"] and "Read-only file system" in saved["unsaved"][0]["reason"]


def test_a_complete_store_is_read_without_writing(tmp_path, monkeypatch, capsys):
    sets = [f"--set={k}={json.dumps(v)}" for k, v in {**TINY, "grid": {"n_clauses": [2]}}.items()]
    assert main(["run", NAME, "--store", str(tmp_path), *sets]) == 0
    from expand_neurons import cli

    def no_writes(path):
        raise ValueError(f"cannot write results to {path}: read-only")

    monkeypatch.setattr(cli, "check_writable", no_writes)
    assert main(["run", NAME, "--store", str(tmp_path), *sets]) == 0
    assert "1 read from" in capsys.readouterr().out


def test_cells_that_read_the_same_built_data_wait_on_a_cluster_for_the_first_of_them(monkeypatch):
    """Two workers must not both embed the glosses: the cells of one embedding cache are
    submitted once its first cell has finished (Dask runs the others meanwhile); cells that
    build nothing are submitted at once."""
    import contextlib

    import distributed

    from expand_neurons.experiments import RunEnv
    from expand_neurons.experiments.engine import Origin, _run_on_dask, jobs_of
    from expand_neurons.training import progress_bar

    events: list[tuple[str, str]] = []  # ("submit" | "done", cell key), in order

    class Future:
        def __init__(self, job):
            self.job = job

        def result(self):
            return {}

    class Client:
        def submit(self, fn, job, *args, **kwargs):
            events.append(("submit", job.cell.key))
            return Future(job)

    class AsCompleted:  # finishes the futures in the order they were given or added
        def __init__(self, futures):
            self.queue = list(futures)

        def __iter__(self):
            while self.queue:
                yield self.queue.pop(0)

        def add(self, future):
            self.queue.append(future)

    monkeypatch.setattr(distributed, "as_completed", AsCompleted)
    todo = [
        job
        for name in ("cnn-fashion", "deep-mlp", "embeddings-load")
        for e in [get(name)]
        for job in jobs_of(name, "quick", e.config("quick"), 0, e.setting_runner)
    ]
    _run_on_dask(
        todo,
        RunEnv(),
        Origin(None, None),
        lambda: contextlib.nullcontext(Client()),
        lambda cell, payload: events.append(("done", cell.key)),
        progress_bar(len(todo), "cells", enabled=False),
    )
    keys = [job.cell.key for job in todo]
    builds = [job.cell.key for job in todo if job.cfg.shared_data() is not None]
    assert [job.cfg.dataset for job in todo[:3]] == ["fashion-mnist"] * 3
    assert len(builds) == len(todo) - 3 and len({j.cfg.shared_data() for j in todo[3:]}) == 1
    assert events[:4] == [("submit", k) for k in keys[:3] + builds[:1]]  # nothing else waits
    after = events.index(("done", builds[0]))  # the cache is built
    assert [e for e in events[:after] if e[0] == "submit"] == events[:4]
    assert sorted(k for e, k in events if e == "submit") == sorted(keys)  # each cell once
    assert sorted(k for e, k in events if e == "done") == sorted(keys)


def test_a_cluster_runs_cells_in_the_order_given_when_some_wait_for_built_data(monkeypatch):
    """Held-back cells must not disturb Dask's priorities (task dependencies did: cells submitted
    after a dependency ran before earlier ones, and a worker idled waiting for the cache). One
    worker: the cells that build nothing run in the order given, and those that read the built
    data run after the cell that builds it."""
    import contextlib
    import time
    from types import SimpleNamespace

    import distributed

    from expand_neurons.experiments import RunEnv, engine
    from expand_neurons.training import progress_bar

    ran: list[int] = []  # in the order the cells finished (one worker: the order they ran)

    def compute(job, env, origin):
        time.sleep(0.05)
        return {"index": job.index}

    def job(i, data=None):
        cell = SimpleNamespace(key=f"{i:020x}", label=lambda: str(i))
        return SimpleNamespace(index=i, cell=cell, cfg=SimpleNamespace(shared_data=lambda: data))

    todo = [job(i, "cache" if 6 <= i < 12 else None) for i in range(20)]
    monkeypatch.setattr(engine, "_compute", compute)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        engine._run_on_dask(
            todo,
            RunEnv(),
            engine.Origin(None, None),
            lambda: contextlib.closing(distributed.Client(cluster)),
            lambda cell, payload: ran.append(payload["index"]),
            progress_bar(len(todo), "cells", enabled=False),
        )
    assert sorted(ran) == list(range(20))
    alone = [i for i in ran if not 6 <= i < 12]
    assert alone == sorted(alone)
    assert all(ran.index(i) > ran.index(6) for i in range(7, 12))
