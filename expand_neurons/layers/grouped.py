"""The grouped FPE layer: a block-shared split computed as one batched matmul.

With a split whose parents share one partition of the inputs per block (``splits.Grouped``),
child ``k`` of every parent of block ``b`` reads the same inputs ``S_bk``. The expanded layer is
then ``G = blocks * alpha`` dense products, one per group ``g = (b, k)``::

    out[:, g*hb : (g+1)*hb] = x[:, S_bk] @ W_g        W_g: (|S_bk|, hb), hb = h / blocks

done as one ``bmm``. The layer stores only the ``h * d`` live weights (no dense mask): the
multiply-adds and the weights are those of the dense parent layer, only the output is
``alpha`` times wider.

Memory layout (what keeps it close to the dense layer in time):

* the rows of ``x^T`` are gathered once per block (``index_select``), with a row of ones
  appended to each group so the bias rides along as one more row of ``W_g`` (no bias pass);
* every ``bmm`` writes one contiguous result from row- or column-major operands, which torch
  turns into a single batched BLAS call (a non-contiguous result makes it loop over groups):
  the forward computes the transposed output ``(G, hb, batch)`` and returns it as a
  column-major ``(batch, alpha*h)`` view, so no transpose copy is made, and the backward reads
  the output gradient in whatever layout it arrives;
* the columns come out block-major, ``(b, k, i)``, not in the masked layout's order
  ``alpha*i + k``. :attr:`GroupedFPELinear.output_order` maps them, and
  :func:`expand_neurons.layers.convert.convert` permutes the next layer's inputs to match.

Pruned weights (global magnitude pruning also hits the expanded layer) and the padding slots
of groups smaller than the largest stay exactly zero: they are stored as zeros and their
gradient is zeroed inside the backward (``dead`` holds their flat positions, a few bytes each),
so any optimiser that updates each entry from its own gradient and state (SGD, Adam, AdamW,
RMSprop, ... with or without weight decay) leaves them at zero. Padding slots read a column of
zeros, so they contribute nothing to the output even then.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import nn

from ..masking import effective_tensor, get_mask

__all__ = ["GroupedFPELinear", "block_partition"]


def block_partition(child_masks: torch.Tensor, blocks: int | None = None) -> int:
    """Number of contiguous parent blocks that share their child masks.

    Args:
        child_masks: ``(h, alpha, d)`` boolean masks of a disjoint split.
        blocks: the block count to check; ``None`` finds the smallest divisor of ``h`` that
            works.

    Returns:
        ``blocks`` such that the ``h / blocks`` parents of each contiguous block have equal
        masks.

    Raises:
        ValueError: if ``blocks`` does not divide ``h`` or the masks differ inside a block, or
            (``blocks=None``) if no block of two or more parents shares its masks.
    """
    h = child_masks.shape[0]
    flat = child_masks.reshape(h, -1)
    if blocks is not None:
        if blocks < 1 or h % blocks:
            raise ValueError(
                f"the grouped layout needs the {h} parents cut into equal blocks, but "
                f"blocks={blocks} does not divide {h}; choose a divisor of {h}"
            )
        per = flat.view(blocks, h // blocks, -1)
        differs = (per != per[:, :1]).any(-1)  # (blocks, parents per block)
        if bool(differs.any()):
            b, j = differs.nonzero()[0].tolist()
            raise ValueError(
                f"the split is not shared within blocks of {h // blocks} parents: parent "
                f"{b * (h // blocks) + j} differs from parent {b * (h // blocks)} of its block; "
                "the grouped layout needs a block-shared split such as splits.Grouped(blocks)"
            )
        return blocks
    for b in range(1, h):
        if h % b == 0:
            per = flat.view(b, h // b, -1)
            if bool((per == per[:, :1]).all()):
                return b
    if h == 1:
        return 1
    raise ValueError(
        "the split is not block-shared: every parent has its own partition of the inputs, so "
        "no children share their inputs. Use split=splits.Grouped(blocks=B) for the grouped "
        "layout, or layout='sparse' (or 'masked') for per-neuron splits"
    )


class _GroupedMatmul(torch.autograd.Function):
    """``(n, d) -> (n, G*hb)`` via one bmm over gathered inputs; see :class:`GroupedFPELinear`.

    Everything is laid out so that each ``bmm`` writes a contiguous result from operands whose
    matrices are row- or column-major: torch then makes one batched MKL call instead of a loop
    over groups. The forward computes the transposed output ``(G, hb, n)`` and returns it as a
    column-major ``(n, G*hb)`` view (no copy; elementwise ops and the next ``Linear`` read it
    as it is).
    """

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, packed: torch.Tensor, layer: GroupedFPELinear
    ) -> torch.Tensor:
        n = x.shape[0]
        G, s1, hb = packed.shape
        xg_t = layer._gather_t(x).view(G, s1, n)  # (G, s1, n): group inputs, transposed
        ctx.layer = layer
        ctx.save_for_backward(xg_t, packed)
        if n == 1:  # a batch of vector-matrix products: MKL is faster this way round
            return torch.bmm(xg_t.transpose(1, 2), packed).view(1, G * hb)
        out_t = torch.bmm(packed.transpose(1, 2), xg_t)  # (G, hb, s1) @ (G, s1, n)
        return out_t.view(G * hb, n).t()

    @staticmethod
    def backward(
        ctx: Any, grad_out: torch.Tensor
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        xg_t, packed = ctx.saved_tensors
        layer: GroupedFPELinear = ctx.layer
        G, s1, hb = packed.shape
        n = xg_t.shape[2]
        g = grad_out.unflatten(1, (G, hb)).permute(1, 0, 2)  # (G, n, hb), a view
        grad_x: torch.Tensor | None = None
        grad_packed: torch.Tensor | None = None
        if ctx.needs_input_grad[1]:
            # (G, s1, n) @ (G, n, hb); for one sample an outer product: a broadcast multiply
            # is faster than bmm there
            grad_packed = (xg_t * g).contiguous() if n == 1 else torch.bmm(xg_t, g)
            if layer.dead.numel():
                grad_packed.view(-1).index_fill_(0, layer.dead, 0.0)
        if ctx.needs_input_grad[0]:
            if n == 1:
                gxg_t = torch.bmm(g, packed.transpose(1, 2))  # (G, 1, s1): same memory
            else:
                gxg_t = torch.bmm(packed, g.transpose(1, 2))  # (G, s1, hb) @ (G, hb, n)
            grad_x = layer._scatter_back_t(gxg_t.view(G * s1, n)).t()
        return grad_x, grad_packed, None


class GroupedFPELinear(nn.Module):
    """An expanded layer whose split is shared by blocks of parents, as one batched matmul.

    Input ``(..., in_features)``, output ``(..., alpha * parents)`` with columns in block-major
    order ``(block, child, parent in block)``; column ``j`` is column ``output_order[j]`` of
    the masked layer it was made from. Build it with :meth:`from_masked`.

    Attributes:
        packed: the trainable ``(G, s + has_bias, hb)`` tensor, ``G = blocks * alpha``: rows
            ``0..s-1`` of group ``g`` hold the weights of its ``s`` input slots (padding slots,
            when the groups differ in size, are zero), row ``s`` the biases of its ``hb``
            children.
        in_index: ``(G * (s + has_bias),)`` column of ``[x | 1 | 0]`` each slot reads.
        inverse_index: ``(blocks * d,)``: entry ``b * d + j`` is the slot (among all
            ``G * (s + has_bias)``) where block ``b`` reads input ``j``.
        dead: flat positions in ``packed`` of pruned and padding weights (kept at zero).
        output_order: ``(alpha * parents,)`` masked-layer index of each output column.
    """

    # The registered buffers (see ``__init__``), declared for type checkers.
    in_index: torch.Tensor
    inverse_index: torch.Tensor
    dead: torch.Tensor
    ones_zeros: torch.Tensor
    output_order: torch.Tensor

    def __init__(
        self,
        in_features: int,
        parents: int,
        alpha: int,
        blocks: int,
        group_size: int,
        bias: bool = True,
        *,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if parents % blocks:
            raise ValueError(f"blocks={blocks} must divide parents={parents}")
        self.in_features, self.parents, self.alpha, self.blocks = (
            in_features,
            parents,
            alpha,
            blocks,
        )
        self.group_size = group_size
        self.has_bias = bias
        self.out_features = alpha * parents
        G, hb = blocks * alpha, parents // blocks
        s1 = group_size + int(bias)
        self.packed = nn.Parameter(torch.zeros(G, s1, hb, dtype=dtype, device=device))
        self.register_buffer("in_index", torch.zeros(G * s1, dtype=torch.long, device=device))
        self.register_buffer(
            "inverse_index", torch.zeros(blocks * in_features, dtype=torch.long, device=device)
        )
        self.register_buffer("dead", torch.zeros(0, dtype=torch.long, device=device))
        ones_zeros = torch.tensor([[1.0], [0.0]], dtype=dtype, device=device)
        self.register_buffer("ones_zeros", ones_zeros, persistent=False)
        self.register_buffer(
            "output_order", torch.arange(self.out_features, dtype=torch.long, device=device)
        )
        self.padded = False

    # -- construction -------------------------------------------------------------------
    @classmethod
    @torch.no_grad()
    def from_masked(
        cls, linear: nn.Linear, child_masks: torch.Tensor, blocks: int | None = None
    ) -> GroupedFPELinear:
        """The grouped equivalent of an expanded (masked) ``linear``.

        Args:
            linear: the expanded layer, weight ``(alpha*h, d)``, child ``k`` of parent ``i`` at
                row ``alpha*i + k``, possibly with a fixed mask (pruned weights).
            child_masks: ``(h, alpha, d)`` split masks (before pruning) the layer was made with.
            blocks: number of parent blocks sharing a partition (default: found from the masks).
        """
        h, alpha, d = child_masks.shape
        if linear.out_features != alpha * h or linear.in_features != d:
            raise ValueError(
                f"child masks {tuple(child_masks.shape)} do not fit a Linear "
                f"{linear.in_features} -> {linear.out_features} (needs alpha*h outputs)"
            )
        child_masks = child_masks.to(torch.bool).cpu()
        if bool((child_masks.sum(1) != 1).any()):
            raise ValueError("the grouped layout needs a disjoint split that covers every input")
        blocks = block_partition(child_masks, blocks)
        hb = h // blocks
        first = child_masks[::hb]  # (blocks, alpha, d): the partition of each block
        sizes = first.sum(-1)  # (blocks, alpha)
        s = int(sizes.max())
        w = effective_tensor(linear, "weight").detach()
        layer = cls(
            d,
            h,
            alpha,
            blocks,
            s,
            linear.bias is not None,
            dtype=w.dtype,
            device=w.device,
        )
        s1 = layer.packed.shape[1]
        G = blocks * alpha
        in_index = torch.full((G, s1), d + 1, dtype=torch.long)  # padding reads the zero column
        if layer.has_bias:
            in_index[:, s] = d  # the ones column
        inverse = torch.empty(blocks, d, dtype=torch.long)
        live = torch.zeros(G, s1, hb, dtype=torch.bool)
        packed = torch.zeros(G, s1, hb, dtype=w.dtype)
        order = torch.empty(G, hb, dtype=torch.long)
        w_cpu, mask_cpu = w.cpu(), get_mask(linear).cpu()
        bias = effective_tensor(linear, "bias").detach().cpu() if layer.has_bias else None
        for b in range(blocks):
            for k in range(alpha):
                g = b * alpha + k
                idx = first[b, k].nonzero().flatten()
                in_index[g, : len(idx)] = idx
                inverse[b, idx] = k * s1 + torch.arange(len(idx))
                rows = alpha * (b * hb + torch.arange(hb)) + k
                order[g] = rows
                packed[g, : len(idx)] = w_cpu[rows][:, idx].T
                live[g, : len(idx)] = mask_cpu[rows][:, idx].T  # False where pruned
                if bias is not None:
                    packed[g, s] = bias[rows]
                    live[g, s] = True
        layer.packed.copy_(packed)
        layer.in_index = in_index.flatten().to(w.device)
        offsets = torch.arange(blocks).unsqueeze(1) * (alpha * s1)
        layer.inverse_index = (inverse + offsets).flatten().to(w.device)
        layer.dead = (~live).flatten().nonzero().flatten().to(w.device)
        layer.output_order = order.flatten().to(w.device)
        layer.padded = bool((sizes != s).any())
        layer.train(linear.training)
        return layer

    # -- forward helpers ----------------------------------------------------------------
    def _gather_t(self, x: torch.Tensor) -> torch.Tensor:
        """``(G * s1, n)``: row ``r`` is column ``in_index[r]`` of ``[x | 1 | 0]``."""
        xt = x.t()
        if self.has_bias or self.padded:  # a ones row feeds the biases, a zero row padding
            xt = torch.cat((xt, self.ones_zeros.expand(2, x.shape[0])))
        return xt.index_select(0, self.in_index)

    def _scatter_back_t(self, gxg_t: torch.Tensor) -> torch.Tensor:
        """``(d, n)`` gradient w.r.t. ``x^T`` from that ``(G * s1, n)`` of the gathered rows."""
        n = gxg_t.shape[-1]
        picked = gxg_t.index_select(0, self.inverse_index)
        if self.blocks == 1:
            return picked
        return picked.view(self.blocks, self.in_features, n).sum(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., in_features)`` -> ``(..., alpha * parents)`` in block-major order."""
        lead = x.shape[:-1]
        out = _GroupedMatmul.apply(x.reshape(-1, self.in_features), self.packed, self)
        return out.reshape(*lead, self.out_features)

    # -- accessors ----------------------------------------------------------------------
    @property
    def weight_blocks(self) -> torch.Tensor:
        """``(G, s, hb)`` view of the weights (without the bias row)."""
        return self.packed[:, : self.group_size]

    @property
    def bias(self) -> torch.Tensor | None:
        """``(alpha * parents,)`` biases in output order (a view of ``packed``), or ``None``."""
        if not self.has_bias:
            return None
        return self.packed[:, self.group_size].reshape(-1)

    def fpe_tensors(self) -> dict[str, torch.Tensor]:
        """What :func:`expand_neurons.count_nonzero` counts: the live weights and the biases."""
        out: dict[str, torch.Tensor] = {"weight": self.weight_blocks}
        if self.has_bias:
            out["bias"] = cast(torch.Tensor, self.bias)  # not None with a bias
        return out

    # -- the FPE layer protocol (expand_neurons.layers.protocol): canonical row order ----------
    def _canonical(self, rows: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(rows)
        out[self.output_order] = rows
        return out

    def effective_weight(self) -> torch.Tensor:
        """``(alpha * parents, in_features)`` weight, row ``alpha * i + k`` = child k of i."""
        return self._canonical(self.dense_weight())

    def effective_bias(self) -> torch.Tensor | None:
        """``(alpha * parents,)`` biases in canonical order, or ``None``."""
        bias = self.dense_bias()
        return None if bias is None else self._canonical(bias)

    @torch.no_grad()
    def live_mask(self) -> torch.Tensor:
        """``(alpha * parents, in_features)`` bool: stored weights that are not pruned."""
        ones = torch.ones_like(self.packed)
        ones.view(-1).index_fill_(0, self.dead, 0.0)
        return self._canonical(self.dense_weight(ones) != 0)

    @torch.no_grad()
    def dense_weight(self, packed: torch.Tensor | None = None) -> torch.Tensor:
        """The ``(alpha * parents, in_features)`` weight, rows in this layer's output order.

        Args:
            packed: a tensor shaped like :attr:`packed` to lay out instead (e.g. its gradient).
        """
        packed = (self.packed if packed is None else packed).detach()
        G, s1, hb = packed.shape
        s = self.group_size
        slots = self.in_index.view(G, s1)[:, :s]  # (G, s)
        w = packed.new_zeros(G, hb, self.in_features + 2)
        w.scatter_(2, slots.unsqueeze(1).expand(G, hb, s), packed[:, :s].transpose(1, 2))
        return w[:, :, : self.in_features].reshape(self.out_features, self.in_features)

    def dense_bias(self, packed: torch.Tensor | None = None) -> torch.Tensor | None:
        """The ``(alpha * parents,)`` biases in output order (of ``packed``, default the layer)."""
        if not self.has_bias:
            return None
        packed = (self.packed if packed is None else packed).detach()
        return packed[:, self.group_size].reshape(-1).clone()

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, parents={self.parents}, alpha={self.alpha}, "
            f"blocks={self.blocks}, group_size={self.group_size}, bias={self.has_bias}"
        )
