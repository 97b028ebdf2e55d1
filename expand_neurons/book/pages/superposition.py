"""The superposition chapter (``book/superposition.md``): its figures and tables. The prose is in
the chapter. Accuracies are 0-1 unless a name says ``%``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import torch

from ...experiments.boolean import chance
from ...experiments.config import BooleanConfig
from ...experiments.laboratory import DENSE_RANGE, MAX_AT_CEILING, PAPER_DENSE, Candidate
from ...tasks import BooleanTask
from ...training import History
from ..figures import REFERENCE_COLOUR, WIDTH_COLOURS, style, variant_colour

__all__ = ["task_numbers", "laboratory_figure", "accuracy_figure", "attribution_scale"]
__all__ += ["attribution_heatmap", "per_seed_table", "rank_correlations"]


def task_numbers(task: BooleanTask, cfg: BooleanConfig) -> dict[str, float]:
    """The pilot task's sizes, its share of positive labels and its chance level (both %)."""
    return {
        "n_clauses": len(task.clauses),
        "k": cfg.k,
        "clause_vars": cfg.clause_inputs,
        "n_vars": task.n_vars,
        "positive_rate": 100 * float(task.y_train.mean()),
        "chance": 100 * chance(task, cfg.metric),
    }


def laboratory_figure(found: Sequence[Candidate], chosen: Candidate, old: Candidate) -> go.Figure:
    """Every candidate laboratory's dense pilot: mean score against the share of seeds at the
    ceiling, the rule's box shaded, the chosen laboratory and the book's first one labelled."""
    fig, (low, high) = go.Figure(), (100 * x for x in DENSE_RANGE)
    box = {"x0": low, "x1": high, "y0": -2, "y1": 100 * MAX_AT_CEILING, "line_width": 0}
    fig.add_shape(type="rect", layer="below", fillcolor=WIDTH_COLOURS[2], opacity=0.2, **box)
    fig.add_vline(x=100 * PAPER_DENSE, line={"color": REFERENCE_COLOUR, "dash": "dot"})
    for metric, symbol in (("exact_match", "circle"), ("accuracy", "square")):
        cs = [c for c in found if c.design["metric"] == metric]
        colours = [WIDTH_COLOURS[0] if c.eligible else REFERENCE_COLOUR for c in cs]
        marker = {"symbol": symbol, "size": 10, "color": colours}
        words = [
            f"{c.design['outputs']} outputs, {c.design['inputs']} inputs<br>"
            f"{c.design['variables']} variables, {c.design['distractors']} distractors<br>"
            f"lowest seed {100 * min(c.per_seed):.1f} %"
            for c in cs
        ]
        tip = {"text": words, "hovertemplate": "%{text}<extra></extra>"}
        xy = {"x": [100 * c.mean for c in cs], "y": [100 * c.at_ceiling for c in cs]}
        fig.add_scatter(mode="markers", name=metric.replace("_", " "), marker=marker, **xy, **tip)
    for c, label in ((chosen, "chosen"), (old, "first laboratory")):
        fig.add_annotation(x=100 * c.mean, y=100 * c.at_ceiling, text=label, ax=-40, ay=-30)
    axes = {"xaxis_title": "dense mean score (%)", "yaxis_title": "seeds at the ceiling (%)"}
    legend = {"title": {"text": "metric"}, "orientation": "h", "y": -0.2}
    title = "Candidate laboratories: the dense pilot on tuning seeds"
    return style(fig.update_layout(title=title, height=420, legend=legend, **axes))


