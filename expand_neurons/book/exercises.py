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
import statistics
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from .. import theory
from ..metrics import feature_capacity, fit_line, mean_cosine_similarity

__all__ = [
    "ExerciseError",
    "NOT_ATTEMPTED",
    "exercise",
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


# ------------------------------- embeddings, CNN and deep chapters: change and run an experiment
# Each checker takes the learner's function ``fn(cfg) -> cfg`` (the quick config of the chapter's
# experiment in, the config to run out), checks that exactly the asked-for fields changed, and,
# with ``train=True``, runs that config through the book's store and says what to look at.

__all__ += ["check_embeddings_alpha_run", "check_cnn_seeds_run", "check_deep_recipe_run"]


def _changed_config(
    fn: Callable[[Any], Any], experiment: str, profile: str | None, want: dict[str, Any]
) -> dict[str, Any]:
    """Call ``fn`` on ``experiment``'s config of ``profile`` (default ``"quick"``); check that
    the returned config changes exactly the fields of ``want`` to those values (given as a
    ``replace`` would take them); return the changed fields, ready as run overrides."""
    from ..experiments import get

    base = get(experiment).config(profile or "quick")
    got = fn(base)
    if type(got) is not type(base):
        _fail(f"return a config ({type(base).__name__}, e.g. cfg.replace(...)), got {got!r}")
    expected = base.replace(**want)
    changed = {
        f: getattr(got, f) for f in base.field_names() if getattr(got, f) != getattr(base, f)
    }
    wrong = sorted(f for f in want if getattr(got, f) != getattr(expected, f))
    if wrong:
        _fail(
            "; ".join(
                f"{f} should be {getattr(expected, f)!r}, got {getattr(got, f)!r}" for f in wrong
            )
        )
    extra = sorted(set(changed) - set(want))
    if extra:
        _fail(f"change only {sorted(want)}; you also changed {extra}: keep them as in cfg")
    return changed


def _pct(values: Sequence[float]) -> str:
    return ", ".join(f"{100 * v:.1f}" for v in values) + " %"


def _train(experiment: str, profile: str | None, overrides: dict[str, Any]) -> dict[str, Any]:
    from . import runs

    return runs.run(experiment, profile or "quick", **overrides)


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
    overrides = _changed_config(fn, "embeddings-width", profile, want)
    if not train:
        return "Correct: that config trains dense and FPE α = 16 at 2 neurons (train=True runs it)."
    result = _train("embeddings-width", profile, overrides)
    dense, fpe = (
        next(r for r in result["records"] if r["variant"] == v) for v in ("dense", "random")
    )
    return (
        f"Correct: you ran dense and FPE α = 16 at 2 hidden neurons. Dense: "
        f"{100 * dense['accuracy']:.1f} % (seeds: {_pct(dense['accuracies'])}); FPE α = 16: "
        f"{100 * fpe['accuracy']:.1f} % (seeds: {_pct(fpe['accuracies'])}), a relative gain of "
        f"{100 * fpe['relative_gain']:+.1f} %. Compare with α = 8 at h = 2 in the width table: "
        "does the gain keep rising with α, or has each child too few inputs left?"
    )


@exercise(hint="return cfg.replace(...) with two fields changed: seeds=6 and grid={'hidden': [2]}.")
def check_cnn_seeds_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``cnn-fashion`` config at a head of 2 neurons with 6 seeds; with
    ``train``, run it and report every seed's accuracy of dense and FPE."""
    overrides = _changed_config(fn, "cnn-fashion", profile, {"seeds": 6, "grid": {"hidden": [2]}})
    if not train:
        return "Correct: that config trains 6 seeds of a 2-neuron head (train=True runs it)."
    result = _train("cnn-fashion", profile, overrides)
    dense, fpe = (
        next(r for r in result["records"] if r["variant"] == v) for v in ("dense", "random")
    )
    return (
        f"Correct: you ran 6 seeds of a 2-neuron head. Dense, seed by seed: "
        f"{_pct(dense['accuracies'])} (s.d. {100 * dense['accuracy_std']:.1f} points); FPE: "
        f"{_pct(fpe['accuracies'])} (s.d. {100 * fpe['accuracy_std']:.1f} points). Which seeds "
        "collapsed (far below the others), and does the expanded head collapse as often?"
    )


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
    overrides = _changed_config(fn, "deep-mlp", profile, want)
    if not train:
        return "Correct: that config trains the 5-layer network with the shallow recipe."
    result = _train("deep-mlp", profile, overrides)
    dense = next(r for r in result["records"] if r["variant"] == "dense")
    fpe = sorted(
        (r for r in result["records"] if r["variant"] == "random"), key=lambda r: r["alpha"]
    )
    gains = "; ".join(
        f"α = {r['alpha']}: {100 * r['accuracy']:.1f} %, {100 * r['relative_gain']:+.1f} %"
        for r in fpe
    )
    return (
        f"Correct: you ran the 5-layer network of width 8 with the shallow recipe. Dense: "
        f"{100 * dense['accuracy']:.1f} %; FPE (accuracy, relative gain) {gains}. Compare with "
        "width 8 at depth 5 in the chapter's table, trained with the tuned recipe: how much of "
        "this gain is a repair of a sick baseline?"
    )


# ----------------------------------------- load chapter: the α sweep with a single DNF output

__all__ += ["check_dnf_alpha_run"]


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
    from ..experiments import get

    got = fn(get("boolean-alpha").config(profile or "quick"))
    if (getattr(got, "label_mode", None), getattr(got, "distribution", None)) == ("dnf", "planted"):
        _fail(
            "with planted inputs every clause is made true in a sample with probability p_plant, "
            "so the OR of the clauses is true in nearly every sample and answering 'true' is "
            "almost perfect: there is no gain left to measure. Use distribution='uniform'"
        )
    want = {"label_mode": "dnf"}
    overrides = _changed_config(lambda cfg: got, "boolean-alpha", profile, want)
    if not train:
        return (
            "Correct: that config runs the α sweep with one output, the OR of the clauses, on "
            "the laboratory's fair-coin inputs (train=True runs it)."
        )
    result = _train("boolean-alpha", profile, overrides)
    hidden = result["config"]["hidden"]
    dense = next(r for r in result["records"] if r["variant"] == "dense")
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


# ------------------------------- hardware and robustness chapters: run or change an experiment

__all__ += ["check_layer_benchmark", "check_robustness_design"]

#: The largest layer the benchmark exercise runs: ``d * max(d, batch) * alpha`` floats.
_BENCH_LIMIT = 2**26


@exercise(
    hint=(
        "return dataclasses.replace(cfg, dims=(512,), batches=(64,), alphas=(4,), "
        "layouts=('dense', 'grouped'), blocks=(1,)): one size, one batch, one alpha."
    )
)
def check_layer_benchmark(fn: Callable[[Any], Any]) -> str:
    """Check ``fn(cfg) -> BenchConfig`` (``cfg``: the quick layer benchmark on the CPU clock):
    one shape (one ``d``, one batch, one ``alpha >= 2``) with the dense and the grouped layout;
    then run it on one thread (a second or two) and say what its grouped/dense ratio shows."""
    import dataclasses

    from ..layers import bench

    cfg = fn(dataclasses.replace(bench.QUICK, clock="cpu"))
    if not isinstance(cfg, bench.BenchConfig):
        _fail(f"return a bench.BenchConfig (dataclasses.replace(cfg, ...)), got {cfg!r}")
    if len(cfg.dims) != 1 or len(cfg.batches) != 1 or len(cfg.alphas) != 1:
        _fail(
            "run one shape: one size in dims, one batch in batches and one alpha in alphas; "
            f"got dims={tuple(cfg.dims)}, batches={tuple(cfg.batches)}, alphas={tuple(cfg.alphas)}"
        )
    (d,), (batch,), (alpha,) = cfg.dims, cfg.batches, cfg.alphas
    if alpha < 2:
        _fail("with alpha = 1 there is nothing to expand: choose alpha >= 2")
    if not {"dense", "grouped"} <= set(cfg.layouts):
        _fail(
            f"keep the layouts 'dense' (the ratios are against it) and 'grouped', got {cfg.layouts}"
        )
    if d * max(d, batch) * alpha > _BENCH_LIMIT or cfg.reps > 15:
        _fail(
            "keep it small enough to run in seconds: d * max(d, batch) * alpha at most 2**26 "
            "and reps at most 15"
        )
    if cfg.reps < 3:
        _fail(f"time at least 3 rounds (reps >= 3): the median of {cfg.reps} is noise")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = bench.run(cfg)["rows"]
    finally:
        torch.set_num_threads(threads)
    g = min((r for r in rows if r["layout"] == "grouped"), key=lambda r: r["blocks"])
    weights = alpha * batch < d
    regime = (
        f"α × batch = {alpha * batch} < d = {d}: the weights dominate the bytes a step moves, so "
        "the grouped layer should stay near the dense one"
        if weights
        else f"α × batch = {alpha * batch} ≥ d = {d}: the α-times-wider activations dominate "
        "the bytes a step moves, so the grouped layer should fall behind the dense one"
    )
    other = f"batch {max(1, batch // 8)}" if not weights else f"batch {8 * batch}"
    return (
        f"Correct: at d = h = {d}, batch {batch} and α = {alpha} the grouped layer "
        f"({g['blocks']} block{'s' * (g['blocks'] != 1)}) took {g['step_ratio']:.2f} times the "
        f"dense step and moved {g['moved_ratio']:.2f} times its bytes (median of {cfg.reps} "
        f"rounds). Here {regime}. Run {other} to see the other regime."
    )


@exercise(
    hint=(
        "return cfg.replace(grid={'design': [{**rb.default_design(), 'inputs': 'uniform'}]}): "
        "one design, the default with one open choice changed."
    )
)
def check_robustness_design(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-robustness`` config with a grid of exactly one design
    that changes at least one open choice from the default, nothing else changed; with
    ``train``, run it (through the book's store) and report its claims' verdicts."""
    from ..experiments import get
    from ..experiments import robustness as rb

    base = get("boolean-robustness").config(profile or "quick")
    cfg = fn(base)
    if type(cfg) is not type(base):
        _fail(f"return a config ({type(base).__name__}, e.g. cfg.replace(grid=...)), got {cfg!r}")
    extra = sorted(
        f for f in base.field_names() if f != "grid" and getattr(cfg, f) != getattr(base, f)
    )
    if extra:
        _fail(f"change only the grid; you also changed {extra}: keep them as in cfg")
    designs = list(cfg.grid["design"]) if set(cfg.grid) == {"design"} else []
    if len(designs) != 1:
        _fail("set the grid to one design: grid={'design': [design]}")
    design = designs[0]
    changed = [f.name for f in rb.FACTORS if design[f.name] != f.levels[0]]
    if not changed:
        _fail("that is the default design: change at least one open choice to its alternative")
    label = rb.design_label(design)
    if not train:
        return (
            f"Correct: that config runs one design, {label!r} (changed: {', '.join(changed)}); "
            "train=True runs it."
        )
    from . import runs

    result = runs.run("boolean-robustness", profile or "quick", grid=cfg.grid)
    from ..claims import main_effects as me

    effects = "; ".join(
        f"{claim} {100 * statistics.fmean(r['value'] for r in me.claim_values(result, claim)):+.1f}"
        for claim in me.CLAIMS
    )
    return (
        f"Correct: you ran the design {label!r}. Its six effects, in points of its own metric "
        f"(means over seeds): {effects}. Compare them with the default design's row of the "
        f"chapter's table, and with the main effect of {', '.join(changed)}: does your design "
        "move each effect the way the main effect says?"
    )


# ------------------------------------------------------ FPE chapter: the pilot with four children

__all__ += ["check_pilot_alpha"]


@exercise(hint="return cfg.replace(alpha=4): one field changed, everything else kept.")
def check_pilot_alpha(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-pilot`` config with ``alpha = 4`` and nothing else
    changed; with ``train``, run it (through the book's store) and report the three accuracies
    and the paired differences of the paper's ordering with their Holm intervals."""
    from .families import ordering

    overrides = _changed_config(fn, "boolean-pilot", profile, {"alpha": 4})
    if not train:
        return (
            "Correct: that config runs the pilot with four children per parent (train=True "
            "runs it)."
        )
    result = _train("boolean-pilot", profile, overrides)
    acc = {
        v: 100 * next(r["accuracy"] for r in result["records"] if r["variant"] == v)
        for v in ("dense", "random", "clause")
    }
    family = ordering(result, ["clause", "random", "dense"])
    steps = "; ".join(
        f"{name}: {100 * c.mean:+.1f} points [{100 * c.low:+.1f}, {100 * c.high:+.1f}]"
        for name, c in family.items()
    )
    return (
        f"Correct: you ran the pilot with α = 4. Dense {acc['dense']:.1f} %, random split "
        f"{acc['random']:.1f} %, clause-aligned {acc['clause']:.1f} %; paired by seed, with "
        f"Holm intervals: {steps}. Compare with α = 2 in the chapter's table: which split "
        "gained, and which lost? Does an interval exclude zero?"
    )


# ------------------------------- superposition and collisions chapters: run a changed experiment

__all__ += ["check_dense_width_run", "check_collision_alpha_run"]


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
    from ..experiments.analysis import is_perfect

    overrides = _changed_config(
        fn, "boolean-pilot", profile, {"hidden": 16, "variants": ("dense",)}
    )
    if not train:
        return (
            "Correct: that config trains the pilot's dense networks with 16 neurons "
            "(train=True runs it)."
        )
    result = _train("boolean-pilot", profile, overrides)
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


@exercise(hint="return cfg.replace(alpha=4): one field changed, everything else kept.")
def check_collision_alpha_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-collisions`` config with ``alpha = 4`` and nothing else
    changed; with ``train``, run it (through the book's store) and report the accuracies, the
    collision test's Holm family and the random split's expected colliding pairs per parent."""
    from ..experiments.analysis import compare
    from ..experiments.mechanism import COLLISION_FAMILY

    overrides = _changed_config(fn, "boolean-collisions", profile, {"alpha": 4})
    if not train:
        return (
            "Correct: that config runs the collision test with four children per parent "
            "(train=True runs it)."
        )
    result = _train("boolean-collisions", profile, overrides)
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
