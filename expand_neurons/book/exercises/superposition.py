"""Checkers of the superposition chapter's exercises: the two interference metrics and a wider
dense network."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ...metrics import feature_capacity, mean_cosine_similarity
from .configs import changed_config, run
from .core import exercise, fail

__all__ = ["check_feature_capacity", "check_cosine_similarity", "check_dense_width_run"]


def _capacity_mistakes(W: torch.Tensor) -> dict[str, torch.Tensor]:
    """What plausible wrong formulas give on ``W (h, d)``, each with what to fix."""
    gram = W.T @ W  # (d, d)
    diag = gram.diagonal()
    return {
        "use the columns w_i = W[:, i] (W.T @ W), not the rows (W @ W.T)": feature_capacity(W.T),
        "square the dot products in the denominator too": diag**2 / gram.abs().sum(dim=1),
        "square the numerator: (w_i . w_i)^2, not w_i . w_i": diag / (gram**2).sum(dim=1),
    }


@exercise(
    hint=(
        "with columns w_i = W[:, i], capacity_i = (w_i . w_i)^2 / sum_j (w_i . w_j)^2; W.T @ W "
        "holds every dot product."
    )
)
def check_feature_capacity(fn: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """Check a learner's ``feature_capacity(W (h, d)) -> (d,)``."""
    g = torch.Generator().manual_seed(0)
    cases = [
        torch.eye(3),
        torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        torch.randn(4, 7, generator=g),
        torch.randn(5, 5, generator=g),
    ]
    for W in cases:
        got = torch.as_tensor(fn(W), dtype=torch.float32).flatten()
        want = feature_capacity(W)
        if got.shape != want.shape:
            rows = (
                " (you computed one per row: the features are the columns)"
                if got.numel() == W.shape[0]
                else ""
            )
            fail(
                f"return one capacity per input feature (column): shape {tuple(want.shape)}, "
                f"got {tuple(got.shape)}{rows}"
            )
        if torch.allclose(got, want, atol=1e-4):
            continue
        if not torch.isfinite(got).all() or (got > 1 + 1e-4).any():
            hint = "a capacity is at most 1: the sum over j of (w_i . w_j)^2 includes j = i itself"
        else:
            hint = next(
                (
                    why
                    for why, wrong in _capacity_mistakes(W).items()
                    if wrong.shape == got.shape and torch.allclose(got, wrong, atol=1e-4)
                ),
                "divide (w_i . w_i)^2 by the sum over j of (w_i . w_j)^2, with w_i = W[:, i]",
            )
        fail(
            f"for W = {[[round(v, 3) for v in row] for row in W.tolist()]} expected "
            f"{[round(v, 4) for v in want.tolist()]}, got {[round(v, 4) for v in got.tolist()]}; "
            f"{hint}"
        )
    return "Correct: your capacities match the library's."


def _cosine_mistakes(W: torch.Tensor) -> dict[str, float]:
    """What plausible wrong formulas give on ``W (h, d)``, each with what to fix."""
    h = W.shape[0]
    unit = W / W.norm(dim=1, keepdim=True)  # (h, d)
    cos = unit @ unit.T  # (h, h)
    off = ~torch.eye(h, dtype=torch.bool)
    dots = (W @ W.T).abs()
    return {
        "leave out each row's similarity with itself (the diagonal)": float(cos.abs().mean()),
        "use |cos|: a cosine of -1 is as much overlap as +1": float(cos[off].mean()),
        "normalise the rows first: a dot product is not a cosine": float(dots[off].mean()),
        "divide by the h(h-1) distinct ordered pairs, not by h*h": float(
            cos.abs()[off].sum() / h**2
        ),
    }


@exercise(
    hint=("normalise the rows of W, take |W_n @ W_n.T|, and average the entries off the diagonal.")
)
def check_cosine_similarity(fn: Callable[[torch.Tensor], float]) -> str:
    """Check a learner's ``mean |cosine|`` over distinct pairs of rows of ``W``."""
    g = torch.Generator().manual_seed(0)
    cases = [
        torch.eye(3),
        torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]]),
        3 * torch.randn(5, 4, generator=g),
    ]
    for W in cases:
        got, want = float(fn(W)), mean_cosine_similarity(W)
        if math.isclose(got, want, abs_tol=1e-4):
            continue
        hint = next(
            (why for why, v in _cosine_mistakes(W).items() if math.isclose(got, v, abs_tol=1e-4)),
            "normalise each row, take |cos| between every two distinct rows and average",
        )
        fail(
            f"for W = {[[round(v, 3) for v in row] for row in W.tolist()]} expected "
            f"{want:.4f}, got {got:.4f}; {hint}"
        )
    return "Correct: your mean |cos| matches the library's."


@exercise(
    hint=(
        "return cfg.replace(hidden=16, variants=('dense',)): twice the neurons, and only the "
        "dense network trained, as in this chapter."
    )
)
def check_dense_width_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-pilot`` config with 16 hidden neurons and only the dense
    variant, nothing else changed; with ``train``, run it (through the book's store) and report
    accuracy, interference metrics and non-zero parameters against the 8-neuron network."""
    from ...experiments.analysis import is_perfect

    overrides = changed_config(fn, "boolean-pilot", profile, {"hidden": 16, "variants": ("dense",)})
    if not train:
        return (
            "Correct: that config trains the pilot's dense networks with 16 neurons "
            "(train=True runs it)."
        )
    result = run("boolean-pilot", profile, overrides)
    (dense,) = result["records"]
    cfg = result["config"]
    d, c = cfg["n_clauses"] * cfg["k"] + cfg["extra_vars"], cfg["n_clauses"]
    narrow = d * 8 + 8 + 8 * c + c
    perfect = sum(is_perfect(a) for a in dense["accuracies"])
    return (
        f"Correct: you trained {len(dense['accuracies'])} dense networks of 16 neurons. Mean "
        f"accuracy {100 * dense['accuracy']:.1f} % (lowest {100 * min(dense['accuracies']):.1f} "
        f"%), {perfect} of them perfect; mean feature capacity {dense['capacity']:.2f} (at most "
        f"16 / {d} = {16 / d:.2f}), mean |cos| {dense['cosine']:.2f}. Each has "
        f"{dense['nonzero']} non-zero parameters against {narrow} with 8 neurons. Compare with "
        "the chapter's per-seed table: the wider network solves more tasks, and pays for it "
        "in parameters."
    )
