"""The collisions chapter (``book/collisions.md``): its figures and tables.

The chapter writes the prose and keeps the code a reader learns from (the closed forms of
:mod:`expand_neurons.theory`, the census of trained networks, the mechanism tests); this module
only draws and tabulates. Probabilities are in ``[0, 1]``, accuracies in % where a name says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ... import theory
from ...experiments.census import CensusTotals, clause_census
from ...splits import Random
from ...stats import Comparison, wilson_interval
from ..figures import AXIS_TITLE_COLOUR, REFERENCE_COLOUR, WIDTH_COLOURS, style, variant_colour
from ..tables import readable

__all__ = [
    "pilot_theory_table",
    "monte_carlo_table",
    "worst_z",
    "monte_carlo_display",
    "probability_figure",
    "split_panels",
    "explorer_figure",
    "census_table",
    "coverage_groups_table",
    "interval_table",
    "summary_table",
]

_EVENTS = ("coverage", "collision")


def pilot_theory_table(m: int, alpha: int, p_cov: float, pairs: float) -> Styler:
    """Clauses kept whole and colliding pairs of one parent of ``m`` clauses: dense against the
    expectation under a balanced random split."""
    frame = pd.DataFrame(
        [[m, math.comb(m, 2)], [m * p_cov, pairs]],
        index=["dense parent", f"random split, α = {alpha}"],
        columns=["clauses whole", "colliding pairs"],
        dtype=object,
    )
    return readable(frame, 2)


def monte_carlo_table(
    d: int, alphas: Sequence[int], ks: Sequence[int], trials: int = 20_000
) -> pd.DataFrame:
    """Simulate ``trials`` random splits of a parent with ``d`` inputs per ``alpha`` and ``k``
    (seed ``10 alpha + k``), in both models of :data:`~expand_neurons.theory.MODELS`: one row
    per ``alpha``, ``k``, ``event``, ``model``, with the ``closed form``, the ``Monte Carlo``
    frequency, its ``std. error`` and ``z`` (0 where the standard error is 0); ``attrs``
    holds ``trials``."""
    closed = {"coverage": theory.coverage_probability, "collision": theory.collision_probability}
    rows = []
    for a, k, model in itertools.product(alphas, ks, theory.MODELS):
        mc = theory.simulate(a, k, d, trials=trials, seed=a * 10 + k, model=model)
        for event in _EVENTS:
            p = closed[event](a, k, d, model)
            est, se = getattr(mc, event), getattr(mc, f"{event}_se")
            rows.append((a, k, event, model, p, est, se, (est - p) / se if se > 0 else 0.0))
    columns = ["alpha", "k", "event", "model", "closed form", "Monte Carlo", "std. error", "z"]
    table = pd.DataFrame(rows, columns=columns)
    table.attrs["trials"] = trials
    return table


def worst_z(table: pd.DataFrame) -> float:
    """The largest ``|z|`` of the rows with a standard error (0 if none)."""
    z = table.loc[table["std. error"] > 0, "z"].abs()
    return float(z.max()) if len(z) else 0.0


def monte_carlo_display(table: pd.DataFrame) -> Styler:
    """One row per ``(α, k)``: per event the balanced closed form and the balanced split's
    simulated frequency, and the largest ``|z|`` of the row's four comparisons (both models)."""
    bal = table[table.model == "balanced"].rename(
        columns={"closed form": "exact", "Monte Carlo": "simulated"}
    )
    wide = bal.pivot_table(index=["alpha", "k"], columns="event", values=["exact", "simulated"])
    frame = wide.swaplevel(axis=1)[[(e, c) for e in _EVENTS for c in ("exact", "simulated")]]
    with_se = table[table["std. error"] > 0]
    z = with_se.assign(abs_z=with_se["z"].abs()).groupby(["alpha", "k"])["abs_z"].max()
    frame[("", "max |z|")] = z.reindex(frame.index)
    frame.index = frame.index.set_names(["α", "k"])
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return readable(frame, {"max |z|": 1}, default=4)


