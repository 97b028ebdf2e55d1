"""Bad input gets a clear error naming what was wrong and what is allowed."""

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import experiments, splits, theory
from expand_neurons.tasks import make_task, task_from_clauses

MODEL = en.seeded_mlp(0, 24, 8, 8)


@pytest.mark.parametrize("alpha", [0, -2])
def test_alpha_below_one(alpha):
    with pytest.raises(ValueError, match="alpha must be an integer >= 1"):
        en.expand(MODEL, alpha)


@pytest.mark.parametrize("alpha", [2.0, 2.5, "2", True])
def test_alpha_not_an_integer(alpha):
    with pytest.raises(TypeError, match="alpha must be an integer >= 1"):
        en.expand(MODEL, alpha)


def test_alpha_larger_than_inputs():
    with pytest.raises(ValueError, match="larger than the 24 inputs.*at most 24"):
        en.expand(MODEL, 25)


def test_clause_names_variable_out_of_range():
    with pytest.raises(ValueError, match="names variable 9; allowed variables are 0..7"):
        task_from_clauses([[(0, False), (9, True)]], n_vars=8)
    with pytest.raises(ValueError, match=r"names inputs \[30\]; allowed are 0..23"):
        splits.ClauseAligned([[0, 30]], 24)


def test_custom_split_that_overlaps():
    groups = [list(range(0, 13)), list(range(12, 24))]
    with pytest.raises(ValueError, match="not disjoint: input 12 of parent 0 goes to 2 children"):
        en.expand(MODEL, 2, splits.Fixed(groups))


def test_custom_split_that_leaves_inputs_out():
    groups = [list(range(0, 11)), list(range(12, 24))]
    with pytest.raises(ValueError, match="does not cover all inputs: input 11 of parent 0"):
        en.expand(MODEL, 2, splits.Fixed(groups))


def test_custom_split_with_wrong_shape():
    with pytest.raises(ValueError, match=r"expected \(parents, alpha, inputs\) = \(8, 2, 24\)"):
        en.expand(MODEL, 2, lambda w, a, g: torch.ones(8, 3, 24, dtype=torch.bool))


def test_model_without_hidden_layer():
    with pytest.raises(ValueError, match="no hidden layer to expand"):
        en.expand(nn.Sequential(nn.Linear(24, 8)), 2)


def test_model_that_is_not_sequential():
    with pytest.raises(TypeError, match="nn.Sequential"):
        en.expand(nn.Linear(4, 4), 2)


def test_non_elementwise_module_between_expanded_layers():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    with pytest.raises(ValueError, match="BatchNorm1d.*only elementwise modules"):
        en.expand(model, 2)


def test_unknown_split_name():
    with pytest.raises(ValueError, match=r"unknown split 'randm'; allowed names are"):
        en.expand(MODEL, 2, "randm")
    with pytest.raises(ValueError, match="needs the clause structure"):
        en.expand(MODEL, 2, "clause")


def test_clause_split_on_a_deeper_layer():
    model = en.seeded_mlp(0, 24, [8, 6], 8)
    with pytest.raises(ValueError, match="only applies to the input layer"):
        en.expand(model, 2, splits.ClauseAligned([[0, 1, 2]], 24))


def test_unknown_bias_mode_and_layers():
    with pytest.raises(ValueError, match=r"unknown bias mode 'half'; allowed are"):
        en.expand(MODEL, 2, bias="half")
    with pytest.raises(ValueError, match=r"layers must be indices in 0..0"):
        en.expand(MODEL, 2, layers=[1])


def test_unknown_profile(monkeypatch):
    with pytest.raises(
        ValueError, match=r"unknown profile 'full'.*allowed are \['quick', 'paper'\]"
    ):
        experiments.resolve_profile("full")
    monkeypatch.setenv("EXPAND_NEURONS_PROFILE", "huge")
    with pytest.raises(ValueError, match=r"'huge' \(from \$EXPAND_NEURONS_PROFILE\)"):
        experiments.resolve_profile()


def test_unknown_experiment_and_config_key():
    with pytest.raises(ValueError, match="unknown experiment 'nope'; available are"):
        experiments.get("nope")
    with pytest.raises(ValueError, match=r"unknown config keys \['epoch'\]"):
        experiments.get("boolean-pilot").config("quick", epoch=3)


def test_task_generator_rejects_bad_settings():
    with pytest.raises(ValueError, match="need at least 24 variables"):
        make_task(8, 3, n_vars=20)
    with pytest.raises(ValueError, match="unknown label_mode 'multi'"):
        make_task(label_mode="multi")
    with pytest.raises(ValueError, match="unknown distribution"):
        make_task(distribution="gaussian")


def test_training_rejects_unknown_loss_and_optimizer():
    task = make_task(n_train=8, n_test=8)
    with pytest.raises(ValueError, match=r"unknown loss 'mse'; allowed are \['bce', 'ce'\]"):
        en.fit(MODEL, task, epochs=1, loss="mse")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        en.fit(MODEL, task, epochs=1, optimizer="lbfgs")


def test_theory_rejects_bad_models():
    with pytest.raises(ValueError, match="unknown split model"):
        theory.collision_probability(2, 3, model="exact")
    with pytest.raises(ValueError, match="d divisible by alpha"):
        theory.collision_probability(4, 3, d=10, model="balanced")
