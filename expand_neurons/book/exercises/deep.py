"""Checkers of the deep-networks chapter's exercises: what pruning removes when every hidden
layer is expanded, or only the first, and the shallow recipe on a deep network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .configs import changed_config, first_record, percents, run
from .core import exercise, fail

__all__ = ["check_deep_prune_count", "check_first_layer_only", "check_deep_recipe_run"]

_DEEP_CASES = [(384, 8, 26, 5, 2), (10, 3, 4, 1, 3), (32, 4, 3, 3, 4)]


@exercise(
    hint=(
        "every layer after the first has its inputs copied alpha times; only the first layer "
        "keeps its count."
    )
)
def check_deep_prune_count(fn: Callable[[int, int, int, int, int], int]) -> str:
    """Check ``fn(d, h, c, depth, alpha)``: weights (biases left out) pruned after expanding
    every hidden layer of a ``d -> h -> ... -> h -> c`` MLP with ``depth`` hidden layers."""
    for d, h, c, depth, alpha in _DEEP_CASES:
        got = int(fn(d, h, c, depth, alpha))
        want = (alpha - 1) * ((depth - 1) * h * h + c * h)
        if got == want:
            continue
        if got == (alpha - 1) * c * h:
            hint = (
                "the hidden-to-hidden layers grow too: their columns are copied to the "
                "previous layer's children, and splitting their rows keeps that count"
            )
        elif got == (alpha**2 - 1) * (depth - 1) * h * h + (alpha - 1) * c * h:
            hint = (
                "a hidden-to-hidden layer's rows are split, not copied: it grows alpha times, "
                "not alpha**2 times"
            )
        elif got == (alpha - 1) * (depth * h * h + c * h):
            hint = "there are depth - 1 hidden-to-hidden layers, not depth (off by one)"
        else:
            hint = (
                "only the first layer keeps its count; each later layer's weights are copied "
                "alpha times along its inputs"
            )
        fail(
            f"for d={d}, h={h}, c={c}, depth={depth}, alpha={alpha}: expected {want}, "
            f"got {got}; {hint}"
        )
    return "Correct: every layer after the first is copied alpha times, then pruned back."


@exercise(
    hint=(
        "only the first hidden layer widens to alpha*h; only the layer right after it (h x h, "
        "or c x h when depth is 1) has its inputs copied."
    )
)
def check_first_layer_only(fn: Callable[[int, int, int, int, int], tuple[int, int]]) -> str:
    """Check ``fn(d, h, c, depth, alpha) -> (hidden neurons, weights to prune)`` after
    expanding only the first hidden layer (``layers=[0]``) of a ``d -> h -> ... -> h -> c``
    MLP with ``depth`` hidden layers (biases left out of the count)."""
    for d, h, c, depth, alpha in _DEEP_CASES:
        out = fn(d, h, c, depth, alpha)
        if not isinstance(out, tuple | list) or len(out) != 2:
            fail(f"return two numbers, (hidden neurons, weights to prune), got {out!r}")
        neurons, pruned = (int(v) for v in out)
        want_neurons = alpha * h + (depth - 1) * h
        next_out = h if depth > 1 else c
        want_pruned = (alpha - 1) * h * next_out
        where = f"d={d}, h={h}, c={c}, depth={depth}, alpha={alpha}"
        if neurons != want_neurons:
            hint = (
                "only the first hidden layer widens: the others keep h neurons"
                if neurons == alpha * h * depth
                else "the first layer has alpha*h neurons, each later hidden layer h"
            )
            fail(f"hidden neurons for {where}: expected {want_neurons}, got {neurons}; {hint}")
        if pruned != want_pruned:
            if pruned == (alpha - 1) * ((depth - 1) * h * h + c * h):
                hint = "only the layer right after the expanded one receives copies"
            elif pruned == (alpha - 1) * c * h:
                hint = (
                    "the layer after the first hidden layer is the second hidden layer (h x h) "
                    "unless depth is 1"
                )
            else:
                hint = "the next layer's h * (its outputs) weights are copied alpha times"
            fail(f"weights to prune for {where}: expected {want_pruned}, got {pruned}; {hint}")
    return "Correct: one layer wider, one layer of copies to prune."


@exercise(
    hint=(
        "return cfg.replace(...) with the shallow recipe, init='default' and lr=1e-3, and the "
        "grid cut to grid={'depth': [5], 'hidden': [8]} to keep the run short."
    )
)
def check_deep_recipe_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``deep-mlp`` config with the shallow recipe (default
    initialisation, Adam at 1e-3) at depth 5 and width 8; with ``train``, run it and report
    the dense and FPE accuracies and FPE's relative gain."""
    want = {"init": "default", "lr": 1e-3, "grid": {"depth": [5], "hidden": [8]}}
    overrides = changed_config(fn, "deep-mlp", profile, want)
    if not train:
        return "Correct: that config trains the 5-layer network with the shallow recipe."
    result = run("deep-mlp", profile, overrides)
    dense = first_record(result, "dense")
    fpe = sorted(
        (r for r in result["records"] if r["variant"] == "random"), key=lambda r: r["alpha"]
    )
    gains = "; ".join(
        f"α = {r['alpha']}: {100 * r['accuracy']:.1f} %, {100 * r['relative_gain']:+.1f} %"
        for r in fpe
    )
    return (
        f"Correct: you ran the 5-layer network of width 8 with the shallow recipe. Dense: "
        f"{100 * dense['accuracy']:.1f} % (seeds: {percents(dense['accuracies'])}); FPE "
        f"(accuracy, relative gain) {gains}. Compare with width 8 at depth 5 in the chapter's "
        "table, trained with the tuned recipe: how much of this gain is a repair of a sick "
        "baseline?"
    )
