"""Checkers of the polysemantic-load chapter's exercises: R² of a fit, a benefit measure that a
perfect baseline does not cap, the α sweep with one output, and reading a sweep's gains."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ...experiments.analysis import PERFECT_ACCURACY
from ...experiments.records import select
from ...metrics import fit_line
from ...training import History
from .configs import changed_config, first_record, run
from .core import exercise, fail, none_means

__all__ = [
    "check_r_squared",
    "check_epochs_to_perfect",
    "check_dnf_alpha_run",
    "check_clause_gains",
]


def _r2_cases() -> list[tuple[list[float], list[float]]]:
    g = torch.Generator().manual_seed(0)
    x = torch.linspace(1.0, 3.0, 9)
    noisy = (0.2 * x - 0.1 + 0.05 * torch.randn(9, generator=g)).tolist()
    falling = (2.0 - 0.5 * x + 0.3 * torch.randn(9, generator=g)).tolist()
    return [([1, 2, 3, 4], [3, 5, 7, 9]), ([0, 1, 2], [0, 2, 1]), (x.tolist(), noisy),
            (x.tolist(), falling)]  # fmt: skip


@exercise(hint="fit y = a*x + b by least squares, then R² = 1 - SS_res / SS_tot.")
def check_r_squared(fn: Callable[[list[float], list[float]], float]) -> str:
    """Check ``fn(x, y)``: R² of the least-squares line of ``y`` on ``x``."""
    for x, y in _r2_cases():
        got, fit = float(fn(x, y)), fit_line(x, y)
        want = fit.r2
        if math.isclose(got, want, abs_tol=1e-6):
            continue
        slope = (1 if fit.slope > 0 else -1) * math.sqrt(want)
        if math.isclose(got, 1 - want, abs_tol=1e-6):
            hint = "R² is 1 - SS_res / SS_tot, not SS_res / SS_tot"
        elif math.isclose(got, slope, abs_tol=1e-6):
            hint = "that is the correlation r; R² is its square"
        else:
            hint = (
                "fit the line by least squares first, then compare its residuals with the "
                "spread of y around its mean"
            )
        fail(
            f"for x={[round(v, 4) for v in x]}, y={[round(v, 4) for v in y]}: expected "
            f"R² = {want:.6f}, got {got:.6f}; {hint}"
        )
    return "Correct: your R² matches the library's fit_line."


def _first_perfect(history: History) -> float:
    return next(
        (e for e, a in zip(history.epoch, history.test_accuracy) if a >= PERFECT_ACCURACY),
        math.inf,
    )


@exercise(
    hint=(
        "walk along history.epoch and history.test_accuracy together (zip) and return the "
        "first epoch whose accuracy is at least 0.9995; math.inf if there is none."
    )
)
def check_epochs_to_perfect(fn: Callable[[History], float]) -> str:
    """Check ``fn(history)``: the first evaluated epoch at which the test accuracy counts as
    perfect (at least :data:`PERFECT_ACCURACY`), ``math.inf`` if it never does."""
    cases = [
        History(epoch=[5, 10, 15, 20, 25], test_accuracy=[0.7, 0.95, 0.99971, 1.0, 1.0]),
        History(epoch=[50, 100, 150], test_accuracy=[1.0, 1.0, 1.0]),
        History(epoch=[10, 20, 30, 40], test_accuracy=[0.6, 1.0, 0.99, 1.0]),
    ]
    for history in cases:
        got, want = fn(history), _first_perfect(history)
        if got == want:
            continue
        index = history.epoch.index(int(want))
        last = max(e for e, a in zip(history.epoch, history.test_accuracy) if a >= 0.9995)
        if got == index or got == index + 1:
            hint = "return the epoch (history.epoch[i]), not the position in the list"
        elif got == next(e for e, a in zip(history.epoch, history.test_accuracy) if a == 1.0):
            hint = (
                "an accuracy of 99.97 % prints as 100.0 % and counts as perfect in this book: "
                "compare with >= 0.9995, not == 1"
            )
        elif got == last or got == history.epoch[-1]:
            hint = "the *first* epoch that reaches it, even if it drops again later"
        else:
            hint = "the first epoch whose test accuracy is at least 0.9995"
        fail(
            f"for epochs {history.epoch} and accuracies {history.test_accuracy}: expected "
            f"{want}, got {got!r}; {hint}"
        )
    never = History(epoch=[10, 20], test_accuracy=[0.5, 0.9])
    with none_means("a run that never becomes perfect must give math.inf, not None"):
        got = fn(never)
    if got != math.inf:
        fail(
            f"for accuracies {never.test_accuracy}, which never reach 99.95 %: expected "
            f"math.inf, got {got!r}"
        )
    return (
        "Correct. Unlike the accuracy gain, this keeps measuring where dense and FPE are both "
        "perfect: which of them gets there first?"
    )


def _peaks(rows: Sequence[dict[str, Any]]) -> str:
    """The α (several on a tie) at which the rows' mean relative gain is largest."""
    top = max(r["relative_gain"] for r in rows)
    return " and ".join(f"α = {r['alpha']}" for r in rows if r["relative_gain"] == top)


