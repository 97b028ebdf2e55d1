"""One layer protocol: every helper gives the same answer on every layout as on the masked one.

Before the protocol, helpers that looked for ``nn.Linear`` silently read the wrong layer of a
grouped or sparse model (``MLP.widths`` was ``[]``, ``first_layer_weight`` returned the output
layer). Each test here compares a helper on the grouped and sparse layouts with the masked
reference built from the same seed.
"""

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import metrics, splits
from expand_neurons.experiments.census import model_census
from expand_neurons.layers import FPELayer, fpe_layers, fpe_modules
from expand_neurons.models import first_layer_weight, hidden_neurons
from expand_neurons.tasks import make_task

LAYOUTS = ("grouped", "sparse")


def expanded(layout, split=None, hidden=(8,), alpha=4, seed=0):
    model = en.seeded_mlp(0, 24, list(hidden), 8)
    split = split if split is not None else splits.Grouped(2)
    return en.expand(model, alpha, split, seed=seed, layout=layout)


@pytest.fixture(params=LAYOUTS)
def pair(request):
    """(masked reference, the same expansion in another layout)."""
    return expanded("masked"), expanded(request.param)


def test_every_layout_satisfies_the_protocol(pair):
    for model in pair:
        layers = fpe_layers(model)
        assert len(layers) == 2
        assert all(isinstance(layer, FPELayer) for layer in layers)
    assert [type(m) for m in fpe_modules(pair[1])][0].__name__ in (
        "GroupedFPELinear",
        "SparseFPELinear",
    )


def test_widths_and_neurons(pair):
    masked, other = pair
    assert masked.widths == other.widths == [32]
    assert hidden_neurons(masked) == hidden_neurons(other) == 32


def test_first_layer_weight_is_the_first_layer_in_canonical_order(pair):
    masked, other = pair
    w = first_layer_weight(other)
    assert w.shape == (32, 24)
    torch.testing.assert_close(w, first_layer_weight(masked), rtol=0, atol=1e-6)


def test_every_layers_effective_weight_and_mask_match_on_the_first_layer(pair):
    masked, other = pair
    a, b = fpe_layers(masked)[0], fpe_layers(other)[0]
    assert torch.equal(a.live_mask(), b.live_mask())
    torch.testing.assert_close(a.effective_bias(), b.effective_bias())


def test_count_nonzero(pair):
    masked, other = pair
    assert (
        en.count_nonzero(other)
        == en.count_nonzero(masked)
        == en.count_nonzero(en.seeded_mlp(0, 24, 8, 8))
    )
    assert en.count_nonzero(other, biases=False) == en.count_nonzero(masked, biases=False)


def test_metrics(pair):
    masked, other = pair
    wm, wo = first_layer_weight(masked), first_layer_weight(other)
    assert metrics.mean_feature_capacity(wo) == pytest.approx(metrics.mean_feature_capacity(wm))
    assert metrics.mean_cosine_similarity(wo) == pytest.approx(metrics.mean_cosine_similarity(wm))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_census_reads_the_first_layer_mask(layout):
    task = make_task(8, 3, n_train=16, n_test=16, seed=0)
    dense = en.seeded_mlp(0, task.n_inputs, 8, task.n_outputs)
    split = splits.Grouped(2) if layout == "grouped" else "random"
    ref = model_census(en.expand(dense, 2, split, seed=3), task, 2)
    got = model_census(en.expand(dense, 2, split, seed=3, layout=layout), task, 2)
    assert torch.equal(ref.whole, got.whole) and torch.equal(ref.pruned, got.pruned)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_expanding_again_keeps_the_function_and_the_budget(layout):
    dense = en.seeded_mlp(0, 24, 8, 8)
    split = splits.Grouped(2) if layout == "grouped" else "random"
    once = {k: en.expand(dense, 2, split, seed=1, layout=k) for k in ("masked", layout)}
    fixed = splits.Fixed([list(range(0, 24, 2)), list(range(1, 24, 2))])
    twice = {k: en.expand(m, 2, fixed, seed=2, prune=False) for k, m in once.items()}
    x = torch.randn(5, 24)
    torch.testing.assert_close(twice["masked"](x), twice[layout](x), rtol=1e-5, atol=1e-5)
    again = en.expand(once[layout], 2, "random", seed=2)
    assert again.widths == [32]
    assert en.count_nonzero(again) == en.count_nonzero(dense)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_schedule_counts_neurons_of_every_layout(layout):
    from expand_neurons.schedule import Variant, dense_variant, run_schedule

    task = make_task(4, 3, n_train=64, n_test=32, seed=0)
    split = splits.Grouped(2) if layout == "grouped" else "random"
    variant = Variant("fpe", lambda m, d, s: en.expand(m, 2, split, seed=s, layout=layout))
    runs = run_schedule(
        lambda s: en.seeded_mlp(s, task.n_inputs, 4, task.n_outputs),
        [task],
        [dense_variant(), variant],
        warmup_epochs=1,
        post_epochs=1,
    )
    assert runs["fpe"][0].neurons == 8 and runs["dense"][0].neurons == 4
    assert runs["fpe"][0].nonzero == runs["dense"][0].nonzero


def test_a_non_linear_module_is_not_a_layer():
    with pytest.raises(TypeError, match="ReLU is not a linear layer"):
        en.layers.as_fpe_layer(nn.ReLU())
