"""The hardware chapter (``book/hardware.md``): its figures, tables and the numbers in its prose.

The benchmark rows come from :func:`expand_neurons.layers.bench.run` (one row per layout,
``alpha``, size ``d = h`` and batch; ``step_ratio``, ``bytes_ratio`` and ``moved_ratio`` are
against the dense layer of the same size and batch). Every figure has log axes with explicit
ticks and titles on every panel, and the same scale in every panel of one figure.
"""

from __future__ import annotations

import contextlib
import math
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ...experiments import one, select, to_frame, values
from ...experiments.analysis import compare, kept_fraction
from ...stats import Comparison
from ..figures import LAYOUT_COLOURS, log_ticks, readable_axis_titles, style
from ..tables import readable
from ..verdicts import kept_share, listing

__all__ = [
    "grouped_within",
    "pilot_facts",
    "SERIES",
    "REFERENCE",
    "one_thread",
    "rows_of",
    "ratio",
    "split_figure",
    "ratio_table",
    "step_time_figure",
    "step_facts",
    "bytes_table",
    "traffic_figure",
    "traffic_facts",
    "memory_figure",
    "memory_facts",
    "block_facts",
    "accuracy_table",
    "Kept",
    "kept_of",
    "kept_text",
    "kept_verdict",
    "gain_figure",
    "load_table",
    "stored_kept_text",
    "stored_load_table",
    "train_table",
    "train_facts",
    "targets",
    "targets_table",
    "slow_cases",
]

#: The plotted layouts: (layout, blocks of the grouped layout or None, colour, marker symbol).
#: Colours from the Okabe-Ito palette (as :data:`LAYOUT_COLOURS`), none of them grey.
SERIES: tuple[tuple[str, int | None, str, str], ...] = (
    ("masked", None, LAYOUT_COLOURS["masked"], "circle"),
    ("sparse", None, LAYOUT_COLOURS["sparse"], "square"),
    ("grouped", 1, LAYOUT_COLOURS["grouped"], "diamond"),
    ("grouped", 16, "#56B4E9", "triangle-up"),
)
#: The colour of reference lines (the dense layer, thresholds): grey, used by no data series.
REFERENCE = "rgba(128, 128, 128, 0.8)"
#: The per-neuron random split in the accuracy figure (Okabe-Ito orange; grouped splits: blue).
RANDOM_COLOUR = "#E69F00"
#: Error bars on bars: a mid grey that shows on the bars and on light and dark pages.
ERROR_BAR_COLOUR = "#808080"
#: The time target of the chapter: the grouped layer within this factor of the dense step.
TIME_TARGET = 1.3


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with one PyTorch thread (the benchmarks' setting), then restore."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def rows_of(frame: pd.DataFrame, layout: str, blocks: int | None = None) -> pd.DataFrame:
    """The rows of one layout (of the grouped layout: those with ``blocks`` blocks)."""
    sel = frame["layout"] == layout
    if blocks is not None:
        sel &= frame["blocks"] == blocks
    return frame[sel]


def ratio(
    frame: pd.DataFrame,
    layout: str,
    alpha: int,
    d: int,
    batch: int,
    field: str = "step_ratio",
    blocks: int | None = None,
) -> float:
    """``field`` of the one row of ``layout`` at ``alpha``, size ``d`` and ``batch``."""
    rows = rows_of(frame, layout, blocks)
    sel = rows[(rows["alpha"] == alpha) & (rows["d"] == d) & (rows["batch"] == batch)]
    if len(sel) != 1:
        raise KeyError(f"{len(sel)} rows for {layout} {blocks} alpha={alpha} d={d} batch={batch}")
    return float(sel[field].iloc[0])


def _tick_text(values_: Sequence[float]) -> list[str]:
    return [f"{v:g}" for v in values_]


def _series(frame: pd.DataFrame) -> Iterator[tuple[str, str, str, pd.DataFrame]]:
    """(legend label, colour, symbol, rows by alpha) of each plotted layout ``frame`` holds."""
    for layout, blocks, colour, symbol in SERIES:
        rows = rows_of(frame, layout, blocks).sort_values("alpha")
        if len(rows):
            yield str(rows["label"].iloc[0]), colour, symbol, rows


def _reference_legend(fig: go.Figure, name: str, dash: str) -> None:
    """A legend entry (no data) for a reference line drawn with ``add_hline``."""
    fig.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="lines", name=name, line={"color": REFERENCE, "dash": dash}
        )
    )


