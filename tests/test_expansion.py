"""Invariants of Fixed Parameter Expansion: masks, exact non-zero accounting, function."""

import pytest
import torch
from torch import nn

import expand_neurons as en
from expand_neurons import splits
from expand_neurons.layers import fpe_modules
from expand_neurons.masking import get_mask
from expand_neurons.tasks import make_task

TASK = make_task(8, 3, n_train=64, n_test=32, seed=0)
D = TASK.n_inputs  # 24


def trained_like(hidden, seed=0, activation="relu"):
    """An MLP with random non-trivial weights (no exact ties, no zeros)."""
    model = en.seeded_mlp(seed, D, hidden, TASK.n_outputs, activation=activation)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(generator=torch.Generator().manual_seed(seed + p.numel()))
    return model


def split_for(name, n_hidden):
    first = {
        "random": "random",
        "feature": "feature",
        "overlap": "overlap",
        "clause": splits.ClauseAligned(TASK.clause_inputs, D),
    }[name]
    rest = "overlap" if name == "overlap" else "random"
    return [first] + [rest] * (n_hidden - 1)


@pytest.mark.parametrize("alpha", [2, 3, 4, 8])
@pytest.mark.parametrize("name", ["random", "clause", "feature", "overlap"])
@pytest.mark.parametrize("hidden", [[8], [8, 6], [8, 6, 5]])
def test_nonzero_count_is_exactly_kept(alpha, name, hidden):
    model = trained_like(hidden)
    new = en.expand(model, alpha, split_for(name, len(hidden)), seed=1)
    assert en.count_nonzero(new) == en.count_nonzero(model)
    assert new.widths == [alpha * h for h in hidden]
    assert type(new) is type(model)


@pytest.mark.parametrize("name", ["random", "clause", "feature"])
@pytest.mark.parametrize("alpha", [2, 3, 4, 8])
def test_disjoint_splits_partition_every_parent(name, alpha):
    W = trained_like([8])[0].weight
    split = split_for(name, 1)[0]
    masks = splits.resolve(split)(W, alpha, torch.Generator().manual_seed(0))
    assert masks.shape == (8, alpha, D)
    assert torch.equal(masks.sum(dim=1), torch.ones(8, D, dtype=torch.long))


def test_random_split_is_balanced_and_independent_per_parent():
    masks = splits.Random().masks(torch.zeros(50, 24), 3, torch.Generator().manual_seed(0))
    assert torch.equal(masks.sum(dim=2), torch.full((50, 3), 8))
    assert len({tuple(m.flatten().tolist()) for m in masks}) > 40


def test_clause_split_keeps_every_clause_in_one_child():
    W = trained_like([8])[0].weight
    masks = splits.ClauseAligned(TASK.clause_inputs, D).masks(W, 2, torch.Generator())
    for i in range(8):
        for clause in TASK.clause_inputs:
            owners = masks[i][:, clause].all(dim=1)
            assert int(owners.sum()) == 1, f"clause {clause} of parent {i} is cut"
        # the two clauses the parent weighs most go to different children
        mass = torch.stack([W[i, c].abs().sum() for c in TASK.clause_inputs])
        top = mass.argsort(descending=True)[:2].tolist()
        child = [int(masks[i][:, TASK.clause_inputs[c][0]].float().argmax()) for c in top]
        assert child[0] != child[1]


def test_overlap_split_has_same_budget_but_overlaps():
    W = torch.randn(8, D)
    masks = splits.Overlapping().masks(W, 2, torch.Generator().manual_seed(0))
    assert int(masks.sum()) == 8 * D
    assert int((masks.sum(dim=1) > 1).sum()) > 0


def test_children_copy_parent_weights_and_outgoing_columns():
    model = trained_like([8])
    new = en.expand(model, 2, "random", seed=0, prune=False)
    W, W2 = model[0].weight, model[2].weight
    W_new, W2_new = new[0].weight, new[2].weight
    for i in range(8):
        kids = W_new[2 * i : 2 * i + 2]
        assert torch.allclose(kids.sum(dim=0), W[i])
        assert torch.equal(W2_new[:, 2 * i], W2[:, i])
        assert torch.equal(W2_new[:, 2 * i + 1], W2[:, i])


def test_alpha_one_is_identity():
    model = trained_like([8, 6])
    new = en.expand(model, 1)
    x = torch.rand(16, D)
    assert new is not model
    assert torch.equal(new(x), model(x))
    assert en.count_nonzero(new) == en.count_nonzero(model)


@pytest.mark.parametrize("hidden", [[8], [8, 6]])
@pytest.mark.parametrize("alpha", [2, 4])
def test_unpruned_linear_expansion_computes_the_dense_function(hidden, alpha):
    model = trained_like(hidden, activation="identity")
    new = en.expand(model, alpha, "random", seed=3, bias="split", prune=False)
    x = torch.rand(32, D)
    assert torch.allclose(new(x), model(x), atol=1e-5)


