"""The masked layout: a plain ``nn.Linear`` whose pruned and split-away weights are fixed zeros.

The weight is dense; a :class:`~expand_neurons.masking.FixedMask` parametrization keeps the
masked entries at zero. Simple and exact, but it stores, moves and multiplies ``alpha`` times the
dense layer's weights. These helpers build such layers; :class:`~expand_neurons.layers.protocol.
LinearView` reads them.
"""

from __future__ import annotations

import torch
from torch import nn

from ..masking import get_mask, is_masked, set_mask

__all__ = ["masked_linear", "permute_inputs"]


@torch.no_grad()
def masked_linear(
    like: nn.Linear, weight: torch.Tensor, bias: torch.Tensor | None, mask: torch.Tensor
) -> nn.Linear:
    """A new ``nn.Linear`` holding ``weight`` ``(out, in)`` and ``bias`` ``(out,)`` (or none),
    with ``mask`` fixed when it is not all ``True``; train/eval mode copied from ``like``."""
    lin = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    lin = lin.to(device=weight.device, dtype=weight.dtype)
    lin.train(like.training)
    lin.weight.copy_(weight)
    if bias is not None:
        lin.bias.copy_(bias)
    if not bool(mask.all()):
        set_mask(lin, mask)
    return lin


@torch.no_grad()
def permute_inputs(linear: nn.Linear, order: torch.Tensor) -> nn.Linear:
    """A copy of ``linear`` (mask included) whose input ``j`` is the old input ``order[j]``."""
    order = order.to(linear.weight.device)
    bias = None if linear.bias is None else linear.bias.detach()
    new = masked_linear(linear, linear.weight.detach()[:, order], bias, get_mask(linear)[:, order])
    if is_masked(linear) and not is_masked(new):  # an all-True mask: keep it a masked layer
        set_mask(new, get_mask(linear)[:, order])
    return new