def probability_figure(table: pd.DataFrame) -> go.Figure:
    """Coverage (left) and collision (right) probability against ``alpha``, one colour per
    ``k``: independent closed forms as lines, balanced closed forms as open circles, balanced
    Monte Carlo frequencies as dots with 95 % Wilson intervals (zero frequencies not drawn)."""
    alphas, trials = sorted(table["alpha"].unique()), table.attrs["trials"]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.08,
        subplot_titles=["coverage: one clause whole", "collision: two clauses in one child"],
    )
    grid = torch.logspace(math.log10(alphas[0]), math.log10(alphas[-1]), 61).tolist()
    lowest = 1.0
    for (col, event), (i, k) in itertools.product(
        enumerate(_EVENTS, start=1), enumerate(sorted(table["k"].unique()))
    ):
        colour, group = WIDTH_COLOURS[i % len(WIDTH_COLOURS)], f"k = {k}"
        closed = [a ** -(k - 1 if event == "coverage" else 2 * k - 1) for a in grid]
        rows = table[(table.event == event) & (table.k == k) & (table.model == "balanced")]
        bal = rows[rows["closed form"] > 0]
        seen = bal[bal["Monte Carlo"] > 0]
        p = list(seen["Monte Carlo"])
        low, high = zip(*(wilson_interval(x, trials) for x in p)) if p else ((), ())
        lowest = min([lowest, *closed, *bal["closed form"], *low])
        hover = f"k = {k}, α = %{{x:.3g}}<br>%{{y:.2g}}, %{{meta}}<extra></extra>"
        common = {"legendgroup": group, "showlegend": False, "hovertemplate": hover}
        ring, dot = {"color": colour, "symbol": "circle-open", "size": 12}, {"color": colour}
        bars = {"type": "data", "symmetric": False, "array": [h - x for h, x in zip(high, p)]}
        bars["arrayminus"] = [x - lo for lo, x in zip(low, p)]
        for trace in [
            go.Scatter(x=grid, y=closed, mode="lines", line={"color": colour}, meta="independent"),
            go.Scatter(x=bal["alpha"], y=bal["closed form"], mode="markers", marker=ring),
            go.Scatter(x=seen["alpha"], y=p, mode="markers", marker=dot, error_y=bars),
        ]:
            fig.add_trace(trace.update(common, name=group), row=1, col=col)
        fig.data[-3].showlegend = col == 1
    fig.update_yaxes(
        type="log",
        dtick=1,
        exponentformat="power",
        showticklabels=True,
        range=[math.log10(lowest) - 0.3, 0.15],
    )
    fig.update_yaxes(title_text="probability (log scale)", row=1, col=1)
    fig.update_xaxes(type="log", tickvals=alphas, ticktext=[str(a) for a in alphas])
    fig.update_xaxes(title_text="expansion factor α (log scale)")
    fig.update_layout(
        height=560,
        margin={"t": 110},
        title={
            "text": "Random splits: coverage falls slowly, collisions fast<br><sup>lines:"
            f" independent closed form · circles: balanced closed form · dots: {trials:,}"
            " balanced splits simulated, with 95 % Wilson intervals</sup>"
        },
        legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
    )
    return style(fig)


# ------------------------------------------------------------------------------- the explorer


