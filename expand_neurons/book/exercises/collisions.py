"""Checkers of the collisions chapter's exercises: coverage and collision probabilities under
random splits, overlapping children, and the collision test with four children."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ... import theory
from .configs import changed_config, run
from .core import exercise, fail

__all__ = [
    "check_coverage_probability",
    "check_collision_probability",
    "check_balanced_coverage_probability",
    "check_coverage_anywhere",
    "check_overlap_probabilities",
    "check_collision_alpha_run",
]

Mistakes = Callable[..., dict[str, float]]


def _check_values(
    fn: Callable[..., float],
    cases: Iterable[tuple[int, ...]],
    names: str,
    ref: Callable[..., float],
    mistakes: Mistakes,
    otherwise: str,
    what: str,
) -> None:
    """Compare ``fn(*case)`` with ``ref(*case)`` on every case; on a mismatch name the first of
    ``mistakes(*case)`` (``{what to fix: the value that mistake gives}``) that matches, else
    ``otherwise``."""
    for case in cases:
        got, want = float(fn(*case)), ref(*case)
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            continue
        hint = next(
            (why for why, v in mistakes(*case).items() if math.isclose(got, v, rel_tol=1e-6)),
            otherwise,
        )
        where = ", ".join(f"{n}={v}" for n, v in zip(names.split(), case))
        fail(f"{what} for {where}: expected {want:.6g}, got {got:.6g}; {hint}")


#: Longest clauses first: with k = 1 several mistakes give the same value.
_ALPHA_K = [(a, k) for k in (3, 2, 1) for a in (2, 3, 4)]


@exercise(
    hint=(
        "the k inputs of one clause must all pick the same child: alpha choices of child, "
        "alpha**k placements."
    )
)
def check_coverage_probability(fn: Callable[[int, int], float]) -> str:
    """Check ``fn(alpha, k)``: one k-literal clause stays whole in some child (independent)."""
    _check_values(
        fn,
        _ALPHA_K,
        "alpha k",
        theory.coverage_probability,
        lambda a, k: {"any of the alpha children will do: multiply by alpha": a**-k},
        "all k inputs must pick the same child, and there are alpha children to pick",
        "coverage probability",
    )
    return "Correct: your coverage probability matches the closed form."


@exercise(
    hint=(
        "each of the 2k inputs picks one of alpha children independently; count the ways all 2k"
        " land in one child."
    )
)
def check_collision_probability(fn: Callable[[int, int], float]) -> str:
    """Check ``fn(alpha, k)``: two disjoint k-literal clauses land in one child (independent)."""
    _check_values(
        fn,
        _ALPHA_K,
        "alpha k",
        theory.collision_probability,
        lambda a, k: {
            "any of the alpha children will do: multiply by alpha": a ** (-2 * k),
            "the two clauses must be whole in the same child, not each in some child": (
                a ** (1 - k)
            )
            ** 2,
            "a collision needs both clauses, 2k inputs, in one child, not one clause": a ** (1 - k),
        },
        "all 2k inputs of the two clauses must pick the same one of alpha children",
        "collision probability",
    )
    return "Correct: your collision probability matches the closed form."


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
    _check_values(
        fn,
        [(2, 1, 4), (2, 3, 24), (3, 2, 12), (4, 3, 24), (6, 5, 24), (2, 2, 4)],
        "alpha k d",
        lambda a, k, d: theory.coverage_probability(a, k, d, "balanced"),
        lambda a, k, d: {
            "that is the independent model: once some inputs sit in a child, fewer places are "
            "left there (draw without replacement)": theory.coverage_probability(a, k),
            "any of the alpha children will do: multiply by alpha": math.comb(d // a, k)
            / math.comb(d, k),
        },
        "count the ways to place the k inputs in one child of d/alpha places",
        "balanced coverage",
    )
    return "Correct: your balanced coverage probability matches the closed form."


@exercise(hint="the parents are split independently: take the complement of 'whole in no parent'.")
def check_coverage_anywhere(fn: Callable[[int, int, int], float]) -> str:
    """Check ``fn(alpha, k, parents)``: a clause is whole in a child of at least one parent."""
    _check_values(
        fn,
        [(2, 3, 1), (2, 3, 8), (3, 2, 4), (4, 4, 16), (2, 1, 5)],
        "alpha k parents",
        theory.coverage_anywhere_probability,
        lambda a, k, h: {
            "that is the expected number of parents, not a probability: use the complement": h
            * theory.coverage_probability(a, k),
            "that is the chance the clause is whole in every parent: take the complement of "
            "'whole in none'": theory.coverage_probability(a, k) ** h,
        },
        "the parents are split independently: 1 - P(not whole in any parent)",
        "coverage anywhere",
    )
    return "Correct: a clause survives somewhere far more often than in one given parent."


def _in_child(s: int, d: int) -> float:
    """Probability that ``s`` given inputs are all among the ``d / 2`` random inputs of one child
    of an overlapping split with ``alpha = 2`` (drawn without replacement)."""
    return math.prod((d // 2 - t) / (d - t) for t in range(s))


@exercise(
    hint=(
        "each child holds d/2 inputs drawn without replacement, independently of its sibling: "
        "p_s = prod over t < s of (d/2 - t) / (d - t) for s given inputs; the two children's "
        "events may both happen."
    )
)
def check_overlap_probabilities(fn: Callable[[int, int], tuple[float, float]]) -> str:
    """Check ``fn(k, d) -> (whole_somewhere, both_in_child_one)`` for the overlapping split at
    ``alpha = 2``: a clause of ``k`` inputs is whole in at least one child (``1 - (1 - p_k)^2``),
    and two disjoint clauses are both whole in child 1 (``p_2k``)."""
    for k, d in [(1, 8), (2, 12), (3, 24), (3, 48)]:
        out = fn(k, d)
        if not isinstance(out, tuple | list) or len(out) != 2:
            fail(f"return two probabilities, (whole_somewhere, both_in_child_one), got {out!r}")
        got_whole, got_both = (float(v) for v in out)
        pk, p2k = _in_child(k, d), _in_child(2 * k, d)
        want_whole, want_both = 1 - (1 - pk) ** 2, p2k
        if not math.isclose(got_whole, want_whole, rel_tol=1e-6):
            mistakes = {
                "that is the disjoint split's 2 p_k: overlapping children can both hold the "
                "clause, so subtract the chance of both (1 - (1 - p_k)^2)": 2 * pk,
                "that is one child: the clause may be whole in either of the two": pk,
                "that is the independent model: each child draws d/2 inputs without replacement": 1
                - (1 - 2.0**-k) ** 2,
            }
            hint = next(
                (w for w, v in mistakes.items() if math.isclose(got_whole, v, rel_tol=1e-6)),
                "1 - P(whole in neither child), the two children being independent",
            )
            fail(
                f"whole somewhere for k={k}, d={d}: expected {want_whole:.6g}, got "
                f"{got_whole:.6g}; {hint}"
            )
        if not math.isclose(got_both, want_both, rel_tol=1e-6):
            mistakes = {
                "the two clauses are drawn into the same child of d/2 places, so they are not "
                "independent: all 2k inputs must be among its inputs, p_2k": pk**2,
                "child 1 only, not either child": 2 * p2k,
                "that is the independent model: each child draws d/2 inputs without "
                "replacement": 2.0 ** (-2 * k),
            }
            hint = next(
                (w for w, v in mistakes.items() if math.isclose(got_both, v, rel_tol=1e-6)),
                "all 2k inputs of the two clauses must be among child 1's d/2 inputs",
            )
            fail(
                f"both in child 1 for k={k}, d={d}: expected {want_both:.6g}, got "
                f"{got_both:.6g}; {hint}"
            )
    k, d = 3, 24
    pk = _in_child(k, d)
    return (
        f"Correct. For k = {k}, d = {d}: whole somewhere {1 - (1 - pk) ** 2:.4f} against the "
        f"disjoint split's {2 * pk:.4f}; both in child 1 {_in_child(2 * k, d):.5f}, the same per "
        "child as the disjoint split."
    )


@exercise(hint="return cfg.replace(alpha=4): one field changed, everything else kept.")
def check_collision_alpha_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-collisions`` config with ``alpha = 4`` and nothing else
    changed; with ``train``, run it (through the book's store) and report the accuracies, the
    collision test's Holm family and the random split's expected colliding pairs per parent."""
    from ...experiments.analysis import compare
    from ...experiments.mechanism import COLLISION_FAMILY

    overrides = changed_config(fn, "boolean-collisions", profile, {"alpha": 4})
    if not train:
        return (
            "Correct: that config runs the collision test with four children per parent "
            "(train=True runs it)."
        )
    result = run("boolean-collisions", profile, overrides)
    cfg = result["config"]
    m, k = cfg["n_clauses"], cfg["k"]
    pairs = {
        a: theory.expected_collisions(m, a, k, m * k + cfg["extra_vars"], "balanced")
        for a in (2, 4)
    }
    acc = {r["variant"]: 100 * r["accuracy"] for r in result["records"]}
    accuracies = ", ".join(f"{v} {a:.1f} %" for v, a in acc.items())
    family = "; ".join(f"{n}: {c.describe()}" for n, c in compare(result, COLLISION_FAMILY).items())
    return (
        f"Correct: you ran the collision test with α = 4. Accuracies: {accuracies}. Paired by "
        f"seed (Holm): {family}. A random split now leaves {pairs[4]:.3f} colliding pairs per "
        f"parent in expectation (α = 2: {pairs[2]:.2f}), while packed still forces one and apart "
        "none. Compare 'apart - packed' with the chapter's table at α = 2: does a collision "
        "cost more when each child has fewer inputs?"
    )
