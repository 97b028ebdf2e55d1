"""Collisions and coverage under random splits: closed forms and Monte Carlo estimates.

Setting: a parent neuron's ``d`` inputs are split among ``alpha`` children; clauses are sets of
``k`` distinct inputs (disjoint from each other).

* **coverage**: a given clause lands whole in one child (so some child can still compute it);
* **collision**: two given clauses land whole in the *same* child (that child stays polysemantic).

Two split models:

* ``"independent"``: each input picks a child uniformly and independently. Then
  ``P(coverage) = alpha * alpha^-k = alpha^-(k-1)`` and, as the ``2k`` inputs must all pick one
  child, ``P(collision) = alpha^-(2k-1)``.
* ``"balanced"`` (what :class:`expand_neurons.splits.Random` does, ``alpha`` divides ``d``):
  each child gets exactly ``d / alpha`` inputs; ``s`` given inputs share a child with probability
  ``alpha * prod_{t<s} (d/alpha - t) / (d - t)``, which tends to the independent value as ``d``
  grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import torch

from .checks import check_int
from .seeds import check_seed
from .splits import Random

__all__ = [
    "together_probability",
    "coverage_probability",
    "collision_probability",
    "expected_collisions",
    "coverage_anywhere_probability",
    "MonteCarlo",
    "simulate",
    "MODELS",
]

MODELS = ("independent", "balanced")


def _check(alpha: int, k: int, d: int | None, model: str, s: int, needs: str = "") -> None:
    """Check the shared arguments; ``s`` is how many distinct inputs must fit in ``d``, for
    what ``needs`` says (e.g. ``"two clauses of k=3 inputs need"``)."""
    if model not in MODELS:
        raise ValueError(f"unknown split model {model!r}; allowed are {list(MODELS)}")
    check_int("alpha", alpha)
    check_int("k", k)
    check_int("s", s)
    if d is not None:
        check_int("d", d)
    if model == "balanced" and (d is None or d % alpha):
        raise ValueError(f"the balanced model needs d divisible by alpha, got d={d}")
    if d is not None and s > d:
        raise ValueError(
            f"{needs or f'{s} inputs together need'} {s} distinct inputs, got d={d}; d must be "
            f"at least {s} (or None: the independent model needs no d)"
        )


def together_probability(
    s: int, alpha: int, d: int | None = None, model: str = "independent"
) -> float:
    """Probability that ``s`` given distinct inputs all go to one child (``s``, ``alpha`` >= 1)."""
    _check(alpha, 1, d, model, s)
    if model == "independent":
        return float(alpha) ** (1 - s)
    d = cast(int, d)  # _check: the balanced model has one
    m = d // alpha
    if s > m:
        return 0.0
    return alpha * math.prod((m - t) / (d - t) for t in range(s))


def coverage_probability(
    alpha: int, k: int, d: int | None = None, model: str = "independent"
) -> float:
    """Probability that one ``k``-input clause stays whole in some child."""
    _check(alpha, k, d, model, k, f"a clause of k={k} inputs needs")
    return together_probability(k, alpha, d, model)


def collision_probability(
    alpha: int, k: int, d: int | None = None, model: str = "independent"
) -> float:
    """Probability that two disjoint ``k``-input clauses land whole in the same child."""
    _check(alpha, k, d, model, 2 * k, f"two clauses of k={k} inputs need")
    return together_probability(2 * k, alpha, d, model)


def expected_collisions(
    m: int, alpha: int, k: int, d: int | None = None, model: str = "independent"
) -> float:
    """Expected number of colliding clause pairs per parent among ``m`` clauses it carries."""
    m = check_int("m", m, minimum=0)
    return math.comb(m, 2) * collision_probability(alpha, k, d, model)


def coverage_anywhere_probability(
    alpha: int, k: int, parents: int, d: int | None = None, model: str = "independent"
) -> float:
    """Probability that a clause stays whole in a child of at least one of ``parents`` parents.

    Every parent is split independently, so this is ``1 - (1 - coverage)^parents``.
    """
    parents = check_int("parents", parents, minimum=0)
    return 1.0 - (1.0 - coverage_probability(alpha, k, d, model)) ** parents


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo frequencies with their standard errors over ``trials`` random splits."""

    coverage: float
    coverage_se: float
    collision: float
    collision_se: float
    trials: int


def simulate(
    alpha: int, k: int, d: int, trials: int = 20_000, seed: int = 0, model: str = "balanced"
) -> MonteCarlo:
    """Draw ``trials`` random splits of ``d`` inputs and count coverage and collisions.

    ``model='balanced'`` uses :class:`expand_neurons.splits.Random` itself (one parent per trial);
    ``'independent'`` assigns each input a uniform child. Clause A is inputs ``0..k-1`` and
    clause B inputs ``k..2k-1`` (a split treats all inputs alike, so the choice is immaterial).
    ``trials`` must be at least 2 (a standard error needs two draws) and ``2 * k <= d``.
    """
    d = check_int("d", d)
    _check(alpha, k, d, model, 2 * k, f"two clauses of k={k} inputs need")
    trials = check_int("trials", trials, minimum=2)
    seed = check_seed(seed)
    g = torch.Generator().manual_seed(seed)
    if model == "balanced":
        masks = Random().masks(torch.zeros(trials, d), alpha, g)  # (trials, alpha, d)
        assign = masks.float().argmax(dim=1)
    else:
        assign = torch.randint(alpha, (trials, d), generator=g)
    a, b = assign[:, :k], assign[:, k : 2 * k]
    cov = (a == a[:, :1]).all(dim=1).double()
    col = torch.cat([a, b], dim=1)
    col = (col == col[:, :1]).all(dim=1).double()

    def se(x: torch.Tensor) -> float:
        return float(x.std(unbiased=True) / math.sqrt(trials))

    return MonteCarlo(float(cov.mean()), se(cov), float(col.mean()), se(col), trials)
