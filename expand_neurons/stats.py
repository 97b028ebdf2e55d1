"""Verdicts from intervals: paired differences across seeds, corrected for many comparisons.

Every "better", "worse" or "not distinguishable" in the book comes from here. A comparison pairs
two variants seed by seed (same task, same warmed-up network), so its unit is the per-seed
difference ``a_j - b_j``. For it :func:`paired` gives the mean difference, a confidence interval
with its degrees of freedom, and a two-sided p-value, from Student's t (``scipy.stats.ttest_rel``)
or, for skewed differences, a bootstrap (``scipy.stats.bootstrap``, BCa). When every seed
differs by the same amount (up to rounding) Student's t has no spread to use, and the exact
sign-flip test decides instead: ``n`` agreeing seeds give ``p = 2 / 2**n``, so three seeds that
agree never make a verdict on their own.

A chapter makes a *family* of comparisons; :func:`family` corrects them together with Holm's
step-down method (familywise error rate ``1 - level``). Each interval is widened to the level of
its Holm step: the comparison with the ``k``-th smallest p-value gets level
``1 - (1 - level) / (m - k + 1)`` of ``m``, and once a step fails every later comparison keeps
that step's level. So an interval excludes zero exactly when Holm rejects, and the verdict read
off the interval is Holm's verdict:

* ``"better"``: the whole interval lies above zero;
* ``"worse"``: the whole interval lies below zero;
* ``"not distinguishable"``: the interval contains zero (or fewer than two seeds).

For a frequency estimated by simulation (a Monte Carlo probability), :func:`wilson_interval`
gives the Wilson score interval.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from .checks import check_positive, check_probability

__all__ = [
    "Comparison",
    "paired",
    "holm",
    "holm_levels",
    "family",
    "wilson_interval",
    "VERDICTS",
    "METHODS",
]

VERDICTS = ("better", "worse", "not distinguishable")
METHODS = ("t", "bootstrap")


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of ``a`` with ``b`` (difference ``a - b``, per seed).

    Attributes:
        name: what is compared (for tables).
        mean: mean of the per-seed differences.
        low, high: the confidence interval of the mean difference, at ``level``.
        level: the interval's confidence level (Holm-adjusted inside a family).
        df: degrees of freedom (``n - 1``).
        n: number of pairs (seeds).
        p: two-sided p-value of "no difference", unadjusted.
        p_holm: Holm-adjusted p-value inside its family (``p`` alone).
        method: ``"t"`` or ``"bootstrap"``.
    """

    name: str
    mean: float
    low: float
    high: float
    level: float
    df: int
    n: int
    p: float
    p_holm: float
    method: str

    @property
    def verdict(self) -> str:
        """``"better"``, ``"worse"`` or ``"not distinguishable"``, read off the interval."""
        if self.n >= 2 and self.low > 0:
            return "better"
        if self.n >= 2 and self.high < 0:
            return "worse"
        return "not distinguishable"

    def describe(self, scale: float = 100.0, unit: str = " points") -> str:
        """E.g. ``"+0.70 points (95 % CI -0.10 to +1.50, 7 d.f.): not distinguishable"``."""
        s = scale
        return (
            f"{s * self.mean:+.2f}{unit} ({100 * self.level:.4g} % CI {s * self.low:+.2f} to "
            f"{s * self.high:+.2f}, {self.df} d.f.): {self.verdict}"
        )


