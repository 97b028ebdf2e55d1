"""The embeddings chapter (``book/embeddings.md``): its tables, figures and generated sentences.

Every function reads results of the experiments ``embeddings-width``, ``embeddings-load`` and
``embeddings-match`` (records as in :mod:`expand_neurons.experiments.records`, accuracies on the
0-1 scale) and returns a table (:func:`expand_neurons.book.tables.readable`), a plotly figure, a
sentence, or a ``{name: value}`` mapping for :func:`~expand_neurons.book.pages.real.put_all`.
Verdicts come from :mod:`expand_neurons.book.verdicts`; nothing here computes a result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from ...claims.outcomes import Outcome
from ...experiments import one, select
from ...stats import Comparison, family
from .. import paper
from ..figures import PAPER_COLOUR, PAPER_MARKER, paper_note, readable_axis_titles, style
from ..stored import side_by_side
from ..tables import readable
from ..verdicts import bracket, listing, predicate, step_pairs, trend
from .real import COLOURS, DENSE_COLOUR, add_variant, end_numbers, log_axis, uncertainty_note

__all__ = [
    "setup_numbers",
    "examples",
    "width_table",
    "width_figure",
    "width_numbers",
    "width_words",
    "split_table",
    "split_numbers",
    "split_words",
    "stored_width_table",
    "stored_width_words",
    "load_rows",
    "load_figure",
    "load_family",
    "load_numbers",
    "load_table",
    "stored_load_table",
    "stored_load_words",
    "rank_correlation",
    "match_figure",
    "match_numbers",
    "match_words",
    "spread_words",
    "stored_match_words",
    "curve_table",
]

_GREY = "rgba(128, 128, 128, 0.8)"


def setup_numbers(profile: str, cfg: Any, data: Any) -> dict[str, Any]:
    """What the chapter's prose says about its data and schedule: profile, encoder, classes,
    dimension, train/test sizes, glosses per class, seeds, epochs and chance level (%)."""
    return {
        "profile": profile,
        "encoder": data.encoder,
        "n_classes": data.n_classes,
        "dim": data.dim,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "per_class": cfg.max_per_class,
        "seeds": cfg.seeds,
        "warm_epochs": cfg.warmup_epochs,
        "post_epochs": cfg.epochs - cfg.warmup_epochs,
        "chance": 100 / data.n_classes,
    }


def examples(nouns: Any, n: int = 6, seed: int = 0) -> Styler:
    """``n`` glosses drawn at random (``seed``) from a :func:`~expand_neurons.data.wordnet_nouns`
    sample: class, noun and the whole gloss."""
    frame = pd.DataFrame(
        {
            "class": [nouns.class_names[int(c)] for c in nouns.labels],
            "noun": nouns.lemmas,
            "gloss": nouns.texts,
        }
    )
    return readable(frame.sample(n, random_state=seed).reset_index(drop=True))


def _alphas(result: Mapping[str, Any]) -> list[int]:
    return sorted({r["alpha"] for r in select(result, variant="random")})


def _widths(result: Mapping[str, Any], **fixed: Any) -> list[int]:
    return sorted({r["hidden"] for r in select(result, variant="random", **fixed)})


def _entry(result: Mapping[str, Any], variant: str, hidden: int, alpha: int) -> dict[str, Any]:
    return one(result, variant=variant, hidden=hidden, alpha=alpha)


def width_table(width: Mapping[str, Any], n_classes: int) -> Styler:
    """One row per width: classes per neuron, dense accuracy (%) ± s.d., and for each alpha the
    FPE accuracy ± s.d. and its relative gain (%), and the non-zero count they share."""
    alphas = _alphas(width)
    rows = []
    for h in _widths(width):
        dense = _entry(width, "dense", h, alphas[0])
        row: dict[str, Any] = {
            "hidden": h,
            "classes per neuron": n_classes / h,
            "dense (%)": 100 * dense["accuracy"],
            "± s.d.": 100 * dense["accuracy_std"],
        }
        for a in alphas:
            e = _entry(width, "random", h, a)
            row[f"α = {a} (%)"] = 100 * e["accuracy"]
            row[f"α = {a} ± s.d."] = 100 * e["accuracy_std"]
            row[f"α = {a} gain (%)"] = 100 * e["relative_gain"]
        row["non-zeros"] = dense["nonzero"]
        rows.append(row)
    return readable(pd.DataFrame(rows).set_index("hidden"), {"classes per neuron": 2})


def width_figure(width: Mapping[str, Any]) -> go.Figure:
    """Test accuracy (%) against dense width (log axis) for dense and FPE at each alpha, at
    equal non-zero count: mean ± 1 s.d. over seeds, one open dot per seed."""
    alphas, widths = _alphas(width), _widths(width)
    fig = go.Figure()
    shifts = [0.08 * (i - len(alphas) / 2) for i in range(len(alphas) + 1)]
    dense = [_entry(width, "dense", h, alphas[0]) for h in widths]
    add_variant(fig, widths, dense, name="dense", colour=DENSE_COLOUR, dash="dash", shift=shifts[0])
    for i, a in enumerate(alphas, start=1):
        fpe = [_entry(width, "random", h, a) for h in widths]
        add_variant(fig, widths, fpe, name=f"FPE α = {a}", colour=COLOURS[i], shift=shifts[i])
    fig.update_xaxes(title_text="dense hidden neurons h", **log_axis(widths))
    fig.update_yaxes(title_text="test accuracy (%)")
    fig.update_layout(
        title="Test accuracy at equal non-zero count",
        legend_title_text=uncertainty_note(len(dense[0]["accuracies"])),
        height=440,
    )
    return style(paper_note(fig, paper.DIRECTIONS["widths"]))


def width_words(diffs: Mapping[Any, Comparison]) -> str:
    """The paper's "a gain at every width", read off the family of FPE − dense."""
    held = trend(diffs.values(), "better")
    return {
        Outcome.SUPPORTED: "The paper's claim of a gain at every width holds here: every "
        "interval lies above zero.",
        Outcome.CONTRADICTED: "The paper's claim of a gain at every width does not hold here: at "
        "some width FPE is worse than dense.",
        Outcome.INCONCLUSIVE: "The paper's claim of a gain at every width is not established "
        "here: at the widths whose interval contains zero these seeds cannot tell FPE from "
        "dense.",
    }[held]


