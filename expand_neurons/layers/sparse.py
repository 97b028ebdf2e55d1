"""The sparse FPE layer: any split (per-neuron random, clause-aligned), stored as CSR.

An expanded layer of ``alpha * h`` children over ``d`` inputs has only ``h * d`` non-zero
weights (fewer after pruning), ``d / alpha`` per child. :class:`SparseFPELinear` stores exactly
those values, with int32 CSR indices, and computes

* the output ``out^T = A x^T + b`` with a sparse-dense product (MKL on CPU, cuSPARSE on CUDA);
* the input gradient with the transposed matrix ``A^T`` (its index arrays are precomputed);
* the weight gradient ``dA[c, j] = sum_n g[n, c] x[n, j]`` on the stored entries only: for a
  single sample as the product of the two gathered factors, for ``alpha >= SAMPLED_FROM_ALPHA``
  with ``torch.sparse.sampled_addmm`` (``batch * nnz`` multiply-adds, but a slow kernel),
  otherwise as the dense product ``g^T x`` read at the stored positions (``alpha`` times the
  multiply-adds of the dense layer, in one fast BLAS call).

Pruned weights are simply not stored, so they stay zero whatever the optimiser does, and the
output columns keep the masked layer's order.
"""

from __future__ import annotations

import warnings
from typing import Any, cast

import torch
from torch import nn

from ..masking import effective_tensor, get_mask

__all__ = ["SparseFPELinear", "SAMPLED_FROM_ALPHA"]


#: From this expansion factor on, the weight gradient uses the sampled product (see above).
SAMPLED_FROM_ALPHA = 8


def _csr(
    crow: torch.Tensor, col: torch.Tensor, values: torch.Tensor, shape: tuple[int, int]
) -> torch.Tensor:
    # torch warns once that CSR support is "beta"; this layer is tested against the masked
    # reference, so the warning tells its users nothing.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)


class _SparseMatmul(torch.autograd.Function):
    """``(n, d) -> (n, m)`` with a CSR weight; see :class:`SparseFPELinear`."""

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        values: torch.Tensor,
        bias: torch.Tensor | None,
        layer: SparseFPELinear,
    ) -> torch.Tensor:
        m, d = layer.out_features, layer.in_features
        a = _csr(layer.crow, layer.col, values, (m, d))
        xt = x.t().contiguous()
        out_t = torch.mm(a, xt) if bias is None else torch.addmm(bias.unsqueeze(1), a, xt)
        ctx.layer = layer
        ctx.save_for_backward(x, values)
        return out_t.t()  # (n, m), column-major: the next Linear reads it without a copy

    @staticmethod
    def backward(
        ctx: Any, grad_out: torch.Tensor
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None, None]:
        x, values = ctx.saved_tensors
        layer: SparseFPELinear = ctx.layer
        m, d = layer.out_features, layer.in_features
        g_t = grad_out.t().contiguous()  # (m, n)
        grad_x: torch.Tensor | None = None
        grad_values: torch.Tensor | None = None
        grad_bias: torch.Tensor | None = None
        if ctx.needs_input_grad[0]:
            a_t = _csr(layer.crow_t, layer.row_t, values.index_select(0, layer.perm_t), (d, m))
            grad_x = torch.mm(a_t, g_t).t()
        if ctx.needs_input_grad[1]:
            grad_values = layer._weight_grad(x, grad_out, g_t)
        if ctx.needs_input_grad[2]:
            grad_bias = g_t.sum(1)
        return grad_x, grad_values, grad_bias, None


