"""The variants an experiment trains after the split, by name.

``dense`` (the baseline: the dense model trained on), ``random``, ``clause``, ``feature`` and
``overlap`` (FPE with that split), ``packed`` and ``apart`` (FPE with ``splits.Packed`` /
``splits.Apart``: the same clauses whole, colliding in one child or kept apart),
``dropconnect`` (the dense width with DropConnect; the ablations use a tuned rate,
:data:`~expand_neurons.experiments.boolean.ABLATION_DROPCONNECT_P`) and ``grouped-B`` (FPE with
the block-shared split ``splits.Grouped(blocks=B)``). A name is read in one place,
:func:`parse_variant`; results carry the parsed fields (``blocks``), so nothing downstream reads
names apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from torch import nn

from ..baselines import dropconnect
from ..expansion import expand
from ..schedule import Variant, dense_variant
from ..splits import Apart, ClauseAligned, Grouped, Packed, SplitSpec

if TYPE_CHECKING:
    from ..tasks import BooleanTask

__all__ = ["VARIANTS", "VariantSpec", "parse_variant", "check_variant", "make_variant"]

#: Variant names (``grouped-B`` for any number of blocks ``B >= 1``).
VARIANTS = (
    "dense",
    "random",
    "clause",
    "feature",
    "overlap",
    "packed",
    "apart",
    "dropconnect",
    "grouped-B",
)


@dataclass(frozen=True)
class VariantSpec:
    """A parsed variant name: its ``kind`` and, for ``grouped``, its ``blocks``."""

    name: str
    kind: str
    blocks: int | None = None

    def fields(self) -> dict[str, object]:
        """What a result record carries beside the name (``blocks`` for grouped variants)."""
        return {} if self.blocks is None else {"blocks": self.blocks}


def parse_variant(name: object) -> VariantSpec:
    """The :class:`VariantSpec` of ``name``; ``ValueError`` naming :data:`VARIANTS` otherwise."""
    if isinstance(name, str):
        if name in VARIANTS[:-1]:
            return VariantSpec(name, name)
        head, _, blocks = name.partition("-")
        if head == "grouped" and blocks.isdigit() and int(blocks) >= 1:
            return VariantSpec(name, "grouped", int(blocks))
    raise ValueError(f"unknown variant {name!r}; allowed are {list(VARIANTS)} (B >= 1)")


def check_variant(name: object) -> None:
    """Raise ``ValueError`` unless ``name`` is a variant name."""
    parse_variant(name)


#: The splits that need the task's clause structure, by variant name.
_CLAUSE_SPLITS = {"clause": ClauseAligned, "packed": Packed, "apart": Apart}


def make_variant(
    name: str,
    alpha: int,
    dropconnect_p: float | None = None,
    *,
    bias: str = "split",
    count_biases: bool = True,
) -> Variant:
    """The variant called ``name`` at expansion factor ``alpha``.

    ``bias`` and ``count_biases`` are passed to :func:`~expand_neurons.expansion.expand` by every
    FPE variant (how children get the parent's bias; whether biases count in the budget).

    ``dropconnect`` keeps the dense width and drops weights with ``dropconnect_p`` (default
    ``1 - 1/alpha``). ``clause``, ``packed`` and ``apart`` read the clause structure from the
    data set they are applied to (a :class:`~expand_neurons.tasks.BooleanTask`).
    """
    spec = parse_variant(name)

    def fpe(m: nn.Module, split: SplitSpec, s: int) -> nn.Module:
        return expand(
            cast(nn.Sequential, m), alpha, split, seed=s, bias=bias, count_biases=count_biases
        )

    if spec.kind == "dense":
        return dense_variant()
    # the models are nn.Sequential MLPs, the clause variant's data a BooleanTask
    if spec.kind in _CLAUSE_SPLITS:
        make_split = _CLAUSE_SPLITS[spec.kind]

        def clause(m: nn.Module, d: object, s: int) -> nn.Module:
            task = cast("BooleanTask", d)
            split = make_split(task.clause_inputs, task.n_inputs)
            return fpe(m, split, s)

        return Variant(name, clause)
    if spec.kind == "grouped":
        split = Grouped(spec.blocks or 1)
        return Variant(name, lambda m, d, s: fpe(m, split, s))
    if spec.kind == "dropconnect":
        p = 1 - 1 / alpha if dropconnect_p is None else dropconnect_p
        return Variant(name, lambda m, d, s: dropconnect(m, p))
    return Variant(name, lambda m, d, s: fpe(m, spec.kind, s))
