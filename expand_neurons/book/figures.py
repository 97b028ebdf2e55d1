"""Show plotly figures in the book and in live notebooks.

Chapters import this module explicitly (``from expand_neurons.book.figures import show``);
``import expand_neurons`` itself never imports plotly.

The one rule, decided by the environment variable :data:`BOOK_BUILD_ENV`:

* **Book build** (``EXPAND_NEURONS_BOOK_BUILD=1``, set by the book's Sphinx extension
  ``_ext/expand_neurons_book.py`` before it starts any kernel): :func:`show` outputs the
  figure as an HTML ``<div>`` *without* plotly.js, because every page of the site loads
  ``_static/plotly.min.js`` (copied from the installed plotly package) itself. No CDN is
  involved, so the site works offline. (Only ``text/html`` is emitted: myst-nb warns on
  the plotly JSON mimetype, and warnings fail the strict build. The executed notebook
  that the site's download button offers therefore shows its figures once re-run.)
* **Anywhere else** (JupyterLab, Binder, Colab, VS Code, nbval): :func:`show` calls
  ``fig.show()`` and lets plotly pick the renderer of that front end.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from ..claims.outcomes import Outcome

__all__ = [
    "BOOK_BUILD_ENV",
    "TEMPLATE",
    "PAPER_COLOUR",
    "PAPER_MARKER",
    "in_book_build",
    "show",
    "style",
    "paper_points",
    "paper_note",
    "NOTE_LINE_PX",
    "OUTCOME_COLOURS",
    "VARIANT_COLOURS",
    "WIDTH_COLOURS",
    "REFERENCE_COLOUR",
    "variant_colour",
    "LAYOUT_COLOURS",
    "AXIS_TITLE_COLOUR",
    "readable_axis_titles",
    "log_ticks",
    "log_axis",
    "add_variant",
    "uncertainty_note",
    "train_ratio_figure",
]

#: Environment variable that marks a kernel executed by the book build.
BOOK_BUILD_ENV = "EXPAND_NEURONS_BOOK_BUILD"

_GRID = "rgba(128, 128, 128, 0.25)"
_AXIS = "rgba(128, 128, 128, 0.6)"

#: Layout defaults readable in light and dark mode: transparent backgrounds and grey grid
#: lines that show on both. Text uses plotly's dark grey; the site's ``_static/custom.css``
#: lightens it when the reader switches the page to dark mode.
TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
TEMPLATE.layout.update(
    paper_bgcolor="rgba(0, 0, 0, 0)",
    plot_bgcolor="rgba(0, 0, 0, 0)",
    font={"color": "#444444"},
    legend={"bgcolor": "rgba(0, 0, 0, 0)"},
    margin={"l": 60, "r": 20, "t": 50, "b": 50},
)
for _axis in (TEMPLATE.layout.xaxis, TEMPLATE.layout.yaxis):
    _axis.update(gridcolor=_GRID, zerolinecolor=_AXIS, linecolor=_AXIS)
pio.templates["expand_neurons"] = TEMPLATE

_CONFIG: dict[str, Any] = {"responsive": True, "displaylogo": False}


def in_book_build() -> bool:
    """Return True when running inside a kernel started by the book build."""
    return os.environ.get(BOOK_BUILD_ENV, "") == "1"


def style(fig: go.Figure) -> go.Figure:
    """Apply the book's template to ``fig`` (in place) and return it."""
    fig.update_layout(template=TEMPLATE)
    return fig


def show(fig: go.Figure, *, config: dict[str, Any] | None = None) -> None:
    """Display ``fig`` with the book's style, following the module's rule.

    Args:
        fig: the plotly figure; its layout is styled in place by :func:`style`.
        config: extra plotly config options (merged over ``responsive`` and no logo).
    """
    from IPython.display import display

    style(fig)
    options = {**_CONFIG, **(config or {})}
    if not in_book_build():
        fig.show(config=options)
        return
    html = fig.to_html(include_plotlyjs=False, full_html=False, config=options)
    display({"text/html": html}, raw=True)