class SparseFPELinear(nn.Module):
    """An expanded layer stored as a CSR matrix of its live weights.

    Input ``(..., in_features)``, output ``(..., out_features)`` in the masked layer's column
    order. Build it with :meth:`from_masked`.

    Attributes:
        values: the ``(nnz,)`` trainable weights, in row-major (CSR) order.
        bias: ``(out_features,)`` or ``None``.
        crow, col, row: int32 CSR row pointers ``(out_features + 1,)``, and column and row
            indices ``(nnz,)`` of the stored values.
        crow_t, row_t, perm_t: the same for the transposed matrix; ``perm_t`` gives the
            position in ``values`` of each entry of the transpose.
    """

    # The registered buffers (see ``__init__``), declared for type checkers.
    crow: torch.Tensor
    col: torch.Tensor
    row: torch.Tensor
    crow_t: torch.Tensor
    row_t: torch.Tensor
    perm_t: torch.Tensor
    bias: nn.Parameter | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        nnz: int,
        bias: bool = True,
        *,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.values = nn.Parameter(torch.zeros(nnz, dtype=dtype, device=device))
        self.bias = (
            nn.Parameter(torch.zeros(out_features, dtype=dtype, device=device)) if bias else None
        )
        i32: dict[str, Any] = {"dtype": torch.int32, "device": device}
        self.register_buffer("crow", torch.zeros(out_features + 1, **i32))
        self.register_buffer("col", torch.zeros(nnz, **i32))
        self.register_buffer("row", torch.zeros(nnz, **i32))
        self.register_buffer("crow_t", torch.zeros(in_features + 1, **i32))
        self.register_buffer("row_t", torch.zeros(nnz, **i32))
        self.register_buffer("perm_t", torch.zeros(nnz, **i32))

    @classmethod
    @torch.no_grad()
    def from_masked(cls, linear: nn.Linear) -> SparseFPELinear:
        """The sparse equivalent of a (masked) ``linear``: the entries its mask keeps, as CSR."""
        w = effective_tensor(linear, "weight").detach()
        keep = get_mask(linear)  # the masked layer's live entries (a zero value may train)
        m, d = w.shape
        nnz = int(keep.sum())
        if nnz >= 2**31:
            raise ValueError(f"{nnz} non-zeros do not fit int32 indices")
        layer = cls(d, m, nnz, linear.bias is not None, dtype=w.dtype, device=w.device)
        rows, cols = keep.nonzero(as_tuple=True)  # row-major order
        layer.values.copy_(w[rows, cols])
        if linear.bias is not None:
            cast(nn.Parameter, layer.bias).copy_(effective_tensor(linear, "bias").detach())
        counts = torch.bincount(rows, minlength=m)
        layer.crow[1:] = counts.cumsum(0).to(torch.int32)
        layer.col.copy_(cols.to(torch.int32))
        layer.row.copy_(rows.to(torch.int32))
        perm_t = torch.argsort(cols * m + rows)  # entries ordered by column, then row
        layer.perm_t.copy_(perm_t.to(torch.int32))
        layer.row_t.copy_(rows[perm_t].to(torch.int32))
        layer.crow_t[1:] = torch.bincount(cols, minlength=d).cumsum(0).to(torch.int32)
        layer.train(linear.training)
        return layer

    def _weight_grad(
        self, x: torch.Tensor, grad_out: torch.Tensor, g_t: torch.Tensor
    ) -> torch.Tensor:
        """``(nnz,)`` gradient of :attr:`values`; ``x`` is ``(n, d)``, ``g_t`` is ``(m, n)``."""
        n, d = x.shape
        if n == 1:
            g = grad_out.reshape(-1).index_select(0, self.row)
            return g * x.reshape(-1).index_select(0, self.col)
        if self.out_features >= SAMPLED_FROM_ALPHA * self.values.numel() // d:
            zeros = torch.zeros_like(self.values)
            pattern = _csr(self.crow, self.col, zeros, (self.out_features, d))
            return torch.sparse.sampled_addmm(pattern, g_t, x, beta=0.0).values()
        flat = self.row.long() * d + self.col.long()
        return torch.mm(g_t, x).view(-1).index_select(0, flat)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., in_features)`` -> ``(..., out_features)``."""
        lead = x.shape[:-1]
        out = _SparseMatmul.apply(x.reshape(-1, self.in_features), self.values, self.bias, self)
        return out.reshape(*lead, self.out_features)

    def fpe_tensors(self) -> dict[str, torch.Tensor]:
        """What :func:`expand_neurons.count_nonzero` counts: the stored weights and biases."""
        out: dict[str, torch.Tensor] = {"weight": self.values}
        if self.bias is not None:
            out["bias"] = self.bias
        return out

    def effective_weight(self) -> torch.Tensor:
        """``(out_features, in_features)`` weight (FPE layer protocol), zeros off the pattern."""
        return self.dense_weight()

    def effective_bias(self) -> torch.Tensor | None:
        """``(out_features,)`` biases, or ``None``."""
        return None if self.bias is None else self.bias.detach()

    @torch.no_grad()
    def live_mask(self) -> torch.Tensor:
        """``(out_features, in_features)`` bool: the stored entries."""
        return self.dense_weight(torch.ones_like(self.values)) != 0

    @torch.no_grad()
    def dense_weight(self, values: torch.Tensor | None = None) -> torch.Tensor:
        """The ``(out_features, in_features)`` weight, zeros where nothing is stored.

        Args:
            values: a tensor shaped like :attr:`values` to lay out instead (e.g. its gradient).
        """
        v = (self.values if values is None else values).detach()
        return _csr(self.crow, self.col, v, (self.out_features, self.in_features)).to_dense()

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"nnz={self.values.numel()}, bias={self.bias is not None}"
        )
