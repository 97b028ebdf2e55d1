"""The Boolean clause experiments: the pilot, the load sweeps, and the ablations.

Each named experiment is a :class:`~expand_neurons.experiments.config.BooleanConfig` with two
profiles, explicit overrides of it: ``quick`` (the defaults of the config: 100 + 100 epochs,
8 seeds; 30 seeds for the pilot, whose verdicts the book reads most closely) and ``paper``
(1000 + 1000 epochs as in the paper's earlier draft, 10 seeds). At every grid point the runner
trains ``seeds`` task-and-network instances (their seeds derived from the base seed,
:mod:`expand_neurons.seeds`): dense for ``round(epochs * split_at)`` epochs, then every variant
for the rest.

Open choices of the paper, as taken here (all configurable): Adam, learning rate 0.01, batch 256,
PyTorch's default initialisation, 4096 training and 2048 test samples per task. The task's and
the expansion's own open choices are fields of :class:`BooleanConfig` (clauses on disjoint or
shared variables, planted or uniform inputs, distractors, one output per clause or one DNF
output, the children's bias, whether biases count in the budget, exact match besides per-label
accuracy); :mod:`~expand_neurons.experiments.robustness` runs the claims across them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from ..models import seeded_mlp
from ..schedule import Run, run_schedule
from ..seeds import instance_seeds
from ..tasks import BooleanTask, make_task
from .config import BooleanConfig, RunEnv
from .designs import design_config
from .laboratory import LABORATORY
from .registry import Experiment, register
from .runner import SettingRuns
from .variants import make_variant, parse_variant

__all__ = [
    "PAPER_SCALE",
    "LAB",
    "ABLATION_DROPCONNECT_P",
    "boolean_tasks",
    "boolean_runs",
    "boolean_setting",
    "exact_match",
    "chance",
    "register_boolean",
]

#: What the ``paper`` profile of every Boolean experiment sets: 1000 + 1000 epochs, 10 seeds.
PAPER_SCALE: dict[str, Any] = {"epochs": 2000, "seeds": 10}


def boolean_tasks(cfg: BooleanConfig, seed: int = 0) -> list[BooleanTask]:
    """The ``cfg.seeds`` tasks of one setting, task ``j`` seeded ``derive(seed, "task", j)``."""
    return [
        make_task(
            cfg.n_clauses,
            cfg.k,
            extra_vars=cfg.n_distractors,
            variables=cfg.variables,
            label_mode=cfg.label_mode,
            distribution=cfg.distribution,
            p_plant=cfg.p_plant,
            n_train=cfg.n_train,
            n_test=cfg.n_test,
            seed=s,
        )
        for s in instance_seeds(seed, cfg.seeds, "task")
    ]


def boolean_runs(
    cfg: BooleanConfig,
    seed: int = 0,
    env: RunEnv | None = None,
    tasks: Sequence[BooleanTask] | None = None,
) -> dict[str, list[Run]]:
    """Train all variants of one setting (``cfg`` without a grid); the runs with their models
    (and their :func:`exact_match`, when ``cfg.exact_match``). ``tasks``: the setting's
    :func:`boolean_tasks`, when the caller has made them already."""
    if cfg.grid:
        raise ValueError("boolean_runs trains one setting: use cfg.at(point) for a grid point")
    env = env or RunEnv()
    tasks = boolean_tasks(cfg, seed) if tasks is None else tasks
    d, out = tasks[0].n_inputs, tasks[0].n_outputs
    variants = [
        make_variant(v, cfg.alpha, cfg.dropconnect_p, bias=cfg.bias, count_biases=cfg.count_biases)
        for v in cfg.variants
    ]
    runs = run_schedule(
        lambda s: seeded_mlp(s, d, cfg.hidden, out),
        tasks,
        variants,
        warmup_epochs=cfg.warmup_epochs,
        post_epochs=cfg.epochs - cfg.warmup_epochs,
        fit_kwargs={
            "loss": "bce",
            "lr": cfg.lr,
            "batch_size": cfg.batch_size,
            "device": env.device,
            "progress": env.progress,
        },
        seed=seed,
        desc=f"{cfg.n_clauses} clauses, {cfg.hidden} neurons, alpha={cfg.alpha}",
    )
    if cfg.metric == "exact_match":
        runs = {
            name: [replace(r, accuracy=exact_match(r.model, t)) for r, t in zip(rs, tasks)]
            for name, rs in runs.items()
        }
    if not cfg.exact_match:
        return runs
    return {
        name: [replace(r, exact_match=exact_match(r.model, t)) for r, t in zip(rs, tasks)]
        for name, rs in runs.items()
    }


def chance(task: BooleanTask, metric: str = "accuracy") -> float:
    """The test score (0-1) of the best input-blind answer: the majority of each label
    (``metric="accuracy"``, per label) or the most frequent label vector (``"exact_match"``).
    The floor of a baseline's health gate."""
    y = task.y_test > 0.5  # (n, outputs)
    if metric == "accuracy":
        share = y.float().mean(dim=0)  # (outputs,)
        return float(torch.maximum(share, 1 - share).mean())
    _, counts = torch.unique(y, dim=0, return_counts=True)
    return float(counts.max()) / len(y)


@torch.no_grad()
def exact_match(model: nn.Module, task: BooleanTask) -> float:
    """The fraction of ``task``'s test samples on which every output of ``model`` is right
    (logit > 0 means true); at most the per-label accuracy, equal to it with one output."""
    device = next(model.parameters()).device
    right = (model(task.X_test.to(device)) > 0) == (task.y_test.to(device) > 0.5)  # (n, outputs)
    return float(right.all(dim=1).float().mean())


