"""The seed plan: O'Brien–Fleming bounds (known tables), error rate under H0, stopping rules."""

from functools import partial

import numpy as np
import pytest
from scipy import stats as sps

from expand_neurons.claims.sequential import (
    BOOLEAN_PLAN,
    CAP,
    CONTINUE,
    FUTILITY,
    REAL_PLAN,
    SUCCESS,
    SeedPlan,
    describe,
    look,
    next_seeds,
)


@pytest.mark.parametrize(
    ("looks", "table"),
    [
        ((10, 20, 30), (3.471, 2.454, 2.004)),
        ((5, 10, 15, 20), (4.049, 2.863, 2.337, 2.024)),
        ((7,), (1.960,)),
    ],
)
def test_equally_spaced_bounds_match_the_classic_tables(looks, table):
    assert SeedPlan(looks).bounds() == pytest.approx(table, abs=0.005)


def test_unequal_looks_cross_with_probability_alpha():
    # an independent check of the integration: the multivariate normal rectangle
    plan = SeedPlan((3, 7, 20), alpha=0.1)
    c, n = np.array(plan.bounds()), np.array(plan.looks)
    assert c[0] / c[2] == pytest.approx(np.sqrt(20 / 3))  # O'Brien–Fleming shape
    cov = np.sqrt(np.minimum.outer(n, n) / np.maximum.outer(n, n))
    inside = sps.multivariate_normal(cov=cov).cdf(c, lower_limit=-c, rng=0)
    assert 1 - inside == pytest.approx(0.1, abs=1e-4)


def test_levels_are_the_nominal_two_sided_levels_of_the_bounds():
    levels = BOOLEAN_PLAN.levels()
    assert levels[-1] == pytest.approx(1 - 2 * sps.norm.sf(2.004), abs=1e-4)
    assert levels[0] > levels[1] > levels[2] > 0.95
    assert BOOLEAN_PLAN.cap == 30 and REAL_PLAN.cap == 20


def _false_success_rate(plan, trials, seed):
    rng = np.random.default_rng(seed)
    rejections = 0
    for _ in range(trials):
        d = rng.normal(0.0, 1.0, plan.cap)
        for n in plan.looks:
            # a vanishing smallest effect: futility stops only when the interval lies below 0
            r = look(d[:n], plan, direction=1, smallest=1e-12)
            if r.decision != CONTINUE:
                rejections += r.low > 0 or r.high < 0
                break
    return rejections / trials


@pytest.mark.parametrize(("plan", "trials"), [(REAL_PLAN, 4000), (BOOLEAN_PLAN, 4000)])
def test_error_rate_under_no_effect_stays_at_alpha(plan, trials):
    rate = _false_success_rate(plan, trials, seed=0)
    assert 0.03 < rate < 0.065


def test_strong_effect_stops_at_the_first_look():
    # five seeds and a bound of z = 4.05 give t = 18.4 on 4 d.f.: the mean must exceed 8.2 sd
    d = np.random.default_rng(1).normal(1.0, 0.05, 20)
    r = look(d, REAL_PLAN, direction=1, smallest=0.1)
    assert (r.n, r.index, r.decision) == (20, 3, SUCCESS)
    first = look(d[:5], REAL_PLAN, direction=1, smallest=0.1)
    assert (first.n, first.index, first.decision) == (5, 0, SUCCESS)
    assert first.low > 0 and first.level == pytest.approx(REAL_PLAN.levels()[0])
    # the same data against the opposite prediction: the interval is wholly below zero
    assert look(d[:5], REAL_PLAN, direction=-1, smallest=0.1).decision == FUTILITY
    assert look(-d[:5], REAL_PLAN, direction=-1, smallest=0.1).decision == SUCCESS


