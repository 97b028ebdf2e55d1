"""Checkers of the FPE chapter's exercises: the pruning budget, a random split, the pilot with
four children, and what the bias rule does to the function."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ... import expansion, models
from ..families import ordering
from .configs import changed_config, first_record, run
from .core import exercise, fail, given

__all__ = ["check_expanded_nonzeros", "check_pilot_alpha", "check_bias_rule"]


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
        if got == want:
            continue
        if got == alpha * c * h:
            hint = "alpha*c*h is the size of W2' after copying: only alpha - 1 copies are new"
        elif got == (alpha - 1) * (c * h + h):
            hint = "leave the biases out: the question counts weights only"
        elif got > want:
            hint = "W1' keeps exactly h*d non-zeros: only the copies of W2 add weights"
        else:
            hint = "each of the h*c outgoing weights is copied to alpha children"
        fail(f"for d={d}, h={h}, c={c}, alpha={alpha}: expected {want}, got {got}; {hint}")
    return "Correct: only the copied outgoing weights have to be pruned."


@exercise(hint="return cfg.replace(alpha=4): one field changed, everything else kept.")
def check_pilot_alpha(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``boolean-pilot`` config with ``alpha = 4`` and nothing else
    changed; with ``train``, run it (through the book's store) and report the three accuracies
    and the paired differences of the paper's ordering with their Holm intervals."""
    overrides = changed_config(fn, "boolean-pilot", profile, {"alpha": 4})
    if not train:
        return (
            "Correct: that config runs the pilot with four children per parent (train=True "
            "runs it)."
        )
    result = run("boolean-pilot", profile, overrides)
    acc = {v: 100 * first_record(result, v)["accuracy"] for v in ("dense", "random", "clause")}
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


def _bias_case(activation: str) -> tuple[models.MLP, torch.Tensor]:
    """A small seeded MLP ``6 -> 4 -> 3`` with ``activation`` and five inputs ``(5, 6)``."""
    model = models.seeded_mlp(0, 6, 4, 3, activation=activation)
    return model, torch.randn(5, 6, generator=torch.Generator().manual_seed(1))


@torch.no_grad()
def _change(model: models.MLP, x: torch.Tensor, bias: str, **kw: Any) -> float:
    """Largest ``|expanded(x) - model(x)|`` after ``expand(model, 2, "random", seed=0, ...)``."""
    new = expansion.expand(model, 2, "random", seed=0, bias=bias, **kw)
    return float((new(x) - model(x)).abs().max())


@exercise(
    hint=(
        "new = en.expand(model, 2, 'random', seed=0, bias=bias, prune=False); return the largest "
        "absolute difference of new(x) and model(x). Then compare the four cases."
    ),
    answers=2,
)
def check_bias_rule(output_change: Callable[..., float], keeps_function: Any) -> str:
    """Check ``output_change(model, bias, x)``, the largest absolute change of ``model``'s
    outputs on ``x`` when it is expanded (``alpha = 2``, random split, ``seed=0``, ``bias``,
    no pruning), and ``keeps_function``: the bias rule (``"copy"`` or ``"split"``) under which
    an identity activation keeps the function."""
    found = {}
    for activation in ("identity", "relu"):
        model, x = _bias_case(activation)
        for bias in ("split", "copy"):
            out = output_change(model, bias, x)
            if isinstance(out, torch.Tensor) and out.numel() != 1:
                fail(
                    f"return one number, the largest absolute difference, got a tensor of shape "
                    f"{tuple(out.shape)}"
                )
            got, want = float(out), _change(model, x, bias, prune=False)
            if math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-5):
                found[activation, bias] = want
                continue
            with torch.no_grad():
                signed = expansion.expand(model, 2, "random", seed=0, bias=bias, prune=False)
                signed_max = float((signed(x) - model(x)).max())
            other = "copy" if bias == "split" else "split"
            if math.isclose(got, _change(model, x, bias), rel_tol=1e-4, abs_tol=1e-5):
                hint = "you pruned (the default): pass prune=False, else pruning changes it too"
            elif math.isclose(got, _change(model, x, other, prune=False), rel_tol=1e-4):
                hint = f"that is bias={other!r}: pass the bias rule you are given to expand"
            elif math.isclose(got, signed_max, rel_tol=1e-4, abs_tol=1e-5):
                hint = "take the absolute difference before the maximum"
            else:
                hint = "expand with alpha=2, split 'random', seed=0, bias=bias and prune=False"
            fail(
                f"{activation} activation, bias={bias!r}: expected a largest change of "
                f"{want:.4g}, got {got:.4g}; {hint}"
            )
    answer = given(keeps_function)
    if answer not in ("copy", "split"):
        fail(f"keeps_function must be 'copy' or 'split', got {answer!r}")
    if answer == "copy":
        fail(
            "with bias='copy' each of the alpha children adds the whole bias b, so with an "
            "identity activation the output moves by (alpha - 1) times the bias's contribution; "
            "look at your four numbers again"
        )
    return (
        "Correct: with an identity activation the split bias keeps the function (largest change "
        f"{found['identity', 'split']:.1e}, rounding only) and the copied bias does not "
        f"({found['identity', 'copy']:.3f}); with ReLU neither does (split "
        f"{found['relu', 'split']:.3f}, copy {found['relu', 'copy']:.3f})."
    )
