"""Checkers for the book's exercises: each tells the learner what is wrong, or says well done.

Every checker takes the learner's function, runs it on small cases against the library's
reference, and returns a message:

- a stub (the function raises ``NotImplementedError`` or returns ``None``, as the learner's cell
  does before any work) gives ``"Not attempted yet."`` and a hint, so the book builds with the
  stubs in place;
- a wrong answer raises :class:`ExerciseError` (an ``AssertionError``) with a diagnosis, so a
  failing cell shows what to fix;
- a right answer gives a message starting with ``"Correct"``.

The reference solutions live in :mod:`expand_neurons.book.solutions`; the book shows them in its
solution dropdowns straight from that file.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from .. import theory
from ..metrics import feature_capacity, fit_line, mean_cosine_similarity

__all__ = [
    "ExerciseError",
    "NOT_ATTEMPTED",
    "check_split",
    "check_feature_capacity",
    "check_cosine_similarity",
    "check_collision_probability",
    "check_coverage_probability",
    "check_expanded_nonzeros",
    "check_balanced_coverage_probability",
    "check_coverage_anywhere",
    "check_r_squared",
    "check_dense_nonzero",
    "check_matched_size",
    "check_head_prune_count",
    "check_deep_prune_count",
]


class ExerciseError(AssertionError):
    """A wrong answer, with a hint saying what is wrong."""


NOT_ATTEMPTED = "Not attempted yet."
"""How every checker's message starts when it is handed a stub."""


class _Stub(Exception):
    """The learner's function is still a stub."""


def _fail(msg: str) -> None:
    raise ExerciseError(msg)


def _learner(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the learner's function so that a stub ends the check instead of failing it."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError:
            raise _Stub from None
        if out is None:
            raise _Stub
        return out

    return call


Check = TypeVar("Check", bound=Callable[..., str])


def exercise(hint: str) -> Callable[[Check], Check]:
    """Decorate a checker: a stub gets ``"Not attempted yet. Hint: <hint>"`` instead of a check.

    The hint is kept as the checker's ``hint`` attribute (the tests read it).
    """

    def wrap(check: Check) -> Check:
        @functools.wraps(check)
        def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
            try:
                return check(_learner(fn), *args, **kwargs)
            except _Stub:
                return f"{NOT_ATTEMPTED} Hint: {hint}"

        run.hint = hint  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap


@exercise(
    hint=(
        "for each parent, draw a random order of its d inputs (torch.rand(..., "
        "generator=generator).argsort) and deal them to the children in turn (position % "
        "alpha)."
    )
)
def check_split(
    split: Callable[[torch.Tensor, int, torch.Generator], torch.Tensor], balanced: bool = True
) -> str:
    """Check a learner's split ``(weight (h, d), alpha, generator) -> masks (h, alpha, d)``.

    It must give every input of every parent to exactly one child; with ``balanced`` the child
    sizes of a parent may differ by at most one.
    """
    for h, d, alpha in [(3, 12, 2), (4, 10, 3), (2, 8, 8)]:
        out = split(torch.randn(h, d), alpha, torch.Generator().manual_seed(0))
        if not isinstance(out, torch.Tensor):
            _fail(f"return a tensor of child masks, got {type(out).__name__}")
        if tuple(out.shape) != (h, alpha, d):
            _fail(
                f"for h={h}, d={d}, alpha={alpha} the masks must have shape {(h, alpha, d)}, "
                f"got {tuple(out.shape)}"
            )
        uses = out.bool().sum(dim=1)
        if (uses == 0).any():
            _fail("some input goes to no child: every input must go to exactly one child")
        if (uses > 1).any():
            _fail("some input goes to two children: the children's inputs must be disjoint")
        sizes = out.bool().sum(dim=2)
        if balanced and int((sizes.max(dim=1).values - sizes.min(dim=1).values).max()) > 1:
            _fail(f"child sizes {sizes[0].tolist()} are unbalanced: deal the inputs evenly")
    return "Correct: disjoint, covering" + (" and balanced." if balanced else ".")


@exercise(
    hint=(
        "with columns w_i = W[:, i], capacity_i = (w_i . w_i)^2 / sum_j (w_i . w_j)^2; W.T @ W "
        "holds every dot product."
    )
)
def check_feature_capacity(fn: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """Check a learner's ``feature_capacity(W (h, d)) -> (d,)``."""
    cases = [torch.eye(3), torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), torch.randn(4, 7)]
    for W in cases:
        got = torch.as_tensor(fn(W), dtype=torch.float32).flatten()
        want = feature_capacity(W)
        if got.shape != want.shape:
            _fail(
                f"return one capacity per input feature (column): shape {tuple(want.shape)}, "
                f"got {tuple(got.shape)}"
            )
        if not torch.allclose(got, want, atol=1e-4):
            hint = (
                "capacities must lie in [0, 1]: divide by the sum over j of (w_i . w_j)^2"
                if (got > 1 + 1e-4).any()
                else "use the columns w_i = W[:, i] and square the dot products"
            )
            _fail(f"for W = {W.tolist()} expected {want.tolist()}, got {got.tolist()}; {hint}")
    return "Correct: your capacities match the library's."


@exercise(
    hint=("normalise the rows of W, take |W_n @ W_n.T|, and average the entries off the diagonal.")
)
def check_cosine_similarity(fn: Callable[[torch.Tensor], float]) -> str:
    """Check a learner's ``mean |cosine|`` over distinct pairs of rows of ``W``."""
    for W in [torch.eye(3), torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), torch.randn(5, 4)]:
        got, want = float(fn(W)), mean_cosine_similarity(W)
        if not math.isclose(got, want, abs_tol=1e-4):
            hint = "leave out each row's similarity with itself" if got > want else "use |cos|"
            _fail(f"for W = {W.tolist()} expected {want:.4f}, got {got:.4f}; {hint}")
    return "Correct."


