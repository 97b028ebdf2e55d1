"""Figures, tables and numbers of the polysemantic-load chapter (``book/load.md``).

Everything here reads results of the registered Boolean experiments (their ``records``, live
or from the committed paper-profile store) and returns a plotly figure, a table, or plain
numbers for the chapter to glue. The chapter writes every sentence; the trends are the
catalogue's estimand (:class:`~expand_neurons.claims.estimands.GridTrend`), read per seed over
the settings whose dense baseline passes its health gate. Accuracies and gains are on the 0-1
scale in the records and in percent (or points) here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ...claims.estimands import Blocked, GridTrend, dense_of, gate
from ...claims.evaluate import ClaimResult
from ...experiments.analysis import compare, paired_values
from ...experiments.records import MEASURED, PER_SEED, distinct, one, records_of, select
from ...stats import Comparison, family
from ..figures import REFERENCE_COLOUR, WIDTH_COLOURS, log_ticks, paper_note, style, variant_colour
from ..tables import readable

__all__ = [
    "EXPERIMENTS",
    "AB_ORDER",
    "AB_PAIRS",
    "cpu_hours",
    "scale_table",
    "mean_gains",
    "gain_trend",
    "claim_part",
    "sweep_figure",
    "load_figure",
    "alpha_table",
    "shift_figure",
    "tuning_table",
    "ablation_family",
    "ablation_figure",
    "contrast_table",
    "timing_family",
]

Result = Mapping[str, Any]

#: The chapter's registered experiments, in the order the page shows them.
EXPERIMENTS = tuple(
    f"boolean-{name}" for name in ("clauses", "neurons", "alpha", "load", "ablations", "timing")
)

#: The ablation variants from worst to best as the paper orders them, and the paired contrasts.
AB_ORDER = ("dense", "dropconnect", "overlap", "random", "feature", "clause")
AB_PAIRS = (
    ("random", "overlap"),
    ("dropconnect", "dense"),
    ("random", "dropconnect"),
    ("feature", "random"),
    ("clause", "random"),
    ("random", "dense"),
)

#: The x axis of each swept field: title, and whether it is logarithmic or a fraction (in %).
_AXES: dict[str, dict[str, Any]] = {
    "n_clauses": {"title": "clauses"},
    "hidden": {"title": "hidden neurons (dense)", "type": "log"},
    "alpha": {"title": "expansion factor α", "type": "log"},
    "split_at": {"title": "split after (% of the epochs)", "percent": True},
}


def cpu_hours(stored: Sequence[Result]) -> float:
    """The CPU hours recorded by the stored cells of paper-profile results (0 for none)."""
    return sum(float(p.get("cpu_s", 0.0)) for r in stored for p in r["provenance"]) / 3600


def mean_gains(result: Result, key: str, variant: str = "random") -> dict[Any, float]:
    """The mean relative gain (%) of ``variant`` over dense at every value of ``key``."""
    rs = [r for r in select(result, variant=variant) if "relative_gain" in r]
    return {r[key]: 100 * r["relative_gain"] for r in sorted(rs, key=lambda r: r[key])}


def _healthy(result: Result, record: dict[str, Any]) -> bool:
    return gate(dense_of(result, record)).healthy


def gain_trend(
    result: Result, key: str = "load", variant: str = "random", level: float = 0.95
) -> dict[str, Any]:
    """The catalogue's grid trend on one result: per seed, the slope of ``variant``'s relative
    gain (points) on ``log2(key)``, i.e. per doubling of ``key``, over the settings whose dense
    baseline passes its gate; the mean slope and its Student-t interval at ``level``.

    Returns ``slope``, ``low``, ``high`` (NaN when fewer than two healthy settings remain),
    ``seeds``, ``healthy`` (the settings that pass, sorted: the value of a one-field sweep's
    field, else a tuple of the ``setting_keys``) and ``settings`` (how many there are)."""
    rs = select(result, variant=variant)
    keys = result["setting_keys"]
    named = [r[keys[0]] if len(keys) == 1 else tuple(r[k] for k in keys) for r in rs]
    healthy = sorted(n for n, r in zip(named, rs) if _healthy(result, r))
    estimand = GridTrend(result["experiment"], key, "slope", variant=variant, relative=True)
    est = estimand.estimate({result["experiment"]: result})
    out: dict[str, Any] = {"healthy": healthy, "settings": len(rs)}
    if isinstance(est, Blocked):
        return out | {"slope": math.nan, "low": math.nan, "high": math.nan, "seeds": 0}
    low, high = est.interval(level)
    return out | {"slope": est.value, "low": low, "high": high, "seeds": est.n}


def claim_part(result: ClaimResult, index: int = 0) -> dict[str, float]:
    """One part of an evaluated claim as numbers: ``value``, ``low``, ``high`` (its units),
    ``level`` (%) and ``n`` (seeds or settings); NaN where it was not estimated."""
    part = result.parts[index]
    e = part.estimate
    return {
        "value": e.value if e is not None else math.nan,
        "low": part.low,
        "high": part.high,
        "level": 100 * part.level,
        "n": e.n if e is not None else 0,
    }


def _finish(fig: go.Figure, title: str, subtitle: str, note: str | None, height: int) -> go.Figure:
    """Title and subtitle, the paper's direction over the right panel, legend below."""
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}},
        height=height,
        margin={"t": 110 if note else 90, "b": 110},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )
    if note:
        paper_note(fig, note, row=1, col=2)
    return style(fig)


