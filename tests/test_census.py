"""The clause census of expanded models, the tasks it rebuilds, and coverage anywhere."""

import math

import pytest
import torch

from expand_neurons import theory
from expand_neurons.experiments import get
from expand_neurons.experiments.boolean import boolean_runs
from expand_neurons.experiments.census import (
    CensusTotals,
    boolean_tasks,
    census_totals,
    clause_census,
    model_census,
    per_output_accuracy,
)
from expand_neurons.splits import Random


def test_census_by_hand():
    # one parent, alpha = 2, inputs 0..5; clauses {0,1}, {2,3}, {4,5}
    mask = torch.tensor(
        [
            [1, 1, 1, 1, 0, 0],  # child 0 keeps clauses 0 and 1 whole: a collision
            [0, 0, 0, 0, 1, 0],  # child 1 keeps input 4; input 5 was pruned
        ],
        dtype=torch.bool,
    )
    c = clause_census(mask, [[0, 1], [2, 3], [4, 5]], alpha=2)
    assert c.whole.tolist() == [[True, True, False]]
    assert c.pruned.tolist() == [[False, False, True]]
    assert c.cut.tolist() == [[False, False, False]]
    assert c.per_child.tolist() == [2, 0]
    assert c.colliding_pairs.tolist() == [1]
    assert c.coverage == 1.0 and c.collision == 1.0
    assert c.totals == CensusTotals(instances=3, whole=2, cut=0, pruned=1, pairs=1, collisions=1)
    assert c.totals.untouched == 2 and c.totals.pruned_fraction == pytest.approx(1 / 3)
    cut = clause_census(torch.tensor([[1, 0], [0, 1]], dtype=torch.bool), [[0, 1]], alpha=2)
    assert cut.cut.tolist() == [[True]] and cut.whole_somewhere.tolist() == [False]


def test_census_rejects_bad_shapes():
    with pytest.raises(ValueError, match="multiple of alpha"):
        clause_census(torch.ones(3, 4, dtype=torch.bool), [[0, 1]], alpha=2)
    with pytest.raises(ValueError, match="outside"):
        clause_census(torch.ones(2, 4, dtype=torch.bool), [[0, 9]], alpha=2)


def test_census_of_random_splits_matches_theory():
    h, d, alpha, k = 4000, 24, 2, 3
    masks = Random().masks(torch.zeros(h, d), alpha, torch.Generator().manual_seed(0))
    clauses = [list(range(c * k, (c + 1) * k)) for c in range(d // k)]
    c = clause_census(masks.reshape(alpha * h, d), clauses, alpha)
    p_cov = theory.coverage_probability(alpha, k, d, "balanced")
    p_col = theory.collision_probability(alpha, k, d, "balanced")
    n = h * len(clauses)
    assert c.coverage == pytest.approx(p_cov, abs=4 * math.sqrt(p_cov * (1 - p_cov) / n))
    assert c.collision == pytest.approx(p_col, rel=0.15)
    assert not c.pruned.any()


def test_census_totals_pool_seeded_censuses():
    d, alpha, k = 12, 2, 3
    clauses = [list(range(c * k, (c + 1) * k)) for c in range(d // k)]
    g = torch.Generator().manual_seed(7)
    censuses = []
    for _ in range(5):
        masks = Random().masks(torch.zeros(6, d), alpha, g).reshape(alpha * 6, d)
        masks[torch.rand(masks.shape, generator=g) < 0.1] = False  # some inputs pruned away
        censuses.append(clause_census(masks, clauses, alpha))
    t = census_totals(censuses)
    whole = torch.stack([c.whole for c in censuses])
    pruned = torch.stack([c.pruned for c in censuses])
    assert t.instances == whole.numel() == 5 * 6 * len(clauses)
    assert t.whole + t.cut + t.pruned == t.instances
    assert 0 < t.pruned < t.instances
    assert t.coverage == pytest.approx(float(whole[~pruned].float().mean()))
    assert t.pruned_fraction == pytest.approx(float(pruned.float().mean()))
    ok = (~pruned).long().sum(dim=2)
    assert t.pairs == int((ok * (ok - 1) // 2).sum())
    assert t.collisions == sum(int(c.colliding_pairs.sum()) for c in censuses)
    assert t.collision == pytest.approx(t.collisions / t.pairs)
    p = theory.coverage_probability(alpha, k, d, "balanced")
    assert t.coverage_z(p) == pytest.approx((t.coverage - p) / math.sqrt(p * (1 - p) / t.untouched))
    assert t.coverage_z(t.coverage) == 0.0
    empty = census_totals([])
    assert empty.instances == 0 and math.isnan(empty.coverage) and math.isnan(empty.coverage_z(p))


def test_coverage_anywhere():
    p = theory.coverage_probability(2, 3)
    assert theory.coverage_anywhere_probability(2, 3, 1) == pytest.approx(p)
    assert theory.coverage_anywhere_probability(2, 3, 8) == pytest.approx(1 - (1 - p) ** 8)
    assert theory.coverage_anywhere_probability(2, 3, 0) == 0.0
    with pytest.raises(ValueError):
        theory.coverage_anywhere_probability(2, 3, -1)


def test_boolean_tasks_are_the_runs_tasks():
    cfg = get("boolean-pilot").config(
        "quick",
        seeds=2,
        epochs=4,
        n_train=256,
        n_test=128,
        variants=["dense", "random"],
        metric="accuracy",  # per label, as per_output_accuracy reads it
    )
    runs = boolean_runs(cfg, seed=3)
    tasks = boolean_tasks(cfg, seed=3)
    for name, rs in runs.items():
        for run, task in zip(rs, tasks):
            acc = per_output_accuracy(run.model, task.X_test, task.y_test)
            assert acc.shape == (task.n_outputs,)
            assert float(acc.mean()) == pytest.approx(run.accuracy, abs=1e-5), name
    census = model_census(runs["random"][0].model, tasks[0], cfg.alpha)
    assert census.whole.shape == (cfg.hidden, cfg.n_clauses)
    assert bool((census.whole ^ census.cut ^ census.pruned).all())