def _check_probability(
    fn: Callable[[int, int], float], ref: Callable[[int, int], float], what: str
) -> str:
    for alpha in (2, 3, 4):
        for k in (1, 2, 3):
            got, want = float(fn(alpha, k)), ref(alpha, k)
            if not math.isclose(got, want, rel_tol=1e-6):
                _fail(f"{what} for alpha={alpha}, k={k}: expected {want:.6g}, got {got:.6g}")
    return f"Correct: your {what} matches the closed form."


@exercise(
    hint=(
        "each of the 2k inputs picks one of alpha children independently; count the ways all 2k"
        " land in one child."
    )
)
def check_collision_probability(fn: Callable[[int, int], float]) -> str:
    """Check ``fn(alpha, k)``: two disjoint k-literal clauses land in one child (independent)."""
    return _check_probability(fn, theory.collision_probability, "collision probability")


@exercise(
    hint=(
        "the k inputs of one clause must all pick the same child: alpha choices of child, "
        "alpha**k placements."
    )
)
def check_coverage_probability(fn: Callable[[int, int], float]) -> str:
    """Check ``fn(alpha, k)``: one k-literal clause stays whole in some child (independent)."""
    return _check_probability(fn, theory.coverage_probability, "coverage probability")


@exercise(
    hint=(
        "the first layer's split keeps h*d non-zeros; count what copying the outgoing weights adds."
    )
)
def check_expanded_nonzeros(fn: Callable[[int, int, int, int], int]) -> str:
    """Check ``fn(d, h, c, alpha)``: weights to prune after expanding a ``d -> h -> c`` MLP.

    Biases are left out: the answer counts weights only (``W1`` keeps ``h*d``, the copied ``W2``
    grows from ``c*h`` to ``alpha*c*h``).
    """
    for d, h, c, alpha in [(24, 8, 8, 2), (10, 4, 3, 3), (100, 16, 10, 4)]:
        got, want = int(fn(d, h, c, alpha)), (alpha - 1) * c * h
        if got != want:
            hint = (
                "W1' keeps exactly h*d non-zeros: only the copies of W2 add weights"
                if got > want
                else "each of the h*c outgoing weights is copied to alpha children"
            )
            _fail(f"for d={d}, h={h}, c={c}, alpha={alpha}: expected {want}, got {got}; {hint}")
    return "Correct: only the copied outgoing weights have to be pruned."


