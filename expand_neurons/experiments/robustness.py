"""The Boolean claims across the paper's open choices: the designs and their experiment.

The paper leaves seven choices of the Boolean laboratory open (:data:`FACTORS`, each with the
book's default level first and one alternative). A *design* fixes all seven. The experiment
``boolean-robustness`` trains, for every design of a design matrix (one cell per design), the
settings the claims need (:data:`CLAIM_SETTINGS`: the pilot and four variations of it). What
each choice does to each claim is read by a main-effects model over the designs
(:mod:`expand_neurons.claims.main_effects`), not by counting designs in which a claim "holds".

Two design matrices are provided: :func:`fractional_factorial` (16 designs, a 2^(7-3)
resolution-IV fraction with generators E = ABC, F = BCD, G = ACD: every choice at each level in 8
designs, main effects free of two-choice interactions; the all-default design is the first) and
:func:`one_at_a_time` (the default and the seven designs that change one choice). The registered
experiment uses the first; pass ``grid={"design": one_at_a_time()}`` for the second.
:func:`design_pilots` and :func:`closest_to` rank the designs by how close their dense, random
and clause-aligned pilot come to the paper's.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..schedule import Run
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
from .records import records_of, select
from .registry import Experiment, register
from .runner import SettingRuns

__all__ = [
    "Factor",
    "FACTORS",
    "CLAIM_SETTINGS",
    "default_design",
    "design_label",
    "fractional_factorial",
    "one_at_a_time",
    "RobustnessConfig",
    "setting_config",
    "design_config",
    "robustness_setting",
    "DesignPilot",
    "design_pilots",
    "closest_to",
]


#: The settings of each design, as overrides of the pilot (8 clauses, 8 neurons, alpha = 2).
CLAIM_SETTINGS: dict[str, dict[str, Any]] = {
    "pilot": {"variants": ["dense", "random", "clause"]},
    "alpha4": {"alpha": 4, "variants": ["dense", "random"]},
    "clauses4": {"n_clauses": 4, "variants": ["dense", "random"]},
    "clauses16": {"n_clauses": 16, "variants": ["dense", "random"]},
    "neurons32": {"hidden": 32, "variants": ["dense", "random"]},
}

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
class DesignPilot:
    """A design's pilot: its ``label`` and the mean of its metric per pilot variant (0-1)."""

    design: dict[str, Any]
    label: str
    pilot: dict[str, float]


def design_pilots(result: Mapping[str, Any]) -> list[DesignPilot]:
    """The pilot of every design of the result's grid that has records, in grid order, each in
    the design's own metric."""
    records = records_of(result)
    out = []
    for design in result["config"]["grid"]["design"]:
        at = select(records, setting="pilot", design=dict(design))
        if not at:
            continue
        field_name = "accuracies" if design["metric"] == "accuracy" else "exact_matches"
        pilot = {r["variant"]: statistics.fmean(r[field_name]) for r in at}
        out.append(DesignPilot(dict(design), design_label(design), pilot))
    return out


def closest_to(
    pilots: Sequence[DesignPilot], target: Mapping[str, float]
) -> list[tuple[DesignPilot, float]]:
    """The designs with their root-mean-square distance (0-1) from ``target`` pilot values
    (``{variant: value}``, e.g. the paper's pilot accuracies), closest first."""
    scored = [
        (v, math.sqrt(statistics.fmean((v.pilot[k] - t) ** 2 for k, t in target.items())))
        for v in pilots
    ]
    return sorted(scored, key=lambda item: item[1])


_PROFILES = {
    "quick": {"epochs": 60, "seeds": 3, "n_train": 1024, "n_test": 1024},
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
