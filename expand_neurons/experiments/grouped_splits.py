"""Accuracy of hardware-friendly splits: how much of the random split's gain a grouped split keeps.

The grouped layout (:mod:`expand_neurons.layers.grouped`) is fast because parents in a block
share one partition of the inputs (``splits.Grouped(blocks)``). Sharing makes children of
different parents collide on the same inputs more often than independent per-parent partitions
do, so it may give up some of the accuracy gain. These experiments measure it on the Boolean
tasks, variant ``grouped-B`` being the grouped split with ``B`` blocks (``B`` equal to the number
of neurons is a per-neuron random split again):

* ``boolean-grouped``: the pilot (8 clauses, 8 neurons, alpha = 2), 1, 2 and 4 blocks (the
  ``paper`` profile adds 8 blocks: one per neuron, the random split itself, drawn from the same
  random numbers, so it reproduces the random variant exactly: a check of the set-up);
* ``boolean-grouped-load``: the gain versus polysemantic load (clauses x neurons).

:func:`~expand_neurons.experiments.analysis.kept_fraction` turns a result into "fraction of the
random split's relative gain kept".
"""

from __future__ import annotations

from .boolean import PAPER_SCALE, register_boolean

__all__ = ["PILOT_BLOCKS"]

#: Block counts of the quick pilot.
PILOT_BLOCKS = (1, 2, 4)

_PILOT_VARIANTS = ["dense", "random", *(f"grouped-{b}" for b in PILOT_BLOCKS)]

register_boolean(
    "boolean-grouped",
    "Pilot: per-neuron random split vs grouped splits with 1, 2, 4 blocks (alpha = 2).",
    {"variants": _PILOT_VARIANTS, "seeds": 4, "n_train": 2048},
    {**PAPER_SCALE, "variants": [*_PILOT_VARIANTS, "grouped-8"]},
)
register_boolean(
    "boolean-grouped-load",
    "Gain versus load (clauses x neurons): random split vs grouped with 1, 2, 4 blocks.",
    {
        "grid": {"n_clauses": [4, 16]},
        "variants": ["dense", "random", "grouped-1", "grouped-2"],
        "seeds": 3,
        "n_train": 2048,
    },
    {
        **PAPER_SCALE,
        "grid": {"n_clauses": [4, 8, 12, 16, 24, 32], "hidden": [4, 8, 12, 16, 24, 32]},
        "variants": ["dense", "random", "grouped-1", "grouped-2", "grouped-4"],
    },
)
