"""The collisions chapter (``book/collisions.md``): its figures, tables, and the numbers and
sentences it glues into the prose.

The chapter keeps the code a reader learns from (the closed forms of
:mod:`expand_neurons.theory`, the census of trained networks, the mechanism tests); this module
draws, formats and glues. Probabilities are in ``[0, 1]`` unless a name says ``pct`` or a column
says ``%``; glued names start with ``col_``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ... import theory
from ...experiments import one
from ...experiments.census import CensusTotals, clause_census
from ...experiments.mechanism import CollisionTest, CoverageContrast
from ...splits import Random
from ...stats import Comparison, wilson_interval
from ..figures import show, style
from ..glue import put
from ..tables import comparison_table, readable

__all__ = [
    "REFERENCE_GREY",
    "CHILD_COLOURS",
    "K_COLOURS",
    "child_colours",
    "glue_setting",
    "glue_pilot_theory",
    "pilot_theory_table",
    "monte_carlo_table",
    "worst_z",
    "mc_verdict",
    "glue_monte_carlo",
    "monte_carlo_display",
    "probability_figure",
    "split_panels",
    "explorer_base",
    "explorer_figure",
    "explore",
    "explorer_widget",
    "census_verdicts",
    "glue_census",
    "census_table",
    "simulated_per_child",
    "per_child_figure",
    "glue_per_child",
    "GAIN_VERDICTS",
    "glue_coverage_contrast",
    "coverage_groups_table",
    "COLLISION_READINGS",
    "glue_collision_test",
    "comparison_table",
    "together_sentence",
    "earlier_reading",
    "stored_collision_sentence",
    "polysemanticity_sentences",
    "glue_polysemanticity",
    "polysemanticity_table",
    "recovered_share",
    "recovered_clause",
    "glue_recovered",
    "stored_accuracies",
    "pilot_side_by_side",
    "glue_exercise_numbers",
]

#: The grey of the dense parent, the reference every split is compared with. No data colour of
#: the chapter's figures equals it.
REFERENCE_GREY = "#7f7f7f"

#: One colour per child of a parent, for up to 16 children: Paul Tol's "muted" scheme (without
#: its grey), then the Okabe-Ito colours (without black). Both schemes are made for readers with
#: colour-vision deficiencies and read on light and dark pages; none of the 16 is a grey. The
#: explorer also writes every child's number into its cells, so no reading depends on hue alone.
CHILD_COLOURS: tuple[str, ...] = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)

#: One colour per clause length ``k`` in the probability figure (Okabe-Ito).
K_COLOURS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")

#: The explorer's bars: the expectation of the closed form and the one drawn split.
_EXPECTED, _DRAWN = "#0072B2", "#E69F00"

_EVENTS = ("coverage", "collision")

#: Text of the explorer's slider: a mid grey, readable on the light page and the dark one (the
#: site's dark-mode stylesheet recolours axis and legend text, not the controls).
_CONTROL_TEXT = "#8c8c8c"


def child_colours(alpha: int) -> list[str]:
    """The colours of the ``alpha`` children of a parent (``2 <= alpha <= 16``), child 0 first."""
    if not 1 <= alpha <= len(CHILD_COLOURS):
        raise ValueError(f"colours exist for 1 to {len(CHILD_COLOURS)} children, got {alpha}")
    return list(CHILD_COLOURS[:alpha])


def _put_all(values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        put(name, value)


# ------------------------------------------------------------------------- the pilot's setting


def glue_setting(profile: str, d: int, k: int, alpha: int, h: int, m: int) -> None:
    """Glue the pilot's profile, inputs ``d``, literals ``k``, ``alpha``, parents ``h`` and
    clauses ``m`` (``col_profile``, ``col_d``, ...)."""
    values = {"profile": profile, "d": d, "k": k, "alpha": alpha, "h": h, "m": m}
    _put_all({f"col_{name}": value for name, value in values.items()})


def glue_pilot_theory(m: int, p_cov: float, p_col: float, pairs: float, anywhere: float) -> None:
    """Glue the closed forms for one pilot parent of ``m`` clauses: coverage and collision
    probabilities (as %), expected whole clauses and colliding pairs (``pairs``), the dense
    parent's pairs, and the probability (as %) that a clause is whole in some parent."""
    dense_pairs = math.comb(m, 2)
    _put_all(
        {
            "col_pcov": 100 * p_cov,
            "col_pcol": 100 * p_col,
            "col_whole_exp": m * p_cov,
            "col_pairs_dense": dense_pairs,
            "col_pairs_exp": pairs,
            "col_pairs_ratio": dense_pairs / pairs if pairs > 0 else math.inf,
            "col_anywhere": 100 * anywhere,
        }
    )