def split_panels(
    alpha: int, k: int, d: int, clauses: int | None = None, seed: int = 0
) -> tuple[list[go.Heatmap | go.Bar], dict[str, Any]]:
    """One balanced random split of a parent with ``d`` inputs tiled by ``clauses`` clauses of
    ``k`` literals (default ``d // k``), ``2 <= alpha <= 6``: a heatmap of the literals,
    coloured and numbered by child, and bars of the fractions of clauses whole and of pairs
    colliding (dense parent, closed form, this split); and the layout naming the clauses."""
    if not 1 <= alpha <= len(WIDTH_COLOURS):
        raise ValueError(f"the explorer colours 1 to {len(WIDTH_COLOURS)} children, got {alpha}")
    m = d // k if clauses is None else clauses
    groups = [list(range(c * k, (c + 1) * k)) for c in range(m)]
    masks = Random().masks(torch.zeros(1, d), alpha, torch.Generator().manual_seed(seed))[0]
    child = masks.float().argmax(dim=0)  # the child of every input
    census = clause_census(masks, groups, alpha)
    owner = [int(child[g[0]]) if w else -1 for g, w in zip(groups, census.whole[0].tolist())]
    state = lambda o: "cut" if o < 0 else "collides" if owner.count(o) > 1 else "whole"
    pairs = math.comb(m, 2)
    model = "balanced" if d % alpha == 0 else "independent"
    fractions = {
        "dense parent": (variant_colour("dense"), [1.0, 1.0 if pairs else 0.0]),
        f"expected ({model})": (
            REFERENCE_COLOUR,
            [theory.coverage_probability(alpha, k, d, model)]
            + [theory.collision_probability(alpha, k, d, model) if pairs else 0.0],
        ),
        "this split": (
            variant_colour("random"),
            [sum(o >= 0 for o in owner) / m, int(census.colliding_pairs[0]) / max(pairs, 1)],
        ),
    }
    z = [[int(child[v]) for v in g] for g in groups]
    heat = go.Heatmap(
        z=z,
        x=list(range(1, k + 1)),
        y=list(range(m)),
        text=[[str(c) for c in row] for row in z],
        texttemplate="%{text}",
        customdata=groups,
        zmin=-0.5,
        zmax=alpha - 0.5,
        colorscale=[[(j + e) / alpha, WIDTH_COLOURS[j]] for j in range(alpha) for e in (0, 1)],
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="clause %{y}, literal %{x}<br>input %{customdata}<br>child %{z}"
        "<extra></extra>",
    )
    bars = [
        go.Bar(
            x=["clauses whole", "pairs colliding"],
            y=y,
            name=name,
            marker_color=colour,
            text=[f"{p:.3g}" for p in y],
            textposition="outside",
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
        )
        for name, (colour, y) in fractions.items()
    ]
    layout = {
        "yaxis.tickvals": list(range(m)),
        "yaxis.ticktext": [f"clause {c}: {state(o)}" for c, o in enumerate(owner)],
        "yaxis.range": [m - 0.5, -0.5],
        "xaxis.tickvals": list(range(1, k + 1)),
        "xaxis.range": [0.5, k + 0.5],
    }
    return [heat, *bars], layout


