"""Part II experiments: FPE on real data (frozen embeddings, a CNN, deeper networks).

Each named experiment is a :class:`~expand_neurons.experiments.config.RealConfig` with a
``quick`` and a ``paper`` profile, explicit overrides of its base. At every grid point the runner
trains ``seeds`` dense models, warms them up for ``round(epochs * split_at)`` epochs, then trains
on, for the remaining epochs, the dense model itself (the baseline: the same total epochs) and
one FPE model per expansion factor in ``alphas`` and split in ``splits`` (plus any ``extra``
variant that names this grid point). All variants of a grid point start from the same warmed-up
dense models, so the dense baseline is shared by every ``alpha`` there: its record appears once
per ``alpha``, with that ``alpha`` in its setting. Every FPE model is checked to have exactly the
non-zero count of its dense model (biases included).

Data (:mod:`~expand_neurons.experiments.real_data`): the data split is fixed (``data_seed``);
the seeds vary the initialisation, the split masks and the mini-batch order.

Open choices, as taken here (all configurable): Adam, learning rate 1e-3 (the CNN's quick
profile 3e-3, tuned: :data:`CNN_RECIPE`), batch 64 (128 for the CNN), PyTorch's default
initialisation (``deep-mlp``: He's and learning rate 1e-2, tuned on its
dense networks, :data:`DEEP_RECIPE`), cross-entropy on logits, 20 % of each WordNet class held out
for testing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from torch import nn

from ..expansion import expand
from ..models import seeded_conv_net, seeded_mlp
from ..schedule import Run, Variant, dense_variant, run_schedule
from ..seeds import derive
from .config import RealConfig, RunEnv
from .matching import match_dense
from .real_data import load_data
from .registry import Experiment, register
from .runner import SettingRuns

__all__ = [
    "real_runs",
    "real_setting",
    "model_factory",
    "add_match",
    "EMBEDDINGS",
    "CNN",
    "DEEP_RECIPE",
    "CNN_RECIPE",
]

#: Base config of the experiments over frozen embeddings (WordNet glosses, MiniLM).
EMBEDDINGS = RealConfig()
#: Base config of the CNN experiment (Fashion-MNIST images, a conv trunk and an MLP head).
CNN = RealConfig(dataset="fashion-mnist", max_per_class=None, model="cnn", batch_size=128)
#: What every ``paper`` profile sets: 25 + 25 epochs as in the paper, 5 seeds.
PAPER_SCALE: dict[str, Any] = {"epochs": 50, "split_at": 0.5, "seeds": 5}


def model_factory(cfg: RealConfig, data: Any) -> Callable[[int], nn.Sequential]:
    """``seed -> fresh dense model`` of ``cfg`` (``model``, ``hidden``, ``depth``) for ``data``."""
    widths = [cfg.hidden] * cfg.depth
    if cfg.model == "mlp":
        d = int(data.X_train.shape[1])
        return lambda s: seeded_mlp(s, d, widths, data.n_classes, init=cfg.init)
    shape = tuple(data.X_train.shape[1:])
    return lambda s: seeded_conv_net(s, shape, cfg.channels, widths, data.n_classes, init=cfg.init)


def _fpe_pairs(cfg: RealConfig) -> list[tuple[int, str]]:
    """(alpha, split) of every FPE variant at this grid point, in order, without repeats."""
    pairs = [(a, s) for a in cfg.alphas for s in cfg.splits]
    for item in (*cfg.extra, *([cfg.match] if cfg.match is not None else [])):
        where = {k: v for k, v in item.items() if k not in ("alpha", "split")}
        if all(getattr(cfg, k) == v for k, v in where.items()):
            pairs.append((int(item["alpha"]), str(item.get("split", "random"))))
    return list(dict.fromkeys(pairs))


def _fpe_variant(label: str, alpha: int, split: str) -> Variant:
    """FPE of the (``nn.Sequential``) dense model at ``alpha`` with ``split``."""
    return Variant(label, lambda m, d, sd: expand(cast(nn.Sequential, m), alpha, split, seed=sd))


def real_runs(
    cfg: RealConfig, seed: int = 0, env: RunEnv | None = None, data: Any = None
) -> dict[tuple[int, str] | None, list[Run]]:
    """Train all variants of one setting; runs keyed ``None`` (dense) or ``(alpha, split)``.

    Raises ``RuntimeError`` if an FPE model's non-zero count differs from its dense model's.
    """
    env = env or RunEnv()
    data = load_data(cfg, env) if data is None else data
    pairs = _fpe_pairs(cfg)
    labels = {pair: f"alpha={pair[0]} {pair[1]}" for pair in pairs}  # unique names, never parsed
    variants = [dense_variant()] + [_fpe_variant(labels[(a, s)], a, s) for a, s in pairs]
    fit_kwargs = {
        "loss": "ce",
        "lr": cfg.lr,
        "batch_size": cfg.batch_size,
        "device": env.device,
        "progress": env.progress,
    }

    def schedule(n_instances: int, first_seed: int) -> dict[str, list[Run]]:
        return run_schedule(
            model_factory(cfg, data),
            [data] * n_instances,
            variants,
            warmup_epochs=cfg.warmup_epochs,
            post_epochs=cfg.epochs - cfg.warmup_epochs,
            fit_kwargs=fit_kwargs,
            seed=first_seed,
            desc=f"{cfg.dataset}, hidden={cfg.hidden}",
        )

    if cfg.model == "mlp":  # MLPs of one shape train together (an instance dimension)
        by_name = schedule(cfg.seeds, seed)
    else:  # CNNs train one at a time
        by_name = {v.name: [] for v in variants}
        for j in range(cfg.seeds):
            for name, rs in schedule(1, derive(seed, "cnn-instance", j)).items():
                by_name[name] += rs
    runs: dict[tuple[int, str] | None, list[Run]] = {None: by_name["dense"]}
    runs.update({pair: by_name[label] for pair, label in labels.items()})
    for pair, rs in runs.items():
        for r, base in zip(rs, runs[None]):
            if r.nonzero != base.nonzero:
                raise RuntimeError(
                    f"{pair} (seed {r.seed}) has {r.nonzero} non-zeros, dense has {base.nonzero}"
                )
    return runs


def real_setting(cfg: RealConfig, seed: int, env: RunEnv) -> SettingRuns:
    """:func:`real_runs` for the sweep: one group per ``alpha``, each with the shared dense."""
    data = load_data(cfg, env)
    runs = real_runs(cfg, seed, env, data)
    info = {
        "hidden": cfg.hidden,
        "depth": cfg.depth,
        "classes": data.n_classes,
        "load": data.n_classes / cfg.hidden,
    }
    alphas: list[int | None] = list(dict.fromkeys(a for a, _ in _fpe_pairs(cfg)))
    groups: list[tuple[dict[str, Any], Mapping[str, Sequence[Run]]]] = []
    for alpha in alphas or [None]:
        group = {"dense": runs[None]}
        for key, rs in runs.items():
            if key is not None and key[0] == alpha:
                group[key[1]] = rs
        groups.append(({"alpha": alpha}, group))
    return SettingRuns(groups, info)


def add_match(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with ``match``: which dense size FPE at ``config["match"]`` matches
    (:func:`~expand_neurons.experiments.matching.match_dense`)."""
    target = result["config"]["match"]
    if target is None:
        raise ValueError("the match needs config.match = {'hidden': h, 'alpha': a, 'split': s}")
    split = target.get("split", "random")
    return {**result, "match": match_dense(result, int(target["alpha"]), split)}


