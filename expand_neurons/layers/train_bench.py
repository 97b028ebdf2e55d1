"""What a user feels: the time to train a whole expanded network, per layout, against dense.

:mod:`.bench` times one layer; this times whole training epochs. For each network shape
(``d`` inputs, hidden widths, ``C`` classes) and expansion factor ``alpha`` it builds the dense
MLP and, through :func:`expand_neurons.expand` with the same non-zero count, the expanded MLP
in each layout (``masked``: dense weight times a fixed mask, what FPE scripts do; ``grouped``:
a block-shared split as one batched matmul; ``sparse``: PyTorch CSR). One *epoch* is a pass of
Adam over ``n`` random samples in mini-batches of ``batch`` (forward, cross-entropy, backward,
step). All models of one shape train round-robin in the same process, one epoch each per
round, so a busy machine slows them alike; the time reported is the median over ``reps``
rounds after ``warmup`` rounds, and ``ratio`` is that median over the dense model's.

It also times :func:`expand` itself (``expand_s``, median of ``reps`` calls) beside one dense
epoch: expanding is done once, so it should be a small fraction of an epoch.

Nothing here asserts a time: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .. import splits
from ..checks import check_int
from ..expansion import count_nonzero, expand
from ..models import seeded_mlp

__all__ = [
    "TrainBenchConfig",
    "Shape",
    "QUICK_TRAIN",
    "FULL_TRAIN",
    "run_training",
    "TRAIN_LAYOUTS",
]

TRAIN_LAYOUTS = ("dense", "masked", "grouped", "sparse")
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


@dataclass(frozen=True)
class Shape:
    """A network: ``d`` inputs, ``hidden`` widths (one per hidden layer), ``classes`` outputs."""

    name: str
    d: int
    hidden: tuple[int, ...]
    classes: int = 10

    def __post_init__(self) -> None:
        check_int("d", self.d, minimum=1)
        check_int("classes", self.classes, minimum=2)
        if not self.hidden:
            raise ValueError(f"shape {self.name!r}: hidden must list at least one width")
        for h in self.hidden:
            check_int("hidden width", h, minimum=1)


@dataclass(frozen=True)
class TrainBenchConfig:
    """What to time.

    Attributes:
        shapes: the networks; alphas: expansion factors (>= 2); layouts: of
            :data:`TRAIN_LAYOUTS` (``dense`` is always timed: it is the baseline).
        blocks: the grouped layout's block count (``splits.Grouped(blocks)``; must divide every
            hidden width).
        n, batch: samples per epoch and mini-batch size.
        reps, warmup: timed and untimed rounds.
        clock: ``"wall"`` (elapsed time) or ``"cpu"`` (this process's CPU time: on a machine
            shared with other jobs it leaves out the time they are given).
        seed: data, initialisation and splits.
    """

    shapes: Sequence[Shape] = (
        Shape("pilot", 24, (8,), 8),
        Shape("wide", 1024, (256,)),
        Shape("deep", 256, (64,) * 5),
    )
    alphas: Sequence[int] = (2, 4, 8, 16)
    layouts: Sequence[str] = TRAIN_LAYOUTS
    blocks: int = 1
    n: int = 2048
    batch: int = 32
    reps: int = 5
    warmup: int = 1
    clock: str = "wall"
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.shapes:
            raise ValueError("shapes must list at least one network")
        for a in self.alphas:
            check_int("alpha", a, minimum=2)
        unknown = sorted(set(self.layouts) - set(TRAIN_LAYOUTS))
        if unknown:
            raise ValueError(f"unknown layouts {unknown}; allowed are {list(TRAIN_LAYOUTS)}")
        if self.clock not in CLOCKS:
            raise ValueError(f"unknown clock {self.clock!r}; allowed are {list(CLOCKS)}")
        for name, low in (("blocks", 1), ("n", 1), ("batch", 1), ("reps", 1), ("warmup", 0)):
            check_int(name, getattr(self, name), minimum=low)
        for s in self.shapes:
            bad = [h for h in s.hidden if h % self.blocks]
            if bad and "grouped" in self.layouts:
                raise ValueError(
                    f"blocks={self.blocks} must divide every hidden width of shape {s.name!r}, "
                    f"but not {bad}"
                )


#: Well under a minute on 2 cores: the pilot and the wide network, alpha 2 to 16, short epochs.
QUICK_TRAIN = TrainBenchConfig(
    shapes=(Shape("pilot", 24, (8,), 8), Shape("wide", 1024, (256,))), n=256, reps=3
)
#: Every shape, more rounds.
FULL_TRAIN = TrainBenchConfig()


def _epoch(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    batch: int,
    clock: Callable[[], float],
) -> float:
    """Seconds of one training epoch over ``X`` ``(n, d)``, ``y`` ``(n,)``."""
    loss_fn = nn.CrossEntropyLoss()
    start = clock()
    for i in range(0, len(X), batch):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(X[i : i + batch]), y[i : i + batch]).backward()
        opt.step()
    return clock() - start


def _models(shape: Shape, alpha: int, cfg: TrainBenchConfig) -> dict[str, nn.Sequential]:
    dense = seeded_mlp(cfg.seed, shape.d, list(shape.hidden), shape.classes)
    out: dict[str, nn.Sequential] = {"dense": dense}
    for layout in cfg.layouts:
        if layout == "dense":
            continue
        split = splits.Grouped(cfg.blocks) if layout == "grouped" else "random"
        out[layout] = expand(dense, alpha, split, seed=cfg.seed, layout=layout)
        if count_nonzero(out[layout]) != count_nonzero(dense):  # pragma: no cover - expand's job
            raise RuntimeError(f"{layout}: the expanded model left the non-zero budget")
    return out


def run_training(cfg: TrainBenchConfig = QUICK_TRAIN) -> list[dict[str, Any]]:
    """One row per (shape, alpha, layout): ``epoch_s`` (median seconds per epoch), ``ratio``
    (over dense at that shape), ``nonzero``, ``neurons`` (hidden, after expansion); and per
    (shape, alpha) an ``expand`` row with ``expand_s``, ``fraction_of_epoch`` (of dense's) and
    ``dense_samples``: how many samples the dense network trains on in the time of one expand."""
    rows: list[dict[str, Any]] = []
    gen = torch.Generator().manual_seed(cfg.seed)
    threads = torch.get_num_threads()
    clock = CLOCKS[cfg.clock]
    for shape in cfg.shapes:
        X = torch.randn(cfg.n, shape.d, generator=gen)
        y = torch.randint(0, shape.classes, (cfg.n,), generator=gen)
        for alpha in cfg.alphas:
            models = _models(shape, alpha, cfg)
            opts = {k: torch.optim.Adam(m.parameters(), lr=1e-3) for k, m in models.items()}
            times: dict[str, list[float]] = {k: [] for k in models}
            for r in range(cfg.warmup + cfg.reps):
                for k, m in models.items():
                    t = _epoch(m, opts[k], X, y, cfg.batch, clock)
                    if r >= cfg.warmup:
                        times[k].append(t)
            dense_s = statistics.median(times["dense"])
            for k, m in models.items():
                med = statistics.median(times[k])
                rows.append(
                    {
                        "shape": shape.name,
                        "d": shape.d,
                        "hidden": list(shape.hidden),
                        "alpha": alpha,
                        "layout": k,
                        "epoch_s": med,
                        "ratio": med / dense_s,
                        "nonzero": count_nonzero(m),
                        "threads": threads,
                        "neurons": sum(shape.hidden) * (1 if k == "dense" else alpha),
                    }
                )
            expand_times = []
            for _ in range(cfg.reps):
                start = clock()
                expand(models["dense"], alpha, "random", seed=cfg.seed)
                expand_times.append(clock() - start)
            expand_s = statistics.median(expand_times)
            rows.append(
                {
                    "shape": shape.name,
                    "d": shape.d,
                    "hidden": list(shape.hidden),
                    "alpha": alpha,
                    "layout": "expand",
                    "expand_s": expand_s,
                    "fraction_of_epoch": expand_s / dense_s,
                    "dense_samples": expand_s / dense_s * cfg.n,
                    "threads": threads,
                }
            )
    return rows
