"""The robustness of a Boolean claim across the open choices, read as a main-effects model.

The experiment ``boolean-robustness`` trains the Boolean claims' settings in the 16 designs of a
2^(7-3) fractional factorial over the seven open choices
(:data:`~expand_neurons.experiments.designs.FACTORS`). Counting in how many designs a claim
"holds" treats the 16 designs as a random sample of laboratories, which they are not (they were
chosen to be balanced), and it mixes two things: how large the effect is in a design and how
much power the design's seeds give to see it. This module asks instead *how much each choice
moves the claim's effect*.

**The estimand.** Per design and seed, a claim is one number in the design's own metric (0-1;
accuracy or exact match): :func:`claim_values`, e.g. random minus dense at the pilot.

**The model.** value = b0 + sum over factors of b_f x_f + error, with x_f = -1 at the factor's
default level (the book's first) and +1 at its alternative. In this balanced fraction every
factor is at each level in 8 designs, so

* ``2 b_f`` is the *effect of switching the factor to its alternative*: the average over the 8
  designs at the alternative minus the average over the 8 at the default;
* ``b0`` is the *grand mean*: the claim averaged over all designs, with every choice weighted
  half and half.

:func:`main_effects` reports both in points (x 100) with confidence intervals. The metric
factor changes the scale itself (exact match is harsher than per-label accuracy), so its effect
includes that change of scale.

**The aliasing.** The fraction's generators are E = ABC, F = BCD, G = ACD (A ... G the factors
in the order of ``FACTORS``). It is of resolution IV: each main effect is aliased with
three-factor interactions (outputs = BCE = CDG = DEF = BFG, ...), never with a two-factor one,
so the main effects are free of two-factor interactions as long as interactions of three or
more factors are negligible. The two-factor interactions themselves are aliased in chains of
three (AB = CE = FG, ...) and are not estimated here.

**The uncertainty.** The seeds of a design share its part of the claim that the model leaves
out (the interactions), so per-seed rows are not independent: they are clustered by design.
Two fits are available:

* ``method="design-means"`` (the default): ordinary least squares on the per-design mean values
  with ordinary standard errors and a t distribution on (designs - 8) degrees of freedom. It is
  exact when the design-level deviations are normal with one variance; its residual pools the
  seed noise with the aliased two-factor interaction chains and the one chain of three-factor
  interactions, the classical error of an unreplicated fraction.
* ``method="cluster"``: ordinary least squares on the per-seed values with cluster-robust (CR1)
  standard errors, clustered by design, and t on (designs - 1) degrees of freedom. It gives the
  same estimates, but its sandwich is built from the residuals of the design means, and with 16
  designs and 8 parameters every design has leverage 1/2: those residuals are half as variable
  as the errors. In the full fraction (G = 16 designs, N per-seed values) the clustered
  variance is exactly ``(G / (G - 1)) (N - 1) / (N - 8) / 2`` times the design-means one (0.59,
  i.e. 0.77 in standard error, at 5 seeds), and it is referred to t on 15 degrees of freedom
  instead of 8.
  The clustered intervals are too narrow with this few clusters; they are kept for comparison.

A partial store (some designs not computed yet) still fits when the present designs separate
the mean and the 7 main effects and leave at least one degree of freedom for the error;
otherwise :func:`main_effects` raises ``ValueError`` saying how many designs are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..experiments.designs import FACTORS, check_design
from ..experiments.records import Record, one, records_of, values
from ..experiments.robustness import fractional_factorial

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "CLAIMS",
    "MEANING",
    "METHODS",
    "claim_values",
    "Mean",
    "Effect",
    "MainEffects",
    "main_effects",
    "effects_figure",
]

#: The claims whose main effects are estimated, in the order of the book's tables.
CLAIMS = ("random_vs_dense", "clause_vs_random", "recovery", "alpha", "clauses", "neurons")

#: What each claim's per-seed value measures (positive: the claim's direction).
MEANING: dict[str, str] = {
    "random_vs_dense": "The random split minus the dense network at the pilot.",
    "clause_vs_random": "The clause-aligned split minus the random split at the pilot.",
    "recovery": "The random split minus the midpoint of dense and clause-aligned at the pilot.",
    "alpha": "The random split at alpha = 4 minus the random split at the pilot (alpha = 2).",
    "clauses": "The random split's gain over dense at 16 clauses minus that at 4 clauses.",
    "neurons": "The random split's gain over dense at the pilot (8 neurons) minus that at 32.",
}

#: The fits of :func:`main_effects`, the default first.
METHODS = ("design-means", "cluster")

_Values = Callable[[str, str], np.ndarray]


def _gain(v: _Values, setting: str) -> np.ndarray:
    return v(setting, "random") - v(setting, "dense")


_ESTIMANDS: dict[str, Callable[[_Values], np.ndarray]] = {
    "random_vs_dense": lambda v: _gain(v, "pilot"),
    "clause_vs_random": lambda v: v("pilot", "clause") - v("pilot", "random"),
    "recovery": lambda v: v("pilot", "random") - (v("pilot", "dense") + v("pilot", "clause")) / 2,
    "alpha": lambda v: v("alpha4", "random") - v("pilot", "random"),
    "clauses": lambda v: _gain(v, "clauses16") - _gain(v, "clauses4"),
    "neurons": lambda v: _gain(v, "pilot") - _gain(v, "neurons32"),
}


def _check_claim(claim: str) -> None:
    if claim not in CLAIMS:
        raise ValueError(f"unknown claim {claim!r}; allowed are {list(CLAIMS)}")


def _grid(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The designs the result was run over (the registered fraction if it does not say)."""
    grid = result.get("config", {}).get("grid", {}).get("design")
    return [dict(d) for d in grid] if grid else fractional_factorial()


