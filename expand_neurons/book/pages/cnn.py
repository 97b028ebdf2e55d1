"""The CNN chapter (``book/cnn.md``): tables, figure and numbers from its demo networks and from
results of ``cnn-fashion`` (:mod:`expand_neurons.experiments.records`); nothing here trains."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from torch import nn

from ... import count_nonzero
from ...experiments import one
from ...experiments.health import Health, chance_of, check_baseline
from .. import paper
from ..figures import (
    add_variant,
    log_axis,
    paper_note,
    readable_axis_titles,
    style,
    uncertainty_note,
    variant_colour,
)
from ..tables import readable

__all__ = ["network_numbers", "counts_table", "width_figure", "width_table", "gates", "seed_table"]


def network_numbers(net: Any, big: Any, unpruned: nn.Module) -> dict[str, int]:
    """A ``ConvNet``'s counts, its expansion's neurons, and what expansion adds before pruning."""
    return {
        "features": net.head[0].in_features,
        "h_demo": net.head[0].out_features,
        "demo_neurons": big.head[0].out_features,
        "trunk_params": count_nonzero(net.trunk),
        "head_params": count_nonzero(net.head),
        "demo_total": count_nonzero(net),
        "head_surplus": count_nonzero(unpruned) - count_nonzero(net),
    }


def counts_table(net: nn.Module, big: nn.Module, alpha: int) -> Styler:
    """Non-zeros per convolution and linear layer of ``net`` and of its expansion ``big``."""
    kinds = (nn.Conv2d, nn.Linear)
    counts = {
        name: {n: count_nonzero(m) for n, m in model.named_modules() if isinstance(m, kinds)}
        for name, model in (("dense", net), (f"FPE α = {alpha}", big))
    }
    frame = pd.DataFrame(counts)
    frame.loc["total"] = [count_nonzero(net), count_nonzero(big)]
    return readable(frame.astype(int))


def _pair(result: Mapping[str, Any], w: int, alpha: int) -> list[dict[str, Any]]:
    return [one(result, variant=v, hidden=w, alpha=alpha) for v in ("dense", "random")]


def width_figure(result: Mapping[str, Any], widths: Sequence[int], alpha: int) -> go.Figure:
    """Test accuracy (%) of the dense CNN and of the CNN with an expanded head against the head's
    width (log axis): mean ± 1 s.d. over seeds, and every seed as an open dot."""
    fig, pairs = go.Figure(), [_pair(result, w, alpha) for w in widths]
    for i, (name, variant) in enumerate((("dense", "dense"), ("FPE", "random"))):
        colour, shift = variant_colour(variant), 0.1 * i - 0.05
        add_variant(fig, widths, [p[i] for p in pairs], name=name, colour=colour, shift=shift)
    fig.update_xaxes(title_text="head neurons h (dense)", **log_axis(widths))
    fig.update_yaxes(title_text="test accuracy (%)")
    title = f"Fashion-MNIST at equal non-zero count, FPE α = {alpha}"
    note = uncertainty_note(len(pairs[0][0]["accuracies"]))
    fig.update_layout(title=title, legend_title_text=note, height=440)
    return readable_axis_titles(style(paper_note(fig, paper.DIRECTIONS["widths"])))


def gates(result: Mapping[str, Any], widths: Sequence[int], alpha: int) -> dict[int, Health]:
    """The health gate of the dense baseline at each head width."""
    dense = [_pair(result, w, alpha)[0] for w in widths]
    return {r["hidden"]: check_baseline(r["accuracies"], chance_of(r)) for r in dense}


def width_table(result: Mapping[str, Any], widths: Sequence[int], alpha: int) -> Styler:
    """One row per head width: mean accuracy (%) of dense and FPE, FPE − dense (points), and
    whether the dense baseline passes its health gate."""
    ok, rows = gates(result, widths, alpha), {}
    for w in widths:
        d, f = _pair(result, w, alpha)
        rows[w] = {
            "dense (%)": 100 * d["accuracy"],
            "FPE (%)": 100 * f["accuracy"],
            "FPE − dense (points)": 100 * (f["accuracy"] - d["accuracy"]),
            "dense gate": "healthy" if ok[w].healthy else "unhealthy",
        }
    return readable(pd.DataFrame.from_dict(rows, orient="index").rename_axis("head neurons"))


def seed_table(result: Mapping[str, Any], widths: Sequence[int], alpha: int) -> Styler:
    """One row per head width and variant: every seed's accuracy (%) and its dead head neurons
    at the end of training (ReLU neurons silent on every input)."""
    rows: dict[tuple[int, str], dict[str, str]] = {}
    for r in (r for w in widths for r in _pair(result, w, alpha)):
        dead = [round(f * r["neurons"]) for f in r["dead_fractions"]]
        rows[(r["hidden"], "dense" if r["variant"] == "dense" else "FPE")] = {
            "accuracy per seed (%)": " · ".join(f"{100 * a:.1f}" for a in r["accuracies"]),
            "dead neurons per seed": " · ".join(map(str, dead)),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return readable(frame.rename_axis(["head neurons", "variant"]))
