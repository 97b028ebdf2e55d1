"""The superposition chapter's figures and tables: readable heatmaps, the laboratory figure marks
the rule's box and the two laboratories, tables without float junk, correlations that say
"undefined" (NaN) where a column is flat."""

import math

import pandas as pd
import pytest
import torch

from expand_neurons.book.figures import variant_colour
from expand_neurons.book.pages import superposition as page
from expand_neurons.experiments.laboratory import Candidate
from expand_neurons.training import History


def _frame(accuracies, polysemantic, capacities=None, cosines=None):
    n = len(accuracies)
    return pd.DataFrame(
        {
            "accuracy": accuracies,
            "polysemantic": polysemantic,
            "capacity": capacities if capacities is not None else [0.2] * n,
            "cosine": cosines if cosines is not None else [0.1 * (i + 1) for i in range(n)],
        }
    )


def test_accuracy_figure_draws_every_seed_their_mean_and_the_highlighted_one():
    histories = [History(epoch=[0, 10], test_accuracy=[0.5 + 0.1 * s, 0.9]) for s in range(3)]
    fig = page.accuracy_figure(histories, highlight=1)
    assert fig.layout.xaxis.title.text == "epoch"
    assert len(fig.data) == 5 and [t.showlegend for t in fig.data[:3]] == [True, False, False]
    assert {t.line.color for t in fig.data[:4]} == {variant_colour("dense")}
    assert list(fig.data[3].y) == pytest.approx([60.0, 90.0])  # the mean, in %
    assert list(fig.data[4].y) == pytest.approx([60.0, 90.0]) and fig.data[4].line.dash == "dash"
    assert "task seed 1" in fig.data[4].name


@pytest.mark.parametrize(
    ("top", "zmax"), [(0.41, 0.5), (0.5, 0.5), (0.59, 0.6), (0.12, 0.3), (1.0, 1.0)]
)
def test_attribution_scale_fits_the_data_and_breaks_at_the_threshold(top, zmax):
    got, scale = page.attribution_scale(top, 0.2)
    assert got == pytest.approx(zmax)
    positions = [p for p, _ in scale]
    assert positions == sorted(positions) and positions[0] == 0 and positions[-1] == 1
    cut = 0.2 / got
    below = {c for p, c in scale if p < cut}
    assert below == {"#f2f2f2"}  # grey below the threshold
    at = [c for p, c in scale if p == cut]
    assert at[0] == "#b0b0b0" and at[1] != at[0]  # grey up to it, a colour from it


def test_attribution_heatmap_writes_only_the_shares_that_count():
    A = torch.tensor([[0.5, 0.1, 0.25], [0.3, 0.15, 0.05], [0.2, 0.05, 0.02]])  # (clauses, neurons)
    fig = page.attribution_heatmap(A, seed=4, threshold=0.2)
    heat = fig.data[0]
    assert heat.zmax == pytest.approx(0.5)
    assert "20%" in heat.colorbar.title.text
    assert list(heat.text[0]) == ["50", "", "25"] and list(heat.text[2]) == ["20", "", ""]
    assert fig.layout.xaxis.ticktext[0] == "n0<br>poly"  # three clauses of 20 % or more
    assert fig.layout.xaxis.ticktext[2] == "n2"  # one clause only
    assert "task seed 4" in fig.layout.title.text


def _candidate(mean, at_ceiling, eligible, metric="exact_match"):
    design = {"outputs": "per_clause", "inputs": "uniform", "variables": "shared"}
    design |= {"distractors": "equal", "metric": metric}
    return Candidate(design, [mean - 0.1, mean + 0.1], mean, at_ceiling, eligible, 0.0)


def test_laboratory_figure_colours_the_eligible_and_labels_the_two_laboratories():
    chosen, old = _candidate(0.78, 0.0, True), _candidate(0.94, 0.2, False, "accuracy")
    other = _candidate(0.99, 1.0, False)
    fig = page.laboratory_figure([chosen, other, old], chosen, old)
    exact, per_label = fig.data
    assert list(exact.x) == pytest.approx([78, 99]) and list(per_label.y) == pytest.approx([20])
    assert exact.marker.color[0] != exact.marker.color[1]  # eligible against not
    assert "lowest seed 68.0 %" in exact.text[0] and "<br>" in exact.text[0]
    notes = {a.text: (a.x, a.y) for a in fig.layout.annotations}
    assert notes["chosen"] == pytest.approx((78, 0)) and notes["first laboratory"][0] == 94
    box = next(s for s in fig.layout.shapes if s.type == "rect")
    assert (box.x0, box.x1, box.y1) == pytest.approx((70, 85, 10))


def test_per_seed_table_puts_the_best_first_in_percent():
    frame = _frame([0.799, 1.0, 1.0], [4, 6, 5], [0.1211, 0.2, 0.3], [0.5] * 3)
    table = page.per_seed_table(frame)
    assert list(table["task seed"]) == [1, 2, 0]  # ties keep the seed order
    assert list(table.columns)[1:] == ["accuracy (%)", "poly. neurons", "capacity", "|cosine|"]
    assert table["accuracy (%)"].tolist() == pytest.approx([100, 100, 79.9])
    assert table["poly. neurons"].dtype.kind == "i"


def test_rank_correlations_are_nan_where_a_column_is_flat():
    rho = page.rank_correlations(_frame([0.9, 0.8, 0.7], [2, 2, 2]))
    assert math.isnan(rho["polysemantic"]) and math.isnan(rho["capacity"])
    assert rho["cosine"] == pytest.approx(-1.0)
    rho = page.rank_correlations(_frame([0.7, 0.8, 0.9], [1, 3, 2]))
    assert rho["polysemantic"] == pytest.approx(0.5)
    assert all(math.isnan(r) for r in page.rank_correlations(_frame([0.8] * 3, [1, 2, 3])).values())
