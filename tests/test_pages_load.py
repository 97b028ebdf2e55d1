"""The load chapter's figures, tables and numbers, on small seeded results."""

from __future__ import annotations

import inspect
import math
import re
import statistics
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from expand_neurons.book.figures import REFERENCE_COLOUR, VARIANT_COLOURS
from expand_neurons.book.pages import load as page

SEEDS = 6


def _record(variant: str, accs: list[float], dense: list[float], **setting) -> dict:
    gains = [(a - d) / d for a, d in zip(accs, dense)]
    metric = [0.3 + 0.01 * j for j in range(len(accs))]
    return {
        **setting,
        "variant": variant,
        "chance": 0.1,
        "accuracy": statistics.fmean(accs),
        "accuracy_std": statistics.stdev(accs),
        "accuracies": accs,
        "relative_gain": statistics.fmean(gains),
        "relative_gain_std": statistics.stdev(gains),
        "capacities": [m * (1.2 if variant != "dense" else 1) for m in metric],
        "split_capacities": [m * (1.1 if variant != "dense" else 1) for m in metric],
        "cosines": metric,
        "split_cosines": metric,
        "nonzero": 272,
    }


def _dense(level: float, rng: np.random.Generator) -> list[float]:
    return [float(min(level + 0.01 * rng.standard_normal(), 1.0)) for _ in range(SEEDS)]


def sweep(key: str, values: list, slope: float = 0.1, seed: int = 0, **fixed) -> dict:
    """A one-field sweep whose random split gains ``slope`` (relative) per doubling of the
    load; dense at 60 % everywhere except a perfect dense network where ``fixed`` says."""
    rng = np.random.default_rng(seed)
    records = []
    for v in values:
        setting = {"n_clauses": 8, "hidden": 8, "alpha": 2, "split_at": 0.5, key: v}
        setting["load"] = setting["n_clauses"] / setting["hidden"]
        dense = [1.0] * SEEDS if v in fixed.get("perfect", ()) else _dense(0.6, rng)
        gain = slope * math.log2(setting["load"]) + 0.2
        for variant, scale in (("dense", 0.0), ("random", 1.0), ("clause", 1.2)):
            accs = [
                min(d * (1 + scale * (gain + 0.01 * rng.standard_normal())), 1.0) for d in dense
            ]
            records.append(_record(variant, accs, dense, **setting))
    return {
        "experiment": f"boolean-{key}",
        "config": {"grid": {key: values}, "seeds": SEEDS},
        "records": records,
        "setting_keys": [key],
    }


