"""Result records: one flat, JSON-ready dict per (setting, variant), and how to select them.

Every experiment's result holds ``records``: a list of dicts, each with its setting as fields
(the grid point, e.g. ``n_clauses`` or ``hidden`` and ``alpha``; descriptive facts such as
``load``), the ``variant`` name, and the statistics over seeds:

* ``accuracy`` (mean over seeds, 0-1), ``accuracy_std``, ``accuracies`` (per seed);
* ``exact_match`` (mean over seeds) and ``exact_matches`` (per seed), where the runs measured it
  (the fraction of test samples with every output right);
* ``nonzero`` (an int; a sorted list if seeds differ), ``neurons`` (hidden neurons);
* ``capacity``, ``cosine`` (interference metrics of the first linear layer, means over seeds);
* ``relative_gain`` and ``relative_gain_std`` over the setting's ``dense`` variant (when
  trained); grouped variants also carry ``blocks``.

``setting_keys`` names the fields that tell settings apart. :func:`select` and :func:`one` pick
records by field values; :func:`to_frame` gives a tidy ``pandas.DataFrame``. The command line's
``variants`` object (a readable label per record) is derived from the records by
:func:`variants_view` and never read back.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ..metrics import mean_cosine_similarity, mean_feature_capacity, relative_improvement
from ..models import first_layer_weight
from ..schedule import Run

__all__ = [
    "Record",
    "summarize",
    "records_of",
    "select",
    "one",
    "values",
    "to_frame",
    "variants_view",
    "label",
]

Record = dict[str, Any]


def _std(xs: Sequence[float]) -> float:
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


def summarize(runs: Mapping[str, Sequence[Run]]) -> dict[str, Record]:
    """Per variant: accuracy statistics over seeds, non-zeros, neurons, metrics, gain over dense.

    ``runs`` maps a variant name to its runs, one per seed, paired by position across variants.
    """
    base = runs.get("dense")
    out: dict[str, Record] = {}
    for name, rs in runs.items():
        accs = [r.accuracy for r in rs]
        nonzeros = sorted({r.nonzero for r in rs})
        weights = [first_layer_weight(r.model) for r in rs]
        entry: Record = {
            "accuracy": statistics.fmean(accs),
            "accuracy_std": _std(accs),
            "accuracies": accs,
            "nonzero": nonzeros[0] if len(nonzeros) == 1 else nonzeros,
            "neurons": rs[0].neurons,
            "capacity": statistics.fmean(mean_feature_capacity(w) for w in weights),
            "cosine": statistics.fmean(mean_cosine_similarity(w) for w in weights),
        }
        exact = [r.exact_match for r in rs]
        if all(e is not None for e in exact):
            entry["exact_match"] = statistics.fmean(cast(list[float], exact))
            entry["exact_matches"] = exact
        if base is not None:
            gains = [relative_improvement(r.accuracy, b.accuracy) for r, b in zip(rs, base)]
            entry["relative_gain"] = statistics.fmean(gains)
            entry["relative_gain_std"] = _std(gains)
        out[name] = entry
    return out


def records_of(result: Mapping[str, Any] | Iterable[Record]) -> list[Record]:
    """The records of a result (or a list of records itself)."""
    if isinstance(result, Mapping):
        if "records" not in result:
            raise ValueError(
                "this result has no 'records' (written by an older version of the library?); "
                "rerun the experiment"
            )
        return list(result["records"])
    return list(result)


def select(result: Mapping[str, Any] | Iterable[Record], **fields: Any) -> list[Record]:
    """The records whose fields equal ``fields`` (all of them), in their stored order.

    Example: ``select(result, variant="random", hidden=8)``. A field that no record has (a
    misspelt name) is a :class:`LookupError` naming the fields there are; a field only some
    records have (``blocks``, of the grouped variants) selects among those.
    """
    records = records_of(result)
    unknown = sorted(k for k in fields if not any(k in r for r in records))
    if records and unknown:
        known = sorted({k for r in records for k in r})
        raise LookupError(f"no record has the field(s) {unknown}; the records' fields are {known}")
    return [r for r in records if all(k in r and r[k] == v for k, v in fields.items())]


def one(result: Mapping[str, Any] | Iterable[Record], **fields: Any) -> Record:
    """The single record matching ``fields``; ``LookupError`` saying what exists otherwise."""
    found = select(result, **fields)
    if len(found) == 1:
        return found[0]
    records = records_of(result)
    known = {k: values(records, k) for k in fields if any(k in r for r in records)}
    raise LookupError(
        f"{len(found)} records match {fields}; there are {len(records)} records with "
        f"values {known}" + (" (name more fields to pick one)" if found else "")
    )


def values(result: Mapping[str, Any] | Iterable[Record], key: str) -> list[Any]:
    """The distinct values of field ``key`` across the records, in first-seen order."""
    out: list[Any] = []
    for r in records_of(result):
        if key in r and r[key] not in out:
            out.append(r[key])
    return out


def to_frame(result: Mapping[str, Any] | Iterable[Record], per_seed: bool = False) -> Any:
    """The records as a tidy ``pandas.DataFrame`` (pandas is needed for this one function).

    Args:
        per_seed: one row per (record, seed) with that seed's ``accuracy`` instead of one row
            per record (the ``accuracies`` list is dropped either way).
    """
    import pandas as pd  # an optional dependency of the library (the book's)

    rows = []
    for r in records_of(result):
        flat = {k: v for k, v in r.items() if k != "accuracies"}
        if per_seed:
            rows += [
                {**flat, "seed_index": j, "accuracy": a} for j, a in enumerate(r["accuracies"])
            ]
        else:
            rows.append(flat)
    return pd.DataFrame(rows)


def label(record: Mapping[str, Any], setting_keys: Sequence[str]) -> str:
    """A readable label of a record: ``"hidden=8, alpha=4: random"`` (``"random"`` alone
    without setting keys). For display only."""
    setting = ", ".join(f"{k}={record[k]}" for k in setting_keys)
    return f"{setting}: {record['variant']}" if setting else str(record["variant"])


def variants_view(records: Sequence[Record], setting_keys: Sequence[str]) -> dict[str, Record]:
    """The command line's ``variants`` object: each record under its :func:`label`."""
    return {label(r, setting_keys): r for r in records}