@exercise(
    hint=(
        "return cfg.replace(label_mode='dnf'): one output, the OR of the clauses, and nothing "
        "else changed."
    )
)
def check_dnf_alpha_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-alpha`` config with one output, the OR of the clauses
    (``label_mode="dnf"``), nothing else changed (planted inputs are refused with the reason);
    with ``train``, run it and report, per α, the dense accuracy, the random and
    clause-aligned splits' relative gains and the share of the non-zero budget the pruning
    removes (the copies of the outgoing weights and the split biases, ``(α - 1) (outputs + 1) h``
    with one output)."""
    from ...experiments import get

    got = fn(get("boolean-alpha").config(profile or "quick"))
    if (getattr(got, "label_mode", None), getattr(got, "distribution", None)) == ("dnf", "planted"):
        fail(
            "with planted inputs every clause is made true in a sample with probability p_plant, "
            "so the OR of the clauses is true in nearly every sample and answering 'true' is "
            "almost perfect: there is no gain left to measure. Use distribution='uniform'"
        )
    overrides = changed_config(lambda cfg: got, "boolean-alpha", profile, {"label_mode": "dnf"})
    if not train:
        return (
            "Correct: that config runs the α sweep with one output, the OR of the clauses, on "
            "the laboratory's fair-coin inputs (train=True runs it)."
        )
    result = run("boolean-alpha", profile, overrides)
    hidden = result["config"]["hidden"]
    dense = first_record(result, "dense")
    split = {
        v: sorted((r for r in result["records"] if r["variant"] == v), key=lambda r: r["alpha"])
        for v in ("random", "clause")
    }
    per_alpha = "; ".join(
        f"α = {r['alpha']}: random {100 * r['relative_gain']:+.1f} %, clause-aligned "
        f"{100 * c['relative_gain']:+.1f} %, pruned "
        f"{100 * (r['alpha'] - 1) * 2 * hidden / dense['nonzero']:.0f} % of the budget"
        for r, c in zip(split["random"], split["clause"])
    )
    return (
        f"Correct: you ran the α sweep with one output. The dense network reaches "
        f"{100 * dense['accuracy']:.1f} % ({dense['nonzero']} non-zeros). Relative gains: "
        f"{per_alpha}. The random split's mean gain peaks at {_peaks(split['random'])}, the "
        f"clause-aligned split's at {_peaks(split['clause'])}. Compare with the pruned shares of "
        "the chapter's α table (one output per clause): if the copies were what stopped a larger "
        "α from paying, the random split should now keep gaining; if it still turns early, "
        "something else limits it."
    )


def _sweep() -> dict[str, Any]:
    """A small made-up ``boolean-clauses`` result: three settings, three variants."""
    records = []
    for n, dense, random, clause in [
        (16, 0.9, 0.93, 0.97),
        (4, 1.0, 1.0, 1.0),
        (8, 0.95, 0.96, 1.0),
    ]:
        for variant, acc in (("dense", dense), ("random", random), ("clause", clause)):
            records.append(
                {
                    "n_clauses": n,
                    "variant": variant,
                    "accuracy": acc,
                    "relative_gain": (acc - dense) / dense,
                }  # fmt: skip
            )
    return {"records": records, "setting_keys": ["n_clauses"]}


@exercise(
    hint=(
        "for each record r of select(result, variant='random'), map r['n_clauses'] to "
        "100 * r['relative_gain']."
    )
)
def check_clause_gains(
    fn: Callable[[dict[str, Any]], dict[int, float]], stored: dict[str, Any] | None = None
) -> str:
    """Check ``fn(result) -> {n_clauses: gain (%)}``: the random split's mean relative gain over
    dense, in percent, at every number of clauses of a ``boolean-clauses`` result; with a
    ``stored`` result, report its gains."""
    result = _sweep()
    got = fn(result)
    if not isinstance(got, dict):
        fail(f"return a dict {{n_clauses: gain in %}}, got {type(got).__name__}")
    per = {v: {r["n_clauses"]: r for r in result["records"] if r["variant"] == v}
           for v in ("dense", "random", "clause")}  # fmt: skip
    want = {n: 100 * r["relative_gain"] for n, r in per["random"].items()}
    if sorted(got) != sorted(want):
        fail(f"the keys must be the numbers of clauses, {sorted(want)}; got {sorted(got)}")
    if all(math.isclose(got[n], want[n], abs_tol=1e-6) for n in want):
        if stored is None:
            return "Correct. Apply it to the result you load with read_json."
        gains = ", ".join(
            f"{r['n_clauses']}: {100 * r['relative_gain']:+.1f} %"
            for r in sorted(select(stored, variant="random"), key=lambda r: r["n_clauses"])
        )
        return (
            f"Correct. The stored paper-profile sweep gives, per number of clauses: {gains}. "
            "Apply your function to the result you load with read_json and compare."
        )
    mistakes = {
        "in percent: multiply the relative gain by 100": {n: w / 100 for n, w in want.items()},
        "that is the clause-aligned split: select variant='random'": {
            n: 100 * r["relative_gain"] for n, r in per["clause"].items()
        },
        "that is the dense baseline (no gain over itself): select variant='random'": {
            n: 0.0 for n in want
        },
        "that is the accuracy: the gain is the record's 'relative_gain'": {
            n: 100 * r["accuracy"] for n, r in per["random"].items()
        },
    }
    hint = next(
        (why for why, v in mistakes.items() if all(math.isclose(got[n], v[n]) for n in want)),
        "the random split's 'relative_gain' of each setting, times 100",
    )
    fail(f"on a small made-up sweep expected {want}, got {got}; {hint}")
