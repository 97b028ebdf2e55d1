"""Paper-profile results in the chapters: read from the committed store, labelled as stored.

The quick profile runs live at every build; the paper profile (the paper's scale, hours of CPU)
is read from the result store committed in ``results/paper/`` (made by
``python -m expand_neurons run NAME --profile paper --store results/paper``). A chapter calls
:func:`paper_result` and shows :func:`provenance_note` beside the numbers, so a reader always sees
that they were computed earlier, by which command and commit, and which cells are not computed
yet. Nothing here computes anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..experiments import get
from ..experiments.store import PAPER_STORE

__all__ = ["paper_result", "provenance_note", "summary_table", "is_complete", "has_cells"]


def paper_result(name: str, store: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The paper-profile result of experiment ``name`` as far as the store holds it.

    See :meth:`expand_neurons.experiments.Experiment.stored`: ``records`` of the stored cells,
    ``missing`` (labels of cells not computed yet), ``provenance`` (one per stored cell).
    """
    return get(name).stored(Path(store) if store is not None else PAPER_STORE, "paper")


def has_cells(result: Mapping[str, Any]) -> bool:
    """Whether any cell of a stored result is there."""
    return bool(result["cells"]["stored"])


def is_complete(result: Mapping[str, Any]) -> bool:
    """Whether every cell of a stored result is there."""
    return not result["missing"]


def _commits(result: Mapping[str, Any]) -> list[str]:
    commits = [str(p.get("commit") or "unknown") for p in result["provenance"]]
    return sorted({c[:10] + ("+dirty" if c.endswith("+dirty") else "") for c in commits})


def provenance_note(result: Mapping[str, Any]) -> str:
    """One paragraph: where a stored result comes from, or that it is not computed yet.

    Example: "Paper profile, read from the result store (results/paper): 9 of 9 cells, computed
    on cpu at commit 1a2b3c4d5e on 2026-12-01 by ``python -m expand_neurons run ...``, 1.3 CPU
    hours in all."
    """
    total, stored = result["cells"]["total"], result["cells"]["stored"]
    where = f"the committed result store (`{Path(result['store']).name}`)"
    if not stored:
        return (
            f"Paper profile: not computed yet (none of its {total} cells is in {where}). "
            f"Compute it with `python -m expand_neurons run {result['experiment']} --profile "
            "paper --store results/paper`."
        )
    prov = result["provenance"]
    devices = ", ".join(sorted({str(p.get("device")) for p in prov}))
    dates = sorted(str(p.get("date", ""))[:10] for p in prov)
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    commands = sorted({str(p.get("command", "")) for p in prov})
    cpu_h = sum(float(p.get("cpu_s", 0.0)) for p in prov) / 3600
    text = (
        f"Paper profile, read from {where}, not computed during this build: {stored} of "
        f"{total} cells, computed on {devices} at commit {', '.join(_commits(result))} on "
        f"{span} by `{commands[0]}`"
        + (f" (and {len(commands) - 1} other commands)" if len(commands) > 1 else "")
        + f", {cpu_h:.1f} CPU hours in all."
    )
    if result["missing"]:
        shown = ", ".join(result["missing"][:6]) + (", ..." if len(result["missing"]) > 6 else "")
        text += f" Not computed yet: {len(result['missing'])} cells ({shown})."
    return text


def summary_table(result: Mapping[str, Any]) -> Any:
    """A readable ``pandas.DataFrame`` of a result: one row per setting and variant, with the
    setting's fields, ``accuracy (%)`` (mean over seeds), ``± std``, ``gain (%)`` over dense
    and ``seeds``. Empty (with those columns) when no cell is stored."""
    import pandas as pd  # the book's dependency

    keys = list(result.get("setting_keys", []))
    columns = [*keys, "variant", "accuracy (%)", "± std", "gain (%)", "seeds"]
    rows = [
        {
            **{k: r[k] for k in keys},
            "variant": r["variant"],
            "accuracy (%)": round(100 * r["accuracy"], 1),
            "± std": round(100 * r["accuracy_std"], 1),
            "gain (%)": round(100 * r["relative_gain"], 1) if "relative_gain" in r else None,
            "seeds": len(r["accuracies"]),
        }
        for r in result["records"]
    ]
    return pd.DataFrame(rows, columns=columns)
