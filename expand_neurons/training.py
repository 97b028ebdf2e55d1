"""Seeded training loops: one model, or many same-shaped models at once.

:func:`fit` trains a list of models that share an architecture (e.g. several seeds, or the random
and clause-aligned expansions of the same network) in one loop: their parameters are stacked
along an instance dimension and each layer runs as one batched matmul, which on small models is
many times faster than training them one after another. Each instance has its own data, its own loss
and (because Adam is elementwise) its own optimiser state, so results equal separate training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import nn
from torch.nn.utils import parametrize

from .masking import DropConnect, get_mask
from .models import ELEMENTWISE

__all__ = ["Dataset", "History", "fit", "evaluate", "default_device", "LOSSES", "progress_bar"]

LOSSES = ("bce", "ce")


class Dataset(Protocol):
    """Anything with ``X_train, y_train, X_test, y_test`` tensors.

    ``y`` is float ``(n, outputs)`` in {0, 1} for the ``'bce'`` loss and int64 ``(n,)`` class
    indices for ``'ce'``.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


@dataclass
class History:
    """Per-evaluation record of one model: epochs, train loss, test loss and test accuracy."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)

    def extend(self, other: History, offset: int) -> None:
        """Append ``other`` with its epochs shifted by ``offset`` (for multi-phase schedules)."""
        self.epoch += [e + offset for e in other.epoch]
        self.train_loss += other.train_loss
        self.test_loss += other.test_loss
        self.test_accuracy += other.test_accuracy

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1]


def default_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def progress_bar(total: int, desc: str, enabled: bool | None = None):
    """A tqdm bar (notebook-aware) unless disabled.

    ``enabled=None`` reads ``EXPAND_NEURONS_PROGRESS``: ``off`` hides bars (the book build sets
    this), ``text`` forces console bars, anything else picks the notebook or console bar.
    """
    mode = os.environ.get("EXPAND_NEURONS_PROGRESS", "auto")
    if enabled is False or (enabled is None and mode == "off"):
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, disable=True)
    if mode == "text":
        from tqdm import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, leave=False)


def _loss(logits: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "bce":
        return nn.functional.binary_cross_entropy_with_logits(logits, y)
    return nn.functional.cross_entropy(logits, y)


def _correct(logits: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "bce":
        return ((logits > 0).float() == y).float().mean()
    return (logits.argmax(-1) == y).float().mean()


class _Stack:
    """Forward for N same-shaped models as one batched computation.

    One model runs as itself. Several models must be ``nn.Sequential`` stacks of ``Linear`` and
    elementwise modules (MLPs): their weights are stacked into ``(N, out, in)`` leaf tensors
    and each layer runs as one ``baddbmm``. Fixed masks and DropConnect parametrizations are
    honoured; :meth:`write_back` copies trained values into the models.
    """

    def __init__(self, models: Sequence[nn.Module], device: torch.device) -> None:
        self.models = [m.to(device) for m in models]
        self.single = len(models) == 1
        if self.single:
            self.params = dict(self.models[0].named_parameters())
            return
        layouts = [_mlp_layout(m) for m in self.models]
        self.steps: list = []
        self.params = {}
        for pos, step in enumerate(layouts[0]):
            if not isinstance(step, nn.Linear):
                self.steps.append(step)
                continue
            lins = [lay[pos] for lay in layouts]
            w = torch.stack([_raw(m, "weight") for m in lins]).detach().clone().requires_grad_()
            b = None
            if step.bias is not None:
                b = torch.stack([_raw(m, "bias") for m in lins]).detach().clone().requires_grad_()
            masks = [get_mask(m) for m in lins]
            mask = None if all(bool(k.all()) for k in masks) else torch.stack(masks)
            drops = {_dropconnect_p(m) for m in lins}
            if len(drops) != 1:
                raise ValueError(f"models trained together differ in DropConnect rates {drops}")
            self.params[f"{pos}.weight"] = w
            if b is not None:
                self.params[f"{pos}.bias"] = b
            self.steps.append(_StackedLinear(lins, w, b, mask, drops.pop()))
        self.training = True

    def train(self, mode: bool) -> None:
        self.training = mode
        for m in self.models:
            m.train(mode)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` is ``(N, batch, ...)``; returns ``(N, batch, outputs)``."""
        if self.single:
            return self.models[0](x[0]).unsqueeze(0)
        for step in self.steps:
            x = step(x, self.training) if isinstance(step, _StackedLinear) else step(x)
        return x

    @torch.no_grad()
    def write_back(self) -> None:
        if self.single:
            return
        for step in self.steps:
            if isinstance(step, _StackedLinear):
                step.write_back()