def width_numbers(
    width: Mapping[str, Any], diffs: Mapping[int, Comparison], alpha: int = 4
) -> dict[str, Any]:
    """The width section's numbers: dense and FPE (``alpha``) accuracy ± s.d. (%) and relative
    gain (%) at the smallest and largest width, the best alpha at the smallest width, how many
    widths FPE is ahead at (on average, and distinguishably), and the family's listing and
    verdict sentence (``diffs``: FPE − dense at each width, from ``at_each``)."""
    widths = _widths(width)
    small, large = widths[0], widths[-1]
    out: dict[str, Any] = {"small": small, "large": large, "n_widths": len(widths)}
    for h, tag in ((small, "small"), (large, "large")):
        dense, fpe = _entry(width, "dense", h, alpha), _entry(width, "random", h, alpha)
        out |= end_numbers(dense, fpe, tag)
    best = max(_alphas(width), key=lambda a: _entry(width, "random", small, a)["accuracy"])
    best_entry = _entry(width, "random", small, best)
    return out | {
        "best_alpha": best,
        "best_fpe": 100 * best_entry["accuracy"],
        "best_gain": 100 * best_entry["relative_gain"],
        "n_ahead": sum(c.mean > 0 for c in diffs.values()),
        "n_clear": sum(c.verdict == "better" for c in diffs.values()),
        "width_family": len(diffs),
        "width_diffs": listing(diffs.values()),
        "width_verdict": width_words(diffs),
    }


_SPLIT_VARIANTS = ("dense", "random", "feature")


