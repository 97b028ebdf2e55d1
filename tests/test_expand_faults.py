"""Faults found in review of expand, count_nonzero, fit and seeds: each has a test here."""

import re

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import prune

import expand_neurons as en
from expand_neurons import splits
from expand_neurons.layers import fpe_layers
from expand_neurons.seeds import MAX_SEED, check_seed, derive, instance_seeds
from expand_neurons.tasks import make_task

TASK = make_task(8, 3, n_train=256, n_test=128, seed=0)


def pilot_model(seed=0):
    return en.seeded_mlp(seed, 24, 8, 8)


# -- models pruned before the expansion -----------------------------------------------------
def test_plain_zeros_are_treated_as_pruned_and_the_budget_holds_in_training():
    model = pilot_model()
    with torch.no_grad():
        model[0].weight[:, ::2] = 0.0  # half the first layer pruned by hand
    budget = en.count_nonzero(model)
    wide = en.expand(model, 2, "random", seed=0)
    assert en.count_nonzero(wide) == budget
    en.fit(wide, TASK, epochs=5)
    assert en.count_nonzero(wide) == budget


def test_opting_out_lets_the_zeros_train():
    model = pilot_model()
    with torch.no_grad():
        model[0].weight[:, ::2] = 0.0
    budget = en.count_nonzero(model)
    wide = en.expand(model, 2, "random", seed=0, zeros_are_pruned=False)
    en.fit(wide, TASK, epochs=5)
    assert en.count_nonzero(wide) > budget


def torch_pruned():
    model = pilot_model()
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    return model


def test_count_nonzero_honours_torch_prune_masks():
    model = torch_pruned()
    live = int(model[0].weight_mask.sum())
    true = live + 8 + 8 * 8 + 8  # first-layer weights kept, its biases, the output layer
    assert live == 96
    assert en.count_nonzero(model) == true == 176


def test_expand_takes_a_torch_pruned_model_and_keeps_its_mask_as_structural_zeros():
    model = torch_pruned()
    mask = model[0].weight_mask.bool().clone()
    wide = en.expand(model, 2, "random", seed=0)
    assert en.count_nonzero(wide) == en.count_nonzero(model) == 176
    live = fpe_layers(wide)[0].live_mask().view(8, 2, 24).any(1)  # (parent, input) kept
    assert not bool((live & ~mask).any())  # nothing pruned by torch came back
    x = torch.randn(4, 24)
    model(x)  # the original still works as a torch-pruned model
    en.fit(wide, TASK, epochs=3)
    assert en.count_nonzero(wide) <= 176


# -- ties among identical copies --------------------------------------------------------------
def test_ties_among_copies_are_broken_at_random_not_by_child_index():
    kept_first = []
    for seed in range(6):
        wide = en.expand(pilot_model(), 2, "random", seed=seed, count_biases=False)
        mask = fpe_layers(wide)[1].live_mask()  # (8 outputs, 16 children)
        child0, child1 = mask[:, 0::2], mask[:, 1::2]
        kept_first.append(int((child0 & ~child1).sum()) - int((child1 & ~child0).sum()))
    assert any(k > 0 for k in kept_first) and any(k < 0 for k in kept_first)


def test_same_seed_same_pruning():
    a = en.expand(pilot_model(), 2, "random", seed=5)
    b = en.expand(pilot_model(), 2, "random", seed=5)
    for la, lb in zip(fpe_layers(a), fpe_layers(b)):
        assert torch.equal(la.live_mask(), lb.live_mask())


# -- non-finite weights, unreachable budgets ---------------------------------------------------
def test_nan_weights_are_refused_by_expand_and_fit():
    model = pilot_model()
    with torch.no_grad():
        model[2].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"parameter '2.weight' has 1 non-finite entries"):
        en.expand(model, 2)
    with pytest.raises(ValueError, match="'2.weight' holds NaN or inf before training"):
        en.fit(model, TASK, epochs=1)


def test_unreachable_budget_says_why_and_names_the_remedies():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():  # a heavily pruned model: one live weight per layer
        model[0].weight.zero_()
        model[0].weight[0, 0] = 1.0
        model[2].weight.zero_()
        model[2].weight[0, 0] = 1.0
    with pytest.raises(RuntimeError, match="bias copies.*bias='first'.*count_biases=False"):
        en.expand(model, 2, "random", seed=0, bias="copy")


