"""Misuse fails fast with one clear message (issue 24, the parts outside the result store).

Configs that training would reject, bad training data, library arguments that used to give raw
Python or torch errors, the engine options (``--device``, ``--workers``, ``--scheduler``) and
layout faults of the command line: each is refused before any work, naming what was wrong and
what is allowed.
"""

from __future__ import annotations

import dataclasses
import http.server
import os
import re
import socket
import stat
import threading
import time

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import cli, splits, stats, theory
from expand_neurons.data._files import atomic_write
from expand_neurons.experiments import RunEnv, fill_store, get, select
from expand_neurons.experiments.engine import (
    check_scheduler,
    check_workers,
    dask_client,
    max_workers,
)
from expand_neurons.results import file_mode, write_json
from expand_neurons.tasks import make_task

TASK = make_task(2, 2, n_train=16, n_test=16)


def _mlp(inputs: int = 4, outputs: int = 2) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(inputs, 3), nn.ReLU(), nn.Linear(3, outputs))


# ------------------------------------------------------------------------------------ configs


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"alpha": 33},
            "alpha=33 is larger than the 32 inputs of the task (n_clauses=8, k=3, 16 distractors, "
            "shared variables); every child needs at least one input, so alpha must be at most "
            "32",
        ),
        ({"lr": float("inf")}, "lr must be a finite number > 0, got inf"),
        ({"lr": float("nan")}, "lr must be a finite number > 0, got nan"),
        (
            {"grid": {"hidden": [8, 8]}},
            "grid['hidden'] lists 8 more than once ([8, 8]); each value must appear once",
        ),
        (
            {"grid": {"alpha": [2, 33]}},
            "alpha=33 is larger than the 32 inputs of the task",
        ),
    ],
)
def test_configs_training_would_reject_fail_when_made(change, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        get("boolean-pilot").config("quick", **change)


def test_alpha_is_checked_against_the_inputs_of_each_grid_point_and_only_when_it_splits():
    pilot = get("boolean-pilot")
    pilot.config("quick", alpha=32)  # 32 inputs (16 shared clause variables, 16 distractors)
    pilot.config("quick", alpha=40, grid={"n_clauses": [16, 32]})  # 64 and 128 inputs
    pilot.config("quick", alpha=40, variants=["dense"])  # nothing is split


@pytest.mark.parametrize(
    "env, message",
    [
        ({"device": "gpu"}, "device must be one of cpu, cuda, cuda:N or mps, got 'gpu'"),
        ({"device": "tpu"}, "device must be one of cpu, cuda, cuda:N or mps, got 'tpu'"),
        ({"encoder_device": "x"}, "encoder_device must be one of cpu, cuda, cuda:N or mps"),
        ({"download": "yes"}, "download must be True or False, got 'yes'"),
    ],
)
def test_run_env_names_the_devices_allowed(env, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        RunEnv(**env)
    RunEnv(device="cuda")  # the form is right: a remote cluster's workers may have the GPU


# -------------------------------------------------------------------------- training data


def _with(**changes):
    return dataclasses.replace(TASK, **changes)


def _nan(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t[0, 0] = float("nan")
    return t


def _bad_label(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t[0, 0] = 2.0
    return t


@pytest.mark.parametrize(
    "model, data, kwargs, error, message",
    [
        (
            _mlp(),
            _with(X_test=_nan(TASK.X_test)),
            {},
            ValueError,
            "X_test holds 1 NaN or inf entries; inputs must be finite",
        ),
        (
            _mlp(),
            _with(X_train=_nan(TASK.X_train)),
            {},
            ValueError,
            "X_train holds 1 NaN or inf entries; inputs must be finite",
        ),
        (
            _mlp(),
            _with(y_train=_bad_label(TASK.y_train)),
            {},
            ValueError,
            "y_train holds 1 values outside {0, 1} (e.g. 2.0); loss='bce' needs labels 0 or 1",
        ),
        (
            _mlp(),
            TASK,
            {"loss": "ce"},
            TypeError,
            "loss='ce' needs y_train as int64 class indices of shape (n,), got torch.float32 of "
            "shape (16, 2) (multi-label 0/1 targets need loss='bce')",
        ),
        (
            _mlp(inputs=5),
            TASK,
            {},
            ValueError,
            "the model does not take the samples of X_train, of shape (4,): mat1 and mat2 "
            "shapes cannot be multiplied",
        ),
        (
            _mlp(outputs=3),
            TASK,
            {},
            ValueError,
            "the model gives 3 outputs per sample but y_train has 2 labels; they must be equal",
        ),
        (
            _mlp(),
            _with(X_train=TASK.X_train.double()),
            {},
            TypeError,
            "X_train has dtype torch.float64 but the model's parameters are torch.float32; "
            "convert the inputs (e.g. X.to(torch.float32)) or the model",
        ),
        (
            _mlp(),
            None,
            {},
            TypeError,
            "data must have tensors X_train, y_train, X_test, y_test (e.g. a BooleanTask); "
            "NoneType has no tensor X_train",
        ),
        (_mlp(), TASK, {"lr": float("inf")}, ValueError, "lr must be a finite number > 0, got inf"),
    ],
    ids=[
        "nan-test",
        "nan-train",
        "bce-label",
        "ce-multilabel",
        "inputs",
        "outputs",
        "dtype",
        "none",
        "lr-inf",
    ],
)
def test_fit_refuses_bad_data_before_the_first_epoch(model, data, kwargs, error, message):
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(error, match="^" + re.escape(message)):
        en.fit(model, data, epochs=1, progress=False, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # untouched


def test_fit_checks_class_indices_against_the_outputs():
    data = _with(y_train=torch.arange(16) % 5, y_test=torch.zeros(16, dtype=torch.long))
    message = (
        "the model gives 2 outputs per sample but y_train holds class index 4; class indices "
        "must be below the number of outputs"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.fit(_mlp(), data, epochs=1, loss="ce", progress=False)
    en.fit(_mlp(outputs=5), data, epochs=1, loss="ce", progress=False)  # well formed: trains


# ------------------------------------------------------------------ library arguments


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: en.count_nonzero("x"), TypeError, "count_nonzero needs an nn.Module, got str"),
        (lambda: stats.wilson_interval(2, 10), ValueError, "p must be a number in [0, 1], got 2"),
        (
            lambda: stats.wilson_interval(0.5, 10, z=float("nan")),
            ValueError,
            "z must be a finite number > 0, got nan",
        ),
        (
            lambda: stats.holm([0.5, 1.5, -0.1]),
            ValueError,
            "p-values must be numbers in [0, 1]; p_values[1] is 1.5",
        ),
        (
            lambda: stats.holm([0.5, float("nan")]),
            ValueError,
            "p-values must be numbers in [0, 1]; p_values[1] is nan",
        ),
        (
            lambda: stats.holm(["a"]),
            ValueError,
            "p_values must be a list of numbers in [0, 1], got ['a']",
        ),
        (
            lambda: theory.collision_probability(2, 30, d=24),
            ValueError,
            "two clauses of k=30 inputs need 60 distinct inputs, got d=24; d must be at least 60",
        ),
        (
            lambda: theory.coverage_probability(2, 5, d=4),
            ValueError,
            "a clause of k=5 inputs needs 5 distinct inputs, got d=4",
        ),
    ],
    ids=[
        "count_nonzero",
        "wilson-p",
        "wilson-z",
        "holm",
        "holm-nan",
        "holm-text",
        "collision",
        "coverage",
    ],
)
def test_library_arguments_give_library_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


def test_valid_probabilities_still_compute():
    assert stats.holm([0.01, 0.04]) == [0.02, 0.04]
    assert stats.holm([0.0, 1.0]) == [0.0, 1.0]
    assert 0 < stats.wilson_interval(1.0, 10)[0] < 1
    assert theory.collision_probability(2, 3) == 2.0**-5  # no d: the independent model
    assert theory.collision_probability(2, 12, d=24) > 0


def test_a_split_that_leaves_a_child_without_inputs_is_refused():
    message = (
        "hidden layer 0: split leaves child 1 of parent 0 with no inputs; every child needs at "
        "least one input"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.expand(_mlp(), 2, splits.Fixed([[0, 1, 2, 3], []]), seed=0)

    def one_child(w, alpha, g):
        full = torch.ones_like(w, dtype=torch.bool)
        return torch.stack([full] + [~full] * (alpha - 1), dim=1)

    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.expand(_mlp(), 2, one_child, seed=0)
    # the clause-aligned split with fewer clauses than children leaves them empty by design
    task = make_task(2, 2, n_train=8, n_test=8)
    en.expand(_mlp(), 4, splits.ClauseAligned(task.clause_inputs, task.n_inputs), seed=0)


def test_tied_weights_are_refused_not_silently_untied():
    message = (
        "parameters ['0.weight', '2.weight'] are one tensor (tied weights, or a module used "
        "twice); expand would untie them in the copy"
    )
    shared = nn.Linear(4, 4)
    twice = nn.Sequential(shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(4, 2))
    tied = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    tied[2].weight = tied[0].weight
    for model in (twice, tied):
        with pytest.raises(ValueError, match="^" + re.escape(message)):
            en.expand(model, 2, seed=0)


def test_select_names_the_fields_when_no_record_has_one():
    result = {
        "records": [
            {"variant": "dense", "hidden": 4},
            {"variant": "grouped-2", "hidden": 4, "blocks": 2},
        ]
    }
    message = "no record has the field(s) ['colour']; the records' fields are ['blocks', "
    with pytest.raises(LookupError, match="^" + re.escape(message)):
        select(result, colour="red")
    assert select(result, blocks=2) == [result["records"][1]]  # a field some records have
    assert select(result, variant="random") == []  # a known field, no such value
    assert select({"records": []}, variant="dense") == []


# ------------------------------------------------------------------- engine options


@pytest.fixture
def http_server():
    """A plain HTTP server on the loopback interface: it listens, but does not speak Dask."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_listener():
    """A socket on the loopback interface that accepts connections and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"tcp://127.0.0.1:{s.getsockname()[1]}"


def _cli_error(capsys, argv: list[str]) -> tuple[str, float]:
    """The one error line of a command that must fail before any work, and its seconds."""
    start = time.monotonic()
    assert cli.main(argv) == 2
    took = time.monotonic() - start
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: "), err
    return err[len("error: ") :].strip(), took


TIMEOUT = 3.0


@pytest.mark.parametrize("service", ["http_server", "silent_listener"])
@pytest.mark.parametrize("command", ["run boolean-pilot", "precompute boolean-pilot"])
def test_a_scheduler_that_does_not_speak_dask_fails_within_its_timeout(
    service, command, request, capsys, tmp_path
):
    address = request.getfixturevalue(service)
    argv = [*command.split(), "--scheduler", address, "--scheduler-timeout", str(TIMEOUT)]
    message, took = _cli_error(capsys, [*argv, "--store", str(tmp_path)])
    assert message == (
        f"{address} accepts connections but gave no Dask answer within 3 s: is a Dask scheduler "
        "listening there (and not another service, such as an HTTP server)?"
    )
    assert took < TIMEOUT + 5
    assert not list(tmp_path.iterdir())  # nothing computed, nothing written


@pytest.mark.parametrize(
    "address, message",
    [
        (
            "tcp://127.0.0.1:1",
            "cannot connect to a Dask scheduler at tcp://127.0.0.1:1 within 1 s: no connection "
            "(refused or unreachable)",
        ),
        (
            "tcp://no-such-host.invalid:8786",
            "cannot connect to a Dask scheduler at tcp://no-such-host.invalid:8786 within 1 s: ",
        ),
        (
            "garbage",
            "--scheduler must be an address tcp://HOST:PORT (schemes tcp, tls, ws, wss, ucx, "
            "inproc), got 'garbage': it needs a host and a port in 1..65535",
        ),
        (
            "http://127.0.0.1:8786",
            "--scheduler must be an address tcp://HOST:PORT (schemes tcp, tls, ws, wss, ucx, "
            "inproc), got 'http://127.0.0.1:8786': unknown scheme 'http'",
        ),
        ("tcp://127.0.0.1:70000", "it needs a host and a port in 1..65535"),
    ],
)
def test_a_bad_or_unreachable_scheduler_is_one_clear_line(address, message, capsys):
    argv = ["run", "boolean-pilot", "--scheduler", address, "--scheduler-timeout", "1"]
    got, took = _cli_error(capsys, argv)
    assert got.startswith(message) or got.endswith(message), got
    assert took < 1 + 5


def test_the_engine_checks_the_scheduler_before_connecting_a_client(http_server):
    client = dask_client(scheduler=http_server, timeout_s=1)
    with pytest.raises(ConnectionError, match="accepts connections but gave no Dask answer"):
        client.__enter__()
    with pytest.raises(ValueError, match="timeout_s must be a finite number > 0, got 0"):
        check_scheduler(http_server, 0)


def test_a_real_scheduler_passes_the_check():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as c:
        check_scheduler(c.scheduler_address, TIMEOUT)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["run", "boolean-pilot", "--device", "tpu"],
            "--device must be one of cpu, cuda, cuda:N or mps, got 'tpu'",
        ),
        (
            ["precompute", "boolean-pilot", "--device", "tpu"],
            "--device must be one of cpu, cuda, cuda:N or mps, got 'tpu'",
        ),
        (
            ["run", "boolean-pilot", "--workers", "1000"],
            f"--workers must be at most {max_workers()}, the CPU cores of this machine "
            "(os.cpu_count()), got 1000; more processes than cores only compete for them "
            "(--allow-more-workers starts them anyway)",
        ),
        (
            ["precompute", "boolean-pilot", "--workers", "1000"],
            f"--workers must be at most {max_workers()}, the CPU cores",
        ),
        (
            ["run", "boolean-pilot", "--set", "alpha=33"],
            "alpha=33 is larger than the 32 inputs of the task",
        ),
        (
            ["run", "boolean-pilot", "--set", "lr=Infinity"],
            "lr must be a finite number > 0, got inf",
        ),
        (
            [
                "run",
                "boolean-pilot",
                "--scheduler",
                "tcp://127.0.0.1:1",
                "--scheduler-timeout",
                "0",
            ],
            "--scheduler-timeout must be a finite number > 0, got 0.0",
        ),
    ],
)
def test_engine_options_fail_before_any_work(argv, message, capsys, tmp_path):
    got, _ = _cli_error(capsys, [*argv, "--store", str(tmp_path)])
    assert got.startswith(message), got
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("command", ["run", "precompute"])
def test_cuda_without_a_gpu_is_refused_for_every_command(command, capsys, tmp_path):
    got, _ = _cli_error(capsys, [command, "boolean-pilot", "--device", "cuda"])
    assert got == "--device 'cuda' asked for, but torch.cuda.is_available() is False"
    # a remote cluster's workers may have the GPU this machine lacks: only the form is checked
    argv = [command, "boolean-pilot", "--device", "cuda", "--scheduler", "tcp://127.0.0.1:1"]
    got, _ = _cli_error(capsys, [*argv, "--scheduler-timeout", "0.5"])
    assert got.startswith("cannot connect to a Dask scheduler")


def test_more_workers_than_cores_need_the_explicit_flag():
    assert check_workers(max_workers()) == max_workers()
    assert check_workers(max_workers() + 1, allow_more=True) == max_workers() + 1
    with pytest.raises(ValueError, match=r"^workers must be at most \d+, the CPU cores"):
        check_workers(max_workers() + 1)


# ----------------------------------------------------------------------- layout faults


def test_status_takes_set_and_refuses_a_store_that_is_a_file(capsys, tmp_path):
    file = tmp_path / "store"
    file.write_text("not a store")
    got, _ = _cli_error(capsys, ["status", "boolean-pilot", "--store", str(file)])
    assert got == (
        f"the result store {file} is not a directory; a store is a folder of cells: give a "
        "folder (it is created if missing)"
    )
    store = tmp_path / "cells"
    assert cli.main(["status", "boolean-pilot", "--store", str(store), "--set", "seeds=2"]) == 0
    out = capsys.readouterr().out
    keyed = get("boolean-pilot").cells("quick", 0, seeds=2)[0].key
    assert "done 0 / 1, missing 1" in out and keyed in out  # the cell of the --set config
    got, _ = _cli_error(capsys, ["status", "boolean-pilot", "--set", "seeds=0"])
    assert got == "seeds must be an integer >= 1, got 0"


def test_run_refuses_a_store_that_is_a_file_before_any_training(tmp_path):
    file = tmp_path / "store"
    file.write_text("not a store")
    pilot = get("boolean-pilot")
    message = f"the result store {file} is not a directory; a store is a folder of cells"
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        pilot.run("quick", store=file, seeds=1, epochs=1)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        fill_store(["boolean-pilot"], file, "quick")


def test_written_files_take_the_umask_s_mode(tmp_path):
    old = os.umask(0o022)
    try:
        assert stat.S_IMODE(write_json(tmp_path / "a.json", {}).stat().st_mode) == 0o644
        os.umask(0o027)
        assert stat.S_IMODE(write_json(tmp_path / "b.json", {}).stat().st_mode) == 0o640
        assert file_mode() == 0o640
        with atomic_write(tmp_path / "c.bin") as f:
            f.write(b"x")
        assert stat.S_IMODE((tmp_path / "c.bin").stat().st_mode) == 0o640
    finally:
        os.umask(old)
