"""The claims scoreboard: every claim of the catalogue on the paper profile and on this build.

The claims, their estimands, the paper's values and the smallest effects of interest are
declared once in :mod:`expand_neurons.claims.catalogue`; this module only gathers the results
they read and draws them. :func:`live_results` runs what the claims need in one profile through
:func:`.runs.run`, the chapters' own function (so in a book build the cells are shared with the
chapters); :func:`stored_results` reads the paper profile from the committed store
(:func:`.stored.paper_result`), computing nothing. :func:`board` evaluates the catalogue on both
(each profile its own family, :func:`expand_neurons.claims.evaluate.evaluate`);
:func:`estimates_figure` draws it, paper profile first (the page's tables are in
:mod:`.pages.scoreboard`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..claims.catalogue import CLAIMS, Claim, experiments_of
from ..claims.evaluate import LEVEL, ClaimResult, PartResult, evaluate
from .figures import OUTCOME_COLOURS, PAPER_MARKER, style
from .runs import run
from .stored import paper_result

__all__ = [
    "CLAIMS",
    "LEVEL",
    "experiments_of",
    "live_results",
    "stored_results",
    "Row",
    "board",
    "cell",
    "estimate_cell",
    "estimates_figure",
    "sources_table",
]


def live_results(profile: str, claims: Sequence[Claim] = CLAIMS) -> dict[str, dict[str, Any]]:
    """Run (or read from the build's store) every experiment the claims need, in ``profile``."""
    return {name: run(name, profile) for name in experiments_of(tuple(claims))}


def stored_results(claims: Sequence[Claim] = CLAIMS) -> dict[str, dict[str, Any]]:
    """The paper profile of every experiment the claims need, as far as the committed store
    holds it, over every complete seed block (:func:`.stored.paper_result`; incomplete results
    carry their ``missing`` cells)."""
    return {name: paper_result(name) for name in experiments_of(tuple(claims))}


@dataclass(frozen=True)
class Row:
    """One claim on the stored paper profile and on this build's live profile."""

    claim: Claim
    stored: ClaimResult
    live: ClaimResult


def board(
    live: Mapping[str, Mapping[str, Any] | None],
    stored: Mapping[str, Mapping[str, Any] | None],
    claims: Sequence[Claim] = CLAIMS,
    level: float = LEVEL,
) -> list[Row]:
    """Every claim on ``stored`` and on ``live`` results; each profile is one family."""
    on_stored = evaluate(stored, claims, level=level)
    on_live = evaluate(live, claims, level=level)
    return [Row(c, on_stored[c.key], on_live[c.key]) for c in claims]


def cell(result: ClaimResult) -> str:
    """A claim's parts on one profile, for a table cell: each estimate and interval, or why not."""
    if result.claim.not_tested is not None:
        return f"not tested here: {result.claim.not_tested}"
    texts = [p.describe() for p in result.parts]
    if len(texts) == 1 or len(set(texts)) == 1:
        return texts[0]
    return "; ".join(f"{p.part.name}: {t}" for p, t in zip(result.parts, texts))


def _hover(label: str, profile: str, p: PartResult) -> str:
    """A short tooltip of one drawn part, one fact per line: which part, the outcome, the
    estimate, its interval and level, and the seeds (or settings) behind it."""
    assert p.estimate is not None
    e, unit = p.estimate, p.part.estimand.unit
    digits = ".1f" if unit == "points" else ".3g"
    look = f"look {p.look.index + 1} of {len(p.part.plan.looks)}, " if p.look else ""
    return "<br>".join(
        [
            label,
            f"{profile}: {p.verdict.outcome}",
            f"estimate {e.value:+{digits}} {unit}",
            f"{_percent(p.level)} % interval {p.low:+{digits}} to {p.high:+{digits}}",
            f"{look}{e.n} {e.unit}",
        ]
    )


def _percent(level: float) -> str:
    """A confidence level in percent with the digits that tell it from 100 (``99.978``)."""
    return f"{100 * level:.{max(0, math.ceil(-math.log10(1 - level)) - 1)}f}"


def _estimate(p: PartResult) -> str:
    e = p.estimate
    if e is None:
        return "–"
    digits = ".1f" if p.part.estimand.unit == "points" else ".2f"
    if p.low != p.low:  # no interval (too few seeds, or another part is missing)
        return f"{e.value:+{digits}}"
    return f"{e.value:+{digits}} [{p.low:+{digits}}, {p.high:+{digits}}]"


def estimate_cell(result: ClaimResult) -> str:
    """Each part's estimate and interval, ``+1.6 [-2.6, +5.8]`` (one line per part, named when
    the claim has several; "–" where nothing is estimated)."""
    if len(result.parts) == 1:
        return _estimate(result.parts[0])
    return "<br>".join(f"{p.part.name}: {_estimate(p)}" for p in result.parts)


def _drawn(part: PartResult) -> bool:
    return part.estimate is not None and part.level == part.level  # an interval at a level


def estimates_figure(rows: Sequence[Row], live_profile: str) -> go.Figure:
    """Each claim part's estimate and interval beside the paper's value, one panel per unit,
    paper profile first (filled) and this build's profile beside it (open), coloured by the
    part's outcome."""
    parts = [(r.claim, i) for r in rows for i in range(len(r.claim.parts))]
    units = list(dict.fromkeys(c.parts[i].estimand.unit for c, i in parts))
    fig = make_subplots(
        rows=len(units), cols=1, subplot_titles=units, vertical_spacing=0.35 / max(1, len(units))
    )
    seen: set[str] = set()
    for row in rows:
        for i, part in enumerate(row.claim.parts):
            panel = units.index(part.estimand.unit) + 1
            label = f"{row.claim.key}: {part.name}"
            for name, result, symbol in (
                ("paper profile", row.stored, "circle"),
                (f"{live_profile} profile", row.live, "circle-open"),
            ):
                p = result.parts[i]
                if not _drawn(p):
                    continue
                assert p.estimate is not None
                outcome = p.verdict.outcome
                legend = f"{name}: {outcome}"
                fig.add_trace(
                    go.Scatter(
                        x=[p.estimate.value],
                        y=[label],
                        mode="markers",
                        marker={"symbol": symbol, "size": 10, "color": OUTCOME_COLOURS[outcome]},
                        error_x={
                            "type": "data",
                            "symmetric": False,
                            "array": [p.high - p.estimate.value],
                            "arrayminus": [p.estimate.value - p.low],
                        },
                        name=legend,
                        legendgroup=legend,
                        showlegend=legend not in seen,
                        hovertemplate=f"{_hover(label, name, p)}<extra></extra>",
                    ),
                    row=panel,
                    col=1,
                )
                seen.add(legend)
            if part.paper is not None:
                fig.add_trace(
                    go.Scatter(
                        x=[part.paper],
                        y=[label],
                        mode="markers",
                        marker=PAPER_MARKER,
                        name="the paper",
                        legendgroup="paper",
                        showlegend="paper" not in seen,
                        hovertemplate=f"{label}<br>the paper: %{{x:.3g}}<extra></extra>",
                    ),
                    row=panel,
                    col=1,
                )
                seen.add("paper")
    for panel in range(1, len(units) + 1):
        fig.add_vline(x=0, line={"color": "grey", "width": 1}, row=panel, col=1)
    fig.update_layout(
        height=160 + 60 * len(parts),
        legend={"orientation": "h", "y": -0.12},
        margin={"l": 20},
    )
    fig.update_yaxes(automargin=True, autorange="reversed")
    return style(fig)


def sources_table(rows: Sequence[Row]) -> Any:
    """A ``pandas.DataFrame``, one row per claim part: the claim, the part, every result field
    it reads, the smallest effect of interest and why, and the records this build read."""
    import pandas as pd  # the book's dependency

    out = []
    for r in rows:
        for part, live in zip(r.claim.parts, r.live.parts):
            out.append(
                {
                    "claim": r.claim.key,
                    "part": part.name,
                    "sources": "; ".join(s.describe() for s in part.estimand.sources()),
                    "smallest effect": f"{part.threshold:.3g} {part.estimand.unit} "
                    f"({'the paper' if part.from_paper else part.why})",
                    "records (this build)": live.estimate.detail if live.estimate else "",
                }
            )
    return pd.DataFrame(out)
