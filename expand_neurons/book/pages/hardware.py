"""The hardware chapter's figures, tables and numbers. Benchmark rows come from
:func:`expand_neurons.layers.bench.run`, ratios against a dense layer timed in the same process."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ...experiments import values
from ...experiments.analysis import compare
from ...experiments.runner import threads
from ..figures import (
    LAYOUT_COLOURS,
    REFERENCE_COLOUR,
    WIDTH_COLOURS,
    log_ticks,
    readable_axis_titles,
    style,
    variant_colour,
)
from ..stored import summary_table
from ..tables import readable

#: The plotted layouts: (layout, blocks of the grouped layout or None, colour, marker symbol).
SERIES: tuple[tuple[str, int | None, str, str], ...] = (
    ("masked", None, LAYOUT_COLOURS["masked"], "circle"),
    ("sparse", None, LAYOUT_COLOURS["sparse"], "square"),
    ("grouped", 1, LAYOUT_COLOURS["grouped"], "diamond"),
    ("grouped", 16, variant_colour("grouped"), "triangle-up"),
)

__all__ = [
    "SERIES",
    "one_thread",
    "rows_of",
    "ratio",
    "split_figure",
    "ratio_table",
    "step_time_figure",
    "memory_figure",
    "bench_numbers",
    "bytes_table",
    "traffic_figure",
    "interval_table",
    "load_table",
    "train_table",
    "train_numbers",
]


def one_thread() -> contextlib.AbstractContextManager[None]:
    """One PyTorch thread inside the block (the benchmarks' setting), restored after it."""
    return threads(1)


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


def _series(frame: pd.DataFrame) -> Iterator[tuple[str, str, str, pd.DataFrame]]:
    """(label, colour, symbol, rows sorted by alpha) of each plotted layout ``frame`` holds."""
    for layout, blocks, colour, symbol in SERIES:
        rows = rows_of(frame, layout, blocks).sort_values("alpha")
        if len(rows):
            yield str(rows["label"].iloc[0]), colour, symbol, rows


def _lines(frame: pd.DataFrame, y: str, legend: bool, x: str = "alpha") -> Iterator[go.Scatter]:
    """Column ``y`` against ``x`` per plotted layout: lines against ``alpha``, else markers;
    error bars from columns ``q1`` and ``q3`` where ``frame`` has them."""
    for label, colour, symbol, s in _series(frame):
        trace = go.Scatter(x=s[x], y=s[y], name=label, legendgroup=label, showlegend=legend)
        marker = {"color": colour, "symbol": symbol, "size": 7}
        trace.update(mode="lines+markers" if x == "alpha" else "markers", marker=marker)
        where = [f"{label}: d = {r.d}, batch {r.batch}, α = {r.alpha}" for r in s.itertuples()]
        hover = "%{text}<br>" + ("" if x == "alpha" else "bytes × %{x:.2f}, ") + "× %{y:.2f}"
        trace.update(line={"color": colour}, text=where, hovertemplate=hover + "<extra></extra>")
        if "q1" in s:
            up, down = (s["q3"] - s[y]).clip(lower=0), (s[y] - s["q1"]).clip(lower=0)
            bars = {"array": up, "arrayminus": down, "symmetric": False, "thickness": 1}
            trace.update(error_y={**bars, "color": colour})
        yield trace


def _finish(fig: go.Figure, x: Sequence[float], y: Sequence[float], titles: Sequence[str]) -> Any:
    """Log axes ticked at ``x`` and ``y``, titled on every panel; the dense line's legend entry."""
    for update, ticks, title in zip((fig.update_xaxes, fig.update_yaxes), (x, y), titles):
        update(type="log", tickvals=list(ticks), ticktext=[f"{t:g}" for t in ticks])
        update(title_text=title, showticklabels=True)
    line = {"color": REFERENCE_COLOUR, "dash": "dot"}
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="dense (1 ×)", line=line))
    fig.update_layout(legend_title_text="layout", margin={"t": 80})
    return readable_axis_titles(style(fig))


