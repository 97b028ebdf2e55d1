"""Checkers of the hardware chapter's exercises: one benchmark shape of your own, the bytes a
grouped step moves, the products of its input gradient, and training in two layouts."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ...expansion import count_nonzero
from ...layers import GroupedFPELinear, fpe_modules
from ...models import hidden_neurons, seeded_mlp
from .core import exercise, fail

__all__ = [
    "check_layer_benchmark",
    "check_grouped_bytes",
    "check_input_grad_products",
    "check_grouped_training",
]

#: The largest layer the benchmark exercise runs: ``d * max(d, batch) * alpha`` floats.
_BENCH_LIMIT = 2**26


@exercise(
    hint=(
        "return dataclasses.replace(cfg, dims=(512,), batches=(64,), alphas=(4,), "
        "layouts=('dense', 'grouped'), blocks=(1,)): one size, one batch, one alpha."
    )
)
def check_layer_benchmark(fn: Callable[[Any], Any]) -> str:
    """Check ``fn(cfg) -> BenchConfig`` (``cfg``: the quick layer benchmark on the CPU clock):
    one shape (one ``d``, one batch, one ``alpha >= 2``) with the dense and the grouped layout;
    then run it on one thread (a second or two) and say what its grouped/dense ratio shows."""
    from ...layers import bench

    cfg = fn(dataclasses.replace(bench.QUICK, clock="cpu"))
    if not isinstance(cfg, bench.BenchConfig):
        fail(f"return a bench.BenchConfig (dataclasses.replace(cfg, ...)), got {cfg!r}")
    if len(cfg.dims) != 1 or len(cfg.batches) != 1 or len(cfg.alphas) != 1:
        fail(
            "run one shape: one size in dims, one batch in batches and one alpha in alphas; "
            f"got dims={tuple(cfg.dims)}, batches={tuple(cfg.batches)}, alphas={tuple(cfg.alphas)}"
        )
    (d,), (batch,), (alpha,) = cfg.dims, cfg.batches, cfg.alphas
    if alpha < 2:
        fail("with alpha = 1 there is nothing to expand: choose alpha >= 2")
    if not {"dense", "grouped"} <= set(cfg.layouts):
        fail(
            f"keep the layouts 'dense' (the ratios are against it) and 'grouped', got {cfg.layouts}"
        )
    if d * max(d, batch) * alpha > _BENCH_LIMIT or cfg.reps > 15:
        fail(
            "keep it small enough to run in seconds: d * max(d, batch) * alpha at most 2**26 "
            "and reps at most 15"
        )
    if cfg.reps < 3:
        fail(f"time at least 3 rounds (reps >= 3): the median of {cfg.reps} is noise")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = bench.run(cfg)["rows"]
    finally:
        torch.set_num_threads(threads)
    g = min((r for r in rows if r["layout"] == "grouped"), key=lambda r: r["blocks"])
    weights = alpha * batch < d
    regime = (
        f"α × batch = {alpha * batch} < d = {d}: the weights dominate the bytes a step moves, so "
        "the grouped layer should stay near the dense one"
        if weights
        else f"α × batch = {alpha * batch} ≥ d = {d}: the α-times-wider activations dominate "
        "the bytes a step moves, so the grouped layer should fall behind the dense one"
    )
    other = f"batch {max(1, batch // 8)}" if not weights else f"batch {8 * batch}"
    return (
        f"Correct: at d = h = {d}, batch {batch} and α = {alpha} the grouped layer "
        f"({g['blocks']} block{'s' * (g['blocks'] != 1)}) took {g['step_ratio']:.2f} times the "
        f"dense step and moved {g['moved_ratio']:.2f} times its bytes (median of {cfg.reps} "
        f"rounds). Here {regime}. Run {other} to see the other regime."
    )


def _grouped_bytes(d: int, h: int, n: int, alpha: int) -> int:
    """Bytes one step of a one-block grouped layer moves, by the chapter's formula."""
    return 4 * (2 * h * d + 2 * alpha * h * n + 4 * n * d)


