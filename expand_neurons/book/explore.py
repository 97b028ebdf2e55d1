"""Explorable figures for the static site: pre-computed traces behind a profile switch and a
view control, drawn by plotly alone (no kernel, no network: the site serves plotly.js itself).

A page turns its results into a tidy list of :class:`Point` (one mean per profile, view, panel,
series and x; on a map, a cell with its row) and calls :func:`explorable` with the
:class:`Panel` s to draw them in, stacked top to bottom so that a 390 px phone can read them.
The figure holds one trace per panel, view and series (a line, and its seeds as open dots where
the points carry them; a map: one heatmap of cells and one of muted, grey cells per panel and
view). Two rows of buttons drive them, independent of each other:

* the **profile switch** (one button per :class:`Profile`, e.g. the paper profile read from the
  store and this build's quick run) swaps the data of every trace, the axes' ticks and
  categories, and the subtitle that says what the profile holds and which cells it lacks;
* the **view control** (one button per view, e.g. the split, α or depth; absent with one view)
  shows the traces of one view and hides the others.

Every point's hover lists its seeds' values (for FPE, the paired differences FPE − dense seed
by seed, in accuracy points), a few to a line. Units: whatever the panel says (the book's pages
pass accuracies and gains in %).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..claims.estimands import dense_of
from .figures import (
    AXIS_TITLE_COLOUR,
    NOTE_LINE_PX,
    REFERENCE_COLOUR,
    WIDTH_COLOURS,
    log_ticks,
    paper_note,
    style,
)

__all__ = [
    "Point",
    "Panel",
    "Profile",
    "profile_of",
    "profiles",
    "seed_differences",
    "record_points",
    "explorable",
    "SEEDS_PER_LINE",
    "PANEL_PX",
]

#: How many seeds' values one line of a hover holds.
SEEDS_PER_LINE = 5
#: Height of one panel (pixels).
PANEL_PX = 300
_KINDS = ("lines", "map")
_TICKS = ("values", "decades")
_BUTTON_ROW_PX = 34  # one row of buttons
_GAP_PX = 70  # between two panels: the upper one's x axis title
_LEGEND_PX = 130  # below the plots: the lowest x axis title and the legend
_TITLE_LINE_PX, _TITLE_CHARS = 22, 38  # a line of the title, and what fits a 390 px phone
_NOTE_LINE_PX = NOTE_LINE_PX  # a line of the subtitle or of the paper's note
_SUBTITLE_CHARS, _NOTE_CHARS = 52, 46
_MUTED = [[0, "#d9d9d9"], [1, "#d9d9d9"]]


@dataclass(frozen=True)
class Point:
    """One mean of an explorable figure: a point of a line, or a cell of a map.

    Attributes:
        profile: the :attr:`Profile.label` of the profile it belongs to.
        x: the swept value (a line) or the column (a map).
        value: the mean in the panel's units; ``None`` where it was not computed.
        view: the view it is shown in (``""`` for a figure with one view).
        panel: the panel it is drawn in (0: the top one).
        series: the line it belongs to, its legend name (a map: ``""``).
        spread: the error bar, ± this much (a line).
        seeds: the seeds' values behind it, listed in its hover (FPE: FPE − dense per seed).
        seeds_label: what :attr:`seeds` are, the hover's heading for them.
        seeds_signed: the hover gives the seeds' signs (differences).
        dots: the seeds' values drawn as open dots beside the line (none: no dots).
        row: a map's row.
        label: the text written in a map's cell.
        muted: a map cell drawn grey (e.g. its dense baseline fails its health gate).
        about: the first line of its hover (what the point is).
    """

    profile: str
    x: float | str
    value: float | None
    view: str = ""
    panel: int = 0
    series: str = ""
    spread: float = 0.0
    seeds: tuple[float, ...] = ()
    seeds_label: str = "FPE − dense per seed (points)"
    seeds_signed: bool = True
    dots: tuple[float, ...] = ()
    row: float | str | None = None
    label: str = ""
    muted: bool = False
    about: str = ""


@dataclass(frozen=True)
class Panel:
    """One panel of an explorable figure.

    Attributes:
        x_title, y_title: the axis titles.
        kind: ``"lines"`` (a line per series, ±``spread`` bars) or ``"map"`` (a heatmap of the
            values over ``x`` (columns) × ``row``, each cell labelled, colour scale Blues).
        log_x: a logarithmic x axis (lines).
        ticks: ``"values"`` (a tick at every x value of the profile shown) or ``"decades"``
            (1, 2, 5 times powers of ten across them, for a log axis of many values).
        zero: a dotted reference line at 0 (a gain).
        unit: the values' unit in hovers (``"%"``).
        signed: hovers give the value's sign (a gain).
    """

    x_title: str
    y_title: str
    kind: str = "lines"
    log_x: bool = False
    ticks: str = "values"
    zero: bool = False
    unit: str = "%"
    signed: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Panel kind must be one of {_KINDS}, got {self.kind!r}")
        if self.ticks not in _TICKS:
            raise ValueError(f"Panel ticks must be one of {_TICKS}, got {self.ticks!r}")


@dataclass(frozen=True)
class Profile:
    """One profile of the switch: its button's label, and the cells it lacks.

    Attributes:
        label: the button's text, e.g. ``"paper (stored)"``; points name it as their profile.
        missing: the cells not computed yet, readable (``"n_clauses=16, hidden=32"``).
        cells: how many cells the profile's grid has (``None``: not known).
    """

    label: str
    missing: tuple[str, ...] = ()
    cells: int | None = None


def profile_of(result: Mapping[str, Any], label: str) -> Profile:
    """The :class:`Profile` of a result (live or stored): its ``missing`` cells without the
    experiment's name, and its cell count."""
    name = str(result.get("experiment", ""))
    missing = tuple(str(m).removeprefix(f"{name} ").strip() for m in result.get("missing", ()))
    cells = result.get("cells", {}).get("total")
    return Profile(label, missing, int(cells) if cells is not None else None)


