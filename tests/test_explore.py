"""Explorable figures (``expand_neurons.book.explore``): the profile switch carries every
profile's data, the view buttons only change what is visible, hovers list the seeds' paired
differences a few to a line, and a profile that lacks a cell or a view says so."""

from __future__ import annotations

import json

import pytest

from expand_neurons.book.explore import (
    SEEDS_PER_LINE,
    Panel,
    Point,
    Profile,
    explorable,
    profiles,
    record_points,
    seed_differences,
)

PANELS = [
    Panel("width", "test accuracy (%)", log_x=True),
    Panel("width", "relative gain (%)", log_x=True, zero=True, signed=True),
]
PROFILES = [Profile("paper (stored)", ("hidden=32",), 3), Profile("quick (this build)")]


def _points() -> list[Point]:
    """Dense and FPE at widths 8 and 16 (paper) or 8 only (quick), paper's accuracies 10 points
    above quick's; FPE's gains in panel 1; a second view ("α = 4") in the paper profile only."""
    out = []
    for profile, widths, lift in (
        ("paper (stored)", (8, 16), 10.0),
        ("quick (this build)", (8,), 0),
    ):
        for h in widths:
            common = {"profile": profile, "x": h, "view": "α = 2"}
            out.append(Point(value=50 + lift, series="dense", **common))
            diffs = (1.5, -0.5, 2.0)
            out.append(Point(value=52 + lift, series="FPE", seeds=diffs, **common))
            out.append(Point(value=4.0, panel=1, series="FPE", seeds=diffs, **common))
    out.append(Point("paper (stored)", 8, 60.0, view="α = 4", series="FPE"))
    return out


def _figure():
    return explorable(_points(), PANELS, PROFILES, title="t", note="a direction")


def test_the_switch_carries_both_profiles_data_and_starts_on_the_first():
    fig = _figure()
    switch, views = fig.layout.updatemenus
    assert [b.label for b in switch.buttons] == ["paper (stored)", "quick (this build)"]
    paper, quick = (b.args[0] for b in switch.buttons)
    lines = [i for i, t in enumerate(fig.data) if t.name == "dense"]
    first = lines[0]  # dense's accuracy in view "α = 2"
    assert paper["y"][first] == [60.0, 60.0] and paper["x"][first] == [8, 16]
    assert quick["y"][first] == [50.0] and quick["x"][first] == [8]
    assert list(fig.data[first].y) == [60.0, 60.0]  # the first profile is drawn
    assert all(len(d[k]) == len(fig.data) for d in (paper, quick) for k in d)
    # The switch swaps data, never visibility: the view buttons own that.
    assert "visible" not in paper and all(set(b.args[0]) == {"visible"} for b in views.buttons)
    # Each profile ticks its own widths.
    assert switch.buttons[0].args[1]["xaxis.tickvals"] == [8, 16]
    assert switch.buttons[1].args[1]["xaxis.tickvals"] == [8]
    json.loads(fig.to_json())  # what the page embeds


def test_view_buttons_show_one_view_in_every_panel():
    fig = _figure()
    views = fig.layout.updatemenus[1]
    assert [b.label for b in views.buttons] == ["α = 2", "α = 4"]
    second = views.buttons[1].args[0]["visible"]
    assert [t.name for t, v in zip(fig.data, second) if v] == ["FPE"]
    first = views.buttons[0].args[0]["visible"]
    assert [t.visible for t in fig.data] == first  # the first view is shown
    assert {t.xaxis for t, v in zip(fig.data, first) if v} == {"x", "x2"}


def test_hover_lists_the_seeds_paired_differences_a_few_to_a_line():
    fig = _figure()
    fpe = next(t for t in fig.data if t.name == "FPE" and t.xaxis == "x")
    assert "FPE − dense per seed (points):<br>+1.5, -0.5, +2.0" in fpe.hovertext[0]
    assert fpe.hovertemplate == "%{hovertext}<extra></extra>"
    gain = next(t for t in fig.data if t.name == "FPE" and t.xaxis == "x2")
    assert gain.hovertext[0].splitlines()[0].startswith("FPE<br>+4.0 %")
    many = tuple(float(i) for i in range(12))
    wide = explorable(
        [Point("p", 1, 3.0, seeds=many, about="twelve seeds")],
        PANELS[:1],
        [Profile("p")],
        title="t",
    )
    lines = wide.data[0].hovertext[0].split("<br>")
    seed_lines = lines[lines.index("FPE − dense per seed (points):") + 1 :]
    assert [len(x.split(", ")) for x in seed_lines] == [SEEDS_PER_LINE, SEEDS_PER_LINE, 2]


