"""Checkers of the collisions chapter accept right answers and explain wrong ones."""

import math

import pytest

from expand_neurons import theory
from expand_neurons.book import exercises


def test_balanced_coverage_checker():
    def right(alpha, k, d):
        m = d // alpha
        return alpha * math.prod((m - t) / (d - t) for t in range(k))

    assert exercises.check_balanced_coverage_probability(right).startswith("Correct")
    with pytest.raises(exercises.ExerciseError, match="independent model"):
        exercises.check_balanced_coverage_probability(lambda a, k, d: a ** (1 - k))
    with pytest.raises(exercises.ExerciseError, match="d/alpha places"):
        exercises.check_balanced_coverage_probability(lambda a, k, d: 0.5)


def test_coverage_anywhere_checker():
    right = lambda a, k, h: 1 - (1 - a ** (1 - k)) ** h
    assert exercises.check_coverage_anywhere(right).startswith("Correct")
    with pytest.raises(exercises.ExerciseError, match="expected number of parents"):
        exercises.check_coverage_anywhere(lambda a, k, h: h * theory.coverage_probability(a, k))
    with pytest.raises(exercises.ExerciseError, match="split independently"):
        exercises.check_coverage_anywhere(lambda a, k, h: 0.3)
