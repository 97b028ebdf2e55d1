"""The deeper-networks chapter (``book/deep.md``): tables, figure and numbers from its demo
networks, the dense tuning sweep (:func:`expand_neurons.experiments.tuning.tune_dense`) and
results of ``deep-mlp`` (:mod:`expand_neurons.experiments.records`); nothing here trains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots
from torch import nn

from ... import count_nonzero, fpe_modules
from ...experiments import one, values
from ..figures import (
    REFERENCE_COLOUR,
    WIDTH_COLOURS,
    add_variant,
    log_axis,
    readable_axis_titles,
    style,
    uncertainty_note,
    variant_colour,
)
from ..tables import readable

__all__ = ["per_layer", "demo_numbers", "tuning_table", "accuracy_table", "differences"]
__all__ += ["difference_table", "results_figure"]

#: Dense's colour, and FPE's, one per alpha (smallest first): the random split's blue second.
DENSE = variant_colour("dense")
FPE_COLOURS = (WIDTH_COLOURS[5], variant_colour("random"), WIDTH_COLOURS[2], WIDTH_COLOURS[3])


def per_layer(dense: nn.Module, unpruned: nn.Module, pruned: nn.Module) -> pd.DataFrame:
    """Non-zero weights per layer (biases in a row of their own) of a dense MLP, of its
    expansion before pruning and after, the weights pruning removed, and the totals."""
    depth = len(fpe_modules(dense)) - 1
    names = ["input → 1"] + [f"{i} → {i + 1}" for i in range(1, depth)] + [f"{depth} → output"]
    stages = {"dense": dense, "split and copied": unpruned, "pruned": pruned}
    frame = pd.DataFrame(
        {s: [count_nonzero(m, biases=False) for m in fpe_modules(x)] for s, x in stages.items()},
        index=names,
    )
    frame.loc["biases"] = [
        count_nonzero(m) - count_nonzero(m, biases=False) for m in stages.values()
    ]
    frame["removed by pruning"] = frame["split and copied"] - frame["pruned"]
    frame.loc["total"] = frame.sum()
    return frame.astype(int)


def demo_numbers(frame: pd.DataFrame) -> dict[str, float]:
    """From :func:`per_layer`: what splitting and copying adds, and the weights pruning takes
    from the first layer, the hidden-to-hidden layers and the output layer (first layer's %)."""
    removed, depth = frame["removed by pruning"], len(frame) - 3  # then "biases", "total"
    total = int(removed["total"])
    return {
        "demo_total": int(frame.loc["total", "dense"]),
        "demo_extra": int(frame.loc["total", "split and copied"] - frame.loc["total", "dense"]),
        "demo_first": int(removed.iloc[0]),
        "demo_middle": int(removed.iloc[1:depth].sum()),
        "demo_last": int(removed.iloc[depth]),
        "demo_first_share": 100 * int(removed.iloc[0]) / total if total else 0.0,
        "demo_removed": total,
    }


def tuning_table(tuned: Any) -> Styler:
    """The tuning sweep, one row per candidate: initialisation, learning rate, mean held-out
    accuracy (%) and its s.d. over the tuning seeds."""
    rows = {
        (r["init"], f"{r['lr']:g}"): (100 * r["validation"], 100 * r["validation_std"])
        for r in tuned.table
    }
    index = pd.MultiIndex.from_tuples(list(rows), names=["init", "lr"])
    return readable(pd.DataFrame(list(rows.values()), index, ["held-out (%)", "± s.d."]))


def _rec(result: Mapping[str, Any], variant: str, depth: int, w: int, a: int) -> dict[str, Any]:
    return one(result, variant=variant, depth=depth, hidden=w, alpha=a)


def accuracy_table(result: Mapping[str, Any], depth: int) -> Styler:
    """Mean test accuracy (%) per width: the dense network with one hidden layer and with
    ``depth``, and FPE at ``depth`` for every alpha."""
    widths, alphas = sorted(values(result, "hidden")), sorted(values(result, "alpha"))
    columns = {"dense, 1 layer": ("dense", 1, alphas[0]), "dense": ("dense", depth, alphas[0])}
    columns |= {f"FPE α = {a}": ("random", depth, a) for a in alphas}
    frame = pd.DataFrame(
        {
            k: [100 * _rec(result, v, d, w, a)["accuracy"] for w in widths]
            for k, (v, d, a) in columns.items()
        },
        index=pd.Index(widths, name="neurons per layer"),
    )
    return readable(frame)


def differences(result: Mapping[str, Any], depth: int, alpha: int) -> dict[int, list[float]]:
    """Per width: FPE (``alpha``) − dense at ``depth``, seed by seed, in accuracy points."""
    out = {}
    for w in sorted(values(result, "hidden")):
        f, d = (_rec(result, v, depth, w, alpha)["accuracies"] for v in ("random", "dense"))
        out[w] = [100 * (x - y) for x, y in zip(f, d)]
    return out


def difference_table(result: Mapping[str, Any], depth: int) -> Styler:
    """Per width and alpha: FPE − dense at ``depth`` (mean over seeds, points) and how many
    seeds have FPE ahead."""
    columns: dict[tuple[str, str], dict[int, Any]] = {}
    for a in sorted(values(result, "alpha")):
        diffs = differences(result, depth, a)
        columns[(f"α = {a}", "FPE − dense (points)")] = {
            w: sum(d) / len(d) for w, d in diffs.items()
        }
        columns[(f"α = {a}", "seeds ahead")] = {
            w: f"{sum(x > 0 for x in d)} of {len(d)}" for w, d in diffs.items()
        }
    return readable(pd.DataFrame(columns).rename_axis("neurons per layer"))


def results_figure(result: Mapping[str, Any], depth: int) -> go.Figure:
    """Left: test accuracy (%) against the width of the hidden layers (log axis) of the dense
    network with one hidden layer (dotted) and with ``depth`` (solid), and of FPE at ``depth``
    for every alpha, mean ± 1 s.d. with one dot per seed. Right: FPE's relative gain (%) over
    dense of the same depth, at ``depth`` (solid) and at one hidden layer (dotted)."""
    widths, alphas = sorted(values(result, "hidden")), sorted(values(result, "alpha"))
    titles = ["test accuracy", "relative gain of FPE over dense"]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=titles)
    for d, dash in ((1, "dot"), (depth, "solid")):
        layers = f"{d} layer{'s' if d > 1 else ''}"
        line: dict[str, Any] = {"dash": dash, "row": 1}
        dense = [_rec(result, "dense", d, w, alphas[0]) for w in widths]
        add_variant(fig, widths, dense, name=f"dense, {layers}", colour=DENSE, col=1, **line)
        for a, colour in zip(alphas, FPE_COLOURS):
            fpe = [_rec(result, "random", d, w, a) for w in widths]
            kw: dict[str, Any] = {"name": f"FPE α = {a}, {layers}", "colour": colour, **line}
            if d == depth:
                add_variant(fig, widths, fpe, shift=0.02 * a, col=1, **kw)
            add_variant(fig, widths, fpe, field="relative_gain", col=2, **kw)
    fig.add_hline(y=0, line={"color": REFERENCE_COLOUR, "width": 1}, row=1, col=2)
    fig.update_xaxes(title_text="neurons per hidden layer (dense)", **log_axis(widths))
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative gain (%)", row=1, col=2)
    seeds = len(_rec(result, "dense", depth, widths[0], alphas[0])["accuracies"])
    fig.update_layout(
        title=f"FPE at equal non-zero count, {depth} hidden layers and one",
        legend_title_text=uncertainty_note(seeds),
        height=500,
        margin={"t": 90},
    )
    return readable_axis_titles(style(fig))
