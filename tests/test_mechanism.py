"""Mechanism tests of the collisions chapter: splits at equal coverage, coverage contrast."""

import math

import pytest
import torch

from expand_neurons.experiments import get
from expand_neurons.experiments.boolean import boolean_runs, boolean_tasks
from expand_neurons.experiments.census import clause_census
from expand_neurons.experiments.mechanism import (
    COLLISION_FAMILY,
    collision_test,
    coverage_contrast,
)
from expand_neurons.splits import Apart, Packed, check_equal_coverage, whole_clauses
from expand_neurons.tasks import make_task


@pytest.fixture(scope="module")
def task():
    return make_task(8, 3, seed=3)


def _masks(split, weight, alpha=2, seed=0):
    return split.masks(weight, alpha, torch.Generator().manual_seed(seed))


def test_packed_and_apart_keep_the_same_clauses_whole_and_differ_in_collisions(task):
    g, d = task.clause_inputs, task.n_inputs
    w = torch.randn(8, d, generator=torch.Generator().manual_seed(1))
    packed, apart = _masks(Packed(g, d), w), _masks(Apart(g, d), w, seed=5)
    table = check_equal_coverage(packed, apart, g)
    assert table.sum(dim=1).tolist() == [2] * 8  # two clauses whole per parent, no more
    heaviest = torch.stack([w.abs()[:, sorted(c)].sum(1) for c in g], 1).argsort(1, descending=True)
    assert table.gather(1, heaviest[:, :2]).all()  # ... and they are the heaviest two
    assert (packed.sum(dim=1) == 1).all() and (apart.sum(dim=1) == 1).all()  # disjoint, covering
    assert packed.sum(dim=2).tolist() == [[12, 12]] * 8  # balanced children
    col = {n: clause_census(m.reshape(-1, d), g, 2).colliding_pairs for n, m in
           (("packed", packed), ("apart", apart))}  # fmt: skip
    assert col["packed"].tolist() == [1] * 8 and col["apart"].tolist() == [0] * 8


def test_check_equal_coverage_names_the_first_difference(task):
    g, d = task.clause_inputs, task.n_inputs
    w = torch.randn(8, d, generator=torch.Generator().manual_seed(2))
    other = torch.randn(8, d, generator=torch.Generator().manual_seed(3))
    with pytest.raises(ValueError, match="coverage differs: clause .* of parent"):
        check_equal_coverage(_masks(Packed(g, d), w), _masks(Apart(g, d), other), g)
    assert whole_clauses(_masks(Packed(g, d), w), g).shape == (8, 8)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Packed([[0, 1], [1, 2]], 4), "share input 1"),
        (lambda: Packed([[0], [1, 2]], 4), "two or more"),
        (lambda: Packed([[0, 1], [2, 3]], 4, whole=3), "whole must be an integer in 2..2"),
        (lambda: Packed([[0, 9], [2, 3]], 4), r"allowed are 0..3"),
    ],
)
def test_bad_clause_structures_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_apart_needs_as_many_children_as_kept_clauses(task):
    g, d = task.clause_inputs, task.n_inputs
    with pytest.raises(ValueError, match="needs alpha >= 3"):
        _masks(Apart(g, d, whole=3), torch.randn(8, d))
    with pytest.raises(ValueError, match="built for 24 inputs but the layer has 5"):
        _masks(Packed(g, d), torch.randn(8, 5))


def test_coverage_contrast_pairs_groups_within_seeds():
    rows = []
    for seed in range(4):
        for c, (whole, ratio) in enumerate([(True, -1.0), (True, -1.2), (False, -0.2)]):
            r = {"seed": seed, "clause": c, "whole_somewhere": whole, "dense_accuracy": 0.9}
            rows.append({**r, "log_error_ratio": ratio + (0.05 * (seed % 2) if not whole else 0)})
    rows.append({"seed": 4, "clause": 0, "whole_somewhere": True, "dense_accuracy": 0.9,
                 "log_error_ratio": 5.0})  # a seed without cut clauses gives no pair  # fmt: skip
    cc = coverage_contrast(rows)
    assert cc.seeds_used == [0, 1, 2, 3] and (cc.n_whole, cc.n_cut) == (8, 4)
    assert cc.comparison.mean == pytest.approx(0.925) and cc.comparison.df == 3
    assert cc.comparison.verdict == "better"  # whole clauses lost more of their errors
    assert cc.factor == pytest.approx(math.exp(0.925))


def test_collision_experiment_checks_coverage_and_compares_in_one_family():
    cfg = get("boolean-collisions").config("quick", seeds=2, epochs=20)
    runs, tasks = boolean_runs(cfg), boolean_tasks(cfg)
    ct = collision_test(runs, tasks, cfg.alpha)
    assert list(ct.comparisons) == list(COLLISION_FAMILY)
    assert all(c.df == 1 for c in ct.comparisons.values())
    assert ct.colliding_pairs["apart"] == 0 < ct.colliding_pairs["packed"] <= 1
    assert 0 < ct.whole_per_parent <= 2
    again = collision_test(boolean_runs(cfg), tasks, cfg.alpha)
    assert again.accuracy == ct.accuracy  # seeded
    with pytest.raises(ValueError, match=r"needs the variants \['apart'\]"):
        collision_test({k: v for k, v in runs.items() if k != "apart"}, tasks, cfg.alpha)
