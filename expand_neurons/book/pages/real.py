"""Helpers shared by the three real-data chapters (embeddings, CNN, deeper networks).

* :data:`COLOURS`: the series colours of their figures (Okabe-Ito: distinguishable for
  colour-blind readers, visible on light and dark pages, none of them the grey of a reference);
* :func:`add_variant`: one variant's mean accuracy against a swept width, with error bars, and
  each seed's accuracy as a dot, in one colour and one legend group;
* :func:`uncertainty_note`: the sentence naming what the error bars and dots show;
* :func:`log_axis`: a log axis with explicit ticks at the values that were run;
* :func:`end_numbers`: dense and FPE accuracy and FPE's gain at one width, for the prose;
* :func:`put_all`: glue many numbers at once;
* :func:`duration` and :func:`paper_time`: the measured running times of the "Running time" box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from ..glue import put

__all__ = [
    "COLOURS",
    "DENSE_COLOUR",
    "add_variant",
    "uncertainty_note",
    "log_axis",
    "end_numbers",
    "put_all",
    "duration",
    "paper_time",
]

#: Series colours, in order of use (Okabe-Ito blue, vermillion, bluish green, reddish purple,
#: orange, sky blue).
COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

#: The dense baseline's colour on every figure of these chapters.
DENSE_COLOUR = COLOURS[0]


def add_variant(
    fig: go.Figure,
    x: Sequence[float],
    records: Sequence[Mapping[str, Any]],
    *,
    name: str,
    colour: str,
    dash: str = "solid",
    shift: float = 0.0,
    dots: bool = True,
    field: str = "accuracy",
    **subplot: Any,
) -> go.Figure:
    """Add one variant to ``fig``: its mean test accuracy (%) over seeds at each ``x`` as a line
    with ±1 s.d. error bars, and (with ``dots``) every seed's accuracy as a dot, all in
    ``colour`` and in one legend group named ``name`` (only the line has a legend entry).
    ``field="relative_gain"`` draws the relative gain (%, signed) instead, without dots.

    Args:
        x: the swept values (e.g. widths), one per record.
        records: result records (``accuracy``, ``accuracy_std``, ``accuracies``: 0-1 scale).
        shift: moves the dots sideways by this fraction of ``x`` (log axes: ``x * (1 + shift)``)
            so that the dots of two variants do not cover each other.
        subplot: ``row=..., col=...`` for a figure made with ``make_subplots``; the legend entry
            is shown only once per ``name`` across panels.
    """
    if len(x) != len(records):
        raise ValueError(f"{len(x)} x values for {len(records)} records")
    shown = any(t.name == name and t.showlegend is not False for t in fig.data)
    sign = "" if field == "accuracy" else "+"
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=[100 * r[field] for r in records],
            error_y={"type": "data", "array": [100 * r[f"{field}_std"] for r in records]},
            mode="lines+markers",
            name=name,
            legendgroup=name,
            showlegend=not shown,
            line={"color": colour, "dash": dash},
            marker={"color": colour, "size": 8},
            hovertemplate=f"{name}: %{{x}}, %{{y:{sign}.1f}} %<extra></extra>",
        ),
        **subplot,
    )
    if dots and field == "accuracy":
        fig.add_trace(
            go.Scatter(
                x=[v * (1 + shift) for v, r in zip(x, records) for _ in r["accuracies"]],
                y=[100 * a for r in records for a in r["accuracies"]],
                mode="markers",
                name=f"{name}, one seed",
                legendgroup=name,
                showlegend=False,
                marker={"color": colour, "size": 6, "opacity": 0.55, "symbol": "circle-open"},
                hovertemplate=f"{name}, one seed: %{{y:.1f}} %<extra></extra>",
            ),
            **subplot,
        )
    return fig


def uncertainty_note(seeds: int, dots: bool = True, sep: str = "<br>") -> str:
    """What the error bars (and dots) of :func:`add_variant` show, for a legend title: short
    lines (two, three with ``dots``) joined by ``sep``, so that a legend beside the panels fits
    the page (``sep=" "`` for one line)."""
    parts = ["error bars: ±1 s.d.", f"over {seeds} seed{'s' if seeds != 1 else ''}"]
    return sep.join(parts + (["open dots: single seeds"] if dots else []))


def log_axis(values: Sequence[float]) -> dict[str, Any]:
    """Keyword arguments of ``update_xaxes`` for a log axis ticked at exactly ``values``."""
    ticks = sorted(set(values))
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{v:g}" for v in ticks]}


def end_numbers(dense: Mapping[str, Any], fpe: Mapping[str, Any], tag: str) -> dict[str, float]:
    """``dense_<tag>``, ``fpe_<tag>`` (mean accuracy, %), their ``_std`` (s.d., points) and
    ``gain_<tag>`` (FPE's relative gain, %) from one width's dense and FPE records."""
    return {
        f"dense_{tag}": 100 * dense["accuracy"],
        f"dense_{tag}_std": 100 * dense["accuracy_std"],
        f"fpe_{tag}": 100 * fpe["accuracy"],
        f"fpe_{tag}_std": 100 * fpe["accuracy_std"],
        f"gain_{tag}": 100 * fpe["relative_gain"],
    }


def put_all(values: Mapping[str, Any]) -> None:
    """Glue every ``name: value`` of ``values`` (:func:`expand_neurons.book.glue.put`)."""
    for name, value in values.items():
        put(name, value)


def duration(seconds: float) -> str:
    """A measured time for prose: ``"under one second"``, ``"42 seconds"``, ``"8 minutes"``,
    ``"2.5 hours"`` (seconds below two minutes, minutes below two hours)."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {seconds}")
    if seconds < 1:
        return "under one second"
    if seconds < 120:
        n = round(seconds)
        return f"{n} second{'s' if n != 1 else ''}"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"


def paper_time(results: Sequence[Mapping[str, Any]]) -> str:
    """One sentence on the paper-profile cells of ``results`` (from
    :func:`expand_neurons.book.stored.paper_result`): how many are stored and the CPU time
    recorded when they were computed, or that none is stored yet."""
    total = sum(r["cells"]["total"] for r in results)
    stored = sum(r["cells"]["stored"] for r in results)
    if not stored:
        return f"None of the {total} paper-profile cells of this page is stored yet."
    cpu = sum(float(p.get("cpu_s", 0.0)) for r in results for p in r["provenance"])
    cells = "cell" if stored == 1 else "cells"
    return (
        f"The {stored} stored paper-profile {cells} (of {total}) took {duration(cpu)} of CPU "
        "time when they were computed, as recorded in the store."
    )
