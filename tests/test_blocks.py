"""Seed blocks and the seed plan: blocks join into one result without recomputing a seed, and
the plan asks for exactly the blocks its next look needs."""

import statistics

import numpy as np
import pytest

from expand_neurons.claims.catalogue import Claim, Part
from expand_neurons.claims.estimands import Contrast, Source
from expand_neurons.claims.evaluate import evaluate
from expand_neurons.claims.plan import BEFORE_FIRST_LOOK, NOT_PLANNED, commands, stops
from expand_neurons.claims.sequential import CONTINUE, SUCCESS
from expand_neurons.experiments import get
from expand_neurons.experiments.blocks import merge_blocks, stored_blocks
from expand_neurons.experiments.store import ResultStore

TINY = {"epochs": 6, "seeds": 2, "n_train": 128, "n_test": 128, "grid": {"n_clauses": [4, 8]}}


@pytest.fixture(scope="module")
def blocks(tmp_path_factory):
    """Two seed blocks of a tiny clause sweep, run into one store: (store, results)."""
    root = tmp_path_factory.mktemp("blocks")
    runs = [
        get("boolean-clauses").run("quick", seed=seed, store=ResultStore(root), **TINY)
        for seed in (0, 1)
    ]
    return root, runs


def test_blocks_join_their_per_seed_lists_and_recompute_the_means(blocks):
    a, b = blocks[1]
    merged = merge_blocks([{**a, "missing": []}, {**b, "missing": []}])
    assert merged["seeds"] == [0, 1] and merged["cells"]["total"] == 4
    for ra, rb, rm in zip(a["records"], b["records"], merged["records"]):
        assert rm["accuracies"] == ra["accuracies"] + rb["accuracies"]
        assert rm["accuracy"] == pytest.approx(statistics.fmean(rm["accuracies"]))
        assert rm["accuracy_std"] == pytest.approx(statistics.stdev(rm["accuracies"]))
        assert rm["capacities"] == ra["capacities"] + rb["capacities"]
        if "relative_gain" in rm and rm["variant"] != "dense":
            dense = next(
                r for r in merged["records"]
                if r["variant"] == "dense" and r["n_clauses"] == rm["n_clauses"]
            )  # fmt: skip
            gains = [(x - d) / d for x, d in zip(rm["accuracies"], dense["accuracies"])]
            assert rm["relative_gain"] == pytest.approx(statistics.fmean(gains))
            assert rm["relative_gain_std"] == pytest.approx(statistics.stdev(gains))


def test_stored_blocks_join_only_complete_blocks(blocks):
    both = stored_blocks("boolean-clauses", blocks[0], "quick")
    # the registered quick grid differs from TINY's: block 0 of it is not there at all
    assert both["missing"] and both["seeds"] == [0]


def test_blocks_of_different_configs_or_incomplete_blocks_are_refused(blocks):
    a, b = blocks[1]
    with pytest.raises(ValueError, match="incomplete"):
        merge_blocks([a, {**b, "missing": ["a cell"]}])
    a = {**a, "missing": []}
    b = {**b, "missing": [], "config": {"other": 1}}
    with pytest.raises(ValueError, match="runs of one config"):
        merge_blocks([a, b])
    with pytest.raises(ValueError, match="at least one block"):
        merge_blocks([])


def _result(shift, seeds, spread=0.01, seed=0, block=10):
    rng = np.random.default_rng(seed)
    dense = 0.7 + spread * rng.standard_normal(seeds)
    fpe = dense + shift + spread * rng.standard_normal(seeds)
    records = [
        {"variant": "dense", "accuracies": list(dense)},
        {"variant": "random", "accuracies": list(fpe)},
    ]
    n_blocks = seeds // block
    return {"records": records, "setting_keys": [], "config": {"seeds": block},
            "seeds": list(range(n_blocks))}  # fmt: skip


GAIN = Contrast(Source("x", {"variant": "random"}), Source("x", {"variant": "dense"}))
CLAIM = Claim("g", "a gain", "the paper", (Part("gain", GAIN, 1, paper=5.0),), ("fpe",))


def test_the_plan_asks_for_the_next_block_and_stops_on_a_clear_effect():
    unclear = {"x": _result(0.02, 10, spread=0.04)}
    (stop,) = stops(evaluate(unclear, [CLAIM]), unclear)
    assert (stop.seeds, stop.decision, stop.wanted, stop.blocks) == (10, CONTINUE, 20, (("x", 1),))
    assert commands([stop], "results/paper") == [
        "python -m expand_neurons precompute x --profile paper --seed 1 --store results/paper"
    ]
    clear = {"x": _result(0.2, 20)}
    (done,) = stops(evaluate(clear, [CLAIM]), clear)
    assert done.decision == SUCCESS and done.blocks == () and done.wanted == 20


def test_before_the_first_look_and_unplanned_parts():
    few = {"x": _result(0.01, 4, block=4)}
    (stop,) = stops(evaluate(few, [CLAIM]), few)
    assert stop.decision == BEFORE_FIRST_LOOK and stop.wanted == 10
    assert stop.blocks == (("x", 1), ("x", 2))  # blocks of 4 seeds: 12 >= 10
    (none,) = stops(evaluate({}, [CLAIM]), {})
    assert none.decision == NOT_PLANNED and none.blocks == ()


def test_stored_blocks_join_each_complete_next_block(blocks, monkeypatch):
    a, b = blocks[1]
    held = {0: {**a, "missing": []}, 1: {**b, "missing": []}, 2: {**b, "missing": ["a cell"]}}
    exp = get("boolean-clauses")
    monkeypatch.setattr(type(exp), "stored", lambda self, store, profile, seed: held[seed])
    joined = stored_blocks("boolean-clauses", "unused", "quick")
    assert joined["seeds"] == [0, 1]
    assert len(joined["records"][0]["accuracies"]) == 2 * TINY["seeds"]


def test_a_field_in_some_blocks_only_is_refused(blocks):
    a, b = blocks[1]
    odd = {**b, "missing": [], "records": [{**b["records"][0], "extra": 1}, *b["records"][1:]]}
    with pytest.raises(ValueError, match=r"\['extra'\] are in some seed blocks only"):
        merge_blocks([{**a, "missing": []}, odd])


def test_the_plan_command_reads_a_store_and_names_the_next_blocks(blocks, capsys):
    from expand_neurons.cli import main

    assert main(["plan", "--store", str(blocks[0])]) == 0
    out = capsys.readouterr().out
    assert "pilot, random − dense: 0 seeds; not planned" in out
    assert main(["plan", "--store", str(blocks[0] / "nowhere")]) == 2
    assert "is not a directory of stored cells" in capsys.readouterr().err


def test_the_scoreboard_shows_the_plan_of_the_committed_store():
    from expand_neurons.book.pages.scoreboard import plan_table
    from expand_neurons.book.scoreboard import board, stored_results

    stored = stored_results()
    html = plan_table(board({}, stored), stored).to_html()
    assert ">pilot, random − dense<" in html and "nan" not in html.lower()
