"""The superposition chapter (``book/superposition.md``): its figures, tables, and the numbers
and sentences it glues into the prose.

The chapter keeps the code a reader learns from (making the task, training the narrow networks,
computing the attribution and the interference metrics); this module draws, formats and glues.
Accuracies are in ``[0, 1]`` unless a name says ``pct`` or a column says ``%``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import torch
from pandas.io.formats.style import Styler

from ... import metrics
from ...experiments.analysis import is_perfect
from ...experiments.boolean import chance
from ...experiments.config import BooleanConfig
from ...experiments.laboratory import Candidate
from ...tasks import BooleanTask
from ...training import History
from ..figures import style
from ..glue import put
from ..tables import readable

__all__ = [
    "laboratory_table",
    "SEED_COLOUR",
    "WORST_COLOUR",
    "glue_task",
    "glue_training",
    "accuracy_figure",
    "attribution_scale",
    "attribution_heatmap",
    "glue_attribution",
    "per_seed_frame",
    "per_seed_table",
    "glue_interference",
    "seeds_phrase",
    "perfect_sentence",
    "signed",
    "correlation_sentences",
    "reading_sentence",
    "median_sentence",
    "glue_inconvenient",
    "correlation_table",
]

#: The colour of every task seed's line, and of their mean (Okabe-Ito blue).
SEED_COLOUR = "#0072B2"
#: The colour that singles out the worst network, the one the heatmap shows (Okabe-Ito
#: vermillion).
WORST_COLOUR = "#D55E00"

#: Below the polysemanticity threshold the attribution heatmap is grey (light to mid), from the
#: threshold up it runs through Viridis: the break at the threshold is visible as a jump.
_BELOW = ("#f2f2f2", "#b0b0b0")
_VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


def glue_task(task: BooleanTask, cfg: BooleanConfig) -> None:
    """Glue the pilot task's clauses, literals per clause, clause variables, distractors, all
    inputs, training samples, the share (%) of positive labels and the chance level (%) of its
    metric (``n_clauses``, ``k``, ``clause_vars``, ``distractors``, ``n_vars``, ``n_train``,
    ``positive_rate``, ``chance``)."""
    put("n_clauses", len(task.clauses))
    put("k", cfg.k)
    put("clause_vars", cfg.clause_inputs)
    put("distractors", cfg.n_distractors)
    put("n_vars", task.n_vars)
    put("n_train", len(task.X_train))
    put("positive_rate", 100 * float(task.y_train.mean()))
    put("chance", 100 * chance(task, cfg.metric))


def laboratory_table(found: Sequence[Candidate]) -> Styler:
    """The candidate laboratories: each design's choices, its metric, the dense pilot's mean and
    lowest tuning seed (%), the share of seeds at the ceiling (%) and whether the rule admits
    it, in design order (metric within design)."""
    rows = []
    for c in found:
        rows.append(
            {
                "outputs": c.design["outputs"],
                "inputs": c.design["inputs"],
                "variables": c.design["variables"],
                "distractors": c.design["distractors"],
                "metric": c.design["metric"].replace("_", " "),
                "dense mean (%)": 100 * c.mean,
                "lowest seed (%)": 100 * min(c.per_seed),
                "seeds at ceiling (%)": 100 * c.at_ceiling,
                "eligible": "yes" if c.eligible else "",
            }
        )
    frame = pd.DataFrame(rows)
    return readable(frame, 1)


def glue_training(cfg: BooleanConfig, accuracies: torch.Tensor, near: float = 0.995) -> None:
    """Glue the training setting and the final test accuracies ``(seeds,)`` of the dense
    networks: mean, minimum and maximum (%), how many are perfect (``n_perfect``, by
    :func:`~expand_neurons.experiments.analysis.is_perfect`) and how many more reach ``near``
    without being perfect (``n_near``)."""
    put("seeds", cfg.seeds)
    put("hidden", cfg.hidden)
    put("epochs", cfg.epochs)
    put("dense_mean", 100 * float(accuracies.mean()))
    put("dense_min", 100 * float(accuracies.min()))
    put("dense_max", 100 * float(accuracies.max()))
    perfect = [is_perfect(float(a)) for a in accuracies]
    put("n_perfect", sum(perfect))
    put("n_near", sum(float(a) >= near and not p for a, p in zip(accuracies, perfect)))


def accuracy_figure(histories: Sequence[History], highlight: int) -> go.Figure:
    """Test accuracy (%) against epoch: one thin line per task seed, their mean, and the seed
    ``highlight`` (the network the heatmap shows) in its own colour."""
    fig = go.Figure()
    n = len(histories)
    for s, h in enumerate(histories):
        fig.add_trace(
            go.Scatter(
                x=h.epoch,
                y=[100 * a for a in h.test_accuracy],
                mode="lines",
                line={"color": SEED_COLOUR, "width": 1},
                opacity=0.35,
                name=f"one task seed each ({n} lines)",
                legendgroup="seeds",
                showlegend=s == 0,
                hovertemplate=f"task seed {s}: epoch %{{x}}, %{{y:.1f}} %<extra></extra>",
            )
        )
    mean = torch.tensor([h.test_accuracy for h in histories]).mean(dim=0)
    fig.add_trace(
        go.Scatter(
            x=histories[0].epoch,
            y=(100 * mean).tolist(),
            mode="lines",
            line={"color": SEED_COLOUR, "width": 4},
            name=f"mean over the {n} seeds",
        )
    )
    worst = histories[highlight]
    fig.add_trace(
        go.Scatter(
            x=worst.epoch,
            y=[100 * a for a in worst.test_accuracy],
            mode="lines",
            line={"color": WORST_COLOUR, "width": 2.5, "dash": "dash"},
            name=f"task seed {highlight} (its attribution is shown below)",
        )
    )
    fig.update_layout(
        title="Test accuracy of narrow dense networks",
        xaxis_title="epoch",
        yaxis_title="test accuracy (%)",
        height=420,
        legend={"orientation": "h", "y": -0.2, "yanchor": "top"},
    )
    return style(fig)


def attribution_scale(top: float, threshold: float) -> tuple[float, list[list[Any]]]:
    """The colour range and scale of :func:`attribution_heatmap` for shares up to ``top``.

    Returns ``(zmax, colorscale)``: ``zmax`` is ``top`` rounded up to a tenth, and at least one
    tenth above ``threshold``; below the threshold the scale runs from light to mid grey, from
    the threshold up through Viridis, so the colour jumps where a share starts to count.
    """
    zmax = max(math.ceil(10 * top - 1e-9) / 10, round(threshold + 0.1, 10))
    cut = threshold / zmax
    scale: list[list[Any]] = [[0.0, _BELOW[0]], [cut, _BELOW[1]]]
    for i, colour in enumerate(_VIRIDIS):
        scale.append([cut + (1 - cut) * i / (len(_VIRIDIS) - 1), colour])
    return zmax, scale


def attribution_heatmap(A: torch.Tensor, seed: int, threshold: float = 0.2) -> go.Figure:
    """The clause attribution ``A (clauses, neurons)`` of one network as a heatmap.

    The colour range is fitted to the data (:func:`attribution_scale`, named in the colour
    bar's title), cells at or above ``threshold`` (those that count towards a polysemantic
    neuron) are coloured and carry their share in %, cells below it are grey; the x tick of a
    polysemantic neuron says so.
    """
    m, h = A.shape
    zmax, scale = attribution_scale(float(A.max()), threshold)
    counted = threshold <= A
    text = [
        [f"{100 * float(A[c, j]):.0f}" if counted[c, j] else "" for j in range(h)] for c in range(m)
    ]
    per_neuron = counted.sum(dim=0).tolist()
    ticks = [f"n{j}" + ("<br>(poly)" if per_neuron[j] >= 2 else "") for j in range(h)]
    tickvals = [round(0.1 * i, 10) for i in range(int(round(10 * zmax)) + 1)]
    ticktext = [
        f"{100 * t:.0f} % (threshold)" if math.isclose(t, threshold) else f"{100 * t:.0f} %"
        for t in tickvals
    ]
    if not any(math.isclose(t, threshold) for t in tickvals):
        tickvals.append(threshold)
        ticktext.append(f"{100 * threshold:.0f} % (threshold)")
    heat = go.Heatmap(
        z=A.tolist(),
        x=list(range(h)),
        y=list(range(m)),
        text=text,
        texttemplate="%{text}",
        zmin=0,
        zmax=zmax,
        colorscale=scale,
        xgap=1,
        ygap=1,
        colorbar={
            "title": {
                "text": f"share of the neuron's<br>|weight| (0 to {100 * zmax:.0f} %);<br>"
                f"grey: below {100 * threshold:.0f} %",
            },
            "tickvals": tickvals,
            "ticktext": ticktext,
            "len": 0.8,
            "y": 0,
            "yanchor": "bottom",
        },
        hovertemplate="clause %{y}, neuron %{x}: %{z:.1%}<extra></extra>",
    )
    fig = go.Figure(heat)
    fig.update_xaxes(title_text="hidden neuron", tickvals=list(range(h)), ticktext=ticks)
    fig.update_yaxes(
        title_text="clause",
        tickvals=list(range(m)),
        ticktext=[f"c{c}" for c in range(m)],
        autorange="reversed",
    )
    fig.update_layout(
        title=f"Clause attribution, task seed {seed}: numbers are shares ≥ "
        f"{100 * threshold:.0f} % (in %)",
        height=460,
    )
    return style(fig)


def glue_attribution(
    A: torch.Tensor,
    seed: int,
    accuracy: float,
    polysemantic: Sequence[int],
    threshold: float = 0.2,
) -> None:
    """Glue the shown network's seed, accuracy (%), polysemantic neurons and clauses without a
    neuron giving them ``threshold`` of its weight, and the mean number of polysemantic neurons
    over all networks (``polysemantic``, one count per network)."""
    put("worst_seed", seed)
    put("worst_acc", 100 * accuracy)
    put("worst_poly", metrics.polysemantic_neurons(A, threshold))
    put("unrepresented", int((A.max(dim=1).values < threshold).sum()))
    put("mean_poly", sum(polysemantic) / len(polysemantic))


def per_seed_frame(
    accuracies: Sequence[float] | torch.Tensor,
    polysemantic: Sequence[int],
    capacities: Sequence[float],
    cosines: Sequence[float],
) -> pd.DataFrame:
    """One row per task seed (the index): ``accuracy`` (0-1), ``polysemantic`` (neurons),
    ``capacity`` (mean feature capacity) and ``cosine`` (mean ``|cos|`` between neurons)."""
    frame = pd.DataFrame(
        {
            "accuracy": [float(a) for a in accuracies],
            "polysemantic": [int(p) for p in polysemantic],
            "capacity": [float(c) for c in capacities],
            "cosine": [float(c) for c in cosines],
        }
    )
    frame.index.name = "task seed"
    return frame


def per_seed_table(per_seed: pd.DataFrame) -> Styler:
    """:func:`per_seed_frame` for reading, most accurate network first: accuracy (%) with one
    decimal, polysemantic neurons as integers, capacity and ``|cos|`` with three decimals."""
    frame = per_seed.sort_values("accuracy", ascending=False, kind="stable").reset_index()
    frame["accuracy"] *= 100
    frame.columns = [
        "task seed",
        "accuracy (%)",
        "polysemantic neurons",
        "mean feature capacity",
        "mean |cosine|",
    ]
    styler = readable(frame, {"accuracy (%)": 1}, default=3)
    return styler.hide(axis="index")


def glue_interference(per_seed: pd.DataFrame, bound: float) -> None:
    """Glue the mean feature capacity and mean ``|cos|`` over the networks (``capacity``,
    ``cosine``) and the largest possible mean capacity (``capacity_bound``: neurons / inputs)."""
    put("capacity", float(per_seed["capacity"].mean()))
    put("cosine", float(per_seed["cosine"].mean()))
    put("capacity_bound", bound)


def seeds_phrase(seeds: Sequence[int]) -> str:
    """``"task seed 3"``, ``"task seeds 3 and 7"``, ``"task seeds 1, 3 and 7"``."""
    names = [str(s) for s in seeds]
    if not names:
        raise ValueError("no seeds to name")
    if len(names) == 1:
        return f"task seed {names[0]}"
    return f"task seeds {', '.join(names[:-1])} and {names[-1]}"


def perfect_sentence(per_seed: pd.DataFrame, hidden: int) -> str:
    """The perfect networks (by :func:`~expand_neurons.experiments.analysis.is_perfect`) and the
    most polysemantic of them, all of them named when several tie. Without a perfect network,
    or without a polysemantic neuron in any of them, the sentence says so."""
    total = len(per_seed)
    perfect = per_seed[[is_perfect(a) for a in per_seed["accuracy"]]]
    if perfect.empty:
        return (
            f"none of the {total} networks is perfect on the test set, so these seeds cannot "
            "show whether a perfect network may still count as polysemantic"
        )
    count = (
        f"{len(perfect)} of the {total} networks {'is' if len(perfect) == 1 else 'are'} perfect "
        "on the test set (100.0 % at one decimal)"
    )
    most = int(perfect["polysemantic"].max())
    if most == 0:
        return f"{count}, and none of them has a polysemantic neuron"
    crowded = [int(s) for s in perfect.index[perfect["polysemantic"] == most]]
    neurons = f"{most} polysemantic neuron{'s' if most != 1 else ''} of {hidden}"
    if len(perfect) == 1:
        return f"{count}: task seed {crowded[0]}, with {neurons}"
    verb = "has" if len(crowded) == 1 else "each have"
    return f"{count}, and the most crowded of them, {seeds_phrase(crowded)}, {verb} {neurons}"


def signed(value: float) -> str:
    """A correlation with its sign and two decimals (``"+0.35"``), or ``"undefined"`` when it is
    not a number (a column that does not vary has no rank correlation)."""
    return "undefined" if math.isnan(value) else f"{value:+.2f}"


def correlation_sentences(rho_polysemantic: float, rho_cosine: float) -> tuple[str, str]:
    """What the signs of two rank correlations with accuracy say: ``(cos_story, poly_story)``.
    A correlation of exactly zero, or one that is not a number, is said to show no tendency."""

    def flat(rho: float, what: str) -> str | None:
        if math.isnan(rho):
            return f"{what} cannot be rank-correlated with accuracy, as one of them does not vary"
        if rho == 0:
            return f"{what} shows no rank correlation with accuracy in these seeds"
        return None

    cos = flat(rho_cosine, "the mean |cosine|") or (
        "so more accurate dense networks tend to have less orthogonal neurons, against the "
        'reading "lower cosine, less interference, better network"'
        if rho_cosine > 0
        else "so here more accurate dense networks do tend to have more orthogonal neurons"
    )
    poly = flat(rho_polysemantic, "the number of polysemantic neurons") or (
        "networks with more polysemantic neurons tend to be the more accurate ones"
        if rho_polysemantic > 0
        else "networks with more polysemantic neurons tend to be the less accurate ones"
    )
    return cos, poly


def reading_sentence(rho_capacity: float, rho_cosine: float) -> str:
    """What the rank correlations of accuracy with the mean feature capacity and the mean
    ``|cos|`` say about the reading "less interference, better network" (which expects a
    positive correlation with capacity and a negative one with the cosine)."""
    if math.isnan(rho_capacity) or math.isnan(rho_cosine):
        return "where a metric does not vary, it cannot say anything about accuracy"
    if rho_capacity > 0 and rho_cosine < 0:
        return (
            'here both metrics go with accuracy the way the reading "less interference, better '
            'network" expects, but one set of seeds without an interval cannot show that they '
            "always will"
        )
    return (
        "what they do say is that, among dense networks of one width, less interference by "
        "these metrics does not go with higher accuracy"
    )


def median_sentence(per_seed: pd.DataFrame) -> str:
    """The mean ``|cos|`` of the networks at or above the median accuracy against those below
    it; when no network lies below the median (all accuracies equal), says so instead."""
    top = per_seed["accuracy"] >= per_seed["accuracy"].median()
    if top.all():
        return (
            "all networks reach the same accuracy, so they cannot be split at the median; their "
            f"mean |cosine| is {per_seed['cosine'].mean():.2f}"
        )
    high, low = per_seed.loc[top, "cosine"].mean(), per_seed.loc[~top, "cosine"].mean()
    return (
        f"the networks at or above the median accuracy have a mean |cosine| of {high:.2f} against "
        f"{low:.2f} for those below it"
    )


def _rank_correlations(per_seed: pd.DataFrame) -> pd.Series:
    """Spearman correlation of accuracy with the other columns (NaN where a column is flat)."""
    ranks = per_seed.rank()
    out = {}
    for column in ("polysemantic", "capacity", "cosine"):
        a, b = ranks["accuracy"], ranks[column]
        out[column] = float("nan") if a.std() == 0 or b.std() == 0 else float(a.corr(b))
    return pd.Series(out)


def glue_inconvenient(per_seed: pd.DataFrame, hidden: int) -> None:
    """Glue what does not fit "polysemantic, crowded neurons make a network fail":
    ``perfect_story``, ``median_story``, the rank correlations of accuracy with each metric
    (``rho_polysemantic``, ``rho_capacity``, ``rho_cosine``, signed text) and the sentences
    ``cos_story``, ``poly_story`` and ``metrics_reading``."""
    rho = _rank_correlations(per_seed)
    put("perfect_story", perfect_sentence(per_seed, hidden))
    put("median_story", median_sentence(per_seed))
    for metric, value in rho.items():
        put(f"rho_{metric}", signed(value))
    cos, poly = correlation_sentences(rho["polysemantic"], rho["cosine"])
    put("cos_story", cos)
    put("poly_story", poly)
    put("metrics_reading", reading_sentence(rho["capacity"], rho["cosine"]))


def correlation_table(per_seed: pd.DataFrame) -> Styler:
    """The rank correlations of accuracy with each metric, two decimals (blank if undefined)."""
    rho = _rank_correlations(per_seed)
    frame = rho.rename(
        {
            "polysemantic": "polysemantic neurons",
            "capacity": "mean feature capacity",
            "cosine": "mean |cosine|",
        }
    ).to_frame("rank correlation with accuracy")
    return readable(frame, 2)