def _present(result: Mapping[str, Any], records: Sequence[Record]) -> list[dict[str, Any]]:
    """The designs with records: those of the grid in grid order, then any others."""
    stored, grid = values(records, "design"), _grid(result)
    return [d for d in grid if d in stored] + [d for d in stored if d not in grid]


def _design_values(records: Sequence[Record], design: dict[str, Any], claim: str) -> np.ndarray:
    """``claim``'s per-seed values in one design, from that design's ``records``."""
    check_design(design)
    field = "exact_matches" if design["metric"] == "exact_match" else "accuracies"
    seeds = len(records[0][field])

    def v(setting: str, variant: str) -> np.ndarray:
        per_seed = one(records, setting=setting, variant=variant)[field]
        if len(per_seed) != seeds:
            raise ValueError(
                f"{variant!r} at {setting!r} has {len(per_seed)} seeds, other records of "
                f"design {design} have {seeds}"
            )
        return np.asarray(per_seed, dtype=float)

    return _ESTIMANDS[claim](v)


def claim_values(result: Mapping[str, Any], claim: str) -> list[dict[str, Any]]:
    """Per design present in a ``boolean-robustness`` result and per seed ``j``: ``claim``'s
    value (:data:`MEANING`) in the design's own metric (0-1), as rows
    ``{"design": {...}, "seed": j, "value": float}``, designs in grid order."""
    _check_claim(claim)
    records = records_of(result)
    rows: list[dict[str, Any]] = []
    for design in _present(result, records):
        got = _design_values([r for r in records if r["design"] == design], design, claim)
        rows += [{"design": design, "seed": j, "value": float(x)} for j, x in enumerate(got)]
    return rows


@dataclass(frozen=True)
class Mean:
    """A value in points (x 100) with its confidence interval ``low ... high`` and the two-sided
    p-value against zero."""

    estimate: float
    low: float
    high: float
    p: float


@dataclass(frozen=True)
class Effect:
    """The effect of switching ``factor`` from ``levels[0]`` (its default) to ``levels[1]``, in
    points (x 100), with its confidence interval and two-sided p-value against zero."""

    factor: str
    levels: tuple[str, str]
    estimate: float
    low: float
    high: float
    p: float


@dataclass(frozen=True)
class MainEffects:
    """The main-effects fit of one claim (:func:`main_effects`).

    Attributes:
        claim: the claim of :data:`CLAIMS`.
        mean: the grand mean over the designs, in points.
        effects: one per factor of ``FACTORS``, in that order.
        level: the intervals' confidence level.
        n_designs: the designs fitted; n_seeds: seeds per design (the fewest, if they differ).
        method: the fit, one of :data:`METHODS`.
    """

    claim: str
    mean: Mean
    effects: tuple[Effect, ...]
    level: float
    n_designs: int
    n_seeds: int
    method: str

    def table(self) -> pd.DataFrame:
        """One row for the grand mean, then one per factor; numbers in points."""
        ci = f"{self.level:.0%} interval"
        terms: list[tuple[str, str, str, Mean | Effect]] = [("grand mean", "", "", self.mean)]
        terms += [(e.factor, *e.levels, e) for e in self.effects]
        return pd.DataFrame(
            [
                {
                    "term": term,
                    "from (default)": default,
                    "to (alternative)": alternative,
                    "estimate (points)": e.estimate,
                    f"{ci} low": e.low,
                    f"{ci} high": e.high,
                    "p": e.p,
                }
                for term, default, alternative, e in terms
            ]
        )


def _codes(design: Mapping[str, Any]) -> list[float]:
    """The intercept's 1 and each factor's code: -1 at its default level, +1 otherwise."""
    return [1.0] + [-1.0 if design[f.name] == f.levels[0] else 1.0 for f in FACTORS]


