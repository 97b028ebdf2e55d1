"""Seeded subsets and train/test splits of labelled data, stratified by class.

All functions take integer labels (a 1-D int64 tensor) and return sorted int64 index tensors, so a
subset keeps the original order of the data. Each class gets its own random stream derived from
``(seed, class label)``: what is drawn for one class does not depend on which other classes exist,
so a sweep over the number of classes reuses the same examples of every class it keeps.
"""

from __future__ import annotations

import torch

__all__ = [
    "class_generator",
    "per_class_cap",
    "stratified_subset",
    "random_subset",
    "split_by_class",
]


def class_generator(seed: int, label: int) -> torch.Generator:
    """A CPU generator seeded from ``(seed, label)`` (distinct, reproducible stream per class)."""
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(label) * 7_919) % (2**63))


def _class_indices(labels: torch.Tensor) -> dict[int, torch.Tensor]:
    labels = torch.as_tensor(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {tuple(labels.shape)}")
    return {int(c): torch.nonzero(labels == c).flatten() for c in torch.unique(labels).tolist()}


def per_class_cap(labels: torch.Tensor, max_per_class: int | None, seed: int = 0) -> torch.Tensor:
    """Indices keeping at most ``max_per_class`` random examples of each class (all if None)."""
    parts = []
    for c, idx in _class_indices(labels).items():
        if max_per_class is not None and len(idx) > max_per_class:
            perm = torch.randperm(len(idx), generator=class_generator(seed, c))
            idx = idx[perm[:max_per_class]]
        parts.append(idx)
    return torch.sort(torch.cat(parts)).values if parts else torch.empty(0, dtype=torch.long)


def stratified_subset(labels: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` indices drawn so that each class keeps its share of the data.

    Class ``c`` with ``n_c`` of ``N`` examples gets ``floor(n * n_c / N)`` examples, and the
    remaining slots go to the classes with the largest fractional parts (ties: lower label first);
    within a class the examples are drawn uniformly at random with that class's own stream.
    """
    labels = torch.as_tensor(labels)
    total = len(labels)
    if not 0 <= n <= total:
        raise ValueError(f"subset size {n} is not in [0, {total}]")
    groups = _class_indices(labels)
    exact = {c: n * len(idx) / total for c, idx in groups.items()}
    quota = {c: int(q) for c, q in exact.items()}
    leftover = n - sum(quota.values())
    for c in sorted(groups, key=lambda c: (-(exact[c] - quota[c]), c))[:leftover]:
        quota[c] += 1
    parts = []
    for c, idx in groups.items():
        perm = torch.randperm(len(idx), generator=class_generator(seed, c))
        parts.append(idx[perm[: quota[c]]])
    return torch.sort(torch.cat(parts)).values if parts else torch.empty(0, dtype=torch.long)


def random_subset(n_total: int, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` of ``range(n_total)`` drawn uniformly without replacement, sorted."""
    if not 0 <= n <= n_total:
        raise ValueError(f"subset size {n} is not in [0, {n_total}]")
    perm = torch.randperm(n_total, generator=torch.Generator().manual_seed(int(seed)))
    return torch.sort(perm[:n]).values


def split_by_class(
    labels: torch.Tensor, test_fraction: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stratified train/test split: ``round(test_fraction * n_c)`` examples of each class go to the
    test set (at least one, and at least one left for training, when the class has two or more).

    Returns ``(train_idx, test_idx)``, each sorted.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    train, test = [], []
    for c, idx in _class_indices(labels).items():
        n_test = round(test_fraction * len(idx))
        if len(idx) >= 2:
            n_test = min(max(n_test, 1), len(idx) - 1)
        perm = torch.randperm(len(idx), generator=class_generator(seed + 104_729, c))
        test.append(idx[perm[:n_test]])
        train.append(idx[perm[n_test:]])
    empty = torch.empty(0, dtype=torch.long)
    return (
        torch.sort(torch.cat(train)).values if train else empty,
        torch.sort(torch.cat(test)).values if test else empty,
    )
