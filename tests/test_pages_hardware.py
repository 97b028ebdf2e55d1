"""The hardware chapter's helpers: figures with labelled, shared log axes; words for every case."""

import math

import pandas as pd
import pytest

from expand_neurons import splits
from expand_neurons.book import exercises
from expand_neurons.book.figures import AXIS_TITLE_COLOUR, log_ticks, train_ratio_figure
from expand_neurons.book.pages import hardware as hw
from expand_neurons.stats import Comparison

DIMS, BATCHES, ALPHAS = (256, 1024), (1, 32, 256), (1, 2, 4, 8, 16)


def _row(layout, alpha, d, batch, blocks=None):
    """A benchmark row with made-up but consistent numbers (the masked layer costs ~alpha)."""
    cost = {"dense": 1.0, "masked": float(alpha), "sparse": 3.0, "grouped": 1.1 + 0.01 * alpha}
    time = cost[layout] * (1 + (blocks or 1) / 100) * d / 256
    dense_time = d / 256
    held = {"dense": 1.0, "masked": 1.0 * alpha, "sparse": 2.3, "grouped": 1.05}[layout]
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
        "moved_bytes": 2**20 * cost[layout],
        "macs": d * d * batch * (alpha if layout == "masked" else 1),
        "dense_time_ms": dense_time,
        "step_ratio": time / dense_time,
        "bytes_ratio": held,
        "moved_ratio": cost[layout],
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
    assert _one_scale(fig, "y")  # one scale, all of the same (log) type
    assert len({tuple(ax.tickvals) for ax in _axes(fig, "y")}) == 1


def test_step_time_figure_has_labelled_panels_on_one_scale(df):
    fig = hw.step_time_figure(df)
    _labelled_log_panels(fig, len(DIMS) * len(BATCHES))
    assert _one_scale(fig, "x")
    ticks = _axes(fig, "y")[0].tickvals
    assert min(ticks) <= 1 and max(ticks) >= df["step_ratio"].max()
    bars = [t for t in fig.data if t.error_y and t.error_y.array is not None]
    assert bars and all(min(t.error_y.array) >= 0 for t in bars)
    assert "interquartile" in fig.layout.title.text
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"masked", "sparse", "grouped-1", "grouped-16", "dense layer (1 ×)"} <= names


def test_memory_and_traffic_figures_have_labelled_log_axes(df):
    _labelled_log_panels(hw.memory_figure(df), len(DIMS))
    _labelled_log_panels(hw.traffic_figure(df), 1)


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


def test_split_figure_names_the_children():
    shown = {"random": splits.Random(), "one block": splits.Grouped(1)}
    fig = hw.split_figure(shown, h=4, d=12, alpha=3)
    scales = [t for t in fig.data if t.showscale]
    assert len(scales) == 1 and scales[0].colorbar.title.text == "child"
    assert list(scales[0].colorbar.tickvals) == [0, 1, 2]
    for ax in _axes(fig, "x") + _axes(fig, "y"):
        assert ax.showticklabels is True and ax.title.text
    with pytest.raises(ValueError, match="alpha must be"):
        hw.split_figure(shown, alpha=20)


def test_log_ticks_cover_the_range_with_at_least_two_ticks():
    assert log_ticks(0.7, 290) == [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]
    assert log_ticks(1, 17) == [1, 2, 5, 10, 20]
    assert log_ticks(1, 1) == [0.5, 1, 2]
    with pytest.raises(ValueError):
        log_ticks(0, 1)


def test_tables_have_no_float_junk(df):
    for styler in (hw.ratio_table(df), hw.bytes_table(df)):
        html = styler.to_html()
        for cell in styler.data.to_numpy().ravel():
            if isinstance(cell, float) and not math.isnan(cell):
                assert f"{cell:.2f}" in html
        assert "0000" not in html.split("</style>")[1]


def test_facts_read_the_rows(df):
    facts = hw.step_facts(df)
    assert facts["hw_alpha_max"] == 16
    assert facts["hw_masked_slope_min"] == pytest.approx(1.0)
    assert facts["hw_sparse_wins"] == "18 of 18"  # sparse (3) beats masked (alpha) from 4 on
    assert facts["hw_g_small_ok"] == "10 of 10"
    assert hw.memory_facts(df)["hw_pa_grouped_max"] == pytest.approx(0.945)
    assert hw.block_facts(df)["hw_b16_small"] > hw.block_facts(df)["hw_b1_small"]
    with pytest.raises(KeyError, match="0 rows"):
        hw.ratio(df, "grouped", 3, 256, 1, blocks=1)


def test_slow_cases_handle_none_and_many(df):
    assert hw.slow_cases(df) == "none"  # every grouped step is within 1.3 times
    slow = df.copy()
    slow.loc[slow["layout"] == "grouped", "step_ratio"] = 2.0
    text = hw.slow_cases(slow, shown=2)
    assert text.startswith("24, the slowest") and text.endswith("; and 22 more")


def _c(low, high):
    return Comparison("x", (low + high) / 2, low, high, 0.95, 4, 5, 0.5, 0.5, "t")


def test_kept_words_for_every_outcome():
    assert hw.kept_text({1: 0.83, 2: None, 4: 0.9}) == "1 block: 83 %, 4 blocks: 90 %"
    assert hw.kept_text({1: None}) == ""
    met = hw.Kept({1: 0.9}, {1: _c(0.01, 0.02)}, best=1, missed=[], word="met")
    assert hw.kept_verdict(met).endswith("with 1 block")
    missed = hw.Kept({1: 0.1, 2: 0.2}, {}, best=None, missed=[1, 2], word="missed")
    assert "with 1, 2 blocks the grouped split keeps distinguishably less" in hw.kept_verdict(
        missed
    )
    unclear = hw.Kept({1: None}, {}, best=None, missed=[], word="not distinguishable")
    assert "not distinguishable" in hw.kept_verdict(unclear)


def test_targets_and_table(df):
    kept = hw.Kept({1: None}, {}, best=None, missed=[], word="not distinguishable")
    rows = hw.targets(df, kept, grouped_epoch_worst=1.5)
    assert len(rows) == 8 and {v for _, _, v in rows} <= {"met", "missed", "not distinguishable"}
    assert rows[-2][1] == "no gain to keep" and rows[-1][2] == "missed"
    html = hw.targets_table(rows).to_html()
    assert "batch ≤ 32, every α ≤ 16" in html  # full text, never cut short


def test_layer_benchmark_checker_names_the_mistake():
    import dataclasses

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