def boolean_setting(cfg: BooleanConfig, seed: int, env: RunEnv) -> SettingRuns:
    """:func:`boolean_runs` for the sweep, with the setting's descriptive fields (``chance``:
    the mean over seeds of :func:`chance` in the config's metric)."""
    info = {
        "n_clauses": cfg.n_clauses,
        "k": cfg.k,
        "hidden": cfg.hidden,
        "alpha": cfg.alpha,
        "split_at": cfg.split_at,
        "load": cfg.n_clauses / cfg.hidden,
        "inputs": cfg.n_inputs,
        "metric": cfg.metric,
    }
    tasks = boolean_tasks(cfg, seed)
    info["chance"] = statistics.fmean(chance(t, cfg.metric) for t in tasks)
    extra = {v: parse_variant(v).fields() for v in cfg.variants}
    return SettingRuns([({}, boolean_runs(cfg, seed, env, tasks))], info, extra)


#: The base config of every Boolean experiment: the laboratory chosen from its dense baseline
#: (:data:`~expand_neurons.experiments.laboratory.LABORATORY`).
LAB = design_config(BooleanConfig(), LABORATORY)


def register_boolean(name: str, description: str, quick: dict, paper: dict) -> Experiment:
    """Register a Boolean experiment: its two profiles as overrides of :data:`LAB`."""
    profiles = {"quick": quick, "paper": paper}
    return register(Experiment(name, description, LAB, profiles, boolean_setting))


_SMALL = {"seeds": 4, "n_train": 2048}  # the quick sweeps: fewer seeds and samples per point
_ABLATIONS = ["dense", "random", "overlap", "dropconnect", "feature", "clause"]
_COLLISIONS = ["dense", "random", "clause", "packed", "apart"]

register_boolean(
    "boolean-pilot",
    "Pilot: 8 clauses, 8 hidden neurons, alpha = 2; dense vs random vs clause-aligned split.",
    {"seeds": 30},  # batched over seeds: about 30 s on 2 cores against 14 s for 8 seeds
    {**PAPER_SCALE},
)
register_boolean(
    "boolean-clauses",
    "Clause sweep at 8 hidden neurons, alpha = 2: does the gain rise and saturate?",
    {**_SMALL, "grid": {"n_clauses": [4, 8, 16, 24]}},
    {**PAPER_SCALE, "grid": {"n_clauses": [2, 4, 6, 8, 12, 16, 20, 24, 32]}},
)
register_boolean(
    "boolean-neurons",
    "Neuron sweep at 8 clauses, alpha = 2: does the gain fall as neurons are added?",
    {**_SMALL, "grid": {"hidden": [4, 8, 16, 32]}},
    {**PAPER_SCALE, "grid": {"hidden": [2, 4, 6, 8, 12, 16, 24, 32, 64, 128]}},
)
register_boolean(
    "boolean-alpha",
    "Expansion factor sweep at 8 clauses and 8 neurons: where does the gain turn?",
    {**_SMALL, "grid": {"alpha": [2, 3, 4, 6]}},
    {**PAPER_SCALE, "grid": {"alpha": [2, 3, 4, 6, 8, 12, 24]}},
)
register_boolean(
    "boolean-load",
    "Gain versus polysemantic load: a grid of clauses x neurons (random split).",
    {
        "grid": {"n_clauses": [4, 8, 16], "hidden": [4, 8, 16]},
        "variants": ["dense", "random"],
        "seeds": 3,
        "n_train": 2048,
    },
    {
        **PAPER_SCALE,
        "grid": {"n_clauses": [4, 8, 12, 16, 24, 32], "hidden": [4, 8, 12, 16, 24, 32]},
        "variants": ["dense", "random", "clause"],
    },
)
#: DropConnect's drop rate in the ablations, per profile, chosen on DropConnect alone by
#: :func:`~expand_neurons.experiments.tuning.tune_dropconnect` at that profile (held-out training
#: data, tuning seeds, rates 0 to 0.5): ``python scripts/tune.py dropconnect --profile P`` stores
#: the evidence in ``results/tuning/dropconnect-P.json``, and a test checks it against these. At
#: the paper profile the sweep also preferred twice the post-split epochs; the ablations train
#: every variant for the same epochs, so DropConnect gets the rate, not the longer schedule.
ABLATION_DROPCONNECT_P = {"quick": 0.005, "paper": 0.02}

register_boolean(
    "boolean-ablations",
    "Ablations at the pilot: overlapping children, DropConnect (tuned rate), feature split.",
    {"variants": _ABLATIONS, "dropconnect_p": ABLATION_DROPCONNECT_P["quick"]},
    {**PAPER_SCALE, "variants": _ABLATIONS, "dropconnect_p": ABLATION_DROPCONNECT_P["paper"]},
)
#: Packing two clauses whole into one child, or keeping them apart, needs clauses that share no
#: input: the collisions experiment runs the laboratory on disjoint variables.
_DISJOINT = {"variables": "disjoint"}

register_boolean(
    "boolean-collisions",
    "Collisions at equal coverage (pilot, the laboratory on disjoint variables): the same two "
    "clauses per parent whole, packed into one child or kept apart; dense, random and "
    "clause-aligned beside them.",
    {**_DISJOINT, "variants": _COLLISIONS, "seeds": 20},  # batched over seeds: about 25 CPU s
    {**PAPER_SCALE, **_DISJOINT, "variants": _COLLISIONS, "seeds": 20},
)
register_boolean(
    "boolean-timing",
    "Split timing at the pilot: split after 10 % ... 90 % of the same total epochs.",
    {**_SMALL, "grid": {"split_at": [0.1, 0.5, 0.9]}},
    {**PAPER_SCALE, "grid": {"split_at": [0.05, 0.1, 0.25, 0.5, 0.75, 0.9]}},
)