def _check_pairs(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(
            f"paired samples need two 1-D sequences of equal length, got shapes {x.shape} and "
            f"{y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("paired samples must be finite numbers (no NaN or inf)")
    return x - y


#: Differences that spread less than this (relative to their mean, or absolutely below 1) are
#: equal up to rounding (e.g. ``0.3 - 0.1`` against ``0.5 - 0.3``): Student's t has no spread to
#: work with there, so :func:`paired` falls back to the exact sign-flip test.
_SAME = 1e-12


def _no_spread(name: str, mean: float, level: float, n: int, method: str) -> Comparison:
    """Every seed differs by the same amount ``mean``: the exact sign-flip (permutation) test.

    Flipping the signs of ``n`` equal differences gives one of ``2**n`` equally likely sign
    patterns under "no difference", so the two-sided p-value of all-equal non-zero differences is
    ``2 / 2**n`` (1 for zero). Its interval for the mean is the point ``mean`` when that p-value
    is within ``1 - level`` (any other shift leaves all differences on one side, and is rejected
    the same way), and the whole line otherwise: three seeds that agree exactly (p = 0.25) do
    not make a verdict.
    """
    p = 1.0 if mean == 0 else min(1.0, 2.0 ** (1 - n))
    if mean == 0 or p <= 1 - level:
        low = high = mean
    else:
        low, high = -math.inf, math.inf
    return Comparison(name, mean, low, high, level, n - 1, n, p, p, method)


def paired(
    a: Sequence[float],
    b: Sequence[float],
    *,
    level: float = 0.95,
    method: str = "t",
    name: str = "",
    seed: int = 0,
) -> Comparison:
    """Compare ``a`` with ``b`` pair by pair (``a[j]`` and ``b[j]`` share seed ``j``).

    Args:
        level: confidence level of the interval, in ``(0, 1)``.
        method: ``"t"`` (Student's t on the differences) or ``"bootstrap"`` (BCa bootstrap of
            the mean, 9999 resamples from ``seed``, with the p-value of the same bootstrap).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed are {list(METHODS)}")
    d = _check_pairs(a, b)
    n = len(d)
    if n < 2:
        nan = float("nan")
        mean = float(d.mean()) if n else nan
        return Comparison(
            name, mean, -math.inf, math.inf, level, max(n - 1, 0), n, 1.0, 1.0, method
        )
    mean = float(d.mean())
    if float(d.std()) <= _SAME * max(1.0, abs(mean)):
        return _no_spread(name, mean, level, n, method)
    t = sps.ttest_1samp(d, 0.0)
    p = float(t.pvalue)
    if method == "t":
        ci = t.confidence_interval(level)
        low, high = float(ci.low), float(ci.high)
    else:
        boot = sps.bootstrap(
            (d,),
            np.mean,
            confidence_level=level,
            n_resamples=9999,
            method="BCa",
            random_state=np.random.default_rng(seed),
        )
        low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
        # the p-value of the same bootstrap: twice the smaller tail of its distribution beyond
        # zero (never below one resample), so the interval and the p-value cannot disagree
        dist = np.asarray(boot.bootstrap_distribution)
        tail = min(float((dist <= 0).mean()), float((dist >= 0).mean()))
        p = min(1.0, max(2 * tail, 1 / len(dist)))
    return Comparison(name, mean, low, high, level, n - 1, n, p, p, method)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (step-down, monotone, capped at 1), in the input order.

    Every p-value must be a number in ``[0, 1]``: anything else is a :class:`ValueError` (an
    invalid p-value must never read as significant).
    """
    try:
        p = np.asarray(p_values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"p_values must be a list of numbers in [0, 1], got {p_values!r}") from err
    if p.ndim != 1:
        raise ValueError(f"p_values must be a flat list of numbers in [0, 1], got {p_values!r}")
    bad = np.flatnonzero(~((p >= 0) & (p <= 1)))  # NaN fails both
    if len(bad):
        raise ValueError(
            f"p-values must be numbers in [0, 1]; p_values[{bad[0]}] is {float(p[bad[0]])}"
        )
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def family(
    pairs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    level: float = 0.95,
    method: str = "t",
) -> dict[str, Comparison]:
    """Holm-corrected comparisons of a family ``{name: (a, b)}`` (familywise level ``level``).

    Each interval is computed at its Holm step's level (see the module docstring), so the
    verdict read off it agrees with Holm's test.
    """
    raw = {
        name: paired(a, b, level=level, method=method, name=name) for name, (a, b) in pairs.items()
    }
    names = list(raw)
    adjusted = dict(zip(names, holm([raw[k].p for k in names])))
    levels = dict(zip(names, holm_levels([raw[k].p for k in names], level)))
    out = {}
    for name in names:
        a, b = pairs[name]
        redo = paired(a, b, level=levels[name], method=method, name=name)
        out[name] = replace(redo, p_holm=adjusted[name])
    return out


def holm_levels(p_values: Sequence[float], level: float = 0.95) -> list[float]:
    """The confidence level of each test's interval at its step of Holm's procedure
    (familywise level ``level``), in the input order.

    The test with the ``k``-th smallest p-value (``k`` from 0) gets ``1 - (1 - level) / (m -
    k)``; once a step fails, every later test keeps that step's level. So an interval at its
    level excludes the null exactly when Holm rejects: these are *Holm-step* intervals, each
    valid at its own level, not simultaneous intervals.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    holm(p_values)  # validates the p-values
    raw = [float(x) for x in p_values]
    m, alpha = len(raw), 1 - level
    order = sorted(range(m), key=lambda i: raw[i])
    levels = [0.0] * m
    failed_at: int | None = None
    for rank, i in enumerate(order):
        if failed_at is None and raw[i] > alpha / (m - rank):
            failed_at = rank
        step = rank if failed_at is None else failed_at
        levels[i] = 1 - alpha / (m - step)
    return levels


def wilson_interval(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval ``(low, high)`` of a frequency ``p`` over ``n`` trials (95 % for
    ``z = 1.96``). Unlike ``p ± z s.e.`` it stays inside ``[0, 1]``, and its lower end is above
    zero whenever ``p`` is, so it can be drawn on a log axis."""
    check_probability("p", p)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"a frequency needs at least one trial, got n={n!r}")
    check_positive("z", z)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
