"""The statistics behind every verdict: intervals, degrees of freedom, Holm (known answers)."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from expand_neurons.stats import family, holm, paired


def test_t_interval_is_the_textbook_one():
    a, b = [0.90, 0.80, 0.75, 0.95, 0.85], [0.85, 0.76, 0.70, 0.90, 0.78]
    c = paired(a, b)
    d = np.subtract(a, b)
    half = sps.t.ppf(0.975, 4) * d.std(ddof=1) / math.sqrt(5)
    assert (c.mean, c.df, c.n) == (pytest.approx(d.mean()), 4, 5)
    assert (c.low, c.high) == (pytest.approx(d.mean() - half), pytest.approx(d.mean() + half))
    assert c.verdict == "better" and c.low > 0
    assert "4 d.f." in c.describe() and c.describe().endswith(": better")


def test_the_pilot_ordering_example_is_not_distinguishable():
    # the example: +0.7 points paired, spread 0.4 SE over 8 seeds -> t about 1.75
    rng = np.random.default_rng(0)
    d = rng.normal(0, 1, 8)
    d = 0.007 + (d - d.mean()) / d.std(ddof=1) * 0.004 * math.sqrt(8)
    c = paired(d, np.zeros(8))
    assert c.verdict == "not distinguishable" and c.low < 0 < c.high


def test_a_zero_mean_difference_is_not_distinguishable_at_the_nominal_rate():
    rng = np.random.default_rng(1)
    calls = [paired(rng.normal(0, 1, 8), np.zeros(8)).verdict for _ in range(2000)]
    rate = calls.count("not distinguishable") / len(calls)
    assert abs(rate - 0.95) < 3 * math.sqrt(0.95 * 0.05 / 2000)  # within 3 standard errors


def test_holm_against_a_hand_computed_case():
    # sorted p: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04) = 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # 0.5 * 2 = 1; monotone after it


def test_family_verdicts_agree_with_holm_and_control_the_familywise_error():
    rng = np.random.default_rng(2)
    false_alarms = 0
    for trial in range(300):
        shift = [0.0, 0.0, 0.0, 0.8 * (trial % 2), 1.5 * (trial % 3 == 0)]
        pairs = {f"c{i}": (rng.normal(s, 1, 10), np.zeros(10)) for i, s in enumerate(shift)}
        out = family(pairs)
        for c in out.values():
            assert (c.verdict != "not distinguishable") == (c.p_holm < 0.05)
            assert c.level >= 0.95
        false_alarms += any(out[f"c{i}"].verdict != "not distinguishable" for i in range(3))
    assert false_alarms / 300 <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 300)


def test_the_bootstrap_interval_for_skewed_differences():
    rng = np.random.default_rng(3)
    d = rng.exponential(0.02, 12)  # all positive, skewed
    c = paired(d, np.zeros(12), method="bootstrap")
    assert c.method == "bootstrap" and c.low < d.mean() < c.high and c.low > 0
    assert c.p < 0.05  # the bootstrap's own p-value agrees with its interval
    near = rng.normal(0.0, 0.02, 12)
    for level in (0.9, 0.95):
        b = paired(near, np.zeros(12), method="bootstrap", level=level)
        assert (b.low > 0 or b.high < 0) == (b.p < 1 - level) or abs(b.p - (1 - level)) < 0.01


def test_degenerate_samples():
    same = paired([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert same.verdict == "not distinguishable" and same.mean == 0
    shifted = paired([1.0] * 6, [0.9] * 6)
    assert shifted.verdict == "better" and shifted.low == shifted.high == pytest.approx(0.1)
    one = paired([1.0], [0.0])
    assert one.verdict == "not distinguishable" and one.df == 0


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([1, 2], [1]), {}, "equal length"),
        (([1, float("nan")], [1, 2]), {}, "finite"),
        (([1, 2], [1, 2]), {"level": 1.0}, r"level must be in \(0, 1\)"),
        (([1, 2], [1, 2]), {"method": "z"}, "unknown method 'z'"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        paired(*args, **kwargs)


def test_equal_differences_use_the_exact_sign_flip_test():
    # three seeds that agree exactly (p = 2/8): no verdict, whatever the size of the gain
    three = paired([0.5, 0.7, 0.9], [0.3, 0.5, 0.7])  # equal up to rounding: 0.2 each
    assert three.p == pytest.approx(0.25) and three.verdict == "not distinguishable"
    assert (three.low, three.high) == (-math.inf, math.inf)
    # six agreeing seeds (p = 2/64 < 0.05): a point interval, and the verdict follows its sign
    six = paired([0.1] * 6, [0.3] * 6)
    assert six.p == pytest.approx(1 / 32) and six.verdict == "worse"
    assert six.low == six.high == pytest.approx(-0.2)
    # ... unless a Holm family asks for more than p = 1/32 can give
    fam = family({f"c{i}": ([0.1] * 6, [0.3] * 6) for i in range(3)})
    assert all(c.verdict == "not distinguishable" for c in fam.values())
    # no difference at all is exactly zero, never a verdict
    zero = paired([0.4] * 4, [0.4] * 4)
    assert zero.low == zero.high == 0 and zero.verdict == "not distinguishable"
