"""Checkers of the polysemantic-load chapter accept right answers and explain wrong ones."""

import pytest
import torch

from expand_neurons.book import exercises


def _r2(x, y):
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    xc, yc = x - x.mean(), y - y.mean()
    slope = (xc * yc).sum() / (xc**2).sum()
    res = yc - slope * xc
    return float(1 - (res**2).sum() / (yc**2).sum())


def test_r_squared_checker():
    assert exercises.check_r_squared(_r2).startswith("Correct")
    with pytest.raises(exercises.ExerciseError, match="not SS_res / SS_tot"):
        exercises.check_r_squared(lambda x, y: 1 - _r2(x, y))
    with pytest.raises(exercises.ExerciseError, match="least squares"):
        exercises.check_r_squared(lambda x, y: 0.5)
