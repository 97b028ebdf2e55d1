"""The embeddings chapter (``book/embeddings.md``): figures, tables and numbers read from
results of ``embeddings-width``, ``-load`` and ``-match`` (of either profile, accuracies on the
0-1 scale). The sentences are written in the chapter, each next to the check that keeps it true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from ...experiments import one, select
from ...experiments.records import records_of
from ...stats import Comparison
from .. import paper
from ..explore import Panel, Point, explorable, profiles, record_points
from ..figures import (
    REFERENCE_COLOUR,
    WIDTH_COLOURS,
    add_variant,
    log_axis,
    paper_note,
    paper_points,
    readable_axis_titles,
    style,
    uncertainty_note,
    variant_colour,
)
from ..tables import readable

__all__ = [
    "data_numbers",
    "seeds",
    "part_numbers",
    "width_numbers",
    "width_table",
    "width_figure",
    "diff_table",
    "split_numbers",
    "load_rows",
    "load_table",
    "load_figure",
    "match_numbers",
    "curve_table",
    "match_figure",
    "paper_width",
]


#: The colours of FPE at each alpha (the dense orange left out).
_ALPHA_COLOURS = [c for c in WIDTH_COLOURS if c != variant_colour("dense")]


def data_numbers(cfg: Any, n_classes: int, dim: int, n_train: int, n_test: int) -> dict[str, float]:
    """The data and schedule of a profile's config ``cfg``: classes, embedding dimension, train
    and test sizes, glosses per class, epochs and chance level (%)."""
    return {
        "n_classes": n_classes,
        "dim": dim,
        "n_train": n_train,
        "n_test": n_test,
        "per_class": cfg.max_per_class,
        "warm_epochs": cfg.warmup_epochs,
        "post_epochs": cfg.epochs - cfg.warmup_epochs,
        "chance": 100 / n_classes,
    }


def seeds(result: Mapping[str, Any]) -> int:
    """The number of seeds behind each record of ``result``."""
    return min(len(r["accuracies"]) for r in result["records"])


def _grid(result: Mapping[str, Any], key: str) -> list[int]:
    return sorted({r[key] for r in select(result, variant="random")})


def part_numbers(part: Any, prefix: str) -> dict[str, float]:
    """A claim part's result (:class:`~expand_neurons.claims.evaluate.PartResult`): estimate
    (``<prefix>est``), seeds (``n``), interval (``low``, ``high``) and its level (%, ``level``)
    and, for a repeated interval, the look of the seed plan (``look`` of ``looks``)."""
    e = part.estimate
    out = {"est": e.value, "n": e.n, "low": part.low, "high": part.high, "level": 100 * part.level}
    if part.look is not None:
        out |= {"look": part.look.index + 1, "looks": len(part.part.plan.looks)}
    return {prefix + k: v for k, v in out.items()}


def width_numbers(result: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Mean accuracy (%) of dense (``dense_<h>``) and of FPE at each alpha (``fpe<a>_<h>``),
    and FPE's relative gain over dense (%, ``gain<a>_<h>``), at every width ``h``; every name
    starts with ``prefix``."""
    alphas, out = _grid(result, "alpha"), {}
    for h in _grid(result, "hidden"):
        dense = one(result, variant="dense", hidden=h, alpha=alphas[0])
        out[f"{prefix}dense_{h}"] = 100 * dense["accuracy"]
        for a in alphas:
            e = one(result, variant="random", hidden=h, alpha=a)
            out[f"{prefix}fpe{a}_{h}"] = 100 * e["accuracy"]
            out[f"{prefix}gain{a}_{h}"] = 100 * e["relative_gain"]
    return out


def width_table(result: Mapping[str, Any]) -> Styler:
    """One row per width: the mean accuracy (%) of dense and of FPE at each alpha."""
    numbers, rows = width_numbers(result), []
    for h in _grid(result, "hidden"):
        row = {"hidden": h, "dense (%)": numbers[f"dense_{h}"]}
        row |= {f"α = {a} (%)": numbers[f"fpe{a}_{h}"] for a in _grid(result, "alpha")}
        rows.append(row)
    return readable(pd.DataFrame(rows).set_index("hidden"))


