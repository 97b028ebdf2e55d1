"""Interference and polysemanticity metrics, and the gain-versus-fold-change regression.

Conventions: ``W`` is a first-layer weight of shape ``(h, d)`` (rows = neurons, columns = input
features), with FPE masks applied (use ``linear_layers(model)[0].weight``). Every function checks
its matrix first: a weight matrix with NaN or inf entries (a diverged run) is an error, never
quietly counted as zero.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import SupportsIndex, cast

import torch

__all__ = [
    "feature_capacity",
    "mean_feature_capacity",
    "mean_cosine_similarity",
    "clause_attribution",
    "clauses_per_neuron",
    "polysemantic_neurons",
    "effective_clauses",
    "relative_improvement",
    "fold_change",
    "LineFit",
    "fit_line",
]


def _check_matrix(
    M: torch.Tensor, name: str = "W", what: str = "weights", axes: str = "neurons, inputs"
) -> torch.Tensor:
    """``M`` detached, after checking it is a finite 2-D tensor (clear errors otherwise)."""
    if not torch.is_tensor(M):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(M).__name__}")
    if M.dim() != 2:
        raise ValueError(f"{name} must be a 2-D ({axes}) matrix, got shape {tuple(M.shape)}")
    M = M.detach()
    if M.is_floating_point() or M.is_complex():
        bad = int((~torch.isfinite(M)).sum())
        if bad:
            raise ValueError(
                f"{name} has {bad} non-finite entries (NaN or inf); metrics need finite {what}"
            )
    return M


def _index(v: object) -> int | None:
    """``v`` as an input index (int, numpy or 0-d tensor integer), or None if it is not one."""
    if isinstance(v, bool):
        return None
    try:
        return operator.index(cast(SupportsIndex, v))  # a TypeError if it is not one
    except TypeError:
        return None


def feature_capacity(W: torch.Tensor) -> torch.Tensor:
    """Capacity of each input feature (Scherlis et al. 2022), shape ``(d,)`` in ``[0, 1]``.

    With ``w_i = W[:, i]``: ``C_i = (w_i . w_i)^2 / sum_j (w_i . w_j)^2``. ``C_i = 1`` when
    feature ``i`` is orthogonal to every other feature (a dimension of its own); a feature with a
    zero column has capacity 0.
    """
    W = _check_matrix(W).double()
    G = W.T @ W  # (d, d)
    diag = G.diagonal()
    denom = (G**2).sum(dim=1)
    cap = torch.where(denom > 0, diag**2 / denom.clamp_min(1e-300), torch.zeros_like(diag))
    return cap.float()


def mean_feature_capacity(W: torch.Tensor) -> float:
    """Mean of :func:`feature_capacity` over features (higher = less interference)."""
    return float(feature_capacity(W).mean())


def mean_cosine_similarity(W: torch.Tensor, absolute: bool = True) -> float:
    """Mean pairwise cosine similarity of neuron weight vectors (rows of ``W``).

    Averages over distinct pairs of non-zero rows; ``absolute=True`` (default) averages
    ``|cos|`` so anti-aligned neurons count as interfering too. Lower = more orthogonal.
    """
    W = _check_matrix(W).double()
    W = W[W.norm(dim=1) > 0]
    n = W.shape[0]
    if n < 2:
        return 0.0
    Z = torch.nn.functional.normalize(W, dim=1)
    C = Z @ Z.T
    off = C[~torch.eye(n, dtype=torch.bool)]
    return float((off.abs() if absolute else off).mean())


def clause_attribution(W: torch.Tensor, clause_inputs: Sequence[Sequence[int]]) -> torch.Tensor:
    """Share of each neuron's input weight mass on each clause, shape ``(clauses, h)``.

    ``A[c, j] = sum_{v in clause c} |W[j, v]| / sum_v |W[j, v]|``; columns sum to at most 1
    (the rest sits on inputs outside every clause). Dead neurons get a zero column.
    """
    absW = _check_matrix(W).abs().double()
    d = absW.shape[1]
    groups = []
    for c, g in enumerate(clause_inputs):
        idx = [_index(v) for v in g]
        bad = [v for v, i in zip(g, idx) if i is None or not 0 <= i < d]
        if bad:
            raise ValueError(f"clause {c} names inputs {bad}; allowed are 0..{d - 1}")
        groups.append(idx)
    total = absW.sum(dim=1)
    rows = [absW[:, g].sum(dim=1) for g in groups]
    A = torch.stack(rows) / total.clamp_min(1e-300)
    return torch.where(total > 0, A, torch.zeros_like(A)).float()


def clauses_per_neuron(A: torch.Tensor, threshold: float = 0.2) -> torch.Tensor:
    """Number of clauses holding at least ``threshold`` of each neuron's weight mass, ``(h,)``."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    A = _check_matrix(A, "A", "attributions", "clauses, neurons")
    return (threshold <= A).sum(dim=0)


