"""Baselines that FPE is compared with at the same non-zero budget."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from torch import nn
from torch.nn.utils import parametrize

from .layers.protocol import fpe_modules
from .masking import DropConnect

__all__ = ["dropconnect", "dense_same_epochs"]


def dropconnect(model: nn.Module, p: float, layers: Sequence[int] | None = None) -> nn.Module:
    """A copy of ``model`` whose hidden layers' weights get DropConnect with drop rate ``p``.

    The model keeps its width and so its non-zero count: during training each weight is dropped
    with probability ``p`` at every forward pass (fresh random masks, kept weights scaled by
    ``1/(1-p)``); evaluation uses all weights. The book pairs ``p = 1 - 1/alpha`` with FPE at
    expansion factor ``alpha``: each weight is then trained as often as a child's weight, but the
    neurons are not multiplied.

    Args:
        p: drop probability in ``[0, 1)``.
        layers: indices of the hidden layers to treat (default: all hidden layers).
    """
    new = copy.deepcopy(model)
    hidden = fpe_modules(new)[:-1]
    if not all(isinstance(m, nn.Linear) for m in hidden):
        raise TypeError("dropconnect needs nn.Linear hidden layers (the masked layout)")
    if not hidden:
        raise ValueError("dropconnect needs a model with at least one hidden Linear layer")
    chosen = range(len(hidden)) if layers is None else layers
    for i in chosen:
        if not 0 <= i < len(hidden):
            raise ValueError(f"layer index {i} out of range 0..{len(hidden) - 1}")
        parametrize.register_parametrization(hidden[i], "weight", DropConnect(p))
    return new


def dense_same_epochs(model: nn.Module) -> nn.Module:
    """The dense baseline at the split: an untouched copy, trained on for the remaining epochs."""
    return copy.deepcopy(model)
