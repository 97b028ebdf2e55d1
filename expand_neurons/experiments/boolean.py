"""The Boolean clause experiments: the pilot, the load sweeps, and the ablations.

One runner, :func:`boolean_sweep`, serves them all; each named experiment is only a config (with
a ``quick`` and a ``paper`` profile). A config's ``grid`` maps config keys to lists of values; the
runner trains every variant at every grid point, ``seeds`` tasks each (task ``j`` and model ``j``
use seed ``seed + j``), with the schedule dense for ``epochs * split_at`` epochs, then the split,
then the rest.

Open choices of the paper, as taken here (all configurable): Adam, learning rate 0.01, batch 256,
PyTorch's default initialisation, 4096 training and 2048 test samples per task; the pilot's
``paper`` profile trains 1000 + 1000 epochs as in the paper's earlier draft.
"""

from __future__ import annotations

import statistics
from typing import Any

from ..baselines import dropconnect
from ..expansion import expand
from ..metrics import mean_cosine_similarity, mean_feature_capacity, relative_improvement
from ..models import first_layer_weight, seeded_mlp
from ..schedule import Run, Variant, dense_variant, run_schedule
from ..splits import ClauseAligned, Grouped
from ..tasks import BooleanTask, make_task
from .registry import Experiment, grid_points, register

__all__ = [
    "VARIANTS",
    "make_variant",
    "boolean_tasks",
    "boolean_runs",
    "boolean_sweep",
    "summarize",
    "BASE",
]

VARIANTS = ("dense", "random", "clause", "feature", "overlap", "dropconnect", "grouped-<blocks>")

BASE: dict[str, Any] = {
    "n_clauses": 8,
    "k": 3,
    "extra_vars": 0,
    "label_mode": "per_clause",
    "p_plant": 0.5,
    "hidden": 8,
    "alpha": 2,
    "variants": ["dense", "random", "clause"],
    "dropconnect_p": None,
    "epochs": 200,
    "split_at": 0.5,
    "seeds": 8,
    "n_train": 4096,
    "n_test": 2048,
    "lr": 0.01,
    "batch_size": 256,
    "grid": {},
}


def make_variant(name: str, alpha: int, dropconnect_p: float | None = None) -> Variant:
    """The variant called ``name`` (one of :data:`VARIANTS`) at expansion factor ``alpha``.

    ``dropconnect`` keeps the dense width and drops weights with ``dropconnect_p`` (default
    ``1 - 1/alpha``). ``grouped-B`` is the block-shared split ``splits.Grouped(blocks=B)``.
    """
    if name == "dense":
        return dense_variant()
    if name == "clause":
        return Variant(
            name,
            lambda m, d, s: expand(m, alpha, ClauseAligned(d.clause_inputs, d.n_inputs), seed=s),
        )
    if name in ("random", "feature", "overlap"):
        return Variant(name, lambda m, d, s: expand(m, alpha, name, seed=s))
    if name.startswith("grouped-") and name[8:].isdigit() and int(name[8:]) >= 1:
        split = Grouped(int(name[8:]))
        return Variant(name, lambda m, d, s: expand(m, alpha, split, seed=s))
    if name == "dropconnect":
        p = 1 - 1 / alpha if dropconnect_p is None else dropconnect_p
        return Variant(name, lambda m, d, s: dropconnect(m, p))
    raise ValueError(f"unknown variant {name!r}; allowed are {list(VARIANTS)}")


def boolean_tasks(cfg: dict[str, Any], seed: int = 0) -> list[BooleanTask]:
    """The tasks of one setting: task ``j`` (of ``cfg['seeds']``) uses seed ``seed + j``."""
    return [
        make_task(
            cfg["n_clauses"],
            cfg["k"],
            extra_vars=cfg["extra_vars"],
            label_mode=cfg["label_mode"],
            p_plant=cfg["p_plant"],
            n_train=cfg["n_train"],
            n_test=cfg["n_test"],
            seed=seed + j,
        )
        for j in range(cfg["seeds"])
    ]


def boolean_runs(cfg: dict[str, Any], seed: int = 0) -> dict[str, list[Run]]:
    """Train all variants of one setting (no grid); returns the runs with their models."""
    tasks = boolean_tasks(cfg, seed)
    d, out = tasks[0].n_inputs, tasks[0].n_outputs
    warm = round(cfg["epochs"] * cfg["split_at"])
    if not 0 <= warm <= cfg["epochs"]:
        raise ValueError(f"split_at must be in [0, 1], got {cfg['split_at']}")
    return run_schedule(
        lambda s: seeded_mlp(s, d, cfg["hidden"], out),
        tasks,
        [make_variant(v, cfg["alpha"], cfg["dropconnect_p"]) for v in cfg["variants"]],
        warmup_epochs=warm,
        post_epochs=cfg["epochs"] - warm,
        fit_kwargs={"loss": "bce", "lr": cfg["lr"], "batch_size": cfg["batch_size"]},
        seed=seed,
        desc=_label(cfg),
    )


