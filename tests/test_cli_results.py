"""Command line and atomic result files."""

import json
import os

import pytest

from expand_neurons.cli import format_table, main
from expand_neurons.experiments import names
from expand_neurons.results import read_json, write_json


def test_list_names_every_experiment(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in names():
        assert name in out
    assert {"boolean-pilot", "boolean-clauses", "boolean-neurons", "boolean-alpha"} <= set(names())
    assert {"boolean-ablations", "boolean-timing", "boolean-load"} <= set(names())


def test_run_rejects_unknown_names_and_profiles(capsys):
    assert main(["run", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
    assert main(["run", "boolean-pilot", "--profile", "huge"]) == 2
    assert "allowed are ['quick', 'paper']" in capsys.readouterr().err


def test_write_json_is_atomic(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json(path, {"a": object()})  # fails while serialising
    assert read_json(path) == {"a": 1}
    with pytest.raises(ValueError):
        write_json(path, {"a": float("nan")})
    assert read_json(path) == {"a": 1}


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    write_json(path, {"a": 1})

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("expand_neurons.results.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_json(path, {"a": 2, "big": list(range(10_000))})
    assert read_json(path) == {"a": 1}
    assert os.listdir(tmp_path) == ["r.json"]


def test_table_shows_each_variant():
    table = format_table(
        {
            "variants": {
                "dense": {"accuracy": 0.5, "nonzero": 10},
                "random": {"accuracy": 0.75, "nonzero": 10, "relative_gain": 0.5, "neurons": 4},
            }
        }  # fmt: skip
    )
    assert "dense" in table and "75.0 %" in table and "+50.0 %" in table
    json.dumps(table)
