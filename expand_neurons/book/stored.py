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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..experiments import get
from ..experiments.blocks import stored_blocks
from ..experiments.store import PAPER_STORE

__all__ = [
    "paper_result",
    "provenance_note",
    "summary_table",
    "side_by_side",
    "is_complete",
    "has_cells",
]


def paper_result(
    name: str, store: str | os.PathLike[str] | None = None, seed: int = 0
) -> dict[str, Any]:
    """The paper-profile result of experiment ``name`` as far as the store holds it.

    At base seed 0 (the default) it spans every complete seed block the store holds
    (:func:`~expand_neurons.experiments.blocks.stored_blocks`: the seeds a plan asked for, so
    every page shows the same seeds as the scoreboard); at another base ``seed`` (the tuning
    experiments use :data:`~expand_neurons.experiments.tuning.TUNING_SEED`) that block alone.
    See :meth:`expand_neurons.experiments.Experiment.stored`: ``records`` of the stored cells,
    ``missing`` (labels of cells not computed yet), ``provenance`` (one per stored cell).
    """
    root = Path(store) if store is not None else PAPER_STORE
    if seed == 0:
        return stored_blocks(name, root)
    return get(name).stored(root, "paper", seed)


def has_cells(result: Mapping[str, Any]) -> bool:
    """Whether any cell of a stored result is there."""
    return bool(result["cells"]["stored"])


def is_complete(result: Mapping[str, Any]) -> bool:
    """Whether every cell of a stored result is there."""
    return not result["missing"]


def _commits(result: Mapping[str, Any]) -> list[str]:
    commits = [str(p.get("commit") or "unknown") for p in result["provenance"]]
    return sorted({c[:10] + ("+dirty" if c.endswith("+dirty") else "") for c in commits})


def provenance_note(result: Mapping[str, Any], built: str | None = None) -> str:
    """One paragraph: where a stored result comes from, or that it is not computed yet.

    Example: "Paper profile, read from the result store (results/paper): 9 of 9 cells, computed
    on cpu at commit 1a2b3c4d5e on 2026-12-01 by ``python -m expand_neurons run ...``, 1.3 CPU
    hours in all."

    Args:
        built: the profile the chapter itself ran (``resolve_profile()``); when it is the
            stored result's own profile, the note adds that this build ran it itself and that
            the stored cells are shown for comparison.
    """
    text = _note(result)
    if built is not None and built == result.get("profile"):
        text += f" This build ran the {built} profile itself (the numbers above)" + (
            "; the stored cells are shown for comparison." if has_cells(result) else "."
        )
    return text


def _note(result: Mapping[str, Any]) -> str:
    total, stored = result["cells"]["total"], result["cells"]["stored"]
    where = f"the committed result store (`{Path(result['store']).name}`)"
    if not stored:
        cells = "its one cell is not" if total == 1 else f"none of its {total} cells is"
        return (
            f"Paper profile: not computed yet ({cells} in {where}). "
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
        + (
            f", {cpu_h:.1f} CPU hours in all."
            if cpu_h >= 1
            else f", {60 * cpu_h:.0f} CPU minutes in all."
        )
    )
    if result["missing"]:
        shown = "; ".join(result["missing"][:6]) + ("; ..." if len(result["missing"]) > 6 else "")
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


def side_by_side(
    live: Mapping[str, Any],
    stored: Mapping[str, Any],
    keys: Sequence[str] | None = None,
    variants: Sequence[str] | None = None,
    how: str = "left",
) -> Any:
    """The accuracies of two results of one experiment next to each other, per setting and
    variant: typically the quick profile run by the chapter (``live``) and the paper profile
    read from the store (``stored``).

    Returns a ``pandas.DataFrame`` indexed by ``keys`` (default: the ``setting_keys`` of both
    results, ``live``'s first) and ``variant``, with two column groups named after the profiles,
    ``"<profile> (this build)"`` and ``"<profile> (stored)"``, each holding ``accuracy (%)``,
    ``± std`` and ``gain (%)`` (relative gain over dense; ``NaN`` where a result does not hold
    that setting and variant). ``how`` picks the rows as in a join: ``"left"`` (the settings of
    ``live``), ``"inner"`` (those of both), ``"outer"`` (of either) or ``"right"``.
    """
    import pandas as pd  # the book's dependency

    if how not in ("left", "right", "inner", "outer"):
        raise ValueError(f"how must be 'left', 'right', 'inner' or 'outer', got {how!r}")
    if keys is None:
        keys = list(live.get("setting_keys", []))
        keys += [k for k in stored.get("setting_keys", []) if k not in keys]
    keys = list(keys)
    stats = ["accuracy (%)", "± std", "gain (%)"]

    def table(result: Mapping[str, Any]) -> dict[tuple[Any, ...], list[float]]:
        rows = {}
        for r in result["records"]:
            if variants is not None and r["variant"] not in variants:
                continue
            gain = r.get("relative_gain")
            rows[(*(r.get(k) for k in keys), r["variant"])] = [
                100 * r["accuracy"],
                100 * r["accuracy_std"],
                100 * gain if gain is not None else float("nan"),
            ]
        return rows

    left, right = table(live), table(stored)
    chosen = {
        "left": list(left),
        "right": list(right),
        "inner": [i for i in left if i in right],
        "outer": list(left) + [i for i in right if i not in left],
    }[how]
    rank = {v: i for i, v in enumerate(dict.fromkeys(i[-1] for i in [*left, *right]))}
    chosen.sort(key=lambda i: (*(_sortable(v) for v in i[:-1]), rank[i[-1]]))
    blank = [float("nan")] * len(stats)
    names = [f"{live.get('profile', 'live')} (this build)", f"{stored.get('profile')} (stored)"]
    columns = pd.MultiIndex.from_product([names, stats])
    data = [left.get(i, blank) + right.get(i, blank) for i in chosen]
    if keys:
        index = pd.MultiIndex.from_tuples(chosen, names=[*keys, "variant"])
    else:
        index = pd.Index([i[0] for i in chosen], name="variant")
    return pd.DataFrame(data, index=index, columns=columns)


def _sortable(value: Any) -> tuple[int, Any]:
    """A sort key that orders numbers by value, puts other values after them, ``None`` last."""
    if value is None:
        return (2, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))