def _width_points(result: Mapping[str, Any], label: str) -> list[Point]:
    """Dense, FPE at each alpha and the feature split along the width, in profile ``label``:
    one view per alpha (dense and that alpha's FPE) after one with every alpha."""
    alphas, out = _grid(result, "alpha"), []
    views = {a: ["every α", f"α = {a}"] for a in alphas}
    for r in records_of(result):
        h, a, variant = r["hidden"], r["alpha"], r["variant"]
        if variant == "dense":
            if a != alphas[0]:
                continue  # one dense network per width, shared by every alpha
            name, shown = "dense", ["every α", *(f"α = {b}" for b in alphas)]
        else:
            split = "FPE" if variant == "random" else f"{variant} split"
            name, shown = f"{split} α = {a}", views[a]
        about = f"{name}, h = {h}"
        for view in shown:
            out += record_points(
                result, r, profile=label, x=h, series=name, view=view, about=about, dots=True
            )
    return out


def width_figure(result: Mapping[str, Any], live: Mapping[str, Any] | None = None) -> go.Figure:
    """Test accuracy (%, top) and FPE's relative gain over dense (%, bottom) against dense
    width (log axis), dense and FPE at each alpha (and the feature split where trained) at
    equal non-zero count: mean ± 1 s.d. over seeds, one open dot per seed, each seed's paired
    difference FPE − dense in the hovers. Buttons pick every alpha or one; with ``live``, a
    switch between the stored profile and this build's
    (:func:`~expand_neurons.book.explore.explorable`)."""
    pairs = profiles(result, live)
    points = [p for pr, res in pairs for p in _width_points(res, pr.label)]
    names = list(dict.fromkeys(p.series for p in points))
    fpe = [n for n in names if n.startswith("FPE")]
    colours = {n: _ALPHA_COLOURS[i % len(_ALPHA_COLOURS)] for i, n in enumerate(fpe)}
    colours |= {n: variant_colour(n.split()[0]) for n in names if n not in fpe}
    panels = [
        Panel("dense hidden neurons h", "test accuracy (%)", log_x=True),
        Panel("dense hidden neurons h", "relative gain (%)", log_x=True, zero=True, signed=True),
    ]
    shown = [pr for pr, _ in pairs]
    return explorable(
        points,
        panels,
        shown,
        title="Test accuracy at equal non-zero count",
        note=paper.DIRECTIONS["widths"],
        colours=colours,
    )


def diff_table(comparisons: Mapping[Any, Comparison], key: str = "hidden") -> Styler:
    """Seed-paired differences (accuracy points) with their intervals, one row per setting."""
    stats = {"difference (points)": "mean", "CI from": "low", "to": "high", "level (%)": "level"}
    data = {k: [100 * getattr(c, a) for c in comparisons.values()] for k, a in stats.items()}
    frame = pd.DataFrame(data, index=pd.Index(list(comparisons), name=key))
    return readable(frame, {"level (%)": ".4g"}, default=2)


def split_numbers(result: Mapping[str, Any], fr: Comparison, prefix: str = "") -> dict[str, float]:
    """Mean accuracy (%) of dense, random and feature-based split at the setting of the
    feature-based split (``split_<variant>``), and the paired difference feature − random
    (``fr``, from :func:`~expand_neurons.book.families.at_each`) in points with its interval
    and level (%); every name starts with ``prefix``."""
    feature = one(result, variant="feature")
    setting = {"hidden": feature["hidden"], "alpha": feature["alpha"]}
    variants = ("dense", "random", "feature")
    out = {f"split_{v}": 100 * one(result, variant=v, **setting)["accuracy"] for v in variants}
    out |= {"fr": 100 * fr.mean, "fr_low": 100 * fr.low, "fr_high": 100 * fr.high}
    return {prefix + k: v for k, v in (out | {"fr_level": 100 * fr.level}).items()}


