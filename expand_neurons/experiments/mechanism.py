"""Mechanism tests of the collisions chapter: coverage against cuts, collisions at equal coverage.

Two questions about *why* a random split helps, each answered by a paired comparison over seeds
(:mod:`expand_neurons.stats`):

* :func:`clause_error_ratios` and :func:`coverage_contrast`: do clauses kept whole in some child
  gain more than clauses cut everywhere? Each clause is scored by how much of its error the split
  removes, the *error ratio* ``(e_fpe + 1) / (e_dense + 1)`` of its test errors (one error added
  to both counts, so a clause without errors before still has a ratio), which does not reward a
  clause for starting lower; the two groups are compared within each seed.
* :func:`collision_test`: the same clauses whole, packed into one child (:class:`~expand_neurons.
  splits.Packed`) or kept apart (:class:`~expand_neurons.splits.Apart`); the coverage is checked
  equal in every trained network before the accuracies are compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..layers.protocol import fpe_layers
from ..schedule import Run
from ..splits import check_equal_coverage
from ..stats import Comparison, family
from ..tasks import BooleanTask
from .census import ClauseCensus, model_census, per_output_accuracy

__all__ = [
    "clause_error_ratios",
    "coverage_contrast",
    "CoverageContrast",
    "CollisionTest",
    "collision_test",
    "COLLISION_FAMILY",
]


def clause_error_ratios(
    dense: Sequence[nn.Module],
    fpe: Sequence[nn.Module],
    tasks: Sequence[BooleanTask],
    censuses: Sequence[ClauseCensus],
) -> list[dict[str, Any]]:
    """One row per (seed, clause): its coverage, accuracies and error ratio.

    Args:
        dense, fpe: per seed, the dense and the expanded network trained from the same warm start.
        tasks: per seed, the task (its test set scores each clause's output).
        censuses: per seed, the expanded network's :func:`~expand_neurons.experiments.census.
            model_census`.

    Returns:
        Rows with ``seed``, ``clause``, ``whole_somewhere``, ``dense_accuracy``,
        ``fpe_accuracy`` (0-1), ``dense_errors``, ``fpe_errors`` (test samples wrong) and
        ``log_error_ratio`` (natural log of ``(fpe_errors + 1) / (dense_errors + 1)``: below
        zero, the split removed errors).
    """
    if not len(dense) == len(fpe) == len(tasks) == len(censuses):
        raise ValueError(
            f"need one dense and one FPE network, task and census per seed; got {len(dense)}, "
            f"{len(fpe)}, {len(tasks)} and {len(censuses)}"
        )
    rows = []
    for j, (md, mf, task, census) in enumerate(zip(dense, fpe, tasks, censuses)):
        n = len(task.y_test)
        acc_d = per_output_accuracy(md, task.X_test, task.y_test)
        acc_f = per_output_accuracy(mf, task.X_test, task.y_test)
        for c, somewhere in enumerate(census.whole_somewhere.tolist()):
            e_d, e_f = round(n * (1 - float(acc_d[c]))), round(n * (1 - float(acc_f[c])))
            rows.append(
                {
                    "seed": j,
                    "clause": c,
                    "whole_somewhere": bool(somewhere),
                    "dense_accuracy": float(acc_d[c]),
                    "fpe_accuracy": float(acc_f[c]),
                    "dense_errors": e_d,
                    "fpe_errors": e_f,
                    "log_error_ratio": math.log((e_f + 1) / (e_d + 1)),
                }
            )
    return rows


@dataclass(frozen=True)
class CoverageContrast:
    """Clauses cut everywhere against clauses whole somewhere, within each seed.

    Attributes:
        comparison: ``cut - whole`` of the per-seed mean log error ratios: above zero, the
            clauses kept whole lost a larger share of their errors (gained more).
        seeds_used: the seeds that had clauses in both groups (the pairs).
        n_whole, n_cut: clauses in each group over the seeds used.
        dense_whole, dense_cut: mean dense accuracy (0-1) of each group: the starting points.
    """

    comparison: Comparison
    seeds_used: list[int]
    n_whole: int
    n_cut: int
    dense_whole: float
    dense_cut: float

    @property
    def factor(self) -> float:
        """``exp(mean)``: how many times more a whole clause's errors fell, on average."""
        return math.exp(self.comparison.mean)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def coverage_contrast(rows: Sequence[Mapping[str, Any]], level: float = 0.95) -> CoverageContrast:
    """Pair the two groups of :func:`clause_error_ratios` rows seed by seed (a family of one).

    Seeds where every clause (or none) stayed whole somewhere give no pair and are left out.
    """
    by_seed: dict[int, dict[bool, list[Mapping[str, Any]]]] = {}
    for r in rows:
        by_seed.setdefault(r["seed"], {True: [], False: []})[r["whole_somewhere"]].append(r)
    used = sorted(s for s, g in by_seed.items() if g[True] and g[False])
    whole = [_mean([r["log_error_ratio"] for r in by_seed[s][True]]) for s in used]
    cut = [_mean([r["log_error_ratio"] for r in by_seed[s][False]]) for s in used]
    name = "cut everywhere - whole somewhere (log error ratio)"
    cmp = family({name: (cut, whole)}, level=level)[name]
    w = [r for s in used for r in by_seed[s][True]]
    c = [r for s in used for r in by_seed[s][False]]
    nan = float("nan")
    return CoverageContrast(
        cmp,
        used,
        len(w),
        len(c),
        _mean([r["dense_accuracy"] for r in w]) if w else nan,
        _mean([r["dense_accuracy"] for r in c]) if c else nan,
    )


@dataclass(frozen=True)
class CollisionTest:
    """Packed against apart at equal coverage, with the dense and random-split networks.

    Attributes:
        comparisons: the Holm family (``"apart - packed"``, ``"packed - dense"``,
            ``"apart - dense"``, ``"random - apart"``) of test accuracies, per seed.
        whole_per_parent: mean clauses whole per parent (pruning applied), packed and apart:
            equal by construction, checked in every network.
        colliding_pairs: mean colliding clause pairs per parent, per FPE variant.
        accuracy: mean test accuracy (0-1) per variant.
    """

    comparisons: dict[str, Comparison]
    whole_per_parent: float
    colliding_pairs: dict[str, float]
    accuracy: dict[str, float]


#: The family of :func:`collision_test`: name -> (a, b), compared as ``a - b``.
COLLISION_FAMILY = {
    "apart - packed": ("apart", "packed"),
    "packed - dense": ("packed", "dense"),
    "apart - dense": ("apart", "dense"),
    "random - apart": ("random", "apart"),
}


def collision_test(
    runs: Mapping[str, Sequence[Run]],
    tasks: Sequence[BooleanTask],
    alpha: int,
    level: float = 0.95,
) -> CollisionTest:
    """Check equal coverage of ``packed`` and ``apart`` in every seed, then compare accuracies.

    Args:
        runs: :func:`~expand_neurons.experiments.boolean.boolean_runs` of a config with the
            variants ``dense``, ``random``, ``packed`` and ``apart``.
        tasks: the tasks of those runs, per seed.

    Raises ``ValueError`` if a variant is missing or, in some seed, the two splits do not keep
    the same clauses whole in every parent of the trained networks.
    """
    missing = sorted({"dense", "random", "packed", "apart"} - set(runs))
    if missing:
        raise ValueError(f"collision_test needs the variants {missing} too; got {sorted(runs)}")
    whole: list[float] = []
    pairs: dict[str, list[float]] = {"packed": [], "apart": [], "random": []}
    for j, task in enumerate(tasks):
        masks = {}
        for v in ("packed", "apart"):
            live = fpe_layers(runs[v][j].model)[0].live_mask()
            masks[v] = live.reshape(-1, alpha, live.shape[1])
        try:
            table = check_equal_coverage(masks["packed"], masks["apart"], task.clause_inputs)
        except ValueError as err:
            raise ValueError(f"seed {j}: {err}") from None
        whole.append(float(table.sum(dim=1).float().mean()))
        for v in pairs:
            census = model_census(runs[v][j].model, task, alpha)
            pairs[v].append(float(census.colliding_pairs.float().mean()))
    values = {
        name: ([r.accuracy for r in runs[a]], [r.accuracy for r in runs[b]])
        for name, (a, b) in COLLISION_FAMILY.items()
    }
    accuracy = {
        v: _mean([r.accuracy for r in runs[v]]) for v in ("dense", "random", "packed", "apart")
    }
    return CollisionTest(
        family(values, level=level),
        _mean(whole),
        {v: _mean(p) for v, p in pairs.items()},
        accuracy,
    )
