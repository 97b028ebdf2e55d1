"""Fixed Parameter Expansion: more neurons, the same number of non-zero parameters.

``expand(model, alpha, split)`` turns every hidden neuron of an ``nn.Sequential`` MLP into
``alpha`` children at contiguous indices ``alpha*i ... alpha*i + alpha - 1``:

1. child ``k`` of parent ``i`` keeps the parent's incoming weights on its own inputs
   (``split`` gives disjoint masks that cover all inputs), so the layer keeps its non-zero count;
2. every child copies the parent's outgoing weights (the next layer's column ``i``);
3. the copies add weights, so the smallest-magnitude weights across all touched layers are pruned
   together (global magnitude pruning) until :func:`count_nonzero` equals the dense model's.

Masks are fixed buffers (:mod:`expand_neurons.masking`): pruned and masked weights stay zero
during further training. Weights that are already exactly zero before the expansion (a model
pruned by hand, or with ``torch.nn.utils.prune``) are treated as pruned too, so the budget holds
through training (``zeros_are_pruned=False`` lets them train instead).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import nn
from torch.nn.utils import parametrize

from . import splits as splits_mod
from .layers.convert import Expanded, check_layout, convert
from .layers.masked import masked_linear
from .layers.protocol import as_fpe_layer, fpe_modules, is_fpe_module
from .masking import (
    FixedMask,
    _parametrizations,
    adopt_torch_prune,
    effective_tensor,
    get_mask,
    set_mask,
    torch_pruned_names,
)
from .models import ELEMENTWISE
from .seeds import check_seed

__all__ = ["expand", "count_nonzero", "BIAS_MODES"]

BIAS_MODES = ("split", "copy", "first")


def _tensor_names(module: nn.Module) -> list[str]:
    """Names of the parameters ``module`` computes with (``weight`` for ``weight_orig``)."""
    pruned = set(torch_pruned_names(module))
    names = []
    for n, _ in module.named_parameters(recurse=False):
        names.append(n[: -len("_orig")] if n[: -len("_orig")] in pruned else n)
    if parametrize.is_parametrized(module):
        names += list(_parametrizations(module).keys())
    return names


@torch.no_grad()
def count_nonzero(model: nn.Module, *, biases: bool = True) -> int:
    """Number of non-zero parameter values in ``model``, masks applied.

    Linear layers in any layout are counted through the FPE layer protocol (their live values);
    other modules (convolutions, norms) by their parameters, with fixed masks and
    ``torch.nn.utils.prune`` masks applied.

    Args:
        biases: count bias vectors too (the default, and what :func:`expand` keeps equal).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"count_nonzero needs an nn.Module, got {type(model).__name__}")
    total = 0
    inside_layers: set[int] = set()
    for module in fpe_modules(model):
        for name, t in as_fpe_layer(module).fpe_tensors().items():
            if biases or name != "bias":
                total += int(torch.count_nonzero(t))
        inside_layers |= {id(m) for m in module.modules()}
    for module in model.modules():
        if id(module) in inside_layers:
            continue
        if isinstance(module, (parametrize.ParametrizationList, FixedMask)):
            continue
        for name in _tensor_names(module):
            if name == "bias" and not biases:
                continue
            total += int(torch.count_nonzero(effective_tensor(module, name)))
    return total


