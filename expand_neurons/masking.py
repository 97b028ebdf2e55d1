"""Fixed binary masks on weights, kept as buffers through ``torch.nn.utils.parametrize``.

A masked layer stores its dense trainable tensor as ``parametrizations.weight.original`` and a
boolean ``mask`` buffer; ``layer.weight`` is always ``original * mask``. Masked entries therefore
stay exactly zero whatever the optimiser does to ``original`` (Adam, momentum, weight decay):
their gradient is zero and decoupled updates to ``original`` never reach ``weight``.

Models pruned with PyTorch's own ``torch.nn.utils.prune`` (``weight_orig`` parameter,
``weight_mask`` buffer, a forward pre-hook) are read too: :func:`effective_tensor` and
:func:`get_mask` honour their masks, and :func:`adopt_torch_prune` turns such a module into a
fixed-mask one in place.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn
from torch.nn.utils import parametrize, prune

__all__ = [
    "FixedMask",
    "DropConnect",
    "set_mask",
    "get_mask",
    "is_masked",
    "effective_tensor",
    "trainable_tensor",
    "torch_pruned_names",
    "adopt_torch_prune",
    "check_parametrizations",
]


class FixedMask(nn.Module):
    """Parametrization ``W -> W * mask`` with a fixed boolean ``mask`` buffer of W's shape."""

    mask: torch.Tensor  # registered buffer

    def __init__(self, mask: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mask", mask.to(torch.bool))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight * self.mask


class DropConnect(nn.Module):
    """Parametrization that drops each weight with probability ``p`` at every training forward.

    Kept weights are scaled by ``1 / (1 - p)`` (inverted DropConnect), so evaluation uses the plain
    weight and the model keeps its own non-zero count at inference.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"DropConnect probability must be in [0, 1), got {p!r}")
        self.p = p

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return weight
        keep = torch.rand_like(weight) >= self.p
        return weight * keep / (1.0 - self.p)


def _parametrizations(module: nn.Module) -> nn.ModuleDict:
    """``module.parametrizations`` (of a parametrized module), typed."""
    return cast(nn.ModuleDict, module.parametrizations)


def _plist(module: nn.Module, name: str) -> parametrize.ParametrizationList:
    """``module.parametrizations[name]`` (of a parametrized tensor), typed."""
    return cast(parametrize.ParametrizationList, _parametrizations(module)[name])


def _mask_param(module: nn.Module, name: str) -> FixedMask | None:
    if not parametrize.is_parametrized(module, name):
        return None
    for p in _plist(module, name):
        if isinstance(p, FixedMask):
            return p
    return None


def torch_pruned_names(module: nn.Module) -> list[str]:
    """Names pruned on ``module`` with ``torch.nn.utils.prune`` (``<name>_orig`` + ``_mask``)."""
    return [
        n[: -len("_orig")]
        for n, _ in module.named_parameters(recurse=False)
        if n.endswith("_orig") and hasattr(module, n[: -len("_orig")] + "_mask")
    ]


def is_masked(module: nn.Module, name: str = "weight") -> bool:
    """Whether ``module.<name>`` carries a :class:`FixedMask`."""
    return _mask_param(module, name) is not None


def get_mask(module: nn.Module, name: str = "weight") -> torch.Tensor:
    """The boolean mask of ``module.<name>`` (all ``True`` when the tensor is unmasked).

    A mask left by ``torch.nn.utils.prune`` (``<name>_mask``) is honoured too.
    """
    p = _mask_param(module, name)
    if p is not None:
        return p.mask
    if name in torch_pruned_names(module):
        return getattr(module, name + "_mask").to(torch.bool)
    return torch.ones_like(getattr(module, name), dtype=torch.bool)


def effective_tensor(module: nn.Module, name: str) -> torch.Tensor:
    """``module.<name>`` with fixed masks applied and stochastic parametrizations ignored.

    For a tensor pruned with ``torch.nn.utils.prune`` this is ``<name>_orig * <name>_mask``
    (what the module computes with), not the stale ``<name>`` attribute.
    """
    if name in torch_pruned_names(module):
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")
    if not parametrize.is_parametrized(module, name):
        return getattr(module, name)
    plist = _plist(module, name)
    t = plist.original
    for p in plist:
        if isinstance(p, FixedMask):
            t = p(t)
    return t


def trainable_tensor(module: nn.Module, name: str) -> torch.Tensor:
    """The tensor an optimiser updates behind ``module.<name>`` (``original`` when
    parametrized), checked to carry only parametrizations this library understands."""
    check_parametrizations(module)
    if parametrize.is_parametrized(module, name):
        return _plist(module, name).original
    return getattr(module, name)


def check_parametrizations(module: nn.Module) -> None:
    """Raise ``TypeError`` if ``module`` carries a parametrization other than
    :class:`FixedMask` and :class:`DropConnect` (code that reads masks would drop it)."""
    if not parametrize.is_parametrized(module):
        return
    for name, plist in _parametrizations(module).items():
        for p in cast(parametrize.ParametrizationList, plist):
            if not isinstance(p, (FixedMask, DropConnect)):
                raise TypeError(
                    f"{type(module).__name__}.{name} carries the parametrization "
                    f"{type(p).__name__}; only FixedMask and DropConnect are understood here "
                    "(remove it with torch.nn.utils.parametrize.remove_parametrizations, or "
                    "train this model on its own with plain PyTorch)"
                )


@torch.no_grad()
def adopt_torch_prune(module: nn.Module) -> None:
    """Replace ``torch.nn.utils.prune`` pruning of ``module`` by fixed masks, in place.

    ``prune.remove`` makes each pruned tensor a plain parameter again (zeros where pruned), then
    :func:`set_mask` fixes those zeros with a :class:`FixedMask`, so they stay zero in training.
    """
    for name in torch_pruned_names(module):
        mask = getattr(module, name + "_mask").to(torch.bool).clone()
        prune.remove(module, name)
        set_mask(module, mask, name)


def set_mask(module: nn.Module, mask: torch.Tensor, name: str = "weight") -> None:
    """Fix ``module.<name>`` to ``original * mask``; replaces an existing mask in place.

    Args:
        module: e.g. an ``nn.Linear``.
        mask: boolean tensor of the parameter's shape; ``False`` entries become (and stay) zero.
    """
    tensor = getattr(module, name)
    if mask.shape != tensor.shape:
        raise ValueError(f"mask shape {tuple(mask.shape)} != {name} shape {tuple(tensor.shape)}")
    mask = mask.to(device=tensor.device, dtype=torch.bool)
    existing = _mask_param(module, name)
    if existing is not None:
        existing.mask.copy_(mask)
    else:
        parametrize.register_parametrization(module, name, FixedMask(mask))
    with torch.no_grad():  # zero the stored values too, so saved state matches what is computed
        original = _plist(module, name).original
        original.mul_(mask)
