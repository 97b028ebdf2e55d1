"""The load chapter's page helpers: readable figures and tables, sentences for the odd cases."""

from __future__ import annotations

import re
import statistics
from types import SimpleNamespace

import pytest

from expand_neurons.book.pages import load as page
from expand_neurons.book.verdicts import gain_steps
from expand_neurons.experiments import get
from expand_neurons.metrics import LineFit
from expand_neurons.stats import Comparison

# ------------------------------------------------------------------------------- fake results


def _record(variant: str, accs: list[float], dense: list[float], **setting) -> dict:
    gains = [(a - d) / d for a, d in zip(accs, dense)]
    return {
        **setting,
        "variant": variant,
        "accuracy": statistics.fmean(accs),
        "accuracy_std": statistics.stdev(accs),
        "accuracies": accs,
        "relative_gain": statistics.fmean(gains),
        "relative_gain_std": statistics.stdev(gains),
        "nonzero": 272,
        "capacity": 0.2 + 0.1 * (variant != "dense") + 0.01 * len(setting),
        "cosine": 0.3 - 0.1 * (variant != "dense"),
    }


def sweep(key: str, values: list, variants=("dense", "random", "clause"), **fixed) -> dict:
    """A result of a one-field sweep with three seeds per setting."""
    records = []
    for i, v in enumerate(values):
        dense = [0.70 + 0.01 * i, 0.72 + 0.01 * i, 0.74]
        setting = {"n_clauses": 8, "hidden": 8, "alpha": 2, "split_at": 0.5, **fixed, key: v}
        setting["load"] = setting["n_clauses"] / setting["hidden"]
        for j, name in enumerate(variants):
            accs = [a + 0.02 * j * (i + 1) for a in dense]
            records.append(_record(name, accs, dense, **setting))
    config = {"hidden": 8, "n_clauses": 8, "k": 3, "extra_vars": 0, "grid": {key: values}}
    return {
        "experiment": f"boolean-{key}",
        "config": config,
        "records": records,
        "setting_keys": [key],
    }


def load_grid() -> dict:
    records = []
    for n in (4, 8, 16):
        for h in (4, 8, 16):
            dense = [0.8, 0.82, 0.84]
            rnd = [a + 0.01 * n / h for a in dense]
            setting = {"n_clauses": n, "hidden": h, "alpha": 2, "split_at": 0.5, "load": n / h}
            records += [
                _record("dense", dense, dense, **setting),
                _record("random", rnd, dense, **setting),
            ]
    return {
        "experiment": "boolean-load",
        "config": {"hidden": 8},
        "records": records,
        "setting_keys": ["n_clauses", "hidden"],
    }


def comparison(name: str = "a − b", low: float = -0.01, high: float = 0.02) -> Comparison:
    return Comparison(name, (low + high) / 2, low, high, 0.975, 2, 3, 0.5, 0.5, "t")


# ------------------------------------------------------------------------------------ figures


def _axes(fig, kind: str) -> list:
    return [fig.layout[k] for k in sorted(fig.layout) if re.fullmatch(f"{kind}axis\\d*", k)]


def assert_readable(fig) -> None:
    """Every panel has both axis titles and tick labels; the figure says what its marks and
    error bars are (in its subtitle); no data colour is the grey of the reference lines."""
    for axis in _axes(fig, "x") + _axes(fig, "y"):
        assert axis.title.text, f"an axis without a title: {axis}"
        assert axis.showticklabels is not False
    assert fig.layout.title.subtitle.text
    marks = [t for t in fig.data if t.type == "scatter" and t.mode != "lines"]
    colours = {t.line.color or t.marker.color for t in marks}
    assert colours and page.REFERENCE not in colours


