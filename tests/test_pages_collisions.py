"""The collisions chapter's figures and tables: readable, labelled, short hover labels, no float
junk, and the numbers the chapter's checks read (small seeded inputs)."""

import inspect
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from expand_neurons import theory
from expand_neurons.book.figures import REFERENCE_COLOUR, WIDTH_COLOURS, variant_colour
from expand_neurons.book.pages import collisions as page
from expand_neurons.experiments.census import CensusTotals
from expand_neurons.stats import Comparison


def _axes(fig: go.Figure) -> list[tuple[str, object]]:
    """The layout's x and y axes that carry a trace."""
    used = set()
    for trace in fig.data:
        used.add("xaxis" + (trace.xaxis or "x")[1:])
        used.add("yaxis" + (trace.yaxis or "y")[1:])
    return [(name, fig.layout[name]) for name in sorted(used)]


def _cells(styler) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", styler.to_html())
    ]


def _no_float_junk(cells: list[str], max_decimals: int) -> None:
    for c in cells:
        if re.fullmatch(r"[-+]?\d+(\.\d+)?", c):
            assert len(c.split(".")[1]) <= max_decimals if "." in c else True, c
        assert "e-" not in c and "e+" not in c, c


def _short_hover(fig: go.Figure) -> None:
    """Every trace has its own hover label: short lines, no raw ``(x, y) name`` tuple."""
    for trace in fig.data:
        template = trace.hovertemplate
        assert template, f"{trace.type} {trace.name!r} falls back to plotly's raw label"
        assert template.endswith("<extra></extra>")
        for line in template.removesuffix("<extra></extra>").split("<br>"):
            assert len(re.sub(r"%\{[^}]*\}", "00", line)) <= 40, line


def test_the_module_writes_no_sentences():
    for name in page.__all__:
        returns = inspect.signature(getattr(page, name)).return_annotation
        assert not re.fullmatch(r"(None \| )?str( \| None)?", str(returns)), name


# --------------------------------------------------------------------------------- explorer


@pytest.mark.parametrize("alpha", [2, 3, 4, 6])
def test_explorer_colours_children_from_the_shared_palette(alpha):
    traces, layout = page.split_panels(alpha, 3, 48, seed=alpha)
    heat, dense, expected, drawn = traces
    assert {c for _, c in heat.colorscale} == set(WIDTH_COLOURS[:alpha])
    assert dense.marker.color == variant_colour("dense")
    assert drawn.marker.color == variant_colour("random")
    assert expected.marker.color == REFERENCE_COLOUR
    # every cell is numbered with its child, so no reading depends on colour alone
    assert [[int(t) for t in row] for row in heat.text] == [list(row) for row in heat.z]
    labels = layout["yaxis.ticktext"]
    assert all(re.fullmatch(r"clause \d+: (whole|cut|collides)", t) for t in labels)


def test_explorer_rejects_more_children_than_colours():
    with pytest.raises(ValueError, match="1 to 6"):
        page.split_panels(len(WIDTH_COLOURS) + 1, 3, 48)


def test_split_panels_counts_whole_and_colliding_clauses():
    heat, dense, expected, drawn = page.split_panels(2, 1, 4, seed=0)[0]
    assert list(drawn.y) == [1.0, 1 / 3] and list(expected.y)[0] == 1.0  # 4 singletons, 2+2
    labels = page.split_panels(2, 1, 4, seed=0)[1]["yaxis.ticktext"]
    assert all(label.endswith("collides") for label in labels)
    heat, dense, expected, drawn = page.split_panels(2, 4, 8, seed=3)[0]
    whole = sum(len(set(row)) == 1 for row in heat.z)
    assert list(drawn.y)[0] == whole / 2


def test_explorer_shows_one_setting_with_the_menu_clear_of_the_toolbar():
    fig = page.explorer_figure(24, ks=[1, 3], alphas=[2, 6], first=(3, 6))
    assert sum(bool(t.visible) for t in fig.data) == 4  # heatmap and three bars
    assert fig.layout.sliders[0].active == 1
    menu = fig.layout.updatemenus[0]
    assert menu.x == 0 and menu.xanchor == "left"  # plotly's toolbar sits at the top right
    assert [b.label for b in menu.buttons] == ["k = 1", "k = 3"]
    for _, axis in _axes(fig):
        assert axis.title.text
    _short_hover(fig)


def test_a_single_setting_has_no_controls():
    fig = page.explorer_figure(16, ks=[2], alphas=[4], seed=5)
    assert len(fig.data) == 4 and all(t.visible for t in fig.data)
    assert not fig.layout.updatemenus and not fig.layout.sliders


