"""Does expansion pay on hardware? Step time and memory of each layout against the dense layer.

For every size ``d = h``, batch and expansion factor ``alpha`` the benchmark builds, through
:func:`expand_neurons.expand` (no pruning, so every layout holds exactly the ``h * d`` weights of
the parent layer), the expanded first layer ``d -> alpha * h`` in each layout, and the dense
layer ``d -> h`` of equal non-zero count. A *step* is one forward and one backward pass from a
fixed random output gradient: weight and bias gradients, and with ``input_grad`` (``--input-grad``)
the input gradient too. Without it the layer is timed as the first layer of a network, the
place FPE expands in all of the paper's MLPs; a deeper expanded layer also needs the input
gradient. All layers of one ``(d, batch)``
are timed round-robin in the same process, one step each per round, so a busy machine slows
them alike and no layer finds its weights left in the cache by its own previous step (as in a
network, where other layers and the optimiser run in between). With ``sample_s > 0`` a layer
instead runs as many steps back to back as fill that many seconds and the round's time is
their mean (warm caches: this favours layers with small working sets). Each time reported is
the median over ``reps`` rounds after ``warmup`` rounds, and ``step_ratio`` is that median over
the dense layer's.

Bytes: ``bytes`` counts what the layer holds for training: parameters, buffers (masks, index
arrays) and Adam's two moment tensors; ``moved_bytes`` counts, for one step, the bytes every
kernel reads and writes (the sizes of its input and output tensors: an accounting of the
traffic the step asks for, not a hardware counter), and ``macs`` its multiply-adds (of the
matrix products, and of a batched product written as a broadcast multiply and sum).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from .. import splits
from ..checks import check_device
from ..expansion import expand
from ..results import write_json
from .convert import convert_layer

__all__ = [
    "BenchConfig",
    "QUICK",
    "FULL",
    "run",
    "format_rows",
    "layer_for",
    "step_traffic",
    "held_bytes",
    "add_arguments",
    "config_from_args",
    "main",
]

BENCH_LAYOUTS = ("dense", "masked", "sparse", "grouped")


@dataclass
class BenchConfig:
    """What to measure. ``blocks`` lists the block counts of the grouped layout.

    ``clock`` is ``"wall"`` (elapsed time, the default) or ``"cpu"`` (CPU time of this
    process: on a machine shared with other jobs it leaves out the time the scheduler gives
    them, but it also counts threads that spin while they wait).
    """

    alphas: Sequence[int] = (1, 2, 4, 8, 16)
    dims: Sequence[int] = (256, 1024)
    batches: Sequence[int] = (1, 32, 256)
    layouts: Sequence[str] = BENCH_LAYOUTS
    blocks: Sequence[int] = (1, 16)
    reps: int = 15
    warmup: int = 3
    sample_s: float = 0.0
    input_grad: bool = False
    device: str = "cpu"
    clock: str = "wall"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("alphas", "dims", "batches", "blocks"):
            values = list(getattr(self, name))
            if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
                raise ValueError(f"{name} must be a non-empty list of integers, got {values!r}")
            if min(values) < 1:
                raise ValueError(f"{name} must all be >= 1, got {values}")
        if isinstance(self.reps, bool) or not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be an integer >= 1, got {self.reps!r}")
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(f"warmup must be an integer >= 0, got {self.warmup!r}")
        if not self.sample_s >= 0:
            raise ValueError(f"sample_s must be >= 0 seconds, got {self.sample_s!r}")


FULL = BenchConfig()
#: Fewer repetitions (about a minute on 2 cores); the same grid as :data:`FULL`.
QUICK = BenchConfig(reps=7, warmup=1)


def layer_for(
    layout: str, d: int, alpha: int, *, blocks: int = 1, seed: int = 0, device: str = "cpu"
) -> nn.Module:
    """The layer ``d -> alpha * d`` (``d -> d`` for ``dense``) of one benchmark row.

    ``masked`` and ``sparse`` use the per-neuron random split, ``grouped`` ``Grouped(blocks)``;
    all come from :func:`expand` on a one-hidden-layer MLP with ``d`` hidden neurons.
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))
    if layout == "dense":
        return model[0].to(device)
    split = splits.Grouped(blocks) if layout == "grouped" else "random"
    kind = "masked" if layout == "masked" or alpha == 1 else layout
    new = expand(model, alpha, split, seed=seed, prune=False, layout=kind)
    if alpha == 1 and layout in ("sparse", "grouped"):  # expand(alpha=1) returns a copy
        masks = torch.ones(d, 1, d, dtype=torch.bool)
        new[0] = convert_layer(cast(nn.Linear, new[0]), masks, layout, splits.Grouped(blocks))
    return new[0].to(device)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _stepper(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> Callable[[], None]:
    params = list(layer.parameters())

    def step() -> None:
        for p in params:
            p.grad = None
        x.grad = None
        layer(x).backward(grad)

    return step


def _tensor_bytes(t: torch.Tensor) -> int:
    if t.layout == torch.sparse_csr:
        return sum(_tensor_bytes(c) for c in (t.crow_indices(), t.col_indices(), t.values()))
    if t.layout != torch.strided:
        return 0
    return t.numel() * t.element_size()


class _Traffic(TorchDispatchMode):
    """Counts the bytes each kernel reads and writes, and the multiply-adds of matmuls."""

    SKIP = ("empty", "new_empty", "empty_like", "empty_strided", "sparse_compressed_tensor")

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.macs = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = func.overloadpacket.__name__
        if func.is_view or name.lstrip("_") in self.SKIP or name.startswith("_sparse"):
            return out
        ins = [a for a in torch.utils._pytree.tree_leaves((args, kwargs)) if _is_tensor(a)]
        written = kwargs.get("out")
        outs = [written] if written is not None else torch.utils._pytree.tree_leaves(out)
        outs = [o for o in outs if _is_tensor(o)]
        self.bytes += sum(_tensor_bytes(t) for t in ins if t is not written)
        self.bytes += sum(_tensor_bytes(t) for t in outs)
        self.macs += _macs(name, args, out)
        return out


def _is_tensor(a: object) -> bool:
    return isinstance(a, torch.Tensor)


def _macs(name: str, args: Sequence[Any], out: Any = None) -> int:
    """Multiply-adds of the matmul kernels (dense and sparse), and of a batched product written
    as a broadcast multiply of two tensors of three or more dimensions followed by a sum (the
    grouped layer's one-sample path: one multiply-add per product element); 0 for everything
    else (a 2-D mask multiply is not a product)."""
    if name == "mul" and len(args) == 2 and all(_is_tensor(a) and a.dim() >= 3 for a in args):
        return int(out.numel())
    if name in ("mm", "addmm", "bmm", "baddbmm"):
        a, b = (args[0], args[1]) if name in ("mm", "bmm") else (args[1], args[2])
        if a.layout == torch.sparse_csr:
            return a.values().numel() * b.shape[-1]
        if b.layout == torch.sparse_csr:
            return b.values().numel() * a.shape[0]
        batch = a.shape[0] if a.dim() == 3 else 1
        return batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
    if name in ("sampled_addmm", "sparse_sampled_addmm"):  # the op's name in the dispatcher
        return args[0].values().numel() * args[1].shape[-1]
    return 0


def step_traffic(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> tuple[int, int]:
    """``(bytes moved, multiply-adds)`` of one forward + backward step of ``layer``."""
    step = _stepper(layer, x, grad)
    step()  # warm caches of lazily built tensors
    with _Traffic() as counter:
        step()
    return counter.bytes, counter.macs


def held_bytes(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> dict[str, int]:
    """Bytes of parameters, buffers and Adam state (after one step) that ``layer`` holds."""
    params = list(layer.parameters())
    opt = torch.optim.Adam(params, lr=1e-9)
    _stepper(layer, x, grad)()
    opt.step()
    adam = sum(t.numel() * t.element_size() for s in opt.state.values() for t in s.values())
    for p in params:
        p.grad = None
    return {
        "param_bytes": sum(p.numel() * p.element_size() for p in params),
        "buffer_bytes": sum(b.numel() * b.element_size() for b in layer.buffers()),
        "adam_bytes": adam,
    }


def _label(layout: str, blocks: int) -> str:
    return f"grouped-{blocks}" if layout == "grouped" else layout


#: A row of the benchmark: ``(layout, alpha, blocks)``.
_Row = tuple[str, int, int]


def _entries(cfg: BenchConfig, d: int) -> list[_Row]:
    """``(layout, alpha, blocks)`` of every row at size ``d`` (the dense row first)."""
    rows = [("dense", 1, 1)] if "dense" in cfg.layouts else []
    for alpha in cfg.alphas:
        for layout in cfg.layouts:
            if layout == "dense":
                continue
            for b in cfg.blocks if layout == "grouped" else (1,):
                if b <= d and d % b == 0:
                    rows.append((layout, alpha, b))
    return rows


def _layers(cfg: BenchConfig, d: int) -> list[tuple[_Row, nn.Module]]:
    """Every row's layer at size ``d``, keyed ``(layout, alpha, blocks)`` (the dense row first).
    Built once per ``d`` and timed at every batch size: a layer does not depend on the batch."""
    return [
        (key, layer_for(key[0], d, key[1], blocks=key[2], seed=cfg.seed, device=cfg.device))
        for key in _entries(cfg, d)
    ]


def _measure(
    cfg: BenchConfig,
    layers: list[tuple[_Row, nn.Module]],
    d: int,
    batch: int,
    progress: Callable[[str], None],
) -> list[dict]:
    gen = torch.Generator().manual_seed(cfg.seed)
    x = torch.randn(batch, d, generator=gen).to(cfg.device).requires_grad_(cfg.input_grad)
    cases = []
    for (layout, alpha, blocks), layer in layers:
        width = d if layout == "dense" else alpha * d
        grad = torch.randn(batch, width, generator=gen).to(cfg.device)
        cases.append(((layout, alpha, blocks), layer, grad, _stepper(layer, x, grad)))
    clock = time.perf_counter if cfg.clock == "wall" else time.process_time
    number = {}
    for r in range(max(cfg.warmup, 1)):
        for key, _, _, step in cases:
            start = clock()
            step()
            _sync(cfg.device)
            if r == max(cfg.warmup, 1) - 1:  # calibrate on the last warm-up round
                once = max(clock() - start, 1e-6)
                number[key] = max(1, min(1000, math.ceil(cfg.sample_s / once)))
    times: dict[tuple, list[float]] = {key: [] for key, *_ in cases}
    for _ in range(cfg.reps):
        for key, _, _, step in cases:
            _sync(cfg.device)
            start = clock()
            for _ in range(number[key]):
                step()
            _sync(cfg.device)
            times[key].append((clock() - start) / number[key])
    dense_key = ("dense", 1, 1)
    rows: list[dict[str, Any]] = []
    for key, layer, grad, _ in cases:
        layout, alpha, blocks = key
        moved, macs = step_traffic(layer, x, grad)
        held = held_bytes(layer, x, grad)
        rows.append(
            {
                "layout": layout,
                "label": _label(layout, blocks),
                "alpha": alpha,
                "blocks": blocks if layout == "grouped" else None,
                "d": d,
                "h": d,
                "batch": batch,
                "time_ms": 1e3 * statistics.median(times[key]),
                "times_ms": [round(1e3 * t, 4) for t in times[key]],
                "bytes": sum(held.values()),
                **held,
                "moved_bytes": moved,
                "macs": macs,
            }
        )
        progress(f"d={d} batch={batch} {_label(layout, blocks)} alpha={alpha}")
    base = next((r for r in rows if (r["layout"], r["alpha"]) == dense_key[:2]), None)
    for row in rows:
        if base is not None:
            row["dense_time_ms"] = base["time_ms"]
            row["step_ratio"] = row["time_ms"] / base["time_ms"]
            row["bytes_ratio"] = row["bytes"] / base["bytes"]
            row["moved_ratio"] = row["moved_bytes"] / base["moved_bytes"]
    return rows


def run(cfg: BenchConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns ``{"rows": [...], "config": ..., "machine": ...}``."""
    unknown = sorted(set(cfg.layouts) - set(BENCH_LAYOUTS))
    if unknown:
        raise ValueError(f"unknown layouts {unknown}; allowed are {list(BENCH_LAYOUTS)}")
    if cfg.clock not in ("wall", "cpu") or (cfg.clock == "cpu" and cfg.device != "cpu"):
        raise ValueError(f"clock must be 'wall' or (on the CPU) 'cpu', got {cfg.clock!r}")
    check_device("device", cfg.device)
    progress = progress or (lambda _msg: None)
    start = time.perf_counter()
    rows = []
    for d in cfg.dims:
        layers = _layers(cfg, d)
        for batch in cfg.batches:
            rows += _measure(cfg, layers, d, batch, progress)
    return {
        "benchmark": "layouts",
        "config": asdict(cfg),
        "machine": {
            "device": cfg.device,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "elapsed_s": round(time.perf_counter() - start, 2),
        "rows": rows,
    }


def format_rows(rows: Sequence[dict[str, Any]]) -> str:
    """A text table: one line per row, ratios against the dense layer of the same size."""
    head = ("d", "batch", "layout", "alpha", "ms", "step ×", "bytes ×", "moved ×")
    lines = [head]
    for r in rows:
        lines.append(
            (
                str(r["d"]),
                str(r["batch"]),
                r["label"],
                str(r["alpha"]),
                f"{r['time_ms']:.3f}",
                f"{r.get('step_ratio', float('nan')):.2f}",
                f"{r.get('bytes_ratio', float('nan')):.2f}",
                f"{r.get('moved_ratio', float('nan')):.2f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``python -m expand_neurons bench``."""
    p.add_argument("--quick", action="store_true", help="fewer sizes and repetitions (~1 min)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON (atomically)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="what time to take")
    p.add_argument("--alphas", type=int, nargs="+", help="expansion factors to run")
    p.add_argument("--dims", type=int, nargs="+", help="layer sizes d = h to run")
    p.add_argument("--batches", type=int, nargs="+", help="batch sizes to run")
    p.add_argument("--blocks", type=int, nargs="+", help="block counts of the grouped layout")
    p.add_argument("--layouts", nargs="+", help=f"subset of {list(BENCH_LAYOUTS)}")
    p.add_argument("--reps", type=int, help="timed rounds (median is reported)")
    p.add_argument(
        "--input-grad", action="store_true", help="also compute the input gradient (deeper layers)"
    )
    p.add_argument("--warmup", type=int, help="untimed rounds first")
    p.add_argument(
        "--sample-s", type=float, help="repeat each step back to back for this long (warm cache)"
    )


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The profile (``--quick`` or full) with the explicit options applied."""
    base = QUICK if args.quick else FULL
    over = {
        k: getattr(args, k)
        for k in ("alphas", "dims", "batches", "blocks", "layouts", "reps", "warmup", "sample_s")
        if getattr(args, k) is not None
    }
    fixed = {"device": args.device, "clock": args.clock, "input_grad": args.input_grad}
    return BenchConfig(**{**asdict(base), **over, **fixed})


def main(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed command-line options; returns the exit status."""
    if args.threads is not None and args.threads < 1:
        print(f"error: --threads must be an integer >= 1, got {args.threads}", file=sys.stderr)
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        cfg = config_from_args(args)
        print(
            f"layout benchmark on {cfg.device} ({torch.get_num_threads()} threads, {cfg.clock} "
            "clock), "
            f"{'quick' if args.quick else 'full'}: d in {list(cfg.dims)}, batch in "
            f"{list(cfg.batches)}, alpha in {list(cfg.alphas)}",
            flush=True,
        )
        result = run(cfg)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(format_rows(result["rows"]))
    print(f"finished in {result['elapsed_s']:.1f} s")
    if args.json:
        print(f"wrote {write_json(args.json, result)}")
    return 0
