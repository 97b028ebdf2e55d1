"""The robustness chapter (``book/robustness.md``): its tables and its figure.

The numbers come from :mod:`expand_neurons.claims.main_effects` (per-design claim values and
their main-effects fits) and :mod:`expand_neurons.experiments.robustness` (the designs and their
pilots); nothing here decides an outcome, it only lays them out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from ...claims import main_effects as me
from ...experiments import robustness as rb
from ..figures import style
from ..tables import readable

__all__ = [
    "LETTERS",
    "factors_table",
    "design_matrix",
    "design_means_table",
    "effects_table",
    "effects_figure",
    "closest_table",
]

#: The letter of each open choice in the design matrix (A ... G, in the order of ``FACTORS``).
LETTERS = {f.name: chr(ord("A") + i) for i, f in enumerate(rb.FACTORS)}


def factors_table() -> Styler:
    """The open choices: their letter, the first level (the book's default), the alternative
    and what they mean."""
    rows = {
        f.name: {
            "letter": LETTERS[f.name],
            "default": f.levels[0],
            "alternative": f.levels[1],
            "meaning": f.description,
        }
        for f in rb.FACTORS
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index").rename_axis("choice"))


def design_matrix(designs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The designs as a sign table, one row per design (numbered from 1), one column per choice
    (its letter): "−" at the default level, "+" at the alternative."""
    rows = [
        {LETTERS[f.name]: "−" if d[f.name] == f.levels[0] else "+" for f in rb.FACTORS}
        for d in designs
    ]
    return pd.DataFrame(rows, index=pd.RangeIndex(1, len(rows) + 1, name="design"))


def design_means_table(result: Mapping[str, Any], claims: Sequence[str]) -> Styler:
    """Per design (rows, numbered as in the grid) and claim (columns): the claim's mean over
    seeds, in points of the design's own metric."""
    grid = result.get("config", {}).get("grid", {}).get("design") or rb.fractional_factorial()
    grid = [dict(d) for d in grid]
    columns: dict[str, list[float]] = {}
    designs: list[dict[str, Any]] = []
    for claim in claims:
        rows = me.claim_values(result, claim)
        designs = list({rb.design_label(r["design"]): r["design"] for r in rows}.values())
        columns[claim] = [
            100 * statistics.fmean(r["value"] for r in rows if r["design"] == d) for d in designs
        ]
    numbers = [grid.index(d) + 1 if d in grid else rb.design_label(d) for d in designs]
    frame = pd.DataFrame(columns, index=pd.Index(numbers, name="design")).round(1) + 0.0
    return readable(frame, 1)


def _points(x: float) -> str:
    """``x`` with its sign and one decimal; a value that rounds to zero is ``0.0``."""
    return "0.0" if round(x, 1) == 0 else f"{x:+.1f}"


def _term(e: me.Mean | me.Effect) -> str:
    return f"{_points(e.estimate)} [{_points(e.low)}, {_points(e.high)}]"


def effects_table(fits: Sequence[me.MainEffects]) -> Styler:
    """The grand mean and each choice's main effect, in points with its interval, one row per
    term and one column per claim of ``fits``."""
    columns = {f.claim: [_term(f.mean), *(_term(e) for e in f.effects)] for f in fits}
    index = ["grand mean", *(f"{f.name} → {f.levels[1]}" for f in rb.FACTORS)]
    return readable(pd.DataFrame(columns, index=pd.Index(index, name="term")))


def effects_figure(fits: Sequence[me.MainEffects]) -> go.Figure:
    """:func:`expand_neurons.claims.main_effects.effects_figure` with the book's style and a
    short tooltip, one fact a line: the claim and the term, the estimate, its interval, p."""
    fig = me.effects_figure(fits)
    level = f"{fits[0].level:.0%}"
    fig.update_traces(
        hovertemplate="%{fullData.name}<br>%{y}<br>%{x:+.1f} points<br>"
        + level
        + " interval %{customdata[0]:+.1f} to %{customdata[1]:+.1f}<br>"
        "p = %{customdata[2]:.2g}<extra></extra>"
    )
    return style(fig)


def closest_table(
    ranked: Sequence[tuple[rb.DesignPilot, float]], target: Mapping[str, float], n: int = 5
) -> Styler:
    """The ``n`` designs closest to the paper's pilot: their pilot scores (%) and their
    distance (points), and the paper's own row (``target``, 0-1)."""
    rows: dict[str, dict[str, Any]] = {}
    for v, d in ranked[:n]:
        rows[v.label] = {
            **{f"{k} (%)": 100 * x for k, x in v.pilot.items()},
            "distance (points)": 100 * d,
        }
    rows["paper"] = {f"{k} (%)": 100 * x for k, x in target.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("design")
    return readable(frame, 1)
