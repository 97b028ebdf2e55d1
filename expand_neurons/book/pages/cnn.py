"""The CNN chapter (``book/cnn.md``): its tables, figure and generated sentences.

The functions read results of the experiment ``cnn-fashion`` (records as in
:mod:`expand_neurons.experiments.records`, accuracies on the 0-1 scale) or the chapter's demo
networks, and return a table (:func:`expand_neurons.book.tables.readable`), a plotly figure, a
sentence, or a ``{name: value}`` mapping for :func:`~expand_neurons.book.pages.real.put_all`.
Verdicts come from :func:`expand_neurons.stats.family`; nothing here trains a network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from torch import nn

from ... import count_nonzero
from ...experiments import one, select, values
from ...experiments.analysis import paired_values
from ...stats import Comparison, family
from .. import paper
from ..figures import paper_note, readable_axis_titles, style
from ..stored import side_by_side
from ..tables import comparison_columns, readable
from ..verdicts import gains, listing, predicate, trend
from .real import COLOURS, DENSE_COLOUR, add_variant, end_numbers, log_axis, uncertainty_note

__all__ = [
    "setup_numbers",
    "network_numbers",
    "layer_counts",
    "counts_table",
    "width_family",
    "width_table",
    "width_figure",
    "width_numbers",
    "finding",
    "stored_widths",
    "stored_table",
    "stored_words",
]


def setup_numbers(profile: str, cfg: Any, data: Any) -> dict[str, Any]:
    """What the prose says about the data and schedule: profile, image counts, epochs, seeds
    and the expansion factor."""
    return {
        "profile": profile,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "warm": cfg.warmup_epochs,
        "post": cfg.epochs - cfg.warmup_epochs,
        "seeds": cfg.seeds,
        "alpha": cfg.alphas[0],
    }


def network_numbers(cfg: Any, net: Any, big: Any, unpruned: nn.Module) -> dict[str, Any]:
    """The demo network's numbers: channels, the trunk's feature count, non-zeros of trunk, head
    and whole network, the expanded head's neurons, and what expansion adds before pruning.

    Args:
        net, big: a :class:`~expand_neurons.models.ConvNet` (``trunk`` and ``head``) and its
            expansion; ``unpruned``: ``expand(net, ..., prune=False)``.
    """
    return {
        "ch1": cfg.channels[0],
        "ch2": cfg.channels[1],
        "features": net.head[0].in_features,
        "h_demo": net.head[0].out_features,
        "trunk_params": count_nonzero(net.trunk),
        "head_params": count_nonzero(net.head),
        "demo_total": count_nonzero(net),
        "demo_neurons": big.head[0].out_features,
        "head_surplus": count_nonzero(unpruned) - count_nonzero(net),
    }


def layer_counts(model: nn.Module) -> dict[str, int]:
    """Non-zero parameters (weights and biases) of every convolution and linear layer of
    ``model``, by module name."""
    return {
        name: count_nonzero(m)
        for name, m in model.named_modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    }


def counts_table(net: nn.Module, big: nn.Module, alpha: int) -> Styler:
    """Non-zeros per layer of the dense network and of its expansion ``big``, and the totals."""
    frame = pd.DataFrame({"dense": layer_counts(net), f"FPE α = {alpha}": layer_counts(big)})
    frame.loc["total"] = [count_nonzero(net), count_nonzero(big)]
    return readable(frame.astype(int))


def width_family(
    result: Mapping[str, Any], widths: Sequence[int], alpha: int
) -> tuple[list[Comparison], list[Comparison]]:
    """The paper's CNN claim as one Holm family: FPE − dense (accuracy, per seed) at every
    width, and the relative gain at the smallest width minus that at each other width
    ("largest at the smallest"). Returned as those two parts, in ``widths`` order."""
    pairs = {
        f"FPE − dense, {w} neurons": paired_values(result, "random", "dense", hidden=w, alpha=alpha)
        for w in widths
    }
    g = {w: gains(result, "random", "dense", hidden=w, alpha=alpha) for w in widths}
    pairs |= {
        f"gain at {widths[0]} − gain at {w} neurons": (g[widths[0]], g[w]) for w in widths[1:]
    }
    fam = list(family(pairs).values())
    return fam[: len(widths)], fam[len(widths) :]


def width_table(
    result: Mapping[str, Any], widths: Sequence[int], alpha: int, ahead: Sequence[Comparison]
) -> Styler:
    """One row per head width: dense and FPE accuracy (%) ± s.d., the paired difference FPE −
    dense (points) with its Holm-level interval and verdict, the relative gain (%) and the
    non-zero count."""
    rows = []
    for w, c in zip(widths, ahead):
        d = one(result, variant="dense", hidden=w, alpha=alpha)
        f = one(result, variant="random", hidden=w, alpha=alpha)
        rows.append(
            {
                "head neurons": w,
                "dense (%)": 100 * d["accuracy"],
                "± s.d.": 100 * d["accuracy_std"],
                "FPE (%)": 100 * f["accuracy"],
                "FPE ± s.d.": 100 * f["accuracy_std"],
                **comparison_columns(c),
                "relative gain (%)": 100 * f["relative_gain"],
                "non-zeros": d["nonzero"],
            }
        )
    two = {k: 2 for k in ("mean difference (points)", "CI low", "CI high", "level (%)")}
    return readable(pd.DataFrame(rows).set_index("head neurons"), two)


def width_figure(result: Mapping[str, Any], widths: Sequence[int], alpha: int) -> go.Figure:
    """Test accuracy (%) of the dense CNN and of the CNN with an expanded head against the
    head's width (log axis): mean ± 1 s.d. over seeds, and every seed as an open dot in its
    line's colour."""
    fig = go.Figure()
    variants = (
        ("dense", "dense", DENSE_COLOUR, -0.05),
        (f"FPE α = {alpha}", "random", COLOURS[1], 0.05),
    )
    seeds = 0
    for name, variant, colour, shift in variants:
        records = [one(result, variant=variant, hidden=w, alpha=alpha) for w in widths]
        seeds = len(records[0]["accuracies"])
        add_variant(fig, widths, records, name=name, colour=colour, shift=shift)
    fig.update_xaxes(title_text="head neurons h (dense)", **log_axis(widths))
    fig.update_yaxes(title_text="test accuracy (%)")
    fig.update_layout(
        title="Fashion-MNIST test accuracy at equal non-zero count",
        legend_title_text=uncertainty_note(seeds),
        height=440,
    )
    return readable_axis_titles(style(paper_note(fig, paper.DIRECTIONS["widths"])))