def split_figure(
    shown: Mapping[str, Any], h: int = 8, d: int = 24, alpha: int = 3, seed: int = 0
) -> go.Figure:
    """Which child receives each input, for ``h`` parents over ``d`` inputs, one panel per
    split of ``shown`` (``{title: split}``); a colour bar names the ``alpha`` children."""
    if not 1 <= alpha <= len(WIDTH_COLOURS):
        raise ValueError(f"alpha must be 1 to {len(WIDTH_COLOURS)}, got {alpha}")
    gen = torch.Generator().manual_seed(seed)
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=list(shown))
    scale = [[(k + e) / alpha, WIDTH_COLOURS[k]] for k in range(alpha) for e in (0, 1)]
    bar = {"tickvals": list(range(alpha)), "title": {"text": "child"}}
    for col, split in enumerate(shown.values(), start=1):
        child = split.masks(torch.zeros(h, d), alpha, gen).float().argmax(dim=1)  # (h, d)
        heat = go.Heatmap(z=child.numpy(), zmin=-0.5, zmax=alpha - 0.5, colorscale=scale)
        heat.update(xgap=1, ygap=1, showscale=col == 1, colorbar=bar)
        fig.add_trace(
            heat.update(hovertemplate="parent %{y}, input %{x}<br>child %{z}<extra></extra>"),
            1,
            col,
        )
    fig.update_xaxes(title_text="input", tickvals=list(range(0, d, 4)), showticklabels=True)
    fig.update_yaxes(title_text="parent", autorange="reversed", tickvals=list(range(h)))
    fig.update_layout(title=f"Which child gets each input (α = {alpha})", height=340)
    return readable_axis_titles(style(fig.update_yaxes(showticklabels=True)))


def ratio_table(df: pd.DataFrame) -> Styler:
    """Step time over the dense layer's at the largest ``alpha``: a row per size and batch, a
    column per layout."""
    top = df[(df["layout"] != "dense") & (df["alpha"] == df["alpha"].max())]
    top = top.assign(where=[f"{d}, {b}" for d, b in zip(top["d"], top["batch"])])
    table = top.pivot_table(index="where", columns="label", values="step_ratio", sort=False)
    order = [label for label, *_ in _series(top)]
    return readable(table[order].rename_axis(index="d, batch", columns=None), 2)


def _grid(df: pd.DataFrame, y: str, batches: Sequence[int], titles: Sequence[str]) -> Any:
    """Column ``y`` against ``alpha``, a panel per size (rows) and batch of ``batches``
    (columns), all on one log scale; ``titles``: the figure's and the y axis's."""
    dims = sorted(df["d"].unique())
    names = [f"d = h = {d}" + f", batch {b}" * (len(batches) > 1) for d in dims for b in batches]
    shared = {"shared_xaxes": "all", "shared_yaxes": "all", "vertical_spacing": 0.16}
    fig = make_subplots(len(dims), len(batches), subplot_titles=names, **shared)
    for i, (d, b) in enumerate((d, b) for d in dims for b in batches):
        r, c = divmod(i, len(batches))
        for trace in _lines(df[(df["d"] == d) & (df["batch"] == b)], y, i == 0):
            fig.add_trace(trace, r + 1, c + 1)
        fig.add_hline(y=1, line_dash="dot", line_color=REFERENCE_COLOUR, row=r + 1, col=c + 1)
    fig.update_layout(title=titles[0], height=200 + 220 * len(dims))
    shown = df[df["layout"] != "dense"][[k for k in ("q1", "q3", y) if k in df]]
    ticks = log_ticks(min(shown.min().min(), 1.0), shown.max().max())
    return _finish(fig, sorted(df["alpha"].unique()), ticks, ("α", titles[1]))


