"""Numbers into prose, and checks that the prose still holds.

:func:`put` glues a value for a ``{glue:text}`` role in a chapter. The sentences around it are
written in the chapter's Markdown; where a sentence says something the data decide, a visible
check sits next to it and fails the build (and a learner's run) when the data disagree:

* :func:`expect_outcome` for a claim of the catalogue, e.g.
  ``expect_outcome("4", Outcome.INCONCLUSIVE)`` next to "claim 4 is inconclusive";
* :func:`expect` for any other statement, e.g. ``expect(dense < random, "random beats dense")``.

The text must then be rewritten, never the check.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from IPython.core.formatters import format_display_data
from IPython.display import display

from ..claims.evaluate import ClaimResult, evaluate
from ..claims.outcomes import Outcome, Reason
from ..experiments import resolve_profile

__all__ = [
    "GLUE_PREFIX",
    "put",
    "put_all",
    "expect",
    "expect_outcome",
    "paper_outcomes",
    "ClaimMismatch",
]


class ClaimMismatch(AssertionError):
    """A sentence of a chapter says what the data no longer say."""


#: The MIME prefix under which myst-nb finds a value glued without being displayed.
GLUE_PREFIX = "application/papermill.record/"


def put(name: str, value: Any) -> None:
    """Glue ``value`` under ``name`` without displaying it (numpy and torch scalars become
    plain Python numbers, so ``{glue:text}`name:.1f``` formats them).

    Writes the output that ``myst_nb.glue(name, value, display=False)`` writes
    (``tests/test_glue.py`` checks that it does) without importing myst-nb's glue module,
    whose import (nbformat, jsonschema) costs every chapter's kernel 3 s."""
    bundle, metadata = format_display_data(value.item() if hasattr(value, "item") else value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def put_all(values: Mapping[str, Any]) -> None:
    """Glue every ``name: value`` of ``values`` (:func:`put`)."""
    for name, value in values.items():
        put(name, value)


def expect(holds: bool, sentence: str) -> None:
    """Raise :class:`ClaimMismatch` unless ``holds``: the chapter's ``sentence`` no longer
    matches the data."""
    if not holds:
        raise ClaimMismatch(f"the chapter says {sentence!r}, but the data no longer do")


@functools.cache
def paper_outcomes() -> dict[str, ClaimResult]:
    """Every claim of the catalogue on the committed paper-profile store (one Holm family),
    as the scoreboard has them; computed once per kernel."""
    from .scoreboard import stored_results  # plotly only when a chapter checks a claim

    return evaluate(stored_results())


def expect_outcome(
    claim: str,
    outcome: Outcome,
    *,
    reason: Reason | None = None,
    profile: str = "paper",
    live: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> None:
    """Check that ``claim`` (a catalogue key such as ``"4"``) has ``outcome`` (and, if given,
    the inconclusive ``reason``) on ``profile``: the committed store for ``"paper"``, else the
    ``live`` results of this run (:func:`.claim_notes.live_results`).

    Prints one line saying what was checked. A live check whose profile is not the one this
    kernel runs (a learner who chose another profile), or that has no results to read, is
    reported as not checked instead of failing. Raises :class:`ClaimMismatch` otherwise.
    """
    if profile == "paper":
        result = paper_outcomes()[claim]
    elif profile != resolve_profile() or live is None:
        print(f"(claim {claim} on the {profile} profile: not checked in this run)")
        return
    else:
        result = evaluate(live)[claim]
    verdict = result.verdict
    if verdict.outcome is not outcome or (reason is not None and verdict.reason is not reason):
        said = f"{outcome}" + (f" ({reason})" if reason is not None else "")
        raise ClaimMismatch(
            f"the chapter says claim {claim} is {said!r} on the {profile} profile, but the "
            f"data give {verdict}; rewrite the sentence, not the check"
        )
    print(f"✓ claim {claim}, {profile} profile: {verdict}")
