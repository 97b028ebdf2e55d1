"""How a parent neuron's incoming weights are shared out among its alpha children.

A *split* turns a parent layer's weight ``W`` of shape ``(h, d)`` into a boolean tensor of child
masks of shape ``(h, alpha, d)``: ``masks[i, k, j]`` says whether child ``k`` of parent ``i`` keeps
input ``j``. Every split here except :class:`Overlapping` is *disjoint and covering*: each input of
each parent goes to exactly one child, so the expanded layer keeps the parent's non-zero count.

Anything callable as ``split(weight, alpha, generator)`` that returns such masks (or, per parent,
``alpha`` lists of input indices) can be passed to :func:`expand_neurons.expand`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

__all__ = [
    "Split",
    "Random",
    "Grouped",
    "ClauseAligned",
    "FeatureBased",
    "Overlapping",
    "Packed",
    "Apart",
    "Fixed",
    "whole_clauses",
    "check_equal_coverage",
    "resolve",
    "check_masks",
]


class Split:
    """Base class: subclasses implement :meth:`masks`; ``disjoint`` says whether to validate
    that each input goes to exactly one child, ``empty_children`` whether a child may get no
    input at all (the structured splits below, when there are fewer clauses or groups than
    children; any other split must give every child at least one input)."""

    name: str = "split"
    disjoint: bool = True
    empty_children: bool = False

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        """Child masks ``(h, alpha, d)`` (bool) for a parent weight ``(h, d)``."""
        raise NotImplementedError

    def __call__(
        self, weight: torch.Tensor, alpha: int, generator: torch.Generator
    ) -> torch.Tensor:
        return self.masks(weight, alpha, generator)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _from_assignment(assign: torch.Tensor, alpha: int) -> torch.Tensor:
    """``(h, d)`` child indices in ``[0, alpha)`` -> ``(h, alpha, d)`` boolean masks."""
    return torch.nn.functional.one_hot(assign, alpha).permute(0, 2, 1).to(torch.bool)


def _random_balanced(h: int, d: int, alpha: int, generator: torch.Generator) -> torch.Tensor:
    """Independent balanced random assignments: ``(h, d)`` child indices, sizes differ by <= 1."""
    perm = torch.rand(h, d, generator=generator).argsort(dim=1)
    assign = torch.empty(h, d, dtype=torch.long)
    assign.scatter_(1, perm, (torch.arange(d) % alpha).expand(h, d).contiguous())
    return assign


class Random(Split):
    """Each parent's inputs are shuffled independently and dealt round-robin to its children.

    Child sizes are balanced (they differ by at most one input).
    """

    name = "random"

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        return _from_assignment(_random_balanced(h, d, alpha, generator), alpha)


class Grouped(Split):
    """Parents share their split within blocks: the structured split of the grouped layout.

    The ``h`` parents are cut into ``blocks`` contiguous blocks (parent ``i`` is in block
    ``i * blocks // h``); each block draws one balanced random partition of the inputs (as
    :class:`Random` draws per parent), and child ``k`` of every parent in the block gets part
    ``k``. ``blocks=1`` shares one partition across the layer; ``blocks=h`` is a per-parent
    random split. Because a block's children read the same inputs, the expanded layer can be
    computed as ``blocks * alpha`` dense products (``layout="grouped"`` of
    :func:`expand_neurons.expand`).

    Args:
        blocks: number of blocks, ``1 <= blocks <= h``.
    """

    name = "grouped"

    def __init__(self, blocks: int = 1) -> None:
        if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
            raise ValueError(f"blocks must be an integer >= 1, got {blocks!r}")
        self.blocks = blocks

    def block_of(self, h: int) -> torch.Tensor:
        """Block index ``(h,)`` of each of ``h`` parents."""
        if self.blocks > h:
            raise ValueError(
                f"Grouped(blocks={self.blocks}) needs at least {self.blocks} parents; "
                f"the layer has {h}"
            )
        return torch.arange(h) * self.blocks // h

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        block = self.block_of(h)
        assign = _random_balanced(self.blocks, d, alpha, generator)[block]
        return _from_assignment(assign, alpha)

    def __repr__(self) -> str:
        return f"Grouped(blocks={self.blocks})"


class ClauseAligned(Split):
    """All inputs of one clause go to the same child (needs the task's clause structure).

    For each parent, clauses are ranked by the parent's absolute weight on their inputs and dealt
    round-robin to the children, so the clauses a parent carries most end up in different children.
    An input used by several clauses follows the first of them in that ranking. Inputs that belong
    to no clause are dealt at random to the children with the fewest inputs.

    Args:
        groups: input indices of each clause (``task.clause_inputs``).
        n_inputs: number of inputs ``d`` of the layer this split applies to.
        order: ``"weight"`` (rank clauses by the parent's weight mass) or ``"index"``.
    """

    name = "clause"
    empty_children = True  # fewer clauses than children leave the extra children empty

    def __init__(
        self, groups: Sequence[Sequence[int]], n_inputs: int, order: str = "weight"
    ) -> None:
        if order not in ("weight", "index"):
            raise ValueError(f"order must be 'weight' or 'index', got {order!r}")
        self.groups = [sorted({int(j) for j in g}) for g in groups]
        self.n_inputs = int(n_inputs)
        self.order = order
        for c, g in enumerate(self.groups):
            if not g:
                raise ValueError(f"clause {c} has no inputs")
            bad = [j for j in g if not 0 <= j < self.n_inputs]
            if bad:
                raise ValueError(
                    f"clause {c} names inputs {bad}; allowed are 0..{self.n_inputs - 1}"
                )

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        if d != self.n_inputs:
            raise ValueError(
                f"ClauseAligned was built for {self.n_inputs} inputs but the layer has {d}; "
                "a clause-aligned split only applies to the input layer. For deeper layers pass "
                "a list of splits, e.g. split=[ClauseAligned(...), 'random', ...]"
            )
        mass = weight.detach().abs().cpu()
        assign = torch.full((h, d), -1, dtype=torch.long)
        for i in range(h):
            if self.order == "weight":
                scores = torch.tensor([float(mass[i, g].sum()) for g in self.groups])
                ranking = torch.argsort(-scores, stable=True).tolist()
            else:
                ranking = list(range(len(self.groups)))
            for r, c in enumerate(ranking):
                idx = torch.tensor(self.groups[c])
                free = idx[assign[i, idx] < 0]
                assign[i, free] = r % alpha
            rest = (assign[i] < 0).nonzero().flatten()
            if len(rest):
                rest = rest[torch.randperm(len(rest), generator=generator)]
                sizes = torch.bincount(assign[i][assign[i] >= 0], minlength=alpha)
                for j in rest.tolist():
                    k = int(torch.argmin(sizes))
                    assign[i, j] = k
                    sizes[k] += 1
        return _from_assignment(assign, alpha)

    def __repr__(self) -> str:
        return f"ClauseAligned({len(self.groups)} clauses, n_inputs={self.n_inputs})"


def _kmeans_cosine(
    x: torch.Tensor, k: int, generator: torch.Generator, iters: int = 50
) -> torch.Tensor:
    """Spherical k-means with k-means++ seeding; ``x`` is ``(n, p)``, returns labels ``(n,)``."""
    n = x.shape[0]
    z = torch.nn.functional.normalize(x, dim=1)
    centers = [int(torch.randint(n, (1,), generator=generator))]
    for _ in range(1, k):
        sim = z @ z[centers].T
        dist = (1 - sim.max(dim=1).values).clamp_min(0) + 1e-12
        centers.append(int(torch.multinomial(dist / dist.sum(), 1, generator=generator)))
    c = z[centers].clone()
    labels = torch.full((n,), -1, dtype=torch.long)
    for _ in range(iters):
        new = (z @ c.T).argmax(dim=1)
        if torch.equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = z[labels == j]
            if len(members):
                c[j] = torch.nn.functional.normalize(members.sum(0), dim=0)
    return labels


class FeatureBased(Split):
    """Cluster inputs by the first-layer Gram matrix, then deal clusters out evenly.

    Rows of ``G = W^T W`` (``d x d``) describe which inputs the layer treats alike; spherical
    k-means on them gives ``n_groups`` pseudo-features. For each parent the groups are assigned
    to children largest first, each to the child with the fewest inputs so far (ties at random),
    so every child gets whole groups and sizes stay as balanced as the groups allow.

    Args:
        n_groups: number of pseudo-features; default ``max(alpha, round(sqrt(d)))``.
    """

    name = "feature"
    empty_children = True  # fewer groups than children leave the extra children empty

    def __init__(self, n_groups: int | None = None) -> None:
        if n_groups is not None and n_groups < 1:
            raise ValueError(f"n_groups must be a positive integer, got {n_groups!r}")
        self.n_groups = n_groups

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        w = weight.detach().cpu().double()
        k = self.n_groups or max(alpha, round(math.sqrt(d)))
        k = min(k, d)
        labels = _kmeans_cosine(w.T @ w, k, generator)
        groups = [(labels == g).nonzero().flatten() for g in range(k)]
        groups = [g for g in groups if len(g)]
        sizes_of = torch.tensor([len(g) for g in groups], dtype=torch.float64)
        assign = torch.empty(h, d, dtype=torch.long)
        for i in range(h):
            jitter = torch.rand(len(groups), generator=generator, dtype=torch.float64)
            order = torch.argsort(-(sizes_of + 0.5 * jitter)).tolist()
            sizes = torch.zeros(alpha)
            for g in order:
                child = int(torch.argmin(sizes + 1e-3 * torch.rand(alpha, generator=generator)))
                assign[i, groups[g]] = child
                sizes[child] += len(groups[g])
        return _from_assignment(assign, alpha)

    def __repr__(self) -> str:
        return f"FeatureBased(n_groups={self.n_groups})"


class Overlapping(Split):
    """Ablation: each child draws its own random inputs, independently of its siblings.

    Children get the same sizes as in :class:`Random` (so the same non-zero count), but their
    input sets may overlap and some inputs may be left out entirely.
    """

    name = "overlap"
    disjoint = False

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        sizes = [d // alpha + (1 if k < d % alpha else 0) for k in range(alpha)]
        masks = torch.zeros(h, alpha, d, dtype=torch.bool)
        for k, size in enumerate(sizes):
            picks = torch.rand(h, d, generator=generator).argsort(dim=1)[:, :size]
            masks[:, k].scatter_(1, picks, True)
        return masks


class _FixedCoverage(Split):
    """Keep a parent's ``whole`` heaviest clauses whole, cut every other clause.

    Which clauses stay whole depends only on the parent's weight (the clauses with the largest
    absolute weight mass on their inputs, ties by index), so :class:`Packed` and :class:`Apart`
    applied to the same weight keep the *same* clauses whole in every parent: equal coverage.
    They differ only in where the kept clauses go (:meth:`_child_of`). Every other clause is cut:
    its literals are dealt one at a time to the child with the fewest inputs so far (ties at
    random), except that a clause's last literal never joins a child holding all the others.
    Inputs of no clause go to the smallest children last.

    Args:
        groups: input indices of each clause (``task.clause_inputs``); disjoint, two or more
            inputs each (a one-input clause cannot be cut).
        n_inputs: number of inputs ``d`` of the layer this split applies to.
        whole: clauses kept whole per parent, ``2 <= whole <= len(groups)``.
    """

    empty_children = True

    def __init__(self, groups: Sequence[Sequence[int]], n_inputs: int, whole: int = 2) -> None:
        self.groups = [sorted({int(j) for j in g}) for g in groups]
        self.n_inputs = int(n_inputs)
        if isinstance(whole, bool) or not isinstance(whole, int) or not 2 <= whole <= len(groups):
            raise ValueError(
                f"whole must be an integer in 2..{len(groups)} (the number of clauses), "
                f"got {whole!r}"
            )
        self.whole = whole
        seen: dict[int, int] = {}
        for c, g in enumerate(self.groups):
            if len(g) < 2:
                raise ValueError(
                    f"clause {c} has {len(g)} input(s); {type(self).__name__} needs two or more "
                    "per clause, since it must be able to cut every clause it does not keep whole"
                )
            bad = [j for j in g if not 0 <= j < self.n_inputs]
            if bad:
                raise ValueError(
                    f"clause {c} names inputs {bad}; allowed are 0..{self.n_inputs - 1}"
                )
            for j in g:
                if j in seen:
                    raise ValueError(
                        f"clauses {seen[j]} and {c} share input {j}; "
                        f"{type(self).__name__} needs clauses on disjoint inputs"
                    )
                seen[j] = c

    def _child_of(self, rank: int, alpha: int) -> int:
        """The child of the kept clause ranked ``rank`` (0 = heaviest)."""
        raise NotImplementedError

    def _check_alpha(self, alpha: int) -> None:
        if alpha < 2:
            raise ValueError(f"{type(self).__name__} needs alpha >= 2 children, got {alpha}")

    def kept(self, weight: torch.Tensor) -> torch.Tensor:
        """``(h, whole)`` indices of the clauses each parent keeps whole, heaviest first."""
        mass = weight.detach().abs().cpu().double()
        scores = torch.stack([mass[:, g].sum(dim=1) for g in self.groups], dim=1)  # (h, m)
        return torch.argsort(-scores, dim=1, stable=True)[:, : self.whole]

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        if d != self.n_inputs:
            raise ValueError(
                f"{type(self).__name__} was built for {self.n_inputs} inputs but the layer has "
                f"{d}; it only applies to the input layer"
            )
        self._check_alpha(alpha)
        kept = self.kept(weight)
        assign = torch.full((h, d), -1, dtype=torch.long)
        for i in range(h):
            sizes = torch.zeros(alpha)
            for rank, c in enumerate(kept[i].tolist()):
                child = self._child_of(rank, alpha)
                assign[i, self.groups[c]] = child
                sizes[child] += len(self.groups[c])
            chosen = set(kept[i].tolist())
            others = [c for c in range(len(self.groups)) if c not in chosen]
            order = torch.randperm(len(others), generator=generator).tolist()
            for c in (others[t] for t in order):
                used: set[int] = set()
                for t, j in enumerate(self.groups[c]):
                    score = sizes + 1e-3 * torch.rand(alpha, generator=generator)
                    if t == len(self.groups[c]) - 1 and len(used) == 1:
                        score[used.pop()] = math.inf  # the last literal must cut the clause
                    child = int(torch.argmin(score))
                    assign[i, j] = child
                    used.add(child)
                    sizes[child] += 1
            for j in (assign[i] < 0).nonzero().flatten().tolist():
                child = int(torch.argmin(sizes + 1e-3 * torch.rand(alpha, generator=generator)))
                assign[i, j] = child
                sizes[child] += 1
        masks = _from_assignment(assign, alpha)
        whole = whole_clauses(masks, self.groups)
        expected = torch.zeros_like(whole).scatter_(1, kept, True)
        if not torch.equal(whole, expected):  # a bug here, never a user error
            raise RuntimeError(f"{type(self).__name__} kept other clauses whole than it chose")
        return masks

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.groups)} clauses, whole={self.whole})"


class Packed(_FixedCoverage):
    """Collision on purpose: a parent's ``whole`` heaviest clauses all go whole to child 0.

    Child 0 is then polysemantic for them (``whole * (whole - 1) / 2`` colliding pairs per
    parent); every other clause is cut. Same coverage as :class:`Apart` on the same weight.
    """

    name = "packed"

    def _child_of(self, rank: int, alpha: int) -> int:
        return 0


class Apart(_FixedCoverage):
    """No collision: a parent's ``whole`` heaviest clauses go whole to different children.

    Kept clause ``r`` (heaviest first) goes to child ``r``, so it needs ``whole <= alpha``;
    every other clause is cut. Same coverage as :class:`Packed` on the same weight.
    """

    name = "apart"

    def _check_alpha(self, alpha: int) -> None:
        if alpha < self.whole:
            raise ValueError(
                f"Apart(whole={self.whole}) keeps {self.whole} clauses in different children and "
                f"needs alpha >= {self.whole}, got {alpha}"
            )

    def _child_of(self, rank: int, alpha: int) -> int:
        return rank


def whole_clauses(masks: torch.Tensor, groups: Sequence[Sequence[int]]) -> torch.Tensor:
    """``(h, m)`` bool: clause ``c`` has all its inputs in one child of parent ``i``.

    Args:
        masks: child masks ``(h, alpha, d)`` (bool).
        groups: input indices of each of the ``m`` clauses.
    """
    if masks.ndim != 3:
        raise ValueError(
            f"masks must have shape (parents, alpha, inputs), got {tuple(masks.shape)}"
        )
    m = masks.to(torch.bool)
    return torch.stack(
        [m[:, :, torch.as_tensor(list(g), dtype=torch.long)].all(dim=2).any(dim=1) for g in groups],
        dim=1,
    )


def check_equal_coverage(
    a: torch.Tensor, b: torch.Tensor, groups: Sequence[Sequence[int]]
) -> torch.Tensor:
    """The ``(h, m)`` whole-clause table shared by masks ``a`` and ``b`` (each ``(h, alpha, d)``).

    Raises ``ValueError`` naming the first parent and clause kept whole by one and not the other.
    """
    if a.shape != b.shape:
        raise ValueError(f"masks of shapes {tuple(a.shape)} and {tuple(b.shape)} differ")
    wa, wb = whole_clauses(a, groups), whole_clauses(b, groups)
    if not torch.equal(wa, wb):
        i, c = (wa != wb).nonzero()[0].tolist()
        which = "the first" if bool(wa[i, c]) else "the second"
        raise ValueError(
            f"coverage differs: clause {c} of parent {i} is whole only in {which} split"
        )
    return wa


class Fixed(Split):
    """A user-given split: ``groups[i][k]`` lists the inputs of child ``k`` of parent ``i``.

    ``groups`` may also be a single list of ``alpha`` index lists, used for every parent.
    """

    name = "fixed"

    def __init__(self, groups: Sequence) -> None:
        self.groups = groups

    def masks(self, weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
        h, d = weight.shape
        per_parent = self.groups
        if per_parent and per_parent[0] and not isinstance(per_parent[0][0], Sequence):
            per_parent = [per_parent] * h
        return _groups_to_masks(per_parent, h, alpha, d)


def _groups_to_masks(groups: Sequence, h: int, alpha: int, d: int) -> torch.Tensor:
    if len(groups) != h:
        raise ValueError(f"split gave groups for {len(groups)} parents, the layer has {h}")
    masks = torch.zeros(h, alpha, d, dtype=torch.bool)
    for i, children in enumerate(groups):
        if len(children) != alpha:
            raise ValueError(f"split gave parent {i} {len(children)} children; alpha is {alpha}")
        for k, idx in enumerate(children):
            idx = torch.as_tensor(list(idx), dtype=torch.long)
            if len(idx) and (idx.min() < 0 or idx.max() >= d):
                raise ValueError(
                    f"split gave child {k} of parent {i} input indices outside 0..{d - 1}"
                )
            masks[i, k, idx] = True
    return masks


def check_masks(
    masks: torch.Tensor,
    h: int,
    alpha: int,
    d: int,
    *,
    disjoint: bool = True,
    empty_children: bool = False,
    where: str = "",
) -> torch.Tensor:
    """Validate child masks ``(h, alpha, d)``; raise ``ValueError`` saying what is wrong.

    A disjoint split must give each input of each parent to exactly one child; unless
    ``empty_children``, every child must get at least one input.
    """
    prefix = f"{where}: " if where else ""
    if masks is None or not isinstance(masks, (torch.Tensor, list, tuple)):
        raise TypeError(
            f"{prefix}split returned {type(masks).__name__}; a split must return a bool "
            f"torch.Tensor of shape (parents, alpha, inputs) = {(h, alpha, d)} (or, per parent, "
            "alpha lists of input indices); convert a numpy array with torch.from_numpy"
        )
    if not isinstance(masks, torch.Tensor):
        masks = _groups_to_masks(masks, h, alpha, d)
    if tuple(masks.shape) != (h, alpha, d):
        raise ValueError(
            f"{prefix}split returned masks of shape {tuple(masks.shape)}; "
            f"expected (parents, alpha, inputs) = {(h, alpha, d)}"
        )
    masks = masks.to(torch.bool)
    if disjoint:
        uses = masks.sum(dim=1)
        if (uses > 1).any():
            i, j = (uses > 1).nonzero()[0].tolist()
            raise ValueError(
                f"{prefix}split is not disjoint: input {j} of parent {i} goes to {int(uses[i, j])} "
                "children; each input must go to exactly one child (or mark the split "
                "disjoint=False, like splits.Overlapping)"
            )
        if (uses == 0).any():
            i, j = (uses == 0).nonzero()[0].tolist()
            raise ValueError(
                f"{prefix}split does not cover all inputs: input {j} of parent {i} goes to no "
                "child; each input must go to exactly one child"
            )
    if not empty_children and not bool(masks.any(dim=2).all()):
        i, k = (~masks.any(dim=2)).nonzero()[0].tolist()
        raise ValueError(
            f"{prefix}split leaves child {k} of parent {i} with no inputs; every child needs at "
            "least one input"
        )
    return masks


SplitSpec = str | Split | Callable[[torch.Tensor, int, torch.Generator], torch.Tensor]

_BY_NAME: dict[str, Callable[[], Split]] = {
    "random": Random,
    "grouped": Grouped,
    "feature": FeatureBased,
    "overlap": Overlapping,
}


def resolve(spec: SplitSpec) -> Split | Callable:
    """A split object from a name (``'random'``, ``'grouped'``, ``'feature'``, ``'overlap'``)."""
    if isinstance(spec, str):
        if spec == "clause":
            raise ValueError(
                "the clause-aligned split needs the clause structure: pass "
                "split=splits.ClauseAligned(task.clause_inputs, task.n_inputs)"
            )
        if spec not in _BY_NAME:
            raise ValueError(f"unknown split {spec!r}; allowed names are {sorted(_BY_NAME)}")
        return _BY_NAME[spec]()
    if isinstance(spec, type):
        raise TypeError(
            f"split={spec.__name__} is a class; pass an instance, e.g. split={spec.__name__}()"
        )
    if callable(spec):
        return spec
    raise TypeError(f"split must be a name {sorted(_BY_NAME)} or a callable split, got {spec!r}")