# -- type-level mistakes ---------------------------------------------------------------------
def test_layers_must_be_a_list():
    with pytest.raises(TypeError, match=r"layers must be a list of hidden-layer indices in 0..0"):
        en.expand(pilot_model(), 2, layers=1)


def test_a_split_class_instead_of_an_instance():
    with pytest.raises(TypeError, match=r"split=Random is a class; pass an instance"):
        en.expand(pilot_model(), 2, splits.Random)


@pytest.mark.parametrize(
    "returned, name",
    [(None, "NoneType"), (np.ones((8, 2, 24), dtype=bool), "ndarray")],
)
def test_a_split_returning_none_or_numpy(returned, name):
    with pytest.raises(TypeError, match=f"split returned {name}; a split must return a bool"):
        en.expand(pilot_model(), 2, lambda w, a, g: returned)


@pytest.mark.parametrize("hidden", [-3, 0, 2.5])
def test_mlp_widths_must_be_positive_integers(hidden):
    with pytest.raises(ValueError, match="hidden widths must be integers >= 1"):
        en.MLP(6, hidden, 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"epochs": -1}, "epochs must be an integer >= 0, got -1"),
    ({"lr": 0.0}, "lr must be a finite number > 0"),
    ({"optimizer": "lion"}, "unknown optimizer 'lion'; allowed are"),
    ({"seed": -1}, r"seed must be an integer in \[0, 9223372036854775807\]"),
])  # fmt: skip
def test_fit_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        en.fit(pilot_model(), TASK, **{"epochs": 1, **kwargs})


def test_fit_refuses_an_empty_training_set():
    empty = make_task(8, 3, n_train=1, n_test=1, seed=0)
    object.__setattr__(empty, "X_train", empty.X_train[:0])
    object.__setattr__(empty, "y_train", empty.y_train[:0])
    with pytest.raises(ValueError, match="empty data set: 0 training"):
        en.fit(pilot_model(), empty, epochs=1)


def test_fit_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    en.fit(pilot_model(), TASK, epochs=1, seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_an_unknown_parametrization_is_refused_by_the_stacked_trainer():
    class Scale(nn.Module):
        def forward(self, w):
            return 2 * w

    models = [pilot_model(s) for s in range(2)]
    for m in models:
        nn.utils.parametrize.register_parametrization(m[0], "weight", Scale())
    with pytest.raises(TypeError, match="carries the parametrization Scale"):
        en.fit(models, TASK, epochs=1)


# -- seeds -----------------------------------------------------------------------------------
def test_neighbouring_base_seeds_share_no_instance_seed():
    a, b = set(instance_seeds(0, 8, "task")), set(instance_seeds(1, 8, "task"))
    assert not a & b
    assert instance_seeds(0, 8, "task") == instance_seeds(0, 8, "task")
    assert derive(0, "task", 0) != derive(0, "model", 0)
    assert all(0 <= s <= MAX_SEED for s in a | b)


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "3", True])
def test_out_of_range_seeds_are_refused(seed):
    message = r"seed must be an integer in \[0, 9223372036854775807\]"
    with pytest.raises((ValueError, TypeError), match=message):
        check_seed(seed)
    with pytest.raises((ValueError, TypeError), match=message):
        en.expand(pilot_model(), 2, seed=seed)


# -- the benchmark's options -----------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, match",
    [
        (["--dims", "0"], r"dims must all be >= 1, got \[0\]"),
        (["--reps", "0"], "reps must be an integer >= 1, got 0"),
        (["--threads", "0"], "--threads must be an integer >= 1, got 0"),
        (["--alphas", "-2"], r"alphas must all be >= 1, got \[-2\]"),
        (["--warmup", "-1"], "warmup must be an integer >= 0, got -1"),
    ],
)
def test_bench_rejects_bad_options_before_measuring(argv, match, capsys, monkeypatch):
    from expand_neurons.cli import main
    from expand_neurons.layers import bench

    monkeypatch.setattr(bench, "run", lambda *a, **k: pytest.fail("measured despite bad input"))
    assert main(["bench", "--quick", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and re.search(match, err)
