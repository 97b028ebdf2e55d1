"""The polysemantic-load chapter (``book/load.md``): its figures, tables and generated prose.

Everything here reads results of the registered Boolean experiments (their ``records``) and
turns them into what the page shows: plotly figures with named uncertainty, tables formatted by
:func:`expand_neurons.book.tables.readable`, and the values the prose glues in (a dict per
section, glued by :func:`put_all`). The verdict words come only from the Holm families of
:mod:`expand_neurons.book.verdicts` and :mod:`expand_neurons.stats`; the sentences here choose
between them and handle the degenerate cases (ties, equal values, empty groups).

Accuracies and gains are on the 0-1 scale in the records and in percent on the page.
"""

from __future__ import annotations

import math
import statistics
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ...claims.outcomes import HIGH_R2, Outcome
from ...experiments.analysis import (
    PERFECT_ACCURACY,
    compare,
    fold_change_fit,
    fold_change_points,
    is_perfect,
    paired_values,
)
from ...experiments.config import BooleanConfig
from ...experiments.records import one, records_of, select
from ...metrics import LineFit
from ...stats import Comparison, family
from .. import paper
from ..figures import NOTE_LINE_PX, paper_note, style
from ..glue import put
from ..stored import has_cells, provenance_note
from ..tables import comparison_table, readable
from ..verdicts import gain_steps, listing, predicate, step_pairs, tally, trend
from .real import paper_time

__all__ = [
    "EXPERIMENTS",
    "SWEEPS",
    "VARIANT_COLOURS",
    "AB_ORDER",
    "AB_PAIRS",
    "GAIN",
    "put_all",
    "join",
    "log2_ticks",
    "log_ticks",
    "spread_note",
    "setup_glue",
    "ran_table",
    "cpu_seconds",
    "paper_glue",
    "at_paper_scale",
    "SWEEP_AXES",
    "sweep_figure",
    "accuracy_table",
    "peak_sentence",
    "clause_words",
    "clause_ends",
    "clause_glue",
    "clauses_paper_words",
    "ceiling_sentence",
    "neuron_glue",
    "neurons_paper_words",
    "alpha_family",
    "alpha_glue",
    "alpha_table",
    "alpha_paper_words",
    "load_figure",
    "load_family",
    "load_rank_correlation",
    "load_groups_sentence",
    "same_load_sentence",
    "load_glue",
    "load_paper_table",
    "load_paper_words",
    "strength",
    "slope_words",
    "r2_words",
    "fold_change_figure",
    "fit_table",
    "fold_change_glue",
    "fit_diagnostics",
    "fold_change_paper_words",
    "dropconnect_shape",
    "dropconnect_glue",
    "tuning_table",
    "ablation_figure",
    "ablation_family",
    "ablation_glue",
    "ablation_paper_words",
    "comparison_table",
    "timing_family",
    "timing_glue",
]

Result = Mapping[str, Any]

#: The chapter's registered experiments, in the order the page runs them.
EXPERIMENTS = (
    "boolean-clauses",
    "boolean-neurons",
    "boolean-alpha",
    "boolean-load",
    "boolean-ablations",
    "boolean-timing",
)
#: The four sweeps whose points the interference fits pool.
SWEEPS = EXPERIMENTS[:4]

#: One colour per variant (Okabe-Ito: distinguishable for colour-blind readers and on light and
#: dark pages); none is the grey of the reference lines (:data:`REFERENCE`).
VARIANT_COLOURS = {
    "dense": "#E69F00",
    "random": "#0072B2",
    "clause": "#009E73",
    "feature": "#CC79A7",
    "overlap": "#D55E00",
    "dropconnect": "#56B4E9",
}
#: Colours of the lines of the load grid, one per width.
WIDTH_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: The grey of reference lines (zero gain, a fitted line): never a data colour.
REFERENCE = "rgba(128, 128, 128, 0.8)"

#: The unit of a step of the relative gain, in the prose's listings.
GAIN = " points of relative gain"

#: The ablations from worst to best as the figure shows them, and the six paired comparisons.
AB_ORDER = ("dense", "dropconnect", "overlap", "random", "feature", "clause")
AB_PAIRS = (
    ("overlap", "random"),
    ("dropconnect", "random"),
    ("dropconnect", "dense"),
    ("feature", "random"),
    ("clause", "random"),
    ("random", "dense"),
)

_HURTS = {"worse": "below", "better": "above", "not distinguishable": "not distinguishable from"}
_BEATS = {
    "better": "beats",
    "worse": "is worse than",
    "not distinguishable": "is not distinguishable from",
}
_NEURON_TREND = {
    Outcome.SUPPORTED: "falls at every step",
    Outcome.CONTRADICTED: "rises at some step",
    Outcome.INCONCLUSIVE: "does not fall distinguishably at every step",
}


# ----------------------------------------------------------------------------- small helpers


def put_all(values: Mapping[str, Any]) -> None:
    """Glue every ``name: value`` of ``values`` for the prose (:func:`~..glue.put`)."""
    for name, value in values.items():
        put(name, value)


