"""How much the Boolean verdicts depend on the paper's open choices: the claims across designs.

The paper leaves seven choices of the Boolean laboratory open (:data:`FACTORS`, each with the
book's default level first and one alternative). A *design* fixes all seven. The experiment
``boolean-robustness`` trains, for every design of a design matrix (one cell per design), the
settings the claims need (:data:`CLAIM_SETTINGS`: the pilot and four variations of it), and
:func:`design_verdicts` reads the claims (:data:`CLAIMS`) off each design:

* ``ordering``: clause-aligned > random > dense at the pilot (both paired differences);
* ``recovery``: random recovers most (more than half) of the clause-aligned gain at the pilot,
  i.e. random - (dense + clause) / 2 > 0 per seed;
* ``alpha``: random at alpha = 4 beats random at alpha = 2 (the pilot's dense network);
* ``clauses``: the random split's gain over dense is larger at 16 clauses than at 4;
* ``neurons``: the random split's gain over dense is larger at 8 neurons than at 32;
* ``fold_change``: the gain against the fold change of feature capacity (FPE / dense) over the
  design's settings fits a rising least-squares line with ``R^2 >=`` :data:`STRONG_R2` (a
  strong falling line contradicts it).

Gains here are absolute (FPE minus dense, in the design's metric), not relative as in the
paper's plots: with exact match the dense baseline can be exactly zero (at 16 clauses in the
quick profile), where a relative gain is undefined.

The first five are paired differences over seeds, Holm-corrected together per design
(:func:`expand_neurons.stats.family`): a claim *holds* when its interval lies above zero, is
*contradicted* when it lies below, and is *not shown* otherwise. The sixth has no interval: it is
a threshold on ``R^2``, the one the load chapter uses for "strong". :func:`claim_fractions` gives
per claim the fraction of designs in which it holds, with a Clopper-Pearson interval
(:func:`holds_fraction`).

Two design matrices are provided: :func:`fractional_factorial` (16 designs, a 2^(7-3)
resolution-IV fraction with generators E = ABC, F = BCD, G = ACD: every choice at each level in 8
designs, main effects free of two-choice interactions; the all-default design is the first) and
:func:`one_at_a_time` (the default and the seven designs that change one choice). The registered
experiment uses the first; pass ``grid={"design": one_at_a_time()}`` for the second.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from scipy import stats as sps

from ..metrics import fit_line, fold_change
from ..schedule import Run
from ..stats import Comparison, family
from .boolean import PAPER_SCALE, boolean_runs
from .config import BooleanConfig, RunEnv
from .designs import (
    FACTORS,
    Factor,
    check_design,
    default_design,
    design_config,
    design_label,
)
from .laboratory import candidate_designs
from .records import Record, records_of, select
from .registry import Experiment, register
from .runner import SettingRuns

__all__ = [
    "Factor",
    "FACTORS",
    "CLAIMS",
    "CLAIM_SETTINGS",
    "STRONG_R2",
    "HOLDS",
    "NOT_SHOWN",
    "CONTRADICTED",
    "default_design",
    "design_label",
    "fractional_factorial",
    "one_at_a_time",
    "RobustnessConfig",
    "setting_config",
    "design_config",
    "robustness_setting",
    "DesignVerdicts",
    "design_verdicts",
    "all_verdicts",
    "ClaimFraction",
    "holds_fraction",
    "claim_fractions",
    "holds_by_level",
    "closest_to",
]


#: The claims, in the order of the book's tables.
CLAIMS = ("ordering", "recovery", "alpha", "clauses", "neurons", "fold_change")

#: The settings of each design, as overrides of the pilot (8 clauses, 8 neurons, alpha = 2).
CLAIM_SETTINGS: dict[str, dict[str, Any]] = {
    "pilot": {"variants": ["dense", "random", "clause"]},
    "alpha4": {"alpha": 4, "variants": ["dense", "random"]},
    "clauses4": {"n_clauses": 4, "variants": ["dense", "random"]},
    "clauses16": {"n_clauses": 16, "variants": ["dense", "random"]},
    "neurons32": {"hidden": 32, "variants": ["dense", "random"]},
}

#: ``R^2`` at or above which the fold-change line counts as a strong fit (the load chapter's).
STRONG_R2 = 0.7

#: Verdicts of a claim in one design.
HOLDS, NOT_SHOWN, CONTRADICTED = "holds", "not shown", "contradicted"

#: The fields of :class:`BooleanConfig` a design sets (a :class:`RobustnessConfig` leaves them).
_DESIGNED = (
    "label_mode",
    "extra_vars",
    "distractors",
    "metric",
    "distribution",
    "bias",
    "count_biases",
    "variables",
    "exact_match",
)


def fractional_factorial() -> list[dict[str, Any]]:
    """The 16 designs of a 2^(7-3) resolution-IV fraction: the first four factors run through
    all 16 combinations (the default first), the other three follow E = ABC, F = BCD, G = ACD
    (coded -1 = default, +1 = alternative)."""
    designs = []
    for a, b, c, d in itertools.product((-1, 1), repeat=4):
        coded = (a, b, c, d, a * b * c, b * c * d, a * c * d)
        designs.append({f.name: f.levels[x > 0] for f, x in zip(FACTORS, coded)})
    return designs


def one_at_a_time() -> list[dict[str, Any]]:
    """The default design and the seven designs that each change one choice."""
    base = default_design()
    return [base] + [{**base, f.name: f.levels[1]} for f in FACTORS]


@dataclass(frozen=True)
class RobustnessConfig(BooleanConfig):
    """A :class:`BooleanConfig` of the pilot plus one ``design`` and the ``settings`` it trains.

    Attributes:
        design: the open choices (:data:`FACTORS`), ``{factor: level}``; a grid over it is a
            design matrix.
        settings: ``{name: overrides}`` of the pilot config, one group of records each (see
            :data:`CLAIM_SETTINGS`, whose names the claims read).

    The task and expansion fields a design decides (label mode, distractors, input distribution,
    bias, budget, variables; exact match is always recorded) stay at their defaults here: set
    them through ``design``.
    """

    COMPUTATION: ClassVar[str] = "robustness"

    design: Mapping[str, Any] = field(default_factory=default_design)
    settings: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in CLAIM_SETTINGS.items()}
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.grid:
            return  # BooleanConfig's check validated every grid point already
        check_design(self.design)
        fixed = BooleanConfig()
        changed = [n for n in _DESIGNED if getattr(self, n) != getattr(fixed, n)]
        if changed:
            raise ValueError(f"{changed} are set by the design's factors, not directly")
        if (
            not isinstance(self.settings, Mapping)
            or not self.settings
            or not set(self.settings) <= set(CLAIM_SETTINGS)
        ):
            raise ValueError(
                f"settings must name some of {list(CLAIM_SETTINGS)}, got {self.settings!r}"
            )
        for name in self.settings:
            setting_config(self, name)  # each must be a valid config


def setting_config(cfg: RobustnessConfig, setting: str) -> BooleanConfig:
    """The :class:`BooleanConfig` of one setting of ``cfg``'s design (exact match recorded)."""
    own = {n: getattr(cfg, n) for n in BooleanConfig.field_names() if n != "grid"}
    return design_config(BooleanConfig(**{**own, **dict(cfg.settings[setting])}), cfg.design)


