"""The CNN chapter's helpers and its experiment exercise: one colour per variant for its line
and its per-seed dots, tables without float junk, sentences for a single width."""

import pytest
from support_real_pages import assert_clean_table, assert_readable_figure, result

from expand_neurons import expand
from expand_neurons.book import exercises
from expand_neurons.book.pages import cnn as page
from expand_neurons.book.pages.real import COLOURS, DENSE_COLOUR
from expand_neurons.models import ConvNet

WIDTHS = [2, 4, 8]


def _result(widths=WIDTHS):
    rows = []
    for w in widths:
        rows.append(
            {
                "hidden": w,
                "alpha": 4,
                "variant": "dense",
                "nonzero": 1000 + w,
                "accuracies": [0.3 + 0.05 * w, 0.5, 0.2 + 0.06 * w],
            }
        )
        rows.append(
            {
                "hidden": w,
                "alpha": 4,
                "variant": "random",
                "nonzero": 1000 + w,
                "accuracies": [0.6 + 0.01 * w, 0.62, 0.58],
            }
        )
    return result(rows)


def test_width_figure_dots_share_their_lines_colour():
    fig = page.width_figure(_result(), WIDTHS, 4)
    assert_readable_figure(fig)
    by_group = {}
    for t in fig.data:
        by_group.setdefault(t.legendgroup, []).append(t)
    assert set(by_group) == {"dense", "FPE α = 4"}
    for group, colour in (("dense", DENSE_COLOUR), ("FPE α = 4", COLOURS[1])):
        line, dots = by_group[group]
        assert line.mode == "lines+markers" and dots.mode == "markers"
        assert line.line.color == line.marker.color == dots.marker.color == colour
        assert line.showlegend and dots.showlegend is False
        assert len(dots.y) == 3 * len(WIDTHS)
    assert "single seeds" in fig.layout.legend.title.text


def test_width_table_keeps_decimals_beside_the_verdict():
    res = _result()
    ahead, smallest = page.width_family(res, WIDTHS, 4)
    table = page.width_table(res, WIDTHS, 4, ahead)
    assert_clean_table(table, ["d.f.", "non-zeros"])
    assert set(table.data["verdict"]) <= {"better", "worse", "not distinguishable"}
    assert len(smallest) == len(WIDTHS) - 1


def test_finding_and_numbers_with_a_single_width():
    res = _result([2])
    ahead, smallest = page.width_family(res, [2], 4)
    assert smallest == []
    out = page.width_numbers(res, [2], 4, ahead, smallest)
    assert "cannot be tested with a single width" in out["verdict"]
    assert out["cnn_smallest"] == "none" and out["cnn_family"] == 1


def test_counts_table_is_integers():
    net = ConvNet((1, 28, 28), (8, 16), 2, 10)
    big = expand(net, 4, "random", seed=0)
    assert_clean_table(page.counts_table(net, big, 4), ["dense", "FPE α = 4"])
    unpruned = expand(net, 4, "random", seed=0, prune=False)
    numbers = page.network_numbers(type("Cfg", (), {"channels": (8, 16)}), net, big, unpruned)
    assert numbers["head_surplus"] == (4 - 1) * (10 * 2 + 2)  # copied outputs + child biases
    assert numbers["demo_neurons"] == 8


def test_stored_words_when_nothing_is_stored():
    assert "No head width" in page.stored_words({"records": []}, 4)


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
        return _result([2])

    from expand_neurons.book import runs

    monkeypatch.setattr(runs, "run", fake_run)
    right = lambda cfg: cfg.replace(seeds=6, grid={"hidden": [2]})  # noqa: E731
    message = exercises.check_cnn_seeds_run(right, "quick", train=True)
    assert message.startswith("Correct") and "collapsed" in message
    assert calls == [("cnn-fashion", "quick", {"seeds": 6, "grid": {"hidden": (2,)}})]


def test_duration_and_paper_time_read_the_stored_cells_only():
    from expand_neurons.book.pages.real import duration, paper_time

    assert [duration(s) for s in (0.2, 1, 42, 480, 9000)] == [
        "under one second",
        "1 second",
        "42 seconds",
        "8 minutes",
        "2.5 hours",
    ]
    missing = {"cells": {"stored": 0, "total": 5}, "provenance": []}
    assert paper_time([missing]) == "None of the 5 paper-profile cells of this page is stored yet."
    stored = {"cells": {"stored": 2, "total": 2}, "provenance": [{"cpu_s": 60.0}, {"cpu_s": 30.0}]}
    assert paper_time([stored, missing]) == (
        "The 2 stored paper-profile cells (of 7) took 90 seconds of CPU time when they were "
        "computed, as recorded in the store."
    )