def _log_axes(
    fig: go.Figure, x_ticks: Sequence[float], y_ticks: Sequence[float], x_title: str, y_title: str
) -> None:
    """Log axes with explicit ticks, tick labels and titles on every panel of ``fig``."""
    for update, ticks, title in (
        (fig.update_xaxes, x_ticks, x_title),
        (fig.update_yaxes, y_ticks, y_title),
    ):
        update(
            type="log",
            tickvals=list(ticks),
            ticktext=_tick_text(ticks),
            title_text=title,
            showticklabels=True,
        )


#: Colours of the children in :func:`split_figure` (Okabe-Ito, child 0 first).
CHILD_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#F0E442", "#0072B2", "#D55E00")


def split_figure(
    shown: Mapping[str, Any], h: int = 8, d: int = 24, alpha: int = 3, seed: int = 0
) -> go.Figure:
    """Which child receives each input, for ``h`` parents over ``d`` inputs, one panel per
    split of ``shown`` (``{title: split}``); a colour bar names the ``alpha`` children."""
    if not 1 <= alpha <= len(CHILD_COLOURS):
        raise ValueError(f"alpha must be 1 to {len(CHILD_COLOURS)}, got {alpha}")
    gen = torch.Generator().manual_seed(seed)
    fig = make_subplots(
        rows=1, cols=len(shown), subplot_titles=list(shown), horizontal_spacing=0.08
    )
    scale = []
    for k in range(alpha):
        scale += [[k / alpha, CHILD_COLOURS[k]], [(k + 1) / alpha, CHILD_COLOURS[k]]]
    for col, split in enumerate(shown.values(), start=1):
        masks = split.masks(torch.zeros(h, d), alpha, gen)  # (h, alpha, d)
        child = masks.float().argmax(dim=1)  # (h, d): which child gets each input
        heat = go.Heatmap(
            z=child.numpy(),
            zmin=-0.5,
            zmax=alpha - 0.5,
            colorscale=scale,
            showscale=col == 1,
            colorbar={
                "title": {"text": "child"},
                "tickvals": list(range(alpha)),
                "ticktext": [str(k) for k in range(alpha)],
            },
            xgap=1,
            ygap=1,
            hovertemplate="parent %{y}, input %{x}: child %{z}<extra></extra>",
        )
        fig.add_trace(heat, 1, col)
    fig.update_xaxes(title_text="input", tickvals=list(range(0, d, 4)), showticklabels=True)
    fig.update_yaxes(
        title_text="parent neuron",
        autorange="reversed",
        tickvals=list(range(h)),
        showticklabels=True,
    )
    fig.update_layout(
        title=f"Which child gets each input (α = {alpha})", height=340, margin={"t": 80}
    )
    return readable_axis_titles(style(fig))


def ratio_table(df: pd.DataFrame) -> Styler:
    """Step time over the dense layer's, one row per size, batch and ``alpha``, one column per
    layout (two decimals)."""
    table = df[df["layout"] != "dense"].pivot_table(
        index=["d", "batch", "alpha"], columns="label", values="step_ratio"
    )
    table.columns.name = "step time / dense"
    return readable(table, 2)


def _quartiles(times_ms: Sequence[float]) -> tuple[float, float]:
    q = statistics.quantiles(times_ms, n=4) if len(times_ms) > 1 else [times_ms[0]] * 3
    return q[0], q[2]


