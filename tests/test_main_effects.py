"""The main-effects reading of the robustness study, on synthetic results with planted effects.

Every claim's per-seed value follows its definition in the design's own metric; a planted effect
of one choice is recovered (about 8 points, its interval covering it and excluding zero) while
choices without an effect stay near zero; both fits give the same estimates, the clustered one
with the narrower intervals the module's docstring predicts; a partial store fits when it can
and says how many designs are missing when it cannot; the table and the figure show every term.
"""

from typing import Any

import numpy as np
import pytest
from scipy import stats as sps

from expand_neurons.claims import main_effects as me
from expand_neurons.experiments.robustness import CLAIM_SETTINGS, FACTORS, fractional_factorial

DESIGNS = fractional_factorial()
SEEDS = 5
NOISE = 0.005
#: Per claim: the planted grand mean and effect of the metric factor's alternative, in points.
PLANTED = {
    "random_vs_dense": (5.0, 8.0),
    "clause_vs_random": (2.0, 0.0),
    "recovery": (1.5, 4.0),
    "alpha": (1.0, 0.0),
    "clauses": (3.0, 0.0),
    "neurons": (4.0, 8.0),
}


def _records(design: dict[str, Any], values: dict[tuple[str, str], Any]) -> list[dict[str, Any]]:
    """One record per ``(setting, variant)``: ``values`` in the design's metric, and ``1 - v`` in
    the other field (what reading the wrong field would see)."""
    exact = design["metric"] == "exact_match"
    records = []
    for (setting, variant), v in values.items():
        own, other = [float(x) for x in v], [1 - float(x) for x in v]
        records.append(
            {
                "design": design,
                "setting": setting,
                "variant": variant,
                "metric": design["metric"],
                "accuracies": other if exact else own,
                "exact_matches": own if exact else other,
            }
        )
    return records


def _planted(design: dict[str, Any], rng: np.random.Generator) -> dict[tuple[str, str], Any]:
    """Random minus dense = 0.05 + 0.04 x (x the metric factor's +-1 code) at the pilot; the other
    settings' gains and the clause split's lead are constants (see :data:`PLANTED`)."""
    x = -1 if design["metric"] == "accuracy" else 1
    gains = {"pilot": 0.05 + 0.04 * x, "clauses4": 0.03, "clauses16": 0.06, "neurons32": 0.01}
    gains["alpha4"] = gains["pilot"] + 0.01

    def noise() -> np.ndarray:
        return rng.normal(0, NOISE, SEEDS)

    values = {}
    for setting in CLAIM_SETTINGS:
        dense = 0.7 + noise()
        values[setting, "dense"] = dense
        values[setting, "random"] = dense + gains[setting] + noise()
    values["pilot", "clause"] = values["pilot", "random"] + 0.02 + noise()
    return values