# ------------------------------------------------------------------------------ Monte Carlo


@pytest.fixture(scope="module")
def mc_table():
    return page.monte_carlo_table(24, alphas=[2, 4, 8], ks=[1, 2, 3], trials=2000)


def test_simulations_agree_with_the_closed_forms(mc_table):
    assert len(mc_table) == 3 * 3 * 2 * 2
    assert page.worst_z(mc_table) < 4  # the chapter's check


def test_the_agreement_check_catches_a_wrong_closed_form(monkeypatch):
    wrong = lambda alpha, k, d=None, model="independent": 1.2 * alpha ** -(k - 1)
    monkeypatch.setattr(theory, "coverage_probability", wrong)
    table = page.monte_carlo_table(24, alphas=[2], ks=[2], trials=2000)
    assert page.worst_z(table) > 4


def test_worst_z_ignores_rows_without_a_standard_error():
    table = pd.DataFrame({"std. error": [0.0, 0.1, 0.2], "z": [9.0, -2.5, 1.0]})
    assert page.worst_z(table) == 2.5
    assert page.worst_z(table.iloc[:1]) == 0.0


def test_monte_carlo_display_fits_a_narrow_column(mc_table):
    styler = page.monte_carlo_display(mc_table)
    assert styler.data.shape == (9, 5)
    assert list(styler.data.columns[:2]) == [("coverage", "exact"), ("coverage", "simulated")]
    cells = _cells(styler)
    _no_float_junk(cells, 4)
    assert all(c == "" or re.fullmatch(r"\d\.\d{4}|\d+\.\d", c) for c in cells), cells


def test_probability_figure_is_labelled_with_short_hover_labels(mc_table):
    fig = page.probability_figure(mc_table)
    assert fig.layout.xaxis.tickvals == (2, 4, 8)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == 1
    assert fig.layout.yaxis.title.text and fig.layout.xaxis.title.text
    assert [t.name for t in fig.data if t.showlegend] == ["k = 1", "k = 2", "k = 3"]
    assert "95 % Wilson" in fig.layout.title.text
    assert {t.line.color for t in fig.data if t.mode == "lines"} <= set(WIDTH_COLOURS)
    _short_hover(fig)


def test_probability_figure_error_bars_stay_inside_the_axis(mc_table):
    fig = page.probability_figure(mc_table)
    low = 10 ** fig.layout.yaxis.range[0]
    bars = [t for t in fig.data if t.error_y and t.error_y.arrayminus is not None]
    assert bars
    for trace in bars:
        for y, minus in zip(trace.y, trace.error_y.arrayminus):
            assert y - minus > low


# ---------------------------------------------------------------------------------- tables


def test_small_tables_show_integers_as_integers():
    assert _cells(page.pilot_theory_table(8, 2, 0.2174, 0.3844)) == ["8", "28", "1.74", "0.38"]
    totals = CensusTotals(instances=100, whole=20, cut=50, pruned=30, pairs=40, collisions=1)
    styler = page.census_table(totals, 0.25, 0.02)
    assert styler.data.shape == (2, 5)
    cells = _cells(styler)
    assert cells[:4] == ["0.2500", "0.2857", "20", "70"] and cells[7:9] == ["1", "40"]
    _no_float_junk(cells, 4)


def test_interval_table_shows_numbers_and_no_verdict():
    c = Comparison("a - b", 0.0217666, -0.001, 0.044, 0.9875, 19, 20, 0.04, 0.16, "t")
    styler = page.interval_table({"a - b": c})
    assert list(styler.data.columns) == ["mean", "low", "high", "level (%)", "seeds"]
    assert _cells(styler) == ["2.18", "-0.10", "4.40", "98.75", "20"]


def test_coverage_groups_and_summary_tables():
    keys = ("clause", "whole_somewhere", "dense_accuracy", "fpe_accuracy", "log_error_ratio")
    rows = [
        dict(zip(keys, (0, True, 0.9, 0.95, -0.5))),
        dict(zip(keys, (1, True, 0.8, 0.85, -0.25))),
        dict(zip(keys, (2, False, 0.8, 0.85, -0.25))),
    ]
    styler = page.coverage_groups_table(rows)
    assert styler.data.shape == (2, 4)
    assert _cells(styler)[:4] == ["1", "80.0", "85.0", "-0.250"]  # cut everywhere first
    assert _cells(styler)[4:] == ["2", "85.0", "90.0", "-0.375"]
    v = {"dense": 5.41666, "random": 6.1666, "clause": 1.0}
    cells = _cells(page.summary_table({"a": v, "b": v}))
    assert cells[:2] == ["5.42", "5.42"]
    _no_float_junk(cells, 2)
