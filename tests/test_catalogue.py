"""The claim catalogue: outcomes read off intervals, estimands on seeded synthetic results with
known answers, intersection-union within a claim and Holm across claims."""

import math

import numpy as np
import pytest
import statsmodels.stats.multitest as smm
from scipy import stats as sps

from expand_neurons.claims.catalogue import CLAIMS, Claim, Part, claim
from expand_neurons.claims.estimands import (
    Contrast,
    Estimate,
    Extreme,
    GainFit,
    GridTrend,
    Interference,
    Nearest,
    Source,
    pick_record,
    seed_values,
)
from expand_neurons.claims.evaluate import evaluate
from expand_neurons.claims.outcomes import Outcome, Reason, Verdict, combine, decide
from expand_neurons.claims.sequential import BOOLEAN_PLAN
from expand_neurons.stats import holm_levels

# --- outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "direction", "expected"),
    [
        (1.0, 3.0, 1, Outcome.SUPPORTED),
        (-3.0, -1.0, -1, Outcome.SUPPORTED),
        (-3.0, -1.0, 1, Outcome.CONTRADICTED),
        (-1.0, 2.0, 1, Outcome.SMALLER_THAN_PAPER),  # excludes the paper's 10
        (-1.0, 12.0, 1, Outcome.INCONCLUSIVE),
        (-2.0, 1.0, -1, Outcome.SMALLER_THAN_PAPER),  # in the claimed direction: -1 to 2
    ],
)
def test_decide_reads_the_interval_in_the_claimed_direction(low, high, direction, expected):
    v = decide(low, high, direction=direction, smallest=10.0, from_paper=True)
    assert v.outcome is expected


def test_a_declared_smallest_effect_has_its_own_word_and_capped_says_so():
    v = decide(-1.0, 0.5, direction=1, smallest=1.0, from_paper=False)
    assert v.outcome is Outcome.SMALLER_THAN_SMALLEST
    wide = decide(-1.0, 5.0, direction=1, smallest=1.0, from_paper=False, capped=True)
    assert wide.reason is Reason.SEED_CAP and str(wide).startswith("inconclusive: ")


def test_decide_and_verdict_refuse_nonsense():
    with pytest.raises(ValueError, match="direction"):
        decide(0, 1, direction=0, smallest=1, from_paper=True)
    with pytest.raises(ValueError, match="above zero"):
        decide(0, 1, direction=1, smallest=0, from_paper=True)
    with pytest.raises(ValueError, match="low <= high"):
        decide(2, 1, direction=1, smallest=1, from_paper=True)
    with pytest.raises(ValueError, match="inconclusive outcome only"):
        Verdict(Outcome.SUPPORTED, Reason.WIDE)


def test_combine_is_an_intersection_union():
    s, c = Verdict(Outcome.SUPPORTED), Verdict(Outcome.CONTRADICTED)
    i = Verdict(Outcome.INCONCLUSIVE, Reason.WIDE)
    small = Verdict(Outcome.SMALLER_THAN_PAPER)
    assert combine([s, s]).outcome is Outcome.SUPPORTED
    assert combine([s, i]).outcome is Outcome.INCONCLUSIVE
    assert combine([s, small]).outcome is Outcome.SMALLER_THAN_PAPER
    assert combine([i, c, s]).outcome is Outcome.CONTRADICTED
    assert combine([]).outcome is Outcome.NOT_TESTED


def test_holm_levels_match_statsmodels_decisions():
    rng = np.random.default_rng(3)
    for _ in range(50):
        p = rng.uniform(0, 0.08, size=5)
        levels = holm_levels(p, 0.95)
        rejected = smm.multipletests(p, alpha=0.05, method="holm")[0]
        # an interval at its level excludes the null exactly when p < 1 - level
        assert [pi < 1 - lv + 1e-15 for pi, lv in zip(p, levels)] == list(rejected)


# --- synthetic results ------------------------------------------------------------------------


def _record(variant, accs, **fields):
    return {"variant": variant, "accuracies": list(map(float, accs)), **fields}


def _pilot(shift, seeds=8, seed=0, spread=0.01, dense_at=0.8):
    """dense at ``dense_at`` (+ noise) and random = dense + shift + noise, paired by seed."""
    rng = np.random.default_rng(seed)
    dense = np.clip(dense_at + spread * rng.standard_normal(seeds), 0, 1)
    random = np.clip(dense + shift + spread * rng.standard_normal(seeds), 0, 1)
    return {"setting_keys": [], "records": [_record("dense", dense), _record("random", random)]}