def load_grid(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    records = []
    for n in (4, 8, 16):
        for h in (4, 8):
            setting = {"n_clauses": n, "hidden": h, "alpha": 2, "split_at": 0.5, "load": n / h}
            dense = [1.0] * SEEDS if (n, h) == (4, 8) else _dense(0.5, rng)
            rnd = [min(d * (1.1 + 0.05 * math.log2(n / h)), 1.0) for d in dense]
            records += [
                _record("dense", dense, dense, **setting),
                _record("random", rnd, dense, **setting),
            ]
    return {
        "experiment": "boolean-load",
        "config": {"grid": {"n_clauses": [4, 8, 16, 32], "hidden": [4, 8]}, "seeds": SEEDS},
        "records": records,
        "setting_keys": ["n_clauses", "hidden"],
    }


def _axes(fig, kind: str) -> list:
    return [fig.layout[k] for k in sorted(fig.layout) if re.fullmatch(f"{kind}axis\\d*", k)]


def assert_readable(fig) -> None:
    """Every axis has a title; the figure has a title and subtitle; no data in the grey of
    the reference lines; every hover is short and free of raw tuples."""
    for axis in _axes(fig, "x") + _axes(fig, "y"):
        assert axis.title.text, f"an axis without a title: {axis}"
    assert fig.layout.title.text and fig.layout.title.subtitle.text
    for trace in fig.data:
        if trace.type == "scatter":
            assert trace.marker.color != REFERENCE_COLOUR and trace.line.color != REFERENCE_COLOUR
        assert trace.hovertemplate and len(trace.hovertemplate) < 120
        assert not re.search(r"\(\d+, \d+\)", f"{trace.hovertemplate}{trace.text}")  # no tuples


# ------------------------------------------------------------------------------- numbers


def test_gain_trend_recovers_the_slope_per_doubling_over_healthy_settings():
    result = sweep("n_clauses", [4, 8, 16, 32], slope=0.1, perfect=(4,))
    trend = page.gain_trend(result)
    assert trend["healthy"] == [8, 16, 32]  # the perfect dense network is left out
    assert trend["settings"] == 4 and trend["seeds"] == SEEDS
    assert trend["slope"] == pytest.approx(10, abs=1.5)  # points of relative gain
    assert trend["low"] < trend["slope"] < trend["high"]
    flat = page.gain_trend(sweep("n_clauses", [4, 8, 16, 32], slope=0.0))
    assert abs(flat["slope"]) < 1.5


def test_gain_trend_of_fewer_than_two_healthy_settings_is_nan():
    trend = page.gain_trend(sweep("n_clauses", [4, 8], perfect=(4,)))
    assert trend["healthy"] == [8]
    grid = page.gain_trend(load_grid())
    assert (4, 8) not in grid["healthy"] and (4, 4) in grid["healthy"]
    assert math.isnan(trend["slope"]) and trend["seeds"] == 0


def test_mean_gains_are_percent_in_grid_order():
    result = sweep("hidden", [16, 4, 8])
    gains = page.mean_gains(result, "hidden")
    assert list(gains) == [4, 8, 16]
    record = next(r for r in result["records"] if r["variant"] == "random" and r["hidden"] == 4)
    assert gains[4] == pytest.approx(100 * record["relative_gain"])
    assert page.mean_gains(result, "hidden", "dense") == {4: 0.0, 8: 0.0, 16: 0.0}


def test_claim_part_reads_estimate_and_interval():
    part = SimpleNamespace(
        estimate=SimpleNamespace(value=1.5, n=10), low=-1.0, high=4.0, level=0.99
    )
    numbers = page.claim_part(SimpleNamespace(parts=[part]))
    assert numbers == {"value": 1.5, "low": -1.0, "high": 4.0, "level": 99.0, "n": 10}
    missing = SimpleNamespace(estimate=None, low=math.nan, high=math.nan, level=math.nan)
    assert math.isnan(page.claim_part(SimpleNamespace(parts=[missing]))["value"])


def test_cpu_hours_sums_the_provenance():
    stored = [{"provenance": [{"cpu_s": 3600}, {"cpu_s": 1800}]}, {"provenance": [{}]}]
    assert page.cpu_hours(stored) == pytest.approx(1.5)


# ------------------------------------------------------------------------------- figures


def test_sweep_figure_ticks_the_grid_on_a_log_axis_with_the_shared_colours():
    fig = page.sweep_figure(sweep("hidden", [4, 8, 16, 32]), "hidden", title="t", note="x")
    assert_readable(fig)
    for axis in _axes(fig, "x"):
        assert axis.type == "log" and axis.title.text == "hidden neurons (dense)"
        assert list(axis.tickvals) == [4, 8, 16, 32]
        assert list(axis.ticktext) == ["4", "8", "16", "32"]
    assert f"{SEEDS} task seeds" in fig.layout.title.subtitle.text
    for trace in fig.data:
        assert trace.line.color == VARIANT_COLOURS[trace.name]
        assert trace.error_y.array is not None
    assert [t.name for t in fig.data if t.xaxis == "x2"] == ["random", "clause"]
    assert any(a.text.startswith("paper: x") for a in fig.layout.annotations)


def test_sweep_figure_labels_split_times_in_percent():
    fig = page.sweep_figure(sweep("split_at", [0.1, 0.5, 0.9]), "split_at", title="t")
    assert list(fig.layout.xaxis.ticktext) == ["10", "50", "90"]
    assert fig.layout.xaxis.type == "linear"


def test_load_figure_greys_the_cells_that_fail_the_gate():
    fig = page.load_figure(load_grid(), "t", note="x")
    assert_readable(fig)
    healthy, gated = (t for t in fig.data if t.type == "heatmap")
    z_ok, z_gated = np.array(healthy.z, dtype=float), np.array(gated.z, dtype=float)
    # rows are widths (4, 8), columns clauses (4, 8, 16, 32); 32 was never run
    assert np.isnan(z_ok[1, 0]) and not np.isnan(z_gated[1, 0])  # perfect dense: grey
    assert not np.isnan(z_ok[0, 0]) and np.isnan(z_gated[0, 0])
    assert np.isnan(z_ok[:, 3]).all() and np.isnan(z_gated[:, 3]).all()
    assert healthy.text[0][3] == ""
    lines = [t for t in fig.data if t.type == "scatter"]
    assert [t.name for t in lines] == ["4 neurons", "8 neurons"]
    assert len({t.line.color for t in lines}) == 2
    assert fig.layout.xaxis2.type == "log"


def test_shift_figure_places_each_point_at_its_shift_after_the_split():
    results = {"boolean-n_clauses": sweep("n_clauses", [4, 8, 16])}
    fig = page.shift_figure(results, ["boolean-n_clauses"])
    assert_readable(fig)
    capacity = [t for t in fig.data if t.xaxis == "x"]
    assert [t.name for t in capacity] == ["random", "clause"]
    # FPE / dense is 1.2 at the end and 1.1 at the split on every seed
    assert list(capacity[0].x) == pytest.approx([math.log(1.2 / 1.1)] * 3)
    cosine = [t for t in fig.data if t.xaxis == "x2"]
    assert list(cosine[0].x) == pytest.approx([0.0] * 3)


def test_shift_figure_leaves_out_seeds_whose_metric_is_zero_without_a_warning():
    result = sweep("n_clauses", [4, 8])
    for r in result["records"]:
        r["cosines"] = [0.0] + r["cosines"][1:]
        r["split_cosines"] = [0.0] + r["split_cosines"][1:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = page.shift_figure({"s": result}, ["s"])
    assert all(np.isfinite(t.x).all() for t in fig.data)


def test_ablation_figure_has_a_marker_per_variant_and_profile():
    variants = ("dense", "random", "overlap")
    rng = np.random.default_rng(1)
    dense = _dense(0.7, rng)
    result = {
        "records": [_record(v, [d + 0.1 * (v != "dense") for d in dense], dense) for v in variants]
    }
    fig = page.ablation_figure({"paper": result, "quick": result})
    assert_readable(fig)
    assert [list(t.x) for t in fig.data] == [["dense", "overlap", "random"]] * 2
    assert [t.marker.symbol for t in fig.data] == ["circle", "circle-open"]
    assert list(fig.data[0].marker.color) == [VARIANT_COLOURS[v] for v in fig.data[0].x]


# -------------------------------------------------------------------------------- tables


def test_tables_fit_a_narrow_column():
    rows = [
        {"p": p, "post_epochs": n, "validation": 0.9 - p / 10}
        for p in (0.0, 0.005, 0.01, 0.5)
        for n in (100, 200)
    ]
    tuning = page.tuning_table({"paper": rows, "quick": rows}).data
    assert list(tuning.columns) == [
        "paper, 100 ep.",
        "paper, 200 ep.",
        "quick, 100 ep.",
        "quick, 200 ep.",
    ]
    assert tuning.loc["0.5", "quick, 200 ep."] == pytest.approx(85.0)
    assert list(tuning.index) == ["0", "0.005", "0.01", "0.5"]  # close rates stay apart
    result = sweep("alpha", [2, 4])
    alpha = page.alpha_table(result, {2: 10, 4: 30}, 100).data
    assert list(alpha["pruned (% of budget)"]) == [10.0, 30.0]
    assert alpha["gain, random (%)"].tolist() == pytest.approx(
        list(page.mean_gains(result, "alpha").values())
    )
    for table in (tuning, alpha):
        assert len(table.columns) <= 5


def test_scale_table_counts_settings_and_seeds():
    cfg = SimpleNamespace(grid={"n_clauses": (4, 8), "hidden": (4, 8, 16)}, seeds=3)
    stored = {"cells": {"total": 36}, "config": {"seeds": 10}}
    table = page.scale_table({"boolean-load": cfg}, {"boolean-load": stored}).data
    assert table.loc["boolean-load"].tolist() == [6, 3, 36, 10]


def test_ablation_and_timing_families_are_paired_contrasts_in_points():
    rng = np.random.default_rng(2)
    dense = _dense(0.7, rng)
    shifted = {v: [d + 0.01 * i for d in dense] for i, v in enumerate(page.AB_ORDER)}
    result = {"records": [_record(v, a, dense) for v, a in shifted.items()], "setting_keys": []}
    family = page.ablation_family(result)
    assert list(family) == [f"{a} − {b}" for a, b in page.AB_PAIRS]
    assert family["random − dense"].mean == pytest.approx(0.03)
    table = page.contrast_table(family).data
    assert list(table.columns) == ["difference", "low", "high", "level (%)"]
    assert table.loc["random − dense", "difference"] == pytest.approx(3.0)
    timing = page.timing_family(sweep("split_at", [0.1, 0.9]))
    assert list(timing) == ["10 %", "90 %", "early − late"]
    assert timing["10 %"].low > 0  # the random split is above dense on every seed


def test_no_public_function_returns_a_sentence():
    for name in page.__all__:
        obj = getattr(page, name)
        if callable(obj):
            assert inspect.signature(obj).return_annotation not in ("str", str), name