def step_time_figure(df: pd.DataFrame) -> go.Figure:
    """Step time over dense against ``alpha``, one panel per size (rows) and batch (columns),
    every panel on one log scale; error bars: the interquartile range of the rounds."""
    dims = sorted(int(d) for d in df["d"].unique())
    batches = sorted(int(b) for b in df["batch"].unique())
    alphas = sorted(int(a) for a in df["alpha"].unique())
    reps = len(df["times_ms"].iloc[0])
    fig = make_subplots(
        rows=len(dims),
        cols=len(batches),
        shared_xaxes="all",
        shared_yaxes="all",
        subplot_titles=[f"d = h = {d}, batch {b}" for d in dims for b in batches],
        vertical_spacing=0.16,
        horizontal_spacing=0.12,
    )
    lows, highs = [], []
    for r, d in enumerate(dims, start=1):
        for c, b in enumerate(batches, start=1):
            sub = df[(df["d"] == d) & (df["batch"] == b)]
            for label, colour, symbol, s in _series(sub):
                q = [_quartiles(t) for t in s["times_ms"]]
                q1 = [lo / m for (lo, _), m in zip(q, s["dense_time_ms"])]
                q3 = [hi / m for (_, hi), m in zip(q, s["dense_time_ms"])]
                lows += q1
                highs += q3
                fig.add_trace(
                    go.Scatter(
                        x=s["alpha"],
                        y=s["step_ratio"],
                        name=label,
                        legendgroup=label,
                        showlegend=(r, c) == (1, 1),
                        mode="lines+markers",
                        line={"color": colour},
                        marker={"color": colour, "symbol": symbol, "size": 7},
                        error_y={
                            "type": "data",
                            "symmetric": False,
                            "array": [max(hi - y, 0) for hi, y in zip(q3, s["step_ratio"])],
                            "arrayminus": [max(y - lo, 0) for lo, y in zip(q1, s["step_ratio"])],
                            "color": colour,
                            "thickness": 1,
                        },
                        hovertemplate=f"{label}: α = %{{x}}, %{{y:.2f}} × dense<extra></extra>",
                    ),
                    r,
                    c,
                )
            fig.add_hline(y=1, line_dash="dot", line_color=REFERENCE, row=r, col=c)
            fig.add_hline(y=TIME_TARGET, line_dash="dash", line_color=REFERENCE, row=r, col=c)
    _reference_legend(fig, "dense layer (1 ×)", "dot")
    _reference_legend(fig, f"{TIME_TARGET} × dense", "dash")
    low, high = min(lows + [1.0]), max(highs + [TIME_TARGET])
    _log_axes(fig, alphas, log_ticks(low, high), "α", "step time / dense")
    fig.update_layout(
        title=f"Step time against the dense layer (median of {reps} rounds; "
        "bars: interquartile range)",
        height=640,
        legend_title_text="layout",
        margin={"t": 90},
    )
    return readable_axis_titles(style(fig))


def grouped_within(
    df: pd.DataFrame, d: int, batches: Sequence[int], alpha_max: int, blocks: int = 1
) -> tuple[int, int, float]:
    """How many grouped steps at size ``d``, these batches and ``alpha <= alpha_max`` are within
    :data:`TIME_TARGET` times the dense step: ``(within, cases, worst ratio)``."""
    alphas = sorted(int(a) for a in df["alpha"].unique())
    vals = [
        ratio(df, "grouped", a, d, b, blocks=blocks)
        for b in batches
        for a in alphas
        if a <= alpha_max
    ]
    return sum(v <= TIME_TARGET for v in vals), len(vals), max(vals)


def step_facts(df: pd.DataFrame) -> dict[str, Any]:
    """The numbers the prose reads off the step times (glue names ``hw_*``)."""
    dims = sorted(int(d) for d in df["d"].unique())
    batches = sorted(int(b) for b in df["batch"].unique())
    alphas = sorted(int(a) for a in df["alpha"].unique())
    big, small_batches = max(alphas), [b for b in batches if b <= 32]
    slopes = []  # the masked layer: log time against log alpha, alpha >= 2
    for d in dims:
        for b in batches:
            s = rows_of(df, "masked")
            s = s[(s["d"] == d) & (s["batch"] == b) & (s["alpha"] >= 2)]
            fit = statistics.linear_regression(
                [math.log(a) for a in s["alpha"]], [math.log(t) for t in s["step_ratio"]]
            )
            slopes.append(fit.slope)
    n_ok, n_all, worst = grouped_within(df, 1024, small_batches, 16)
    n_ok256, n_all256, worst256 = grouped_within(df, 1024, [256], 8)
    n_ok_s, n_all_s, worst_s = grouped_within(df, 256, small_batches, 16)
    dense_256 = df[(df["layout"] == "dense") & (df["d"] == 256) & (df["batch"] <= 32)]
    sparse = rows_of(df, "sparse")["step_ratio"]
    return {
        "hw_masked_slope_min": min(slopes),
        "hw_masked_slope_max": max(slopes),
        "hw_masked_16_big": ratio(df, "masked", big, 1024, 1),
        "hw_masked_16_small": ratio(df, "masked", big, 256, 256),
        "hw_alpha_max": big,
        "hw_g_small_ok": f"{n_ok} of {n_all}",
        "hw_g_small_worst": worst,
        "hw_g_256_ok": f"{n_ok256} of {n_all256}",
        "hw_g_256_worst": worst256,
        "hw_g_256_16": ratio(df, "grouped", big, 1024, 256, blocks=1),
        "hw_g_small_d_16": ratio(df, "grouped", big, 256, 256, blocks=1),
        "hw_g_256d_ok": f"{n_ok_s} of {n_all_s}",
        "hw_g_256d_worst": worst_s,
        "hw_dense_256_ms": float(dense_256["time_ms"].max()),
        "hw_sparse_wins": "{} of {}".format(*_sparse_wins(df)),
        "hw_sparse_range": f"{sparse.min():.1f} to {sparse.max():.1f}",
    }