def pilot_theory_table(m: int, alpha: int, p_cov: float, pairs: float) -> Styler:
    """Clauses kept whole and colliding clause pairs of one parent: dense against the expectation
    under a balanced random split (counts as integers, expectations with two decimals)."""
    frame = pd.DataFrame(
        [[m, math.comb(m, 2)], [m * p_cov, pairs]],
        index=["dense parent", f"random split, α = {alpha}"],
        columns=["clauses kept whole", "colliding clause pairs"],
        dtype=object,
    )
    return readable(frame, 2)


# ------------------------------------------------------------------------------ Monte Carlo


def monte_carlo_table(
    d: int, alphas: Sequence[int], ks: Sequence[int], trials: int = 20_000
) -> pd.DataFrame:
    """Simulate ``trials`` random splits of a parent with ``d`` inputs for every ``alpha`` and
    clause length ``k``, in both models of :data:`expand_neurons.theory.MODELS`.

    Returns one row per ``alpha``, ``k``, ``event`` (coverage or collision) and ``model``, with
    the ``closed form``, the ``Monte Carlo`` frequency, its ``std. error`` and
    ``z = (frequency - closed form) / std. error`` (0 where the standard error is 0, which
    happens when a frequency is 0 or 1). Simulation ``(alpha, k)`` is seeded ``10 * alpha + k``.
    """
    closed = {"coverage": theory.coverage_probability, "collision": theory.collision_probability}
    rows = []
    for a in alphas:
        for k in ks:
            for model in theory.MODELS:
                mc = theory.simulate(a, k, d, trials=trials, seed=a * 10 + k, model=model)
                for event in _EVENTS:
                    p = closed[event](a, k, d, model)
                    est, se = getattr(mc, event), getattr(mc, f"{event}_se")
                    rows.append(
                        {
                            "alpha": a,
                            "k": k,
                            "event": event,
                            "model": model,
                            "closed form": p,
                            "Monte Carlo": est,
                            "std. error": se,
                            "z": (est - p) / se if se > 0 else 0.0,
                            "trials": trials,
                        }
                    )
    return pd.DataFrame(rows)


def worst_z(table: pd.DataFrame) -> float:
    """The largest ``|z|`` of :func:`monte_carlo_table` rows with a standard error (0 if none):
    a frequency of zero, for a probability of zero, has no standard error and no z."""
    z = table.loc[table["std. error"] > 0, "z"].abs()
    return float(z.max()) if len(z) else 0.0


def mc_verdict(worst: float, limit: float = 4.0) -> str:
    """Whether simulations whose worst deviation is ``worst`` standard errors agree with the
    closed forms: within ``limit`` (4 by default; over 80 comparisons a deviation of 4 s.e.
    happens by chance with probability below 0.5 %)."""
    if worst < limit:
        return "agree with the closed forms within sampling error"
    return "disagree with the closed forms by more than sampling error allows"


def glue_monte_carlo(table: pd.DataFrame) -> None:
    """Glue the number of comparisons and of splits each (``col_mc_rows``, ``col_trials``), the
    worst ``|z|`` (``col_worst_z``) and the verdict sentence (``col_mc_verdict``)."""
    worst = worst_z(table)
    _put_all(
        {
            "col_trials": f"{int(table['trials'].iloc[0]):,}",
            "col_mc_rows": len(table),
            "col_worst_z": worst,
            "col_mc_verdict": mc_verdict(worst),
        }
    )


def monte_carlo_display(table: pd.DataFrame) -> Styler:
    """:func:`monte_carlo_table` for reading: one row per ``(α, k)``; per event, the two closed
    forms (``independent``, ``balanced``) and the balanced split's Monte Carlo frequency
    (``simulated``), with four decimals (20,000 splits resolve about 0.0001), and the largest
    ``|z|`` of the row's four comparisons (both models, both events; blank where no comparison
    has a standard error)."""
    wide = table.pivot_table(
        index=["alpha", "k"], columns=["event", "model"], values=["closed form", "Monte Carlo"]
    )
    columns = {}
    for event in _EVENTS:
        columns[(event, "independent")] = wide[("closed form", event, "independent")]
        columns[(event, "balanced")] = wide[("closed form", event, "balanced")]
        columns[(event, "simulated")] = wide[("Monte Carlo", event, "balanced")]
    frame = pd.DataFrame(columns)
    with_se = table[table["std. error"] > 0]
    z = with_se.assign(abs_z=with_se["z"].abs()).groupby(["alpha", "k"])["abs_z"].max()
    frame[("", "largest |z|")] = z.reindex(frame.index)
    frame.index = frame.index.set_names(["α", "k"])
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return readable(frame, {"largest |z|": 1}, default=4)


def _power_ticks(low: float) -> tuple[list[float], list[str]]:
    """Tick values 1, 0.1, ... down to the power of ten at or below ``low``, written 10⁻ⁿ."""
    digits = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
    lowest = math.floor(math.log10(low))
    values = [10.0**e for e in range(0, lowest - 1, -1)]
    text = ["1" if e == 0 else f"10{str(e).translate(digits)}" for e in range(0, lowest - 1, -1)]
    return values, text