def join(items: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; ``""`` for no items."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _number(value: float) -> str:
    """A grid value as a tick label: ``4``, ``0.25``, ``1.5``."""
    return f"{value:g}"


def _argmax_all(values: Mapping[Any, float]) -> list[Any]:
    """Every key with the largest value, in sorted order (several on a tie)."""
    top = max(values.values())
    return sorted(k for k, v in values.items() if v == top)


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def log2_ticks(values: Iterable[float]) -> list[float]:
    """Powers of two from the one at or below ``min(values)`` to the one at or above the
    maximum: the tick positions of a log axis (``[4, 8, 16, 32]`` for that grid; ``[]`` for no
    values). Raises ``ValueError`` for a value that is not positive."""
    vs = list(values)
    if not vs:
        return []
    if min(vs) <= 0:
        raise ValueError(f"a log axis needs positive values, got {min(vs)!r}")
    lo, hi = math.floor(math.log2(min(vs)) + 1e-9), math.ceil(math.log2(max(vs)) - 1e-9)
    return [2**e if e >= 0 else 2.0**e for e in range(lo, hi + 1)]


def log_ticks(values: Iterable[float], most: int = 8) -> list[float]:
    """The ticks of a log axis: the distinct values themselves when they are all powers of two
    or at most ``most`` of them (a grid such as 2, 3, 4, 6), else :func:`log2_ticks`."""
    vs = sorted(set(values))
    if vs and min(vs) <= 0:
        raise ValueError(f"a log axis needs positive values, got {min(vs)!r}")
    powers = all(math.log2(v).is_integer() for v in vs)
    return vs if powers or len(vs) <= most else log2_ticks(vs)


def _ticks(values: Sequence[float], *, log: bool = False, percent: bool = False) -> dict:
    """Explicit ticks for an x axis: the grid values (:func:`log_ticks` on a log axis; every
    10 % for a fraction, labelled in percent)."""
    if log:
        vals = log_ticks(values)
        return {"type": "log", "tickvals": vals, "ticktext": [_number(v) for v in vals]}
    if percent:  # every 10 % across the data (close grid values such as 5 % and 10 % collide)
        lo, hi = math.floor(10 * min(values) + 1e-9), math.ceil(10 * max(values) - 1e-9)
        vals = [t / 10 for t in range(lo, hi + 1)]
        return {"tickvals": vals, "ticktext": [f"{10 * t}" for t in range(lo, hi + 1)]}
    vals = sorted(set(values))
    return {"tickvals": vals, "ticktext": [_number(v) for v in vals]}


def spread_note(records: Iterable[Mapping[str, Any]]) -> str:
    """What the error bars of records' means are: ``"error bars: ±1 s.d. over 4 task seeds"``
    (``"3–4 task seeds"`` when the records differ, ``"1 task seed"`` for one)."""
    seeds = sorted({len(r["accuracies"]) for r in records})
    if not seeds:
        return "no records"
    count = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    return f"error bars: ±1 s.d. over {count} task seed{'' if seeds == [1] else 's'}"


def _title(text: str, subtitle: str) -> dict[str, Any]:
    return {"text": text, "subtitle": {"text": subtitle}}


def _legend_below(title: str) -> dict[str, Any]:
    """A horizontal legend under the panels, so that it never covers a panel's corner notes."""
    return {
        "title_text": title,
        "orientation": "h",
        "yanchor": "top",
        "y": -0.3,
        "xanchor": "left",
        "x": 0,
    }


# ------------------------------------------------------------------------ what ran, the store


def setup_glue(profile: str, base: BooleanConfig) -> dict[str, Any]:
    """The profile and the shared defaults of the sweeps, for the prose."""
    return {
        "load_profile": profile,
        "load_epochs": base.epochs,
        "load_k": base.k,
        "load_alpha": base.alpha,
        "load_split": 100 * base.split_at,
    }


def ran_table(configs: Mapping[str, BooleanConfig], results: Mapping[str, Result]) -> Styler:
    """One row per experiment: its grid, variants, task seeds, epochs and the run time this
    build measured (seconds)."""
    rows = {
        name: {
            "grid": "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in c.grid.items())
            or "pilot",
            "variants": ", ".join(c.variants),
            "task seeds": c.seeds,
            "epochs": c.epochs,
            "run time (s)": float(results[name]["elapsed_s"]),
        }
        for name, c in configs.items()
    }
    caption = (
        "run time: seconds this build spent on each experiment (cells already in the build's "
        "result store are read, not recomputed)"
    )
    return readable(pd.DataFrame.from_dict(rows, orient="index"), 1).set_caption(caption)


def cpu_seconds(stored: Result) -> float:
    """The CPU seconds recorded by the stored cells of a paper-profile result (0 for none)."""
    return sum(float(p.get("cpu_s", 0.0)) for p in stored["provenance"])


def paper_glue(stored: Mapping[str, Result]) -> dict[str, Any]:
    """The store's paper profile for the prose (``load_paper_*``): its CPU time in all, the
    clause sweep's CPU hours, epochs, seeds and grid."""
    clauses = stored["boolean-clauses"]
    return {
        "load_paper_cpu": paper_time(list(stored.values())),
        "load_paper_clauses_cpu_h": cpu_seconds(clauses) / 3600,
        "load_paper_epochs": clauses["config"]["epochs"],
        "load_paper_seeds": clauses["config"]["seeds"],
        "load_paper_clause_grid": ", ".join(map(str, clauses["config"]["grid"]["n_clauses"])),
    }


def at_paper_scale(stored: Result, built: str) -> bool:
    """Show where a stored paper-profile result comes from; whether it holds any cell."""
    from IPython.display import Markdown, display

    display(Markdown(provenance_note(stored, built=built)))
    return has_cells(stored)


# ------------------------------------------------------------------------ the sweeps' figure


#: The x axis of each swept field: its title, and whether it is logarithmic (:func:`log_ticks`)
#: or a fraction (ticks in percent); other fields get a linear axis named after them.
SWEEP_AXES: dict[str, dict[str, Any]] = {
    "n_clauses": {"title": "clauses"},
    "hidden": {"title": "hidden neurons (dense)", "log": True},
    "alpha": {"title": "expansion factor α", "log": True},
    "split_at": {"title": "split after (% of the epochs)", "percent": True},
}


def _two_panels(
    fig: go.Figure, title: dict[str, Any], height: int, legend: str, note: str | None
) -> go.Figure:
    """Finish a two-panel figure: title and subtitle at the top, height (px, plus room for the
    note), legend below (titled ``legend``) and what the paper reports (``note``, wrapped)
    between the subtitle and the right panel."""
    lines = textwrap.wrap(note, 36) if note is not None else []
    extra = NOTE_LINE_PX * len(lines)
    height += extra
    top = {"y": 1 - 12 / height, "yref": "container", "yanchor": "top"}
    fig.update_layout(
        title={**title, **top},
        height=height,
        margin={"t": 70 + extra, "b": 120},
        legend=_legend_below(legend),
    )
    if lines:
        paper_note(fig, "<br>".join(lines), row=1, col=2)
    return style(fig)


def sweep_figure(result: Result, key: str, *, title: str, note: str | None = None) -> go.Figure:
    """Test accuracy (left) and relative gain over dense (right) of every variant along
    ``key``, each mean with ±1 s.d. over task seeds (named in the subtitle); the x axis as
    :data:`SWEEP_AXES` says, with explicit ticks (the grid values; :func:`log_ticks` on a log
    axis).

    Args:
        note: what the paper reports, written in the corner of the gain panel.
    """
    axis = SWEEP_AXES.get(key, {"title": key})
    records = [r for r in records_of(result) if key in r]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    for variant in dict.fromkeys(r["variant"] for r in records):
        rs = sorted((r for r in records if r["variant"] == variant), key=lambda r: r[key])
        line = {"color": VARIANT_COLOURS.get(variant, "#0072B2")}
        common = {
            "x": [r[key] for r in rs],
            "name": variant,
            "legendgroup": variant,
            "mode": "lines+markers",
            "line": line,
        }
        fig.add_trace(
            go.Scatter(
                y=[100 * r["accuracy"] for r in rs],
                error_y={"type": "data", "array": [100 * r["accuracy_std"] for r in rs]},
                **common,
            ),
            row=1,
            col=1,
        )
        if variant != "dense" and all("relative_gain" in r for r in rs):
            fig.add_trace(
                go.Scatter(
                    y=[100 * r["relative_gain"] for r in rs],
                    error_y={"type": "data", "array": [100 * r["relative_gain_std"] for r in rs]},
                    showlegend=False,
                    **common,
                ),
                row=1,
                col=2,
            )
    fig.add_hline(y=0, line={"dash": "dot", "color": REFERENCE}, row=1, col=2)
    xs = [r[key] for r in records]
    ticks = _ticks(xs, log=axis.get("log", False), percent=axis.get("percent", False))
    fig.update_xaxes(title_text=axis["title"], **ticks)
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=2)
    return _two_panels(fig, _title(title, spread_note(records)), 480, "variant", note)