@exercise(
    hint=(
        "a child has d/alpha places; choose places for the k inputs without replacement "
        "(math.comb)."
    )
)
def check_balanced_coverage_probability(fn: Callable[[int, int, int], float]) -> str:
    """Check ``fn(alpha, k, d)``: a k-input clause stays whole under a *balanced* random split.

    Each of the ``alpha`` children gets exactly ``d / alpha`` of the ``d`` inputs.
    """
    for alpha, k, d in [(2, 1, 4), (2, 3, 24), (3, 2, 12), (4, 3, 24), (6, 5, 24), (2, 2, 4)]:
        got = float(fn(alpha, k, d))
        want = theory.coverage_probability(alpha, k, d, "balanced")
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            indep = theory.coverage_probability(alpha, k)
            hint = (
                "that is the independent model: once some inputs sit in a child, fewer places "
                "are left there (draw without replacement)"
                if math.isclose(got, indep, rel_tol=1e-6)
                else "count the ways to place the k inputs in one child of d/alpha places"
            )
            _fail(
                f"balanced coverage for alpha={alpha}, k={k}, d={d}: expected {want:.6g}, "
                f"got {got:.6g}; {hint}"
            )
    return "Correct: your balanced coverage probability matches the closed form."


@exercise(hint="the parents are split independently: take the complement of 'whole in no parent'.")
def check_coverage_anywhere(fn: Callable[[int, int, int], float]) -> str:
    """Check ``fn(alpha, k, parents)``: a clause is whole in a child of at least one parent."""
    for alpha, k, parents in [(2, 3, 1), (2, 3, 8), (3, 2, 4), (4, 4, 16), (2, 1, 5)]:
        got = float(fn(alpha, k, parents))
        want = theory.coverage_anywhere_probability(alpha, k, parents)
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            p = theory.coverage_probability(alpha, k)
            hint = (
                "that is the expected number of parents, not a probability: use the complement"
                if math.isclose(got, parents * p, rel_tol=1e-6)
                else "the parents are split independently: 1 - P(not whole in any parent)"
            )
            _fail(
                f"for alpha={alpha}, k={k}, parents={parents}: expected {want:.6g}, "
                f"got {got:.6g}; {hint}"
            )
    return "Correct: a clause survives somewhere far more often than in one given parent."


def _r2_cases() -> list[tuple[list[float], list[float]]]:
    g = torch.Generator().manual_seed(0)
    x = torch.linspace(1.0, 3.0, 9)
    noisy = (0.2 * x - 0.1 + 0.05 * torch.randn(9, generator=g)).tolist()
    return [([1, 2, 3, 4], [3, 5, 7, 9]), ([0, 1, 2], [0, 2, 1]), (x.tolist(), noisy)]


@exercise(hint="fit y = a*x + b by least squares, then R² = 1 - SS_res / SS_tot.")
def check_r_squared(fn: Callable[[list[float], list[float]], float]) -> str:
    """Check ``fn(x, y)``: R² of the least-squares line of ``y`` on ``x``."""
    for x, y in _r2_cases():
        got, want = float(fn(x, y)), fit_line(x, y).r2
        if not math.isclose(got, want, abs_tol=1e-6):
            hint = (
                "R² is 1 - SS_res / SS_tot, not SS_res / SS_tot"
                if math.isclose(got, 1 - want, abs_tol=1e-6)
                else "fit the line by least squares first, then compare its residuals with the "
                "spread of y around its mean"
            )
            _fail(
                f"for x={x}, y={[round(v, 4) for v in y]}: expected R² = {want:.6f}, "
                f"got {got:.6f}; {hint}"
            )
    return "Correct: your R² matches the library's fit_line."


# ------------------------------------------------------------------- part II: real data