def _sparse_wins(df: pd.DataFrame) -> tuple[int, int]:
    """In how many (size, batch, alpha >= 4) the sparse step beats the masked one, of how many."""
    cases = [
        (d, b, a)
        for d in sorted(df["d"].unique())
        for b in sorted(df["batch"].unique())
        for a in sorted(df["alpha"].unique())
        if a >= 4
    ]
    wins = sum(ratio(df, "sparse", a, d, b) < ratio(df, "masked", a, d, b) for d, b, a in cases)
    return wins, len(cases)


def bytes_table(df: pd.DataFrame) -> Styler:
    """Multiply-adds over dense, MB moved per step and step time over dense, at the smallest
    and largest ``alpha`` and batch, per layout."""
    alphas, batches = sorted(df["alpha"].unique()), sorted(df["batch"].unique())
    rows = df[df["alpha"].isin([alphas[0], alphas[-1]]) & df["batch"].isin([1, batches[-1]])]
    rows = rows[rows["layout"] != "dense"].copy()
    dense_macs = [ratio(df, "dense", 1, d, b, "macs") for d, b in zip(rows["d"], rows["batch"])]
    rows["MACs / dense"] = rows["macs"] / dense_macs
    rows["MB moved"] = rows["moved_bytes"] / 2**20
    rows["time / dense"] = rows["step_ratio"]
    table = rows.pivot_table(
        index=["d", "batch", "label"],
        columns="alpha",
        values=["MACs / dense", "MB moved", "time / dense"],
    )
    return readable(table, 2)


def traffic_figure(df: pd.DataFrame) -> go.Figure:
    """Step time over dense against the bytes a step moves over dense, every layout and size."""
    exp = df[df["layout"] != "dense"]
    fig = go.Figure()
    for label, colour, symbol, s in _series(exp):
        text = [f"d = {d}, batch {b}, α = {a}" for d, b, a in zip(s["d"], s["batch"], s["alpha"])]
        fig.add_trace(
            go.Scatter(
                x=s["moved_ratio"],
                y=s["step_ratio"],
                mode="markers",
                name=label,
                marker={"color": colour, "symbol": symbol, "size": 8},
                text=text,
                hovertemplate="%{text}<br>bytes × %{x:.2f}, time × %{y:.2f}<extra></extra>",
            )
        )
    low = min(exp["moved_ratio"].min(), exp["step_ratio"].min(), 1.0)
    high = max(exp["moved_ratio"].max(), exp["step_ratio"].max())
    lim = [0.8 * low, 1.2 * high]
    fig.add_trace(
        go.Scatter(
            x=lim,
            y=lim,
            mode="lines",
            name="time ∝ bytes",
            line={"dash": "dot", "color": REFERENCE},
        )
    )
    ticks = log_ticks(lim[0], lim[1])
    _log_axes(fig, ticks, ticks, "bytes moved per step / dense", "step time / dense")
    fig.update_layout(
        title="Time follows the bytes a step moves (one point per size, batch and α)",
        height=450,
        legend_title_text="layout",
    )
    return readable_axis_titles(style(fig))


