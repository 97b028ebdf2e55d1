"""The deeper-networks chapter (``book/deep.md``): its tables, figure and generated sentences.

The functions read the chapter's demo networks, the dense tuning sweep
(:func:`expand_neurons.experiments.tuning.tune_dense`) and results of the experiment
``deep-mlp`` (records as in :mod:`expand_neurons.experiments.records`, accuracies on the 0-1
scale), and return a table (:func:`expand_neurons.book.tables.readable`), a plotly figure, a
sentence, or a ``{name: value}`` mapping for :func:`~expand_neurons.book.pages.real.put_all`.
Verdicts come from :func:`expand_neurons.experiments.analysis.compare`; nothing here trains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots
from torch import nn

from ... import count_nonzero, fpe_modules
from ...experiments import one, select
from ...experiments.analysis import compare
from ...stats import Comparison
from ..figures import readable_axis_titles, style
from ..stored import side_by_side
from ..tables import comparison_columns, readable
from .real import COLOURS, DENSE_COLOUR, add_variant, end_numbers, log_axis, uncertainty_note

__all__ = [
    "setup_numbers",
    "per_layer",
    "demo_numbers",
    "recipe_words",
    "tuning_table",
    "tuning_numbers",
    "results_table",
    "results_figure",
    "deep_family",
    "family_table",
    "verdict_words",
    "flat_words",
    "depth_words",
    "experiment_numbers",
    "stored_table",
    "stored_words",
]

_GREY = "rgba(128, 128, 128, 0.8)"
#: The colour of one hidden layer's dense network (the reference depth) on the figure.
SHALLOW_COLOUR = COLOURS[5]


def setup_numbers(profile: str, cfg: Any, data: Any) -> dict[str, Any]:
    """What the prose says about the data and schedule: profile, depth, input dimension,
    classes, seeds and epochs."""
    return {
        "profile": profile,
        "depth": cfg.depth,
        "dim": int(data.X_train.shape[1]),
        "n_classes": data.n_classes,
        "seeds": cfg.seeds,
        "warm": cfg.warmup_epochs,
        "post": cfg.epochs - cfg.warmup_epochs,
    }


def per_layer(dense: nn.Module, unpruned: nn.Module, pruned: nn.Module) -> pd.DataFrame:
    """Non-zero weights per layer (biases in a row of their own) of a dense MLP, of its
    expansion before pruning and after, the weights pruning removed, and the totals."""
    depth = len(fpe_modules(dense)) - 1
    names = ["input → 1"] + [f"{i} → {i + 1}" for i in range(1, depth)] + [f"{depth} → output"]
    stages = {"dense": dense, "split and copied": unpruned, "pruned": pruned}
    frame = pd.DataFrame(
        {
            stage: [count_nonzero(m, biases=False) for m in fpe_modules(model)]
            for stage, model in stages.items()
        },
        index=names,
    )
    frame.loc["biases"] = [
        count_nonzero(m) - count_nonzero(m, biases=False) for m in stages.values()
    ]
    frame["removed by pruning"] = frame["split and copied"] - frame["pruned"]
    frame.loc["total"] = frame.sum()
    return frame.astype(int)


def demo_numbers(frame: pd.DataFrame, h: int, alpha: int) -> dict[str, Any]:
    """The accounting section's numbers, from :func:`per_layer`: what splitting and copying
    adds, and where pruning takes it from (first layer, hidden-to-hidden layers, output
    layer; the first layer's share in %)."""
    removed = frame["removed by pruning"]
    depth = len(frame) - 3  # layers are depth + 1 rows, then "biases" and "total"
    total = int(removed["total"])
    return {
        "demo_h": h,
        "demo_alpha": alpha,
        "demo_total": int(frame.loc["total", "dense"]),
        "demo_extra": int(frame.loc["total", "split and copied"] - frame.loc["total", "dense"]),
        "demo_first": int(removed.iloc[0]),
        "demo_middle": int(removed.iloc[1:depth].sum()),
        "demo_last": int(removed.iloc[depth]),
        "demo_first_share": 100 * int(removed.iloc[0]) / total if total else 0.0,
        "demo_removed": total,
    }


_INIT_NAMES = {"default": "PyTorch's default", "he": "He"}


def recipe_words(recipe: Mapping[str, Any]) -> str:
    """A training recipe ``{"init": ..., "lr": ...}`` in a few words, e.g. ``"He
    initialisation, Adam at 0.01"``."""
    init = _INIT_NAMES.get(recipe["init"], recipe["init"])
    return f"{init} initialisation, Adam at {recipe['lr']:g}"


def tuning_table(tuned: Any) -> Styler:
    """The tuning sweep, one row per candidate: initialisation, learning rate, mean held-out
    accuracy (%) and its s.d. over the tuning seeds."""
    rows = [
        {
            "init": r["init"],
            "lr": f"{r['lr']:g}",
            "held-out accuracy (%)": 100 * r["validation"],
            "± s.d.": 100 * r["validation_std"],
        }
        for r in tuned.table
    ]
    return readable(pd.DataFrame(rows))


def tuning_numbers(tuned: Any, recipe: Mapping[str, Any], width: int) -> dict[str, Any]:
    """The tuning section's numbers and sentences: the chosen recipe, the held-out accuracy
    (%) of the shallow recipe (default initialisation, 1e-3) and of the chosen one, whether the
    choice is the ``recipe`` the experiment runs with, and whether it lies at the edge of the
    swept learning rates."""
    default = next((r for r in tuned.table if (r["init"], r["lr"]) == ("default", 1e-3)), None)
    best = next(r for r in tuned.table if {"init": r["init"], "lr": r["lr"]} == tuned.choice)
    runs = {k: recipe[k] for k in ("init", "lr")}
    agrees = (
        "the recipe the experiment runs with"
        if tuned.choice == runs
        else f"not the recipe the experiment runs with ({recipe_words(runs)}): its documented "
        "default is out of date"
    )
    swept = sorted({r["lr"] for r in tuned.table})
    if len(swept) < 2:
        edge = "Only one learning rate was swept, so the sweep says nothing about the rate."
    elif swept[0] < tuned.choice["lr"] < swept[-1]:
        edge = "The chosen learning rate lies inside the swept range, not at its edge."
    else:
        edge = (
            "The chosen learning rate lies at the edge of the swept range: a wider sweep might "
            "choose another."
        )
    return {
        "tune_width": width,
        "tune_init": tuned.choice["init"],
        "tune_lr": f"{tuned.choice['lr']:g}",
        "tune_default": 100 * default["validation"] if default else float("nan"),
        "tune_best": 100 * best["validation"],
        "tune_agrees": agrees,
        "tune_edge": edge,
    }


def _grid(result: Mapping[str, Any], key: str) -> list[Any]:
    return sorted({r[key] for r in select(result, variant="random")})


def results_table(result: Mapping[str, Any]) -> Styler:
    """One row per depth and width: dense accuracy (%) ± s.d., the non-zero count, and for each
    alpha FPE's accuracy ± s.d. and relative gain (%)."""
    alphas = _grid(result, "alpha")
    rows = []
    for depth in _grid(result, "depth"):
        for w in _grid(result, "hidden"):
            base = one(result, variant="dense", depth=depth, hidden=w, alpha=alphas[0])
            row: dict[str, Any] = {
                "depth": depth,
                "width": w,
                "dense (%)": 100 * base["accuracy"],
                "± s.d.": 100 * base["accuracy_std"],
                "non-zeros": base["nonzero"],
            }
            for a in alphas:
                e = one(result, variant="random", depth=depth, hidden=w, alpha=a)
                row[f"α = {a} (%)"] = 100 * e["accuracy"]
                row[f"α = {a} ± s.d."] = 100 * e["accuracy_std"]
                row[f"α = {a} gain (%)"] = 100 * e["relative_gain"]
            rows.append(row)
    return readable(pd.DataFrame(rows).set_index(["depth", "width"]))


def _layers(depth: int) -> str:
    """``"5 layers"``, ``"1 layer"``: hidden layers, for legends."""
    return f"{depth} layer{'s' if depth != 1 else ''}"


def results_figure(result: Mapping[str, Any], depth: int, recipe: Mapping[str, Any]) -> go.Figure:
    """Two panels against the width of the hidden layers (log axes). Left: test accuracy (%) of
    the dense network with ``depth`` hidden layers (trained with ``recipe``, the tuned one), of
    FPE at each alpha, and of the dense network with one hidden layer, each as mean ± 1 s.d.
    over seeds with one open dot per seed. Right: FPE's relative gain (%) over the dense
    network of the same depth, ± 1 s.d. of the per-seed gains, at ``depth`` (solid) and at one
    hidden layer (dotted)."""
    widths, alphas = _grid(result, "hidden"), _grid(result, "alpha")
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=["test accuracy", "relative gain of FPE over dense"],
    )
    dense = [one(result, variant="dense", depth=depth, hidden=w, alpha=alphas[0]) for w in widths]
    name = f"dense, {_layers(depth)} (tuned)"
    add_variant(fig, widths, dense, name=name, colour=DENSE_COLOUR, dash="dash", row=1, col=1)
    for i, a in enumerate(alphas, start=1):
        fpe = [one(result, variant="random", depth=depth, hidden=w, alpha=a) for w in widths]
        add_variant(
            fig,
            widths,
            fpe,
            name=f"FPE α = {a}, {_layers(depth)}",
            colour=COLOURS[i],
            shift=0.04 * i,
            row=1,
            col=1,
        )
    shallow = [one(result, variant="dense", depth=1, hidden=w, alpha=alphas[0]) for w in widths]
    add_variant(
        fig,
        widths,
        shallow,
        name=f"dense, {_layers(1)}",
        colour=SHALLOW_COLOUR,
        dash="dot",
        shift=-0.04,
        row=1,
        col=1,
    )
    for d, dash in ((depth, "solid"), (1, "dot")):
        for i, a in enumerate(alphas, start=1):
            fpe = [one(result, variant="random", depth=d, hidden=w, alpha=a) for w in widths]
            add_variant(
                fig,
                widths,
                fpe,
                name=f"FPE α = {a}, {_layers(d)}",
                colour=COLOURS[i],
                dash=dash,
                field="relative_gain",
                row=1,
                col=2,
            )
    fig.add_hline(y=0, line={"color": _GREY, "width": 1}, row=1, col=2)
    fig.update_xaxes(title_text="neurons per hidden layer (dense)", **log_axis(widths))
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative gain (%)", row=1, col=2)
    fig.update_layout(
        title=(
            f"FPE at equal non-zero count, {depth} hidden layers and one<br><sup>the dense "
            f"networks are trained with the tuned recipe: {recipe_words(recipe)}</sup>"
        ),
        legend_title_text=uncertainty_note(len(dense[0]["accuracies"])),
        height=500,
        margin={"t": 110},
    )
    return readable_axis_titles(style(fig))


