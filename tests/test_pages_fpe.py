"""The FPE chapter's helpers: the children figure shows the clauses, the words cover ties."""

import pytest
import torch

import expand_neurons as en
from expand_neurons import splits
from expand_neurons.book import exercises
from expand_neurons.book.pages import fpe
from expand_neurons.stats import Comparison

CLAUSES = [[5, 0, 3], [1, 4, 2]]  # two clauses of three inputs, not in input order


@pytest.fixture(scope="module")
def figure():
    dense = en.seeded_mlp(0, 6, 2, 2)
    clause_split = splits.ClauseAligned(CLAUSES, 6)
    expanded = {
        "random split": en.expand(dense, 2, "random", seed=0, prune=False)[0],
        "clause-aligned split": en.expand(dense, 2, clause_split, seed=0, prune=False)[0],
    }
    return fpe.children_figure(dense[0], expanded, CLAUSES, alpha=2)


def test_children_figure_has_a_colour_bar_and_every_input_labelled(figure):
    scales = [t for t in figure.data if t.showscale]
    assert len(scales) == 1 and scales[0].colorbar.title.text == "weight"
    axes = [figure.layout[k] for k in sorted(figure.layout) if k.startswith("xaxis")]
    assert len(axes) == 3
    top, *others = axes
    assert list(top.ticktext) == ["clause 0", "clause 1"] and top.side == "top"
    for ax in others:
        assert list(ax.ticktext) == ["x5", "x0", "x3", "x1", "x4", "x2"]
        assert ax.showticklabels is True
    assert axes[-1].title.text.startswith("input")


def test_children_figure_draws_the_clause_boundaries(figure):
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 3  # one boundary between the two clauses, in each of three panels
    assert {s.x0 for s in lines} == {2.5}


def test_children_rows_add_up_to_the_parent(figure):
    parent, *children = figure.data
    for kids in children:
        assert torch.allclose(torch.tensor(kids.z).sum(0), torch.tensor(parent.z[0]), atol=1e-6)


def test_pilot_figure_leaves_room_for_every_error_bar():
    v = {
        "dense": {"accuracy": 0.95, "accuracy_std": 0.06},
        "random": {"accuracy": 0.97, "accuracy_std": 0.05},
        "clause": {"accuracy": 0.99, "accuracy_std": 0.03},
    }
    fig = fpe.pilot_figure(v, seeds=30)
    low, high = fig.layout.yaxis.range
    assert high > 97 + 5 and high > 99 + 3  # past every bar's top error bar
    assert low < 78.7  # the paper's dense accuracy is on the axis too
    assert "1 s.d. over 30 seeds" in fig.data[0].name


def _c(low, high):
    return Comparison("x", (low + high) / 2, low, high, 0.95, 4, 5, 0.5, 0.5, "t")


def test_ordering_words():
    up, flat, down = _c(0.01, 0.03), _c(-0.01, 0.03), _c(-0.03, -0.01)
    assert fpe.ordering_verdict({"a": up, "b": up}).startswith("reproduces")
    assert fpe.ordering_verdict({"a": up, "b": flat}).startswith("does not establish")
    assert fpe.ordering_verdict({"a": up, "b": down}).startswith("contradicts")
    assert fpe.ordering_verdict({}).startswith("does not establish")


def test_capacity_words_handle_ties():
    assert fpe.side(1.0, 1.0) == "level with"
    tie = {"dense": 0.5, "random": 0.5, "clause": 0.5}
    assert (
        fpe.capacity_clause(tie)
        == "level with the dense network's and level with the random split's"
    )
    mixed = {"dense": 0.4, "random": 0.6, "clause": 0.5}
    assert fpe.capacity_clause(mixed) == "above the dense network's but below the random split's"


def test_tables_show_counts_as_integers():
    dense = en.seeded_mlp(0, 6, 2, 2)
    pruned = en.expand(dense, 2, "random", seed=0)  # a masked (parametrized) first layer
    frame = fpe.nonzero_table({"dense": dense, "pruned": pruned}).data
    assert list(frame["total"]) == [20, 20] and frame.loc["dense", "W1"] == 12
    assert frame.loc["pruned", "b1"] == 4  # the split biases, paid for by pruning weights
    html = fpe.nonzero_table({"dense": dense, "pruned": pruned}).to_html()
    assert ">12<" in html and ".0<" not in html
    v = {
        n: {
            "accuracy": 0.8999999,
            "accuracy_std": 0.01,
            "relative_gain": 0.1,
            "nonzero": 34,
            "neurons": 8,
            "capacity": 0.123456,
            "cosine": 0.3,
        }
        for n in fpe.VARIANTS
    }
    html = fpe.pilot_table(v).to_html()
    assert ">90.0<" in html and ">34<" in html and "89.99" not in html
    assert ">0.123<" in fpe.metrics_table(v).to_html()


def test_pilot_alpha_checker():
    assert exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=4)).startswith("Correct")
    with pytest.raises(exercises.ExerciseError, match="alpha should be 4"):
        exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=3))
    with pytest.raises(exercises.ExerciseError, match="also changed"):
        exercises.check_pilot_alpha(lambda cfg: cfg.replace(alpha=4, seeds=3))


def test_interference_words_follow_the_metrics():
    v = {
        "dense": {"capacity": 0.4, "cosine": 0.3},
        "random": {"capacity": 0.7, "cosine": 0.2},
        "clause": {"capacity": 0.5, "cosine": 0.25},
    }
    facts = fpe.metrics_facts(v, clause_vs_random="not distinguishable")
    assert (facts["cap_moves"], facts["cos_moves"]) == ("rises", "falls")
    assert facts["interference_moves"] == "falls"
    v["random"] = {"capacity": 0.3, "cosine": 0.4}
    facts = fpe.metrics_facts(v, clause_vs_random="not distinguishable")
    assert facts["interference_moves"] == "rises"
    assert fpe.interference_moves("rises", "rises") == "moves in no clear direction"
    assert fpe.moves(0.5, 0.5) == "stays"