def accuracy_table(result: Result, key: str) -> Styler:
    """Test accuracy (%) of every variant at every value of ``key``: mean ± 1 s.d. over seeds."""
    records = [r for r in records_of(result) if key in r]
    rows: dict[Any, dict[str, str]] = {}
    for r in sorted(records, key=lambda r: r[key]):
        cell = f"{100 * r['accuracy']:.1f} ± {100 * r['accuracy_std']:.1f}"
        rows.setdefault(r[key], {})[r["variant"]] = cell
    name = SWEEP_AXES.get(key, {"title": key})["title"]
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis(name)
    caption = f"test accuracy (%), mean ± 1 s.d. over {spread_note(records).split('over ')[-1]}"
    return readable(frame).set_caption(caption)


def _gains(result: Result, key: str, variant: str = "random") -> dict[Any, float]:
    """The mean relative gain of ``variant`` at every value of ``key``."""
    return {r[key]: r["relative_gain"] for r in select(result, variant=variant) if key in r}


def _accuracies(result: Result, key: str, value: Any) -> dict[str, float]:
    """The mean accuracy of every variant at ``key = value``."""
    return {r["variant"]: r["accuracy"] for r in select(result, **{key: value})}


def peak_sentence(result: Result, key: str, setting: Callable[[Any], str]) -> str:
    """A sentence: where the random split's mean relative gain peaks among a stored result's
    settings; ``setting`` names a value of ``key`` in words (ties are all named)."""
    gains = _gains(result, key)
    if not gains:
        return "No stored setting has a random split yet."
    at = _argmax_all(gains)
    best = 100 * gains[at[0]]
    if len(gains) == 1:
        return (
            f"At the paper's scale only {setting(at[0])} is stored so far, where the random "
            f"split's relative gain is {best:+.1f} %."
        )
    tie = f", equally at all {len(at)}" if len(at) > 1 else ""
    return (
        f"At the paper's scale the random split's relative gain is largest at "
        f"{join([setting(v) for v in at])} ({best:+.1f} %{tie}), among the {len(gains)} stored "
        f"settings from {setting(min(gains))} to {setting(max(gains))}."
    )


def _step_by_step(size: int, parts: str, conclusion: str) -> str:
    return f" Step by step (a Holm family of {size}: {parts}) {conclusion}."


# -------------------------------------------------------------------------- the clause sweep


def clause_words(
    steps: Mapping[tuple[Any, Any], Comparison], saturation: int = paper.SATURATION_CLAUSES
) -> tuple[str, str]:
    """The paper's clause sweep, from ``gain_steps`` keyed by ``(u, w)``: does the gain rise
    up to ``saturation`` clauses (a :func:`predicate` word), and what happens beyond it."""
    rise = predicate(trend([c for (u, w), c in steps.items() if w <= saturation], "better"))
    after = [c for (u, w), c in steps.items() if u >= saturation]
    if not after:
        return rise, "the grid does not extend beyond it"
    if any(c.verdict == "better" for c in after):
        return rise, "it keeps rising beyond it, so it does not saturate there"
    return rise, (
        "no step beyond it is distinguishable from zero, as saturation would have it (an "
        "interval containing zero does not show that the gain is flat)"
    )


def clause_ends(
    first: Mapping[str, float], last: Mapping[str, float], n_first: int, n_last: int
) -> str:
    """Sentences about the two ends of the clause sweep from the accuracies of each variant at
    the fewest (``first``) and the most (``last``) clauses."""
    text = ""
    if all(is_perfect(a) for a in first.values()):
        text = (
            f"At the left end every variant is perfect at {n_first} clauses, so the gain there "
            "is zero because there is nothing left to gain, not because FPE fails. "
        )
    rnd, dense = last["random"], last["dense"]
    lead = "still leads" if rnd > dense else "no longer leads" if rnd < dense else "ties with"
    return text + (
        f"At {n_last} clauses the random split {lead} the dense network ({100 * rnd:.1f} % "
        f"against {100 * dense:.1f} %), and the best variant reaches "
        f"{100 * max(last.values()):.1f} %."
    )


def clause_glue(result: Result, steps: Mapping[tuple[Any, Any], Comparison]) -> dict[str, Any]:
    """The clause sweep's numbers and verdict words for the prose (``cl_*``)."""
    hidden = result["config"]["hidden"]
    gains = _gains(result, "n_clauses")
    ns = sorted(gains)
    first, last = _accuracies(result, "n_clauses", ns[0]), _accuracies(result, "n_clauses", ns[-1])
    peak = _argmax_all(gains)
    rise, beyond = clause_words(steps)
    return {
        "cl_hidden": hidden,
        "cl_grid": ", ".join(map(str, ns)),
        "cl_load_min": ns[0] / hidden,
        "cl_load_max": ns[-1] / hidden,
        "cl_first": ns[0],
        "cl_last": ns[-1],
        "cl_peak": join([str(n) for n in peak]),
        "cl_gain_first": 100 * gains[ns[0]],
        "cl_gain_peak": 100 * gains[peak[0]],
        "cl_gain_last": 100 * gains[ns[-1]],
        "cl_dense_first": 100 * first["dense"],
        "cl_dense_last": 100 * last["dense"],
        "cl_family": len(steps),
        "cl_steps": listing(steps.values(), unit=GAIN),
        "cl_rises": rise,
        "cl_after16": beyond,
        "cl_ends": clause_ends(first, last, ns[0], ns[-1]),
    }


