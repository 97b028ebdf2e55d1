"""Metrics and the collision theory against hand-computed values and simulation."""

import itertools
import math

import pytest
import torch

from expand_neurons import metrics, theory


def test_feature_capacity_orthogonal_and_shared():
    assert torch.allclose(metrics.feature_capacity(torch.eye(4)), torch.ones(4))
    W = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # features 0 and 1 share a neuron
    assert torch.allclose(metrics.feature_capacity(W), torch.tensor([0.5, 0.5, 1.0]))
    assert metrics.feature_capacity(torch.zeros(2, 3)).sum() == 0


def test_mean_cosine_similarity():
    assert metrics.mean_cosine_similarity(torch.eye(3)) == 0.0
    W = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert metrics.mean_cosine_similarity(W) == pytest.approx(1.0)
    assert metrics.mean_cosine_similarity(W, absolute=False) == pytest.approx(-1.0)


def test_clause_attribution_and_polysemantic_count():
    W = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    A = metrics.clause_attribution(W, [[0, 1], [2, 3]])
    assert torch.allclose(A, torch.tensor([[0.5, 1.0, 0.0], [0.5, 0.0, 0.0]]))
    assert metrics.clauses_per_neuron(A).tolist() == [2, 1, 0]
    assert metrics.polysemantic_neurons(A) == 1


def test_fit_line_and_gains():
    fit = metrics.fit_line([1, 2, 3, 4], [3, 5, 7, 9])
    assert (fit.slope, fit.intercept, fit.r2) == pytest.approx((2.0, 1.0, 1.0))
    assert math.isnan(metrics.fit_line([0, 1, 2], [3, 3, 3]).r2)  # flat: no R² of 1
    assert metrics.fit_line([0, 1, 2], [0, 2, 1]).r2 == pytest.approx(0.25)
    assert metrics.relative_improvement(0.9, 0.75) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="all x values are equal"):
        metrics.fit_line([1, 1], [2, 3])


@pytest.mark.parametrize("alpha,k", [(2, 2), (3, 1), (2, 3)])
def test_independent_closed_form_matches_enumeration(alpha, k):
    n = 2 * k
    together_a = together_all = 0
    for assign in itertools.product(range(alpha), repeat=n):
        together_a += len(set(assign[:k])) == 1
        together_all += len(set(assign)) == 1
    total = alpha**n
    assert theory.coverage_probability(alpha, k) == pytest.approx(together_a / total)
    assert theory.collision_probability(alpha, k) == pytest.approx(together_all / total)
    assert theory.collision_probability(alpha, k) == pytest.approx(alpha ** -(2 * k - 1))


def test_balanced_closed_form_small_case_by_enumeration():
    d, alpha, k = 6, 2, 2  # all balanced 3/3 splits of 6 inputs
    splits_ = [set(c) for c in itertools.combinations(range(d), 3)]
    cov = sum({0, 1} <= s or not ({0, 1} & s) for s in splits_) / len(splits_)
    col = sum({0, 1, 2, 3} <= s or not ({0, 1, 2, 3} & s) for s in splits_) / len(splits_)
    assert theory.coverage_probability(alpha, k, d, "balanced") == pytest.approx(cov)
    assert theory.collision_probability(alpha, k, d, "balanced") == pytest.approx(col)


@pytest.mark.parametrize("model", ["balanced", "independent"])
@pytest.mark.parametrize("alpha,k,d", [(2, 2, 24), (2, 3, 24), (3, 2, 24), (4, 2, 64)])
def test_monte_carlo_agrees_with_closed_form_within_3_se(model, alpha, k, d):
    mc = theory.simulate(alpha, k, d, trials=40_000, seed=1, model=model)
    cov = theory.coverage_probability(alpha, k, d, model)
    col = theory.collision_probability(alpha, k, d, model)
    se_cov = math.sqrt(cov * (1 - cov) / mc.trials)
    se_col = math.sqrt(col * (1 - col) / mc.trials)
    assert abs(mc.coverage - cov) <= 3 * se_cov
    assert abs(mc.collision - col) <= 3 * se_col


def test_collisions_fall_much_faster_than_coverage():
    for k in (2, 3, 4):
        cov = [theory.coverage_probability(a, k) for a in (2, 4)]
        col = [theory.collision_probability(a, k) for a in (2, 4)]
        assert col[1] / col[0] < cov[1] / cov[0]
