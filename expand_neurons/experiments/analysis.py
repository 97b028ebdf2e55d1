"""Reading sweep results: flat rows, fold changes against gains, and paired differences.

A sweep result (from :func:`expand_neurons.experiments.boolean.boolean_sweep` via
``Experiment.run``) holds ``config`` (the base configuration), ``settings`` (the grid points) and
``variants`` (``"key=value,.../variant"`` or ``"variant"`` -> entry with the setting's keys, the
variant name, ``accuracy``, ``accuracies`` per seed, ``capacity``, ``cosine``,
``relative_gain``...). These helpers return plain lists and dicts (no pandas needed).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from ..metrics import LineFit, fit_line, fold_change

__all__ = ["SETTING_KEYS", "rows", "fold_change_points", "fold_change_fit", "paired_difference"]

#: Configuration keys copied into every row (so rows of different sweeps can be pooled).
SETTING_KEYS = ("n_clauses", "hidden", "alpha", "k", "split_at", "seeds", "epochs")


def _setting_of(entry: dict[str, Any], grid_keys: Iterable[str]) -> tuple:
    return tuple((k, entry[k]) for k in grid_keys)


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat dict per (grid point, variant): config keys, the entry, ``load`` and names.

    ``load`` is the polysemantic load, clauses per dense hidden neuron (``n_clauses / hidden``).
    """
    cfg = result.get("config", {})
    out = []
    for key, entry in result["variants"].items():
        row = {k: cfg[k] for k in SETTING_KEYS if k in cfg}
        row.update({k: v for k, v in entry.items() if k != "accuracies"})
        row["experiment"] = result.get("experiment", "")
        row["key"] = key
        if "n_clauses" in row and "hidden" in row:
            row["load"] = row["n_clauses"] / row["hidden"]
        out.append(row)
    return out


def fold_change_points(
    results: Sequence[dict[str, Any]],
    metric: str = "capacity",
    variants: Sequence[str] = ("random", "clause"),
) -> list[dict[str, Any]]:
    """Per grid point and FPE variant: ``x`` = metric(FPE) / metric(dense), ``y`` = gain.

    Each result must include the ``dense`` variant at every grid point. The returned dicts also
    carry the row's setting, ``variant``, ``experiment`` and the dense and FPE accuracies.
    """
    points = []
    for result in results:
        grid_keys = [k for k in (result.get("settings") or [{}])[0]]
        all_rows = rows(result)
        dense = {_setting_of(r, grid_keys): r for r in all_rows if r["variant"] == "dense"}
        for r in all_rows:
            if r["variant"] not in variants:
                continue
            base = dense.get(_setting_of(r, grid_keys))
            if base is None:
                raise ValueError(
                    f"{result.get('experiment', 'result')}: no dense variant for {r['key']!r}"
                )
            points.append(
                {
                    **{k: r[k] for k in (*SETTING_KEYS, "load") if k in r},
                    "experiment": r["experiment"],
                    "variant": r["variant"],
                    "x": fold_change(r[metric], base[metric]),
                    "y": r["relative_gain"],
                    "dense_accuracy": base["accuracy"],
                    "accuracy": r["accuracy"],
                }
            )
    return points


def fold_change_fit(points: Sequence[dict[str, Any]]) -> LineFit:
    """Least-squares line of relative gain (``y``) on fold change (``x``)."""
    return fit_line([p["x"] for p in points], [p["y"] for p in points])


def _ratio_of_exact(mean: float) -> float:
    """``mean / 0``: infinite with the sign of ``mean``, undefined for a zero mean."""
    return float("nan") if mean == 0 else math.copysign(float("inf"), mean)


def paired_difference(result: dict[str, Any], a: str, b: str) -> dict[str, float]:
    """Accuracy of variant ``a`` minus variant ``b``, paired by seed (same tasks, same warm start).

    Returns ``mean``, ``se`` (standard error of the mean difference), ``n`` and ``t`` = mean/se
    (``inf`` when all differences are equal and non-zero, ``nan`` when all are zero). Works on a
    result without a grid (keys ``"a"`` and ``"b"``).
    """
    va, vb = result["variants"].get(a), result["variants"].get(b)
    if va is None or vb is None:
        raise ValueError(f"variants {a!r} and {b!r} must both be in {sorted(result['variants'])}")
    diffs = [x - y for x, y in zip(va["accuracies"], vb["accuracies"])]
    n = len(diffs)
    mean = statistics.fmean(diffs)
    se = statistics.stdev(diffs) / math.sqrt(n) if n > 1 else float("nan")
    t = mean / se if se != 0 else _ratio_of_exact(mean)
    return {"mean": mean, "se": se, "n": n, "t": t}
