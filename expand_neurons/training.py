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
from typing import Protocol, cast

import torch
from torch import nn
from torch.nn.utils import parametrize
from tqdm import tqdm as console_tqdm
from tqdm.auto import tqdm as auto_tqdm

from .checks import check_int, check_positive
from .masking import (
    DropConnect,
    FixedMask,
    _plist,
    check_parametrizations,
    get_mask,
    trainable_tensor,
)
from .models import ELEMENTWISE
from .seeds import check_seed

__all__ = [
    "Dataset",
    "History",
    "fit",
    "evaluate",
    "default_device",
    "LOSSES",
    "OPTIMIZERS",
    "progress_bar",
]

LOSSES = ("bce", "ce")
OPTIMIZERS = ("adam", "adamw", "sgd")


class Dataset(Protocol):
    """Anything with ``X_train, y_train, X_test, y_test`` tensors.

    ``y`` is float ``(n, outputs)`` in {0, 1} for the ``'bce'`` loss and int64 ``(n,)`` class
    indices for ``'ce'``.
    """

    # read-only members, so frozen dataclasses (e.g. ``BooleanTask``) qualify too
    @property
    def X_train(self) -> torch.Tensor: ...
    @property
    def y_train(self) -> torch.Tensor: ...
    @property
    def X_test(self) -> torch.Tensor: ...
    @property
    def y_test(self) -> torch.Tensor: ...


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


def progress_bar(total: int, desc: str, enabled: bool | None = None) -> console_tqdm:
    """A tqdm bar (notebook-aware) unless disabled.

    ``enabled=None`` reads ``EXPAND_NEURONS_PROGRESS``: ``off`` hides bars (the book build sets
    this), ``text`` forces console bars, anything else picks the notebook or console bar.
    """
    mode = os.environ.get("EXPAND_NEURONS_PROGRESS", "auto")
    if enabled is False or (enabled is None and mode == "off"):
        return console_tqdm(total=total, desc=desc, disable=True)
    bar = console_tqdm if mode == "text" else auto_tqdm
    return bar(total=total, desc=desc, leave=False)