def finding(ahead: Sequence[Comparison], smallest: Sequence[Comparison]) -> str:
    """The paper's two CNN claims, each read off its part of :func:`width_family`."""
    every = predicate(trend(ahead, "better"))
    largest = (
        predicate(trend(smallest, "better")) if smallest else "cannot be tested with a single width"
    )
    return (
        f"the paper's gain at every width {every}, and its gain being largest at the smallest "
        f"width {largest}"
    )


def width_numbers(
    result: Mapping[str, Any],
    widths: Sequence[int],
    alpha: int,
    ahead: Sequence[Comparison],
    smallest: Sequence[Comparison],
) -> dict[str, Any]:
    """The results section's numbers: dense and FPE accuracy ± s.d. (%) and relative gain (%)
    at the smallest and largest width, the family's size, listings and verdict sentence, how
    many widths FPE is distinguishably ahead at, and the largest dense s.d. (points)."""
    small, large = widths[0], widths[-1]
    out: dict[str, Any] = {"small": small, "large": large, "n_widths": len(widths)}
    for w, tag in ((small, "small"), (large, "large")):
        d = one(result, variant="dense", hidden=w, alpha=alpha)
        f = one(result, variant="random", hidden=w, alpha=alpha)
        out |= end_numbers(d, f, tag)
    dense_sd = [one(result, variant="dense", hidden=w, alpha=alpha)["accuracy_std"] for w in widths]
    return out | {
        "n_clear": sum(c.verdict == "better" for c in ahead),
        "cnn_family": len(ahead) + len(smallest),
        "cnn_df": ahead[0].df,
        "cnn_ahead": listing(ahead),
        "cnn_smallest": listing(smallest, unit=" points of relative gain") or "none",
        "verdict": finding(ahead, smallest),
        "max_std": 100 * max(dense_sd),
    }


def stored_widths(stored: Mapping[str, Any], alpha: int) -> list[int]:
    """The head widths at which the stored result holds FPE (``alpha``)."""
    return [
        w
        for w in values(stored, "hidden")
        if select(stored, variant="random", hidden=w, alpha=alpha)
    ]


def stored_table(result: Mapping[str, Any], stored: Mapping[str, Any]) -> Styler:
    """Dense and FPE in this build's profile and in the stored paper profile, side by side."""
    return readable(side_by_side(result, stored, variants=["dense", "random"], how="outer"))


def stored_words(stored: Mapping[str, Any], alpha: int) -> str:
    """The paper-scale sentence: :func:`width_family` over the stored widths, or that none is
    stored with both variants yet."""
    ws = stored_widths(stored, alpha)
    if not ws:
        return "No head width of the paper profile is stored with both dense and FPE yet."
    ahead, smallest = width_family(stored, ws, alpha)
    steps = f"; {listing(smallest, unit=' points of relative gain')}" if smallest else ""
    return (
        f"At the paper's scale ({len(ws)} stored head widths, a Holm family of "
        f"{len(ahead) + len(smallest)}) {finding(ahead, smallest)}: {listing(ahead)}{steps}."
    )
