"""The Boolean laboratory is chosen by its dense baseline alone; baselines pass health gates."""

from __future__ import annotations

import pytest

from expand_neurons.experiments import get
from expand_neurons.experiments.health import check_baseline
from expand_neurons.experiments.laboratory import (
    LABORATORY,
    NO_HEADROOM,
    PAPER_DENSE,
    candidate_designs,
    candidates,
    choose,
)
from expand_neurons.experiments.robustness import FACTORS, default_design
from expand_neurons.experiments.store import PAPER_STORE
from expand_neurons.experiments.tuning import TUNING_SEED


def _result(per_design):
    """A boolean-laboratory result whose dense pilot scores ``(accuracies, exact_matches)``."""
    records = []
    for design, (acc, exact) in zip(candidate_designs(), per_design):
        records.append({"design": design, "variant": "dense", "accuracies": acc,
                        "exact_matches": exact})  # fmt: skip
    return {"records": records}


def test_candidates_vary_only_what_changes_the_dense_network():
    designs = candidate_designs()
    assert len(designs) == 16 and designs[0] == default_design()
    assert all(d["bias"] == "split" and d["budget"] == "with_biases" for d in designs)
    assert all(set(d) == {f.name for f in FACTORS} for d in designs)


def test_the_rule_takes_the_eligible_design_closest_to_the_paper():
    ceiling = [1.0] * 5 + [0.9] * 5  # half the seeds at the ceiling: never eligible
    per_design = [(ceiling, [0.5] * 10)] * 16
    per_design[3] = ([0.80, 0.76, 0.79, 0.81, 0.78] * 2, [0.60] * 10)  # mean 0.788
    per_design[5] = ([0.75, 0.77] * 5, [0.79, 0.785] * 5)  # exact match nearer 0.787
    chosen = choose(_result(per_design))
    assert chosen is not None and chosen.design == {**candidate_designs()[5], "metric":
                                                    "exact_match"}  # fmt: skip
    assert chosen.distance == pytest.approx(abs(0.7875 - PAPER_DENSE))
    assert sum(c.eligible for c in candidates(_result(per_design))) == 3


def test_the_rule_refuses_a_ceiling_and_a_floor():
    near = [0.80] * 8 + [1.0] * 2  # mean 0.84 in range, but 20 % of seeds at the ceiling
    low = [0.6] * 10
    assert choose(_result([(near, low)] * 16)) is None


def test_the_committed_laboratory_is_what_the_rule_chooses_on_the_store():
    result = get("boolean-laboratory").stored(PAPER_STORE, "paper", seed=TUNING_SEED)
    assert not result["missing"], "compute boolean-laboratory at seed 9001 into results/paper"
    chosen = choose(result)
    assert chosen is not None and chosen.design == LABORATORY
    assert chosen.design != NO_HEADROOM


@pytest.mark.parametrize(
    ("scores", "chance", "problem"),
    [
        ([0.60, 0.59, 0.84, 0.52, 0.57], None, "collapsed seeds: 84.0%"),  # most seeds collapsed
        ([0.89, 0.55, 0.88, 0.87, 0.85], None, "collapsed seeds: 55.0%"),
        ([1.0, 1.0, 0.98, 0.97, 0.99], None, "at the ceiling: 40%"),
        ([0.57, 0.58, 0.56, 0.57], 0.5625, "on the floor"),
    ],
)
def test_the_health_gate_names_what_is_wrong(scores, chance, problem):
    health = check_baseline(scores, chance)
    assert not health.healthy and any(p.startswith(problem) for p in health.problems)


def test_a_healthy_baseline_passes_and_bad_input_is_refused():
    assert check_baseline([0.78, 0.74, 0.81, 0.70, 0.83, 0.79], chance=0.55).healthy
    with pytest.raises(ValueError, match="two or more scores in"):
        check_baseline([0.5])
    with pytest.raises(ValueError, match="chance must be a score"):
        check_baseline([0.5, 0.6], chance=2)