def test_sweep_figure_on_a_log_axis_ticks_powers_of_two_and_names_its_error_bars():
    fig = page.sweep_figure(sweep("hidden", [4, 8, 16, 32]), "hidden", title="t")
    assert_readable(fig)
    for axis in _axes(fig, "x"):
        assert axis.type == "log"
        assert axis.title.text == "hidden neurons (dense)"
        assert list(axis.tickvals) == [4, 8, 16, 32]
        assert list(axis.ticktext) == ["4", "8", "16", "32"]
    assert fig.layout.title.subtitle.text == "error bars: ±1 s.d. over 3 task seeds"
    for trace in fig.data:
        assert trace.error_y.array is not None
    # a variant has the same colour in both panels, dense only in the accuracy panel
    by_name: dict[str, set] = {}
    for trace in fig.data:
        by_name.setdefault(trace.name, set()).add(trace.line.color)
    assert all(len(c) == 1 for c in by_name.values())
    assert len({c for cs in by_name.values() for c in cs}) == len(by_name)
    assert [t.name for t in fig.data if t.xaxis == "x2"] == ["random", "clause"]


def test_sweep_figure_ticks_every_grid_value_and_percent_fractions():
    fig = page.sweep_figure(sweep("alpha", [2, 3, 4, 6]), "alpha", title="t", note="x")
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text == "expansion factor α"
    assert list(fig.layout.xaxis.tickvals) == [2, 3, 4, 6]
    assert list(fig.layout.xaxis2.ticktext) == ["2", "3", "4", "6"]
    assert any("paper: x" in a.text for a in fig.layout.annotations)
    timing = page.sweep_figure(sweep("split_at", [0.1, 0.5, 0.9]), "split_at", title="t")
    assert list(timing.layout.xaxis.ticktext) == [str(t) for t in range(10, 100, 10)]
    assert timing.layout.xaxis.title.text == "split after (% of the epochs)"
    early = page.sweep_figure(sweep("split_at", [0.05, 0.1, 0.9]), "split_at", title="t")
    assert list(early.layout.xaxis.tickvals)[:2] == [0.0, 0.1]
    other = page.sweep_figure(sweep("k", [2, 3]), "k", title="t")
    assert other.layout.xaxis.title.text == "k" and list(other.layout.xaxis.tickvals) == [2, 3]
    assert_readable(other)


def test_load_figure_labels_both_panels_and_ticks_the_load_in_powers_of_two():
    fig = page.load_figure(load_grid(), "grid", note="benefit grows")
    assert_readable(fig)
    assert fig.layout.xaxis2.type == "log"
    assert list(fig.layout.xaxis2.tickvals) == [0.25, 0.5, 1, 2, 4]
    assert list(fig.layout.xaxis2.ticktext) == ["0.25", "0.5", "1", "2", "4"]
    assert "±1 s.d. over 3 task seeds" in fig.layout.title.subtitle.text
    heat = fig.data[0]
    assert heat.x == ("4", "8", "16") and heat.y == ("4", "8", "16")


def test_fold_change_figure_has_titles_a_legend_for_the_fit_and_says_what_a_point_is():
    points = {
        m: [
            {
                "variant": v,
                "x": 1 + 0.1 * i,
                "y": 0.01 * i,
                "experiment": "e",
                "n_clauses": 8,
                "hidden": 8,
                "alpha": 2,
            }
            for i in range(4)
            for v in ("random", "clause")
        ]
        for m in ("capacity", "cosine")
    }
    fits = {m: LineFit(0.1, -0.1, 0.5, 8) for m in points}
    fig = page.fold_change_figure(points, fits)
    assert_readable(fig)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["random", "clause", "least-squares line"]
    assert "no error bars" in fig.layout.title.subtitle.text


def test_ablation_figure_shows_means_with_named_error_bars():
    variants = list(page.AB_ORDER)
    result = sweep("alpha", [2], variants=variants)
    fig = page.ablation_figure(result, "ablations")
    assert_readable(fig)
    assert [t.name for t in fig.data] == variants
    assert fig.layout.title.subtitle.text == "error bars: ±1 s.d. over 3 task seeds"
    assert fig.layout.yaxis.range is None  # nothing clipped: the axis fits the error bars


# ------------------------------------------------------------------------------------- tables

JUNK = re.compile(r"\d\.\d{4,}|e[+-]\d\d|nan|inf", re.IGNORECASE)


