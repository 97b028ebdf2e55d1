"""The Boolean laboratory's open choices, and how a design of them becomes a config.

The paper leaves seven choices of the Boolean task and of the expansion open (:data:`FACTORS`,
each with two levels, the book's first defaults first). A *design* fixes all seven:
:func:`design_config` turns it into a :class:`~expand_neurons.experiments.config.BooleanConfig`.
The laboratory the book's Boolean chapters use is one design, chosen from its dense baseline
alone (:mod:`~expand_neurons.experiments.laboratory`); the robustness chapter runs the claims
across many (:mod:`~expand_neurons.experiments.robustness`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import BooleanConfig

__all__ = [
    "Factor",
    "FACTORS",
    "default_design",
    "design_label",
    "check_design",
    "design_config",
]


@dataclass(frozen=True)
class Factor:
    """One open choice: its ``name``, its two ``levels`` (the book's default first) and what it
    means."""

    name: str
    levels: tuple[Any, Any]
    description: str


#: The open choices, in the order of the design matrix's columns A ... G.
FACTORS: tuple[Factor, ...] = (
    Factor("outputs", ("per_clause", "dnf"), "one output per clause, or one DNF output"),
    Factor("metric", ("accuracy", "exact_match"), "accuracy per label, or exact match"),
    Factor("distractors", ("none", "equal"), "no distractor inputs, or as many as clause inputs"),
    Factor("inputs", ("planted", "uniform"), "planted clauses, or uniform fair-coin inputs"),
    Factor("bias", ("split", "copy"), "children's bias split (b / alpha), or copied (b)"),
    Factor("budget", ("with_biases", "weights_only"), "biases counted in the budget, or not"),
    Factor("variables", ("disjoint", "shared"), "clauses on disjoint, or shared, variables"),
)
_FACTOR = {f.name: f for f in FACTORS}


def default_design() -> dict[str, Any]:
    """The book's defaults: every factor at its first level."""
    return {f.name: f.levels[0] for f in FACTORS}


def design_label(design: Mapping[str, Any]) -> str:
    """The choices of ``design`` that differ from the default, e.g. ``"dnf, uniform"``
    (``"default"`` for none). For display only."""
    changed = [str(design[f.name]) for f in FACTORS if design[f.name] != f.levels[0]]
    return ", ".join(changed) if changed else "default"


def check_design(design: object) -> None:
    """Raise ``ValueError`` unless ``design`` sets every factor to one of its levels."""
    if not isinstance(design, Mapping) or set(design) != set(_FACTOR):
        raise ValueError(
            f"a design must set every factor {list(_FACTOR)} to one of its levels, got {design!r}"
        )
    for name, level in design.items():
        if level not in _FACTOR[name].levels:
            raise ValueError(
                f"unknown level {level!r} of factor {name!r}; allowed are "
                f"{list(_FACTOR[name].levels)}"
            )


def design_config(base: BooleanConfig, design: Mapping[str, Any]) -> BooleanConfig:
    """``base`` with the task and expansion fields that ``design`` decides (the design's metric as
    ``accuracy``; exact match always recorded as well): the one place a design becomes a
    config. ``distractors="equal"`` gives as many distractor inputs as clause inputs at every
    grid point."""
    check_design(design)
    return base.replace(
        label_mode=design["outputs"],
        extra_vars=0,
        distractors="equal" if design["distractors"] == "equal" else "count",
        distribution=design["inputs"],
        bias=design["bias"],
        count_biases=design["budget"] == "with_biases",
        variables=design["variables"],
        exact_match=True,
        metric=design["metric"],
    )
