"""The scoreboard page (``book/scoreboard.md``): its tables. The outcomes in them are the
catalogue's (:mod:`expand_neurons.claims`); nothing here decides one or writes a sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ...claims.plan import stops
from ...experiments.health import baseline_health
from ..scoreboard import Row, estimate_cell
from ..tables import readable

__all__ = ["outcome_table", "health_table", "plan_table"]


def outcome_table(rows: Sequence[Row], profile: str | None = None) -> Styler:
    """The claims on the paper profile (``profile=None``: the claim, the paper's value, the
    estimate with its interval, the catalogue's outcome) or on this build's ``profile`` (the
    claim's key, the estimate and the outcome)."""
    records = []
    for r in rows:
        result = r.stored if profile is None else r.live
        if profile is None:
            records.append(
                {
                    "claim": f"{r.claim.key}. {r.claim.text}",
                    "the paper": r.claim.paper,
                    "estimate [interval]": estimate_cell(result),
                    "outcome": str(result.verdict),
                }
            )
        else:
            records.append(
                {
                    "claim": r.claim.key,
                    "estimate [interval]": estimate_cell(result),
                    f"outcome ({profile})": str(result.verdict),
                }
            )
    return readable(pd.DataFrame(records).set_index("claim"))


def health_table(results: Mapping[str, Mapping[str, Any]]) -> Styler:
    """One row per experiment with stored records: its baseline records (dense, DropConnect),
    how many pass their health gate, and what fails in the others (one line each)."""
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
                "unhealthy (no verdict)": "<br>".join(dict.fromkeys(failed)),
            }
        )
    columns = ["experiment", "baselines", "healthy", "unhealthy (no verdict)"]
    return readable(pd.DataFrame(rows, columns=columns).set_index("experiment"), 0)


def plan_table(rows: Sequence[Row], stored: Mapping[str, Mapping[str, Any] | None]) -> Styler:
    """Where each claim part of the paper profile stands under its seed plan: its seeds, the
    plan's decision, and the seeds it asks for with the blocks to compute."""
    plan_stops = stops({r.claim.key: r.stored for r in rows}, stored)
    frame = pd.DataFrame(
        [
            {
                "claim": s.claim,
                "part": s.part,
                "seeds": s.seeds,
                "decision": s.decision,
                "next": f"{s.wanted} seeds: " + ", ".join(f"{n} at seed {b}" for n, b in s.blocks)
                if s.wanted > s.seeds
                else "",
            }
            for s in plan_stops
        ]
    ).set_index(["claim", "part"])
    return readable(frame, 0)
