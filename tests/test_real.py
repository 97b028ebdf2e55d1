"""Tests of the part II experiments (expand_neurons.experiments.real) on tiny synthetic data."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import cli, experiments
from expand_neurons.data import synthetic_data
from expand_neurons.experiments import one, real, select, values
from expand_neurons.experiments.matching import match_dense
from expand_neurons.experiments.real_data import load_data
from expand_neurons.layers import fpe_modules
from expand_neurons.masking import get_mask
from expand_neurons.models import ConvNet, mlp_parameters, seeded_conv_net

NAMES = ["embeddings-width", "embeddings-load", "embeddings-match", "cnn-fashion", "deep-mlp"]
# Tiny runs: synthetic Gaussian clusters (no files, no encoder), 2 + 2 epochs, 2 seeds.
TINY = {"dataset": "synthetic", "n_classes": 3, "max_per_class": 20, "epochs": 4, "seeds": 2}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_configs_validate(name, profile):
    exp = experiments.get(name)
    cfg = exp.config(profile)
    assert set(cfg.grid) <= set(cfg.field_names())
    assert cfg.seeds >= (5 if profile == "paper" else 2)
    assert 0 < cfg.split_at < 1 and cfg.epochs >= 2
    if profile == "paper":
        assert cfg.epochs == 50 and cfg.split_at == 0.5  # 25 + 25 as in the paper
    assert cfg.dataset == ("fashion-mnist" if name == "cnn-fashion" else "wordnet-nouns")
    for item in cfg.extra:
        assert set(item) - {"alpha", "split"} <= set(cfg.field_names())
    with pytest.raises(ValueError, match="unknown config keys"):
        exp.config(profile, no_such_key=1)


def _check_schema(result, n_seeds=2):
    """Every setting has its dense record and FPE records of the same budget; returns records."""
    assert result["settings"]
    for setting in result["settings"]:
        dense = one(result, variant="dense", **setting)
        fpe = [r for r in select(result, **setting) if r["variant"] != "dense"]
        for entry in [dense, *fpe]:
            assert 0 <= entry["accuracy"] <= 1
            assert len(entry["accuracies"]) == n_seeds and entry["accuracy_std"] >= 0
            assert "relative_gain" in entry
        for entry in fpe:
            assert entry["nonzero"] == dense["nonzero"]  # exact, one count for every seed
            assert entry["neurons"] == setting["alpha"] * dense["neurons"]
    return result["records"]


def test_width_runner_tiny():
    result = experiments.get("embeddings-width").run(
        "quick", **TINY, grid={"hidden": [2, 4]}, alphas=[2, 4]
    )
    _check_schema(result)
    assert result["setting_keys"] == ["hidden", "alpha"]
    assert values(result, "alpha") == [2, 4] and values(result, "hidden") == [2, 4]
    # The dense baseline is shared by every alpha at a width.
    assert one(result, variant="dense", hidden=4, alpha=2) == {
        **one(result, variant="dense", hidden=4, alpha=4),
        "alpha": 2,
    }
    assert len(result["settings"]) == 4
    assert "hidden=2, alpha=4: random" in result["variants"]  # the command line's view


def test_feature_split_at_one_setting():
    result = experiments.get("embeddings-width").run(
        "quick",
        **TINY,
        grid={"hidden": [2, 4]},
        alphas=[2],
        extra=[{"hidden": 4, "alpha": 2, "split": "feature"}],
    )
    _check_schema(result)
    assert one(result, variant="feature", hidden=4, alpha=2)
    assert not select(result, variant="feature", hidden=2)


def test_load_runner_tiny():
    tiny = {**TINY, "n_classes": None}
    result = experiments.get("embeddings-load").run(
        "quick", **tiny, grid={"n_classes": [2, 4]}, hidden=2
    )
    _check_schema(result)
    assert one(result, variant="random", n_classes=4, alpha=4)["load"] == 2.0
    assert one(result, variant="dense", n_classes=2, alpha=4)["classes"] == 2


def test_match_runner_tiny():
    result = experiments.get("embeddings-match").run(
        "quick",
        **TINY,
        grid={"hidden": [2, 3, 4]},
        match={"hidden": 2, "alpha": 2, "split": "random"},
    )
    _check_schema(result)
    dense = select(result, variant="dense")
    assert [(r["hidden"], r["alpha"]) for r in dense] == [(2, 2), (3, None), (4, None)]
    m = result["match"]
    assert m["bound"] in ("below", "interpolated", "above")
    assert len(m["dense_curve"]) == 3 and m["param_ratio"] > 0


def test_match_interpolation():
    def entry(variant, hidden, nonzero, acc, alpha=None):
        e = {"variant": variant, "hidden": hidden, "nonzero": nonzero, "accuracy": acc}
        return {**e, "accuracy_std": 0.01, **({} if alpha is None else {"alpha": alpha})}

    result = {
        "records": [
            entry("dense", 8, 100, 0.50),
            entry("dense", 12, 150, 0.60),
            entry("dense", 16, 200, 0.70),
            entry("random", 8, 100, 0.65, alpha=4),
        ]
    }
    m = match_dense(result, alpha=4)
    assert m["bound"] == "interpolated"
    assert m["matched_nonzero"] == pytest.approx(175.0)
    assert m["matched_hidden"] == pytest.approx(14.0)
    assert m["param_ratio"] == pytest.approx(1.75)
    assert m["param_ratio_low"] == pytest.approx(1.7) and m["param_ratio_high"] == pytest.approx(
        1.8
    )
    result["records"][3]["accuracy"] = 0.9
    assert match_dense(result, alpha=4)["bound"] == "above"
    result["records"][3]["accuracy"] = 0.4
    assert match_dense(result, alpha=4)["bound"] == "below"


def test_deep_mlp_exact_nonzero_five_layers():
    cfg = experiments.get("deep-mlp").config("quick", **TINY, hidden=4)
    assert cfg.depth == 5
    runs = real.real_runs(cfg)
    dense = runs[None]
    for alpha in (2, 4):
        for r, base in zip(runs[(alpha, "random")], dense):
            assert r.nonzero == base.nonzero == en.count_nonzero(base.model)
            hidden = fpe_modules(r.model)[:-1]
            assert len(hidden) == 5 and all(m.out_features == 4 * alpha for m in hidden)
            assert r.neurons == 5 * 4 * alpha
    # The same check straight on one model, with pruning spread over all six layers.
    d = synthetic_data(3, (32,))
    m = en.seeded_mlp(0, 32, [4] * 5, d.n_classes)
    big = en.expand(m, 4, "random", seed=1)
    assert en.count_nonzero(big) == en.count_nonzero(m) == mlp_parameters(32, [4] * 5, 3)


def test_cnn_head_expansion_keeps_count_and_trunk():
    net = seeded_conv_net(0, (1, 28, 28), [4, 8], 4, 10)
    big = en.expand(net, 4, "random", seed=0)
    assert en.count_nonzero(big) == en.count_nonzero(net)
    for (n0, p0), (n1, p1) in zip(net.trunk.named_parameters(), big.trunk.named_parameters()):
        assert n0 == n1 and torch.equal(p0, p1)  # the conv trunk is untouched
    assert isinstance(big, ConvNet)
    assert big.head[0].out_features == 16 and big.head[0].in_features == 8 * 7 * 7
    assert bool(get_mask(big.head[0]).any(dim=0).all())  # every trunk feature still read
    x = torch.randn(3, 1, 28, 28)
    assert big(x).shape == (3, 10)


def test_the_cnn_trunk_is_channels_last_and_computes_the_same_function():
    """The trunk's convolutions keep channels-last weights (about twice as fast on the CPU), also
    in an expanded copy, and compute what the same weights in the default layout compute."""
    net = seeded_conv_net(0, (1, 28, 28), [4, 8], 4, 10)
    reference = seeded_conv_net(0, (1, 28, 28), [4, 8], 4, 10)
    for model in (net, en.expand(net, 4, "random", seed=0)):
        convs = [m for m in model.trunk if isinstance(m, nn.Conv2d)]
        assert convs and all(
            c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs
        )
    reference_convs = [m for m in reference.trunk if isinstance(m, nn.Conv2d)]
    for conv in reference_convs:
        conv.weight.data = conv.weight.data.contiguous()
    # (a 1-channel input has one layout only; the second convolution's two differ)
    assert not reference_convs[1].weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(5, 1, 28, 28)
    torch.testing.assert_close(net(x), reference(x), rtol=1e-5, atol=1e-5)


def test_cnn_runner_tiny():
    result = experiments.get("cnn-fashion").run(
        "quick", **{**TINY, "epochs": 2}, grid={"hidden": [2]}, channels=[2, 4]
    )
    _check_schema(result)
    assert one(result, variant="random", hidden=2, alpha=4)["neurons"] == 8


def test_nonzero_check_raises(monkeypatch):
    def leaky(m, alpha, split, seed):  # an "expansion" that forgets to prune
        return en.expand(m, alpha, split, seed=seed, prune=False)

    monkeypatch.setattr(real, "expand", leaky)
    cfg = experiments.get("embeddings-width").config("quick", **TINY, alphas=[2], extra=[])
    with pytest.raises(RuntimeError, match="non-zeros"):
        real.real_runs(cfg)


def test_unknown_dataset_and_model():
    cfg = experiments.get("embeddings-width").config("quick", dataset="nope")
    with pytest.raises(ValueError, match="unknown dataset"):
        load_data(cfg)
    with pytest.raises(ValueError, match=r"unknown model 'rnn'; allowed are \['mlp', 'cnn'\]"):
        experiments.get("embeddings-width").config("quick", **TINY, model="rnn")


def test_cli_lists_new_experiments(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


def test_conv_net_is_sequential_of_trunk_and_head():
    net = ConvNet((1, 28, 28), [3], [5, 6], 2)
    assert isinstance(net.trunk, nn.Sequential) and isinstance(net.head, en.MLP)
    assert net.head.widths == [5, 6]


def _matched_via_library(sizes, accs, target):
    records = [
        {"variant": "dense", "hidden": s, "nonzero": s, "accuracy": a, "accuracy_std": 0}
        for s, a in zip(sizes, accs)
    ]
    fpe = {"variant": "random", "alpha": 2, "hidden": sizes[0], "nonzero": sizes[0]}
    records.append({**fpe, "accuracy": target, "accuracy_std": 0.0})
    return match_dense({"records": records}, alpha=2)["matched_nonzero"]


def test_part2_exercise_checkers_agree_with_the_library():
    from expand_neurons.book.exercises import ExerciseError
    from expand_neurons.book.exercises.cnn import check_head_prune_count
    from expand_neurons.book.exercises.deep import check_deep_prune_count
    from expand_neurons.book.exercises.embeddings import check_dense_nonzero, check_matched_size

    for d, h, c, alpha in [(20, 3, 5, 2), (100, 8, 10, 3)]:
        m = en.seeded_mlp(0, d, h, c)
        unpruned = en.expand(m, alpha, "random", seed=0, prune=False)
        assert en.count_nonzero(unpruned) - en.count_nonzero(m) == (alpha - 1) * (c * h + h)
    for d, h, c, depth, alpha in [(32, 4, 3, 3, 4), (384, 8, 26, 5, 2)]:
        m = en.seeded_mlp(0, d, [h] * depth, c)
        unpruned = en.expand(m, alpha, "random", seed=0, prune=False)
        extra = en.count_nonzero(unpruned, biases=False) - en.count_nonzero(m, biases=False)
        assert extra == (alpha - 1) * ((depth - 1) * h * h + c * h)
    assert "Correct" in check_dense_nonzero(mlp_parameters)
    assert "Correct" in check_matched_size(_matched_via_library)
    assert "Correct" in check_head_prune_count(lambda d, h, c, a: (a - 1) * (c * h + h))
    assert "Correct" in check_deep_prune_count(
        lambda d, h, c, n, a: (a - 1) * ((n - 1) * h * h + c * h)
    )
    with pytest.raises(ExerciseError, match="biases"):
        check_head_prune_count(lambda d, h, c, a: (a - 1) * c * h)
    with pytest.raises(ExerciseError, match="hidden-to-hidden"):
        check_deep_prune_count(lambda d, h, c, n, a: (a - 1) * c * h)
    with pytest.raises(ExerciseError, match="interpolate"):
        check_matched_size(lambda s, a, t: s[min(range(len(a)), key=lambda i: abs(a[i] - t))])
    with pytest.raises(ExerciseError, match="biases"):
        check_dense_nonzero(lambda d, h, c: d * h + h * c)