#: The colour of what the paper reports: its markers' outline and its notes' text.
PAPER_COLOUR = "#222222"
#: How the paper's own numbers look on every figure: white diamonds outlined in
#: :data:`PAPER_COLOUR`, visible on a light page, on a dark one and on a coloured bar.
PAPER_MARKER: dict[str, Any] = {
    "symbol": "diamond",
    "size": 13,
    "color": "#ffffff",
    "line": {"color": PAPER_COLOUR, "width": 2},
}


def paper_points(
    fig: go.Figure, x: list[Any], y: list[float], *, name: str = "paper", **subplot: Any
) -> go.Figure:
    """Mark values the paper reports (``y``, in the figure's units) at ``x`` on ``fig``.

    Args:
        subplot: ``row=..., col=...`` for a figure made with ``make_subplots``.
    """
    trace = go.Scatter(x=x, y=y, mode="markers", name=name, marker=PAPER_MARKER)
    fig.add_trace(trace, **subplot)
    return fig


def paper_note(fig: go.Figure, text: str, **subplot: Any) -> go.Figure:
    """Write what the paper reports (a direction, a number) just above the plotting area of
    ``fig`` or of one subplot (``row=..., col=...``), in the paper's marker colour.

    The note sits outside the axes so it never covers data; lines break at ``<br>``. Without a
    subplot the figure's top margin grows to make room under the title.
    """
    if subplot:
        axis = fig.get_subplot(subplot["row"], subplot["col"])
        x_name = axis.xaxis.plotly_name.replace("axis", "")
        y_name = axis.yaxis.plotly_name.replace("axis", "")
        ref = {"xref": f"{x_name} domain", "yref": f"{y_name} domain"}
    else:
        ref = {"xref": "paper", "yref": "paper"}
        lines = text.count("<br>") + 1
        top = fig.layout.margin.t or TEMPLATE.layout.margin.t
        fig.update_layout(margin_t=max(top, 40 + NOTE_LINE_PX * lines))
    fig.add_annotation(
        text=f"paper: {text}",
        x=0,
        y=1,
        xanchor="left",
        yanchor="bottom",
        align="left",
        yshift=2,
        showarrow=False,
        font={"color": PAPER_COLOUR, "size": 12},
        **ref,
    )
    return fig


#: Height (pixels) of one line of a :func:`paper_note`.
NOTE_LINE_PX = 16


#: One colour per outcome of the claim catalogue (:class:`expand_neurons.claims.outcomes.Outcome`),
#: distinguishable for colour-blind readers (Okabe-Ito) and on dark pages.
OUTCOME_COLOURS: dict[Outcome, str] = {
    Outcome.SUPPORTED: "#0072B2",
    Outcome.SMALLER_THAN_PAPER: "#E69F00",
    Outcome.SMALLER_THAN_SMALLEST: "#CC79A7",
    Outcome.CONTRADICTED: "#D55E00",
    Outcome.INCONCLUSIVE: "#999999",
    Outcome.NOT_COMPUTED: "#C8C8C8",
    Outcome.NOT_TESTED: "#DDDDDD",
}

#: The book's one palette of variants: the same variant has the same colour on every page
#: (Okabe-Ito: distinguishable for colour-blind readers and on light and dark pages). A name
#: that starts with a known variant (``"grouped-2"``) takes that variant's colour.
VARIANT_COLOURS: dict[str, str] = {
    "dense": "#E69F00",
    "random": "#0072B2",
    "clause": "#009E73",
    "feature": "#CC79A7",
    "overlap": "#D55E00",
    "dropconnect": "#56B4E9",
    "grouped": "#56B4E9",
    "packed": "#D55E00",
    "apart": "#009E73",
}
#: Colours for a sequence of widths or other ordered settings (lines of one figure).
WIDTH_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: The grey of reference lines (zero gain, a fitted line, a closed form): never a data colour.
REFERENCE_COLOUR = "rgba(128, 128, 128, 0.8)"