def split_table(width: Mapping[str, Any], hidden: int, alpha: int) -> Styler:
    """Dense, random split and feature-based split at one width and alpha: accuracy (%) ± s.d.,
    relative gain over dense (%) and non-zero count, one row per variant."""
    rows = []
    for v in _SPLIT_VARIANTS:
        e = _entry(width, v, hidden, alpha)
        rows.append(
            {
                "variant": v,
                "accuracy (%)": 100 * e["accuracy"],
                "± s.d.": 100 * e["accuracy_std"],
                "relative gain (%)": 100 * e["relative_gain"] if v != "dense" else None,
                "non-zeros": e["nonzero"],
            }
        )
    return readable(pd.DataFrame(rows).set_index("variant"), 2)


def split_words(fr: Comparison) -> str:
    """Feature-based against random: the paper says "about the same"."""
    if fr.verdict == "not distinguishable":
        return (
            "not distinguishable, consistent with the paper's finding that the two are about "
            "equal; the interval, not a test of equality, bounds how large a difference these "
            "seeds still allow"
        )
    return (
        f"so here the feature-based split is {fr.verdict} than a random one, unlike the "
        "paper's finding that the two are about equal"
    )


def split_numbers(
    width: Mapping[str, Any], fr: Comparison, hidden: int, alpha: int
) -> dict[str, Any]:
    """The split section's numbers: accuracy ± s.d. (%) of each variant, the paired difference
    feature − random (``fr``) and its sentence."""
    out: dict[str, Any] = {"f_hidden": hidden, "f_alpha": alpha}
    for v in _SPLIT_VARIANTS:
        e = _entry(width, v, hidden, alpha)
        out |= {f"split_{v}": 100 * e["accuracy"], f"split_{v}_std": 100 * e["accuracy_std"]}
    return out | {"fr_diff": fr.describe(), "split_verdict": split_words(fr)}


def stored_width_table(width: Mapping[str, Any], stored: Mapping[str, Any], alpha: int) -> Styler:
    """Dense and FPE (``alpha``) at every width in this build's profile and in the stored
    paper profile, side by side."""
    both = side_by_side(width, stored, variants=["dense", "random"])
    return readable(both.xs(alpha, level="alpha"))


def stored_width_words(diffs: Mapping[int, Comparison], fr: Comparison | None, hidden: int) -> str:
    """The paper-scale sentence: the family of FPE − dense over the stored widths (``diffs``)
    and, where stored, feature − random at ``hidden`` neurons (``fr``)."""
    if not diffs:
        return "No width of the paper profile is stored with both dense and FPE yet."
    text = (
        f"At the paper's scale, over the {len(diffs)} stored widths (a Holm family of "
        f"{len(diffs)}, FPE − dense with α = 4): {listing(diffs.values())}. "
        f"{width_words(diffs)}"
    )
    if fr is not None:
        text += (
            f" Feature-based minus random split at {hidden} neurons: {fr.describe()}, "
            f"{split_words(fr)}."
        )
    return text


def load_rows(load: Mapping[str, Any]) -> pd.DataFrame:
    """One row per FPE record of ``embeddings-load``: classes, hidden, classes per neuron,
    dense and FPE accuracy (%), FPE's s.d., relative gain (%) with the s.d. of the per-seed
    relative gains, and the absolute gain of the means (points)."""
    rows = []
    for e in select(load, variant="random"):
        setting = {"n_classes": e["n_classes"], "hidden": e["hidden"], "alpha": e["alpha"]}
        dense = one(load, variant="dense", **setting)
        rows.append(
            {
                "classes": e["classes"],
                "hidden": e["hidden"],
                "classes per neuron": e["load"],
                "dense (%)": 100 * dense["accuracy"],
                "FPE (%)": 100 * e["accuracy"],
                "± s.d.": 100 * e["accuracy_std"],
                "relative gain (%)": 100 * e["relative_gain"],
                "gain ± s.d.": 100 * e["relative_gain_std"],
                "absolute gain (points)": 100 * (e["accuracy"] - dense["accuracy"]),
            }
        )
    return pd.DataFrame(rows).sort_values(["hidden", "classes"]).reset_index(drop=True)


def _powers_of_two(values: Sequence[float]) -> list[float]:
    """Powers of two from just below ``min(values)`` to just above ``max(values)``."""
    lo, hi = math.floor(math.log2(min(values))), math.ceil(math.log2(max(values)))
    return [2.0**k for k in range(lo, hi + 1)]


