"""The FPE chapter's figures and tables: the children figure shows the clauses, the pilot figure
every seed and the collapsed ones, the gate table each check of the health gate."""

import pytest
import torch

import expand_neurons as en
from expand_neurons import splits
from expand_neurons.book import exercises
from expand_neurons.book.figures import variant_colour
from expand_neurons.book.pages import fpe

CLAUSES = [[5, 0, 3], [1, 4, 2]]  # two clauses of three inputs, not in input order


@pytest.fixture(scope="module")
def layers():
    dense = en.seeded_mlp(0, 6, 2, 2)
    clause_split = splits.ClauseAligned(CLAUSES, 6)
    expanded = {
        "random split": en.expand(dense, 2, "random", seed=0, prune=False)[0],
        "clause-aligned split": en.expand(dense, 2, clause_split, seed=0, prune=False)[0],
    }
    return dense[0], expanded


def test_children_figure_labels_every_input_in_clause_order(layers):
    fig = fpe.children_figure(*layers, CLAUSES)
    scales = [t for t in fig.data if t.showscale]
    assert len(scales) == 1 and scales[0].colorbar.title.text == "weight"
    assert [list(t.x) for t in fig.data] == [list(range(6))] * 3
    assert list(fig.layout.xaxis3.ticktext) == ["x5", "x0", "x3", "x1", "x4", "x2"]
    assert fig.data[1].customdata[1][0] == "x5"  # the tooltip names the input
    kids = ["child 0", "child 1"]
    assert [list(t.y) for t in fig.data] == [["neuron 0"], kids, kids]
    assert fig.layout.xaxis3.title.text.startswith("input, sorted by clause")


def test_children_figure_shows_a_shared_input_in_each_of_its_clauses():
    dense = torch.nn.Linear(5, 2)
    kids = {"random split": torch.nn.Linear(5, 4)}
    fig = fpe.children_figure(dense, kids, [[0, 1, 2], [2, 3, 4]])
    assert list(fig.layout.xaxis2.ticktext) == ["x0", "x1", "x2", "x2", "x3", "x4"]
    assert len(fig.data[0].z[0]) == 6


def test_children_figure_draws_the_clause_boundaries(layers):
    lines = [s for s in fpe.children_figure(*layers, CLAUSES).layout.shapes if s.type == "line"]
    assert len(lines) == 3  # one boundary between the two clauses, in each of three panels
    assert {s.x0 for s in lines} == {2.5}


def test_children_rows_add_up_to_the_parent(layers):
    parent, *children = fpe.children_figure(*layers, CLAUSES).data
    for kids in children:
        assert torch.allclose(torch.tensor(kids.z).sum(0), torch.tensor(parent.z[0]), atol=1e-6)


def test_clauses_cut_counts_clauses_shared_by_children():
    layer = torch.nn.Linear(6, 4)  # two parents, two children each: rows 0 and 1 are parent 0's
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, [5, 0, 3, 1]] = 1.0  # child 0: all of clause 0, part of clause 1
        layer.weight[1, [4, 2]] = 1.0  # child 1: the rest of clause 1
        layer.weight[2:] = 1.0  # parent 1's children do not count
    assert fpe.clauses_cut(layer, CLAUSES, alpha=2) == 1
    with torch.no_grad():
        layer.weight[1, [4, 2]] = 0.0
    assert fpe.clauses_cut(layer, CLAUSES, alpha=2) == 0


def test_nonzero_table_counts_every_layer():
    dense = en.seeded_mlp(0, 6, 2, 2)
    pruned = en.expand(dense, 2, "random", seed=0)  # a masked (parametrized) first layer
    frame = fpe.nonzero_table({"dense": dense, "pruned": pruned})
    assert list(frame.columns) == ["W1", "b1", "W2", "b2", "total"]
    assert list(frame["total"]) == [20, 20] and frame.loc["dense", "W1"] == 12
    assert frame.loc["pruned", "b1"] == 4  # the split biases, paid for by pruning weights
    assert (frame[["W1", "b1", "W2", "b2"]].sum(axis=1) == frame["total"]).all()


def _records(dense, random, clause):
    v = {"dense": dense, "random": random, "clause": clause}
    return {n: {"accuracies": a} for n, a in v.items()}


def test_pilot_figure_joins_each_seed_and_circles_the_collapsed():
    v = _records([0.9, 0.5, 0.8], [1.0, 0.9, 0.95], [1.0, 1.0, 0.7])
    fig = fpe.pilot_figure(v, collapsed=(1,))
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [list(t.y) for t in lines] == [[90, 100, 100], [50, 90, 100], [80, 95, 70]]
    dots = {t.name: t for t in fig.data if t.mode == "markers"}
    assert dots["dense"].marker.color == variant_colour("dense")
    assert list(dots["clause"].y) == [100, 100, 70]
    assert list(dots["collapsed (health gate)"].y) == [50]
    assert list(dots["paper"].y) == pytest.approx([78.7, 88.7, 99.4])
    assert "3 seeds" in fig.layout.title.text


def test_gate_table_fails_only_the_failed_check():
    healthy = [0.80, 0.82, 0.78, 0.81, 0.79, 0.83]
    table = fpe.gate_table(healthy, chance=0.3)
    assert list(table.columns) == ["dense", "gate", "passes"]
    assert list(table["passes"]) == ["yes", "yes", "yes"]
    collapsed = fpe.gate_table(healthy + [0.40], chance=0.3)
    assert list(collapsed["passes"]) == ["yes", "yes", "no"]
    assert collapsed.loc["seeds within 3 MADs of median", "dense"] == "6 of 7"
    floor = fpe.gate_table(healthy, chance=0.78)
    assert floor.loc["mean", "passes"] == "no" and floor.loc["mean", "gate"] == "≥ 83.0 %"
    ceiling = fpe.gate_table([1.0, 1.0, 0.99, 0.98], chance=0.3)
    assert ceiling.loc["seeds ≥ 99.5 %", "passes"] == "no"


def test_metrics_table_holds_split_and_end_per_variant():
    v = {
        n: {"split_capacity": i, "capacity": i + 0.5, "split_cosine": -i, "cosine": -i - 0.5}
        for i, n in enumerate(fpe.VARIANTS)
    }
    frame = fpe.metrics_table(v)
    assert list(frame.index) == list(fpe.VARIANTS)
    assert frame.loc["clause"].tolist() == [2, 2.5, -2, -2.5]


def test_pilot_alpha_checker():
    assert exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=4)).startswith("Correct")
    with pytest.raises(exercises.ExerciseError, match="alpha should be 4"):
        exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=3))
    with pytest.raises(exercises.ExerciseError, match="also changed"):
        exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=4, seeds=3))
