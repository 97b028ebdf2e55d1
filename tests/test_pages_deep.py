"""The deep chapter's helpers and its experiment exercise: a figure with absolute accuracies
(uncertainty named) beside the relative gain in the book's variant colours, seed-paired
differences, tables that fit a column, per-layer accounting that adds up."""

import pandas as pd
import pytest
from support_real_pages import assert_clean_table, assert_readable_figure, cells, result

import expand_neurons as en
from expand_neurons.book.exercises import ExerciseError
from expand_neurons.book.exercises.deep import check_deep_recipe_run
from expand_neurons.book.figures import variant_colour
from expand_neurons.book.pages import deep as page

WIDTHS, ALPHAS, DEPTHS = [8, 16], [2, 4], [1, 5]


def _result():
    """Dense at depth 5 below depth 1; FPE (alpha 4, depth 5) ahead on every seed at width 8,
    behind on two of three seeds at width 16."""
    rows = []
    for d in DEPTHS:
        for w in WIDTHS:
            base = 0.4 + 0.01 * w + (0.1 if d == 1 else 0.0)
            for a in ALPHAS:
                common = {"depth": d, "hidden": w, "alpha": a, "nonzero": 500 * w}
                rows.append({**common, "variant": "dense", "accuracies": [base, base + 0.01, base]})
                step = 0.01 * a if w == 8 else -0.005 * a
                accs = [base + step, base + 0.01 + step, base + 0.03]
                rows.append({**common, "variant": "random", "accuracies": accs})
    return result(rows, setting_keys=["depth", "hidden", "alpha"])


def test_results_figure_shows_accuracy_and_gain_in_the_books_colours():
    fig = page.results_figure(_result(), 5)
    assert_readable_figure(fig)
    assert fig.layout.yaxis.title.text == "test accuracy (%)"
    assert fig.layout.yaxis2.title.text == "relative gain (%)"
    views = fig.layout.updatemenus[0]
    assert [b.label for b in views.buttons] == ["5 hidden layers", "1 hidden layer"]
    shown = [t for t in fig.data if t.visible and t.mode == "lines+markers"]
    top = {t.name: t for t in shown if t.xaxis == "x"}
    assert list(top) == ["dense", "FPE α = 2", "FPE α = 4", "dense, 1 hidden layer"]
    assert top["dense, 1 hidden layer"].line.color == top["dense"].line.color
    assert top["dense"].line.color == variant_colour("dense")
    assert top["FPE α = 4"].line.color == variant_colour("random")
    assert top["dense, 1 hidden layer"].line.dash == "dot"
    assert all(t.error_y.array is not None for t in top.values())
    assert "over 3 seeds" in fig.layout.title.subtitle.text
    # The gains of the 5-layer networks below; a variant shares its colour with its accuracy.
    bottom = [t for t in shown if t.xaxis == "x2"]
    assert [t.name for t in bottom] == ["FPE α = 2", "FPE α = 4"]
    for t in bottom:
        assert top[t.name].line.color == t.line.color and t.showlegend is False
    # The one-layer button shows the one-layer networks only.
    one = [t.name for t, v in zip(fig.data, views.buttons[1].args[0]["visible"]) if v]
    assert "dense, 1 hidden layer" not in one and "dense" in one


def test_differences_pair_by_seed():
    diffs = page.differences(_result(), 5, 4)
    assert list(diffs) == WIDTHS
    assert diffs[8] == pytest.approx([4.0, 4.0, 3.0])
    assert diffs[16] == pytest.approx([-2.0, -2.0, 3.0])


def test_difference_table_counts_the_seeds_ahead():
    table = page.difference_table(_result(), 5)
    assert_clean_table(table)
    assert len(table.data.columns) == 2 * len(ALPHAS)
    assert cells(table)[1] == ["0.3", "1 of 3", "-0.3", "1 of 3"]
    assert table.data.loc[8, ("α = 4", "FPE − dense (points)")] == pytest.approx(11 / 3)


def test_accuracy_table_has_one_column_per_network():
    table = page.accuracy_table(_result(), 5)
    assert_clean_table(table)
    assert list(table.data.columns) == ["dense, 1 layer", "dense", "FPE α = 2", "FPE α = 4"]
    assert table.data.loc[8, "dense, 1 layer"] > table.data.loc[8, "dense"]
    assert table.data.loc[16, "dense"] == pytest.approx(100 * (0.56 + 0.01 / 3))


def test_per_layer_accounting_is_integers_and_adds_up():
    dense = en.seeded_mlp(0, 12, [4, 4, 4], 3)
    unpruned = en.expand(dense, 2, "random", seed=0, prune=False)
    pruned = en.expand(dense, 2, "random", seed=0)
    frame = page.per_layer(dense, unpruned, pruned)
    assert list(frame.index) == ["input → 1", "1 → 2", "2 → 3", "3 → output", "biases", "total"]
    assert all(pd.api.types.is_integer_dtype(t) for t in frame.dtypes)
    assert frame.loc["total", "pruned"] == en.count_nonzero(dense)
    assert frame.loc["1 → 2", "split and copied"] == 2 * 4 * 4  # columns copied to 2 children
    out = page.demo_numbers(frame)
    removed_biases = int(frame.loc["biases", "removed by pruning"])
    assert (
        out["demo_first"] + out["demo_middle"] + out["demo_last"] + removed_biases
        == (out["demo_removed"])
    )
    assert out["demo_extra"] == out["demo_removed"]  # pruning takes back all it added


def test_tuning_table_keeps_the_learning_rate_readable():
    table = [
        {"init": i, "lr": lr, "validation": 0.4 + lr, "validation_std": 0.01}
        for i in ("default", "he")
        for lr in (1e-3, 1e-2)
    ]
    styled = page.tuning_table(table)
    assert_clean_table(styled)
    assert list(styled.data.index) == [("default", "0.001"), ("default", "0.01")] + [
        ("he", "0.001"),
        ("he", "0.01"),
    ]
    assert styled.data.iloc[1, 0] == pytest.approx(41.0)


def test_recipe_checker_diagnoses_and_runs(monkeypatch):
    with pytest.raises(ExerciseError, match="lr should be 0.001"):
        check_deep_recipe_run(
            lambda cfg: cfg.replace(init="default", grid={"depth": [5], "hidden": [8]})
        )
    from expand_neurons.book import runs

    monkeypatch.setattr(runs, "run", lambda name, profile, **overrides: _result())
    right = lambda cfg: cfg.replace(init="default", lr=1e-3, grid={"depth": [5], "hidden": [8]})  # noqa: E731
    message = check_deep_recipe_run(right, train=True)
    assert message.startswith("Correct") and "α = 2" in message and "α = 4" in message
