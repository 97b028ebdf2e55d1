"""What is measured of a model at the split and at the end of training, beside its accuracy.

:func:`interference` is the schedule's default measure (:func:`~expand_neurons.schedule.
run_schedule` calls it on every model right after the split, before any further training, and
again at the end): the interference metrics of the first linear layer (mean feature capacity and
mean absolute cosine similarity of its rows, masks applied), the fraction of dead hidden units,
and, on a Boolean task, clauses per neuron. Measured right after the split, they are the null of
the mechanism: what the masks alone do to interference, before training has a say.
"""

from __future__ import annotations

import torch
from torch import nn

from .layers.protocol import fpe_modules
from .metrics import (
    clause_attribution,
    clauses_per_neuron,
    mean_cosine_similarity,
    mean_feature_capacity,
)
from .models import first_layer_weight

__all__ = ["interference", "dead_fraction", "MEASURED_ROWS"]

#: At most this many training inputs are fed forward to find dead units.
MEASURED_ROWS = 2048


@torch.no_grad()
def dead_fraction(model: nn.Module, X: torch.Tensor) -> float:
    """The fraction (0-1) of hidden units (outputs of every linear layer but the last) whose
    pre-activation is never positive on the first :data:`MEASURED_ROWS` rows of ``X``: dead
    under ReLU, they pass no signal and get no gradient."""
    layers = fpe_modules(model)[:-1]
    if not layers:
        return 0.0
    peaks: list[torch.Tensor] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: peaks.append(out.flatten(0, -2).amax(0)))
        for m in layers
    ]
    device = next(model.parameters()).device
    try:
        was_training = model.training
        model.eval()
        model(X[:MEASURED_ROWS].to(device))
        model.train(was_training)
    finally:
        for h in hooks:
            h.remove()
    dead = sum(int((p <= 0).sum()) for p in peaks)
    return dead / sum(p.numel() for p in peaks)


def interference(model: nn.Module, data: object) -> dict[str, float]:
    """``capacity``, ``cosine`` and ``dead_fraction`` of ``model`` (first layer, masks applied),
    plus ``clauses_per_neuron`` (mean over neurons, attribution threshold 0.2) when ``data`` is a
    Boolean task (it has ``clause_inputs``)."""
    W = first_layer_weight(model)  # (h, d)
    out = {
        "capacity": mean_feature_capacity(W),
        "cosine": mean_cosine_similarity(W),
        "dead_fraction": dead_fraction(model, data.X_train),  # type: ignore[attr-defined]
    }
    clause_inputs = getattr(data, "clause_inputs", None)
    if clause_inputs is not None:
        per_neuron = clauses_per_neuron(clause_attribution(W, clause_inputs))  # (h,)
        out["clauses_per_neuron"] = float(per_neuron.float().mean())
    return out
