"""The collisions chapter's helpers: readable figures, tables without float junk, sentences that
hold up in the degenerate cases."""

import math
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
import torch

from expand_neurons.book.pages import collisions as page
from expand_neurons.experiments.census import CensusTotals
from expand_neurons.stats import Comparison, wilson_interval

VERDICTS = ("better", "worse", "not distinguishable")


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


def _axes(fig: go.Figure) -> list[tuple[str, object]]:
    """The layout's x and y axes that carry a trace."""
    used = set()
    for trace in fig.data:
        used.add("xaxis" + (trace.xaxis or "x")[1:])
        used.add("yaxis" + (trace.yaxis or "y")[1:])
    return [(name, fig.layout[name]) for name in sorted(used)]


def assert_labelled(fig: go.Figure) -> None:
    """Every axis that carries a trace has a title and shows its tick labels."""
    for name, axis in _axes(fig):
        assert axis.title.text, f"{name} has no title"
        assert axis.showticklabels is not False, f"{name} hides its tick labels"


def _cells(styler) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", styler.to_html())
    ]


def _no_float_junk(cells: list[str], max_decimals: int) -> None:
    for c in cells:
        if re.fullmatch(r"[-+]?\d+(\.\d+)?", c):
            decimals = len(c.split(".")[1]) if "." in c else 0
            assert decimals <= max_decimals, c
        assert "e-" not in c and "e+" not in c, c


# --------------------------------------------------------------------------------- colours


@pytest.mark.parametrize("alpha", range(1, 17))
def test_no_child_colour_is_the_parent_grey_or_any_grey(alpha):
    colours = page.child_colours(alpha)
    assert len(colours) == alpha == len(set(c.lower() for c in colours))
    for c in colours:
        assert c.lower() != page.REFERENCE_GREY.lower()
        r, g, b = _rgb(c)
        assert max(r, g, b) - min(r, g, b) >= 60, f"{c} is close to a grey"


def test_more_children_than_colours_is_an_error():
    with pytest.raises(ValueError, match="1 to 16"):
        page.child_colours(17)


@pytest.mark.parametrize("alpha", [2, 3, 4, 6, 8, 12, 16])
def test_explorer_heatmap_never_paints_a_child_in_the_reference_grey(alpha):
    traces, layout = page.split_panels(alpha, 3, 48, seed=alpha)
    heat, dense, expected, drawn = traces
    scale = {c.lower() for _, c in heat.colorscale}
    assert page.REFERENCE_GREY.lower() not in scale
    assert scale == {c.lower() for c in page.child_colours(alpha)}
    assert dense.marker.color == page.REFERENCE_GREY
    assert page.REFERENCE_GREY not in (expected.marker.color, drawn.marker.color)
    # every cell is numbered with its child, so no reading depends on colour alone
    assert [[int(t) for t in row] for row in heat.text] == [list(row) for row in heat.z]
    assert all(label.startswith("clause ") for label in layout["yaxis.ticktext"])


def test_split_panels_counts_whole_and_colliding_clauses():
    traces, layout = page.split_panels(2, 1, 4, seed=0)  # single inputs: always whole
    heat, dense, expected, drawn = traces
    assert list(drawn.y)[0] == 1.0 and list(expected.y)[0] == 1.0
    assert all(label.endswith("collides") for label in layout["yaxis.ticktext"])


# --------------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def mc_table():
    return page.monte_carlo_table(24, alphas=[2, 4, 8], ks=[1, 2, 3], trials=2000)


def test_probability_figure_is_labelled_on_both_panels(mc_table):
    fig = page.probability_figure(mc_table)
    assert_labelled(fig)
    for _, axis in _axes(fig):
        if axis.type == "log":
            assert axis.tickvals, "a log axis needs explicit ticks"
    assert fig.layout.xaxis.tickvals == (2, 4, 8)
    names = " ".join(t.name or "" for t in fig.data if t.showlegend is not False)
    assert "95 % Wilson" in names  # the uncertainty is named in the figure


def test_probability_figure_error_bars_stay_inside_the_axis(mc_table):
    fig = page.probability_figure(mc_table)
    low = 10 ** fig.layout.yaxis.range[0]
    for trace in fig.data:
        if trace.error_y and trace.error_y.arrayminus is not None:
            for y, minus in zip(trace.y, trace.error_y.arrayminus):
                assert y - minus > low


def test_explorer_and_per_child_figures_are_labelled():
    assert_labelled(page.explorer_figure(24, ks=[1, 3], alphas=[2, 8]))
    trained = torch.tensor([0, 1, 1, 2, 0])
    simulated = torch.tensor([0, 0, 1, 3])
    fig = page.per_child_figure(trained, simulated)
    assert_labelled(fig)
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3]


def test_explorer_shows_one_setting_at_a_time():
    fig = page.explorer_figure(24, ks=[1, 3], alphas=[2, 8], first=(3, 8))
    assert sum(bool(t.visible) for t in fig.data) == 4  # heatmap and three bars
    assert fig.layout.sliders[0].active == 1


# ---------------------------------------------------------------------------------- tables


def test_monte_carlo_display_has_fixed_decimals_and_fits(mc_table):
    styler = page.monte_carlo_display(mc_table)
    assert styler.data.shape[1] == 7  # narrow: 3 columns per event and the largest |z|
    cells = _cells(styler)
    _no_float_junk(cells, 4)
    for c in cells:
        assert c == "" or re.fullmatch(r"\d\.\d{4}|\d+\.\d", c), c


