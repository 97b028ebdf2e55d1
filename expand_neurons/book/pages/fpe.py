"""The FPE chapter (``book/fpe.md``): its figures and tables (accuracies 0-1 in, % out)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from torch import nn

from ...expansion import count_nonzero
from ...experiments import one
from ...experiments.health import (
    CEILING,
    COLLAPSE_MADS,
    FLOOR_MARGIN,
    MAX_AT_CEILING,
    check_baseline,
)
from .. import paper
from ..figures import REFERENCE_COLOUR, paper_points, readable_axis_titles, style, variant_colour

__all__ = ["VARIANTS", "records", "children_figure", "clauses_cut", "nonzero_table"]
__all__ += ["pilot_figure", "gate_table", "metrics_table"]

#: The pilot's variants, in the order of its tables and figures.
VARIANTS = ("dense", "random", "clause")


def records(result: Mapping[str, Any]) -> dict[str, Any]:
    """The record of each pilot variant of a one-setting result, by name."""
    return {n: one(result, variant=n) for n in VARIANTS}


Clauses = Sequence[Sequence[int]]


def children_figure(
    parent: nn.Linear, expanded: Mapping[str, nn.Linear], clauses: Clauses
) -> go.Figure:
    """Neuron 0's incoming weights and those of its children under each split of ``expanded``
    (``{name: expanded first layer}``), one panel each, inputs sorted by clause."""
    alpha = next(iter(expanded.values())).out_features // parent.out_features
    order = [v for clause in clauses for v in clause]
    panels = {"parent": parent.weight.detach()[:1, order]}
    panels |= {name: layer.weight.detach()[:alpha, order] for name, layer in expanded.items()}
    zmax = float(max(w.abs().max() for w in panels.values())) or 1.0
    fig = make_subplots(len(panels), 1, shared_xaxes=True, subplot_titles=list(panels))
    x, names = list(range(len(order))), [f"x{v}" for v in order]  # a shared input appears twice
    scale = {"colorscale": "RdBu", "zmid": 0, "zmin": -zmax, "zmax": zmax}
    hover = "%{y}, input %{customdata}<br>weight %{z:.3f}<extra></extra>"
    for row, w in enumerate(panels.values(), start=1):
        rows = ["neuron 0"] if row == 1 else [f"child {k}" for k in range(alpha)]
        bar = {"showscale": row == 1, "colorbar": {"title": {"text": "weight"}}}
        tip = {"customdata": [names] * len(rows), "hovertemplate": hover}
        fig.add_trace(go.Heatmap(z=w.numpy(), x=x, y=rows, **tip, **scale, **bar), row, 1)
        for edge in itertools.accumulate(len(c) for c in clauses[:-1]):
            fig.add_vline(x=edge - 0.5, line={"color": "black", "width": 2}, row=row, col=1)
    fig.update_xaxes(
        tickvals=x, ticktext=names, tickangle=-90, tickfont_size=10, showticklabels=True
    )
    title = "input, sorted by clause (lines: clause boundaries)"
    fig.update_xaxes(title_text=title, row=len(panels))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title="One neuron and its children (white = zero)", height=520)
    return readable_axis_titles(style(fig))


def clauses_cut(layer: nn.Linear, clauses: Clauses, alpha: int) -> int:
    """How many clauses neuron 0's children share: non-zero weights in more than one child."""
    held = layer.weight.detach()[:alpha] != 0  # neuron 0's children are the first rows
    return sum(int(held[:, list(c)].any(dim=1).sum()) > 1 for c in clauses)


def nonzero_table(models: Mapping[str, nn.Sequential]) -> pd.DataFrame:
    """Non-zero entries of ``W1, b1, W2, b2`` and in all, per two-layer MLP."""
    parts = {"W1": (0, "weight"), "b1": (0, "bias"), "W2": (2, "weight"), "b2": (2, "bias")}
    rows = {
        n: {k: int(getattr(m[i], p).count_nonzero()) for k, (i, p) in parts.items()}
        for n, m in models.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.assign(total=[count_nonzero(m) for m in models.values()])


def pilot_figure(v: Mapping[str, Mapping[str, Any]], collapsed: Sequence[int] = ()) -> go.Figure:
    """Every seed's test accuracy per variant, a grey line joining one seed's three networks, the
    dense seeds that fail the health gate circled, and the paper's means."""
    acc = {name: [100 * a for a in v[name]["accuracies"]] for name in VARIANTS}
    fig, quiet = go.Figure(), {"showlegend": False, "hoverinfo": "skip"}
    for seed in zip(*acc.values()):
        line = {"color": REFERENCE_COLOUR, "width": 1}
        fig.add_scatter(x=VARIANTS, y=seed, mode="lines", line=line, **quiet)
    hover = "%{x}, seed %{customdata}<br>%{y:.1f} %<extra></extra>"
    for name, ys in acc.items():
        dots = {"color": variant_colour(name), "size": 9}
        kw = {"customdata": list(range(len(ys))), "hovertemplate": hover}
        fig.add_scatter(x=[name] * len(ys), y=ys, mode="markers", name=name, marker=dots, **kw)
    ring = {"symbol": "circle-open", "size": 20, "color": "black", "line": {"width": 2}}
    bad, label = [acc["dense"][s] for s in collapsed], "collapsed (health gate)"
    fig.add_scatter(x=["dense"] * len(bad), y=bad, mode="markers", marker=ring, name=label)
    paper_points(fig, list(VARIANTS), [100 * paper.PILOT_ACCURACY[n] for n in VARIANTS])
    title = f"Pilot test accuracy, {len(acc['dense'])} seeds, equal non-zero count"
    fig.update_layout(title=title, xaxis_title="variant", yaxis_title="test accuracy (%)")
    fig.update_layout(height=440, legend={"orientation": "h", "y": -0.2})
    return readable_axis_titles(style(fig))


def gate_table(scores: Sequence[float], chance: float) -> pd.DataFrame:
    """The dense baseline's health gate, check by check (scores and ``chance`` 0-1)."""
    h, n, floor = check_baseline(scores, chance), len(scores), chance + FLOOR_MARGIN
    top, near = f"seeds ≥ {100 * CEILING:.1f} %", f"seeds within {COLLAPSE_MADS:g} MADs of median"
    rows = {
        "mean": (f"{100 * h.mean:.1f} %", f"≥ {100 * floor:.1f} %", h.mean >= floor),
        top: (f"{100 * h.at_ceiling:.0f} %", f"≤ {100 * MAX_AT_CEILING:.0f} %"),
        near: (f"{n - len(h.outliers)} of {n}", "all", not h.outliers),
    }
    rows[top] += (h.at_ceiling <= MAX_AT_CEILING,)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["dense", "gate", "passes"])
    return frame.replace({"passes": {True: "yes", False: "no"}})


def metrics_table(v: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Mean feature capacity and mean |cosine| of each variant, at the split and at the end."""
    columns = {"capacity, split": "split_capacity", "capacity, end": "capacity"}
    columns |= {"|cos|, split": "split_cosine", "|cos|, end": "cosine"}
    return pd.DataFrame({c: [v[n][k] for n in VARIANTS] for c, k in columns.items()}, VARIANTS)