def robustness_setting(cfg: RobustnessConfig, seed: int, env: RunEnv) -> SettingRuns:
    """One design: every setting of ``cfg.settings`` trained, one group of records each (their
    ``setting`` name, ``n_clauses``, ``hidden`` and ``alpha`` in the records)."""
    groups: list[tuple[dict[str, Any], Mapping[str, Sequence[Run]]]] = []
    for name in cfg.settings:
        c = setting_config(cfg, name)
        fields = {"setting": name, "n_clauses": c.n_clauses, "hidden": c.hidden, "alpha": c.alpha}
        groups.append((fields, boolean_runs(c, seed, env)))
    return SettingRuns(groups, {"k": cfg.k, "split_at": cfg.split_at})


@dataclass(frozen=True)
class DesignVerdicts:
    """The claims in one design.

    Attributes:
        design, label: the design and its :func:`design_label`.
        verdicts: ``{claim: HOLDS | NOT_SHOWN | CONTRADICTED}`` for every claim of :data:`CLAIMS`.
        comparisons: the design's Holm family (``clause_vs_random``, ``random_vs_dense``,
            ``recovery``, ``alpha``, ``clauses``, ``neurons``), in the design's metric (0-1;
            differences of gains over dense for ``clauses`` and ``neurons``).
        r2, slope: the fold-change line's fit.
        pilot: mean of the design's metric per pilot variant (0-1).
    """

    design: dict[str, Any]
    label: str
    verdicts: dict[str, str]
    comparisons: dict[str, Comparison]
    r2: float
    slope: float
    pilot: dict[str, float]

    def describe(self, claim: str) -> str:
        """What ``claim``'s verdict rests on: its intervals (in points), or the line's fit."""
        if claim not in CLAIMS:
            raise ValueError(f"unknown claim {claim!r}; allowed are {list(CLAIMS)}")
        if claim == "fold_change":
            return f"R² = {self.r2:.2f}, slope {self.slope:+.2f}"
        names = ("clause_vs_random", "random_vs_dense") if claim == "ordering" else (claim,)
        return "; ".join(f"{n}: {self.comparisons[n].describe()}" for n in names)