@exercise(
    hint=(
        "4 bytes per float times: the weights and their gradient (2hd), the alpha-times-wider "
        "output and its gradient (2 alpha h n), the inputs read and written twice (4nd)."
    )
)
def check_grouped_bytes(fn: Callable[[int, int, int, int], int]) -> str:
    """Check ``fn(d, h, n, alpha)``: the bytes one training step of a one-block grouped layer
    (``d`` inputs, ``h`` parents, batch ``n``) moves, by the chapter's formula, in 4-byte
    floats."""
    for d, h, n, alpha in [(256, 256, 256, 4), (1024, 1024, 1, 16), (64, 32, 8, 2)]:
        got, want = int(fn(d, h, n, alpha)), _grouped_bytes(d, h, n, alpha)
        if got == want:
            continue
        mistakes = {
            "count bytes, not floats: 4 bytes per float": want // 4,
            "the output and its gradient are alpha times wider: 2 * alpha * h * n floats": 4
            * (2 * h * d + 2 * h * n + 4 * n * d),
            "the weights' gradient is written too: 2 * h * d floats": 4
            * (h * d + 2 * alpha * h * n + 4 * n * d),
            "the inputs are transposed (read and written) then gathered (read and written "
            "again): 4 * n * d floats": 4 * (2 * h * d + 2 * alpha * h * n + 2 * n * d),
            "the output's gradient is read as well as the output written: 2 * alpha * h * n "
            "floats": 4 * (2 * h * d + alpha * h * n + 4 * n * d),
        }
        hint = next(
            (why for why, v in mistakes.items() if got == v),
            "weights and gradient 2hd, output and gradient 2 alpha h n, inputs 4nd, 4 bytes each",
        )
        fail(f"for d={d}, h={h}, n={n}, alpha={alpha}: expected {want}, got {got}; {hint}")
    return (
        "Correct. Now compare with the moved_bytes the benchmark counted for grouped-1 at "
        "d = 256, batch 256."
    )


