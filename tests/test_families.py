"""Paired families for the chapters' tables: Holm intervals, read seed by seed."""

import math

import pytest

from expand_neurons.book import paper
from expand_neurons.book.families import at_each, ordering
from expand_neurons.experiments import get


def record(variant, accuracies, **setting):
    return {"variant": variant, "accuracies": list(accuracies), **setting}


NOISE = [0.004, -0.003, 0.002, -0.004, 0.001, 0.0, -0.001, 0.003]


def result(*records, keys=()):
    return {"records": list(records), "setting_keys": list(keys)}


def test_a_close_call_has_an_interval_across_zero():
    # The fpe pilot's old overstatement: means in the paper's order, paired difference tiny.
    dense = [0.90 + 0.01 * j for j in range(8)]
    random_ = [d + 0.05 + n for d, n in zip(dense, NOISE[::-1])]
    clause = [r + 0.001 + n for r, n in zip(random_, NOISE)]
    fam = ordering(result(record("dense", dense), record("random", random_),
                          record("clause", clause)), ["clause", "random", "dense"])  # fmt: skip
    assert list(fam) == ["clause − random", "random − dense"]
    assert sum(clause) > sum(random_) > sum(dense)  # the means are in the paper's order
    assert fam["clause − random"].verdict == "not distinguishable"
    assert fam["clause − random"].low < 0 < fam["clause − random"].high
    assert fam["random − dense"].low > 0
    assert all(c.df == 7 and c.n == 8 for c in fam.values())


def test_holm_widens_the_intervals_of_a_family():
    dense = [0.80 + 0.02 * j for j in range(6)]
    res = result(*(record("dense", dense, h=h) for h in (2, 4, 8)),
                 *(record("random", [d + 0.03 + n for d, n in zip(dense, NOISE)], h=h)
                   for h in (2, 4, 8)), keys=["h"])  # fmt: skip
    fam = at_each(res, "h", "random", "dense")
    assert list(fam) == [2, 4, 8]
    levels = sorted(c.level for c in fam.values())
    assert levels[-1] == pytest.approx(1 - 0.05 / 3) and all(lv >= 0.95 for lv in levels)
    assert all(c.low > 0 for c in fam.values())


def test_bad_requests_say_what_is_allowed():
    res = result(record("dense", [0.5, 0.6]), record("random", [0.6, 0.7]))
    with pytest.raises(ValueError, match="at least two variants"):
        ordering(res, ["random"])
    with pytest.raises(ValueError, match="no record has field"):
        at_each(res, "hidden", "random", "dense")


def test_the_pilot_ordering_on_a_tiny_seeded_run_comes_from_stats():
    pilot = get("boolean-pilot").run("quick", seeds=3, epochs=20, n_train=256, n_test=256)
    fam = ordering(pilot, ["clause", "random", "dense"])
    assert [c.df for c in fam.values()] == [2, 2]
    for c in fam.values():
        assert c.low <= c.mean <= c.high and math.isfinite(c.p)
        expected = "better" if c.low > 0 else "worse" if c.high < 0 else "not distinguishable"
        assert c.verdict == expected
    rerun = get("boolean-pilot").run("quick", seeds=3, epochs=20, n_train=256, n_test=256)
    again = ordering(rerun, ["clause", "random", "dense"])
    assert again == fam  # seeded: the same verdicts every time


def test_the_paper_numbers_are_quoted_once():
    assert paper.PILOT_ACCURACY == {"dense": 0.787, "random": 0.887, "clause": 0.994}
    assert set(paper.DIRECTIONS) >= {"clauses", "neurons", "alpha", "load", "widths"}
    assert paper.SATURATION_CLAUSES == 16


def test_the_paper_s_numbers_go_onto_figures_as_marks_and_notes():
    from plotly.subplots import make_subplots

    from expand_neurons.book.figures import PAPER_MARKER, paper_note, paper_points

    fig = make_subplots(rows=1, cols=2)
    names = list(paper.PILOT_ACCURACY)
    paper_points(fig, names, [100 * paper.PILOT_ACCURACY[n] for n in names], row=1, col=1)
    paper_note(fig, paper.DIRECTIONS["clauses"], row=1, col=2)
    (trace,) = fig.data
    assert trace.name == "paper" and list(trace.y) == [78.7, 88.7, 99.4]
    assert trace.marker.symbol == PAPER_MARKER["symbol"]
    note = fig.layout.annotations[-1]
    assert note.xref == "x2 domain" and note.text == f"paper: {paper.DIRECTIONS['clauses']}"
    assert (note.y, note.yanchor) == (1, "bottom")  # above the axes: it never covers data
    single = paper_note(make_subplots(rows=1, cols=1), "two<br>lines")
    assert single.layout.annotations[-1].xref == "paper"
    assert single.layout.margin.t >= 2 * 16 + 40  # room for both lines under the title
