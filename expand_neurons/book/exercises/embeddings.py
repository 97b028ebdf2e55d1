"""Checkers of the embeddings chapter's exercises: a dense model's parameter count, the matched
dense size, α = 16, and the error reduction as a measure of the gain."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...models import mlp_parameters
from .configs import changed_config, first_record, percents, run
from .core import exercise, fail

__all__ = [
    "check_dense_nonzero",
    "check_matched_size",
    "check_embeddings_alpha_run",
    "check_error_reduction",
]


@exercise(hint="two linear layers, each with a weight matrix and a bias vector.")
def check_dense_nonzero(fn: Callable[[int, int, int], int]) -> str:
    """Check ``fn(d, h, c)``: parameters (weights and biases) of a dense ``d -> h -> c`` MLP."""
    for d, h, c in [(384, 8, 26), (10, 1, 2), (512, 32, 100)]:
        got, want = int(fn(d, h, c)), mlp_parameters(d, h, c)
        if got == want:
            continue
        if got == d * h + h * c:
            hint = "count the biases too: h for the hidden layer and c for the output layer"
        elif got in (d * h + h * c + h, d * h + h * c + c):
            hint = "both layers have biases: h for the hidden layer and c for the output layer"
        else:
            hint = "two layers: d*h weights + h biases, then h*c weights + c biases"
        fail(f"for d={d}, h={h}, c={c}: expected {want}, got {got}; {hint}")
    return "Correct."


def _crossings(sizes: Sequence[float], accs: Sequence[float], target: float) -> list[float]:
    """Every size at which the curve rises through ``target``, linearly interpolated between
    the two measured sizes that bracket it (the first size if it starts at or above it)."""
    out = [float(sizes[0])] if accs[0] >= target else []
    for (s0, a0), (s1, a1) in zip(zip(sizes, accs), zip(sizes[1:], accs[1:])):
        if a0 < target <= a1:
            out.append(s0 + (target - a0) / (a1 - a0) * (s1 - s0))
    return out


@exercise(
    hint=(
        "walk up the sizes to the first accuracy >= target and interpolate linearly with the "
        "size before it."
    )
)
def check_matched_size(fn: Callable[[list[float], list[float], float], float]) -> str:
    """Check ``fn(sizes, accuracies, target)``: the size at which the dense curve first reaches
    ``target``, interpolated linearly between the two measured sizes that bracket it."""
    cases = [
        ([100, 150, 200], [0.50, 0.60, 0.70], 0.65),
        ([100, 150, 200], [0.50, 0.60, 0.70], 0.60),
        ([100, 150, 200, 250], [0.50, 0.62, 0.60, 0.70], 0.61),
        ([10, 20, 40], [0.2, 0.3, 0.5], 0.45),
        ([10, 20, 40], [0.2, 0.3, 0.5], 0.1),
    ]
    for sizes, accs, target in cases:
        crossings = _crossings(sizes, accs, target)
        got, want = float(fn(list(sizes), list(accs), target)), (crossings or [math.inf])[0]
        if math.isclose(got, want, rel_tol=1e-6):
            continue
        nearest = min(sizes, key=lambda s: abs(accs[sizes.index(s)] - target))
        if math.isclose(got, nearest):
            hint = (
                "do not snap to the nearest measured size: interpolate between the two that "
                "bracket the target"
            )
        elif crossings and math.isclose(got, crossings[-1]):
            hint = "take the *first* crossing: a later one credits FPE with a larger dense model"
        else:
            hint = (
                "walk up in size to the first accuracy >= target, then interpolate linearly with "
                "the size before it (a target below the first accuracy gives the first size)"
            )
        fail(
            f"sizes={sizes}, accuracies={accs}, target={target}: expected {want:.4g}, "
            f"got {got:.4g}; {hint}"
        )
    return "Correct: first crossing, linearly interpolated."


@exercise(
    hint=(
        "return cfg.replace(...) with three fields changed: alphas=[16], grid={'hidden': [2]} "
        "and extra=[] (no feature-based split, to keep the run short)."
    )
)
def check_embeddings_alpha_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``embeddings-width`` config at 2 hidden neurons with 16 children
    each and no feature split; with ``train``, run it and report dense and FPE accuracy."""
    want = {"alphas": [16], "grid": {"hidden": [2]}, "extra": []}
    overrides = changed_config(fn, "embeddings-width", profile, want)
    if not train:
        return "Correct: that config trains dense and FPE α = 16 at 2 neurons (train=True runs it)."
    result = run("embeddings-width", profile, overrides)
    dense, fpe = (first_record(result, v) for v in ("dense", "random"))
    return (
        f"Correct: you ran dense and FPE α = 16 at 2 hidden neurons. Dense: "
        f"{100 * dense['accuracy']:.1f} % (seeds: {percents(dense['accuracies'])}); FPE α = 16: "
        f"{100 * fpe['accuracy']:.1f} % (seeds: {percents(fpe['accuracies'])}), a relative gain "
        f"of {100 * fpe['relative_gain']:+.1f} %. Compare with α = 8 at h = 2 in the width table: "
        "does the gain keep rising with α, or has each child too few inputs left?"
    )


