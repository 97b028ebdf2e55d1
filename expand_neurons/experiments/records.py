"""Result records: one flat, JSON-ready dict per (setting, variant), and how to select them.

Every experiment's result holds ``records``: a list of dicts, each with its setting as fields
(the grid point, e.g. ``n_clauses`` or ``hidden`` and ``alpha``; descriptive facts such as
``load``), the ``variant`` name, and the statistics over seeds:

* ``accuracy`` (mean over seeds, 0-1), ``accuracy_std``, ``accuracies`` (per seed);
* ``exact_match`` (mean over seeds) and ``exact_matches`` (per seed), where the runs measured it
  (the fraction of test samples with every output right);
* ``nonzero`` (an int; a sorted list if seeds differ), ``neurons`` (hidden neurons);
* the interference metrics of the first linear layer (:func:`~expand_neurons.measures.
  interference`), each as a mean over seeds and per seed (:data:`PER_SEED`): ``capacity`` /
  ``capacities``, ``cosine`` / ``cosines``, ``dead_fraction`` / ``dead_fractions`` and, on Boolean
  tasks, ``clauses_per_neuron`` / ``clauses_per_neuron_per_seed``; the same measured right after
  the split, before any further training, as ``split_capacity`` / ``split_capacities`` and so on
  (the null of the mechanism: what the masks alone do);
* ``relative_gain`` and ``relative_gain_std`` over the setting's ``dense`` variant (when
  trained and above zero on every seed: a relative gain over a score of zero is undefined);
  grouped variants also carry ``blocks``.

In an assembled result every record also carries ``cell``, the key of the stored computation
it comes from (sweeps that share a setting share its records: pool them with :func:`distinct`).

``setting_keys`` names the fields that tell settings apart. :func:`select` and :func:`one` pick
records by field values; :func:`to_frame` gives a tidy ``pandas.DataFrame``. The command line's
``variants`` object (a readable label per record) is derived from the records by
:func:`variants_view` and never read back.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ..metrics import relative_improvement
from ..schedule import Run

__all__ = [
    "Record",
    "PER_SEED",
    "MEASURED",
    "summarize",
    "distinct",
    "identity",
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


#: Every mean field of a record and the field of its per-seed values (paired by position
#: across the variants of a setting).
PER_SEED: dict[str, str] = {
    "accuracy": "accuracies",
    "exact_match": "exact_matches",
    "capacity": "capacities",
    "cosine": "cosines",
    "dead_fraction": "dead_fractions",
    "clauses_per_neuron": "clauses_per_neuron_per_seed",
    "split_capacity": "split_capacities",
    "split_cosine": "split_cosines",
    "split_dead_fraction": "split_dead_fractions",
    "split_clauses_per_neuron": "split_clauses_per_neuron_per_seed",
}

#: Each measure of :func:`~expand_neurons.measures.interference`: its record field at the end of
#: training and right after the split.
MEASURED: dict[str, tuple[str, str]] = {
    "capacity": ("capacity", "split_capacity"),
    "cosine": ("cosine", "split_cosine"),
    "dead_fraction": ("dead_fraction", "split_dead_fraction"),
    "clauses_per_neuron": ("clauses_per_neuron", "split_clauses_per_neuron"),
}


def _per_seed(entry: Record, mean: str, xs: Sequence[float]) -> None:
    entry[mean] = statistics.fmean(xs)
    entry[PER_SEED[mean]] = list(xs)


def summarize(runs: Mapping[str, Sequence[Run]]) -> dict[str, Record]:
    """Per variant: accuracy statistics over seeds, non-zeros, neurons, the measures at the
    split and at the end (means and per seed), gain over dense.

    ``runs`` maps a variant name to its runs, one per seed, paired by position across variants.
    """
    base = runs.get("dense")
    out: dict[str, Record] = {}
    for name, rs in runs.items():
        accs = [r.accuracy for r in rs]
        nonzeros = sorted({r.nonzero for r in rs})
        entry: Record = {"accuracy_std": _std(accs)}
        _per_seed(entry, "accuracy", accs)
        entry["nonzero"] = nonzeros[0] if len(nonzeros) == 1 else nonzeros
        entry["neurons"] = rs[0].neurons
        for measure, (at_end, at_split) in MEASURED.items():
            if all(measure in r.at_end for r in rs):
                _per_seed(entry, at_end, [r.at_end[measure] for r in rs])
                _per_seed(entry, at_split, [r.at_split[measure] for r in rs])
        exact = [r.exact_match for r in rs]
        if all(e is not None for e in exact):
            _per_seed(entry, "exact_match", cast(list[float], exact))
        if base is not None and all(b.accuracy > 0 for b in base):
            gains = [relative_improvement(r.accuracy, b.accuracy) for r, b in zip(rs, base)]
            entry["relative_gain"] = statistics.fmean(gains)
            entry["relative_gain_std"] = _std(gains)
        out[name] = entry
    return out


def identity(record: Record) -> str:
    """What makes ``record`` one computation's record: its fields and values, in a canonical
    form (a setting that several sweeps share gives them identical records, ``cell`` included)."""
    return repr(sorted((k, repr(v)) for k, v in record.items()))


def distinct(records: Iterable[Record]) -> list[Record]:
    """``records`` without repeats of one computation's record (a setting that several sweeps
    share), first occurrences in order. Pool records of several results through this, so a
    shared setting counts once."""
    seen: set[str] = set()
    out = []
    for r in records:
        if identity(r) not in seen:
            seen.add(identity(r))
            out.append(r)
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
