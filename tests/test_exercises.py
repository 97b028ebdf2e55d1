"""The exercise checkers accept right answers and explain wrong ones."""

import pytest
import torch

from expand_neurons import metrics, splits, theory
from expand_neurons.book import exercises


def test_checkers_accept_the_reference_answers():
    assert "Correct" in exercises.check_split(splits.Random())
    assert "Correct" in exercises.check_feature_capacity(metrics.feature_capacity)
    assert "Correct" in exercises.check_cosine_similarity(metrics.mean_cosine_similarity)
    assert "Correct" in exercises.check_collision_probability(theory.collision_probability)
    assert "Correct" in exercises.check_coverage_probability(theory.coverage_probability)
    assert "Correct" in exercises.check_expanded_nonzeros(lambda d, h, c, a: (a - 1) * c * h)


def test_split_checker_names_the_mistake():
    def overlapping(w, alpha, g):
        return torch.ones(w.shape[0], alpha, w.shape[1], dtype=torch.bool)

    def first_child_only(w, alpha, g):
        m = torch.zeros(w.shape[0], alpha, w.shape[1], dtype=torch.bool)
        m[:, 0] = True
        return m

    with pytest.raises(exercises.ExerciseError, match="goes to two children"):
        exercises.check_split(overlapping)
    with pytest.raises(exercises.ExerciseError, match="unbalanced"):
        exercises.check_split(first_child_only)
    assert "Correct" in exercises.check_split(first_child_only, balanced=False)


def test_value_checkers_name_the_mistake():
    with pytest.raises(exercises.ExerciseError, match="must lie in"):
        exercises.check_feature_capacity(lambda W: torch.full((W.shape[1],), 2.0))
    with pytest.raises(exercises.ExerciseError, match="leave out each row"):
        exercises.check_cosine_similarity(lambda W: 1.0)
    with pytest.raises(exercises.ExerciseError, match="alpha=2, k=1"):
        exercises.check_collision_probability(lambda a, k: a ** -(2 * k))
    with pytest.raises(exercises.ExerciseError, match="only the copies of W2"):
        exercises.check_expanded_nonzeros(lambda d, h, c, a: (a - 1) * c * h + h * d)


def _raises(*args):
    raise NotImplementedError


def test_every_solution_passes_its_checker_and_every_stub_is_not_attempted():
    from expand_neurons.book.solutions import SOLUTIONS

    checkers = {getattr(exercises, name) for name in exercises.__all__ if name.startswith("check_")}
    assert set(SOLUTIONS) == checkers, "every checker needs a reference solution"
    for check, solution in SOLUTIONS.items():
        assert check(solution).startswith("Correct"), check.__name__
        for stub in (_raises, lambda *args: None):
            message = check(stub)
            assert message.startswith(exercises.NOT_ATTEMPTED), (check.__name__, message)
            assert check.hint in message


def test_a_wrong_answer_is_still_diagnosed_not_called_a_stub():
    with pytest.raises(exercises.ExerciseError):
        exercises.check_dense_nonzero(lambda d, h, c: 0)
