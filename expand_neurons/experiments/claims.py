"""Claims as data: which result fields test a claim, and verdicts read off intervals.

A :class:`Claim` is tested by one or more *tests*, each naming every result field it reads
(:meth:`sources`), so that a test suite can check that each one resolves:

* :class:`Difference`: the per-seed values of one record (:class:`Source` ``a``) minus those of
  another (``b``), paired by seed index, with a t-interval on the mean difference
  (:func:`expand_neurons.stats.paired`). Two records of one setting share their tasks and warm
  starts; records of different settings (say the largest and the smallest load) are
  independent draws, and the paired interval is then still valid, only not sharpened.
* :class:`FoldChange`: the log fold change, FPE over dense, of an interference metric, one point
  per (setting, FPE variant) pooled over sweeps (:func:`~.analysis.fold_change_points`), with a
  one-sample t-interval over the points (the unit is a setting, not a seed: records keep the
  metrics as means over seeds).
* :class:`FitR2`: the R² of the least-squares line of relative gain on that fold change
  (:func:`~.analysis.fold_change_fit`), with a percentile bootstrap interval over the points
  (``scipy.stats.bootstrap``, pairs resampled together).

:func:`evaluate` runs a family of tests on results ``{experiment: result}``. The differences and
fold changes are Holm-corrected together (:func:`expand_neurons.stats.family`) and each R²
interval is Bonferroni-corrected; the familywise error ``1 - level`` is split between the two
groups in proportion to their sizes, so the whole family keeps ``level``. Each test's verdict
is read off its interval only: it *holds* when the interval lies on the side the claim
predicts, it *does not hold* when the interval lies on the other side, and otherwise the
data cannot tell (*not distinguishable*). A test whose result is missing or incomplete is *not
computed yet*; :func:`combine` joins the verdicts of one claim's tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from ..stats import Comparison, family
from .analysis import fold_change_fit, fold_change_points, setting_of
from .health import BASELINES, chance_of, check_baseline
from .records import Record, label, select

__all__ = [
    "Extreme",
    "Nearest",
    "Source",
    "Difference",
    "FoldChange",
    "FitR2",
    "Test",
    "Claim",
    "Outcome",
    "OUTCOMES",
    "HIGH_R2",
    "pick_record",
    "seed_values",
    "evaluate",
    "combine",
]

#: The verdict words of a test or a claim, in the order a table explains them.
OUTCOMES = (
    "holds",
    "does not hold",
    "not distinguishable",
    "baseline unhealthy",
    "not computed yet",
    "not tested here",
)

#: What "a high R²" is taken to mean: the book calls a linear relation with R² of at least 0.7
#: strong (the paper gives no value).
HIGH_R2 = 0.7


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
    the other record of the difference (e.g. the dense model with 1.2 times FPE's non-zeros)."""

    key: str
    times: float


@dataclass(frozen=True)
class Source:
    """Per-seed values of one record of one experiment's result.

    Attributes:
        experiment: the registered experiment (:func:`expand_neurons.experiments.get`).
        where: record fields that must match, e.g. ``{"variant": "random", "alpha": 4}``.
        field: the per-seed list field read (``"accuracies"``, 0-1).
        pick: how to choose among several matching records (:class:`Extreme`,
            :class:`Nearest`); ``None``: exactly one record must match.
        same_setting: match, besides ``where``, the setting fields of the other record of the
            difference (e.g. the dense model at the width an :class:`Extreme` picked).
        relative_to: read per-seed relative gains ``(x - base) / base`` over the record at the
            same setting whose fields are these (e.g. ``{"variant": "dense"}``).
    """

    experiment: str
    where: Mapping[str, Any]
    field: str = "accuracies"
    pick: Extreme | Nearest | None = None
    same_setting: bool = False
    relative_to: Mapping[str, Any] | None = None

    def describe(self) -> str:
        """E.g. ``"boolean-load: variant=random, largest load; accuracies"``."""
        return f"{self.experiment}: {self.selection()}"

    def selection(self) -> str:
        """The record selection and field, without the experiment."""
        parts = [f"{k}={v}" for k, v in self.where.items()]
        if isinstance(self.pick, Extreme):
            parts.append(f"{'largest' if self.pick.end == 'max' else 'smallest'} {self.pick.key}")
        elif isinstance(self.pick, Nearest):
            parts.append(f"{self.pick.key} nearest {self.pick.times:g} x the other's")
        if self.same_setting:
            parts.append("at the other's setting")
        text = f"{', '.join(parts)}; {self.field}"
        if self.relative_to:
            base = ", ".join(f"{k}={v}" for k, v in self.relative_to.items())
            text += f", relative to {base} at the same setting"
        return text