class _StackedLinear:
    """N ``Linear`` layers as stacked ``(N, out, in)`` weights with optional masks."""

    def __init__(self, lins, w, b, mask, drop_p: float) -> None:
        self.lins, self.w, self.b, self.mask, self.drop_p = lins, w, b, mask, drop_p

    def __call__(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        w = self.w if self.mask is None else self.w * self.mask
        if training and self.drop_p > 0:
            w = w * (torch.rand_like(w) >= self.drop_p) / (1.0 - self.drop_p)
        if self.b is None:
            return torch.bmm(x, w.transpose(1, 2))
        return torch.baddbmm(self.b.unsqueeze(1), x, w.transpose(1, 2))

    def write_back(self) -> None:
        for i, lin in enumerate(self.lins):
            _raw(lin, "weight").copy_(self.w[i])
            if self.b is not None:
                _raw(lin, "bias").copy_(self.b[i])


def _raw(module: nn.Module, name: str) -> torch.Tensor:
    """The trainable tensor behind ``module.<name>`` (``original`` when parametrized)."""
    if parametrize.is_parametrized(module, name):
        return module.parametrizations[name].original
    return getattr(module, name)


def _dropconnect_p(module: nn.Module) -> float:
    if not parametrize.is_parametrized(module, "weight"):
        return 0.0
    return sum(p.p for p in module.parametrizations["weight"] if isinstance(p, DropConnect))


def _mlp_layout(model: nn.Module) -> list[nn.Module]:
    """Leaf modules of an MLP in order; raise if the model is not Linear + elementwise only."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            "training several models at once needs nn.Sequential MLPs; "
            f"got {type(model).__name__} (train such models one at a time)"
        )
    leaves = []
    for m in model.children():
        if isinstance(m, nn.Sequential):
            leaves += _mlp_layout(m)
        elif isinstance(m, (nn.Linear, *ELEMENTWISE)):
            leaves.append(m)
        else:
            raise TypeError(
                f"training several models at once supports Linear and elementwise modules only, "
                f"got {type(m).__name__} (train such models one at a time)"
            )
    return leaves


def _stack_data(data: Sequence[Dataset], attr: str, device: torch.device) -> torch.Tensor:
    tensors = [getattr(d, attr) for d in data]
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"all data sets trained together need equal {attr} shapes, got {shapes}")
    return torch.stack(tensors).to(device)


@torch.no_grad()
def _evaluate_stack(
    stack: _Stack, X: torch.Tensor, y: torch.Tensor, loss: str, batch: int = 4096
) -> tuple[list[float], list[float]]:
    stack.train(False)
    n = X.shape[1]
    losses = torch.zeros(X.shape[0], device=X.device)
    correct = torch.zeros(X.shape[0], device=X.device)
    for s in range(0, n, batch):
        xb, yb = X[:, s : s + batch], y[:, s : s + batch]
        out = stack(xb)
        w = xb.shape[1] / n
        losses += w * torch.stack([_loss(o, t, loss) for o, t in zip(out, yb)])
        correct += w * torch.stack([_correct(o, t, loss) for o, t in zip(out, yb)])
    return losses.tolist(), correct.tolist()


def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str = "bce") -> float:
    """Accuracy of ``model`` on ``(X, y)`` (fraction in [0, 1]); see :func:`fit` for ``loss``."""
    device = next(model.parameters()).device
    stack = _Stack([model], device)
    return _evaluate_stack(stack, X.unsqueeze(0).to(device), y.unsqueeze(0).to(device), loss)[1][0]


def fit(
    models: nn.Module | Sequence[nn.Module],
    data: Dataset | Sequence[Dataset],
    *,
    epochs: int,
    loss: str = "bce",
    lr: float = 1e-2,
    batch_size: int = 256,
    weight_decay: float = 0.0,
    optimizer: str = "adam",
    seed: int = 0,
    eval_every: int | None = None,
    device: torch.device | str | None = None,
    desc: str = "training",
    progress: bool | None = None,
) -> list[History]:
    """Train one or several same-shaped models in place; return one :class:`History` each.

    Args:
        models: a model or a list of models with identical parameter shapes.
        data: one data set for all models, or one per model (equal shapes).
        epochs: passes over the training set.
        loss: ``'bce'`` (sigmoid + binary cross-entropy, multi-label) or ``'ce'`` (softmax +
            cross-entropy, multi-class).
        lr, batch_size, weight_decay: optimiser settings (``weight_decay`` is decoupled for
            ``'adamw'`` and L2 for ``'adam'``/``'sgd'``).
        optimizer: ``'adam'``, ``'adamw'`` or ``'sgd'`` (momentum 0.9).
        seed: seeds the mini-batch order (and dropout-like randomness).
        eval_every: evaluate every this many epochs (default: ~20 times a run) and at the end.
        device: default CUDA when available, else CPU.
        progress: show a progress bar (``None``: see :func:`progress_bar`).
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed are {list(LOSSES)}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    models = [models] if isinstance(models, nn.Module) else list(models)
    data = list(data) if isinstance(data, (list, tuple)) else [data] * len(models)
    if len(data) != len(models):
        raise ValueError(f"got {len(data)} data sets for {len(models)} models")
    device = torch.device(device) if device is not None else default_device()
    stack = _Stack(models, device)
    Xtr, ytr = _stack_data(data, "X_train", device), _stack_data(data, "y_train", device)
    Xte, yte = _stack_data(data, "X_test", device), _stack_data(data, "y_test", device)
    params = list(stack.params.values())
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}; allowed are ['adam', 'adamw', 'sgd']")
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    histories = [History() for _ in models]
    eval_every = eval_every or max(1, epochs // 20)
    n = Xtr.shape[1]

    def record(epoch: int, train_loss: list[float]) -> None:
        te_loss, te_acc = _evaluate_stack(stack, Xte, yte, loss)
        for i, h in enumerate(histories):
            h.epoch.append(epoch)
            h.train_loss.append(train_loss[i])
            h.test_loss.append(te_loss[i])
            h.test_accuracy.append(te_acc[i])

    if epochs == 0:
        record(0, _evaluate_stack(stack, Xtr, ytr, loss)[0])
        return histories
    with progress_bar(epochs, desc, progress) as bar:
        for epoch in range(1, epochs + 1):
            stack.train(True)
            perm = torch.randperm(n, generator=g).to(device)
            running = torch.zeros(len(models), device=device)
            for s in range(0, n, batch_size):
                idx = perm[s : s + batch_size]
                out = stack(Xtr[:, idx])
                per_model = torch.stack([_loss(o, t, loss) for o, t in zip(out, ytr[:, idx])])
                opt.zero_grad(set_to_none=True)
                per_model.sum().backward()
                opt.step()
                running += per_model.detach() * len(idx) / n
            if epoch % eval_every == 0 or epoch == epochs:
                record(epoch, running.tolist())
                mean_acc = sum(h.test_accuracy[-1] for h in histories) / len(histories)
                bar.set_postfix(acc=f"{mean_acc:.3f}")
            bar.update(1)
    stack.write_back()
    for m in models:
        m.train(False)
    return histories
