"""The claims scoreboard: every row has sources that resolve, and the evaluators give the
verdicts that seeded synthetic results with known answers call for."""

import re
from pathlib import Path

import numpy as np
import pytest

from expand_neurons.book.scoreboard import (
    CLAIMS,
    board,
    experiments_of,
    markdown_table,
    sources_table,
    stored_results,
)
from expand_neurons.experiments import get
from expand_neurons.experiments.claims import (
    OUTCOMES,
    Claim,
    Difference,
    Extreme,
    FitR2,
    FoldChange,
    Nearest,
    Source,
    combine,
    evaluate,
    pick_record,
    seed_values,
)

BOOK = Path(__file__).resolve().parents[1] / "book"


# --- synthetic results ----------------------------------------------------------------------


def _record(variant, accs, **fields):
    return {"variant": variant, "accuracies": list(accs), "accuracy": float(np.mean(accs)),
            **fields}  # fmt: skip


def _pilot(shift, seeds=8, seed=0, spread=0.01):
    """dense at 0.8 (+ noise) and random = dense + shift + noise, paired by seed."""
    rng = np.random.default_rng(seed)
    dense = 0.8 + spread * rng.standard_normal(seeds)
    random = dense + shift + spread * rng.standard_normal(seeds)
    return {"setting_keys": [], "records": [_record("dense", dense), _record("random", random)]}


GAIN = Difference("gain", Source("x", {"variant": "random"}), Source("x", {"variant": "dense"}), 1)


def test_a_clear_gain_holds():
    out = evaluate([GAIN], {"x": _pilot(0.05)})["gain"]
    assert out.verdict == "holds" and out.low > 0 and out.n == 8
    assert out.estimate == pytest.approx(0.05, abs=0.02)
    assert re.fullmatch(r"\+\d\.\d points \(95 % CI \+\d\.\d to \+\d\.\d, 7 d\.f\.\)", out.text)


def test_a_zero_mean_difference_is_not_distinguishable():
    rng = np.random.default_rng(1)
    dense = 0.8 + 0.01 * rng.standard_normal(8)
    noise = 0.01 * rng.standard_normal(8)
    noise -= noise.mean()  # the mean difference is exactly zero
    result = {"setting_keys": [], "records": [_record("dense", dense),
                                              _record("random", dense + noise)]}  # fmt: skip
    out = evaluate([GAIN], {"x": result})["gain"]
    assert out.verdict == "not distinguishable" and out.low < 0 < out.high


def test_a_clear_loss_does_not_hold_and_direction_flips_it():
    assert evaluate([GAIN], {"x": _pilot(-0.05)})["gain"].verdict == "does not hold"
    loss = Difference("loss", GAIN.a, GAIN.b, -1)
    assert evaluate([loss], {"x": _pilot(-0.05)})["loss"].verdict == "holds"


def test_missing_or_incomplete_results_are_not_computed_yet():
    assert evaluate([GAIN], {})["gain"].verdict == "not computed yet"
    partial = {**_pilot(0.05), "missing": ["cell"], "cells": {"total": 2, "stored": 1}}
    out = evaluate([GAIN], {"x": partial})["gain"]
    assert out.verdict == "not computed yet" and "x 1/2 cells" in out.text


def _grid(seed=0, seeds=6):
    """A load grid: relative gain of random over dense rises with the load (0.5, 1, 2, 4)."""
    rng = np.random.default_rng(seed)
    records = []
    for hidden, load in ((16, 0.5), (8, 1.0), (4, 2.0), (2, 4.0)):
        dense = 0.7 + 0.01 * rng.standard_normal(seeds)
        random = dense * (1 + 0.05 * load) + 0.005 * rng.standard_normal(seeds)
        for variant, accs in (("dense", dense), ("random", random)):
            records.append(_record(variant, accs, hidden=hidden, load=load,
                                   nonzero=100 * hidden))  # fmt: skip
    return {"setting_keys": ["hidden"], "records": records}


def test_extreme_relative_gain_and_same_setting_picks():
    result = _grid()
    hi = Source("g", {"variant": "random"}, pick=Extreme("load", "max"),
                relative_to={"variant": "dense"})  # fmt: skip
    lo = Source("g", {"variant": "random"}, pick=Extreme("load", "min"),
                relative_to={"variant": "dense"})  # fmt: skip
    gains, record = seed_values(result, hi)
    assert record["hidden"] == 2 and np.mean(gains) == pytest.approx(0.2, abs=0.02)
    out = evaluate([Difference("load", hi, lo, 1)], {"g": result})["load"]
    assert out.verdict == "holds"
    dense_there = pick_record(result, Source("g", {"variant": "dense"}, same_setting=True), record)
    assert dense_there["hidden"] == 2


def test_nearest_picks_the_closest_size():
    result = _grid()
    fpe = pick_record(result, Source("g", {"variant": "random", "hidden": 4}))
    near = pick_record(result, Source("g", {"variant": "dense"}, pick=Nearest("nonzero", 1.9)),
                       fpe)  # fmt: skip
    assert near["hidden"] == 8  # 800 non-zeros is nearest 1.9 x 400