GAIN = Contrast(Source("x", {"variant": "random"}), Source("x", {"variant": "dense"}))


def _claim(*parts):
    return Claim("t", "a test claim", "the paper", tuple(parts), ("fpe",))


def _part(estimand, paper=5.0, direction=1, **kw):
    return Part("gain", estimand, direction, paper=paper, **kw)


def test_a_contrast_agrees_with_scipy_and_reads_supported():
    result = _pilot(0.05)
    e = GAIN.estimate({"x": result})
    assert isinstance(e, Estimate) and e.n == 8
    a, b = result["records"][1]["accuracies"], result["records"][0]["accuracies"]
    t = sps.ttest_rel(a, b)
    low, high = t.confidence_interval(0.9)
    assert e.interval(0.9) == pytest.approx((100 * low, 100 * high))
    assert e.p == pytest.approx(t.pvalue)
    out = evaluate({"x": result}, [_claim(_part(GAIN))])["t"]
    assert out.outcome is Outcome.SUPPORTED


def test_an_absent_effect_is_smaller_than_the_paper_not_cannot_tell():
    out = evaluate({"x": _pilot(0.0, seeds=20)}, [_claim(_part(GAIN, paper=10.0))])["t"]
    assert out.outcome is Outcome.SMALLER_THAN_PAPER


def test_a_baseline_at_the_ceiling_is_inconclusive_with_its_reason():
    result = _pilot(0.0, dense_at=1.0, spread=0.0)
    out = evaluate({"x": result}, [_claim(_part(GAIN))])["t"]
    assert out.verdict.reason is Reason.CEILING and out.parts[0].estimate is None


def test_missing_cells_are_not_computed_yet():
    partial = {**_pilot(0.05), "missing": ["c"], "cells": {"total": 2, "stored": 1}}
    out = evaluate({"x": partial}, [_claim(_part(GAIN))])["t"]
    assert out.outcome is Outcome.NOT_COMPUTED and "x 1/2 cells" in out.verdict.note
    assert evaluate({}, [_claim(_part(GAIN))])["t"].outcome is Outcome.NOT_COMPUTED


def test_a_claim_is_its_weakest_part_and_claims_are_holm_corrected():
    strong = _pilot(0.05, seed=1)
    flat = _pilot(0.0, seed=2, seeds=20)
    other = Contrast(Source("y", {"variant": "random"}), Source("y", {"variant": "dense"}))
    both = _claim(_part(GAIN), _part(other, paper=10.0))
    out = evaluate({"x": strong, "y": flat}, [both])["t"]
    assert [p.verdict.outcome for p in out.parts] == [
        Outcome.SUPPORTED,
        Outcome.SMALLER_THAN_PAPER,
    ]
    assert out.outcome is Outcome.SMALLER_THAN_PAPER
    one = Claim("a", "one", "p", (_part(GAIN),), ("fpe",))
    two = Claim("b", "two", "p", (_part(other),), ("fpe",))
    family = evaluate({"x": strong, "y": _pilot(0.0, seed=2, seeds=8)}, [one, two])
    levels = sorted(r.parts[0].level for r in family.values())
    assert levels == pytest.approx([0.95, 0.975])  # Holm: the smallest p at 0.05 / 2


def test_seeds_at_a_look_of_the_plan_get_its_repeated_interval():
    out = evaluate({"x": _pilot(0.0, seed=2, seeds=20)}, [_claim(_part(GAIN, paper=10.0))])
    (part,) = out["t"].parts
    assert part.look is not None and part.look.n == 20 and part.look.index == 1
    assert part.level == pytest.approx(BOOLEAN_PLAN.levels()[1])  # wider than 95 %
    capped = evaluate({"x": _pilot(0.0, seed=4, seeds=30)}, [_claim(_part(GAIN, paper=0.2))])
    (last,) = capped["t"].parts
    assert last.look.index == 2  # the cap: an interval still reaching 0.2 points says so
    assert last.verdict.reason is Reason.SEED_CAP


def test_beyond_the_cap_the_estimate_is_that_of_the_seeds_its_interval_uses():
    result = _pilot(0.0, seed=5, seeds=45)
    (part,) = evaluate({"x": result}, [_claim(_part(GAIN, paper=0.2))])["t"].parts
    per_seed = GAIN.estimate({"x": result}).per_seed
    assert part.look.n == 30 and part.estimate.n == 30
    assert part.estimate.value == pytest.approx(np.mean(per_seed[:30]))
    assert part.estimate.value != pytest.approx(np.mean(per_seed))
    assert "30 seeds" in part.describe()


