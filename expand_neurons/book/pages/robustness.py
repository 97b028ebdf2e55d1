"""The robustness chapter (``book/robustness.md``): its tables, formatted for reading.

The numbers come from :mod:`expand_neurons.claims.main_effects` (per-design claim values and
their main-effects fits) and :mod:`expand_neurons.experiments.robustness` (the designs'
pilots); nothing here decides an outcome, it only lays them out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ...claims import main_effects as me
from ...experiments import robustness as rb
from ..tables import readable

__all__ = [
    "factors_table",
    "design_matrix",
    "design_means_table",
    "effects_table",
    "closest_table",
]


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


def design_means_table(result: Mapping[str, Any]) -> Styler:
    """Per design (rows, numbered from 1) and claim (columns): the claim's mean over seeds, in
    points of the design's own metric."""
    columns = {}
    labels: list[str] = []
    for claim in me.CLAIMS:
        rows = me.claim_values(result, claim)
        designs = list(dict.fromkeys(rb.design_label(r["design"]) for r in rows))
        labels = labels or designs
        columns[claim] = [
            100 * statistics.fmean(r["value"] for r in rows if rb.design_label(r["design"]) == d)
            for d in designs
        ]
    index = pd.Index([f"{i}. {d}" for i, d in enumerate(labels, start=1)], name="design")
    return readable(pd.DataFrame(columns, index=index), 1)


def effects_table(fits: Sequence[me.MainEffects]) -> Styler:
    """Every claim's grand mean and main effects (points) with their intervals, one row per
    claim and term."""
    frames = [f.table().assign(claim=f.claim) for f in fits]
    frame = pd.concat(frames).set_index(["claim", "term"])
    return readable(frame, {"p": 3}, default=1)


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
