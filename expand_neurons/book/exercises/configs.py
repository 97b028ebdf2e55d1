"""Shared by the exercises that change an experiment and run it.

Such a checker takes the learner's function ``fn(cfg) -> cfg`` (the config of the chapter's
experiment in, the config to run out), checks that exactly the asked-for fields changed and,
with ``train=True``, runs that config through the book's store and says what to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .core import fail

__all__ = ["changed_config", "run", "first_record", "percents"]


def changed_config(
    fn: Callable[[Any], Any], experiment: str, profile: str | None, want: dict[str, Any]
) -> dict[str, Any]:
    """Call ``fn`` on ``experiment``'s config of ``profile`` (default ``"quick"``); check that
    the returned config changes exactly the fields of ``want`` to those values (given as a
    ``replace`` would take them); return the changed fields, ready as run overrides."""
    from ...experiments import get

    base = get(experiment).config(profile or "quick")
    got = fn(base)
    if type(got) is not type(base):
        fail(f"return a config ({type(base).__name__}, e.g. cfg.replace(...)), got {got!r}")
    expected = base.replace(**want)
    changed = {
        f: getattr(got, f) for f in base.field_names() if getattr(got, f) != getattr(base, f)
    }
    wrong = sorted(f for f in want if getattr(got, f) != getattr(expected, f))
    if wrong:
        fail(
            "; ".join(
                f"{f} should be {getattr(expected, f)!r}, got {getattr(got, f)!r}" for f in wrong
            )
        )
    extra = sorted(set(changed) - set(want))
    if extra:
        fail(f"change only {sorted(want)}; you also changed {extra}: keep them as in cfg")
    return changed


def run(experiment: str, profile: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """Run ``experiment`` at ``profile`` (default ``"quick"``) with ``overrides``, through the
    book's store."""
    from .. import runs

    return runs.run(experiment, profile or "quick", **overrides)


def first_record(result: dict[str, Any], variant: str) -> dict[str, Any]:
    """The first of ``result``'s records of ``variant`` (a sweep holds one per setting; the
    exercises that use this run a single setting, or want its first)."""
    return next(r for r in result["records"] if r["variant"] == variant)


def percents(values: Sequence[float]) -> str:
    """Accuracies (0-1) as ``"81.2, 79.0 %"``."""
    return ", ".join(f"{100 * v:.1f}" for v in values) + " %"
