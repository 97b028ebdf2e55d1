"""The chapters' verdicts: Holm families read off intervals, never off means."""

import math

import pytest

from expand_neurons.book import paper
from expand_neurons.book.verdicts import (
    TRENDS,
    against_dense,
    at_each,
    bracket,
    gain_steps,
    gains,
    kept_share,
    listing,
    ordering,
    predicate,
    step_pairs,
    tally,
    trend,
)
from expand_neurons.claims.outcomes import Outcome
from expand_neurons.experiments import get


def record(variant, accuracies, **setting):
    return {"variant": variant, "accuracies": list(accuracies), **setting}


NOISE = [0.004, -0.003, 0.002, -0.004, 0.001, 0.0, -0.001, 0.003]


def result(*records, keys=()):
    return {"records": list(records), "setting_keys": list(keys)}


def test_a_close_call_is_not_distinguishable_and_never_better():
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
    assert fam["random − dense"].verdict == "better"
    assert trend(fam.values(), "better") is Outcome.INCONCLUSIVE
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
    assert trend(fam.values(), "better") is Outcome.SUPPORTED
    assert "of 3" in tally(fam.values()) and "d.f." in listing(fam.values())


def test_gain_steps_follow_the_trend_and_say_when_it_fails():
    dense = [0.5 + 0.01 * j for j in range(8)]
    rising = {n: [d * (1 + 0.1 * i) + n_ for d, n_ in zip(dense, NOISE)]
              for i, n in enumerate((4, 8, 16))}  # fmt: skip
    res = result(*(record("dense", dense, n_clauses=n) for n in rising),
                 *(record("random", a, n_clauses=n) for n, a in rising.items()),
                 keys=["n_clauses"])  # fmt: skip
    steps = gain_steps(res, "n_clauses")
    assert list(steps) == [(4, 8), (8, 16)]
    assert trend(steps.values(), "better") is Outcome.SUPPORTED
    assert trend(steps.values(), "worse") is Outcome.CONTRADICTED
    g = gains(res, "random", "dense", n_clauses=8)
    assert g[0] == pytest.approx((rising[8][0] - dense[0]) / dense[0])
    pairs = step_pairs(res, "n_clauses")
    assert list(pairs) == ["n_clauses 4 → 8", "n_clauses 8 → 16"]
    assert pairs["n_clauses 4 → 8"] == (gains(res, "random", "dense", n_clauses=8),
                                        gains(res, "random", "dense", n_clauses=4))  # fmt: skip


def test_a_sweep_with_one_stored_value_has_no_steps():
    res = result(record("dense", [0.5, 0.6], hidden=4), record("random", [0.6, 0.7], hidden=4))
    assert gain_steps(res, "hidden") == {} and step_pairs(res, "hidden") == {}
    assert trend(gain_steps(res, "hidden").values(), "better") is Outcome.INCONCLUSIVE


def test_a_flat_trend_is_not_distinguishable():
    dense = [0.5 + 0.01 * j for j in range(8)]
    res = result(*(record("dense", dense, alpha=a) for a in (2, 3)),
                 *(record("random", [d + 0.02 + s * n for d, n in zip(dense, NOISE)], alpha=a)
                   for a, s in ((2, 1), (3, -1))), keys=["alpha"])  # fmt: skip
    assert trend(gain_steps(res, "alpha").values(), "better") is Outcome.INCONCLUSIVE


def test_kept_share_is_judged_seed_by_seed():
    dense = [0.80 + 0.01 * j for j in range(8)]
    rnd = [d + 0.10 for d in dense]
    keeps_all = [r + n for r, n in zip(rnd, NOISE)]  # keeps ~100 % of the gain
    keeps_half = [d + 0.05 + n for d, n in zip(dense, NOISE)]  # keeps ~50 %
    res = result(record("dense", dense), record("random", rnd),
                 record("grouped-1", keeps_half, blocks=1),
                 record("grouped-4", keeps_all, blocks=4))  # fmt: skip
    keeps = kept_share(res, 0.8)
    assert list(keeps) == [1, 4]
    assert keeps[4].verdict == "better" and keeps[1].verdict == "worse"
    with pytest.raises(ValueError, match="share must be in"):
        kept_share(res, 1.5)


def test_the_dense_ladder_brackets_the_matched_size():
    fpe = [0.70 + n for n in NOISE]
    ladder = ((0.60, 100, 8), (0.70, 120, 10), (0.80, 150, 12))  # accuracy, non-zeros, width
    res = result(record("random", fpe, alpha=4, nonzero=100, hidden=8),
                 *(record("dense", [acc + n for n in NOISE[::-1]], nonzero=nz, hidden=h)
                   for acc, nz, h in ladder))  # fmt: skip
    ladder = against_dense(res, 4)
    assert [c.verdict for c in ladder.values()] == ["better", "not distinguishable", "worse"]
    assert bracket(ladder, 100) == (1.0, 1.5)
    assert 1.0 < paper.CLIP_MATCH["param_ratio"] < 1.5


def test_bad_requests_say_what_is_allowed():
    res = result(record("dense", [0.5, 0.6]), record("random", [0.6, 0.7]))
    with pytest.raises(ValueError, match="'better' or 'worse'"):
        trend([], "up")
    with pytest.raises(ValueError, match="at least two variants"):
        ordering(res, ["random"])
    with pytest.raises(ValueError, match="no record has field"):
        at_each(res, "hidden", "random", "dense")
    assert trend([], "better") is Outcome.INCONCLUSIVE and Outcome.SUPPORTED in TRENDS
    assert [predicate(w) for w in TRENDS] == ["is supported", "is contradicted", "is inconclusive"]
    with pytest.raises(ValueError, match="allowed are"):
        predicate("rises")


def test_the_pilot_ordering_on_a_tiny_seeded_run_comes_from_stats():
    pilot = get("boolean-pilot").run("quick", seeds=3, epochs=20, n_train=256, n_test=256)
    fam = ordering(pilot, ["clause", "random", "dense"])
    assert [c.df for c in fam.values()] == [2, 2]
    for c in fam.values():
        assert c.low <= c.mean <= c.high and math.isfinite(c.p)
        expected = "better" if c.low > 0 else "worse" if c.high < 0 else "not distinguishable"
        assert c.verdict == expected
    assert trend(fam.values(), "better") in TRENDS
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