def _label(cfg: dict[str, Any]) -> str:
    return f"{cfg['n_clauses']} clauses, {cfg['hidden']} neurons, alpha={cfg['alpha']}"


def _mean(xs: list[float]) -> float:
    return statistics.fmean(xs)


def _std(xs: list[float]) -> float:
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


def summarize(runs: dict[str, list[Run]]) -> dict[str, dict[str, Any]]:
    """Per variant: mean/std/all accuracies, non-zeros, neurons, metrics, gain over dense."""
    base = runs.get("dense")
    out = {}
    for name, rs in runs.items():
        accs = [r.accuracy for r in rs]
        nonzeros = sorted({r.nonzero for r in rs})
        W = [first_layer_weight(r.model) for r in rs]
        entry: dict[str, Any] = {
            "accuracy": _mean(accs),
            "accuracy_std": _std(accs),
            "accuracies": accs,
            "nonzero": nonzeros[0] if len(nonzeros) == 1 else nonzeros,
            "neurons": rs[0].neurons,
            "capacity": _mean([mean_feature_capacity(w) for w in W]),
            "cosine": _mean([mean_cosine_similarity(w) for w in W]),
        }
        if base is not None:
            gains = [relative_improvement(r.accuracy, b.accuracy) for r, b in zip(rs, base)]
            entry["relative_gain"] = _mean(gains)
            entry["relative_gain_std"] = _std(gains)
        out[name] = entry
    return out


def boolean_sweep(cfg: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """Run every grid point of ``cfg``; variants keyed ``"key=value,.../variant"``."""
    variants: dict[str, Any] = {}
    settings = []
    for point in grid_points(cfg):
        summary = summarize(boolean_runs({**cfg, **point}, seed))
        prefix = ",".join(f"{k}={v}" for k, v in point.items())
        settings.append(point)
        for name, entry in summary.items():
            variants[f"{prefix}/{name}" if prefix else name] = {**point, "variant": name, **entry}
    return {"variants": variants, "settings": settings}


def _profiles(quick: dict[str, Any], paper: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"quick": {**BASE, **quick}, "paper": {**BASE, "epochs": 2000, "seeds": 10, **paper}}


register(
    Experiment(
        "boolean-pilot",
        "Pilot: 8 clauses, 8 hidden neurons, alpha = 2; dense vs random vs clause-aligned split.",
        _profiles({}, {}),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-clauses",
        "Clause sweep at 8 hidden neurons, alpha = 2: does the gain rise and saturate?",
        _profiles(
            {"grid": {"n_clauses": [4, 8, 16, 24]}, "seeds": 4, "n_train": 2048},
            {"grid": {"n_clauses": [2, 4, 6, 8, 12, 16, 20, 24, 32]}},
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-neurons",
        "Neuron sweep at 8 clauses, alpha = 2: does the gain fall as neurons are added?",
        _profiles(
            {"grid": {"hidden": [4, 8, 16, 32]}, "seeds": 4, "n_train": 2048},
            {"grid": {"hidden": [2, 4, 6, 8, 12, 16, 24, 32, 64, 128]}},
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-alpha",
        "Expansion factor sweep at 8 clauses and 8 neurons: where does the gain turn?",
        _profiles(
            {"grid": {"alpha": [2, 3, 4, 6]}, "seeds": 4, "n_train": 2048},
            {"grid": {"alpha": [2, 3, 4, 6, 8, 12, 24]}},
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-load",
        "Gain versus polysemantic load: a grid of clauses x neurons (random split).",
        _profiles(
            {
                "grid": {"n_clauses": [4, 8, 16], "hidden": [4, 8, 16]},
                "variants": ["dense", "random"],
                "seeds": 3,
                "n_train": 2048,
            },
            {
                "grid": {"n_clauses": [4, 8, 12, 16, 24, 32], "hidden": [4, 8, 12, 16, 24, 32]},
                "variants": ["dense", "random", "clause"],
            },
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-ablations",
        "Ablations at the pilot: overlapping children, DropConnect at equal budget, feature split.",
        _profiles(
            {"variants": ["dense", "random", "overlap", "dropconnect", "feature", "clause"]},
            {"variants": ["dense", "random", "overlap", "dropconnect", "feature", "clause"]},
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-timing",
        "Split timing at the pilot: split after 10 % ... 90 % of the same total epochs.",
        _profiles(
            {"grid": {"split_at": [0.1, 0.5, 0.9]}, "seeds": 4, "n_train": 2048},
            {"grid": {"split_at": [0.05, 0.1, 0.25, 0.5, 0.75, 0.9]}},
        ),
        boolean_sweep,
    )
)
