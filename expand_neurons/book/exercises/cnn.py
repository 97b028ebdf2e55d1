"""Checkers of the CNN chapter's exercises: what pruning removes from an expanded head, the
share of the network FPE acts on, and more seeds of the narrowest head."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ...expansion import count_nonzero
from ...models import ConvNet, seeded_conv_net
from .configs import changed_config, first_record, percents, run
from .core import exercise, fail

__all__ = ["check_head_prune_count", "check_head_share", "check_cnn_seeds_run"]


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
        if got == want:
            continue
        if got == (alpha - 1) * c * h:
            hint = "the children's split biases are non-zero too: they cost (alpha - 1) * h more"
        elif got == (alpha - 1) * (c * h + h + c):
            hint = "the output layer's c biases are not copied: only the hidden biases multiply"
        elif got == alpha * (c * h + h):
            hint = "the parent's own copy stays: alpha - 1 copies are new, not alpha"
        else:
            hint = (
                "the first layer keeps its count; the copied output weights and the children's "
                "biases are extra"
            )
        fail(f"for d={d}, h={h}, c={c}, alpha={alpha}: expected {want}, got {got}; {hint}")
    return "Correct: the copied output weights plus the children's extra biases."


def _share(net: Any) -> float:
    return count_nonzero(net.head) / count_nonzero(net)


@exercise(hint="en.count_nonzero(net.head) / en.count_nonzero(net): biases count too.")
def check_head_share(
    fn: Callable[[ConvNet], float],
    channels: Sequence[int] | None = None,
    widths: Sequence[int] | None = None,
) -> str:
    """Check ``fn(net) -> float``: the share (0-1) of a :class:`ConvNet`'s non-zero parameters
    that sit in its head, the part FPE expands; with the chapter's ``channels`` and head
    ``widths``, report the share at each width."""
    for hidden in (2, 16):
        net: Any = seeded_conv_net(0, (1, 28, 28), (4, 8), hidden, 10)  # .head, .trunk
        got, want = float(fn(net)), _share(net)
        if math.isclose(got, want, rel_tol=1e-6):
            continue
        head, trunk = count_nonzero(net.head), count_nonzero(net.trunk)
        mistakes = {
            "that is the trunk's share: FPE expands the head": trunk / (head + trunk),
            "divide by the whole network's count, not by the trunk's": head / trunk,
            "a share from 0 to 1, not a percentage": 100 * want,
            "biases count in the budget too (count_nonzero's default)": count_nonzero(
                net.head, biases=False
            )
            / count_nonzero(net, biases=False),
        }
        hint = next(
            (why for why, v in mistakes.items() if math.isclose(got, v, rel_tol=1e-6)),
            "the head's non-zero parameters over the whole network's",
        )
        fail(
            f"for a CNN with channels (4, 8) and a head of {hidden} neurons: expected "
            f"{want:.4f}, got {got:.4f}; {hint}"
        )
    if channels is None or widths is None:
        return "Correct."
    shares = ", ".join(
        f"{w}: {100 * _share(ConvNet((1, 28, 28), channels, w, 10)):.0f} %" for w in widths
    )
    return f"Correct. Share of the network in the head, per head width: {shares}."


@exercise(hint="return cfg.replace(...) with two fields changed: seeds=6 and grid={'hidden': [2]}.")
def check_cnn_seeds_run(
    fn: Callable[[Any], Any], profile: str | None = None, train: bool = False
) -> str:
    """Check ``fn(cfg)``: the ``cnn-fashion`` config at a head of 2 neurons with 6 seeds; with
    ``train``, run it and report every seed's accuracy of dense and FPE."""
    overrides = changed_config(fn, "cnn-fashion", profile, {"seeds": 6, "grid": {"hidden": [2]}})
    if not train:
        return "Correct: that config trains 6 seeds of a 2-neuron head (train=True runs it)."
    result = run("cnn-fashion", profile, overrides)
    dense, fpe = (first_record(result, v) for v in ("dense", "random"))
    return (
        f"Correct: you ran 6 seeds of a 2-neuron head. Dense, seed by seed: "
        f"{percents(dense['accuracies'])} (s.d. {100 * dense['accuracy_std']:.1f} points); FPE: "
        f"{percents(fpe['accuracies'])} (s.d. {100 * fpe['accuracy_std']:.1f} points). Which "
        "seeds collapsed (far below the others), and does the expanded head collapse as often?"
    )
