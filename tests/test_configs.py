"""Typed configs, explicit profiles, the run environment and result records."""

import dataclasses

import pytest

from expand_neurons.experiments import (
    BooleanConfig,
    RealConfig,
    RunEnv,
    get,
    names,
    one,
    select,
    values,
)
from expand_neurons.experiments.variants import parse_variant


@pytest.mark.parametrize("split_at", [1.2, -0.2, "half"])
def test_split_at_is_validated_as_a_fraction_before_rounding(split_at):
    with pytest.raises(ValueError, match=r"split_at must be a number in \[0, 1\]"):
        BooleanConfig(split_at=split_at)
    with pytest.raises(ValueError, match=r"split_at must be a number in \[0, 1\]"):
        RealConfig(split_at=split_at)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"seeds": 0}, "seeds must be an integer >= 1, got 0"),
        ({"n_train": 0}, "n_train must be an integer >= 1, got 0"),
        ({"lr": -1.0}, "lr must be a finite number > 0"),
        ({"label_mode": "xor"}, "unknown label_mode 'xor'"),
        ({"variants": ["dense", "grouped-x"]}, "unknown variant 'grouped-x'"),
        ({"grid": {"epoch": [1]}}, r"grid keys \['epoch'\] are not config keys"),
        ({"grid": {"n_clauses": []}}, r"grid\['n_clauses'\] must be a non-empty list"),
        ({"grid": {"split_at": [0.5, 2.0]}}, "split_at must be a number in"),
    ],
)
def test_bad_values_fail_when_the_config_is_made(change, match):
    with pytest.raises((ValueError, TypeError), match=match):
        get("boolean-pilot").config("quick", **change)


def test_unknown_keys_name_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown config keys \['threads'\].*allowed are"):
        get("embeddings-width").config("quick", threads=2)  # the environment is not science


def test_configs_are_frozen_and_compare_by_value():
    cfg = get("boolean-pilot").config("quick")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.seeds = 3  # type: ignore[misc]
    assert cfg == get("boolean-pilot").config("quick")
    assert cfg.replace(seeds=3).seeds == 3 and cfg.seeds == 30


@pytest.mark.parametrize("name", names())
def test_profiles_are_explicit_overrides_of_the_base(name):
    exp = get(name)
    for profile in ("quick", "paper"):
        cfg = exp.config(profile)
        assert cfg == exp.base.replace(**exp.profiles[profile])
    assert exp.config("quick") != exp.config("paper")


def test_ablation_profiles_differ_visibly():
    exp = get("boolean-ablations")
    assert exp.profiles["quick"]["variants"] == exp.profiles["paper"]["variants"]
    assert exp.profiles["paper"]["epochs"] == 2000 and "epochs" not in exp.profiles["quick"]


def test_grid_points_and_at():
    cfg = get("boolean-load").config("quick")
    points = cfg.points()
    assert len(points) == 9 and points[0] == {"n_clauses": 4, "hidden": 4}
    at = cfg.at(points[-1])
    assert at.grid == {} and (at.n_clauses, at.hidden) == (16, 16)


def test_run_records_config_and_environment_apart():
    result = get("boolean-pilot").run(
        "quick", env=RunEnv(threads=1), seeds=2, epochs=2, n_train=64, n_test=32
    )
    assert "threads" not in result["config"] and result["environment"]["threads"] == 1
    assert result["config"]["seeds"] == 2 and result["config"]["variants"] == [
        "dense",
        "random",
        "clause",
    ]
    assert RunEnv().threads == 1
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        RunEnv(threads=0)


def test_records_select_one_and_values():
    result = {
        "setting_keys": ["hidden"],
        "records": [
            {"hidden": 4, "variant": "dense", "accuracy": 0.5},
            {"hidden": 4, "variant": "random", "accuracy": 0.6},
            {"hidden": 8, "variant": "dense", "accuracy": 0.7},
        ],
    }
    assert one(result, variant="random")["accuracy"] == 0.6
    assert [r["hidden"] for r in select(result, variant="dense")] == [4, 8]
    assert values(result, "hidden") == [4, 8]
    with pytest.raises(LookupError, match="2 records match {'variant': 'dense'}"):
        one(result, variant="dense")
    with pytest.raises(LookupError, match="0 records match"):
        one(result, variant="clause")
    with pytest.raises(ValueError, match="no 'records'"):
        select({"variants": {}}, variant="dense")


def test_variant_names_have_one_spelling():
    assert parse_variant("grouped-4").blocks == 4
    for bad in ("grouped/4", "grouped-0", "Random"):
        with pytest.raises(ValueError, match="unknown variant"):
            parse_variant(bad)


def test_grouped_records_carry_their_blocks():
    result = get("boolean-grouped").run("quick", seeds=2, epochs=2, n_train=64, n_test=32)
    assert [r.get("blocks") for r in result["records"]] == [None, None, 1, 2, 4]
