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
from expand_neurons.experiments import RunEnv, get
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
