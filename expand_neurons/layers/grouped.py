"""The grouped FPE layer: a block-shared split computed as one batched matmul.

With a split whose parents share one partition of the inputs per block (``splits.Grouped``),
child ``k`` of every parent of block ``b`` reads the same inputs ``S_bk``. The expanded layer is
then ``G = blocks * alpha`` dense products, one per group ``g = (b, k)``::

    out[:, g*hb : (g+1)*hb] = x[:, S_bk] @ W_g        W_g: (|S_bk|, hb), hb = h / blocks

done as one ``bmm``. The layer stores only the ``h * d`` live weights (no dense mask): the
multiply-adds and the weights are those of the dense parent layer, only the output is
``alpha`` times wider.

Memory layout (what keeps it close to the dense layer in time and bytes):

* ``packed`` ``(G, s + has_bias, hb)`` holds each group's weights, its biases as one more row,
  and the columns of ``[x | 1 | 0]`` are gathered once (``index_select`` with the int32
  ``in_index``; with several blocks as the rows of its transpose, one compact block per
  group, see :meth:`GroupedFPELinear._gather_t`), so the bias rides
  along in the matmul (no bias pass) and padding slots read zeros. Nothing else is stored per
  weight: ``output_order`` is arithmetic in the block structure and the input gradient is
  scattered back by autograd (``index_select``'s backward), so the buffers are
  ``G * (s + has_bias)`` int32 indices and the dead positions;
* each ``bmm`` writes one contiguous result from row- or column-major operands, which torch
  turns into a single batched MKL call (a non-contiguous result makes it loop over groups).
  A small layer and output (below :data:`LARGE_OUTPUT` output elements and
  :data:`LARGE_WEIGHTS` weights, where per-op overhead dominates) runs in native ops only, so
  autograd runs in C++: ``(G, n, s+1) @ (G, s+1, hb)``, whose weight gradient
  ``xg^T @ grad`` lands in the layout of ``packed``, with the ``(G, n, hb)`` result copied to
  a row-major ``(n, alpha*h)`` output; one sample is a broadcast multiply and sum instead
  (its backward is then an outer product, not a ``bmm`` with one contraction step, which is
  several times slower). A larger one goes through a small ``autograd.Function``
  (:class:`_LargeMatmul`) whose backward is chosen by hand: the forward computes the
  transposed output ``(G, hb, n)`` and returns it as a column-major ``(n, alpha*h)`` view
  (copying a large output costs more than the Function's Python overhead), and the weight
  gradient is computed in MKL's faster orientation (autograd's own ``bmm`` backward would be
  ``(hb, s+1)``-major, about twice as slow);
* the columns come out block-major, ``(b, k, i)``, not in the masked layout's order
  ``alpha*i + k``. :attr:`GroupedFPELinear.output_order` maps them, and
  :func:`expand_neurons.layers.convert.convert` permutes the next layer's inputs to match.

Pruned weights (global magnitude pruning also hits the expanded layer) and the padding slots
of groups smaller than the largest stay exactly zero: they are stored as zeros and their
gradient is zero (``dead`` holds their flat positions, a few bytes each; the native path reads
``packed`` through an out-of-place ``index_fill`` at those positions when it needs a
gradient, whose backward zeroes them, :class:`_LargeMatmul` zeroes them in its backward),
so any optimiser that updates each entry from its own gradient and state (SGD, Adam, AdamW,
RMSprop, ... with or without weight decay) leaves them at zero. Padding slots read a column of
zeros, so they contribute nothing to the output even then.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import nn

from ..masking import effective_tensor, get_mask

__all__ = ["GroupedFPELinear", "block_partition", "LARGE_OUTPUT", "LARGE_WEIGHTS"]


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


#: From this many output elements (batch times width) or weights on, the forward runs through
#: :class:`_LargeMatmul` (its Python overhead then costs less than copying the output, or than
#: a ``bmm`` with one contraction step for one sample's weight gradient); below, native ops only.
LARGE_OUTPUT, LARGE_WEIGHTS = 1 << 16, 1 << 20


class _LargeMatmul(torch.autograd.Function):
    """``(G, s1, n) -> (n, G*hb)`` for a large layer or output, with the backward chosen by hand.

    For a batch, forward ``out^T_g = packed_g^T @ xg^T_g`` into the transposed output, returned
    as a column-major ``(n, G*hb)`` view (no copy); the backward computes ``packed``'s gradient
    as ``xg^T_g @ grad_g``, straight into the layout of ``packed`` (MKL is about twice as fast
    this way round as in the ``(hb, s1)`` orientation autograd's ``bmm`` backward would use).
    For one sample the gradient is an outer product, a broadcast multiply (a ``bmm`` with one
    contraction step is several times slower). The gradient is zeroed at ``dead``.
    """

    @staticmethod
    def forward(
        ctx: Any, xg_t: torch.Tensor, packed: torch.Tensor, dead: torch.Tensor
    ) -> torch.Tensor:
        G, s1, n = xg_t.shape
        hb = packed.shape[2]
        ctx.save_for_backward(xg_t, packed, dead)
        if n == 1:  # (G, 1, s1) @ (G, s1, hb): the row-major output is the (1, G*hb) one
            return torch.bmm(xg_t.transpose(1, 2), packed).view(1, G * hb)
        out_t = torch.bmm(packed.transpose(1, 2), xg_t)  # (G, hb, s1) @ (G, s1, n)
        return out_t.view(G * hb, n).t()

    @staticmethod
    def backward(
        ctx: Any, grad_out: torch.Tensor
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        xg_t, packed, dead = ctx.saved_tensors
        G, s1, hb = packed.shape
        n = xg_t.shape[2]
        g = grad_out.unflatten(1, (G, hb)).transpose(0, 1)  # (G, n, hb), a view
        grad_xg: torch.Tensor | None = None
        grad_packed: torch.Tensor | None = None
        if ctx.needs_input_grad[1]:
            # (G, s1, n) @ (G, n, hb); for one sample the outer product
            grad_packed = xg_t * g if n == 1 else torch.bmm(xg_t, g)
            if dead.numel():
                grad_packed.view(-1).index_fill_(0, dead, 0.0)
        if ctx.needs_input_grad[0]:
            grad_xg = torch.bmm(packed, g.transpose(1, 2))  # (G, s1, hb) @ (G, hb, n)
        return grad_xg, grad_packed, None


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
        in_index: ``(G * (s + has_bias),)`` int32: column of ``[x | 1 | 0]`` each slot reads.
        dead: flat positions in ``packed`` of pruned and padding weights (kept at zero).
        output_order: ``(alpha * parents,)`` masked-layer index of each output column
            (computed from the block structure, not stored).
    """

    # The registered buffers (see ``__init__``), declared for type checkers.
    in_index: torch.Tensor
    dead: torch.Tensor
    ones_zeros: torch.Tensor

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
        self.register_buffer("in_index", torch.zeros(G * s1, dtype=torch.int32, device=device))
        self.register_buffer("dead", torch.zeros(0, dtype=torch.long, device=device))
        ones_zeros = torch.tensor([[1.0], [0.0]], dtype=dtype, device=device)
        self.register_buffer("ones_zeros", ones_zeros, persistent=False)
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
        in_index = torch.full((G, s1), d + 1, dtype=torch.int32)  # padding reads the zero column
        if layer.has_bias:
            in_index[:, s] = d  # the ones column
        live = torch.zeros(G, s1, hb, dtype=torch.bool)
        packed = torch.zeros(G, s1, hb, dtype=w.dtype)
        w_cpu, mask_cpu = w.cpu(), get_mask(linear).cpu()
        bias = effective_tensor(linear, "bias").detach().cpu() if layer.has_bias else None
        for b in range(blocks):
            for k in range(alpha):
                g = b * alpha + k
                idx = first[b, k].nonzero().flatten()
                in_index[g, : len(idx)] = idx
                rows = alpha * (b * hb + torch.arange(hb)) + k
                packed[g, : len(idx)] = w_cpu[rows][:, idx].T
                live[g, : len(idx)] = mask_cpu[rows][:, idx].T  # False where pruned
                if bias is not None:
                    packed[g, s] = bias[rows]
                    live[g, s] = True
        layer.packed.copy_(packed)
        layer.in_index = in_index.flatten().to(w.device)
        layer.dead = (~live).flatten().nonzero().flatten().to(w.device)
        layer.padded = bool((sizes != s).any())
        layer.train(linear.training)
        return layer

    # -- forward ------------------------------------------------------------------------
    def _gather_t(self, x: torch.Tensor) -> torch.Tensor:
        """``(G, s1, n)``: row ``r`` of group ``g`` is column ``in_index[g * s1 + r]`` of
        ``[x | 1 | 0]``.

        With one block the columns of ``x`` are gathered (the cheapest copy; the result is a
        view whose groups are row segments ``s1`` long of a row ``d + alpha`` long). With more
        blocks that row is ``blocks`` times longer and a small group would read it slowly, so
        the rows of ``x^T`` are gathered into one compact ``(s1, n)`` block per group instead.
        """
        n = x.shape[0]
        G, s1, _ = self.packed.shape
        extra = self.has_bias or self.padded  # a ones column feeds the biases, a zero one padding
        if self.blocks == 1:
            if extra:
                x = torch.cat((x, self.ones_zeros.t().expand(n, 2)), 1)
            return x.index_select(1, self.in_index).view(n, G, s1).permute(1, 2, 0)
        xt = x.t()
        if extra:
            xt = torch.cat((xt, self.ones_zeros.expand(2, n)))
        return xt.index_select(0, self.in_index).view(G, s1, n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(..., in_features)`` -> ``(..., alpha * parents)`` in block-major order."""
        if x.dim() != 2:
            out = self.forward(x.reshape(-1, self.in_features))
            return out.reshape(*x.shape[:-1], self.out_features)
        n = x.shape[0]
        w: torch.Tensor = self.packed
        G, s1, hb = w.shape
        xg_t = self._gather_t(x)  # (G, s1, n)
        if n * self.out_features >= LARGE_OUTPUT or w.numel() >= LARGE_WEIGHTS:
            return _LargeMatmul.apply(xg_t, w, self.dead)
        dead = self.dead
        if dead.numel() and torch.is_grad_enabled() and w.requires_grad:
            w = w.view(-1).index_fill(0, dead, 0.0).view_as(w)  # no gradient there
        if n == 1:  # broadcast multiply and sum: its backward is the outer product
            return (xg_t * w).sum(1).view(1, G * hb)
        out = torch.bmm(xg_t.transpose(1, 2), w)  # (G, n, s1) @ (G, s1, hb)
        return out.transpose(0, 1).reshape(n, G * hb)  # a row-major copy

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

    @property
    def output_order(self) -> torch.Tensor:
        """``(alpha * parents,)``: the masked layer's index ``alpha * i + k`` of each column."""
        G, hb = self.blocks * self.alpha, self.parents // self.blocks
        g = torch.arange(G, device=self.packed.device).unsqueeze(1)  # g = b * alpha + k
        i = torch.arange(hb, device=self.packed.device)
        return (self.alpha * ((g // self.alpha) * hb + i) + g % self.alpha).flatten()

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
        slots = self.in_index.view(G, s1)[:, :s].long()  # (G, s)
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
