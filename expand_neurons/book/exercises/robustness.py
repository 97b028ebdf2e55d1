"""Checkers of the robustness chapter's exercises: one design of your own, and the
one-at-a-time design matrix."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from .configs import run
from .core import exercise, fail

__all__ = ["check_robustness_design", "check_one_at_a_time"]


def _grid_only(fn: Callable[[Any], Any], profile: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """Call ``fn`` on the chapter's config; check that it changed only the grid, to a grid of
    designs; return the config and its designs."""
    from ...experiments import get

    base = get("boolean-robustness").config(profile or "quick")
    cfg = fn(base)
    if type(cfg) is not type(base):
        fail(f"return a config ({type(base).__name__}, e.g. cfg.replace(grid=...)), got {cfg!r}")
    extra = sorted(
        f for f in base.field_names() if f != "grid" and getattr(cfg, f) != getattr(base, f)
    )
    if extra:
        fail(f"change only the grid; you also changed {extra}: keep them as in cfg")
    if set(cfg.grid) != {"design"}:
        fail(f"the grid must hold designs only, grid={{'design': [...]}}; got keys {set(cfg.grid)}")
    return cfg, list(cfg.grid["design"])


def _effects(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per design label, per claim: the mean effect over seeds, in points."""
    from ...claims import main_effects as me
    from ...experiments import robustness as rb

    out: dict[str, dict[str, float]] = {}
    for claim in me.CLAIMS:
        rows = me.claim_values(result, claim)
        for label in dict.fromkeys(rb.design_label(r["design"]) for r in rows):
            values = [r["value"] for r in rows if rb.design_label(r["design"]) == label]
            out.setdefault(label, {})[claim] = 100 * statistics.fmean(values)
    return out


@exercise(
    hint=(
        "return cfg.replace(grid={'design': [{**rb.default_design(), 'inputs': 'uniform'}]}): "
        "one design, the default with one open choice changed."
    )
)
def check_robustness_design(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-robustness`` config with a grid of exactly one design
    that changes at least one open choice from the default, nothing else changed; with
    ``train``, run it (through the book's store) and report its claims' verdicts."""
    from ...experiments import robustness as rb

    cfg, designs = _grid_only(fn, profile)
    if len(designs) != 1:
        fail(f"set the grid to one design: grid={{'design': [design]}}; got {len(designs)}")
    design = designs[0]
    changed = [f.name for f in rb.FACTORS if design[f.name] != f.levels[0]]
    if not changed:
        fail("that is the default design: change at least one open choice to its alternative")
    label = rb.design_label(design)
    if not train:
        return (
            f"Correct: that config runs one design, {label!r} (changed: {', '.join(changed)}); "
            "train=True runs it."
        )
    result = run("boolean-robustness", profile, {"grid": cfg.grid})
    effects = "; ".join(f"{claim} {v:+.1f}" for claim, v in _effects(result)[label].items())
    return (
        f"Correct: you ran the design {label!r}. Its six effects, in points of its own metric "
        f"(means over seeds): {effects}. Compare them with the default design's row of the "
        f"chapter's table, and with the main effect of {', '.join(changed)}: does your design "
        "move each effect the way the main effect says?"
    )


@exercise(hint="return cfg.replace(grid={'design': rb.one_at_a_time()}): only the grid changed.")
def check_one_at_a_time(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-robustness`` config with the one-at-a-time design matrix
    (the default design and the seven designs that each change one choice) as its grid, nothing
    else changed; with ``train``, run it (through the book's store) and report, per claim, the
    change from the default that moves the claim's effect most."""
    from ...experiments import robustness as rb

    cfg, designs = _grid_only(fn, profile)
    want = rb.one_at_a_time()
    if sorted(map(rb.design_label, designs)) == sorted(
        map(rb.design_label, rb.fractional_factorial())
    ):
        fail("that is the chapter's fractional factorial: use rb.one_at_a_time()")
    if rb.default_design() not in designs:
        fail(
            "keep the default design in the grid: each one-at-a-time change is measured against it"
        )
    missing = [rb.design_label(d) for d in want if d not in designs]
    extra = [rb.design_label(d) for d in designs if d not in want]
    if missing or extra:
        fail(
            "the grid must hold the default and the seven designs that each change one choice "
            f"(rb.one_at_a_time()); missing {missing}, not one-at-a-time {extra}"
        )
    if not train:
        return (
            f"Correct: that config runs the {len(want)} one-at-a-time designs (train=True runs "
            "them)."
        )
    effects = _effects(run("boolean-robustness", profile, {"grid": cfg.grid}))
    base = effects[rb.design_label(rb.default_design())]
    moves = []
    for claim, at_default in base.items():
        shifts = {
            f.name: effects[rb.design_label({**rb.default_design(), f.name: f.levels[1]})][claim]
            - at_default
            for f in rb.FACTORS
        }
        top = max(shifts, key=lambda name: abs(shifts[name]))
        moves.append(f"{claim}: {top} ({shifts[top]:+.1f} points)")
    return (
        "Correct: you ran the one-at-a-time designs. The change that moves each claim's effect "
        f"most from the default design: {'; '.join(moves)}. Compare with the main effects of the "
        "chapter's fractional factorial: a choice that matters there and not here acts through "
        "an interaction with another choice."
    )
