"""Where a random split leaves each clause: counts in trained models, to hold against the theory.

:mod:`expand_neurons.theory` predicts how often a random split keeps a clause whole in one child
(*coverage*) and puts two clauses whole into the same child (*collision*). This module counts
the same events in the first layer of an expanded model, read from its fixed weight mask
(children of parent ``i`` sit at rows ``alpha*i ... alpha*i + alpha - 1``), and measures
accuracy clause by clause, so a chapter can compare prediction and trained model.

The expansion's global magnitude pruning may also remove first-layer weights; a clause that lost
an input that way is reported as ``pruned`` rather than ``whole`` or ``cut``. Pruning depends on
weight magnitudes only, not on which child an input went to, so among clauses untouched by
pruning the fraction left whole estimates the split's coverage probability without bias.
:class:`CensusTotals` holds these counts and their denominators (``ClauseCensus.totals``;
:func:`census_totals` pools several models), with z-scores against a predicted probability.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ..layers.protocol import fpe_layers
from ..tasks import BooleanTask
from .boolean import boolean_tasks

__all__ = [
    "ClauseCensus",
    "CensusTotals",
    "clause_census",
    "census_totals",
    "model_census",
    "boolean_tasks",
    "per_output_accuracy",
]


def _z(observed: float, p: float, n: int) -> float:
    """``(observed - p) / sqrt(p (1 - p) / n)``: a frequency over ``n`` trials against ``p``."""
    if n == 0:
        return float("nan")
    se = math.sqrt(p * (1 - p) / n)
    if se == 0:
        return 0.0 if observed == p else math.copysign(float("inf"), observed - p)
    return (observed - p) / se


@dataclass(frozen=True)
class CensusTotals:
    """The counts of a :class:`ClauseCensus`, or of several pooled (one per trained network).

    Attributes:
        instances: (parent, clause) pairs counted.
        whole, cut, pruned: how many of them are whole, cut or pruned (they add up to
            ``instances``; a whole clause is never pruned).
        pairs: clause pairs within a parent with both clauses untouched by pruning.
        collisions: of those pairs, how many are kept whole by the same child.
    """

    instances: int
    whole: int
    cut: int
    pruned: int
    pairs: int
    collisions: int

    def __add__(self, other: CensusTotals) -> CensusTotals:
        return CensusTotals(
            self.instances + other.instances,
            self.whole + other.whole,
            self.cut + other.cut,
            self.pruned + other.pruned,
            self.pairs + other.pairs,
            self.collisions + other.collisions,
        )

    @property
    def untouched(self) -> int:
        """(parent, clause) pairs untouched by pruning: the denominator of :attr:`coverage`."""
        return self.instances - self.pruned

    @property
    def coverage(self) -> float:
        """Fraction of the (parent, clause) pairs untouched by pruning that stay whole."""
        return self.whole / self.untouched if self.untouched else float("nan")

    @property
    def collision(self) -> float:
        """Fraction of the clause pairs untouched by pruning that collide."""
        return self.collisions / self.pairs if self.pairs else float("nan")

    @property
    def pruned_fraction(self) -> float:
        """Fraction of all (parent, clause) pairs that lost an input to pruning."""
        return self.pruned / self.instances if self.instances else float("nan")

    @property
    def cut_fraction(self) -> float:
        """Fraction of all (parent, clause) pairs that the split cut."""
        return self.cut / self.instances if self.instances else float("nan")

    def coverage_z(self, p: float) -> float:
        """How many binomial standard errors :attr:`coverage` lies from a predicted ``p``."""
        return _z(self.coverage, p, self.untouched)

    def collision_z(self, p: float) -> float:
        """How many binomial standard errors :attr:`collision` lies from a predicted ``p``."""
        return _z(self.collision, p, self.pairs)


@dataclass(frozen=True)
class ClauseCensus:
    """How the children of each parent hold each clause (``h`` parents, ``m`` clauses).

    Attributes:
        whole: ``(h, m)`` bool, all inputs of the clause are kept by one child of the parent.
        cut: ``(h, m)`` bool, every input is kept by some child but no child keeps them all.
        pruned: ``(h, m)`` bool, some input of the clause is kept by no child (pruned away).
        per_child: ``(alpha*h,)`` number of clauses each child keeps whole.
        colliding_pairs: ``(h,)`` pairs of clauses kept whole by the same child, per parent.
        alpha: children per parent.
    """

    whole: torch.Tensor
    cut: torch.Tensor
    pruned: torch.Tensor
    per_child: torch.Tensor
    colliding_pairs: torch.Tensor
    alpha: int

    @property
    def totals(self) -> CensusTotals:
        """The counts behind :attr:`coverage` and :attr:`collision` (see :class:`CensusTotals`)."""
        ok = (~self.pruned).long().sum(dim=1)  # clauses untouched by pruning, per parent
        return CensusTotals(
            instances=self.whole.numel(),
            whole=int(self.whole.sum()),
            cut=int(self.cut.sum()),
            pruned=int(self.pruned.sum()),
            pairs=int((ok * (ok - 1) // 2).sum()),
            collisions=int(self.colliding_pairs.sum()),
        )

    @property
    def coverage(self) -> float:
        """Fraction of (parent, clause) pairs untouched by pruning that stay whole."""
        return self.totals.coverage

    @property
    def collision(self) -> float:
        """Fraction of clause pairs (within a parent, both untouched by pruning) that collide."""
        return self.totals.collision

    @property
    def whole_somewhere(self) -> torch.Tensor:
        """``(m,)`` bool: the clause is whole in at least one child of some parent."""
        return self.whole.any(dim=0)


def clause_census(mask: torch.Tensor, clause_inputs: Sequence[Sequence[int]], alpha: int):
    """Count whole, cut and pruned clauses in a first-layer mask of shape ``(alpha*h, d)``.

    Works for any mask (overlapping children too): a clause is whole when one child keeps all its
    inputs, pruned when some input is kept by no child of the parent, and cut otherwise.
    """
    mask = mask.to(torch.bool)
    rows, d = mask.shape
    if alpha < 1 or rows % alpha:
        raise ValueError(f"mask has {rows} rows, not a multiple of alpha={alpha}")
    h = rows // alpha
    groups = [torch.as_tensor(list(g), dtype=torch.long) for g in clause_inputs]
    for c, g in enumerate(groups):
        if len(g) == 0 or int(g.min()) < 0 or int(g.max()) >= d:
            raise ValueError(f"clause {c} has inputs {g.tolist()} outside 0..{d - 1} (or none)")
    children = mask.view(h, alpha, d)
    # held[i, k, c]: child k of parent i keeps every input of clause c
    held = torch.stack([children[:, :, g].all(dim=2) for g in groups], dim=2)
    kept = children.any(dim=1)  # (h, d): input kept by some child
    pruned = torch.stack([~kept[:, g].all(dim=1) for g in groups], dim=1)
    whole = held.any(dim=1)
    n_child = held.sum(dim=2)  # (h, alpha)
    return ClauseCensus(
        whole=whole,
        cut=~whole & ~pruned,
        pruned=pruned,
        per_child=n_child.reshape(-1),
        colliding_pairs=(n_child * (n_child - 1) // 2).sum(dim=1),
        alpha=alpha,
    )


def census_totals(censuses: Iterable[ClauseCensus]) -> CensusTotals:
    """The counts of several censuses pooled, e.g. of every seed's trained network."""
    total = CensusTotals(0, 0, 0, 0, 0, 0)
    for census in censuses:
        total = total + census.totals
    return total


def model_census(model: nn.Module, task: BooleanTask, alpha: int) -> ClauseCensus:
    """:func:`clause_census` of the first layer of an expanded ``model`` on ``task``'s clauses."""
    return clause_census(fpe_layers(model)[0].live_mask(), task.clause_inputs, alpha)


@torch.no_grad()
def per_output_accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Accuracy of each output (sigmoid outputs, logit > 0 means true), shape ``(outputs,)``."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = model(X.to(device)).cpu()
    model.train(was_training)
    return ((out > 0).float() == y).float().mean(dim=0)
