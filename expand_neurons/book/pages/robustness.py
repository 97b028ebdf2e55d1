"""The robustness chapter (``book/robustness.md``): its tables, formatted for reading.

The verdicts come from :mod:`expand_neurons.experiments.robustness` (one
:class:`~expand_neurons.experiments.robustness.DesignVerdicts` per design); nothing here
decides one, it only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from ...experiments import robustness as rb
from ..figures import verdict_heatmap
from ..tables import readable

__all__ = [
    "factors_table",
    "design_matrix",
    "fractions_table",
    "levels_table",
    "closest_table",
    "verdict_figure",
]


def verdict_figure(verdicts: Sequence[rb.DesignVerdicts], profile: str) -> go.Figure:
    """The verdict of every claim (columns) in every design (rows, numbered from 1), with each
    cell's interval on hover; ``profile`` names the scale in the title."""
    return verdict_heatmap(
        [f"{i}. {v.label}" for i, v in enumerate(verdicts, start=1)],
        list(rb.CLAIMS),
        [[v.verdicts[c] for c in rb.CLAIMS] for v in verdicts],
        hover=[[v.describe(c) for c in rb.CLAIMS] for v in verdicts],
        title=f"Verdict of each claim in each design ({profile})",
    )


def factors_table() -> Styler:
    """The open choices: the book's default, the alternative and what they mean."""
    rows = {
        f.name: {"default": f.levels[0], "alternative": f.levels[1], "meaning": f.description}
        for f in rb.FACTORS
    }
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("choice")
    return readable(frame)


def design_matrix(designs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The designs as a table, one row per design (numbered from 1), one column per choice."""
    return pd.DataFrame(list(designs), index=pd.RangeIndex(1, len(designs) + 1, name="design"))


def fractions_table(
    verdicts: Sequence[rb.DesignVerdicts], fractions: Sequence[rb.ClaimFraction]
) -> Styler:
    """Per claim: in how many designs it holds, the fraction and its interval (%), and in how
    many it is contradicted (omitted when ``verdicts`` is empty)."""
    rows = {}
    for f in fractions:
        row: dict[str, Any] = {
            "holds in": f"{f.k} of {f.n}",
            "fraction (%)": 100 * f.fraction,
            f"{100 * f.level:.0f} % interval (%)": f"{100 * f.low:.0f} to {100 * f.high:.0f}",
        }
        if verdicts:
            row["contradicted in"] = sum(v.verdicts[f.claim] == rb.CONTRADICTED for v in verdicts)
        rows[f.claim] = row
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("claim")
    return readable(frame, 0)


def levels_table(verdicts: Sequence[rb.DesignVerdicts]) -> Styler:
    """Per choice and level: the designs at that level and in how many each claim holds."""
    frame = pd.DataFrame(rb.holds_by_level(verdicts)).set_index(["factor", "level"])
    return readable(frame)


def closest_table(
    ranked: Sequence[tuple[rb.DesignVerdicts, float]], target: Mapping[str, float], n: int = 5
) -> Styler:
    """The ``n`` designs closest to the paper's pilot: their pilot scores (%), their distance
    (points) and how many claims hold in them, and the paper's own row (``target``, 0-1)."""
    rows: dict[str, dict[str, Any]] = {}
    for v, d in ranked[:n]:
        rows[v.label] = {
            **{f"{k} (%)": 100 * x for k, x in v.pilot.items()},
            "distance (points)": 100 * d,
            "claims holding": sum(s == rb.HOLDS for s in v.verdicts.values()),
        }
    rows["paper"] = {f"{k} (%)": 100 * x for k, x in target.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("design")
    return readable(frame, {"claims holding": 0}, default=1)