def test_the_interval_uses_students_t_at_the_looks_tail_probability():
    d = np.random.default_rng(2).normal(0.0, 1.0, 12)  # look 2 of REAL_PLAN uses the first 10
    r = look(d, REAL_PLAN, direction=1, smallest=1.0)
    tail = sps.norm.sf(REAL_PLAN.bounds()[1])
    half = sps.t.isf(tail, 9) * d[:10].std(ddof=1) / np.sqrt(10)
    assert (r.n, r.index) == (10, 1)
    assert (r.low, r.high) == (
        pytest.approx(d[:10].mean() - half),
        pytest.approx(d[:10].mean() + half),
    )
    assert r.decision == CONTINUE and r.low < 0 < r.high


def test_no_effect_with_tiny_noise_stops_for_futility():
    d = np.random.default_rng(3).normal(0.0, 1e-3, 10)
    r = look(d, BOOLEAN_PLAN, direction=1, smallest=0.05)
    assert r.decision == FUTILITY and r.low < 0 < r.high < 0.05


def test_zero_spread_gives_a_zero_width_interval():
    r = look([0.0] * 10, BOOLEAN_PLAN, direction=1, smallest=0.05)
    assert (r.low, r.high, r.decision) == (0.0, 0.0, FUTILITY)
    assert look([0.2] * 10, BOOLEAN_PLAN, direction=1, smallest=0.05).decision == SUCCESS


def test_an_undecided_last_look_reaches_the_cap():
    d = np.random.default_rng(4).normal(0.0, 1.0, 30)
    d = d - d.mean() + 0.1  # mean 0.1, interval about +-0.4: neither above 0 nor below 0.05
    assert look(d, BOOLEAN_PLAN, direction=1, smallest=0.05).decision == CAP


def test_next_seeds_asks_only_for_what_the_plan_needs():
    asks = partial(next_seeds, plan=BOOLEAN_PLAN, direction=1, smallest=0.05)
    noisy = np.random.default_rng(5).normal(0.0, 1.0, 30)
    assert asks([]) == 10
    assert asks(noisy[:9]) == 10
    assert asks(noisy[:10]) == 20  # continue
    assert asks(noisy[:25]) == 30  # look 2 continues
    assert asks(noisy) == 30  # the cap
    assert asks([1.0] * 12) == 10  # stopped at look 1


@pytest.mark.parametrize(
    ("looks", "alpha", "match"),
    [
        ((10, 10, 20), 0.05, r"strictly increasing.*\(10, 10, 20\)"),
        ((20, 10), 0.05, "strictly increasing"),
        ((2, 10), 0.05, r"looks\[0\] must be an integer >= 3, got 2"),
        ((), 0.05, "at least one"),
        ((10, 20), 0.0, r"alpha must be a number in \(0, 1\), got 0.0"),
        ((10, 20), 1.5, r"alpha must be a number in \(0, 1\), got 1.5"),
    ],
)
def test_invalid_plans_are_refused(looks, alpha, match):
    with pytest.raises(ValueError, match=match):
        SeedPlan(looks, alpha)


def test_invalid_looks_are_refused():
    with pytest.raises(ValueError, match="first look needs 5 differences, got 4"):
        look([0.1] * 4, REAL_PLAN, direction=1, smallest=0.1)
    with pytest.raises(ValueError, match=r"direction must be \+1 or -1, got 0"):
        look([0.1] * 5, REAL_PLAN, direction=0, smallest=0.1)
    with pytest.raises(ValueError, match="smallest must be a finite number > 0, got 0"):
        look([0.1] * 5, REAL_PLAN, direction=1, smallest=0)
    with pytest.raises(ValueError, match="finite numbers"):
        look([0.1] * 4 + [float("nan")], REAL_PLAN, direction=1, smallest=0.1)


def test_describe_names_looks_bounds_and_alpha():
    assert describe(BOOLEAN_PLAN) == (
        "looks at 10, 20, 30 seeds; O'Brien–Fleming bounds z = 3.47, 2.45, 2.00 "
        "(two-sided α = 0.05)"
    )
    assert describe(REAL_PLAN).startswith("looks at 5, 10, 15, 20 seeds; ")