def traffic_facts(df: pd.DataFrame) -> dict[str, Any]:
    """Correlations of log time with log bytes and log multiply-adds, and the MB a step moves."""
    exp = df[df["layout"] != "dense"]
    dense_macs = [ratio(df, "dense", 1, d, b, "macs") for d, b in zip(exp["d"], exp["batch"])]
    log_time = [math.log(v) for v in exp["step_ratio"]]
    log_moved = [math.log(v) for v in exp["moved_ratio"]]
    log_macs = [math.log(m / dm) for m, dm in zip(exp["macs"], dense_macs)]
    big = int(df["alpha"].max())

    def mb(layout: str, alpha: int, d: int, batch: int, blocks: int | None = None) -> float:
        return ratio(df, layout, alpha, d, batch, "moved_bytes", blocks) / 2**20

    return {
        "hw_r_moved": statistics.correlation(log_moved, log_time),
        "hw_r_macs": statistics.correlation(log_macs, log_time),
        "hw_mb_dense_small": mb("dense", 1, 256, 256),
        "hw_mb_grouped_small": mb("grouped", big, 256, 256, blocks=1),
        "hw_mb_dense_big": mb("dense", 1, 1024, 1),
        "hw_mb_grouped_big": mb("grouped", big, 1024, 1, blocks=1),
        "hw_mb_masked_big": mb("masked", big, 1024, 1),
        "hw_t_grouped_big": ratio(df, "grouped", big, 1024, 1, blocks=1),
    }


def memory_figure(df: pd.DataFrame) -> go.Figure:
    """Bytes held for training (parameters, buffers, Adam state) over dense against ``alpha``,
    one panel per size, both on one log scale."""
    dims = sorted(int(d) for d in df["d"].unique())
    alphas = sorted(int(a) for a in df["alpha"].unique())
    batch = int(df["batch"].min())  # what a layer holds does not depend on the batch
    fig = make_subplots(
        rows=1,
        cols=len(dims),
        shared_yaxes="all",
        subplot_titles=[f"d = h = {d}" for d in dims],
        horizontal_spacing=0.1,
    )
    for c, d in enumerate(dims, start=1):
        sub = df[(df["d"] == d) & (df["batch"] == batch)]
        for label, colour, symbol, s in _series(sub):
            fig.add_trace(
                go.Scatter(
                    x=s["alpha"],
                    y=s["bytes_ratio"],
                    name=label,
                    legendgroup=label,
                    showlegend=c == 1,
                    mode="lines+markers",
                    line={"color": colour},
                    marker={"color": colour, "symbol": symbol, "size": 7},
                    hovertemplate=f"{label}: α = %{{x}}, %{{y:.2f}} × dense<extra></extra>",
                ),
                1,
                c,
            )
        fig.add_hline(y=1.1, line_dash="dash", line_color=REFERENCE, row=1, col=c)
    _reference_legend(fig, "1.1 × dense", "dash")
    sub = df[df["layout"] != "dense"]["bytes_ratio"]
    ticks = log_ticks(min(sub.min(), 1.0), sub.max())
    _log_axes(fig, alphas, ticks, "α", "bytes held / dense")
    fig.update_layout(
        title="Memory held for training: parameters, masks, index arrays and Adam state",
        height=420,
        legend_title_text="layout",
        margin={"t": 80},
    )
    return readable_axis_titles(style(fig))


def memory_facts(df: pd.DataFrame) -> dict[str, Any]:
    """The bytes the prose reads: the grouped layer's excess over dense, the masked and sparse
    layers' bytes at the largest ``alpha``."""
    grouped = rows_of(df, "grouped")
    dense_bytes = [
        ratio(df, "dense", 1, d, b, "bytes") for d, b in zip(grouped["d"], grouped["batch"])
    ]
    pa = (grouped["param_bytes"] + grouped["adam_bytes"]) / dense_bytes
    big = int(df["alpha"].max())
    return {
        "hw_bytes_grouped_max": float(grouped["bytes_ratio"].max()),
        "hw_pa_grouped_max": float(pa.max()),
        "hw_bytes_masked_16": ratio(df, "masked", big, 1024, 1, "bytes_ratio"),
        "hw_bytes_sparse": ratio(df, "sparse", big, 1024, 1, "bytes_ratio"),
    }


def block_facts(df: pd.DataFrame) -> dict[str, Any]:
    """One block against 16: step time and bytes moved, for one sample at ``d = 1024`` and for
    batch 256 at ``d = 256``, at the largest ``alpha``."""
    big = int(df["alpha"].max())
    return {
        "hw_b16_small": ratio(df, "grouped", big, 1024, 1, blocks=16),
        "hw_b1_small": ratio(df, "grouped", big, 1024, 1, blocks=1),
        "hw_b16_big": ratio(df, "grouped", big, 256, 256, blocks=16),
        "hw_b16_big_moved": ratio(df, "grouped", big, 256, 256, "moved_ratio", 16),
        "hw_b1_big_moved": ratio(df, "grouped", big, 256, 256, "moved_ratio", 1),
    }


