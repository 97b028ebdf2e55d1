"""The FPE chapter (``book/fpe.md``): its figures, tables and the words it reads off the pilot.

Accuracies are on the 0-1 scale in the records and in percent on the page. The verdict on the
paper's ordering comes from the Holm family of :func:`expand_neurons.book.verdicts.ordering`,
read by :func:`expand_neurons.book.verdicts.trend`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots
from torch import nn

from ...claims.outcomes import Outcome
from ...expansion import count_nonzero
from ...stats import Comparison
from .. import paper
from ..figures import paper_points, readable_axis_titles, style
from ..tables import readable
from ..verdicts import trend

__all__ = [
    "VARIANTS",
    "BAR_COLOUR",
    "BOUNDARY_COLOUR",
    "clause_order",
    "children_figure",
    "nonzero_table",
    "pilot_table",
    "pilot_facts",
    "pilot_figure",
    "ORDER_WORDS",
    "ordering_verdict",
    "metrics_table",
    "metrics_facts",
    "side",
    "moves",
    "interference_moves",
    "capacity_clause",
    "records",
]

#: The pilot's variants, in the order of its tables and figures.
VARIANTS = ("dense", "random", "clause")
#: This book's bars (Okabe-Ito blue; the paper's numbers are white diamonds outlined in black).
BAR_COLOUR = "#0072B2"
#: Error bars: a mid grey that shows on the bars and on light and dark pages.
ERROR_BAR_COLOUR = "#808080"
#: The clause boundaries drawn over the weight heatmaps: black, which shows on every colour of
#: the red-white-blue scale.
BOUNDARY_COLOUR = "#000000"


def clause_order(clause_inputs: Sequence[Sequence[int]]) -> list[int]:
    """The inputs sorted by clause: the first clause's inputs first, in its order."""
    return [v for clause in clause_inputs for v in clause]


def children_figure(
    parent: nn.Linear,
    expanded: Mapping[str, nn.Linear],
    clause_inputs: Sequence[Sequence[int]],
    alpha: int,
    neuron: int = 0,
) -> go.Figure:
    """One parent neuron's incoming weights and those of its ``alpha`` children under each
    split of ``expanded`` (``{name: first layer of the expanded network}``), one panel each,
    over the inputs sorted by clause: every input labelled, clauses labelled and separated by
    vertical lines, one colour bar (the weight; white is zero)."""
    order = clause_order(clause_inputs)
    w = parent.weight.detach()[neuron : neuron + 1, order]
    panels = {"": (w, [f"parent: neuron {neuron}"])}  # the clause names title the top panel
    for name, layer in expanded.items():
        kids = layer.weight.detach()[neuron * alpha : (neuron + 1) * alpha, order]
        panels[name] = (kids, [f"child {k}" for k in range(alpha)])
    zmax = float(max(p.abs().max() for p, _ in panels.values())) or 1.0
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        row_heights=[len(rows) for _, rows in panels.values()],
        vertical_spacing=0.2,
        subplot_titles=list(panels),
    )
    x = list(range(len(order)))
    for row, (weights, names) in enumerate(panels.values(), start=1):
        fig.add_trace(
            go.Heatmap(
                z=weights.numpy(),
                x=x,
                y=names,
                colorscale="RdBu",
                zmid=0,
                zmin=-zmax,
                zmax=zmax,
                showscale=row == 1,
                colorbar={"title": {"text": "weight"}, "len": 0.9},
                customdata=[[f"x{v}" for v in order]] * len(names),
                hovertemplate="%{y}, input %{customdata}: %{z:.3f}<extra></extra>",
            ),
            row,
            1,
        )
        for c in range(1, len(clause_inputs)):
            edge = sum(len(ci) for ci in clause_inputs[:c]) - 0.5
            fig.add_vline(x=edge, line={"color": BOUNDARY_COLOUR, "width": 2}, row=row, col=1)
    centres, start = [], 0
    for ci in clause_inputs:
        centres.append(start + (len(ci) - 1) / 2)
        start += len(ci)
    fig.update_xaxes(
        tickvals=x,
        ticktext=[f"x{v}" for v in order],
        tickangle=-90,
        tickfont={"size": 10},
        showticklabels=True,
    )
    fig.update_xaxes(
        # the clause names on top of the first panel
        side="top",
        tickvals=centres,
        ticktext=[f"clause {c}" for c in range(len(clause_inputs))],
        tickangle=0,
        tickfont={"size": 11},
        row=1,
        col=1,
    )
    fig.update_xaxes(
        title_text="input (sorted by clause; black lines: clause boundaries)", row=len(panels)
    )
    fig.update_yaxes(autorange="reversed", showticklabels=True)
    fig.update_layout(
        title="One parent neuron and its children (white = zero)",
        height=200 + 70 * sum(len(rows) for _, rows in panels.values()),
        margin={"t": 110},
    )
    return readable_axis_titles(style(fig))


