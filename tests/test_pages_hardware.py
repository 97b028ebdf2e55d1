"""The hardware chapter's figures, tables and numbers, on small made-up benchmark rows."""

import dataclasses
import math
import statistics

import pandas as pd
import pytest
import torch

from expand_neurons import splits
from expand_neurons.book import exercises
from expand_neurons.book.figures import (
    AXIS_TITLE_COLOUR,
    LAYOUT_COLOURS,
    WIDTH_COLOURS,
    log_ticks,
    train_ratio_figure,
)
from expand_neurons.book.pages import hardware as hw
from expand_neurons.experiments.analysis import compare

DIMS, BATCHES, ALPHAS = (256, 1024), (1, 32, 256), (1, 2, 4, 8, 16)


def _row(layout, alpha, d, batch, blocks=None):
    """A benchmark row with made-up but consistent numbers (the masked layer costs ~alpha)."""
    cost = {"dense": 1.0, "masked": float(alpha), "sparse": 3.0, "grouped": 1.1 + 0.01 * alpha}
    time = cost[layout] * (1 + (blocks or 1) / 100) * d / 256
    dense_time = d / 256
    held = {"dense": 1.0, "masked": 1.0 * alpha, "sparse": 2.3, "grouped": 1.05}[layout]
    moved = cost[layout] * (1 + (blocks or 0) / 10)
    return {
        "layout": layout,
        "label": f"grouped-{blocks}" if layout == "grouped" else layout,
        "alpha": alpha,
        "blocks": blocks,
        "d": d,
        "h": d,
        "batch": batch,
        "time_ms": time,
        "times_ms": [0.9 * time, time, 1.2 * time],
        "bytes": 1000 * held,
        "param_bytes": 300 * held,
        "buffer_bytes": 100,
        "adam_bytes": 600 * held,
        "moved_bytes": 2**20 * moved,
        "macs": d * d * batch * (alpha if layout == "masked" else 1),
        "dense_time_ms": dense_time,
        "step_ratio": time / dense_time,
        "bytes_ratio": held,
        "moved_ratio": moved,
    }


@pytest.fixture(scope="module")
def df():
    rows = []
    for d in DIMS:
        for b in BATCHES:
            rows.append(_row("dense", 1, d, b))
            for a in ALPHAS:
                rows += [_row("masked", a, d, b), _row("sparse", a, d, b)]
                rows += [_row("grouped", a, d, b, blocks) for blocks in (1, 16)]
    return pd.DataFrame(rows)


def _axes(fig, letter):
    return [fig.layout[k] for k in sorted(fig.layout) if k.startswith(f"{letter}axis")]


def _one_scale(fig, letter):
    """Every axis of ``letter`` matches one root axis (plotly's shared axes)."""
    names = [k for k in fig.layout if k.startswith(f"{letter}axis")]
    roots = {fig.layout[k].matches or k.replace("axis", "") for k in names}
    return len(roots) == 1


def _labelled_log_panels(fig, n_panels):
    """Every x and y axis: log, explicit ticks, tick labels shown, a title; one y scale."""
    for letter in "xy":
        axes = _axes(fig, letter)
        assert len(axes) == n_panels
        for ax in axes:
            assert ax.type == "log"
            assert ax.tickvals and len(ax.tickvals) >= 2
            assert ax.showticklabels is True
            assert ax.title.text
            assert ax.title.font.color == AXIS_TITLE_COLOUR
            assert ax.range is None  # autorange over every panel: no error bar is clipped
    assert _one_scale(fig, "y")
    assert len({tuple(ax.tickvals) for ax in _axes(fig, "y")}) == 1


def _shown(fig):
    return {t.name for t in fig.data if t.showlegend is not False}


def test_step_time_figure_has_labelled_panels_quartile_bars_and_the_layout_colours(df):
    fig = hw.step_time_figure(df)
    _labelled_log_panels(fig, len(DIMS) * len(BATCHES))
    assert _one_scale(fig, "x")
    ticks = _axes(fig, "y")[0].tickvals
    assert min(ticks) <= 0.9 and max(ticks) >= 1.2 * df["step_ratio"].max()  # bars inside
    masked = next(t for t in fig.data if t.name == "masked")
    assert masked.line.color == LAYOUT_COLOURS["masked"]
    y = list(masked.y)
    assert list(masked.error_y.array) == pytest.approx([0.2 * v for v in y])  # q3 - median
    assert list(masked.error_y.arrayminus) == pytest.approx([0.1 * v for v in y])
    assert {"masked", "sparse", "grouped-1", "grouped-16", "dense (1 ×)"} <= _shown(fig)
    assert all("<br>" in t.hovertemplate for t in fig.data if t.x[0] is not None)


