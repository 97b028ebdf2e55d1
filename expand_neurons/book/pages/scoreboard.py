"""The scoreboard page (``book/scoreboard.md``): the counts its prose reads off the board."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...experiments.claims import HIGH_R2
from .. import paper
from ..scoreboard import LEVEL, Row

__all__ = ["board_facts"]


def board_facts(rows: Sequence[Row], profile: str) -> dict[str, Any]:
    """How many claims hold, do not hold or cannot be told apart in this build's ``profile``,
    how many have paper-profile results, and the constants the page quotes (glue names
    ``sb_*``)."""
    verdicts = [r.live_verdict for r in rows]
    return {
        "sb_profile": profile,
        "sb_tested": sum(v != "not tested here" for v in verdicts),
        "sb_holds": verdicts.count("holds"),
        "sb_fails": verdicts.count("does not hold"),
        "sb_unclear": verdicts.count("not distinguishable"),
        "sb_stored": sum(r.stored_verdict != "not computed yet" for r in rows if r.claim.tests),
        "sb_level": 100 * LEVEL,
        "sb_high_r2": HIGH_R2,
        "sb_ratio": paper.CLIP_MATCH["param_ratio"],
        "sb_alpha_lo": paper.ALPHA_RISE[0],
        "sb_alpha_hi": paper.ALPHA_RISE[1],
    }
