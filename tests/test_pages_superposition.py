"""The superposition chapter's helpers: readable figures, tables without float junk, sentences
that hold up in the degenerate cases (no perfect network, ties, flat columns)."""

import re
import warnings

import pandas as pd
import pytest
import torch

from expand_neurons.book.pages import superposition as page
from expand_neurons.training import History


def _cells(styler) -> list[str]:
    html = styler.to_html()
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html)]


def _frame(accuracies, polysemantic, cosines=None):
    n = len(accuracies)
    cosines = cosines if cosines is not None else [0.1 * (i + 1) for i in range(n)]
    return page.per_seed_frame(accuracies, polysemantic, [0.2] * n, cosines)


# --------------------------------------------------------------------------------- figures


def test_accuracy_figure_is_labelled_and_its_legend_matches_its_lines():
    histories = [History(epoch=[0, 10], test_accuracy=[0.5 + 0.1 * s, 0.9]) for s in range(3)]
    fig = page.accuracy_figure(histories, highlight=1)
    assert fig.layout.xaxis.title.text == "epoch"
    assert fig.layout.yaxis.title.text == "test accuracy (%)"
    shown = [t for t in fig.data if t.showlegend is not False]
    assert [t.line.color for t in shown] == [page.SEED_COLOUR, page.SEED_COLOUR, page.WORST_COLOUR]
    assert "task seed 1" in shown[-1].name
    assert list(fig.data[-2].y) == pytest.approx([60.0, 90.0])  # the mean, in %


@pytest.mark.parametrize(
    ("top", "zmax"), [(0.41, 0.5), (0.5, 0.5), (0.59, 0.6), (0.12, 0.3), (1.0, 1.0)]
)
def test_attribution_scale_fits_the_data_and_breaks_at_the_threshold(top, zmax):
    got, scale = page.attribution_scale(top, 0.2)
    assert got == pytest.approx(zmax)
    positions = [p for p, _ in scale]
    assert positions == sorted(positions) and positions[0] == 0 and positions[-1] == 1
    cut = 0.2 / got
    below = [c for p, c in scale if p < cut or (p == cut and c in page._BELOW)]
    assert set(below) == set(page._BELOW)  # grey up to the threshold, colour from it
    assert [c for p, c in scale if p == cut] == [page._BELOW[1], page._VIRIDIS[0]]


def test_attribution_heatmap_marks_the_threshold():
    A = torch.tensor([[0.5, 0.1, 0.25], [0.3, 0.15, 0.05], [0.2, 0.05, 0.02]])  # (clauses, neurons)
    fig = page.attribution_heatmap(A, seed=4, threshold=0.2)
    heat = fig.data[0]
    assert heat.zmax == pytest.approx(0.5)
    assert "0 to 50 %" in heat.colorbar.title.text and "below 20 %" in heat.colorbar.title.text
    assert "20 % (threshold)" in heat.colorbar.ticktext
    assert list(heat.text[0]) == ["50", "", "25"] and list(heat.text[2]) == ["20", "", ""]
    assert fig.layout.xaxis.title.text == "hidden neuron"
    assert fig.layout.yaxis.title.text == "clause"
    assert fig.layout.xaxis.ticktext[0] == "n0<br>(poly)"  # three clauses of 20 % or more
    assert fig.layout.xaxis.ticktext[1] == "n1"


def test_attribution_heatmap_threshold_between_ticks():
    A = torch.full((2, 2), 0.3)
    heat = page.attribution_heatmap(A, seed=0, threshold=0.25).data[0]
    assert "25 % (threshold)" in heat.colorbar.ticktext
    assert 0.25 in heat.colorbar.tickvals


# ---------------------------------------------------------------------------------- tables


def test_per_seed_table_has_integers_fixed_decimals_and_the_best_first():
    frame = page.per_seed_frame([0.799000002, 1.0, 1.0], [4, 6, 5], [0.1211, 0.2, 0.3], [0.5] * 3)
    cells = _cells(page.per_seed_table(frame))
    assert cells[:5] == ["1", "100.0", "6", "0.200", "0.500"]  # ties keep the seed order
    assert cells[5:7] == ["2", "100.0"]
    assert cells[10:13] == ["0", "79.9", "4"]
    for c in cells:
        assert not re.fullmatch(r"\d+\.\d{4,}", c), c