def test_a_profile_announces_its_missing_cells_and_views():
    fig = _figure()
    paper, quick = (
        b.args[1]["title.subtitle.text"].replace("<br>", " ")
        for b in fig.layout.updatemenus[0].buttons
    )
    assert "1\u00a0of\u00a03 cells not computed yet (hidden=32)" in paper
    assert "no data for α = 4" in quick and "not computed" not in quick
    assert fig.layout.title.subtitle.text.replace("<br>", " ") == paper
    empty = explorable(_points(), PANELS, [*PROFILES, Profile("cnn", (), 5)], title="t")
    assert "cnn; not computed yet (0 of 5 cells)" in empty.layout.updatemenus[0].buttons[2].args[1][
        "title.subtitle.text"
    ].replace("<br>", " ")


def test_the_first_profile_with_data_is_shown_first():
    pts = [p for p in _points() if p.profile == "quick (this build)"]
    fig = explorable(pts, PANELS, PROFILES, title="t")
    assert fig.layout.updatemenus[0].active == 1
    assert fig.layout.title.subtitle.text.startswith("quick (this build)")


def test_one_profile_and_one_view_draw_no_buttons():
    pts = [p for p in _points() if p.profile == "quick (this build)"]
    fig = explorable(pts, PANELS, PROFILES[1:], title="t")
    assert not fig.layout.updatemenus


def test_a_map_blanks_missing_cells_and_greys_muted_ones():
    cells = [
        Point("p", 4, 10.0, row=8, label="+10", seeds=(1.0, 2.0)),
        Point("p", 8, 20.0, row=8, label="+20", muted=True),
        Point("p", 4, None, row=16),  # not computed
        Point("q", 4, 5.0, row=8, label="+5"),
    ]
    panel = Panel("clauses", "neurons", kind="map")
    fig = explorable(cells, [panel], [Profile("p"), Profile("q")], title="t")
    coloured, grey = fig.data
    assert list(coloured.x) == ["4", "8"] and list(coloured.y) == ["8", "16"]
    assert [list(r) for r in coloured.z] == [[10.0, None], [None, None]]
    assert [list(r) for r in grey.z] == [[None, 20.0], [None, None]]
    assert "+1.0, +2.0" in coloured.hovertext[0][0]
    switch = fig.layout.updatemenus[0]
    assert switch.buttons[1].args[0]["z"][0] == [[5.0]]
    assert switch.buttons[0].args[1]["yaxis.categoryarray"] == ["8", "16"]
    assert switch.buttons[1].args[1]["xaxis.categoryarray"] == ["4"]


def test_bad_input_names_what_is_allowed():
    with pytest.raises(ValueError, match="kind must be one of"):
        Panel("x", "y", kind="bars")
    with pytest.raises(ValueError, match="profiles are"):
        explorable([Point("nope", 1, 1.0)], PANELS, PROFILES, title="t")
    with pytest.raises(ValueError, match="there are 2 panels"):
        explorable([Point("quick (this build)", 1, 1.0, panel=2)], PANELS, PROFILES, title="t")
    with pytest.raises(ValueError, match="distinct"):
        explorable([], PANELS, [Profile("a"), Profile("a")], title="t")
    with pytest.raises(ValueError, match="cannot pair 2 seeds"):
        seed_differences({"variant": "random", "accuracies": [0.5, 0.6]}, {"accuracies": [0.4]})


def _record(variant: str, accs: list[float], **extra) -> dict:
    mean = sum(accs) / len(accs)
    return {"hidden": 8, "variant": variant, "accuracies": accs, "accuracy": mean,
            "accuracy_std": 0.01, **extra}  # fmt: skip


def test_record_points_pair_fpe_with_its_dense_seed_by_seed():
    dense = _record("dense", [0.5, 0.6])
    fpe = _record("random", [0.55, 0.58], relative_gain=0.04, relative_gain_std=0.1)
    result = {"records": [dense, fpe], "setting_keys": ["hidden"]}
    acc, gain = record_points(result, fpe, profile="p", x=8, series="FPE", dots=True)
    assert acc.seeds == pytest.approx((5.0, -2.0)) and gain.seeds == acc.seeds
    assert acc.dots == pytest.approx((55.0, 58.0)) and gain.panel == 1 and gain.value == 4.0
    (d,) = record_points(result, dense, profile="p", x=8, series="dense")
    assert d.seeds == pytest.approx((50.0, 60.0)) and d.seeds_label == "accuracy per seed (%)"


def test_profiles_label_the_stored_and_the_live_result():
    stored = {
        "experiment": "e",
        "profile": "paper",
        "missing": ["e hidden=4"],
        "cells": {"total": 2},
    }
    pairs = profiles(stored, {"profile": "quick"})
    assert [p.label for p, _ in pairs] == ["paper (stored)", "quick (this build)"]
    assert pairs[0][0].missing == ("hidden=4",) and pairs[0][0].cells == 2
    assert [p.label for p, _ in profiles({"profile": "quick"})] == ["quick"]
