"""Multilayer perceptrons as plain ``nn.Sequential`` stacks.

Their layers, in any layout, are found with :func:`expand_neurons.layers.fpe_layers`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .layers.protocol import fpe_layers

__all__ = [
    "MLP",
    "ConvNet",
    "ACTIVATIONS",
    "ELEMENTWISE",
    "INITS",
    "seeded_mlp",
    "seeded_conv_net",
    "mlp_parameters",
    "first_layer_weight",
    "hidden_neurons",
]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}

#: Initialisations of an :class:`MLP`: PyTorch's ``nn.Linear`` default (uniform, variance
#: ``1 / (3 fan_in)``) or He's weights (``kaiming_normal_``, variance ``2 / fan_in``), which keep
#: the scale of ReLU activations from layer to layer. Biases keep PyTorch's default under both:
#: a bias that starts at exactly zero stays there in a dead unit and would leave the non-zero
#: count of a dense network and of its expansion unequal.
INITS = ("default", "he")

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
    """``Linear -> act -> ... -> Linear``: ``hidden`` gives the width of each hidden layer,
    ``init`` the initialisation (:data:`INITS`).

    Input ``(batch, in_features)``, output ``(batch, out_features)`` logits. An MLP is an
    ``nn.Sequential``, so :func:`expand_neurons.expand` returns an ``MLP`` too.
    """

    def __init__(
        self,
        in_features: int,
        hidden: int | Sequence[int],
        out_features: int,
        activation: str = "relu",
        init: str = "default",
    ) -> None:
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; allowed are {list(INITS)}")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; allowed are {sorted(ACTIVATIONS)}"
            )
        widths = [hidden] if not isinstance(hidden, Sequence) else list(hidden)
        if not widths:
            raise ValueError("an MLP needs at least one hidden layer; got hidden=[]")
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {n!r}")
        for n in widths:
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"hidden widths must be integers >= 1, got hidden={hidden!r}")
        dims = [in_features, *widths]
        layers: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(a, b), ACTIVATIONS[activation]()]
        layers.append(nn.Linear(dims[-1], out_features))
        if init == "he":
            for layer in layers:
                if isinstance(layer, nn.Linear):
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        super().__init__(*layers)

    @property
    def widths(self) -> list[int]:
        """Current widths of the hidden layers (they grow when the MLP is expanded)."""
        return [layer.out_features for layer in fpe_layers(self)[:-1]]


def hidden_neurons(model: nn.Module) -> int:
    """Number of hidden neurons: outputs of every linear layer but the last, in any layout."""
    return sum(layer.out_features for layer in fpe_layers(model)[:-1])


def seeded_mlp(
    seed: int, in_features: int, hidden: int | Sequence[int], out_features: int, **kwargs
) -> MLP:
    """An :class:`MLP` initialised from ``seed`` without touching torch's global RNG state."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return MLP(in_features, hidden, out_features, **kwargs)


@torch.no_grad()
def first_layer_weight(model: nn.Module) -> torch.Tensor:
    """Effective weight ``(h, d)`` of the first linear layer (masks applied), in any layout.

    Rows are in canonical order (child ``k`` of parent ``i`` at row ``alpha * i + k``).
    """
    return fpe_layers(model)[0].effective_weight().detach().clone()


class ConvNet(nn.Sequential):
    """A small CNN as a nested ``nn.Sequential``: ``trunk`` (conv, ReLU, max-pool per entry of
    ``channels``, then Flatten) followed by ``head``, an :class:`MLP`.

    :func:`expand_neurons.expand` expands the head's hidden layers and leaves the trunk as it is.

    Args:
        in_shape: shape of one input image ``(C, H, W)``.
        channels: output channels of each 3x3 convolution (padding 1, each followed by 2x2 pooling).
        hidden: width of the head's hidden layer (or a list: one per hidden layer).
        n_classes: outputs.
        init: the head's initialisation (:data:`INITS`); the trunk keeps PyTorch's.
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        channels: Sequence[int],
        hidden: int | Sequence[int],
        n_classes: int,
        init: str = "default",
    ) -> None:
        layers: list[nn.Module] = []
        c_in = in_shape[0]
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c_out
        trunk = nn.Sequential(*layers, nn.Flatten())
        # Channels-last weights: the CPU's convolution kernels run about twice as fast on them
        # (same results up to float rounding); Flatten still reads features in (C, H, W) order.
        # (Module.to accepts memory_format; torch's type stubs omit it.)
        trunk.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        with torch.no_grad():
            features = trunk(torch.zeros(1, *in_shape)).shape[1]
        head = MLP(features, hidden, n_classes, init=init)
        super().__init__(OrderedDict(trunk=trunk, head=head))


def seeded_conv_net(seed: int, *args: Any, **kwargs: Any) -> ConvNet:
    """A :class:`ConvNet` initialised from ``seed`` without touching torch's global RNG state."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return ConvNet(*args, **kwargs)


def mlp_parameters(d: int, hidden: int | Sequence[int], n_classes: int) -> int:
    """Parameters (weights and biases) of a dense :class:`MLP` ``d -> hidden... -> n_classes``."""
    dims = [d, *([hidden] if isinstance(hidden, int) else hidden), n_classes]
    return sum(a * b + b for a, b in zip(dims[:-1], dims[1:]))
