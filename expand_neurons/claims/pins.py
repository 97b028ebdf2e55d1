"""Claims as tests: the quick profile's outcome of every claim, pinned in the repository.

The book's quick-profile cells are seeded, so the catalogue's outcomes on them are fixed by the
code. :func:`outcomes` reads them (every claim on the build's store, as the scoreboard reads
it); ``tests/claims/quick_outcomes.json`` holds the pinned copy, and the test after the build's
precompute fails when one differs: a change that flips a claim fails CI instead of silently
rewriting the book. ``python scripts/pin_claims.py`` rewrites the pins (after the precompute),
for a change whose new outcomes are meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalogue import CLAIMS, experiments_of
from .evaluate import evaluate

__all__ = ["outcomes", "missing_cells"]


def missing_cells(results: Mapping[str, Mapping[str, Any] | None]) -> list[str]:
    """The experiments of the catalogue whose results are absent or incomplete."""
    return [
        name
        for name in experiments_of()
        if (result := results.get(name)) is None or result.get("missing")
    ]


def outcomes(results: Mapping[str, Mapping[str, Any] | None]) -> dict[str, str]:
    """``{claim key: verdict}`` (the verdict as the book writes it, reason included) of every
    claim of the catalogue on ``results``."""
    evaluated = evaluate(results, CLAIMS)
    return {key: str(result.verdict) for key, result in evaluated.items()}
