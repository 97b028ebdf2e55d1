"""The deep chapter's helpers and its experiment exercise: a figure with absolute accuracies
(uncertainty named) beside the relative gain, integer tables, sentences for degenerate
families."""

from types import SimpleNamespace

import pandas as pd
import pytest
from support_real_pages import assert_clean_table, assert_readable_figure, comparison, result

import expand_neurons as en
from expand_neurons.book import exercises
from expand_neurons.book.pages import deep as page

WIDTHS, ALPHAS, DEPTHS = [8, 16], [2, 4], [1, 5]
RECIPE = {"init": "he", "lr": 1e-2}


def _result(shallow_better=True):
    rows = []
    for d in DEPTHS:
        for w in WIDTHS:
            base = 0.4 + 0.01 * w + (0.1 if (d == 1) == shallow_better else 0.0)
            for a in ALPHAS:
                common = {"depth": d, "hidden": w, "alpha": a, "nonzero": 500 * w}
                rows.append({**common, "variant": "dense", "accuracies": [base, base + 0.01, base]})
                accs = [base + 0.01 * a, base + 0.02, base + 0.005]
                rows.append({**common, "variant": "random", "accuracies": accs})
    return result(rows)


def test_results_figure_shows_accuracy_and_gain_with_the_tuned_baseline():
    fig = page.results_figure(_result(), 5, RECIPE)
    assert_readable_figure(fig)
    left = [t for t in fig.data if t.xaxis == "x"]
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert fig.layout.yaxis.title.text == "test accuracy (%)"
    assert fig.layout.yaxis2.title.text == "relative gain (%)"
    names = {t.name for t in left}
    assert "dense, 5 layers (tuned)" in names and "dense, 1 layer" in names
    assert all(t.error_y.array is not None for t in left + right if t.mode == "lines+markers")
    assert "He initialisation, Adam at 0.01" in fig.layout.title.text
    assert "±1 s.d.<br>over 3 seeds" in fig.layout.legend.title.text
    # A variant's gain on the right shares its legend entry and colour with its accuracy.
    for t in right:
        twin = [u for u in left if u.name == t.name and u.mode == "lines+markers"]
        if twin:
            assert twin[0].line.color == t.line.color and t.showlegend is False


def test_results_and_family_tables_have_no_float_junk():
    res = _result()
    assert_clean_table(page.results_table(res), ["non-zeros"])
    fam = page.deep_family(res, 5, WIDTHS, ALPHAS)
    assert_clean_table(page.family_table(fam), ["d.f."])


def test_per_layer_accounting_is_integers_and_adds_up():
    dense = en.seeded_mlp(0, 12, [4, 4, 4], 3)
    unpruned = en.expand(dense, 2, "random", seed=0, prune=False)
    pruned = en.expand(dense, 2, "random", seed=0)
    frame = page.per_layer(dense, unpruned, pruned)
    assert list(frame.index) == ["input → 1", "1 → 2", "2 → 3", "3 → output", "biases", "total"]
    assert all(pd.api.types.is_integer_dtype(t) for t in frame.dtypes)
    assert frame.loc["total", "pruned"] == en.count_nonzero(dense)
    out = page.demo_numbers(frame, 4, 2)
    assert (
        out["demo_first"]
        + out["demo_middle"]
        + out["demo_last"]
        + int(frame.loc["biases", "removed by pruning"])
        == out["demo_removed"]
    )


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], "cannot judge"),
        (["better", "better"], "reproduces the paper's finding"),
        (["nd", "nd"], "better in none of the 2 settings"),
        (["better", "nd", "worse"], "better in 1 of the 3 settings"),
    ],
)
def test_verdict_words(verdicts, expected):
    make = {"better": (1, 0.5, 1.5), "worse": (-1, -1.5, -0.5), "nd": (0, -1, 1)}
    fam = {i: comparison(*make[v]) for i, v in enumerate(verdicts)}
    assert expected in page.verdict_words(fam)


def test_flat_words_counts_degenerate_intervals():
    assert page.flat_words({0: comparison(0.1, -1, 1)}, 3) == "No interval is degenerate."
    one = page.flat_words({0: comparison(0.01, 0.01, 0.01), 1: comparison(0, -1, 1)}, 3)
    assert one.startswith("1 of the 2 intervals has") and "this interval has" in one
    two = page.flat_words({0: comparison(0.01, 0.01, 0.01), 1: comparison(0, 0, 0)}, 3)
    assert two.startswith("2 of the 2 intervals have")


def test_depth_words_either_way():
    assert "stays below" in page.depth_words(_result(shallow_better=True), 5, WIDTHS)
    assert "no longer below" in page.depth_words(_result(shallow_better=False), 5, WIDTHS)


def _tuned(lrs, choice):
    table = [
        {"init": i, "lr": lr, "validation": 0.4 + 0.1 * (i == "he") + lr, "validation_std": 0.01}
        for i in ("default", "he")
        for lr in lrs
    ]
    return SimpleNamespace(table=table, choice=choice)


def test_tuning_numbers_edge_agreement_and_a_single_rate():
    out = page.tuning_numbers(_tuned([1e-3, 1e-2, 3e-2], RECIPE), RECIPE, 8)
    assert out["tune_agrees"] == "the recipe the experiment runs with"
    assert "inside the swept range" in out["tune_edge"]
    assert out["tune_lr"] == "0.01"
    edge = page.tuning_numbers(_tuned([1e-3, 1e-2], RECIPE), {"init": "he", "lr": 1e-3}, 8)
    assert "at the edge" in edge["tune_edge"] and "not the recipe" in edge["tune_agrees"]
    single = page.tuning_numbers(_tuned([1e-3], {"init": "he", "lr": 1e-3}), RECIPE, 8)
    assert "Only one learning rate" in single["tune_edge"]
    assert_clean_table(page.tuning_table(_tuned([1e-3, 1e-2], RECIPE)), exempt=["lr"])


def test_stored_words_when_nothing_is_stored():
    assert "No setting with 5 hidden layers" in page.stored_words({"records": []}, 5)


def test_recipe_checker_diagnoses_and_runs(monkeypatch):
    with pytest.raises(exercises.ExerciseError, match="lr should be 0.001"):
        exercises.check_deep_recipe_run(
            lambda cfg: cfg.replace(init="default", grid={"depth": [5], "hidden": [8]})
        )
    from expand_neurons.book import runs

    monkeypatch.setattr(runs, "run", lambda name, profile, **overrides: _result())
    right = lambda cfg: cfg.replace(init="default", lr=1e-3, grid={"depth": [5], "hidden": [8]})  # noqa: E731
    message = exercises.check_deep_recipe_run(right, train=True)
    assert message.startswith("Correct") and "α = 2" in message and "α = 4" in message