def explorer_figure(
    d: int, ks: Sequence[int], alphas: Sequence[int], first: tuple[int, int] = (3, 2), seed: int = 0
) -> go.Figure:
    """One fixed draw (seed ``seed + 10 k + alpha``) of :func:`split_panels` per ``k`` and
    ``alpha``: a menu at the top left (clear of plotly's toolbar) picks ``k``, a slider
    ``alpha`` (changing ``k`` resets it to the first ``alpha``); ``first`` is the ``(k, alpha)``
    shown at first (the only one, and no controls, when ``ks`` and ``alphas`` have one each)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.2,
        subplot_titles=["literals, numbered by child", "fractions"],
    )
    slots, layouts = {}, {}
    for k, a in itertools.product(ks, alphas):
        traces, layouts[k, a] = split_panels(a, k, d, seed=seed + 10 * k + a)
        for i, trace in enumerate(traces):
            fig.add_trace(trace, row=1, col=1 if i == 0 else 2)
        slots[k, a] = range(len(fig.data) - len(traces), len(fig.data))

    def shown(k: int, a: int) -> dict[str, Any]:
        return {"visible": [i in slots[k, a] for i in range(len(fig.data))]}

    def slider(k: int, active: int = 0) -> dict[str, Any]:
        steps = [
            {"method": "update", "label": str(a), "args": [shown(k, a), layouts[k, a]]}
            for a in alphas
        ]
        font = {"color": AXIS_TITLE_COLOUR}
        value = {"prefix": "α = ", "font": font}
        return {
            "active": active,
            "currentvalue": value,
            "font": font,
            "pad": {"t": 110},
            "steps": steps,
        }

    k0, a0 = first if first in slots else (ks[0], alphas[0])
    for i, trace in enumerate(fig.data):
        trace.visible = i in slots[k0, a0]
    if len(ks) * len(alphas) > 1:
        buttons = [
            {
                "method": "update",
                "label": f"k = {k}",
                "args": [shown(k, alphas[0]), {**layouts[k, alphas[0]], "sliders": [slider(k)]}],
            }
            for k in ks
        ]
        menu = {"x": 0, "xanchor": "left", "y": 1.12, "yanchor": "bottom", "buttons": buttons}
        fig.update_layout(
            sliders=[slider(k0, list(alphas).index(a0))],
            updatemenus=[menu | {"active": list(ks).index(k0)}],
        )
    fig.update_xaxes(title_text="literal of the clause", row=1, col=1)
    fig.update_yaxes(title_text="clause", row=1, col=1)
    fig.update_xaxes(title_text="event", row=1, col=2)
    fig.update_yaxes(title_text="probability or fraction", range=[0, 1.15], row=1, col=2)
    legend = {"orientation": "h", "y": -0.16, "yanchor": "top"}
    fig.update_layout(height=600, barmode="group", legend=legend, margin={"t": 110})
    fig.plotly_relayout(layouts[k0, a0])
    return style(fig)


# ------------------------------------------------------------------------- trained networks


def census_table(totals: CensusTotals, p_cov: float, p_col: float) -> Styler:
    """Predicted against observed coverage and collision frequencies, with their counts."""
    frame = pd.DataFrame(
        {
            "predicted": [p_cov, p_col],
            "observed": [totals.coverage, totals.collision],
            "count": [totals.whole, totals.collisions],
            "of": [totals.untouched, totals.pairs],
            "z": [totals.coverage_z(p_cov), totals.collision_z(p_col)],
        },
        index=["clause whole", "pair colliding"],
    )
    return readable(frame, {"z": 1}, default=4)


def coverage_groups_table(rows: Sequence[Mapping[str, Any]]) -> Styler:
    """Clauses whole somewhere against clauses cut everywhere (pooled over seeds): how many,
    their mean dense and random-split accuracies (%) and mean log error ratio."""
    groups = (
        pd.DataFrame(rows)
        .groupby("whole_somewhere")
        .agg(
            clauses=("clause", "size"),
            dense=("dense_accuracy", "mean"),
            random=("fpe_accuracy", "mean"),
            ratio=("log_error_ratio", "mean"),
        )
    )
    groups[["dense", "random"]] *= 100
    groups.index = groups.index.map({True: "whole somewhere", False: "cut everywhere"})
    groups.index.name = None
    groups.columns = ["clauses", "dense (%)", "random (%)", "log error ratio"]
    return readable(groups, {"log error ratio": 3}, default=1)


def interval_table(comparisons: Mapping[str, Comparison], scale: float = 100) -> Styler:
    """Paired comparisons, one row each: mean difference and interval (times ``scale``:
    points for accuracies), the interval's level (%) and the seeds; no verdict."""
    rows = {
        name: [scale * c.mean, scale * c.low, scale * c.high, 100 * c.level, c.n]
        for name, c in comparisons.items()
    }
    columns = ["mean", "low", "high", "level (%)", "seeds"]
    return readable(pd.DataFrame.from_dict(rows, orient="index", columns=columns), 2)


def summary_table(columns: Mapping[str, Mapping[str, float]], decimals: int = 2) -> Styler:
    """One row per variant, one column per summary or profile (``{column: {variant: value}}``)."""
    return readable(pd.DataFrame(columns), decimals)
