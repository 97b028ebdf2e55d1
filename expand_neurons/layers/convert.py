"""How an expanded layer is stored and computed: ``masked``, ``grouped``, ``sparse`` or ``auto``.

* ``masked`` (the default of :func:`expand_neurons.expand`): a dense ``(alpha*h, d)`` weight
  times a fixed boolean mask. Simple and exact, but it stores, moves and multiplies ``alpha``
  times the dense layer's weights.
* ``grouped`` (:class:`~expand_neurons.layers.grouped.GroupedFPELinear`): for splits shared
  by blocks of parents (``splits.Grouped``): ``blocks * alpha`` dense products in one ``bmm``;
  stores the ``h*d`` live weights only.
* ``sparse`` (:class:`~expand_neurons.layers.sparse.SparseFPELinear`): any disjoint split, as a CSR
  matrix of the live weights.
* ``auto``: ``grouped`` when the split is block-shared, else ``sparse`` from
  ``alpha >= SPARSE_FROM_ALPHA``, else ``masked``.

All layouts compute the same function. The grouped layer emits its columns block-major; the
conversion permutes the next layer's inputs to match, so the model's function is unchanged.
Conversion happens after pruning (:func:`expand_neurons.expand` with ``layout=...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from .grouped import GroupedFPELinear, block_partition
from .masked import permute_inputs
from .sparse import SparseFPELinear

__all__ = [
    "LAYOUTS",
    "SPARSE_FROM_ALPHA",
    "check_layout",
    "choose_layout",
    "convert_layer",
    "Expanded",
    "convert",
]

LAYOUTS = ("masked", "grouped", "sparse", "auto")

#: ``auto`` picks the sparse layout for per-neuron splits from this expansion factor on.
SPARSE_FROM_ALPHA = 4


def check_layout(layout: object) -> str:
    """``layout`` if it is one of :data:`LAYOUTS`, else a ``ValueError`` naming them."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; allowed are {list(LAYOUTS)}")
    return cast(str, layout)


def _declared_blocks(split: object) -> int | None:
    """The block count a split object declares (``splits.Grouped``), else ``None``."""
    blocks = getattr(split, "blocks", None)
    return blocks if isinstance(blocks, int) else None


def choose_layout(layout: str, child_masks: torch.Tensor, split: object = None) -> str:
    """Resolve ``'auto'`` for one layer; other layouts are returned unchanged.

    Args:
        child_masks: ``(h, alpha, d)`` split masks of the layer.
        split: the split object that made them (its ``blocks``, if any, is used).
    """
    check_layout(layout)
    if layout != "auto":
        return layout
    try:
        block_partition(child_masks, _declared_blocks(split))
        return "grouped"
    except ValueError:
        pass
    alpha = child_masks.shape[1]
    disjoint = bool((child_masks.sum(1) == 1).all())
    return "sparse" if disjoint and alpha >= SPARSE_FROM_ALPHA else "masked"


def convert_layer(
    linear: nn.Linear, child_masks: torch.Tensor, layout: str, split: object = None
) -> nn.Module:
    """``linear`` (an expanded, possibly masked layer) in ``layout``.

    Args:
        linear: weight ``(alpha*h, d)``, child ``k`` of parent ``i`` at row ``alpha*i + k``.
        child_masks: ``(h, alpha, d)`` split masks (before pruning) it was made with.
        layout: one of :data:`LAYOUTS`.
        split: the split object (``splits.Grouped`` gives the block count).

    Returns:
        ``linear`` itself for ``masked``; a :class:`GroupedFPELinear` (columns block-major, see
        its ``output_order``) or a :class:`SparseFPELinear` otherwise.
    """
    kind = choose_layout(layout, child_masks, split)
    if kind == "masked":
        return linear
    if kind == "sparse":
        return SparseFPELinear.from_masked(linear)
    return GroupedFPELinear.from_masked(linear, child_masks, _declared_blocks(split))


@dataclass
class Expanded:
    """One expanded layer of a model: where it and the next ``Linear`` sit, and its split.

    ``layer`` and ``following`` are ``(parent module, attribute name)`` pairs.
    """

    layer: tuple[nn.Module, str]
    following: tuple[nn.Module, str]
    child_masks: torch.Tensor
    split: object = None


def convert(expanded: Sequence[Expanded], layout: str) -> None:
    """Convert the expanded layers of a model in place, in forward order.

    A grouped layer's block-major outputs are matched by permuting the inputs of the next
    ``Linear`` (and the input side of its split masks when it is expanded too), so the model
    computes the same function.
    """
    check_layout(layout)
    if layout == "masked":
        return
    pending = list(expanded)
    for n, item in enumerate(pending):
        parent, name = item.layer
        new = convert_layer(getattr(parent, name), item.child_masks, layout, item.split)
        setattr(parent, name, new)
        if not isinstance(new, GroupedFPELinear):
            continue
        order = new.output_order.cpu()
        nparent, nname = item.following
        setattr(nparent, nname, permute_inputs(getattr(nparent, nname), order))
        for later in pending[n + 1 :]:
            if later.layer == item.following:
                later.child_masks = later.child_masks[:, :, order]