def load_rows(load: Mapping[str, Any]) -> pd.DataFrame:
    """One row per FPE record of ``embeddings-load``: classes, hidden, classes per neuron,
    dense and FPE accuracy (%) and FPE's relative gain (%)."""
    rows = []
    for e in select(load, variant="random"):
        setting = {"n_classes": e["n_classes"], "hidden": e["hidden"], "alpha": e["alpha"]}
        dense = one(load, variant="dense", **setting)
        rows.append(
            {
                "classes": e["classes"],
                "hidden": e["hidden"],
                "classes per neuron": e["load"],
                "dense (%)": 100 * dense["accuracy"],
                "FPE (%)": 100 * e["accuracy"],
                "relative gain (%)": 100 * e["relative_gain"],
            }
        )
    return pd.DataFrame(rows).sort_values(["hidden", "classes"]).reset_index(drop=True)


def load_table(rows: pd.DataFrame) -> Styler:
    """Relative gain of FPE (%) from :func:`load_rows`: one row per number of classes, one
    column per width."""
    pivot = rows.pivot_table(index="classes", columns="hidden", values="relative gain (%)")
    pivot.columns = [f"h = {h} (%)" for h in pivot.columns]
    return readable(pivot)


def load_figure(load: Mapping[str, Any], live: Mapping[str, Any] | None = None) -> go.Figure:
    """Relative gain (%) of FPE against classes per dense neuron (log axis), one line per
    width, ±1 s.d. of the per-seed gains, each seed's paired difference FPE − dense in the
    hovers; with ``live``, a switch between the stored profile and this build's."""
    pairs = profiles(load, live)
    points = [
        replace(p, panel=0)
        for pr, res in pairs
        for r in select(res, variant="random")
        for p in record_points(
            res,
            r,
            profile=pr.label,
            x=r["load"],
            series=f"h = {r['hidden']}",
            about=f"h = {r['hidden']}, {r['classes']} classes, {r['load']:.2f} per neuron",
        )
        if p.panel == 1
    ]
    widths = sorted({int(p.series.split()[-1]) for p in points})
    colours = {f"h = {h}": WIDTH_COLOURS[i % len(WIDTH_COLOURS)] for i, h in enumerate(widths)}
    alphas = sorted({r["alpha"] for r in select(load, variant="random")})
    panel = Panel(
        "classes per dense neuron",
        "relative gain of FPE over dense (%)",
        log_x=True,
        ticks="decades",
        zero=True,
        signed=True,
    )
    return explorable(
        points,
        [panel],
        [pr for pr, _ in pairs],
        title=f"Relative gain of FPE (α = {', '.join(map(str, alphas))}) by load",
        note=paper.DIRECTIONS["load"],
        colours=colours,
    )


def match_numbers(m: Mapping[str, Any], prefix: str) -> dict[str, float]:
    """The match (``m``: the ``match`` of ``embeddings-match``): FPE's width, alpha, non-zeros
    and accuracy (%) ± s.d., the matched dense width and non-zeros, the parameter ratio and its
    range over FPE's ±1 s.d. (``low``, ``high``); every name starts with ``prefix``."""
    keys = ["hidden", "alpha", "fpe_nonzero", "matched_hidden", "matched_nonzero", "param_ratio"]
    out = {k: m[k] for k in keys} | {"low": m["param_ratio_low"], "high": m["param_ratio_high"]}
    out |= {"fpe": 100 * m["fpe_accuracy"], "fpe_std": 100 * m["fpe_accuracy_std"]}
    return {prefix + k: v for k, v in out.items()}


def curve_table(m: Mapping[str, Any]) -> Styler:
    """The dense curve of the match: width, non-zeros, their ratio to FPE's, accuracy ± s.d."""
    c = pd.DataFrame(m["dense_curve"]).set_index("hidden")
    frame = pd.DataFrame({"non-zeros": c["nonzero"], "× FPE's": c["nonzero"] / m["fpe_nonzero"]})
    frame["accuracy (%)"], frame["± s.d."] = 100 * c["accuracy"], 100 * c["accuracy_std"]
    return readable(frame, {"× FPE's": 2})