def step_time_figure(df: pd.DataFrame) -> go.Figure:
    """Step time over dense against ``alpha``, a panel per size and batch, on one log scale;
    error bars: from the first to the third quartile of the rounds, over the dense median."""
    quartiles = [statistics.quantiles(t, n=4) if len(t) > 1 else t * 3 for t in df["times_ms"]]
    q1, q3 = ([q[i] for q in quartiles] / df["dense_time_ms"] for i in (0, -1))
    title = f"Step time / dense (median of {len(df['times_ms'].iloc[0])} rounds)"
    batches = sorted(df["batch"].unique())
    return _grid(df.assign(q1=q1, q3=q3), "step_ratio", batches, (title, "step time / dense"))


def memory_figure(df: pd.DataFrame) -> go.Figure:
    """Bytes held for training (parameters, buffers, Adam state) over dense against ``alpha``,
    a panel per size (what a layer holds does not depend on the batch)."""
    titles = ("Memory held for training / dense", "bytes held / dense")
    return _grid(df, "bytes_ratio", [df["batch"].min()], titles)


def bench_numbers(df: pd.DataFrame) -> dict[str, float]:
    """The numbers the chapter reads off the benchmark rows (step times, traffic, memory held,
    blocks), for its glue and its checks."""
    big = int(df["alpha"].max())
    dense = rows_of(df, "dense")
    against = {"on": ["d", "batch"], "suffixes": ("", "0")}
    exp = df[df["layout"] != "dense"].merge(dense[["d", "batch", "macs", "bytes"]], **against)
    masked, sparse, g1 = rows_of(exp, "masked"), rows_of(exp, "sparse"), rows_of(exp, "grouped", 1)
    top, small = masked[masked["alpha"] == big], g1[g1["batch"] <= 32]
    fits = np.log(masked[masked["alpha"] >= 2][["alpha", "step_ratio"]].astype(float))
    fits = fits.groupby([masked["d"], masked["batch"]])
    slopes = [np.polyfit(s["alpha"], s["step_ratio"], 1)[0] for _, s in fits]
    log = np.log(exp[["moved_ratio", "step_ratio", "macs", "macs0"]].astype(float))
    return {
        "alpha_max": big,
        "masked_slope_min": min(slopes),
        "masked_slope_max": max(slopes),
        "masked_top_min": top["step_ratio"].min(),
        "masked_top_max": top["step_ratio"].max(),
        "grouped_1024_worst": small[small["d"] == 1024]["step_ratio"].max(),
        "grouped_256_worst": small[small["d"] == 256]["step_ratio"].max(),
        "dense_256_ms": dense[(dense["d"] == 256) & (dense["batch"] <= 32)]["time_ms"].max(),
        "sparse_min": sparse["step_ratio"].min(),
        "sparse_max": sparse["step_ratio"].max(),
        "r_moved": statistics.correlation(log["moved_ratio"], log["step_ratio"]),
        "r_macs": statistics.correlation(log["macs"] - log["macs0"], log["step_ratio"]),
        "grouped_one_sample": ratio(df, "grouped", big, 1024, 1, blocks=1),
        "moved_one_sample": ratio(df, "grouped", big, 1024, 1, "moved_ratio", 1),
        "b16_moved_one_sample": ratio(df, "grouped", big, 1024, 1, "moved_ratio", 16),
        "grouped_big_batch": ratio(df, "grouped", big, 256, 256, blocks=1),
        "held_grouped_pa_max": max((g1["param_bytes"] + g1["adam_bytes"]) / g1["bytes0"]),
        "held_masked_top": ratio(df, "masked", big, 1024, 1, "bytes_ratio"),
        "held_sparse_min": sparse["bytes_ratio"].min(),
        "held_sparse_max": sparse["bytes_ratio"].max(),
        "b16_one_sample": ratio(df, "grouped", big, 1024, 1, blocks=16),
        "b16_big_batch": ratio(df, "grouped", big, 256, 256, blocks=16),
        "b1_moved": ratio(df, "grouped", big, 256, 256, "moved_ratio", 1),
        "b16_moved": ratio(df, "grouped", big, 256, 256, "moved_ratio", 16),
    }