def clauses_paper_words(stored: Result) -> str:
    """The clause sweep at the paper's scale: where the gain peaks and the step verdicts."""
    steps = gain_steps(stored, "n_clauses")
    rise, beyond = clause_words(steps)
    conclusion = (
        f"the rise up to {paper.SATURATION_CLAUSES} clauses {rise}; as for the saturation, {beyond}"
    )
    return peak_sentence(stored, "n_clauses", lambda n: f"{n} clauses") + _step_by_step(
        len(steps), listing(steps.values(), unit=GAIN), conclusion
    )


# -------------------------------------------------------------------------- the neuron sweep


def ceiling_sentence(perfect: int, points: int, what: str = "widths") -> str:
    """Whether the dense network is already perfect somewhere along a sweep of ``points``
    settings (``perfect`` of them), and what that means for the gain."""
    if perfect == 0:
        return (
            f"At none of the {points} {what} is the dense network perfect, so no ceiling caps "
            "the gain here."
        )
    share = "every one" if perfect == points else f"{perfect}"
    return (
        f"In {share} of the {points} {what} the dense network is already perfect, and there "
        "the gain cannot be positive: once every clause has room of its own there is no "
        "interference left to remove."
    )


def neuron_glue(result: Result, steps: Mapping[tuple[Any, Any], Comparison]) -> dict[str, Any]:
    """The neuron sweep's numbers and verdict words for the prose (``nr_*``)."""
    gains = _gains(result, "hidden")
    hs = sorted(gains)
    first = _accuracies(result, "hidden", hs[0])
    dense = select(result, variant="dense")
    verdict = trend(steps.values(), "worse")
    return {
        "nr_clauses": result["config"]["n_clauses"],
        "nr_grid": ", ".join(map(str, hs)),
        "nr_trend": _NEURON_TREND[verdict],
        "nr_verdict": predicate(verdict),
        "nr_family": len(steps),
        "nr_steps": listing(steps.values(), unit=GAIN),
        "nr_tally": tally(steps.values()),
        "nr_first": hs[0],
        "nr_last": hs[-1],
        "nr_gain_first": 100 * gains[hs[0]],
        "nr_gain_last": 100 * gains[hs[-1]],
        "nr_dense_first": 100 * first["dense"],
        "nr_random_first": 100 * first["random"],
        "nr_clause_first": 100 * first["clause"],
        "nr_ceiling": ceiling_sentence(sum(is_perfect(r["accuracy"]) for r in dense), len(dense)),
    }


def neurons_paper_words(stored: Result) -> str:
    """The neuron sweep at the paper's scale: where the gain peaks and the step verdicts."""
    steps = gain_steps(stored, "hidden")
    fall = predicate(trend(steps.values(), "worse"))
    return peak_sentence(stored, "hidden", lambda h: f"{h} neurons") + _step_by_step(
        len(steps), listing(steps.values(), unit=GAIN), f"the paper's monotone fall {fall}"
    )


# --------------------------------------------------------------------------- the alpha sweep


def alpha_family(result: Result) -> tuple[dict[tuple[int, int], Comparison], Comparison]:
    """The α sweep as one Holm family: the per-seed relative gain from each α to the next, and
    random − dense (accuracy) at the largest α. Returns (steps keyed by (u, w), that last one)."""
    grid = sorted(_gains(result, "alpha"))
    pairs = step_pairs(result, "alpha")
    last = f"random − dense at α = {grid[-1]}"
    pairs[last] = paired_values(result, "random", "dense", alpha=grid[-1])
    comps = list(family(pairs).values())
    return dict(zip(zip(grid, grid[1:]), comps[:-1])), comps[-1]


def _alpha_rise(steps: Mapping[tuple[int, int], Comparison]) -> Outcome:
    """:func:`trend` of the steps inside the paper's rising range of α."""
    top = paper.ALPHA_RISE[1]
    return trend([c for (u, w), c in steps.items() if w <= top], "better")


def alpha_glue(
    result: Result,
    steps: Mapping[tuple[int, int], Comparison],
    last: Comparison,
    cost: Mapping[int, int],
    budget: int,
) -> dict[str, Any]:
    """The α sweep's numbers and verdict words for the prose (``al_*``); ``cost[α]`` is the
    number of weights the pruning removes at α, ``budget`` the dense non-zero count."""
    cfg = result["config"]
    gains = _gains(result, "alpha")
    alphas = sorted(gains)
    best = _argmax_all(gains)
    rise = _alpha_rise(steps)
    lo, hi = paper.ALPHA_RISE
    at_best = f"α = {join([str(a) for a in best])}"
    summary = (
        f"the gain rises from α = {lo} to {hi} at every step, as the paper reports; its mean "
        f"peaks at {at_best}"
        if rise is Outcome.SUPPORTED
        else f"the mean gain peaks at {at_best}, and the paper's rise from α = {lo} to {hi} "
        f"{predicate(rise)} step by step; the cost of copying the outgoing weights of a "
        "many-output network at equal budget is one reason a larger α may not pay"
    )
    d_inputs = cfg["n_clauses"] * cfg["k"] + cfg["extra_vars"]
    return {
        "al_grid": ", ".join(map(str, alphas)),
        "al_best": join([str(a) for a in best]),
        "al_gain_best": 100 * gains[best[0]],
        "al_last": alphas[-1],
        "al_gain_last": 100 * gains[alphas[-1]],
        "al_2to4": predicate(rise),
        "al_family": len(steps) + 1,
        "al_steps": listing(steps.values(), unit=GAIN),
        "al_last_vs_dense": last.describe(),
        "al_hurts": _HURTS[last.verdict],
        "al_budget": budget,
        "al_cost_2": 100 * cost[alphas[0]] / budget,
        "al_cost_last": 100 * cost[alphas[-1]] / budget,
        "al_w1_share": 100 * cfg["hidden"] * d_inputs / budget,
        "al_summary": summary,
    }