def match_figure(m: Mapping[str, Any], ratio: float, n_seeds: int) -> go.Figure:
    """FPE against the dense curve on an axis of non-zero parameters relative to FPE's (×): the
    dense models (mean ± 1 s.d., labelled with their width), FPE at 1× with its accuracy drawn
    across (band ±1 s.d.), the matched size (the cross's bar spans the ratios over FPE's ±1
    s.d.) and the paper's ``ratio`` (grey dotted line and white diamond)."""
    curve, fpe, sd = m["dense_curve"], 100 * m["fpe_accuracy"], 100 * m["fpe_accuracy_std"]
    xs = [e["nonzero"] / m["fpe_nonzero"] for e in curve]
    dense, blue, green = variant_colour("dense"), variant_colour("random"), WIDTH_COLOURS[2]
    r, low, high = m["param_ratio"], m["param_ratio_low"], m["param_ratio_high"]
    fig = go.Figure()
    fig.add_hrect(y0=fpe - sd, y1=fpe + sd, fillcolor=blue, opacity=0.12, line_width=0)
    fig.add_hline(y=fpe, line={"color": blue, "dash": "dot", "width": 2})
    fig.add_vline(x=ratio, line={"color": REFERENCE_COLOUR, "dash": "dot", "width": 1})
    fig.add_vline(x=r, line={"color": green, "dash": "dash", "width": 2})
    add_variant(fig, xs, curve, name="dense, by width h", colour=dense, dots=False)
    fig.data[-1].update(
        mode="lines+markers+text",
        text=[f"h = {e['hidden']}" for e in curve],
        textposition="top left",
        textfont={"color": dense},
        hovertemplate="dense, %{text}<br>%{x:.2f}× FPE's<br>%{y:.1f} %<extra></extra>",
    )
    fig.add_scatter(
        x=[1.0],
        y=[fpe],
        mode="markers",
        marker={"symbol": "star", "size": 16, "color": blue, "line": {"width": 1}},
        name=f"FPE, h = {m['hidden']}, α = {m['alpha']} (band: ±1 s.d.)",
        hovertemplate="FPE at 1×<br>%{y:.1f} %<extra></extra>",
    )
    bar = {"type": "data", "symmetric": False, "array": [high - r], "arrayminus": [r - low]}
    fig.add_scatter(
        x=[r],
        y=[fpe],
        error_x=bar,
        mode="markers",
        marker={"symbol": "x", "size": 11, "color": green},
        name=f"matched: {r:.2f}× (bar: FPE ±1 s.d.)",
        hovertemplate=f"matched size<br>{r:.2f}×<extra></extra>",
    )
    paper_points(fig, [ratio], [fpe], name=f"paper: {ratio:g}× (CLIP-CIFAR-100)")
    fig.data[-1].hovertemplate = f"paper: {ratio:g}×<extra></extra>"
    ticks = [t for t in (1, 1.1, 1.2, 1.5, 2, 3, 5, 10) if t <= 1.1 * max(xs + [high, ratio])]
    fig.update_xaxes(title_text="dense non-zero parameters ÷ FPE's (×)", **log_axis(ticks))
    fig.update_yaxes(title_text="test accuracy (%)")
    fig.update_layout(
        title="Which dense model is FPE worth?",
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0, "title_side": "top"},
        legend_title_text=uncertainty_note(n_seeds, False, " "),
        height=520,
        margin={"b": 130},
    )
    note = f"FPE worth about {ratio:g}× the parameters, on CLIP-CIFAR-100"
    return readable_axis_titles(style(paper_note(fig, note)))


def paper_width(dim: int, n_classes: int, hidden: int, ratio: float) -> float:
    """The width of a dense ``dim -> h -> n_classes`` classifier with ``ratio`` times the
    parameters (weights and biases) of one with ``hidden`` neurons."""
    per_neuron = dim + n_classes + 1  # a hidden neuron's weights in, its bias, weights out
    return (ratio * (hidden * per_neuron + n_classes) - n_classes) / per_neuron