def test_bias_modes():
    model = trained_like([8])
    b = model[0].bias
    copy = en.expand(model, 2, "random", bias="copy", prune=False)[0].bias
    first = en.expand(model, 2, "random", bias="first", prune=False)[0].bias
    assert torch.equal(copy[0::2], b) and torch.equal(copy[1::2], b)
    assert torch.equal(first[0::2], b) and not first[1::2].any()


def test_biases_outside_budget_option():
    model = trained_like([8])
    new = en.expand(model, 2, "random", count_biases=False)
    assert en.count_nonzero(new, biases=False) == en.count_nonzero(model, biases=False)


def test_pruning_removes_the_smallest_weights_globally():
    model = trained_like([8])
    full = en.expand(model, 2, "random", seed=0, prune=False)
    pruned = en.expand(model, 2, "random", seed=0)
    kept, dropped = [], []
    for a, b in zip(fpe_modules(full), fpe_modules(pruned)):
        live = a.weight != 0
        kept.append(a.weight[live & (b.weight != 0)].abs())
        dropped.append(a.weight[live & (b.weight == 0)].abs())
    assert torch.cat(dropped).numel() > 0
    assert torch.cat(dropped).max() <= torch.cat(kept).min()


def test_sequential_with_cnn_trunk_expands_only_the_head():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Sequential(nn.Linear(4 * 6 * 6, 8), nn.ReLU(), nn.Linear(8, 3)),
    )
    new = en.expand(model, 4, "random", seed=0)
    assert en.count_nonzero(new) == en.count_nonzero(model)
    assert new[3][0].out_features == 32
    assert torch.equal(new[0].weight, model[0].weight)
    assert new(torch.rand(2, 1, 8, 8)).shape == (2, 3)


def test_expanding_twice_keeps_masks_and_budget():
    model = trained_like([8])
    once = en.expand(model, 2, "random", seed=0)
    twice = en.expand(once, 2, "random", seed=1)
    assert en.count_nonzero(twice) == en.count_nonzero(model)
    assert twice.widths == [32]
    first_mask = get_mask(once[0]).repeat_interleave(2, 0)
    assert not (get_mask(twice[0]) & ~first_mask).any()


def test_custom_split_callable_and_fixed_groups():
    model = trained_like([8])
    halves = [list(range(0, 12)), list(range(12, 24))]
    new = en.expand(model, 2, splits.Fixed(halves), seed=0, prune=False)
    assert not new[0].weight[0::2, 12:].any() and not new[0].weight[1::2, :12].any()

    def by_parity(weight, alpha, generator):
        h, d = weight.shape
        idx = torch.arange(d) % alpha
        return torch.stack([idx == k for k in range(alpha)]).expand(h, alpha, d)

    new = en.expand(model, 2, by_parity)
    assert en.count_nonzero(new) == en.count_nonzero(model)


@pytest.mark.parametrize("opt", ["adam", "adamw", "sgd"])
@pytest.mark.parametrize("together", [False, True])
def test_masked_weights_stay_zero_through_training(opt, together):
    task = make_task(8, 3, n_train=256, n_test=64, seed=1)
    models = [en.expand(trained_like([8], seed=s), 2, "random", seed=s) for s in range(2)]
    models = models if together else models[:1]
    before = [[get_mask(m).clone() for m in fpe_modules(x)] for x in models]
    # 256 samples / batch 32 = 8 steps per epoch; 25 epochs = 200 optimizer steps
    en.fit(models, task, epochs=25, batch_size=32, lr=0.05, weight_decay=0.1, optimizer=opt)
    for model, masks in zip(models, before):
        for lin, mask in zip(fpe_modules(model), masks):
            assert not lin.weight[~mask].any()
            assert lin.weight[mask].abs().sum() > 0
        assert en.count_nonzero(model) <= en.count_nonzero(trained_like([8]))


def test_pruning_selection_equals_the_sort_based_definition():
    """_smallest picks the first n of shuffle[argsort(score[shuffle], stable)] (what fixes
    which tied weights are pruned, and so every stored number), ties and dead weights included."""
    from expand_neurons.expansion import _smallest

    g = torch.Generator().manual_seed(0)
    for _ in range(500):
        N = int(torch.randint(1, 60, (1,), generator=g))
        score = torch.randint(0, int(torch.randint(1, 6, (1,), generator=g)), (N,), generator=g)
        score = score.float().masked_fill(torch.rand(N, generator=g) < 0.2, float("inf"))
        n = int(torch.randint(0, int((score < float("inf")).sum()) + 1, (1,), generator=g))
        shuffle = torch.randperm(N, generator=g)
        order = shuffle[torch.argsort(score[shuffle], stable=True)]
        expected = torch.zeros(N, dtype=torch.bool)
        expected[order[:n]] = True
        assert torch.equal(_smallest(score, n, shuffle), expected)