def _grid(seed=0, seeds=6, slope=0.05, at_ceiling=()):
    """A load grid: relative gain of random over dense grows by ``slope`` per unit of load."""
    rng = np.random.default_rng(seed)
    records = []
    for hidden, load in ((16, 0.5), (8, 1.0), (4, 2.0), (2, 4.0)):
        dense = 0.6 + 0.01 * rng.standard_normal(seeds)
        if hidden in at_ceiling:
            dense = np.ones(seeds)
        random = dense * (1 + slope * load) + 0.005 * rng.standard_normal(seeds)
        for variant, accs in (("dense", dense), ("random", random)):
            records.append(_record(variant, accs, hidden=hidden, load=load, nonzero=100 * hidden))
    return {"setting_keys": ["hidden"], "records": records}


def test_a_grid_slope_per_seed_recovers_a_planted_rise_and_leaves_the_ceiling_out():
    trend = GridTrend("g", "load", "slope", relative=True)
    e = trend.estimate({"g": _grid()})
    assert isinstance(e, Estimate) and e.n == 6 and e.unit == "seeds"
    # relative gain 0.05 * load in percent: slope per doubling is 5 * d(load)/d(log2 load)
    assert e.value > 0 and e.interval(0.95)[0] > 0
    assert trend.estimate({"g": _grid(slope=0.0)}).interval(0.95)[0] < 0
    left = trend.estimate({"g": _grid(at_ceiling=(2,))})
    assert isinstance(left, Estimate) and len(left.left_out) == 1
    assert "at the ceiling" in left.left_out[0]
    average = GridTrend("g", "load", "average").estimate({"g": _grid(slope=0.0)})
    assert abs(average.value) < 1
    part = Part("rise", trend, 1, 1.0, why="a test")
    out = evaluate({"g": _grid(at_ceiling=(2,))}, [_claim(part)])["t"]
    assert "1 settings left out at the gate" in out.parts[0].describe()