def deep_family(
    result: Mapping[str, Any], depth: int, widths: Sequence[int], alphas: Sequence[int]
) -> dict[tuple[int, int], Comparison]:
    """FPE (random split) − dense at ``depth``, every width and alpha: one Holm family, keyed
    by ``(width, alpha)``."""
    keys = [(w, a) for w in widths for a in alphas]
    pairs = {
        f"width {w}, α = {a}": ("random", "dense", {"depth": depth, "hidden": w, "alpha": a})
        for w, a in keys
    }
    return dict(zip(keys, compare(result, pairs).values()))


def family_table(comparisons: Mapping[tuple[int, int], Comparison]) -> Styler:
    """:func:`deep_family` for reading: mean difference (points), interval and its Holm level,
    degrees of freedom and verdict, one row per width and alpha."""
    rows = [{"width": w, "α": a, **comparison_columns(c)} for (w, a), c in comparisons.items()]
    return readable(pd.DataFrame(rows).set_index(["width", "α"]), 2)


def verdict_words(comparisons: Mapping[Any, Comparison]) -> str:
    """Whether the run reproduces the paper's gains in deeper networks: FPE better in every
    setting of the family, in none, or in some; an empty family cannot be judged."""
    n = len(comparisons)
    clear = sum(c.verdict == "better" for c in comparisons.values())
    if not n:
        return "cannot judge the paper's finding of gains in deeper networks: no setting"
    if clear == n:
        return "reproduces the paper's finding that expanding a deeper network raises its accuracy"
    if not clear:
        return (
            "does not reproduce the paper's finding of gains in deeper networks: FPE is better "
            f"in none of the {n} settings"
        )
    return (
        "only partly reproduces the paper's finding of gains in deeper networks: FPE is better "
        f"in {clear} of the {n} settings"
    )