@exercise(hint="two linear layers, each with a weight matrix and a bias vector.")
def check_dense_nonzero(fn: Callable[[int, int, int], int]) -> str:
    """Check ``fn(d, h, c)``: parameters (weights and biases) of a dense ``d -> h -> c`` MLP."""
    for d, h, c in [(384, 8, 26), (10, 1, 2), (512, 32, 100)]:
        got, want = int(fn(d, h, c)), d * h + h + h * c + c
        if got != want:
            hint = (
                "count the biases too: h for the hidden layer and c for the output layer"
                if got == d * h + h * c
                else "two layers: d*h weights + h biases, then h*c weights + c biases"
            )
            _fail(f"for d={d}, h={h}, c={c}: expected {want}, got {got}; {hint}")
    return "Correct."


def _first_crossing(sizes: Sequence[float], accs: Sequence[float], target: float) -> float:
    for i, a in enumerate(accs):
        if a >= target:
            if i == 0:
                return float(sizes[0])
            t = (target - accs[i - 1]) / (a - accs[i - 1])
            return sizes[i - 1] + t * (sizes[i] - sizes[i - 1])
    return math.inf


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
    ]
    for sizes, accs, target in cases:
        got, want = float(fn(list(sizes), list(accs), target)), _first_crossing(sizes, accs, target)
        if not math.isclose(got, want, rel_tol=1e-6):
            nearest = min(sizes, key=lambda s: abs(accs[sizes.index(s)] - target))
            hint = (
                "do not snap to the nearest measured size: interpolate between the two that "
                "bracket the target"
                if math.isclose(got, nearest)
                else "walk up in size to the first accuracy >= target, then interpolate "
                "linearly with the size before it"
            )
            _fail(
                f"sizes={sizes}, accuracies={accs}, target={target}: expected {want:.4g}, "
                f"got {got:.4g}; {hint}"
            )
    return "Correct: first crossing, linearly interpolated."


@exercise(
    hint=(
        "as in the FPE chapter, plus the biases: a parent's bias is split into alpha non-zero "
        "child biases."
    )
)
def check_head_prune_count(fn: Callable[[int, int, int, int], int]) -> str:
    """Check ``fn(d, h, c, alpha)``: parameters pruned after expanding a ``d -> h -> c`` head
    when biases count in the budget (a parent's bias is split among its ``alpha`` children)."""
    for d, h, c, alpha in [(784, 4, 10, 4), (20, 3, 5, 2), (100, 8, 10, 3)]:
        got, want = int(fn(d, h, c, alpha)), (alpha - 1) * (c * h + h)
        if got != want:
            hint = (
                "the children's split biases are non-zero too: they cost (alpha - 1) * h more"
                if got == (alpha - 1) * c * h
                else "the first layer keeps its count; the copied output weights and the "
                "children's biases are extra"
            )
            _fail(f"for d={d}, h={h}, c={c}, alpha={alpha}: expected {want}, got {got}; {hint}")
    return "Correct: the copied output weights plus the children's extra biases."


@exercise(
    hint=(
        "every layer after the first has its inputs copied alpha times; only the first layer "
        "keeps its count."
    )
)
def check_deep_prune_count(fn: Callable[[int, int, int, int, int], int]) -> str:
    """Check ``fn(d, h, c, depth, alpha)``: weights (biases left out) pruned after expanding
    every hidden layer of a ``d -> h -> ... -> h -> c`` MLP with ``depth`` hidden layers."""
    for d, h, c, depth, alpha in [(384, 8, 26, 5, 2), (10, 3, 4, 1, 3), (32, 4, 3, 3, 4)]:
        got = int(fn(d, h, c, depth, alpha))
        want = (alpha - 1) * ((depth - 1) * h * h + c * h)
        if got != want:
            hint = (
                "the hidden-to-hidden layers grow too: their columns are copied to the "
                "previous layer's children, and splitting their rows keeps that count"
                if got == (alpha - 1) * c * h
                else "only the first layer keeps its count; each later layer's weights are "
                "copied alpha times along its inputs"
            )
            _fail(
                f"for d={d}, h={h}, c={c}, depth={depth}, alpha={alpha}: expected {want}, "
                f"got {got}; {hint}"
            )
    return "Correct: every layer after the first is copied alpha times, then pruned back."