def load_figure(rows: pd.DataFrame, alpha: int, seeds: int) -> go.Figure:
    """Relative gain (%) of FPE (``alpha``) against classes per dense neuron (log axis), one
    line per width, from :func:`load_rows`; error bars ±1 s.d. of the per-seed gains over
    ``seeds`` seeds."""
    fig = go.Figure()
    for i, (h, part) in enumerate(rows.groupby("hidden"), start=1):
        part = part.sort_values("classes per neuron")
        colour = COLOURS[i % len(COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=part["classes per neuron"],
                y=part["relative gain (%)"],
                error_y={"type": "data", "array": list(part["gain ± s.d."])},
                mode="lines+markers",
                name=f"h = {h}",
                line={"color": colour},
                marker={"color": colour},
                text=[f"{c} classes" for c in part["classes"]],
                hovertemplate="%{text}, %{x:.2f} per neuron: %{y:+.1f} %<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": _GREY, "width": 1})
    fig.update_xaxes(
        title_text="classes per dense neuron",
        **log_axis(_powers_of_two(rows["classes per neuron"])),
    )
    fig.update_yaxes(title_text="relative gain of FPE over dense (%)")
    fig.update_layout(
        title=f"Relative gain of FPE (α = {alpha}) by load",
        legend_title_text=f"error bars: ±1 s.d. of the per-seed gain over {seeds} seeds",
        height=440,
    )
    return style(paper_note(fig, paper.DIRECTIONS["load"]))


def load_family(load: Mapping[str, Any], alpha: int) -> dict[str, Comparison]:
    """ "The gain grows with the load" as one Holm family: at each width, the per-seed relative
    gain at each number of classes minus that at the next smaller number."""
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    for h in _widths(load, alpha=alpha):
        pairs |= step_pairs(load, "n_classes", "random", "dense", hidden=h, alpha=alpha)
    return family(pairs)


