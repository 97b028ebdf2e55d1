"""Classification data held in memory, and Gaussian clusters that stand in for it in tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = ["ArrayData", "synthetic_data"]


@dataclass
class ArrayData:
    """A classification data set: ``X_*`` float32 ``(n, ...)``, ``y_*`` int64 class indices."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    class_names: list[str]
    name: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def synthetic_data(
    n_classes: int = 4,
    shape: Sequence[int] = (32,),
    per_class: int = 20,
    seed: int = 0,
    noise: float = 1.0,
) -> ArrayData:
    """Gaussian class clusters of any ``shape`` (a stand-in for real data in tests).

    Each class has a random mean (standard normal); its examples add noise of std ``noise``.
    ``per_class`` examples per class are drawn, a quarter of them (at least one) for testing.
    """
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(n_classes, *shape, generator=g)
    n_test = max(1, per_class // 4)
    parts = {}
    for split, n in (("train", per_class - n_test), ("test", n_test)):
        y = torch.arange(n_classes).repeat_interleave(n)
        parts[split] = (means[y] + noise * torch.randn(len(y), *shape, generator=g), y)
    names = [f"class {c}" for c in range(n_classes)]
    return ArrayData(*parts["train"], *parts["test"], names, "synthetic")
