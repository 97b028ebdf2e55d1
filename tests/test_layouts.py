"""Layouts of an expanded layer: masked, grouped and sparse compute the same thing.

Equality of function and gradients (to 1e-5) against the masked reference, exact non-zero
counts, pruned weights that stay zero through training, clear errors, and the benchmark's
JSON schema. No test asserts a time.
"""

import json

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import splits
from expand_neurons.cli import main
from expand_neurons.experiments import get
from expand_neurons.experiments.analysis import kept_fraction
from expand_neurons.experiments.variants import make_variant
from expand_neurons.layers import bench
from expand_neurons.layers import convert as layouts
from expand_neurons.layers.grouped import GroupedFPELinear
from expand_neurons.layers.sparse import SparseFPELinear

D, OUT = 24, 5


def random_mlp(hidden, seed=0, bias=True):
    """An MLP with non-trivial weights (no ties, no zeros), like a trained one."""
    g = torch.Generator().manual_seed(seed)
    dims = [D, *hidden]
    mods: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        mods += [nn.Linear(a, b, bias=bias), nn.ReLU()]
    model = nn.Sequential(*mods, nn.Linear(dims[-1], OUT))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return model


def canonical(model, grads=False):
    """Per linear-like layer: (weight, bias) in the masked layer's row and column order.

    ``grads=True`` lays out the gradients instead (for grouped / sparse, of their stored
    values). Tracks the permutation a grouped layer applies to its outputs.
    """
    out, in_order = [], None
    for m in model:
        if isinstance(m, GroupedFPELinear):
            src = m.packed.grad if grads else None
            w, b = m.dense_weight(src), m.dense_bias(src)
            rows = m.output_order
        elif isinstance(m, SparseFPELinear):
            w = m.dense_weight(m.values.grad if grads else None)
            b = None if m.bias is None else (m.bias.grad if grads else m.bias).detach()
            rows = torch.arange(m.out_features)
        elif isinstance(m, nn.Linear):
            masked = hasattr(m, "parametrizations")
            raw = m.parametrizations.weight.original if masked else m.weight
            w = raw.grad if grads else m.weight.detach()  # grad of original = grad * mask
            b = None if m.bias is None else (m.bias.grad if grads else m.bias).detach()
            rows = torch.arange(m.out_features)
        else:
            continue
        cols = torch.arange(w.shape[1]) if in_order is None else in_order
        W = torch.zeros_like(w)
        W[rows.unsqueeze(1), cols.unsqueeze(0)] = w
        B = None
        if b is not None:
            B = torch.zeros_like(b)
            B[rows] = b
        out.append((W, B))
        in_order = m.output_order if isinstance(m, GroupedFPELinear) else None
    return out


def run_and_grad(model, x, g):
    model.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_(True)
    y = model(x)
    y.backward(g)
    return y.detach(), x.grad


CASES = [
    ([8], 2, splits.Grouped(1), True),
    ([8], 3, splits.Grouped(2), True),
    ([8], 5, splits.Grouped(4), True),  # 24 inputs in 5 children: groups padded
    ([8], 2, splits.Grouped(8), True),  # one block per parent
    ([8, 6], 2, splits.Grouped(2), True),
    ([8, 6], 4, splits.Grouped(1), False),
]