def alpha_table(result: Result, cost: Mapping[int, int], budget: int) -> Styler:
    """Per α: the random split's relative gain and the share of the budget the pruning removes."""
    gains = _gains(result, "alpha")
    rows = {
        a: {
            "relative gain, random (%)": 100 * gains[a],
            "weights pruned (% of budget)": 100 * cost[a] / budget,
        }
        for a in sorted(gains)
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index").rename_axis("α"), 1)


def alpha_paper_words(stored: Result) -> str:
    """The α sweep at the paper's scale: where the gain peaks and the step verdicts."""
    steps, last = alpha_family(stored)
    lo, hi = paper.ALPHA_RISE
    parts = f"{listing(steps.values(), unit=GAIN)}; {last.name}: {last.describe()}"
    conclusion = (
        f"the rise from α = {lo} to {hi} {predicate(_alpha_rise(steps))}, and at the largest α "
        f"the random split is {_HURTS[last.verdict]} the dense network"
    )
    return peak_sentence(stored, "alpha", lambda a: f"α = {a}") + _step_by_step(
        len(steps) + 1, parts, conclusion
    )


# ---------------------------------------------------------------------------- the load grid


def load_figure(result: Result, title: str, note: str | None = None) -> go.Figure:
    """Left: the random split's relative gain in every cell of the clauses × neurons grid
    (with the dense and random accuracies); right: the gain against the load, one line per
    width, ±1 s.d. over task seeds; ``note``: what the paper reports, on the right panel."""
    rnd = select(result, variant="random")
    dense = {(r["n_clauses"], r["hidden"]): r["accuracy"] for r in select(result, variant="dense")}
    cell = {(r["n_clauses"], r["hidden"]): r for r in rnd}
    clauses, widths = sorted({n for n, _ in cell}), sorted({h for _, h in cell})
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.12)

    def text(n: int, h: int) -> str:
        if (n, h) not in cell:
            return "not run"
        r = cell[n, h]
        return (
            f"{100 * r['relative_gain']:+.1f} %<br>{100 * dense[n, h]:.0f} → "
            f"{100 * r['accuracy']:.0f}"
        )

    fig.add_trace(
        go.Heatmap(
            z=[
                [100 * cell[n, h]["relative_gain"] if (n, h) in cell else None for n in clauses]
                for h in widths
            ],
            x=[str(n) for n in clauses],
            y=[str(h) for h in widths],
            text=[[text(n, h) for n in clauses] for h in widths],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y} neurons, %{x} clauses: %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for i, h in enumerate(widths):
        rs = sorted((r for r in rnd if r["hidden"] == h), key=lambda r: r["load"])
        fig.add_trace(
            go.Scatter(
                x=[r["load"] for r in rs],
                y=[100 * r["relative_gain"] for r in rs],
                error_y={"type": "data", "array": [100 * r["relative_gain_std"] for r in rs]},
                mode="lines+markers",
                line={"color": WIDTH_COLOURS[i % len(WIDTH_COLOURS)]},
                name=f"{h} neurons",
                text=[f"{r['n_clauses']} clauses" for r in rs],
                hovertemplate="load %{x}: %{y:.1f} %<br>%{text}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.add_hline(y=0, line={"dash": "dot", "color": REFERENCE}, row=1, col=2)
    fig.update_xaxes(title_text="clauses", row=1, col=1)
    fig.update_yaxes(title_text="hidden neurons (dense)", row=1, col=1)
    ticks = _ticks([r["load"] for r in rnd], log=True)
    fig.update_xaxes(title_text="load (clauses per neuron)", row=1, col=2, **ticks)
    fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=2)
    subtitle = f"cells: gain, dense → random accuracy (%); lines: {spread_note(rnd)}"
    return _two_panels(fig, _title(title, subtitle), 500, "width", note)


def load_family(result: Result) -> tuple[dict[tuple[int, int], Comparison], list[Comparison]]:
    """The load grid as one Holm family: random − dense (accuracy) in every cell, and at each
    width the per-seed relative gain from each number of clauses to the next (load rising).
    Returns (cells keyed by (n_clauses, hidden), steps)."""
    cells = sorted((r["n_clauses"], r["hidden"]) for r in select(result, variant="random"))
    pairs = {
        f"random − dense, {n} clauses on {h} neurons": paired_values(
            result, "random", "dense", n_clauses=n, hidden=h
        )
        for n, h in cells
    }
    for h in sorted({h for _, h in cells}):
        pairs |= step_pairs(result, "n_clauses", hidden=h)
    comps = list(family(pairs).values())
    return dict(zip(cells, comps[: len(cells)])), comps[len(cells) :]


def _cells(n: int) -> str:
    return f"{n} cell{'' if n == 1 else 's'}"


def load_groups_sentence(low: Sequence[float], high: Sequence[float]) -> str:
    """The mean relative gain (0-1) of the cells with at most one clause per neuron (``low``)
    and of those with more (``high``); either group may be empty."""
    if not low and not high:
        return "The grid has no cells."
    if not low:
        return (
            f"Every cell has more than one clause per neuron; they gain "
            f"{100 * _mean(high):.1f} % on average ({_cells(len(high))})."
        )
    if not high:
        return (
            f"No cell has more than one clause per neuron; they gain {100 * _mean(low):.1f} % "
            f"on average ({_cells(len(low))})."
        )
    return (
        f"Cells with at most one clause per neuron gain {100 * _mean(low):.1f} % on average "
        f"({_cells(len(low))}), cells with more than one {100 * _mean(high):.1f} % "
        f"({_cells(len(high))})."
    )


def same_load_sentence(by_load: Mapping[float, Sequence[float]]) -> str:
    """What the cells sharing a load gain (relative gains, 0-1, per load): the load shared by
    the most cells (the smallest such load on a tie), or that no two cells share one."""
    shared = {load: gs for load, gs in by_load.items() if len(gs) > 1}
    if not shared:
        return "No two cells of this grid share a load, so the grid cannot tell."
    size = max(len(gs) for gs in shared.values())
    load = min(ld for ld, gs in shared.items() if len(gs) == size)
    lo, hi = min(shared[load]), max(shared[load])
    head = f"At load {load:g}, shared by {size} cells, the gain"
    if f"{100 * lo:.1f}" == f"{100 * hi:.1f}":
        return f"{head} is {100 * lo:.1f} % in each."
    return f"{head} ranges from {100 * lo:.1f} % to {100 * hi:.1f} %."


def load_glue(
    result: Result,
    cells: Mapping[tuple[int, int], Comparison],
    steps: Sequence[Comparison],
) -> dict[str, Any]:
    """The load grid's numbers and verdict words for the prose (``ld_*``)."""
    rnd = select(result, variant="random")
    by_load: dict[float, list[float]] = {}
    for r in rnd:
        by_load.setdefault(r["load"], []).append(r["relative_gain"])
    gains = {(r["n_clauses"], r["hidden"]): r["relative_gain"] for r in rnd}
    top = _argmax_all(gains)
    return {
        "ld_rho": load_rank_correlation(result),
        "ld_cells": len(rnd),
        "ld_groups": load_groups_sentence(
            [r["relative_gain"] for r in rnd if r["load"] <= 1],
            [r["relative_gain"] for r in rnd if r["load"] > 1],
        ),
        "ld_top": join([f"{n} clauses on {h} neurons (load {n / h:g})" for n, h in top]),
        "ld_top_gain": 100 * gains[top[0]],
        "ld_same_load": same_load_sentence(by_load),
        "ld_family": len(cells) + len(steps),
        "ld_cell_tally": tally(cells.values()),
        "ld_step_tally": tally(steps),
        "ld_n_steps": len(steps),
        "ld_steps": listing(steps, unit=GAIN),
        "ld_verdict": predicate(trend(steps, "better")),
    }


def load_rank_correlation(result: Result) -> float:
    """Spearman's rank correlation between load and the random split's mean relative gain
    over the cells of a grid (a description of the means, not a test)."""
    rnd = pd.DataFrame(select(result, variant="random"))
    return float(rnd["load"].corr(rnd["relative_gain"], method="spearman"))


def load_paper_table(stored: Result) -> Styler:
    """The stored grid's relative gains of the random split (%), one row per width."""
    rnd = pd.DataFrame(select(stored, variant="random"))
    grid = rnd.pivot_table(index="hidden", columns="n_clauses", values="relative_gain")
    grid = grid.rename_axis(index="hidden neurons", columns="clauses")
    return readable(100 * grid, 1).set_caption("relative gain of the random split (%)")


def load_paper_words(stored: Result, rho: float) -> str:
    """The load grid at the paper's scale against this build's rank correlation ``rho``."""
    cells, steps = load_family(stored)
    return (
        f"Over the {len(cells)} stored cells the Spearman rank correlation between load and "
        f"gain is {load_rank_correlation(stored):.2f} (this build: {rho:.2f}). In a Holm "
        f"family of {len(cells) + len(steps)}, random − dense is {tally(cells.values())} "
        f"cells, and the benefit growing with the load {predicate(trend(steps, 'better'))} "
        f"along the {len(steps)} steps ({tally(steps)})."
    )


# ------------------------------------------------------------------ gain against interference


def strength(r2: float) -> str:
    """``"strong"`` for R² ≥ :data:`~expand_neurons.claims.outcomes.HIGH_R2`, ``"weak"``
    below 0.3, ``"moderate"`` between."""
    if math.isnan(r2):
        return "undefined (the gains do not vary)"
    return "strong" if r2 >= HIGH_R2 else "moderate" if r2 >= 0.3 else "weak"


def slope_words(slope: float, expected: int, why: str) -> str:
    """The sign of a fitted slope against the ``expected`` sign (+1 or -1): e.g. ``"positive,
    as expected (why)"``, ``"negative, against expectation"`` or ``"zero"``."""
    if slope == 0:
        return "zero: no linear relation"
    sign = "positive" if slope > 0 else "negative"
    if (slope > 0) == (expected > 0):
        return f"{sign}, as expected ({why})"
    return f"{sign}, against expectation"


def r2_words(cap: LineFit, cos: LineFit) -> str:
    """The paper's "high R²" (no value given) against our threshold: a description of two
    fits over settings, not a test over seeds, so it carries no verdict word."""
    strong = min(cap.r2, cos.r2) >= HIGH_R2 and cap.slope > 0 and cos.slope < 0
    return (
        f"has R² ≥ {HIGH_R2} with the expected signs on both metrics"
        if strong
        else f"falls short of R² ≥ {HIGH_R2} with the expected signs on both metrics"
    )


def _hover(points: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"{p['experiment']}: {p['n_clauses']} clauses, {p['hidden']} neurons, α = {p['alpha']}"
        for p in points
    ]


def fold_change_figure(
    points: Mapping[str, Sequence[Mapping[str, Any]]], fits: Mapping[str, LineFit]
) -> go.Figure:
    """Relative gain against the fold change (FPE / dense) of the mean feature capacity (left)
    and of the mean |cosine| between neurons (right), with each least-squares line."""
    names = {"capacity": "mean feature capacity", "cosine": "mean |cosine| between neurons"}
    short = {"capacity": "capacity", "cosine": "|cosine|"}
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=[f"{names[m]} (R² = {fits[m].r2:.2f})" for m in ("capacity", "cosine")],
    )
    for col, metric in enumerate(("capacity", "cosine"), start=1):
        pts = points[metric]
        for variant in dict.fromkeys(p["variant"] for p in pts):
            sub = [p for p in pts if p["variant"] == variant]
            fig.add_trace(
                go.Scatter(
                    x=[p["x"] for p in sub],
                    y=[100 * p["y"] for p in sub],
                    mode="markers",
                    name=variant,
                    legendgroup=variant,
                    showlegend=col == 1,
                    marker={"color": VARIANT_COLOURS.get(variant), "size": 8, "opacity": 0.8},
                    text=_hover(sub),
                    hovertemplate="%{text}<br>fold change %{x:.2f}, gain %{y:.1f} %<extra></extra>",
                ),
                row=1,
                col=col,
            )
        f, xs = fits[metric], [min(p["x"] for p in pts), max(p["x"] for p in pts)]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[100 * (f.slope * x + f.intercept) for x in xs],
                mode="lines",
                line={"color": REFERENCE, "dash": "dash"},
                name="least-squares line",
                legendgroup="fit",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title_text=f"{short[metric]} fold change, FPE / dense", row=1, col=col)
        fig.update_yaxes(title_text="relative gain over dense (%)", row=1, col=col)
    subtitle = "a point per setting and FPE variant: means over task seeds, no error bars"
    fig.update_layout(
        title=_title("Relative gain against the fold change of interference", subtitle),
        height=500,
        margin={"t": 110, "b": 120},
        legend=_legend_below(""),
    )
    return style(fig)


