"""The FPE lab: a network on the Boolean clause task that trains in the reader's page.

The lab is one ES module, ``_static/fpe-lab/fpe-lab.mjs`` (a copy ships in this package as
``fpe-lab.mjs``, a link to it): the reader picks clauses, neurons, alpha, the split and when to
split, trains, and watches loss, accuracy, feature capacity and the clause attribution of a dense
network and of its FPE splits, all from the same start. The same file is

* :class:`FpeLab`, an ``anywidget`` for live notebooks (JupyterLab, Binder, Colab);
* on the static site, a ``<div data-fpe-lab>`` that the module mounts itself, with no kernel:
  :func:`show_lab` emits that in the book build (where a widget would make myst-nb load the
  widget manager from a CDN) and the widget anywhere else.

The lab mirrors the library's Boolean laboratory (:data:`~expand_neurons.experiments.boolean.LAB`)
with its own randomness. :func:`replay_data` exports what the library draws for one instance of a
:class:`~expand_neurons.experiments.config.BooleanConfig` (task, initial weights, batch orders,
the splits' random draws), so the lab replays :func:`~expand_neurons.experiments.boolean.
boolean_runs` step by step; ``tests/test_fpe_lab.py`` checks that it does.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import anywidget
import torch
import traitlets
from IPython.display import display
from torch import nn

from ..experiments.boolean import LAB
from ..experiments.config import BooleanConfig
from ..layers.protocol import fpe_layers
from ..models import seeded_mlp
from ..seeds import derive, instance_seeds
from ..tasks import BooleanTask
from .figures import in_book_build

__all__ = [
    "ESM",
    "REPLAY_TOLERANCE",
    "SITE_MODULE",
    "SPLIT_VARIANTS",
    "FpeLab",
    "lab_settings",
    "settings_config",
    "mount_html",
    "show_lab",
    "task_data",
    "init_data",
    "batch_orders",
    "split_draws",
    "replay_data",
]

#: The module, as this package ships it (a link to ``_static/fpe-lab/fpe-lab.mjs``).
ESM = Path(__file__).with_name("fpe-lab.mjs")
#: How far the lab's losses may lie from the library's when it replays the library's run
#: (:func:`replay_data`): it keeps weights and Adam's state in float32 as torch does, but sums in
#: float64 and in another order (``tests/test_fpe_lab.py`` checks it).
REPLAY_TOLERANCE = 1e-5
#: Where the site serves the module, relative to its root.
SITE_MODULE = "_static/fpe-lab/fpe-lab.mjs"
#: The variants trained beside the dense network for each value of the lab's ``split``.
SPLIT_VARIANTS: dict[str, tuple[str, ...]] = {
    "none": ("dense",),
    "random": ("dense", "random"),
    "clause": ("dense", "clause"),
    "both": ("dense", "random", "clause"),
}
#: The task and expansion choices the lab implements (the laboratory's): a config that differs
#: in one of them cannot be replayed.
_DESIGN = ("label_mode", "distribution", "distractors", "bias", "count_biases")


def lab_settings(cfg: BooleanConfig = LAB, *, split: str = "both", seed: int = 0) -> dict:
    """The lab's settings for one setting of a Boolean config (no grid).

    ``split`` is one of :data:`SPLIT_VARIANTS`; ``seed`` seeds the lab's own task, weights and
    orders (a replay ignores it). Raises ``ValueError`` for a config the lab does not mirror.
    """
    if cfg.grid:
        raise ValueError("lab_settings takes one setting: use cfg.at(point) for a grid point")
    if split not in SPLIT_VARIANTS:
        raise ValueError(f"unknown split {split!r}; allowed are {list(SPLIT_VARIANTS)}")
    differ = [f for f in _DESIGN if getattr(cfg, f) != getattr(LAB, f)]
    if differ:
        raise ValueError(
            f"the lab mirrors the laboratory's task and expansion; this config differs in "
            f"{differ} (the lab has {[getattr(LAB, f) for f in differ]})"
        )
    return {
        "clauses": cfg.n_clauses,
        "k": cfg.k,
        "variables": cfg.variables,
        "neurons": cfg.hidden,
        "alpha": cfg.alpha,
        "split": split,
        "split_at": cfg.warmup_epochs,
        "epochs": cfg.epochs,
        "seed": seed,
        "lr": cfg.lr,
        "batch_size": cfg.batch_size,
        "n_train": cfg.n_train,
        "n_test": cfg.n_test,
    }


def settings_config(settings: dict[str, Any]) -> BooleanConfig:
    """The one-seed :class:`BooleanConfig` that the lab's ``settings`` train (the inverse of
    :func:`lab_settings`)."""
    s = settings
    return LAB.replace(
        n_clauses=s["clauses"],
        k=s["k"],
        variables=s["variables"],
        hidden=s["neurons"],
        alpha=s["alpha"],
        variants=SPLIT_VARIANTS[s["split"]],
        epochs=s["epochs"],
        split_at=s["split_at"] / s["epochs"],
        seeds=1,
        lr=s["lr"],
        batch_size=s["batch_size"],
        n_train=s["n_train"],
        n_test=s["n_test"],
    )


class FpeLab(anywidget.AnyWidget):
    """The lab as a notebook widget: the controls are traits, ``results`` is what the page
    trained (per run: the history of every epoch, the state right after the split, the last
    record) and ``status`` one of ``idle``, ``training``, ``paused``, ``done``, ``error``.

    ``data`` (optional, :func:`replay_data`) replaces the lab's own task, initial weights and
    random draws by the library's.
    """

    _esm = ESM
    clauses = traitlets.Int(LAB.n_clauses).tag(sync=True)
    k = traitlets.Int(LAB.k).tag(sync=True)
    variables = traitlets.Unicode(LAB.variables).tag(sync=True)
    neurons = traitlets.Int(LAB.hidden).tag(sync=True)
    alpha = traitlets.Int(LAB.alpha).tag(sync=True)
    split = traitlets.Unicode("both").tag(sync=True)
    split_at = traitlets.Int(LAB.warmup_epochs).tag(sync=True)
    epochs = traitlets.Int(LAB.epochs).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    lr = traitlets.Float(LAB.lr).tag(sync=True)
    batch_size = traitlets.Int(LAB.batch_size).tag(sync=True)
    n_train = traitlets.Int(LAB.n_train).tag(sync=True)
    n_test = traitlets.Int(LAB.n_test).tag(sync=True)
    data = traitlets.Dict().tag(sync=True)
    results = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("idle").tag(sync=True)

    @classmethod
    def replay(cls, cfg: BooleanConfig = LAB, seed: int = 0, split: str = "both") -> FpeLab:
        """A lab that replays instance 0 of ``cfg`` at base seed ``seed`` as the library
        trains it (:func:`replay_data`)."""
        settings = lab_settings(cfg, split=split, seed=seed)
        return cls(**settings, data=replay_data(cfg, seed))


def mount_html(settings: dict[str, Any]) -> str:
    """HTML that mounts the lab on a page of the site, configured by ``settings``.

    The page's ``data-content_root`` (Sphinx sets it on ``<html>``) leads to the site's copy
    of the module, so the same HTML works on a page at any depth.
    """
    config = html.escape(json.dumps(settings, sort_keys=True), quote=True)
    return (
        f'<div class="fpe-lab-mount" data-fpe-lab="{config}"></div>\n'
        '<script type="module">\n'
        'const root = document.documentElement.dataset.content_root ?? "";\n'
        f'import(new URL(root + "{SITE_MODULE}", document.baseURI))'
        ".then((lab) => lab.mountAll());\n"
        "</script>"
    )


def show_lab(**settings: Any) -> None:
    """Display the lab with ``settings`` (:func:`lab_settings`'s keys; the rest default).

    In the book build: :func:`mount_html`, which trains on the static page; anywhere else:
    an :class:`FpeLab` widget.
    """
    full = {**lab_settings(), **settings}
    unknown = sorted(set(full) - set(lab_settings()))
    if unknown:
        raise ValueError(f"unknown lab settings {unknown}; allowed are {sorted(lab_settings())}")
    if in_book_build():
        display({"text/html": mount_html(full)}, raw=True)
    else:
        display(FpeLab(**full))


# ------------------------------------------------------------------------------------------
# What the library draws, exported for the lab to replay
# ------------------------------------------------------------------------------------------


def _bits(X: torch.Tensor) -> str:
    """``X`` (n, d) of 0/1 as one string of '0' and '1', row by row."""
    return "".join("1" if b else "0" for b in (X > 0.5).flatten().tolist())


def task_data(task: BooleanTask) -> dict[str, Any]:
    """The task as the lab reads it: clauses ``[[var, negated], ...]``, inputs and bit strings
    (the lab computes the labels from the clauses)."""
    return {
        "clauses": [[[v, neg] for v, neg in lits] for lits in task.clauses],
        "n_vars": task.n_vars,
        "X_train": _bits(task.X_train),
        "X_test": _bits(task.X_test),
    }


@torch.no_grad()
def init_data(model: nn.Module) -> dict[str, list[float]]:
    """Weights and biases of a one-hidden-layer MLP, row-major ``(out, in)``, as lists."""
    layers = fpe_layers(model)
    if len(layers) != 2:
        raise ValueError(f"the lab has one hidden layer; the model has {len(layers) - 1}")
    out = {}
    for i, layer in enumerate(layers, start=1):
        bias = layer.effective_bias()
        if bias is None:
            raise ValueError(f"layer {i} has no bias; the lab's layers have biases")
        out[f"W{i}"] = layer.effective_weight().flatten().tolist()
        out[f"b{i}"] = bias.tolist()
    return out


def batch_orders(n: int, epochs: int, seed: int) -> list[list[int]]:
    """The sample order of each epoch of ``fit(..., seed=seed)`` on ``n`` samples."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randperm(n, generator=g).tolist() for _ in range(epochs)]


def split_draws(task: BooleanTask, hidden: int, alpha: int, seed: int) -> dict[str, Any]:
    """The random draws of ``expand(model, alpha, split, seed=seed)`` for a one-hidden-layer
    model of ``hidden`` neurons on ``task``, per split: the random split's per-parent orders
    ``perm`` (hidden, d), the clause-aligned split's order of the inputs in no clause ``rest``
    (hidden, r), and the order ``shuffle`` in which pruning breaks ties."""
    d, c = task.n_inputs, task.n_outputs
    n = hidden * alpha * (d + c)  # weights of both expanded layers
    in_clauses = {v for g in task.clause_inputs for v in g}
    r = d - len(in_clauses)
    g = torch.Generator().manual_seed(seed)
    perm = torch.rand(hidden, d, generator=g).argsort(dim=1)  # (hidden, d)
    random = {"perm": perm.tolist(), "shuffle": torch.randperm(n, generator=g).tolist()}
    g = torch.Generator().manual_seed(seed)
    rest = [torch.randperm(r, generator=g).tolist() if r else [] for _ in range(hidden)]
    clause = {"rest": rest, "shuffle": torch.randperm(n, generator=g).tolist()}
    return {"random": random, "clause": clause}


def replay_data(cfg: BooleanConfig, seed: int = 0, *, orders: bool = True) -> dict[str, Any]:
    """What :func:`~expand_neurons.experiments.boolean.boolean_runs` draws for instance 0 of
    ``cfg`` at base ``seed``: the task, the initial weights, the batch orders before and after
    the split (``orders=False`` leaves them to the lab) and the splits' draws."""
    from ..experiments.boolean import boolean_tasks

    one = cfg.replace(seeds=1)
    task = boolean_tasks(one, seed)[0]
    model_seed = instance_seeds(seed, 1, "model")[0]
    model = seeded_mlp(model_seed, task.n_inputs, cfg.hidden, task.n_outputs)
    data: dict[str, Any] = {
        "task": task_data(task),
        "init": init_data(model),
        "draws": split_draws(task, cfg.hidden, cfg.alpha, instance_seeds(seed, 1, "split")[0]),
    }
    if orders:
        n = task.X_train.shape[0]
        post = cfg.epochs - cfg.warmup_epochs
        data["orders"] = {
            "warmup": batch_orders(n, cfg.warmup_epochs, derive(seed, "warmup")),
            "post": batch_orders(n, post, derive(seed, "post")),
        }
    return data
