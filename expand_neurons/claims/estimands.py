"""What a claim measures: estimands read from results, per seed where the seed is the unit.

Each estimand names every result field it reads (:meth:`sources`, so a test can check that
each resolves) and :meth:`estimate` turns results ``{experiment: result}`` into an
:class:`Estimate` or a :class:`Blocked` (why it cannot be estimated on these data):

* :class:`Contrast`: one record minus another, paired by seed (same task, same warm start);
  its baselines pass their health gate first (:mod:`~expand_neurons.experiments.health`).
* :class:`GridTrend`: the gain of FPE over dense at every healthy setting of a grid, reduced
  per seed to its *average* over the grid or its *slope* on ``log2`` of a grid field (width,
  load). Seed ``j`` at different settings is an independent draw, so the per-seed averages and
  slopes are independent across seeds: the interval is Student's t over seeds. Settings whose
  dense baseline is on the floor or at the ceiling are left out (they say nothing about a
  gain), and named.
* :class:`Interference`: how much an interference metric of FPE over dense moves during the
  training *after* the split, per seed: ``log(FPE/dense at the end) - log(FPE/dense right
  after the split)``. The masks alone change the metrics at the split (they make input columns
  more orthogonal by construction), so that change is the null, not evidence.
* :class:`GainFit`: the correlation, across settings, of the relative gain with the same
  change of interference, with a bootstrap that resamples settings (the unit of that fit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from ..experiments.analysis import setting_of
from ..experiments.health import (
    BASELINES,
    FLOOR_MARGIN,
    MAX_AT_CEILING,
    Health,
    chance_of,
    check_baseline,
)
from ..experiments.records import MEASURED, PER_SEED, Record, distinct, label, records_of, select
from .outcomes import Reason

__all__ = [
    "Extreme",
    "Nearest",
    "Source",
    "Estimate",
    "Blocked",
    "Contrast",
    "GridTrend",
    "Interference",
    "GainFit",
    "Estimand",
    "pick_record",
    "seed_values",
    "gate",
    "dense_of",
]

Results = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Extreme:
    """Of the matching records, the one with the largest (``end="max"``) or smallest
    (``"min"``) value of field ``key``; a tie is an error."""

    key: str
    end: str

    def __post_init__(self) -> None:
        if self.end not in ("max", "min"):
            raise ValueError(f"Extreme.end must be 'max' or 'min', got {self.end!r}")


@dataclass(frozen=True)
class Nearest:
    """Of the matching records, the one whose field ``key`` is nearest ``times`` times that of
    the other record of the contrast (e.g. the dense model with 1.2 times FPE's non-zeros)."""

    key: str
    times: float


@dataclass(frozen=True)
class Source:
    """Per-seed values of one record of one experiment's result.

    Attributes:
        experiment: the registered experiment (:func:`expand_neurons.experiments.get`).
        where: record fields that must match, e.g. ``{"variant": "random", "alpha": 4}``.
        field: the per-seed list field read (``"accuracies"``, 0-1).
        pick: how to choose among several matching records; ``None``: exactly one must match.
        same_setting: match, besides ``where``, the setting fields of the other record of the
            contrast (e.g. the dense model at the width an :class:`Extreme` picked).
    """

    experiment: str
    where: Mapping[str, Any]
    field: str = "accuracies"
    pick: Extreme | Nearest | None = None
    same_setting: bool = False

    def describe(self) -> str:
        """E.g. ``"boolean-pilot: variant=random; accuracies"``."""
        parts = [f"{k}={v}" for k, v in self.where.items()]
        if isinstance(self.pick, Extreme):
            parts.append(f"{'largest' if self.pick.end == 'max' else 'smallest'} {self.pick.key}")
        elif isinstance(self.pick, Nearest):
            parts.append(f"{self.pick.key} nearest {self.pick.times:g} x the other's")
        if self.same_setting:
            parts.append("at the other's setting")
        return f"{self.experiment}: {', '.join(parts)}; {self.field}"


@dataclass(frozen=True)
class Estimate:
    """An effect estimated on the data.

    Attributes:
        value: the point estimate (the mean of ``per_seed``, or the statistic of a bootstrap).
        per_seed: the per-seed values whose mean is the effect (``None`` for a bootstrap).
        resamples: the bootstrap distribution of the statistic (``None`` for per-seed values).
        n: seeds (per-seed values) or settings (a bootstrap over settings).
        unit: ``"seeds"`` or ``"settings"``.
        detail: which records it read, in words; ``left_out``: settings left out and why.
    """

    value: float
    n: int
    unit: str
    detail: str
    per_seed: tuple[float, ...] | None = None
    resamples: tuple[float, ...] | None = field(default=None, repr=False)
    left_out: tuple[str, ...] = ()

    def interval(self, level: float) -> tuple[float, float]:
        """The two-sided interval at ``level``: Student's t over seeds, or the percentile
        interval of the bootstrap."""
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level!r}")
        if self.resamples is not None:
            low, high = np.quantile(self.resamples, [(1 - level) / 2, (1 + level) / 2])
            return float(low), float(high)
        xs = np.asarray(self.per_seed, dtype=float)
        if len(xs) < 2:
            return -math.inf, math.inf
        sd = float(xs.std(ddof=1))
        half = float(sps.t.ppf((1 + level) / 2, len(xs) - 1)) * sd / math.sqrt(len(xs))
        return self.value - half, self.value + half

    @property
    def p(self) -> float:
        """Two-sided p-value of "no effect": Student's t over seeds (1 for no spread and a zero
        mean, ``2 / 2**n`` for equal non-zero values, the exact sign-flip test), or twice the
        smaller tail of the bootstrap at zero."""
        if self.resamples is not None:
            r = np.asarray(self.resamples)
            tail = min(float((r <= 0).mean()), float((r >= 0).mean()))
            return min(1.0, max(2 * tail, 1 / len(r)))
        xs = np.asarray(self.per_seed, dtype=float)
        if len(xs) < 2:
            return 1.0
        if float(xs.std()) <= 1e-12 * max(1.0, abs(self.value)):
            return 1.0 if self.value == 0 else min(1.0, 2.0 ** (1 - len(xs)))
        return float(sps.ttest_1samp(xs, 0.0).pvalue)


