"""The seed plan: how many seeds a claim gets, decided by a plan and not by peeking.

A claim is tested on per-seed paired differences ``a - b`` (same task, same warmed-up network,
one seed each). Seeds cost compute, and no single number of them suits every claim: a clear
effect is settled by a few, a small one needs many. Adding seeds until the interval happens to
exclude zero ("peeking") would make the error rate of the test much larger than its nominal
level. A *group-sequential* plan resolves this. It fixes in advance the cumulative seed counts
at which the data are looked at (the *looks*, e.g. 10, 20, 30) and widens the interval at each
look so that, over all looks together, the chance of a false "effect shown" stays at ``alpha``
(two-sided).

The widening follows O'Brien and Fleming (1979). At look ``k`` with ``n_k`` of at most ``n_K``
seeds, the critical value is ``c_k = C * sqrt(n_K / n_k)``, and the constant ``C`` is found
exactly (numerical integration, not a table) so that a test statistic that evolves like a
random walk under "no effect" crosses some ``c_k`` with probability ``alpha``. This spends
almost none of ``alpha`` at early looks: they stop only for an overwhelming effect, and the
last look is nearly the fixed-sample test (``c_K`` of 2.00 rather than 1.96 for three looks).
:meth:`SeedPlan.bounds` gives these ``c_k``, for any spacing of the looks.

At each look, :func:`look` reads a *repeated confidence interval* (Jennison and Turnbull) of
the mean difference: mean ± t * sd / sqrt(n), where t is Student's quantile with the same tail
probability as ``c_k`` (so three or five seeds are not treated as if sd were known). These
intervals cover the true mean at every look at once, so the interval at whichever look the
plan stops is valid whatever made it stop. In the direction the claim predicts, the plan stops

* with the effect shown when the whole interval lies above zero;
* for futility when the whole interval lies below the claim's smallest effect of interest (an
  effect that large is excluded; an interval wholly below zero is also a futility stop);
* at the seed cap, its last look, otherwise; before the cap it continues to the next look.

Futility stops never declare an effect, so they only lower the error rate below ``alpha``.

The plans (:data:`BOOLEAN_PLAN`, :data:`REAL_PLAN`) are constants in this module, fixed before
any result is read, and the store computes only the seeds the plan asks for
(:func:`next_seeds`): a claim's seed count is the outcome of its plan, not a choice made after
seeing its intervals.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import optimize, special
from scipy import stats as sps

from ..checks import check_int, check_positive

__all__ = [
    "SeedPlan",
    "Look",
    "look",
    "next_seeds",
    "describe",
    "BOOLEAN_PLAN",
    "REAL_PLAN",
    "CONTINUE",
    "SUCCESS",
    "FUTILITY",
    "CAP",
]

CONTINUE = "continue"
SUCCESS = "stop: effect shown"
FUTILITY = "stop: effect smaller than the smallest of interest"
CAP = "stop: seed cap reached"


@dataclass(frozen=True)
class SeedPlan:
    """A group-sequential plan: looks at fixed cumulative seed counts, O'Brien–Fleming bounds.

    Attributes:
        looks: cumulative numbers of seeds at each look, strictly increasing, the first >= 3.
        alpha: two-sided familywise error of the success test over all looks, in (0, 1).
    """

    looks: tuple[int, ...]
    alpha: float = 0.05

    def __post_init__(self) -> None:
        looks = tuple(self.looks)
        if not looks:
            raise ValueError("looks must name at least one seed count, got none")
        looks = (check_int("looks[0]", looks[0], minimum=3),) + tuple(
            check_int(f"looks[{i}]", n, minimum=1) for i, n in enumerate(looks[1:], 1)
        )
        if any(b <= a for a, b in zip(looks, looks[1:])):
            raise ValueError(f"looks must be strictly increasing seed counts, got {looks}")
        alpha = self.alpha
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
            raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")
        object.__setattr__(self, "looks", looks)
        object.__setattr__(self, "alpha", float(alpha))

    @property
    def cap(self) -> int:
        """The most seeds the plan ever asks for (its last look)."""
        return self.looks[-1]

    def bounds(self) -> tuple[float, ...]:
        """The two-sided O'Brien–Fleming critical z values, one per look (cached)."""
        return _obrien_fleming(self.looks, self.alpha)

    def levels(self) -> tuple[float, ...]:
        """The nominal two-sided level of each look's interval, ``1 - 2 (1 - Φ(c_k))``."""
        return tuple(1 - 2 * float(sps.norm.sf(c)) for c in self.bounds())


#: Boolean tasks (cheap runs): looks at 10, 20 and 30 seeds.
BOOLEAN_PLAN = SeedPlan((10, 20, 30))
#: Real-data tasks (expensive runs): looks at 5, 10, 15 and 20 seeds.
REAL_PLAN = SeedPlan((5, 10, 15, 20))


@cache
def _obrien_fleming(looks: tuple[int, ...], alpha: float) -> tuple[float, ...]:
    """The bounds ``C * sqrt(n_K / n_k)`` whose crossing probability under H0 is ``alpha``."""
    times = np.asarray(looks, dtype=float) / looks[-1]
    steps = np.diff(times, prepend=0.0)
    low = float(sps.norm.isf(alpha / 2)) - 0.5  # the last look alone crosses more than alpha
    high = float(sps.norm.isf(alpha / (2 * len(looks)))) + 0.5  # Bonferroni: crosses less
    # Gauss–Legendre nodes on [-1, 1], dense enough to resolve the narrowest Gaussian step
    size = int(np.clip(math.ceil(12 * high / math.sqrt(steps.min())), 64, 2000))
    nodes, weights = special.roots_legendre(size)
    constant = optimize.brentq(
        lambda c: _crossing(c, steps, nodes, weights) - alpha, low, high, xtol=1e-10, rtol=1e-12
    )
    return tuple(float(constant / math.sqrt(t)) for t in times)