def profiles(
    first: Mapping[str, Any], live: Mapping[str, Any] | None = None
) -> list[tuple[Profile, Mapping[str, Any]]]:
    """The switch's profiles and their results: ``first`` alone (labelled by its profile), or
    ``first`` read from a store beside ``live``, this build's run (``"paper (stored)"``,
    ``"quick (this build)"``)."""
    name = str(first.get("profile", "this run"))
    if live is None:
        return [(profile_of(first, name), first)]
    stored = profile_of(first, f"{name} (stored)")
    return [
        (stored, first),
        (profile_of(live, f"{live.get('profile', 'this run')} (this build)"), live),
    ]


def seed_differences(record: Mapping[str, Any], dense: Mapping[str, Any]) -> tuple[float, ...]:
    """FPE − dense, seed by seed (paired by position), in accuracy points, from two records."""
    a, b = record["accuracies"], dense["accuracies"]
    if len(a) != len(b):
        raise ValueError(f"cannot pair {len(a)} seeds of {record['variant']!r} with {len(b)}")
    return tuple(100 * (x - y) for x, y in zip(a, b))


def record_points(
    result: Mapping[str, Any],
    record: Mapping[str, Any],
    *,
    profile: str,
    x: float,
    series: str,
    view: str = "",
    about: str = "",
    dots: bool = False,
) -> list[Point]:
    """A record's points: its mean accuracy (panel 0, %, ±1 s.d.) and, for an FPE variant with
    a relative gain, that gain over dense (panel 1, %). Hovers list the seeds: a dense record's
    accuracies, an FPE record's paired differences FPE − dense (points, its setting's dense
    record in ``result``). With ``dots``, the seeds' accuracies are drawn as open dots."""
    common: dict[str, Any] = {"profile": profile, "x": x, "view": view, "series": series}
    accs = tuple(100 * a for a in record["accuracies"])
    acc = Point(
        value=100 * record["accuracy"],
        spread=100 * record["accuracy_std"],
        dots=accs if dots else (),
        about=about,
        **common,
    )
    if record["variant"] == "dense":
        label = "accuracy per seed (%)"
        return [replace(acc, seeds=accs, seeds_label=label, seeds_signed=False)]
    diffs = seed_differences(record, dense_of(result, dict(record)))
    out = [replace(acc, seeds=diffs)]
    if "relative_gain" in record:
        gain = 100 * record["relative_gain"], 100 * record["relative_gain_std"]
        out.append(replace(acc, panel=1, value=gain[0], spread=gain[1], seeds=diffs, dots=()))
    return out