@dataclass(frozen=True)
class Blocked:
    """Why an estimand cannot be estimated here: ``reason`` and the details."""

    reason: Reason
    note: str


def pick_record(result: Mapping[str, Any], source: Source, other: Record | None = None) -> Record:
    """The record of ``result`` that ``source`` names (``other``: the other record of the
    contrast, for ``same_setting`` and :class:`Nearest`). ``LookupError`` saying what exists
    if none or several match."""
    where = dict(source.where)
    if source.same_setting:
        if other is None:
            raise ValueError("same_setting needs the other record of the contrast")
        where = {**setting_of(result, other), **where}
    found = select(result, **where)
    if not found:
        variants = sorted({str(r.get("variant")) for r in records_of(result)})
        raise LookupError(
            f"{source.experiment}: no record has {where} (variants: {variants}, setting "
            f"fields: {result.get('setting_keys')})"
        )
    if isinstance(source.pick, Extreme):
        key = source.pick.key
        best = (max if source.pick.end == "max" else min)(r[key] for r in found)
        found = [r for r in found if r[key] == best]
    elif isinstance(source.pick, Nearest):
        if other is None:
            raise ValueError("Nearest needs the other record of the contrast")
        target = source.pick.times * other[source.pick.key]
        gap = min(abs(r[source.pick.key] - target) for r in found)
        found = [r for r in found if abs(r[source.pick.key] - target) == gap]
    if len(found) != 1:
        raise LookupError(
            f"{len(found)} records match {source.describe()!r}; name more fields (or a pick)"
        )
    return found[0]


def seed_values(
    result: Mapping[str, Any], source: Source, other: Record | None = None
) -> tuple[list[float], Record]:
    """The per-seed values ``source`` reads from ``result``, and the record they come from."""
    record = pick_record(result, source, other)
    if not isinstance(record.get(source.field), list):
        lists = sorted(k for k, v in record.items() if isinstance(v, list))
        raise ValueError(
            f"{source.experiment}: field {source.field!r} is not a per-seed list; the record "
            f"has {lists}"
        )
    return [float(v) for v in record[source.field]], record