def fit_table(fits: Mapping[str, LineFit]) -> Styler:
    """Slope, intercept, R² (3 decimals) and number of points of each fitted line."""
    rows = {
        m: {"slope": f.slope, "intercept": f.intercept, "R²": f.r2, "points": f.n}
        for m, f in fits.items()
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index"), 3)


def fold_change_glue(
    points: Mapping[str, Sequence[Mapping[str, Any]]], fits: Mapping[str, LineFit]
) -> dict[str, Any]:
    """The pooled fits' numbers and words for the prose (``fc_*``)."""
    cap, cos = fits["capacity"], fits["cosine"]
    xs = [p["x"] for p in points["capacity"]]
    up = sum(x > 1 for x in xs)
    reduces = (
        "every split raises the feature capacity"
        if up == len(xs)
        else f"{up} of {len(xs)} splits raise the feature capacity"
    )
    return {
        "fc_n": cap.n,
        "fc_r2_cap": cap.r2,
        "fc_high_r2": HIGH_R2,
        "fc_r2_cos": cos.r2,
        "fc_slope_cap": cap.slope,
        "fc_slope_cos": cos.slope,
        "fc_strength_cap": strength(cap.r2),
        "fc_strength_cos": strength(cos.r2),
        "fc_sign_cap": slope_words(cap.slope, paper.SIGNS["capacity"], "more capacity, more gain"),
        "fc_sign_cos": slope_words(cos.slope, paper.SIGNS["cosine"], "less overlap, more gain"),
        "fc_ceiling": sum(p["dense_accuracy"] >= PERFECT_ACCURACY for p in points["capacity"]),
        "fc_every": "every" if up == len(xs) else "not every",
        "fc_n_up": up,
        "fc_every_cos": "every one"
        if all(p["x"] < 1 for p in points["cosine"])
        else "not every one",
        "fc_paper_verdict": r2_words(cap, cos),
        "fc_lesson": f"The lesson that survives is narrower than the paper's: {reduces} (less "
        "interference), but the size of that change does not tell how large the gain will be."
        if cap.r2 < 0.3
        else "The pooled relation is clear enough that the size of the interference reduction "
        "does say something about the size of the gain, which is the paper's claim.",
        "fc_cap_min": min(xs),
        "fc_cap_max": max(xs),
    }


def _fit_or_none(points: Sequence[Mapping[str, Any]]) -> LineFit | None:
    """The fit of ``points``, or ``None`` for fewer than three or all at one fold change."""
    if len(points) < 3 or len({p["x"] for p in points}) < 2:
        return None
    return fold_change_fit(points)


def fit_diagnostics(
    results: Mapping[str, Result], points: Mapping[str, Sequence[Mapping[str, Any]]]
) -> tuple[Styler, dict[str, Any]]:
    """The pooled fit taken apart: per sweep, without perfect dense networks, without the α
    sweep, random split only; and the settings where the clause-aligned split raises capacity
    less than the random one. Returns the table (slopes and R², 3 decimals) and the glue."""
    sweeps = [results[n] for n in SWEEPS]
    subsets: dict[str, dict[str, Sequence[Mapping[str, Any]]]] = {
        name: {m: fold_change_points([results[name]], m) for m in ("capacity", "cosine")}
        for name in SWEEPS
    }
    subsets["all, dense not perfect"] = {
        m: [p for p in points[m] if p["dense_accuracy"] < PERFECT_ACCURACY]
        for m in ("capacity", "cosine")
    }
    no_alpha = [r for r in sweeps if r["experiment"] != "boolean-alpha"]
    subsets["all but the α sweep"] = {"capacity": fold_change_points(no_alpha, "capacity")}
    subsets["random split only"] = {"capacity": fold_change_points(sweeps, "capacity", ["random"])}
    fit = {name: {m: _fit_or_none(p) for m, p in s.items()} for name, s in subsets.items()}
    rows = {
        name: {
            f"{m}: {what}": getattr(f, attr) if f is not None else math.nan
            for m, f in fs.items()
            for what, attr in (("slope", "slope"), ("R²", "r2"))
        }
        for name, fs in fit.items()
    }
    pairs: dict[tuple[Any, ...], dict[str, tuple[float, float]]] = {}
    for p in points["capacity"]:
        key = (p["experiment"], p["n_clauses"], p["hidden"], p["alpha"], p["split_at"])
        pairs.setdefault(key, {})[p["variant"]] = (p["x"], p["y"])
    both = [v for v in pairs.values() if {"clause", "random"} <= set(v)]
    lower = [v for v in both if v["clause"][0] < v["random"][0]]
    open_fit, alpha_fit = (
        fit["all, dense not perfect"]["capacity"],
        fit["boolean-alpha"]["capacity"],
    )
    glue = {
        "fc_pairs": len(both),
        "fc_clause_lower": len(lower),
        "fc_inverted": sum(v["clause"][1] > v["random"][1] for v in lower),
        "fc_open": "too few points with an imperfect dense network are left for a fit"
        if open_fit is None
        else f"leaving out the points with a perfect dense network gives R² = "
        f"{open_fit.r2:.2f} for capacity (slope {open_fit.slope:.3f})",
        "fc_r2_no_alpha": rows["all but the α sweep"]["capacity: R²"],
        "fc_r2_random": rows["random split only"]["capacity: R²"],
        "fc_r2_clauses": rows["boolean-clauses"]["capacity: R²"],
        "fc_r2_neurons": rows["boolean-neurons"]["capacity: R²"],
        "fc_r2_alpha": rows["boolean-alpha"]["capacity: R²"],
        "fc_slope_alpha": rows["boolean-alpha"]["capacity: slope"],
        "fc_alpha_note": "along the α sweep the gain falls as the capacity rises, so that sweep "
        "pulls the pooled slope down"
        if alpha_fit is not None and alpha_fit.slope < 0
        else "along the α sweep gain and capacity rise together",
    }
    return readable(pd.DataFrame.from_dict(rows, orient="index"), 3), glue


def fold_change_paper_words(stored: Mapping[str, Result]) -> str:
    """The pooled fits over the stored cells of the four sweeps."""
    points = {m: fold_change_points([stored[n] for n in SWEEPS], m) for m in ("capacity", "cosine")}
    cap, cos = _fit_or_none(points["capacity"]), _fit_or_none(points["cosine"])
    if cap is None or cos is None:
        return "Paper profile: not computed yet (too few stored cells for a fit)."
    return (
        f"Over {cap.n} stored points the line fits with R² = {cap.r2:.2f} (capacity, slope "
        f"{cap.slope:.3f}) and {cos.r2:.2f} (cosine, slope {cos.slope:.3f}): the paper profile "
        f"{r2_words(cap, cos)}."
    )


# -------------------------------------------------------------------------------- ablations


def dropconnect_shape(at_length: Sequence[tuple[float, float]], budget_rate: float) -> str:
    """How held-out accuracy depends on the drop rate, from ``(rate, accuracy)`` pairs at the
    chosen training length, and where the equal-budget rate ``1 - 1/alpha`` falls."""
    rows = sorted(at_length)
    worst = min(a for _, a in rows)
    budget = [a for p, a in rows if math.isclose(p, budget_rate)]
    if not budget:
        where = "The equal-budget rate is not among the rates tried"
    elif budget[0] > worst:
        where = "The equal-budget rate is not the worst of the sweep"
    elif sum(a == worst for _, a in rows) > 1:
        where = "The equal-budget rate ties for the worst of the sweep"
    else:
        where = "The equal-budget rate is the worst of the sweep"
    accs = [a for _, a in rows]
    if len(set(accs)) == 1:
        return where + "; held-out accuracy is the same at every rate."
    if all(a >= b for a, b in zip(accs, accs[1:])):
        return where + (
            ", and held-out accuracy rises as the rate falls: on this task DropConnect helps "
            "least when it does most, and the healthy baseline is close to the plain dense "
            "network."
        )
    return where + "; held-out accuracy does not fall steadily with the rate."


def dropconnect_glue(tuned: Any, cfg: BooleanConfig) -> dict[str, Any]:
    """The DropConnect tuning (a :class:`~expand_neurons.experiments.tuning.Tuned`) for the
    prose (``ab_dc_*``), against the rate the ablation runs with (``cfg.dropconnect_p``)."""
    choice = tuned.choice
    budget_rate = 1 - 1 / cfg.alpha
    at_length = [
        (r["p"], r["validation"]) for r in tuned.table if r["post_epochs"] == choice["post_epochs"]
    ]
    return {
        "ab_dc_choice": choice["p"],
        "ab_dc_length": choice["post_epochs"],
        "ab_dc_seeds": tuned.seeds,
        "ab_dc_budget_rate": budget_rate,
        "ab_dc_agrees": "is the rate the ablation runs with"
        if choice["p"] == cfg.dropconnect_p
        else f"is not the rate {cfg.dropconnect_p} the ablation runs with: the documented "
        "default is out of date",
        "ab_dc_length_note": tuned.length_test.describe()
        if tuned.length_test
        else "not needed (the best length was the schedule's own)",
        "ab_dc_shape": dropconnect_shape(at_length, budget_rate),
    }


def tuning_table(tuned: Any) -> Styler:
    """Every drop rate and training length tried, with its held-out accuracy (%)."""
    rows = [
        {
            "drop rate": r["p"],
            "post-split epochs": r["post_epochs"],
            "held-out accuracy (%)": 100 * r["validation"],
            "± 1 s.d. (%)": 100 * r["validation_std"],
        }
        for r in tuned.table
    ]
    return readable(pd.DataFrame(rows), {"drop rate": 2}, default=1).hide(axis="index")


def ablation_figure(result: Result, title: str) -> go.Figure:
    """Test accuracy of every ablation variant: mean ± 1 s.d. over task seeds."""
    variants = [v for v in AB_ORDER if select(result, variant=v)]
    recs = [one(result, variant=v) for v in variants]
    fig = go.Figure(
        [
            go.Scatter(
                x=[v],
                y=[100 * r["accuracy"]],
                error_y={"type": "data", "array": [100 * r["accuracy_std"]]},
                mode="markers",
                marker={"color": VARIANT_COLOURS.get(v), "size": 12},
                name=v,
                hovertemplate=f"{v}: %{{y:.1f}} %<extra></extra>",
            )
            for v, r in zip(variants, recs)
        ]
    )
    fig.update_xaxes(title_text="variant (equal non-zero budget)")
    fig.update_yaxes(title_text="test accuracy (%)")
    fig.update_layout(
        title=_title(title, spread_note(recs)), height=420, margin={"t": 90}, showlegend=False
    )
    return style(fig)


def ablation_family(result: Result) -> dict[str, Comparison]:
    """The six paired comparisons of :data:`AB_PAIRS` (``"a − b"``), one Holm family."""
    return compare(result, {f"{a} − {b}": (a, b) for a, b in AB_PAIRS})


def ablation_glue(
    result: Result, comps: Mapping[str, Comparison], cfg: BooleanConfig
) -> dict[str, Any]:
    """The ablations' accuracies and verdicts for the prose (``ab_*``)."""
    out: dict[str, Any] = {}
    for a, b in AB_PAIRS:
        c = comps[f"{a} − {b}"]
        out[f"ab_{a}_{b}"] = f"{a} {_BEATS[c.verdict]} {b}: {c.describe()}"
    for v in AB_ORDER:
        out[f"ab_acc_{v}"] = 100 * one(result, variant=v)["accuracy"]
    overlap, dc = comps["overlap − random"].verdict, comps["dropconnect − random"].verdict
    return out | {
        "ab_seeds": cfg.seeds,
        "ab_clauses": cfg.n_clauses,
        "ab_hidden": cfg.hidden,
        "ab_alpha": cfg.alpha,
        "ab_overlap_verdict": "agrees" if overlap == "worse" else "does not agree",
        "ab_dc_verdict": "agrees" if dc != "better" else "does not agree",
    }


def ablation_paper_words(comps: Mapping[str, Comparison]) -> str:
    """The six comparisons at the paper's scale in one sentence."""
    words = [
        f"{a} {_BEATS[c.verdict]} {b}: {c.describe()}"
        for (a, b), c in zip(AB_PAIRS, (comps[f"{a} − {b}"] for a, b in AB_PAIRS))
    ]
    return f"At the paper's scale, paired by task seed (Holm): {'; '.join(words)}."


# --------------------------------------------------------------------------- when to split


def timing_family(result: Result) -> tuple[list[float], dict[str, Comparison]]:
    """The split times, and one Holm family: random − dense (accuracy) at every split time
    and the per-seed gain of the earliest split minus that of the latest."""
    times = sorted({r["split_at"] for r in select(result, variant="random")})
    gains = {}
    for t in times:
        rnd, dns = paired_values(result, "random", "dense", split_at=t)
        gains[t] = [a - b for a, b in zip(rnd, dns)]
    pairs = {
        f"random − dense, split after {100 * t:g} %": (gains[t], [0.0] * len(gains[t]))
        for t in times
    }
    pairs["gain early − gain late"] = (gains[times[0]], gains[times[-1]])
    return times, family(pairs)


def timing_glue(times: Sequence[float], comps: Mapping[str, Comparison]) -> dict[str, Any]:
    """The split-timing verdicts for the prose (``tm_*``)."""
    late = comps[f"random − dense, split after {100 * times[-1]:g} %"]
    order = comps["gain early − gain late"]
    orders = {
        "better": "helps more",
        "worse": "helps less",
        "not distinguishable": "is not distinguishable from splitting later",
    }
    beats = {
        "better": "still beats",
        "worse": "is worse than",
        "not distinguishable": "is not distinguishable from",
    }
    agrees = order.verdict == "better" and late.verdict == "better"
    return {
        "tm_grid": ", ".join(f"{100 * t:g}" for t in times),
        "tm_early": 100 * times[0],
        "tm_late": 100 * times[-1],
        "tm_late_describe": late.describe(),
        "tm_order_describe": order.describe(),
        "tm_order": orders[order.verdict],
        "tm_late_word": beats[late.verdict],
        "tm_verdict": "agrees" if agrees else "does not fully agree",
    }