def test_memory_and_traffic_figures_have_labelled_log_axes(df):
    _labelled_log_panels(hw.memory_figure(df), len(DIMS))
    traffic = hw.traffic_figure(df)
    _labelled_log_panels(traffic, 1)
    assert "time ∝ bytes" in _shown(traffic)
    points = next(t for t in traffic.data if t.name == "grouped-16")
    assert points.mode == "markers"
    assert points.text[0] == "grouped-16: d = 256, batch 1, α = 1"  # readable, no raw tuples


def test_train_figure_has_labelled_panels_on_one_scale():
    rows = [
        {"shape": s, "d": d, "alpha": a, "layout": layout, "ratio": r * a}
        for s, d in (("pilot", 24), ("wide", 1024))
        for a in (2, 4)
        for layout, r in (("masked", 1.0), ("grouped", 0.6), ("sparse", 0.8))
    ]
    fig = train_ratio_figure(rows)
    ys = _axes(fig, "y")
    assert len(ys) == 2 and _one_scale(fig, "y")
    for ax in ys + _axes(fig, "x"):
        assert ax.type == "log" and ax.showticklabels is not False and ax.title.text


def test_split_figure_colours_one_child_per_input():
    shown = {"random": splits.Random(), "one block": splits.Grouped(1)}
    fig = hw.split_figure(shown, h=4, d=12, alpha=3)
    scales = [t for t in fig.data if t.showscale]
    assert len(scales) == 1 and scales[0].colorbar.title.text == "child"
    assert list(scales[0].colorbar.tickvals) == [0, 1, 2]
    assert [c for _, c in scales[0].colorscale][::2] == list(WIDTH_COLOURS[:3])
    one_block = fig.data[1].z
    assert all(list(row) == list(one_block[0]) for row in one_block)  # one shared partition
    assert sorted(set(one_block[0])) == [0, 1, 2]
    with pytest.raises(ValueError, match="alpha must be"):
        hw.split_figure(shown, alpha=len(WIDTH_COLOURS) + 1)


def test_log_ticks_cover_the_range_with_at_least_two_ticks():
    assert log_ticks(0.7, 290) == [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]
    assert log_ticks(1, 1) == [0.5, 1, 2]


def test_ratio_table_is_the_largest_alpha_in_five_columns(df):
    table = hw.ratio_table(df).data
    assert list(table.columns) == ["masked", "sparse", "grouped-1", "grouped-16"]
    assert table.index.name == "d, batch" and len(table) == len(DIMS) * len(BATCHES)
    assert table.loc["1024, 32", "masked"] == pytest.approx(16 * 1.01)
    assert table.loc["256, 1", "grouped-16"] == pytest.approx(
        hw.ratio(df, "grouped", 16, 256, 1, blocks=16)
    )


def test_bytes_table_counts_multiply_adds_against_dense(df):
    table = hw.bytes_table(df).data
    assert list(table.columns) == ["MACs / dense", "MB moved", "time / dense"]
    assert table.index.names == ["d, batch", "layout"]
    assert table.loc[("1024, 1", "masked"), "MACs / dense"] == 16
    assert table.loc[("256, 256", "grouped-1"), "MACs / dense"] == 1
    assert table.loc[("256, 256", "dense"), "MB moved"] == pytest.approx(1.0)
    assert len(table) == 2 * 5  # dense and the four plotted layouts, in each of two cases


def test_bench_numbers_read_the_rows(df):
    n = hw.bench_numbers(df)
    assert n["alpha_max"] == 16
    assert n["masked_slope_min"] == pytest.approx(1.0) == n["masked_slope_max"]
    assert n["masked_top_min"] == pytest.approx(16.16)
    assert n["sparse_max"] == pytest.approx(3.03) and n["sparse_max"] < n["masked_top_min"]
    assert n["grouped_1024_worst"] == pytest.approx((1.1 + 0.16) * 1.01)
    assert n["dense_256_ms"] == pytest.approx(1.01)
    assert n["held_grouped_pa_max"] == pytest.approx(0.945)
    assert n["held_sparse_max"] - n["held_sparse_min"] == pytest.approx(0)
    assert n["b16_moved"] > n["b1_moved"]
    exp = df[df["layout"] != "dense"]
    logs = [[math.log(v) for v in exp[c]] for c in ("moved_ratio", "step_ratio")]
    assert n["r_moved"] == pytest.approx(statistics.correlation(*logs))
    macs = [math.log(a) if m == "masked" else 0.0 for m, a in zip(exp["layout"], exp["alpha"])]
    assert n["r_macs"] == pytest.approx(statistics.correlation(macs, logs[1]))
    with pytest.raises(KeyError, match="0 rows"):
        hw.ratio(df, "grouped", 3, 256, 1, blocks=1)