@dataclass(frozen=True)
class Difference:
    """Per-seed ``a - b``; ``direction`` is the sign the claim predicts (+1: ``a`` larger).

    ``scale`` and ``unit`` only format the numbers (100, " points": accuracy points)."""

    name: str
    a: Source
    b: Source
    direction: int
    scale: float = 100.0
    unit: str = " points"

    def sources(self) -> list[Source]:
        """Every source the test reads."""
        return [self.a, self.b]


@dataclass(frozen=True)
class FoldChange:
    """The fold change FPE / dense of ``metric`` (a record field: ``"capacity"``,
    ``"cosine"``) over every setting of ``experiments`` and FPE variant of ``variants``;
    ``direction`` is the sign the claim predicts for its logarithm (+1: FPE raises it)."""

    name: str
    experiments: tuple[str, ...]
    metric: str
    direction: int
    variants: tuple[str, ...] = ("random", "clause")

    def sources(self) -> list[Source]:
        """Every source the test reads: the metric of each variant and of dense."""
        return [
            Source(e, {"variant": v}, self.metric)
            for e in self.experiments
            for v in (*self.variants, "dense")
        ]


@dataclass(frozen=True)
class FitR2:
    """The R² of relative gain on the fold change of ``metric`` (pooled as in
    :class:`FoldChange`); the claim is that it exceeds ``threshold``."""

    name: str
    experiments: tuple[str, ...]
    metric: str
    variants: tuple[str, ...] = ("random", "clause")
    threshold: float = HIGH_R2

    def sources(self) -> list[Source]:
        """Every source the test reads: the metric and relative gain of each variant, the
        metric of dense."""
        out = []
        for e in self.experiments:
            for v in self.variants:
                out += [
                    Source(e, {"variant": v}, self.metric),
                    Source(e, {"variant": v}, "relative_gain"),
                ]
            out.append(Source(e, {"variant": "dense"}, self.metric))
        return out


