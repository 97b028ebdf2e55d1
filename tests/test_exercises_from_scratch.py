"""FPE built from scratch (the FPE chapter's "Build FPE yourself"): each checker accepts the
chapter's own solution, reports a stub as not attempted, and names plausible mistakes.

The solutions are read from the chapter's solution dropdowns (the package holds none), and the
wrong answers are those solutions with one plausible mistake put in.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
import torch

import expand_neurons as en
from expand_neurons.book.exercise_cells import find_exercises
from expand_neurons.book.exercises import from_scratch
from expand_neurons.book.exercises.core import NOT_ATTEMPTED, ExerciseError

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = (ROOT / "book" / "fpe.md").read_text(encoding="utf-8")
SECTION = CHAPTER[CHAPTER.index("## Build FPE yourself") : CHAPTER.index("\n## Exercises\n")]
SOLUTION = re.compile(
    r"^(`{4,})\{solution\} (fpe-scratch-[\w-]+)\n.*?^```python\n(.*?)^```\n.*?^\1$",
    re.MULTILINE | re.DOTALL,
)
CODE_CELL = re.compile(r"^```\{code-cell\} ipython3\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: The learner's functions, in the order of the steps, with the label of their exercise.
STEPS = {
    "fpe-scratch-split": "split_masks",
    "fpe-scratch-first": "expand_first_layer",
    "fpe-scratch-copy": "copy_outgoing",
    "fpe-scratch-prune": "prune_to_budget",
    "fpe-scratch-together": "my_expand",
}
SOLUTIONS = {label: code for _, label, code in SOLUTION.findall(SECTION)}


def solved(**mistakes: tuple[str, str]) -> dict:
    """The chapter's first code cell of the section and every solution, run in one namespace
    (as a learner's notebook would), with ``mistakes[label] = (old, new)`` put into a solution."""
    namespace: dict = {"en": en}
    exec(CODE_CELL.search(SECTION)[1], namespace)
    for label, code in SOLUTIONS.items():
        if label in mistakes:
            old, new = mistakes[label]
            assert old in code, f"{old!r} is not in the solution of {label}"
            code = code.replace(old, new)
        exec(code, namespace)
    return namespace


def test_every_step_is_a_graded_exercise_with_a_stub_cell_then_a_check_cell():
    assert set(SOLUTIONS) == set(STEPS), "every step has a ```python solution in its dropdown"
    assert "literalinclude" not in SECTION and "solutions" not in SECTION
    cells = jupytext.read(ROOT / "book" / "fpe.md").cells
    found = {e.label: e for e in find_exercises(cells, "fpe")}
    for label, name in STEPS.items():
        exercise = found[label]
        assert exercise.graded and exercise.stars and exercise.minutes, label
        (stub,), (check,) = exercise.stubs, exercise.checks
        assert cells[stub].source.startswith(f"def {name}("), label
        assert 'raise NotImplementedError("your code here")' in cells[stub].source, label
        assert cells[check].source.startswith(
            f"from expand_neurons.book.exercises.from_scratch import check_{name}\n"
        ), label
        assert f"print(check_{name}({name}" in cells[check].source, label


def test_the_package_holds_no_answer():
    package = ROOT / "expand_neurons"
    for path in package.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for name in STEPS.values():
            assert f"def {name}(" not in source, f"{path.name} defines {name}: an importable answer"


CHECKS = {
    "split_masks": lambda ns: from_scratch.check_split_masks(ns["split_masks"]),
    "expand_first_layer": lambda ns: from_scratch.check_expand_first_layer(
        ns["expand_first_layer"]
    ),
    "copy_outgoing": lambda ns: from_scratch.check_copy_outgoing(ns["copy_outgoing"]),
    "prune_to_budget": lambda ns: from_scratch.check_prune_to_budget(ns["prune_to_budget"]),
    "my_expand": lambda ns: from_scratch.check_my_expand(ns["my_expand"], ns["split_masks"]),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_each_checker_accepts_the_chapters_solution(name):
    assert CHECKS[name](solved()).startswith("Correct"), name


def _raises(*args):
    raise NotImplementedError


@pytest.mark.parametrize("stub", [_raises, lambda *args: None], ids=["raises", "returns None"])
@pytest.mark.parametrize("name", list(CHECKS))
def test_a_stub_is_not_attempted_and_gets_the_hint(name, stub):
    namespace = solved()
    namespace[name] = stub
    message = CHECKS[name](namespace)
    assert message.startswith(NOT_ATTEMPTED), message
    assert getattr(from_scratch, f"check_{name}").hint in message


def test_my_expand_is_not_attempted_while_the_split_is_a_stub():
    namespace = solved()
    namespace["split_masks"] = _raises
    assert from_scratch.check_my_expand(namespace["my_expand"], _raises).startswith(NOT_ATTEMPTED)


def _rejected(name: str, match: str, namespace: dict) -> None:
    with pytest.raises(ExerciseError, match=match):
        CHECKS[name](namespace)


def test_split_masks_rejects_overlapping_shared_deterministic_and_paired_splits():
    ns = solved()
    ns["split_masks"] = lambda w, alpha, g: torch.ones(w.shape[0], alpha, w.shape[1]) > 0
    _rejected("split_masks", "disjoint", ns)
    one_order = "torch.rand(d, generator=generator).expand(h, d)"
    _rejected(
        "split_masks",
        "every parent got the same split",
        solved(**{"fpe-scratch-split": ("torch.rand(h, d, generator=generator)", one_order)}),
    )
    blocks = "torch.arange(d).expand(h, d)"  # contiguous positions, no randomness
    _rejected(
        "split_masks",
        "deterministic",
        solved(**{"fpe-scratch-split": ("torch.rand(h, d, generator=generator)", blocks)}),
    )
    global_rng = ("torch.rand(h, d, generator=generator)", "torch.rand(h, d)")
    _rejected("split_masks", "same generator state", solved(**{"fpe-scratch-split": global_rng}))
    pairs = "torch.rand((h + 1) // 2, d, generator=generator).repeat_interleave(2, dim=0)[:h]"
    _rejected(
        "split_masks",
        r"pairs of parents .* both got the same split",
        solved(**{"fpe-scratch-split": ("torch.rand(h, d, generator=generator)", pairs)}),
    )


def test_expand_first_layer_rejects_child_major_rows_copied_biases_and_missing_masks():
    step = "fpe-scratch-first"
    child_major = ("children.reshape", "children.transpose(0, 1).reshape")
    _rejected("expand_first_layer", "grouped by child", solved(**{step: child_major}))
    copied = ("bias.repeat_interleave(alpha) / alpha", "bias.repeat_interleave(alpha)")
    _rejected("expand_first_layer", r"b / alpha", solved(**{step: copied}))
    unmasked = ("weight[:, None, :] * masks", "weight[:, None, :].expand(h, alpha, d)")
    _rejected("expand_first_layer", "only on its own inputs", solved(**{step: unmasked}))


def test_copy_outgoing_rejects_tiling_rescaling_and_copied_rows():
    step = "fpe-scratch-copy"
    tiled = ("weight.repeat_interleave(alpha, dim=1)", "weight.repeat(1, alpha)")
    _rejected("copy_outgoing", "repeat_interleave, not repeat", solved(**{step: tiled}))
    scaled = (
        "weight.repeat_interleave(alpha, dim=1)",
        "weight.repeat_interleave(alpha, 1) / alpha",
    )
    _rejected("copy_outgoing", "without rescaling", solved(**{step: scaled}))
    rows = ("repeat_interleave(alpha, dim=1)", "repeat_interleave(alpha, dim=0)")
    _rejected("copy_outgoing", "columns, not the rows", solved(**{step: rows}))


def _only_copies(weights, budget, generator):
    """A plausible mistake: keep all of W1' and prune only among the copies of W2'."""
    w1, w2 = weights
    keep2 = torch.zeros(w2.numel(), dtype=torch.bool)
    keep2[w2.abs().flatten().argsort(descending=True)[: budget - int(w1.count_nonzero())]] = True
    return [w1 != 0, keep2.view_as(w2)]


def test_prune_to_budget_rejects_pruning_per_layer_ties_by_position_and_a_wrong_count():
    ns = solved()
    ns["prune_to_budget"] = _only_copies
    _rejected("prune_to_budget", "wrong weights kept.*across all the tensors", ns)
    by_position = ("torch.randperm(len(flat), generator=generator)", "torch.arange(len(flat))")
    _rejected(
        "prune_to_budget",
        "broke the ties by position",
        solved(**{"fpe-scratch-prune": by_position}),
    )
    one_short = ("int(live.sum()) - budget", "int(live.sum()) - budget - 1")
    _rejected("prune_to_budget", "1 too many", solved(**{"fpe-scratch-prune": one_short}))


def test_my_expand_rejects_a_budget_without_the_child_biases_loose_masks_and_a_new_generator():
    step = "fpe-scratch-together"
    parents_biases = ("int(b1.count_nonzero())", "int(first.bias.count_nonzero())")
    _rejected("my_expand", r"\(alpha - 1\) h too many", solved(**{step: parents_biases}))
    loose = ("set_mask(layer, keep)", "layer.weight.data.mul_(keep)")
    _rejected("my_expand", "non-zero again.*parametrization", solved(**{step: loose}))
    fresh = (
        "prune_to_budget([w1, w2], budget, generator)",
        "prune_to_budget([w1, w2], budget, torch.Generator().manual_seed(seed))",
    )
    _rejected("my_expand", "with the generator that drew the split", solved(**{step: fresh}))
    unpruned = (
        "keep1, keep2 = prune_to_budget([w1, w2], budget, generator)",
        "keep1, keep2 = w1 != 0, w2 != 0",
    )
    _rejected("my_expand", r"\(alpha - 1\)\(c h \+ h\) too many", solved(**{step: unpruned}))


def test_my_expand_must_leave_the_dense_model_unchanged():
    ns = solved()
    mine = ns["my_expand"]

    def in_place(model, alpha, seed):
        out = mine(model, alpha, seed)
        with torch.no_grad():
            model[0].weight.zero_()
        return out

    ns["my_expand"] = in_place
    _rejected("my_expand", "changed the model it was given", ns)