def _result(designs: list[dict[str, Any]] = DESIGNS, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    records = [r for d in designs for r in _records(d, _planted(d, rng))]
    return {"records": records, "config": {"grid": {"design": DESIGNS}}}


RESULT = _result()


def _effect(fit: me.MainEffects, factor: str) -> me.Effect:
    return next(e for e in fit.effects if e.factor == factor)


# --- the estimands -------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["accuracy", "exact_match"])
def test_claim_values_follow_their_definitions_in_the_designs_metric(metric):
    design = {**DESIGNS[0], "metric": metric}
    hand = {
        ("pilot", "dense"): [0.6, 0.7],
        ("pilot", "random"): [0.7, 0.75],
        ("pilot", "clause"): [0.8, 0.9],
        ("alpha4", "dense"): [0.0, 0.0],
        ("alpha4", "random"): [0.72, 0.8],
        ("clauses4", "dense"): [0.5, 0.5],
        ("clauses4", "random"): [0.55, 0.6],
        ("clauses16", "dense"): [0.4, 0.4],
        ("clauses16", "random"): [0.5, 0.6],
        ("neurons32", "dense"): [0.8, 0.8],
        ("neurons32", "random"): [0.81, 0.82],
    }
    expected = {
        "random_vs_dense": [0.1, 0.05],
        "clause_vs_random": [0.1, 0.15],
        "recovery": [0.0, -0.05],
        "alpha": [0.02, 0.05],
        "clauses": [0.05, 0.1],
        "neurons": [0.09, 0.03],
    }
    assert set(expected) == set(me.CLAIMS) == set(me.MEANING)
    result = {"records": _records(design, hand)}
    for claim, want in expected.items():
        rows = me.claim_values(result, claim)
        assert [(r["design"], r["seed"]) for r in rows] == [(design, 0), (design, 1)]
        assert [r["value"] for r in rows] == pytest.approx(want), claim


def test_claim_values_cover_every_design_and_seed_in_grid_order():
    rows = me.claim_values(RESULT, "alpha")
    assert len(rows) == len(DESIGNS) * SEEDS
    assert [r["design"] for r in rows[::SEEDS]] == DESIGNS
    assert [r["seed"] for r in rows[:SEEDS]] == list(range(SEEDS))


def test_unknown_claims_methods_and_levels_are_rejected():
    with pytest.raises(ValueError, match="unknown claim 'speed'; allowed are.*'random_vs_dense'"):
        me.claim_values(RESULT, "speed")
    with pytest.raises(ValueError, match="unknown claim 'ordering'"):
        me.main_effects(RESULT, "ordering")
    with pytest.raises(ValueError, match="unknown method 'robust'; allowed are"):
        me.main_effects(RESULT, "alpha", method="robust")
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1"):
        me.main_effects(RESULT, "alpha", level=95)


def test_records_with_different_seed_counts_are_rejected():
    records = [dict(r) for r in RESULT["records"]]
    records[1] = {**records[1], "accuracies": records[1]["accuracies"][:-1]}
    with pytest.raises(ValueError, match="'random' at 'pilot' has 4 seeds.*have 5"):
        me.claim_values({"records": records}, "random_vs_dense")


# --- the fit -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", me.METHODS)
def test_a_planted_effect_is_recovered_and_the_others_stay_near_zero(method):
    fit = me.main_effects(RESULT, "random_vs_dense", method=method)
    assert (fit.n_designs, fit.n_seeds, fit.method, fit.level) == (16, SEEDS, method, 0.95)
    assert [e.factor for e in fit.effects] == [f.name for f in FACTORS]
    metric = _effect(fit, "metric")
    assert metric.levels == ("accuracy", "exact_match")
    assert metric.estimate == pytest.approx(8.0, abs=0.5)  # 2 x 0.04 x 100
    assert 0 < metric.low < 8.0 < metric.high and metric.p < 1e-6
    outputs = _effect(fit, "outputs")
    assert outputs.low < 0 < outputs.high and outputs.p > 0.05
    assert all(abs(e.estimate) < 1.0 for e in fit.effects if e.factor != "metric")
    assert fit.mean.low < 5.0 < fit.mean.high


@pytest.mark.parametrize("claim", me.CLAIMS)
def test_every_claim_recovers_its_planted_mean_and_metric_effect(claim):
    mean, metric = PLANTED[claim]
    fit = me.main_effects(RESULT, claim)
    assert fit.mean.estimate == pytest.approx(mean, abs=1.0)
    assert _effect(fit, "metric").estimate == pytest.approx(metric, abs=1.0)


def test_both_methods_agree_on_estimates_and_the_clustered_intervals_are_narrower():
    means = me.main_effects(RESULT, "recovery")
    cluster = me.main_effects(RESULT, "recovery", method="cluster")
    terms: list[me.Mean | me.Effect] = [means.mean, *means.effects]
    clustered: list[me.Mean | me.Effect] = [cluster.mean, *cluster.effects]
    n, k = 16 * SEEDS, 1 + len(FACTORS)
    # the docstring's argument: CR1's variance is (G/(G-1)) (N-1)/(N-k) / 2 of the design-means
    # one, referred to t on G - 1 = 15 degrees of freedom instead of 16 - k = 8
    se_ratio = np.sqrt(16 / 15 * (n - 1) / (n - k) / 2)
    width_ratio = se_ratio * sps.t.ppf(0.975, 15) / sps.t.ppf(0.975, 16 - k)
    for a, b in zip(terms, clustered):
        assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
        assert (b.high - b.low) == pytest.approx(width_ratio * (a.high - a.low), rel=1e-6)
    wider = me.main_effects(RESULT, "recovery", level=0.99)
    assert wider.mean.high - wider.mean.low > means.mean.high - means.mean.low


def test_a_partial_store_fits_when_the_designs_allow_it():
    partial = me.main_effects(_result(DESIGNS[:12]), "random_vs_dense")
    assert partial.n_designs == 12
    assert _effect(partial, "metric").estimate == pytest.approx(8.0, abs=0.5)


def test_too_few_designs_say_how_many_are_missing_and_why():
    with pytest.raises(ValueError, match=r"8 of the 16 designs \(8 missing\).*rank 7 < 8.*outputs"):
        me.main_effects(_result(DESIGNS[:8]), "alpha")
    full_rank = DESIGNS[:7] + DESIGNS[8:9]  # separates the 8 parameters, with nothing left over
    with pytest.raises(ValueError, match=r"8 of the 16 designs \(8 missing\).*at least 9 designs"):
        me.main_effects(_result(full_rank), "alpha", method="cluster")
    with pytest.raises(ValueError, match=r"0 of the 16 designs \(16 missing\)"):
        me.main_effects({"records": []}, "alpha")


# --- the table and the figure --------------------------------------------------------------


def test_the_table_has_the_mean_then_one_row_per_factor():
    table = me.main_effects(RESULT, "random_vs_dense").table()
    assert list(table["term"]) == ["grand mean"] + [f.name for f in FACTORS]
    assert list(table.columns) == [
        "term",
        "from (default)",
        "to (alternative)",
        "estimate (points)",
        "95% interval low",
        "95% interval high",
        "p",
    ]
    metric = table.set_index("term").loc["metric"]
    assert metric["to (alternative)"] == "exact_match"
    assert metric["estimate (points)"] == pytest.approx(8.0, abs=0.5)


def test_the_figure_has_one_trace_per_claim_and_grows_with_them():
    claims = ["random_vs_dense", "alpha", "neurons"]
    fits = [me.main_effects(RESULT, c) for c in claims]
    fig = me.effects_figure(fits)
    assert [t.legendgroup for t in fig.data] == claims
    assert not fig.layout.showlegend and not any(t.showlegend for t in fig.data)
    assert len(fig.layout.shapes) == len(claims)  # a line at zero per panel
    first = fig.data[0]
    assert list(first.y) == ["grand mean"] + [f"{f.name} → {f.levels[1]}" for f in FACTORS]
    symbols = dict(zip(first.y, first.marker.symbol))
    assert symbols["metric → exact_match"] == "circle"  # the interval excludes zero
    assert symbols["outputs → dnf"] == "circle-open"
    assert fig.layout.height > me.effects_figure(fits[:1]).layout.height
    with pytest.raises(ValueError, match="no main effects"):
        me.effects_figure([])