@exercise(
    hint=(
        "each of the B blocks has alpha groups of children, one per part of the inputs: a "
        "group's input gradient is (its d/alpha inputs x its h/B parents) @ (h/B x n)."
    )
)
def check_input_grad_products(
    fn: Callable[[int, int, int, int, int], tuple[int, tuple[int, int, int]]],
) -> str:
    """Check ``fn(d, h, n, alpha, blocks) -> (count, (rows, inner, cols))``: the matrix products
    of the input gradient of a grouped layer (``d`` inputs, ``h`` parents, batch ``n``,
    ``blocks`` blocks): how many, and the shape ``(rows x inner) @ (inner x cols)`` of each."""
    for d, h, n, alpha, blocks in [(1024, 1024, 32, 4, 1), (256, 64, 8, 2, 16), (96, 48, 5, 3, 4)]:
        out = fn(d, h, n, alpha, blocks)
        ok_form = (
            isinstance(out, tuple | list)
            and len(out) == 2
            and isinstance(out[1], tuple | list)
            and len(out[1]) == 3
        )
        if not ok_form:
            fail(f"return (count, (rows, inner, cols)), got {out!r}")
        count, shape = int(out[0]), tuple(int(v) for v in out[1])
        want_count, want_shape = blocks * alpha, (d // alpha, h // blocks, n)
        where = f"d={d}, h={h}, n={n}, alpha={alpha}, blocks={blocks}"
        if count != want_count:
            hint = (
                "each of the blocks has its own alpha products"
                if count == alpha
                else "one product per block and part of the inputs: blocks * alpha"
            )
            fail(f"number of products for {where}: expected {want_count}, got {count}; {hint}")
        if shape != want_shape:
            if shape[0] == d:
                hint = "each group of children reads only its d/alpha inputs: rows = d/alpha"
            elif shape[1] == h:
                hint = "a block holds h/blocks parents: the reduction runs over h/blocks"
            elif shape == (n, h // blocks, d // alpha):
                hint = "that is the transposed product; give the gradient as (d/alpha x n)"
            else:
                hint = "(d/alpha x h/blocks) @ (h/blocks x n) per group"
            fail(f"shape for {where}: expected {want_shape}, got {shape}; {hint}")
    d = h = 1024
    n, alpha, blocks = 32, 16, 1
    rows, inner, _ = d // alpha, h // blocks, n
    return (
        f"Correct. At d = h = {d}, batch {n}, α = {alpha}, one block: {blocks * alpha} products "
        f"of {rows * inner * n:,} multiply-adds each, {blocks * alpha * rows * inner * n:,} in "
        f"all, as many as the dense layer's one product; but each writes a {rows} × {n} tile "
        f"after a reduction of {inner}, where the dense product writes {n} × {d}."
    )


@exercise(
    hint=(
        "return (en.expand(model, 2, splits.Grouped(1), seed=0, layout='masked'), "
        "en.expand(model, 2, splits.Grouped(1), seed=0, layout='grouped'))."
    )
)
def check_grouped_training(
    fn: Callable[[nn.Module], tuple[nn.Module, nn.Module]], train: bool = False
) -> str:
    """Check ``fn(model) -> (masked, grouped)``: ``model`` expanded with ``alpha = 2`` and the
    one-block grouped split, in the masked and in the grouped layout, holding the same masks
    (so computing the same function); with ``train``, train both for 20 epochs on a pilot task
    and report their accuracies and the wall-clock time of each ``fit``."""
    from ... import training
    from ...tasks import make_task

    task = make_task(seed=0)
    model = seeded_mlp(0, task.n_inputs, 8, task.n_outputs)
    out = fn(model)
    if not isinstance(out, tuple | list) or len(out) != 2:
        fail(f"return two models, (masked, grouped), got {out!r}")
    if not all(isinstance(m, nn.Module) for m in out):
        fail(f"return two models, got {[type(m).__name__ for m in out]}")
    masked, grouped = out
    kinds = [any(isinstance(m, GroupedFPELinear) for m in fpe_modules(x)) for x in out]
    if kinds == [True, False]:
        fail("the two are swapped: the masked layout first, then the grouped one")
    if kinds != [False, True]:
        fail(
            "the first model must use layout='masked' and the second layout='grouped'; got "
            f"{'grouped' if kinds[0] else 'masked'} and {'grouped' if kinds[1] else 'masked'}"
        )
    for m in out:
        if hidden_neurons(m) != 2 * hidden_neurons(model):
            fail(f"expand with alpha=2: {hidden_neurons(m)} hidden neurons, expected 16")
        if count_nonzero(m) != count_nonzero(model):
            fail("keep the pruning (the default): the non-zero count must stay the dense one's")
    with torch.no_grad():
        x = task.X_test[:64]
        if not torch.allclose(masked(x), grouped(x), atol=1e-5):
            fail(
                "the two models compute different functions: expand both with the same split "
                "(splits.Grouped(1)) and the same seed, so they hold the same masks"
            )
    if not train:
        return "Correct: the same expanded network in two layouts (train=True trains both)."
    results = []
    for m in out:
        start = time.perf_counter()
        (history,) = training.fit(m, task, epochs=20, desc="layout")
        results.append((100 * history.final_accuracy, time.perf_counter() - start))
    (acc_m, s_m), (acc_g, s_g) = results
    return (
        f"Correct: after 20 epochs the masked layout reaches {acc_m:.1f} % in {s_m:.1f} s of "
        f"fit, the grouped one {acc_g:.1f} % in {s_g:.1f} s. Why is the grouped one not faster "
        "on a network this small?"
    )