def _check_estimable(result: Mapping[str, Any], designs: Sequence[Mapping[str, Any]]) -> None:
    x = np.array([_codes(d) for d in designs]).reshape(len(designs), 1 + len(FACTORS))
    n, k = x.shape
    rank = int(np.linalg.matrix_rank(x))
    if rank == k and n > k:
        return
    grid = _grid(result)
    missing = sum(d not in designs for d in grid)
    if rank < k:
        fixed = [f.name for f in FACTORS if len({d[f.name] for d in designs}) < 2]
        why = (
            f"they cannot separate the mean and the {len(FACTORS)} main effects (the coded "
            f"design matrix has rank {rank} < {k}"
            + (f"; {', '.join(fixed)} never leave one level" if fixed else "")
            + ")"
        )
    else:
        why = f"{k} parameters need at least {k + 1} designs to leave a degree of freedom for error"
    raise ValueError(
        f"the result holds {n} of the {len(grid)} designs ({missing} missing), and {why}; "
        "compute the missing cells first"
    )


def main_effects(
    result: Mapping[str, Any], claim: str, *, level: float = 0.95, method: str = "design-means"
) -> MainEffects:
    """The grand mean and the effect of each factor's alternative level on ``claim``, in points.

    Args:
        result: a ``boolean-robustness`` result (all of its designs, or enough of them).
        claim: one of :data:`CLAIMS`.
        level: the confidence level of the intervals.
        method: ``"design-means"`` (exact for a balanced design) or ``"cluster"`` (per-seed
            values, cluster-robust by design; too narrow with 16 designs): see the module.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed are {list(METHODS)}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    rows = claim_values(result, claim)
    designs = values(rows, "design")
    _check_estimable(result, designs)
    groups = np.array([designs.index(r["design"]) for r in rows])
    y = np.array([r["value"] for r in rows])
    x = np.array([_codes(d) for d in designs])
    if method == "cluster":
        fit = sm.OLS(y, x[groups]).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        means = np.array([y[groups == i].mean() for i in range(len(designs))])
        fit = sm.OLS(means, x).fit()
    params, pvalues = np.asarray(fit.params), np.asarray(fit.pvalues)
    ci = np.asarray(fit.conf_int(alpha=1 - level))
    # points: x 100; an effect (alternative minus default) is twice the coefficient of +-1 codes
    scale = np.array([100.0] + [200.0] * len(FACTORS))[:, None]
    scaled = np.column_stack([params, ci]) * scale
    est = [(*(float(v) for v in row), float(p)) for row, p in zip(scaled, pvalues)]
    effects = tuple(
        Effect(f.name, (str(f.levels[0]), str(f.levels[1])), *e) for f, e in zip(FACTORS, est[1:])
    )
    return MainEffects(
        claim,
        Mean(*est[0]),
        effects,
        level,
        len(designs),
        int(np.bincount(groups).min()),
        method,
    )


#: Pixels per row of a panel of :func:`effects_figure`, and between panels.
_ROW_PX, _GAP_PX = 30, 70


def effects_figure(all_effects: Sequence[MainEffects]) -> go.Figure:
    """A forest plot of :func:`main_effects` fits: one panel per claim, top to bottom, with the
    grand mean (diamond) and each factor's effect (circle, labelled by the alternative level)
    with its interval, and a dotted line at zero. A marker is filled when its interval excludes
    zero. The height grows with the panels; there is no legend (the panel titles name the
    claims)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not all_effects:
        raise ValueError("no main effects to plot")
    panel = _ROW_PX * (1 + len(FACTORS))
    height = 60 + len(all_effects) * (panel + _GAP_PX)
    fig = make_subplots(
        rows=len(all_effects),
        cols=1,
        subplot_titles=[f"{m.claim} (points, {m.level:.0%} interval)" for m in all_effects],
        vertical_spacing=_GAP_PX / height,
    )
    for row, m in enumerate(all_effects, start=1):
        terms: list[tuple[str, str, Mean | Effect]] = [("grand mean", "diamond", m.mean)]
        terms += [(f"{e.factor} → {e.levels[1]}", "circle", e) for e in m.effects]
        shown = [e for _, _, e in terms]
        fig.add_trace(
            go.Scatter(
                x=[e.estimate for e in shown],
                y=[label for label, _, _ in terms],
                mode="markers",
                marker={
                    "size": 10,
                    "color": "#0072B2",
                    "symbol": [s if e.low > 0 or e.high < 0 else f"{s}-open" for _, s, e in terms],
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [e.high - e.estimate for e in shown],
                    "arrayminus": [e.estimate - e.low for e in shown],
                },
                customdata=[[e.low, e.high, e.p] for e in shown],
                hovertemplate="%{y}: %{x:+.1f} [%{customdata[0]:+.1f}, %{customdata[1]:+.1f}]"
                " points, p = %{customdata[2]:.2g}<extra></extra>",
                name=m.claim,
                legendgroup=m.claim,
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        fig.add_vline(x=0, line={"color": "grey", "width": 1, "dash": "dot"}, row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    fig.update_layout(height=height, showlegend=False, margin={"t": 60})
    return fig
