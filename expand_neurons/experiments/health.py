"""Health gates: a baseline must be healthy before anything is compared with it.

A comparison with a broken baseline measures the breakage, not FPE: a dense network that
collapsed on some seeds makes any working variant look like a large gain, and one at the ceiling
leaves nothing to gain. :func:`check_baseline` reads a baseline's per-seed scores (only the
baseline's: never the variant compared with it) and finds it *healthy* when

* it is off the floor: its mean lies at least :data:`FLOOR_MARGIN` above the chance level (the
  score of the best input-blind answer, where it is known);
* it is off the ceiling: at most :data:`MAX_AT_CEILING` of its seeds score :data:`CEILING` or
  more;
* no seed collapsed: none lies more than :data:`COLLAPSE_MADS` median absolute deviations
  (scaled to a normal standard deviation, and at least :data:`MIN_SPREAD`) from the median.
  Below it, that seed collapsed; above it, most seeds did (when most seeds collapse, the median
  is a collapsed one and the healthy seed is the outlier).

A comparison whose baseline is unhealthy gets no verdict: the book shows it as "baseline
unhealthy", with the reasons. The dead-unit fraction at the split and at the end, recorded with
every run (:func:`~expand_neurons.measures.dead_fraction`), is shown beside the gate: it says why a
seed collapsed.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats as sps

from .records import Record, records_of

__all__ = [
    "CEILING",
    "MAX_AT_CEILING",
    "FLOOR_MARGIN",
    "COLLAPSE_MADS",
    "MIN_SPREAD",
    "Health",
    "check_baseline",
    "BASELINES",
    "chance_of",
    "baseline_health",
]

#: The variants FPE is compared with: each must pass its gate.
BASELINES = ("dense", "dropconnect")

#: A seed at or above this score (0-1) is at the ceiling.
CEILING = 0.995
#: The largest share of seeds allowed at the ceiling.
MAX_AT_CEILING = 0.10
#: The smallest lead (0-1) of the mean over the chance level.
FLOOR_MARGIN = 0.05
#: A seed more than this many scaled MADs below the median has collapsed.
COLLAPSE_MADS = 3.0
#: The smallest spread (0-1) a MAD is taken to have: differences of a fraction of a point
#: between seeds are noise, not a collapse.
MIN_SPREAD = 0.01


@dataclass(frozen=True)
class Health:
    """A baseline's gate.

    Attributes:
        healthy: whether it passes every check.
        problems: what failed, in words (empty when healthy).
        mean: mean score (0-1); chance: the floor it was held against (``None``: not known).
        at_ceiling: share of seeds at :data:`CEILING` or above.
        outliers: indexes of the seeds more than :data:`COLLAPSE_MADS` MADs from the median.
    """

    healthy: bool
    problems: tuple[str, ...]
    mean: float
    chance: float | None
    at_ceiling: float
    outliers: tuple[int, ...]


def check_baseline(per_seed: Sequence[float], chance: float | None = None) -> Health:
    """The health gate of a baseline's per-seed scores (0-1), held against ``chance`` (0-1).

    Raises ``ValueError`` for fewer than two seeds or scores outside ``[0, 1]``.
    """
    xs = [float(x) for x in per_seed]
    if len(xs) < 2 or not all(0 <= x <= 1 for x in xs):
        raise ValueError(f"a health gate needs two or more scores in [0, 1], got {xs!r}")
    if chance is not None and not 0 <= chance <= 1:
        raise ValueError(f"chance must be a score in [0, 1], got {chance!r}")
    mean, median = statistics.fmean(xs), statistics.median(xs)
    spread = max(float(sps.median_abs_deviation(xs, scale="normal")), MIN_SPREAD)
    outliers = tuple(j for j, x in enumerate(xs) if abs(x - median) > COLLAPSE_MADS * spread)
    at_ceiling = sum(x >= CEILING for x in xs) / len(xs)
    problems = []
    if chance is not None and mean < chance + FLOOR_MARGIN:
        problems.append(
            f"on the floor: mean {mean:.1%} is less than {FLOOR_MARGIN:.0%} above chance "
            f"({chance:.1%})"
        )
    if at_ceiling > MAX_AT_CEILING:
        problems.append(
            f"at the ceiling: {at_ceiling:.0%} of seeds score {CEILING:.1%} or more (at most "
            f"{MAX_AT_CEILING:.0%} allowed)"
        )
    if outliers:
        scores = ", ".join(f"{xs[j]:.1%}" for j in outliers)
        problems.append(
            f"collapsed seeds: {scores} lie more than {COLLAPSE_MADS:g} MADs from the median "
            f"{median:.1%} (below it: those seeds collapsed; above it: most others did)"
        )
    return Health(not problems, tuple(problems), mean, chance, at_ceiling, outliers)


def chance_of(record: Record) -> float | None:
    """A record's chance level (0-1): its ``chance`` (Boolean tasks: the best input-blind
    answer), else one over its ``classes`` (classes of about equal size), else ``None``."""
    if "chance" in record:
        return float(record["chance"])
    if "classes" in record:
        return 1 / int(record["classes"])
    return None


def baseline_health(result: Mapping[str, Any]) -> list[tuple[Record, Health]]:
    """The gate of every baseline record (:data:`BASELINES`) of a result, in record order, each
    held against its :func:`chance_of`. A baseline shared by several groups of one setting (a
    dense network with one record per ``alpha``) is checked once per record."""
    out = []
    for r in records_of(result):
        if r["variant"] in BASELINES and len(r["accuracies"]) >= 2:
            out.append((r, check_baseline(r["accuracies"], chance_of(r))))
    return out