def _per_seed(
    records: Sequence[Record], field_name: str, setting: str, variant: str
) -> list[float]:
    found = select(records, setting=setting, variant=variant)
    if len(found) != 1:
        raise ValueError(f"{len(found)} records of {variant!r} at setting {setting!r}")
    return list(found[0][field_name])


def _gains(records: Sequence[Record], field_name: str, setting: str, variant: str) -> list[float]:
    """Per seed: ``variant`` minus dense (absolute, 0-1)."""
    fpe = _per_seed(records, field_name, setting, variant)
    dense = _per_seed(records, field_name, setting, "dense")
    return [a - b for a, b in zip(fpe, dense)]


def _verdict(c: Comparison) -> str:
    return {"better": HOLDS, "worse": CONTRADICTED}.get(c.verdict, NOT_SHOWN)


def design_verdicts(
    result: Mapping[str, Any], design: Mapping[str, Any], *, level: float = 0.95
) -> DesignVerdicts:
    """Read every claim off ``design``'s records in a ``boolean-robustness`` result."""
    records = [r for r in records_of(result) if r["design"] == dict(design)]
    if not records:
        raise ValueError(f"the result holds no records of design {dict(design)}")
    metric = "accuracies" if design["metric"] == "accuracy" else "exact_matches"

    def v(setting: str, variant: str) -> list[float]:
        return _per_seed(records, metric, setting, variant)

    dense, random, clause = v("pilot", "dense"), v("pilot", "random"), v("pilot", "clause")
    pairs = {
        "clause_vs_random": (clause, random),
        "random_vs_dense": (random, dense),
        "recovery": (random, [(a + b) / 2 for a, b in zip(dense, clause)]),
        "alpha": (v("alpha4", "random"), random),
        "clauses": (
            _gains(records, metric, "clauses16", "random"),
            _gains(records, metric, "clauses4", "random"),
        ),
        "neurons": (
            _gains(records, metric, "pilot", "random"),
            _gains(records, metric, "neurons32", "random"),
        ),
    }
    comps = family(pairs, level=level)
    xs, ys = [], []
    for r in records:
        if r["variant"] == "dense":
            continue
        base = select(records, setting=r["setting"], variant="dense")[0]
        xs.append(fold_change(r["capacity"], base["capacity"]))
        ys.append(statistics.fmean(_gains(records, metric, r["setting"], r["variant"])))
    line = fit_line(xs, ys)
    order = [comps["clause_vs_random"], comps["random_vs_dense"]]
    verdicts = {
        "ordering": CONTRADICTED
        if any(c.verdict == "worse" for c in order)
        else HOLDS
        if all(c.verdict == "better" for c in order)
        else NOT_SHOWN,
        **{k: _verdict(comps[k]) for k in ("recovery", "alpha", "clauses", "neurons")},
        "fold_change": NOT_SHOWN
        if line.r2 < STRONG_R2 or line.slope == 0
        else HOLDS
        if line.slope > 0
        else CONTRADICTED,
    }
    pilot = {name: statistics.fmean(v("pilot", name)) for name in ("dense", "random", "clause")}
    return DesignVerdicts(
        dict(design), design_label(design), verdicts, comps, line.r2, line.slope, pilot
    )