def accuracy_table(result: Mapping[str, Any]) -> Styler:
    """Accuracy and relative gain (in %, with their standard deviations over seeds), non-zero
    parameters and neurons of each variant of a one-setting result."""
    frame = to_frame(result).set_index("variant")
    table = pd.DataFrame(
        {
            "accuracy (%)": 100 * frame["accuracy"],
            "± std": 100 * frame["accuracy_std"],
            "relative gain (%)": 100 * frame["relative_gain"],
            "gain ± std": 100 * frame["relative_gain_std"],
            "non-zero parameters": frame["nonzero"],
            "hidden neurons": frame["neurons"],
        }
    )
    return readable(table, {"non-zero parameters": 0, "hidden neurons": 0}, default=2)


def _blocks(b: int) -> str:
    return f"{b} block{'s' * (b != 1)}"


def kept_text(kept: Mapping[int, float | None]) -> str:
    """``"1 block: 83 %, 2 blocks: 90 %"`` for the shares (0-1) that exist; ``""`` for none."""
    return ", ".join(f"{_blocks(b)}: {100 * k:.0f} %" for b, k in kept.items() if k is not None)


@dataclass(frozen=True)
class Kept:
    """The grouped splits against the target of keeping 80 % of the random split's gain.

    Attributes:
        shares: ``{blocks: share of the random split's gain kept (0-1), or None}`` (ratio of
            means; ``None`` where the random split gains nothing).
        keeps: ``{blocks: Comparison}``: the seed-by-seed test of the target (a Holm family).
        best: the fewest blocks that meet the target (``None`` if none does).
        missed: the block counts that keep distinguishably less.
        word: ``"met"``, ``"missed"`` (every block count misses) or ``"not distinguishable"``.
    """

    shares: dict[int, float | None]
    keeps: dict[int, Comparison]
    best: int | None
    missed: list[int]
    word: str


def kept_of(pilot: Mapping[str, Any], target: float = 0.8) -> Kept:
    """Read :class:`Kept` off the ``boolean-grouped`` pilot (one setting)."""
    blocks = [r["blocks"] for r in pilot["records"] if r["variant"] != "dense" and "blocks" in r]
    shares = {b: next((k["kept"] for k in kept_fraction(pilot, b)), None) for b in blocks}
    keeps = kept_share(pilot, target)
    best = min((b for b, c in keeps.items() if c.verdict == "better"), default=None)
    missed = [b for b, c in keeps.items() if c.verdict == "worse"]
    word = (
        "met"
        if best is not None
        else "missed"
        if len(missed) == len(keeps)
        else "not distinguishable"
    )
    return Kept(shares, dict(keeps), best, missed, word)


def kept_verdict(kept: Kept) -> str:
    """The sentence on the 80 % target (after "So ")."""
    if kept.word == "met" and kept.best is not None:
        return (
            "the target of keeping at least 80 % of the random split's gain is met, seed by "
            f"seed, with {_blocks(kept.best)}"
        )
    if kept.word == "missed":
        return (
            "the target of keeping at least 80 % of the random split's gain is missed: with "
            f"{', '.join(map(str, kept.missed))} blocks the grouped split keeps distinguishably "
            "less"
        )
    return (
        "whether the target of keeping at least 80 % of the random split's gain is met is not "
        "distinguishable in this run: no interval lies above zero, and not every one below"
    )


def pilot_facts(pilot: Mapping[str, Any], kept: Kept) -> dict[str, Any]:
    """The pilot's numbers and sentences in the prose (glue names ``hw_*``)."""
    text = kept_text(kept.shares)
    one_block = one(pilot, blocks=1)["variant"]
    return {
        "hw_random_gain": 100 * one(pilot, variant="random")["relative_gain"],
        "hw_kept_share": f"The grouped split keeps this share of that gain: {text}."
        if text
        else "There is no gain here for the grouped split to keep a share of.",
        "hw_kept_summary": f"the grouped split keeps {text} of the per-neuron random split's gain"
        if text
        else "the per-neuron random split does not gain over the dense network in this run, so "
        "the grouped split has no gain to keep",
        "hw_keeps": listing(kept.keeps.values()),
        "hw_keeps_family": len(kept.keeps),
        "hw_kept_verdict": kept_verdict(kept),
        "hw_paired_1": compare(pilot, {"one": (one_block, "random")})["one"].describe(),
        "hw_random_dense": compare(pilot, {"rd": ("random", "dense")})["rd"].describe(),
    }