def _sweep(seed=0, n=12, seeds=5, related=True, after=1.2):
    """(setting, variant) points: at the split FPE's capacity is 1.5 x dense's (the masks), and
    training after it multiplies the ratio by ``after`` (1: the masks alone). The relative gain
    follows that later change (``related``) or not."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        extra = after * (1 + 0.3 * rng.uniform())
        gain = 0.5 * (extra - 1) if related else 0.1 * rng.uniform()
        dense = 0.7 + 0.01 * rng.standard_normal(seeds)
        cap = 0.2 + 0.01 * rng.standard_normal(seeds)
        common = {"point": i}
        records += [
            _record("dense", dense, capacities=list(cap), split_capacities=list(cap), **common),
            _record(
                "random",
                dense * (1 + gain) + 0.002 * rng.standard_normal(seeds),
                capacities=list(1.5 * cap * extra),
                split_capacities=list(1.5 * cap),
                **common,
            ),
        ]
    return {"setting_keys": ["point"], "records": records}


def test_interference_is_measured_against_the_split_only_null():
    shift = Interference(("s",), "capacity", ("random",))
    moved = shift.estimate({"s": _sweep()})
    assert moved.value > 0 and moved.interval(0.95)[0] > 0
    masks_only = shift.estimate({"s": _sweep(after=1.0, related=False)})
    assert masks_only.value == pytest.approx(math.log(1.15), abs=0.1)  # the uniform's mean
    still = _sweep(after=1 / 1.15)
    assert abs(shift.estimate({"s": still}).value) < 0.05


def test_a_point_with_an_undefined_fold_change_is_left_out_and_named():
    sweep = _sweep()
    zero = next(r for r in sweep["records"] if r["variant"] == "random" and r["point"] == 3)
    zero["split_capacities"] = [0.0, *zero["split_capacities"][1:]]  # log(0/0) on one seed
    e = Interference(("s",), "capacity", ("random",)).estimate({"s": sweep})
    assert math.isfinite(e.value) and "11 (setting, variant) points" in e.detail
    assert len(e.left_out) == 1 and "point=3" in e.left_out[0]
    fit = GainFit(("s",), "capacity", ("random",), n_resamples=200).estimate({"s": sweep})
    assert math.isfinite(fit.value) and len(fit.left_out) == 1


def test_the_fit_is_a_correlation_with_a_settings_bootstrap_and_flat_data_block_it():
    fit = GainFit(("s",), "capacity", ("random",), n_resamples=500)
    good = fit.estimate({"s": _sweep()})
    assert isinstance(good, Estimate) and good.unit == "settings" and good.value > 0.9
    assert good.interval(0.95)[0] > 0.5
    unrelated = fit.estimate({"s": _sweep(related=False)})
    assert unrelated.interval(0.95)[1] < 0.9
    flat = _sweep()
    for r in flat["records"]:
        if r["variant"] == "random":
            r["capacities"] = list(r["split_capacities"])  # no change after the split anywhere
    assert fit.estimate({"s": flat}).reason is Reason.FLAT


def test_picks_and_bad_selections_say_what_exists():
    result = _grid()
    hi = Source("g", {"variant": "random"}, pick=Extreme("load", "max"))
    _, record = seed_values(result, hi)
    assert record["hidden"] == 2
    near = Source("g", {"variant": "dense"}, pick=Nearest("nonzero", 1.9))
    fpe = pick_record(result, Source("g", {"variant": "random", "hidden": 4}))
    assert pick_record(result, near, fpe)["hidden"] == 8
    with pytest.raises(LookupError, match="no record"):
        pick_record(result, Source("g", {"variant": "clause"}))
    with pytest.raises(LookupError, match="4 records match"):
        pick_record(result, Source("g", {"variant": "dense"}))
    with pytest.raises(ValueError, match="not a per-seed list"):
        seed_values(result, Source("g", {"variant": "dense", "hidden": 4}, field="load"))


# --- the catalogue ----------------------------------------------------------------------------


def test_every_claim_is_declared_once_with_a_smallest_effect():
    keys = [c.key for c in CLAIMS]
    assert len(set(keys)) == len(keys)
    for c in CLAIMS:
        for p in c.parts:
            assert p.threshold > 0 and (p.from_paper or p.why)
    # The pilot's random split is tested once (claim 1), never again under another name.
    pilot_reads = [
        c.key for c in CLAIMS for p in c.parts
        if isinstance(p.estimand, Contrast) and p.estimand.a.experiment == "boolean-pilot"
        and p.estimand.a.where == {"variant": "random"}
    ]  # fmt: skip
    assert pilot_reads == ["1"]
    assert claim("1").parts[0].paper == pytest.approx(10.0)
    with pytest.raises(KeyError, match="no claim"):
        claim("99")


def test_a_part_must_say_why_its_smallest_effect():
    with pytest.raises(ValueError, match="say why"):
        Part("x", GAIN, 1, smallest=1.0)
    with pytest.raises(ValueError, match="smallest effect or the paper"):
        Part("x", GAIN, 1)
    with pytest.raises(ValueError, match="above zero"):
        Part("x", GAIN, 1, paper=-3.0)


def test_the_pins_read_every_claim_and_name_missing_results():
    from expand_neurons.claims.catalogue import experiments_of
    from expand_neurons.claims.pins import missing_cells, outcomes

    out = outcomes({})
    assert list(out) == [c.key for c in CLAIMS]
    assert out["1"] == "not computed yet" and out["7"] == "not tested here"
    assert missing_cells({}) == experiments_of()


def test_smaller_than_the_paper_is_scipy_s_one_sided_equivalence_test():
    rng = np.random.default_rng(5)
    level, smallest = 0.95, 0.5
    for _ in range(40):
        d = rng.normal(rng.uniform(-0.2, 0.6), 0.4, 12)
        e = Estimate(float(d.mean()), 12, "seeds", "", per_seed=tuple(d))
        low, high = e.interval(level)
        v = decide(low, high, direction=1, smallest=smallest, from_paper=True)
        below = sps.ttest_1samp(d, smallest, alternative="less").pvalue < (1 - level) / 2
        above_zero = sps.ttest_1samp(d, 0.0, alternative="greater").pvalue < (1 - level) / 2
        assert (v.outcome is Outcome.SUPPORTED) == above_zero
        if not above_zero:
            assert (v.outcome is Outcome.SMALLER_THAN_PAPER) == (below and high >= 0)


def test_interference_over_sweeps_of_different_seeds_reads_the_seeds_they_share():
    shift = Interference(("s", "t"), "capacity", ("random",))
    e = shift.estimate({"s": _sweep(seeds=5), "t": _sweep(seed=1, seeds=3)})
    assert e.n == 3 and "each cut to its first 3 seeds" in e.detail
