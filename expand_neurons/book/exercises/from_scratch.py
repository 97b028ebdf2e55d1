"""Checkers of the FPE chapter's "Build FPE yourself": the learner writes FPE in five steps.

The learner's code must share the conventions of :func:`expand_neurons.expand` (``h`` parents,
``d`` inputs, ``c`` outputs, ``alpha`` children per parent):

- child ``k`` of parent ``i`` is hidden neuron ``alpha * i + k``;
- one ``torch.Generator`` seeded with ``seed`` first draws the split, then the random order in
  which weights of equal magnitude are pruned;
- a parent's bias ``b`` becomes ``b / alpha`` in each child (``bias="split"``, the default), and
  biases count in the non-zero budget;
- pruned and split-away weights are fixed zeros: a mask kept as a parametrization of the layer.

The steps and their checkers:

1. :func:`check_split_masks`: ``split_masks(weight (h, d), alpha, generator) -> (h, alpha, d)``;
2. :func:`check_expand_first_layer`: ``expand_first_layer(weight (h, d), bias (h,), masks
   (h, alpha, d)) -> (weight (alpha*h, d), bias (alpha*h,))``;
3. :func:`check_copy_outgoing`: ``copy_outgoing(weight (c, h), alpha) -> (c, alpha*h)``;
4. :func:`check_prune_to_budget`: ``prune_to_budget(weights, budget, generator) -> keep masks``;
5. :func:`check_my_expand`: ``my_expand(model, alpha, seed) -> model``.

Each checker runs the learner's function on random models and shapes, compares it with
``expand`` and names what is wrong. No reference answer is importable: the solutions are written
in the chapter's solution dropdowns only.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from torch import nn

from ... import splits
from ...expansion import count_nonzero, expand
from ...models import seeded_mlp
from .core import ExerciseError, exercise, fail

__all__ = [
    "check_split",
    "check_split_masks",
    "check_expand_first_layer",
    "check_copy_outgoing",
    "check_prune_to_budget",
    "check_my_expand",
]

_SplitFn = Callable[[torch.Tensor, int, torch.Generator], torch.Tensor]

#: ``(d, h, c, alpha)`` of the random ``d -> h -> c`` models the checkers expand, model ``n``
#: drawn from seed ``n``; ``d`` is not always a multiple of ``alpha``.
_SHAPES = [(7, 3, 2, 2), (10, 4, 3, 3), (12, 5, 4, 4), (9, 2, 5, 2), (16, 4, 6, 5)]

#: The check that parents are split independently: ``_DRAWS`` calls at ``(h, d, alpha)``.
_PARENTS_SHAPE, _DRAWS = (8, 7, 2), 60


def _ends(model: nn.Sequential) -> tuple[nn.Linear, nn.Linear]:
    """The first and the last layer of a ``d -> h -> c`` MLP (masked layout)."""
    return cast(nn.Linear, model[0]), cast(nn.Linear, model[-1])


def _models() -> list[tuple[nn.Sequential, int, int]]:
    """The checkers' random models ``d -> h -> c`` (ReLU), each with its ``alpha`` and seed.

    Each shape of :data:`_SHAPES` comes twice: as drawn, and with every first-layer weight moved
    one unit away from zero and every outgoing weight of magnitude 0.5, so that the pruning
    falls on the copies of the outgoing weights and has to choose among many equal magnitudes.
    """
    out: list[tuple[nn.Sequential, int, int]] = []
    for seed, (d, h, c, alpha) in enumerate(_SHAPES):
        for ties in (False, True):
            model = seeded_mlp(seed, d, h, c)
            if ties:
                first, last = _ends(model)
                with torch.no_grad():
                    first.weight.add_(first.weight.sign())  # (h, d): |w| > 1
                    last.weight.copy_(0.5 * last.weight.sign())  # (c, h): |w| = 0.5
            out.append((model, alpha, seed))
    return out


def _given(masks: torch.Tensor) -> _SplitFn:
    """A split that returns ``masks`` ``(h, alpha, d)`` and draws nothing."""
    return lambda weight, alpha, generator: masks


def _params(wide: nn.Sequential) -> list[torch.Tensor]:
    """``[W1' (alpha*h, d), b1' (alpha*h,), W2' (c, alpha*h), b2 (c,)]`` of a model expanded by
    :func:`expand`, masks applied."""
    first, last = _ends(wide)
    return [first.weight.detach(), first.bias.detach(), last.weight.detach(), last.bias.detach()]


def _reference(
    model: nn.Sequential, alpha: int, split: Any, seed: int, prune: bool = True
) -> list[torch.Tensor]:
    """:func:`_params` of ``expand(model, alpha, split, seed=seed, prune=prune)``."""
    return _params(expand(model, alpha, split, seed=seed, prune=prune))


def _unchanged(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor]) -> None:
    """Fail if the learner changed a tensor it was given (``after``: what it was handed)."""
    if not all(torch.equal(b, a) for b, a in zip(before, after)):
        fail("do not change the tensors you are given in place: return new ones")


def _tensor(out: object, what: str, shape: tuple[int, ...]) -> torch.Tensor:
    """``out`` as a tensor of ``shape``, or an error naming ``what`` and the shape wanted."""
    if not isinstance(out, torch.Tensor):
        fail(f"return {what} as a tensor, got {type(out).__name__}")
    if tuple(out.shape) != shape:
        fail(f"{what} must have shape {shape}, got {tuple(out.shape)}")
    return out.detach()


# ---------------------------------------------------------------- step 1: the split masks


def _check_parents_independent(split: _SplitFn) -> None:
    """Two parents of one layer get the same split hardly more often than chance (one split
    shared by blocks of parents fails)."""
    h, d, alpha = _PARENTS_SHAPE
    weight = torch.randn(h, d, generator=torch.Generator().manual_seed(1))  # (h, d)
    child = torch.stack(
        [
            split(weight, alpha, torch.Generator().manual_seed(s)).int().argmax(dim=1)
            for s in range(_DRAWS)
        ]
    )  # (draws, h, d): the child of each input
    same = (child[:, :, None, :] == child[:, None, :, :]).all(dim=-1)  # (draws, h, h)
    pairs = torch.triu(torch.ones(h, h, dtype=torch.bool), diagonal=1)  # (h, h): i < i'
    rate = float(same[:, pairs].double().mean())
    if rate > 0.1:
        chance = 1 / math.comb(d, d // alpha)  # at least comb(d, d // alpha) balanced splits
        fail(
            f"in {100 * rate:.0f} % of the pairs of parents of one layer (d={d}, alpha={alpha}) "
            f"both got the same split, where independent draws give at most {100 * chance:.1f} "
            "%: draw each parent's order separately (one row of random numbers per parent)"
        )


def _masks(
    split: Callable[[torch.Tensor, int, torch.Generator], Any],
    h: int,
    d: int,
    alpha: int,
    seed: int,
) -> torch.Tensor:
    """The learner's masks for a random ``(h, d)`` weight, checked for type, shape and dtype."""
    weight = torch.randn(h, d, generator=torch.Generator().manual_seed(100 + seed))  # (h, d)
    out = split(weight, alpha, torch.Generator().manual_seed(seed))
    if not isinstance(out, torch.Tensor):
        fail(f"return a tensor of child masks, got {type(out).__name__}")
    shape = tuple(out.shape)
    if shape != (h, alpha, d):
        order = (
            " (the axes are in the wrong order: parent, child, input)"
            if sorted(shape) == sorted((h, alpha, d))
            else ""
        )
        fail(
            f"for h={h}, d={d}, alpha={alpha} the masks must have shape {(h, alpha, d)}, "
            f"got {shape}{order}"
        )
    if out.dtype != torch.bool:
        fail(f"return boolean masks (dtype torch.bool, e.g. `child == k`), got {out.dtype}")
    return out


#: Draws of the randomness check, and how far a frequency may stray from its expected value
#: (about five standard deviations of a frequency near 1/3 over 300 draws).
_DRAWS, _TOLERANCE = 300, 0.14


@exercise(
    hint=(
        "for each parent, draw a random order of its d inputs (torch.rand(h, d, "
        "generator=generator).argsort(dim=1)) and deal them to the children in turn "
        "(position % alpha)."
    )
)
def check_split(split: Callable[[torch.Tensor, int, torch.Generator], torch.Tensor]) -> str:
    """Check a learner's split ``(weight (h, d), alpha, generator) -> masks (h, alpha, d)``.

    Every input of every parent must go to exactly one child, the child sizes of a parent may
    differ by at most one, the randomness must come from ``generator`` (same generator state,
    same masks; another state, other masks), each parent must be split on its own, and the
    inputs dealt in random order (any two inputs share a child as often as a uniformly random
    balanced split says).
    """
    for h, d, alpha in [(3, 12, 2), (4, 10, 3), (2, 8, 8)]:
        out = _masks(split, h, d, alpha, 0)
        uses = out.sum(dim=1)  # (h, d): children holding each input
        if (uses == 0).any():
            fail("some input goes to no child: every input must go to exactly one child")
        if (uses > 1).any():
            fail("some input goes to two children: the children's inputs must be disjoint")
        sizes = out.sum(dim=2)  # (h, alpha)
        if int((sizes.max(dim=1).values - sizes.min(dim=1).values).max()) > 1:
            fail(
                f"child sizes {sizes[0].tolist()} for d={d}, alpha={alpha} are unbalanced: deal "
                "the inputs so that a parent's children differ by at most one input"
            )
    h, d, alpha = 6, 40, 4
    first, again = _masks(split, h, d, alpha, 0), _masks(split, h, d, alpha, 0)
    if not torch.equal(first, again):
        fail(
            "two calls with the same generator state gave different masks: draw every random "
            "number from `generator` (torch.rand(..., generator=generator)), not from torch's "
            "global generator, so that a seed reproduces the split"
        )
    if torch.equal(first, _masks(split, h, d, alpha, 1)):
        fail(
            "two different generator states gave the same masks: the split is deterministic; "
            "draw a random order of the inputs from `generator`"
        )
    if all(torch.equal(first[0], first[i]) for i in range(1, h)):
        fail(
            "every parent got the same split: draw a fresh random order for each parent "
            "(one row of torch.rand(h, d, ...) per parent)"
        )
    return _check_random_order(split)


def _check_random_order(split: Callable[[torch.Tensor, int, torch.Generator], Any]) -> str:
    """Over many generator states, every input lands in every child, and two neighbouring
    inputs share a child, about as often as under a uniformly random balanced split."""
    h, d, alpha = 1, 12, 3
    draws = torch.stack([_masks(split, h, d, alpha, s)[0] for s in range(_DRAWS)])  # (N, a, d)
    in_child = draws.float().mean(dim=0)  # (alpha, d): how often input j is in child k
    together = (draws[:, :, 0] & draws[:, :, 1]).any(dim=1).float().mean().item()
    n = d // alpha
    want_together = alpha * n * (n - 1) / (d * (d - 1))
    worst = float((in_child - 1 / alpha).abs().max())
    if worst > _TOLERANCE:
        k, j = divmod(int((in_child - 1 / alpha).abs().argmax()), d)
        fail(
            f"over {_DRAWS} generator states input {j} went to child {k} in "
            f"{100 * in_child[k, j]:.0f} % of the draws, not about {100 / alpha:.0f} %: every "
            "input must be equally likely to go to every child"
        )
    if abs(together - want_together) > _TOLERANCE:
        fail(
            f"over {_DRAWS} generator states inputs 0 and 1 shared a child in "
            f"{100 * together:.0f} % of the draws, where a random order gives "
            f"{100 * want_together:.0f} %: deal the inputs in a random order, not in fixed "
            "blocks or a fixed pattern"
        )
    return (
        "Correct: disjoint, covering, balanced, reproducible from the generator, drawn "
        "independently for each parent, and in random order."
    )


@exercise(
    hint=(
        "torch.rand(h, d, generator=generator).argsort(dim=1) gives each parent its own random "
        "order of its inputs; deal them round-robin: the input at position p goes to child "
        "p % alpha."
    )
)
def check_split_masks(split_masks: _SplitFn) -> str:
    """Check ``split_masks(weight (h, d), alpha, generator) -> masks (h, alpha, d)`` (bool).

    Everything :func:`check_split` asks of a random split
    (disjoint, covering, balanced, drawn from ``generator`` only, per parent, in random order),
    then that no two parents share their split more often than chance, and that
    :func:`expand` accepts it.
    """
    inspect.unwrap(check_split)(split_masks)
    _check_parents_independent(split_masks)
    try:
        expand(seeded_mlp(0, 10, 4, 3), 3, split_masks, seed=0)
    except ValueError as e:
        raise ExerciseError(f"expand refuses your split: {e}") from None
    return (
        "Correct: disjoint, covering, balanced, drawn from the generator, independently for each "
        "parent and in random order; expand accepts it."
    )


# -------------------------------------------------------- step 2: the expanded first layer


def _first_layer_error(
    got: torch.Tensor, want: torch.Tensor, weight: torch.Tensor, alpha: int
) -> str:
    """Why ``got`` is not the expanded first-layer weight ``want`` ``(alpha*h, d)``."""
    h, d = weight.shape
    if int(got.count_nonzero()) > int(want.count_nonzero()):
        return (
            f"W1' has {int(got.count_nonzero())} non-zeros, expected {int(want.count_nonzero())} "
            "(those of W): each child keeps the parent's weights only on its own inputs, "
            "W[i] * masks[i, k]"
        )
    by_child = want.view(h, alpha, d).transpose(0, 1).reshape(alpha * h, d)  # row k*h + i
    if torch.allclose(got, by_child):
        return (
            "your rows are grouped by child (row k*h + i); expand puts the children of one parent "
            "next to each other: child k of parent i is row alpha*i + k"
        )
    r = int((~torch.isclose(got, want)).any(dim=1).nonzero()[0])
    return (
        f"row {r} (child {r % alpha} of parent {r // alpha}) should be "
        f"W[{r // alpha}] * masks[{r // alpha}, {r % alpha}], and is not"
    )


def _bias_error(got: torch.Tensor, bias: torch.Tensor, alpha: int) -> str:
    """Why ``got`` is not the children's biases ``(alpha*h,)`` of parents' biases ``bias``."""
    copied = bias.repeat_interleave(alpha)  # (alpha*h,)
    first = copied * (torch.arange(len(copied)) % alpha == 0)
    if torch.allclose(got, copied) or torch.allclose(got, first):
        return (
            "the library's default (bias='split') gives each child b / alpha, so that with a "
            "linear activation the children's pre-activations add up to the parent's"
        )
    if torch.allclose(got, bias.repeat(alpha) / alpha):
        return "the children's biases are in child-major order: child k of parent i is alpha*i + k"
    return "child k of parent i (row alpha*i + k) gets the bias b[i] / alpha"


@exercise(
    hint=(
        "weight[:, None, :] * masks is (h, alpha, d), child k of parent i at [i, k]; reshape it "
        "to (alpha*h, d). Each child's bias is b / alpha: repeat_interleave, then divide."
    )
)
def check_expand_first_layer(
    expand_first_layer: Callable[
        [torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
    ],
) -> str:
    """Check ``expand_first_layer(weight (h, d), bias (h,), masks (h, alpha, d)) -> (weight
    (alpha*h, d), bias (alpha*h,))`` against the first layer of ``expand(..., prune=False)``
    with the same masks (child ``k`` of parent ``i`` at row ``alpha*i + k``, bias ``b /
    alpha``)."""
    cases = _models()
    for model, alpha, seed in cases:
        first = _ends(model)[0]
        weight, bias = first.weight.detach(), first.bias.detach()
        h, d = weight.shape
        masks = splits.Random()(weight, alpha, torch.Generator().manual_seed(seed))
        want_w, want_b, _, _ = _reference(model, alpha, _given(masks), seed, prune=False)
        given = [weight.clone(), bias.clone(), masks.clone()]
        out = expand_first_layer(*given)
        _unchanged([weight, bias, masks], given)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            fail("return a pair: (weight (alpha*h, d), bias (alpha*h,))")
        if isinstance(out[0], torch.Tensor) and tuple(out[0].shape) == (h, alpha, d):
            fail("stack the children as rows: reshape (h, alpha, d) to (alpha*h, d)")
        got_w = _tensor(out[0], f"the weight for h={h}, d={d}, alpha={alpha}", (alpha * h, d))
        got_b = _tensor(out[1], f"the bias for h={h}, alpha={alpha}", (alpha * h,))
        if not torch.allclose(got_w, want_w):
            fail(
                f"h={h}, d={d}, alpha={alpha}: " + _first_layer_error(got_w, want_w, weight, alpha)
            )
        if not torch.allclose(got_b, want_b):
            fail(f"h={h}, alpha={alpha}: " + _bias_error(got_b, bias, alpha))
    return (
        f"Correct: W1' and its biases match expand's (before pruning) on {len(cases)} random "
        "layers."
    )


# ----------------------------------------------------- step 3: the copied outgoing weights


@exercise(
    hint=(
        "column i of W2 holds parent i's outgoing weights; its alpha children sit next to each "
        "other, so repeat each column alpha times in place: weight.repeat_interleave(alpha, dim=1)."
    )
)
def check_copy_outgoing(copy_outgoing: Callable[[torch.Tensor, int], torch.Tensor]) -> str:
    """Check ``copy_outgoing(weight (c, h), alpha) -> (c, alpha*h)`` against the output layer
    of ``expand(..., prune=False)``: column ``alpha*i + k`` is a copy of column ``i``."""
    cases = _models()
    for model, alpha, seed in cases:
        weight = _ends(model)[1].weight.detach()
        c, h = weight.shape
        want = _reference(model, alpha, "random", seed, prune=False)[2]
        given = weight.clone()
        out = copy_outgoing(given, alpha)
        _unchanged([weight], [given])
        if isinstance(out, torch.Tensor) and tuple(out.shape) == (alpha * c, h):
            fail("copy the columns, not the rows: parent i's outgoing weights are column i of W2")
        got = _tensor(out, f"the copied weight for c={c}, h={h}, alpha={alpha}", (c, alpha * h))
        if torch.allclose(got, want):
            continue
        if torch.allclose(got, weight.repeat(1, alpha)):
            why = (
                "you tiled the whole matrix (column k*h + i copies column i); the children of "
                "parent i sit next to each other, so column alpha*i + k copies column i: "
                "repeat_interleave, not repeat"
            )
        elif torch.allclose(got * alpha, want):
            why = (
                "FPE copies without rescaling: every child sends its output with the parent's "
                "full outgoing weights (do not divide by alpha)"
            )
        else:
            why = "column alpha*i + k must be a copy of column i of W2"
        fail(f"c={c}, h={h}, alpha={alpha}: {why}")
    return f"Correct: W2' matches expand's (before pruning) on {len(cases)} random layers."


# --------------------------------------------------- step 4: global pruning to the budget


def _keep_error(
    weights: Sequence[torch.Tensor],
    keep: object,
    want: Sequence[torch.Tensor],
    budget: int,
) -> str | None:
    """Why ``keep`` (one mask per tensor of ``weights``) is not the keep masks ``want`` of
    global magnitude pruning to ``budget`` non-zeros, ties in the library's random order; None
    when it is."""
    if not isinstance(keep, (list, tuple)) or len(keep) != len(weights):
        return f"return one keep mask per weight tensor: a list of {len(weights)} bool tensors"
    names = ["W1'", "W2'"]
    masks = []
    for name, w, k in zip(names, weights, keep):
        if not isinstance(k, torch.Tensor) or k.shape != w.shape:
            got = tuple(k.shape) if isinstance(k, torch.Tensor) else type(k).__name__
            return f"the keep mask of {name} must be a tensor of its shape {tuple(w.shape)}: {got}"
        masks.append(k.detach() != 0)
    live = [w != 0 for w in weights]
    zeros = sum(int((k & ~lv).sum()) for k, lv in zip(masks, live))
    if zeros:
        return (
            f"you keep {zeros} entries that are zero already (split away): a zero costs nothing; "
            "keep only non-zero weights"
        )
    kept = sum(int(k.sum()) for k in masks)
    if kept != budget:
        more = "many" if kept > budget else "few"
        return (
            f"you keep {kept} weights where the budget is {budget}: {abs(kept - budget)} too "
            f"{more}; prune exactly (non-zero weights - budget) of them"
        )
    kept_min = min(
        ((float(w.abs()[k].min()), name) for w, k, name in zip(weights, masks, names) if k.any()),
        default=(math.inf, ""),
    )
    dropped_max = max(
        (
            (float(w.abs()[lv & ~k].max()), name)
            for w, k, lv, name in zip(weights, masks, live, names)
            if (lv & ~k).any()
        ),
        default=(-math.inf, ""),
    )
    if dropped_max[0] > kept_min[0]:
        return (
            f"wrong weights kept: you pruned a weight of magnitude {dropped_max[0]:.4f} in "
            f"{dropped_max[1]} but kept one of {kept_min[0]:.4f} in {kept_min[1]}; keep the "
            "largest magnitudes across all the tensors together (one threshold for all layers)"
        )
    if all(torch.equal(k, w) for k, w in zip(masks, want)):
        return None
    flat_live = torch.cat([lv.flatten() for lv in live])  # (N,)
    score = torch.where(flat_live, torch.cat([w.abs().flatten() for w in weights]), torch.inf)
    by_position = flat_live.clone()  # ties pruned in order of position
    by_position[torch.argsort(score, stable=True)[: int(flat_live.sum()) - budget]] = False
    position = (
        "you broke the ties by position, which always strips the same children; "
        if torch.equal(by_position, torch.cat([k.flatten() for k in masks]))
        else ""
    )
    tied = int(sum(int((w.abs() == dropped_max[0]).sum()) for w in weights))
    return (
        f"you kept the right magnitudes, but of the {tied} weights of magnitude "
        f"{dropped_max[0]:.4f} (copies of outgoing weights) you pruned others than expand "
        f"does: {position}draw shuffle = torch.randperm(N, generator=generator) over all N "
        "entries of the tensors (flattened and concatenated in order, zeros included) and, among "
        "equal magnitudes, prune first the one that comes first in shuffle"
    )


@exercise(
    hint=(
        "concatenate the flattened |w|, give zeros the score inf, draw shuffle = "
        "torch.randperm(N, generator=generator), sort score[shuffle] with a stable sort and "
        "prune the first (non-zero count - budget) of shuffle[that order]."
    )
)
def check_prune_to_budget(
    prune_to_budget: Callable[[list[torch.Tensor], int, torch.Generator], Sequence[torch.Tensor]],
) -> str:
    """Check ``prune_to_budget(weights, budget, generator) -> keep masks``: one bool mask per
    tensor of ``weights`` (here ``[W1' (alpha*h, d), W2' (c, alpha*h)]`` before pruning), True
    on the ``budget`` non-zero entries of largest magnitude across all tensors together, ties
    broken by ``torch.randperm(N, generator=generator)`` as :func:`expand` breaks them (the
    generator has drawn the split already)."""
    cases = _models()
    for model, alpha, seed in cases:
        w1, b1, w2, b2 = _reference(model, alpha, "random", seed, prune=False)
        want = _reference(model, alpha, "random", seed)
        generator = torch.Generator().manual_seed(seed)
        splits.Random()(_ends(model)[0].weight.detach(), alpha, generator)  # expand's split draws
        budget = count_nonzero(model) - int(b1.count_nonzero()) - int(b2.count_nonzero())
        given = [w1.clone(), w2.clone()]
        keep = prune_to_budget(given, budget, generator)
        _unchanged([w1, w2], given)
        error = _keep_error([w1, w2], keep, [want[0] != 0, want[2] != 0], budget)
        if error:
            h, d = _ends(model)[0].weight.shape
            fail(f"h={h}, d={d}, alpha={alpha}, budget {budget}: {error}")
    return f"Correct: your pruning keeps what expand keeps on {len(cases)} random models."


# --------------------------------------------------------------- step 5: put it together


def _linears(model: object) -> list[nn.Linear]:
    """The learner's two linear layers, first and last."""
    if not isinstance(model, nn.Module):
        fail(f"return the expanded model (an nn.Sequential), got {type(model).__name__}")
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(layers) != 2 or any(m.bias is None for m in layers):
        fail(
            "return a model like the one given: nn.Sequential(nn.Linear(d, alpha*h), activation, "
            f"nn.Linear(alpha*h, c)), biases included; got {len(layers)} linear layers"
        )
    return layers


def _count_error(got: int, budget: int, h: int, c: int, alpha: int) -> str:
    """Why the learner's model has ``got`` non-zero parameters instead of ``budget``."""
    diff = got - budget
    if diff == (alpha - 1) * (c * h + h):
        return (
            f"{diff} = (alpha - 1)(c h + h) too many: the copies and the children's biases are "
            "all still there; prune them away (step 4)"
        )
    if diff == (alpha - 1) * h:
        return (
            f"{diff} = (alpha - 1) h too many: the children's biases b / alpha are non-zero "
            "parameters too; the budget of the weights is count_nonzero(model) minus the non-zero "
            "biases after the expansion"
        )
    return f"{abs(diff)} too {'many' if diff > 0 else 'few'}"


def _weights_error(
    mine: Sequence[torch.Tensor], ref: Sequence[torch.Tensor], raw: Sequence[torch.Tensor]
) -> str | None:
    """Why the learner's ``[W1', b1', W2', b2]`` are not ``ref`` (expand's, pruned) given
    ``raw`` (expand's before pruning); None when they are."""
    if not torch.allclose(mine[1], ref[1]):
        return "the first layer's biases differ: child k of parent i gets b[i] / alpha (step 2)"
    if not torch.allclose(mine[3], ref[3]):
        return "the output layer's bias stays as it was"
    hints = {
        0: "split W1 with masks = split_masks(W1, alpha, generator), the generator seeded with "
        "seed and nothing drawn from it before; child k of parent i in row alpha*i + k (step 2)",
        2: "column alpha*i + k of W2' copies column i of W2 (step 3)",
    }
    for index, name in ((0, "W1'"), (2, "W2'")):
        wrong = (mine[index] != 0) & ~torch.isclose(mine[index], raw[index])
        if wrong.any():
            r, j = wrong.nonzero()[0].tolist()
            return (
                f"{name}[{r}, {j}] = {float(mine[index][r, j]):.4f}, where expand with your "
                f"split_masks and the same seed has {float(raw[index][r, j]) + 0.0:.4f} before "
                "pruning: " + hints[index]
            )
    weights, kept = [raw[0], raw[2]], [mine[0] != 0, mine[2] != 0]
    budget = sum(int(k.sum()) for k in kept)
    error = _keep_error(weights, kept, [ref[0] != 0, ref[2] != 0], budget)
    return None if error is None else f"{error} (with the generator that drew the split, step 4)"


def _revived(model: nn.Module, x: torch.Tensor) -> tuple[int, int] | None:
    """After one SGD step on a copy of ``model``: ``(layer, count)`` of zero weights that came
    back, or None."""
    trial = copy.deepcopy(model)
    layers = _linears(trial)
    zero = [m.weight.detach() == 0 for m in layers]
    optimiser = torch.optim.SGD(trial.parameters(), lr=0.1)
    trial(x).pow(2).sum().backward()
    optimiser.step()
    for n, (m, z) in enumerate(zip(layers, zero)):
        count = int((z & (m.weight.detach() != 0)).sum())
        if count:
            return n, count
    return None


@exercise(
    hint=(
        "generator = torch.Generator().manual_seed(seed); split_masks, expand_first_layer, "
        "copy_outgoing, then prune_to_budget with budget = count_nonzero(model) minus the "
        "non-zero biases; build two nn.Linear and fix their masks with "
        "expand_neurons.masking.set_mask."
    )
)
def check_my_expand(
    my_expand: Callable[[nn.Sequential, int, int], nn.Module], split_masks: _SplitFn
) -> str:
    """Check ``my_expand(model, alpha, seed) -> model`` on random ``d -> h -> c`` MLPs against
    ``expand(model, alpha, split_masks, seed=seed)``: the same non-zero count (exactly the
    dense model's), weights, biases and function, the masks fixed through training, the given
    model unchanged."""
    cases = _models()
    for model, alpha, seed in cases:
        (h, d), c = _ends(model)[0].weight.shape, _ends(model)[1].out_features
        where = f"d={d}, h={h}, c={c}, alpha={alpha}, seed={seed}"
        state = {k: v.clone() for k, v in model.state_dict().items()}
        mine = my_expand(model, alpha, seed)
        if any(not torch.equal(v, model.state_dict()[k]) for k, v in state.items()):
            fail(
                "my_expand changed the model it was given: build new layers and leave the dense "
                "model as it was"
            )
        try:
            wide = expand(model, alpha, split_masks, seed=seed)
        except ValueError as e:
            raise ExerciseError(
                f"expand refuses your split_masks ({e}): get check_split_masks to say Correct"
            ) from None
        ref, raw = _params(wide), _reference(model, alpha, split_masks, seed, prune=False)
        first, last = _linears(mine)
        got = [
            _tensor(first.weight, f"W1' ({where})", (alpha * h, d)),
            _tensor(first.bias, f"b1' ({where})", (alpha * h,)),
            _tensor(last.weight, f"W2' ({where})", (c, alpha * h)),
            _tensor(last.bias, f"b2 ({where})", (c,)),
        ]
        budget, count = count_nonzero(model), sum(int(t.count_nonzero()) for t in got)
        if count != budget:
            fail(
                f"{where}: your model has {count} non-zero parameters, the dense one {budget}: "
                + _count_error(count, budget, h, c, alpha)
            )
        error = _weights_error(got, ref, raw)
        if error:
            fail(f"{where}: {error}")
        x = torch.randn(32, d, generator=torch.Generator().manual_seed(seed))  # (32, d)
        with torch.no_grad():
            same = torch.allclose(mine(x), wide(x), atol=1e-6)
        if not same:
            fail(
                f"{where}: with expand's weights your model computes another function: keep the "
                "model's activation between the layers, nn.Sequential(first, activation, last)"
            )
        revived = _revived(mine, x)
        if revived:
            fail(
                f"{where}: after one step of SGD, {revived[1]} pruned or split-away weights of "
                f"layer {revived[0]} are non-zero again: fix each layer's keep mask as a "
                "parametrization (expand_neurons.masking.set_mask(layer, keep)), so that "
                "layer.weight is original * mask whatever the optimiser does"
            )
    return (
        f"Correct: on {len(cases)} random models your my_expand matches expand: the same "
        "weights, biases and function, exactly the dense model's non-zero count, and the pruned "
        "weights stay zero in training."
    )
