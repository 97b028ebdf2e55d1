"""Shared by the tests of the real-data chapters' page helpers: fake results, figure and table
checks. Not a test module itself."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from expand_neurons.stats import Comparison

GREY_REFERENCES = ("grey", "gray", "#808080", "#888888", "#c8c8c8")


def records(settings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Result records from ``{**setting, "variant": v, "accuracies": [...]}`` rows: mean, s.d.,
    and the relative gain over the ``dense`` row of the same setting (per seed, then averaged)."""
    rows = [dict(r) for r in settings]

    def key(r: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted((k, v) for k, v in r.items() if k not in ("variant", "accuracies")))

    dense = {key(r): r["accuracies"] for r in rows if r["variant"] == "dense"}
    for r in rows:
        base = dense.get(key(r))
        accs = r["accuracies"]
        r["accuracy"] = statistics.fmean(accs)
        r["accuracy_std"] = statistics.stdev(accs) if len(accs) > 1 else 0.0
        r.setdefault("nonzero", 100)
        if base is not None:
            g = [(a - b) / b for a, b in zip(accs, base)]
            r["relative_gain"] = statistics.fmean(g)
            r["relative_gain_std"] = statistics.stdev(g) if len(g) > 1 else 0.0
    return rows


def result(rows: Iterable[Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    """A result holding :func:`records` of ``rows``, with ``config`` and anything in ``extra``."""
    return {"records": records(rows), "config": extra.pop("config", {}), **extra}


def comparison(mean: float, low: float, high: float, name: str = "c", n: int = 3) -> Comparison:
    """A :class:`Comparison` with this mean and interval (its verdict follows the interval)."""
    return Comparison(name, mean, low, high, 0.95, n - 1, n, 0.05, 0.05, "t")


def axes(fig: go.Figure) -> dict[str, Any]:
    """Every cartesian axis of ``fig``'s layout that some trace draws on, by layout name."""
    used = set()
    for t in fig.data:
        used.add("xaxis" + (t.xaxis or "x")[1:])
        used.add("yaxis" + (t.yaxis or "y")[1:])
    return {name: fig.layout[name] for name in used}


def assert_readable_figure(fig: go.Figure) -> None:
    """Every panel's axes have a title and tick labels (log axes explicit ticks); a line and the
    dots of its legend group share one colour; no data colour is a reference grey; every trace
    in the legend has a name; the figure names its uncertainty somewhere."""
    for name, axis in axes(fig).items():
        assert axis.title.text, f"{name} has no title"
        assert axis.showticklabels is not False, f"{name} hides its tick labels"
        assert axis.matches is None, f"{name} uses matches"
        if axis.type == "log":
            assert axis.tickvals, f"log axis {name} without explicit tick values"
    colours: dict[str, set[str]] = {}
    for t in fig.data:
        colour = (t.marker.color if t.marker is not None else None) or (
            t.line.color if t.line else None
        )
        if isinstance(colour, str):
            assert colour.lower() not in GREY_REFERENCES, f"{t.name} drawn in a reference grey"
        if t.legendgroup:
            for c in (t.marker.color, t.line.color if t.line else None):
                if isinstance(c, str):
                    colours.setdefault(t.legendgroup, set()).add(c.lower())
        if t.showlegend is not False:
            assert t.name, "a trace in the legend has no name"
    for group, cs in colours.items():
        assert len(cs) == 1, f"legend group {group!r} mixes colours {cs}"
    subtitle = fig.layout.title.subtitle.text if fig.layout.title.subtitle else None
    text = " ".join(
        [
            str(fig.layout.title.text or ""),
            str(subtitle or ""),
            str(fig.layout.legend.title.text or ""),
        ]
        + [str(a.text) for a in fig.layout.annotations]
        + [str(t.name) for t in fig.data]
    )
    assert re.search(r"s\.d\.|CI", text), "the figure does not name its uncertainty"


def cells(styler: Any) -> list[list[str]]:
    """The data cells of a rendered ``Styler`` (or DataFrame), as text, row by row."""
    html = styler.to_html()
    n_cols = len(styler.data.columns) if hasattr(styler, "data") else len(styler.columns)
    texts = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]
    return [texts[i : i + n_cols] for i in range(0, len(texts), n_cols)]


def assert_clean_table(
    styler: Any, integer_columns: Sequence[str] = (), exempt: Sequence[str] = ()
) -> None:
    """No float junk: at most two decimals anywhere but in the ``exempt`` columns (e.g. a
    learning rate written as ``0.001``), and integer columns without a decimal point; no cell
    cut short with an ellipsis."""
    columns = [c[-1] if isinstance(c, tuple) else c for c in styler.data.columns]
    for row in cells(styler):
        for column, text in zip(columns, row):
            if column not in exempt:
                assert not re.search(r"\d\.\d{3,}", text), f"{column}: {text!r} has float junk"
            assert "…" not in text and not text.endswith("..."), f"{column}: {text!r} cut short"
            if column in integer_columns and text:
                assert re.fullmatch(r"-?\d+", text), f"{column}: {text!r} is not an integer"