def flat_words(comparisons: Mapping[Any, Comparison], seeds: int) -> str:
    """A warning for intervals of (almost) zero width, or that there are none."""
    flat = [c for c in comparisons.values() if c.high - c.low < 1e-6]
    if not flat:
        return "No interval is degenerate."
    these = "this interval has" if len(flat) == 1 else "these intervals have"
    have = "has" if len(flat) == 1 else "have"
    return (
        f"{len(flat)} of the {len(comparisons)} intervals {have} (almost) zero width: there the "
        f"{seeds} seeds differ by the same number of test glosses, so {these} no spread rather "
        f"than certainty, and a verdict from {seeds} seeds is fragile."
    )


def depth_words(result: Mapping[str, Any], depth: int, widths: Sequence[int]) -> str:
    """Whether the deep dense network stays below the one-layer network at every width."""
    alpha = _grid(result, "alpha")[0]

    def acc(d: int, w: int) -> float:
        return float(one(result, variant="dense", depth=d, hidden=w, alpha=alpha)["accuracy"])

    if all(acc(depth, w) < acc(1, w) for w in widths):
        return (
            "Even with the tuned recipe, depth does not help the dense networks here: at every "
            f"width the {depth}-layer dense network stays below the one-layer network of the "
            "same width"
        )
    return (
        f"With the tuned recipe the {depth}-layer dense networks are no longer below the "
        "one-layer networks at every width"
    )