def _cells(styler) -> list[str]:
    html = styler.to_html()
    return re.findall(r"<td[^>]*>([^<]*)</td>", html)


def test_tables_have_fixed_decimals_integers_and_no_float_junk():
    result = sweep("n_clauses", [4, 8, 16])
    comps = {"x − y": comparison(low=-0.0123456, high=0.0765432), "z − y": comparison()}
    fits = {"capacity": LineFit(0.0123456, 0.5, 0.123456, 33)}
    tuned = SimpleNamespace(
        table=[
            {"p": 0.02, "post_epochs": 100, "validation": 0.979, "validation_std": 0.0123},
            {"p": 0.5, "post_epochs": 200, "validation": 0.899000001, "validation_std": 0.02},
        ]
    )
    configs = {"boolean-clauses": get("boolean-clauses").config("quick")}
    tables = [
        page.accuracy_table(result, "n_clauses"),
        page.comparison_table(comps),
        page.fit_table(fits),
        page.tuning_table(tuned),
        page.alpha_table(sweep("alpha", [2, 4]), {2: 72, 4: 216}, 272),
        page.ran_table(configs, {"boolean-clauses": {"elapsed_s": 12.3456}}),
        page.load_paper_table(load_grid()),
    ]
    for table in tables:
        cells = _cells(table)
        assert cells
        for cell in cells:
            assert not JUNK.search(cell), (cell, table.to_html()[:300])
    comparison_cells = _cells(page.comparison_table(comps))
    assert comparison_cells[:6] == ["3.21", "-1.23", "7.65", "97.50", "2", "not distinguishable"]
    assert _cells(page.fit_table(fits)) == ["0.012", "0.500", "0.123", "33"]
    assert _cells(page.tuning_table(tuned))[:4] == ["0.02", "100", "97.9", "1.2"]
    assert _cells(tables[5]) == [
        "n_clauses = 4, 8, 16, 24",
        "dense, random, clause",
        "4",
        "200",
        "12.3",
    ]


def test_accuracy_table_gives_mean_and_spread_in_percent():
    cells = _cells(page.accuracy_table(sweep("n_clauses", [4]), "n_clauses"))
    assert cells[0] == "72.0 ± 2.0"


# ---------------------------------------------------------------------------------- sentences


def test_join_and_ticks():
    assert page.join([]) == ""
    assert page.join(["a"]) == "a"
    assert page.join(["a", "b"]) == "a and b"
    assert page.join(["a", "b", "c"]) == "a, b and c"
    assert page.log2_ticks([4, 8, 16, 32]) == [4, 8, 16, 32]
    assert page.log2_ticks([2, 6, 128]) == [2, 4, 8, 16, 32, 64, 128]
    assert page.log2_ticks([0.25, 3]) == [0.25, 0.5, 1, 2, 4]
    assert page.log2_ticks([5]) == [4, 8]
    assert page.log2_ticks([8]) == [8]
    assert page.log2_ticks([]) == []
    with pytest.raises(ValueError, match="positive"):
        page.log2_ticks([0, 1])
    assert page.log_ticks([2, 3, 4, 6, 8, 12, 24]) == [2, 3, 4, 6, 8, 12, 24]
    assert page.log_ticks([2, 4, 6, 8, 12, 16, 24, 32, 64, 128]) == [2, 4, 8, 16, 32, 64, 128]
    assert page.log_ticks([0.25, 0.5, 1, 2, 4, 1]) == [0.25, 0.5, 1, 2, 4]
    assert page.log_ticks([]) == []
    with pytest.raises(ValueError, match="positive"):
        page.log_ticks([-1, 2])


def test_spread_note_counts_seeds():
    assert page.spread_note([{"accuracies": [1, 2]}]) == "error bars: ±1 s.d. over 2 task seeds"
    assert page.spread_note([{"accuracies": [1]}]) == "error bars: ±1 s.d. over 1 task seed"
    mixed = [{"accuracies": [1, 2, 3]}, {"accuracies": [1, 2, 3, 4]}]
    assert page.spread_note(mixed).endswith("over 3–4 task seeds")


