"""The effective number of clauses per neuron (participation ratio of clause attribution)."""

import pytest
import torch

from expand_neurons import metrics


def test_effective_clauses_cases():
    A = torch.tensor([[1.0, 0.5, 0.25, 0.0], [0.0, 0.5, 0.25, 0.0], [0.0, 0.0, 0.25, 0.0],
                      [0.0, 0.0, 0.25, 0.0]])  # fmt: skip
    assert metrics.effective_clauses(A).tolist() == pytest.approx([1.0, 2.0, 4.0, 0.0])


def test_effective_clauses_ignores_scale_and_beats_threshold_count():
    A = torch.full((8, 1), 0.1)  # weight spread thinly over 8 clauses
    assert metrics.effective_clauses(A).item() == pytest.approx(8.0)
    assert metrics.clauses_per_neuron(A).item() == 0  # the threshold count sees none
    W = torch.tensor([[1.0, 1.0, 2.0, 2.0]])
    A = metrics.clause_attribution(W, [[0, 1], [2, 3]])
    assert metrics.effective_clauses(A).item() == pytest.approx(9 / 5)
