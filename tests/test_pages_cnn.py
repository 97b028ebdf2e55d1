"""The CNN chapter's helpers and its experiment exercise: the book's variant colours on the
figure, the dense baseline's health gate in the width table, per-seed accuracies and dead
neurons, integer parameter counts."""

import pytest
from support_real_pages import assert_clean_table, assert_readable_figure, cells, result

from expand_neurons import count_nonzero, expand
from expand_neurons.book import exercises
from expand_neurons.book.figures import variant_colour
from expand_neurons.book.pages import cnn as page
from expand_neurons.models import ConvNet

WIDTHS = [2, 4, 8]
#: Dense seeds per width: at 2 neurons two seeds collapsed (one of two neurons dead).
DENSE = {2: [0.26, 0.30, 0.58], 4: [0.75, 0.69, 0.72], 8: [0.79, 0.82, 0.80]}
FPE = {2: [0.57, 0.72, 0.78], 4: [0.80, 0.77, 0.81], 8: [0.81, 0.83, 0.80]}


def _result():
    rows = [
        {"hidden": w, "alpha": 4, "classes": 10, "variant": v, "accuracies": accs[w]}
        for w in WIDTHS
        for v, accs in (("dense", DENSE), ("random", FPE))
    ]
    res = result(rows)
    for r in res["records"]:  # neurons and dead neurons differ between the variants
        dense = r["variant"] == "dense"
        r["neurons"] = r["hidden"] * (1 if dense else 4)
        r["dead_fractions"] = [0.375, 0.125, 0.0] if not dense else [0.0, 0.25, 0.0]
        if dense and r["hidden"] == 2:
            r["dead_fractions"] = [0.5, 0.5, 0.0]
    return res


def test_width_figure_uses_the_books_variant_colours():
    fig = page.width_figure(_result(), WIDTHS, 4)
    assert_readable_figure(fig)
    by_group = {}
    for t in fig.data:
        by_group.setdefault(t.legendgroup, []).append(t)
    assert set(by_group) == {"dense", "FPE"}
    for group, variant in (("dense", "dense"), ("FPE", "random")):
        line, dots = by_group[group]
        assert line.line.color == dots.marker.color == variant_colour(variant)
        assert list(line.x) == WIDTHS and len(dots.y) == 3 * len(WIDTHS)
        assert dots.showlegend is False
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.tickvals) == WIDTHS
    assert any("paper:" in a.text for a in fig.layout.annotations)


def test_gates_find_the_collapsed_width_only():
    gate = page.gates(_result(), WIDTHS, 4)
    assert [gate[w].healthy for w in WIDTHS] == [False, True, True]
    assert gate[2].outliers  # the seeds lie far apart


def test_width_table_shows_differences_and_the_gate():
    table = page.width_table(_result(), WIDTHS, 4)
    assert_clean_table(table)
    frame = table.data
    assert list(frame.columns) == ["dense (%)", "FPE (%)", "FPE − dense (points)", "dense gate"]
    assert list(frame["dense gate"]) == ["unhealthy", "healthy", "healthy"]
    mean = lambda xs: 100 * sum(xs) / len(xs)  # noqa: E731
    assert frame.loc[4, "FPE − dense (points)"] == pytest.approx(mean(FPE[4]) - mean(DENSE[4]))


def test_seed_table_counts_dead_neurons_per_seed():
    table = page.seed_table(_result(), WIDTHS, 4)
    rows = cells(table)
    assert rows[0] == ["26.0 · 30.0 · 58.0", "1 · 1 · 0"]  # dense, 2 neurons
    assert rows[1] == ["57.0 · 72.0 · 78.0", "3 · 1 · 0"]  # FPE, 8 neurons
    assert rows[3][1] == "6 · 2 · 0"  # FPE at 4 dense neurons: 16 neurons
    assert list(table.data.index.names) == ["head neurons", "variant"]


def test_counts_table_and_network_numbers_are_integers():
    net = ConvNet((1, 28, 28), (8, 16), 2, 10)
    big = expand(net, 4, "random", seed=0)
    table = page.counts_table(net, big, 4)
    assert_clean_table(table, ["dense", "FPE α = 4"])
    assert table.data.loc["total", "dense"] == table.data.loc["total", "FPE α = 4"]
    unpruned = expand(net, 4, "random", seed=0, prune=False)
    numbers = page.network_numbers(net, big, unpruned)
    assert numbers["head_surplus"] == (4 - 1) * (10 * 2 + 2)  # copied outputs + child biases
    assert numbers["demo_neurons"] == 8 and numbers["features"] == 784
    assert numbers["trunk_params"] + numbers["head_params"] == count_nonzero(net)


def test_seeds_checker_diagnoses_and_runs(monkeypatch):
    with pytest.raises(exercises.ExerciseError, match="seeds should be 6"):
        exercises.check_cnn_seeds_run(lambda cfg: cfg.replace(grid={"hidden": [2]}))
    with pytest.raises(exercises.ExerciseError, match="you also changed"):
        exercises.check_cnn_seeds_run(
            lambda cfg: cfg.replace(seeds=6, grid={"hidden": [2]}, epochs=2)
        )
    with pytest.raises(exercises.ExerciseError, match="return a config"):
        exercises.check_cnn_seeds_run(lambda cfg: {"seeds": 6})
    calls = []

    def fake_run(name, profile, **overrides):
        calls.append((name, profile, overrides))
        return _result()

    from expand_neurons.book import runs

    monkeypatch.setattr(runs, "run", fake_run)
    right = lambda cfg: cfg.replace(seeds=6, grid={"hidden": [2]})  # noqa: E731
    message = exercises.check_cnn_seeds_run(right, "quick", train=True)
    assert message.startswith("Correct") and "collapsed" in message
    assert calls == [("cnn-fashion", "quick", {"seeds": 6, "grid": {"hidden": (2,)}})]