def _record(variant, accuracies, **extra):
    mean = statistics.mean(accuracies)
    return {
        "variant": variant,
        "accuracies": accuracies,
        "accuracy": mean,
        "accuracy_std": statistics.stdev(accuracies),
        "relative_gain": mean / 0.6 - 1,
        **extra,
    }


def test_interval_table_is_one_holm_family_in_points():
    pilot = {
        "setting_keys": [],
        "records": [
            _record("dense", [0.6, 0.62, 0.58, 0.6]),
            _record("random", [0.8, 0.83, 0.79, 0.8]),
            _record("grouped-1", [0.7, 0.72, 0.71, 0.69], blocks=1),
            _record("grouped-2", [0.8, 0.82, 0.8, 0.79], blocks=2),
        ],
    }
    table = hw.interval_table(pilot)
    assert list(table.index) == ["random − dense", "grouped-1 − random", "grouped-2 − random"]
    assert table.loc["random − dense", "mean (points)"] == pytest.approx(20.5)
    low, high = table.loc["grouped-1 − random", ["low", "high"]]
    assert low < -10 < high < 0  # an interval in points, below zero here
    solo = compare(pilot, {"x": ("grouped-1", "random")})["x"]
    assert high - low >= 100 * (solo.high - solo.low) - 1e-9  # a Holm family: never narrower


def test_load_table_gives_gains_per_setting():
    accuracies = {"dense": [0.6, 0.61], "random": [0.9, 0.91], "grouped-1": [0.75, 0.76]}
    records = [
        _record(variant, [scale * a for a in accs], n_clauses=n)
        for n, scale in ((4, 1.0), (16, 0.5))
        for variant, accs in accuracies.items()
    ]
    load = {"setting_keys": ["n_clauses"], "records": records}
    table = hw.load_table(load).data
    assert list(table.columns) == ["grouped-1", "random"] and "dense" not in table.columns
    assert table.loc[4, "random"] == pytest.approx(100 * (0.905 / 0.6 - 1), abs=0.05)
    assert table.loc[16, "grouped-1"] == pytest.approx(100 * (0.3775 / 0.6 - 1), abs=0.05)


def test_train_table_and_numbers():
    rows = [
        {"shape": s, "alpha": a, "layout": layout, "ratio": r * a}
        for s in ("pilot", "wide")
        for a in (2, 16)
        for layout, r in (("masked", 1.0), ("grouped", 0.1), ("sparse", 0.2))
    ]
    cost = {"expand_s": 0.5, "dense_samples": 5000}
    rows.append({"shape": "wide", "alpha": 16, "layout": "expand", **cost})
    assert list(hw.train_table(rows).data.columns) == ["grouped", "masked", "sparse"]
    tr = hw.train_numbers(rows)
    assert (tr["tr_top"], tr["tr_masked_top"], tr["tr_grouped_top"]) == (16, 16, 1.6)
    assert tr["tr_grouped_worst"] == pytest.approx(1.6) and tr["tr_expand_share"] == 10


def test_one_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with hw.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_layer_benchmark_checker_names_the_mistake():
    with pytest.raises(exercises.ExerciseError, match="one shape"):
        exercises.check_layer_benchmark(lambda cfg: cfg)
    one = dict(dims=(256,), batches=(8,), alphas=(2,))
    with pytest.raises(exercises.ExerciseError, match="'dense'"):
        exercises.check_layer_benchmark(
            lambda cfg: dataclasses.replace(cfg, layouts=("grouped",), **one)
        )
    with pytest.raises(exercises.ExerciseError, match="alpha >= 2"):
        exercises.check_layer_benchmark(
            lambda cfg: dataclasses.replace(cfg, **{**one, "alphas": (1,)})
        )
    with pytest.raises(exercises.ExerciseError, match="small enough"):
        exercises.check_layer_benchmark(
            lambda cfg: dataclasses.replace(cfg, dims=(8192,), batches=(1,), alphas=(16,))
        )
    message = exercises.check_layer_benchmark(
        lambda cfg: dataclasses.replace(cfg, layouts=("dense", "grouped"), reps=3, **one)
    )
    assert message.startswith("Correct") and "α × batch = 16 < d = 256" in message
