"""Multilayer perceptrons as plain ``nn.Sequential`` stacks, and how to find their layers."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP", "ACTIVATIONS", "ELEMENTWISE", "linear_layers", "seeded_mlp", "first_layer_weight"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}

# Modules that act on each hidden unit separately: they may sit between expanded layers.
ELEMENTWISE: tuple[type[nn.Module], ...] = (
    nn.ReLU,
    nn.GELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Identity,
    nn.LeakyReLU,
    nn.SiLU,
    nn.ELU,
    nn.Softplus,
    nn.Dropout,
)


class MLP(nn.Sequential):
    """``Linear -> act -> ... -> Linear``: ``hidden`` gives the width of each hidden layer.

    Input ``(batch, in_features)``, output ``(batch, out_features)`` logits. An MLP is an
    ``nn.Sequential``, so :func:`expand_neurons.expand` returns an ``MLP`` too.
    """

    def __init__(
        self,
        in_features: int,
        hidden: int | Sequence[int],
        out_features: int,
        activation: str = "relu",
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; allowed are {sorted(ACTIVATIONS)}"
            )
        widths = [hidden] if isinstance(hidden, int) else list(hidden)
        if not widths:
            raise ValueError("an MLP needs at least one hidden layer; got hidden=[]")
        dims = [in_features, *widths]
        layers: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(a, b), ACTIVATIONS[activation]()]
        layers.append(nn.Linear(dims[-1], out_features))
        super().__init__(*layers)

    @property
    def widths(self) -> list[int]:
        """Current widths of the hidden layers (they grow when the MLP is expanded)."""
        return [m.out_features for m in linear_layers(self)[:-1]]


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The ``nn.Linear`` layers of ``model`` in forward (definition) order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def seeded_mlp(
    seed: int, in_features: int, hidden: int | Sequence[int], out_features: int, **kwargs
) -> MLP:
    """An :class:`MLP` initialised from ``seed`` without touching torch's global RNG state."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return MLP(in_features, hidden, out_features, **kwargs)


@torch.no_grad()
def first_layer_weight(model: nn.Module) -> torch.Tensor:
    """Effective weight ``(h, d)`` of the first ``Linear`` layer (masks applied)."""
    return linear_layers(model)[0].weight.detach().clone()