def all_verdicts(result: Mapping[str, Any], *, level: float = 0.95) -> list[DesignVerdicts]:
    """:func:`design_verdicts` of every design of the result's grid that has records, in grid
    order (a stored result may lack some)."""
    present = [r["design"] for r in records_of(result)]
    designs = result["config"]["grid"]["design"]
    return [design_verdicts(result, d, level=level) for d in designs if d in present]


@dataclass(frozen=True)
class ClaimFraction:
    """In how many of ``n`` designs a claim holds (``k``), as a ``fraction`` with its
    Clopper-Pearson interval ``low ... high`` at ``level``."""

    claim: str
    k: int
    n: int
    fraction: float
    low: float
    high: float
    level: float


def holds_fraction(k: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """``k / n`` and its exact (Clopper-Pearson) confidence interval at ``level``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
        raise ValueError(f"k must be an integer in 0..{n}, got {k!r}")
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return k / n, float(ci.low), float(ci.high)


def claim_fractions(verdicts: Sequence[DesignVerdicts], level: float = 0.95) -> list[ClaimFraction]:
    """Per claim of :data:`CLAIMS`: the fraction of ``verdicts`` (designs) in which it holds."""
    out = []
    for claim in CLAIMS:
        k = sum(v.verdicts[claim] == HOLDS for v in verdicts)
        out.append(
            ClaimFraction(claim, k, len(verdicts), *holds_fraction(k, len(verdicts), level), level)
        )
    return out


def holds_by_level(verdicts: Sequence[DesignVerdicts]) -> list[dict[str, Any]]:
    """Per factor and level: in how many of the designs at that level each claim holds.

    Rows ``{"factor", "level", "designs", claim: k, ...}``; in a balanced design matrix every
    level has the same number of designs, so the rows of one factor compare directly.
    """
    rows = []
    for f in FACTORS:
        for level in f.levels:
            at = [v for v in verdicts if v.design[f.name] == level]
            counts = {c: sum(v.verdicts[c] == HOLDS for v in at) for c in CLAIMS}
            rows.append({"factor": f.name, "level": level, "designs": len(at), **counts})
    return rows


def closest_to(
    verdicts: Sequence[DesignVerdicts], target: Mapping[str, float]
) -> list[tuple[DesignVerdicts, float]]:
    """The designs with their root-mean-square distance (0-1) from ``target`` pilot values
    (``{variant: value}``, e.g. the paper's pilot accuracies), closest first."""
    scored = [
        (v, math.sqrt(statistics.fmean((v.pilot[k] - t) ** 2 for k, t in target.items())))
        for v in verdicts
    ]
    return sorted(scored, key=lambda item: item[1])


_PROFILES = {
    "quick": {"epochs": 60, "seeds": 5, "n_train": 1024, "n_test": 1024},
    "paper": {**PAPER_SCALE},
}
_DENSE_PILOT = {"pilot": {"variants": ["dense"]}}

register(
    Experiment(
        "boolean-robustness",
        "The Boolean claims across the open choices: a 2^(7-3) fractional factorial of designs.",
        RobustnessConfig(),
        {p: {**o, "grid": {"design": fractional_factorial()}} for p, o in _PROFILES.items()},
        robustness_setting,
    )
)
register(
    Experiment(
        "boolean-laboratory",
        "The dense pilot alone in every candidate design, on tuning seeds: what chooses the "
        "Boolean laboratory (run it with --seed 9001, the tuning seed).",
        RobustnessConfig(settings=_DENSE_PILOT),
        {p: {**o, "grid": {"design": candidate_designs()}} for p, o in _PROFILES.items()},
        robustness_setting,
    )
)
