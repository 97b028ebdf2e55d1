"""The deeper-networks chapter (``book/deep.md``): tables, figure and numbers from its demo
networks, the dense tuning sweep (:func:`expand_neurons.experiments.tuning.tune_dense`) and
results of ``deep-mlp`` (:mod:`expand_neurons.experiments.records`); nothing here trains."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from torch import nn

from ... import count_nonzero, fpe_modules
from ...experiments import one, values
from ...experiments.records import records_of
from ..explore import Panel, Point, explorable, profiles, record_points
from ..figures import (
    WIDTH_COLOURS,
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


def tuning_table(table: Sequence[Mapping[str, Any]]) -> Styler:
    """The tuning sweep's ``table`` (:class:`~expand_neurons.experiments.tuning.Tuned`), one
    row per candidate: initialisation, learning rate, mean held-out accuracy (%) and its s.d.
    over the tuning seeds."""
    rows = {
        (r["init"], f"{r['lr']:g}"): (100 * r["validation"], 100 * r["validation_std"])
        for r in table
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


def _layers(depth: int) -> str:
    return f"{depth} hidden layer{'s' if depth > 1 else ''}"


def _results_points(result: Mapping[str, Any], label: str, depth: int) -> list[Point]:
    """Per view (``depth`` hidden layers, then one): dense and FPE at every alpha of that
    depth; the ``depth`` view also shows the one-layer dense network for reference."""
    out, first = [], min(values(result, "alpha"))
    for r in sorted(records_of(result), key=lambda r: r["depth"] != depth):  # depth's view first
        d, w, variant = r["depth"], r["hidden"], r["variant"]
        if variant == "dense" and r["alpha"] != first:
            continue  # one dense network per width and depth, shared by every alpha
        name = "dense" if variant == "dense" else f"FPE α = {r['alpha']}"
        shown = [(_layers(d), name)]
        if variant == "dense" and d == 1 and depth != 1:
            shown.append((_layers(depth), f"dense, {_layers(1)}"))
        for view, series in shown:
            about = f"{series}, {_layers(d)} of {w}"
            out += record_points(
                result, r, profile=label, x=w, series=series, view=view, about=about, dots=True
            )
    return out


def results_figure(
    result: Mapping[str, Any], depth: int, live: Mapping[str, Any] | None = None
) -> go.Figure:
    """Top: test accuracy (%) against the width of the hidden layers (log axis) of the dense
    network and of FPE at every alpha, mean ± 1 s.d. with one dot per seed; bottom: FPE's
    relative gain (%) over the dense network of the same depth; each seed's paired difference
    FPE − dense in the hovers. Buttons pick ``depth`` hidden layers (with the one-layer dense
    network dotted for reference) or one; with ``live``, a switch between the stored profile
    and this build's (:func:`~expand_neurons.book.explore.explorable`)."""
    pairs = profiles(result, live)
    points = [p for pr, res in pairs for p in _results_points(res, pr.label, depth)]
    alphas = sorted({int(p.series.split()[-1]) for p in points if p.series.startswith("FPE")})
    colours = {f"FPE α = {a}": c for a, c in zip(alphas, FPE_COLOURS)}
    colours |= {"dense": DENSE, f"dense, {_layers(1)}": DENSE}
    x_title = "neurons per hidden layer (dense)"
    panels = [
        Panel(x_title, "test accuracy (%)", log_x=True),
        Panel(x_title, "relative gain (%)", log_x=True, zero=True, signed=True),
    ]
    return explorable(
        points,
        panels,
        [pr for pr, _ in pairs],
        title="FPE at equal non-zero count, by depth",
        colours=colours,
        dashes={f"dense, {_layers(1)}": "dot"},
    )
