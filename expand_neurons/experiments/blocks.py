"""Seed blocks: a result of more seeds, assembled from runs at successive base seeds.

A run with base seed ``s`` trains ``cfg.seeds`` instances whose seeds derive from ``s``
(:mod:`expand_neurons.seeds`), so the runs at base seeds 0, 1, 2, ... of one config are
independent *blocks* of instances from one population. A seed plan
(:mod:`expand_neurons.claims.sequential`) that asks for more seeds asks for the next block:
``precompute NAME --seed 1`` computes only the new instances, and :func:`merge_blocks` joins
the blocks into one result whose per-seed lists run over every block in order, as if one run
had trained them all. Nothing is computed twice, and a block is never changed by the next.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from .records import PER_SEED, Record, variants_view
from .registry import get
from .store import ResultStore

__all__ = ["BLOCK_MEANS", "merge_blocks", "stored_blocks"]

#: Record fields that are means over a block's seeds without a per-seed list beside them: the
#: merged value is the mean weighted by the blocks' seeds (``relative_gain_std`` is pooled).
BLOCK_MEANS = ("chance", "relative_gain")
_STDS = {"accuracy_std": "accuracies"}
#: Fields a block may lack (no relative gain where a dense seed scored zero): the merged
#: record lacks them too.
_UNDEFINED = ("relative_gain", "relative_gain_std")


def _pooled_std(ns: Sequence[int], means: Sequence[float], stds: Sequence[float]) -> float:
    """The sample standard deviation of blocks of ``ns`` values with these means and sample
    standard deviations, taken together."""
    n = sum(ns)
    mean = sum(k * m for k, m in zip(ns, means)) / n
    ss = sum((k - 1) * s * s + k * (m - mean) ** 2 for k, m, s in zip(ns, means, stds))
    return math.sqrt(ss / (n - 1)) if n > 1 else 0.0


def _merge_records(records: Sequence[Record], where: str) -> Record:
    """One record from the same record of every block (same setting and variant)."""
    first = records[0]
    ns = [len(r["accuracies"]) for r in records]
    out: Record = {}
    lists = set(PER_SEED.values())
    keys = set(first).union(*records)
    partial = {k for k in keys if any(k not in r for r in records)}
    if partial - set(_UNDEFINED):
        raise ValueError(f"{where}: fields {sorted(partial)} are in some seed blocks only")
    for key, value in first.items():
        if key in partial:
            continue  # a relative gain over a block whose dense scored zero is undefined
        got = [r[key] for r in records]
        if key in lists:
            out[key] = [x for r in records for x in r[key]]
        elif key in PER_SEED:
            continue  # recomputed from its list below
        elif key in _STDS:
            continue
        elif key in BLOCK_MEANS:
            out[key] = sum(k * float(x) for k, x in zip(ns, got)) / sum(ns)
        elif key == "relative_gain_std":
            means = [float(r["relative_gain"]) for r in records]
            out[key] = _pooled_std(ns, means, [float(x) for x in got])
        elif key == "cell":
            out[key] = "+".join(str(x) for x in got)
        elif any(x != value for x in got):
            raise ValueError(
                f"{where}: field {key!r} differs between seed blocks ({got}); blocks must be "
                "runs of one config"
            )
        else:
            out[key] = value
    for mean, per_seed in PER_SEED.items():
        if per_seed in out:
            out[mean] = statistics.fmean(out[per_seed])
    for std, per_seed in _STDS.items():
        if std in first:
            out[std] = statistics.stdev(out[per_seed]) if len(out[per_seed]) > 1 else 0.0
    return out


def merge_blocks(blocks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One result from the results of one experiment and config at successive base seeds
    (``blocks[k]`` at base seed ``k``-th; stored results must be complete). Its records' per-seed
    lists run over every block in order; ``seeds`` lists the base seeds, ``cells`` and
    ``cpu_s`` add up, ``provenance`` joins. One block is returned as it is."""
    if not blocks:
        raise ValueError("merge_blocks needs at least one block")
    if len(blocks) == 1:
        return dict(blocks[0])
    first = blocks[0]
    name = first.get("experiment", "result")
    for b in blocks:
        if b.get("missing"):
            raise ValueError(f"{name}: a seed block is incomplete ({len(b['missing'])} missing)")
        if b.get("config") != first.get("config") or len(b["records"]) != len(first["records"]):
            raise ValueError(f"{name}: seed blocks must be runs of one config")
    merged = [
        _merge_records([b["records"][i] for b in blocks], f"{name} record {i}")
        for i in range(len(first["records"]))
    ]
    out = {**first, "records": merged, "seeds": [b.get("seed", 0) for b in blocks]}
    out["cells"] = {
        k: sum(b["cells"][k] for b in blocks) for k in first.get("cells", {}) if k != "total"
    } | {"total": sum(b["cells"]["total"] for b in blocks)}
    if "cpu_s" in first:
        out["cpu_s"] = sum(b["cpu_s"] for b in blocks)
    if "provenance" in first:
        out["provenance"] = [p for b in blocks for p in b["provenance"]]
    out["variants"] = variants_view(merged, first.get("setting_keys", []))
    return out


def stored_blocks(
    name: str, store: ResultStore | str | os.PathLike[str], profile: str = "paper"
) -> dict[str, Any]:
    """Experiment ``name``'s ``profile`` result over every complete seed block of ``store``:
    base seed 0 as :meth:`~expand_neurons.experiments.Experiment.stored` gives it (``missing``
    cells and all), joined with the blocks at base seeds 1, 2, ... as long as each is complete
    (the blocks a seed plan asked for). ``seeds`` lists the base seeds joined."""
    experiment = get(name)
    blocks = [experiment.stored(store, profile, 0)]
    while not blocks[-1]["missing"]:
        block = experiment.stored(store, profile, len(blocks))
        if block["missing"]:
            break
        blocks.append(block)
    if len(blocks) == 1:
        return {**blocks[0], "seeds": [0]}
    merged = merge_blocks(blocks)
    return experiment.finish(merged) if experiment.finish is not None else merged