def _seeds(records: Sequence[Mapping[str, Any]]) -> list[int]:
    """The fewest and the most task seeds of ``records`` (one number when they agree)."""
    counts = sorted({len(r["accuracies"]) for r in records})
    return sorted({counts[0], counts[-1]})


def sweep_figure(result: Result, key: str, *, title: str, note: str | None = None) -> go.Figure:
    """Test accuracy (left) and relative gain over dense (right) of every variant along
    ``key``: means with ±1 s.d. over task seeds; ticks at the grid values."""
    axis = _AXES.get(key, {"title": key})
    records = [r for r in records_of(result) if key in r]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    for variant in dict.fromkeys(r["variant"] for r in records):
        rs = sorted((r for r in records if r["variant"] == variant), key=lambda r: r[key])
        common = {
            "x": [r[key] for r in rs],
            "name": variant,
            "legendgroup": variant,
            "mode": "lines+markers",
            "line": {"color": variant_colour(variant)},
            "hovertemplate": f"{variant}<br>%{{x}}: %{{y:.1f}} %<extra></extra>",
        }
        acc = [100 * r["accuracy"] for r in rs]
        sd = [100 * r["accuracy_std"] for r in rs]
        fig.add_trace(go.Scatter(y=acc, error_y={"array": sd}, **common), row=1, col=1)
        if variant != "dense" and all("relative_gain" in r for r in rs):
            gain = [100 * r["relative_gain"] for r in rs]
            sd = [100 * r["relative_gain_std"] for r in rs]
            trace = go.Scatter(y=gain, error_y={"array": sd}, showlegend=False, **common)
            fig.add_trace(trace, row=1, col=2)
    fig.add_hline(y=0, line={"dash": "dot", "color": REFERENCE_COLOUR}, row=1, col=2)
    values = sorted({r[key] for r in records})
    ticks = {"tickvals": values, "ticktext": [f"{v:g}" for v in values]}
    if axis.get("percent"):
        ticks["ticktext"] = [f"{100 * v:g}" for v in values]
    fig.update_xaxes(title_text=axis["title"], type=axis.get("type", "linear"), **ticks)
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=2)
    seeds = "–".join(map(str, _seeds(records)))
    subtitle = f"means, error bars ±1 s.d. over {seeds} task seeds"
    return _finish(fig, title, subtitle, note, 500)