def bytes_table(df: pd.DataFrame) -> Styler:
    """Multiply-adds over dense, MB moved per step and step time over dense, at the largest
    ``alpha``, for one sample at ``d = 1024`` and batch 256 at ``d = 256``, a row per layout."""
    rows = []
    for d, b in ((1024, 1), (256, 256)):
        sel = df[(df["d"] == d) & (df["batch"] == b)]
        sel = sel[(sel["layout"] == "dense") | (sel["alpha"] == df["alpha"].max())]
        table = pd.DataFrame({"d, batch": f"{d}, {b}", "layout": sel["label"]})
        table["MACs / dense"] = sel["macs"] / ratio(df, "dense", 1, d, b, "macs")
        table["MB moved"] = sel["moved_bytes"] / 2**20
        rows.append(table.assign(**{"time / dense": sel["step_ratio"]}))
    return readable(pd.concat(rows).set_index(["d, batch", "layout"]), 2)


def traffic_figure(df: pd.DataFrame) -> go.Figure:
    """Step time over dense against the bytes a step moves over dense, every layout and size."""
    exp = df[df["layout"] != "dense"]
    fig = go.Figure(list(_lines(exp, "step_ratio", True, x="moved_ratio")))
    both = exp[["moved_ratio", "step_ratio"]]
    lim = [0.8 * min(both.min().min(), 1.0), 1.2 * both.max().max()]
    line = {"dash": "dash", "color": REFERENCE_COLOUR}
    fig.add_trace(go.Scatter(x=lim, y=lim, mode="lines", name="time ∝ bytes", line=line))
    fig.update_layout(title="Time follows the bytes a step moves", height=450)
    ticks = log_ticks(*lim)
    return _finish(fig, ticks, ticks, ("bytes moved per step / dense", "step time / dense"))


def interval_table(pilot: Mapping[str, Any]) -> pd.DataFrame:
    """One Holm family of paired differences in accuracy points (mean and 95 % interval): the
    random split minus dense, and each grouped split minus the random split."""
    grouped = [f"grouped-{b}" for b in sorted(values(pilot, "blocks"))]
    pairs = {"random − dense": ("random", "dense")} | {
        f"{g} − random": (g, "random") for g in grouped
    }
    rows = {k: [100 * c.mean, 100 * c.low, 100 * c.high] for k, c in compare(pilot, pairs).items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean (points)", "low", "high"])


def load_table(load: Mapping[str, Any]) -> Styler:
    """Relative gain over dense (%) of every FPE variant at each setting of a grid."""
    table = summary_table(load).query("variant != 'dense'")
    gains = table.pivot_table(index=load["setting_keys"], columns="variant", values="gain (%)")
    return readable(gains.rename_axis(columns="gain (%)"), 1)


def train_table(rows: Sequence[Mapping[str, Any]]) -> Styler:
    """Epoch time over the dense network's, per network shape and ``alpha``, a column per layout."""
    trained = pd.DataFrame([r for r in rows if r["layout"] in LAYOUT_COLOURS])
    table = trained.pivot_table(index=["shape", "alpha"], columns="layout", values="ratio")
    return readable(table.rename_axis(columns="epoch / dense"), 2)


def train_numbers(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The wide network's epoch-time ratios at the largest ``alpha``, and what ``expand`` cost
    there: seconds, dense samples trained in that time, % of a 50 000-sample epoch."""
    at = {(r["shape"], r["alpha"], r["layout"]): r for r in rows}
    top = max(r["alpha"] for r in rows)
    grouped = [r["ratio"] for k, r in at.items() if (k[0], k[2]) == ("wide", "grouped")]
    cost = at[("wide", top, "expand")]
    return {
        "tr_top": top,
        **{f"tr_{k}_top": at[("wide", top, k)]["ratio"] for k in ("masked", "grouped", "sparse")},
        "tr_grouped_worst": max(grouped),
        "tr_expand_s": cost["expand_s"],
        "tr_expand_samples": cost["dense_samples"],
        "tr_expand_share": 100 * cost["dense_samples"] / 50_000,
    }