def _nnz(layer: nn.Module, name: str) -> int:
    """Non-zero entries of ``layer.<name>`` (the masked weight where the layer has a mask)."""
    return int(torch.count_nonzero(getattr(layer, name)))


def nonzero_table(models: Mapping[str, nn.Sequential]) -> Styler:
    """Non-zero entries of ``W1, b1, W2, b2`` and in all, per model (a 2-layer MLP each)."""
    rows = {
        name: {
            "W1": _nnz(m[0], "weight"),
            "b1": _nnz(m[0], "bias"),
            "W2": _nnz(m[2], "weight"),
            "b2": _nnz(m[2], "bias"),
            "total": count_nonzero(m),
        }
        for name, m in models.items()
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index"))


def pilot_table(v: Mapping[str, Mapping[str, Any]]) -> Styler:
    """Accuracy, spread, relative gain and the paper's accuracy (%), non-zero parameters and
    neurons of each pilot variant (``v``: the record of each variant)."""
    rows = {
        name: {
            "accuracy (%)": 100 * r["accuracy"],
            "± std over seeds": 100 * r["accuracy_std"],
            "relative gain (%)": 100 * r["relative_gain"],
            "paper accuracy (%)": 100 * paper.PILOT_ACCURACY[name],
            "non-zero parameters": r["nonzero"],
            "hidden neurons": r["neurons"],
        }
        for name, r in v.items()
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index"), 1)


def pilot_facts(v: Mapping[str, Mapping[str, Any]], seeds: int, epochs: int) -> dict[str, Any]:
    """The pilot's numbers in the prose: accuracies, spreads, the paper's and the gaps (%)."""
    out: dict[str, Any] = {"pilot_seeds": seeds, "pilot_epochs": epochs}
    for name, r in v.items():
        ref = paper.PILOT_ACCURACY[name]
        out[f"pilot_{name}"] = 100 * r["accuracy"]
        out[f"pilot_{name}_std"] = 100 * r["accuracy_std"]
        out[f"paper_{name}"] = 100 * ref
        out[f"gap_{name}"] = 100 * (r["accuracy"] - ref)
    out["pilot_nonzero"] = v["dense"]["nonzero"]
    return out


def pilot_figure(v: Mapping[str, Mapping[str, Any]], seeds: int) -> go.Figure:
    """Mean test accuracy of each variant with ±1 s.d. over seeds, and the paper's numbers; the
    axis reaches past every error bar and every paper point."""
    names = list(v)
    mean = [100 * v[n]["accuracy"] for n in names]
    sd = [100 * v[n]["accuracy_std"] for n in names]
    ref = [100 * paper.PILOT_ACCURACY[n] for n in names]
    fig = go.Figure(
        go.Bar(
            name=f"this book: mean ± 1 s.d. over {seeds} seeds",
            x=names,
            y=mean,
            marker_color=BAR_COLOUR,
            error_y={"type": "data", "array": sd, "color": ERROR_BAR_COLOUR, "thickness": 2},
        )
    )
    paper_points(fig, names, ref)
    top = max([m + s for m, s in zip(mean, sd)] + ref)
    low = min([m - s for m, s in zip(mean, sd)] + ref + [50.0])
    fig.update_layout(
        title="Pilot test accuracy at equal non-zero count",
        xaxis_title="variant",
        yaxis_title="test accuracy (%)",
        yaxis_range=[low - 2, top + 2],
        legend={"orientation": "h", "y": -0.2},
        height=400,
    )
    return readable_axis_titles(style(fig))


#: The sentence on the paper's ordering, by :func:`expand_neurons.book.verdicts.trend`'s word.
ORDER_WORDS = {
    Outcome.SUPPORTED: "reproduces the paper's ordering clause-aligned > random > dense",
    Outcome.CONTRADICTED: "contradicts the paper's ordering clause-aligned > random > dense",
    Outcome.INCONCLUSIVE: "does not establish the paper's full ordering clause-aligned > "
    "random > dense",
}


def ordering_verdict(family: Mapping[str, Comparison]) -> str:
    """The paper's ordering, read off a Holm family of adjacent differences."""
    return ORDER_WORDS[trend(family.values(), "better")]


def metrics_table(v: Mapping[str, Mapping[str, Any]]) -> Styler:
    """Mean feature capacity and mean |cosine| of the neurons of each variant (3 decimals)."""
    rows = {
        n: {"mean feature capacity": r["capacity"], "mean |cosine| of neurons": r["cosine"]}
        for n, r in v.items()
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index"), 3)


def side(value: float, other: float) -> str:
    """``"above"`` when ``value > other``, ``"below"`` when less, ``"level with"`` when equal."""
    if value == other:
        return "level with"
    return "above" if value > other else "below"


def moves(before: float, after: float) -> str:
    """``"rises"``, ``"falls"`` or ``"stays"`` going from ``before`` to ``after``."""
    if after == before:
        return "stays"
    return "rises" if after > before else "falls"


def interference_moves(capacity: str, cosine: str) -> str:
    """What the two metrics' moves (:func:`moves`) say of interference: it ``"falls"`` when
    feature capacity rises and the mean |cosine| falls, ``"rises"`` for the opposite, and
    ``"moves in no clear direction"`` otherwise."""
    if (capacity, cosine) == ("rises", "falls"):
        return "falls"
    if (capacity, cosine) == ("falls", "rises"):
        return "rises"
    return "moves in no clear direction"


def capacity_clause(cap: Mapping[str, float]) -> str:
    """Where the clause-aligned split's mean capacity lies, e.g. ``"above the dense network's
    but below the random split's"`` (``but`` only when the two sides differ)."""
    dense, random = side(cap["clause"], cap["dense"]), side(cap["clause"], cap["random"])
    joint = "and" if dense == random else "but"
    return f"{dense} the dense network's {joint} {random} the random split's"


def metrics_facts(v: Mapping[str, Mapping[str, Any]], clause_vs_random: str) -> dict[str, Any]:
    """The interference metrics in the prose, and where the clause-aligned split's capacity
    lies against the dense network's and the random split's (``clause_vs_random``: the accuracy
    verdict of clause-aligned − random)."""
    cap = {n: r["capacity"] for n, r in v.items()}
    cap_moves = moves(cap["dense"], cap["random"])
    cos_moves = moves(v["dense"]["cosine"], v["random"]["cosine"])
    return {
        "cap_moves": cap_moves,
        "cos_moves": cos_moves,
        "interference_moves": interference_moves(cap_moves, cos_moves),
        "cap_dense": cap["dense"],
        "cap_random": cap["random"],
        "cap_clause": cap["clause"],
        "cos_dense": v["dense"]["cosine"],
        "cos_random": v["random"]["cosine"],
        "cos_clause": v["clause"]["cosine"],
        "cap_clause_vs_random": side(cap["clause"], cap["random"]),
        "cap_clause_where": capacity_clause(cap),
        "acc_clause_vs_random": clause_vs_random,
    }


def records(result: Mapping[str, Any], names: Iterable[str] = VARIANTS) -> dict[str, Any]:
    """The record of each variant of a one-setting result, by name."""
    from ...experiments import one

    return {n: one(result, variant=n) for n in names}
