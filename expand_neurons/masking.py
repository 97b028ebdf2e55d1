"""Fixed binary masks on weights, kept as buffers through ``torch.nn.utils.parametrize``.

A masked layer stores its dense trainable tensor as ``parametrizations.weight.original`` and a
boolean ``mask`` buffer; ``layer.weight`` is always ``original * mask``. Masked entries therefore
stay exactly zero whatever the optimiser does to ``original`` (Adam, momentum, weight decay):
their gradient is zero and decoupled updates to ``original`` never reach ``weight``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

__all__ = ["FixedMask", "DropConnect", "set_mask", "get_mask", "is_masked"]


class FixedMask(nn.Module):
    """Parametrization ``W -> W * mask`` with a fixed boolean ``mask`` buffer of W's shape."""

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


def _mask_param(module: nn.Module, name: str) -> FixedMask | None:
    if not parametrize.is_parametrized(module, name):
        return None
    for p in module.parametrizations[name]:
        if isinstance(p, FixedMask):
            return p
    return None


def is_masked(module: nn.Module, name: str = "weight") -> bool:
    """Whether ``module.<name>`` carries a :class:`FixedMask`."""
    return _mask_param(module, name) is not None


def get_mask(module: nn.Module, name: str = "weight") -> torch.Tensor:
    """The boolean mask of ``module.<name>`` (all ``True`` when the tensor is unmasked)."""
    p = _mask_param(module, name)
    if p is None:
        return torch.ones_like(getattr(module, name), dtype=torch.bool)
    return p.mask


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
        original = module.parametrizations[name].original
        original.mul_(mask)
