"""Reading results: fold changes against gains, paired differences, kept fractions.

Every helper reads a result's records (:mod:`~expand_neurons.experiments.records`) and finds a
record's baseline by its setting fields (``setting_keys``), never by a key string.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics import LineFit, fit_line, fold_change
from .records import Record, records_of, select

__all__ = [
    "setting_of",
    "fold_change_points",
    "fold_change_fit",
    "paired_difference",
    "kept_fraction",
    "PERFECT_ACCURACY",
    "is_perfect",
    "verdict",
]


def setting_of(result: Mapping[str, Any], record: Record) -> dict[str, Any]:
    """The fields of ``record`` that name its setting (the result's ``setting_keys``)."""
    return {k: record[k] for k in result.get("setting_keys", [])}


def fold_change_points(
    results: Sequence[Mapping[str, Any]],
    metric: str = "capacity",
    variants: Sequence[str] = ("random", "clause"),
) -> list[dict[str, Any]]:
    """Per setting and FPE variant: ``x`` = metric(FPE) / metric(dense), ``y`` = relative gain.

    Each result must include the ``dense`` variant at every setting. The points carry the
    record's fields (accuracies per seed left out), ``experiment``, ``dense_accuracy``, ``x``
    and ``y``.
    """
    points = []
    for result in results:
        name = result.get("experiment", "result")
        for r in records_of(result):
            if r["variant"] not in variants:
                continue
            setting = setting_of(result, r)
            base = select(result, variant="dense", **setting)
            if len(base) != 1:
                raise ValueError(f"{name}: no dense variant at setting {setting}")
            points.append(
                {
                    **{k: v for k, v in r.items() if k != "accuracies"},
                    "experiment": name,
                    "x": fold_change(r[metric], base[0][metric]),
                    "y": r["relative_gain"],
                    "dense_accuracy": base[0]["accuracy"],
                }
            )
    return points


def fold_change_fit(points: Sequence[Mapping[str, Any]]) -> LineFit:
    """Least-squares line of relative gain (``y``) on fold change (``x``)."""
    return fit_line([p["x"] for p in points], [p["y"] for p in points])


def _ratio_of_exact(mean: float) -> float:
    """``mean / 0``: infinite with the sign of ``mean``, undefined for a zero mean."""
    return float("nan") if mean == 0 else math.copysign(float("inf"), mean)


def paired_difference(
    result: Mapping[str, Any], a: str, b: str, **setting: Any
) -> dict[str, float]:
    """Accuracy of variant ``a`` minus variant ``b`` at one setting, paired by seed (same
    tasks, same warm start).

    Args:
        setting: the setting's fields, e.g. ``hidden=8, alpha=4`` (none for a result without
            a grid).

    Returns:
        ``mean``, ``se`` (standard error of the mean difference), ``n`` and ``t`` = mean/se
        (``inf`` when all differences are equal and non-zero, ``nan`` when all are zero).
    """
    ra, rb = select(result, variant=a, **setting), select(result, variant=b, **setting)
    if len(ra) != 1 or len(rb) != 1:
        raise ValueError(
            f"variants {a!r} and {b!r} must both be in the result once at {setting}; found "
            f"{len(ra)} and {len(rb)} records"
        )
    diffs = [x - y for x, y in zip(ra[0]["accuracies"], rb[0]["accuracies"])]
    n = len(diffs)
    mean = statistics.fmean(diffs)
    se = statistics.stdev(diffs) / math.sqrt(n) if n > 1 else float("nan")
    t = mean / se if se != 0 else _ratio_of_exact(mean)
    return {"mean": mean, "se": se, "n": n, "t": t}


def kept_fraction(result: Mapping[str, Any], blocks: int) -> list[dict[str, Any]]:
    """Per setting: ``gain(grouped, blocks) / gain(random)`` of the mean relative gains.

    Returns one dict per setting where both variants were trained and the random split gains
    something (``> 0``: there is a gain to keep): the setting's fields and ``kept``.
    """
    out = []
    for r in select(result, variant="random"):
        setting = setting_of(result, r)
        grouped = select(result, blocks=blocks, **setting)
        if len(grouped) != 1 or r["relative_gain"] <= 0:
            continue
        out.append({**setting, "kept": grouped[0]["relative_gain"] / r["relative_gain"]})
    return out


#: Accuracies at or above this print as 100.0 % at one decimal: the book calls them perfect.
PERFECT_ACCURACY = 0.9995


def is_perfect(accuracy: float) -> bool:
    """Whether ``accuracy`` (0-1) counts as perfect (see :data:`PERFECT_ACCURACY`)."""
    return accuracy >= PERFECT_ACCURACY


def verdict(diff: Mapping[str, float], threshold: float = 2.0) -> str:
    """``"better"``, ``"worse"`` or ``"not distinguishable"`` for a :func:`paired_difference`.

    The rule the book has used so far: ``|t| > threshold`` (2 by default). It ignores the
    degrees of freedom and the number of comparisons; confidence intervals will replace it.
    """
    if diff["t"] > threshold:
        return "better"
    if diff["t"] < -threshold:
        return "worse"
    return "not distinguishable"
