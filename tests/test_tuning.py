"""Baselines tuned on their own terms: the sweeps, their criterion, and the chosen recipes."""

import math

import pytest
import torch

from expand_neurons.experiments import get
from expand_neurons.experiments.boolean import ABLATION_DROPCONNECT_P
from expand_neurons.experiments.config import BooleanConfig, RealConfig
from expand_neurons.experiments.real import DEEP_RECIPE
from expand_neurons.experiments.recipes import SWEEPS, evidence_path, read_sweep
from expand_neurons.experiments.tuning import (
    DROPCONNECT_RATES,
    holdout,
    tune_dense,
    tune_dropconnect,
)
from expand_neurons.models import MLP
from expand_neurons.tasks import make_task

SMALL = BooleanConfig(n_clauses=4, hidden=4, epochs=20, n_train=256, n_test=64)


def test_holdout_splits_the_training_set_only():
    task = make_task(4, 3, n_train=100, n_test=30, seed=0)
    h = holdout(task, 0.2, seed=1)
    assert (len(h.X_train), len(h.X_test)) == (80, 20)
    rows = {tuple(r.tolist()) for r in torch.cat([h.X_train, h.X_test])}
    assert rows <= {tuple(r.tolist()) for r in task.X_train}
    for bad in (0.0, 1.0, 0.001):
        with pytest.raises(ValueError, match="fraction must be in"):
            holdout(task, bad)


def test_tune_dropconnect_scores_every_rate_and_length_and_is_seeded():
    t = tune_dropconnect(SMALL, rates=(0.1, 0.5), seeds=2)
    assert [(r["p"], r["post_epochs"]) for r in t.table] == [(0.1, 10), (0.1, 20), (0.5, 10),
                                                              (0.5, 20)]  # fmt: skip
    assert all(len(r["per_seed"]) == 2 and 0 <= r["validation"] <= 1 for r in t.table)
    best = max(t.table, key=lambda r: r["validation"])
    assert t.choice["p"] == best["p"]
    # another length than the schedule's only on a paired "better"
    if t.choice["post_epochs"] != 10:
        assert t.length_test is not None and t.length_test.verdict == "better"
    assert "held out" in t.criterion
    assert tune_dropconnect(SMALL, rates=(0.1, 0.5), seeds=2).table == t.table


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rates": (1.0,)}, r"rates must be drop rates in \[0, 1\)"),
        ({"rates": ()}, "rates must be drop rates"),
        ({"post_epochs": (0,)}, "post_epochs must be integers >= 1"),
    ],
)
def test_tune_dropconnect_refuses_bad_candidates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tune_dropconnect(SMALL, **kwargs)
    with pytest.raises(ValueError, match="tunes one setting"):
        tune_dropconnect(SMALL.replace(grid={"hidden": [2, 4]}))


def test_tune_dense_picks_the_best_held_out_recipe():
    cfg = RealConfig(dataset="synthetic", n_classes=4, max_per_class=30, hidden=4, depth=2,
                     epochs=4, batch_size=16)  # fmt: skip
    t = tune_dense(cfg, lrs=(1e-3, 1e-2), points=[{"hidden": 4}, {"hidden": 8}], seeds=2)
    assert [(r["init"], r["lr"]) for r in t.table] == [
        ("default", 1e-3), ("default", 1e-2), ("he", 1e-3), ("he", 1e-2)
    ]  # fmt: skip
    assert all(len(r["per_point"]) == 2 and len(r["per_seed"]) == 4 for r in t.table)
    best = max(t.table, key=lambda r: r["validation"])
    assert t.choice == {"init": best["init"], "lr": best["lr"]}
    with pytest.raises(ValueError, match="inits must name initialisations"):
        tune_dense(cfg, inits=("xavier",))


def test_he_initialisation_keeps_relu_scale_and_is_keyed_only_when_set():
    torch.manual_seed(0)
    m = MLP(400, [300, 300], 10, init="he")
    w = m[2].weight.detach()
    assert float(w.std()) == pytest.approx(math.sqrt(2 / 300), rel=0.05)
    assert float(m[2].bias.detach().abs().min()) > 0  # default biases: no exact zeros
    with pytest.raises(ValueError, match=r"unknown init 'xavier'; allowed are \['default', 'he'\]"):
        MLP(4, 4, 2, init="xavier")
    assert "init" not in RealConfig().to_dict()  # older stored cells keep their keys
    assert RealConfig(init="he").to_dict()["init"] == "he"
    assert RealConfig(model="cnn", init="he").to_dict()["init"] == "he"  # the CNN's head