def rank_correlation(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation of ``x`` and ``y``; ``None`` when it is undefined (fewer than
    two points, or one of them constant)."""
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x values for {len(y)} y values")
    frame = pd.DataFrame({"x": list(x), "y": list(y)})
    if len(frame) < 2 or frame["x"].nunique() < 2 or frame["y"].nunique() < 2:
        return None
    return float(frame.rank().corr().iloc[0, 1])


def _rho_words(rho: float | None) -> str:
    return "undefined (one of the two does not vary)" if rho is None else f"{rho:.2f}"


def _mean_gain_words(which: str, count: int, mean: float) -> str:
    if not count:
        return f"no setting has {which}"
    settings = "setting" if count == 1 else "settings"
    return f"across the {count} {settings} with {which} it is {mean:+.1f} %"


def load_numbers(rows: pd.DataFrame, steps: Mapping[str, Comparison], cfg: Any) -> dict[str, Any]:
    """The load section's numbers and sentences: the grid of ``cfg`` (widths, numbers of
    classes), the mean relative gain at low (at most 2) and high (at least 4) load, the rank
    correlation of load and gain, and the step family (``steps``, from :func:`load_family`)
    with its trend."""
    low = rows[rows["classes per neuron"] <= 2]["relative gain (%)"]
    high = rows[rows["classes per neuron"] >= 4]["relative gain (%)"]
    rho = rank_correlation(list(rows["classes per neuron"]), list(rows["relative gain (%)"]))
    low_words = _mean_gain_words("at most 2 classes per neuron", len(low), low.mean())
    high_words = _mean_gain_words("at least 4", len(high), high.mean())
    return {
        "load_widths": ", ".join(map(str, cfg.grid["hidden"])),
        "load_classes": ", ".join(map(str, cfg.grid["n_classes"])),
        "load_means": f"The mean relative gain: {low_words}; {high_words}.",
        "rho": _rho_words(rho),
        "load_family": len(steps),
        "load_steps": listing(steps.values(), unit=" points of relative gain"),
        "load_trend": predicate(trend(steps.values(), "better")),
    }


def load_table(rows: pd.DataFrame) -> Styler:
    """:func:`load_rows` indexed by width and classes, for reading."""
    return readable(rows.set_index(["hidden", "classes"]), {"classes per neuron": 2})


def stored_load_table(stored: Mapping[str, Any]) -> Styler:
    """Relative gain (%) of FPE at the paper's scale, one row per width, one column per number
    of classes."""
    fpe = pd.DataFrame(select(stored, variant="random"))
    pivot = 100 * fpe.pivot_table(index="hidden", columns="n_classes", values="relative_gain")
    pivot.columns.name = "classes"
    return readable(pivot)


def stored_load_words(stored: Mapping[str, Any], alpha: int, rho: str) -> str:
    """The paper-scale sentence of the load section (``rho``: this build's correlation, as
    :func:`load_numbers` words it)."""
    fpe = select(stored, variant="random")
    rho_p = rank_correlation([r["load"] for r in fpe], [r["relative_gain"] for r in fpe])
    steps = load_family(stored, alpha)
    return (
        f"Over the {len(fpe)} stored settings the rank correlation between classes per neuron "
        f"and relative gain is {_rho_words(rho_p)} (this build: {rho}). Step by step (a Holm "
        f"family of {len(steps)}) the paper's trend {predicate(trend(steps.values(), 'better'))}"
        + (f": {listing(steps.values(), unit=' points of relative gain')}." if steps else ".")
    )


# ------------------------------------------------------------------ which dense model?


def _ratio_words(lo: float | None, hi: float | None) -> str:
    """The matched size the intervals allow, in words (ratios to FPE's parameters; at least one
    bound given)."""
    if hi is None:
        return f"more than {lo:.2f} times the parameters, with no upper bound"
    if lo is None:
        return f"less than {hi:.2f} times the parameters, with no lower bound"
    return f"more than {lo:.2f} and less than {hi:.2f} times the parameters"


def match_words(ladder: Mapping[int, Comparison], fpe_nonzero: int, ratio: float) -> str:
    """Which dense sizes FPE is better and worse than (``ladder``, from
    :func:`~expand_neurons.book.verdicts.against_dense`, a Holm family), and where the paper's
    ``ratio`` falls against the matched size they allow. Ratios are compared as they are
    printed (two decimals), so a ratio equal to a bound on the page is never called beyond it."""
    lo, hi = bracket(ladder, fpe_nonzero)
    lo = round(lo, 2) if lo is not None else None
    hi = round(hi, 2) if hi is not None else None
    r = round(ratio, 2)
    head = (
        f"Seed by seed against each of the {len(ladder)} dense sizes (a Holm family of "
        f"{len(ladder)}, FPE − dense in accuracy points): {listing(ladder.values())}."
    )
    if lo is None and hi is None:
        return (
            f"{head} FPE is distinguishable from none of them, so the intervals bound the "
            f"matched size from neither side, and these seeds neither confirm nor contradict "
            f"the paper's {ratio:g}×."
        )
    if lo is not None and hi is not None and lo >= hi:
        return (
            f"{head} These verdicts disagree with each other (FPE is better than a dense model "
            f"with {lo:.2f} times its parameters and worse than one with {hi:.2f} times), so "
            "they do not place the matched size."
        )
    if lo is not None and r <= lo:
        where = f"so FPE is worth more than the paper's {ratio:g}×"
    elif hi is not None and r >= hi:
        where = f"so FPE is worth less than the paper's {ratio:g}×: that does not reproduce"
    else:
        where = f"and the paper's {ratio:g}× lies within what they allow"
    return f"{head} So the intervals put the matched size at {_ratio_words(lo, hi)}, {where}."


def spread_words(ratio: float, low: float, high: float) -> str:
    """One sentence: the matched sizes over FPE's seed spread (``low`` to ``high``, a
    description, not an interval) and where the paper's ``ratio`` lies against them. Compared at
    the two decimals printed: a ratio at an edge is inside; a zero-width range is one value."""
    if low > high:
        raise ValueError(f"the range must run upwards, got {low} to {high}")
    lo, hi, r = round(low, 2), round(high, 2), round(ratio, 2)
    head = "Over FPE's seed spread (its mean ± 1 s.d.) the ratio"
    paper_ratio = f"the paper's {ratio:g}"
    if lo == hi:
        where = "equal to" if r == lo else ("below" if r > lo else "above")
        return f"{head} is {lo:.2f} at both ends, {where} {paper_ratio}."
    text = f"{head} ranges from {lo:.2f} to {hi:.2f}"
    if r in (lo, hi):
        return f"{text}, with {paper_ratio} at its {'lower' if r == lo else 'upper'} end."
    if lo < r < hi:
        return f"{text}, a range that includes {paper_ratio}."
    side, gap = ("above", r - hi) if r > hi else ("below", lo - r)
    return f"{text}, a range that does not include {paper_ratio}, which lies {gap:.2f} {side} it."


_BOUNDS = {
    "interpolated": "",
    "below": " (FPE is no better than the same-size dense model, so the ratio is at most 1)",
    "above": " (FPE's mean is above every dense model tried, so this is a lower bound)",
}


def match_numbers(
    m: Mapping[str, Any], ladder: Mapping[int, Comparison], dim: int, n_classes: int
) -> dict[str, Any]:
    """The match section's numbers (``m``: the ``match`` of ``embeddings-match``; ``dim`` inputs,
    ``n_classes`` classes), the sentence on the ``ladder`` of comparisons with each dense size
    (:func:`match_words`), the paper's setting they are compared with, and ``m_paper_width``:
    the width of a dense ``dim -> h -> n_classes`` classifier with the paper's ratio times the
    parameters of one with ``m["hidden"]`` neurons (weights and biases)."""
    ratio = paper.CLIP_MATCH["param_ratio"]
    per_neuron = dim + n_classes + 1  # a hidden neuron's weights in, bias, weights out
    target = ratio * (m["hidden"] * per_neuron + n_classes)
    return {
        "m_paper_width": (target - n_classes) / per_neuron,
        "m_matched_nonzero": m["matched_nonzero"],
        "m_hidden": m["hidden"],
        "m_alpha": m["alpha"],
        "m_load": n_classes / m["hidden"],
        "m_fpe": 100 * m["fpe_accuracy"],
        "m_fpe_std": 100 * m["fpe_accuracy_std"],
        "m_nonzero": m["fpe_nonzero"],
        "m_ratio": m["param_ratio"],
        "m_width": m["matched_hidden"],
        "m_bound": _BOUNDS[m["bound"]],
        "m_spread": spread_words(ratio, m["param_ratio_low"], m["param_ratio_high"]),
        "match_ladder": match_words(ladder, m["fpe_nonzero"], ratio),
        "paper_ratio": f"{ratio:g}",
        "paper_hidden": paper.CLIP_MATCH["hidden"],
        "paper_alpha": paper.CLIP_MATCH["alpha"],
        "paper_load": paper.CLIP_MATCH["classes"] / paper.CLIP_MATCH["hidden"],
    }


def stored_match_words(mp: Mapping[str, Any], ladder: Mapping[int, Comparison]) -> str:
    """The paper-scale paragraph of the match section (``mp``: the stored ``match``)."""
    ratio = paper.CLIP_MATCH["param_ratio"]
    how = {
        "interpolated": "interpolated",
        "below": "at most: FPE is no better than the same-size dense model",
        "above": "at least: FPE's mean is above every dense model tried",
    }[mp["bound"]]
    return (
        f"At the paper's scale FPE with {mp['hidden']} neurons and α = {mp['alpha']} reaches "
        f"{100 * mp['fpe_accuracy']:.1f} % and is worth a dense model with about "
        f"{mp['param_ratio']:.2f} times the parameters ({how}). "
        f"{spread_words(ratio, mp['param_ratio_low'], mp['param_ratio_high'])} "
        + match_words(ladder, mp["fpe_nonzero"], ratio)
    )


def curve_table(m: Mapping[str, Any]) -> Styler:
    """The dense curve of the match: width, non-zeros, their ratio to FPE's, accuracy ± s.d."""
    rows = [
        {
            "hidden": e["hidden"],
            "non-zeros": e["nonzero"],
            "× FPE's parameters": e["nonzero"] / m["fpe_nonzero"],
            "accuracy (%)": 100 * e["accuracy"],
            "± s.d.": 100 * e["accuracy_std"],
        }
        for e in m["dense_curve"]
    ]
    return readable(pd.DataFrame(rows).set_index("hidden"), {"× FPE's parameters": 2})