def _fmt(value: float, signed: bool) -> str:
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def _hover(p: Point, panel: Panel) -> str:
    """The hover of one point: what it is, its mean ± spread, its seeds a few to a line."""
    lines = [p.about or p.series or str(p.x)]
    if p.value is not None:
        spread = f" ± {p.spread:.1f}" if p.spread else ""
        lines.append(f"{_fmt(p.value, panel.signed)}{spread} {panel.unit}".rstrip())
    if p.seeds:
        lines.append(f"{p.seeds_label}:")
        text = [_fmt(v, p.seeds_signed) for v in p.seeds]
        for i in range(0, len(text), SEEDS_PER_LINE):
            lines.append(", ".join(text[i : i + SEEDS_PER_LINE]))
    return "<br>".join(lines)


def _category(value: float | str | None) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _sorted(values: Iterable[Any]) -> list[Any]:
    unique = list(dict.fromkeys(values))
    numbers = all(isinstance(v, (int, float)) for v in unique)
    return sorted(unique) if numbers else unique


@dataclass
class _Trace:
    """One trace of the figure and its data in every profile."""

    panel: int
    view: str
    series: str
    role: str  # "line", "dots", "map", "muted"
    data: list[dict[str, Any]]


def _line_data(points: Sequence[Point], panel: Panel, shift: float) -> tuple[dict, dict]:
    """A line's data (x, y, bars, hovers) and its dots' data, from its points in one profile."""
    pts = sorted((p for p in points if p.value is not None), key=lambda p: p.x)
    line = {
        "x": [p.x for p in pts],
        "y": [p.value for p in pts],
        "error_y.array": [p.spread for p in pts],
        "hovertext": [_hover(p, panel) for p in pts],
    }
    xs = [p.x for p in pts for _ in p.dots]
    dots = {
        "x": [x * (1 + shift) if isinstance(x, (int, float)) else x for x in xs],
        "y": [d for p in pts for d in p.dots],
        "error_y.array": None,
        "hovertext": [f"{p.series}, one seed: {d:.1f} {panel.unit}" for p in pts for d in p.dots],
    }
    return line, dots


def _grid(points: Sequence[Point], panel: int) -> tuple[list[str], list[str]]:
    """A map's columns and rows: the x and row of every cell in ``panel``, computed or not."""
    mine = [p for p in points if p.panel == panel]
    return [_category(v) for v in _sorted(p.x for p in mine)], [
        _category(v) for v in _sorted(p.row for p in mine)
    ]


def _map_data(
    points: Sequence[Point], panel: Panel, muted: bool, grid: tuple[list[str], list[str]]
) -> dict[str, Any]:
    """A map's z, labels and hovers over the profile's ``grid`` (columns, rows): the cells of
    ``points`` whose ``muted`` flag matches, the others blank."""
    columns, rows = grid
    cell = {(_category(p.x), _category(p.row)): p for p in points if p.muted is muted}

    def at(r: str, c: str, what: str) -> Any:
        p = cell.get((c, r))
        if p is None:
            return None if what == "z" else ""
        return {"z": p.value, "text": p.label, "hover": _hover(p, panel)}[what]

    return {
        "x": list(columns),
        "y": list(rows),
        "z": [[at(r, c, "z") for c in columns] for r in rows],
        "text": [[at(r, c, "text") for c in columns] for r in rows],
        "hovertext": [[at(r, c, "hover") for c in columns] for r in rows],
    }


def _axis(index: int, letter: str) -> str:
    return f"{letter}axis{index + 1 if index else ''}"