def variant_colour(variant: str) -> str:
    """The colour of ``variant`` in :data:`VARIANT_COLOURS` (``"grouped-2"`` as ``"grouped"``)."""
    for name, colour in VARIANT_COLOURS.items():
        if variant == name or variant.startswith(f"{name}-"):
            return colour
    raise KeyError(f"no colour for variant {variant!r}; known: {sorted(VARIANT_COLOURS)}")


#: One colour per layout, distinguishable for colour-blind readers (Okabe-Ito) and on dark pages.
LAYOUT_COLOURS = {"masked": "#D55E00", "grouped": "#0072B2", "sparse": "#009E73"}

#: Axis titles in a mid grey, readable on the light page and on the dark one (the site's
#: stylesheet lightens only the titles of the first two axes in dark mode).
AXIS_TITLE_COLOUR = "#808080"


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values 1, 2, 5 times powers of ten for a log axis, from the one at or below ``low``
    to the one at or above ``high`` (both > 0); at least two."""
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high, got {low}, {high}")
    ticks = [
        m * 10.0**e
        for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
        for m in (1, 2, 5)
    ]
    below = max(t for t in ticks if t <= low * (1 + 1e-9))
    above = min(t for t in ticks if t >= high * (1 - 1e-9))
    if below == above:  # one tick is no scale: add its neighbours
        i = ticks.index(below)
        below, above = ticks[i - 1], ticks[i + 1]
    return [t for t in ticks if below <= t <= above]


def readable_axis_titles(fig: go.Figure) -> go.Figure:
    """Colour every axis title of ``fig`` (all panels) :data:`AXIS_TITLE_COLOUR`; returns it."""
    fig.update_xaxes(title_font_color=AXIS_TITLE_COLOUR)
    fig.update_yaxes(title_font_color=AXIS_TITLE_COLOUR)
    return fig


def train_ratio_figure(rows: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Epoch time over dense against ``alpha``, one panel per network shape, one line per
    layout, from :func:`expand_neurons.layers.train_bench.run_training` rows (log axes with
    tick labels and titles on every panel, one scale for all; the dashed line is dense, 1x)."""
    from plotly.subplots import make_subplots

    trained = [r for r in rows if r["layout"] in LAYOUT_COLOURS]
    shapes = list(dict.fromkeys(r["shape"] for r in trained))
    fig = make_subplots(
        rows=1,
        cols=len(shapes),
        shared_yaxes="all",
        horizontal_spacing=0.08,
        subplot_titles=[
            f"{s} (d = {next(r['d'] for r in trained if r['shape'] == s)})" for s in shapes
        ],
    )
    for col, shape in enumerate(shapes, start=1):
        for layout, colour in LAYOUT_COLOURS.items():
            pts = [r for r in trained if r["shape"] == shape and r["layout"] == layout]
            if not pts:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[r["alpha"] for r in pts],
                    y=[r["ratio"] for r in pts],
                    name=layout,
                    mode="lines+markers",
                    line={"color": colour},
                    marker={"color": colour},
                    legendgroup=layout,
                    showlegend=col == 1,
                    hovertemplate=f"{layout}: α=%{{x}}, %{{y:.2f}}× dense<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.add_hline(y=1.0, line={"dash": "dash", "color": _AXIS}, row=1, col=col)
        alphas = sorted({r["alpha"] for r in trained if r["shape"] == shape})
        fig.update_xaxes(
            type="log",
            tickvals=alphas,
            ticktext=[str(a) for a in alphas],
            title_text="α",
            row=1,
            col=col,
        )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            name="dense network (1 ×)",
            line={"dash": "dash", "color": _AXIS},
        )
    )
    ratios = [r["ratio"] for r in trained]
    ticks = log_ticks(min(ratios + [1.0]), max(ratios + [1.0]))
    fig.update_yaxes(
        type="log",
        tickvals=ticks,
        ticktext=[f"{t:g}" for t in ticks],
        title_text="epoch time / dense (median)",
        showticklabels=True,
    )
    fig.update_layout(
        title="Epoch time against the dense network of equal non-zero count (median of rounds)",
        height=400,
        legend_title_text="layout",
        margin={"t": 80},
    )
    return readable_axis_titles(style(fig))


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