def test_the_tuned_recipes_are_the_experiments_defaults():
    for profile in ("quick", "paper"):
        dropconnect = get("boolean-ablations").config(profile).dropconnect_p
        assert dropconnect == ABLATION_DROPCONNECT_P[profile]
        deep = get("deep-mlp").config(profile)
        assert (deep.init, deep.lr) == (DEEP_RECIPE["init"], DEEP_RECIPE["lr"])


@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_each_profile_uses_the_rate_tuned_at_that_profile(profile):
    """The stored sweep (scripts/tune.py dropconnect) ran on today's ablations config, swept 0
    and rates on both sides of its choice, and chose the rate the experiment uses."""
    stored = read_sweep("dropconnect", profile)
    cfg = get("boolean-ablations").config(profile)
    assert stored["config"] == cfg.replace(dropconnect_p=None).to_dict()
    rates = sorted({r["p"] for r in stored["tuned"]["table"]})
    assert rates == list(DROPCONNECT_RATES) and rates[0] == 0.0
    assert stored["tuned"]["choice"]["p"] == ABLATION_DROPCONNECT_P[profile]
    assert rates[0] <= ABLATION_DROPCONNECT_P[profile] < rates[-1]


def test_the_documented_dropconnect_rate_is_what_the_sweep_chooses():
    """The load chapter's claim: tuned on held-out data, DropConnect wants a rate near zero, and
    the equal-budget rate 1 - 1/alpha is the worst."""
    cfg = get("boolean-ablations").config("quick")
    t = tune_dropconnect(cfg)
    post = cfg.epochs - cfg.warmup_epochs
    assert t.choice == {"p": ABLATION_DROPCONNECT_P["quick"], "post_epochs": post}
    at_schedule = {r["p"]: r["validation"] for r in t.table if r["post_epochs"] == post}
    assert min(at_schedule, key=at_schedule.get) == 1 - 1 / cfg.alpha


def test_the_cnn_recipe_is_what_its_sweep_chose():
    from expand_neurons.experiments.real import CNN_RECIPE

    stored = read_sweep("cnn", "quick")
    cfg = get("cnn-fashion").config("quick")
    assert stored["config"] == cfg.replace(grid={}, init="default", lr=1e-3).to_dict()
    choice = stored["tuned"]["choice"]
    assert (
        (cfg.init, cfg.lr)
        == (choice["init"], choice["lr"])
        == ("default", CNN_RECIPE["quick"]["lr"])
    )
    assert max(stored["tuned"]["table"], key=lambda r: r["validation"])["lr"] == cfg.lr


def test_the_deep_recipe_is_what_its_stored_sweep_chose():
    """The deep chapter's sentences: the sweep ran on today's deep-mlp config at its depth and
    narrowest width, chose He and Adam at 0.01 (the experiment's recipe), inside the swept
    rates, and raised the held-out accuracy over the shallow networks' recipe."""
    stored = read_sweep("deep", "quick")
    cfg = get("deep-mlp").config("quick")
    assert stored["config"] == SWEEPS["deep"].setting(cfg).to_dict()
    assert stored["config"]["depth"] == cfg.depth == 5
    assert stored["config"]["hidden"] == min(cfg.grid["hidden"])
    choice, table = stored["tuned"]["choice"], stored["tuned"]["table"]
    assert choice == DEEP_RECIPE == {"init": cfg.init, "lr": cfg.lr}
    rates = sorted({r["lr"] for r in table})
    assert rates[0] < choice["lr"] < rates[-1]
    held_out = {(r["init"], r["lr"]): r["validation"] for r in table}
    assert held_out[("he", 1e-2)] > held_out[("default", 1e-3)]


def test_a_row_of_the_stored_deep_sweep_is_recomputed_exactly():
    """The evidence the deep chapter shows is what the library computes today: the chosen
    candidate's held-out accuracies, seed by seed."""
    stored = read_sweep("deep", "quick")
    sweep = SWEEPS["deep"]
    setting = sweep.setting(get(sweep.experiment).config("quick"))
    row = tune_dense(setting, lrs=(1e-2,), inits=("he",), seeds=stored["tuned"]["seeds"]).table[0]
    (kept,) = [r for r in stored["tuned"]["table"] if (r["init"], r["lr"]) == ("he", 1e-2)]
    assert row["per_seed"] == kept["per_seed"]


def test_a_sweep_that_does_not_exist_or_is_not_stored_is_named(tmp_path):
    with pytest.raises(KeyError, match="no tuning sweep 'wide'.*'cnn', 'deep', 'dropconnect'"):
        read_sweep("wide", "quick")
    with pytest.raises(ValueError, match="profile must be one of .*'quick', 'paper'.*'full'"):
        evidence_path("deep", "full")
    with pytest.raises(FileNotFoundError, match="python scripts/tune.py deep --profile paper"):
        read_sweep("deep", "paper", tmp_path)