def _register(
    name: str,
    description: str,
    base: RealConfig,
    quick: dict[str, Any],
    paper: dict[str, Any],
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    profiles = {"quick": quick, "paper": paper}
    register(Experiment(name, description, base, profiles, real_setting, finish))


_WIDTHS = [2, 4, 8, 16, 32]  # the quick profile stops at 16: the build's time
_FEATURE = [{"hidden": 8, "alpha": 4, "split": "feature"}]
_PAPER_DATA = {"max_per_class": 500}

_register(
    "embeddings-width",
    "Frozen embeddings: dense vs FPE (random) at widths 2-32, alpha 2/4/8; feature split at 8.",
    EMBEDDINGS,
    {"grid": {"hidden": _WIDTHS[:-1]}, "extra": _FEATURE},
    {**PAPER_SCALE, **_PAPER_DATA, "grid": {"hidden": _WIDTHS}, "extra": _FEATURE},
)
_register(
    "embeddings-load",
    "Frozen embeddings: gain versus classes per neuron (classes x widths 2/4/8, alpha 4).",
    EMBEDDINGS,
    # (the quick grid leaves out all 26 classes: the width sweep trains those, at every width)
    {"alphas": [4], "grid": {"n_classes": [3, 6, 13], "hidden": [2, 4, 8]}},
    {
        **PAPER_SCALE,
        **_PAPER_DATA,
        "alphas": [4],
        "grid": {"n_classes": [2, 3, 4, 6, 9, 13, 17, 21, 26], "hidden": [2, 4, 8]},
    },
)
_MATCH = {"hidden": 8, "alpha": 4, "split": "random"}  # FPE trained at this width only
_register(
    "embeddings-match",
    "Frozen embeddings: which dense size does FPE (8 neurons, alpha 4) match?",
    EMBEDDINGS,
    {"match": _MATCH, "alphas": [], "grid": {"hidden": [8, 10, 12, 16, 24]}},
    {
        **PAPER_SCALE,
        **_PAPER_DATA,
        "match": _MATCH,
        "alphas": [],
        "grid": {"hidden": [8, 9, 10, 11, 12, 14, 16, 20, 24]},
    },
    add_match,
)
#: The CNN's recipe per profile, chosen on its dense networks alone at head widths 2 and 4 by
#: :func:`~expand_neurons.experiments.tuning.tune_dense` (held-out training images, tuning
#: seeds; ``python scripts/tune.py cnn --profile P`` stores the evidence in
#: ``results/tuning/cnn-P.json``). At the quick profile Adam at 3e-3 with PyTorch's
#: initialisation had the best held-out accuracy; the paper profile keeps 1e-3 until its own
#: sweep is run (its cells are not computed yet).
CNN_RECIPE: dict[str, dict[str, Any]] = {"quick": {"lr": 3e-3}, "paper": {}}

_register(
    "cnn-fashion",
    "A CNN on Fashion-MNIST trained jointly with an FPE head (alpha 4) at narrow head widths.",
    CNN,
    {
        **CNN_RECIPE["quick"],
        "alphas": [4],
        "grid": {"hidden": [2, 4, 8]},
        "n_train": 6000,
        "n_test": 2000,
        "epochs": 8,
    },
    {**PAPER_SCALE, **CNN_RECIPE["paper"], "alphas": [4], "grid": {"hidden": [2, 4, 8, 16, 32]}},
)
#: The deep networks' recipe, chosen on the dense 5-layer networks alone by
#: :func:`~expand_neurons.experiments.tuning.tune_dense` (held-out training glosses, tuning
#: seeds; ``python scripts/tune.py deep --profile quick`` stores the evidence in
#: ``results/tuning/deep-quick.json``, which the deep chapter reads): He initialisation and
#: Adam at 1e-2, where PyTorch's default initialisation at 1e-3 left the 5-layer dense baseline
#: far below 1 layer.
DEEP_RECIPE: dict[str, Any] = {"init": "he", "lr": 1e-2}

_register(
    "deep-mlp",
    "Frozen embeddings, 5 hidden layers (1 for reference), all expanded, one global budget.",
    EMBEDDINGS,
    {**DEEP_RECIPE, "depth": 5, "alphas": [2, 4], "grid": {"depth": [1, 5], "hidden": [8, 16]}},
    {
        **PAPER_SCALE,
        **_PAPER_DATA,
        **DEEP_RECIPE,
        "depth": 5,
        "alphas": [2, 4],
        "grid": {"depth": [1, 5], "hidden": [8, 16, 32, 64]},
    },
)