def probability_figure(table: pd.DataFrame) -> go.Figure:
    """Coverage (left) and collision (right) probability against ``alpha``, one colour per clause
    length ``k``: the independent closed forms as lines, the balanced closed forms as open
    circles, the balanced Monte Carlo frequencies as dots with 95 % Wilson intervals. Log-log
    axes, so the exponents of the closed forms are slopes; zero frequencies are not drawn."""
    alphas = sorted(table["alpha"].unique())
    ks = sorted(table["k"].unique())
    trials = int(table["trials"].iloc[0])
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.08,
        subplot_titles=["coverage: one clause whole", "collision: two clauses in one child"],
    )
    grid = torch.logspace(math.log10(alphas[0]), math.log10(alphas[-1]), 61).tolist()
    lowest = 1.0
    for col, event in enumerate(_EVENTS, start=1):
        exponent = (lambda k: k - 1) if event == "coverage" else (lambda k: 2 * k - 1)
        for i, k in enumerate(ks):
            colour, group = K_COLOURS[i % len(K_COLOURS)], f"k = {k}"
            closed = [a ** -exponent(k) for a in grid]
            lowest = min(lowest, min(closed))
            fig.add_trace(
                go.Scatter(
                    x=grid,
                    y=closed,
                    mode="lines",
                    line={"color": colour},
                    name=group,
                    legendgroup=group,
                    showlegend=col == 1,
                    hovertemplate=f"k = {k}, independent: α = %{{x:.1f}}, %{{y:.3g}}"
                    "<extra></extra>",
                ),
                row=1,
                col=col,
            )
            rows = table[(table.event == event) & (table.k == k) & (table.model == "balanced")]
            bal = rows[rows["closed form"] > 0]
            lowest = min([lowest, *bal["closed form"]])
            fig.add_trace(
                go.Scatter(
                    x=bal["alpha"],
                    y=bal["closed form"],
                    mode="markers",
                    marker={"color": colour, "symbol": "circle-open", "size": 12},
                    name=f"{group}, balanced closed form",
                    legendgroup=group,
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
            seen = bal[bal["Monte Carlo"] > 0]
            bounds = [wilson_interval(p, trials) for p in seen["Monte Carlo"]]
            lowest = min([lowest, *(lo for lo, _ in bounds)])
            fig.add_trace(
                go.Scatter(
                    x=seen["alpha"],
                    y=seen["Monte Carlo"],
                    mode="markers",
                    marker={"color": colour, "size": 6},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [hi - p for (_, hi), p in zip(bounds, seen["Monte Carlo"])],
                        "arrayminus": [p - lo for (lo, _), p in zip(bounds, seen["Monte Carlo"])],
                    },
                    name=f"{group}, balanced Monte Carlo",
                    legendgroup=group,
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
    for name, mode, marker in [
        ("independent, closed form (line)", "lines", {}),
        ("balanced, closed form (open circle)", "markers", {"symbol": "circle-open", "size": 12}),
        (f"balanced, Monte Carlo, {trials:,} splits (dot; bars: 95 % Wilson)", "markers", {}),
    ]:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode=mode,
                name=name,
                marker={"color": "#999999", **marker},
                line={"color": "#999999"},
                legendgroup="styles",
            ),
            row=1,
            col=1,
        )
    tickvals, ticktext = _power_ticks(lowest)
    fig.update_yaxes(
        type="log",
        tickvals=tickvals,
        ticktext=ticktext,
        range=[math.log10(lowest) - 0.3, 0.15],
        showticklabels=True,
    )
    fig.update_yaxes(title_text="probability (log scale)")
    fig.update_xaxes(
        type="log",
        tickvals=alphas,
        ticktext=[str(a) for a in alphas],
        title_text="expansion factor α (log scale)",
    )
    fig.update_layout(
        height=560,
        margin={"t": 90},
        title="Random splits: coverage falls slowly, collisions fast",
        legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
    )
    return style(fig)


# ------------------------------------------------------------------------------- the explorer


def _clause_label(c: int, owner: Sequence[int], whole: bool) -> str:
    if owner[c] >= 0 and list(owner).count(owner[c]) > 1:
        state = "collides"
    else:
        state = "whole" if whole else "cut"
    return f"clause {c}: {state}"


def split_panels(
    alpha: int, k: int, d: int, clauses: int | None = None, seed: int = 0
) -> tuple[list[go.Heatmap | go.Bar], dict[str, Any]]:
    """The traces of one drawn split of a parent with ``d`` inputs tiled by ``clauses`` clauses
    of ``k`` literals (default ``d // k``): a heatmap of the literals coloured and numbered by
    child, and bars of the fractions of clauses kept whole and of clause pairs colliding (dense
    parent, expectation of the closed form, this split); and the layout update naming the
    clauses. The split is :class:`~expand_neurons.splits.Random` (balanced) when ``alpha``
    divides ``d``; its expectation then uses the balanced closed form, else the independent."""
    m = d // k if clauses is None else clauses
    groups = [list(range(c * k, (c + 1) * k)) for c in range(m)]
    masks = Random().masks(torch.zeros(1, d), alpha, torch.Generator().manual_seed(seed))[0]
    child = masks.float().argmax(dim=0)  # (d,) the child of every input
    census = clause_census(masks, groups, alpha)
    whole = census.whole[0].tolist()
    owner = [int(child[g[0]]) if whole[c] else -1 for c, g in enumerate(groups)]
    pairs = math.comb(m, 2)
    model = "balanced" if d % alpha == 0 else "independent"
    expected = [
        theory.coverage_probability(alpha, k, d, model),
        theory.collision_probability(alpha, k, d, model) if pairs else 0.0,
    ]
    drawn = [
        sum(whole) / m,
        float(census.colliding_pairs[0]) / pairs if pairs else 0.0,
    ]
    colours = child_colours(alpha)
    scale = [[(j + e) / alpha, colours[j]] for j in range(alpha) for e in (0, 1)]
    z = [[int(child[v]) for v in g] for g in groups]
    heat = go.Heatmap(
        z=z,
        x=list(range(k)),
        y=list(range(m)),
        text=[[str(c) for c in row] for row in z],
        customdata=[[f"x{v}" for v in g] for g in groups],
        texttemplate="%{text}",
        zmin=-0.5,
        zmax=alpha - 0.5,
        colorscale=scale,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="literal %{x}, input %{customdata}: child %{z}<extra></extra>",
    )
    events = ["clauses kept whole", "clause pairs colliding"]
    bars = [
        go.Bar(
            x=events,
            y=[1.0, 1.0 if pairs else 0.0],
            name="dense parent",
            marker_color=REFERENCE_GREY,
            text=["1", "1" if pairs else "0"],
            textposition="outside",
        ),
        go.Bar(
            x=events,
            y=expected,
            name=f"expected ({model} closed form)",
            marker_color=_EXPECTED,
            text=[f"{p:.3f}" for p in expected],
            textposition="outside",
        ),
        go.Bar(
            x=events,
            y=drawn,
            name="this split",
            marker_color=_DRAWN,
            text=[f"{p:.3f}" for p in drawn],
            textposition="outside",
        ),
    ]
    layout = {
        "yaxis.tickvals": list(range(m)),
        "yaxis.ticktext": [_clause_label(c, owner, whole[c]) for c in range(m)],
        "yaxis.range": [m - 0.5, -0.5],
        "xaxis.tickvals": list(range(k)),
        "xaxis.ticktext": [str(j + 1) for j in range(k)],
        "xaxis.range": [-0.5, k - 0.5],
        "title.text": f"One random split: d = {d}, k = {k}, α = {alpha} (seed {seed})",
    }
    return [heat, *bars], layout


def explorer_base() -> go.Figure:
    """The empty two-panel figure of the explorer, with its axis titles."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.2,
        subplot_titles=["literals, coloured and numbered by child", "fractions"],
    )
    fig.update_xaxes(title_text="literal of the clause", row=1, col=1)
    fig.update_yaxes(title_text="clause (in this split)", row=1, col=1)
    fig.update_xaxes(title_text="event", row=1, col=2)
    fig.update_yaxes(title_text="probability or fraction", range=[0, 1.15], row=1, col=2)
    fig.update_layout(
        height=600,
        barmode="group",
        legend={"orientation": "h", "y": -0.16, "yanchor": "top"},
        margin={"b": 40},
    )
    return fig


def _add_panels(fig: go.Figure, traces: Sequence[go.Heatmap | go.Bar]) -> range:
    start = len(fig.data)
    for i, trace in enumerate(traces):
        fig.add_trace(trace, row=1, col=1 if i == 0 else 2)
    return range(start, len(fig.data))


def explorer_figure(
    d: int, ks: Sequence[int], alphas: Sequence[int], first: tuple[int, int] = (3, 2)
) -> go.Figure:
    """One fixed draw (seed ``10 k + alpha``) per ``k`` in ``ks`` and ``alpha`` in ``alphas``,
    of a parent with ``d`` inputs: a menu picks ``k``, a slider ``alpha`` (changing ``k`` resets
    the slider to the first ``alpha``); ``first`` is the ``(k, alpha)`` shown at first."""
    fig = explorer_base()
    slots, layouts = {}, {}
    for k in ks:
        for a in alphas:
            traces, layouts[k, a] = split_panels(a, k, d, seed=10 * k + a)
            slots[k, a] = _add_panels(fig, traces)
    n = len(fig.data)

    def visible(k: int, a: int) -> list[bool]:
        return [i in slots[k, a] for i in range(n)]

    def slider(k: int) -> dict[str, Any]:
        steps = [
            {
                "method": "update",
                "label": str(a),
                "args": [{"visible": visible(k, a)}, layouts[k, a]],
            }
            for a in alphas
        ]
        return {
            "active": 0,
            "currentvalue": {"prefix": "α = ", "font": {"color": _CONTROL_TEXT}},
            "font": {"color": _CONTROL_TEXT},
            "pad": {"t": 110},
            "steps": steps,
        }

    k0, a0 = first
    for i, trace in enumerate(fig.data):
        trace.visible = i in slots[k0, a0]
    buttons = [
        {
            "method": "update",
            "label": f"k = {k}",
            "args": [
                {"visible": visible(k, alphas[0])},
                {**layouts[k, alphas[0]], "sliders": [slider(k)]},
            ],
        }
        for k in ks
    ]
    fig.update_layout(
        sliders=[{**slider(k0), "active": list(alphas).index(a0)}],
        updatemenus=[
            {
                "type": "dropdown",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.22,
                "yanchor": "top",
                "active": list(ks).index(k0),
                "buttons": buttons,
            }
        ],
    )
    fig.plotly_relayout(layouts[k0, a0])
    return style(fig)


def explore(alpha: int = 2, k: int = 3, d: int = 24, clauses: int = 8, seed: int = 0) -> None:
    """Show one drawn split (:func:`split_panels`) and print a Monte Carlo estimate of its
    probabilities over 5,000 splits: the widget's callback (``clauses`` is capped at
    ``d // k``)."""
    clauses = max(1, min(clauses, d // k))
    fig = explorer_base()
    traces, layout = split_panels(alpha, k, d, clauses, seed)
    _add_panels(fig, traces)
    fig.plotly_relayout(layout)
    show(fig)
    if 2 * k <= d:
        model = "balanced" if d % alpha == 0 else "independent"
        mc = theory.simulate(alpha, k, d, trials=5000, seed=seed, model=model)
        print(
            f"Monte Carlo (5,000 {model} splits): coverage {mc.coverage:.4f} ± "
            f"{mc.coverage_se:.4f}, collision {mc.collision:.4f} ± {mc.collision_se:.4f}"
        )


def explorer_widget() -> None:
    """Show sliders for :func:`explore` (``ipywidgets``, in a live notebook only)."""
    widgets = importlib.import_module("ipywidgets")  # a live notebook's dependency, untyped

    widgets.interact(
        explore,
        alpha=widgets.IntSlider(value=2, min=2, max=8, description="α"),
        k=widgets.IntSlider(value=3, min=1, max=6, description="k"),
        d=widgets.IntSlider(value=24, min=8, max=96, step=8, description="inputs d"),
        clauses=widgets.IntSlider(value=8, min=1, max=32, description="clauses"),
        seed=widgets.IntSlider(value=0, min=0, max=20, description="seed"),
    )


# ------------------------------------------------------------------ census of trained networks


def census_verdicts(z_cov: float, z_col: float, limit: float = 3.0) -> tuple[str, str]:
    """A sentence and a short phrase: whether the observed coverage and collision frequencies lie
    within ``limit`` standard errors of the prediction (a z that is not a number, because no
    clause or pair was left to count, cannot agree)."""
    if any(math.isnan(z) for z in (z_cov, z_col)):
        return (
            "they cannot both be checked, as pruning left nothing to count for one of them",
            "cannot be checked against the prediction",
        )
    if max(abs(z_cov), abs(z_col)) < limit:
        return (
            f"both agree with the prediction within {limit:.0f} standard errors",
            "match the prediction",
        )
    return (
        f"they do not both agree with the prediction within {limit:.0f} standard errors",
        "depart from the prediction",
    )


def glue_census(totals: CensusTotals, p_cov: float, p_col: float, n_models: int) -> None:
    """Glue the pooled census of ``n_models`` trained networks against the predictions
    ``p_cov`` and ``p_col`` (counts, percentages, z-scores and the verdicts of
    :func:`census_verdicts`)."""
    z_cov, z_col = totals.coverage_z(p_cov), totals.collision_z(p_col)
    verdict, short = census_verdicts(z_cov, z_col)
    _put_all(
        {
            "col_n_models": n_models,
            "col_n_instances": totals.instances,
            "col_pruned_pct": 100 * totals.pruned_fraction,
            "col_cut_pct": 100 * totals.cut_fraction,
            "col_obs_cov": 100 * totals.coverage,
            "col_obs_col": 100 * totals.collision,
            "col_z_cov": z_cov,
            "col_z_col": z_col,
            "col_collided": totals.collisions,
            "col_pairs_ok": totals.pairs,
            "col_census_verdict": verdict,
            "col_census_short": short,
        }
    )


def census_table(totals: CensusTotals, p_cov: float, p_col: float) -> Styler:
    """Predicted against observed coverage and collision frequencies, with the counts behind
    the observations (probabilities with four decimals, counts as integers)."""
    frame = pd.DataFrame(
        {
            "predicted (balanced split)": [p_cov, p_col],
            "observed in trained networks": [totals.coverage, totals.collision],
            "events": [totals.whole, totals.collisions],
            "of": [totals.untouched, totals.pairs],
            "z": [totals.coverage_z(p_cov), totals.collision_z(p_col)],
        },
        index=["clause whole (of those not pruned)", "clause pair colliding (of pairs not pruned)"],
    )
    return readable(frame, {"z": 1}, default=4)


def simulated_per_child(
    d: int, alpha: int, clause_inputs: Sequence[Sequence[int]], splits: int, seed: int
) -> torch.Tensor:
    """Clauses each child keeps whole in ``splits`` balanced random splits of a parent with
    ``d`` inputs (no pruning): shape ``(splits * alpha,)``."""
    masks = Random().masks(torch.zeros(splits, d), alpha, torch.Generator().manual_seed(seed))
    return clause_census(masks.reshape(-1, d), clause_inputs, alpha).per_child


def per_child_figure(trained: torch.Tensor, simulated: torch.Tensor) -> go.Figure:
    """The distribution of whole clauses per child, in trained networks (after pruning) and in
    simulated random splits (before pruning): fraction of children against the count."""
    top = int(max(trained.max(), simulated.max())) + 1
    counts = list(range(top))

    def share(x: torch.Tensor) -> list[float]:
        return [float((x == n).float().mean()) for n in counts]

    fig = go.Figure(
        [
            go.Bar(
                x=counts,
                y=share(trained),
                name=f"children of trained networks ({len(trained):,}), after pruning",
                marker_color=_EXPECTED,
            ),
            go.Bar(
                x=counts,
                y=share(simulated),
                name=f"random splits, simulated ({len(simulated):,} children), no pruning",
                marker_color=_DRAWN,
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        height=400,
        xaxis={"title": "clauses a child keeps whole", "tickvals": counts},
        yaxis_title="fraction of children",
        title="Whole clauses per child after a random split",
        legend={"orientation": "h", "y": -0.25},
    )
    return style(fig)


def glue_per_child(per_child: torch.Tensor, expected: float) -> None:
    """Glue the share (%) of children keeping no clause and two or more, their mean, and the
    ``expected`` mean without pruning."""
    _put_all(
        {
            "col_child_zero": 100 * float((per_child == 0).float().mean()),
            "col_child_two": 100 * float((per_child >= 2).float().mean()),
            "col_child_mean": float(per_child.float().mean()),
            "col_child_exp": expected,
        }
    )


# ------------------------------------------------------------------- coverage and accuracy

#: What the coverage contrast says, per verdict of ``cut - whole`` (log error ratios).
GAIN_VERDICTS = {
    "better": "clauses kept whole somewhere lost a larger share of their errors than clauses cut "
    "everywhere",
    "worse": "clauses kept whole somewhere lost a smaller share of their errors than clauses cut "
    "everywhere",
    "not distinguishable": "clauses kept whole somewhere and clauses cut everywhere are not "
    "distinguishable in the share of errors the split removes",
}


def glue_coverage_contrast(
    contrast: CoverageContrast, rows: Sequence[Mapping[str, Any]], seeds: int
) -> None:
    """Glue the coverage contrast of :func:`~expand_neurons.experiments.mechanism.
    coverage_contrast` over the clause rows ``rows`` of ``seeds`` seeds."""
    cc = contrast.comparison
    _put_all(
        {
            "col_somewhere_obs": 100 * fmean(bool(r["whole_somewhere"]) for r in rows),
            "col_n_clauses_total": len(rows),
            "col_cc_seeds": cc.n,
            "col_cc_seeds_all": seeds,
            "col_cc_whole": contrast.n_whole,
            "col_cc_cut": contrast.n_cut,
            "col_cc_dense_whole": 100 * contrast.dense_whole,
            "col_cc_dense_cut": 100 * contrast.dense_cut,
            "col_cc_describe": cc.describe(scale=1, unit=""),
            "col_cc_factor": contrast.factor,
            "col_gain_verdict": GAIN_VERDICTS[cc.verdict],
        }
    )


def coverage_groups_table(rows: Sequence[Mapping[str, Any]]) -> Styler:
    """Clauses whole somewhere against clauses cut everywhere (pooled over seeds): how many,
    their mean dense and random-split accuracies (%) and mean log error ratio."""
    frame = pd.DataFrame(rows)
    groups = frame.groupby("whole_somewhere").agg(
        clauses=("clause", "size"),
        dense=("dense_accuracy", "mean"),
        random=("fpe_accuracy", "mean"),
        ratio=("log_error_ratio", "mean"),
    )
    groups[["dense", "random"]] *= 100
    groups.index = groups.index.map({True: "whole somewhere", False: "cut everywhere"})
    groups.index.name = None
    groups.columns = [
        "clauses",
        "dense accuracy (%)",
        "random-split accuracy (%)",
        "mean log error ratio",
    ]
    return readable(groups, {"mean log error ratio": 3}, default=1)


# ------------------------------------------------------------- collisions at equal coverage

#: What the collision test says, per verdict of ``apart - packed``.
COLLISION_READINGS = {
    "better": "Keeping the two clauses apart beats packing them into one child at equal coverage: "
    "in this run collisions cost accuracy, as the paper's reading says.",
    "worse": "Packing the two clauses into one child beats keeping them apart at equal coverage: "
    "in this run a collision did not cost accuracy, the opposite of the paper's reading.",
    "not distinguishable": "Packing the two clauses into one child and keeping them apart are not "
    "distinguishable at equal coverage: this run finds no evidence that a collision costs "
    "accuracy, and cannot rule out a cost smaller than the interval's width.",
}

#: The glue names of the collision test's comparisons: ``col_ct_<short>``.
_SHORT = {
    "apart - packed": "ap",
    "packed - dense": "pd",
    "apart - dense": "ad",
    "random - apart": "ra",
}


def glue_collision_test(test: CollisionTest, seeds: int) -> None:
    """Glue the collision test over ``seeds`` seeds: whole clauses and colliding pairs per
    parent, accuracies (%), each comparison described, and the verdict and reading of
    ``apart - packed``."""
    verdict = test.comparisons["apart - packed"].verdict
    values: dict[str, Any] = {
        "col_ct_seeds": seeds,
        "col_ct_whole": test.whole_per_parent,
        "col_ct_ap_verdict": verdict,
        "col_ct_reading": COLLISION_READINGS[verdict],
    }
    for variant, pairs in test.colliding_pairs.items():
        values[f"col_ct_pairs_{variant}"] = pairs
    for variant, accuracy in test.accuracy.items():
        values[f"col_ct_acc_{variant}"] = 100 * accuracy
    for name, key in _SHORT.items():
        values[f"col_ct_{key}"] = test.comparisons[name].describe()
    _put_all(values)


def together_sentence(coverage_verdict: str, collision_verdict: str) -> str:
    """What the two controlled tests say together: the coverage contrast's verdict and that of
    ``apart - packed`` (``"better"``, ``"worse"`` or ``"not distinguishable"``)."""
    neutral = "not distinguishable"
    if coverage_verdict == neutral and collision_verdict == neutral:
        return (
            "Coverage (whole against cut clauses) and a collision at equal coverage (packed "
            "against apart) both leave accuracy not distinguishable at this scale: this chapter "
            "cannot attribute the random split's gain to either mechanism."
        )
    if collision_verdict == "better":
        return (
            "At equal coverage a collision costs accuracy (apart beats packed), which is direct "
            "evidence for the paper's reading."
        )
    if collision_verdict == "worse":
        return (
            "At equal coverage a collision does not cost accuracy; packed even beats apart, which "
            "contradicts the paper's reading."
        )
    return (
        "A collision at equal coverage leaves accuracy not distinguishable, while coverage does "
        f"matter here (whole against cut clauses: {coverage_verdict}): the evidence points at "
        "coverage rather than collisions."
    )


def earlier_reading(coverage_verdict: str, collision_verdict: str) -> str:
    """Whether the controlled tests support "collisions, not coverage, drive the gain": a
    collision costs accuracy at equal coverage (``apart - packed`` is ``"better"``) while
    whole clauses do not gain more than cut ones (the coverage contrast is not ``"better"``)."""
    if collision_verdict == "better" and coverage_verdict != "better":
        return "the controlled tests of this chapter now support that conclusion, at equal coverage"
    return "neither controlled comparison here supports that conclusion"


def stored_collision_sentence(comparisons: Mapping[str, Comparison]) -> str:
    """The collision test's family at the paper's scale in one sentence."""
    listed = "; ".join(f"{name} {c.describe()}" for name, c in comparisons.items())
    return f"At the paper's scale, paired by seed (Holm): {listed}."


# -------------------------------------------------------------------------- polysemanticity


def _ordered(values: Mapping[str, float]) -> bool:
    return values["clause"] < values["random"] < values["dense"]


def polysemanticity_sentences(
    poly: Mapping[str, float], eff: Mapping[str, float], m: int
) -> dict[str, str]:
    """Sentences on the two summaries per variant (``dense``, ``random``, ``clause``): the
    effective number of clauses ``eff`` and the share (%) of polysemantic neurons ``poly`` of
    networks with ``m`` clauses. Keys: ``col_eff_verdict``, ``col_poly_verdict`` and
    ``col_poly_note`` (equal values count as no change)."""
    eff_falls = _ordered(eff)
    below = [poly[v] < poly["dense"] for v in ("random", "clause")]
    above = [poly[v] > poly["dense"] for v in ("random", "clause")]
    if all(below):
        poly_verdict = "falls below the dense network's for both splits"
    elif all(above):
        poly_verdict = "rises above the dense network's for both splits"
    elif not any(below) and not any(above):
        poly_verdict = "is the same for both splits as for the dense network"
    else:
        poly_verdict = "falls below the dense network's for one split and not for the other"
    if eff_falls and all(below):
        note = "The two summaries agree here."
    elif not eff_falls and not all(below):
        note = "Neither summary falls for both splits here."
    else:
        note = (
            "The two summaries disagree. The threshold count misses neurons that spread their "
            f"weight thinly: a dense neuron with equal weight on all {m} clauses has "
            f"{100 / m:.1f} % on each, below the threshold, and counts as not polysemantic at "
            "all, while a child that concentrates its mass on fewer clauses can cross the "
            "threshold on two of them. Polysemanticity measures that depend on a threshold "
            "should be read with care; the paper does not specify its own."
        )
    return {
        "col_eff_verdict": (
            "falls from dense to random to clause-aligned, the ordering the paper reports for its "
            "polysemanticity metrics"
            if eff_falls
            else "does not fall in the order dense > random > clause-aligned that the paper reports"
        ),
        "col_poly_verdict": poly_verdict,
        "col_poly_note": note,
    }


def glue_polysemanticity(
    poly: Mapping[str, float],
    eff: Mapping[str, float],
    acc: Mapping[str, float],
    threshold: float,
    m: int,
) -> None:
    """Glue the per-variant summaries (``col_poly_<v>``, ``col_eff_<v>``, ``col_acc_<v>``; shares
    and accuracies in %), the threshold (%) and :func:`polysemanticity_sentences`."""
    values: dict[str, Any] = {"col_threshold": 100 * threshold}
    for v in poly:
        values |= {f"col_poly_{v}": poly[v], f"col_eff_{v}": eff[v], f"col_acc_{v}": acc[v]}
    _put_all(values | polysemanticity_sentences(poly, eff, m))


def polysemanticity_table(
    poly: Mapping[str, float], eff: Mapping[str, float], acc: Mapping[str, float], threshold: float
) -> Styler:
    """Effective clauses per neuron, polysemantic neurons (%) and test accuracy (%) per variant
    (two, one and one decimals)."""
    frame = pd.DataFrame(
        {
            "effective clauses per neuron": eff,
            f"polysemantic neurons, {100 * threshold:.0f} % threshold (%)": poly,
            "test accuracy (%)": acc,
        }
    )
    return readable(frame, {"effective clauses per neuron": 2}, default=1)


# ------------------------------------------------------------------ share of the gain recovered


def recovered_share(acc: Mapping[str, float]) -> float | None:
    """The share (%) of the clause-aligned split's gain over dense that the random split
    recovers, from accuracies per variant (in any one unit); ``None`` when the clause-aligned
    split does not beat dense (there is no gain to recover)."""
    gain = acc["clause"] - acc["dense"]
    if gain <= 0:
        return None
    return 100 * (acc["random"] - acc["dense"]) / gain


def recovered_clause(acc: Mapping[str, float]) -> str:
    """:func:`recovered_share` as a clause: "the random split recovers 72 % of ..."."""
    share = recovered_share(acc)
    if share is None:
        return (
            "the clause-aligned split does not beat the dense network, so there is no gain to "
            "recover"
        )
    return (
        f"the random split recovers {share:.0f} % of the clause-aligned split's gain over the "
        "dense network"
    )


def glue_recovered(acc: Mapping[str, float], paper: Mapping[str, float]) -> None:
    """Glue :func:`recovered_clause` of this build (``col_recovered``) and the share recovered
    in the paper's pilot (``col_recovered_paper``: "48 %", or "no gain to recover")."""
    put("col_recovered", recovered_clause(acc))
    share = recovered_share(paper)
    put("col_recovered_paper", "no gain to recover" if share is None else f"{share:.0f} %")


def stored_accuracies(stored: Mapping[str, Any], variants: Iterable[str]) -> dict[str, float]:
    """The mean accuracy (%) of each of ``variants`` in a stored one-setting result."""
    return {v: 100 * one(stored, variant=v)["accuracy"] for v in variants}


def pilot_side_by_side(acc: Mapping[str, float], stored: Mapping[str, Any], profile: str) -> Styler:
    """Accuracies (%) per variant of this build's pilot (``acc``, in %) and of the stored
    paper-profile pilot, one decimal."""
    frame = pd.DataFrame(
        {
            f"{profile}, this build (%)": acc,
            "paper, stored (%)": stored_accuracies(stored, acc),
        }
    )
    return readable(frame, 1)


# ---------------------------------------------------------------------------------- exercises


def glue_exercise_numbers(k: int, d: int) -> None:
    """Glue the numbers the exercises' solutions quote: the parents a clause of 3 literals needs
    at ``alpha = 4`` to be whole somewhere with probability 90 % (bound and integer), and the
    balanced coverage at ``alpha = 4`` for clauses of ``k`` literals on ``d`` inputs."""
    bound = math.log(10) / math.log(16 / 15)
    _put_all(
        {
            "col_ex_hbound": bound,
            "col_ex_h": math.ceil(bound),
            "col_ex_q4": theory.coverage_probability(4, k, d, "balanced"),
        }
    )