def _zoom(m: Mapping[str, Any], ratio: float) -> tuple[list[float], list[float]]:
    """The ranges of :func:`match_figure`'s zoomed panel: x (ratio) from just left of FPE to
    just right of the matched range and the paper's ratio; y covering FPE's band and every
    dense point in that x range with its error bar."""
    r, low, high = m["param_ratio"], m["param_ratio_low"], m["param_ratio_high"]
    x0, x1 = min(1.0, low) - 0.03, max(r, high, ratio) + 0.08
    fpe, sd = 100 * m["fpe_accuracy"], 100 * m["fpe_accuracy_std"]
    ys = [fpe - sd, fpe + sd]
    for e in m["dense_curve"]:
        if x0 <= e["nonzero"] / m["fpe_nonzero"] <= x1:
            ys += [
                100 * (e["accuracy"] - e["accuracy_std"]),
                100 * (e["accuracy"] + e["accuracy_std"]),
            ]
    pad = 0.08 * (max(ys) - min(ys)) + 0.1
    return [x0, x1], [min(ys) - pad, max(ys) + pad]


def _label_positions(xs: Sequence[float], x0: float, x1: float) -> list[str]:
    """Where each dense point's width label goes in a panel spanning ``x0..x1``: to the right,
    or to the left in the panel's last fifth (so it is not cut off); a label whose neighbour
    on the left is closer than a sixth of the panel goes above instead of below."""
    span = x1 - x0
    out, previous = [], None
    for x in xs:
        side = "left" if x > x1 - span / 5 else "right"
        close = previous is not None and x - previous < span / 6 and out[-1].startswith("bottom")
        out.append(f"{'top' if close else 'bottom'} {side}")
        previous = x
    return out