def experiment_numbers(
    result: Mapping[str, Any], comparisons: Mapping[tuple[int, int], Comparison], depth: int
) -> dict[str, Any]:
    """The experiment section's numbers and sentences: dense, FPE (the largest alpha) and
    one-layer accuracy (%) at the smallest and largest width, the relative gains, the paired
    differences, the family's counts and its verdict, flat-interval and depth sentences."""
    widths, alphas = _grid(result, "hidden"), _grid(result, "alpha")
    top = alphas[-1]
    first = one(result, variant="dense", depth=depth, hidden=widths[0], alpha=alphas[0])
    seeds = len(first["accuracies"])
    out: dict[str, Any] = {"a_top": top, "small": widths[0], "large": widths[-1]}
    for w, tag in ((widths[0], "small"), (widths[-1], "large")):
        d = one(result, variant="dense", depth=depth, hidden=w, alpha=top)
        f = one(result, variant="random", depth=depth, hidden=w, alpha=top)
        s = one(result, variant="random", depth=1, hidden=w, alpha=top)
        shallow = one(result, variant="dense", depth=1, hidden=w, alpha=top)
        out |= end_numbers(d, f, tag) | {
            f"shallow_{tag}": 100 * shallow["accuracy"],
            f"shallow_gain_{tag}": 100 * s["relative_gain"],
            f"cmp_{tag}": comparisons[(w, top)].describe(),
        }
    verdicts = [c.verdict for c in comparisons.values()]
    return out | {
        "n_settings": len(comparisons),
        "n_clear": verdicts.count("better"),
        "n_worse": verdicts.count("worse"),
        "verdict": verdict_words(comparisons),
        "flat_note": flat_words(comparisons, seeds),
        "depth_note": depth_words(result, depth, widths),
    }


def stored_table(result: Mapping[str, Any], stored: Mapping[str, Any], alpha: int) -> Styler:
    """Dense and FPE (``alpha``) in this build's profile and in the stored paper profile."""
    both = side_by_side(result, stored, variants=["dense", "random"], how="outer")
    return readable(both.xs(alpha, level="alpha"))


def stored_words(stored: Mapping[str, Any], depth: int) -> str:
    """The paper-scale sentence: :func:`deep_family` over the stored settings at ``depth``."""
    fpe = select(stored, variant="random", depth=depth)
    if not fpe:
        return f"No setting with {depth} hidden layers is stored yet."
    widths = sorted({r["hidden"] for r in fpe})
    alphas = sorted({r["alpha"] for r in fpe})
    cmp_p = deep_family(stored, depth, widths, alphas)
    verdicts = [c.verdict for c in cmp_p.values()]
    return (
        f"At the paper's scale, with {depth} hidden layers (one Holm family), FPE is better in "
        f"{verdicts.count('better')} and worse in {verdicts.count('worse')} of the "
        f"{len(cmp_p)} stored combinations of width and α: the run {verdict_words(cmp_p)}."
    )