def _profile_layout(
    points: Sequence[Point], panels: Sequence[Panel], profile: Profile, views: Sequence[str]
) -> dict[str, Any]:
    """The layout a profile's button sets: subtitle, and every panel's ticks or categories."""
    layout: dict[str, Any] = {"title.subtitle.text": _subtitle(points, profile, views)}
    for i, panel in enumerate(panels):
        if panel.kind == "map":
            columns, rows = _grid(points, i)
            layout[f"{_axis(i, 'x')}.categoryarray"] = columns
            layout[f"{_axis(i, 'y')}.categoryarray"] = rows
            continue
        xs = _sorted(p.x for p in points if p.panel == i and p.value is not None)
        if not xs or not all(isinstance(x, (int, float)) for x in xs):
            continue
        ticks = log_ticks(min(xs), max(xs)) if panel.ticks == "decades" and min(xs) > 0 else xs
        layout[f"{_axis(i, 'x')}.tickvals"] = ticks
        layout[f"{_axis(i, 'x')}.ticktext"] = [f"{t:g}" for t in ticks]
    return layout


def _lines(text: str, width: int) -> str:
    """``text`` (its ``<br>`` kept) in lines of at most ``width`` characters, broken at spaces
    and joined by ``<br>``, for a 390 px phone."""
    lines = (textwrap.wrap(t, width, break_long_words=False) for t in text.split("<br>"))
    return "<br>".join(line for block in lines for line in block)


def _wrap(parts: Sequence[str]) -> str:
    """``parts`` joined by ``"; "`` in lines that fit a phone (:func:`_lines`)."""
    return _lines("; ".join(parts), _SUBTITLE_CHARS)


def _subtitle(points: Sequence[Point], profile: Profile, views: Sequence[str]) -> str:
    """What the profile holds: seeds per point, the cells it lacks, the views it has no data
    for; an empty profile says it is not computed."""
    counts = sorted({len(p.seeds) for p in points if p.seeds})
    parts = [profile.label]
    if not any(p.value is not None for p in points):
        cells = f" (0 of {profile.cells} cells)" if profile.cells else ""
        return _wrap([*parts, f"not computed yet{cells}"])
    if counts:
        seeds = "–".join(map(str, sorted({counts[0], counts[-1]})))
        parts.append(f"means ± 1 s.d. over {seeds} seeds")
    if profile.missing:
        total = f" of {profile.cells}" if profile.cells else ""
        shown = "; ".join(profile.missing[:2]) + ("; …" if len(profile.missing) > 2 else "")
        parts.append(f"{len(profile.missing)}{total} cells not computed yet ({shown})")
        parts[-1] = parts[-1].replace(" of ", "\u00a0of\u00a0", 1)  # "11 of 36" on one line
    empty = [v for v in views if v and not any(p.view == v and p.value is not None for p in points)]
    if empty:
        parts.append(f"no data for {', '.join(empty)}")
    return _wrap(parts)