def gate(record: Record, field_name: str = "accuracies") -> Health:
    """The health gate of a baseline record's per-seed ``field_name`` against its chance."""
    return check_baseline(record[field_name], chance_of(record))


def _blocked(health: Health, where: str) -> Blocked:
    """The :class:`Blocked` of an unhealthy baseline, read off its gate's fields: floor,
    ceiling or collapse."""
    if health.chance is not None and health.mean < health.chance + FLOOR_MARGIN:
        reason = Reason.FLOOR
    elif health.at_ceiling > MAX_AT_CEILING:
        reason = Reason.CEILING
    else:
        reason = Reason.UNHEALTHY
    return Blocked(reason, f"{where}: {'; '.join(health.problems)}")


def _label(result: Mapping[str, Any], record: Record) -> str:
    return label(record, result.get("setting_keys", []))


@dataclass(frozen=True)
class Contrast:
    """Per seed: the record of ``a`` minus the record of ``b`` (in ``scale`` units: 100 gives
    accuracy points). A side that is a baseline (:data:`BASELINES`) must pass its gate."""

    a: Source
    b: Source
    scale: float = 100.0
    unit: str = "points"

    def sources(self) -> list[Source]:
        """Every source the estimand reads."""
        return [self.a, self.b]

    def estimate(self, results: Results) -> Estimate | Blocked:
        """The per-seed differences, or why the baseline blocks them."""
        ra_result, rb_result = results[self.a.experiment], results[self.b.experiment]
        a, ra = seed_values(ra_result, self.a)
        b, rb = seed_values(rb_result, self.b, ra)
        for result, record, source in ((ra_result, ra, self.a), (rb_result, rb, self.b)):
            if record.get("variant") in BASELINES:
                health = gate(record, source.field)
                if not health.healthy:
                    return _blocked(health, _label(result, record))
        if len(a) != len(b):
            raise ValueError(f"{self.a.describe()} and {self.b.describe()} differ in seeds")
        d = tuple(self.scale * (x - y) for x, y in zip(a, b))
        detail = f"{_label(ra_result, ra)} minus {_label(rb_result, rb)}"
        return Estimate(float(np.mean(d)), len(d), "seeds", detail, per_seed=d)


def _relative(fpe: Sequence[float], dense: Sequence[float]) -> list[float] | None:
    if min(dense) <= 0:
        return None
    return [(x - y) / y for x, y in zip(fpe, dense)]