def _rows() -> pd.DataFrame:
    """A few made-up rows shaped like the chapter's ``load_rows`` (accuracies in %)."""
    return pd.DataFrame(
        {
            "classes per neuron": [1.0, 3.25, 6.5, 13.0],
            "dense (%)": [98.0, 80.0, 50.0, 30.0],
            "FPE (%)": [99.0, 85.0, 60.0, 33.0],
            "relative gain (%)": [100 * (99 / 98 - 1), 6.25, 20.0, 10.0],
        }
    )


@exercise(
    hint=(
        "the columns are in percent: e = 100 - accuracy; return "
        "100 * (e_dense - e_FPE) / e_dense, one value per row."
    )
)
def check_error_reduction(
    fn: Callable[[pd.DataFrame], Any], rows: pd.DataFrame | None = None
) -> str:
    """Check ``fn(rows) -> (n,)``: the relative error reduction of FPE over dense, in percent,
    for every row of a table with the columns ``"dense (%)"`` and ``"FPE (%)"`` (accuracies in
    percent); with the chapter's ``rows``, report how it and the relative gain follow the load."""
    case = _rows()
    got = np.asarray(fn(case.copy()), dtype=float).reshape(-1)
    if got.shape != (len(case),):
        fail(f"return one value per row ({len(case)}), got shape {got.shape}")
    dense, fpe = case["dense (%)"].to_numpy(), case["FPE (%)"].to_numpy()
    want = 100 * (fpe - dense) / (100 - dense)
    if np.allclose(got, want, rtol=1e-6):
        if rows is None:
            return "Correct."
        ours = pd.Series(
            100 * (rows["FPE (%)"] - rows["dense (%)"]) / (100 - rows["dense (%)"]),
            index=rows.index,
        ).replace([np.inf, -np.inf], np.nan)
        load = rows["classes per neuron"]
        rho_error = ours.corr(load, method="spearman")
        rho_gain = rows["relative gain (%)"].corr(load, method="spearman")
        return (
            f"Correct. Over the chapter's {int(ours.notna().sum())} rows with an error to reduce, "
            f"the rank correlation with the classes per neuron is {rho_error:.2f} for the error "
            f"reduction and {rho_gain:.2f} for the relative gain."
        )
    mistakes = {
        "the columns are in percent: the error is 100 - accuracy, not 1 - accuracy": 100
        * (fpe - dense)
        / (1 - dense),
        "in percent: multiply the fraction by 100": want / 100,
        "a reduction is the dense error minus FPE's: the sign is flipped": -want,
        "that is the relative accuracy gain, (acc_FPE - acc_dense) / acc_dense": 100
        * (fpe - dense)
        / dense,
        "divide by the dense error, the one FPE reduces": 100 * (fpe - dense) / (100 - fpe),
    }
    hint = next(
        (why for why, v in mistakes.items() if np.allclose(got, v, rtol=1e-6)),
        "e = 100 - accuracy for dense and FPE; 100 * (e_dense - e_FPE) / e_dense",
    )
    fail(
        f"for dense {dense.tolist()} % and FPE {fpe.tolist()} % expected "
        f"{np.round(want, 3).tolist()}, got {np.round(got, 3).tolist()}; {hint}"
    )