def _losses(logits: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Each model's mean loss over its batch: ``logits`` ``(N, batch, outputs)``, ``y`` as
    :class:`Dataset` describes with a leading ``N``; returns ``(N,)``.

    One call for the whole stack instead of one per model (a fifth of a Boolean run's time
    went to ``N`` small loss calls and their backward nodes). Equal to the per-model means up
    to float rounding. The gradient is the same bit for bit for ``'ce'``, and for ``'bce'`` when
    ``batch * outputs`` is a power of two (the Boolean pilot's 256 x 8); otherwise it differs
    in the last bits.
    """
    if loss == "bce":
        per_value = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
        return per_value.flatten(1).mean(1)
    per_sample = nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none")
    return per_sample.view(logits.shape[:2]).mean(1)


def _accuracies(logits: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Each model's accuracy on its batch (shapes as :func:`_losses`); returns ``(N,)``."""
    if loss == "bce":
        return ((logits > 0).float() == y).float().flatten(1).mean(1)
    return (logits.argmax(-1) == y).float().mean(1)


class _Stack:
    """Forward for N same-shaped models as one batched computation.

    One model runs as itself. Several models must be ``nn.Sequential`` stacks of ``Linear`` and
    elementwise modules (MLPs): their weights are stacked into ``(N, out, in)`` leaf tensors
    and each layer runs as one ``baddbmm``. The weight's parametrizations are the models' own
    classes (:class:`~expand_neurons.masking.FixedMask` over the stacked masks,
    :class:`~expand_neurons.masking.DropConnect` at the shared rate), so the stack computes what
    each model computes; any other parametrization is an error. :meth:`write_back` copies
    trained values into the models.
    """

    def __init__(self, models: Sequence[nn.Module], device: torch.device) -> None:
        self.models = [m.to(device) for m in models]
        self.single = len(models) == 1
        if self.single:
            self.params: dict[str, torch.Tensor] = dict(self.models[0].named_parameters())
            return
        layouts = [_mlp_layout(m) for m in self.models]
        self.steps: list = []
        self.params = {}
        for pos, step in enumerate(layouts[0]):
            if not isinstance(step, nn.Linear):
                self.steps.append(step)
                continue
            lins = [cast(nn.Linear, lay[pos]) for lay in layouts]  # same-shaped models
            w = torch.stack([trainable_tensor(m, "weight") for m in lins]).detach().clone()
            b = None
            if step.bias is not None:
                b = torch.stack([trainable_tensor(m, "bias") for m in lins]).detach().clone()
                b.requires_grad_()
            self.params[f"{pos}.weight"] = w.requires_grad_()
            if b is not None:
                self.params[f"{pos}.bias"] = b
            self.steps.append(_StackedLinear(lins, w, b, _stacked_parametrizations(lins)))
        self.training = True

    def train(self, mode: bool) -> None:
        """Training or evaluation mode. A stack of several models runs its own steps, which
        read ``self.training``; the models themselves are left in evaluation mode by :func:`fit`."""
        self.training = mode
        if self.single:
            self.models[0].train(mode)

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


def _stacked_parametrizations(lins: Sequence[nn.Linear]) -> list[nn.Module]:
    """The weight parametrizations of ``lins`` for their stacked ``(N, out, in)`` weight.

    Raises:
        TypeError: for a parametrization other than ``FixedMask`` or ``DropConnect``, or on a
            bias (the stack would silently drop it).
        ValueError: if the models' DropConnect rates differ.
    """
    for m in lins:
        check_parametrizations(m)
        if parametrize.is_parametrized(m, "bias"):
            raise TypeError("training several models at once does not support parametrized biases")
    masks = [get_mask(m) for m in lins]
    chain: list[nn.Module] = []
    if not all(bool(k.all()) for k in masks):
        chain.append(FixedMask(torch.stack(masks)))
    drops = {
        tuple(p.p for p in _plist(m, "weight") if isinstance(p, DropConnect))
        if parametrize.is_parametrized(m, "weight")
        else ()
        for m in lins
    }
    if len(drops) != 1:
        raise ValueError(f"models trained together differ in DropConnect rates {sorted(drops)}")
    chain += [DropConnect(p) for p in drops.pop()]
    return chain


class _StackedLinear:
    """N ``Linear`` layers as stacked ``(N, out, in)`` weights and their parametrizations."""

    def __init__(
        self,
        lins: Sequence[nn.Linear],
        w: torch.Tensor,
        b: torch.Tensor | None,
        chain: Sequence[nn.Module],
    ) -> None:
        self.lins, self.w, self.b, self.chain = lins, w, b, list(chain)

    def __call__(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        w = self.w
        for p in self.chain:
            p.train(training)
            w = p(w)
        if self.b is None:
            return torch.bmm(x, w.transpose(1, 2))
        return torch.baddbmm(self.b.unsqueeze(1), x, w.transpose(1, 2))

    def write_back(self) -> None:
        for i, lin in enumerate(self.lins):
            trainable_tensor(lin, "weight").copy_(self.w[i])
            if self.b is not None:
                trainable_tensor(lin, "bias").copy_(self.b[i])


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
        losses += w * _losses(out, yb, loss)
        correct += w * _accuracies(out, yb, loss)
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
    check_int("epochs", epochs, minimum=0)
    check_int("batch_size", batch_size, minimum=1)
    check_positive("lr", lr)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; allowed are {list(OPTIMIZERS)}")
    check_seed(seed)
    models = [models] if isinstance(models, nn.Module) else list(models)
    if not models or not all(isinstance(m, nn.Module) for m in models):
        raise TypeError("models must be an nn.Module or a non-empty list of them")
    data = list(data) if isinstance(data, (list, tuple)) else [cast(Dataset, data)] * len(models)
    if len(data) != len(models):
        raise ValueError(f"got {len(data)} data sets for {len(models)} models")
    for i, (m, d) in enumerate(zip(models, data)):
        _check_finite(m, "before training")
        _check_data(m, d, loss, f"data[{i}]." if len(data) > 1 else "")
    device = torch.device(device) if device is not None else default_device()
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)  # dropout-like randomness; torch's global state is restored
        histories = _fit(
            models,
            data,
            epochs,
            loss,
            lr,
            batch_size,
            weight_decay,
            optimizer,
            seed,
            eval_every,
            device,
            desc,
            progress,
        )
    for m in models:
        _check_finite(m, "after training (it diverged: try a lower lr)")
    return histories


_DATA = ("X_train", "y_train", "X_test", "y_test")


def _check_data(model: nn.Module, data: object, loss: str, prefix: str = "") -> None:
    """Refuse, before any training, a data set ``model`` cannot be trained on with ``loss``.

    Each tensor must be there, non-empty and finite, inputs of the model's dtype and shape,
    labels as ``loss`` needs them (see :class:`Dataset`). Raises :class:`TypeError` or
    :class:`ValueError` naming the tensor (``prefix`` + its name) and what is allowed.
    """
    missing = [n for n in _DATA if not isinstance(getattr(data, n, None), torch.Tensor)]
    if missing:
        raise TypeError(
            f"data must have tensors {', '.join(_DATA)} (e.g. a BooleanTask); "
            f"{type(data).__name__} has no tensor {prefix}{missing[0]}"
        )
    tensors: dict[str, torch.Tensor] = {n: getattr(data, n) for n in _DATA}
    if len(tensors["X_train"]) == 0 or len(tensors["X_test"]) == 0:
        raise ValueError(
            f"empty data set: {len(tensors['X_train'])} training and {len(tensors['X_test'])} "
            "test samples; both must be >= 1"
        )
    for part in ("train", "test"):
        X, y = tensors[f"X_{part}"], tensors[f"y_{part}"]
        if len(X) != len(y):
            raise ValueError(
                f"{prefix}X_{part} has {len(X)} samples but {prefix}y_{part} has {len(y)}; "
                "they must be equal"
            )
        _check_inputs(model, X, f"{prefix}X_{part}")
        _check_labels(y, f"{prefix}y_{part}", loss)
    for part in ("train", "test"):
        _check_outputs(model, tensors["X_train"], tensors[f"y_{part}"], f"{prefix}y_{part}", loss)


def _check_inputs(model: nn.Module, X: torch.Tensor, name: str) -> None:
    """``X`` finite and of the dtype of the model's parameters."""
    dtype = next((p.dtype for p in model.parameters()), None)
    if dtype is not None and X.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {X.dtype} but the model's parameters are {dtype}; "
            f"convert the inputs (e.g. X.to({dtype})) or the model"
        )
    bad = int((~torch.isfinite(X)).sum()) if X.is_floating_point() else 0
    if bad:
        raise ValueError(f"{name} holds {bad} NaN or inf entries; inputs must be finite")


def _check_labels(y: torch.Tensor, name: str, loss: str) -> None:
    """``y`` as ``loss`` needs it: 0/1 floats ``(n, outputs)`` or int64 class indices ``(n,)``."""
    if loss == "bce":
        if not y.is_floating_point() or y.ndim != 2:
            raise TypeError(
                f"loss='bce' needs {name} as a float tensor (n, outputs) of 0s and 1s, got "
                f"{y.dtype} of shape {tuple(y.shape)}"
            )
        bad = (y != 0) & (y != 1)
        if bool(bad.any()):
            raise ValueError(
                f"{name} holds {int(bad.sum())} values outside {{0, 1}} (e.g. "
                f"{float(y[bad][0])}); loss='bce' needs labels 0 or 1"
            )
        return
    if y.dtype != torch.int64 or y.ndim != 1:
        raise TypeError(
            f"loss='ce' needs {name} as int64 class indices of shape (n,), got {y.dtype} of "
            f"shape {tuple(y.shape)} (multi-label 0/1 targets need loss='bce')"
        )
    if len(y) and int(y.min()) < 0:
        raise ValueError(f"{name} holds class index {int(y.min())}; class indices must be >= 0")


@torch.no_grad()
def _check_outputs(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, name: str, loss: str
) -> None:
    """The model takes one sample of ``X`` and gives as many outputs as ``y`` (``name``) needs."""
    device = next((p.device for p in model.parameters()), X.device)
    mode = model.training
    model.train(False)  # no dropout, no running statistics updated
    try:
        out = model(X[:1].to(device))
    except (RuntimeError, ValueError, TypeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(
            f"the model does not take the samples of X_train, of shape {tuple(X.shape[1:])}: "
            f"{first}"
        ) from err
    finally:
        model.train(mode)
    outputs = out.shape[1] if out.ndim == 2 else 0
    gives = f"{outputs} outputs" if out.ndim == 2 else f"outputs of shape {tuple(out.shape[1:])}"
    if loss == "bce" and outputs != y.shape[1]:
        raise ValueError(
            f"the model gives {gives} per sample but {name} has {y.shape[1]} labels; "
            "they must be equal"
        )
    if loss == "ce" and int(y.max()) >= outputs:
        raise ValueError(
            f"the model gives {gives} per sample but {name} holds class index "
            f"{int(y.max())}; class indices must be below the number of outputs"
        )


def _check_finite(model: nn.Module, when: str) -> None:
    for name, p in model.named_parameters():
        if not bool(torch.isfinite(p).all()):
            raise ValueError(
                f"parameter {name!r} holds NaN or inf {when}; training needs finite weights"
            )


def _fit(
    models: list[nn.Module],
    data: list[Dataset],
    epochs: int,
    loss: str,
    lr: float,
    batch_size: int,
    weight_decay: float,
    optimizer: str,
    seed: int,
    eval_every: int | None,
    device: torch.device,
    desc: str,
    progress: bool | None,
) -> list[History]:
    stack = _Stack(models, device)
    Xtr, ytr = _stack_data(data, "X_train", device), _stack_data(data, "y_train", device)
    Xte, yte = _stack_data(data, "X_test", device), _stack_data(data, "y_test", device)
    params = list(stack.params.values())
    if optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    g = torch.Generator().manual_seed(seed)
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
                # index_select copies the same rows as Xtr[:, idx], about 10x faster on the CPU
                out = stack(Xtr.index_select(1, idx))
                per_model = _losses(out, ytr.index_select(1, idx), loss)  # (N,)
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