def accuracy_figure(histories: Sequence[History], highlight: int) -> go.Figure:
    """Test accuracy (%) against epoch: one thin line per task seed, their mean, and the seed
    ``highlight`` (the network the heatmap shows) dashed."""
    fig, colour = go.Figure(), variant_colour("dense")
    thin = {"mode": "lines", "opacity": 0.35, "line": {"color": colour, "width": 1}}
    for s, h in enumerate(histories):
        tip = f"task seed {s}<br>epoch %{{x}}: %{{y:.1f}} %<extra></extra>"
        name = f"one line per task seed ({len(histories)})"
        y = [100 * a for a in h.test_accuracy]
        fig.add_scatter(x=h.epoch, y=y, name=name, showlegend=s == 0, hovertemplate=tip, **thin)
    mean = 100 * torch.tensor([h.test_accuracy for h in histories]).mean(dim=0)
    line = {"color": colour, "width": 4}
    fig.add_scatter(x=histories[0].epoch, y=mean.tolist(), mode="lines", line=line, name="mean")
    worst = histories[highlight]
    line = {"color": WIDTH_COLOURS[1], "width": 2.5, "dash": "dash"}
    y = [100 * a for a in worst.test_accuracy]
    fig.add_scatter(x=worst.epoch, y=y, mode="lines", line=line, name=f"task seed {highlight}")
    axes = {"xaxis_title": "epoch", "yaxis_title": "test accuracy per label (%)"}
    title, legend = "Test accuracy of narrow dense networks", {"orientation": "h", "y": -0.2}
    return style(fig.update_layout(title=title, height=420, legend=legend, **axes))


def attribution_scale(top: float, threshold: float) -> tuple[float, list[list[Any]]]:
    """``(zmax, colorscale)`` for shares up to ``top``: ``zmax`` rounded up to a tenth (at least a
    tenth above ``threshold``); grey below the threshold, Viridis from it up."""
    zmax = max(math.ceil(10 * top - 1e-9) / 10, round(threshold + 0.1, 10))
    cut, colours = threshold / zmax, plotly.colors.sequential.Viridis
    scale: list[list[Any]] = [[0.0, "#f2f2f2"], [cut, "#b0b0b0"]]
    return zmax, scale + [[cut + (1 - cut) * i / 9, c] for i, c in enumerate(colours)]


def attribution_heatmap(A: torch.Tensor, seed: int, threshold: float = 0.2) -> go.Figure:
    """The clause attribution ``A (clauses, neurons)`` of one network: shares at or above
    ``threshold`` coloured and written in %, the others grey; polysemantic neurons marked."""
    m, h = A.shape
    zmax, scale = attribution_scale(float(A.max()), threshold)
    counted = threshold <= A
    text = [[f"{100 * float(a):.0f}" if k else "" for a, k in zip(*r)] for r in zip(A, counted)]
    poly = counted.sum(dim=0) >= 2
    ticks = [f"n{j}" + ("<br>poly" if poly[j] else "") for j in range(h)]
    bar = {"title": {"text": f"share of the<br>neuron's |weight|<br>(grey: < {threshold:.0%})"}}
    cells = {"text": text, "texttemplate": "%{text}", "xgap": 1, "ygap": 1}
    colours = {
        "zmin": 0,
        "zmax": zmax,
        "colorscale": scale,
        "colorbar": {**bar, "tickformat": ".0%"},
    }
    tip = "clause %{y}, neuron %{x}<br>%{z:.1%}<extra></extra>"
    fig = go.Figure(go.Heatmap(z=A.tolist(), hovertemplate=tip, **cells, **colours))
    fig.update_xaxes(title_text="hidden neuron", tickvals=list(range(h)), ticktext=ticks)
    clauses = {"tickvals": list(range(m)), "ticktext": [f"c{c}" for c in range(m)]}
    fig.update_yaxes(title_text="clause", autorange="reversed", **clauses)
    fig.update_layout(title=f"Clause attribution, task seed {seed} (shares in %)", height=460)
    return style(fig)


def per_seed_table(per_seed: pd.DataFrame) -> pd.DataFrame:
    """A frame of one row per task seed (the index; ``accuracy`` 0-1, ``polysemantic`` neurons,
    mean feature ``capacity``, mean ``cosine``) for reading: the most accurate network first,
    accuracy in %, the seed a column."""
    frame = per_seed.sort_values("accuracy", ascending=False, kind="stable")
    frame = frame.assign(accuracy=100 * frame["accuracy"]).reset_index()
    names = ["task seed", "accuracy (%)", "poly. neurons", "capacity", "|cosine|"]
    return frame.set_axis(names, axis=1)


def rank_correlations(per_seed: pd.DataFrame) -> dict[str, float]:
    """Spearman correlation of accuracy with each other column (NaN where either is flat)."""
    ranks = per_seed.rank()
    flat = ranks["accuracy"].std() == 0
    return {
        c: math.nan if flat or ranks[c].std() == 0 else float(ranks["accuracy"].corr(ranks[c]))
        for c in ("polysemantic", "capacity", "cosine")
    }