def test_correlation_table_is_blank_where_undefined():
    frame = _frame([0.9, 0.8, 0.7], [2, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cells = _cells(page.correlation_table(frame))
    assert cells[0] == ""  # polysemantic does not vary
    assert cells[2] == "-1.00"


# -------------------------------------------------------------------------------- sentences


def test_seeds_phrase():
    assert page.seeds_phrase([3]) == "task seed 3"
    assert page.seeds_phrase([3, 7]) == "task seeds 3 and 7"
    assert page.seeds_phrase([1, 3, 7]) == "task seeds 1, 3 and 7"
    with pytest.raises(ValueError):
        page.seeds_phrase([])


def test_perfect_sentence_none_one_ties_and_no_polysemantic_neuron():
    assert page.perfect_sentence(_frame([0.9, 0.8], [3, 2]), 8).startswith("none of the 2")
    one = page.perfect_sentence(_frame([1.0, 0.8], [1, 2]), 8)
    assert "1 of the 2 networks is perfect" in one and "1 polysemantic neuron of 8" in one
    tie = page.perfect_sentence(_frame([1.0, 1.0, 1.0, 0.8], [6, 4, 6, 2]), 8)
    assert "3 of the 4 networks are perfect" in tie
    assert "task seeds 0 and 2, each have 6 polysemantic neurons of 8" in tie
    assert page.perfect_sentence(_frame([1.0, 1.0], [0, 0]), 8).endswith(
        "none of them has a polysemantic neuron"
    )


def test_signed_and_correlation_sentences():
    assert page.signed(0.346) == "+0.35" and page.signed(-0.5) == "-0.50"
    assert page.signed(float("nan")) == "undefined"
    cos, poly = page.correlation_sentences(0.5, 0.8)
    assert "less orthogonal" in cos and "the more accurate" in poly
    assert "*" not in cos + poly  # glued as plain text: no Markdown
    cos, poly = page.correlation_sentences(-0.5, -0.8)
    assert "more orthogonal" in cos and "less accurate" in poly
    cos, poly = page.correlation_sentences(0.0, float("nan"))
    assert "cannot be rank-correlated" in cos and "no rank correlation" in poly


def test_reading_sentence():
    assert "does not go with higher accuracy" in page.reading_sentence(-0.2, 0.8)
    assert "the way the reading" in page.reading_sentence(0.2, -0.8)
    assert "does not vary" in page.reading_sentence(float("nan"), 0.1)


def test_median_sentence_with_equal_accuracies():
    frame = _frame([0.9, 0.9, 0.9], [1, 2, 3], cosines=[0.2, 0.3, 0.4])
    assert page.median_sentence(frame).startswith("all networks reach the same accuracy")
    frame = _frame([1.0, 0.9, 0.8, 0.7], [1, 2, 3, 4], cosines=[0.5, 0.5, 0.1, 0.3])
    assert "0.50 against 0.20" in page.median_sentence(frame)


def test_glue_helpers(monkeypatch):
    glued = {}
    monkeypatch.setattr(page, "put", lambda name, value: glued.__setitem__(name, value))
    frame = _frame([1.0, 1.0, 0.9, 0.8], [6, 5, 4, 4])
    page.glue_inconvenient(frame, hidden=8)
    assert re.fullmatch(r"[+-]\d\.\d\d", glued["rho_cosine"])
    assert set(glued) >= {"perfect_story", "median_story", "cos_story", "poly_story"}
    assert "metrics_reading" in glued
    page.glue_attribution(torch.tensor([[0.5, 0.1], [0.3, 0.1]]), 2, 0.75, [1, 2, 3])
    assert glued["worst_acc"] == 75 and glued["mean_poly"] == 2 and glued["unrepresented"] == 0
    assert glued["worst_poly"] == 1


def test_per_seed_frame_types():
    frame = page.per_seed_frame(torch.tensor([0.5, 1.0]), [1, 2], (0.1, 0.2), (0.3, 0.4))
    assert frame.index.name == "task seed"
    assert frame["polysemantic"].dtype.kind == "i"
    assert isinstance(frame, pd.DataFrame)