def explorable(
    points: Sequence[Point],
    panels: Sequence[Panel],
    profiles: Sequence[Profile],
    *,
    title: str,
    note: str | None = None,
    colours: Mapping[str, str] | None = None,
    dashes: Mapping[str, str] | None = None,
    initial: int | None = None,
) -> go.Figure:
    """A figure of ``points`` in ``panels`` (stacked) with a profile switch and a view control.

    Args:
        points: the tidy table; every point names one of ``profiles`` and a panel index.
        profiles: the switch's buttons, in order (with one profile, no switch is drawn).
        title: the figure's title; the subtitle says what the profile shown holds and lacks.
        note: what the paper reports (:func:`~expand_neurons.book.figures.paper_note`'s text),
            written above the top panel.
        colours: a series' colour (others: :data:`~expand_neurons.book.figures.WIDTH_COLOURS`
            in turn).
        dashes: a series' line dash (``"dot"``; others solid).
        initial: the profile shown first (its index in ``profiles``; default: the first
            profile with a computed point).

    Returns:
        the figure; its first ``updatemenus`` entry is the profile switch (when there are two
        profiles or more), whose buttons carry every trace's data in that profile.
    """
    labels = [p.label for p in profiles]
    if not labels or len(set(labels)) != len(labels):
        raise ValueError(f"profiles must be one or more distinct labels, got {labels}")
    for p in points:
        if p.profile not in labels:
            raise ValueError(f"a point names profile {p.profile!r}; the profiles are {labels}")
        if not 0 <= p.panel < len(panels):
            raise ValueError(f"a point names panel {p.panel}; there are {len(panels)} panels")
    if initial is None:
        computed = {p.profile for p in points if p.value is not None}
        initial = next((j for j, lb in enumerate(labels) if lb in computed), 0)
    if not 0 <= initial < len(labels):
        raise ValueError(f"initial must index the {len(labels)} profiles, got {initial}")
    views = list(dict.fromkeys(p.view for p in points)) or [""]
    by = {label: [p for p in points if p.profile == label] for label in labels}
    maps = [i for i, panel in enumerate(panels) if panel.kind == "map"]
    grids = {(lb, i): _grid(by[lb], i) for lb in labels for i in maps}
    traces: list[_Trace] = []
    for i, panel in enumerate(panels):
        for view in views:
            mine = {
                label: [p for p in by[label] if p.panel == i and p.view == view] for label in labels
            }
            if panel.kind == "map":
                for role, muted in (("map", False), ("muted", True)):
                    data = [_map_data(mine[lb], panel, muted, grids[lb, i]) for lb in labels]
                    traces.append(_Trace(i, view, "", role, data))
                continue
            series = list(dict.fromkeys(p.series for lb in labels for p in mine[lb]))
            for s, name in enumerate(series):
                shift = 0.04 * (s - (len(series) - 1) / 2)
                pairs = [
                    _line_data([p for p in mine[lb] if p.series == name], panel, shift)
                    for lb in labels
                ]
                traces.append(_Trace(i, view, name, "line", [line for line, _ in pairs]))
                if any(p.dots for lb in labels for p in mine[lb] if p.series == name):
                    traces.append(_Trace(i, view, name, "dots", [dots for _, dots in pairs]))
    fig = _draw(traces, panels, views, initial, colours or {}, dashes or {})
    lines = _controls(fig, traces, points, panels, profiles, views, initial)
    return _finish(fig, panels, title, note, len(profiles) > 1, len(views) > 1, lines)


def _draw(
    traces: Sequence[_Trace],
    panels: Sequence[Panel],
    views: Sequence[str],
    initial: int,
    colours: Mapping[str, str],
    dashes: Mapping[str, str],
) -> go.Figure:
    """The figure with every trace holding the ``initial`` profile's data, the first view
    visible."""
    area_px = PANEL_PX * len(panels) + _GAP_PX * (len(panels) - 1)
    fig = make_subplots(rows=len(panels), cols=1, vertical_spacing=_GAP_PX / area_px)
    names = list(dict.fromkeys(t.series for t in traces if t.role == "line"))
    colour = {n: colours.get(n, WIDTH_COLOURS[i % len(WIDTH_COLOURS)]) for i, n in enumerate(names)}
    legend_panel = {n: min(t.panel for t in traces if t.series == n) for n in names}
    for t in traces:
        data = dict(t.data[initial])
        common = {
            "visible": t.view == views[0],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "x": data.pop("x"),
            "y": data.pop("y"),
            "hovertext": data.pop("hovertext"),
        }
        if t.role in ("map", "muted"):
            trace: go.BaseTraceType = go.Heatmap(
                z=data["z"],
                text=data["text"],
                texttemplate="%{text}",
                textfont={"size": 10},
                colorscale="Blues" if t.role == "map" else _MUTED,
                showscale=False,
                hoverongaps=False,
                xgap=1,
                ygap=1,
                name=t.view,
                **common,
            )
        elif t.role == "line":
            c = colour[t.series]
            trace = go.Scatter(
                error_y={"type": "data", "array": data["error_y.array"], "color": c},
                mode="lines+markers",
                name=t.series,
                legendgroup=t.series,
                showlegend=t.panel == legend_panel[t.series],
                line={"color": c, "dash": dashes.get(t.series, "solid")},
                marker={"color": c, "size": 7},
                **common,
            )
        else:
            c = colour[t.series]
            trace = go.Scatter(
                mode="markers",
                name=f"{t.series}, one seed",
                legendgroup=t.series,
                showlegend=False,
                marker={"color": c, "size": 5, "opacity": 0.55, "symbol": "circle-open"},
                **common,
            )
        fig.add_trace(trace, row=t.panel + 1, col=1)
    return fig