def gain_figure(pilot: Mapping[str, Any], seeds: int) -> go.Figure:
    """Relative gain over dense of each FPE variant of the pilot (per-neuron random split and
    each grouped split), mean ± standard error over ``seeds``."""
    fpe = [r for r in pilot["records"] if r["variant"] != "dense"]
    fig = go.Figure()
    for name, colour, group in (
        ("per-neuron random split", RANDOM_COLOUR, [r for r in fpe if "blocks" not in r]),
        ("grouped splits", LAYOUT_COLOURS["grouped"], [r for r in fpe if "blocks" in r]),
    ):
        fig.add_trace(
            go.Bar(
                x=[r["variant"] for r in group],
                y=[100 * r["relative_gain"] for r in group],
                error_y={
                    "type": "data",
                    "array": [100 * r["relative_gain_std"] / math.sqrt(seeds) for r in group],
                    "color": ERROR_BAR_COLOUR,
                    "thickness": 2,
                },
                marker_color=colour,
                name=name,
            )
        )
    fig.update_layout(
        title="Pilot: relative gain over dense at equal non-zero count",
        xaxis_title="split",
        yaxis_title="relative gain over dense (%)",
        legend_title_text=f"error bars: ± 1 standard error over {seeds} seeds",
        height=400,
    )
    return readable_axis_titles(style(fig))


def load_table(load: Mapping[str, Any]) -> Styler:
    """Relative gains (%) of every FPE variant at each load, and the share of the random split's
    gain each grouped split keeps (blank where the random split gains nothing)."""
    keys = load["setting_keys"]
    settings = sorted({tuple(r[k] for k in keys) for r in load["records"]})
    blocks = sorted(values(load, "blocks"))
    kept_at = {
        b: {tuple(k[f] for f in keys): k["kept"] for k in kept_fraction(load, b)} for b in blocks
    }
    rows = []
    for s in settings:
        row: dict[str, Any] = {"setting": ", ".join(f"{k} = {v}" for k, v in zip(keys, s))}
        for r in select(load, **dict(zip(keys, s))):
            if r["variant"] != "dense":
                row[f"{r['variant']} gain (%)"] = 100 * r["relative_gain"]
        for b in blocks:
            row[f"kept by grouped-{b} (%)"] = 100 * kept_at[b].get(s, float("nan"))
        rows.append(row)
    return readable(pd.DataFrame(rows).set_index("setting"), 1)


def stored_kept_text(stored: Mapping[str, Any]) -> str:
    """The sentence on the share of the random split's gain kept at the paper's scale."""
    shares = {
        b: next((k["kept"] for k in kept_fraction(stored, b)), None)
        for b in sorted(values(stored, "blocks"))
    }
    text = kept_text(shares)
    if not text:
        return (
            "At the paper's scale the random split does not gain over the dense network: no "
            "gain to keep."
        )
    return (
        "At the paper's scale the grouped split keeps this share of the random split's gain: "
        f"{text}."
    )


def stored_load_table(stored: Mapping[str, Any]) -> Styler:
    """Per grouped split, the number of stored loads where the random split gains, and the
    median share of its gain kept there (%)."""
    rows = []
    for b in sorted(values(stored, "blocks")):
        ks = [100 * k["kept"] for k in kept_fraction(stored, b)]
        rows.append(
            {
                "grouped split": f"grouped-{b}",
                "settings": len(ks),
                "median kept (%)": statistics.median(ks) if ks else float("nan"),
            }
        )
    frame = pd.DataFrame(rows, columns=["grouped split", "settings", "median kept (%)"])
    return readable(frame.set_index("grouped split"), 1)


def train_table(rows: Sequence[Mapping[str, Any]]) -> Styler:
    """Epoch time over the dense network's, per network shape and ``alpha``, one column per
    layout (two decimals)."""
    trained = pd.DataFrame([r for r in rows if r["layout"] != "expand"])
    table = trained.pivot_table(index=["shape", "alpha"], columns="layout", values="ratio")
    table.columns.name = "epoch time / dense"
    return readable(table, 2)