def _with_gains(gains: dict) -> dict:
    records = [{"variant": "random", "hidden": h, "relative_gain": g} for h, g in gains.items()]
    return {"records": records}


def test_peak_sentence_names_every_tied_setting_and_handles_one_or_none():
    words = lambda h: f"{h} neurons"
    tied = page.peak_sentence(_with_gains({4: 0.1, 8: 0.1, 16: 0.0}), "hidden", words)
    assert "largest at 4 neurons and 8 neurons (+10.0 %, equally at all 2)" in tied
    assert "among the 3 stored settings from 4 neurons to 16 neurons" in tied
    single = page.peak_sentence(_with_gains({8: -0.05}), "hidden", words)
    assert single.startswith("At the paper's scale only 8 neurons is stored") and "-5.0 %" in single
    assert page.peak_sentence({"records": []}, "hidden", words).startswith("No stored setting")
    flat = page.peak_sentence(_with_gains({4: 0.0, 8: 0.0}), "hidden", words)
    assert "4 neurons and 8 neurons (+0.0 %, equally at all 2)" in flat


def test_clause_words_beyond_saturation():
    better, nd = comparison(low=0.01, high=0.02), comparison()
    assert page.clause_words({(8, 16): better}) == (
        "is supported",
        "the grid does not extend beyond it",
    )
    rise, beyond = page.clause_words({(8, 16): nd, (16, 24): better})
    assert rise == "is inconclusive" and "does not saturate" in beyond
    assert "no step beyond it" in page.clause_words({(8, 16): better, (16, 24): nd})[1]
    assert page.clause_words({})[0] == "is inconclusive"


def test_clause_ends_handles_a_tie_and_a_perfect_left_end():
    perfect = {"dense": 1.0, "random": 1.0}
    tie = page.clause_ends(perfect, {"dense": 0.7, "random": 0.7, "clause": 0.8}, 4, 24)
    assert tie.startswith("At the left end every variant is perfect at 4 clauses")
    assert "the random split ties with the dense network (70.0 % against 70.0 %)" in tie
    assert "best variant reaches 80.0 %" in tie
    lead = page.clause_ends({"dense": 0.9, "random": 0.95}, {"dense": 0.6, "random": 0.7}, 4, 24)
    assert lead.startswith("At 24 clauses the random split still leads")
    lag = page.clause_ends({"dense": 0.9, "random": 0.95}, {"dense": 0.7, "random": 0.6}, 4, 24)
    assert "no longer leads" in lag


def test_ceiling_sentence_for_none_some_and_all():
    assert page.ceiling_sentence(0, 4).startswith("At none of the 4 widths")
    assert page.ceiling_sentence(2, 4).startswith("In 2 of the 4 widths the dense network")
    assert page.ceiling_sentence(4, 4).startswith("In every one of the 4 widths")


def test_load_sentences_with_empty_groups_and_shared_loads():
    assert page.load_groups_sentence([], []) == "The grid has no cells."
    assert page.load_groups_sentence([], [0.1]).startswith("Every cell has more than one")
    assert "(1 cell)" in page.load_groups_sentence([0.02], [])
    both = page.load_groups_sentence([0.0, 0.02], [0.1])
    assert both == (
        "Cells with at most one clause per neuron gain 1.0 % on average (2 cells), cells with "
        "more than one 10.0 % (1 cell)."
    )
    assert "cannot tell" in page.same_load_sentence({1.0: [0.1], 2.0: [0.2]})
    assert page.same_load_sentence({}) == page.same_load_sentence({1.0: [0.1]})
    equal = page.same_load_sentence({1.0: [0.05, 0.05, 0.05], 0.5: [0.0]})
    assert equal == "At load 1, shared by 3 cells, the gain is 5.0 % in each."
    ranged = page.same_load_sentence({2.0: [0.1, 0.3], 1.0: [0.0, 0.2], 0.5: [0.1]})
    assert ranged == "At load 1, shared by 2 cells, the gain ranges from 0.0 % to 20.0 %."