Test = Difference | FoldChange | FitR2


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: what it says, what the paper reports, how it is tested.

    Attributes:
        key: a short name for tables (``"1"``, ``"α"``).
        text: the claim in a sentence.
        paper: what the paper reports (a number or a direction), quoted from the paper's
            numbers (:mod:`expand_neurons.book.paper`).
        tests: the tests; none if ``not_tested`` says why.
        sections: MyST labels of the book's sections that show the evidence.
        not_tested: why the claim is not tested here (``None`` when it is).
    """

    key: str
    text: str
    paper: str
    tests: tuple[Test, ...]
    sections: tuple[str, ...]
    not_tested: str | None = None

    def __post_init__(self) -> None:
        if not self.sections:
            raise ValueError(f"claim {self.key!r} names no section that shows it")
        if bool(self.tests) == (self.not_tested is not None):
            raise ValueError(
                f"claim {self.key!r} needs either tests or a reason it is not tested, not both"
            )


@dataclass(frozen=True)
class Outcome:
    """A test's result: ``verdict`` (one of :data:`OUTCOMES`), the estimate and its interval
    (in the test's own units: a difference, a log fold change, an R²), at ``level``, and
    ``text``, the numbers formatted for a table; ``detail`` names the records read;
    ``comparison`` is the paired comparison behind a difference or a fold change (with its
    p-values), ``None`` for an R² or a test not computed."""

    name: str
    verdict: str
    text: str
    estimate: float = math.nan
    low: float = math.nan
    high: float = math.nan
    level: float = math.nan
    n: int = 0
    detail: str = ""
    comparison: Comparison | None = field(default=None, compare=False)


def _experiments(test: Test) -> list[str]:
    return list(dict.fromkeys(s.experiment for s in test.sources()))


def pick_record(result: Mapping[str, Any], source: Source, other: Record | None = None) -> Record:
    """The record of ``result`` that ``source`` names (``other``: the other record of the
    difference, for ``same_setting`` and :class:`Nearest`). ``LookupError`` saying what
    exists if none or several match."""
    where = dict(source.where)
    if source.same_setting:
        if other is None:
            raise ValueError("same_setting needs the other record of the difference")
        where = {**setting_of(result, other), **where}
    found = select(result, **where)
    if not found:
        variants = sorted({str(r.get("variant")) for r in result["records"]})
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
            raise ValueError("Nearest needs the other record of the difference")
        target = source.pick.times * other[source.pick.key]
        gap = min(abs(r[source.pick.key] - target) for r in found)
        found = [r for r in found if abs(r[source.pick.key] - target) == gap]
    if len(found) != 1:
        raise LookupError(
            f"{source.experiment}: {len(found)} records match {source.describe()!r}; "
            "name more fields (or a pick) to choose one"
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
    xs = [float(v) for v in record[source.field]]
    if source.relative_to:
        base_src = Source(source.experiment, source.relative_to, source.field, same_setting=True)
        base = [float(v) for v in pick_record(result, base_src, record)[source.field]]
        if len(base) != len(xs) or min(base) <= 0:
            raise ValueError(f"{source.experiment}: no positive per-seed baseline for {xs}")
        xs = [(x - b) / b for x, b in zip(xs, base)]
    return xs, record


def _label(result: Mapping[str, Any], record: Record) -> str:
    return label(record, result.get("setting_keys", []))


def _missing(test: Test, results: Mapping[str, Mapping[str, Any] | None]) -> str | None:
    """Why ``test`` cannot be evaluated on ``results`` (``None``: it can)."""
    why = []
    for name in _experiments(test):
        r = results.get(name)
        if r is None:
            why.append(f"no result of {name}")
        elif r.get("missing"):
            cells = r["cells"]
            why.append(f"{name} {cells['stored']}/{cells['total']} cells")
    return ", ".join(why) or None


def _points(test: FoldChange | FitR2, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    return fold_change_points(
        [results[e] for e in test.experiments], test.metric, list(test.variants)
    )


def _r2(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """R² of the least-squares line of ``y`` on ``x`` (the squared correlation), along ``axis``."""
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    sxy = (xc * yc).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sxy**2 / ((xc**2).sum(axis=axis) * (yc**2).sum(axis=axis))


def _directed(c: Comparison, direction: int) -> str:
    if c.verdict == "not distinguishable":
        return "not distinguishable"
    agrees = (c.verdict == "better") == (direction > 0)
    return "holds" if agrees else "does not hold"


def _ci(level: float) -> str:
    return f"{100 * level:.3g} % CI"


def evaluate(
    tests: Sequence[Test],
    results: Mapping[str, Mapping[str, Any] | None],
    *,
    level: float = 0.95,
    seed: int = 0,
    n_resamples: int = 2000,
) -> dict[str, Outcome]:
    """Evaluate a family of tests on ``results`` (``{experiment: result}``; a result may be a
    stored one with ``missing`` cells, or ``None``). Returns ``{test name: Outcome}`` in order.

    Args:
        level: the familywise confidence level of the whole family (see the module docstring).
        seed, n_resamples: of the bootstrap of each R².
    """
    names = [t.name for t in tests]
    if len(set(names)) != len(names):
        raise ValueError(f"test names must be unique in a family, got {names}")
    out: dict[str, Outcome] = {}
    ready = []
    for t in tests:
        why = _missing(t, results)
        if why is None:
            ready.append(t)
        else:
            out[t.name] = Outcome(t.name, "not computed yet", f"not computed yet: {why}")
    found = {name: r for name, r in results.items() if r is not None}
    alpha = 1 - level
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    details: dict[str, str] = {}
    for t in list(ready):
        why = _unhealthy(t, found)
        if why is not None:
            ready.remove(t)
            out[t.name] = Outcome(t.name, "baseline unhealthy", f"baseline unhealthy: {why}")
    n_fit = sum(isinstance(t, FitR2) for t in ready)
    m = len(ready)
    for t in ready:
        if isinstance(t, Difference):
            r = found[t.a.experiment]
            a, ra = seed_values(r, t.a)
            rb_result = found[t.b.experiment]
            b, rb = seed_values(rb_result, t.b, ra)
            pairs[t.name] = (a, b)
            details[t.name] = f"{_label(r, ra)} minus {_label(rb_result, rb)}"
        elif isinstance(t, FoldChange):
            pts = _points(t, found)
            pairs[t.name] = ([math.log(p["x"]) for p in pts], [0.0] * len(pts))
            details[t.name] = f"{len(pts)} (setting, variant) points"
    comparisons = family(pairs, level=1 - alpha * (m - n_fit) / m) if pairs else {}
    for t in ready:
        if isinstance(t, FitR2):
            out[t.name] = _fit_outcome(t, found, 1 - alpha / m, seed, n_resamples)
            continue
        c = comparisons[t.name]
        verdict = _directed(c, t.direction)
        if isinstance(t, Difference):
            s, u = t.scale, t.unit
            text = (
                f"{s * c.mean:+.1f}{u} ({_ci(c.level)} {s * c.low:+.1f} to {s * c.high:+.1f}, "
                f"{c.df} d.f.)"
            )
        else:
            text = (
                f"×{math.exp(c.mean):.3g} ({_ci(c.level)} ×{math.exp(c.low):.3g} to "
                f"×{math.exp(c.high):.3g}, {c.n} points)"
            )
        out[t.name] = Outcome(
            t.name, verdict, text, c.mean, c.low, c.high, c.level, c.n, details[t.name], c
        )
    return {n: out[n] for n in names}


def _unhealthy(test: Test, results: Mapping[str, Any]) -> str | None:
    """Why a baseline that ``test`` compares with fails its health gate
    (:func:`~expand_neurons.experiments.health.check_baseline`), or ``None``: a difference
    whose side is a baseline variant, or a relative gain over one. Pooled tests (fold changes,
    R²) are not gated here."""
    if not isinstance(test, Difference):
        return None
    other: Record | None = None
    for source in (test.a, test.b):
        result = results[source.experiment]
        record = pick_record(result, source, other)
        other = other or record
        bases = []
        if record.get("variant") in BASELINES:
            bases.append(record)
        if source.relative_to:
            base_src = Source(
                source.experiment, source.relative_to, source.field, same_setting=True
            )
            bases.append(pick_record(result, base_src, record))
        for base in bases:
            health = check_baseline(base[source.field], chance_of(base))
            if not health.healthy:
                return f"{_label(result, base)}: {'; '.join(health.problems)}"
            if source.relative_to and min(base[source.field]) <= 0:
                return f"{_label(result, base)}: a seed scored zero (no relative gain)"
    return None


def _fit_outcome(
    t: FitR2, results: Mapping[str, Any], level: float, seed: int, n_resamples: int
) -> Outcome:
    pts = _points(t, results)
    fit = fold_change_fit(pts)
    x = np.array([p["x"] for p in pts])
    y = np.array([p["y"] for p in pts])
    boot = sps.bootstrap(
        (x, y),
        _r2,
        paired=True,
        vectorized=True,
        confidence_level=level,
        method="percentile",
        n_resamples=n_resamples,
        random_state=np.random.default_rng(seed),
    )
    low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    if low > t.threshold:
        verdict = "holds"
    elif high < t.threshold:
        verdict = "does not hold"
    else:
        verdict = "not distinguishable"
    text = f"R² = {fit.r2:.2f} ({_ci(level)} {low:.2f} to {high:.2f}, {fit.n} points)"
    detail = f"{fit.n} (setting, variant) points, slope {fit.slope:.3f}"
    return Outcome(t.name, verdict, text, fit.r2, low, high, level, fit.n, detail)


def combine(verdicts: Sequence[str]) -> str:
    """A claim's verdict from its tests': ``"does not hold"`` if any test does not hold, else
    ``"not computed yet"`` if any is missing, else ``"baseline unhealthy"`` if any compares
    with an unhealthy baseline, ``"holds"`` if all hold, else ``"not distinguishable"``;
    ``"not tested here"`` without tests."""
    if not verdicts:
        return "not tested here"
    unknown = sorted(set(verdicts) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown verdicts {unknown}; allowed are {list(OUTCOMES)}")
    if "does not hold" in verdicts:
        return "does not hold"
    if "not computed yet" in verdicts:
        return "not computed yet"
    if "baseline unhealthy" in verdicts:
        return "baseline unhealthy"
    if all(v == "holds" for v in verdicts):
        return "holds"
    return "not distinguishable"
