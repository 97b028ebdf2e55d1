"""Reading results: fold changes against gains, paired differences, kept fractions.

Every helper reads a result's records (:mod:`~expand_neurons.experiments.records`) and finds a
record's baseline by its setting fields (``setting_keys``), never by a key string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics import LineFit, fit_line, fold_change
from ..stats import Comparison, family
from .records import Record, identity, records_of, select

__all__ = [
    "setting_of",
    "fold_change_points",
    "fold_change_fit",
    "paired_values",
    "compare",
    "kept_fraction",
    "PERFECT_ACCURACY",
    "is_perfect",
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
    and ``y``. A setting that several results share (the pilot is a point of every sweep) gives
    one point, from the first result that has it; a record without a relative gain (its dense
    baseline scored zero on some seed) gives none.
    """
    points = []
    seen: set[str] = set()
    for result in results:
        name = result.get("experiment", "result")
        for r in records_of(result):
            if r["variant"] not in variants or identity(r) in seen or "relative_gain" not in r:
                continue  # a repeat of a shared setting, or no gain over a zero baseline
            seen.add(identity(r))
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


def paired_values(
    result: Mapping[str, Any], a: str, b: str, *, metric: str = "accuracies", **setting: Any
) -> tuple[list[float], list[float]]:
    """Per-seed values of variant ``a`` and of variant ``b`` at one setting, paired by
    position (same seed: same task, same warm start), ready for :func:`expand_neurons.stats.paired`
    or a :func:`~expand_neurons.stats.family`.

    Args:
        metric: a per-seed list field of the records (``"accuracies"``, 0-1, by default).
        setting: the setting's fields, e.g. ``hidden=8, alpha=4`` (none for a result without
            a grid).
    """
    ra, rb = select(result, variant=a, **setting), select(result, variant=b, **setting)
    if len(ra) != 1 or len(rb) != 1:
        raise ValueError(
            f"variants {a!r} and {b!r} must both be in the result once at {setting}; found "
            f"{len(ra)} and {len(rb)} records"
        )
    if metric not in ra[0] or not isinstance(ra[0][metric], list):
        lists = sorted(k for k, v in ra[0].items() if isinstance(v, list))
        raise ValueError(f"metric {metric!r} is not a per-seed field; the records have {lists}")
    return list(ra[0][metric]), list(rb[0][metric])


def compare(
    result: Mapping[str, Any],
    pairs: Mapping[str, tuple[str, str] | tuple[str, str, Mapping[str, Any]]],
    *,
    level: float = 0.95,
    method: str = "t",
    metric: str = "accuracies",
) -> dict[str, Comparison]:
    """A Holm-corrected family of paired comparisons read from one result.

    Args:
        pairs: ``{name: (a, b)}`` or ``{name: (a, b, setting)}``: variant ``a`` minus variant
            ``b`` (at ``setting``, e.g. ``{"n_clauses": 8}``), per seed.
        level, method: as in :func:`expand_neurons.stats.family`.

    Returns:
        ``{name: Comparison}`` in the order given; ``.verdict`` is "better", "worse" or "not
        distinguishable" for ``a`` against ``b``.
    """
    values = {}
    for name, pair in pairs.items():
        a, b, *rest = pair
        setting = dict(rest[0]) if rest else {}
        values[name] = paired_values(result, a, b, metric=metric, **setting)
    return family(values, level=level, method=method)


def kept_fraction(result: Mapping[str, Any], blocks: int) -> list[dict[str, Any]]:
    """Per setting: ``gain(grouped, blocks) / gain(random)`` of the mean relative gains.

    Returns one dict per setting where both variants were trained and the random split gains
    something (``> 0``: there is a gain to keep): the setting's fields and ``kept``.
    """
    out = []
    for r in select(result, variant="random"):
        setting = setting_of(result, r)
        grouped = select(result, blocks=blocks, **setting)
        if len(grouped) != 1 or r.get("relative_gain", 0) <= 0 or "relative_gain" not in grouped[0]:
            continue
        out.append({**setting, "kept": grouped[0]["relative_gain"] / r["relative_gain"]})
    return out


#: Accuracies at or above this print as 100.0 % at one decimal: the book calls them perfect.
PERFECT_ACCURACY = 0.9995


def is_perfect(accuracy: float) -> bool:
    """Whether ``accuracy`` (0-1) counts as perfect (see :data:`PERFECT_ACCURACY`)."""
    return accuracy >= PERFECT_ACCURACY
