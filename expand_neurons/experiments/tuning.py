"""Baselines tuned on their own terms: small sweeps scored on held-out training data.

A baseline must be healthy before FPE is compared with it. Each sweep here trains the baseline
alone (never FPE), on a task's training set minus a held-out part, scores every candidate by its
mean accuracy on that held-out part over seeds, and returns the best candidate with the whole
table as evidence. The test set is never read, and the tuning seeds are not the seeds the
experiments report (:data:`TUNING_SEED`), so the choice cannot be fitted to the numbers the
book compares.

* :func:`tune_dropconnect`: DropConnect's drop rate and post-split training length at a Boolean
  setting (the ``boolean-ablations`` baseline);
* :func:`tune_dense`: the learning rate and initialisation of a dense real-data network (the
  ``deep-mlp`` baseline).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..baselines import dropconnect
from ..models import INITS, seeded_mlp
from ..schedule import dense_variant, run_schedule
from ..seeds import derive, instance_seeds
from ..stats import Comparison, paired
from ..training import Dataset, History, fit
from .boolean import boolean_tasks
from .config import BooleanConfig, RealConfig, RunEnv
from .real import model_factory
from .real_data import load_data

__all__ = [
    "TUNING_SEED",
    "DROPCONNECT_RATES",
    "Holdout",
    "holdout",
    "Tuned",
    "tune_dropconnect",
    "tune_dense",
]

#: Base seed of every tuning sweep: its tasks and networks are not those the book reports.
TUNING_SEED = 9001

#: DropConnect's candidate drop rates: 0 (DropConnect off: the dense network trained on) and
#: rates on both sides of every rate chosen so far, so that a choice never sits on the edge.
DROPCONNECT_RATES = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5)


@dataclass(frozen=True)
class Holdout:
    """A training set split in two: ``X_train, y_train`` to train on, ``X_test, y_test`` the
    held-out validation part (named so that :func:`expand_neurons.training.fit` scores it)."""

    X_train: torch.Tensor = field(repr=False)
    y_train: torch.Tensor = field(repr=False)
    X_test: torch.Tensor = field(repr=False)
    y_test: torch.Tensor = field(repr=False)


def holdout(data: Dataset, fraction: float = 0.2, seed: int = 0) -> Holdout:
    """Hold out a random ``fraction`` of ``data``'s training samples (its test set is dropped).

    Raises ``ValueError`` unless ``fraction`` is in ``(0, 1)`` and leaves a sample on each side.
    """
    n = len(data.X_train)
    n_val = round(n * fraction)
    if not 0 < fraction < 1 or not 0 < n_val < n:
        raise ValueError(
            f"fraction must be in (0, 1) and leave samples on both sides of {n}; got {fraction!r}"
        )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val, train = perm[:n_val], perm[n_val:]
    return Holdout(data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val])


@dataclass(frozen=True)
class Tuned:
    """The outcome of a sweep.

    Attributes:
        choice: the chosen candidate's fields, e.g. ``{"p": 0.1, "post_epochs": 100}``.
        table: one row per candidate: its fields, ``validation`` (mean held-out accuracy, 0-1),
            ``validation_std`` (over seeds) and ``per_seed``.
        criterion: how the choice was made, in words.
        seeds: seeds per candidate.
        length_test: the paired comparison that decided a training length, if one did.
    """

    choice: dict[str, Any]
    table: list[dict[str, Any]]
    criterion: str
    seeds: int
    length_test: Comparison | None = None


def _row(fields: dict[str, Any], accuracies: Sequence[float]) -> dict[str, Any]:
    acc = torch.tensor(list(accuracies), dtype=torch.float64)
    std = float(acc.std()) if len(acc) > 1 else 0.0
    return {
        **fields,
        "validation": float(acc.mean()),
        "validation_std": std,
        "per_seed": acc.tolist(),
    }


def _best(table: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """The first row with the highest mean validation accuracy (earlier rows win ties)."""
    top = max(table, key=lambda r: r["validation"])
    return {k: top[k] for k in keys}


def _accuracy_at(history: History, epoch: int) -> float:
    if epoch not in history.epoch:
        raise ValueError(f"no evaluation at epoch {epoch}; evaluated at {history.epoch}")
    return float(history.test_accuracy[history.epoch.index(epoch)])


def tune_dropconnect(
    cfg: BooleanConfig,
    rates: Sequence[float] = DROPCONNECT_RATES,
    post_epochs: Sequence[int] | None = None,
    *,
    seeds: int = 4,
    fraction: float = 0.2,
    seed: int = TUNING_SEED,
    env: RunEnv | None = None,
) -> Tuned:
    """DropConnect's drop rate and post-split epochs, chosen on held-out training data.

    Trains, for ``seeds`` tasks of ``cfg``'s setting (``cfg`` without a grid), the dense network
    for ``cfg.warmup_epochs``, then DropConnect at every rate in ``rates`` for
    ``max(post_epochs)`` more epochs, reading the held-out accuracy after each length in
    ``post_epochs`` (default: ``cfg``'s post-split epochs and twice as many). The rate is the
    one of the candidate with the highest mean held-out accuracy. The length is ``cfg``'s own
    unless, at that rate, a different length is better in a paired comparison over the tuning
    tasks (:func:`expand_neurons.stats.paired`, 95 %; kept in ``Tuned.length_test``): the
    schedule is changed only on evidence.
    """
    if cfg.grid:
        raise ValueError("tune_dropconnect tunes one setting: use cfg.at(point) for a grid point")
    if not rates or not all(0 <= p < 1 for p in rates):
        raise ValueError(f"rates must be drop rates in [0, 1), got {list(rates)!r}")
    post_cfg = cfg.epochs - cfg.warmup_epochs
    lengths = sorted(set(post_epochs or (post_cfg, 2 * post_cfg)))
    if not all(isinstance(n, int) and n >= 1 for n in lengths):
        raise ValueError(f"post_epochs must be integers >= 1, got {list(lengths)!r}")
    env = env or RunEnv()
    tasks = boolean_tasks(cfg.replace(seeds=seeds), seed)
    data = [holdout(t, fraction, seed=j) for j, t in enumerate(tasks)]
    d, out = tasks[0].n_inputs, tasks[0].n_outputs
    kw: dict[str, Any] = {
        "loss": "bce",
        "lr": cfg.lr,
        "batch_size": cfg.batch_size,
        "device": env.device,
        "progress": env.progress,
    }
    warm = [seeded_mlp(s, d, cfg.hidden, out) for s in instance_seeds(seed, seeds, "model")]
    fit(warm, data, epochs=cfg.warmup_epochs, seed=derive(seed, "warmup"), **kw)
    table = []
    for p in rates:  # one fit per rate: models of different rates do not train together
        models = [dropconnect(m, p) for m in warm]
        hs = fit(
            models,
            data,
            epochs=lengths[-1],
            eval_every=math.gcd(*lengths),
            seed=derive(seed, "post"),
            **kw,
        )
        for n in lengths:
            table.append(_row({"p": p, "post_epochs": n}, [_accuracy_at(h, n) for h in hs]))
    criterion = (
        f"highest mean accuracy on {100 * fraction:g} % of the training samples held out, over "
        f"{seeds} tuning tasks (seed {seed}); the test sets are not read"
    )
    best = _best(table, ["p", "post_epochs"])
    test = None
    if best["post_epochs"] != post_cfg and post_cfg in lengths:
        at_rate = {r["post_epochs"]: r["per_seed"] for r in table if r["p"] == best["p"]}
        name = f"{best['post_epochs']} - {post_cfg} post-split epochs at p = {best['p']}"
        test = paired(at_rate[best["post_epochs"]], at_rate[post_cfg], name=name)
        if test.verdict != "better":
            best["post_epochs"] = post_cfg
    criterion += (
        f"; another length than the schedule's {post_cfg} post-split epochs only if it is better "
        "in a paired 95 % comparison"
    )
    return Tuned(best, table, criterion, seeds, test)


def _dense_accuracies(
    cfg: RealConfig, data: Any, split: Holdout, seeds: int, seed: int, env: RunEnv
) -> list[float]:
    """Held-out accuracy (0-1) of ``seeds`` dense networks of ``cfg`` trained on ``split``:
    MLPs of one shape together, CNNs one at a time (seeded as the experiments seed them)."""

    def dense(n: int, base: int) -> list[float]:
        runs = run_schedule(
            model_factory(cfg, data),
            [split] * n,
            [dense_variant()],
            warmup_epochs=cfg.epochs,
            post_epochs=0,
            fit_kwargs={
                "loss": "ce",
                "lr": cfg.lr,
                "batch_size": cfg.batch_size,
                "device": env.device,
                "progress": env.progress,
            },
            seed=base,
        )
        return [r.accuracy for r in runs["dense"]]

    if cfg.model == "mlp":
        return dense(seeds, seed)
    return [a for j in range(seeds) for a in dense(1, derive(seed, "cnn-instance", j))]


def tune_dense(
    cfg: RealConfig,
    lrs: Sequence[float] = (1e-3, 3e-3, 1e-2),
    inits: Sequence[str] = INITS,
    *,
    points: Sequence[Mapping[str, Any]] = ({},),
    seeds: int = 3,
    fraction: float = 0.2,
    seed: int = TUNING_SEED,
    env: RunEnv | None = None,
) -> Tuned:
    """The dense network's learning rate and initialisation, chosen on held-out training data.

    Trains ``cfg``'s dense network (``cfg`` without a grid, changed by each of ``points``, e.g.
    ``[{"hidden": 8}, {"hidden": 32}]``) for ``cfg.epochs`` at every rate in ``lrs`` and
    initialisation in ``inits``, ``seeds`` initialisations each, on the training set minus
    ``fraction`` of it. The choice is the candidate with the highest held-out accuracy averaged
    over points and seeds; rows also carry ``per_point`` (mean held-out accuracy per point).
    """
    if cfg.grid:
        raise ValueError("tune_dense tunes one setting: use cfg.at(point) for a grid point")
    if not lrs or not all(lr > 0 for lr in lrs):
        raise ValueError(f"lrs must be learning rates > 0, got {list(lrs)!r}")
    if not inits or not all(i in INITS for i in inits):
        raise ValueError(f"inits must name initialisations in {list(INITS)}, got {list(inits)!r}")
    if not points:
        raise ValueError("points must list at least one setting, e.g. [{}]")
    env = env or RunEnv()
    table = []
    for init in inits:
        for lr in lrs:
            per_point, every = [], []
            for point in points:
                c = cfg.replace(init=init, lr=lr, **point)
                data = load_data(c, env)
                split = holdout(data, fraction, seed=seed)
                acc = _dense_accuracies(c, data, split, seeds, seed, env)
                per_point.append(sum(acc) / len(acc))
                every += acc
            table.append({**_row({"init": init, "lr": lr}, every), "per_point": per_point})
    criterion = (
        f"highest mean accuracy on {100 * fraction:g} % of the training samples held out, over "
        f"{len(points)} setting(s) x {seeds} initialisations (seed {seed}); the test set is "
        "not read"
    )
    return Tuned(_best(table, ["init", "lr"]), table, criterion, seeds)