def match_figure(m: Mapping[str, Any], ratio: float, seeds: int) -> go.Figure:
    """FPE against the dense curve, on a common axis of parameters relative to FPE's (×), in
    two panels: every dense width (left) and a zoom on where the dense curve reaches FPE
    (right, its region outlined on the left). Each panel shows

    * the dense curve (mean ± 1 s.d. over seeds, each point labelled with its width h);
    * FPE at 1× (a star) and its accuracy drawn across the panel (dotted line, band ±1 s.d.);
    * the matched size (dashed vertical line, labelled with its ratio; the cross's horizontal
      bar spans the ratios over FPE's ±1 s.d.), or the bound where the curve misses FPE;
    * the paper's ratio (a grey dotted vertical line, a reference, and the paper's white
      diamond).
    """
    n, curve = m["fpe_nonzero"], m["dense_curve"]
    xs = [e["nonzero"] / n for e in curve]
    fpe, fpe_sd = 100 * m["fpe_accuracy"], 100 * m["fpe_accuracy_std"]
    (zx0, zx1), (zy0, zy1) = _zoom(m, ratio)
    x_max = max(max(xs), ratio, m["param_ratio_high"]) * 1.05
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=["every dense width", "zoom: where dense reaches FPE"],
    )
    for col, (x0, x1) in ((1, (0.9, x_max)), (2, (zx0, zx1))):
        first = col == 1
        fig.add_hrect(
            y0=fpe - fpe_sd,
            y1=fpe + fpe_sd,
            fillcolor=COLOURS[1],
            opacity=0.12,
            line_width=0,
            exclude_empty_subplots=False,
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[fpe, fpe],
                mode="lines",
                line={"color": COLOURS[1], "dash": "dot", "width": 2},
                name="FPE's accuracy (band: ±1 s.d.)",
                legendgroup="fpe-line",
                showlegend=first,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[100 * e["accuracy"] for e in curve],
                error_y={"type": "data", "array": [100 * e["accuracy_std"] for e in curve]},
                mode="lines+markers+text",
                text=[f"h = {e['hidden']}" for e in curve],
                textposition=_label_positions(xs, x0, x1),
                textfont={"color": DENSE_COLOUR},
                line={"color": DENSE_COLOUR},
                marker={"color": DENSE_COLOUR, "size": 8},
                name="dense, by width h",
                legendgroup="dense",
                showlegend=first,
                cliponaxis=True,
                hovertemplate="%{text}: %{x:.2f}× FPE's parameters, %{y:.1f} %<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=[1.0],
                y=[fpe],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": COLOURS[1], "line": {"width": 1}},
                name=f"FPE, h = {m['hidden']}, α = {m['alpha']} (at 1×)",
                legendgroup="fpe",
                showlegend=first,
                hovertemplate="FPE: 1× its parameters, %{y:.1f} %<extra></extra>",
            ),
            row=1,
            col=col,
        )
        _matched_marks(fig, m, fpe, COLOURS[2], col)
        fig.add_vline(
            x=ratio,
            line={"color": _GREY, "dash": "dot", "width": 1},
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=[ratio],
                y=[fpe],
                mode="markers",
                marker=PAPER_MARKER,
                name=f"paper: FPE worth {ratio:g}× (CLIP-CIFAR-100)",
                legendgroup="paper",
                showlegend=first,
                hovertemplate=f"paper: {ratio:g}×<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(
            title_text="dense non-zero parameters ÷ FPE's (×)", range=[x0, x1], row=1, col=col
        )
        fig.update_yaxes(title_text="test accuracy (%)", row=1, col=col)
    fig.update_yaxes(range=[zy0, zy1], row=1, col=2)
    fig.add_annotation(
        x=ratio,
        y=0.97,
        xref="x2",
        yref="y2 domain",
        text=f"paper: {ratio:g}×",
        showarrow=False,
        xanchor="left",
        xshift=4,
        font={"color": PAPER_COLOUR, "size": 12},
        bgcolor="rgba(255, 255, 255, 0.6)",
    )
    fig.add_shape(
        type="rect",
        x0=zx0,
        x1=zx1,
        y0=zy0,
        y1=zy1,
        line={"color": _GREY, "dash": "dash"},
        row=1,
        col=1,
    )
    fig.update_layout(
        title=f"Which dense model is FPE worth? ({uncertainty_note(seeds, False, ' ')})",
        height=500,
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"t": 90, "b": 120},
    )
    return readable_axis_titles(style(fig))