def _controls(
    fig: go.Figure,
    traces: Sequence[_Trace],
    points: Sequence[Point],
    panels: Sequence[Panel],
    profiles: Sequence[Profile],
    views: Sequence[str],
    initial: int,
) -> int:
    """The profile switch (data and layout of every profile) and the view buttons; the layout
    of the ``initial`` profile applied to ``fig``. Returns the most lines a subtitle has."""
    keys = list(dict.fromkeys(k for t in traces for k in t.data[0]))
    layouts = [
        _profile_layout([p for p in points if p.profile == pr.label], panels, pr, views)
        for pr in profiles
    ]
    fig.update_layout({k.replace(".", "_"): v for k, v in layouts[initial].items()})
    menus = []
    if len(profiles) > 1:
        buttons = [
            {
                "label": pr.label,
                "method": "update",
                "args": [{k: [t.data[j].get(k) for t in traces] for k in keys}, layouts[j]],
            }
            for j, pr in enumerate(profiles)
        ]
        menus.append(_menu(buttons, initial, "profile"))
    if len(views) > 1:
        buttons = [
            {
                "label": view,
                "method": "restyle",
                "args": [{"visible": [t.view == view for t in traces]}],
            }
            for view in views
        ]
        menus.append(_menu(buttons, 0, "view"))
    fig.update_layout(updatemenus=menus)
    return max(layout["title.subtitle.text"].count("<br>") + 1 for layout in layouts)


def _menu(buttons: list[dict[str, Any]], active: int, name: str) -> dict[str, Any]:
    return {
        "type": "buttons",
        "direction": "right",
        "buttons": buttons,
        "active": active,
        "name": name,
        "showactive": True,
        "x": 0,
        "xanchor": "left",
        "yanchor": "bottom",
        "pad": {"l": 0, "r": 0, "t": 0, "b": 0},
        "font": {"size": 11},
        "bgcolor": "rgba(128, 128, 128, 0.15)",  # under dark text and under light (dark mode)
        "bordercolor": REFERENCE_COLOUR,
    }


def _finish(
    fig: go.Figure,
    panels: Sequence[Panel],
    title: str,
    note: str | None,
    switch: bool,
    views: bool,
    subtitle_lines: int,
) -> go.Figure:
    """Axes, title (its subtitle ``subtitle_lines`` long at most), the paper's note and the
    buttons above the top panel, legend below."""
    for i, panel in enumerate(panels):
        axes = {"row": i + 1, "col": 1}
        fig.update_xaxes(title_text=panel.x_title, **axes)
        fig.update_yaxes(title_text=panel.y_title, **axes)
        if panel.kind == "map":
            fig.update_xaxes(type="category", categoryorder="array", **axes)
            fig.update_yaxes(type="category", categoryorder="array", **axes)
        else:
            fig.update_xaxes(type="log" if panel.log_x else "linear", **axes)
        if panel.zero:
            fig.add_hline(y=0, line={"dash": "dot", "color": REFERENCE_COLOUR}, **axes)
    note = _lines(note, _NOTE_CHARS) if note else None
    note_px = (note.count("<br>") + 1) * _NOTE_LINE_PX if note else 0
    rows = [m for m in (switch, views) if m]
    area_px = PANEL_PX * len(panels) + _GAP_PX * (len(panels) - 1)
    for r, menu in enumerate(fig.layout.updatemenus):  # the profile switch, the views below
        above = note_px + 6 + (len(rows) - 1 - r) * _BUTTON_ROW_PX
        menu.update(y=1 + above / area_px)
    title = _lines(title, _TITLE_CHARS)
    heading_px = 14 + _TITLE_LINE_PX * (title.count("<br>") + 1) + _NOTE_LINE_PX * subtitle_lines
    top = heading_px + 10 + len(rows) * _BUTTON_ROW_PX + note_px + 8
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 1, "yref": "container"}
        | {"yanchor": "top", "pad": {"t": 10 + 8 * title.count("<br>")}},
        height=area_px + top + _LEGEND_PX,
        margin={"t": top, "b": _LEGEND_PX, "l": 60, "r": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -70 / area_px, "x": 0},
    )
    fig.update_xaxes(title_font_color=AXIS_TITLE_COLOUR)
    fig.update_yaxes(title_font_color=AXIS_TITLE_COLOUR)
    if note:
        paper_note(fig, note, row=1, col=1)
    return style(fig)