def _crossing(constant: float, steps: np.ndarray, nodes: np.ndarray, weights: np.ndarray) -> float:
    """P(|W(t_k)| >= constant at some look) for a standard Brownian motion W.

    With ``Z_k = W(t_k) / sqrt(t_k)`` and ``t_k = n_k / n_K`` (so ``corr(Z_i, Z_j) =
    sqrt(n_i / n_j)``), the O'Brien–Fleming bound ``|Z_k| >= C / sqrt(t_k)`` is ``|W(t_k)| >= C``
    at every look. The sub-density of W on ``(-C, C)`` (no crossing yet) is carried from look
    to look by convolving with the Gaussian increment ``steps[k]``, on the Gauss–Legendre
    ``nodes`` and ``weights`` of ``[-1, 1]`` scaled to ``[-C, C]``.
    """
    points, weights = nodes * constant, weights * constant
    density = np.exp(-(points**2) / (2 * steps[0])) / math.sqrt(2 * math.pi * steps[0])
    gaps = (points[:, None] - points[None, :]) ** 2
    for step in steps[1:]:
        kernel = np.exp(-gaps / (2 * step)) / math.sqrt(2 * math.pi * step)
        density = kernel @ (weights * density)
    return float(1 - weights @ density)


@dataclass(frozen=True)
class Look:
    """What the plan says at one look.

    Attributes:
        n: seeds used (the look's cumulative count; later differences are ignored).
        index: which look, from 0.
        low, high: repeated confidence interval of the mean per-seed difference ``a - b``, in
            the differences' units and orientation (not multiplied by the direction).
        level: the interval's nominal two-sided confidence level.
        decision: :data:`CONTINUE`, :data:`SUCCESS`, :data:`FUTILITY` or :data:`CAP`.
    """

    n: int
    index: int
    low: float
    high: float
    level: float
    decision: str


def look(
    differences: Sequence[float] | np.ndarray, plan: SeedPlan, *, direction: int, smallest: float
) -> Look:
    """The plan's decision on per-seed differences ``a - b``, in the order seeds were computed.

    Uses the last look whose seed count the data reach, and exactly that many differences.
    ``direction`` (+1 or -1) is the sign the claim predicts; ``smallest`` (> 0, in the units of
    the differences) is the smallest effect of interest in that direction. In the predicted
    direction an interval wholly above zero is :data:`SUCCESS` (checked first), one wholly
    below ``smallest`` is :data:`FUTILITY`; otherwise :data:`CAP` at the last look, else
    :data:`CONTINUE`. Raises :class:`ValueError` for fewer differences than the first look.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    smallest = check_positive("smallest", smallest)
    values = np.asarray(differences, dtype=float)
    if values.ndim != 1 or not np.isfinite(values).all():
        raise ValueError("differences must be a flat sequence of finite numbers")
    if len(values) < plan.looks[0]:
        raise ValueError(
            f"the plan's first look needs {plan.looks[0]} differences, got {len(values)}"
        )
    index = max(k for k, n in enumerate(plan.looks) if n <= len(values))
    n = plan.looks[index]
    values = values[:n]
    quantile, level = _t_quantile(plan, index)
    half = quantile * float(values.std(ddof=1)) / math.sqrt(n)
    mean = float(values.mean())
    low, high = mean - half, mean + half
    ahead_low, ahead_high = sorted((direction * low, direction * high))
    if ahead_low > 0:
        decision = SUCCESS
    elif ahead_high < smallest:
        decision = FUTILITY
    elif index == len(plan.looks) - 1:
        decision = CAP
    else:
        decision = CONTINUE
    return Look(n=n, index=index, low=low, high=high, level=level, decision=decision)


@cache
def _t_quantile(plan: SeedPlan, index: int) -> tuple[float, float]:
    """Student's t quantile (``n_k - 1`` d.f.) with the tail of look ``index``'s z bound, and
    the look's nominal two-sided level."""
    tail = float(sps.norm.sf(plan.bounds()[index]))
    return float(sps.t.isf(tail, plan.looks[index] - 1)), 1 - 2 * tail


def next_seeds(
    differences: Sequence[float] | np.ndarray, plan: SeedPlan, *, direction: int, smallest: float
) -> int:
    """How many seeds (in total) the plan asks for, given the differences computed so far.

    The first look's count while there are fewer differences than it; the current look's count
    once the plan stops; otherwise the next look's count. Arguments as for :func:`look`.
    """
    if len(differences) < plan.looks[0]:
        return plan.looks[0]
    current = look(differences, plan, direction=direction, smallest=smallest)
    if current.decision == CONTINUE:
        return plan.looks[current.index + 1]
    return current.n


def describe(plan: SeedPlan) -> str:
    """One line for the book, e.g. ``"looks at 10, 20, 30 seeds; O'Brien–Fleming bounds
    z = 3.47, 2.45, 2.00 (two-sided α = 0.05)"``."""
    looks = ", ".join(str(n) for n in plan.looks)
    bounds = ", ".join(f"{c:.2f}" for c in plan.bounds())
    return (
        f"looks at {looks} seeds; O'Brien–Fleming bounds z = {bounds} "
        f"(two-sided α = {plan.alpha:g})"
    )