def polysemantic_neurons(A: torch.Tensor, threshold: float = 0.2) -> int:
    """Neurons that carry two or more clauses by :func:`clauses_per_neuron`."""
    return int((clauses_per_neuron(A, threshold) >= 2).sum())


def effective_clauses(A: torch.Tensor) -> torch.Tensor:
    """Effective number of clauses each neuron mixes, ``(h,)``, from ``A = clause_attribution``.

    The participation ratio ``(sum_c A[c, j])^2 / sum_c A[c, j]^2``: ``n`` when a neuron spreads
    its clause mass equally over ``n`` clauses, 1 when it sits on one clause, 0 for a dead neuron.
    Unlike :func:`clauses_per_neuron` it has no threshold, so a neuron spread thinly over many
    clauses counts as mixing many (a threshold of 0.2 would count none of 8 equal shares).
    """
    A = _check_matrix(A, "A", "attributions", "clauses, neurons").double()
    num = A.sum(dim=0) ** 2
    den = (A**2).sum(dim=0)
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.zeros_like(num)).float()


def relative_improvement(acc_new: float, acc_base: float) -> float:
    """``(acc_new - acc_base) / acc_base``, e.g. 0.1 = ten percent better."""
    if not (math.isfinite(acc_new) and math.isfinite(acc_base)):
        raise ValueError(f"accuracies must be finite, got {acc_new} and {acc_base}")
    if acc_base <= 0:
        raise ValueError(f"baseline accuracy must be positive, got {acc_base}")
    return (acc_new - acc_base) / acc_base


def fold_change(new: float, base: float) -> float:
    """``new / base`` (e.g. FPE feature capacity over dense feature capacity)."""
    if base == 0:
        raise ValueError("fold change with a zero baseline is undefined")
    return new / base


@dataclass(frozen=True)
class LineFit:
    """Least-squares line ``y = slope * x + intercept`` and its coefficient of determination."""

    slope: float
    intercept: float
    r2: float
    n: int


def fit_line(x: Sequence[float], y: Sequence[float]) -> LineFit:
    """Ordinary least squares of ``y`` on ``x`` (at least two distinct ``x`` values). ``r2``
    is NaN when ``y`` does not vary: a flat line explains no variance, it does not fit
    perfectly."""
    xt = torch.as_tensor(list(x), dtype=torch.float64)
    yt = torch.as_tensor(list(y), dtype=torch.float64)
    for name, t in (("x", xt), ("y", yt)):
        bad = int((~torch.isfinite(t)).sum())
        if bad:
            raise ValueError(
                f"{name} has {bad} non-finite values (NaN or inf); a fit needs finite ones"
            )
    if xt.shape != yt.shape or xt.numel() < 2:
        raise ValueError(
            f"need two equal-length sequences of >= 2 points, got {xt.numel()}, {yt.numel()}"
        )
    xm, ym = xt.mean(), yt.mean()
    sxx = ((xt - xm) ** 2).sum()
    if sxx == 0:
        raise ValueError("all x values are equal: no line can be fitted")
    slope = ((xt - xm) * (yt - ym)).sum() / sxx
    intercept = ym - slope * xm
    ss_res = ((yt - (slope * xt + intercept)) ** 2).sum()
    ss_tot = ((yt - ym) ** 2).sum()
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else torch.tensor(float("nan"))
    return LineFit(float(slope), float(intercept), float(r2), int(xt.numel()))