def test_load_glue_names_tied_top_cells():
    glue = page.load_glue(load_grid(), *page.load_family(load_grid()))
    assert glue["ld_top"] == "16 clauses on 4 neurons (load 4)"
    assert glue["ld_cells"] == 9 and glue["ld_family"] == 9 + 6
    assert glue["ld_rho"] == pytest.approx(1.0)
    assert glue["ld_same_load"].startswith("At load 1, shared by 3 cells, the gain is")


def test_fit_words_for_zero_slopes_and_thresholds():
    assert page.slope_words(0.0, 1, "why") == "zero: no linear relation"
    assert page.slope_words(0.2, 1, "why") == "positive, as expected (why)"
    assert page.slope_words(-0.2, 1, "why") == "negative, against expectation"
    assert page.slope_words(-0.2, -1, "why") == "negative, as expected (why)"
    assert [page.strength(r) for r in (0.7, 0.69, 0.3, 0.29)] == [
        "strong",
        "moderate",
        "moderate",
        "weak",
    ]
    strong = page.r2_words(LineFit(1, 0, 0.8, 9), LineFit(-1, 0, 0.9, 9))
    assert strong.startswith("has R² ≥ 0.7")
    assert page.r2_words(LineFit(1, 0, 0.8, 9), LineFit(1, 0, 0.9, 9)).startswith("falls short")


def test_dropconnect_shape_handles_ties_flat_sweeps_and_a_missing_rate():
    falling = [(0.02, 0.98), (0.1, 0.97), (0.25, 0.95), (0.5, 0.9)]
    text = page.dropconnect_shape(falling, 0.5)
    assert text.startswith("The equal-budget rate is the worst of the sweep, and held-out")
    flat = [(0.02, 0.9), (0.5, 0.9)]
    assert page.dropconnect_shape(flat, 0.5) == (
        "The equal-budget rate ties for the worst of the sweep; held-out accuracy is the same "
        "at every rate."
    )
    bumpy = [(0.02, 0.9), (0.1, 0.95), (0.5, 0.8)]
    assert page.dropconnect_shape(bumpy, 0.5).endswith("does not fall steadily with the rate.")
    assert page.dropconnect_shape(bumpy, 0.75).startswith("The equal-budget rate is not among")
    assert page.dropconnect_shape(bumpy, 0.1).startswith("The equal-budget rate is not the worst")


def test_alpha_glue_names_tied_best_alphas():
    result = sweep("alpha", [2, 3, 4], variants=("dense", "random"))
    for r in result["records"]:
        if r["variant"] == "random":
            r["relative_gain"] = 0.0  # every α gains the same
    steps, last = page.alpha_family(result)
    glue = page.alpha_glue(result, steps, last, {2: 72, 3: 144, 4: 216}, 272)
    assert glue["al_best"] == "2, 3 and 4"
    assert "peaks at α = 2, 3 and 4" in glue["al_summary"]
    assert glue["al_family"] == 3


def test_clause_and_neuron_glue_on_a_small_sweep():
    result = sweep("n_clauses", [4, 8, 16])
    result["config"]["hidden"] = 8
    glue = page.clause_glue(result, gain_steps(result, "n_clauses"))
    assert glue["cl_grid"] == "4, 8, 16" and glue["cl_load_max"] == 2.0
    assert glue["cl_peak"] == "16"
    neurons = sweep("hidden", [4, 8, 16])
    glue = page.neuron_glue(neurons, gain_steps(neurons, "hidden"))
    assert glue["nr_ceiling"].startswith("At none of the 3 widths")


def test_timing_glue_words_follow_the_verdicts():
    result = sweep("split_at", [0.1, 0.5, 0.9], variants=("dense", "random"))
    times, comps = page.timing_family(result)
    assert times == [0.1, 0.5, 0.9]
    glue = page.timing_glue(times, comps)
    assert glue["tm_grid"] == "10, 50, 90"
    order = comps["gain early − gain late"].verdict
    assert (
        glue["tm_order"]
        == {
            "better": "helps more",
            "worse": "helps less",
            "not distinguishable": "is not distinguishable from splitting later",
        }[order]
    )