def _matched_marks(fig: go.Figure, m: Mapping[str, Any], fpe: float, colour: str, col: int) -> None:
    """The matched size in panel ``col`` of :func:`match_figure`: a vertical line at the ratio,
    a cross whose bar spans the seed spread's ratios, and (in the zoom) the label; where the
    dense curve misses FPE, the label gives the bound."""
    r, low, high = m["param_ratio"], m["param_ratio_low"], m["param_ratio_high"]
    label = {
        "interpolated": f"dense reaches FPE at {r:.2f}×",
        "below": "FPE no better than the same-size dense model: at most 1×",
        "above": f"FPE above every dense model tried: more than {r:.2f}×",
    }[m["bound"]]
    fig.add_vline(x=r, line={"color": colour, "dash": "dash", "width": 2}, row=1, col=col)
    fig.add_trace(
        go.Scatter(
            x=[r],
            y=[fpe],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [high - r],
                "arrayminus": [r - low],
            },
            mode="markers",
            marker={"symbol": "x", "size": 11, "color": colour},
            name="matched size (bar: over FPE's ±1 s.d.)",
            legendgroup="matched",
            showlegend=col == 1,
            hovertemplate=f"{label}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    if col == 2:
        fig.add_annotation(
            x=r,
            y=0.03,
            xref="x2",
            yref="y2 domain",
            text=label,
            showarrow=False,
            xanchor="left",
            xshift=4,
            font={"color": colour, "size": 12},
            bgcolor="rgba(255, 255, 255, 0.6)",
        )
