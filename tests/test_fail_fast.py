"""Misuse fails fast with one clear message (issue 24, the parts outside the result store).

Configs that training would reject, bad training data, library arguments that used to give raw
Python or torch errors, the engine options (``--device``, ``--workers``, ``--scheduler``) and
layout faults of the command line: each is refused before any work, naming what was wrong and
what is allowed.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import splits, stats, theory
from expand_neurons.experiments import RunEnv, get, select
from expand_neurons.tasks import make_task

TASK = make_task(2, 2, n_train=16, n_test=16)


def _mlp(inputs: int = 4, outputs: int = 2) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(inputs, 3), nn.ReLU(), nn.Linear(3, outputs))


# ------------------------------------------------------------------------------------ configs


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"alpha": 25},
            "alpha=25 is larger than the 24 inputs of the task (n_clauses=8, k=3, extra_vars=0, "
            "disjoint variables); every child needs at least one input, so alpha must be at most "
            "24",
        ),
        ({"lr": float("inf")}, "lr must be a finite number > 0, got inf"),
        ({"lr": float("nan")}, "lr must be a finite number > 0, got nan"),
        (
            {"grid": {"hidden": [8, 8]}},
            "grid['hidden'] lists 8 more than once ([8, 8]); each value must appear once",
        ),
        (
            {"grid": {"alpha": [2, 25]}},
            "alpha=25 is larger than the 24 inputs of the task",
        ),
    ],
)
def test_configs_training_would_reject_fail_when_made(change, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        get("boolean-pilot").config("quick", **change)


def test_alpha_is_checked_against_the_inputs_of_each_grid_point_and_only_when_it_splits():
    pilot = get("boolean-pilot")
    pilot.config("quick", alpha=24)  # 24 inputs: one each
    pilot.config("quick", alpha=30, grid={"n_clauses": [16, 32]})  # 48 and 96 inputs
    pilot.config("quick", alpha=30, variants=["dense"])  # nothing is split


@pytest.mark.parametrize(
    "env, message",
    [
        ({"device": "gpu"}, "device must be one of cpu, cuda, cuda:N or mps, got 'gpu'"),
        ({"device": "tpu"}, "device must be one of cpu, cuda, cuda:N or mps, got 'tpu'"),
        ({"encoder_device": "x"}, "encoder_device must be one of cpu, cuda, cuda:N or mps"),
        ({"download": "yes"}, "download must be True or False, got 'yes'"),
    ],
)
def test_run_env_names_the_devices_allowed(env, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        RunEnv(**env)
    RunEnv(device="cuda")  # the form is right: a remote cluster's workers may have the GPU


# -------------------------------------------------------------------------- training data


def _with(**changes):
    return dataclasses.replace(TASK, **changes)


def _nan(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t[0, 0] = float("nan")
    return t


def _bad_label(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t[0, 0] = 2.0
    return t


@pytest.mark.parametrize(
    "model, data, kwargs, error, message",
    [
        (
            _mlp(),
            _with(X_test=_nan(TASK.X_test)),
            {},
            ValueError,
            "X_test holds 1 NaN or inf entries; inputs must be finite",
        ),
        (
            _mlp(),
            _with(X_train=_nan(TASK.X_train)),
            {},
            ValueError,
            "X_train holds 1 NaN or inf entries; inputs must be finite",
        ),
        (
            _mlp(),
            _with(y_train=_bad_label(TASK.y_train)),
            {},
            ValueError,
            "y_train holds 1 values outside {0, 1} (e.g. 2.0); loss='bce' needs labels 0 or 1",
        ),
        (
            _mlp(),
            TASK,
            {"loss": "ce"},
            TypeError,
            "loss='ce' needs y_train as int64 class indices of shape (n,), got torch.float32 of "
            "shape (16, 2) (multi-label 0/1 targets need loss='bce')",
        ),
        (
            _mlp(inputs=5),
            TASK,
            {},
            ValueError,
            "the model does not take the samples of X_train, of shape (4,): mat1 and mat2 "
            "shapes cannot be multiplied",
        ),
        (
            _mlp(outputs=3),
            TASK,
            {},
            ValueError,
            "the model gives 3 outputs per sample but y_train has 2 labels; they must be equal",
        ),
        (
            _mlp(),
            _with(X_train=TASK.X_train.double()),
            {},
            TypeError,
            "X_train has dtype torch.float64 but the model's parameters are torch.float32; "
            "convert the inputs (e.g. X.to(torch.float32)) or the model",
        ),
        (
            _mlp(),
            None,
            {},
            TypeError,
            "data must have tensors X_train, y_train, X_test, y_test (e.g. a BooleanTask); "
            "NoneType has no tensor X_train",
        ),
        (_mlp(), TASK, {"lr": float("inf")}, ValueError, "lr must be a finite number > 0, got inf"),
    ],
    ids=[
        "nan-test",
        "nan-train",
        "bce-label",
        "ce-multilabel",
        "inputs",
        "outputs",
        "dtype",
        "none",
        "lr-inf",
    ],
)
def test_fit_refuses_bad_data_before_the_first_epoch(model, data, kwargs, error, message):
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(error, match="^" + re.escape(message)):
        en.fit(model, data, epochs=1, progress=False, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # untouched


def test_fit_checks_class_indices_against_the_outputs():
    data = _with(y_train=torch.arange(16) % 5, y_test=torch.zeros(16, dtype=torch.long))
    message = (
        "the model gives 2 outputs per sample but y_train holds class index 4; class indices "
        "must be below the number of outputs"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.fit(_mlp(), data, epochs=1, loss="ce", progress=False)
    en.fit(_mlp(outputs=5), data, epochs=1, loss="ce", progress=False)  # well formed: trains


# ------------------------------------------------------------------ library arguments


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: en.count_nonzero("x"), TypeError, "count_nonzero needs an nn.Module, got str"),
        (lambda: stats.wilson_interval(2, 10), ValueError, "p must be a number in [0, 1], got 2"),
        (
            lambda: stats.wilson_interval(0.5, 10, z=float("nan")),
            ValueError,
            "z must be a finite number > 0, got nan",
        ),
        (
            lambda: stats.holm([0.5, 1.5, -0.1]),
            ValueError,
            "p-values must be numbers in [0, 1]; p_values[1] is 1.5",
        ),
        (
            lambda: stats.holm([0.5, float("nan")]),
            ValueError,
            "p-values must be numbers in [0, 1]; p_values[1] is nan",
        ),
        (
            lambda: stats.holm(["a"]),
            ValueError,
            "p_values must be a list of numbers in [0, 1], got ['a']",
        ),
        (
            lambda: theory.collision_probability(2, 30, d=24),
            ValueError,
            "two clauses of k=30 inputs need 60 distinct inputs, got d=24; d must be at least 60",
        ),
        (
            lambda: theory.coverage_probability(2, 5, d=4),
            ValueError,
            "a clause of k=5 inputs needs 5 distinct inputs, got d=4",
        ),
    ],
    ids=[
        "count_nonzero",
        "wilson-p",
        "wilson-z",
        "holm",
        "holm-nan",
        "holm-text",
        "collision",
        "coverage",
    ],
)
def test_library_arguments_give_library_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


def test_valid_probabilities_still_compute():
    assert stats.holm([0.01, 0.04]) == [0.02, 0.04]
    assert stats.holm([0.0, 1.0]) == [0.0, 1.0]
    assert 0 < stats.wilson_interval(1.0, 10)[0] < 1
    assert theory.collision_probability(2, 3) == 2.0**-5  # no d: the independent model
    assert theory.collision_probability(2, 12, d=24) > 0


def test_a_split_that_leaves_a_child_without_inputs_is_refused():
    message = (
        "hidden layer 0: split leaves child 1 of parent 0 with no inputs; every child needs at "
        "least one input"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.expand(_mlp(), 2, splits.Fixed([[0, 1, 2, 3], []]), seed=0)

    def one_child(w, alpha, g):
        full = torch.ones_like(w, dtype=torch.bool)
        return torch.stack([full] + [~full] * (alpha - 1), dim=1)

    with pytest.raises(ValueError, match="^" + re.escape(message)):
        en.expand(_mlp(), 2, one_child, seed=0)
    # the clause-aligned split with fewer clauses than children leaves them empty by design
    task = make_task(2, 2, n_train=8, n_test=8)
    en.expand(_mlp(), 4, splits.ClauseAligned(task.clause_inputs, task.n_inputs), seed=0)


def test_tied_weights_are_refused_not_silently_untied():
    message = (
        "parameters ['0.weight', '2.weight'] are one tensor (tied weights, or a module used "
        "twice); expand would untie them in the copy"
    )
    shared = nn.Linear(4, 4)
    twice = nn.Sequential(shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(4, 2))
    tied = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    tied[2].weight = tied[0].weight
    for model in (twice, tied):
        with pytest.raises(ValueError, match="^" + re.escape(message)):
            en.expand(model, 2, seed=0)


def test_select_names_the_fields_when_no_record_has_one():
    result = {
        "records": [
            {"variant": "dense", "hidden": 4},
            {"variant": "grouped-2", "hidden": 4, "blocks": 2},
        ]
    }
    message = "no record has the field(s) ['colour']; the records' fields are ['blocks', "
    with pytest.raises(LookupError, match="^" + re.escape(message)):
        select(result, colour="red")
    assert select(result, blocks=2) == [result["records"][1]]  # a field some records have
    assert select(result, variant="random") == []  # a known field, no such value
    assert select({"records": []}, variant="dense") == []