@dataclass(frozen=True)
class GridTrend:
    """The gain of ``variant`` over dense along a grid, per seed, reduced to its ``"average"``
    over the healthy settings or its ``"slope"`` on ``log2(key)`` (per doubling of ``key``).

    Attributes:
        experiment: the swept experiment; ``where``: fields every record read must match
            (e.g. ``{"alpha": 4}``).
        key: the grid field of the slope (``"hidden"``, ``"load"``).
        relative: relative gains ``(x - dense) / dense`` (else differences), times ``scale``.
    """

    experiment: str
    key: str
    reduce: str
    variant: str = "random"
    where: Mapping[str, Any] = field(default_factory=dict)
    relative: bool = False
    scale: float = 100.0
    unit: str = "points"

    def __post_init__(self) -> None:
        if self.reduce not in ("average", "slope"):
            raise ValueError(f"reduce must be 'average' or 'slope', got {self.reduce!r}")

    def sources(self) -> list[Source]:
        """Every source the estimand reads."""
        fpe = Source(self.experiment, {"variant": self.variant, **self.where})
        return [fpe, Source(self.experiment, {"variant": "dense"}, same_setting=True)]

    def estimate(self, results: Results) -> Estimate | Blocked:
        """Per-seed averages or slopes over the healthy settings."""
        result = results[self.experiment]
        xs, rows, gone = [], [], []
        for r in select(result, variant=self.variant, **self.where):
            base = dense_of(result, r)
            health = gate(base)
            gain = (
                _relative(r["accuracies"], base["accuracies"])
                if self.relative
                else [x - y for x, y in zip(r["accuracies"], base["accuracies"])]
            )
            if not health.healthy:
                gone.append(_blocked(health, _label(result, r)))
            elif gain is None:
                gone.append(Blocked(Reason.FLOOR, f"{_label(result, r)}: a dense seed scored 0"))
            else:
                xs.append(math.log2(r[self.key]))
                rows.append([self.scale * g for g in gain])
        notes = tuple(b.note for b in gone)
        if len(set(xs)) < (1 if self.reduce == "average" else 2):
            reasons = {b.reason for b in gone}
            reason = reasons.pop() if len(reasons) == 1 else Reason.UNHEALTHY
            return Blocked(reason, f"{len(xs)} healthy settings; left out: {'; '.join(notes)}")
        gains = np.array(rows)  # (settings, seeds)
        if self.reduce == "average":
            per_seed = gains.mean(axis=0)
        else:
            x = np.array(xs) - np.mean(xs)
            per_seed = (x[:, None] * (gains - gains.mean(axis=0))).sum(axis=0) / (x**2).sum()
        d = tuple(float(v) for v in per_seed)
        detail = f"{len(xs)} settings of {self.experiment} ({self.variant} over dense)"
        return Estimate(float(np.mean(d)), len(d), "seeds", detail, per_seed=d, left_out=notes)


def dense_of(result: Mapping[str, Any], record: Record) -> Record:
    """The dense record at ``record``'s setting. A dense network that several groups of one
    setting share (one record per ``alpha``) is the same network: its records must agree."""
    found = select(result, variant="dense", **setting_of(result, record))
    if len(found) > 1 and "alpha" in record:
        found = [r for r in found if r.get("alpha") == record["alpha"]] or found
    if not found or any(r["accuracies"] != found[0]["accuracies"] for r in found):
        raise LookupError(
            f"{len(found)} different dense records at {setting_of(result, record)}; expected one"
        )
    return found[0]


def _interference_points(
    results: Results, experiments: Sequence[str], metric: str, variants: Sequence[str]
) -> tuple[list[tuple[Record, Record, str]], list[str]]:
    """Every (FPE record, its dense record, experiment) of ``variants`` over the sweeps, each
    computation once (a setting that several sweeps share counts once), and the labels of the
    points left out because their fold change is undefined on some seed (a metric of 0, e.g.
    children that share no input have a mean |cosine| of 0)."""
    if metric not in MEASURED:
        raise ValueError(f"unknown interference metric {metric!r}; allowed are {list(MEASURED)}")
    out, seen, undefined = [], [], []
    for name in experiments:
        result = results[name]
        for r in distinct(records_of(result)):
            if r["variant"] not in variants or r in seen:
                continue
            seen.append(r)
            dense = dense_of(result, r)
            if _defined(r, dense, metric):
                out.append((r, dense, name))
            else:
                undefined.append(f"{_label(result, r)}: {metric} 0 on some seed")
    return out, undefined


def _defined(fpe: Record, dense: Record, metric: str) -> bool:
    """Whether every value :func:`_shift` divides by or takes the log of is positive."""
    values = [
        np.asarray(r[PER_SEED[m]], dtype=float) for r in (fpe, dense) for m in MEASURED[metric]
    ]
    return all(bool(np.all(v > 0)) for v in values)


def _shift(fpe: Record, dense: Record, metric: str) -> np.ndarray:
    """Per seed: log(FPE/dense at the end) - log(FPE/dense right after the split)."""
    end, split = MEASURED[metric]
    f_end, f_split = np.array(fpe[PER_SEED[end]]), np.array(fpe[PER_SEED[split]])
    d_end, d_split = np.array(dense[PER_SEED[end]]), np.array(dense[PER_SEED[split]])
    return np.log(f_end / d_end) - np.log(f_split / d_split)


