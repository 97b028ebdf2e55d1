"""Fixed Parameter Expansion: more neurons, the same number of non-zero parameters.

``expand(model, alpha, split)`` turns every hidden neuron of an ``nn.Sequential`` MLP into
``alpha`` children at contiguous indices ``alpha*i ... alpha*i + alpha - 1``:

1. child ``k`` of parent ``i`` keeps the parent's incoming weights on its own inputs
   (``split`` gives disjoint masks that cover all inputs), so the layer keeps its non-zero count;
2. every child copies the parent's outgoing weights (the next layer's column ``i``);
3. the copies add weights, so the smallest-magnitude weights across all touched layers are pruned
   together (global magnitude pruning) until :func:`count_nonzero` equals the dense model's.

Masks are fixed buffers (:mod:`expand_neurons.masking`): pruned and masked weights stay zero
during further training.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils import parametrize

from . import splits as splits_mod
from .masking import FixedMask, get_mask, set_mask
from .models import ELEMENTWISE

__all__ = ["expand", "count_nonzero", "effective_tensor", "BIAS_MODES"]

BIAS_MODES = ("split", "copy", "first")


def effective_tensor(module: nn.Module, name: str) -> torch.Tensor:
    """``module.<name>`` with fixed masks applied and stochastic parametrizations ignored."""
    if not parametrize.is_parametrized(module, name):
        return getattr(module, name)
    plist = module.parametrizations[name]
    t = plist.original
    for p in plist:
        if isinstance(p, FixedMask):
            t = p(t)
    return t


@torch.no_grad()
def count_nonzero(model: nn.Module, *, biases: bool = True) -> int:
    """Number of non-zero parameter values in ``model``, masks applied.

    Args:
        biases: count bias vectors too (the default, and what :func:`expand` keeps equal).
    """
    total = 0
    for module in model.modules():
        if isinstance(module, (parametrize.ParametrizationList, FixedMask)):
            continue
        if hasattr(module, "fpe_tensors"):  # grouped / sparse layouts: live weights only
            parts = module.fpe_tensors().items()
            total += sum(int(torch.count_nonzero(t)) for n, t in parts if biases or n != "bias")
            continue
        names = [n for n, _ in module.named_parameters(recurse=False)]
        if parametrize.is_parametrized(module):
            names += list(module.parametrizations.keys())
        for name in names:
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


def _new_linear(
    old: nn.Linear, weight: torch.Tensor, bias: torch.Tensor | None, mask: torch.Tensor
) -> nn.Linear:
    lin = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    lin = lin.to(device=weight.device, dtype=weight.dtype)
    lin.train(old.training)
    with torch.no_grad():
        lin.weight.copy_(weight)
        if bias is not None:
            lin.bias.copy_(bias)
    if not bool(mask.all()):
        set_mask(lin, mask)
    return lin


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
) -> nn.Sequential:
    """Fixed Parameter Expansion of the hidden layers of ``model`` (which is left unchanged).

    Args:
        model: an ``nn.Sequential`` (possibly nested, e.g. a CNN trunk followed by an MLP head)
            whose ``nn.Linear`` layers are, in order, the hidden layers and then the output
            layer. Between two expanded layers only elementwise modules (activations, dropout)
            may appear.
        alpha: children per neuron, an integer ``>= 1``; ``alpha=1`` returns a copy.
        split: how inputs are shared among children: a name (``'random'``, ``'feature'``,
            ``'overlap'``), a split object (e.g. ``splits.ClauseAligned``), any callable
            ``(weight (h, d), alpha, generator) -> masks (h, alpha, d)``, or a list of those,
            one per expanded layer.
        seed: seeds the split's randomness (``None`` draws from torch's global generator).
        layers: indices (0 = first hidden layer) of the hidden layers to expand; default all.
        bias: a parent's bias ``b`` becomes ``b / alpha`` in each child (``'split'``, the
            default: with a linear activation and no pruning the expanded model computes the
            dense function), ``b`` in each child (``'copy'``) or ``b`` in child 0 only
            (``'first'``).
        count_biases: biases count in the non-zero budget (default). Extra non-zero biases of the
            children are then paid for by pruning more weights.
        prune: apply the global magnitude pruning (``False`` keeps every copied weight, so the
            result has more non-zeros: useful to study the unpruned expansion).
        layout: how the expanded layers are stored and computed, after pruning: ``'masked'``
            (default: dense weight times a fixed mask), ``'grouped'`` (block-shared splits such
            as ``splits.Grouped``, one batched matmul), ``'sparse'`` (CSR) or ``'auto'``; see
            :mod:`expand_neurons.layouts`. All compute the same function.

    Returns:
        A new model of the same class, with ``alpha`` times as many neurons in each expanded
        layer and, when ``prune`` is true, exactly ``count_nonzero(model)`` non-zero parameters.
    """
    alpha = _check_alpha(alpha)
    from . import layouts  # imported here: layouts builds on this module

    layouts.check_layout(layout)
    if bias not in BIAS_MODES:
        raise ValueError(f"unknown bias mode {bias!r}; allowed are {list(BIAS_MODES)}")
    leaves = _sequential_layers(model)
    lin_pos = [p for p, (_, _, m) in enumerate(leaves) if isinstance(m, nn.Linear)]
    n_hidden = len(lin_pos) - 1
    if n_hidden < 1:
        raise ValueError(
            f"model has {len(lin_pos)} Linear layer(s) and so no hidden layer to expand; "
            "expand needs at least two Linear layers (hidden, then output)"
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
        for _, name, m in leaves[lin_pos[i] + 1 : lin_pos[i + 1]]:
            if not isinstance(m, ELEMENTWISE):
                raise ValueError(
                    f"module {name!r} ({type(m).__name__}) sits between Linear layers {i} and "
                    f"{i + 1}; only elementwise modules ({allowed}) may sit between an expanded "
                    "layer and the next"
                )
    for i in chosen:
        d = leaves[lin_pos[i]][2].in_features * (alpha if i - 1 in chosen else 1)
        if alpha > d:
            raise ValueError(
                f"alpha={alpha} is larger than the {d} inputs of hidden layer {i}; every child "
                f"needs at least one input, so alpha must be at most {d}"
            )

    new = copy.deepcopy(model)
    if alpha == 1:
        return new
    budget = count_nonzero(model, biases=count_biases)
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)))
    gen = torch.Generator().manual_seed(seed)
    leaves = _sequential_layers(new)
    touched: set[int] = set()
    expanded: list[layouts.Expanded] = []
    for i, split_fn in zip(chosen, split_fns):
        parent, name, lin = leaves[lin_pos[i]]
        w = effective_tensor(lin, "weight").detach()
        h, d = w.shape
        child_masks = split_fn(w.cpu(), alpha, gen)
        child_masks = splits_mod.check_masks(
            child_masks,
            h,
            alpha,
            d,
            disjoint=getattr(split_fn, "disjoint", True),
            where=f"hidden layer {i}",
        ).to(w.device)
        mask = get_mask(lin).repeat_interleave(alpha, 0) & child_masks.reshape(alpha * h, d)
        b = None
        if lin.bias is not None:
            b = effective_tensor(lin, "bias").detach().repeat_interleave(alpha)
            if bias == "split":
                b = b / alpha
            elif bias == "first":
                b = b * (torch.arange(alpha * h, device=b.device) % alpha == 0)
        setattr(parent, name, _new_linear(lin, w.repeat_interleave(alpha, 0) * mask, b, mask))
        nparent, nname, nxt = leaves[lin_pos[i + 1]]
        nw = effective_tensor(nxt, "weight").detach().repeat_interleave(alpha, 1)
        nmask = get_mask(nxt).repeat_interleave(alpha, 1)
        nb = None if nxt.bias is None else effective_tensor(nxt, "bias").detach()
        setattr(nparent, nname, _new_linear(nxt, nw, nb, nmask))
        expanded.append(layouts.Expanded((parent, name), (nparent, nname), child_masks, split_fn))
        leaves = _sequential_layers(new)
        touched |= {lin_pos[i], lin_pos[i + 1]}
    if prune:
        excess = count_nonzero(new, biases=count_biases) - budget
        if excess > 0:
            _prune_smallest([leaves[p][2] for p in sorted(touched)], excess)
        got = count_nonzero(new, biases=count_biases)
        if got != budget:
            raise RuntimeError(
                f"FPE accounting failed: {got} non-zeros after pruning, {budget} before"
            )
    layouts.convert(expanded, layout)
    return new


def _prune_smallest(linears: list[nn.Linear], n: int) -> None:
    """Mask the ``n`` smallest-magnitude non-zero weights across ``linears`` together."""
    weights = [effective_tensor(m, "weight").detach() for m in linears]
    flat = torch.cat([w.abs().flatten() for w in weights])
    live = flat > 0
    if int(live.sum()) < n:
        raise RuntimeError(f"cannot prune {n} weights: only {int(live.sum())} are non-zero")
    score = torch.where(live, flat, torch.full_like(flat, float("inf")))
    drop = torch.zeros_like(flat, dtype=torch.bool)
    drop[torch.argsort(score, stable=True)[:n]] = True
    start = 0
    for m, w in zip(linears, weights):
        part = drop[start : start + w.numel()].view_as(w)
        start += w.numel()
        if part.any():
            set_mask(m, get_mask(m) & ~part)
