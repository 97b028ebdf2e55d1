"""Part II experiments: FPE on real data (frozen embeddings, a CNN, deeper networks).

One runner, :func:`real_sweep`, serves every experiment here; each named experiment is a config
with a ``quick`` and a ``paper`` profile, as in :mod:`expand_neurons.experiments.boolean`.

At every point of the config's ``grid`` the runner trains ``seeds`` dense models (seed
``seed + j``), warms them up for ``epochs * split_at`` epochs, then trains on, for the remaining
epochs, the dense model itself (the baseline: the same total epochs) and one FPE model per
expansion factor in ``alphas`` and split in ``splits`` (plus any ``extra`` variant that names
this grid point). All variants of a grid point start from the same warmed-up dense models, so the
dense baseline is shared by every ``alpha`` at that point. The result maps
``"key=value,...,alpha=A/variant"`` to the entry of ``boolean.summarize`` (``accuracy``,
``accuracy_std``, ``accuracies`` per seed, ``nonzero``, ``neurons``, ``relative_gain``,
``capacity`` and ``cosine`` of the first ``Linear`` layer: for the CNN that is the head's hidden
layer), with the setting's keys added. Every FPE model is checked to have
exactly the non-zero count of its dense model (biases included).

Data (config key ``dataset``): ``"wordnet-nouns"`` (all-MiniLM-L6-v2 embeddings of WordNet noun
glosses, offline: what the book runs), ``"cifar100-clip"`` (CLIP ViT-B/32 embeddings of CIFAR-100;
needs internet the first time), ``"fashion-mnist"`` (images, for the CNN) and ``"synthetic"``
(Gaussian class clusters, for tests). The data split is fixed (``data_seed``); the seeds vary the
initialisation, the split masks and the mini-batch order.

Open choices, as taken here (all configurable): Adam, learning rate 1e-3, batch 64 (128 for the
CNN), PyTorch's default initialisation, cross-entropy on logits, 20 % of each WordNet class held out
for testing. MLP runs, and the quick CNN runs, use one CPU thread (``threads``): small matrix
products gain little from more, and on a busy machine idle threads spin: on a loaded 2-core
machine, two threads cost over twenty times the CPU time of one for the same MLP run.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..expansion import expand
from ..models import MLP, seeded_mlp
from ..schedule import Run, Variant, dense_variant, run_schedule
from .boolean import summarize
from .registry import Experiment, grid_points, register

__all__ = [
    "ArrayData",
    "ConvNet",
    "seeded_conv_net",
    "load_data",
    "synthetic_data",
    "real_runs",
    "real_sweep",
    "match_dense",
    "match_sweep",
    "nonzero_mlp",
    "EMBEDDING_BASE",
    "CNN_BASE",
]

#: Base config of the experiments over frozen embeddings.
EMBEDDING_BASE: dict[str, Any] = {
    "dataset": "wordnet-nouns",
    "n_classes": None,  # None: all classes of the data set
    "max_per_class": 200,
    "data_seed": 0,
    "download": False,  # cifar100-clip: fetch the CIFAR tarball if missing (needs internet)
    "encoder_device": "cpu",  # cifar100-clip: where CLIP runs on a cache miss ("cuda" helps)
    "model": "mlp",
    "hidden": 8,
    "depth": 1,
    "alphas": [2, 4, 8],
    "splits": ["random"],
    "extra": [],  # variants at single grid points: [{"hidden": 8, "alpha": 4, "split": "feature"}]
    "epochs": 50,
    "split_at": 0.5,
    "seeds": 3,
    "lr": 1e-3,
    "batch_size": 64,
    "threads": 1,  # CPU threads while training (None: leave torch's setting)
    "grid": {},
}

#: Base config of the CNN experiment (Fashion-MNIST images, a conv trunk and an MLP head).
CNN_BASE: dict[str, Any] = {
    **EMBEDDING_BASE,
    "dataset": "fashion-mnist",
    "max_per_class": None,
    "model": "cnn",
    "channels": [8, 16],
    "n_train": None,  # None: all 60,000 training images
    "n_test": None,  # None: all 10,000 test images
    "batch_size": 128,
    "threads": None,  # the quick profile uses 1: robust on a busy machine
}


# ------------------------------------------------------------------------------------- data


@dataclass
class ArrayData:
    """A classification data set in memory: ``X_*`` float32, ``y_*`` int64 class indices."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    class_names: list[str]
    name: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def synthetic_data(
    n_classes: int = 4,
    shape: Sequence[int] = (32,),
    per_class: int = 20,
    seed: int = 0,
    noise: float = 1.0,
) -> ArrayData:
    """Gaussian class clusters of any ``shape`` (a stand-in for real data in tests).

    Each class has a random mean (standard normal); its examples add noise of std ``noise``.
    ``per_class`` examples per class are drawn, a quarter of them (at least one) for testing.
    """
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(n_classes, *shape, generator=g)
    n_test = max(1, per_class // 4)
    parts = {}
    for split, n in (("train", per_class - n_test), ("test", n_test)):
        y = torch.arange(n_classes).repeat_interleave(n)
        parts[split] = (means[y] + noise * torch.randn(len(y), *shape, generator=g), y)
    names = [f"class {c}" for c in range(n_classes)]
    return ArrayData(*parts["train"], *parts["test"], names, "synthetic")


@functools.lru_cache(maxsize=2)
def _fashion(n_train: int | None, n_test: int | None, seed: int) -> ArrayData:
    from ..data import FASHION_MNIST_CLASSES, fashion_mnist

    X_train, y_train = fashion_mnist("train", subset=n_train, seed=seed)
    X_test, y_test = fashion_mnist("test", subset=n_test, seed=seed)
    mean, std = float(X_train.mean()), float(X_train.std())  # standardise with training stats
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return ArrayData(X_train, y_train, X_test, y_test, list(FASHION_MNIST_CLASSES), "fashion-mnist")


def load_data(cfg: dict[str, Any]) -> Any:
    """The data set a config names (``dataset``, ``n_classes``, ``max_per_class``, ...).

    Embedding data sets come from :func:`expand_neurons.data.embedded_dataset` (cached on disk).
    """
    name = cfg["dataset"]
    if name == "synthetic":
        shape = (1, 28, 28) if cfg["model"] == "cnn" else (32,)
        return synthetic_data(
            cfg["n_classes"] or 4, shape, cfg["max_per_class"] or 20, cfg["data_seed"]
        )
    if name == "fashion-mnist":
        if cfg["n_classes"] not in (None, 10):
            raise ValueError("fashion-mnist has 10 classes; leave n_classes at None")
        return _fashion(cfg["n_train"], cfg["n_test"], cfg["data_seed"])
    from ..data import DATASETS, embedded_dataset

    if name not in DATASETS:
        allowed = [*DATASETS, "fashion-mnist", "synthetic"]
        raise ValueError(f"unknown dataset {name!r}; allowed are {allowed}")
    return embedded_dataset(
        name,
        n_classes=cfg["n_classes"],
        max_per_class=cfg["max_per_class"],
        seed=cfg["data_seed"],
        download=cfg["download"],
        device=cfg["encoder_device"],
    )


# ----------------------------------------------------------------------------------- models


class ConvNet(nn.Sequential):
    """A small CNN as a nested ``nn.Sequential``: ``trunk`` (conv, ReLU, max-pool per entry of
    ``channels``, then Flatten) followed by ``head``, an :class:`~expand_neurons.models.MLP`.

    :func:`expand_neurons.expand` expands the head's hidden layers and leaves the trunk as it is.

    Args:
        in_shape: shape of one input image ``(C, H, W)``.
        channels: output channels of each 3x3 convolution (padding 1, each followed by 2x2 pooling).
        hidden: width of the head's hidden layer (or a list: one per hidden layer).
        n_classes: outputs.
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        channels: Sequence[int],
        hidden: int | Sequence[int],
        n_classes: int,
    ) -> None:
        layers: list[nn.Module] = []
        c_in = in_shape[0]
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c_out
        trunk = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            features = trunk(torch.zeros(1, *in_shape)).shape[1]
        super().__init__(OrderedDict(trunk=trunk, head=MLP(features, hidden, n_classes)))


def seeded_conv_net(seed: int, *args: Any, **kwargs: Any) -> ConvNet:
    """A :class:`ConvNet` initialised from ``seed`` without touching torch's global RNG state."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return ConvNet(*args, **kwargs)


def nonzero_mlp(d: int, hidden: int | Sequence[int], n_classes: int) -> int:
    """Parameters (weights and biases) of a dense :class:`~expand_neurons.models.MLP`."""
    dims = [d, *([hidden] if isinstance(hidden, int) else hidden), n_classes]
    return sum(a * b + b for a, b in zip(dims[:-1], dims[1:]))


def _model_factory(cfg: dict[str, Any], data: Any) -> Callable[[int], nn.Sequential]:
    n_classes = data.n_classes
    widths = [cfg["hidden"]] * cfg["depth"]
    if cfg["model"] == "mlp":
        d = int(data.X_train.shape[1])
        return lambda s: seeded_mlp(s, d, widths, n_classes)
    if cfg["model"] == "cnn":
        shape = tuple(data.X_train.shape[1:])
        return lambda s: seeded_conv_net(s, shape, cfg["channels"], widths, n_classes)
    raise ValueError(f"unknown model {cfg['model']!r}; allowed are ['mlp', 'cnn']")


# ----------------------------------------------------------------------------------- runner


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[None]:
    """Use ``n`` CPU threads inside the block (``None``: leave torch's setting)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _fpe_variant(alpha: int, split: str) -> Variant:
    return Variant(f"alpha={alpha}/{split}", lambda m, d, s: expand(m, alpha, split, seed=s))


def _extra_here(cfg: dict[str, Any]) -> list[tuple[int, str]]:
    """(alpha, split) of the ``extra`` variants whose other keys match ``cfg`` (a grid point)."""
    out = []
    for item in cfg["extra"]:
        where = {k: v for k, v in item.items() if k not in ("alpha", "split")}
        unknown = sorted(set(where) - set(cfg))
        if unknown:
            raise ValueError(f"extra variant {item} names unknown config keys {unknown}")
        if all(cfg[k] == v for k, v in where.items()):
            out.append((int(item["alpha"]), str(item["split"])))
    return out


def real_runs(cfg: dict[str, Any], seed: int = 0, data: Any = None) -> dict[str, list[Run]]:
    """Train all variants of one setting (no grid); returns the runs with their models.

    Keys: ``"dense"`` and ``"alpha=A/split"``. Raises ``RuntimeError`` if an FPE model's non-zero
    count differs from its dense model's.
    """
    data = load_data(cfg) if data is None else data
    pairs = [(a, s) for a in cfg["alphas"] for s in cfg["splits"]] + _extra_here(cfg)
    variants = [dense_variant()] + [_fpe_variant(a, s) for a, s in dict.fromkeys(pairs)]
    warm = round(cfg["epochs"] * cfg["split_at"])
    if not 0 <= warm <= cfg["epochs"]:
        raise ValueError(f"split_at must be in [0, 1], got {cfg['split_at']}")
    make = _model_factory(cfg, data)
    fit_kwargs = {"loss": "ce", "lr": cfg["lr"], "batch_size": cfg["batch_size"]}
    label = f"{cfg['dataset']}, hidden={cfg['hidden']}"

    def schedule(n_instances: int, first_seed: int) -> dict[str, list[Run]]:
        return run_schedule(
            make,
            [data] * n_instances,
            variants,
            warmup_epochs=warm,
            post_epochs=cfg["epochs"] - warm,
            fit_kwargs=fit_kwargs,
            seed=first_seed,
            desc=label,
        )

    with _threads(cfg["threads"]):
        if cfg["model"] == "mlp":  # MLPs of one shape train together (an instance dimension)
            runs = schedule(cfg["seeds"], seed)
        else:  # CNNs train one at a time
            runs = {v.name: [] for v in variants}
            for j in range(cfg["seeds"]):
                for name, rs in schedule(1, seed + j).items():
                    runs[name] += rs
    for name, rs in runs.items():
        for r, base in zip(rs, runs["dense"]):
            if r.nonzero != base.nonzero:
                raise RuntimeError(
                    f"{name} (seed {r.seed}) has {r.nonzero} non-zeros, dense has {base.nonzero}"
                )
    return runs


def real_sweep(cfg: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """Run every grid point of ``cfg``; variants keyed ``"key=value,...,alpha=A/variant"``.

    The dense baseline of a grid point appears once per ``alpha`` (the same runs), so every
    setting in ``settings`` has its own ``dense`` entry to compare with.
    """
    variants: dict[str, Any] = {}
    settings: list[dict[str, Any]] = []
    start = time.process_time()
    for point in grid_points(cfg):
        point_cfg = {**cfg, **point}
        data = load_data(point_cfg)
        summary = summarize(real_runs(point_cfg, seed, data))
        info = {
            "hidden": point_cfg["hidden"],
            "depth": point_cfg["depth"],
            "classes": data.n_classes,
            "load": data.n_classes / point_cfg["hidden"],
        }
        alphas = sorted({int(name.split("/")[0][6:]) for name in summary if name != "dense"})
        for alpha in alphas or [None]:
            setting = {**point} if alpha is None else {**point, "alpha": alpha}
            settings.append(setting)
            prefix = ",".join(f"{k}={v}" for k, v in setting.items())
            for name, entry in summary.items():
                if name != "dense" and not name.startswith(f"alpha={alpha}/"):
                    continue
                variant = name.split("/")[-1]
                variants[f"{prefix}/{variant}" if prefix else variant] = {
                    **info,
                    **setting,
                    "variant": variant,
                    **entry,
                }
    return {"variants": variants, "settings": settings, "cpu_s": time.process_time() - start}


def match_dense(result: dict[str, Any], alpha: int, split: str = "random") -> dict[str, Any]:
    """Which dense size reaches the accuracy of FPE (``alpha``, ``split``)?

    The dense models of ``result`` (one per width) give accuracy against non-zero count. Walking
    up in size, the first dense model at least as accurate as FPE and the one before it bracket
    FPE's mean accuracy; the matched size is the linear interpolation of the non-zero count
    between the two (and of the width likewise). ``param_ratio`` is that count over FPE's own.
    Also given at FPE's mean accuracy minus and plus its standard deviation over seeds.
    ``bound`` says ``"interpolated"``, ``"below"`` (FPE no better than the smallest dense model)
    or ``"above"`` (FPE beats the largest dense model: the ratio is a lower bound).
    """
    entries = result["variants"].values()
    dense = {}
    for e in entries:
        if e["variant"] == "dense":
            dense[e["nonzero"]] = e
    curve = [dense[n] for n in sorted(dense)]
    fpe = [e for e in entries if e["variant"] == split and e.get("alpha") == alpha]
    if len(fpe) != 1 or len(curve) < 2:
        raise ValueError(
            f"need one FPE entry (alpha={alpha}, {split}) and two or more dense widths; "
            f"got {len(fpe)} and {len(curve)}"
        )
    fpe = fpe[0]

    def at(acc: float) -> tuple[float, float, str]:
        for i, e in enumerate(curve):
            if e["accuracy"] >= acc:
                if i == 0:
                    return float(e["nonzero"]), float(e["hidden"]), "below"
                lo = curve[i - 1]
                t = (acc - lo["accuracy"]) / (e["accuracy"] - lo["accuracy"])
                nnz = lo["nonzero"] + t * (e["nonzero"] - lo["nonzero"])
                width = lo["hidden"] + t * (e["hidden"] - lo["hidden"])
                return nnz, width, "interpolated"
        last = curve[-1]
        return float(last["nonzero"]), float(last["hidden"]), "above"

    nnz, width, bound = at(fpe["accuracy"])
    low = at(fpe["accuracy"] - fpe["accuracy_std"])[0]
    high = at(fpe["accuracy"] + fpe["accuracy_std"])[0]
    return {
        "alpha": alpha,
        "split": split,
        "hidden": fpe["hidden"],
        "fpe_accuracy": fpe["accuracy"],
        "fpe_accuracy_std": fpe["accuracy_std"],
        "fpe_nonzero": fpe["nonzero"],
        "matched_nonzero": nnz,
        "matched_hidden": width,
        "param_ratio": nnz / fpe["nonzero"],
        "param_ratio_low": low / fpe["nonzero"],
        "param_ratio_high": high / fpe["nonzero"],
        "bound": bound,
        "dense_curve": [
            {k: e[k] for k in ("hidden", "nonzero", "accuracy", "accuracy_std")} for e in curve
        ],
    }


def match_sweep(cfg: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """:func:`real_sweep` over dense widths with FPE at ``cfg['match']`` only, plus the match.

    ``cfg['match']`` is ``{"hidden": h, "alpha": a, "split": s}``: FPE is trained at width ``h``
    only; every width of ``grid['hidden']`` trains its dense model.
    """
    target = cfg["match"]
    result = real_sweep({**cfg, "alphas": [], "extra": [target]}, seed)
    result["match"] = match_dense(result, int(target["alpha"]), target.get("split", "random"))
    return result


# ------------------------------------------------------------------------------- experiments


def _profiles(
    base: dict[str, Any], quick: dict[str, Any], paper: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Quick: ``base`` + ``quick``. Paper: 25 + 25 epochs, 5 seeds, ``base`` + ``paper``."""
    full = {"epochs": 50, "split_at": 0.5, "seeds": 5}
    return {"quick": {**base, **quick}, "paper": {**base, **full, **paper}}


_WIDTHS = [2, 4, 8, 16, 32]
_FEATURE = [{"hidden": 8, "alpha": 4, "split": "feature"}]
_PAPER_DATA = {"max_per_class": 500}

register(
    Experiment(
        "embeddings-width",
        "Frozen embeddings: dense vs FPE (random) at widths 2-32, alpha 2/4/8; feature split at 8.",
        _profiles(
            {**EMBEDDING_BASE, "grid": {"hidden": _WIDTHS}, "extra": _FEATURE},
            {},
            _PAPER_DATA,
        ),
        real_sweep,
    )
)
register(
    Experiment(
        "embeddings-load",
        "Frozen embeddings: gain versus classes per neuron (classes x widths 2/4/8, alpha 4).",
        _profiles(
            {**EMBEDDING_BASE, "alphas": [4]},
            {"grid": {"n_classes": [3, 6, 13, 26], "hidden": [2, 4, 8]}},
            {
                **_PAPER_DATA,
                "grid": {"n_classes": [2, 3, 4, 6, 9, 13, 17, 21, 26], "hidden": [2, 4, 8]},
            },
        ),
        real_sweep,
    )
)
register(
    Experiment(
        "embeddings-match",
        "Frozen embeddings: which dense size does FPE (8 neurons, alpha 4) match?",
        _profiles(
            {**EMBEDDING_BASE, "match": {"hidden": 8, "alpha": 4, "split": "random"}},
            {"grid": {"hidden": [8, 10, 12, 16, 24]}},
            {**_PAPER_DATA, "grid": {"hidden": [8, 9, 10, 11, 12, 14, 16, 20, 24]}},
        ),
        match_sweep,
    )
)
register(
    Experiment(
        "cnn-fashion",
        "A CNN on Fashion-MNIST trained jointly with an FPE head (alpha 4) at narrow head widths.",
        _profiles(
            {**CNN_BASE, "alphas": [4]},
            {
                "grid": {"hidden": [2, 4, 8]},
                "n_train": 6000,
                "n_test": 2000,
                "epochs": 8,
                "threads": 1,
            },
            {"grid": {"hidden": [2, 4, 8, 16, 32]}},
        ),
        real_sweep,
    )
)
register(
    Experiment(
        "deep-mlp",
        "Frozen embeddings, 5 hidden layers (1 for reference), all expanded, one global budget.",
        _profiles(
            {**EMBEDDING_BASE, "depth": 5, "alphas": [2, 4]},
            {"grid": {"depth": [1, 5], "hidden": [8, 16, 32]}},
            {**_PAPER_DATA, "grid": {"depth": [1, 5], "hidden": [8, 16, 32, 64]}},
        ),
        real_sweep,
    )
)
