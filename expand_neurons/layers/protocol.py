"""One protocol for every stored form of a linear layer, and one walker that finds them.

An expanded layer can be stored three ways (:mod:`expand_neurons.layers`): a plain
``nn.Linear`` with a fixed mask, a :class:`~expand_neurons.layers.grouped.GroupedFPELinear` or a
:class:`~expand_neurons.layers.sparse.SparseFPELinear`. Everything that reads a model's layers
(:func:`expand_neurons.expand`, :func:`expand_neurons.count_nonzero`, the metrics, the schedule)
goes through :func:`fpe_layers`, which returns each of them as an :class:`FPELayer`:

* ``in_features``, ``out_features``: the sizes the layer computes with;
* ``effective_weight()``: the ``(out_features, in_features)`` weight with every mask applied;
* ``effective_bias()``: the ``(out_features,)`` bias, or ``None``;
* ``live_mask()``: ``(out_features, in_features)`` bool, the entries that may be non-zero
  (``False`` where a weight is pruned or masked away for good);
* ``fpe_tensors()``: the live values by name (``weight``, ``bias``): what is counted as the
  layer's non-zero parameters.

Rows are in *canonical* order, the masked layout's: child ``k`` of parent ``i`` at row
``alpha * i + k``. A grouped layer emits its outputs in another order (``output_order[j]`` is the
canonical row of output ``j``) and the next layer's inputs are permuted to match, so the
canonical weights of every layout are equal, and so is every metric computed from them.

``nn.Linear`` does not carry these methods itself: :func:`as_fpe_layer` wraps it in a
:class:`LinearView` that reads its masks (fixed masks through ``torch.nn.utils.parametrize``,
and pruning done with ``torch.nn.utils.prune``). The view holds no state of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from ..masking import effective_tensor, get_mask

__all__ = ["FPELayer", "LinearView", "as_fpe_layer", "fpe_layers", "fpe_modules", "is_fpe_module"]


@runtime_checkable
class FPELayer(Protocol):
    """What every stored form of a (possibly expanded) linear layer provides."""

    in_features: int
    out_features: int

    def effective_weight(self) -> torch.Tensor:
        """``(out_features, in_features)`` weight, masks applied, rows in canonical order."""
        ...

    def effective_bias(self) -> torch.Tensor | None:
        """``(out_features,)`` bias in canonical order, or ``None``."""
        ...

    def live_mask(self) -> torch.Tensor:
        """``(out_features, in_features)`` bool: entries that are not pruned for good."""
        ...

    def fpe_tensors(self) -> dict[str, torch.Tensor]:
        """The live values by name (``weight``, and ``bias`` when there is one)."""
        ...


class LinearView:
    """An ``nn.Linear`` (masked, pruned with ``torch.nn.utils.prune``, or plain) as an
    :class:`FPELayer`. ``module`` is the layer itself."""

    def __init__(self, module: nn.Linear) -> None:
        self.module = module
        self.in_features = module.in_features
        self.out_features = module.out_features

    def effective_weight(self) -> torch.Tensor:
        return effective_tensor(self.module, "weight")

    def effective_bias(self) -> torch.Tensor | None:
        if self.module.bias is None and not hasattr(self.module, "bias_orig"):
            return None
        return effective_tensor(self.module, "bias")

    def live_mask(self) -> torch.Tensor:
        return get_mask(self.module, "weight")

    def fpe_tensors(self) -> dict[str, torch.Tensor]:
        out = {"weight": self.effective_weight()}
        bias = self.effective_bias()
        if bias is not None:
            out["bias"] = bias
        return out

    def __repr__(self) -> str:
        return f"LinearView({self.module!r})"


def is_fpe_module(module: nn.Module) -> bool:
    """Whether ``module`` is a linear layer in any layout (``nn.Linear`` or an FPE layer)."""
    return isinstance(module, (nn.Linear, FPELayer))


def as_fpe_layer(module: nn.Module) -> FPELayer:
    """``module`` as an :class:`FPELayer` (an ``nn.Linear`` is wrapped in a :class:`LinearView`).

    Raises:
        TypeError: if ``module`` is neither an ``nn.Linear`` nor an FPE layer.
    """
    if isinstance(module, nn.Linear):
        return LinearView(module)
    if isinstance(module, FPELayer):
        return module
    raise TypeError(
        f"{type(module).__name__} is not a linear layer; expected nn.Linear, "
        "GroupedFPELinear or SparseFPELinear"
    )


def _walk(module: nn.Module) -> Iterator[nn.Module]:
    for child in module.children():
        if is_fpe_module(child):
            yield child
        else:
            yield from _walk(child)


def fpe_modules(model: nn.Module) -> list[nn.Module]:
    """The linear layers of ``model`` in forward (definition) order, in any layout.

    ``model`` itself counts when it is one. Submodules of a linear layer (its parametrizations)
    are not searched.
    """
    if is_fpe_module(model):
        return [model]
    return list(_walk(model))


def fpe_layers(model: nn.Module) -> list[FPELayer]:
    """:func:`fpe_modules` as :class:`FPELayer` objects (``nn.Linear`` wrapped in views)."""
    return [as_fpe_layer(m) for m in fpe_modules(model)]
