"""Symbolic Boolean tasks: DNF-style clauses over binary inputs, with their structure exposed.

A clause is an AND of ``k`` literals; a literal is a variable or its negation. Inputs are
``x in {0, 1}^n`` (float32). Two label modes:

* ``"per_clause"`` (default): one output per clause, ``y[c] = clause_c(x)`` (multi-label, BCE);
* ``"dnf"``: one output, the OR of all clauses.

Choices the paper leaves open, and the defaults taken here (all arguments of :func:`make_task`):

* clauses use disjoint variables (``k`` each, ``variables="disjoint"``), so every input belongs
  to at most one clause and a clause-aligned split is well defined; ``extra_vars`` distractor
  inputs belong to no clause. ``variables="shared"`` puts the clauses on a ring of
  ``n_clauses * (k - 1)`` variables instead: clause ``c`` takes ring positions
  ``c (k - 1) ... c (k - 1) + k - 1``, so consecutive clauses (and the last and the first) share
  one variable, every clause still has ``k`` literals, and the input has ``n_clauses`` fewer
  clause variables;
* each literal is negated with probability 1/2 (``negations=True``);
* *planted* inputs: bits are fair coins, then each clause is made true with probability
  ``p_plant`` (by setting its literals), so labels are roughly balanced (a clause of ``k = 3``
  literals is true for ``p_plant + (1 - p_plant) / 2**k`` of the samples; uniform inputs would
  make it true for only 1/8 and reward always answering "false");
* accuracy is the fraction of correct labels over all samples and outputs (logit > 0 means true).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from .checks import check_int
from .seeds import check_seed

__all__ = [
    "BooleanTask",
    "make_task",
    "task_from_clauses",
    "evaluate_clauses",
    "clauses_from_lists",
    "LABEL_MODES",
    "DISTRIBUTIONS",
    "VARIABLES",
]

LABEL_MODES = ("per_clause", "dnf")
DISTRIBUTIONS = ("planted", "uniform")
VARIABLES = ("disjoint", "shared")

Literal = tuple[int, bool]  # (variable index, negated)


@dataclass(frozen=True)
class BooleanTask:
    """A generated task: clause structure plus train/test tensors.

    ``X_*`` are ``(n, n_vars)`` float32 in {0, 1}; ``y_*`` are ``(n, n_outputs)`` float32 in {0, 1}.
    """

    n_vars: int
    clauses: tuple[tuple[Literal, ...], ...]
    label_mode: str
    X_train: torch.Tensor = field(repr=False)
    y_train: torch.Tensor = field(repr=False)
    X_test: torch.Tensor = field(repr=False)
    y_test: torch.Tensor = field(repr=False)
    seed: int = 0

    @property
    def n_inputs(self) -> int:
        return self.n_vars

    @property
    def n_outputs(self) -> int:
        return len(self.clauses) if self.label_mode == "per_clause" else 1

    @property
    def clause_inputs(self) -> list[list[int]]:
        """Input indices of each clause (what :class:`splits.ClauseAligned` needs)."""
        return [[v for v, _ in c] for c in self.clauses]

    def labels(self, X: torch.Tensor) -> torch.Tensor:
        """Ground-truth labels ``(n, n_outputs)`` for inputs ``X`` of shape ``(n, n_vars)``."""
        return evaluate_clauses(self.clauses, X, self.label_mode)

    def describe(self) -> str:
        """The clauses in readable form, e.g. ``x3 & ~x7 & x12``."""
        return "\n".join(
            f"c{c}: " + " & ".join(("~" if neg else "") + f"x{v}" for v, neg in lits)
            for c, lits in enumerate(self.clauses)
        )


def evaluate_clauses(
    clauses: tuple[tuple[Literal, ...], ...], X: torch.Tensor, label_mode: str
) -> torch.Tensor:
    """Clause truth values ``(n, m)`` (per_clause) or their OR ``(n, 1)`` (dnf)."""
    cols = []
    for lits in clauses:
        v = torch.tensor([v for v, _ in lits])
        neg = torch.tensor([n for _, n in lits])
        cols.append(((X[:, v] > 0.5) != neg).all(dim=1))
    sat = torch.stack(cols, dim=1).float()
    return sat if label_mode == "per_clause" else sat.amax(dim=1, keepdim=True)


def make_task(
    n_clauses: int = 8,
    k: int = 3,
    *,
    extra_vars: int = 0,
    n_vars: int | None = None,
    variables: str = "disjoint",
    negations: bool = True,
    label_mode: str = "per_clause",
    distribution: str = "planted",
    p_plant: float = 0.5,
    n_train: int = 4096,
    n_test: int = 2048,
    seed: int = 0,
) -> BooleanTask:
    """Generate a Boolean clause task (see the module docstring for the defaults' reasons).

    Args:
        n_clauses: number of clauses ``m``.
        k: literals per clause.
        extra_vars: inputs that belong to no clause (ignored when ``n_vars`` is given).
        n_vars: total number of inputs; default the clause variables plus ``extra_vars``; must
            be at least the number of clause variables (see ``variables``).
        variables: ``"disjoint"`` (``n_clauses * k`` clause variables, none shared) or
            ``"shared"`` (a ring of ``n_clauses * (k - 1)`` variables, consecutive clauses share
            one; needs ``n_clauses >= 2`` and ``k >= 2``).
        negations: negate each literal with probability 1/2.
        label_mode: ``"per_clause"`` or ``"dnf"``.
        distribution: ``"planted"`` or ``"uniform"`` fair-coin inputs.
        p_plant: probability that a clause is planted true in a sample (planted inputs only;
            ignored for uniform inputs). Clauses that share a variable with opposite signs cannot
            both be planted: the later clause's literal wins, and labels are always computed from
            the inputs.
        n_train, n_test: sample counts.
        seed: seeds clauses and samples.
    """
    n_clauses = check_int("n_clauses", n_clauses)
    k = check_int("k", k)
    extra_vars = check_int("extra_vars", extra_vars, minimum=0)
    if not isinstance(negations, bool):
        raise TypeError(f"negations must be True or False, got {negations!r}")
    p_plant, n_train, n_test, seed = _check_sampling(
        label_mode, distribution, p_plant, n_train, n_test, seed
    )
    if variables not in VARIABLES:
        raise ValueError(f"unknown variables {variables!r}; allowed are {list(VARIABLES)}")
    if variables == "shared" and (n_clauses < 2 or k < 2):
        raise ValueError(
            f"variables='shared' needs n_clauses >= 2 and k >= 2 (consecutive clauses share one "
            f"variable), got n_clauses={n_clauses}, k={k}; use variables='disjoint'"
        )
    needed = n_clauses * k if variables == "disjoint" else n_clauses * (k - 1)
    n_vars = needed + extra_vars if n_vars is None else check_int("n_vars", n_vars)
    if n_vars < needed:
        raise ValueError(
            f"n_vars={n_vars} is too small: {n_clauses} clauses of {k} literals on {variables} "
            f"variables need at least {needed} variables"
        )
    g = torch.Generator().manual_seed(seed)
    pool = torch.randperm(n_vars, generator=g)[:needed]
    if variables == "disjoint":
        order = pool.view(n_clauses, k)
    else:
        ring = torch.arange(n_clauses).unsqueeze(1) * (k - 1) + torch.arange(k)  # (m, k)
        order = pool[ring % needed]
    negs = (torch.rand(n_clauses, k, generator=g) < 0.5) & negations
    clauses = tuple(
        tuple((int(v), bool(n)) for v, n in zip(order[c], negs[c])) for c in range(n_clauses)
    )
    X_train = _sample(clauses, n_vars, n_train, distribution, p_plant, g)
    X_test = _sample(clauses, n_vars, n_test, distribution, p_plant, g)
    return BooleanTask(
        n_vars=n_vars,
        clauses=clauses,
        label_mode=label_mode,
        X_train=X_train,
        y_train=evaluate_clauses(clauses, X_train, label_mode),
        X_test=X_test,
        y_test=evaluate_clauses(clauses, X_test, label_mode),
        seed=seed,
    )


def _check_sampling(
    label_mode: str, distribution: str, p_plant: float, n_train: int, n_test: int, seed: int
) -> tuple[float, int, int, int]:
    """The checks :func:`make_task` and :func:`task_from_clauses` share (labels and sampling);
    returns ``(p_plant, n_train, n_test, seed)`` as plain Python numbers."""
    if label_mode not in LABEL_MODES:
        raise ValueError(f"unknown label_mode {label_mode!r}; allowed are {list(LABEL_MODES)}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            f"unknown distribution {distribution!r}; allowed are {list(DISTRIBUTIONS)}"
        )
    if isinstance(p_plant, bool) or not isinstance(p_plant, numbers.Real):
        raise TypeError(
            f"p_plant must be a number in [0, 1], got {p_plant!r} ({type(p_plant).__name__})"
        )
    if not (math.isfinite(p_plant) and 0.0 <= p_plant <= 1.0):
        raise ValueError(f"p_plant must be in [0, 1], got {p_plant}")
    return (
        float(p_plant),
        check_int("n_train", n_train),
        check_int("n_test", n_test),
        check_seed(seed),
    )


def clauses_from_lists(
    clauses: Sequence[Sequence[tuple[int, bool]]], n_vars: int
) -> tuple[tuple[Literal, ...], ...]:
    """Validate user-written clauses ``[[(var, negated), ...], ...]`` against ``n_vars``.

    There must be at least one clause, each with at least one literal; a literal is a pair of an
    integer variable in ``0..n_vars-1`` and a bool (``True`` = negated).
    """
    n_vars = check_int("n_vars", n_vars)
    if isinstance(clauses, (str, bytes)) or not isinstance(clauses, Sequence) or not clauses:
        raise ValueError(
            f"clauses must be a non-empty list of clauses [[(var, negated), ...], ...], "
            f"got {clauses!r}"
        )
    out = []
    for c, lits in enumerate(clauses):
        if isinstance(lits, (str, bytes)) or not isinstance(lits, Sequence) or not lits:
            raise ValueError(
                f"clause {c} must be a non-empty list of (var, negated) literals, got {lits!r}"
            )
        clause: list[Literal] = []
        for lit in lits:
            if isinstance(lit, (str, bytes)) or not isinstance(lit, Sequence) or len(lit) != 2:
                raise ValueError(
                    f"clause {c} has literal {lit!r}; a literal is a pair (var, negated)"
                )
            v, neg = lit
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(
                    f"clause {c} names variable {v!r} ({type(v).__name__}); variables are "
                    f"integers 0..{n_vars - 1}"
                )
            if not 0 <= v < n_vars:
                raise ValueError(
                    f"clause {c} names variable {v}; allowed variables are 0..{n_vars - 1}"
                )
            if not isinstance(neg, (bool, numbers.Integral)) or neg not in (0, 1):
                raise TypeError(
                    f"clause {c} has negation flag {neg!r} for variable {v}; allowed are "
                    f"True (negated) or False"
                )
            clause.append((int(v), bool(neg)))
        out.append(tuple(clause))
    return tuple(out)


def task_from_clauses(
    clauses: Sequence[Sequence[tuple[int, bool]]],
    n_vars: int,
    *,
    label_mode: str = "per_clause",
    distribution: str = "planted",
    p_plant: float = 0.5,
    n_train: int = 4096,
    n_test: int = 2048,
    seed: int = 0,
) -> BooleanTask:
    """A task from hand-written clauses (variables may be shared between clauses).

    The arguments mean what they mean in :func:`make_task` and are checked the same way.
    """
    p_plant, n_train, n_test, seed = _check_sampling(
        label_mode, distribution, p_plant, n_train, n_test, seed
    )
    cl = clauses_from_lists(clauses, n_vars)
    n_vars = int(n_vars)
    g = torch.Generator().manual_seed(seed)
    X_train = _sample(cl, n_vars, n_train, distribution, p_plant, g)
    X_test = _sample(cl, n_vars, n_test, distribution, p_plant, g)
    return BooleanTask(
        n_vars,
        cl,
        label_mode,
        X_train,
        evaluate_clauses(cl, X_train, label_mode),
        X_test,
        evaluate_clauses(cl, X_test, label_mode),
        seed,
    )


def _sample(
    clauses: tuple[tuple[Literal, ...], ...],
    n_vars: int,
    n: int,
    distribution: str,
    p_plant: float,
    g: torch.Generator,
) -> torch.Tensor:
    X = (torch.rand(n, n_vars, generator=g) < 0.5).float()
    if distribution == "planted":
        plant = torch.rand(n, len(clauses), generator=g) < p_plant
        for c, lits in enumerate(clauses):
            rows = plant[:, c]
            for v, neg in lits:
                X[rows, v] = 0.0 if neg else 1.0
    return X