@pytest.mark.parametrize("hidden,alpha,split,bias", CASES)
@pytest.mark.parametrize("layout", ["grouped", "sparse", "auto"])
def test_layouts_match_the_masked_reference(hidden, alpha, split, bias, layout):
    model = random_mlp(hidden, bias=bias)
    ref = en.expand(model, alpha, split, seed=3)
    new = en.expand(model, alpha, split, seed=3, layout=layout)
    assert not any(isinstance(m, nn.Linear) for m in new[: 2 * len(hidden) - 1 : 2])
    x, g = torch.randn(7, D), torch.randn(7, OUT)
    y_ref, gx_ref = run_and_grad(ref, x, g)
    y_new, gx_new = run_and_grad(new, x, g)
    torch.testing.assert_close(y_new, y_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(gx_new, gx_ref, atol=1e-5, rtol=1e-5)
    for grads in (False, True):
        for (w1, b1), (w2, b2) in zip(canonical(ref, grads), canonical(new, grads)):
            torch.testing.assert_close(w2, w1, atol=1e-5, rtol=1e-5)
            if b1 is not None:
                torch.testing.assert_close(b2, b1, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("alpha", [2, 4])
def test_sparse_handles_per_neuron_and_clause_splits(alpha):
    from expand_neurons.tasks import make_task

    task = make_task(8, 3, n_train=16, n_test=16, seed=0)
    model = random_mlp([8])
    for split in ("random", splits.ClauseAligned(task.clause_inputs, task.n_inputs)):
        ref = en.expand(model, alpha, split, seed=1)
        new = en.expand(model, alpha, split, seed=1, layout="sparse")
        assert isinstance(new[0], SparseFPELinear)
        x, g = torch.randn(5, D), torch.randn(5, OUT)
        for a, b in zip(run_and_grad(ref, x, g), run_and_grad(new, x, g)):
            torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("batch", [1, 2, 64])
def test_grouped_and_sparse_layers_match_at_any_batch_and_leading_dims(batch):
    model = random_mlp([8])
    ref = en.expand(model, 4, splits.Grouped(2), seed=0)
    for layout in ("grouped", "sparse"):
        new = en.expand(model, 4, splits.Grouped(2), seed=0, layout=layout)
        x = torch.randn(batch, 3, D)
        torch.testing.assert_close(new(x), ref(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layout", ["masked", "grouped", "sparse", "auto"])
@pytest.mark.parametrize("bias_mode", ["split", "copy", "first"])
def test_non_zero_count_is_exact_in_every_layout(layout, bias_mode):
    model = random_mlp([8, 6])
    for count_biases in (True, False):
        new = en.expand(
            model, 3, splits.Grouped(2), seed=0, layout=layout, bias=bias_mode,
            count_biases=count_biases,
        )  # fmt: skip
        budget = en.count_nonzero(model, biases=count_biases)
        assert en.count_nonzero(new, biases=count_biases) == budget
        masked = en.expand(
            model, 3, splits.Grouped(2), seed=0, bias=bias_mode, count_biases=count_biases
        )
        assert en.count_nonzero(new, biases=not count_biases) == en.count_nonzero(
            masked, biases=not count_biases
        )


def test_grouped_layer_stores_only_live_weights():
    model = random_mlp([8])
    new = en.expand(model, 4, splits.Grouped(2), seed=0, layout="grouped")
    layer = new[0]
    assert layer.weight_blocks.numel() == 8 * D  # h * d, no alpha-fold copy, no dense mask
    assert not any(b.dtype == torch.bool for b in layer.buffers())
    assert int(torch.count_nonzero(layer.packed.detach().view(-1)[layer.dead])) == 0
    assert layer.dead.numel() > 0  # pruning reached the expanded layer


@pytest.mark.parametrize("layout", ["masked", "grouped", "sparse"])
@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_layouts_train_alike_and_pruned_weights_stay_zero(layout, optimizer):
    from expand_neurons.tasks import make_task

    task = make_task(8, 3, n_train=128, n_test=64, seed=0)
    model = en.seeded_mlp(0, task.n_inputs, 8, task.n_outputs)
    ref = en.expand(model, 2, splits.Grouped(2), seed=0)
    new = en.expand(model, 2, splits.Grouped(2), seed=0, layout=layout)
    budget = en.count_nonzero(model)
    kw = dict(epochs=3, batch_size=32, optimizer=optimizer, weight_decay=0.01, device="cpu")
    en.fit(ref, task, **kw)
    en.fit(new, task, **kw)
    assert en.count_nonzero(new) <= budget
    assert en.count_nonzero(new) == en.count_nonzero(ref)
    layer = new[0]
    if isinstance(layer, GroupedFPELinear):
        assert int(torch.count_nonzero(layer.packed.detach().view(-1)[layer.dead])) == 0
    x = task.X_test
    torch.testing.assert_close(new(x), ref(x), atol=1e-4, rtol=1e-4)


def test_grouped_split_is_shared_within_blocks_and_balanced():
    w = torch.zeros(12, 30)
    masks = splits.Grouped(3).masks(w, 4, torch.Generator().manual_seed(0))
    assert masks.shape == (12, 4, 30)
    assert torch.equal(masks.sum(1), torch.ones(12, 30, dtype=torch.long))
    sizes = masks.sum(2)
    assert int(sizes.max() - sizes.min()) <= 1
    blocks = masks.view(3, 4, 4, 30)
    assert bool((blocks == blocks[:, :1]).all())  # same partition inside a block
    assert not torch.equal(blocks[0, 0], blocks[1, 0])  # different across blocks
    assert isinstance(splits.resolve("grouped"), splits.Grouped)
    assert splits.Grouped(4).masks(torch.zeros(8, 24), 2, torch.Generator()).shape == (8, 2, 24)


def test_unknown_layout_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown layout 'dense'; allowed are \['masked', "):
        en.expand(random_mlp([8]), 2, layout="dense")


def test_grouped_layout_needs_a_block_shared_split():
    with pytest.raises(ValueError, match="not block-shared.*splits.Grouped"):
        en.expand(random_mlp([8]), 2, "random", layout="grouped")


def test_grouped_blocks_must_divide_the_parents_for_the_grouped_layout():
    with pytest.raises(ValueError, match="blocks=3 does not divide 8"):
        en.expand(random_mlp([8]), 2, splits.Grouped(3), layout="grouped")
    with pytest.raises(ValueError, match=r"Grouped\(blocks=9\) needs at least 9 parents"):
        en.expand(random_mlp([8]), 2, splits.Grouped(9))
    with pytest.raises(ValueError, match="blocks must be an integer >= 1"):
        splits.Grouped(0)


def test_auto_picks_grouped_for_shared_splits_and_sparse_or_masked_otherwise():
    model = random_mlp([8])
    assert isinstance(en.expand(model, 2, splits.Grouped(2), layout="auto")[0], GroupedFPELinear)
    big = layouts.SPARSE_FROM_ALPHA
    assert isinstance(en.expand(model, big, "random", layout="auto")[0], SparseFPELinear)
    small = en.expand(model, 2, "random", layout="auto")[0]
    assert isinstance(small, nn.Linear)


def test_grouped_variant_and_experiments_are_registered():
    variant = make_variant("grouped-4", 2)
    assert variant.name == "grouped-4"
    with pytest.raises(ValueError, match="unknown variant 'grouped-x'"):
        make_variant("grouped-x", 2)
    for name in ("boolean-grouped", "boolean-grouped-load"):
        exp = get(name)
        assert "grouped-1" in exp.config("quick").variants
        assert exp.config("paper").epochs >= exp.config("quick").epochs
    result = {
        "setting_keys": ["n_clauses"],
        "records": [
            {"n_clauses": 4, "variant": "random", "relative_gain": 0.1},
            {"n_clauses": 4, "variant": "grouped-2", "blocks": 2, "relative_gain": 0.08},
            {"n_clauses": 8, "variant": "random", "relative_gain": 0.0},
            {"n_clauses": 8, "variant": "grouped-2", "blocks": 2, "relative_gain": 0.01},
        ],
    }
    assert kept_fraction(result, 2) == [{"n_clauses": 4, "kept": pytest.approx(0.8)}]


@pytest.mark.parametrize("blocks", [1, 16])
def test_grouped_layer_holds_at_most_1_1_times_the_dense_bytes(blocks):
    d, batch = 256, 4
    x, gen = torch.randn(batch, d, requires_grad=True), torch.Generator().manual_seed(0)
    dense = bench.layer_for("dense", d, 1)
    base = sum(bench.held_bytes(dense, x, torch.randn(batch, d, generator=gen)).values())
    for alpha in (2, 4, 8, 16):
        layer = bench.layer_for("grouped", d, alpha, blocks=blocks)
        held = bench.held_bytes(layer, x, torch.randn(batch, alpha * d, generator=gen))
        assert sum(held.values()) <= 1.1 * base  # parameters, buffers and Adam state


def test_bench_cli_writes_rows_with_ratios(tmp_path, capsys):
    path = tmp_path / "bench.json"
    argv = ["bench", "--quick", "--dims", "16", "--batches", "2", "--alphas", "1", "2"]
    argv += ["--reps", "1", "--warmup", "0", "--blocks", "1", "2", "--json", str(path)]
    assert main(argv) == 0
    assert "step ×" in capsys.readouterr().out
    rows = json.loads(path.read_text())["rows"]
    keys = {"layout", "alpha", "d", "batch", "step_ratio", "bytes_ratio", "time_ms", "bytes"}
    assert all(keys <= set(r) for r in rows)
    assert {r["layout"] for r in rows} == {"dense", "masked", "sparse", "grouped"}
    assert {(r["layout"], r["alpha"]) for r in rows} >= {("masked", 2), ("grouped", 2)}
    dense = [r for r in rows if r["layout"] == "dense"]
    assert len(dense) == 1 and dense[0]["step_ratio"] == 1.0 and dense[0]["bytes_ratio"] == 1.0
    masked2 = next(r for r in rows if r["layout"] == "masked" and r["alpha"] == 2)
    assert masked2["macs"] == 2 * dense[0]["macs"]  # the mask multiplies alpha-fold
    grouped2 = next(r for r in rows if r["label"] == "grouped-1" and r["alpha"] == 2)
    assert grouped2["macs"] <= dense[0]["macs"] * 1.2  # the same multiply-adds (+ bias row)


def test_one_sample_counts_the_same_multiply_adds_as_the_dense_layer():
    # the grouped layer's one-sample path is a broadcast multiply and sum, not a bmm
    d, alpha = 16, 4
    x = torch.randn(1, d)
    dense = bench.step_traffic(bench.layer_for("dense", d, 1), x, torch.randn(1, d))[1]
    grouped = bench.layer_for("grouped", d, alpha, blocks=1)
    macs = bench.step_traffic(grouped, x, torch.randn(1, alpha * d))[1]
    assert dense > 0 and dense <= macs <= dense * 1.3  # the same products (+ the bias row)


def test_the_sparse_layer_counts_its_weight_gradient_too():
    # at large alpha the weight gradient is a sampled product: batch * nnz, as dense's product
    from expand_neurons.layers.sparse import SAMPLED_FROM_ALPHA

    d, alpha = 16, SAMPLED_FROM_ALPHA
    x = torch.randn(8, d)
    dense = bench.step_traffic(bench.layer_for("dense", d, alpha), x, torch.randn(8, d))[1]
    sparse_layer = bench.layer_for("sparse", d, alpha)
    sparse = bench.step_traffic(sparse_layer, x, torch.randn(8, alpha * d))[1]
    assert 0.9 * dense <= sparse <= 1.1 * dense


def test_bench_rejects_unknown_layouts(capsys):
    assert main(["bench", "--layouts", "dense", "blocked", "--dims", "8"]) == 2
    assert "unknown layouts ['blocked']" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["grouped", "sparse"])
def test_a_live_weight_that_is_exactly_zero_still_trains(layout):
    from expand_neurons.tasks import make_task

    task = make_task(8, 3, n_train=64, n_test=32, seed=0)
    model = en.seeded_mlp(0, task.n_inputs, 8, task.n_outputs)
    with torch.no_grad():
        model[0].weight[:, :3] = 0.0  # zero values, but not pruned
    ref = en.expand(model, 2, splits.Grouped(2), seed=0, prune=False)
    new = en.expand(model, 2, splits.Grouped(2), seed=0, prune=False, layout=layout)
    for m in (ref, new):
        en.fit(m, task, epochs=2, batch_size=32, device="cpu")
    torch.testing.assert_close(new(task.X_test), ref(task.X_test), atol=1e-4, rtol=1e-4)
    assert en.count_nonzero(new) == en.count_nonzero(ref) > en.count_nonzero(model)


PATH_CASES = [
    ([8], 2, splits.Grouped(1), True),  # blocks = 1, no padding
    ([8], 5, splits.Grouped(1), True),  # 24 inputs in 5 children: padded groups
    ([8], 5, splits.Grouped(4), False),  # padded, several blocks, no bias
    ([8, 6], 3, splits.Grouped(2), True),  # a grouped layer feeding a grouped layer
]


@pytest.mark.parametrize("path", ["native", "function"])
@pytest.mark.parametrize("hidden,alpha,split,bias", PATH_CASES)
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 4)])
def test_both_grouped_paths_match_the_masked_reference(
    monkeypatch, path, hidden, alpha, split, bias, shape
):
    """The small-layer (native ops) and large-layer (autograd.Function) paths, batch 1 and 3-D."""
    from expand_neurons.layers import grouped

    big = 0 if path == "function" else 1 << 60
    monkeypatch.setattr(grouped, "LARGE_OUTPUT", big)
    monkeypatch.setattr(grouped, "LARGE_WEIGHTS", big)
    model = random_mlp(hidden, bias=bias)
    ref = en.expand(model, alpha, split, seed=3)
    new = en.expand(model, alpha, split, seed=3, layout="grouped")
    x, g = torch.randn(*shape, D), torch.randn(*shape, OUT)
    for a, b in zip(run_and_grad(ref, x, g), run_and_grad(new, x, g)):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
    for (w1, b1), (w2, b2) in zip(canonical(ref, True), canonical(new, True)):
        torch.testing.assert_close(w2, w1, atol=1e-5, rtol=1e-5)
        if b1 is not None:
            torch.testing.assert_close(b2, b1, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("path", ["native", "function"])
@pytest.mark.parametrize("blocks", [1, 4])
def test_pruned_and_padding_weights_stay_zero_under_adam_in_both_paths(monkeypatch, path, blocks):
    from expand_neurons.layers import grouped

    big = 0 if path == "function" else 1 << 60
    monkeypatch.setattr(grouped, "LARGE_OUTPUT", big)
    monkeypatch.setattr(grouped, "LARGE_WEIGHTS", big)
    model = random_mlp([8])
    layer = en.expand(model, 5, splits.Grouped(blocks), seed=0, layout="grouped")[0]
    assert layer.padded and layer.dead.numel() > 8 * 5  # pruned weights besides the padding
    opt = torch.optim.Adam(layer.parameters(), lr=0.1, weight_decay=0.01)
    for batch in (1, 16, 16):
        opt.zero_grad()
        layer(torch.randn(batch, D)).pow(2).sum().backward()
        assert int(torch.count_nonzero(layer.packed.grad.view(-1)[layer.dead])) == 0
        opt.step()
    assert int(torch.count_nonzero(layer.packed.detach().view(-1)[layer.dead])) == 0
    assert int(torch.count_nonzero(layer.packed.detach())) > 0


def test_grouped_output_order_is_block_major():
    layer = en.expand(random_mlp([8]), 3, splits.Grouped(2), seed=0, layout="grouped")[0]
    order = layer.output_order  # column (b, k, i) is child k of parent b * 4 + i
    expected = [3 * (b * 4 + i) + k for b in range(2) for k in range(3) for i in range(4)]
    assert order.tolist() == expected
    assert layer.in_index.dtype == torch.int32
    assert {name for name, _ in layer.named_buffers()} == {"in_index", "dead", "ones_zeros"}