def test_worst_z_ignores_rows_without_a_standard_error():
    table = pd.DataFrame({"std. error": [0.0, 0.1, 0.2], "z": [9.0, -2.5, 1.0]})
    assert page.worst_z(table) == 2.5
    assert page.worst_z(table.iloc[:1]) == 0.0


def test_mc_verdict_boundary():
    assert "agree" in page.mc_verdict(3.99)
    assert "disagree" in page.mc_verdict(4.0)


def test_small_tables_show_integers_as_integers():
    cells = _cells(page.pilot_theory_table(8, 2, 0.2174, 0.3844))
    assert cells == ["8", "28", "1.74", "0.38"]
    totals = CensusTotals(instances=100, whole=20, cut=50, pruned=30, pairs=40, collisions=1)
    cells = _cells(page.census_table(totals, 0.25, 0.02))
    assert cells[2:4] == ["20", "70"] and cells[7:9] == ["1", "40"]
    _no_float_junk(cells, 4)


def test_comparison_table_keeps_rounding_beside_the_verdict():
    c = Comparison("a - b", 0.0217666, -0.001, 0.044, 0.9875, 19, 20, 0.04, 0.16, "t")
    cells = _cells(page.comparison_table({"a - b": c}))
    assert cells == ["2.18", "-0.10", "4.40", "98.75", "19", c.verdict]


def test_polysemanticity_and_groups_tables():
    v = {"dense": 55.41666, "random": 69.1666, "clause": 78.75}
    cells = _cells(page.polysemanticity_table(v, v, v, 0.2))
    _no_float_junk(cells, 2)
    keys = ("clause", "whole_somewhere", "dense_accuracy", "fpe_accuracy", "log_error_ratio")
    rows = [
        dict(zip(keys, (0, True, 0.9, 0.95, -0.5))),
        dict(zip(keys, (1, False, 0.8, 0.85, -0.25))),
    ]
    cells = _cells(page.coverage_groups_table(rows))
    assert "1" in cells and "90.0" in cells and "-0.500" in cells


# -------------------------------------------------------------------------------- sentences


@pytest.mark.parametrize("coverage", VERDICTS)
@pytest.mark.parametrize("collision", VERDICTS)
def test_together_and_earlier_cover_every_pair_of_verdicts(coverage, collision):
    together = page.together_sentence(coverage, collision)
    assert together.endswith(".")
    if collision == "better":
        assert "costs accuracy" in together
    if coverage == collision == "not distinguishable":
        assert "cannot attribute" in together
    earlier = page.earlier_reading(coverage, collision)
    supports = collision == "better" and coverage != "better"
    assert ("now support" in earlier) == supports


def test_census_verdicts_handle_nan_and_the_limit():
    assert page.census_verdicts(0.0, 2.99)[1] == "match the prediction"
    assert page.census_verdicts(0.0, -3.0)[1] == "depart from the prediction"
    assert "cannot" in page.census_verdicts(float("nan"), 0.0)[1]


def test_polysemanticity_sentences_equal_values_and_disagreement():
    same = {"dense": 50.0, "random": 50.0, "clause": 50.0}
    out = page.polysemanticity_sentences(same, {"dense": 2.0, "random": 2.0, "clause": 2.0}, 8)
    assert out["col_poly_verdict"].startswith("is the same")
    assert out["col_eff_verdict"].startswith("does not fall")
    assert out["col_poly_note"].startswith("Neither")
    falling = {"dense": 5.0, "random": 3.0, "clause": 2.0}
    out = page.polysemanticity_sentences(
        {"dense": 50.0, "random": 60.0, "clause": 70.0}, falling, 8
    )
    assert out["col_eff_verdict"].startswith("falls")
    assert out["col_poly_verdict"].startswith("rises")
    assert "12.5 %" in out["col_poly_note"]
    out = page.polysemanticity_sentences(
        {"dense": 50.0, "random": 40.0, "clause": 30.0}, falling, 8
    )
    assert out["col_poly_note"] == "The two summaries agree here."
    mixed = {"dense": 50.0, "random": 40.0, "clause": 50.0}
    assert "one split" in page.polysemanticity_sentences(mixed, falling, 8)["col_poly_verdict"]


def test_recovered_share_without_a_gain():
    assert page.recovered_share({"dense": 0.9, "random": 0.95, "clause": 0.9}) is None
    assert "no gain to recover" in page.recovered_clause({"dense": 1, "random": 1, "clause": 1})
    assert page.recovered_share({"dense": 80, "random": 90, "clause": 100}) == 50
    assert "50 %" in page.recovered_clause({"dense": 80, "random": 90, "clause": 100})


def test_wilson_interval_stays_in_range_and_off_zero():
    assert wilson_interval(0.0, 100)[0] == 0.0
    low, high = wilson_interval(0.01, 20_000)
    assert 0 < low < 0.01 < high < 1
    assert wilson_interval(1.0, 10)[1] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(0.5, 0)


def test_glue_helpers_put_plain_numbers(monkeypatch):
    glued = {}
    monkeypatch.setattr(page, "put", lambda name, value: glued.__setitem__(name, value))
    page.glue_pilot_theory(8, 0.2, 0.01, 0.0, 0.9)
    assert glued["col_pairs_dense"] == 28 and math.isinf(glued["col_pairs_ratio"])
    page.glue_exercise_numbers(3, 24)
    assert glued["col_ex_h"] == 36
    page.glue_recovered(
        {"dense": 1, "random": 1, "clause": 1}, {"dense": 0, "random": 1, "clause": 2}
    )
    assert glued["col_recovered_paper"] == "50 %"
    assert "no gain" in glued["col_recovered"]