def _sequential_layers(model: nn.Module) -> list[tuple[nn.Module, str, nn.Module]]:
    """Leaf modules of a (nested) Sequential in forward order, as (parent, name, module)."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"expand works on nn.Sequential models (e.g. expand_neurons.MLP or "
            f"nn.Sequential(nn.Linear, nn.ReLU, ...)); got {type(model).__name__}"
        )
    out = []
    for name, child in model.named_children():
        if isinstance(child, nn.Sequential):
            out += _sequential_layers(child)
        else:
            out.append((model, name, child))
    return out


def _check_alpha(alpha: object) -> int:
    if isinstance(alpha, bool) or not isinstance(alpha, int):
        raise TypeError(f"alpha must be an integer >= 1, got {alpha!r} ({type(alpha).__name__})")
    if alpha < 1:
        raise ValueError(f"alpha must be an integer >= 1, got {alpha}")
    return alpha


def _check_finite(model: nn.Module) -> None:
    """Raise ``ValueError`` naming the first parameter holding NaN or inf."""
    for name, p in model.named_parameters():
        bad = int((~torch.isfinite(p)).sum())
        if bad:
            raise ValueError(
                f"parameter {name!r} has {bad} non-finite entries (NaN or inf); FPE needs a "
                "model with finite weights (was it trained with too high a learning rate?)"
            )


def _copy(model: nn.Sequential) -> nn.Sequential:
    """A deep copy in which ``torch.nn.utils.prune`` pruning has become fixed masks.

    A module pruned that way holds ``weight`` as a computed (non-leaf) tensor, which
    ``copy.deepcopy`` refuses; the copy takes a detached value for it, then
    :func:`~expand_neurons.masking.adopt_torch_prune` turns the pruning into a fixed mask.
    """
    memo: dict[int, object] = {}
    for module in model.modules():
        for name in torch_pruned_names(module):
            t = getattr(module, name)
            memo[id(t)] = t.detach().clone()
    new = copy.deepcopy(model, memo)
    for module in new.modules():
        adopt_torch_prune(module)
    return new


def _as_masked(module: nn.Module) -> nn.Linear:
    """``module`` (a linear layer in any layout) as a masked ``nn.Linear`` computing the same
    outputs in the same order (so a grouped or sparse model can be expanded again)."""
    if isinstance(module, nn.Linear):
        return module
    layer = as_fpe_layer(module)
    order = getattr(module, "output_order", torch.arange(layer.out_features))
    bias = layer.effective_bias()
    like = nn.Linear(1, 1)
    like.train(module.training)
    return masked_linear(
        like,
        layer.effective_weight()[order],
        None if bias is None else bias[order],
        layer.live_mask()[order],
    )


def _fix_zeros(linear: nn.Linear) -> None:
    """Treat the exact zeros of ``linear.weight`` as pruned: add them to its fixed mask."""
    mask = get_mask(linear) & (effective_tensor(linear, "weight") != 0)
    if not bool(mask.all()):
        set_mask(linear, mask)


@torch.no_grad()
def expand(
    model: nn.Sequential,
    alpha: int,
    split: splits_mod.SplitSpec | Sequence[splits_mod.SplitSpec] = "random",
    *,
    seed: int | None = None,
    layers: Sequence[int] | None = None,
    bias: str = "split",
    count_biases: bool = True,
    prune: bool = True,
    layout: str = "masked",
    zeros_are_pruned: bool = True,
) -> nn.Sequential:
    """Fixed Parameter Expansion of the hidden layers of ``model`` (which is left unchanged).

    Args:
        model: an ``nn.Sequential`` (possibly nested, e.g. a CNN trunk followed by an MLP head)
            whose linear layers (``nn.Linear``, or FPE layers of an earlier expansion) are, in
            order, the hidden layers and then the output layer. Between two expanded layers only
            elementwise modules (activations, dropout) may appear. A model pruned with
            ``torch.nn.utils.prune`` is accepted: its masks become fixed masks.
        alpha: children per neuron, an integer ``>= 1``; ``alpha=1`` returns a copy.
        split: how inputs are shared among children: a name (``'random'``, ``'feature'``,
            ``'overlap'``), a split object (e.g. ``splits.ClauseAligned``), any callable
            ``(weight (h, d), alpha, generator) -> masks (h, alpha, d)``, or a list of those,
            one per expanded layer.
        seed: seeds the split's randomness and the order in which equal-magnitude weights are
            pruned (``None`` draws from torch's global generator).
        layers: indices (0 = first hidden layer) of the hidden layers to expand; default all.
        bias: a parent's bias ``b`` becomes ``b / alpha`` in each child (``'split'``, the
            default: with a linear activation and no pruning the expanded model computes the
            dense function), ``b`` in each child (``'copy'``) or ``b`` in child 0 only
            (``'first'``).
        count_biases: biases count in the non-zero budget (default). Extra non-zero biases of the
            children are then paid for by pruning more weights.
        prune: apply the global magnitude pruning (``False`` keeps every copied weight, so the
            result has more non-zeros: useful to study the unpruned expansion). Every child's copy
            of an outgoing weight has the same magnitude; such ties are broken in a random order
            drawn from ``seed``, not by position, so no child is favoured.
        layout: how the expanded layers are stored and computed, after pruning: ``'masked'``
            (default: dense weight times a fixed mask), ``'grouped'`` (block-shared splits such
            as ``splits.Grouped``, one batched matmul), ``'sparse'`` (CSR) or ``'auto'``; see
            :mod:`expand_neurons.layers`. All compute the same function.
        zeros_are_pruned: weights of the touched layers that are exactly zero before the
            expansion are fixed at zero (default), so the budget holds in training; ``False``
            lets them train (and the non-zero count grow).

    Returns:
        A new model of the same class, with ``alpha`` times as many neurons in each expanded
        layer and, when ``prune`` is true, exactly ``count_nonzero(model)`` non-zero parameters.

    Raises:
        TypeError, ValueError: for a wrong argument, naming it and what is allowed; also for a
            model holding NaN or inf weights.
        RuntimeError: if the budget cannot be met (see the message for the remedies).
    """
    plan = _plan(model, alpha, split, layers, bias, layout, seed)
    new = _copy(model)
    if alpha == 1:
        return new
    budget = count_nonzero(model, biases=count_biases)
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)))
    gen = torch.Generator().manual_seed(seed)
    leaves = _sequential_layers(new)
    for p in plan.touched:
        parent, name, module = leaves[p]
        setattr(parent, name, _as_masked(module))
        if zeros_are_pruned:
            _fix_zeros(getattr(parent, name))
    expanded = [
        _expand_layer(new, plan.positions[i], plan.positions[i + 1], alpha, fn, gen, bias, i)
        for i, fn in zip(plan.chosen, plan.split_fns)
    ]
    if prune:
        leaves = _sequential_layers(new)
        excess = count_nonzero(new, biases=count_biases) - budget
        if excess > 0:
            touched = [cast(nn.Linear, leaves[p][2]) for p in plan.touched]  # masked by now
            _prune_smallest(touched, excess, gen, count_biases)
        got = count_nonzero(new, biases=count_biases)
        if got != budget:
            raise RuntimeError(
                f"FPE accounting failed: {got} non-zeros after pruning, {budget} before"
            )
    convert(expanded, layout)
    return new


@dataclass(frozen=True)
class _Plan:
    """What :func:`expand` will do, checked before any copy is made.

    ``positions``: leaf index of every linear layer; ``chosen``: hidden layers to expand;
    ``split_fns``: one split per chosen layer; ``touched``: leaf indices of the layers changed
    (each chosen layer and the one after it).
    """

    positions: list[int]
    chosen: list[int]
    split_fns: list[Any]
    touched: list[int]


def _plan(
    model: nn.Sequential,
    alpha: object,
    split: Any,
    layers: Sequence[int] | None,
    bias: str,
    layout: str,
    seed: int | None,
) -> _Plan:
    """Validate every argument of :func:`expand` against ``model``; raise naming what is wrong."""
    alpha = _check_alpha(alpha)
    check_layout(layout)
    if bias not in BIAS_MODES:
        raise ValueError(f"unknown bias mode {bias!r}; allowed are {list(BIAS_MODES)}")
    if seed is not None:
        check_seed(seed)
    leaves = _sequential_layers(model)
    positions = [p for p, (_, _, m) in enumerate(leaves) if is_fpe_module(m)]
    n_hidden = len(positions) - 1
    if n_hidden < 1:
        raise ValueError(
            f"model has {len(positions)} linear layer(s) and so no hidden layer to expand; "
            "expand needs at least two linear layers (hidden, then output)"
        )
    if layers is not None and (
        isinstance(layers, (int, str)) or not all(isinstance(i, int) for i in layers)
    ):
        raise TypeError(
            f"layers must be a list of hidden-layer indices in 0..{n_hidden - 1}, got {layers!r}"
        )
    chosen = list(range(n_hidden)) if layers is None else sorted(set(layers))
    if not chosen or any(not 0 <= i < n_hidden for i in chosen):
        raise ValueError(f"layers must be indices in 0..{n_hidden - 1}, got {layers!r}")
    split_list = list(split) if isinstance(split, (list, tuple)) else [split] * len(chosen)
    if len(split_list) != len(chosen):
        raise ValueError(f"got {len(split_list)} splits for {len(chosen)} expanded layers")
    split_fns = [splits_mod.resolve(s) for s in split_list]
    allowed = ", ".join(t.__name__ for t in ELEMENTWISE)
    for i in chosen:
        for _, name, m in leaves[positions[i] + 1 : positions[i + 1]]:
            if not isinstance(m, ELEMENTWISE):
                raise ValueError(
                    f"module {name!r} ({type(m).__name__}) sits between linear layers {i} and "
                    f"{i + 1}; only elementwise modules ({allowed}) may sit between an expanded "
                    "layer and the next"
                )
        in_features = cast(int, leaves[positions[i]][2].in_features)  # any linear layout
        d = in_features * (alpha if i - 1 in chosen else 1)
        if alpha > d:
            raise ValueError(
                f"alpha={alpha} is larger than the {d} inputs of hidden layer {i}; every child "
                f"needs at least one input, so alpha must be at most {d}"
            )
    _check_finite(model)
    touched = sorted({p for i in chosen for p in (positions[i], positions[i + 1])})
    _check_untied(model, [leaves[p][2] for p in touched])
    return _Plan(positions, chosen, split_fns, touched)


def _check_untied(model: nn.Module, touched: Sequence[nn.Module]) -> None:
    """Raise ``ValueError`` if a layer :func:`expand` changes shares a parameter (tied weights,
    or one module used twice): the expanded copy would silently untie it."""
    names: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), []).append(name)
    for module in touched:
        for p in module.parameters():
            tied = names.get(id(p), [])
            if len(tied) > 1:
                raise ValueError(
                    f"parameters {tied} are one tensor (tied weights, or a module used twice); "
                    "expand would untie them in the copy, so it needs layers with weights of "
                    "their own: give each layer its own parameters (e.g. copy.deepcopy it)"
                )


def _expand_layer(
    model: nn.Sequential,
    pos: int,
    next_pos: int,
    alpha: int,
    split_fn: Any,
    gen: torch.Generator,
    bias: str,
    index: int,
) -> Expanded:
    """Split the linear layer at leaf ``pos`` of ``model`` into children and copy the outgoing
    weights of the layer at ``next_pos``, in place (before pruning)."""
    leaves = _sequential_layers(model)
    parent, name, leaf = leaves[pos]
    lin = cast(nn.Linear, leaf)  # expand() made the touched layers masked nn.Linear
    w = effective_tensor(lin, "weight").detach()  # (h, d)
    h, d = w.shape
    child_masks = splits_mod.check_masks(
        split_fn(w.cpu(), alpha, gen),
        h,
        alpha,
        d,
        disjoint=getattr(split_fn, "disjoint", True),
        empty_children=getattr(split_fn, "empty_children", False),
        where=f"hidden layer {index}",
    ).to(w.device)  # (h, alpha, d)
    mask = get_mask(lin).repeat_interleave(alpha, 0) & child_masks.reshape(alpha * h, d)
    b = None
    if lin.bias is not None:
        b = effective_tensor(lin, "bias").detach().repeat_interleave(alpha)  # (alpha * h,)
        if bias == "split":
            b = b / alpha
        elif bias == "first":
            b = b * (torch.arange(alpha * h, device=b.device) % alpha == 0)
    setattr(parent, name, masked_linear(lin, w.repeat_interleave(alpha, 0) * mask, b, mask))
    nparent, nname, next_leaf = leaves[next_pos]
    nxt = cast(nn.Linear, next_leaf)
    nw = effective_tensor(nxt, "weight").detach().repeat_interleave(alpha, 1)  # (C, alpha * h)
    nmask = get_mask(nxt).repeat_interleave(alpha, 1)
    nb = None if nxt.bias is None else effective_tensor(nxt, "bias").detach()
    setattr(nparent, nname, masked_linear(nxt, nw, nb, nmask))
    return Expanded((parent, name), (nparent, nname), child_masks, split_fn)


def _smallest(score: torch.Tensor, n: int, shuffle: torch.Tensor) -> torch.Tensor:
    """Boolean mask of the ``n`` smallest entries of ``score`` ``(N,)``, ties at the cut broken
    by position in the permutation ``shuffle`` ``(N,)`` (earlier wins).

    The same set as the first ``n`` of ``shuffle[argsort(score[shuffle], stable=True)]``, found
    in linear time (a selection and a scatter instead of a sort of all ``N`` weights).
    """
    drop = torch.zeros_like(score, dtype=torch.bool)
    if n <= 0:
        return drop
    cut = score.kthvalue(n).values  # the n-th smallest score
    below = score < cut
    drop |= below
    ties = (score == cut).nonzero().squeeze(1)
    need = n - int(below.sum())
    rank = torch.empty_like(shuffle)
    rank[shuffle] = torch.arange(len(shuffle), device=shuffle.device)
    first = torch.topk(rank[ties], need, largest=False).indices
    drop[ties[first]] = True
    return drop


def _prune_smallest(
    linears: list[nn.Linear], n: int, generator: torch.Generator, count_biases: bool
) -> None:
    """Mask the ``n`` smallest-magnitude non-zero weights across ``linears`` together.

    Equal magnitudes (every child's copy of an outgoing weight is equal) are ordered by a random
    permutation drawn from ``generator``, so ties are not broken by position.
    """
    weights = [effective_tensor(m, "weight").detach() for m in linears]
    flat = torch.cat([w.abs().flatten() for w in weights])
    live = flat > 0
    if int(live.sum()) < n:
        why = (
            " The children's bias copies count in the budget (count_biases=True) and there are "
            "too few weights to pay for them: use bias='first' (one child keeps the bias) or "
            "count_biases=False."
            if count_biases
            else ""
        )
        raise RuntimeError(
            f"cannot prune {n} weights to keep the non-zero budget: only {int(live.sum())} "
            f"weights are non-zero.{why}"
        )
    score = torch.where(live, flat, torch.full_like(flat, float("inf")))
    shuffle = torch.randperm(len(flat), generator=generator).to(flat.device)
    drop = _smallest(score, n, shuffle)
    start = 0
    for m, w in zip(linears, weights):
        part = drop[start : start + w.numel()].view_as(w)
        start += w.numel()
        if part.any():
            set_mask(m, get_mask(m) & ~part)