@dataclass(frozen=True)
class Interference:
    """Per seed, averaged over the settings and FPE ``variants`` of ``experiments``: how much
    ``metric``'s fold change FPE / dense moves after the split (log scale; 0: the masks alone).
    Sweeps with different numbers of seeds are read at the seeds they all have."""

    experiments: tuple[str, ...]
    metric: str
    variants: tuple[str, ...] = ("random", "clause")
    scale: float = 1.0
    unit: str = "log fold change"

    def sources(self) -> list[Source]:
        """Every source the estimand reads (the metric at the end; the split's is beside it)."""
        end = PER_SEED[MEASURED[self.metric][0]]
        return [
            Source(e, {"variant": v}, end)
            for e in self.experiments
            for v in (*self.variants, "dense")
        ]

    def estimate(self, results: Results) -> Estimate:
        """The per-seed mean shift over every (setting, variant) point."""
        points, undefined = _interference_points(
            results, self.experiments, self.metric, self.variants
        )
        each = [_shift(f, d, self.metric) for f, d, _ in points]
        n = min(len(x) for x in each)  # sweeps of different seeds: the seeds they all have
        shifts = np.array([x[:n] for x in each])  # (points, seeds)
        d = tuple(float(v) for v in shifts.mean(axis=0))
        cut = f", each cut to its first {n} seeds" if any(len(x) > n for x in each) else ""
        detail = f"{len(points)} (setting, variant) points{cut}"
        return Estimate(
            float(np.mean(d)), len(d), "seeds", detail, per_seed=d, left_out=tuple(undefined)
        )


@dataclass(frozen=True)
class GainFit:
    """Across (setting, variant) points: the correlation of the mean relative gain with the
    mean shift of ``metric`` after the split (:class:`Interference`), and its bootstrap that
    resamples settings with all their variants. Points whose dense baseline is on the floor
    or at the ceiling are left out."""

    experiments: tuple[str, ...]
    metric: str
    variants: tuple[str, ...] = ("random", "clause")
    n_resamples: int = 2000
    seed: int = 0
    scale: float = 1.0
    unit: str = "correlation"

    def sources(self) -> list[Source]:
        """Every source the estimand reads."""
        return Interference(self.experiments, self.metric, self.variants).sources()

    def estimate(self, results: Results) -> Estimate | Blocked:
        """The correlation and its settings bootstrap."""
        xs: list[float] = []
        ys: list[float] = []
        groups: list[tuple[str, tuple[tuple[str, Any], ...]]] = []  # (experiment, setting)
        points, left = _interference_points(results, self.experiments, self.metric, self.variants)
        for f, d, name in points:
            health = gate(d)
            gain = _relative(f["accuracies"], d["accuracies"])
            if not health.healthy or gain is None:
                left.append(_label(results[name], f))
                continue
            xs.append(float(_shift(f, d, self.metric).mean()))
            ys.append(float(np.mean(gain)))
            groups.append((name, tuple(sorted(setting_of(results[name], f).items()))))
        x, y = np.array(xs), np.array(ys)
        if len(x) < 3 or x.std() == 0 or y.std() == 0:
            return Blocked(Reason.FLAT, f"{len(x)} points; gains or shifts do not vary")
        keys = {g: i for i, g in enumerate(dict.fromkeys(groups))}  # settings, in order
        codes = np.array([keys[g] for g in groups])
        members = [np.flatnonzero(codes == i) for i in range(len(keys))]
        rng = np.random.default_rng(self.seed)
        boot = []
        for _ in range(self.n_resamples):
            idx = np.concatenate([members[i] for i in rng.integers(len(keys), size=len(keys))])
            bx, by = x[idx], y[idx]
            if bx.std() > 0 and by.std() > 0:
                boot.append(float(np.corrcoef(bx, by)[0, 1]))
        r = float(np.corrcoef(x, y)[0, 1])
        detail = f"{len(x)} points in {len(keys)} settings ({len(left)} left out)"
        return Estimate(
            r, len(keys), "settings", detail, resamples=tuple(boot), left_out=tuple(left)
        )


Estimand = Contrast | GridTrend | Interference | GainFit