def train_facts(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The wide network's epoch-time ratios at the largest ``alpha`` and the cost of ``expand``
    (glue names ``tr_*``)."""
    trained = pd.DataFrame([r for r in rows if r["layout"] != "expand"])
    wide = trained[trained["shape"] == "wide"].set_index(["alpha", "layout"])["ratio"]
    top = int(trained["alpha"].max())
    cost = next(
        r for r in rows if r["layout"] == "expand" and r["shape"] == "wide" and r["alpha"] == top
    )
    return {
        "tr_top": top,
        "tr_masked_top": wide[(top, "masked")],
        "tr_grouped_top": wide[(top, "grouped")],
        "tr_sparse_top": wide[(top, "sparse")],
        "tr_grouped_worst": wide.xs("grouped", level="layout").max(),
        "tr_expand_s": cost["expand_s"],
        "tr_expand_samples": cost["dense_samples"],
        "tr_expand_share": 100 * cost["dense_samples"] / 50_000,
    }


def _verdict(ok: bool) -> str:
    """A measured target (timings and sizes, one run each, no seeds to pair): met or missed."""
    return "met" if ok else "missed"


def targets(df: pd.DataFrame, kept: Kept, grouped_epoch_worst: float) -> list[tuple[str, str, str]]:
    """The chapter's targets: ``(target, this run, verdict)``."""
    big = int(df["alpha"].max())
    small = [b for b in sorted(df["batch"].unique()) if b <= 32]
    cases = {
        "d = 1024, batch ≤ 32, every α ≤ 16": grouped_within(df, 1024, small, 16),
        "d = 1024, batch 256, α ≤ 8": grouped_within(df, 1024, [256], 8),
        "d = 256, batch ≤ 32, every α ≤ 16": grouped_within(df, 256, small, 16),
    }
    out = [
        (
            f"grouped ≤ {TIME_TARGET} × dense, {where}",
            f"{ok} of {n} (worst {worst:.2f})",
            _verdict(ok == n),
        )
        for where, (ok, n, worst) in cases.items()
    ]
    g256 = ratio(df, "grouped", big, 256, 256, blocks=1)
    pa_max = memory_facts(df)["hw_pa_grouped_max"]
    wins, n_sparse = _sparse_wins(df)
    out += [
        ("grouped < 2 × dense at d = 256, batch 256, α = 16", f"{g256:.2f}", _verdict(g256 < 2)),
        (
            "grouped parameters + Adam state ≤ 1.1 × dense",
            f"at most {pa_max:.3f}",
            _verdict(pa_max <= 1.1),
        ),
        (
            "sparse faster than masked from α = 4 on",
            f"{wins} of {n_sparse}",
            _verdict(wins == n_sparse),
        ),
        (
            "grouped split keeps ≥ 80 % of the random split's gain (pilot, some block count)",
            kept_text(kept.shares) or "no gain to keep",
            kept.word,
        ),
        (
            f"whole wide network: grouped epoch ≤ {TIME_TARGET} × dense, every α",
            f"worst {grouped_epoch_worst:.2f}",
            _verdict(grouped_epoch_worst <= TIME_TARGET),
        ),
    ]
    return out


def targets_table(rows: Sequence[tuple[str, str, str]]) -> Styler:
    """The targets as a table (full text, no truncation)."""
    frame = pd.DataFrame(rows, columns=["target", "this run", "verdict"]).set_index("target")
    return readable(frame)


def slow_cases(df: pd.DataFrame, shown: int = 4) -> str:
    """The grouped (one block) cases above :data:`TIME_TARGET` that the targets cover, slowest
    first: ``"3, the slowest d = 256, batch 1, α = 16: 2.05 (dense step 0.12 ms); ..."``, or
    ``"none"``."""
    g = rows_of(df, "grouped", 1)
    covered = (g["batch"] <= 32) | ((g["d"] == 1024) & (g["alpha"] <= 8))
    slow = g[covered & (g["step_ratio"] > TIME_TARGET)].sort_values("step_ratio", ascending=False)
    if not len(slow):
        return "none"
    text = "; ".join(
        f"d = {r.d}, batch {r.batch}, α = {r.alpha}: {r.step_ratio:.2f} (dense step "
        f"{r.dense_time_ms:.2f} ms)"
        for r in slow.head(shown).itertuples()
    )
    if len(slow) > shown:
        text += f"; and {len(slow) - shown} more"
    return f"{len(slow)}, the slowest {text}"
