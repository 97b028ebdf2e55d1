"""The scoreboard page (``book/scoreboard.md``): the counts its prose reads off the board."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ...claims.outcomes import HIGH_R2, Outcome
from ...claims.plan import stops
from ...claims.sequential import BOOLEAN_PLAN, REAL_PLAN, describe
from ...experiments.health import baseline_health
from .. import paper
from ..scoreboard import LEVEL, Row
from ..tables import readable

__all__ = ["board_facts", "health_rows", "health_table", "plan_table", "plans"]


def board_facts(rows: Sequence[Row], profile: str) -> dict[str, Any]:
    """How many claims each outcome has on the paper profile and in this build's ``profile``,
    and the constants the page quotes (glue names ``sb_*``)."""
    stored = [r.stored.outcome for r in rows]
    live = [r.live.outcome for r in rows]
    tested = [r for r in rows if r.claim.parts]
    return {
        "sb_profile": profile,
        "sb_tested": len(tested),
        "sb_stored": sum(r.stored.outcome is not Outcome.NOT_COMPUTED for r in tested),
        **{f"sb_paper_{o.name.lower()}": stored.count(o) for o in Outcome},
        **{f"sb_live_{o.name.lower()}": live.count(o) for o in Outcome},
        "sb_level": 100 * LEVEL,
        "sb_high_r2": HIGH_R2,
        "sb_ratio": paper.CLIP_MATCH["param_ratio"],
        "sb_alpha_lo": paper.ALPHA_RISE[0],
        "sb_alpha_hi": paper.ALPHA_RISE[1],
    }


def health_rows(results: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per experiment with stored records: its baseline records (dense, DropConnect),
    how many pass their health gate, and what fails in the others (with the setting)."""
    rows = []
    for name, result in results.items():
        gates = baseline_health(result)
        if not gates:
            continue
        keys = [k for k in result.get("setting_keys", []) if k != "alpha"]
        failed = []
        for record, health in gates:
            if not health.healthy:
                where = ", ".join(f"{k} = {record[k]}" for k in keys if k in record)
                what = "; ".join(health.problems)
                failed.append(f"{record['variant']}{f' at {where}' if where else ''}: {what}")
        rows.append(
            {
                "experiment": name,
                "baselines": len(gates),
                "healthy": sum(h.healthy for _, h in gates),
                "unhealthy (no verdict)": " | ".join(dict.fromkeys(failed)),
            }
        )
    return pd.DataFrame(rows)


def health_table(results: Mapping[str, Mapping[str, Any]]) -> Styler:
    """:func:`health_rows` as a table."""
    return readable(health_rows(results), 0)


def plan_table(rows: Sequence[Row], stored: Mapping[str, Mapping[str, Any] | None]) -> Styler:
    """Where each claim part of the paper profile stands under its seed plan: its seeds, the
    plan's decision and the seeds it asks for, with the blocks to compute."""
    plan_stops = stops({r.claim.key: r.stored for r in rows}, stored)
    frame = pd.DataFrame(
        [
            {
                "claim": s.claim,
                "part": s.part,
                "seeds": s.seeds,
                "decision": s.decision,
                "seeds asked for": s.wanted if s.wanted > s.seeds else "",
                "blocks to compute": ", ".join(f"{n} at seed {b}" for n, b in s.blocks),
            }
            for s in plan_stops
        ]
    ).set_index(["claim", "part"])
    return readable(frame, 0)


def plans() -> dict[str, str]:
    """The two seed plans in words, for the page (glue names ``sb_plan_*``)."""
    return {"sb_plan_boolean": describe(BOOLEAN_PLAN), "sb_plan_real": describe(REAL_PLAN)}