def load_figure(result: Result, title: str, note: str | None = None) -> go.Figure:
    """Left: the random split's mean relative gain in every cell of the clauses × neurons grid
    (blue where the dense baseline passes its gate, grey where it is left out, blank where not
    computed); right: the gain against the load, one line per width, ±1 s.d. over seeds."""
    rnd = select(result, variant="random")
    cell = {(r["n_clauses"], r["hidden"]): r for r in rnd}
    grid = result["config"]["grid"]
    clauses, widths = sorted(grid["n_clauses"]), sorted(grid["hidden"])
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14)
    ok = {k: _healthy(result, r) for k, r in cell.items()}

    def z(healthy: bool) -> list[list[float | None]]:
        gain = {k: 100 * r["relative_gain"] for k, r in cell.items() if ok[k] is healthy}
        return [[gain.get((n, h)) for n in clauses] for h in widths]

    labels = [["" for _ in clauses] for _ in widths]  # gain, then dense → FPE accuracy
    for (n, h), r in cell.items():
        accs = f"{100 * dense_of(result, r)['accuracy']:.0f}→{100 * r['accuracy']:.0f}"
        labels[widths.index(h)][clauses.index(n)] = f"{100 * r['relative_gain']:+.0f}<br>{accs}"
    for healthy, scale in ((True, "Blues"), (False, [[0, "#d9d9d9"], [1, "#d9d9d9"]])):
        fig.add_trace(
            go.Heatmap(
                z=z(healthy),
                x=[str(n) for n in clauses],
                y=[str(h) for h in widths],
                text=labels,
                texttemplate="%{text}",
                colorscale=scale,
                showscale=False,
                hoverongaps=False,
                hovertemplate="%{x} clauses, %{y} neurons<br>gain %{z:.1f} %<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for i, h in enumerate(widths):
        rs = sorted((r for r in rnd if r["hidden"] == h), key=lambda r: r["load"])
        if not rs:
            continue
        fig.add_trace(
            go.Scatter(
                x=[r["load"] for r in rs],
                y=[100 * r["relative_gain"] for r in rs],
                error_y={"array": [100 * r["relative_gain_std"] for r in rs]},
                mode="lines+markers",
                line={"color": WIDTH_COLOURS[i % len(WIDTH_COLOURS)]},
                name=f"{h} neurons",
                hovertemplate=f"{h} neurons<br>load %{{x:.2g}}: %{{y:.1f}} %<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.add_hline(y=0, line={"dash": "dot", "color": REFERENCE_COLOUR}, row=1, col=2)
    loads = [r["load"] for r in rnd]
    ticks = log_ticks(min(loads), max(loads))
    fig.update_xaxes(title_text="clauses", row=1, col=1)
    fig.update_yaxes(title_text="hidden neurons (dense)", row=1, col=1)
    labelled = {"tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]}
    fig.update_xaxes(title_text="load (clauses per neuron)", type="log", **labelled, row=1, col=2)
    fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=2)
    subtitle = "cells: gain (%), dense→FPE accuracy; grey: dense fails its gate; lines: ±1 s.d."
    return _finish(fig, title, subtitle, note, 520)


def _shift_points(
    results: Mapping[str, Result], sweeps: Sequence[str], metric: str
) -> list[dict[str, Any]]:
    """Per (setting, FPE variant) of ``sweeps``, once each: ``x``, the mean over seeds of how
    far ``metric``'s fold change FPE / dense moved after the split (log scale, the catalogue's
    :class:`~expand_neurons.claims.estimands.Interference`; seeds with a metric of 0 left out);
    ``y``, the mean relative gain (%); ``healthy``, whether the dense baseline passes its gate;
    ``setting``, for hovers."""
    end, split = (PER_SEED[m] for m in MEASURED[metric])
    points, seen = [], []
    for name in sweeps:
        result = results[name]
        for r in distinct(records_of(result)):
            if r["variant"] not in ("random", "clause") or r in seen or "relative_gain" not in r:
                continue
            seen.append(r)
            d = dense_of(result, r)
            with np.errstate(divide="ignore", invalid="ignore"):
                shift = np.log(np.array(r[end]) * d[split] / (np.array(r[split]) * d[end]))
            shift = shift[np.isfinite(shift)]
            points.append(
                {
                    "x": float(shift.mean()) if shift.size else math.nan,
                    "y": 100 * r["relative_gain"],
                    "variant": r["variant"],
                    "healthy": gate(d).healthy,
                    "setting": f"{r['n_clauses']} clauses, {r['hidden']} neurons, α {r['alpha']}",
                }
            )
    return points


def shift_figure(results: Mapping[str, Result], sweeps: Sequence[str]) -> go.Figure:
    """Relative gain against the shift after the split of the mean feature capacity (left) and
    of the mean |cosine| between neurons (right); open markers: dense baseline left out."""
    names = {"capacity": "feature capacity", "cosine": "mean |cosine|"}
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=[*names.values()])
    for col, metric in enumerate(names, start=1):
        pts = _shift_points(results, sweeps, metric)
        for variant in ("random", "clause"):
            sub = [p for p in pts if p["variant"] == variant]
            symbols = ["circle" if p["healthy"] else "circle-open" for p in sub]
            trace = go.Scatter(
                x=[p["x"] for p in sub],
                y=[p["y"] for p in sub],
                text=[p["setting"] for p in sub],
                mode="markers",
                name=variant,
                legendgroup=variant,
                showlegend=col == 1,
                marker={"color": variant_colour(variant), "size": 8, "symbol": symbols},
                hovertemplate="%{text}<br>shift %{x:.2f}, gain %{y:.1f} %<extra></extra>",
            )
            fig.add_trace(trace, row=1, col=col)
        fig.add_vline(x=0, line={"dash": "dot", "color": REFERENCE_COLOUR}, row=1, col=col)
        fig.update_xaxes(title_text="shift after the split (log FPE / dense)", row=1, col=col)
        fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=col)
    title = "Gain against the change of interference after the split"
    subtitle = "a point per setting and FPE variant; 0: the masks alone; open: dense left out"
    return _finish(fig, title, subtitle, None, 500)


def ablation_figure(results: Mapping[str, Result]) -> go.Figure:
    """Test accuracy of every ablation variant, mean ± 1 s.d. over seeds, one marker per
    result (``{label: result}``: filled for the first, open for the others)."""
    fig = go.Figure()
    for i, (label, result) in enumerate(results.items()):
        variants = [v for v in AB_ORDER if select(result, variant=v)]
        recs = [one(result, variant=v) for v in variants]
        colours = [variant_colour(v) for v in variants]
        symbol = "circle" if i == 0 else "circle-open"
        trace = go.Scatter(
            x=variants,
            y=[100 * r["accuracy"] for r in recs],
            # one colour per variant for the markers; error bars need a single colour
            error_y={"array": [100 * r["accuracy_std"] for r in recs], "color": REFERENCE_COLOUR},
            mode="markers",
            name=f"{label} ({'–'.join(map(str, _seeds(recs)))} seeds)",
            marker={"color": colours, "size": 12, "symbol": symbol, "line": {"width": 2}},
            hovertemplate=f"{label}<br>%{{x}}: %{{y:.1f}} %<extra></extra>",
        )
        fig.add_trace(trace)
    fig.update_xaxes(title_text="variant (equal non-zero budget)")
    fig.update_yaxes(title_text="test accuracy (%)")
    return _finish(fig, "Ablations at the pilot", "means, ±1 s.d. over seeds", None, 440)


def scale_table(quick: Mapping[str, Any], paper: Mapping[str, Result]) -> Styler:
    """Settings and task seeds of every experiment in this build's profile (``quick``: its
    configs) and in the stored paper profile (``paper``: its results)."""
    rows = [
        [math.prod(map(len, c.grid.values())), c.seeds, p["cells"]["total"], p["config"]["seeds"]]
        for c, p in ((quick[n], paper[n]) for n in quick)
    ]
    columns = ["settings", "seeds", "settings (paper)", "seeds (paper)"]
    return readable(pd.DataFrame(rows, index=list(quick), columns=columns), 0)


def alpha_table(result: Result, cost: Mapping[Any, float], budget: float) -> Styler:
    """Per α: the random split's mean relative gain and the share of the non-zero budget the
    pruning removes to pay for the copies (``cost[α]`` weights of ``budget``)."""
    gains = mean_gains(result, "alpha")
    rows = {
        a: {"gain, random (%)": g, "pruned (% of budget)": 100 * cost[a] / budget}
        for a, g in gains.items()
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index").rename_axis("α"), 1)


def tuning_table(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> Styler:
    """DropConnect's tuning, ``{profile: rows of a Tuned}``: the mean held-out accuracy (%) per
    drop rate (rows), profile and post-split epochs (columns)."""
    grids = []
    for profile, table in tables.items():
        frame = pd.DataFrame(table)
        grid = 100 * frame.pivot_table(index="p", columns="post_epochs", values="validation")
        grid.columns = [f"{profile}, {n} ep." for n in grid.columns]
        grid.index = [f"{p:g}" for p in grid.index]
        grids.append(grid)
    return readable(pd.concat(grids, axis=1).rename_axis("drop rate"), 1)


def ablation_family(result: Result) -> dict[str, Comparison]:
    """The paired contrasts of :data:`AB_PAIRS` (``"a − b"``, accuracy), one Holm family."""
    return compare(result, {f"{a} − {b}": (a, b) for a, b in AB_PAIRS})


def contrast_table(comps: Mapping[str, Comparison]) -> Styler:
    """A family of paired contrasts: the mean difference and its interval, in points."""
    rows = [[c.mean, c.low, c.high, c.level] for c in comps.values()]
    columns = ["difference", "low", "high", "level (%)"]
    return readable(100 * pd.DataFrame(rows, index=list(comps), columns=columns), 1)


def timing_family(result: Result) -> dict[str, Comparison]:
    """One Holm family: random − dense (accuracy) at every split time, keyed by the split time
    in %, and the per-seed gain of the earliest split minus that of the latest (``"early −
    late"``)."""
    times = sorted({r["split_at"] for r in select(result, variant="random")})
    gains = {}
    for t in times:
        rnd, dns = paired_values(result, "random", "dense", split_at=t)
        gains[f"{100 * t:g} %"] = [a - b for a, b in zip(rnd, dns)]
    pairs = {k: (g, [0.0] * len(g)) for k, g in gains.items()}
    ordered = list(gains.values())
    return family(pairs | {"early − late": (ordered[0], ordered[-1])})