def test_bad_selections_say_what_exists():
    result = _grid()
    with pytest.raises(LookupError, match="no record"):
        pick_record(result, Source("g", {"variant": "clause"}))
    with pytest.raises(LookupError, match="4 records match"):
        pick_record(result, Source("g", {"variant": "dense"}))
    with pytest.raises(ValueError, match="not a per-seed list"):
        seed_values(result, Source("g", {"variant": "dense", "hidden": 4}, field="load"))
    with pytest.raises(ValueError, match="'max' or 'min'"):
        Extreme("load", "top")
    with pytest.raises(ValueError, match="unique"):
        evaluate([GAIN, GAIN], {})


def _sweep(seed=0, n=40, related=True):
    """(setting, variant) points: FPE raises capacity by x; gain = 0.5 (x - 1) (+ noise) or
    unrelated noise."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        x = 1.1 + rng.uniform(0, 1)
        gain = 0.5 * (x - 1) + 0.01 * rng.standard_normal() if related else rng.uniform(0, 0.3)
        records += [
            _record("dense", [0.8], point=i, capacity=0.3),
            _record(
                "random", [0.8 * (1 + gain)], point=i, capacity=0.3 * x, relative_gain=gain
            ),  # fmt: skip
        ]
    return {"setting_keys": ["point"], "records": records}


def test_fold_change_and_fit():
    tests = [
        FoldChange("fc", ("s",), "capacity", 1, variants=("random",)),
        FitR2("fit", ("s",), "capacity", variants=("random",)),
    ]
    good = evaluate(tests, {"s": _sweep()})
    assert good["fc"].verdict == "holds" and good["fc"].text.startswith("×1.")
    assert good["fit"].verdict == "holds" and good["fit"].estimate > 0.95
    bad = evaluate(tests, {"s": _sweep(related=False)})
    assert bad["fit"].verdict == "does not hold" and bad["fit"].high < 0.7
    # The family's error is split: 1 of 2 tests is a fit, Bonferroni at 0.05 / 2.
    assert good["fit"].level == pytest.approx(0.975)


def test_combine():
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["holds", "not distinguishable"]) == "not distinguishable"
    assert combine(["holds", "does not hold", "not computed yet"]) == "does not hold"
    assert combine(["holds", "not computed yet"]) == "not computed yet"
    assert combine([]) == "not tested here"
    with pytest.raises(ValueError, match="unknown verdicts"):
        combine(["better"])


def test_a_claim_needs_a_section_and_tests_or_a_reason():
    with pytest.raises(ValueError, match="section"):
        Claim("x", "text", "paper", (GAIN,), ())
    with pytest.raises(ValueError, match="either tests or a reason"):
        Claim("x", "text", "paper", (), ("fpe",))


# --- the scoreboard's rows ------------------------------------------------------------------


def test_every_row_has_sources_or_a_reason_and_a_section_that_exists():
    labels = set()
    for page in BOOK.glob("*.md"):
        labels |= set(re.findall(r"^\(([\w-]+)\)=$", page.read_text(), flags=re.M))
    keys = [c.key for c in CLAIMS]
    assert len(set(keys)) == len(keys)
    for claim in CLAIMS:
        assert claim.tests or claim.not_tested
        assert set(claim.sections) <= labels, claim.sections
        for test in claim.tests:
            assert test.sources(), test.name
            for source in test.sources():
                get(source.experiment)  # registered
    assert {"1", "2", "3", "4", "5", "7", "α", "R²"} <= set(keys)
    assert any(k.startswith("6") for k in keys)


# Small enough to train in seconds, large enough that no dense network has zero accuracy.
BOOLEAN_TINY = {"epochs": 10, "seeds": 2, "n_train": 128, "n_test": 256}
REAL_TINY = {"dataset": "synthetic", "max_per_class": 20, "epochs": 2, "seeds": 2}


@pytest.fixture(scope="module")
def tiny_results():
    """Every experiment the scoreboard reads, run tiny on its quick grid."""
    out = {}
    for name in experiments_of():
        tiny = BOOLEAN_TINY if name.startswith("boolean") else REAL_TINY
        out[name] = get(name).run("quick", **tiny)
    return out


def test_every_source_resolves_on_the_quick_grids(tiny_results):
    rows = board(tiny_results, {})
    for row in rows:
        for outcome in row.live:
            assert outcome.verdict in OUTCOMES[:4], (outcome.name, outcome.text)
        for outcome in row.stored:
            assert outcome.verdict == "not computed yet"
    table = markdown_table(rows, "quick")
    lines = table.splitlines()
    assert len(lines) == 2 + len(CLAIMS)
    assert all(line.count(" | ") == 6 for line in lines[2:])
    assert all("{ref}`" in line for line in lines[2:])
    frame = sources_table(rows)
    assert len(frame) == sum(len(c.tests) for c in CLAIMS)
    assert frame["sources"].str.len().min() > 0


def test_stored_results_read_the_committed_store_without_computing():
    stored = stored_results()
    assert set(stored) == set(experiments_of())
    for result in stored.values():
        assert result["profile"] == "paper" and "missing" in result
    rows = board({}, stored)
    for row in rows:
        assert all(o.verdict == "not computed yet" for o in row.live)
        assert row.stored_verdict in OUTCOMES
